//! Probing accounting: refused attachment requests (a peer asking for a file it may not see)
//! are counted per peer in the metrics, and written to the audit log as one counting entry at
//! most once per [`PROBE_LOG_INTERVAL`], so that a prober cannot flood the log.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rogatory_proto::v1::EntryKind;

use super::AttachmentStore;
use crate::node::Node;
use crate::storage::store::{LogRecord, StoreError};

/// Refused attachment requests from one peer (probing for files it may not see) are written
/// to the audit log at most once per this interval, as one entry counting them: a prober
/// cannot flood the log, and every probe is still counted in the metrics.
pub const PROBE_LOG_INTERVAL: Duration = Duration::from_secs(600);

/// Counts a refused attachment request from `peer` (a request for a file it may not see, or
/// with an envelope that does not authorize it: probing, or a broken peer) and, at most once
/// per [`PROBE_LOG_INTERVAL`], records the count in the audit log as a `REJECTION`. The entry
/// is written beside the answer, which is not delayed by it (same timing as an absent file).
pub fn probed(node: &Arc<Node>, peer: &str) {
    node.metrics
        .attachment_refused(peer, "attachment-not-found");
    let Some(count) = node.attachments.tally_probe(peer) else {
        return;
    };
    let node = Arc::clone(node);
    let peer = peer.to_owned();
    tokio::spawn(async move {
        let detail = format!(
            "attachment-not-found: {count} attachment request(s) for files this peer may not \
             see (counted since the last such entry; at most one entry per {}s); payload sha256 \
             none",
            PROBE_LOG_INTERVAL.as_secs()
        );
        // Grouped: it reads nothing, and shares a commit with whatever else is being written.
        let written = node
            .store
            .write_grouped(|batch| {
                batch.append(LogRecord {
                    kind: EntryKind::Rejection,
                    peer: peer.clone(),
                    detail,
                    ..Default::default()
                });
                Ok::<_, StoreError>(())
            })
            .await;
        if let Err(error) = written {
            tracing::warn!(%peer, %error, "cannot record attachment probing");
        }
    });
}

#[derive(Debug)]
pub(super) struct ProbeTally {
    /// When the last audit entry for this peer's probing was written.
    logged_at: Instant,
    /// Probes since then.
    unlogged: u64,
}

impl AttachmentStore {
    /// Counts a probe from `peer`; returns the count to log when an audit entry is due.
    fn tally_probe(&self, peer: &str) -> Option<u64> {
        let mut probes = match self.probes.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let now = Instant::now();
        match probes.get_mut(peer) {
            Some(tally) if now.duration_since(tally.logged_at) < PROBE_LOG_INTERVAL => {
                tally.unlogged += 1;
                None
            }
            Some(tally) => {
                let count = tally.unlogged + 1;
                *tally = ProbeTally {
                    logged_at: now,
                    unlogged: 0,
                };
                Some(count)
            }
            None => {
                probes.insert(
                    peer.to_owned(),
                    ProbeTally {
                        logged_at: now,
                        unlogged: 0,
                    },
                );
                Some(1)
            }
        }
    }
}
