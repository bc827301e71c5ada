//! Durable storage: the only module that touches sled.
//!
//! Every commit goes first to the store's journal ([`journal`]), which also keeps the log's
//! entries; sled holds five trees: `audit_log` (entry index, 8 bytes big-endian → where the
//! entry is in the journal and the hashes of the Merkle tree's perfect subtrees it completed;
//! in stores written before the journal the encoded `LogEntry` itself), `merkle` (level byte
//! and index → perfect-subtree hash, for entries written before their values carried them),
//! `messages`
//! (message id → encoded `MessageRecord` without its envelope, which is read back from the
//! record's log entry), `outbox_queue` (recipient, 0x00, message id → empty: the outbox
//! messages not yet delivered, kept in step with `messages` by [`Batch::put_message`]) and
//! `meta` (the log head: entry count and hash of the last entry; how far sled has applied the
//! journal; checkpoints; evidence of misbehaviour; the case index: case id, 0x00, message id →
//! empty).
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
//! the store writes again once space returns. If a commit fails otherwise (an I/O error, sled
//! failing, sled's own files meeting a full disk) the log head is in doubt, and the store
//! refuses every later write until the node restarts; what was confirmed is in the journal,
//! which the restart replays.
//!
//! A batch is durable once committed: the committer appends the group's entries and changes to
//! the journal and fdatasyncs it (one disk round trip for the whole group: the slower the disk,
//! the larger the groups), then applies the changes to sled, and only then
//! tells the writers. A write that returned is thus on disk, and may be confirmed to a user or a
//! peer; and sled never shows what the journal does not hold. Sled is flushed and fsynced about
//! once a second ([`SLED_SYNC_INTERVAL`]; sled's `flush()` alone does not reach the disk on
//! Linux, sled issue #1452): its log file, and every file and directory of the store whenever
//! more than its log changed ([`SyncedFiles`]). After a crash, opening the store applies again
//! the commits sled lost ([`Store::open`]). Before the journal, each commit paid sled's flush
//! and fsync: sled writes its I/O buffers from its own threads (each a `pwrite` and a waiting
//! `sync_file_range`) and rewrites whole B-tree leaves, several times the bytes of a commit.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use std::collections::{HashMap, VecDeque};

use ed25519_dalek::VerifyingKey;

use crate::now_ms;
use prost::Message;
use rogatory_proto::log::{
    ChainError, ChainVerifier, ZERO_HASH, entry_hash, verify_entry_signature, verify_own_checkpoint,
};
use rogatory_proto::merkle::{self, Hash, MemoryTree, ProofError, SubtreeHashes};
use rogatory_proto::v1::{
    DeliveryState, Direction, EntryKind, LogEntry, MessageRecord, SignedEnvelope,
};

pub(crate) mod journal;

use journal::{Change, CommitFrames, JOURNAL_FILE, Journal, TreeId};
/// How an `audit_log` value locates its entry: public for tools that inspect a stopped store.
pub use journal::{Location, Stored};

const LOG_TREE: &str = "audit_log";
const MESSAGES_TREE: &str = "messages";
const META_TREE: &str = "meta";
const QUEUE_TREE: &str = "outbox_queue";
const MERKLE_TREE: &str = "merkle";
/// Signed checkpoints of this node's log: `checkpoint/` + tree size (8 bytes BE) → note text.
const CHECKPOINT_PREFIX: &[u8] = b"checkpoint/";
/// The newest verified checkpoint of each peer: `peer_checkpoint/` + node id → note text.
const PEER_CHECKPOINT_PREFIX: &[u8] = b"peer_checkpoint/";
/// Evidence of peers caught misbehaving: `misbehaviour/` + node id + 0x00 + log index (8 bytes
/// BE) of the `PEER_MISBEHAVIOUR` entry recorded with it.
const MISBEHAVIOUR_PREFIX: &[u8] = b"misbehaviour/";
const HEAD_KEY: &[u8] = b"log_head";
/// The messages of each case: `case/` + case id + 0x00 + message id → empty.
const CASE_PREFIX: &[u8] = b"case/";
/// Present once the case index covers every stored message (stores made before it existed
/// are indexed when first opened).
const CASE_INDEX_BUILT: &[u8] = b"case_index_built";
/// The parties of each case (multi-party cases, `multiparty`), sorted, joined by '\n'.
const CASE_PARTIES_PREFIX: &[u8] = b"case_parties/";
/// Requests by id, with their lifecycle state (`RequestState` as 4 bytes, little-endian): what
/// the deadline checks read instead of every message.
const REQUEST_PREFIX: &[u8] = b"request/";
/// Present once every stored request is in the request index.
const REQUEST_INDEX_BUILT: &[u8] = b"request_index_built";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("cannot open the store in {path}")]
    Open { path: PathBuf, source: sled::Error },
    #[error("storage engine error: {0}")]
    Engine(#[from] sled::Error),
    #[error("cannot make the store durable (fsync of {path})")]
    Sync {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A commit found the disk full. Nothing of it was kept and the store takes later writes
    /// (docs: `disk_space`); the writers are told their batches were not committed.
    #[error(
        "the disk holding the store is full ({path}): nothing was written; retry once space \
         is freed"
    )]
    NoSpace {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read or write {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("stored record {what} is corrupt: {reason}")]
    Corrupt { what: String, reason: String },
    #[error(
        "the audit log's recorded head ({count} entries) does not match its last stored entry: \
         the log may have been altered, and the node will not append to it. Keep a copy of the \
         data directory as evidence and restore the node from its last good backup"
    )]
    HeadMismatch { count: u64 },
    #[error("storage task failed: {0}")]
    Task(String),
    #[error(
        "an earlier write could not be committed ({0}); the store refuses further writes \
         until the node is restarted"
    )]
    Failed(String),
    #[error("cannot write a backup into {path}: {reason}")]
    BackupTarget { path: PathBuf, reason: String },
}

/// What to append to the audit log; index, time and chaining are filled in by the store.
#[derive(Debug, Clone, Default)]
pub struct LogRecord {
    pub kind: EntryKind,
    pub peer: String,
    pub message_id: String,
    pub signed_payload: Vec<u8>,
    pub signature: Vec<u8>,
    pub detail: String,
}

/// Where an entry landed in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub index: u64,
    pub hash: [u8; 32],
}

/// Changes prepared under the write lock and committed together.
#[derive(Debug)]
pub struct Batch<'a> {
    store: &'a Store,
    /// Batches prepared before this one and not yet committed: this batch reads through them.
    pending: &'a VecDeque<Arc<Prepared>>,
    next_index: u64,
    previous_hash: [u8; 32],
    time_ms: i64,
    /// Index, encoding and hash of each entry appended.
    entries: Vec<(u64, Vec<u8>, Hash)>,
    messages: Vec<(String, Vec<u8>)>,
    /// Queue index changes: key, and whether the message is (still) queued.
    queue: Vec<(Vec<u8>, bool)>,
    /// Other metadata written with the batch (checkpoints, peers' checkpoints, evidence).
    meta: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Batch<'_> {
    /// Adds an entry to the log; returns its index and hash as they will be once committed.
    pub fn append(&mut self, record: LogRecord) -> Appended {
        let index = self.next_index;
        let entry = LogEntry {
            index,
            time_ms: self.time_ms,
            kind: record.kind as i32,
            previous_hash: self.previous_hash.to_vec(),
            peer: record.peer,
            message_id: record.message_id,
            signed_payload: record.signed_payload,
            signature: record.signature,
            detail: record.detail,
        };
        let bytes = entry.encode_to_vec();
        let hash = entry_hash(&bytes);
        self.entries.push((index, bytes, hash));
        self.next_index += 1;
        self.previous_hash = hash;
        Appended { index, hash }
    }

    /// Stores (or replaces) a message record, and keeps the outbox queue index and the case
    /// index in step.
    pub fn put_message(&mut self, record: &MessageRecord) {
        self.meta
            .push((case_key(&record.case_id, &record.message_id), Vec::new()));
        self.update_message(record);
    }

    /// Replaces a stored message record of the same case (its case index entry stands), and
    /// keeps the outbox queue index in step.
    pub fn update_message(&mut self, record: &MessageRecord) {
        if record.direction == Direction::Outbox as i32 {
            // One queue entry per addressee: the recipient and each party it is copied to.
            let deliveries = std::iter::once((&record.recipient, record.state))
                .chain(record.copies.iter().map(|c| (&c.recipient, c.state)));
            for (peer, state) in deliveries {
                let queued = state != DeliveryState::Delivered as i32;
                self.queue
                    .push((queue_key(peer, &record.message_id), queued));
            }
        }
        self.messages
            .push((record.message_id.clone(), stored_form(record)));
    }

    /// A message as it stands, including changes made earlier in this batch and in batches
    /// prepared before it that are not committed yet.
    pub fn message(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        let Some(record) = self.message_fields(message_id)? else {
            return Ok(None);
        };
        self.store
            .with_envelope(record, |index| self.pending_entry(index))
            .map(Some)
    }

    /// [`Batch::message`] without the envelope, which costs a read of the log entry.
    pub fn message_fields(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        let newest_first = std::iter::once(&self.messages)
            .chain(self.pending.iter().rev().map(|prepared| &prepared.messages));
        for messages in newest_first {
            if let Some((_, bytes)) = messages.iter().rev().find(|(id, _)| id == message_id) {
                return decode_message(message_id, bytes).map(Some);
            }
        }
        self.store.message_fields(message_id)
    }

    /// The first message of case `case_id` in message-id order that `accept`s, including
    /// messages of this batch and of pending ones.
    pub fn first_case_message(
        &self,
        case_id: &str,
        accept: impl Fn(&MessageRecord) -> bool,
    ) -> Result<Option<MessageRecord>, StoreError> {
        let prefix = case_key(case_id, "");
        let id_of = |key: &[u8]| String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
        let uncommitted: std::collections::BTreeSet<String> = std::iter::once(&self.meta)
            .chain(self.pending.iter().map(|prepared| &prepared.meta))
            .flat_map(|meta| meta.iter())
            .filter(|(key, _)| key.starts_with(&prefix))
            .map(|(key, _)| id_of(key))
            .collect();
        let mut first: Option<MessageRecord> = None;
        for id in uncommitted {
            if let Some(record) = self.message(&id)?.filter(|r| accept(r)) {
                first = Some(record);
                break;
            }
        }
        // Committed messages are read until the first one accepted, or one after `first`.
        for item in self.store.meta.scan_prefix(&prefix).keys() {
            let id = id_of(&item?);
            if first.as_ref().is_some_and(|f| f.message_id <= id) {
                break;
            }
            if let Some(record) = self.message(&id)?.filter(|r| accept(r)) {
                return Ok(Some(record));
            }
        }
        Ok(first)
    }

    /// A log entry of this batch or of a pending one, encoded.
    fn pending_entry(&self, index: u64) -> Option<&[u8]> {
        std::iter::once(&self.entries)
            .chain(self.pending.iter().map(|prepared| &prepared.entries))
            .flat_map(|entries| entries.iter())
            .find(|(i, _, _)| *i == index)
            .map(|(_, bytes, _)| bytes.as_slice())
    }

    /// The parties recorded for case `case_id` (see `multiparty::case_parties`), including
    /// records of this batch and of pending ones.
    pub fn recorded_case_parties(&self, case_id: &str) -> Result<Option<Vec<String>>, StoreError> {
        let key = case_parties_key(case_id);
        let newest_first = std::iter::once(&self.meta)
            .chain(self.pending.iter().rev().map(|prepared| &prepared.meta));
        for meta in newest_first {
            if let Some((_, value)) = meta.iter().rev().find(|(k, _)| *k == key) {
                return Ok(Some(split_parties(value)));
            }
        }
        Ok(self
            .store
            .meta
            .get(&key)?
            .map(|value| split_parties(&value)))
    }

    /// Records the parties of case `case_id` (sorted).
    pub fn put_case_parties(&mut self, case_id: &str, parties: &[String]) {
        self.meta
            .push((case_parties_key(case_id), parties.join("\n").into_bytes()));
    }

    /// Records where request `request_id` stands in its lifecycle (the request index).
    pub fn put_request_state(&mut self, request_id: &str, state: i32) {
        self.meta
            .push((request_key(request_id), state.to_le_bytes().to_vec()));
    }

    /// Records a checkpoint this node signed (the note text), for tree size `size`.
    pub fn put_checkpoint(&mut self, size: u64, note: &str) {
        self.meta
            .push((checkpoint_key(size), note.as_bytes().to_vec()));
    }

    /// Records the newest verified checkpoint of `peer`.
    pub fn put_peer_checkpoint(&mut self, peer: &str, note: &str) {
        let mut key = PEER_CHECKPOINT_PREFIX.to_vec();
        key.extend_from_slice(peer.as_bytes());
        self.meta.push((key, note.as_bytes().to_vec()));
    }

    /// Keeps evidence that `peer` misbehaved (for example two inconsistent signed checkpoints).
    pub fn put_misbehaviour(&mut self, peer: &str, evidence: &[u8]) {
        let mut key = MISBEHAVIOUR_PREFIX.to_vec();
        key.extend_from_slice(peer.as_bytes());
        key.push(0);
        // The next log index is unique, unlike a millisecond clock.
        key.extend_from_slice(&self.next_index.to_be_bytes());
        self.meta.push((key, evidence.to_vec()));
    }

    /// Number of log entries once this batch is committed.
    pub fn log_size(&self) -> u64 {
        self.next_index
    }

    /// The time stamped on entries of this batch, milliseconds since the Unix epoch.
    pub fn time_ms(&self) -> i64 {
        self.time_ms
    }
}

/// An undelivered outbox message, as the sender schedules it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    pub message_id: String,
    pub case_id: String,
    pub created_at_ms: i64,
    pub attempts: u32,
    pub next_attempt_at_ms: i64,
}

/// Outcome of a full verification of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSummary {
    pub entries: u64,
    pub head_hash: [u8; 32],
}

pub struct Store {
    db: sled::Db,
    log: sled::Tree,
    messages: sled::Tree,
    queue: sled::Tree,
    meta: sled::Tree,
    /// Perfect-subtree hashes of the Merkle tree over the log: (level, index) → hash.
    merkle: sled::Tree,
    /// The journal: every commit, and the log's entries, which `log` locates.
    journal: Arc<Journal>,
    path: PathBuf,
    writes: Arc<Writes>,
    /// The thread that commits prepared batches to sled; joined when the store is dropped.
    committer: Option<std::thread::JoinHandle<()>>,
}

/// Totals of the committer's work: how many group commits, how many batches they took, and the
/// time spent in each phase (appending the commit to the journal and syncing it, applying its
/// changes to sled; and, now and then, sled's flush and the fsync of sled's files). The phases'
/// time per second of wall time is how busy the committer is: near one second per second, it
/// is what limits how fast the node writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitStats {
    pub commits: u64,
    pub batches: u64,
    pub journal: Duration,
    pub apply: Duration,
    pub flush: Duration,
    pub fsync: Duration,
}

/// A batch prepared by a writer, waiting for the committer.
#[derive(Debug, Default)]
pub struct Prepared {
    seq: u64,
    /// The log head once this batch is committed: entry count and hash of the last entry.
    next_index: u64,
    head_hash: [u8; 32],
    /// Index, encoding and hash of each entry appended.
    entries: Vec<(u64, Vec<u8>, Hash)>,
    messages: Vec<(String, Vec<u8>)>,
    queue: Vec<(Vec<u8>, bool)>,
    meta: Vec<(Vec<u8>, Vec<u8>)>,
    /// Set by the committer once the batch is committed, or dropped uncommitted.
    outcome: std::sync::OnceLock<Result<(), NotCommitted>>,
}

/// Why a prepared batch was not committed.
#[derive(Debug, Clone)]
enum NotCommitted {
    /// The disk was full. The batch, and every one prepared after it (which may read through
    /// it), were dropped; the store goes on with the next ones.
    NoSpace(PathBuf),
    /// The store failed: it refuses every later write.
    Failed(String),
}

impl From<&NotCommitted> for StoreError {
    fn from(reason: &NotCommitted) -> Self {
        match reason {
            NotCommitted::NoSpace(path) => StoreError::NoSpace {
                path: path.clone(),
                source: std::io::ErrorKind::StorageFull.into(),
            },
            NotCommitted::Failed(reason) => StoreError::Failed(reason.clone()),
        }
    }
}

/// Writers prepare batches one at a time under `state`'s lock; a committer thread commits
/// whatever has been prepared in one journal append, so many writers share one commit
/// (group commit) while the next batches are being prepared.
#[derive(Debug)]
struct Writes {
    state: std::sync::Mutex<WriteState>,
    /// Wakes the committer.
    work: std::sync::Condvar,
    /// Tells blocked writers that a commit finished or the queue drained.
    done: std::sync::Condvar,
    /// Tells asynchronous grouped writers that no exclusive writer holds them back any more.
    unblocked: tokio::sync::Notify,
    /// Number of group commits made so far.
    commits: AtomicU64,
    /// Number of batches those commits took.
    batches: AtomicU64,
    /// Nanoseconds the committer spent in each phase of its commits so far.
    journal_ns: AtomicU64,
    apply_ns: AtomicU64,
    flush_ns: AtomicU64,
    fsync_ns: AtomicU64,
    /// The checkpoints as committed, loaded at open and updated by the committer after each
    /// commit: read at every delivery, they cost no sled read and decoding.
    checkpoints: std::sync::Mutex<DurableCheckpoints>,
    /// Tests set this to stop the committer as a crash would, after a commit's journal write.
    #[cfg(test)]
    crash_after_journal: std::sync::atomic::AtomicBool,
    /// Tests set this to have the next commit find the disk full.
    #[cfg(test)]
    no_space_at_next_commit: std::sync::atomic::AtomicBool,
}

/// The checkpoints read at every delivery, kept in memory: this node's newest (size and note)
/// and each peer's (note).
#[derive(Debug, Default)]
struct DurableCheckpoints {
    own: Option<(u64, String)>,
    peers: HashMap<String, String>,
}

impl DurableCheckpoints {
    /// Takes in a `checkpoint/` or `peer_checkpoint/` key of `meta` and its value; ignores
    /// other keys.
    fn remember(&mut self, key: &[u8], value: &[u8]) {
        let note = || String::from_utf8_lossy(value).into_owned();
        if let Some(peer) = key.strip_prefix(PEER_CHECKPOINT_PREFIX) {
            self.peers
                .insert(String::from_utf8_lossy(peer).into_owned(), note());
        } else if let Some(size) = key
            .strip_prefix(CHECKPOINT_PREFIX)
            .and_then(|size| <[u8; 8]>::try_from(size).ok())
            .map(u64::from_be_bytes)
        {
            // A cosignature may be added to an older checkpoint: only the newest is kept.
            if self.own.as_ref().is_none_or(|(held, _)| size >= *held) {
                self.own = Some((size, note()));
            }
        }
    }
}

#[derive(Debug)]
struct WriteState {
    /// The log head after the last prepared batch.
    next_index: u64,
    previous_hash: [u8; 32],
    /// Sequence number of the last prepared batch.
    prepared: u64,
    /// The log head after the last committed batch: where preparing starts again when the
    /// batches not committed are dropped.
    committed_head: (u64, [u8; 32]),
    /// Prepared batches not yet committed, oldest first.
    queue: VecDeque<Arc<Prepared>>,
    /// Exclusive writers waiting for the queue to drain: new batches wait for them.
    exclusive: usize,
    /// Why a commit failed. The log head is then in doubt and every later write is refused.
    failed: Option<String>,
    shutdown: bool,
    /// Asynchronous writers waiting for a batch to be committed: its sequence number (never
    /// less than the one before) and whom to tell. The committer tells only the writers its
    /// commit concerns, not every waiting task at every commit; dropped untold if it fails.
    waiters: VecDeque<(u64, tokio::sync::oneshot::Sender<()>)>,
}

/// A batch being committed, and the channel that tells its writer it was.
type Committed = (Arc<Prepared>, tokio::sync::oneshot::Receiver<()>);

/// The most batches one commit takes.
const MAX_GROUP: usize = 256;

fn lock_state(writes: &Writes) -> std::sync::MutexGuard<'_, WriteState> {
    match writes.state.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn wait_done<'a>(
    writes: &Writes,
    guard: std::sync::MutexGuard<'a, WriteState>,
) -> std::sync::MutexGuard<'a, WriteState> {
    match writes.done.wait(guard) {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// An asynchronous exclusive writer's claim on the store (`exclusive` counts it): new
/// grouped batches wait while it lasts. Ended once its batch is prepared, or when the writer
/// is dropped (a cancelled call), so that a dropped writer never holds the store back.
struct ExclusiveTurn<'a> {
    writes: &'a Writes,
    ended: bool,
}

impl<'a> ExclusiveTurn<'a> {
    fn take(writes: &'a Writes) -> Self {
        lock_state(writes).exclusive += 1;
        Self {
            writes,
            ended: false,
        }
    }

    /// Ends the claim; the caller wakes the writers once it released the lock.
    fn end(&mut self, state: &mut WriteState) {
        state.exclusive -= 1;
        self.ended = true;
    }
}

impl Drop for ExclusiveTurn<'_> {
    fn drop(&mut self) {
        if !self.ended {
            lock_state(self.writes).exclusive -= 1;
            self.writes.done.notify_all();
            self.writes.unblocked.notify_waiters();
        }
    }
}

/// The trees a commit writes, and what it syncs.
#[derive(Clone)]
struct Trees {
    db: sled::Db,
    path: PathBuf,
    log: sled::Tree,
    messages: sled::Tree,
    queue: sled::Tree,
    meta: sled::Tree,
    merkle: sled::Tree,
    journal: Arc<Journal>,
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

fn checkpoint_key(size: u64) -> Vec<u8> {
    let mut key = CHECKPOINT_PREFIX.to_vec();
    key.extend_from_slice(&size.to_be_bytes());
    key
}

fn merkle_key(level: u8, index: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = level;
    key[1..].copy_from_slice(&index.to_be_bytes());
    key
}

/// The Merkle tree's perfect-subtree hashes as stored, plus those a commit is about to add.
///
/// The node (level, index) was completed by the entry `((index + 1) << level) - 1`, whose
/// `audit_log` value carries it ([`journal::completed_hashes`]); nodes of entries written
/// before that are in the `merkle` tree.
struct MerkleView<'a> {
    log: &'a sled::Tree,
    tree: &'a sled::Tree,
    pending: &'a HashMap<(u8, u64), Hash>,
}

impl SubtreeHashes for MerkleView<'_> {
    type Error = StoreError;

    fn subtree(&self, level: u8, index: u64) -> Result<Hash, StoreError> {
        if let Some(hash) = self.pending.get(&(level, index)) {
            return Ok(*hash);
        }
        let completed_by = index
            .checked_add(1)
            .filter(|next| u32::from(level) < 64 && next.leading_zeros() >= u32::from(level))
            .map(|next| (next << level) - 1)
            .ok_or_else(|| node_missing(level, index, "beyond any log"))?;
        let value = self.log.get(completed_by.to_be_bytes())?;
        self.stored(level, index, value.as_deref())
    }
}

impl MerkleView<'_> {
    /// The stored node (level, index), given the `audit_log` value of the entry that completed
    /// it (`None` if there is none): from the value, or for entries that predate that layout
    /// from the `merkle` tree.
    fn stored(&self, level: u8, index: u64, value: Option<&[u8]>) -> Result<Hash, StoreError> {
        let hashes = value.map_or(&[][..], journal::completed_hashes);
        let at = usize::from(level) * 32;
        if let Some(hash) = hashes.get(at..at + 32) {
            return <Hash>::try_from(hash).map_err(|_| node_missing(level, index, "not 32 bytes"));
        }
        if !hashes.is_empty() {
            return Err(node_missing(
                level,
                index,
                "the entry that completed it does not carry it",
            ));
        }
        let stored = self
            .tree
            .get(merkle_key(level, index))?
            .ok_or_else(|| node_missing(level, index, "missing"))?;
        <Hash>::try_from(stored.as_ref()).map_err(|_| node_missing(level, index, "not 32 bytes"))
    }
}

fn node_missing(level: u8, index: u64, reason: &str) -> StoreError {
    StoreError::Corrupt {
        what: format!("Merkle node ({level}, {index})"),
        reason: reason.into(),
    }
}

fn proof_error(error: ProofError<StoreError>) -> StoreError {
    match error {
        ProofError::Store(error) => error,
        other => StoreError::Corrupt {
            what: "Merkle proof request".into(),
            reason: other.to_string(),
        },
    }
}

fn case_key(case_id: &str, message_id: &str) -> Vec<u8> {
    let mut key = CASE_PREFIX.to_vec();
    key.extend_from_slice(case_id.as_bytes());
    key.push(0);
    key.extend_from_slice(message_id.as_bytes());
    key
}

fn case_parties_key(case_id: &str) -> Vec<u8> {
    let mut key = CASE_PARTIES_PREFIX.to_vec();
    key.extend_from_slice(case_id.as_bytes());
    key
}

fn split_parties(value: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(value)
        .split('\n')
        .map(str::to_owned)
        .collect()
}

fn request_key(request_id: &str) -> Vec<u8> {
    let mut key = REQUEST_PREFIX.to_vec();
    key.extend_from_slice(request_id.as_bytes());
    key
}

fn queue_key(recipient: &str, message_id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(recipient.len() + 1 + message_id.len());
    key.extend_from_slice(recipient.as_bytes());
    key.push(0);
    key.extend_from_slice(message_id.as_bytes());
    key
}

/// A message record as stored: without its envelope, whose bytes are those of the log entry
/// at `log_index` (the `MESSAGE_SENT` or `MESSAGE_RECEIVED` entry that recorded it). Keeping
/// them once halves what sled copies per message; [`Store::with_envelope`] puts them back.
fn stored_form(record: &MessageRecord) -> Vec<u8> {
    let logged =
        record.direction == Direction::Outbox as i32 || record.direction == Direction::Inbox as i32;
    if logged && record.envelope.is_some() {
        MessageRecord {
            envelope: None,
            ..record.clone()
        }
        .encode_to_vec()
    } else {
        record.encode_to_vec()
    }
}

/// Opens sled in `path`. Sled locks its file for as long as any of its threads holds it, and
/// its I/O threads may still finish writes for a moment after the store that opened it is
/// dropped: a store closed and opened again in one process (a restore, a test) waits for
/// that, up to [`LOCK_WAIT`]; another process holding the store is still refused then.
fn open_sled(path: &Path) -> sled::Result<sled::Db> {
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        let opened = sled::Config::new()
            .path(path)
            .mode(sled::Mode::HighThroughput)
            .open();
        match opened {
            // Sled 0.34 reports the lock as an `Other` error with this text.
            Err(sled::Error::Io(error))
                if error.to_string().contains("could not acquire lock")
                    && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// How long [`open_sled`] waits for sled's lock to be released.
const LOCK_WAIT: Duration = Duration::from_secs(2);

fn decode_message(id: &str, bytes: &[u8]) -> Result<MessageRecord, StoreError> {
    MessageRecord::decode(bytes).map_err(|e| StoreError::Corrupt {
        what: format!("message {id}"),
        reason: e.to_string(),
    })
}

impl Store {
    /// Opens (or creates) the store in `path`, applies to sled the journal's commits it lost in
    /// a crash, and checks that the log head matches the log.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        {
            // Sled would create it 0755.
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(path)
                .map_err(|source| StoreError::Io {
                    path: path.to_owned(),
                    source,
                })?;
        }
        let db = open_sled(path).map_err(open_error)?;
        // Sled creates its files by the process's umask (0644 as a rule): make them the node's
        // alone. Those it creates later (snapshots, blobs) are made so at the next full sync,
        // which lists them ([`list_files`]); until then the 0700 directory keeps others out.
        list_files(path)?;
        let metadata = std::fs::metadata(path).map_err(|source| StoreError::Io {
            path: path.to_owned(),
            source,
        })?;
        make_private(path, &metadata)?;
        let journal = Arc::new(Journal::open(path)?);
        let trees = Trees {
            db: db.clone(),
            path: path.to_owned(),
            log: db.open_tree(LOG_TREE).map_err(open_error)?,
            messages: db.open_tree(MESSAGES_TREE).map_err(open_error)?,
            meta: db.open_tree(META_TREE).map_err(open_error)?,
            queue: db.open_tree(QUEUE_TREE).map_err(open_error)?,
            merkle: db.open_tree(MERKLE_TREE).map_err(open_error)?,
            journal: Arc::clone(&journal),
        };
        let writes = Arc::new(Writes {
            state: std::sync::Mutex::new(WriteState {
                next_index: 0,
                previous_hash: ZERO_HASH,
                prepared: 0,
                committed_head: (0, ZERO_HASH),
                queue: VecDeque::new(),
                exclusive: 0,
                failed: None,
                shutdown: false,
                waiters: VecDeque::new(),
            }),
            work: std::sync::Condvar::new(),
            done: std::sync::Condvar::new(),
            unblocked: tokio::sync::Notify::new(),
            commits: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            journal_ns: AtomicU64::new(0),
            apply_ns: AtomicU64::new(0),
            flush_ns: AtomicU64::new(0),
            fsync_ns: AtomicU64::new(0),
            checkpoints: std::sync::Mutex::new(DurableCheckpoints::default()),
            #[cfg(test)]
            crash_after_journal: std::sync::atomic::AtomicBool::new(false),
            #[cfg(test)]
            no_space_at_next_commit: std::sync::atomic::AtomicBool::new(false),
        });
        let mut store = Self {
            log: trees.log.clone(),
            messages: trees.messages.clone(),
            meta: trees.meta.clone(),
            queue: trees.queue.clone(),
            merkle: trees.merkle.clone(),
            journal,
            db,
            path: path.to_owned(),
            writes: Arc::clone(&writes),
            committer: None,
        };
        let journal_len = store.replay_journal(&trees)?;
        store.check_head()?;
        store.load_checkpoints()?;
        store.build_case_index()?;
        store.build_request_index()?;
        let (next_index, previous_hash) = store.head()?;
        {
            let mut state = lock_state(&writes);
            state.next_index = next_index;
            state.previous_hash = previous_hash;
            state.committed_head = (next_index, previous_hash);
        }
        let committer = std::thread::Builder::new()
            .name("store-committer".into())
            .spawn(move || commit_loop(&writes, &trees, journal_len))
            .map_err(|e| StoreError::Task(format!("cannot start the store's committer: {e}")))?;
        store.committer = Some(committer);
        Ok(store)
    }

    /// Indexes every stored message by case, once: for stores made before the index existed.
    fn build_case_index(&self) -> Result<(), StoreError> {
        if self.meta.contains_key(CASE_INDEX_BUILT)? {
            return Ok(());
        }
        let mut index = sled::Batch::default();
        for item in self.messages.iter() {
            let (key, bytes) = item?;
            let id = String::from_utf8_lossy(&key).into_owned();
            let record = decode_message(&id, &bytes)?;
            index.insert(case_key(&record.case_id, &id), Vec::new());
        }
        index.insert(CASE_INDEX_BUILT, Vec::new());
        self.meta.apply_batch(index)?;
        self.flush_and_fsync()
    }

    /// Indexes every stored request with its state, once: for stores made before the index
    /// existed.
    fn build_request_index(&self) -> Result<(), StoreError> {
        if self.meta.contains_key(REQUEST_INDEX_BUILT)? {
            return Ok(());
        }
        let mut index = sled::Batch::default();
        for item in self.messages.iter() {
            let (key, bytes) = item?;
            let id = String::from_utf8_lossy(&key).into_owned();
            let record = decode_message(&id, &bytes)?;
            // Only requests and status updates carry a state; the envelope tells them apart.
            if record.request_state == 0 {
                continue;
            }
            let state = record.request_state;
            let record = self.with_envelope(record, |_| None)?;
            let is_request = record
                .envelope
                .as_ref()
                .and_then(|signed| rogatory_proto::signing::decode_envelope(&signed.payload).ok())
                .is_some_and(|e| {
                    matches!(
                        e.body,
                        Some(rogatory_proto::v1::envelope::Body::MlaRequest(_))
                    )
                });
            if is_request {
                index.insert(request_key(&id), state.to_le_bytes().to_vec());
            }
        }
        index.insert(REQUEST_INDEX_BUILT, Vec::new());
        self.meta.apply_batch(index)?;
        self.flush_and_fsync()
    }

    /// Every request this node holds, with its lifecycle state as last stored.
    pub fn request_states(&self) -> Result<Vec<(String, i32)>, StoreError> {
        let mut out = Vec::new();
        for item in self.meta.scan_prefix(REQUEST_PREFIX) {
            let (key, value) = item?;
            let id = String::from_utf8_lossy(&key[REQUEST_PREFIX.len()..]).into_owned();
            let state = <[u8; 4]>::try_from(value.as_ref())
                .map(i32::from_le_bytes)
                .map_err(|_| StoreError::Corrupt {
                    what: format!("request index entry {id}"),
                    reason: "the state is not 4 bytes".into(),
                })?;
            out.push((id, state));
        }
        Ok(out)
    }

    /// The messages of case `case_id`, in message-id order.
    pub fn case_messages(&self, case_id: &str) -> Result<Vec<MessageRecord>, StoreError> {
        let prefix = case_key(case_id, "");
        let mut out = Vec::new();
        for item in self.meta.scan_prefix(&prefix).keys() {
            let key = item?;
            let id = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
            let record = self.message(&id)?.ok_or_else(|| StoreError::Corrupt {
                what: format!("case index entry {case_id}/{id}"),
                reason: "names a message that is not stored".into(),
            })?;
            out.push(record);
        }
        Ok(out)
    }

    fn head(&self) -> Result<(u64, [u8; 32]), StoreError> {
        match self.meta.get(HEAD_KEY)? {
            None => Ok((0, ZERO_HASH)),
            Some(bytes) if bytes.len() == 40 => {
                let mut count = [0u8; 8];
                count.copy_from_slice(&bytes[..8]);
                let mut hash = [0u8; 32];
                hash.copy_from_slice(&bytes[8..]);
                Ok((u64::from_be_bytes(count), hash))
            }
            Some(_) => Err(StoreError::Corrupt {
                what: "log head".into(),
                reason: "wrong length".into(),
            }),
        }
    }

    fn check_head(&self) -> Result<(), StoreError> {
        let (count, hash) = self.head()?;
        let last = self.log.last()?;
        let consistent = match last {
            None => count == 0,
            Some((key, value)) => {
                let index = count.wrapping_sub(1);
                key.as_ref() == index.to_be_bytes()
                    && entry_hash(&self.journal.resolve(index, &value)?) == hash
            }
        };
        if consistent {
            Ok(())
        } else {
            Err(StoreError::HeadMismatch { count })
        }
    }

    /// How far sled has applied the journal (0 for a store older than the journal).
    fn journal_applied(&self) -> Result<u64, StoreError> {
        match self.meta.get(JOURNAL_APPLIED)? {
            None => Ok(0),
            Some(bytes) => <[u8; 8]>::try_from(bytes.as_ref())
                .map(u64::from_be_bytes)
                .map_err(|_| StoreError::Corrupt {
                    what: "journal position".into(),
                    reason: "not 8 bytes".into(),
                }),
        }
    }

    /// Applies to sled every whole commit of the journal it does not hold (it lost them in a
    /// crash: sled is synced only now and then), makes that durable, and cuts off a commit a
    /// crash left unfinished. Returns where the journal ends.
    fn replay_journal(&self, trees: &Trees) -> Result<u64, StoreError> {
        let mut replayed = 0u64;
        let (end, unfinished) = self
            .journal
            .replay(self.journal_applied()?, |changes, end| {
                replayed += 1;
                apply_changes(trees, &changes, end)
            })?;
        if replayed > 0 {
            tracing::info!(
                commits = replayed,
                "applied commits from the store's journal that sled had lost in a crash"
            );
            self.flush_and_fsync()?;
        }
        self.journal.cut_after(end, unfinished)?;
        Ok(end)
    }

    /// Number of entries in the audit log.
    pub fn log_len(&self) -> Result<u64, StoreError> {
        Ok(self.head()?.0)
    }

    /// Prepares a batch with `f` and commits it, atomically and after every batch prepared
    /// before it. Exclusive: `f` runs once every earlier batch is committed, so it may read
    /// anything through the store (checkpoints, Merkle roots), not only through the batch. The
    /// changes are visible and on disk when this returns. The caller awaits the drain and the
    /// commit and blocks no thread on them; dropped before `f` ran, it writes nothing. The busy
    /// paths use [`Store::write_grouped`], which does not wait for the queue to drain.
    pub async fn write<T, E>(&self, f: impl FnOnce(&mut Batch<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut turn = ExclusiveTurn::take(&self.writes);
        let (value, committed) = loop {
            let drained = {
                let mut state = lock_state(&self.writes);
                if state.queue.is_empty() || state.failed.is_some() {
                    let prepared = self.prepare(&mut state, f);
                    turn.end(&mut state);
                    let (value, pending) = match prepared {
                        Ok(prepared) => prepared,
                        Err(error) => {
                            drop(state);
                            self.exclusive_ended();
                            return Err(error);
                        }
                    };
                    let committed = pending.map(|pending| Self::commit_of(&mut state, pending));
                    drop(state);
                    self.exclusive_ended();
                    break (value, committed);
                }
                // Another exclusive writer may queue a batch meanwhile: look again after this.
                let Some(last) = state.queue.back().cloned() else {
                    continue;
                };
                Self::commit_of(&mut state, last)
            };
            // A batch not committed leaves `failed` set (the store failed) or the queue empty
            // (dropped for want of space) for the next round.
            let _ = drained.1.await;
        };
        match committed {
            None => Ok(value),
            Some(committed) => self.committed(committed).await.map(|()| value),
        }
    }

    /// Like [`Store::write`], for threads that may block (startup, `spawn_blocking`, tests):
    /// waits on the committer with a condition variable. Never call it from an async task.
    pub fn write_blocking<T, E>(
        &self,
        f: impl FnOnce(&mut Batch<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut state = self.drained();
        let prepared = self.prepare(&mut state, f);
        state.exclusive -= 1;
        self.writes.done.notify_all();
        self.writes.unblocked.notify_waiters();
        let (value, pending) = prepared?;
        let Some(pending) = pending else {
            return Ok(value);
        };
        loop {
            match pending.outcome.get() {
                Some(Ok(())) => return Ok(value),
                Some(Err(reason)) => return Err(StoreError::from(reason).into()),
                None => state = wait_done(&self.writes, state),
            }
        }
    }

    /// Like [`Store::write`], but for the busy paths: `f` may run while batches prepared
    /// before it are still being committed, so it must read only through the batch (which
    /// sees them), and the caller awaits the commit instead of blocking a thread on it. Many
    /// writers share one commit.
    pub async fn write_grouped<T, E>(
        &self,
        f: impl FnOnce(&mut Batch<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let (value, committed) = loop {
            let unblocked = self.writes.unblocked.notified();
            let mut unblocked = std::pin::pin!(unblocked);
            unblocked.as_mut().enable();
            {
                let mut state = lock_state(&self.writes);
                // Exclusive writers wait for the queue to drain; do not keep it full meanwhile.
                if state.exclusive == 0 || state.failed.is_some() {
                    let (value, pending) = self.prepare(&mut state, f)?;
                    let Some(pending) = pending else {
                        return Ok(value);
                    };
                    break (value, Self::commit_of(&mut state, pending));
                }
            }
            unblocked.await;
        };
        self.committed(committed).await.map(|()| value)
    }

    /// Tells the caller once batch `pending` is committed; the sender is dropped untold if it
    /// is not (the disk was full, or the store failed), the reason set in its `outcome`.
    /// Waiters are kept in order: a batch is never older than one prepared before.
    fn commit_of(state: &mut WriteState, pending: Arc<Prepared>) -> Committed {
        let (tell, committed) = tokio::sync::oneshot::channel();
        match pending.outcome.get() {
            Some(Ok(())) => {
                let _ = tell.send(());
            }
            Some(Err(_)) => {}
            None => state.waiters.push_back((pending.seq, tell)),
        }
        (pending, committed)
    }

    /// Awaits a commit announced by [`Store::commit_of`].
    async fn committed<E: From<StoreError>>(&self, committed: Committed) -> Result<(), E> {
        let (pending, committed) = committed;
        if committed.await.is_ok() {
            return Ok(());
        }
        match pending.outcome.get() {
            Some(Err(reason)) => Err(StoreError::from(reason).into()),
            _ => Err(StoreError::Task("the store's committer stopped".into()).into()),
        }
    }

    /// Wakes the writers held back while an exclusive writer waited (call with the lock
    /// released).
    fn exclusive_ended(&self) {
        self.writes.done.notify_all();
        self.writes.unblocked.notify_waiters();
    }

    /// Runs `f` on a new batch that reads through `state`'s pending batches, and queues the
    /// result for the committer. Returns the batch to wait for: this one, or if it is empty
    /// the last one prepared (which is committed only if every one before it is); `None` if
    /// everything is committed.
    fn prepare<T, E>(
        &self,
        state: &mut WriteState,
        f: impl FnOnce(&mut Batch<'_>) -> Result<T, E>,
    ) -> Result<(T, Option<Arc<Prepared>>), E>
    where
        E: From<StoreError>,
    {
        if let Some(reason) = &state.failed {
            return Err(StoreError::Failed(reason.clone()).into());
        }
        let mut batch = Batch {
            store: self,
            pending: &state.queue,
            next_index: state.next_index,
            previous_hash: state.previous_hash,
            time_ms: now_ms(),
            entries: Vec::new(),
            messages: Vec::new(),
            queue: Vec::new(),
            meta: Vec::new(),
        };
        let value = f(&mut batch)?;
        let Batch {
            next_index,
            previous_hash,
            entries,
            messages,
            queue,
            meta,
            ..
        } = batch;
        if entries.is_empty() && messages.is_empty() && queue.is_empty() && meta.is_empty() {
            // Nothing to write, but what `f` read may come from batches not committed yet
            // (a repeated delivery answered from one, say): wait for those before answering.
            return Ok((value, state.queue.back().cloned()));
        }
        state.prepared += 1;
        state.next_index = next_index;
        state.previous_hash = previous_hash;
        let prepared = Arc::new(Prepared {
            seq: state.prepared,
            next_index,
            head_hash: previous_hash,
            entries,
            messages,
            queue,
            meta,
            outcome: std::sync::OnceLock::new(),
        });
        state.queue.push_back(Arc::clone(&prepared));
        self.writes.work.notify_one();
        Ok((value, Some(prepared)))
    }

    /// The write state once every prepared batch is committed, with new batches held back
    /// (`exclusive` counts this caller) until the caller decrements it and notifies `done`.
    fn drained(&self) -> std::sync::MutexGuard<'_, WriteState> {
        let mut state = lock_state(&self.writes);
        state.exclusive += 1;
        while !state.queue.is_empty() && state.failed.is_none() {
            state = wait_done(&self.writes, state);
        }
        state
    }

    /// Runs `f` once every prepared batch is committed, holding new ones back meanwhile: a
    /// consistent point of the whole store.
    fn quiesced<R>(&self, f: impl FnOnce() -> R) -> R {
        let mut state = self.drained();
        let result = f();
        state.exclusive -= 1;
        drop(state);
        self.exclusive_ended();
        result
    }

    /// What the committer has done since the store was opened.
    pub fn commit_stats(&self) -> CommitStats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        CommitStats {
            commits: load(&self.writes.commits),
            batches: load(&self.writes.batches),
            journal: Duration::from_nanos(load(&self.writes.journal_ns)),
            apply: Duration::from_nanos(load(&self.writes.apply_ns)),
            flush: Duration::from_nanos(load(&self.writes.flush_ns)),
            fsync: Duration::from_nanos(load(&self.writes.fsync_ns)),
        }
    }

    /// Flushes sled's buffers, then fsyncs every file of the database and its directories.
    pub fn flush_and_fsync(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        fsync_tree(&self.path)
    }

    pub fn message(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        match self.messages.get(message_id.as_bytes())? {
            None => Ok(None),
            Some(bytes) => self
                .with_envelope(decode_message(message_id, &bytes)?, |_| None)
                .map(Some),
        }
    }

    /// A stored message record without its envelope (see [`stored_form`]): what scheduling
    /// and listings need, without reading the log.
    pub fn message_fields(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        match self.messages.get(message_id.as_bytes())? {
            None => Ok(None),
            Some(bytes) => decode_message(message_id, &bytes).map(Some),
        }
    }

    /// Puts back a record's envelope from the log entry that recorded it, looked up among
    /// `pending` entries (a batch not yet committed) first.
    fn with_envelope<'p>(
        &self,
        mut record: MessageRecord,
        pending: impl Fn(u64) -> Option<&'p [u8]>,
    ) -> Result<MessageRecord, StoreError> {
        let logged = record.direction == Direction::Outbox as i32
            || record.direction == Direction::Inbox as i32;
        if record.envelope.is_some() || !logged {
            return Ok(record);
        }
        let corrupt = |reason: String| StoreError::Corrupt {
            what: format!("message {}", record.message_id),
            reason,
        };
        let index = record.log_index;
        let entry = match pending(index) {
            Some(bytes) => LogEntry::decode(bytes).map_err(|e| StoreError::Corrupt {
                what: format!("audit-log entry {index}"),
                reason: e.to_string(),
            })?,
            None => self
                .log_entry(index)?
                .ok_or_else(|| corrupt(format!("its log entry {index} is missing")))?,
        };
        let recorded = entry.kind == EntryKind::MessageSent as i32
            || entry.kind == EntryKind::MessageReceived as i32;
        if !recorded || entry.message_id != record.message_id {
            return Err(corrupt(format!(
                "log entry {index} does not record this message"
            )));
        }
        record.envelope = Some(SignedEnvelope {
            payload: entry.signed_payload,
            signature: entry.signature,
        });
        Ok(record)
    }

    /// Messages in one direction, newest first (message ids are time-ordered).
    pub fn list_messages(
        &self,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let mut out = Vec::new();
        for item in self.messages.iter().rev() {
            let (key, bytes) = item?;
            let record = decode_message(&String::from_utf8_lossy(&key), &bytes)?;
            if record.direction == direction as i32 {
                out.push(self.with_envelope(record, |_| None)?);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Up to `limit` undelivered outbox messages for `recipient` with ids after `after`,
    /// oldest first, as the few fields the sender schedules by (not whole messages, so that a
    /// long queue costs the sender little memory).
    pub fn queued_for(
        &self,
        recipient: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<QueuedMessage>, StoreError> {
        let mut prefix = recipient.as_bytes().to_vec();
        prefix.push(0);
        let start = match after {
            Some(id) => {
                let mut key = queue_key(recipient, id);
                key.push(0); // the smallest key greater than `id`'s
                key
            }
            None => prefix.clone(),
        };
        let mut out = Vec::new();
        for item in self.queue.range(start..) {
            let (key, _) = item?;
            if !key.starts_with(&prefix) || out.len() >= limit {
                break;
            }
            let id = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
            let record = self
                .message_fields(&id)?
                .ok_or_else(|| StoreError::Corrupt {
                    what: format!("outbox queue entry {id}"),
                    reason: "names a message that is not stored".into(),
                })?;
            let delivery = crate::multiparty::delivery_to(&record, recipient).ok_or_else(|| {
                StoreError::Corrupt {
                    what: format!("outbox queue entry {recipient}/{id}"),
                    reason: "names a message not addressed to that peer".into(),
                }
            })?;
            out.push(QueuedMessage {
                message_id: record.message_id,
                case_id: record.case_id,
                created_at_ms: record.created_at_ms,
                attempts: delivery.attempts,
                next_attempt_at_ms: delivery.next_attempt_at_ms,
            });
        }
        Ok(out)
    }

    /// Number of undelivered outbox messages for `recipient`.
    pub fn queue_depth(&self, recipient: &str) -> Result<u64, StoreError> {
        let mut prefix = recipient.as_bytes().to_vec();
        prefix.push(0);
        let mut depth = 0;
        for item in self.queue.scan_prefix(&prefix).keys() {
            item?;
            depth += 1;
        }
        Ok(depth)
    }

    /// The Merkle root of the first `size` log entries.
    pub fn merkle_root(&self, size: u64) -> Result<Hash, StoreError> {
        merkle::root(&self.merkle_view(), size)
    }

    /// The inclusion proof of entry `index` in the tree of the first `size` entries.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, StoreError> {
        merkle::inclusion_proof(&self.merkle_view(), index, size).map_err(proof_error)
    }

    /// The consistency proof from the tree of `old_size` entries to that of `new_size`.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>, StoreError> {
        merkle::consistency_proof(&self.merkle_view(), old_size, new_size).map_err(proof_error)
    }

    fn merkle_view(&self) -> MerkleView<'_> {
        static NONE: std::sync::OnceLock<HashMap<(u8, u64), Hash>> = std::sync::OnceLock::new();
        MerkleView {
            log: &self.log,
            tree: &self.merkle,
            pending: NONE.get_or_init(HashMap::new),
        }
    }

    /// The newest checkpoint this node signed: tree size and note text. Only once committed (so
    /// on disk): it is shown to peers, who would hold the node to one it lost in a crash.
    pub fn latest_checkpoint(&self) -> Result<Option<(u64, String)>, StoreError> {
        Ok(durable_checkpoints(&self.writes).own.clone())
    }

    /// The checkpoint this node signed for tree size `size` (note text, with any cosignatures).
    pub fn checkpoint(&self, size: u64) -> Result<Option<String>, StoreError> {
        Ok(self
            .meta
            .get(checkpoint_key(size))?
            .map(|value| String::from_utf8_lossy(&value).into_owned()))
    }

    /// Every checkpoint this node signed, oldest first.
    pub fn checkpoints(&self) -> Result<Vec<(u64, String)>, StoreError> {
        let mut out = Vec::new();
        for item in self.meta.scan_prefix(CHECKPOINT_PREFIX) {
            let (key, value) = item?;
            if let Ok(size) = <[u8; 8]>::try_from(&key[CHECKPOINT_PREFIX.len()..]) {
                out.push((
                    u64::from_be_bytes(size),
                    String::from_utf8_lossy(&value).into_owned(),
                ));
            }
        }
        Ok(out)
    }

    /// Up to `limit` stored log entries from index `start` on, as the exact stored bytes, in
    /// order: a bounded read for streaming the log out without holding all of it.
    pub fn log_entries_from(
        &self,
        start: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let mut out = Vec::new();
        for item in self.log.range(start.to_be_bytes()..).take(limit) {
            let (key, bytes) = item?;
            let index = <[u8; 8]>::try_from(key.as_ref())
                .map(u64::from_be_bytes)
                .map_err(|_| StoreError::Corrupt {
                    what: "audit-log key".into(),
                    reason: "not an 8-byte index".into(),
                })?;
            out.push((index, self.journal.resolve(index, &bytes)?));
        }
        Ok(out)
    }

    /// Up to `limit` checkpoints this node signed with a size of at least `min_size`, oldest
    /// first: a bounded read of [`Store::checkpoints`].
    pub fn checkpoints_from(
        &self,
        min_size: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>, StoreError> {
        let mut out = Vec::new();
        for item in self
            .meta
            .range(checkpoint_key(min_size)..)
            .take_while(|item| {
                item.as_ref()
                    .map_or(true, |(key, _)| key.starts_with(CHECKPOINT_PREFIX))
            })
            .take(limit)
        {
            let (key, value) = item?;
            if let Ok(size) = <[u8; 8]>::try_from(&key[CHECKPOINT_PREFIX.len()..]) {
                out.push((
                    u64::from_be_bytes(size),
                    String::from_utf8_lossy(&value).into_owned(),
                ));
            }
        }
        Ok(out)
    }

    /// The newest verified checkpoint of `peer` (note text), if any.
    pub fn peer_checkpoint(&self, peer: &str) -> Result<Option<String>, StoreError> {
        Ok(durable_checkpoints(&self.writes).peers.get(peer).cloned())
    }

    /// Loads the newest checkpoint and every peer's into memory, once at open.
    fn load_checkpoints(&self) -> Result<(), StoreError> {
        let mut loaded = DurableCheckpoints::default();
        for item in self
            .meta
            .scan_prefix(PEER_CHECKPOINT_PREFIX)
            .chain(self.meta.scan_prefix(CHECKPOINT_PREFIX).next_back())
        {
            let (key, value) = item?;
            if key.starts_with(CHECKPOINT_PREFIX) && key.len() != CHECKPOINT_PREFIX.len() + 8 {
                return Err(StoreError::Corrupt {
                    what: "checkpoint key".into(),
                    reason: "not a tree size".into(),
                });
            }
            loaded.remember(&key, &value);
        }
        *durable_checkpoints(&self.writes) = loaded;
        Ok(())
    }

    /// Evidence kept against `peer`, oldest first.
    pub fn misbehaviour(&self, peer: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut prefix = MISBEHAVIOUR_PREFIX.to_vec();
        prefix.extend_from_slice(peer.as_bytes());
        prefix.push(0);
        let mut out = Vec::new();
        for item in self.meta.scan_prefix(prefix) {
            out.push(item?.1.to_vec());
        }
        Ok(out)
    }

    /// One log entry, decoded.
    pub fn log_entry(&self, index: u64) -> Result<Option<LogEntry>, StoreError> {
        match self.log.get(index.to_be_bytes())? {
            None => Ok(None),
            Some(value) => LogEntry::decode(self.journal.resolve(index, &value)?.as_slice())
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    what: format!("audit-log entry {index}"),
                    reason: e.to_string(),
                }),
        }
    }

    /// Verifies the whole audit log: chain, entry signatures and the recorded head.
    /// `key_of` returns the Ed25519 key of this node or a peer by node id.
    /// Also checks that the stored Merkle leaves are the entries' hashes and that every
    /// checkpoint the node signed (under `origin`) commits to the log as it is.
    pub fn verify_log(
        &self,
        own_id: &str,
        origin: &str,
        key_of: impl Fn(&str) -> Option<VerifyingKey>,
    ) -> Result<Result<LogSummary, ChainError>, StoreError> {
        // The log as it stands now: appends made while verifying are not this verification's.
        let ((count, head_hash), checkpoints) =
            self.quiesced(|| Ok::<_, StoreError>((self.head()?, self.checkpoints()?)))?;
        let mut verifier = ChainVerifier::new();
        // Rebuilt from the entries, not read from the stored nodes, so a rewritten log cannot
        // hide behind the nodes it left untouched.
        let mut tree = MemoryTree::new();
        let mut checkpoints = checkpoints.into_iter().peekable();
        let own_key = key_of(own_id);
        let check_checkpoints_up_to = |tree: &MemoryTree,
                                       checkpoints: &mut std::iter::Peekable<
            std::vec::IntoIter<(u64, String)>,
        >|
         -> Result<(), ChainError> {
            while let Some((size, note)) = checkpoints.next_if(|(size, _)| *size <= tree.len()) {
                let failure = |reason: String| ChainError {
                    index: size.saturating_sub(1),
                    reason: format!("checkpoint of size {size}: {reason}"),
                };
                let key = own_key.ok_or_else(|| failure("this node's key is unknown".into()))?;
                let checked = verify_own_checkpoint(tree, &note, origin, &key).map_err(failure)?;
                if checked != size {
                    return Err(failure(format!(
                        "stored under size {size} but says {checked}"
                    )));
                }
            }
            Ok(())
        };
        for item in self.log.range(..count.to_be_bytes()) {
            let (key, value) = item?;
            let Ok(index) = <[u8; 8]>::try_from(key.as_ref()).map(u64::from_be_bytes) else {
                return Ok(Err(ChainError {
                    index: verifier.len(),
                    reason: "stored under a malformed key".into(),
                }));
            };
            let bytes = match self.journal.resolve(index, &value) {
                Ok(bytes) => bytes,
                Err(StoreError::Corrupt { reason, .. }) => {
                    return Ok(Err(ChainError { index, reason }));
                }
                Err(error) => return Err(error),
            };
            let entry = match verifier.push(index, &bytes) {
                Ok(entry) => entry,
                Err(e) => return Ok(Err(e)),
            };
            if let Err(reason) = verify_entry_signature(&entry, own_id, &key_of) {
                return Ok(Err(ChainError { index, reason }));
            }
            let leaf = entry_hash(&bytes);
            // The leaf is carried by the value in hand (level 0: completed by the entry itself).
            match self.merkle_view().stored(0, index, Some(&value)) {
                Ok(stored) if stored == leaf => {}
                Err(StoreError::Corrupt { .. }) | Ok(_) => {
                    return Ok(Err(ChainError {
                        index,
                        reason: "the Merkle tree's leaf does not match this entry".into(),
                    }));
                }
                Err(error) => return Err(error),
            }
            tree.push(leaf);
            if let Err(error) = check_checkpoints_up_to(&tree, &mut checkpoints) {
                return Ok(Err(error));
            }
        }
        if let Some((size, _)) = checkpoints.next() {
            return Ok(Err(ChainError {
                index: tree.len(),
                reason: format!(
                    "a signed checkpoint covers {size} entries but the log holds only {}",
                    tree.len()
                ),
            }));
        }
        let verified = verifier.len();
        let mismatch = if verified < count {
            Some((
                verified,
                format!("missing (the recorded head counts {count} entries)"),
            ))
        } else if verified > count {
            Some((
                count,
                format!("beyond the recorded head of {count} entries"),
            ))
        } else if verifier.head_hash() != head_hash {
            Some((
                verified.saturating_sub(1),
                "the last entry does not match the recorded head hash".to_owned(),
            ))
        } else {
            None
        };
        if let Some((index, reason)) = mismatch {
            return Ok(Err(ChainError { index, reason }));
        }
        Ok(Ok(LogSummary {
            entries: count,
            head_hash,
        }))
    }
}

/// What a backup holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupSummary {
    pub log_entries: u64,
    pub checkpoint_size: u64,
    pub bytes: u64,
}

impl Store {
    /// Writes a consistent copy of the whole store into `directory`, which must not exist (not
    /// even as a symlink: nothing is overwritten or followed), as a store that [`Store::open`]
    /// opens; the copy is fsynced before this returns.
    ///
    /// Writers go on meanwhile. Sled's trees are copied while commits continue, so each key of
    /// the copy holds its value at some moment of the copy; the copy then records as applied
    /// only the journal position reached before it began (`start`). Writers are held only for
    /// the instant it takes to read the position `end` that every copied value precedes (a
    /// value is read only after its commit is in the journal). The journal is copied up to
    /// `end` (its bytes before the end never change), and opening the copy applies again every
    /// commit after `start`, as after a crash: each key a commit after `start` touched ends
    /// with its value at `end` (applying a change again leaves what applying it once does), and
    /// every other key did not change during the copy. The result is the store as it was at
    /// `end`, one point in the log's history, never half a batch.
    pub fn backup_to(&self, directory: &Path) -> Result<BackupSummary, StoreError> {
        use std::os::unix::fs::DirBuilderExt;
        let target_error = |reason: String| StoreError::BackupTarget {
            path: directory.to_owned(),
            reason,
        };
        if directory.symlink_metadata().is_ok() {
            return Err(target_error(
                "it already exists (a file, a directory or a symlink); name a new directory so \
                 nothing is overwritten or followed"
                    .into(),
            ));
        }
        if let Some(parent) = directory.parent() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)
                .map_err(|e| target_error(e.to_string()))?;
        }
        // Not recursive: fails if anything appeared at the path meanwhile, and never follows it.
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(directory)
            .map_err(|e| target_error(e.to_string()))?;
        let store_copy = directory.join("store");
        // Every commit up to `start` is applied to sled: its marker is written after its changes.
        let start = self.journal_applied()?;
        let copy = sled::Config::new()
            .path(&store_copy)
            .open()
            .map_err(|e| target_error(e.to_string()))?;
        let mut bytes = 0u64;
        for name in self.db.tree_names() {
            let source = self.db.open_tree(&name)?;
            let target = copy.open_tree(&name)?;
            for item in source.iter() {
                let (key, value) = item?;
                bytes += (key.len() + value.len()) as u64;
                target.insert(key, value)?;
            }
        }
        // Every prepared batch committed and applied, none prepared meanwhile: an instant.
        let (end, log_entries, checkpoint_size) = self.quiesced(|| {
            Ok::<_, StoreError>((
                self.journal_applied()?,
                self.head()?.0,
                self.latest_checkpoint()?.map_or(0, |(size, _)| size),
            ))
        })?;
        copy.open_tree(META_TREE)?
            .insert(JOURNAL_APPLIED, &start.to_be_bytes())?;
        copy.flush()?;
        drop(copy);
        self.journal.copy_to(&store_copy.join(JOURNAL_FILE), end)?;
        bytes += end;
        // Opening the copy applies the commits after `start` and syncs it: whole on disk now.
        drop(Store::open(&store_copy)?);
        fsync_tree(directory)?;
        Ok(BackupSummary {
            log_entries,
            checkpoint_size,
            bytes,
        })
    }
}

/// The committer thread: commits whatever batches are prepared, oldest first, one journal
/// append and fdatasync and one application to sled per round, until the store is dropped and
/// nothing is left to commit. Sled is flushed and fsynced when it has changes older than
/// [`SLED_SYNC_INTERVAL`], and when the store closes.
fn commit_loop(writes: &Writes, trees: &Trees, mut journal_len: u64) {
    let mut synced = SyncedFiles::default();
    // When sled first changed since its last sync, if it has.
    let mut unsynced_since: Option<Instant> = None;
    loop {
        let group: Vec<Arc<Prepared>> = {
            let mut state = lock_state(writes);
            loop {
                // A failed store writes nothing more, sled included.
                let due = unsynced_since
                    .filter(|_| state.failed.is_none())
                    .map(|since| since + SLED_SYNC_INTERVAL);
                if due.is_some_and(|due| due <= Instant::now()) {
                    drop(state);
                    sync_sled(writes, trees, &mut synced);
                    unsynced_since = None;
                    state = lock_state(writes);
                    continue;
                }
                if !state.queue.is_empty() && state.failed.is_none() {
                    break;
                }
                if state.shutdown {
                    let unsynced = unsynced_since.is_some() && state.failed.is_none();
                    drop(state);
                    if unsynced {
                        sync_sled(writes, trees, &mut synced);
                    }
                    return;
                }
                state = match due {
                    None => writes
                        .work
                        .wait(state)
                        .unwrap_or_else(std::sync::PoisonError::into_inner),
                    Some(due) => {
                        let timeout = due.saturating_duration_since(Instant::now());
                        let waited = writes.work.wait_timeout(state, timeout);
                        waited.unwrap_or_else(std::sync::PoisonError::into_inner).0
                    }
                };
            }
            state.queue.iter().take(MAX_GROUP).cloned().collect()
        };
        let result = commit_durably(writes, trees, &group, &mut journal_len);
        let mut state = lock_state(writes);
        let committed = match result {
            Ok(()) => {
                unsynced_since.get_or_insert_with(Instant::now);
                remember_checkpoints(writes, &group);
                for prepared in state.queue.drain(..group.len()) {
                    let _ = prepared.outcome.set(Ok(()));
                }
                if let Some(last) = group.last() {
                    state.committed_head = (last.next_index, last.head_hash);
                }
                group.last().map_or(0, |last| last.seq)
            }
            Err(StoreError::NoSpace { path, source }) => {
                // Nothing of the commit is kept (the journal undid its append) and nothing
                // reached sled: drop it and every batch prepared after it, which chained onto
                // its entries, and prepare again from the committed head.
                tracing::warn!(
                    error = %source,
                    journal = %path.display(),
                    batches = state.queue.len(),
                    "the disk is full: writes were not committed, and their writers told so; \
                     the store takes new writes again once space is freed"
                );
                drop_queue(&mut state, &NotCommitted::NoSpace(path));
                (state.next_index, state.previous_hash) = state.committed_head;
                0
            }
            Err(error) => {
                tracing::error!(
                    %error,
                    "cannot commit to the store, or make a commit durable; it refuses every \
                     further write until the node is restarted"
                );
                state.failed = Some(error.to_string());
                drop_queue(&mut state, &NotCommitted::Failed(error.to_string()));
                0
            }
        };
        while state
            .waiters
            .front()
            .is_some_and(|(seq, _)| *seq <= committed)
        {
            if let Some((_, tell)) = state.waiters.pop_front() {
                // A writer that stopped waiting (its task was cancelled) is not an error.
                let _ = tell.send(());
            }
        }
        drop(state);
        writes.done.notify_all();
    }
}

/// Drops every prepared batch, telling each writer `why`. The waiters are all for batches
/// dropped: they hear it by their channel closing.
fn drop_queue(state: &mut WriteState, why: &NotCommitted) {
    for prepared in state.queue.drain(..) {
        let _ = prepared.outcome.set(Err(why.clone()));
    }
    state.waiters.clear();
}

/// How long sled may hold changes that are only in the journal: what a restart after a crash
/// replays at most.
const SLED_SYNC_INTERVAL: Duration = Duration::from_secs(1);

/// The `meta` key of how far sled has applied the journal: the offset where the last commit it
/// applied ends (8 bytes big-endian), written with that commit's changes.
const JOURNAL_APPLIED: &[u8] = b"journal_applied";

/// Flushes sled and fsyncs its files. Nothing depends on it but how much a restart replays, so
/// a failure is reported and tried again at the next sync, not turned into a failed store.
fn sync_sled(writes: &Writes, trees: &Trees, synced: &mut SyncedFiles) {
    let started = Instant::now();
    let result = trees.db.flush().map_err(StoreError::from).and_then(|_| {
        let syncing = add_time(&writes.flush_ns, started);
        synced.sync(&trees.path)?;
        add_time(&writes.fsync_ns, syncing);
        Ok(())
    });
    if let Err(error) = result {
        tracing::warn!(%error, "cannot flush and fsync sled; the journal still holds every commit");
    }
}

/// Adds the time since `started` to a phase's total.
fn add_time(phase: &AtomicU64, started: Instant) -> Instant {
    let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
    phase.fetch_add(nanos, Ordering::Relaxed);
    Instant::now()
}

/// Commits `group` (consecutive prepared batches): appends its entries and its changes to the
/// journal at `journal_len` (its end, moved on past the commit) and fdatasyncs it, which makes
/// the commit durable; then applies the changes to sled.
fn commit_durably(
    writes: &Writes,
    trees: &Trees,
    group: &[Arc<Prepared>],
    journal_len: &mut u64,
) -> Result<(), StoreError> {
    let started = Instant::now();
    let mut frames = CommitFrames::new(*journal_len);
    let mut changes = Vec::new();
    // Each entry's index value carries the Merkle nodes it completes (one sled key per entry,
    // not one per node: sled's cost is per key).
    let mut nodes: HashMap<(u8, u64), Hash> = HashMap::new();
    for (index, bytes, hash) in group.iter().flat_map(|prepared| prepared.entries.iter()) {
        let location = frames.entry(bytes);
        let view = MerkleView {
            log: &trees.log,
            tree: &trees.merkle,
            pending: &nodes,
        };
        let completed = merkle::completed_subtrees(&view, *index, *hash)?;
        let mut value = Vec::with_capacity(13 + 32 * completed.len());
        value.extend_from_slice(&location.encode());
        for (level, i, hash) in completed {
            value.extend_from_slice(&hash);
            nodes.insert((level, i), hash);
        }
        changes.push(Change {
            tree: TreeId::AuditLog,
            key: index.to_be_bytes().to_vec(),
            value: Some(value),
        });
    }
    group_changes(group, &mut changes);
    let (bytes, end) = frames.finish(&changes);
    #[cfg(test)]
    if writes.no_space_at_next_commit.swap(false, Ordering::SeqCst) {
        return Err(StoreError::NoSpace {
            path: trees.path.clone(),
            source: std::io::ErrorKind::StorageFull.into(),
        });
    }
    trees.journal.append_durably(*journal_len, &bytes)?;
    *journal_len = end;
    let applying = add_time(&writes.journal_ns, started);
    #[cfg(test)]
    if writes.crash_after_journal.load(Ordering::SeqCst) {
        return Err(StoreError::Task("a crash, as the test asked".into()));
    }
    apply_changes(trees, &changes, end)?;
    add_time(&writes.apply_ns, applying);
    writes.commits.fetch_add(1, Ordering::SeqCst);
    writes
        .batches
        .fetch_add(group.len() as u64, Ordering::Relaxed);
    Ok(())
}

/// Applies one commit's `changes` to sled, in their order, then records where the commit ends
/// in the journal (`journal_end`).
///
/// Not in a sled transaction: the journal already makes the commit atomic across a crash
/// (sled keeps a prefix of its operations, so once it holds `journal_applied` it holds every
/// change before it; any commit after is applied again at open, and applying a change twice
/// leaves what applying it once does). A transaction cost about twice the CPU per key, and
/// every `get` on the busy paths waited behind it. Readers may see a commit half applied, so
/// the changes come in an order where no key refers to one not yet written: the log's index
/// and Merkle nodes, message records, the queue that points at them, then metadata (the case
/// index pointing at records, checkpoints) and the log head last ([`group_changes`]).
fn apply_changes(trees: &Trees, changes: &[Change], journal_end: u64) -> Result<(), StoreError> {
    for change in changes {
        let tree = match change.tree {
            TreeId::AuditLog => &trees.log,
            TreeId::Messages => &trees.messages,
            TreeId::OutboxQueue => &trees.queue,
            TreeId::Meta => &trees.meta,
            TreeId::Merkle => &trees.merkle,
        };
        match &change.value {
            Some(value) => tree.insert(change.key.as_slice(), value.as_slice())?,
            None => tree.remove(change.key.as_slice())?,
        };
    }
    trees
        .meta
        .insert(JOURNAL_APPLIED, &journal_end.to_be_bytes())?;
    Ok(())
}

/// Updates the in-memory checkpoints with those `group` committed, once it is on disk and
/// before its writers hear of it.
fn remember_checkpoints(writes: &Writes, group: &[Arc<Prepared>]) {
    let mut held = durable_checkpoints(writes);
    for (key, value) in group.iter().flat_map(|prepared| prepared.meta.iter()) {
        held.remember(key, value);
    }
}

fn durable_checkpoints(writes: &Writes) -> std::sync::MutexGuard<'_, DurableCheckpoints> {
    writes
        .checkpoints
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Adds to `changes` what `group` (consecutive prepared batches) changes in sled besides the
/// log's index: its metadata, message records and queue, and the log head. Within a tree, in
/// the order the batches made them: a later change of a key wins.
fn group_changes(group: &[Arc<Prepared>], changes: &mut Vec<Change>) {
    let Some(last) = group.last() else {
        return;
    };
    let change = |tree, key: &[u8], value: Option<&[u8]>| Change {
        tree,
        key: key.to_vec(),
        value: value.map(<[u8]>::to_vec),
    };
    // In the order readers follow references (see `apply_changes`).
    for prepared in group {
        for (id, bytes) in &prepared.messages {
            changes.push(change(TreeId::Messages, id.as_bytes(), Some(bytes)));
        }
    }
    for prepared in group {
        for (key, queued) in &prepared.queue {
            changes.push(change(TreeId::OutboxQueue, key, queued.then_some(&[][..])));
        }
    }
    for prepared in group {
        for (key, value) in &prepared.meta {
            changes.push(change(TreeId::Meta, key, Some(value)));
        }
    }
    let mut head = Vec::with_capacity(40);
    head.extend_from_slice(&last.next_index.to_be_bytes());
    head.extend_from_slice(&last.head_hash);
    changes.push(change(TreeId::Meta, HEAD_KEY, Some(&head)));
}

/// What the committer last made durable, so that a commit fsyncs only what sled changed.
///
/// Sled rewrites one file in place, its log (`db`); everything else it writes once under a new
/// name (its config, snapshots, blobs) and later deletes. So a commit fsyncs the log alone
/// while the listing of the store (names, sizes, modification times) is the one last synced,
/// and the whole tree, directories included, when it is not. Each fsync is a round trip to the
/// disk even for a file with nothing to write, which is what this saves.
#[derive(Default)]
struct SyncedFiles {
    /// The store's log file, kept open; `None` until the first full sync.
    log: Option<std::fs::File>,
    /// The listing as it was just before the last full sync.
    listing: Listing,
}

/// The files and directories under a store, sorted by path.
type Listing = Vec<Listed>;

/// One file or directory of a listing: what tells that it changed (size and modification
/// time; neither for sled's log file, which changes at every commit).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Listed {
    path: PathBuf,
    directory: bool,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

/// What one commit's sync covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Synced {
    /// Sled's log file alone: nothing else changed since the last full sync.
    Log,
    /// Every file and directory of the store.
    Everything,
}

impl SyncedFiles {
    fn sync(&mut self, path: &Path) -> Result<Synced, StoreError> {
        let listing = list_files(path)?;
        let log_path = path.join(SLED_LOG_FILE);
        let sync_error = |source| StoreError::Sync {
            path: log_path.clone(),
            source,
        };
        if let Some(log) = &self.log
            && listing == self.listing
        {
            log.sync_data().map_err(sync_error)?;
            return Ok(Synced::Log);
        }
        fsync_listed(path, &listing)?;
        self.log = Some(std::fs::File::open(&log_path).map_err(sync_error)?);
        self.listing = listing;
        Ok(Synced::Everything)
    }
}

/// The file in which sled keeps its log (the only one it rewrites in place).
const SLED_LOG_FILE: &str = "db";

/// Every file and directory under `path`, sorted. What vanishes while it is listed is left out.
/// Takes away what group and others may do with any of them ([`make_private`]).
fn list_files(path: &Path) -> Result<Listing, StoreError> {
    let log = path.join(SLED_LOG_FILE);
    let journal = path.join(JOURNAL_FILE);
    let mut listing = Vec::new();
    let mut pending = vec![path.to_owned()];
    while let Some(directory) = pending.pop() {
        let read = std::fs::read_dir(&directory);
        // The store itself must be there; a subdirectory may have gone meanwhile.
        let read = if directory == path {
            read.map(Some)
        } else {
            unless_vanished(read)
        };
        let Some(entries) = read.map_err(|e| sync_error(&directory, e))? else {
            continue;
        };
        for entry in entries {
            let entry = entry.map_err(|e| sync_error(&directory, e))?;
            let path = entry.path();
            let Some(metadata) =
                unless_vanished(entry.metadata()).map_err(|e| sync_error(&path, e))?
            else {
                continue;
            };
            if metadata.is_dir() {
                pending.push(path.clone());
            } else if !metadata.is_file() {
                // Sled makes only files and directories; anything else is not ours to sync.
                continue;
            }
            make_private(&path, &metadata)?;
            // The two files that grow at every commit, and are synced at every commit.
            let changes = path != log && path != journal;
            listing.push(Listed {
                directory: metadata.is_dir(),
                len: if changes { metadata.len() } else { 0 },
                modified: metadata.modified().ok().filter(|_| changes),
                path,
            });
        }
    }
    listing.sort();
    Ok(listing)
}

/// Takes the group's and others' permissions off a file or directory of the store: sled makes
/// its files by the process's umask, and the store must not rely on the data directory's mode.
fn make_private(path: &Path, metadata: &std::fs::Metadata) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode();
    if mode & 0o077 == 0 {
        return Ok(());
    }
    let private = std::fs::Permissions::from_mode(mode & 0o700);
    unless_vanished(std::fs::set_permissions(path, private))
        .map(drop)
        .map_err(|source| StoreError::Io {
            path: path.to_owned(),
            source,
        })
}

/// Fsyncs every file and directory under `path`, then `path` itself.
fn fsync_tree(path: &Path) -> Result<(), StoreError> {
    fsync_listed(path, &list_files(path)?)
}

/// Fsyncs the files of `listing` (taken under `path`), then its directories, deepest first,
/// then `path`: a new file is reachable after a crash only once its directory is synced.
fn fsync_listed(path: &Path, listing: &[Listed]) -> Result<(), StoreError> {
    let mut directories: Vec<&Path> = Vec::new();
    for listed in listing {
        if listed.directory {
            directories.push(&listed.path);
        } else {
            fsync_unless_vanished(&listed.path)?;
        }
    }
    directories.sort_by_key(|directory| std::cmp::Reverse(directory.components().count()));
    for directory in directories {
        fsync_unless_vanished(directory)?;
    }
    std::fs::File::open(path)
        .and_then(|root| root.sync_all())
        .map_err(|e| sync_error(path, e))
}

fn fsync_unless_vanished(path: &Path) -> Result<(), StoreError> {
    unless_vanished(std::fs::File::open(path).and_then(|file| file.sync_all()))
        .map(drop)
        .map_err(|e| sync_error(path, e))
}

/// `None` for a file or directory that vanished meanwhile: sled deletes old snapshots and
/// blobs from its own threads, and what is gone needs no sync. A store that failed on such a
/// race would refuse every write until restarted.
fn unless_vanished<T>(result: std::io::Result<T>) -> std::io::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

fn sync_error(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Sync {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileExt;

    fn record(detail: &str) -> LogRecord {
        LogRecord {
            kind: EntryKind::LocalAction,
            detail: detail.into(),
            ..Default::default()
        }
    }

    fn append_records(store: &Store, details: &[&str]) {
        for detail in details {
            store
                .write_blocking(|batch| Ok::<_, StoreError>(batch.append(record(detail))))
                .expect("write");
        }
    }

    fn details(store: &Store) -> Vec<String> {
        store
            .log_entries_from(0, 100)
            .expect("read")
            .into_iter()
            .map(|(_, bytes)| LogEntry::decode(bytes.as_slice()).expect("decode").detail)
            .collect()
    }

    #[test]
    fn a_store_whose_entries_sled_holds_reads_on_and_appends_to_the_journal() {
        let dir = tempfile::tempdir().expect("tempdir");
        append_records(&Store::open(dir.path()).expect("open"), &["a0", "a1"]);
        // Make it a store written before the journal: each entry inline in sled, and the
        // Merkle nodes in the `merkle` tree, not in the entries' index values.
        {
            let store = Store::open(dir.path()).expect("reopen");
            let stored = store.log_entries_from(0, 10).expect("read");
            for (index, bytes) in stored {
                let value = store
                    .log
                    .get(index.to_be_bytes())
                    .expect("read")
                    .expect("entry");
                let hashes = journal::completed_hashes(&value);
                assert!(!hashes.is_empty(), "a new entry carries its Merkle nodes");
                for (level, hash) in hashes.chunks(32).enumerate() {
                    let level = u8::try_from(level).expect("level");
                    store
                        .merkle
                        .insert(merkle_key(level, index >> level), hash)
                        .expect("node");
                }
                store
                    .log
                    .insert(index.to_be_bytes(), bytes)
                    .expect("inline");
            }
            store.meta.remove(JOURNAL_APPLIED).expect("remove");
            store.flush_and_fsync().expect("sync");
        }
        std::fs::remove_file(dir.path().join(JOURNAL_FILE)).expect("remove");

        let store = Store::open(dir.path()).expect("open the older store");
        assert_eq!(details(&store), ["a0", "a1"]);
        append_records(&store, &["a2"]);
        let value = store
            .log
            .get(2u64.to_be_bytes())
            .expect("read")
            .expect("entry");
        assert!(matches!(Stored::decode(2, &value), Ok(Stored::Located(_))));
        assert!(matches!(
            Stored::decode(
                1,
                &store
                    .log
                    .get(1u64.to_be_bytes())
                    .expect("read")
                    .expect("entry")
            ),
            Ok(Stored::Inline(_))
        ));
        // Entries 3 and 4 complete nodes whose left halves are in the `merkle` tree.
        append_records(&store, &["a3", "a4"]);
        drop(store);
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(details(&store), ["a0", "a1", "a2", "a3", "a4"]);
        let summary = store
            .verify_log("tm", "rogatory/tm", |_| None)
            .expect("read")
            .expect("valid");
        assert_eq!(summary.entries, 5);
        let mut tree = MemoryTree::new();
        for (_, bytes) in store.log_entries_from(0, 10).expect("read") {
            tree.push(entry_hash(&bytes));
            let size = tree.len();
            assert_eq!(
                store.merkle_root(size).expect("root"),
                tree.root(),
                "{size}"
            );
        }
        for old in 1..5 {
            let proof = store.consistency_proof(old, 5).expect("proof");
            let old_root = store.merkle_root(old).expect("root");
            merkle::verify_consistency(old, 5, &proof, &old_root, &tree.root())
                .unwrap_or_else(|e| panic!("{old}: {e}"));
        }
    }

    #[test]
    fn a_commit_that_finds_the_disk_full_is_dropped_and_the_store_writes_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(dir.path()).expect("open");
            append_records(&store, &["a0"]);
            store
                .writes
                .no_space_at_next_commit
                .store(true, Ordering::SeqCst);
            let error = store
                .write_blocking(|batch| {
                    batch.append(record("dropped"));
                    put_sent(batch, "m1");
                    Ok::<_, StoreError>(())
                })
                .expect_err("the disk is full");
            assert!(matches!(error, StoreError::NoSpace { .. }), "{error}");
            assert_eq!(store.log_len().expect("len"), 1);
            assert!(store.message("m1").expect("read").is_none());
            // Not a failed store: the next writes chain onto the last committed entry.
            append_records(&store, &["a1"]);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime");
            store
                .writes
                .no_space_at_next_commit
                .store(true, Ordering::SeqCst);
            let grouped = runtime.block_on(store.write_grouped(|batch| {
                batch.append(record("dropped too"));
                Ok::<_, StoreError>(())
            }));
            assert!(matches!(grouped, Err(StoreError::NoSpace { .. })));
            store
                .writes
                .no_space_at_next_commit
                .store(true, Ordering::SeqCst);
            let exclusive = runtime.block_on(store.write(|batch| {
                batch.append(record("dropped as well"));
                Ok::<_, StoreError>(())
            }));
            assert!(matches!(exclusive, Err(StoreError::NoSpace { .. })));
            runtime
                .block_on(store.write_grouped(|batch| {
                    batch.append(record("a2"));
                    Ok::<_, StoreError>(())
                }))
                .expect("written once space returned");
            assert_eq!(details(&store), ["a0", "a1", "a2"]);
            let summary = store
                .verify_log("tm", "rogatory/tm", |_| None)
                .expect("read")
                .expect("valid");
            assert_eq!(summary.entries, 3);
        }
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(details(&store), ["a0", "a1", "a2"]);
        assert!(store.message("m1").expect("read").is_none());
    }

    #[test]
    fn a_commit_a_crash_left_unfinished_in_the_journal_is_cut_off_at_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let recorded = {
            let store = Store::open(dir.path()).expect("open");
            append_records(&store, &["a0", "a1"]);
            store.journal_applied().expect("applied")
        };
        let path = dir.path().join(JOURNAL_FILE);
        // A commit whose entry frame was written (over the zeros written ahead), and not its
        // commit frame.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            // Length 6, kind 1 (an entry), then the entry's 5 bytes.
            .and_then(|file| file.write_all_at(b"\0\0\0\x06\x01\x08\x02abc", recorded))
            .expect("write");
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(std::fs::metadata(&path).expect("stat").len(), recorded);
        append_records(&store, &["a2"]);
        drop(store);
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(details(&store), ["a0", "a1", "a2"]);
        assert!(
            store
                .verify_log("tm", "rogatory/tm", |_| None)
                .expect("read")
                .is_ok()
        );
    }

    #[test]
    fn a_store_whose_journal_lost_its_end_will_not_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let applied = {
            let store = Store::open(dir.path()).expect("open");
            append_records(&store, &["a0", "a1"]);
            store.journal_applied().expect("applied")
        };
        let path = dir.path().join(JOURNAL_FILE);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|file| file.set_len(applied - 3))
            .expect("truncate");
        let error = Store::open(dir.path())
            .expect_err("must not open")
            .to_string();
        assert!(error.contains("confirmed are missing"), "{error}");
    }

    #[test]
    fn sled_is_synced_soon_after_a_commit_even_if_no_other_comes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        append_records(&store, &["a0"]);
        let committed = Instant::now();
        // Await the committer's periodic sync: a generous deadline, no fixed sleep.
        let deadline = committed + Duration::from_secs(30);
        while store.commit_stats().fsync == Duration::ZERO {
            assert!(
                Instant::now() < deadline,
                "sled was never synced after the commit"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(committed.elapsed() >= SLED_SYNC_INTERVAL / 2);
        assert!(store.commit_stats().flush > Duration::ZERO);
    }

    #[test]
    fn a_commit_in_the_journal_that_sled_lost_is_replayed_at_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(dir.path()).expect("open");
            append_records(&store, &["a0"]);
            // The commit is in the journal, synced; the crash comes before sled has it.
            store
                .writes
                .crash_after_journal
                .store(true, Ordering::SeqCst);
            let error = store
                .write_blocking(|batch| {
                    batch.append(record("a1"));
                    put_sent(batch, "m1");
                    Ok::<_, StoreError>(())
                })
                .expect_err("the crash");
            assert!(error.to_string().contains("as the test asked"), "{error}");
            assert_eq!(store.log_len().expect("len"), 1);
            assert!(store.message("m1").expect("read").is_none());
        }
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(details(&store), ["a0", "a1", ""]);
        assert!(store.message("m1").expect("read").is_some());
        let queued = store.queued_for("de", None, 10).expect("queue");
        assert_eq!(queued.len(), 1);
        let (commits_end, unfinished) = store.journal.replay(0, |_, _| Ok(())).expect("scan");
        assert!(!unfinished);
        assert_eq!(store.journal_applied().expect("applied"), commits_end);
        // The open checked the head against the last entry; the Merkle nodes were replayed too.
        let mut tree = MemoryTree::new();
        for (_, bytes) in store.log_entries_from(0, 10).expect("read") {
            tree.push(entry_hash(&bytes));
        }
        assert_eq!(store.merkle_root(3).expect("root"), tree.root());
        // And the replayed store takes new commits after it.
        append_records(&store, &["a3"]);
        drop(store);
        assert_eq!(details(&Store::open(dir.path()).expect("reopen")).len(), 4);
    }

    #[tokio::test]
    async fn appends_chain_survive_reopen_and_verify() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Arc::new(Store::open(dir.path()).expect("open"));
            for i in 0..3 {
                let appended = store
                    .write(|batch| Ok::<_, StoreError>(batch.append(record(&format!("a{i}")))))
                    .await
                    .expect("write");
                assert_eq!(appended.index, i);
            }
        }
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(store.log_len().expect("len"), 3);
        let summary = store
            .verify_log("tm", "rogatory/tm", |_| None)
            .expect("read")
            .expect("valid");
        assert_eq!(summary.entries, 3);
        assert_eq!(
            store.log_entry(1).expect("read").expect("present").detail,
            "a1"
        );
        // Each entry's index value carries the nodes it completed, leaf first: one sled key
        // per entry, none in the `merkle` tree.
        assert!(store.merkle.is_empty());
        let mut tree = MemoryTree::new();
        for (index, bytes) in store.log_entries_from(0, 10).expect("read") {
            let value = store
                .log
                .get(index.to_be_bytes())
                .expect("read")
                .expect("entry");
            let completed = merkle::completed_subtrees(&tree, index, entry_hash(&bytes))
                .expect("nodes")
                .into_iter()
                .flat_map(|(_, _, hash)| hash)
                .collect::<Vec<u8>>();
            assert_eq!(journal::completed_hashes(&value), completed.as_slice());
            tree.push(entry_hash(&bytes));
        }
        assert_eq!(store.merkle_root(3).expect("root"), tree.root());
    }

    #[tokio::test]
    async fn failed_batch_changes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let result: Result<(), StoreError> = store
            .write(|batch| {
                batch.append(record("never"));
                Err(StoreError::Task("refused".into()))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(store.log_len().expect("len"), 0);
    }

    /// A message record logged the way `outbound` logs one.
    fn put_sent(batch: &mut Batch<'_>, id: &str) {
        let signed = SignedEnvelope {
            payload: format!("payload of {id}").into_bytes(),
            signature: vec![7; 64],
        };
        let sent = batch.append(LogRecord {
            kind: EntryKind::MessageSent,
            peer: "de".into(),
            message_id: id.into(),
            signed_payload: signed.payload.clone(),
            signature: signed.signature.clone(),
            detail: String::new(),
        });
        batch.put_message(&MessageRecord {
            direction: Direction::Outbox as i32,
            message_id: id.into(),
            recipient: "de".into(),
            state: DeliveryState::Queued as i32,
            envelope: Some(signed),
            log_index: sent.index,
            ..Default::default()
        });
    }

    #[test]
    fn the_request_index_keeps_states_and_is_built_for_older_stores() {
        use rogatory_proto::v1::{Envelope, MlaRequest, RequestState, StatusUpdate, envelope};
        let dir = tempfile::tempdir().expect("tempdir");
        let request_id = "01J00000000000000000000000";
        let update_id = "01J00000000000000000000001";
        let put = |batch: &mut Batch<'_>, id: &str, body: envelope::Body, state: RequestState| {
            let envelope = Envelope {
                version: 1,
                message_id: id.into(),
                sender: "de".into(),
                recipient: "tm".into(),
                created_at_ms: 1,
                case_id: "de-1".into(),
                copies_to: Vec::new(),
                body: Some(body),
            };
            let payload = envelope.encode_to_vec();
            let received = batch.append(LogRecord {
                kind: EntryKind::MessageReceived,
                peer: "de".into(),
                message_id: id.into(),
                signed_payload: payload.clone(),
                signature: vec![7; 64],
                detail: String::new(),
            });
            batch.put_message(&MessageRecord {
                direction: Direction::Inbox as i32,
                message_id: id.into(),
                sender: "de".into(),
                recipient: "tm".into(),
                case_id: "de-1".into(),
                state: DeliveryState::Received as i32,
                log_index: received.index,
                request_state: state as i32,
                ..Default::default()
            });
        };
        {
            let store = Store::open(dir.path()).expect("open");
            store
                .write_blocking(|batch| {
                    put(
                        batch,
                        request_id,
                        envelope::Body::MlaRequest(MlaRequest::default()),
                        RequestState::Acknowledged,
                    );
                    batch.put_request_state(request_id, RequestState::Delivered as i32);
                    batch.put_request_state(request_id, RequestState::Acknowledged as i32);
                    put(
                        batch,
                        update_id,
                        envelope::Body::StatusUpdate(StatusUpdate::default()),
                        RequestState::Acknowledged,
                    );
                    Ok::<_, StoreError>(())
                })
                .expect("write");
            let expected = vec![(request_id.to_owned(), RequestState::Acknowledged as i32)];
            assert_eq!(store.request_states().expect("index"), expected);
            // As a store made before the index existed would be.
            store.meta.remove(request_key(request_id)).expect("remove");
            store.meta.remove(REQUEST_INDEX_BUILT).expect("remove");
            assert!(store.request_states().expect("index").is_empty());
            store.flush_and_fsync().expect("sync");
        }
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(
            store.request_states().expect("index"),
            [(request_id.to_owned(), RequestState::Acknowledged as i32)],
            "the request is indexed from its record; the status update is not"
        );
    }

    #[test]
    fn a_batch_reads_through_batches_not_yet_committed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        // Holding the state lock keeps the committer away, so the first batch is still
        // pending while the second is prepared.
        let (first, second, empty) = {
            let mut state = lock_state(&store.writes);
            let first = store
                .prepare(&mut state, |batch| {
                    put_sent(batch, "m1");
                    Ok::<_, StoreError>(())
                })
                .expect("first");
            let second = store
                .prepare(&mut state, |batch| {
                    let pending = batch.message("m1")?.expect("m1 visible while pending");
                    let envelope = pending
                        .envelope
                        .clone()
                        .expect("envelope read back from the log");
                    assert_eq!(envelope.payload, b"payload of m1");
                    let mut delivered = pending.clone();
                    delivered.state = DeliveryState::Delivered as i32;
                    delivered.envelope = Some(envelope);
                    batch.put_message(&delivered);
                    Ok::<_, StoreError>(batch.log_size())
                })
                .expect("second");
            let empty = store
                .prepare(&mut state, |batch| {
                    Ok::<_, StoreError>(batch.message("m1")?.map(|m| m.state))
                })
                .expect("empty");
            (first, second, empty)
        };
        let seq = |pending: &Option<Arc<Prepared>>| pending.as_ref().map(|p| p.seq);
        assert_eq!(seq(&first.1), Some(1));
        // The second batch continued the log after the first one's entry.
        assert_eq!((second.0, seq(&second.1)), (1, Some(2)));
        // An empty batch that read pending state waits for the last prepared batch.
        assert_eq!(
            (empty.0, seq(&empty.1)),
            (Some(DeliveryState::Delivered as i32), Some(2))
        );
        // Committed in order; the record is stored once, its envelope read back from the log.
        store
            .write_blocking(|_| Ok::<_, StoreError>(()))
            .expect("exclusive write waits for the queue");
        let stored = store.message("m1").expect("read").expect("stored");
        assert_eq!(stored.state, DeliveryState::Delivered as i32);
        assert_eq!(
            stored.envelope.expect("envelope").payload,
            b"payload of m1".to_vec()
        );
        assert!(store.messages.get("m1").expect("raw").expect("raw").len() < 64);
        assert_eq!(store.log_len().expect("len"), 1);
        assert!(store.queued_for("de", None, 10).expect("queue").is_empty());
    }

    #[test]
    fn a_commit_syncs_the_whole_store_only_when_more_than_the_log_changed() {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path();
        let log = path.join(SLED_LOG_FILE);
        std::fs::write(&log, b"first commit").expect("write");
        std::fs::create_dir(path.join("blobs")).expect("mkdir");
        let mut synced = SyncedFiles::default();
        assert_eq!(synced.sync(path).expect("sync"), Synced::Everything);
        // Sled's log grows at every commit: it alone is synced.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&log)
            .and_then(|mut file| file.write_all(b"second commit"))
            .expect("append");
        assert_eq!(synced.sync(path).expect("sync"), Synced::Log);
        // A new file (a blob, a snapshot) makes the next commit sync everything, once.
        std::fs::write(path.join("blobs").join("1"), b"blob").expect("write");
        assert_eq!(synced.sync(path).expect("sync"), Synced::Everything);
        assert_eq!(synced.sync(path).expect("sync"), Synced::Log);
        // So does any other file that changed, or went.
        std::fs::write(path.join("blobs").join("1"), b"a longer blob").expect("write");
        assert_eq!(synced.sync(path).expect("sync"), Synced::Everything);
        std::fs::remove_file(path.join("blobs").join("1")).expect("remove");
        assert_eq!(synced.sync(path).expect("sync"), Synced::Everything);
        assert_eq!(synced.sync(path).expect("sync"), Synced::Log);
    }

    #[tokio::test]
    async fn peer_checkpoints_are_read_as_committed_and_survive_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        assert_eq!(store.peer_checkpoint("de").expect("read"), None);
        store
            .write(|batch| {
                batch.put_peer_checkpoint("de", "de note 1");
                Ok::<_, StoreError>(())
            })
            .await
            .expect("write");
        assert_eq!(
            store.peer_checkpoint("de").expect("read").as_deref(),
            Some("de note 1")
        );
        store
            .write_grouped(|batch| {
                batch.put_peer_checkpoint("de", "de note 2");
                batch.put_peer_checkpoint("fr", "fr note 1");
                Ok::<_, StoreError>(())
            })
            .await
            .expect("write");
        assert_eq!(
            store.peer_checkpoint("de").expect("read").as_deref(),
            Some("de note 2")
        );
        // A batch that fails changes nothing.
        let failed = store
            .write(|batch| {
                batch.put_peer_checkpoint("de", "never");
                Err::<(), _>(StoreError::Task("refused".into()))
            })
            .await;
        assert!(failed.is_err());
        drop(store);
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(
            store.peer_checkpoint("de").expect("read").as_deref(),
            Some("de note 2")
        );
        assert_eq!(
            store.peer_checkpoint("fr").expect("read").as_deref(),
            Some("fr note 1")
        );
        assert_eq!(store.peer_checkpoint("it").expect("read"), None);
    }

    #[tokio::test]
    async fn the_latest_checkpoint_is_the_newest_committed_with_its_cosignatures() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        assert_eq!(store.latest_checkpoint().expect("read"), None);
        // A cosignature added to an older checkpoint leaves the newest as it is (the last).
        for (size, note) in [
            (3, "size 3"),
            (5, "size 5"),
            (5, "size 5, cosigned"),
            (3, "size 3, cosigned"),
        ] {
            store
                .write(|batch| {
                    batch.put_checkpoint(size, note);
                    Ok::<_, StoreError>(())
                })
                .await
                .expect("write");
        }
        let newest = Some((5, "size 5, cosigned".to_owned()));
        assert_eq!(store.latest_checkpoint().expect("read"), newest);
        drop(store);
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(store.latest_checkpoint().expect("read"), newest);
        assert_eq!(
            store.checkpoint(3).expect("read").as_deref(),
            Some("size 3, cosigned")
        );
    }

    #[test]
    fn syncing_skips_what_sled_deleted_meanwhile_but_not_a_missing_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let gone = dir.path().join("blobs");
        // A directory (or file) that went between the listing and its sync: nothing to sync.
        fsync_unless_vanished(&gone).expect("a vanished subdirectory is skipped");
        assert!(matches!(
            unless_vanished(std::fs::File::open(gone.join("1"))),
            Ok(None)
        ));
        // The store itself missing is an error, whichever way it is synced.
        assert!(matches!(fsync_tree(&gone), Err(StoreError::Sync { .. })));
        assert!(matches!(
            SyncedFiles::default().sync(&gone),
            Err(StoreError::Sync { .. })
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_grouped_writer_whose_commit_fails_hears_so_and_later_writes_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        store
            .write_grouped(|batch| {
                put_sent(batch, "m0");
                Ok::<_, StoreError>(())
            })
            .await
            .expect("first write");
        store
            .writes
            .crash_after_journal
            .store(true, Ordering::SeqCst);
        let failed = tokio::time::timeout(
            Duration::from_secs(60),
            store.write_grouped(|batch| {
                put_sent(batch, "m1");
                Ok::<_, StoreError>(())
            }),
        )
        .await
        .expect("the writer is told, not left waiting");
        let error = failed.expect_err("the commit failed").to_string();
        assert!(error.contains("as the test asked"), "{error}");
        let refused = store
            .write_grouped(|batch| {
                put_sent(batch, "m2");
                Ok::<_, StoreError>(())
            })
            .await
            .expect_err("a failed store takes no more writes")
            .to_string();
        assert!(refused.contains("as the test asked"), "{refused}");
        assert!(store.message("m0").expect("read").is_some());
        assert!(store.message("m2").expect("read").is_none());
    }

    /// On one runtime thread, exclusive and grouped writers interleave without blocking it:
    /// a writer that waited on a condition variable there would never be woken.
    #[tokio::test(flavor = "current_thread")]
    async fn exclusive_and_grouped_writers_share_one_runtime_thread() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let grouped = (0..20).map(|i| {
            let store = &store;
            async move {
                store
                    .write_grouped(|batch| {
                        put_sent(batch, &format!("g{i:02}"));
                        Ok::<_, StoreError>(())
                    })
                    .await
            }
        });
        let exclusive = (0..20).map(|i| {
            let store = &store;
            async move {
                store
                    .write(|batch| {
                        // Exclusive: everything before it is committed and readable.
                        assert_eq!(batch.log_size(), store.log_len()?);
                        batch.append(record(&format!("x{i:02}")));
                        Ok::<_, StoreError>(())
                    })
                    .await
            }
        });
        let all = futures_util::future::join(
            futures_util::future::join_all(grouped),
            futures_util::future::join_all(exclusive),
        );
        let (grouped, exclusive) = tokio::time::timeout(Duration::from_secs(60), all)
            .await
            .expect("no writer left waiting");
        assert!(grouped.into_iter().chain(exclusive).all(|r| r.is_ok()));
        assert_eq!(store.log_len().expect("len"), 40);
    }

    /// An exclusive writer dropped while it waits for the queue to drain (a cancelled call)
    /// leaves nothing behind: later grouped writers are not held back.
    #[tokio::test(flavor = "current_thread")]
    async fn a_cancelled_exclusive_writer_does_not_hold_grouped_writers_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        {
            let mut queued = std::pin::pin!(store.write_grouped(|batch| {
                put_sent(batch, "m0");
                Ok::<_, StoreError>(())
            }));
            // Prepared, not yet committed: an exclusive writer now has to wait.
            assert!(futures_util::poll!(queued.as_mut()).is_pending());
            let mut exclusive = std::pin::pin!(store.write(|batch| {
                batch.append(record("never"));
                Ok::<_, StoreError>(())
            }));
            let _ = futures_util::poll!(exclusive.as_mut());
            queued.await.expect("write");
        }
        tokio::time::timeout(
            Duration::from_secs(60),
            store.write_grouped(|batch| {
                put_sent(batch, "m1");
                Ok::<_, StoreError>(())
            }),
        )
        .await
        .expect("not held back")
        .expect("write");
        assert!(store.message("m1").expect("read").is_some());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_grouped_writers_share_commits_and_all_become_durable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(Store::open(dir.path()).expect("open"));
        let mut tasks = tokio::task::JoinSet::new();
        for writer in 0..16 {
            let store = Arc::clone(&store);
            tasks.spawn(async move {
                for i in 0..40 {
                    let id = format!("w{writer:02}-{i:03}");
                    store
                        .write_grouped(|batch| {
                            put_sent(batch, &id);
                            Ok::<_, StoreError>(())
                        })
                        .await
                        .expect("write");
                    // Visible at once to a reader outside the batch.
                    assert!(store.message(&id).expect("read").is_some());
                }
            });
        }
        // A lost wake-up among the waiters would hang here.
        let all = async { while tasks.join_next().await.transpose().expect("task").is_some() {} };
        tokio::time::timeout(std::time::Duration::from_secs(120), all)
            .await
            .expect("every writer finished");
        let commits = store.writes.commits.load(Ordering::SeqCst);
        assert!(commits <= 640, "{commits} commits for 640 batches");
        let stats = store.commit_stats();
        assert_eq!((stats.commits, stats.batches), (commits, 640));
        assert!(stats.journal > Duration::ZERO, "{stats:?}");
        assert!(stats.apply > Duration::ZERO, "{stats:?}");
        drop(store);
        // Reopening checks the recorded head against the last entry; the chain is whole.
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(store.log_len().expect("len"), 640);
        let mut previous = ZERO_HASH;
        let mut tree = MemoryTree::new();
        let stored = store.log_entries_from(0, 1000).expect("read");
        assert_eq!(stored.len(), 640);
        for (index, bytes) in stored {
            let entry = LogEntry::decode(bytes.as_ref()).expect("decode");
            assert_eq!(entry.index, index);
            assert_eq!(entry.previous_hash, previous.to_vec(), "entry {index}");
            previous = entry_hash(&bytes);
            tree.push(previous);
        }
        // The Merkle nodes committed group by group give the root of the whole log.
        assert_eq!(store.merkle_root(640).expect("root"), tree.root());
        assert_eq!(
            store.queued_for("de", None, 1000).expect("queue").len(),
            640
        );
    }

    #[test]
    fn the_case_index_lists_a_case_and_is_built_for_older_stores() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(dir.path()).expect("open");
            for (case, id) in [("tm-1", "m1"), ("tm-10", "m2"), ("tm-1", "m3")] {
                store
                    .write_blocking(|batch| {
                        put_sent(batch, id);
                        let mut record = batch.message(id)?.expect("just put");
                        record.case_id = case.into();
                        batch.put_message(&record);
                        Ok::<_, StoreError>(())
                    })
                    .expect("write");
            }
            let ids = |case: &str| -> Vec<String> {
                let messages = store.case_messages(case).expect("case");
                messages.into_iter().map(|m| m.message_id).collect()
            };
            assert_eq!(ids("tm-1"), ["m1", "m3"]);
            assert_eq!(ids("tm-10"), ["m2"]);
            assert!(ids("tm").is_empty());
            // As a store made before the index existed would be.
            let index: Vec<_> = store
                .meta
                .scan_prefix(CASE_PREFIX)
                .keys()
                .collect::<Result<_, _>>()
                .expect("keys");
            assert!(!index.is_empty());
            for key in index {
                store.meta.remove(key).expect("remove");
            }
            store.meta.remove(CASE_INDEX_BUILT).expect("remove");
            store.flush_and_fsync().expect("sync");
        }
        let store = Store::open(dir.path()).expect("reopen");
        let messages = store.case_messages("tm-1").expect("case");
        assert_eq!(messages.len(), 2);
        assert!(messages.iter().all(|m| m.envelope.is_some()));
    }
}
