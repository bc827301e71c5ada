//! Durable storage: the only module that touches sled.
//!
//! Every commit goes first to the store's journal ([`journal`]), which also keeps the log's
//! entries; sled holds six trees: `audit_log` (entry index, 8 bytes big-endian → where the
//! entry is in the journal and the hashes of the Merkle tree's perfect subtrees it completed;
//! in stores written before the journal the encoded `LogEntry` itself), `merkle` (level byte
//! and index → perfect-subtree hash, for entries written before their values carried them),
//! `messages`
//! (message id → encoded `MessageRecord` without its envelope, which is read back from the
//! record's log entry), `outbox_queue` (recipient, 0x00, message id → empty: the outbox
//! messages not yet delivered, kept in step with `messages` by [`Batch::put_message`]) and
//! `read_marks` (who has seen which message; outside the journal, [`read_marks`]) and
//! `meta` (the log head: entry count and hash of the last entry; how far sled has applied the
//! journal; checkpoints; evidence of misbehaviour; the case index: case id, 0x00, message id →
//! empty; the case list's index, [`case_list`]; the search index, [`search`]).
//!
//! Every change is a [`Batch`] of log entries, message records and metadata, prepared by one
//! writer at a time (so the log head is never raced) and committed atomically (so a message is
//! never stored without its log entry). Batches are committed in the order they were prepared
//! by one committer thread, which takes every batch prepared meanwhile into one commit: under
//! load many writers share a commit, and the next batches are prepared while one is committed.
//! A batch therefore reads through the batches prepared before it ([`Batch::message`]);
//! writers that must read anything else through the store use the exclusive [`Store::write`],
//! which waits for the queue to drain first. The busy paths (submitting, receiving, recording a
//! receipt) use [`Store::write_grouped`]. If a commit finds the disk full, the journal undoes
//! its append and nothing reaches sled: that batch and every one prepared after it (they
//! chain onto its entries) are dropped, their writers told (`StoreError::NoSpace`; none was
//! confirmed to anyone), and the next batches are prepared from the last committed head, so
//! the store writes again once space returns. If sled meets the full disk once a commit is in
//! the journal (or while it is flushed), sled is not trusted to write again (it keeps its
//! first I/O error for good): writes are refused (`NoSpace`), and once space returns the
//! committer reopens sled from its files and applies the journal to it, as an open after a
//! crash would, before it tells that commit's writers and takes new writes
//! ([`committer::Sled`]: readers find sled's trees there). If a commit fails otherwise (an I/O
//! error, sled failing) the log head is in doubt, and the store refuses every later write
//! until the node restarts; what was confirmed is in the journal, which the restart replays.
//!
//! A batch is durable once committed: the committer appends the group's entries and changes to the
//! journal and fdatasyncs it (one disk round trip for the whole group: the slower the disk, the
//! larger the groups), then applies the changes to sled, and only then tells the writers. A write
//! that returned is thus on disk, and may be confirmed to a user or a peer; and sled never shows
//! what the journal does not hold. Sled is flushed and fsynced about once a second
//! ([`SLED_SYNC_INTERVAL`](committer::SLED_SYNC_INTERVAL); sled's `flush()` alone does not reach
//! the disk on Linux, sled issue #1452): its log file, and every file and directory of the store
//! whenever more than its log changed ([`SyncedFiles`](files::SyncedFiles)). After a crash, opening
//! the store applies again the commits sled lost ([`Store::open`]). Before the journal, each commit
//! paid sled's flush and fsync: sled writes its I/O buffers from its own threads (each a `pwrite`
//! and a waiting `sync_file_range`) and rewrites whole B-tree leaves, several times the bytes of a
//! commit.
//!
//! Layout, by what each part keeps: [`open`] (opening, replay at open), [`error`], [`batch`] (what
//! a writer prepares), [`write`] (the write path and its failed or no-space state),
//! [`committer`] (group commit to the journal and sled), [`files`] (sled's files made private and
//! fsynced), [`log`] (the log, its Merkle view, checkpoints, evidence, `verify_log`),
//! [`messages`] (message records, case and request indexes), [`queue`] (the outbox queue),
//! [`backup`] (`backup_to`), and [`journal`].

mod backup;
mod batch;
mod case_list;
mod committer;
mod error;
mod files;
pub(crate) mod journal;
mod log;
mod messages;
mod open;
mod queue;
mod read_marks;
mod rosters;
mod search;
#[cfg(test)]
mod test_support;
mod write;

use std::path::PathBuf;
use std::sync::Arc;

use journal::Journal;
use write::{Writes, lock_state};

pub use backup::BackupSummary;
pub use batch::{Appended, Batch, LogRecord};
pub use case_list::{CaseListPage, CasePosition};
pub use error::StoreError;
/// How an `audit_log` value locates its entry: public for tools that inspect a stopped store.
pub use journal::{Location, Stored};
pub use log::LogSummary;
pub use queue::QueuedMessage;
pub use search::Posting;
pub use write::{CommitStats, Prepared};

pub struct Store {
    /// Sled's trees, shared with the committer, which replaces them when it reopens sled
    /// ([`committer::Sled`]); read through [`Store::trees`].
    sled: Arc<committer::Sled>,
    /// The journal: every commit, and the log's entries, which `log` locates.
    journal: Arc<Journal>,
    path: PathBuf,
    writes: Arc<Writes>,
    /// The thread that commits prepared batches to sled; joined when the store is dropped.
    committer: Option<std::thread::JoinHandle<()>>,
}

impl Store {
    /// Sled's trees as they are now. Held only for one read: a reader never keeps sled from
    /// being reopened.
    fn trees(&self) -> Result<Arc<committer::Trees>, StoreError> {
        self.sled.current()
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        lock_state(&self.writes).shutdown = true;
        self.writes.work.notify_all();
        if let Some(committer) = self.committer.take() {
            let _ = committer.join();
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}
