//! A consistent copy of the running store ([`Store::backup_to`]), taken while writers go on.
//! Restoring one, and lifting the restore marker, is `crate::storage::backup`'s.

use std::path::Path;

use super::committer::JOURNAL_APPLIED;
use super::files::fsync_tree;
use super::journal::JOURNAL_FILE;
use super::open::META_TREE;
use super::{Store, StoreError};

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
        for name in self.trees()?.db.tree_names() {
            let source = self.trees()?.db.open_tree(&name)?;
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
