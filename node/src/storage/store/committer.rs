//! The committer thread: takes every batch prepared meanwhile (at most [`MAX_GROUP`]) into one
//! group commit, appends it to the journal and fdatasyncs it, applies its changes to sled in
//! the order readers follow references, and tells the writers; on a full disk drops the queue
//! (the journal's) or waits for space and reopens sled (sled's, [`recover_sled`]), on any
//! other failure fails the store. Flushes and fsyncs sled about once a second
//! ([`SLED_SYNC_INTERVAL`]). Preparing batches is [`super::write`]'s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rogatory_proto::merkle::{self, Hash};

use super::StoreError;
use super::files::SyncedFiles;
use super::journal::{Change, CommitFrames, Journal, TreeId};
use super::log::{HEAD_KEY, MerkleView, remember_checkpoints};
use super::write::{NotCommitted, Prepared, SledDown, WriteState, Writes, lock_state};

/// The trees a commit writes, and what it syncs.
pub(super) struct Trees {
    pub(super) db: sled::Db,
    pub(super) path: PathBuf,
    pub(super) log: sled::Tree,
    pub(super) messages: sled::Tree,
    pub(super) queue: sled::Tree,
    pub(super) meta: sled::Tree,
    pub(super) merkle: sled::Tree,
    /// Readers' marks (`read_marks`): written directly, outside the journal.
    pub(super) read_marks: sled::Tree,
    pub(super) journal: Arc<Journal>,
}

/// Sled's trees as the store's readers find them. The committer replaces them when it reopens
/// sled after sled met a full disk ([`recover_sled`]); `None` while it does.
pub(super) struct Sled {
    trees: std::sync::RwLock<Option<Arc<Trees>>>,
    /// With `reopened`, wakes the readers waiting for the reopening once it is over.
    waiting: std::sync::Mutex<()>,
    reopened: std::sync::Condvar,
}

/// How long a reader waits for sled to be reopened before it is told to retry: opening a small
/// store takes a fraction of a second; a reopening that failed is tried again much later.
const REOPEN_READ_WAIT: Duration = Duration::from_secs(5);

impl Sled {
    pub(super) fn new(trees: Arc<Trees>) -> Self {
        Self {
            trees: std::sync::RwLock::new(Some(trees)),
            waiting: std::sync::Mutex::new(()),
            reopened: std::sync::Condvar::new(),
        }
    }

    fn now(&self) -> Option<Arc<Trees>> {
        let slot = self
            .trees
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.clone()
    }

    /// Sled's trees as they are now; while the committer reopens sled, waits for it (at most
    /// [`REOPEN_READ_WAIT`], then [`StoreError::Reopening`]).
    pub(super) fn current(&self) -> Result<Arc<Trees>, StoreError> {
        if let Some(trees) = self.now() {
            return Ok(trees);
        }
        let deadline = Instant::now() + REOPEN_READ_WAIT;
        let mut waiting = self
            .waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            if let Some(trees) = self.now() {
                return Ok(trees);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StoreError::Reopening);
            }
            waiting = self
                .reopened
                .wait_timeout(waiting, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }

    fn replace(&self, trees: Option<Arc<Trees>>) {
        *self
            .trees
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = trees;
        // A reader between its look and its wait holds `waiting`: it is woken too.
        drop(
            self.waiting
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        self.reopened.notify_all();
    }
}

/// The most batches one commit takes.
const MAX_GROUP: usize = 256;

/// The committer thread: commits whatever batches are prepared, oldest first, one journal
/// append and fdatasync and one application to sled per round, until the store is dropped and
/// nothing is left to commit. Sled is flushed and fsynced when it has changes older than
/// [`SLED_SYNC_INTERVAL`], and when the store closes. When sled meets a full disk, waits for
/// space and reopens it ([`recover_sled`]).
pub(super) fn commit_loop(
    writes: &Writes,
    sled: &Sled,
    mut trees: Arc<Trees>,
    mut journal_len: u64,
) {
    let mut synced = SyncedFiles::default();
    // When sled first changed since its last sync, if it has.
    let mut unsynced_since: Option<Instant> = None;
    // When sled was last asked whether it still writes (synced or probed).
    let mut probed = Instant::now();
    loop {
        if lock_state(writes).sled_down.is_some() {
            let Some(reopened) = recover_sled(writes, sled, trees, journal_len) else {
                return;
            };
            trees = reopened;
            synced = SyncedFiles::default();
            unsynced_since = None;
        }
        // `None`: sled met a full disk while it was synced.
        let group: Option<Vec<Arc<Prepared>>> = {
            let mut state = lock_state(writes);
            loop {
                // A failed store writes nothing more, sled included.
                let due = unsynced_since
                    .filter(|_| state.failed.is_none())
                    .map(|since| since + SLED_SYNC_INTERVAL);
                if due.is_none()
                    && state.failed.is_none()
                    && probed.elapsed() >= SLED_PROBE_INTERVAL
                {
                    // Nothing to sync: ask sled whether it still writes (a read may have made
                    // it write, and fail).
                    drop(state);
                    let result = trees.db.flush().map_err(StoreError::from);
                    probed = Instant::now();
                    state = lock_state(writes);
                    if let Err(error) = result
                        && sled_out_of_space(&error)
                    {
                        sled_down(&mut state, Vec::new(), &trees.path, &error);
                        break None;
                    }
                    continue;
                }
                if due.is_some_and(|due| due <= Instant::now()) {
                    drop(state);
                    let result = sync_sled(writes, &trees, &mut synced);
                    unsynced_since = None;
                    probed = Instant::now();
                    state = lock_state(writes);
                    if let Err(error) = result
                        && sled_out_of_space(&error)
                    {
                        sled_down(&mut state, Vec::new(), &trees.path, &error);
                        break None;
                    }
                    continue;
                }
                if !state.queue.is_empty() && state.failed.is_none() {
                    break Some(state.queue.iter().take(MAX_GROUP).cloned().collect());
                }
                if state.shutdown {
                    let unsynced = unsynced_since.is_some() && state.failed.is_none();
                    drop(state);
                    if unsynced {
                        let _ = sync_sled(writes, &trees, &mut synced);
                    }
                    return;
                }
                state = match due {
                    None => {
                        let probe = probed + SLED_PROBE_INTERVAL;
                        let timeout = probe.saturating_duration_since(Instant::now());
                        let waited = writes.work.wait_timeout(state, timeout);
                        waited.unwrap_or_else(std::sync::PoisonError::into_inner).0
                    }
                    Some(due) => {
                        let timeout = due.saturating_duration_since(Instant::now());
                        let waited = writes.work.wait_timeout(state, timeout);
                        waited.unwrap_or_else(std::sync::PoisonError::into_inner).0
                    }
                };
            }
        };
        let Some(group) = group else {
            continue;
        };
        let result = commit_durably(writes, &trees, &group, &mut journal_len);
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
            Err(Failure::Store(StoreError::NoSpace { path, source })) => {
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
            Err(Failure::SledFull { error, journaled }) => {
                // A commit in the journal is durable: its writers hear so once sled holds it,
                // after the reopening. One that is not is dropped with the batches after it.
                let mut unapplied = Vec::new();
                if journaled {
                    unapplied.extend(state.queue.drain(..group.len()));
                    if let Some(last) = group.last() {
                        state.committed_head = (last.next_index, last.head_hash);
                    }
                }
                sled_down(&mut state, unapplied, &trees.path, &error);
                0
            }
            Err(Failure::Store(error)) => {
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
        tell_waiters(&mut state, committed);
        drop(state);
        writes.done.notify_all();
    }
}

/// Tells the asynchronous writers of every batch up to `committed` (a sequence number) that
/// it is committed.
fn tell_waiters(state: &mut WriteState, committed: u64) {
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
}

/// Whether sled (or syncing its files) failed for want of space.
fn sled_out_of_space(error: &StoreError) -> bool {
    match error {
        StoreError::NoSpace { .. } => true,
        StoreError::Sync { source, .. } | StoreError::Io { source, .. } => {
            crate::storage::disk_space::is_out_of_space(source)
        }
        _ => false,
    }
}

/// Sorts an error of sled's in a commit: a full disk stops sled ([`Failure::SledFull`]),
/// anything else fails the store.
fn sled_failure(journaled: bool) -> impl Fn(StoreError) -> Failure {
    move |error| {
        if sled_out_of_space(&error) {
            Failure::SledFull { error, journaled }
        } else {
            Failure::Store(error)
        }
    }
}

/// Sled met a full disk (`error`). After a failed write sled refuses every later one (it keeps
/// the first I/O error for good, sled 0.34's `global_error`) and what its memory holds is no
/// longer what its files will hold: the committer reopens it once space returns. Until then
/// the store refuses writes ([`StoreError::NoSpace`]). `unapplied` are the batches of the
/// commit that reached the journal but not sled, whole: their writers wait for the reopening.
/// The batches prepared after them are dropped (their writers told `NoSpace`: nothing of them
/// was written) and the next ones are prepared from the committed head.
fn sled_down(
    state: &mut WriteState,
    unapplied: Vec<Arc<Prepared>>,
    path: &Path,
    error: &StoreError,
) {
    tracing::warn!(
        %error,
        store = %path.display(),
        "the disk is full: sled cannot write. What was confirmed is in the store's journal; new \
         writes are refused until space is freed, then sled is reopened and the journal applied \
         to it, without a restart"
    );
    let kept = unapplied.last().map_or(0, |last| last.seq);
    let why = NotCommitted::NoSpace(path.to_owned());
    for prepared in state.queue.drain(..) {
        let _ = prepared.outcome.set(Err(why.clone()));
    }
    // Dropped, the other waiters hear that their batches were not committed.
    state.waiters.retain(|(seq, _)| *seq <= kept);
    (state.next_index, state.previous_hash) = state.committed_head;
    state.sled_down = Some(SledDown {
        path: path.to_owned(),
        unapplied,
    });
}

/// How long the committer first waits before it looks whether sled can be reopened.
const REOPEN_WAIT: Duration = Duration::from_millis(500);
/// The longest it waits between two reopenings that failed.
const REOPEN_MAX_WAIT: Duration = Duration::from_secs(30);
/// Free space below which sled is not reopened yet: opening writes a snapshot of its page
/// table and applying the journal a few of its segments (512 KiB each), and a reopening that
/// fails leaves the readers without sled until the next.
const REOPEN_MIN_FREE: u64 = 4 << 20;

/// Waits for space, then reopens sled (dropping `stale`, whose state is not trusted after a
/// failed write) and applies to it every commit of the journal it does not hold durably, up to
/// `journal_len`. The readers keep reading `stale` until then; while sled is reopened they are
/// told to retry. Returns the new trees once the writers of the commit that sled could not
/// apply are told it is committed, or `None` if the store closes first or sled cannot be
/// reopened for another reason than space (the store then refuses writes until a restart).
fn recover_sled(
    writes: &Writes,
    sled: &Sled,
    stale: Arc<Trees>,
    journal_len: u64,
) -> Option<Arc<Trees>> {
    let path = stale.path.clone();
    let journal = Arc::clone(&stale.journal);
    let mut stale = Some(stale);
    let mut wait = REOPEN_WAIT;
    loop {
        let state = lock_state(writes);
        let mut state = if state.shutdown {
            state
        } else {
            let waited = writes.work.wait_timeout(state, wait);
            waited.unwrap_or_else(std::sync::PoisonError::into_inner).0
        };
        if state.shutdown {
            give_up(
                writes,
                state,
                "the store closed while its disk was full; the journal holds the commit and \
                 the next start applies it",
            );
            return None;
        }
        let expected_head = state.committed_head;
        drop(state);
        let free = crate::storage::disk_space::measure(&path).map_or(u64::MAX, |(free, _)| free);
        if free < REOPEN_MIN_FREE {
            continue;
        }
        // Sled locks its files: every handle on the old instance must go first.
        sled.replace(None);
        drop(stale.take());
        match super::open::reopen_trees(&path, &journal, journal_len, expected_head) {
            Ok(trees) => {
                let trees = Arc::new(trees);
                sled.replace(Some(Arc::clone(&trees)));
                state = lock_state(writes);
                if let Some(down) = state.sled_down.take() {
                    remember_checkpoints(writes, &down.unapplied);
                    for prepared in &down.unapplied {
                        let _ = prepared.outcome.set(Ok(()));
                    }
                    tell_waiters(&mut state, down.unapplied.last().map_or(0, |last| last.seq));
                }
                drop(state);
                writes.done.notify_all();
                writes.unblocked.notify_waiters();
                tracing::info!(
                    store = %path.display(),
                    "sled reopened and the journal applied to it: the store takes writes again"
                );
                return Some(trees);
            }
            // The store's history disagrees with itself: no retry will mend that.
            Err(error @ (StoreError::HeadMismatch { .. } | StoreError::Corrupt { .. })) => {
                tracing::error!(
                    %error,
                    "cannot reopen sled after the disk was full; the store refuses every \
                     further write until the node is restarted"
                );
                state = lock_state(writes);
                state.failed = Some(error.to_string());
                give_up(writes, state, &error.to_string());
                return None;
            }
            // Space again, or sled's lock still held through the old instance (a backup
            // copying it): tried again later.
            Err(error) => {
                tracing::warn!(%error, retry_in = ?wait, "cannot reopen sled yet");
                wait = (wait * 2).min(REOPEN_MAX_WAIT);
            }
        }
    }
}

/// Tells the writers still waiting for sled to apply their commit that it will not be while
/// the store is open (`why`); the journal holds it, and the next open applies it.
fn give_up(writes: &Writes, mut state: std::sync::MutexGuard<'_, WriteState>, why: &str) {
    if let Some(down) = state.sled_down.take() {
        let why = NotCommitted::Failed(why.to_owned());
        for prepared in down.unapplied {
            let _ = prepared.outcome.set(Err(why.clone()));
        }
    }
    state.failed.get_or_insert_with(|| why.to_owned());
    state.waiters.clear();
    drop(state);
    writes.done.notify_all();
    writes.unblocked.notify_waiters();
}

/// Drops every prepared batch, telling each writer `why`. The waiters are all for batches
/// dropped: they hear it by their channel closing.
fn drop_queue(state: &mut WriteState, why: &NotCommitted) {
    for prepared in state.queue.drain(..) {
        let _ = prepared.outcome.set(Err(why.clone()));
    }
    state.waiters.clear();
}

/// How often an idle committer asks sled whether it still writes (a flush with nothing to
/// write): sled keeps the first failed write's error for good, and the store must see it to
/// refuse writes and reopen sled once space returns.
const SLED_PROBE_INTERVAL: Duration = Duration::from_secs(5);

/// How long sled may hold changes that are only in the journal: what a restart after a crash
/// replays at most.
const SLED_SYNC_INTERVAL: Duration = Duration::from_secs(1);

/// The `meta` key of how far sled has applied the journal: the offset where the last commit it
/// applied ends (8 bytes big-endian), written with that commit's changes.
pub(super) const JOURNAL_APPLIED: &[u8] = b"journal_applied";

/// Flushes sled and fsyncs its files. Nothing depends on it but how much a restart replays, so
/// a failure is reported and tried again at the next sync, not turned into a failed store;
/// but a full disk stops sled for good, which the caller sees in the error.
fn sync_sled(writes: &Writes, trees: &Trees, synced: &mut SyncedFiles) -> Result<(), StoreError> {
    let started = Instant::now();
    let result = trees.db.flush().map_err(StoreError::from).and_then(|_| {
        let syncing = add_time(&writes.flush_ns, started);
        synced.sync(&trees.path)?;
        add_time(&writes.fsync_ns, syncing);
        Ok(())
    });
    if let Err(error) = &result {
        tracing::warn!(%error, "cannot flush and fsync sled; the journal still holds every commit");
    }
    result.map(|_| ())
}

/// Adds the time since `started` to a phase's total.
fn add_time(phase: &AtomicU64, started: Instant) -> Instant {
    let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
    phase.fetch_add(nanos, Ordering::Relaxed);
    Instant::now()
}

/// Why a commit failed.
enum Failure {
    /// Nothing of it is kept (the journal refused it, or undid it), or the store failed.
    Store(StoreError),
    /// Sled met a full disk: applying the commit once it was in the journal, durably
    /// (`journaled`), or reading before (a read may reorganise sled's tree, which writes).
    SledFull { error: StoreError, journaled: bool },
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// Commits `group` (consecutive prepared batches): appends its entries and its changes to the
/// journal at `journal_len` (its end, moved on past the commit) and fdatasyncs it, which makes
/// the commit durable; then applies the changes to sled.
fn commit_durably(
    writes: &Writes,
    trees: &Trees,
    group: &[Arc<Prepared>],
    journal_len: &mut u64,
) -> Result<(), Failure> {
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
        let completed =
            merkle::completed_subtrees(&view, *index, *hash).map_err(sled_failure(false))?;
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
        return Err(Failure::Store(StoreError::NoSpace {
            path: trees.path.clone(),
            source: std::io::ErrorKind::StorageFull.into(),
        }));
    }
    trees.journal.append_durably(*journal_len, &bytes)?;
    *journal_len = end;
    let applying = add_time(&writes.journal_ns, started);
    #[cfg(test)]
    if writes.crash_after_journal.load(Ordering::SeqCst) {
        return Err(Failure::Store(StoreError::Task(
            "a crash, as the test asked".into(),
        )));
    }
    #[cfg(test)]
    if writes.sled_full_at_next_apply.swap(false, Ordering::SeqCst) {
        return Err(Failure::SledFull {
            error: StoreError::from(sled::Error::Io(std::io::ErrorKind::StorageFull.into())),
            journaled: true,
        });
    }
    apply_changes(trees, &changes, end).map_err(sled_failure(true))?;
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
pub(super) fn apply_changes(
    trees: &Trees,
    changes: &[Change],
    journal_end: u64,
) -> Result<(), StoreError> {
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
        for (key, value) in &prepared.indexes {
            changes.push(change(TreeId::Meta, key, value.as_deref()));
        }
    }
    let mut head = Vec::with_capacity(40);
    head.extend_from_slice(&last.next_index.to_be_bytes());
    head.extend_from_slice(&last.head_hash);
    changes.push(change(TreeId::Meta, HEAD_KEY, Some(&head)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::store::Store;
    use crate::storage::store::test_support::*;

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
                .verify_log("tm", "rogatory/tm", |_| Vec::new())
                .expect("read")
                .expect("valid");
            assert_eq!(summary.entries, 3);
        }
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(details(&store), ["a0", "a1", "a2"]);
        assert!(store.message("m1").expect("read").is_none());
    }

    #[test]
    fn a_commit_in_the_journal_that_sled_could_not_apply_is_applied_once_sled_is_reopened() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(dir.path()).expect("open");
            append_records(&store, &["a0"]);
            store
                .writes
                .sled_full_at_next_apply
                .store(true, Ordering::SeqCst);
            // The writer hears of its commit once sled holds it: after the reopening.
            store
                .write_blocking(|batch| {
                    batch.append(record("a1"));
                    put_sent(batch, "m1");
                    Ok::<_, StoreError>(())
                })
                .expect("committed once sled was reopened");
            assert!(!store.waiting_for_space());
            assert_eq!(details(&store), ["a0", "a1", ""]);
            assert!(store.message("m1").expect("read").is_some());
            // The head the committer kept and the one sled holds again agree: the log goes on.
            append_records(&store, &["a3"]);
            assert_eq!(store.log_len().expect("len"), 4);
        }
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(details(&store), ["a0", "a1", "", "a3"]);
        assert_eq!(store.queued_for("de", None, 10).expect("queue").len(), 1);
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
}
