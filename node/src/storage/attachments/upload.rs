//! One upload of one file: [`AttachmentStore::begin`] reserves the uploader's digest (and its
//! quotas), reopens its partial file at the durable length and rehashes that prefix; a writer
//! thread appends, hashes and fsyncs the chunks; [`Upload::finish`] verifies the SHA-256, moves
//! the file into place, records a peer as its holder and logs `ATTACHMENT_RECEIVED`. Who may
//! upload is decided before, by `policy`; the quotas themselves are `transfer`'s.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rogatory_proto::v1::EntryKind;
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use super::files::{Active, create_private_dirs, create_private_file, sync_dir};
use super::transfer::check_quotas;
use super::{
    AttachmentError, AttachmentStore, CHUNK_BYTES, Digest, MAX_CHUNK_BYTES, Origin, Uploader,
    WRITER_QUEUE,
};
use crate::identity::config::AttachmentLimits;
use crate::storage::store::{LogRecord, Store, StoreError};

/// A long upload is fsynced at least this often, so that an interruption loses little and the
/// durable offset that `AttachmentStatus` reports keeps moving.
const SYNC_EVERY_BYTES: u64 = 32 * 1024 * 1024;

/// What an upload ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Stored, verified and durable.
    Complete,
    /// The stream ended early; this much is durable and the next upload resumes there.
    Incomplete { durable_offset: u64 },
}

impl AttachmentStore {
    /// Starts (or resumes) `uploader`'s upload of `digest` of `size` bytes. `None` if the
    /// uploader already holds it (see [`Self::held_size`]); a file stored for someone else is
    /// uploaded again in full, as if absent. The upload continues at [`Upload::offset`], the
    /// durable length of this uploader's earlier attempt. A peer's upload must fit its quotas.
    pub async fn begin(
        self: &Arc<Self>,
        uploader: Uploader,
        digest: Digest,
        size: u64,
        limits: &AttachmentLimits,
    ) -> Result<Option<Upload>, AttachmentError> {
        if size > limits.max_file_bytes {
            return Err(AttachmentError::TooLarge {
                size,
                limit: limits.max_file_bytes,
            });
        }
        if self.held_size(&uploader, &digest).is_some() {
            return Ok(None);
        }
        let path = self
            .partial_path(&uploader, &digest)
            .ok_or(AttachmentError::NotFound)?;
        let partials = {
            let store = Arc::clone(self);
            let uploader = uploader.clone();
            tokio::task::spawn_blocking(move || store.partials_of(&uploader))
                .await
                .map_err(AttachmentError::task_failed)??
        };
        let key = (uploader.clone(), digest);
        let durable = {
            let mut state = self.lock_state();
            if state.active.contains_key(&key) {
                return Err(AttachmentError::Busy);
            }
            if let Uploader::Peer(peer) = &uploader {
                check_quotas(&state, peer, &digest, size, &partials, limits)?;
            }
            let durable = Arc::new(AtomicU64::new(0));
            state.active.insert(
                key.clone(),
                Active {
                    durable: Arc::clone(&durable),
                    size,
                },
            );
            durable
        };
        let guard = ActiveGuard {
            store: Arc::clone(self),
            key,
        };
        // An upload that finished between the first check and taking the digest has stored it.
        if self.held_size(&uploader, &digest).is_some() {
            return Ok(None);
        }
        let opened = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || open_partial(&path, size))
                .await
                .map_err(AttachmentError::task_failed)??
        };
        let (file, hasher, offset) = opened;
        durable.store(offset, Ordering::SeqCst);
        let (sender, receiver) = mpsc::channel(WRITER_QUEUE);
        let writer_durable = Arc::clone(&durable);
        let writer_path = path.clone();
        let writer = tokio::task::spawn_blocking(move || {
            write_loop(
                file,
                hasher,
                offset,
                receiver,
                writer_durable,
                &writer_path,
                guard,
            )
        });
        Ok(Some(Upload {
            store: Arc::clone(self),
            uploader,
            path,
            digest,
            size,
            offset,
            sender: Some(sender),
            writer: Some(writer),
        }))
    }
}

/// Removes an upload from the active set (which gives its reservation back to the uploader's
/// quotas) when the upload's last user lets go of it: after the final fsync, or after the file
/// was renamed into place or deleted.
#[derive(Debug)]
struct ActiveGuard {
    store: Arc<AttachmentStore>,
    key: (Uploader, Digest),
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.store.lock_state().active.remove(&self.key);
    }
}

/// Opens the partial file of an upload, fsyncs what it holds, and hashes that prefix again.
/// A partial file longer than the declared size cannot be a prefix: it is started afresh.
fn open_partial(path: &Path, size: u64) -> Result<(File, Sha256, u64), AttachmentError> {
    if let Some(parent) = path.parent() {
        create_private_dirs(parent).map_err(AttachmentError::io("create", parent))?;
    }
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(AttachmentError::io("open", path))?;
    let mut len = file
        .metadata()
        .map_err(AttachmentError::io("read the size of", path))?
        .len();
    if len > size {
        file.set_len(0)
            .map_err(AttachmentError::io("truncate", path))?;
        len = 0;
    }
    file.sync_all()
        .map_err(AttachmentError::io("fsync", path))?;
    if let Some(parent) = path.parent() {
        sync_dir(parent)?;
    }
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; CHUNK_BYTES];
    let mut remaining = len;
    while remaining > 0 {
        let want = usize::try_from(remaining.min(CHUNK_BYTES as u64)).unwrap_or(CHUNK_BYTES);
        file.read_exact(&mut buffer[..want])
            .map_err(AttachmentError::io("read", path))?;
        hasher.update(&buffer[..want]);
        remaining -= want as u64;
    }
    file.seek(SeekFrom::Start(len))
        .map_err(AttachmentError::io("seek in", path))?;
    Ok((file, hasher, len))
}

/// What the writer thread hands back when the stream ends.
struct Written {
    file: File,
    hasher: Sha256,
    written: u64,
    guard: ActiveGuard,
}

/// The writer thread: appends and hashes chunks as they come, and fsyncs once more when the
/// stream ends, however it ends. Every [`SYNC_EVERY_BYTES`] it starts an fsync of what is
/// written so far on a helper thread and keeps writing meanwhile (so a long upload does not
/// stall on the disk); the durable offset advances when that fsync returns. At most one such
/// fsync is pending per upload.
fn write_loop(
    mut file: File,
    mut hasher: Sha256,
    mut written: u64,
    mut chunks: mpsc::Receiver<Vec<u8>>,
    durable: Arc<AtomicU64>,
    path: &Path,
    guard: ActiveGuard,
) -> Result<Written, AttachmentError> {
    let mut last_sync_start = written;
    let mut pending: Option<(u64, std::thread::JoinHandle<std::io::Result<()>>)> = None;
    let finish_sync = |pending: Option<(u64, std::thread::JoinHandle<std::io::Result<()>>)>| {
        if let Some((offset, handle)) = pending {
            handle
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the fsync thread panicked")))
                .map_err(AttachmentError::io("fsync", path))?;
            durable.fetch_max(offset, Ordering::SeqCst);
        }
        Ok::<_, AttachmentError>(())
    };
    while let Some(data) = chunks.blocking_recv() {
        hasher.update(&data);
        file.write_all(&data)
            .map_err(AttachmentError::io("write", path))?;
        written += data.len() as u64;
        if written - last_sync_start >= SYNC_EVERY_BYTES {
            finish_sync(pending.take())?;
            let handle = file
                .try_clone()
                .map_err(AttachmentError::io("reopen", path))?;
            last_sync_start = written;
            pending = Some((written, std::thread::spawn(move || handle.sync_data())));
        }
    }
    finish_sync(pending.take())?;
    file.sync_all()
        .map_err(AttachmentError::io("fsync", path))?;
    // The final length is not published here: the upload still holds its digest until its
    // `Written` is dropped, and an uploader told this offset would resume into "busy". Once
    // it is dropped, `held` reads the (fsynced) partial file.
    Ok(Written {
        file,
        hasher,
        written,
        guard,
    })
}

/// One upload of one file, exclusive for its uploader and digest until it is finished or
/// dropped. Dropping it unfinished keeps what was written (fsynced) for a later resume.
#[derive(Debug)]
pub struct Upload {
    store: Arc<AttachmentStore>,
    uploader: Uploader,
    /// The uploader's partial file.
    path: PathBuf,
    digest: Digest,
    size: u64,
    offset: u64,
    sender: Option<mpsc::Sender<Vec<u8>>>,
    writer: Option<tokio::task::JoinHandle<Result<Written, AttachmentError>>>,
}

impl std::fmt::Debug for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Written")
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl Upload {
    /// Where the next chunk must start.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends `data`, which must start at [`Upload::offset`] and end within the size. An
    /// overrun deletes the partial file; an out-of-order chunk keeps the durable prefix.
    pub async fn write(&mut self, offset: u64, data: Vec<u8>) -> Result<(), AttachmentError> {
        if data.is_empty() || data.len() > MAX_CHUNK_BYTES {
            return Err(AttachmentError::BadChunk(format!(
                "a data chunk holds 1 to {MAX_CHUNK_BYTES} bytes, not {}",
                data.len()
            )));
        }
        if offset != self.offset {
            return Err(AttachmentError::Offset {
                expected: self.offset,
                got: offset,
            });
        }
        let end = offset.saturating_add(data.len() as u64);
        if end > self.size {
            let size = self.size;
            self.discard().await?;
            return Err(AttachmentError::Overrun { size, end });
        }
        let sent = match &self.sender {
            Some(sender) => sender.send(data).await.is_ok(),
            None => false,
        };
        if !sent {
            // The writer stopped: its error says why.
            return Err(self.writer_error().await);
        }
        self.offset = end;
        Ok(())
    }

    async fn join(&mut self) -> Result<Written, AttachmentError> {
        self.sender = None;
        match self.writer.take() {
            Some(writer) => writer.await.map_err(AttachmentError::task_failed)?,
            None => Err(AttachmentError::BadChunk("the upload has ended".into())),
        }
    }

    async fn writer_error(&mut self) -> AttachmentError {
        match self.join().await {
            Err(error) => error,
            Ok(_) => AttachmentError::BadChunk("the upload has ended".into()),
        }
    }

    /// Deletes the partial file (after an overrun or a mismatch).
    async fn discard(&mut self) -> Result<(), AttachmentError> {
        let written = self.join().await;
        let path = self.path.clone();
        // The guard inside `written` is dropped only after the file is gone.
        tokio::task::spawn_blocking(move || {
            let removed = std::fs::remove_file(&path);
            drop(written);
            match removed {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(AttachmentError::io("delete", &path)(e)),
            }
        })
        .await
        .map_err(AttachmentError::task_failed)?
    }

    /// Ends the upload. With every byte written, verifies the SHA-256 (a mismatch deletes the
    /// partial file), moves the file into place durably, records a peer as its holder and
    /// logs its arrival; otherwise reports the durable offset for a resume.
    pub async fn finish(self, store: &Store, origin: Origin) -> Result<Finished, AttachmentError> {
        let (digest, size) = (self.digest, self.size);
        let finished = self.finish_file().await?;
        if finished == Finished::Complete {
            record_arrival(store, &digest, size, origin).await?;
        }
        Ok(finished)
    }

    /// [`Upload::finish`] without the audit log. When the file is already stored (another
    /// uploader's copy), this uploader's verified copy is deleted instead of moved into place:
    /// the same work, the same answer, as for a file that was absent.
    pub(super) async fn finish_file(mut self) -> Result<Finished, AttachmentError> {
        if self.offset < self.size {
            let written = self.join().await?;
            return Ok(Finished::Incomplete {
                durable_offset: written.written,
            });
        }
        let written = self.join().await?;
        let actual: Digest = written.hasher.clone().finalize().into();
        let from = self.path.clone();
        if actual != self.digest {
            let removed = std::fs::remove_file(&from);
            drop(written);
            removed.map_err(AttachmentError::io("delete", &from))?;
            return Err(AttachmentError::HashMismatch {
                declared: hex::encode(self.digest),
                actual: hex::encode(actual),
            });
        }
        let to = self.store.path_of(&self.digest);
        let marker = match &self.uploader {
            Uploader::Peer(peer) => self.store.marker_path(peer, &self.digest),
            Uploader::Local => None,
        };
        tokio::task::spawn_blocking(move || {
            let Written { file, guard, .. } = written;
            file.sync_all()
                .map_err(AttachmentError::io("fsync", &from))?;
            drop(file);
            let dir = to.parent().unwrap_or(Path::new("."));
            create_private_dirs(dir).map_err(AttachmentError::io("create", dir))?;
            if std::fs::symlink_metadata(&to).is_ok_and(|m| m.is_file()) {
                std::fs::remove_file(&from).map_err(AttachmentError::io("delete", &from))?;
            } else {
                std::fs::rename(&from, &to).map_err(AttachmentError::io("move into place", &to))?;
            }
            sync_dir(dir)?;
            if let Some(partial_dir) = from.parent() {
                sync_dir(partial_dir)?;
            }
            if let Some(marker) = marker {
                let held_dir = marker.parent().unwrap_or(Path::new("."));
                create_private_dirs(held_dir).map_err(AttachmentError::io("create", held_dir))?;
                create_private_file(&marker)
                    .and_then(|file| file.sync_all())
                    .map_err(AttachmentError::io("create", &marker))?;
                sync_dir(held_dir)?;
            }
            drop(guard);
            Ok::<_, AttachmentError>(())
        })
        .await
        .map_err(AttachmentError::task_failed)??;
        Ok(Finished::Complete)
    }
}

/// Appends an `ATTACHMENT_RECEIVED` entry and makes it durable.
async fn record_arrival(
    store: &Store,
    digest: &Digest,
    size: u64,
    origin: Origin,
) -> Result<(), StoreError> {
    let mut detail = format!("sha256 {} size {size}", hex::encode(digest));
    let (peer, message_id) = match origin {
        Origin::Local { by } => {
            detail.push_str(&format!("; uploaded by {by}"));
            (String::new(), String::new())
        }
        Origin::Peer {
            node_id,
            message_id,
        } => (node_id, message_id),
    };
    store
        .write(|batch| {
            batch.append(LogRecord {
                kind: EntryKind::AttachmentReceived,
                peer,
                message_id,
                detail,
                ..Default::default()
            });
            Ok::<_, StoreError>(())
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::attachments::Held;
    use crate::storage::attachments::test_support::{
        digest, finish_without_log, no_limit, partial_files, store,
    };

    #[tokio::test]
    async fn chunks_in_order_store_the_file_under_its_hash() {
        let (dir, store) = store();
        let content: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        let d = digest(&content);
        let mut upload = store
            .begin(Uploader::Local, d, content.len() as u64, &no_limit())
            .await
            .expect("begin")
            .expect("absent");
        for (i, chunk) in content.chunks(CHUNK_BYTES).enumerate() {
            upload
                .write((i * CHUNK_BYTES) as u64, chunk.to_vec())
                .await
                .expect("write");
        }
        assert_eq!(
            finish_without_log(upload).await.expect("finish"),
            Finished::Complete
        );
        assert_eq!(std::fs::read(store.path_of(&d)).expect("read"), content);
        assert_eq!(
            store.held(&Uploader::Local, &d).await.expect("held"),
            Held::Present {
                size: content.len() as u64
            }
        );
        assert_eq!(partial_files(dir.path()), 0);
        assert!(
            store
                .begin(Uploader::Local, d, content.len() as u64, &no_limit())
                .await
                .expect("again")
                .is_none()
        );
    }

    #[tokio::test]
    async fn an_interrupted_upload_resumes_at_its_durable_offset() {
        let (_dir, store) = store();
        let content = vec![7u8; 3 * CHUNK_BYTES + 10];
        let d = digest(&content);
        let size = content.len() as u64;
        let mut upload = store
            .begin(Uploader::Local, d, size, &no_limit())
            .await
            .expect("begin")
            .expect("absent");
        upload
            .write(0, content[..CHUNK_BYTES].to_vec())
            .await
            .expect("write");
        drop(upload);
        // The writer fsyncs and lets go of the digest when the stream is dropped.
        // Read the offset only once the writer let go: while it runs, `held` reports the
        // upload's live counter, which may still be 0.
        let durable = loop {
            let writer_gone = store.lock_state().active.is_empty();
            if writer_gone {
                match store.held(&Uploader::Local, &d).await.expect("held") {
                    Held::Partial { durable_offset } => break durable_offset,
                    other => panic!("an interrupted upload is partial, not {other:?}"),
                }
            }
            tokio::task::yield_now().await;
        };
        assert_eq!(durable, CHUNK_BYTES as u64);
        let mut upload = store
            .begin(Uploader::Local, d, size, &no_limit())
            .await
            .expect("resume")
            .expect("absent");
        assert_eq!(upload.offset(), CHUNK_BYTES as u64);
        let wrong = upload.write(0, content[..10].to_vec()).await;
        assert!(
            matches!(wrong, Err(AttachmentError::Offset { expected, got: 0 }) if expected == CHUNK_BYTES as u64)
        );
        let mut offset = CHUNK_BYTES;
        for chunk in content[CHUNK_BYTES..].chunks(CHUNK_BYTES) {
            upload
                .write(offset as u64, chunk.to_vec())
                .await
                .expect("write");
            offset += chunk.len();
        }
        assert_eq!(
            finish_without_log(upload).await.expect("finish"),
            Finished::Complete
        );
        assert_eq!(std::fs::read(store.path_of(&d)).expect("read"), content);
    }

    #[tokio::test]
    async fn an_overrun_deletes_the_partial_file() {
        let (dir, store) = store();
        let d = digest(b"abc");
        let mut upload = store
            .begin(Uploader::Local, d, 3, &no_limit())
            .await
            .expect("begin")
            .expect("absent");
        let result = upload.write(0, b"abcd".to_vec()).await;
        assert!(matches!(
            result,
            Err(AttachmentError::Overrun { size: 3, end: 4 })
        ));
        drop(upload);
        assert_eq!(partial_files(dir.path()), 0);
        assert!(store.lock_state().active.is_empty());
    }

    #[tokio::test]
    async fn a_hash_mismatch_stores_nothing() {
        let (dir, store) = store();
        let d = digest(b"abc");
        let mut upload = store
            .begin(Uploader::Local, d, 3, &no_limit())
            .await
            .expect("begin")
            .expect("absent");
        upload.write(0, b"abd".to_vec()).await.expect("write");
        let result = finish_without_log(upload).await;
        assert!(matches!(result, Err(AttachmentError::HashMismatch { .. })));
        assert_eq!(partial_files(dir.path()), 0);
        assert_eq!(store.stored_size(&d), None);
    }

    #[tokio::test]
    async fn one_upload_per_digest_and_size_limits_hold() {
        let (_dir, store) = store();
        let d = digest(b"abc");
        let first = store
            .begin(Uploader::Local, d, 3, &no_limit())
            .await
            .expect("begin");
        assert!(matches!(
            store.begin(Uploader::Local, d, 3, &no_limit()).await,
            Err(AttachmentError::Busy)
        ));
        drop(first);
        assert!(matches!(
            store
                .begin(
                    Uploader::Local,
                    digest(b"x"),
                    11,
                    &AttachmentLimits {
                        max_file_bytes: 10,
                        ..AttachmentLimits::default()
                    }
                )
                .await,
            Err(AttachmentError::TooLarge {
                size: 11,
                limit: 10
            })
        ));
    }

    #[tokio::test]
    async fn a_partial_file_longer_than_the_size_starts_afresh() {
        let (dir, store) = store();
        let d = digest(b"abc");
        let partial = dir
            .path()
            .join(format!("attachments/partial/local/{}.part", hex::encode(d)));
        std::fs::create_dir_all(partial.parent().expect("parent")).expect("mkdir");
        std::fs::write(&partial, b"too long").expect("write");
        let upload = store
            .begin(Uploader::Local, d, 3, &no_limit())
            .await
            .expect("begin")
            .expect("absent");
        assert_eq!(upload.offset(), 0);
    }
}
