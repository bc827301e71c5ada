//! Probing accounting: refused attachment requests (a peer asking for a file it may not see)
//! are counted per peer in the metrics, and written to the audit log as one counting entry at
//! most once per [`PROBE_LOG_INTERVAL`], so that a prober cannot flood the log.

use std::time::{Duration, Instant};

use super::AttachmentStore;

/// Refused attachment requests from one peer (probing for files it may not see) are written
/// to the audit log at most once per this interval, as one entry counting them: a prober
/// cannot flood the log, and every probe is still counted in the metrics.
pub const PROBE_LOG_INTERVAL: Duration = Duration::from_secs(600);

#[derive(Debug)]
pub(super) struct ProbeTally {
    /// When the last audit entry for this peer's probing was written.
    logged_at: Instant,
    /// Probes since then.
    unlogged: u64,
}

impl AttachmentStore {
    /// Counts a probe from `peer`; returns the count to log when an audit entry is due.
    pub fn tally_probe(&self, peer: &str) -> Option<u64> {
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
