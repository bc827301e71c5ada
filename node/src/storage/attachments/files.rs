//! The content-addressed store under `<data_dir>/attachments`: where a verified file
//! (`sha256/`), a holder record (`held/<node id>/<hex>`) and an uploader's partial file
//! (`partial/`) live, what one uploader may learn of a file ([`AttachmentStore::held`]), and the
//! private-mode file helpers the other parts share. Writing a file is `upload`'s, copying the
//! store is `backup`'s, and deciding who may upload or read a file is `policy`'s.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::probes::ProbeTally;
use super::{AttachmentError, CHUNK_BYTES, Digest, WRITER_QUEUE, digest_of};

/// Who stored a file, for the audit log.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A local user, through the operator API: who (as `users::Submitter` words it).
    Local { by: String },
    /// A peer, authorized by the message that references the file.
    Peer { node_id: String, message_id: String },
}

impl Origin {
    pub fn uploader(&self) -> Uploader {
        match self {
            Self::Local { .. } => Uploader::Local,
            Self::Peer { node_id, .. } => Uploader::Peer(node_id.clone()),
        }
    }
}

/// Whose upload this is: each uploader has its own partial files, and a peer its own record
/// of the files it proved it holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Uploader {
    /// This node's users (trusted with every file the node stores).
    Local,
    /// A peer, by node id (the TLS identity, from the peer table).
    Peer(String),
}

impl Uploader {
    /// The directory of this uploader's partial files, relative to `partial/`. A node id is
    /// lowercase letters, digits and `-`, so it is a safe file name; anything else (which the
    /// peer table never holds) gets no directory at all.
    fn partial_dir(&self) -> Option<PathBuf> {
        match self {
            Self::Local => Some(PathBuf::from("local")),
            Self::Peer(id) => safe_id(id).map(|id| Path::new("peers").join(id)),
        }
    }
}

pub(super) fn safe_id(id: &str) -> Option<&str> {
    rogatory_proto::ids::NodeId::parse(id).ok().map(|_| id)
}

/// The content-addressed store under `<data_dir>/attachments`, with the per-peer accounting of
/// transfers (slots, bytes in flight, partial bytes kept, probes): all of it in one place.
#[derive(Debug)]
pub struct AttachmentStore {
    pub(super) root: PathBuf,
    /// Uploads in progress and each peer's transfers, under one lock so that a quota is
    /// checked and reserved in one step.
    pub(super) state: Mutex<TransferState>,
    /// Per peer, refused requests not yet written to the audit log (see [`probed`](super::probed)).
    pub(super) probes: Mutex<HashMap<String, ProbeTally>>,
}

#[derive(Debug, Default)]
pub(super) struct TransferState {
    /// Uploads in progress, by uploader and digest. One upload per uploader and digest at a
    /// time: a second is refused as busy rather than interleaved into the same file. Two
    /// uploaders never share a partial file.
    pub(super) active: HashMap<(Uploader, Digest), Active>,
    /// Transfers (uploads and downloads) each peer has in progress.
    pub(super) slots: HashMap<String, usize>,
}

#[derive(Debug)]
pub(super) struct Active {
    /// The offset fsynced so far.
    pub(super) durable: Arc<AtomicU64>,
    /// The declared size: what this upload may still put on the disk, reserved against the
    /// uploader's quotas while it runs.
    pub(super) size: u64,
}

/// An attachment's state in this store, as one uploader may learn it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    Present { size: u64 },
    Partial { durable_offset: u64 },
    Absent,
}

impl AttachmentStore {
    /// Opens (creating if needed) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, AttachmentError> {
        let root = data_dir.join("attachments");
        for dir in [root.join("sha256"), root.join("partial"), root.join("held")] {
            create_private_dirs(&dir).map_err(AttachmentError::io("create", &dir))?;
        }
        Ok(Self {
            root,
            state: Mutex::new(TransferState::default()),
            probes: Mutex::new(HashMap::new()),
        })
    }

    /// Where the verified file `digest` lives (whether or not it is there).
    pub fn path_of(&self, digest: &Digest) -> PathBuf {
        let hex = hex::encode(digest);
        self.root.join("sha256").join(&hex[..2]).join(hex)
    }

    pub(super) fn partial_path(&self, uploader: &Uploader, digest: &Digest) -> Option<PathBuf> {
        let dir = uploader.partial_dir()?;
        Some(
            self.root
                .join("partial")
                .join(dir)
                .join(format!("{}.part", hex::encode(digest))),
        )
    }

    /// The record that `peer` proved it holds `digest` (by uploading it).
    pub(super) fn marker_path(&self, peer: &str, digest: &Digest) -> Option<PathBuf> {
        safe_id(peer).map(|id| self.root.join("held").join(id).join(hex::encode(digest)))
    }

    /// The size of the verified file `digest`, if it is stored.
    pub fn stored_size(&self, digest: &Digest) -> Option<u64> {
        std::fs::metadata(self.path_of(digest))
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len())
    }

    /// The size of `digest` if `uploader` may know this node holds it: local users always,
    /// a peer only once it uploaded the file itself. The holder's record is looked at first,
    /// so that a file stored for someone else costs the same as an absent one.
    pub fn held_size(&self, uploader: &Uploader, digest: &Digest) -> Option<u64> {
        if let Uploader::Peer(peer) = uploader {
            let marker = self.marker_path(peer, digest)?;
            std::fs::symlink_metadata(marker).ok()?;
        }
        self.stored_size(digest)
    }

    pub(super) fn lock_state(&self) -> std::sync::MutexGuard<'_, TransferState> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// What `uploader` may learn of `digest`: present only if [`Self::held_size`] says so;
    /// otherwise its own partial upload, if any, whatever others uploaded. An idle partial
    /// file is fsynced before its length is reported, so the offset reported is durable.
    pub async fn held(
        &self,
        uploader: &Uploader,
        digest: &Digest,
    ) -> Result<Held, AttachmentError> {
        if let Some(size) = self.held_size(uploader, digest) {
            return Ok(Held::Present { size });
        }
        if let Some(active) = self.lock_state().active.get(&(uploader.clone(), *digest)) {
            return Ok(Held::Partial {
                durable_offset: active.durable.load(Ordering::SeqCst),
            });
        }
        let Some(path) = self.partial_path(uploader, digest) else {
            return Ok(Held::Absent);
        };
        tokio::task::spawn_blocking(move || match File::options().write(true).open(&path) {
            Ok(file) => {
                file.sync_all()
                    .map_err(AttachmentError::io("fsync", &path))?;
                let len = file
                    .metadata()
                    .map_err(AttachmentError::io("read the size of", &path))?
                    .len();
                Ok(Held::Partial {
                    durable_offset: len,
                })
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Held::Absent),
            Err(error) => Err(AttachmentError::io("open", &path)(error)),
        })
        .await
        .map_err(AttachmentError::task_failed)?
    }

    /// The partial files of `uploader`: digest and length of each.
    pub(super) fn partials_of(
        &self,
        uploader: &Uploader,
    ) -> Result<Vec<(Digest, u64)>, AttachmentError> {
        let Some(dir) = uploader.partial_dir() else {
            return Ok(Vec::new());
        };
        let dir = self.root.join("partial").join(dir);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(AttachmentError::io("list", &dir)(error)),
        };
        let mut partials = Vec::new();
        for entry in entries {
            let entry = entry.map_err(AttachmentError::io("list", &dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(digest) = name
                .strip_suffix(".part")
                .and_then(|hex| hex::decode(hex).ok())
                .and_then(|bytes| digest_of(&bytes))
            else {
                continue;
            };
            let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
            partials.push((digest, len));
        }
        Ok(partials)
    }
}

/// Creates `dir` and its missing parents 0700: evidence files are private to the node, whatever
/// the data directory's own mode (files are created 0600 likewise).
pub(super) fn create_private_dirs(dir: &Path) -> std::io::Result<()> {
    std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
        .create(dir)
}

/// Creates (or empties) a file readable by the node alone (0600).
pub(super) fn create_private_file(path: &Path) -> std::io::Result<File> {
    File::options()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

pub(super) fn sync_dir(dir: &Path) -> Result<(), AttachmentError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(AttachmentError::io("fsync directory", dir))
}

/// Reads `path` from `offset` in [`CHUNK_BYTES`] pieces on a blocking thread, a few chunks
/// ahead of the consumer (the channel's capacity bounds memory).
pub fn read_chunks(
    path: PathBuf,
    offset: u64,
) -> mpsc::Receiver<Result<(u64, Vec<u8>), AttachmentError>> {
    let (sender, receiver) = mpsc::channel(WRITER_QUEUE);
    tokio::task::spawn_blocking(move || {
        let opened = File::open(&path)
            .and_then(|mut file| file.seek(SeekFrom::Start(offset)).map(|_| file))
            .map_err(AttachmentError::io("open", &path));
        let mut file = match opened {
            Ok(file) => file,
            Err(error) => {
                let _ = sender.blocking_send(Err(error));
                return;
            }
        };
        let mut position = offset;
        loop {
            let mut buffer = vec![0u8; CHUNK_BYTES];
            let mut filled = 0;
            while filled < CHUNK_BYTES {
                match file.read(&mut buffer[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let _ = sender.blocking_send(Err(AttachmentError::io("read", &path)(e)));
                        return;
                    }
                }
            }
            if filled == 0 {
                return;
            }
            buffer.truncate(filled);
            let start = position;
            position += filled as u64;
            if sender.blocking_send(Ok((start, buffer))).is_err() {
                return;
            }
        }
    });
    receiver
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::attachments::Finished;
    use crate::storage::attachments::test_support::{digest, finish_without_log, no_limit, store};

    #[tokio::test]
    async fn a_peer_is_told_only_of_what_it_uploaded_itself() {
        let (_dir, store) = store();
        let (tm, uz) = (Uploader::Peer("tm".into()), Uploader::Peer("uz".into()));
        let d = digest(b"abc");
        let mut upload = store
            .begin(tm.clone(), d, 3, &no_limit())
            .await
            .expect("begin")
            .expect("absent");
        upload.write(0, b"abc".to_vec()).await.expect("write");
        finish_without_log(upload).await.expect("finish");
        assert_eq!(
            store.held(&tm, &d).await.expect("held"),
            Held::Present { size: 3 }
        );
        assert_eq!(store.held(&uz, &d).await.expect("held"), Held::Absent);
        // uz must send the bytes: its upload starts at 0 like any other.
        let mut upload = store
            .begin(uz.clone(), d, 3, &no_limit())
            .await
            .expect("begin")
            .expect("uz does not hold it");
        assert_eq!(upload.offset(), 0);
        upload.write(0, b"ab".to_vec()).await.expect("write");
        assert_eq!(
            finish_without_log(upload).await.expect("finish"),
            Finished::Incomplete { durable_offset: 2 }
        );
        assert_eq!(
            store.held(&tm, &d).await.expect("held"),
            Held::Present { size: 3 }
        );
        assert_eq!(
            store.held(&uz, &d).await.expect("held"),
            Held::Partial { durable_offset: 2 }
        );
    }
}
