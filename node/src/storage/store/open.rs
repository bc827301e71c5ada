//! Opening the store: sled's directory (0700) and trees, the journal, replaying the commits
//! sled lost in a crash, the checks and indexes built at open, and the committer thread
//! started. What the trees hold is described in the module root.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use rogatory_proto::log::ZERO_HASH;

use super::committer::{JOURNAL_APPLIED, Trees, apply_changes, commit_loop};
use super::files::{fsync_tree, list_files, make_private};
use super::journal::Journal;
use super::log::{DurableCheckpoints, head_of};
use super::write::{WriteState, Writes, lock_state};
use super::{Store, StoreError};

const LOG_TREE: &str = "audit_log";
const MESSAGES_TREE: &str = "messages";
pub(super) const META_TREE: &str = "meta";
const QUEUE_TREE: &str = "outbox_queue";
const MERKLE_TREE: &str = "merkle";

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
            // Sled writes its buffers when the committer syncs it (and when one fills), not
            // from a thread of its own: so a failed write (a full disk) is seen by the
            // committer, and the journal makes every commit durable anyway.
            .flush_every_ms(None)
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
        let trees = Arc::new(open_trees(db, path, &journal)?);
        let writes = Arc::new(Writes {
            state: std::sync::Mutex::new(WriteState {
                next_index: 0,
                previous_hash: ZERO_HASH,
                prepared: 0,
                committed_head: (0, ZERO_HASH),
                queue: VecDeque::new(),
                exclusive: 0,
                failed: None,
                sled_down: None,
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
            #[cfg(test)]
            sled_full_at_next_apply: std::sync::atomic::AtomicBool::new(false),
        });
        let sled = Arc::new(super::committer::Sled::new(Arc::clone(&trees)));
        let mut store = Self {
            sled: Arc::clone(&sled),
            journal,
            path: path.to_owned(),
            writes: Arc::clone(&writes),
            committer: None,
        };
        let journal_len = store.replay_journal(&trees)?;
        store.check_head()?;
        store.load_checkpoints()?;
        store.build_case_index()?;
        store.build_request_index()?;
        store.build_search_index()?;
        store.build_case_list_index()?;
        let (next_index, previous_hash) = store.head()?;
        {
            let mut state = lock_state(&writes);
            state.next_index = next_index;
            state.previous_hash = previous_hash;
            state.committed_head = (next_index, previous_hash);
        }
        let committer = std::thread::Builder::new()
            .name("store-committer".into())
            .spawn(move || commit_loop(&writes, &sled, trees, journal_len))
            .map_err(|e| StoreError::Task(format!("cannot start the store's committer: {e}")))?;
        store.committer = Some(committer);
        Ok(store)
    }

    /// How far sled has applied the journal (0 for a store older than the journal).
    pub(super) fn journal_applied(&self) -> Result<u64, StoreError> {
        journal_applied(&self.trees()?.meta)
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
}

/// Sled's trees in the database `db` in `path`, and the store's `journal`.
fn open_trees(db: sled::Db, path: &Path, journal: &Arc<Journal>) -> Result<Trees, StoreError> {
    let open_error = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    Ok(Trees {
        path: path.to_owned(),
        log: db.open_tree(LOG_TREE).map_err(open_error)?,
        messages: db.open_tree(MESSAGES_TREE).map_err(open_error)?,
        meta: db.open_tree(META_TREE).map_err(open_error)?,
        queue: db.open_tree(QUEUE_TREE).map_err(open_error)?,
        merkle: db.open_tree(MERKLE_TREE).map_err(open_error)?,
        read_marks: db
            .open_tree(super::read_marks::READ_MARKS_TREE)
            .map_err(open_error)?,
        journal: Arc::clone(journal),
        db,
    })
}

/// Opens sled in `path` again, in a running store, after sled met a full disk: sled recovers
/// from its files what it had made durable (as after a crash), and every commit of the journal
/// after that is applied to it again, up to `journal_len` (where the committer's journal ends),
/// and made durable. The log head must then be `head`, the committer's.
pub(super) fn reopen_trees(
    path: &Path,
    journal: &Arc<Journal>,
    journal_len: u64,
    head: (u64, [u8; 32]),
) -> Result<Trees, StoreError> {
    let db = open_sled(path).map_err(|source| StoreError::Open {
        path: path.to_owned(),
        source,
    })?;
    let trees = open_trees(db, path, journal)?;
    let (end, _) = journal.replay(journal_applied(&trees.meta)?, |changes, end| {
        apply_changes(&trees, &changes, end)
    })?;
    if end != journal_len {
        return Err(StoreError::Corrupt {
            what: "store journal".into(),
            reason: format!(
                "its commits end at {end} when sled is reopened, and ended at {journal_len} \
                 before"
            ),
        });
    }
    trees.db.flush()?;
    fsync_tree(path)?;
    let (count, hash) = head_of(&trees.meta)?;
    if (count, hash) != head {
        return Err(StoreError::HeadMismatch { count });
    }
    Ok(trees)
}

/// How far sled has applied the journal (0 for a store older than the journal), as `meta` says.
fn journal_applied(meta: &sled::Tree) -> Result<u64, StoreError> {
    match meta.get(JOURNAL_APPLIED)? {
        None => Ok(0),
        Some(bytes) => <[u8; 8]>::try_from(bytes.as_ref())
            .map(u64::from_be_bytes)
            .map_err(|_| StoreError::Corrupt {
                what: "journal position".into(),
                reason: "not 8 bytes".into(),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::store::journal::JOURNAL_FILE;
    use crate::storage::store::test_support::*;
    use rogatory_proto::log::entry_hash;
    use rogatory_proto::merkle::MemoryTree;
    use std::os::unix::fs::FileExt;
    use std::sync::atomic::Ordering;

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
                .verify_log("tm", "rogatory/tm", |_| Vec::new())
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
}
