//! Evidence attachments: a content-addressed file store beside (not inside) sled, its holders,
//! and the per-peer accounting of transfers. Who may upload or read a file is
//! `delivery::attachments`; what a message may reference is `rules::attachments`.
//!
//! A file lives at `<data_dir>/attachments/sha256/<hex[0..2]>/<hex>` once its size and SHA-256
//! are verified, and never changes. An upload in progress lives at
//! `<data_dir>/attachments/partial/peers/<node id>/<hex>.part` (`partial/local/` for local
//! users): bytes are appended only at the expected offset, hashed as they arrive, and fsynced
//! before their length is reported as durable; an upload that was interrupted resumes at that
//! length (the prefix is hashed again, in fixed-size reads). On completion the file is fsynced,
//! renamed into place and its directory fsynced. A size overrun or a hash mismatch deletes the
//! partial file. Memory is bounded by a few chunks per upload, whatever the file's size.
//!
//! **Possession, not presence.** A file is stored once, but a peer is told about it, and may
//! reference it, only once it proved that it holds the bytes by uploading them itself: a peer
//! that uploads a file this node already holds (from someone else) sends every byte, is
//! answered exactly as if the file were absent, and is then recorded as a holder
//! (`held/<node id>/<hex>`, an empty file). Partial uploads are per uploader, so no peer sees,
//! resumes, wipes or poisons another's. Each peer has its own transfer slots and quotas, and
//! transfers must keep a minimum pace ([`Pace`]); partial uploads expire ([`expire_partials`]).
//!
//! This module knows nothing of gRPC: the services in `transport` turn [`AttachmentError`] and
//! `Refusal` into statuses (`transport::status`). The delivery pipeline calls two hooks only:
//! `transport::attachment_upload::upload_missing` before a delivery attempt and
//! `delivery::attachments::require_present` before a received message is stored, so that a
//! receipt exists only for a message whose files all arrived.

mod backup;
mod error;
mod expiry;
mod files;
mod probes;
mod transfer;
mod upload;

use std::time::Duration;

pub use error::AttachmentError;
pub use expiry::expire_partials;
pub use files::{AttachmentStore, Held, Origin, Uploader, read_chunks};
pub use probes::PROBE_LOG_INTERVAL;
pub use transfer::{Pace, TransferSlot};
pub use upload::{Finished, Upload};

pub use crate::rules::attachments::{Digest, digest_of};

/// Bytes per data chunk this node sends, and per read when it hashes or serves a file.
pub const CHUNK_BYTES: usize = 256 * 1024;
/// The largest data chunk this node accepts (PROTOCOL.md section 5.7).
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;
/// Chunks queued between the network and the thread that hashes and writes them: enough to
/// overlap the two, few enough that an upload holds at most a few MiB.
pub(crate) const WRITER_QUEUE: usize = 4;

/// Bounds an idle wait for the next chunk of an incoming stream.
pub const CHUNK_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// What the unit tests of the parts share.
#[cfg(test)]
mod test_support {
    use std::path::Path;
    use std::sync::Arc;

    use sha2::{Digest as _, Sha256};

    use super::{AttachmentError, AttachmentStore, Digest, Finished, Upload};
    use crate::identity::config::AttachmentLimits;

    pub(super) fn store() -> (tempfile::TempDir, Arc<AttachmentStore>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(AttachmentStore::open(dir.path()).expect("open"));
        (dir, store)
    }

    pub(super) fn digest(bytes: &[u8]) -> Digest {
        Sha256::digest(bytes).into()
    }

    pub(super) fn partial_files(dir: &Path) -> usize {
        std::fs::read_dir(dir.join("attachments/partial/local"))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    pub(super) async fn finish_without_log(upload: Upload) -> Result<Finished, AttachmentError> {
        // `finish` needs a node for the audit log; these tests check the file store alone.
        upload.finish_file().await
    }

    pub(super) fn no_limit() -> AttachmentLimits {
        AttachmentLimits {
            max_file_bytes: u64::MAX,
            ..AttachmentLimits::default()
        }
    }
}
