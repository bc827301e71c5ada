//! Backup and restore of attachments: verified files are copied (and hashed again as they are
//! read) with the holder records, never partial uploads. Snapshotting the database beside them
//! is the `backup` module's (`crate::storage::backup`).

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use sha2::{Digest as _, Sha256};

use super::files::{create_private_dirs, create_private_file, safe_id, sync_dir};
use super::{AttachmentError, AttachmentStore, CHUNK_BYTES, Digest, digest_of};

impl AttachmentStore {
    /// Copies every verified file into `<directory>/attachments/sha256/`, hashing each as it is
    /// read, so a backup never carries a file that no longer matches its name, and the records
    /// of which peer holds which file into `<directory>/attachments/held/` (so that a restored
    /// node still lets a peer read the files it uploaded). Files are immutable once stored, so
    /// no lock is needed; taken after the database snapshot, the copy holds every file a
    /// message in the snapshot references. Partial uploads are not copied. Returns the bytes
    /// copied.
    pub fn backup_to(&self, directory: &Path) -> Result<u64, AttachmentError> {
        let target = directory.join("attachments");
        let copied = copy_verified(&self.root.join("sha256"), &target.join("sha256"))?;
        copy_markers(&self.root.join("held"), &target.join("held"))?;
        Ok(copied)
    }

    /// Adds the files of a backup in `<backup_dir>/attachments/sha256/` that this store lacks,
    /// each verified against its name first, and the holder records of `held/`. Returns the
    /// bytes copied.
    pub fn restore_from(data_dir: &Path, backup_dir: &Path) -> Result<u64, AttachmentError> {
        let source = backup_dir.join("attachments");
        if !source.join("sha256").is_dir() {
            return Ok(0);
        }
        let target = data_dir.join("attachments");
        let copied = copy_verified(&source.join("sha256"), &target.join("sha256"))?;
        copy_markers(&source.join("held"), &target.join("held"))?;
        Ok(copied)
    }
}

/// Copies the content-addressed files under `from` (`<hex[0..2]>/<hex>`) to the same places
/// under `to`, skipping those already there. Each is copied to a temporary name, its SHA-256
/// checked against its name, fsynced and renamed; a mismatch stops the copy.
fn copy_verified(from: &Path, to: &Path) -> Result<u64, AttachmentError> {
    let mut copied = 0;
    let Ok(prefixes) = std::fs::read_dir(from) else {
        return Ok(0);
    };
    for prefix in prefixes {
        let prefix = prefix.map_err(AttachmentError::io("list", from))?;
        let dir = prefix.path();
        if !dir.is_dir() {
            continue;
        }
        let target_dir = to.join(prefix.file_name());
        create_private_dirs(&target_dir).map_err(AttachmentError::io("create", &target_dir))?;
        for file in std::fs::read_dir(&dir).map_err(AttachmentError::io("list", &dir))? {
            let file = file.map_err(AttachmentError::io("list", &dir))?;
            let name = file.file_name().to_string_lossy().into_owned();
            let Some(digest) = hex::decode(&name).ok().and_then(|d| digest_of(&d)) else {
                continue;
            };
            let destination = target_dir.join(&name);
            if destination.exists() {
                continue;
            }
            let temporary = target_dir.join(format!("{name}.copying"));
            let source = file.path();
            let mut reader = File::open(&source).map_err(AttachmentError::io("open", &source))?;
            let mut writer = create_private_file(&temporary)
                .map_err(AttachmentError::io("create", &temporary))?;
            let mut hasher = Sha256::new();
            let mut buffer = vec![0u8; CHUNK_BYTES];
            loop {
                let n = reader
                    .read(&mut buffer)
                    .map_err(AttachmentError::io("read", &source))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buffer[..n]);
                writer
                    .write_all(&buffer[..n])
                    .map_err(AttachmentError::io("write", &temporary))?;
                copied += n as u64;
            }
            let actual: Digest = hasher.finalize().into();
            if actual != digest {
                let _ = std::fs::remove_file(&temporary);
                return Err(AttachmentError::HashMismatch {
                    declared: name,
                    actual: hex::encode(actual),
                });
            }
            writer
                .sync_all()
                .map_err(AttachmentError::io("fsync", &temporary))?;
            std::fs::rename(&temporary, &destination)
                .map_err(AttachmentError::io("move into place", &destination))?;
        }
        sync_dir(&target_dir)?;
    }
    Ok(copied)
}

/// Copies the holder records under `from` (`<node id>/<hex>`, empty files) to `to`.
fn copy_markers(from: &Path, to: &Path) -> Result<(), AttachmentError> {
    let Ok(peers) = std::fs::read_dir(from) else {
        return Ok(());
    };
    for peer in peers {
        let peer = peer.map_err(AttachmentError::io("list", from))?;
        let name = peer.file_name().to_string_lossy().into_owned();
        if safe_id(&name).is_none() || !peer.path().is_dir() {
            continue;
        }
        let target_dir = to.join(&name);
        create_private_dirs(&target_dir).map_err(AttachmentError::io("create", &target_dir))?;
        let dir = peer.path();
        for marker in std::fs::read_dir(&dir).map_err(AttachmentError::io("list", &dir))? {
            let marker = marker.map_err(AttachmentError::io("list", &dir))?;
            let name = marker.file_name().to_string_lossy().into_owned();
            if hex::decode(&name)
                .ok()
                .and_then(|d| digest_of(&d))
                .is_none()
            {
                continue;
            }
            let target = target_dir.join(&name);
            create_private_file(&target)
                .and_then(|file| file.sync_all())
                .map_err(AttachmentError::io("create", &target))?;
        }
        sync_dir(&target_dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use crate::storage::attachments::test_support::{digest, finish_without_log, no_limit, store};
    use crate::storage::attachments::{Held, Uploader};

    #[tokio::test]
    async fn a_backup_copies_verified_files_and_refuses_a_corrupted_one() {
        let (dir, store) = store();
        let d = digest(b"abc");
        let mut upload = store
            .begin(Uploader::Local, d, 3, &no_limit())
            .await
            .expect("begin")
            .expect("absent");
        upload.write(0, b"abc".to_vec()).await.expect("write");
        finish_without_log(upload).await.expect("finish");
        let backup = dir.path().join("backup");
        assert_eq!(store.backup_to(&backup).expect("backup"), 3);
        let restored = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            AttachmentStore::restore_from(restored.path(), &backup).expect("restore"),
            3
        );
        let copy = AttachmentStore::open(restored.path()).expect("open");
        assert_eq!(copy.stored_size(&d), Some(3));
        std::fs::write(store.path_of(&d), b"abd").expect("corrupt");
        let again = dir.path().join("backup-2");
        assert!(matches!(
            store.backup_to(&again),
            Err(AttachmentError::HashMismatch { .. })
        ));
    }

    #[tokio::test]
    async fn a_backup_keeps_who_holds_which_file() {
        let (dir, store) = store();
        let tm = Uploader::Peer("tm".into());
        let d = digest(b"abc");
        let mut upload = store
            .begin(tm.clone(), d, 3, &no_limit())
            .await
            .expect("begin")
            .expect("absent");
        upload.write(0, b"abc".to_vec()).await.expect("write");
        finish_without_log(upload).await.expect("finish");
        let backup = dir.path().join("backup");
        store.backup_to(&backup).expect("backup");
        let restored = tempfile::tempdir().expect("tempdir");
        AttachmentStore::restore_from(restored.path(), &backup).expect("restore");
        let copy = Arc::new(AttachmentStore::open(restored.path()).expect("open"));
        assert_eq!(
            copy.held(&tm, &d).await.expect("held"),
            Held::Present { size: 3 }
        );
        let uz = Uploader::Peer("uz".into());
        assert_eq!(copy.held(&uz, &d).await.expect("held"), Held::Absent);
    }
}
