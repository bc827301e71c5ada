//! Connects to a node's operator API on its Unix socket (used by the CLI and the tests).

use std::path::{Path, PathBuf};

use hyper_util::rt::TokioIo;
use rogatory_proto::v1::operator_client::OperatorClient;
use tokio::net::UnixStream;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint, Uri};

use super::caller_language::AcceptLanguage;
use crate::locale::Language;

#[derive(Debug, thiserror::Error)]
#[error(
    "cannot reach the node's operator socket {path}: {detail}. Is `rogatoryd` running with this \
     data directory, and are you its user?"
)]
pub struct OperatorConnectError {
    pub path: PathBuf,
    pub detail: String,
}

/// Opens an operator API client on the socket at `path`.
pub async fn connect(path: &Path) -> Result<OperatorClient<Channel>, OperatorConnectError> {
    Ok(sized(OperatorClient::new(channel(path).await?)))
}

/// An operator API client that asks for the node's refusals in `language` on every call
/// (`accept-language`, see `caller_language`).
pub async fn connect_in(
    path: &Path,
    language: Language,
) -> Result<OperatorClient<InterceptedService<Channel, AcceptLanguage>>, OperatorConnectError> {
    let channel = channel(path).await?;
    Ok(sized(OperatorClient::with_interceptor(
        channel,
        AcceptLanguage(language),
    )))
}

/// Room for a whole audit-log export chunk or case thread in one answer.
fn sized<T>(client: OperatorClient<T>) -> OperatorClient<T>
where
    T: tonic::client::GrpcService<tonic::body::Body>,
    T::Error: Into<tonic::codegen::StdError>,
    T::ResponseBody: tonic::codegen::Body<Data = tonic::codegen::Bytes> + Send + 'static,
    <T::ResponseBody as tonic::codegen::Body>::Error: Into<tonic::codegen::StdError> + Send,
{
    client
        .max_decoding_message_size(256 * 1024 * 1024)
        .max_encoding_message_size(256 * 1024 * 1024)
}

async fn channel(path: &Path) -> Result<Channel, OperatorConnectError> {
    let error = |detail: String| OperatorConnectError {
        path: path.to_owned(),
        detail,
    };
    // Fail early with a clear message rather than a generic transport error.
    UnixStream::connect(path)
        .await
        .map_err(|e| error(e.to_string()))?;
    let socket = path.to_owned();
    let channel = Endpoint::from_static("http://operator.local")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let socket = socket.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(socket).await?)) }
        }))
        .await
        .map_err(|e| error(crate::error_chain(&e)))?;
    Ok(channel)
}
