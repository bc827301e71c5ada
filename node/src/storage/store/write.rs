//! The write path: writers prepare [`Batch`]es one at a time under the write state's lock and
//! queue them for the committer ([`super::committer`]); [`Store::write`] (exclusive, async),
//! [`Store::write_blocking`] (exclusive, for threads that may block) and
//! [`Store::write_grouped`] (the busy paths) wait for their batch's commit. Also the state a
//! failed commit leaves: dropped for want of space (the writers told, the head reset), or a
//! failed store that refuses every later write.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rogatory_proto::merkle::Hash;

use crate::now_ms;

use super::Batch;
use super::log::DurableCheckpoints;
use super::{Store, StoreError};

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
    pub(super) seq: u64,
    /// The log head once this batch is committed: entry count and hash of the last entry.
    pub(super) next_index: u64,
    pub(super) head_hash: [u8; 32],
    /// Index, encoding and hash of each entry appended.
    pub(super) entries: Vec<(u64, Vec<u8>, Hash)>,
    pub(super) messages: Vec<(String, Vec<u8>)>,
    pub(super) queue: Vec<(Vec<u8>, bool)>,
    pub(super) meta: Vec<(Vec<u8>, Vec<u8>)>,
    /// Derived indexes' changes (`Batch::indexes`), applied after `meta`.
    pub(super) indexes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    /// Set by the committer once the batch is committed, or dropped uncommitted.
    pub(super) outcome: std::sync::OnceLock<Result<(), NotCommitted>>,
}

/// Why a prepared batch was not committed.
#[derive(Debug, Clone)]
pub(super) enum NotCommitted {
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
pub(super) struct Writes {
    pub(super) state: std::sync::Mutex<WriteState>,
    /// Wakes the committer.
    pub(super) work: std::sync::Condvar,
    /// Tells blocked writers that a commit finished or the queue drained.
    pub(super) done: std::sync::Condvar,
    /// Tells asynchronous grouped writers that no exclusive writer holds them back any more.
    pub(super) unblocked: tokio::sync::Notify,
    /// Number of group commits made so far.
    pub(super) commits: AtomicU64,
    /// Number of batches those commits took.
    pub(super) batches: AtomicU64,
    /// Nanoseconds the committer spent in each phase of its commits so far.
    pub(super) journal_ns: AtomicU64,
    pub(super) apply_ns: AtomicU64,
    pub(super) flush_ns: AtomicU64,
    pub(super) fsync_ns: AtomicU64,
    /// The checkpoints as committed, loaded at open and updated by the committer after each
    /// commit: read at every delivery, they cost no sled read and decoding.
    pub(super) checkpoints: std::sync::Mutex<DurableCheckpoints>,
    /// Tests set this to stop the committer as a crash would, after a commit's journal write.
    #[cfg(test)]
    pub(super) crash_after_journal: std::sync::atomic::AtomicBool,
    /// Tests set this to have the next commit find the disk full.
    #[cfg(test)]
    pub(super) no_space_at_next_commit: std::sync::atomic::AtomicBool,
    /// Tests set this to have sled meet a full disk applying the next commit, once it is in
    /// the journal.
    #[cfg(test)]
    pub(super) sled_full_at_next_apply: std::sync::atomic::AtomicBool,
}

#[derive(Debug)]
pub(super) struct WriteState {
    /// The log head after the last prepared batch.
    pub(super) next_index: u64,
    pub(super) previous_hash: [u8; 32],
    /// Sequence number of the last prepared batch.
    pub(super) prepared: u64,
    /// The log head after the last committed batch: where preparing starts again when the
    /// batches not committed are dropped.
    pub(super) committed_head: (u64, [u8; 32]),
    /// Prepared batches not yet committed, oldest first.
    pub(super) queue: VecDeque<Arc<Prepared>>,
    /// Exclusive writers waiting for the queue to drain: new batches wait for them.
    pub(super) exclusive: usize,
    /// Why a commit failed. The log head is then in doubt and every later write is refused.
    pub(super) failed: Option<String>,
    /// Sled met a full disk: writes are refused ([`StoreError::NoSpace`]) until the committer
    /// has reopened it.
    pub(super) sled_down: Option<SledDown>,
    pub(super) shutdown: bool,
    /// Asynchronous writers waiting for a batch to be committed: its sequence number (never
    /// less than the one before) and whom to tell. The committer tells only the writers its
    /// commit concerns, not every waiting task at every commit; dropped untold if it fails.
    pub(super) waiters: VecDeque<(u64, tokio::sync::oneshot::Sender<()>)>,
}

/// Sled could not write for want of space (see `committer::sled_down`).
#[derive(Debug)]
pub(super) struct SledDown {
    /// The store's directory, for the writers refused meanwhile.
    pub(super) path: PathBuf,
    /// The batches of the commit that reached the journal and not sled, oldest first: their
    /// writers are told they are committed once sled is reopened and holds them.
    pub(super) unapplied: Vec<Arc<Prepared>>,
}

/// A batch being committed, and the channel that tells its writer it was.
type Committed = (Arc<Prepared>, tokio::sync::oneshot::Receiver<()>);

pub(super) fn lock_state(writes: &Writes) -> std::sync::MutexGuard<'_, WriteState> {
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

impl Store {
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
            indexes: Vec::new(),
            index_error: None,
        };
        let value = f(&mut batch)?;
        let Batch {
            next_index,
            previous_hash,
            entries,
            messages,
            queue,
            meta,
            indexes,
            index_error,
            ..
        } = batch;
        if let Some(error) = index_error {
            return Err(error.into());
        }
        if entries.is_empty()
            && messages.is_empty()
            && queue.is_empty()
            && meta.is_empty()
            && indexes.is_empty()
        {
            // Nothing to write, but what `f` read may come from batches not committed yet
            // (a repeated delivery answered from one, say): wait for those before answering.
            return Ok((value, state.queue.back().cloned()));
        }
        if let Some(down) = &state.sled_down {
            // Reads go on (a repeat answered with its receipt); writes wait for sled.
            return Err(StoreError::NoSpace {
                path: down.path.clone(),
                source: std::io::ErrorKind::StorageFull.into(),
            }
            .into());
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
            indexes,
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
    pub(super) fn quiesced<R>(&self, f: impl FnOnce() -> R) -> R {
        let mut state = self.drained();
        let result = f();
        state.exclusive -= 1;
        drop(state);
        self.exclusive_ended();
        result
    }

    /// Whether sled could not write for want of space and the store refuses writes until it
    /// is reopened (for the health warning).
    pub fn waiting_for_space(&self) -> bool {
        lock_state(&self.writes).sled_down.is_some()
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::store::test_support::*;
    use prost::Message;
    use rogatory_proto::log::{ZERO_HASH, entry_hash};
    use rogatory_proto::merkle::MemoryTree;
    use rogatory_proto::v1::{DeliveryState, LogEntry};

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
        assert!(
            store
                .trees()
                .expect("trees")
                .messages
                .get("m1")
                .expect("raw")
                .expect("raw")
                .len()
                < 64
        );
        assert_eq!(store.log_len().expect("len"), 1);
        assert!(store.queued_for("de", None, 10).expect("queue").is_empty());
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
}
