//! The node's configuration file (TOML), parsed into a validated [`NodeConfig`].
//!
//! Relative paths in the file are resolved against the directory holding the file, so a node
//! directory can be moved as a whole. See `config/node.example.toml` for every key.
//!
//! Validation reports every problem it finds at once, each naming its key, so an operator fixes
//! a file in one pass. Environment variables named in [`ENV_OVERRIDES`] replace single keys
//! (for containers and service managers); a problem in such a value names the variable.
//!
//! The sections live in `config/`: the file's shape and its validation (`validate`), the
//! numeric sections and their defaults (`limits`), `deadlines`, the operator socket and contact
//! points (`operator`), environment overrides (`env`), problems and errors (`problems`), and
//! writing a file (`render`). Every public item is re-exported here.

mod deadlines;
mod env;
mod limits;
mod operator;
mod problems;
mod render;
mod validate;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use rogatory_proto::deadlines::DeadlinePolicy;
use rogatory_proto::ids::NodeId;
use serde::Deserialize;

use crate::identity::users::ContactPoint;
pub use env::ENV_OVERRIDES;
use env::{override_value, set_dotted};
pub use limits::{
    AlertThresholds, AttachmentLimits, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_ATTACHMENT_BYTES,
    DEFAULT_MAX_ATTACHMENTS_PER_MESSAGE_BYTES, DEFAULT_MAX_ENVELOPE_BYTES,
    DEFAULT_MAX_PARTIAL_BYTES_PER_PEER, DEFAULT_MAX_TRANSFERS_PER_PEER,
    DEFAULT_MIN_TRANSFER_BYTES_PER_SECOND, DEFAULT_PARTIAL_EXPIRY_SECONDS,
    DEFAULT_RESERVE_MEGABYTES, DEFAULT_TRANSFER_GRACE_SECONDS,
};
pub use operator::{OperatorSocket, operator_socket_path};
use problems::Problems;
pub use problems::{ConfigError, ConfigProblem};
pub use render::{render, render_peer};
use validate::RawConfig;

/// A peer as configured: who it is, where to reach it, and the key its messages are signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerConfig {
    pub node_id: NodeId,
    /// `host:port` of the peer's federation listener.
    pub address: String,
    pub public_key: VerifyingKey,
}

/// A federation governed by a roster (docs/PROTOCOL.md section 11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationConfig {
    /// The roster file read at start: one armored roster or a chain of them, genesis first.
    /// Once the node holds rosters in its store, the newer of the two is in force.
    pub roster: PathBuf,
    /// `[[peers]]` entries: where this node reaches a member, instead of the roster's address.
    pub addresses: std::collections::BTreeMap<NodeId, String>,
}

/// Paths to the node's key material, resolved to absolute or config-relative paths.
#[derive(Debug, Clone)]
pub struct KeyPaths {
    pub signing_key: PathBuf,
    pub tls_certificate: PathBuf,
    pub tls_key: PathBuf,
    pub federation_ca: PathBuf,
}

/// A validated node configuration.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    pub node_id: NodeId,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub keys: KeyPaths,
    pub max_envelope_bytes: usize,
    /// Upper bound on one delivery attempt to a peer (connect, TLS, RPC).
    pub delivery_timeout: std::time::Duration,
    /// A message still undelivered after this long is flagged overdue (it stays queued).
    pub delivery_alert_after: std::time::Duration,
    /// Incoming deliveries handled at once; beyond that peers are told to retry later.
    pub max_concurrent_deliveries: usize,
    /// Free space on the data directory's file system that new work may not use: below it
    /// the node refuses new messages, submissions and uploads (`disk_space`).
    pub disk_reserve_bytes: u64,
    /// An inbound federation connection with no call open for this long is closed.
    pub idle_connection_timeout: std::time::Duration,
    /// The peers and their keys, when no roster is configured (empty with one).
    pub peers: Vec<PeerConfig>,
    /// `[federation]`: the roster this node starts from, if the federation has one.
    pub federation: Option<FederationConfig>,
    /// A `tracing` filter such as "info" or "info,rogatory_node::delivery::outbox=debug" (None: "info");
    /// the ROGATORY_LOG environment variable wins over it.
    pub log_level: Option<String>,
    /// Where to serve Prometheus metrics over plain HTTP (None: not at all). Loopback unless
    /// the file says `metrics.allow_remote = true`.
    pub metrics_listen: Option<SocketAddr>,
    pub alerts: AlertThresholds,
    pub attachments: AttachmentLimits,
    /// The contact-point directory file this node publishes, signed (None: an empty one).
    pub directory: Option<PathBuf>,
    /// The local users who submit in this node's name, by Unix uid (empty: the name a client
    /// declares is recorded, marked as declared).
    pub contact_points: Vec<ContactPoint>,
    pub operator: OperatorSocket,
    /// When requests' steps fall due, for the case listings and the `case-overdue` warning.
    pub deadlines: DeadlinePolicy,
    /// How often peers' cached directories are fetched again in the background (jittered).
    pub directory_refresh: std::time::Duration,
}

impl NodeConfig {
    /// Reads and validates a configuration file, with the environment's overrides applied.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let overrides: Vec<(&str, &str, String)> = ENV_OVERRIDES
            .iter()
            .filter_map(|(var, key)| std::env::var(var).ok().map(|value| (*var, *key, value)))
            .collect();
        Self::parse_with_overrides(&text, base, path, &overrides)
    }

    /// Parses configuration text; relative paths are resolved against `base`.
    pub fn parse(text: &str, base: &Path, path: &Path) -> Result<Self, ConfigError> {
        Self::parse_with_overrides(text, base, path, &[])
    }

    /// Parses configuration text after replacing keys: (variable that set it, dotted key, value).
    pub fn parse_with_overrides(
        text: &str,
        base: &Path,
        path: &Path,
        overrides: &[(&str, &str, String)],
    ) -> Result<Self, ConfigError> {
        let parse_error = |message: String| ConfigError::Parse {
            path: path.to_owned(),
            message,
        };
        let mut table: toml::Table =
            toml::from_str(text).map_err(|e| parse_error(e.to_string()))?;
        for (var, key, value) in overrides {
            set_dotted(&mut table, key, override_value(value))
                .map_err(|e| parse_error(format!("environment variable {var}: {e}")))?;
        }
        let raw = RawConfig::deserialize(table).map_err(|e| parse_error(e.to_string()))?;
        let mut problems = Problems {
            list: Vec::new(),
            overrides,
        };
        let config = raw.validate(base, &mut problems);
        match config {
            Some(config) if problems.list.is_empty() => Ok(config),
            _ => Err(ConfigError::Invalid {
                path: path.to_owned(),
                problems: problems.list,
            }),
        }
    }

    /// Whether any `[limits]` value differs from `other`'s.
    pub fn limits_differ(&self, other: &Self) -> bool {
        (
            self.max_envelope_bytes,
            self.delivery_timeout,
            self.delivery_alert_after,
            self.max_concurrent_deliveries,
            self.idle_connection_timeout,
            self.attachments,
            self.disk_reserve_bytes,
        ) != (
            other.max_envelope_bytes,
            other.delivery_timeout,
            other.delivery_alert_after,
            other.max_concurrent_deliveries,
            other.idle_connection_timeout,
            other.attachments,
            other.disk_reserve_bytes,
        )
    }

    /// The operator API's Unix socket: `operator_socket.path`, by default inside the data
    /// directory.
    pub fn operator_socket(&self) -> PathBuf {
        self.operator.path.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn sample(peers: &str) -> String {
        format!(
            "node_id = \"tm\"\nlisten = \"127.0.0.1:7401\"\ndata_dir = \"data\"\n\
             [keys]\nsigning_key = \"k\"\ntls_certificate = \"c\"\ntls_key = \"t\"\n\
             federation_ca = \"/etc/ca.pem\"\n{peers}"
        )
    }

    #[test]
    fn relative_paths_resolve_against_the_file() {
        let config =
            NodeConfig::parse(&sample(""), Path::new("/srv/tm"), Path::new("x")).expect("valid");
        assert_eq!(config.data_dir, Path::new("/srv/tm/data"));
        assert_eq!(config.keys.federation_ca, Path::new("/etc/ca.pem"));
        assert_eq!(config.max_envelope_bytes, DEFAULT_MAX_ENVELOPE_BYTES);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = sample("\nlisten_port = 3\n");
        assert!(NodeConfig::parse(&text, Path::new("/"), Path::new("x")).is_err());
    }

    #[test]
    fn the_commented_example_parses() {
        let text = include_str!("../../../config/node.example.toml");
        let config = NodeConfig::parse(text, Path::new("/etc/rogatory"), Path::new("example"))
            .expect("config/node.example.toml must stay valid");
        assert_eq!(config.peers.len(), 2);
        assert_eq!(config.data_dir, Path::new("/etc/rogatory/data"));
    }
}
