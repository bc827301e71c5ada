//! The file as TOML gives it (`RawConfig`, unknown keys refused) and its validation into a
//! [`NodeConfig`]: identity, addresses, log filter, metrics, peers and every range, each problem
//! named by its key. The sections with rules of their own (deadlines, contact points, the
//! operator socket) are checked in their modules; overrides are applied before this runs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use rogatory_proto::ids::NodeId;
use serde::Deserialize;

use super::deadlines::RawDeadlines;
use super::limits::{
    AlertThresholds, AttachmentLimits, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_ATTACHMENT_BYTES,
    DEFAULT_MAX_ATTACHMENTS_PER_MESSAGE_BYTES, DEFAULT_MAX_ENVELOPE_BYTES,
    DEFAULT_MAX_PARTIAL_BYTES_PER_PEER, DEFAULT_MAX_TRANSFERS_PER_PEER,
    DEFAULT_MIN_TRANSFER_BYTES_PER_SECOND, DEFAULT_PARTIAL_EXPIRY_SECONDS,
    DEFAULT_RESERVE_MEGABYTES, DEFAULT_TRANSFER_GRACE_SECONDS, RawAlerts, RawAttachments,
    RawLimits,
};
use super::operator::{
    RawContactPoint, RawOperatorSocket, validate_contact_points, validate_operator_socket,
};
use super::problems::Problems;
use super::{KeyPaths, NodeConfig, PeerConfig};
use crate::identity::keys;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
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
    #[serde(default)]
    federation: Option<RawFederation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFederation {
    /// The roster file the node starts from (PROTOCOL.md section 11).
    roster: PathBuf,
}

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeer {
    node_id: String,
    address: String,
    /// Required without a roster; with one, keys come from the roster and this is ignored.
    #[serde(default)]
    public_key: Option<String>,
}

impl RawConfig {
    /// The validated configuration, or `None` with every problem added to `problems`.
    pub(super) fn validate(self, base: &Path, problems: &mut Problems<'_>) -> Option<NodeConfig> {
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
        let roster = self.federation.map(|federation| resolve(federation.roster));
        let mut peers: Vec<PeerConfig> = Vec::with_capacity(self.peers.len());
        let mut addresses = std::collections::BTreeMap::new();
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
            if roster.is_some() {
                // The roster says who the peers are and their keys; [[peers]] only says where
                // this node reaches them.
                if let (Some(node_id), true) = (peer_id, address_ok) {
                    addresses.insert(node_id, peer.address);
                }
                continue;
            }
            let public_key = match &peer.public_key {
                Some(encoded) => keys::decode_public_key(encoded)
                    .map_err(|e| {
                        problems.add(
                            &key("public_key"),
                            format!("{e}; copy it from `rogatory node identity` on the peer"),
                        )
                    })
                    .ok(),
                None => {
                    problems.add(
                        &key("public_key"),
                        "missing: without a roster ([federation] roster) each peer needs its \
                         signing key; copy it from `rogatory node identity` on the peer",
                    );
                    None
                }
            };
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
            federation: roster.map(|roster| super::FederationConfig { roster, addresses }),
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

#[cfg(test)]
mod tests {
    use super::super::ConfigError;
    use super::super::tests::sample;
    use super::*;

    #[test]
    fn bad_peer_key_names_the_key() {
        let text = sample("[[peers]]\nnode_id = \"de\"\naddress = \"x:1\"\npublic_key = \"zz\"\n");
        let err = NodeConfig::parse(&text, Path::new("/"), Path::new("x")).expect_err("invalid");
        assert!(err.to_string().contains("peers[0].public_key"), "{err}");
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
