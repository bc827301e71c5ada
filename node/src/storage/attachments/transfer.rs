//! Per-peer accounting of transfers: its transfer slots ([`TransferSlot`]), its quotas on
//! uploads in progress and interrupted ([`check_quotas`], checked when an upload begins), and
//! the minimum pace of every transfer ([`Pace`]). The limits' values are configuration
//! (`config::AttachmentLimits`); refused requests are counted by `probes`.

use std::sync::Arc;
use std::time::Duration;

use super::files::TransferState;
use super::{AttachmentError, AttachmentStore, Digest, Uploader};
use crate::identity::config::AttachmentLimits;
use crate::rules::attachments::MAX_REFS;

/// Interrupted uploads one peer may keep, whatever their size: each is a file (an inode), and
/// an empty one costs one as much as a full one. As many as a message may reference.
const MAX_PARTIAL_FILES_PER_PEER: usize = MAX_REFS;

/// One of a peer's transfer slots, given back when dropped.
#[derive(Debug)]
pub struct TransferSlot {
    store: Arc<AttachmentStore>,
    peer: String,
}

impl Drop for TransferSlot {
    fn drop(&mut self) {
        let mut state = self.store.lock_state();
        if let Some(count) = state.slots.get_mut(&self.peer) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                state.slots.remove(&self.peer);
            }
        }
    }
}

impl AttachmentStore {
    /// Takes one of `peer`'s `limit` transfer slots, or `None` if it uses them all.
    pub fn transfer_slot(self: &Arc<Self>, peer: &str, limit: usize) -> Option<TransferSlot> {
        let mut state = self.lock_state();
        let used = state.slots.entry(peer.to_owned()).or_insert(0);
        if *used >= limit {
            return None;
        }
        *used += 1;
        Some(TransferSlot {
            store: Arc::clone(self),
            peer: peer.to_owned(),
        })
    }
}

/// A peer's quotas (`limits`), with the upload of `digest` of `size` bytes added: the declared
/// sizes of its uploads in progress, and those plus its interrupted uploads on disk
/// (`partials`, this digest's own left out: it is resumed, not added).
pub(super) fn check_quotas(
    state: &TransferState,
    peer: &str,
    digest: &Digest,
    size: u64,
    partials: &[(Digest, u64)],
    limits: &AttachmentLimits,
) -> Result<(), AttachmentError> {
    let mine = |d: &Digest| {
        state
            .active
            .contains_key(&(Uploader::Peer(peer.to_owned()), *d))
    };
    let in_flight: u64 = state
        .active
        .iter()
        .filter(|((uploader, _), _)| matches!(uploader, Uploader::Peer(p) if p == peer))
        .map(|(_, active)| active.size)
        .sum();
    if in_flight.saturating_add(size) > limits.max_upload_bytes_in_flight_per_peer {
        return Err(AttachmentError::Quota {
            peer: peer.to_owned(),
            what: "bytes of uploads in progress",
            used: in_flight,
            wanted: size,
            limit: limits.max_upload_bytes_in_flight_per_peer,
        });
    }
    let resting: Vec<u64> = partials
        .iter()
        .filter(|(d, _)| d != digest && !mine(d))
        .map(|(_, len)| *len)
        .collect();
    if resting.len() >= MAX_PARTIAL_FILES_PER_PEER {
        return Err(AttachmentError::Quota {
            peer: peer.to_owned(),
            what: "interrupted uploads (files)",
            used: resting.len() as u64,
            wanted: 1,
            limit: MAX_PARTIAL_FILES_PER_PEER as u64,
        });
    }
    let kept = in_flight.saturating_add(resting.iter().sum());
    if kept.saturating_add(size) > limits.max_partial_bytes_per_peer {
        return Err(AttachmentError::Quota {
            peer: peer.to_owned(),
            what: "bytes of unfinished uploads (interrupted or in progress)",
            used: kept,
            wanted: size,
            limit: limits.max_partial_bytes_per_peer,
        });
    }
    Ok(())
}

/// How slowly a transfer may go: after a grace, at least a minimum number of bytes per second
/// on average since it started. A file of `n` bytes is therefore through within `grace +
/// n / rate` (a total deadline scaled by size), and a peer cannot hold a slot by trickling.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    started: tokio::time::Instant,
    grace: Duration,
    min_rate: u64,
    moved: u64,
}

impl Pace {
    pub fn new(limits: &AttachmentLimits) -> Self {
        Self {
            started: tokio::time::Instant::now(),
            grace: limits.transfer_grace,
            min_rate: limits.min_transfer_bytes_per_second.max(1),
            moved: 0,
        }
    }

    /// `bytes` more have moved.
    pub fn moved(&mut self, bytes: u64) {
        self.moved = self.moved.saturating_add(bytes);
    }

    /// When the transfer falls below the pace if nothing more moves.
    pub fn deadline(&self) -> tokio::time::Instant {
        let earned = Duration::from_secs_f64(self.moved as f64 / self.min_rate as f64);
        self.started + self.grace + earned.min(Duration::from_secs(u32::MAX.into()))
    }

    /// The error for a download cut at its deadline, queued up to offset `sent`.
    pub fn reader_too_slow(&self, sent: u64) -> AttachmentError {
        AttachmentError::ReaderTooSlow {
            min_rate: self.min_rate,
            grace: self.grace,
            sent,
        }
    }

    /// The error for an upload cut at its deadline, `durable_offset` bytes kept.
    pub fn too_slow(&self, durable_offset: u64) -> AttachmentError {
        AttachmentError::TooSlow {
            min_rate: self.min_rate,
            grace: self.grace,
            durable_offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::attachments::test_support::{digest, finish_without_log, store};

    #[tokio::test]
    async fn quotas_count_a_peers_uploads_in_progress_and_interrupted() {
        let (_dir, store) = store();
        let uz = Uploader::Peer("uz".into());
        let limits = AttachmentLimits {
            max_upload_bytes_in_flight_per_peer: 10,
            max_partial_bytes_per_peer: 12,
            ..AttachmentLimits::default()
        };
        let running = store
            .begin(uz.clone(), digest(b"a"), 8, &limits)
            .await
            .expect("begin")
            .expect("absent");
        assert!(matches!(
            store.begin(uz.clone(), digest(b"b"), 3, &limits).await,
            Err(AttachmentError::Quota {
                used: 8,
                wanted: 3,
                limit: 10,
                ..
            })
        ));
        // Local users and other peers have quotas of their own (or none).
        let other = store
            .begin(Uploader::Peer("tm".into()), digest(b"b"), 3, &limits)
            .await
            .expect("tm's own quota")
            .expect("absent");
        // Interrupted, and its writer gone: dropping it would let the writer go later, and
        // the sweep below skips an upload still in progress.
        finish_without_log(other).await.expect("interrupted");
        let mut running = running;
        running.write(0, vec![1; 6]).await.expect("write");
        finish_without_log(running).await.expect("interrupted");
        // 6 bytes kept + 7 more > 12.
        assert!(matches!(
            store.begin(uz.clone(), digest(b"c"), 7, &limits).await,
            Err(AttachmentError::Quota {
                used: 6,
                wanted: 7,
                limit: 12,
                ..
            })
        ));
        assert_eq!(store.expire_partials(Duration::ZERO).expect("expire").0, 2);
        assert!(
            store
                .begin(uz, digest(b"c"), 7, &limits)
                .await
                .expect("within the quota once expired")
                .is_some()
        );
    }

    #[test]
    fn the_pace_deadline_grows_with_the_bytes_moved() {
        let limits = AttachmentLimits {
            min_transfer_bytes_per_second: 1000,
            transfer_grace: Duration::from_secs(2),
            ..AttachmentLimits::default()
        };
        let mut pace = Pace::new(&limits);
        let start = pace.deadline();
        pace.moved(3000);
        assert_eq!(pace.deadline() - start, Duration::from_secs(3));
    }
}
