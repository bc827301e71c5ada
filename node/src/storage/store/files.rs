//! Sled's files on disk: making them private (sled creates them by the umask) and fsyncing
//! them, the whole store or, when nothing but sled's log changed since the last full sync, the
//! log alone ([`SyncedFiles`]). When to sync is the committer's.

use std::path::{Path, PathBuf};

use super::journal::JOURNAL_FILE;
use super::{Store, StoreError};

impl Store {
    /// Flushes sled's buffers, then fsyncs every file of the database and its directories.
    pub fn flush_and_fsync(&self) -> Result<(), StoreError> {
        self.trees()?.db.flush()?;
        fsync_tree(&self.path)
    }
}

/// What the committer last made durable, so that a commit fsyncs only what sled changed.
///
/// Sled rewrites one file in place, its log (`db`); everything else it writes once under a new
/// name (its config, snapshots, blobs) and later deletes. So a commit fsyncs the log alone
/// while the listing of the store (names, sizes, modification times) is the one last synced,
/// and the whole tree, directories included, when it is not. Each fsync is a round trip to the
/// disk even for a file with nothing to write, which is what this saves.
#[derive(Default)]
pub(super) struct SyncedFiles {
    /// The store's log file, kept open; `None` until the first full sync.
    log: Option<std::fs::File>,
    /// The listing as it was just before the last full sync.
    listing: Listing,
}

/// The files and directories under a store, sorted by path.
pub(super) type Listing = Vec<Listed>;

/// One file or directory of a listing: what tells that it changed (size and modification
/// time; neither for sled's log file, which changes at every commit).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Listed {
    path: PathBuf,
    directory: bool,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

/// What one commit's sync covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Synced {
    /// Sled's log file alone: nothing else changed since the last full sync.
    Log,
    /// Every file and directory of the store.
    Everything,
}

impl SyncedFiles {
    pub(super) fn sync(&mut self, path: &Path) -> Result<Synced, StoreError> {
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
pub(super) fn list_files(path: &Path) -> Result<Listing, StoreError> {
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
pub(super) fn make_private(path: &Path, metadata: &std::fs::Metadata) -> Result<(), StoreError> {
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
pub(super) fn fsync_tree(path: &Path) -> Result<(), StoreError> {
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
}
