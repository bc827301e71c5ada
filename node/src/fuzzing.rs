//! Entry points for the fuzz targets in `fuzz/` into code that takes outside bytes but is not
//! public otherwise. Not an API: nothing in the node calls these.

use std::path::Path;

use crate::store::StoreError;
use crate::store::journal::{JOURNAL_FILE, Journal, TreeId};

/// Replays `bytes` as the journal of a store in `store` (an empty directory), as a crash, a
/// torn write or a damaged disk could leave it, from its start; then reads back every entry the
/// replayed commits locate, as opening the store would. Returns where the whole commits end
/// and whether anything but zeros follows them.
pub fn replay_journal(store: &Path, bytes: &[u8]) -> Result<(u64, bool), StoreError> {
    let path = store.join(JOURNAL_FILE);
    std::fs::write(&path, bytes).map_err(|source| StoreError::Io {
        path: path.clone(),
        source,
    })?;
    let journal = Journal::open(store)?;
    let mut located = Vec::new();
    let (end, unfinished) = journal.replay(0, |changes, ended| {
        assert!(
            ended <= bytes.len() as u64,
            "a commit ends past the journal"
        );
        located.extend(
            changes
                .into_iter()
                .filter(|change| change.tree == TreeId::AuditLog)
                .filter_map(|change| change.value),
        );
        Ok(())
    })?;
    assert!(end <= bytes.len() as u64, "replay ends past the journal");
    for (index, value) in located.iter().enumerate() {
        // A location that does not match a frame is an error, never a panic.
        let _ = journal.resolve(index as u64, value);
    }
    Ok((end, unfinished))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::journal::{Change, CommitFrames};

    #[test]
    fn a_journal_written_by_the_store_replays_whole_and_a_torn_one_up_to_its_last_commit() {
        let mut frames = CommitFrames::new(0);
        let location = frames.entry(b"an entry");
        let (bytes, end) = frames.finish(&[Change {
            tree: TreeId::AuditLog,
            key: 0u64.to_be_bytes().to_vec(),
            value: Some(location.encode().to_vec()),
        }]);
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            replay_journal(dir.path(), &bytes).expect("replays"),
            (end, false)
        );
        let torn = &bytes[..bytes.len() - 1];
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            replay_journal(dir.path(), torn).expect("replays"),
            (0, true)
        );
    }
}
