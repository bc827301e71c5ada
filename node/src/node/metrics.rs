//! What the node counts for Prometheus. Counters and the latency histogram are updated where
//! things happen (`inbound`, `outbox`, the federation service). Gauges that mirror stored state
//! (log size, checkpoint lag, queue depths) are not maintained by hand: each scrape reads them
//! from the store (`Metrics::refresh`), so they cannot drift from it. Certificate expiry is
//! read at each scrape from the certificate the node hands to new handshakes.
//!
//! Label values are bounded: peers are the configured ones (anything else is `unknown`),
//! reasons are fixed tokens. The series are listed in README.md ("Metrics"). Serving them is
//! `operations::metrics`.

use std::collections::BTreeSet;
use std::sync::PoisonError;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use rustls::pki_types::CertificateDer;

use crate::identity::config::NodeConfig;
use crate::node::Node;
use crate::now_ms;
use crate::storage::store::{CommitStats, StoreError};

/// Submit-to-receipt latency buckets, in seconds: milliseconds on a healthy link up to a day
/// for a peer that was down (store-and-forward keeps messages until the peer is back).
const LATENCY_BUCKETS: [f64; 18] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0,
    3600.0, 21600.0, 86400.0,
];
/// The `peer` label of traffic from a connection whose certificate names no configured peer.
/// Such identities are not used as label values: they would make the series unbounded.
pub const UNKNOWN_PEER: &str = "unknown";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PeerLabels {
    peer: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    peer: String,
    /// `Deliver` or `DeliverBatch`.
    rpc: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    peer: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PhaseLabels {
    phase: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CertificateLabels {
    certificate: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

/// Every kind of warning `rogatory status` can show (`operations::health::warnings`): each has
/// its `rogatory_warnings` series from the start, at zero, so that an alert rule on it sees a
/// value, not an absent series, before the first warning of that kind.
pub const WARNING_KINDS: &[&str] = &[
    "disk-full",
    "disk-low",
    "signing-key",
    "peer-misbehaving",
    "federation-ca-unusable",
    "certificate-expiring",
    "roster-expired",
    "roster-expiring",
    "peer-unreachable",
    "message-overdue",
    "case-overdue",
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
    node: String,
}

type FloatGauge = Gauge<f64, std::sync::atomic::AtomicU64>;
type FloatCounter = Counter<f64, std::sync::atomic::AtomicU64>;

/// The node's metric families, registered once; cheap to update from any task.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Peers, present and past: the only values the `peer` label takes besides
    /// [`UNKNOWN_PEER`]. Peers a roster adds join it; removed ones stay (their series end).
    peers: std::sync::RwLock<BTreeSet<String>>,
    sent: Family<PeerLabels, Counter>,
    received: Family<PeerLabels, Counter>,
    rejected: Family<ReasonLabels, Counter>,
    /// Refused messages counted into an aggregated audit-log entry instead of one each.
    rejections_aggregated: Family<ReasonLabels, Counter>,
    attachments_received: Family<PeerLabels, Counter>,
    attachment_bytes_received: Family<PeerLabels, Counter>,
    attachment_refusals: Family<ReasonLabels, Counter>,
    attempts_failed: Family<ReasonLabels, Counter>,
    delivery_calls: Family<CallLabels, Counter>,
    delivery_call_messages: Family<CallLabels, Counter>,
    latency: Family<PeerLabels, Histogram, fn() -> Histogram>,
    queue_depth: Family<PeerLabels, Gauge>,
    log_entries: Gauge,
    checkpoint_size: Gauge,
    checkpoint_age: FloatGauge,
    certificate_expiry: Family<CertificateLabels, FloatGauge>,
    store_commits: Counter,
    store_batches: Counter,
    store_commit_seconds: Family<PhaseLabels, FloatCounter>,
    serving: Gauge,
    warnings: Family<KindLabels, Gauge>,
    peer_reachable: Family<PeerLabels, Gauge>,
    peer_last_contact: Family<PeerLabels, FloatGauge>,
    outbox_oldest: Family<PeerLabels, FloatGauge>,
    /// Held while the store's counters catch up, so that two scrapes do not both add the gap.
    mirroring: std::sync::Mutex<()>,
}

impl Metrics {
    /// Registers every family, with zeroed series for each configured peer (so that rates
    /// work from the first scrape).
    pub fn new(config: &NodeConfig) -> Self {
        let mut registry = Registry::with_prefix("rogatory");
        let sent = Family::<PeerLabels, Counter>::default();
        registry.register(
            "messages_sent",
            "Messages delivered to a peer: its signed receipt verified and recorded",
            sent.clone(),
        );
        let received = Family::<PeerLabels, Counter>::default();
        registry.register(
            "messages_received",
            "Messages accepted from a peer, stored and receipted (a repeat is not counted)",
            received.clone(),
        );
        let rejected = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "messages_rejected",
            "Deliveries this node refused, by sending peer and reason token (rogatory-reason)",
            rejected.clone(),
        );
        let rejections_aggregated = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "rejections_aggregated",
            "Refused messages of rogatory_messages_rejected not logged one by one but counted \
             into an aggregated REJECTION entry (a caller repeating one refusal; AUDIT-FORMAT.md \
             section 4)",
            rejections_aggregated.clone(),
        );
        let attachments_received = Family::<PeerLabels, Counter>::default();
        registry.register(
            "attachments_received",
            "Attachments a peer uploaded, stored after their size and SHA-256 were verified",
            attachments_received.clone(),
        );
        let attachment_bytes_received = Family::<PeerLabels, Counter>::default();
        registry.register(
            "attachment_bytes_received",
            "Bytes of the attachments counted by rogatory_attachments_received",
            attachment_bytes_received.clone(),
        );
        let attachment_refusals = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "attachment_requests_refused",
            "Attachment requests refused, by peer and reason: attachment-not-found (a file the \
             peer may not see: probing, or a broken peer), busy (all of its transfer slots in \
             use), attachment-quota, attachment-too-slow",
            attachment_refusals.clone(),
        );
        let attempts_failed = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "delivery_attempts_failed",
            "Failed attempts to deliver to a peer, by outcome (the message stays queued)",
            attempts_failed.clone(),
        );
        let delivery_calls = Family::<CallLabels, Counter>::default();
        registry.register(
            "delivery_calls",
            "Delivery calls made to a peer (Deliver: one message; DeliverBatch: several), \
             answered or not",
            delivery_calls.clone(),
        );
        let delivery_call_messages = Family::<CallLabels, Counter>::default();
        registry.register(
            "delivery_call_messages",
            "Messages carried by the calls of rogatory_delivery_calls (divided by it: messages \
             per call)",
            delivery_call_messages.clone(),
        );
        let latency: Family<PeerLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register(
            "delivery_latency_seconds",
            "Time from submission to the peer's verified receipt, retries included",
            latency.clone(),
        );
        let queue_depth = Family::<PeerLabels, Gauge>::default();
        registry.register(
            "outbox_queue_depth",
            "Messages waiting to be delivered to a peer",
            queue_depth.clone(),
        );
        let log_entries = Gauge::default();
        registry.register(
            "audit_log_entries",
            "Entries in this node's audit log",
            log_entries.clone(),
        );
        let checkpoint_size = Gauge::default();
        registry.register(
            "checkpoint_size",
            "Log entries covered by this node's newest signed checkpoint",
            checkpoint_size.clone(),
        );
        let checkpoint_age = FloatGauge::default();
        registry.register(
            "checkpoint_age_seconds",
            "How long the oldest log entry not covered by a signed checkpoint has waited; 0 \
             when the newest checkpoint covers the whole log",
            checkpoint_age.clone(),
        );
        let certificate_expiry = Family::<CertificateLabels, FloatGauge>::default();
        registry.register(
            "certificate_expiry_days",
            "Days until a certificate this node loaded expires (negative: expired)",
            certificate_expiry.clone(),
        );
        let store_commits = Counter::default();
        registry.register(
            "store_commits",
            "Group commits of the store: each one append to the journal with its fdatasync, then its changes applied to sled",
            store_commits.clone(),
        );
        let store_batches = Counter::default();
        registry.register(
            "store_batches_committed",
            "Writes (batches) those group commits took",
            store_batches.clone(),
        );
        let store_commit_seconds = Family::<PhaseLabels, FloatCounter>::default();
        registry.register(
            "store_commit_seconds",
            "Time the store's committer spent committing, by phase (journal, apply; and sled's periodic flush, fsync)",
            store_commit_seconds.clone(),
        );
        // Set by the health check (`operations::health::run`), not at scrape time: it already
        // evaluates these, every second (serving) or every 30 s (the rest).
        let serving = Gauge::default();
        registry.register(
            "serving",
            "1 while the node reports SERVING (grpc.health.v1), 0 while it does not (rogatory status says why)",
            serving.clone(),
        );
        let warnings = Family::<KindLabels, Gauge>::default();
        for kind in WARNING_KINDS {
            let _ = warnings.get_or_create(&KindLabels {
                kind: (*kind).to_owned(),
            });
        }
        registry.register(
            "warnings",
            "Active warnings of each kind, as rogatory status lists them (case-overdue: requests past a deadline)",
            warnings.clone(),
        );
        let peer_reachable = Family::<PeerLabels, Gauge>::default();
        registry.register(
            "peer_reachable",
            "1 if the last attempt to reach the peer succeeded, 0 if it failed or none was made yet",
            peer_reachable.clone(),
        );
        let peer_last_contact = Family::<PeerLabels, FloatGauge>::default();
        registry.register(
            "peer_last_contact_timestamp_seconds",
            "When the peer last answered (Unix seconds); 0 if it has not since the node started",
            peer_last_contact.clone(),
        );
        let outbox_oldest = Family::<PeerLabels, FloatGauge>::default();
        registry.register(
            "outbox_oldest_seconds",
            "Age of the oldest message waiting to be delivered to the peer; 0 when none waits",
            outbox_oldest.clone(),
        );
        registry.register(
            "build",
            "The running rogatoryd: version and node id",
            Info::new(BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                node: config.node_id.to_string(),
            }),
        );
        let up = Gauge::<i64>::default();
        up.set(1);
        registry.register("up", "1 while the node serves", up);

        let metrics = Self {
            registry,
            peers: std::sync::RwLock::default(),
            sent,
            received,
            rejected,
            rejections_aggregated,
            attachments_received,
            attachment_bytes_received,
            attachment_refusals,
            attempts_failed,
            delivery_calls,
            delivery_call_messages,
            latency,
            queue_depth,
            log_entries,
            checkpoint_size,
            checkpoint_age,
            certificate_expiry,
            store_commits,
            store_batches,
            store_commit_seconds,
            serving,
            warnings,
            peer_reachable,
            peer_last_contact,
            outbox_oldest,
            mirroring: std::sync::Mutex::new(()),
        };
        let peers: Vec<String> = config.peers.iter().map(|p| p.node_id.to_string()).collect();
        metrics.add_peers(&peers);
        metrics
    }

    /// Gives each of `peers` its series, starting at zero (a roster added them).
    pub fn add_peers(&self, peers: &[String]) {
        let mut known = self.peers.write().unwrap_or_else(PoisonError::into_inner);
        for peer in peers {
            if !known.insert(peer.clone()) {
                continue;
            }
            let labels = PeerLabels { peer: peer.clone() };
            // Creating a series is enough: it starts at zero.
            let _ = self.sent.get_or_create(&labels);
            let _ = self.received.get_or_create(&labels);
            let _ = self.attachments_received.get_or_create(&labels);
            let _ = self.attachment_bytes_received.get_or_create(&labels);
            let _ = self.latency.get_or_create(&labels);
            let _ = self.queue_depth.get_or_create(&labels);
            let _ = self.peer_reachable.get_or_create(&labels);
            let _ = self.peer_last_contact.get_or_create(&labels);
            let _ = self.outbox_oldest.get_or_create(&labels);
        }
    }

    /// Whether the node reports SERVING.
    pub fn set_serving(&self, serving: bool) {
        self.serving.set(i64::from(serving));
    }

    /// The active warnings: how many of each kind (kinds not named are set to zero).
    pub fn set_warnings<'a>(&self, kinds: impl IntoIterator<Item = &'a str>) {
        let mut counts: std::collections::BTreeMap<String, i64> = WARNING_KINDS
            .iter()
            .map(|kind| ((*kind).to_owned(), 0))
            .collect();
        for kind in kinds {
            *counts.entry(kind.to_owned()).or_default() += 1;
        }
        for (kind, count) in counts {
            self.warnings.get_or_create(&KindLabels { kind }).set(count);
        }
    }

    /// One peer as the health check last saw it: reachable or not, when it last answered
    /// (`0`: not since start), and since when its oldest queued message waits (`0`: none).
    pub fn set_peer(
        &self,
        peer: &str,
        reachable: bool,
        last_contact_ms: i64,
        oldest_queued_ms: i64,
    ) {
        let labels = PeerLabels {
            peer: self.peer_label(Some(peer)),
        };
        if labels.peer == UNKNOWN_PEER {
            return;
        }
        self.peer_reachable
            .get_or_create(&labels)
            .set(i64::from(reachable));
        self.peer_last_contact
            .get_or_create(&labels)
            .set(last_contact_ms.max(0) as f64 / 1000.0);
        let age_ms = if oldest_queued_ms > 0 {
            now_ms().saturating_sub(oldest_queued_ms).max(0)
        } else {
            0
        };
        self.outbox_oldest
            .get_or_create(&labels)
            .set(age_ms as f64 / 1000.0);
    }

    /// A delivery call to `peer` by `rpc` carrying `messages` envelopes is about to be made.
    pub fn delivery_call(&self, peer: &str, rpc: &str, messages: usize) {
        let labels = CallLabels {
            peer: self.peer_label(Some(peer)),
            rpc: rpc.to_owned(),
        };
        self.delivery_calls.get_or_create(&labels).inc();
        self.delivery_call_messages
            .get_or_create(&labels)
            .inc_by(messages as u64);
    }

    /// The `peer` label for a connection authenticated as `identity`.
    fn peer_label(&self, identity: Option<&str>) -> String {
        match identity {
            Some(peer)
                if self
                    .peers
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .contains(peer) =>
            {
                peer.to_owned()
            }
            _ => UNKNOWN_PEER.to_owned(),
        }
    }

    /// A message from `peer` was stored and receipted for the first time.
    pub fn message_received(&self, peer: &str) {
        let peer = self.peer_label(Some(peer));
        self.received.get_or_create(&PeerLabels { peer }).inc();
    }

    /// A delivery from the connection authenticated as `identity` was refused for `reason`.
    pub fn message_rejected(&self, identity: Option<&str>, reason: &str) {
        self.messages_rejected(identity, reason, 1);
    }

    /// `count` messages from `identity` were refused together (a whole batch, say).
    pub fn messages_rejected(&self, identity: Option<&str>, reason: &str, count: u64) {
        let labels = ReasonLabels {
            peer: self.peer_label(identity),
            reason: reason.to_owned(),
        };
        self.rejected.get_or_create(&labels).inc_by(count);
    }

    /// An attachment request from `peer` was refused for `reason` (a `rogatory-reason` token).
    pub fn attachment_refused(&self, peer: &str, reason: &str) {
        let labels = ReasonLabels {
            peer: self.peer_label(Some(peer)),
            reason: reason.to_owned(),
        };
        self.attachment_refusals.get_or_create(&labels).inc();
    }

    /// `count` refused messages from `identity` were counted into an aggregated log entry.
    pub fn rejections_aggregated(&self, identity: Option<&str>, reason: &str, count: u64) {
        let labels = ReasonLabels {
            peer: self.peer_label(identity),
            reason: reason.to_owned(),
        };
        self.rejections_aggregated
            .get_or_create(&labels)
            .inc_by(count);
    }

    /// An attachment of `bytes` from `peer` was verified and stored.
    pub fn attachment_received(&self, peer: &str, bytes: u64) {
        let labels = PeerLabels {
            peer: self.peer_label(Some(peer)),
        };
        self.attachments_received.get_or_create(&labels).inc();
        self.attachment_bytes_received
            .get_or_create(&labels)
            .inc_by(bytes);
    }

    /// A message created at `created_at_ms` was delivered to `peer`.
    pub fn message_delivered(&self, peer: &str, created_at_ms: i64) {
        let waited_ms = now_ms().saturating_sub(created_at_ms).max(0);
        let labels = PeerLabels {
            peer: self.peer_label(Some(peer)),
        };
        self.sent.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&labels)
            .observe(waited_ms as f64 / 1000.0);
    }

    /// A delivery attempt to `peer` failed, for `reason` (a fixed token).
    pub fn attempt_failed(&self, peer: &str, reason: &'static str) {
        let labels = ReasonLabels {
            peer: self.peer_label(Some(peer)),
            reason: reason.to_owned(),
        };
        self.attempts_failed.get_or_create(&labels).inc();
    }

    /// Sets the gauges that mirror stored state. Reads sled (the queue scan grows with the
    /// queue), so call it from a blocking task.
    pub(crate) fn refresh(&self, node: &Node) -> Result<(), StoreError> {
        let store = &node.store;
        // The checkpoint first: the log only grows, so it is then at least as large.
        let covered = store.latest_checkpoint()?.map_or(0, |(size, _)| size);
        let log_len = store.log_len()?;
        let waiting_since = if covered < log_len {
            store.log_entry(covered)?.map(|entry| entry.time_ms)
        } else {
            None
        };
        let now = now_ms();
        let age_ms = waiting_since.map_or(0, |since| now.saturating_sub(since).max(0));
        self.log_entries.set(gauge_value(log_len));
        self.checkpoint_size.set(gauge_value(covered));
        self.checkpoint_age.set(age_ms as f64 / 1000.0);
        self.mirror_commit_stats(store.commit_stats());
        let peers: Vec<String> = self
            .peers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect();
        for peer in &peers {
            let depth = store.queue_depth(peer)?;
            self.queue_depth
                .get_or_create(&PeerLabels { peer: peer.clone() })
                .set(gauge_value(depth));
        }
        // The certificate handed to new handshakes now (it can be renewed while the node runs),
        // and the CA root that expires first.
        let tls = node.tls.leaf_certificate().map(|leaf| not_after(&leaf));
        let ca = node
            .tls
            .roots()
            .iter()
            .map(not_after)
            .collect::<Result<Vec<_>, _>>()
            .map(|all| all.into_iter().min())
            .transpose();
        for (certificate, not_after) in [("tls", tls), ("ca", ca)] {
            let labels = CertificateLabels {
                certificate: certificate.to_owned(),
            };
            match not_after {
                Some(Ok(not_after)) => {
                    let days = (not_after as f64 - now as f64 / 1000.0) / 86400.0;
                    self.certificate_expiry.get_or_create(&labels).set(days);
                }
                Some(Err(error)) => {
                    tracing::warn!(certificate, %error, "cannot read a certificate's expiry");
                    self.certificate_expiry.remove(&labels);
                }
                None => {
                    self.certificate_expiry.remove(&labels);
                }
            }
        }
        Ok(())
    }

    /// Brings the store's counters up to the committer's totals (which only grow).
    fn mirror_commit_stats(&self, stats: CommitStats) {
        let _mirroring = self
            .mirroring
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let catch_up = |counter: &Counter, total: u64| {
            counter.inc_by(total.saturating_sub(counter.get()));
        };
        catch_up(&self.store_commits, stats.commits);
        catch_up(&self.store_batches, stats.batches);
        for (phase, total) in [
            ("journal", stats.journal),
            ("apply", stats.apply),
            ("flush", stats.flush),
            ("fsync", stats.fsync),
        ] {
            let counter = self
                .store_commit_seconds
                .get_or_create(&PhaseLabels { phase });
            let behind = total.as_secs_f64() - counter.get();
            if behind > 0.0 {
                counter.inc_by(behind);
            }
        }
    }

    /// Everything, in the Prometheus text exposition format (version 0.0.4).
    pub(crate) fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

fn gauge_value(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// A certificate's `notAfter`, in Unix seconds.
fn not_after(certificate: &CertificateDer<'_>) -> Result<i64, String> {
    crate::identity::tls::validity(certificate).map(|validity| validity.not_after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rogatory_proto::v1::MessageRecord;
    use rustls::pki_types::pem::PemObject;
    use std::path::Path;
    use std::time::Duration;

    fn config() -> NodeConfig {
        let peer_key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
        let text = format!(
            "node_id = \"tm\"\nlisten = \"127.0.0.1:7401\"\ndata_dir = \"data\"\n\
             [keys]\nsigning_key = \"k\"\ntls_certificate = \"c\"\ntls_key = \"t\"\n\
             federation_ca = \"a\"\n{}",
            crate::identity::config::render_peer(&crate::identity::config::PeerConfig {
                node_id: rogatory_proto::ids::NodeId::parse("de").expect("id"),
                address: "127.0.0.1:7403".into(),
                public_key: peer_key,
            })
        );
        NodeConfig::parse(&text, Path::new("/n"), Path::new("node.toml")).expect("valid")
    }

    #[test]
    fn counts_by_peer_and_reason_with_bounded_labels() {
        let metrics = Metrics::new(&config());
        metrics.message_received("de");
        metrics.message_rejected(Some("de"), "bad-signature");
        // An identity that is not a configured peer must not become a label value.
        metrics.message_rejected(Some("xx"), "unknown-peer");
        metrics.message_rejected(None, "unknown-peer");
        metrics.rejections_aggregated(Some("xx"), "unknown-peer", 5);
        let delivered = MessageRecord {
            recipient: "de".into(),
            created_at_ms: now_ms() - 1500,
            ..Default::default()
        };
        metrics.message_delivered("de", delivered.created_at_ms);
        metrics.attempt_failed("de", "unreachable");
        metrics.delivery_call("de", "DeliverBatch", 12);
        metrics.delivery_call("de", "DeliverBatch", 3);
        metrics.delivery_call("de", "Deliver", 1);
        let text = metrics.encode().expect("encode");
        for line in [
            "rogatory_messages_received_total{peer=\"de\"} 1",
            "rogatory_messages_rejected_total{peer=\"de\",reason=\"bad-signature\"} 1",
            "rogatory_messages_rejected_total{peer=\"unknown\",reason=\"unknown-peer\"} 2",
            "rogatory_rejections_aggregated_total{peer=\"unknown\",reason=\"unknown-peer\"} 5",
            "rogatory_messages_sent_total{peer=\"de\"} 1",
            "rogatory_delivery_latency_seconds_count{peer=\"de\"} 1",
            "rogatory_delivery_latency_seconds_bucket{peer=\"de\",le=\"1\"} 0",
            "rogatory_delivery_latency_seconds_bucket{peer=\"de\",le=\"2.5\"} 1",
            "rogatory_delivery_attempts_failed_total{peer=\"de\",reason=\"unreachable\"} 1",
            "rogatory_delivery_calls_total{peer=\"de\",rpc=\"DeliverBatch\"} 2",
            "rogatory_delivery_call_messages_total{peer=\"de\",rpc=\"DeliverBatch\"} 15",
            "rogatory_delivery_calls_total{peer=\"de\",rpc=\"Deliver\"} 1",
            "rogatory_delivery_call_messages_total{peer=\"de\",rpc=\"Deliver\"} 1",
            "rogatory_build_info{version=\"",
            "rogatory_up 1",
        ] {
            assert!(text.contains(line), "missing {line:?} in:\n{text}");
        }
        assert!(!text.contains("xx"), "{text}");
    }

    #[test]
    fn store_counters_follow_the_committer_totals() {
        let metrics = Metrics::new(&config());
        let mut stats = CommitStats {
            commits: 3,
            batches: 10,
            journal: Duration::from_millis(750),
            apply: Duration::from_millis(1500),
            flush: Duration::from_millis(250),
            fsync: Duration::from_millis(500),
        };
        metrics.mirror_commit_stats(stats);
        // A second scrape with nothing new adds nothing; with more, only the difference.
        metrics.mirror_commit_stats(stats);
        stats.commits = 5;
        stats.batches = 30;
        stats.fsync = Duration::from_millis(2500);
        metrics.mirror_commit_stats(stats);
        let text = metrics.encode().expect("encode");
        for line in [
            "rogatory_store_commits_total 5",
            "rogatory_store_batches_committed_total 30",
            "rogatory_store_commit_seconds_total{phase=\"journal\"} 0.75",
            "rogatory_store_commit_seconds_total{phase=\"apply\"} 1.5",
            "rogatory_store_commit_seconds_total{phase=\"flush\"} 0.25",
            "rogatory_store_commit_seconds_total{phase=\"fsync\"} 2.5",
        ] {
            assert!(text.contains(line), "missing {line:?} in:\n{text}");
        }
    }

    #[test]
    fn certificate_expiry_is_read_from_the_certificate() {
        let ca = crate::identity::pki::create_ca("test").expect("ca");
        let der = CertificateDer::from_pem_slice(ca.certificate_pem.as_bytes()).expect("pem");
        let days = (not_after(&der).expect("parses") - now_ms() / 1000) / 86400;
        let expected = crate::identity::pki::CA_VALIDITY.whole_days();
        assert!((expected - 1..=expected).contains(&days), "{days}");
        assert!(not_after(&CertificateDer::from(vec![1, 2, 3])).is_err());
    }
}
