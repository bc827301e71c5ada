//! The plain-HTTP endpoint that shows what the node counts (`node::metrics`) to Prometheus.
//!
//! The endpoint is off unless `[metrics] listen` is configured, and it serves only
//! `GET /metrics`: no TLS and no authentication, which is why the configuration refuses a
//! non-loopback address unless the operator says otherwise. The series are listed in README.md
//! ("Metrics").

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus_client::encoding::prometheus_text;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::node::Node;
use crate::storage::store::StoreError;

/// Scrapes served at once; more connections are closed unanswered (a scraper retries).
const MAX_CONNECTIONS: usize = 16;
/// A scraper must send its request headers within this time.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Upper bound on one connection (one request: keep-alive is off).
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);
/// Why a scrape failed (the scraper gets a 500 and no detail; the node's log has this).
#[derive(Debug, thiserror::Error)]
pub enum ScrapeError {
    #[error("cannot read the node's state")]
    Store(#[from] StoreError),
    #[error("cannot encode the metrics")]
    Encode(#[from] std::fmt::Error),
    #[error("the scrape task failed: {0}")]
    Task(String),
}

/// The current metrics of `node` as exposition text, with the stored-state gauges refreshed.
pub async fn scrape(node: Arc<Node>) -> Result<String, ScrapeError> {
    tokio::task::spawn_blocking(move || {
        node.metrics.refresh(&node)?;
        Ok(node.metrics.encode()?)
    })
    .await
    .map_err(|e| ScrapeError::Task(e.to_string()))?
}

/// Serves `GET /metrics` on `listener` until `shutdown`; other paths get 404. Connections
/// still open at shutdown are closed (a cut-off scrape changes nothing).
pub async fn serve(listener: TcpListener, node: Arc<Node>, shutdown: CancellationToken) {
    if let Ok(address) = listener.local_addr() {
        tracing::info!(%address, "serving Prometheus metrics at /metrics");
    }
    let mut connections = JoinSet::new();
    loop {
        let (stream, remote) = tokio::select! {
            _ = shutdown.cancelled() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, typically: let some close before trying again.
                    tracing::warn!(%error, "cannot accept a metrics connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        if connections.len() >= MAX_CONNECTIONS {
            tracing::debug!(%remote, "too many metrics connections; closing this one");
            continue;
        }
        let node = Arc::clone(&node);
        let span = tracing::debug_span!("metrics", %remote);
        connections.spawn(
            async move {
                let service = service_fn(move |request| respond(Arc::clone(&node), request));
                let connection = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .keep_alive(false)
                    .serve_connection(TokioIo::new(stream), service);
                match tokio::time::timeout(CONNECTION_TIMEOUT, connection).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => tracing::debug!(%error, "metrics connection failed"),
                    Err(_) => tracing::debug!("metrics connection timed out"),
                }
            }
            .instrument(span),
        );
    }
    connections.shutdown().await;
}

async fn respond(
    node: Arc<Node>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.uri().path() != "/metrics" {
        return Ok(plain(StatusCode::NOT_FOUND, "not found: try /metrics\n"));
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "use GET\n");
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Ok(response);
    }
    match scrape(node).await {
        Ok(text) => {
            let mut response = Response::new(Full::new(Bytes::from(text)));
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static(prometheus_text::CONTENT_TYPE),
            );
            Ok(response)
        }
        Err(error) => {
            tracing::error!(error = %crate::error_chain(&error), "metrics scrape failed");
            Ok(plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the node cannot read its state; see its log\n",
            ))
        }
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
