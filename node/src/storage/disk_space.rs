//! Free space on the data directory's file system, and the refusal of new work when it runs
//! short.
//!
//! A node's disk is filled by what others send it. Below the reserve
//! (`limits.disk_reserve_megabytes`) the node takes no new work: deliveries of messages it does
//! not hold yet, submissions and attachment uploads are refused with `RESOURCE_EXHAUSTED`,
//! reason `disk-full`, which senders retry later. What is left is kept for what the node must
//! still write to stay accountable: its audit log (rejections, receipts it records for messages
//! it sent, checkpoints, start and stop), sled's own files and the journal's zeros written
//! ahead. Reads, repeats answered with their original receipts, `HeldCheckpoint`, `Witness`
//! and `NodeStatus` go on. The free space is read again at most every [`RECHECK_INTERVAL`], so
//! the node takes new work again by itself once space returns: no restart.
//!
//! This module only measures and decides; callers map [`DiskFull`] to their own errors.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// How long a reading of the free space is trusted. Short enough that a node notices within a
/// moment that space returned; long enough that the busy paths pay one `statvfs` for many
/// messages (a reading is taken under the store's write lock).
pub const RECHECK_INTERVAL: Duration = Duration::from_millis(250);

/// The data directory's free space, as last read, and the reserve kept below it.
#[derive(Debug)]
pub struct DiskSpace {
    path: PathBuf,
    /// Bytes new work may not use.
    reserve: u64,
    /// Free bytes at the last reading (`u64::MAX` if it could not be read: an unreadable file
    /// system is the health check's concern, not a reason to refuse work).
    free: AtomicU64,
    /// When the free space was last read (ms since epoch); 0 forces a reading.
    read_at_ms: AtomicI64,
    /// Whether the last reading was below the reserve: logged when it changes.
    short: AtomicBool,
}

/// New work refused; the type is in `rules`, beside the rejections that carry it.
pub use crate::rules::disk_reserve::DiskFull;

const MIB: u64 = 1024 * 1024;

impl DiskSpace {
    /// Watches the file system of `path`, keeping `reserve` bytes free of new work.
    pub fn new(path: &Path, reserve: u64) -> Self {
        Self {
            path: path.to_owned(),
            reserve,
            free: AtomicU64::new(u64::MAX),
            read_at_ms: AtomicI64::new(0),
            short: AtomicBool::new(false),
        }
    }

    /// The reserve, in bytes.
    pub fn reserve(&self) -> u64 {
        self.reserve
    }

    /// Whether new work may start: `Err` below the reserve.
    pub fn check(&self) -> Result<(), DiskFull> {
        self.admit(0)
    }

    /// Whether new work that will write `incoming` bytes (an upload's remaining bytes) may
    /// start: it must leave the reserve free.
    pub fn admit(&self, incoming: u64) -> Result<(), DiskFull> {
        let free = self.free();
        if free.saturating_sub(incoming) >= self.reserve && free >= self.reserve {
            return Ok(());
        }
        Err(DiskFull {
            free,
            reserve: self.reserve,
            incoming,
        })
    }

    /// Whether the free space is below the reserve now (for the health warning).
    pub fn is_short(&self) -> bool {
        self.check().is_err()
    }

    /// Free bytes, read again if the last reading is older than [`RECHECK_INTERVAL`].
    pub fn free(&self) -> u64 {
        let now = crate::now_ms();
        let interval = i64::try_from(RECHECK_INTERVAL.as_millis()).unwrap_or(i64::MAX);
        if now.saturating_sub(self.read_at_ms.load(Ordering::Acquire)) < interval {
            return self.free.load(Ordering::Acquire);
        }
        let free = measure(&self.path).map_or(u64::MAX, |(free, _)| free);
        self.remember(free, now);
        free
    }

    /// A write met a full file system (ENOSPC) although the last reading said otherwise
    /// (something else filled it): new work is refused until the next reading.
    pub fn noticed_full(&self) {
        self.remember(0, crate::now_ms());
    }

    fn remember(&self, free: u64, at_ms: i64) {
        self.free.store(free, Ordering::Release);
        self.read_at_ms.store(at_ms, Ordering::Release);
        let short = free < self.reserve;
        if self.short.swap(short, Ordering::AcqRel) != short {
            if short {
                tracing::warn!(
                    free_mib = free / MIB,
                    reserve_mib = self.reserve / MIB,
                    data_dir = %self.path.display(),
                    "disk full: refusing new messages, submissions and uploads until space is \
                     freed (reads, receipts and the audit log go on)"
                );
            } else {
                tracing::info!(
                    free_mib = free / MIB,
                    "disk space available again: taking new messages, submissions and uploads"
                );
            }
        }
    }
}

/// Whether `error` says the file system is full (or the user's quota is).
pub fn is_out_of_space(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::StorageFull
        || error.kind() == std::io::ErrorKind::QuotaExceeded
}

/// Free and total bytes of the file system holding `path`.
pub fn measure(path: &std::path::Path) -> std::io::Result<(u64, u64)> {
    let stats = rustix::fs::statvfs(path)?;
    Ok((
        stats.f_bavail.saturating_mul(stats.f_frsize),
        stats.f_blocks.saturating_mul(stats.f_frsize),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_the_reserve_new_work_is_refused_and_space_returning_is_noticed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let space = DiskSpace::new(dir.path(), 0);
        assert_eq!(space.check(), Ok(()));
        // A reserve larger than any disk: refused, and the error says how much is free.
        let space = DiskSpace::new(dir.path(), u64::MAX / 2);
        let refused = space.check().expect_err("refused");
        assert!(refused.free < refused.reserve, "{refused:?}");
        assert!(refused.to_string().contains("retry later"), "{refused}");
        assert!(space.is_short());

        // A write that met ENOSPC marks the disk full until the next reading.
        let space = DiskSpace::new(dir.path(), 1);
        assert!(space.check().is_ok());
        space.noticed_full();
        assert!(space.check().is_err());
        space.read_at_ms.store(0, Ordering::Release);
        assert!(space.check().is_ok(), "read again: space returned");
    }

    #[test]
    fn an_upload_must_leave_the_reserve_free() {
        let dir = tempfile::tempdir().expect("tempdir");
        let space = DiskSpace::new(dir.path(), 1);
        let free = space.free();
        assert!(space.admit(free - 1).is_ok());
        let refused = space.admit(free).expect_err("would eat the reserve");
        assert_eq!(refused.incoming, free);
        assert!(refused.to_string().contains("more asked for"), "{refused}");
    }

    #[test]
    fn out_of_space_errors_are_recognised() {
        assert!(is_out_of_space(&std::io::Error::from_raw_os_error(28))); // ENOSPC
        assert!(is_out_of_space(&std::io::Error::from_raw_os_error(122))); // EDQUOT
        assert!(!is_out_of_space(&std::io::Error::from_raw_os_error(5))); // EIO
    }
}
