//! Which node a command talks to, and the call to it.
//!
//! A node is named by its directory or its `node.toml` (`--node`, default: the current
//! directory); its operator socket is `operator_socket.path` there, by default
//! `<data_dir>/operator.sock`. `--socket` bypasses the
//! configuration. The CLI only ever reaches a node through that socket, never its files.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rogatory_node::identity::config::NodeConfig;
use rogatory_node::operations::provision::CONFIG_FILE;
use rogatory_node::transport::caller_language::AcceptLanguage;
use rogatory_node::transport::operator_client;
use rogatory_proto::v1::operator_client::OperatorClient;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::failure::RpcError;

/// The operator API client every command uses: each call asks for the node's refusals in the
/// reader's language.
pub type Client = OperatorClient<InterceptedService<Channel, AcceptLanguage>>;

/// The node named on the command line.
#[derive(Debug, Clone)]
pub struct NodeTarget {
    /// A node directory or a `node.toml` path.
    pub node: PathBuf,
    /// An explicit operator socket, overriding the configuration.
    pub socket: Option<PathBuf>,
}

impl NodeTarget {
    /// The node's configuration file: `--node` itself, or `node.toml` inside it.
    pub fn config_path(&self) -> PathBuf {
        config_path(&self.node)
    }

    /// Loads and validates the node's configuration.
    pub fn load_config(&self) -> anyhow::Result<(PathBuf, NodeConfig)> {
        let path = self.config_path();
        let config = NodeConfig::load(&path)?;
        Ok((path, config))
    }

    /// The operator socket to connect to.
    pub fn socket(&self) -> anyhow::Result<PathBuf> {
        match &self.socket {
            Some(socket) => Ok(socket.clone()),
            None => {
                let (_, config) = self.load_config()?;
                Ok(config.operator_socket())
            }
        }
    }

    /// Connects to the node's operator API.
    pub async fn connect(&self) -> anyhow::Result<Client> {
        let socket = self.socket()?;
        Ok(operator_client::connect_in(&socket, crate::i18n::language()).await?)
    }
}

/// `path` if it names a file, otherwise `path/node.toml`.
pub fn config_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(CONFIG_FILE)
    } else {
        path.to_owned()
    }
}

/// Turns a gRPC answer into the response or an error saying what was being done.
pub fn answer<T>(
    result: Result<tonic::Response<T>, tonic::Status>,
    doing: impl FnOnce() -> String,
) -> anyhow::Result<T> {
    result
        .map(tonic::Response::into_inner)
        .map_err(RpcError::from)
        .with_context(doing)
}
