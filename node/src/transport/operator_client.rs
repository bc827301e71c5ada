//! Connects to a node's operator API on its Unix socket (used by the CLI and the tests).

use std::path::{Path, PathBuf};

use hyper_util::rt::TokioIo;
use rogatory_proto::v1::operator_client::OperatorClient;
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};

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
    Ok(OperatorClient::new(channel)
        .max_decoding_message_size(256 * 1024 * 1024)
        .max_encoding_message_size(256 * 1024 * 1024))
}
