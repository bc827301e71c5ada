//! The node's configuration file (TOML), parsed into a validated [`NodeConfig`].
//!
//! Relative paths in the file are resolved against the directory holding the file, so a node
//! directory can be moved as a whole. See `config/node.example.toml` for every key.
//!
//! Validation reports every problem it finds at once, each naming its key, so an operator fixes
//! a file in one pass. Environment variables named in [`ENV_OVERRIDES`] replace single keys
//! (for containers and service managers); a problem in such a value names the variable.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use rogatory_proto::ids::NodeId;
use serde::Deserialize;

use crate::identity::keys;
use crate::identity::users::{self, ContactPoint};
use rogatory_proto::deadlines::{
    DAY_MS, DeadlinePolicy, HOUR_MS, Inconsistency, Milestone, Periods,
};

/// The default reserve, in MiB: room for sled to write a few new segments and a snapshot, the
/// journal's zeros written ahead (1 MiB at a time), and days of rejections, checkpoints and
/// receipts at the rates a node logs them, with the `disk-low` warning (1 GiB by default)
/// coming long before.
pub const DEFAULT_RESERVE_MEGABYTES: u64 = 64;

/// An established connection with no call open for this long is closed (the node's
/// `limits.idle_connection_timeout_seconds` default): peers reconnect on their next call.
pub const DEFAULT_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// The default largest envelope payload a node accepts: 1 MiB.
pub const DEFAULT_MAX_ENVELOPE_BYTES: usize = 1024 * 1024;

/// Environment variables that override one key of the file each: (variable, dotted key).
/// Values are TOML values when they parse as one (numbers, booleans), strings otherwise.
pub const ENV_OVERRIDES: &[(&str, &str)] = &[
    ("ROGATORY_NODE_ID", "node_id"),
    ("ROGATORY_LISTEN", "listen"),
    ("ROGATORY_DATA_DIR", "data_dir"),
    ("ROGATORY_LOG_LEVEL", "log_level"),
    ("ROGATORY_KEYS_SIGNING_KEY", "keys.signing_key"),
    ("ROGATORY_KEYS_TLS_CERTIFICATE", "keys.tls_certificate"),
    ("ROGATORY_KEYS_TLS_KEY", "keys.tls_key"),
    ("ROGATORY_KEYS_FEDERATION_CA", "keys.federation_ca"),
    (
        "ROGATORY_LIMITS_MAX_ENVELOPE_BYTES",
        "limits.max_envelope_bytes",
    ),
    (
        "ROGATORY_LIMITS_DELIVERY_TIMEOUT_SECONDS",
        "limits.delivery_timeout_seconds",
    ),
    (
        "ROGATORY_LIMITS_DELIVERY_ALERT_AFTER_SECONDS",
        "limits.delivery_alert_after_seconds",
    ),
    (
        "ROGATORY_LIMITS_MAX_CONCURRENT_DELIVERIES",
        "limits.max_concurrent_deliveries",
    ),
    (
        "ROGATORY_LIMITS_DISK_RESERVE_MEGABYTES",
        "limits.disk_reserve_megabytes",
    ),
    (
        "ROGATORY_LIMITS_IDLE_CONNECTION_TIMEOUT_SECONDS",
        "limits.idle_connection_timeout_seconds",
    ),
    (
        "ROGATORY_ATTACHMENTS_MAX_FILE_BYTES",
        "attachments.max_file_bytes",
    ),
    (
        "ROGATORY_ATTACHMENTS_MAX_TOTAL_PER_MESSAGE_BYTES",
        "attachments.max_total_per_message_bytes",
    ),
    (
        "ROGATORY_ATTACHMENTS_MAX_TRANSFERS_PER_PEER",
        "attachments.max_transfers_per_peer",
    ),
    (
        "ROGATORY_ATTACHMENTS_MIN_TRANSFER_BYTES_PER_SECOND",
        "attachments.min_transfer_bytes_per_second",
    ),
    (
        "ROGATORY_ATTACHMENTS_TRANSFER_GRACE_SECONDS",
        "attachments.transfer_grace_seconds",
    ),
    (
        "ROGATORY_ATTACHMENTS_MAX_UPLOAD_BYTES_IN_FLIGHT_PER_PEER",
        "attachments.max_upload_bytes_in_flight_per_peer",
    ),
    (
        "ROGATORY_ATTACHMENTS_MAX_PARTIAL_BYTES_PER_PEER",
        "attachments.max_partial_bytes_per_peer",
    ),
    (
        "ROGATORY_ATTACHMENTS_PARTIAL_EXPIRY_SECONDS",
        "attachments.partial_expiry_seconds",
    ),
    (
        "ROGATORY_ALERTS_PEER_UNREACHABLE_AFTER_SECONDS",
        "alerts.peer_unreachable_after_seconds",
    ),
    (
        "ROGATORY_ALERTS_MIN_FREE_DISK_MEGABYTES",
        "alerts.min_free_disk_megabytes",
    ),
    (
        "ROGATORY_ALERTS_CERTIFICATE_EXPIRY_DAYS",
        "alerts.certificate_expiry_days",
    ),
    ("ROGATORY_METRICS_LISTEN", "metrics.listen"),
    ("ROGATORY_METRICS_ALLOW_REMOTE", "metrics.allow_remote"),
    (
        "ROGATORY_DEADLINES_ACKNOWLEDGE_DAYS",
        "deadlines.acknowledge_days",
    ),
    ("ROGATORY_DEADLINES_DECIDE_DAYS", "deadlines.decide_days"),
    ("ROGATORY_DEADLINES_EXECUTE_DAYS", "deadlines.execute_days"),
    (
        "ROGATORY_DEADLINES_URGENT_ACKNOWLEDGE_HOURS",
        "deadlines.urgent_acknowledge_hours",
    ),
    (
        "ROGATORY_DEADLINES_URGENT_DECIDE_DAYS",
        "deadlines.urgent_decide_days",
    ),
    (
        "ROGATORY_DEADLINES_URGENT_EXECUTE_DAYS",
        "deadlines.urgent_execute_days",
    ),
    (
        "ROGATORY_DIRECTORY_REFRESH_HOURS",
        "directory_refresh_hours",
    ),
];

/// One thing wrong with a configuration: the key and what is wrong with it (with the fix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub key: String,
    pub problem: String,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.key, self.problem)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("configuration file {path}: {}", list_problems(.problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<ConfigProblem>,
    },
}

fn list_problems(problems: &[ConfigProblem]) -> String {
    match problems {
        [one] => one.to_string(),
        many => {
            let mut out = format!("{} problems:", many.len());
            for problem in many {
                out.push_str(&format!("\n  - {problem}"));
            }
            out
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    node_id: String,
    listen: String,
    data_dir: PathBuf,
    #[serde(default)]
    log_level: Option<String>,
    keys: RawKeys,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    alerts: RawAlerts,
    #[serde(default)]
    attachments: RawAttachments,
    #[serde(default)]
    peers: Vec<RawPeer>,
    #[serde(default)]
    metrics: Option<RawMetrics>,
    /// This node's contact-point directory file (see config/directory.example.toml).
    #[serde(default)]
    directory: Option<PathBuf>,
    #[serde(default)]
    contact_points: Vec<RawContactPoint>,
    #[serde(default)]
    operator_socket: RawOperatorSocket,
    #[serde(default)]
    deadlines: RawDeadlines,
    /// Hours between background refreshes of peers' cached directories.
    #[serde(default)]
    directory_refresh_hours: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContactPoint {
    name: Option<String>,
    unix_user: Option<String>,
    uid: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOperatorSocket {
    path: Option<PathBuf>,
    group: Option<String>,
    mode: Option<u32>,
}

/// Where the operator socket is and who may open it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSocket {
    /// Default `<data_dir>/operator.sock`. The data directory is 0700, so a socket shared with
    /// a group must live elsewhere.
    pub path: PathBuf,
    /// The group given the socket (name, gid), so that several accounts can use it.
    pub group: Option<(String, u32)>,
    /// 0o600, or 0o660 for a group socket.
    pub mode: u32,
}

/// The socket's modes the node accepts: the owner only, or owner and group. Never others:
/// whoever opens the socket can read every message of the node.
const SOCKET_MODES: [u32; 2] = [0o600, 0o660];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetrics {
    listen: Option<String>,
    #[serde(default)]
    allow_remote: bool,
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
    disk_reserve_megabytes: Option<u64>,
    idle_connection_timeout_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttachments {
    max_file_bytes: Option<u64>,
    max_total_per_message_bytes: Option<u64>,
    max_transfers_per_peer: Option<usize>,
    min_transfer_bytes_per_second: Option<u64>,
    transfer_grace_seconds: Option<u64>,
    max_upload_bytes_in_flight_per_peer: Option<u64>,
    max_partial_bytes_per_peer: Option<u64>,
    partial_expiry_seconds: Option<u64>,
}

/// Limits on evidence attachments this node stores (its users' and its peers').
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentLimits {
    /// Largest single file.
    pub max_file_bytes: u64,
    /// Largest total of the files one message references.
    pub max_total_per_message_bytes: u64,
    /// Uploads and downloads one peer may have at once: a share of its own, so that a peer
    /// holding all of its slots cannot stop another peer's transfers.
    pub max_transfers_per_peer: usize,
    /// The slowest a transfer may go, on average since its start once the grace has passed:
    /// a peer cannot hold a slot by trickling bytes, and a file of `n` bytes must be through
    /// within `transfer_grace + n / min_transfer_bytes_per_second`.
    pub min_transfer_bytes_per_second: u64,
    /// Time a transfer is given before the minimum rate applies (connection set-up, slow start).
    pub transfer_grace: std::time::Duration,
    /// Total declared size of one peer's uploads in progress.
    pub max_upload_bytes_in_flight_per_peer: u64,
    /// Disk one peer's unfinished uploads may take: its interrupted ones plus the declared
    /// size of those in progress.
    pub max_partial_bytes_per_peer: u64,
    /// An interrupted upload not resumed for this long is deleted.
    pub partial_expiry: std::time::Duration,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
            max_total_per_message_bytes: DEFAULT_MAX_ATTACHMENTS_PER_MESSAGE_BYTES,
            max_transfers_per_peer: DEFAULT_MAX_TRANSFERS_PER_PEER,
            min_transfer_bytes_per_second: DEFAULT_MIN_TRANSFER_BYTES_PER_SECOND,
            transfer_grace: std::time::Duration::from_secs(DEFAULT_TRANSFER_GRACE_SECONDS),
            max_upload_bytes_in_flight_per_peer: DEFAULT_MAX_ATTACHMENTS_PER_MESSAGE_BYTES,
            max_partial_bytes_per_peer: DEFAULT_MAX_PARTIAL_BYTES_PER_PEER,
            partial_expiry: std::time::Duration::from_secs(DEFAULT_PARTIAL_EXPIRY_SECONDS),
        }
    }
}

/// 4 GiB: a day of body-camera video, or a full disk image of a phone.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// 16 GiB across the attachments of one message.
pub const DEFAULT_MAX_ATTACHMENTS_PER_MESSAGE_BYTES: u64 = 16 * 1024 * 1024 * 1024;
/// Four transfers per peer: a message's files go one after the other, so four lets a peer's
/// lanes overlap while 30 peers at most hold 120 transfers of a few MiB of memory each.
pub const DEFAULT_MAX_TRANSFERS_PER_PEER: usize = 4;
/// 16 KiB/s (128 kbit/s): far below any link a ministry uses, far above a trickle.
pub const DEFAULT_MIN_TRANSFER_BYTES_PER_SECOND: u64 = 16 * 1024;
/// A minute before the minimum rate applies.
pub const DEFAULT_TRANSFER_GRACE_SECONDS: u64 = 60;
/// Twice a message's largest total: room for one interrupted message and one in progress.
pub const DEFAULT_MAX_PARTIAL_BYTES_PER_PEER: u64 = 2 * DEFAULT_MAX_ATTACHMENTS_PER_MESSAGE_BYTES;
/// A week: a sender retries with backoff capped at minutes, so a week-old partial upload
/// belongs to a message given up on.
pub const DEFAULT_PARTIAL_EXPIRY_SECONDS: u64 = 7 * 24 * 3600;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlerts {
    peer_unreachable_after_seconds: Option<u64>,
    min_free_disk_megabytes: Option<u64>,
    certificate_expiry_days: Option<i64>,
}

/// When the node warns its operator (in its log and in `rogatory status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertThresholds {
    /// A peer unreachable for longer than this.
    pub peer_unreachable_after: std::time::Duration,
    /// Free space of the data directory's file system below this.
    pub min_free_disk_bytes: u64,
    /// A certificate expiring within this many days.
    pub certificate_expiry_days: i64,
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
    /// Free space on the data directory's file system that new work may not use: below it
    /// the node refuses new messages, submissions and uploads (`disk_space`).
    pub disk_reserve_bytes: u64,
    /// An inbound federation connection with no call open for this long is closed.
    pub idle_connection_timeout: std::time::Duration,
    pub peers: Vec<PeerConfig>,
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

/// Problems found so far; a problem in an overridden key names the variable that set it.
struct Problems<'a> {
    list: Vec<ConfigProblem>,
    overrides: &'a [(&'a str, &'a str, String)],
}

impl Problems<'_> {
    fn add(&mut self, key: &str, problem: impl Into<String>) {
        let mut problem = problem.into();
        if let Some((var, _, _)) = self.overrides.iter().find(|(_, k, _)| *k == key) {
            problem.push_str(&format!(
                " (this value comes from environment variable {var})"
            ));
        }
        self.list.push(ConfigProblem {
            key: key.to_owned(),
            problem,
        });
    }

    /// `value` if it is within `range`, else a problem naming the range.
    fn in_range<T: PartialOrd + std::fmt::Display + Copy>(
        &mut self,
        key: &str,
        value: T,
        range: std::ops::RangeInclusive<T>,
        unit: &str,
    ) -> T {
        if !range.contains(&value) {
            self.add(
                key,
                format!(
                    "{value} is out of range: must be between {} and {}{unit}",
                    range.start(),
                    range.end()
                ),
            );
        }
        value
    }
}

fn override_value(value: &str) -> toml::Value {
    // A bare TOML value (number, boolean) when it is one; anything else is taken as a string.
    let probe = format!("v = {value}");
    match toml::from_str::<toml::Table>(&probe) {
        Ok(mut table) => match table.remove("v") {
            Some(parsed @ (toml::Value::Integer(_) | toml::Value::Boolean(_))) => parsed,
            _ => toml::Value::String(value.to_owned()),
        },
        Err(_) => toml::Value::String(value.to_owned()),
    }
}

fn set_dotted(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    match key.split_once('.') {
        None => {
            table.insert(key.to_owned(), value);
            Ok(())
        }
        Some((head, rest)) => {
            let inner = table
                .entry(head.to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match inner {
                toml::Value::Table(inner) => set_dotted(inner, rest, value),
                _ => Err(format!("`{head}` in the file is not a table")),
            }
        }
    }
}

impl RawConfig {
    /// The validated configuration, or `None` with every problem added to `problems`.
    fn validate(self, base: &Path, problems: &mut Problems<'_>) -> Option<NodeConfig> {
        let node_id = NodeId::parse(&self.node_id)
            .map_err(|e| problems.add("node_id", e.to_string()))
            .ok();
        let listen = self
            .listen
            .parse()
            .map_err(|e| {
                problems.add(
                    "listen",
                    format!(
                        "{:?} is not an address and port ({e}); write one such as \
                         \"0.0.0.0:7400\"",
                        self.listen
                    ),
                )
            })
            .ok();
        if let Some(level) = &self.log_level {
            if let Err(e) = tracing_subscriber::EnvFilter::try_new(level) {
                problems.add(
                    "log_level",
                    format!(
                        "{level:?} is not a log filter ({e}); write one of error, warn, info, \
                         debug, trace, optionally with per-module levels such as \
                         \"info,rogatory_node::delivery::outbox=debug\""
                    ),
                );
            }
        }
        let metrics_listen = self.metrics.and_then(|metrics| {
            let text = metrics.listen?;
            let address: SocketAddr = text
                .parse()
                .map_err(|e| {
                    problems.add(
                        "metrics.listen",
                        format!(
                            "{text:?} is not an address and port ({e}); write one such as \
                             \"127.0.0.1:9464\""
                        ),
                    )
                })
                .ok()?;
            if !address.ip().is_loopback() && !metrics.allow_remote {
                problems.add(
                    "metrics.listen",
                    format!(
                        "{address} is not a loopback address; the metrics endpoint has no TLS \
                         and no authentication, and its counters reveal traffic patterns \
                         between countries (who sends to whom, how much, when). Bind it to \
                         127.0.0.1 and scrape it from this machine, or set \
                         `metrics.allow_remote = true` if a firewall limits who can reach it"
                    ),
                );
                return None;
            }
            Some(address)
        });
        let resolve = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        let mut peers: Vec<PeerConfig> = Vec::with_capacity(self.peers.len());
        for (i, peer) in self.peers.into_iter().enumerate() {
            let key = |field: &str| format!("peers[{i}].{field}");
            let peer_id = match NodeId::parse(&peer.node_id) {
                Ok(id) => Some(id),
                Err(e) => {
                    problems.add(&key("node_id"), e.to_string());
                    None
                }
            };
            if let Some(peer_id) = &peer_id {
                if Some(peer_id) == node_id.as_ref() {
                    problems.add(&key("node_id"), "a node cannot be its own peer");
                }
                if let Some(first) = peers.iter().position(|p| &p.node_id == peer_id) {
                    problems.add(
                        &key("node_id"),
                        format!(
                            "peer {peer_id} is listed twice (also as peers[{first}]); keep one \
                             [[peers]] table per peer"
                        ),
                    );
                }
            }
            let address_ok = match peer.address.rsplit_once(':') {
                Some((host, port)) => !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0),
                None => false,
            };
            if !address_ok {
                problems.add(
                    &key("address"),
                    format!(
                        "{:?} is not host:port; write the peer's host name or IP address and \
                         federation port, such as \"de.example.org:7400\"",
                        peer.address
                    ),
                );
            }
            let public_key = keys::decode_public_key(&peer.public_key)
                .map_err(|e| {
                    problems.add(
                        &key("public_key"),
                        format!("{e}; copy it from `rogatory node identity` on the peer"),
                    )
                })
                .ok();
            if let (Some(node_id), Some(public_key), true) = (peer_id, public_key, address_ok) {
                peers.push(PeerConfig {
                    node_id,
                    address: peer.address,
                    public_key,
                });
            }
        }
        let limits = self.limits;
        let max_envelope_bytes = problems.in_range(
            "limits.max_envelope_bytes",
            limits
                .max_envelope_bytes
                .unwrap_or(DEFAULT_MAX_ENVELOPE_BYTES),
            1024..=64 * 1024 * 1024,
            " bytes",
        );
        let delivery_timeout_seconds = problems.in_range(
            "limits.delivery_timeout_seconds",
            limits.delivery_timeout_seconds.unwrap_or(30),
            1..=3600,
            " seconds",
        );
        let delivery_alert_after_seconds = problems.in_range(
            "limits.delivery_alert_after_seconds",
            limits.delivery_alert_after_seconds.unwrap_or(3600),
            1..=30 * 24 * 3600,
            " seconds (30 days)",
        );
        let max_concurrent_deliveries = problems.in_range(
            "limits.max_concurrent_deliveries",
            limits.max_concurrent_deliveries.unwrap_or(256),
            1..=65536,
            "",
        );
        let disk_reserve_bytes = problems.in_range(
            "limits.disk_reserve_megabytes",
            limits
                .disk_reserve_megabytes
                .unwrap_or(DEFAULT_RESERVE_MEGABYTES),
            0..=1 << 20,
            " MiB",
        ) * 1024
            * 1024;
        let idle_connection_timeout_seconds = problems.in_range(
            "limits.idle_connection_timeout_seconds",
            limits
                .idle_connection_timeout_seconds
                .unwrap_or(DEFAULT_IDLE_TIMEOUT.as_secs()),
            1..=24 * 3600,
            " seconds (a day)",
        );
        let alerts = AlertThresholds {
            peer_unreachable_after: std::time::Duration::from_secs(problems.in_range(
                "alerts.peer_unreachable_after_seconds",
                self.alerts.peer_unreachable_after_seconds.unwrap_or(900),
                1..=30 * 24 * 3600,
                " seconds (30 days)",
            )),
            min_free_disk_bytes: problems.in_range(
                "alerts.min_free_disk_megabytes",
                self.alerts.min_free_disk_megabytes.unwrap_or(1024),
                0..=1 << 30,
                " MiB",
            ) * 1024
                * 1024,
            certificate_expiry_days: problems.in_range(
                "alerts.certificate_expiry_days",
                self.alerts.certificate_expiry_days.unwrap_or(30),
                1..=365,
                " days",
            ),
        };
        let attachments = AttachmentLimits {
            max_file_bytes: problems.in_range(
                "attachments.max_file_bytes",
                self.attachments
                    .max_file_bytes
                    .unwrap_or(DEFAULT_MAX_ATTACHMENT_BYTES),
                1..=1 << 50,
                " bytes",
            ),
            max_total_per_message_bytes: problems.in_range(
                "attachments.max_total_per_message_bytes",
                self.attachments
                    .max_total_per_message_bytes
                    .unwrap_or(DEFAULT_MAX_ATTACHMENTS_PER_MESSAGE_BYTES),
                1..=1 << 52,
                " bytes",
            ),
            max_transfers_per_peer: problems.in_range(
                "attachments.max_transfers_per_peer",
                self.attachments
                    .max_transfers_per_peer
                    .unwrap_or(DEFAULT_MAX_TRANSFERS_PER_PEER),
                1..=64,
                "",
            ),
            min_transfer_bytes_per_second: problems.in_range(
                "attachments.min_transfer_bytes_per_second",
                self.attachments
                    .min_transfer_bytes_per_second
                    .unwrap_or(DEFAULT_MIN_TRANSFER_BYTES_PER_SECOND),
                1..=1 << 30,
                " bytes per second",
            ),
            transfer_grace: std::time::Duration::from_secs(
                problems.in_range(
                    "attachments.transfer_grace_seconds",
                    self.attachments
                        .transfer_grace_seconds
                        .unwrap_or(DEFAULT_TRANSFER_GRACE_SECONDS),
                    1..=3600,
                    " seconds",
                ),
            ),
            max_upload_bytes_in_flight_per_peer: problems.in_range(
                "attachments.max_upload_bytes_in_flight_per_peer",
                self.attachments
                    .max_upload_bytes_in_flight_per_peer
                    .unwrap_or(DEFAULT_MAX_ATTACHMENTS_PER_MESSAGE_BYTES),
                1..=1 << 52,
                " bytes",
            ),
            max_partial_bytes_per_peer: problems.in_range(
                "attachments.max_partial_bytes_per_peer",
                self.attachments
                    .max_partial_bytes_per_peer
                    .unwrap_or(DEFAULT_MAX_PARTIAL_BYTES_PER_PEER),
                1..=1 << 53,
                " bytes",
            ),
            partial_expiry: std::time::Duration::from_secs(
                problems.in_range(
                    "attachments.partial_expiry_seconds",
                    self.attachments
                        .partial_expiry_seconds
                        .unwrap_or(DEFAULT_PARTIAL_EXPIRY_SECONDS),
                    1..=365 * 24 * 3600,
                    " seconds",
                ),
            ),
        };
        let contact_points = validate_contact_points(self.contact_points, problems);
        let data_dir = resolve(self.data_dir);
        let operator =
            validate_operator_socket(self.operator_socket, &data_dir, &resolve, problems);
        Some(NodeConfig {
            node_id: node_id?,
            listen: listen?,
            data_dir,
            keys: KeyPaths {
                signing_key: resolve(self.keys.signing_key),
                tls_certificate: resolve(self.keys.tls_certificate),
                tls_key: resolve(self.keys.tls_key),
                federation_ca: resolve(self.keys.federation_ca),
            },
            max_envelope_bytes,
            delivery_timeout: std::time::Duration::from_secs(delivery_timeout_seconds),
            delivery_alert_after: std::time::Duration::from_secs(delivery_alert_after_seconds),
            max_concurrent_deliveries,
            disk_reserve_bytes,
            idle_connection_timeout: std::time::Duration::from_secs(
                idle_connection_timeout_seconds,
            ),
            peers,
            log_level: self.log_level,
            metrics_listen,
            alerts,
            attachments,
            directory: self.directory.map(resolve),
            contact_points,
            operator,
            deadlines: self.deadlines.validate(problems),
            directory_refresh: std::time::Duration::from_secs(
                problems.in_range(
                    "directory_refresh_hours",
                    self.directory_refresh_hours.unwrap_or(24),
                    1..=30 * 24,
                    " hours (30 days)",
                ) * 3600,
            ),
        })
    }
}

// `[deadlines]`: each key range-checked here, then the periods checked together by
// `DeadlinePolicy::new` (order of steps, urgent no longer than ordinary).

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadlines {
    acknowledge_days: Option<i64>,
    decide_days: Option<i64>,
    execute_days: Option<i64>,
    urgent_acknowledge_hours: Option<i64>,
    urgent_decide_days: Option<i64>,
    urgent_execute_days: Option<i64>,
}

/// The `[deadlines]` key that sets `milestone`'s period, ordinary or urgent.
fn deadline_key(milestone: Milestone, urgent: bool) -> &'static str {
    match (milestone, urgent) {
        (Milestone::Acknowledge, false) => "deadlines.acknowledge_days",
        (Milestone::Decide, false) => "deadlines.decide_days",
        (Milestone::Execute, false) => "deadlines.execute_days",
        (Milestone::Acknowledge, true) => "deadlines.urgent_acknowledge_hours",
        (Milestone::Decide, true) => "deadlines.urgent_decide_days",
        (Milestone::Execute, true) => "deadlines.urgent_execute_days",
    }
}

impl RawDeadlines {
    /// The node's deadline policy (the default one where the file is silent), or the default
    /// policy with every problem added to `problems`.
    fn validate(self, problems: &mut Problems<'_>) -> DeadlinePolicy {
        const YEAR: i64 = 365;
        let before = problems.list.len();
        let mut day = |key: &str, value: Option<i64>, default: i64, max: i64| {
            problems.in_range(key, value.unwrap_or(default), 1..=max, " days") * DAY_MS
        };
        let normal = Periods {
            acknowledge_ms: day("deadlines.acknowledge_days", self.acknowledge_days, 7, YEAR),
            decide_ms: day("deadlines.decide_days", self.decide_days, 30, 5 * YEAR),
            execute_ms: day("deadlines.execute_days", self.execute_days, 90, 10 * YEAR),
        };
        let urgent_decide_ms = day(
            "deadlines.urgent_decide_days",
            self.urgent_decide_days,
            3,
            5 * YEAR,
        );
        let urgent_execute_ms = day(
            "deadlines.urgent_execute_days",
            self.urgent_execute_days,
            14,
            10 * YEAR,
        );
        let urgent = Periods {
            acknowledge_ms: problems.in_range(
                "deadlines.urgent_acknowledge_hours",
                self.urgent_acknowledge_hours.unwrap_or(24),
                1..=YEAR * 24,
                " hours",
            ) * HOUR_MS,
            decide_ms: urgent_decide_ms,
            execute_ms: urgent_execute_ms,
        };
        if problems.list.len() > before {
            return DeadlinePolicy::default();
        }
        DeadlinePolicy::new(normal, urgent).unwrap_or_else(|inconsistencies| {
            for inconsistency in inconsistencies {
                let (key, problem) = match inconsistency {
                    Inconsistency::BeforeEarlierStep {
                        urgent,
                        milestone,
                        earlier,
                    } => (
                        deadline_key(milestone, urgent),
                        format!(
                            "{inconsistency}, so the step would fall due before the one it \
                             follows; make it at least as long as `{}` or shorten that one",
                            deadline_key(earlier, urgent)
                        ),
                    ),
                    Inconsistency::UrgentLonger { milestone } => (
                        deadline_key(milestone, true),
                        format!(
                            "{inconsistency} (`{}`); an urgent request must not get more time \
                             than an ordinary one: shorten it or lengthen `{}`",
                            deadline_key(milestone, false),
                            deadline_key(milestone, false)
                        ),
                    ),
                    other => ("deadlines", other.to_string()),
                };
                problems.add(key, problem);
            }
            DeadlinePolicy::default()
        })
    }
}

/// `[[contact_points]]`: each with a name and exactly one of `unix_user` and `uid`, no name or
/// uid twice.
fn validate_contact_points(
    raw: Vec<RawContactPoint>,
    problems: &mut Problems<'_>,
) -> Vec<ContactPoint> {
    let mut points: Vec<ContactPoint> = Vec::with_capacity(raw.len());
    // Every name and uid seen, with its entry, even in entries with other problems.
    let mut names: Vec<(usize, String)> = Vec::new();
    let mut uids: Vec<(usize, u32)> = Vec::new();
    for (i, point) in raw.into_iter().enumerate() {
        let key = |field: &str| format!("contact_points[{i}].{field}");
        let name = match point.name.as_deref().map(str::trim) {
            None | Some("") => {
                problems.add(
                    &key("name"),
                    "is missing: give the person's name as peers and the audit log should show \
                     it, such as name = \"Aylar Berdiyeva\"",
                );
                None
            }
            Some(name) if name.len() > rogatory_proto::signing::MAX_SHORT_FIELD_BYTES => {
                problems.add(
                    &key("name"),
                    format!(
                        "is longer than {} bytes, the limit of a message's author field",
                        rogatory_proto::signing::MAX_SHORT_FIELD_BYTES
                    ),
                );
                None
            }
            Some(name) if name.chars().any(char::is_control) => {
                problems.add(&key("name"), "contains control characters");
                None
            }
            Some(name) => {
                if let Some((first, _)) = names.iter().find(|(_, n)| n == name) {
                    problems.add(
                        &key("name"),
                        format!(
                            "{name:?} is listed twice (also as contact_points[{first}]); each \
                             person has one entry"
                        ),
                    );
                }
                names.push((i, name.to_owned()));
                Some(name.to_owned())
            }
        };
        let uid = match (&point.unix_user, point.uid) {
            (Some(_), Some(uid)) => {
                problems.add(
                    &key("uid"),
                    "both unix_user and uid are given: keep exactly one of them",
                );
                uids.push((i, uid));
                None
            }
            (None, None) => {
                problems.add(
                    &key("unix_user"),
                    "the entry names no account: add unix_user = \"LOGIN\" or uid = N",
                );
                None
            }
            (None, Some(uid)) => Some(uid),
            (Some(user), None) => {
                let uid = users::uid_of(user);
                if uid.is_none() {
                    problems.add(
                        &key("unix_user"),
                        format!(
                            "no account {user:?} in /etc/passwd; create it, or give its uid \
                             with uid = N instead (accounts from a directory service are not \
                             in /etc/passwd)"
                        ),
                    );
                }
                uid
            }
        };
        if let Some(uid) = uid {
            if let Some((first, _)) = uids.iter().find(|(_, u)| *u == uid) {
                let field = if point.uid.is_some() {
                    "uid"
                } else {
                    "unix_user"
                };
                problems.add(
                    &key(field),
                    format!(
                        "uid {uid} is already the account of contact_points[{first}]; one \
                         account acts for one person"
                    ),
                );
            }
            uids.push((i, uid));
        }
        if let (Some(name), Some(uid)) = (name, uid) {
            points.push(ContactPoint {
                name,
                uid,
                unix_user: point.unix_user,
            });
        }
    }
    points
}

/// `[operator_socket]`: its path, group and mode.
fn validate_operator_socket(
    raw: RawOperatorSocket,
    data_dir: &Path,
    resolve: &dyn Fn(PathBuf) -> PathBuf,
    problems: &mut Problems<'_>,
) -> OperatorSocket {
    let path = raw
        .path
        .map_or_else(|| operator_socket_path(data_dir), resolve);
    let group = raw.group.and_then(|group| match users::gid_of(&group) {
        Some(gid) => Some((group, gid)),
        None => {
            problems.add(
                "operator_socket.group",
                format!("no group {group:?} in /etc/group; create it (groupadd {group}) first"),
            );
            None
        }
    });
    let default_mode = if group.is_some() { 0o660 } else { 0o600 };
    let mode = raw.mode.unwrap_or(default_mode);
    if !SOCKET_MODES.contains(&mode) {
        problems.add(
            "operator_socket.mode",
            format!(
                "{mode:#o} is not allowed: write mode = 0o600 (the node's account only) or \
                 mode = 0o660 (and its group), in octal"
            ),
        );
    }
    if mode & 0o070 != 0 && path.starts_with(data_dir) {
        problems.add(
            "operator_socket.path",
            format!(
                "{} is inside the data directory, which only the node's account may enter \
                 (0700), so the group could not reach it: set path to a socket in a directory \
                 the group can enter, such as \"/run/rogatory/operator.sock\"",
                path.display()
            ),
        );
    }
    OperatorSocket { path, group, mode }
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
         max_concurrent_deliveries = 256\n\n\
         # Prometheus metrics over plain HTTP (off unless uncommented; see\n\
         # config/node.example.toml before exposing it beyond this machine).\n\
         # [metrics]\n\
         # listen = \"127.0.0.1:9464\"\n",
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
    fn metrics_are_off_by_default_and_loopback_only_unless_allowed() {
        let parse = |extra: &str| NodeConfig::parse(&sample(extra), Path::new("/"), Path::new("x"));
        assert_eq!(parse("").expect("valid").metrics_listen, None);
        assert_eq!(parse("[metrics]\n").expect("valid").metrics_listen, None);
        let local = parse("[metrics]\nlisten = \"127.0.0.1:9464\"\n").expect("valid");
        assert_eq!(
            local.metrics_listen,
            Some("127.0.0.1:9464".parse().expect("addr"))
        );
        let remote = parse("[metrics]\nlisten = \"0.0.0.0:9464\"\n").expect_err("refused");
        let message = remote.to_string();
        assert!(message.contains("metrics.listen"), "{message}");
        assert!(message.contains("traffic patterns"), "{message}");
        assert!(message.contains("allow_remote"), "{message}");
        let allowed = parse("[metrics]\nlisten = \"0.0.0.0:9464\"\nallow_remote = true\n")
            .expect("valid when allowed");
        assert_eq!(
            allowed.metrics_listen,
            Some("0.0.0.0:9464".parse().expect("addr"))
        );
        assert!(parse("[metrics]\nlisten = \"localhost\"\n").is_err());
    }

    #[test]
    fn the_commented_example_parses() {
        let text = include_str!("../../../config/node.example.toml");
        let config = NodeConfig::parse(text, Path::new("/etc/rogatory"), Path::new("example"))
            .expect("config/node.example.toml must stay valid");
        assert_eq!(config.peers.len(), 2);
        assert_eq!(config.data_dir, Path::new("/etc/rogatory/data"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let text = "node_id = \"Not An Id\"\nlisten = \"7400\"\ndata_dir = \"d\"\n\
             [keys]\nsigning_key = \"k\"\ntls_certificate = \"c\"\ntls_key = \"t\"\n\
             federation_ca = \"ca\"\n[limits]\nmax_envelope_bytes = 10\n\
             [[peers]]\nnode_id = \"de\"\naddress = \"de.example.org\"\npublic_key = \"zz\"\n\
             [[peers]]\nnode_id = \"uz\"\naddress = \"uz:7400\"\n\
             public_key = \"O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik=\"\n\
             [[peers]]\nnode_id = \"uz\"\naddress = \"uz:7401\"\n\
             public_key = \"O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik=\"\n";
        let Err(ConfigError::Invalid { problems, .. }) =
            NodeConfig::parse(text, Path::new("/"), Path::new("x"))
        else {
            panic!("expected an invalid configuration");
        };
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "node_id",
                "listen",
                "peers[0].address",
                "peers[0].public_key",
                "peers[2].node_id",
                "limits.max_envelope_bytes"
            ],
            "{problems:?}"
        );
        assert!(problems[4].problem.contains("listed twice"), "{problems:?}");
    }

    #[test]
    fn environment_overrides_replace_keys_and_are_named_in_problems() {
        let overrides = [
            ("ROGATORY_LISTEN", "listen", "127.0.0.1:9000".to_owned()),
            (
                "ROGATORY_LIMITS_MAX_ENVELOPE_BYTES",
                "limits.max_envelope_bytes",
                "4096".to_owned(),
            ),
        ];
        let config = NodeConfig::parse_with_overrides(
            &sample(""),
            Path::new("/"),
            Path::new("x"),
            &overrides,
        )
        .expect("valid");
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.max_envelope_bytes, 4096);

        let bad = [("ROGATORY_LISTEN", "listen", "nowhere".to_owned())];
        let err =
            NodeConfig::parse_with_overrides(&sample(""), Path::new("/"), Path::new("x"), &bad)
                .expect_err("invalid");
        assert!(err.to_string().contains("ROGATORY_LISTEN"), "{err}");
    }

    fn problem_keys(extra: &str) -> Vec<(String, String)> {
        match NodeConfig::parse(&sample(extra), Path::new("/"), Path::new("x")) {
            Err(ConfigError::Invalid { problems, .. }) => {
                problems.into_iter().map(|p| (p.key, p.problem)).collect()
            }
            other => panic!("expected an invalid configuration, got {other:?}"),
        }
    }

    #[test]
    fn contact_points_map_accounts_to_names() {
        let text = sample(
            "[[contact_points]]\nname = \"Aylar Berdiyeva\"\nuid = 1001\n\
             [[contact_points]]\nname = \"Root Operator\"\nunix_user = \"root\"\n",
        );
        let config = NodeConfig::parse(&text, Path::new("/"), Path::new("x")).expect("valid");
        assert_eq!(
            config.contact_points,
            [
                ContactPoint {
                    name: "Aylar Berdiyeva".into(),
                    uid: 1001,
                    unix_user: None
                },
                ContactPoint {
                    name: "Root Operator".into(),
                    uid: 0,
                    unix_user: Some("root".into())
                },
            ]
        );
        assert_eq!(config.operator.mode, 0o600);
        assert_eq!(config.operator.group, None);
        assert_eq!(config.operator_socket(), Path::new("/data/operator.sock"));
    }

    #[test]
    fn contact_point_problems_name_their_keys() {
        let problems = problem_keys(
            "[[contact_points]]\nname = \"A\"\nunix_user = \"root\"\nuid = 0\n\
             [[contact_points]]\nname = \"B\"\n\
             [[contact_points]]\nname = \"A\"\nuid = 7\n\
             [[contact_points]]\nname = \"C\"\nuid = 7\n\
             [[contact_points]]\nuid = 8\n\
             [[contact_points]]\nname = \"D\"\nunix_user = \"no-such-user-here\"\n",
        );
        let keys: Vec<&str> = problems.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "contact_points[0].uid",
                "contact_points[1].unix_user",
                "contact_points[2].name",
                "contact_points[3].uid",
                "contact_points[4].name",
                "contact_points[5].unix_user",
            ],
            "{problems:?}"
        );
        assert!(problems[0].1.contains("exactly one"), "{problems:?}");
        assert!(problems[2].1.contains("listed twice"), "{problems:?}");
        assert!(problems[3].1.contains("uid 7"), "{problems:?}");
        assert!(problems[5].1.contains("/etc/passwd"), "{problems:?}");
    }

    #[test]
    fn a_group_socket_lives_outside_the_data_directory_with_a_safe_mode() {
        let parse = |extra: &str| NodeConfig::parse(&sample(extra), Path::new("/"), Path::new("x"));
        let shared =
            parse("[operator_socket]\ngroup = \"root\"\npath = \"/run/rogatory/op.sock\"\n")
                .expect("valid");
        assert_eq!(shared.operator.mode, 0o660);
        assert_eq!(shared.operator.group, Some(("root".into(), 0)));
        assert_eq!(shared.operator_socket(), Path::new("/run/rogatory/op.sock"));

        let inside = problem_keys("[operator_socket]\ngroup = \"root\"\n");
        assert_eq!(inside[0].0, "operator_socket.path", "{inside:?}");
        let open = problem_keys("[operator_socket]\nmode = 0o666\npath = \"/run/op.sock\"\n");
        assert_eq!(open[0].0, "operator_socket.mode", "{open:?}");
        let decimal = problem_keys("[operator_socket]\nmode = 660\n");
        assert!(decimal[0].1.contains("octal"), "{decimal:?}");
        let no_group = problem_keys("[operator_socket]\ngroup = \"no-such-group-here\"\n");
        assert_eq!(no_group[0].0, "operator_socket.group", "{no_group:?}");
    }

    #[test]
    fn deadlines_default_to_the_documented_periods_and_can_be_configured() {
        let parse = |extra: &str| NodeConfig::parse(&sample(extra), Path::new("/"), Path::new("x"));
        assert_eq!(
            parse("").expect("valid").deadlines,
            DeadlinePolicy::default()
        );
        let config = parse(
            "[deadlines]\nacknowledge_days = 1\ndecide_days = 10\nexecute_days = 60\n\
             urgent_acknowledge_hours = 4\nurgent_decide_days = 1\nurgent_execute_days = 7\n",
        )
        .expect("valid");
        let normal = config.deadlines.periods(false);
        let urgent = config.deadlines.periods(true);
        assert_eq!(
            (normal.acknowledge_ms, normal.decide_ms, normal.execute_ms),
            (DAY_MS, 10 * DAY_MS, 60 * DAY_MS)
        );
        assert_eq!(
            (urgent.acknowledge_ms, urgent.decide_ms, urgent.execute_ms),
            (4 * HOUR_MS, DAY_MS, 7 * DAY_MS)
        );
        // Keys left out keep their defaults.
        let partial = parse("[deadlines]\nexecute_days = 120\n").expect("valid");
        assert_eq!(partial.deadlines.periods(false).execute_ms, 120 * DAY_MS);
        assert_eq!(partial.deadlines.periods(false).acknowledge_ms, 7 * DAY_MS);
        assert_eq!(partial.deadlines.periods(true).acknowledge_ms, DAY_MS);
    }

    #[test]
    fn bad_deadlines_are_refused_each_naming_its_key_and_the_fix() {
        let problems = |extra: &str| -> Vec<ConfigProblem> {
            match NodeConfig::parse(&sample(extra), Path::new("/"), Path::new("x")) {
                Err(ConfigError::Invalid { problems, .. }) => problems,
                other => panic!("expected invalid deadlines for {extra:?}, got {other:?}"),
            }
        };
        // Zero, negative and absurd values: one problem per key, with the allowed range.
        let found = problems(
            "[deadlines]\nacknowledge_days = 0\ndecide_days = -3\nexecute_days = 100000\n\
             urgent_acknowledge_hours = 0\n",
        );
        let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "deadlines.acknowledge_days",
                "deadlines.decide_days",
                "deadlines.execute_days",
                "deadlines.urgent_acknowledge_hours"
            ],
            "{found:?}"
        );
        assert!(
            found[0].problem.contains("between 1 and 365 days"),
            "{found:?}"
        );
        assert!(found[1].problem.contains("-3 is out of range"), "{found:?}");
        // Urgent longer than ordinary.
        let found = problems("[deadlines]\nacknowledge_days = 1\nurgent_acknowledge_hours = 48\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "deadlines.urgent_acknowledge_hours");
        assert!(
            found[0]
                .problem
                .contains("lengthen `deadlines.acknowledge_days`"),
            "{found:?}"
        );
        // A decision due before the acknowledgement.
        let found = problems("[deadlines]\ndecide_days = 5\nurgent_decide_days = 3\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "deadlines.decide_days");
        assert!(
            found[0].problem.contains("`deadlines.acknowledge_days`"),
            "{found:?}"
        );
        // Not a number, and an unknown key: refused by the parser, naming the key.
        let text = sample("[deadlines]\nacknowledge_days = \"a week\"\n");
        let err = NodeConfig::parse(&text, Path::new("/"), Path::new("x")).expect_err("refused");
        assert!(err.to_string().contains("acknowledge_days"), "{err}");
        let text = sample("[deadlines]\nacknowledge_hours = 3\n");
        let err = NodeConfig::parse(&text, Path::new("/"), Path::new("x")).expect_err("refused");
        assert!(err.to_string().contains("acknowledge_hours"), "{err}");
        // From the environment: the problem names the variable.
        let overrides = [(
            "ROGATORY_DEADLINES_URGENT_EXECUTE_DAYS",
            "deadlines.urgent_execute_days",
            "120".to_owned(),
        )];
        let err = NodeConfig::parse_with_overrides(
            &sample(""),
            Path::new("/"),
            Path::new("x"),
            &overrides,
        )
        .expect_err("urgent longer than ordinary");
        let message = err.to_string();
        assert!(
            message.contains("`deadlines.urgent_execute_days`")
                && message.contains("ROGATORY_DEADLINES_URGENT_EXECUTE_DAYS"),
            "{message}"
        );
    }

    #[test]
    fn directory_refresh_defaults_to_a_day_and_refuses_zero_and_absurd_values() {
        let parse = |extra: &str| NodeConfig::parse(&sample(extra), Path::new("/"), Path::new("x"));
        assert_eq!(
            parse("").expect("valid").directory_refresh,
            std::time::Duration::from_secs(24 * 3600)
        );
        // A top-level key: it goes before the first table.
        let with = |line: &str| {
            NodeConfig::parse(
                &format!("{line}\n{}", sample("")),
                Path::new("/"),
                Path::new("x"),
            )
        };
        assert_eq!(
            with("directory_refresh_hours = 6")
                .expect("valid")
                .directory_refresh,
            std::time::Duration::from_secs(6 * 3600)
        );
        for bad in [
            "directory_refresh_hours = 0",
            "directory_refresh_hours = 100000",
        ] {
            let err = with(bad).expect_err(bad).to_string();
            assert!(err.contains("`directory_refresh_hours`"), "{err}");
            assert!(err.contains("between 1 and 720"), "{err}");
        }
    }
}
