//! Callers outside a node's peer table holding a valid federation certificate: an HTTP/2
//! client (hyper's, over a real federation TLS connection) whose gRPC request body may send
//! part of a message and then never another byte.

use std::convert::Infallible;
use std::sync::Arc;

use anyhow::Result;
use futures_util::StreamExt;
use http_body_util::StreamBody;
use http_body_util::combinators::BoxBody;
use hyper::body::{Frame, Incoming};
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::ClientConfig;
use tokio::task::JoinHandle;
use tonic::codegen::{Bytes, http};

use super::connections::tls_connect;
use crate::Federation;

type RequestBody = BoxBody<Bytes, Infallible>;

/// One HTTP/2 connection, and whether the server has ended it.
#[derive(Debug)]
pub struct H2Connection {
    sender: SendRequest<RequestBody>,
    authority: String,
    /// The connection's driver: finished once the connection is gone.
    driver: JoinHandle<()>,
}

impl Drop for H2Connection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl H2Connection {
    /// Connects to `to` with `config` and completes the HTTP/2 handshake.
    pub async fn open(
        federation: &Federation,
        config: Arc<ClientConfig>,
        to: &str,
    ) -> Result<Self> {
        let tls = tls_connect(federation, config, to).await?;
        let (sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls)).await?;
        let driver = tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Self {
            sender,
            authority: to.to_owned(),
            driver,
        })
    }

    /// Whether the server closed the connection.
    pub fn closed(&self) -> bool {
        self.driver.is_finished()
    }

    /// Calls `path` with a body announcing a gRPC message of `announced` bytes of which only
    /// `sent` zero bytes follow; the body never ends. Returns the answer's head as soon as the
    /// server sends it.
    pub async fn stalled_call(
        &mut self,
        path: &str,
        announced: u32,
        sent: usize,
    ) -> Result<http::Response<Incoming>> {
        let mut start = vec![0u8];
        start.extend(announced.to_be_bytes());
        start.extend(vec![0u8; sent]);
        let frames = futures_util::stream::iter([Ok(Frame::data(Bytes::from(start)))])
            .chain(futures_util::stream::pending());
        self.call(path, BoxBody::new(StreamBody::new(frames))).await
    }

    /// Calls `path` with `message`, whole, as its request.
    pub async fn whole_call(
        &mut self,
        path: &str,
        message: &[u8],
    ) -> Result<http::Response<Incoming>> {
        let mut whole = vec![0u8];
        whole.extend(u32::try_from(message.len())?.to_be_bytes());
        whole.extend(message);
        let frames = futures_util::stream::iter([Ok(Frame::data(Bytes::from(whole)))]);
        self.call(path, BoxBody::new(StreamBody::new(frames))).await
    }

    async fn call(&mut self, path: &str, body: RequestBody) -> Result<http::Response<Incoming>> {
        let request = http::Request::post(format!("https://{}{path}", self.authority))
            .header("content-type", "application/grpc")
            .header("te", "trailers")
            .body(body)?;
        self.sender.ready().await?;
        Ok(self.sender.send_request(request).await?)
    }
}

/// A gRPC answer's status code, `rogatory-reason` and message, read from its head (a refusal
/// is a Trailers-Only response).
pub fn grpc_status_of<B>(response: &http::Response<B>) -> (Option<i32>, String, String) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let status = tonic::Status::from_header_map(response.headers());
    (
        header("grpc-status").parse().ok(),
        header(rogatory_node::transport::status::REASON_KEY),
        status
            .map(|status| status.message().to_owned())
            .unwrap_or_default(),
    )
}
