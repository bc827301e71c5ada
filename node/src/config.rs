//! The node's configuration file (TOML), parsed into a validated [`NodeConfig`].
//!
//! Relative paths in the file are resolved against the directory holding the file, so a node
//! directory can be moved as a whole. See `config/node.example.toml` for every key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use rogatory_proto::ids::NodeId;
use serde::Deserialize;

use crate::keys;

/// The default largest envelope payload a node accepts: 1 MiB.
pub const DEFAULT_MAX_ENVELOPE_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("configuration file {path}: `{key}`: {problem}")]
    Invalid {
        path: PathBuf,
        key: String,
        problem: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    node_id: String,
    listen: String,
    data_dir: PathBuf,
    keys: RawKeys,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    peers: Vec<RawPeer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeys {
    signing_key: PathBuf,
    tls_certificate: PathBuf,
    tls_key: PathBuf,
    federation_ca: PathBuf,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_envelope_bytes: Option<usize>,
    delivery_timeout_seconds: Option<u64>,
    delivery_alert_after_seconds: Option<u64>,
    max_concurrent_deliveries: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeer {
    node_id: String,
    address: String,
    public_key: String,
}

/// A peer as configured: who it is, where to reach it, and the key its messages are signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerConfig {
    pub node_id: NodeId,
    /// `host:port` of the peer's federation listener.
    pub address: String,
    pub public_key: VerifyingKey,
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
    pub peers: Vec<PeerConfig>,
}

impl NodeConfig {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base, path)
    }

    /// Parses configuration text; relative paths are resolved against `base`.
    pub fn parse(text: &str, base: &Path, path: &Path) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let invalid = |key: &str, problem: String| ConfigError::Invalid {
            path: path.to_owned(),
            key: key.to_owned(),
            problem,
        };
        let node_id = NodeId::parse(&raw.node_id).map_err(|e| invalid("node_id", e.to_string()))?;
        let listen = raw.listen.parse().map_err(|e| {
            invalid(
                "listen",
                format!("{e}; write an address and port such as \"0.0.0.0:7400\""),
            )
        })?;
        let resolve = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        let mut peers: Vec<PeerConfig> = Vec::with_capacity(raw.peers.len());
        for (i, peer) in raw.peers.into_iter().enumerate() {
            let key = |field: &str| format!("peers[{i}].{field}");
            let peer_id = NodeId::parse(&peer.node_id)
                .map_err(|e| invalid(&key("node_id"), e.to_string()))?;
            if peer_id == node_id {
                return Err(invalid(
                    &key("node_id"),
                    "a node cannot be its own peer".into(),
                ));
            }
            if peers.iter().any(|p| p.node_id == peer_id) {
                return Err(invalid(
                    &key("node_id"),
                    format!("peer {peer_id} is listed twice"),
                ));
            }
            if !peer.address.contains(':') {
                return Err(invalid(
                    &key("address"),
                    "write host and port, such as \"de.example.org:7400\"".into(),
                ));
            }
            let public_key = keys::decode_public_key(&peer.public_key).map_err(|e| {
                invalid(
                    &key("public_key"),
                    format!("{e}; copy it from `rogatory node identity` on the peer"),
                )
            })?;
            peers.push(PeerConfig {
                node_id: peer_id,
                address: peer.address,
                public_key,
            });
        }
        let max_envelope_bytes = raw
            .limits
            .max_envelope_bytes
            .unwrap_or(DEFAULT_MAX_ENVELOPE_BYTES);
        if !(1024..=64 * 1024 * 1024).contains(&max_envelope_bytes) {
            return Err(invalid(
                "limits.max_envelope_bytes",
                "must be between 1024 and 67108864".into(),
            ));
        }
        let delivery_timeout_seconds = raw.limits.delivery_timeout_seconds.unwrap_or(30);
        if !(1..=3600).contains(&delivery_timeout_seconds) {
            return Err(invalid(
                "limits.delivery_timeout_seconds",
                "must be between 1 and 3600".into(),
            ));
        }
        let delivery_alert_after_seconds = raw.limits.delivery_alert_after_seconds.unwrap_or(3600);
        if !(1..=30 * 24 * 3600).contains(&delivery_alert_after_seconds) {
            return Err(invalid(
                "limits.delivery_alert_after_seconds",
                "must be between 1 and 2592000 (30 days)".into(),
            ));
        }
        let max_concurrent_deliveries = raw.limits.max_concurrent_deliveries.unwrap_or(256);
        if !(1..=65536).contains(&max_concurrent_deliveries) {
            return Err(invalid(
                "limits.max_concurrent_deliveries",
                "must be between 1 and 65536".into(),
            ));
        }
        Ok(Self {
            node_id,
            listen,
            data_dir: resolve(raw.data_dir),
            keys: KeyPaths {
                signing_key: resolve(raw.keys.signing_key),
                tls_certificate: resolve(raw.keys.tls_certificate),
                tls_key: resolve(raw.keys.tls_key),
                federation_ca: resolve(raw.keys.federation_ca),
            },
            max_envelope_bytes,
            delivery_timeout: std::time::Duration::from_secs(delivery_timeout_seconds),
            delivery_alert_after: std::time::Duration::from_secs(delivery_alert_after_seconds),
            max_concurrent_deliveries,
            peers,
        })
    }

    /// The operator API's Unix socket, inside the data directory.
    pub fn operator_socket(&self) -> PathBuf {
        operator_socket_path(&self.data_dir)
    }
}

/// Where a node with this data directory serves its operator API.
pub fn operator_socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("operator.sock")
}

/// Renders a configuration file, with comments, for `rogatory node create` and the demo.
pub fn render(
    node_id: &NodeId,
    listen: SocketAddr,
    data_dir: &Path,
    peers: &[PeerConfig],
) -> String {
    let mut out = format!(
        "# Rogatory node configuration for `{node_id}`. Every key is described in\n\
         # config/node.example.toml. Relative paths are relative to this file.\n\n\
         node_id = \"{node_id}\"\n\
         # Federation port: peers connect here with mutual TLS.\n\
         listen = \"{listen}\"\n\
         # The audit log, messages and the operator socket live here.\n\
         data_dir = {data_dir:?}\n\n\
         [keys]\n\
         signing_key = \"keys/signing-key.pem\"\n\
         tls_certificate = \"keys/tls-certificate.pem\"\n\
         tls_key = \"keys/tls-key.pem\"\n\
         federation_ca = \"keys/federation-ca.pem\"\n\n\
         [limits]\n\
         max_envelope_bytes = {DEFAULT_MAX_ENVELOPE_BYTES}\n\
         delivery_timeout_seconds = 30\n\
         delivery_alert_after_seconds = 3600\n\
         max_concurrent_deliveries = 256\n",
        data_dir = data_dir.display().to_string(),
    );
    for peer in peers {
        out.push_str(&render_peer(peer));
    }
    out
}

/// One `[[peers]]` table.
pub fn render_peer(peer: &PeerConfig) -> String {
    format!(
        "\n[[peers]]\nnode_id = \"{}\"\naddress = \"{}\"\npublic_key = \"{}\"\n",
        peer.node_id,
        peer.address,
        keys::encode_public_key(&peer.public_key)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(peers: &str) -> String {
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
    fn bad_peer_key_names_the_key() {
        let text = sample("[[peers]]\nnode_id = \"de\"\naddress = \"x:1\"\npublic_key = \"zz\"\n");
        let err = NodeConfig::parse(&text, Path::new("/"), Path::new("x")).expect_err("invalid");
        assert!(err.to_string().contains("peers[0].public_key"), "{err}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = sample("\nlisten_port = 3\n");
        assert!(NodeConfig::parse(&text, Path::new("/"), Path::new("x")).is_err());
    }

    #[test]
    fn rendered_config_parses_back() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]).verifying_key();
        let peer = PeerConfig {
            node_id: NodeId::parse("de").expect("id"),
            address: "127.0.0.1:7403".into(),
            public_key: key,
        };
        let tm = NodeId::parse("tm").expect("id");
        let text = render(
            &tm,
            "127.0.0.1:7401".parse().expect("addr"),
            Path::new("/d"),
            std::slice::from_ref(&peer),
        );
        let config = NodeConfig::parse(&text, Path::new("/n"), Path::new("x")).expect("valid");
        assert_eq!(config.peers, vec![peer]);
        assert_eq!(
            config.keys.signing_key,
            Path::new("/n/keys/signing-key.pem")
        );
    }

    #[test]
    fn the_commented_example_parses() {
        let text = include_str!("../../config/node.example.toml");
        let config = NodeConfig::parse(text, Path::new("/etc/rogatory"), Path::new("example"))
            .expect("config/node.example.toml must stay valid");
        assert_eq!(config.peers.len(), 2);
        assert_eq!(config.data_dir, Path::new("/etc/rogatory/data"));
    }
}
