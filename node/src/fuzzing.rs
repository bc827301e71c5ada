//! Entry points for the fuzz targets in `fuzz/` into code that takes outside bytes but is not
//! public otherwise. Not an API: nothing in the node calls these.

use std::path::Path;
use std::sync::Arc;

use crate::identity::config::AttachmentLimits;
use crate::storage::attachments::{AttachmentError, AttachmentStore, Uploader};
use crate::storage::store::StoreError;
use crate::storage::store::journal::{JOURNAL_FILE, Journal, TreeId};

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

/// Largest file [`upload_chunks`] declares acceptable: small, so that a run stays in memory.
const MAX_FUZZ_FILE: u64 = 128 * 1024;

/// Writes a sequence of attachment chunks, as an uploading peer (`de`) sends them, into a fresh
/// store in `data_dir` over a partial file an earlier attempt left. Bytes, as 16-bit big-endian
/// numbers: the declared size (doubled), the earlier partial file's length (its bytes are
/// zeros), then per chunk its offset (`0xffff` for the expected one) and length. Asserts that a
/// chunk is taken only at the upload's offset and within its size, and that a resumed upload
/// starts where the taken chunks ended.
pub async fn upload_chunks(data_dir: &Path, bytes: &[u8]) {
    let mut numbers = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
    let (Some(size), Some(earlier)) = (numbers.next(), numbers.next()) else {
        return;
    };
    let (size, earlier) = (u64::from(size) * 2, u64::from(earlier));
    let store = Arc::new(AttachmentStore::open(data_dir).expect("opens"));
    let uploader = Uploader::Peer("de".into());
    let digest = [0x5a; 32];
    let limits = AttachmentLimits {
        max_file_bytes: MAX_FUZZ_FILE,
        ..AttachmentLimits::default()
    };
    let partial = data_dir.join("attachments/partial/peers/de");
    std::fs::create_dir_all(&partial).expect("creates");
    let partial = partial.join(format!("{}.part", hex::encode(digest)));
    std::fs::write(&partial, vec![0u8; earlier as usize]).expect("writes");
    let begun = store.begin(uploader.clone(), digest, size, &limits).await;
    let Some(mut upload) = begun.ok().flatten() else {
        return;
    };
    // A partial file longer than the declared size cannot be a prefix: started afresh.
    let mut taken = if earlier > size { 0 } else { earlier };
    assert_eq!(upload.offset(), taken, "the upload resumes the earlier one");
    while let (Some(offset), Some(len)) = (numbers.next(), numbers.next()) {
        let offset = match offset {
            u16::MAX => upload.offset(),
            offset => u64::from(offset),
        };
        let data = vec![0u8; usize::from(len % 4096)];
        let fits = offset == taken && !data.is_empty() && offset + data.len() as u64 <= size;
        let written = upload.write(offset, data).await;
        assert_eq!(written.is_ok(), fits, "{written:?}");
        match written {
            Ok(()) => taken = upload.offset(),
            Err(AttachmentError::Overrun { .. }) => return,
            Err(_) => {}
        }
        assert!(upload.offset() <= size);
    }
    drop(upload);
    // The dropped upload's writer syncs and lets go of the digest shortly.
    for _ in 0..1000 {
        match store.begin(uploader.clone(), digest, size, &limits).await {
            Ok(Some(resumed)) => {
                assert_eq!(
                    resumed.offset(),
                    taken,
                    "a resume starts after the taken chunks"
                );
                return;
            }
            Ok(None) => panic!("an unfinished upload was taken as stored"),
            Err(AttachmentError::Busy) => {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            Err(error) => panic!("cannot resume: {error}"),
        }
    }
    panic!("the digest stayed busy after its upload was dropped");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::store::journal::{Change, CommitFrames, Location};

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

    #[test]
    fn a_journal_locating_an_entry_past_its_end_is_corrupt_without_reading_it() {
        // Found by the `journal` fuzz target: a commit (CRC made valid) whose `audit_log`
        // value locates an entry of almost 4 GiB; reading it allocated that much first.
        let found = include_bytes!("../testdata/fuzz/journal-location-past-the-end");
        let dir = tempfile::tempdir().expect("tempdir");
        let journal_path = dir.path().join(JOURNAL_FILE);
        std::fs::write(&journal_path, found).expect("writes");
        let journal = Journal::open(dir.path()).expect("opens");
        let location = Location {
            offset: 5,
            len: u32::MAX,
        };
        let error = journal.read(0, location).expect_err("refused");
        assert!(matches!(error, StoreError::Corrupt { .. }), "{error}");
        let dir = tempfile::tempdir().expect("tempdir");
        let _ = replay_journal(dir.path(), found);
    }

    #[tokio::test]
    async fn chunks_are_taken_at_their_offset_and_an_upload_resumes_after_them() {
        // Size 200, an earlier partial of 10 bytes, chunks of 50 and 100 at the expected
        // offset, one at a wrong offset; then a resume.
        let numbers: [u16; 8] = [100, 10, 0xffff, 50, 0xffff, 100, 20, 20];
        let bytes: Vec<u8> = numbers.iter().flat_map(|n| n.to_be_bytes()).collect();
        let dir = tempfile::tempdir().expect("tempdir");
        upload_chunks(dir.path(), &bytes).await;
    }
}
