//! Evidence attachments: a content-addressed file store beside (not inside) sled, the rules
//! that decide who may upload or read a file, and the sender's half of moving files to a peer.
//!
//! A file lives at `<data_dir>/attachments/sha256/<hex[0..2]>/<hex>` once its size and SHA-256
//! are verified, and never changes. An upload in progress lives at
//! `<data_dir>/attachments/partial/<hex>.part`: bytes are appended only at the expected offset,
//! hashed as they arrive, and fsynced before their length is reported as durable; an upload
//! that was interrupted resumes at that length (the prefix is hashed again, in fixed-size
//! reads). On completion the file is fsynced, renamed into place and its directory fsynced. A
//! size overrun or a hash mismatch deletes the partial file. Memory is bounded by a few chunks
//! per upload, whatever the file's size.
//!
//! This module knows nothing of gRPC: the services in `transport` turn [`AttachmentError`] and
//! [`Refusal`] into statuses (`transport::status`). The delivery pipeline calls two hooks only:
//! `transport::attachment_upload::upload_missing` before a delivery attempt and
//! [`require_present`] before a received message is stored, so that a receipt exists only for
//! a message whose files all arrived.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rogatory_proto::signing;
use rogatory_proto::v1::{
    AttachmentRef, EntryKind, Envelope, MessageRecord, SignedEnvelope, envelope,
};
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use crate::node::Node;
use crate::store::{LogRecord, StoreError};

/// A SHA-256 digest: the name of a stored file.
pub type Digest = [u8; 32];

/// Bytes per data chunk this node sends, and per read when it hashes or serves a file.
pub const CHUNK_BYTES: usize = 256 * 1024;
/// The largest data chunk this node accepts (PROTOCOL.md section 5.7).
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;
/// Attachment references one message may carry.
pub const MAX_REFS: usize = 1000;
/// Longest `file_name` or `media_type` of a reference, in bytes.
const MAX_NAME_BYTES: usize = 255;
/// A long upload is fsynced at least this often, so that an interruption loses little and the
/// durable offset that `AttachmentStatus` reports keeps moving.
const SYNC_EVERY_BYTES: u64 = 32 * 1024 * 1024;
/// Chunks queued between the network and the thread that hashes and writes them: enough to
/// overlap the two, few enough that an upload holds at most a few MiB.
pub(crate) const WRITER_QUEUE: usize = 4;

/// Why an upload or a download cannot go on. Each has a stable reason token.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    /// Absent, or the caller is not a party of a message that references it: the two are
    /// deliberately indistinguishable.
    #[error("no such attachment")]
    NotFound,
    #[error("another upload of this attachment is in progress; retry later")]
    Busy,
    #[error("chunk at offset {got}, expected offset {expected} (the durable offset)")]
    Offset { expected: u64, got: u64 },
    #[error("chunk ends at byte {end}, beyond the declared size of {size} bytes")]
    Overrun { size: u64, end: u64 },
    #[error("the stored bytes have SHA-256 {actual}, not the declared {declared}")]
    HashMismatch { declared: String, actual: String },
    #[error("bad attachment stream: {0}")]
    BadChunk(String),
    #[error("the attachment is {size} bytes; this node accepts at most {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("cannot {what} {path}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AttachmentError {
    /// The stable, machine-readable reason token (PROTOCOL.md section 5.7).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NotFound => "attachment-not-found",
            Self::Busy => "attachment-busy",
            Self::Offset { .. } => "attachment-offset",
            Self::Overrun { .. } => "attachment-overrun",
            Self::HashMismatch { .. } => "attachment-hash-mismatch",
            Self::BadChunk(_) => "attachment-chunk",
            Self::TooLarge { .. } => "attachment-too-large",
            Self::Io { .. } | Self::Store(_) => "unavailable",
        }
    }

    fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_owned();
        move |source| Self::Io { what, path, source }
    }
}

/// Why a received message's attachment references stop it from being accepted (the checks
/// of PROTOCOL.md section 5.2, check 7a).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("attachment reference {index}: {problem}")]
    BadReference { index: usize, problem: String },
    #[error("the attachments total {total} bytes or one is larger than this node accepts")]
    TooLarge { total: u64 },
    #[error(
        "{missing} of the message's attachments (first: sha256 {first}) are not stored here yet; \
         upload them with PutAttachment, then deliver again"
    )]
    Missing { missing: usize, first: String },
}

impl Refusal {
    pub fn reason(&self) -> &'static str {
        match self {
            Self::BadReference { .. } => "bad-attachment-ref",
            Self::TooLarge { .. } => "attachments-too-large",
            Self::Missing { .. } => "attachments-missing",
        }
    }

    /// Missing files arrive later without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Missing { .. })
    }
}

/// Who stored a file, for the audit log.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A local user, through the operator API: who (as `users::Submitter` words it).
    Local { by: String },
    /// A peer, authorized by the message that references the file.
    Peer { node_id: String, message_id: String },
}

/// The attachment references of a message's body (none for bodies that carry no files).
pub fn refs_of(envelope: &Envelope) -> &[AttachmentRef] {
    match &envelope.body {
        Some(envelope::Body::MlaRequest(request)) => &request.attachments,
        Some(envelope::Body::StatusUpdate(update)) => &update.attachments,
        _ => &[],
    }
}

/// The references' form and this node's limits: at most [`MAX_REFS`], each with a 32-byte hash,
/// a non-empty file name, at most `max_file_bytes`, and together at most
/// `max_total_per_message_bytes`.
pub fn check_refs(node: &Node, refs: &[AttachmentRef]) -> Result<(), Refusal> {
    if refs.len() > MAX_REFS {
        return Err(Refusal::BadReference {
            index: MAX_REFS,
            problem: format!("more than {MAX_REFS} attachments"),
        });
    }
    let limits = &node.config.attachments;
    let mut total: u64 = 0;
    for (index, reference) in refs.iter().enumerate() {
        let bad = |problem: &str| Refusal::BadReference {
            index,
            problem: problem.to_owned(),
        };
        if reference.sha256.len() != 32 {
            return Err(bad("sha256 is not 32 bytes"));
        }
        if reference.file_name.trim().is_empty() || reference.file_name.len() > MAX_NAME_BYTES {
            return Err(bad("file_name is empty or longer than 255 bytes"));
        }
        if reference.media_type.len() > MAX_NAME_BYTES {
            return Err(bad("media_type is longer than 255 bytes"));
        }
        total = total.saturating_add(reference.size);
        if reference.size > limits.max_file_bytes {
            return Err(Refusal::TooLarge { total });
        }
    }
    if total > limits.max_total_per_message_bytes {
        return Err(Refusal::TooLarge { total });
    }
    Ok(())
}

/// Receiver's check before a message is stored: its references are well formed and within
/// limits, and every file they name is stored here, verified, with the referenced size.
pub fn require_present(node: &Node, envelope: &Envelope) -> Result<(), Refusal> {
    require_stored(node, refs_of(envelope))
}

/// `refs` are well formed, within limits, and every file they name is stored here with the
/// referenced size. A sender checks this before it signs a message that references them.
pub fn require_stored(node: &Node, refs: &[AttachmentRef]) -> Result<(), Refusal> {
    check_refs(node, refs)?;
    let missing: Vec<&AttachmentRef> = refs
        .iter()
        .filter(|r| {
            digest_of(&r.sha256).and_then(|d| node.attachments.stored_size(&d)) != Some(r.size)
        })
        .collect();
    match missing.first() {
        None => Ok(()),
        Some(first) => Err(Refusal::Missing {
            missing: missing.len(),
            first: hex::encode(&first.sha256),
        }),
    }
}

/// A 32-byte slice as a digest.
pub fn digest_of(bytes: &[u8]) -> Option<Digest> {
    bytes.try_into().ok()
}

/// Whether the signed message `signed`, presented by peer `caller`, lets it upload (or ask
/// about) the file `digest`: it verifies with the caller's key, it is from the caller to this
/// node, and one of its references names the digest. Returns the referenced size. Every failure
/// is [`AttachmentError::NotFound`], like a file this node has never heard of.
pub fn authorize_upload(
    node: &Node,
    caller: &str,
    signed: Option<&SignedEnvelope>,
    digest: &Digest,
) -> Result<(u64, String), AttachmentError> {
    let signed = signed.ok_or(AttachmentError::NotFound)?;
    let key = node
        .peers
        .public_key(caller)
        .ok_or(AttachmentError::NotFound)?;
    signing::verify_envelope_signature(&key, signed).map_err(|_| AttachmentError::NotFound)?;
    let envelope =
        signing::decode_envelope(&signed.payload).map_err(|_| AttachmentError::NotFound)?;
    if envelope.sender != caller || !signing::addressees(&envelope).any(|a| a == node.id().as_str())
    {
        return Err(AttachmentError::NotFound);
    }
    let refs = refs_of(&envelope);
    let reference = refs
        .iter()
        .find(|r| r.sha256 == digest[..])
        .ok_or(AttachmentError::NotFound)?;
    check_refs(node, refs).map_err(|refusal| match refusal {
        Refusal::TooLarge { .. } => AttachmentError::TooLarge {
            size: reference.size,
            limit: node.config.attachments.max_file_bytes,
        },
        other => AttachmentError::BadChunk(other.to_string()),
    })?;
    Ok((reference.size, envelope.message_id))
}

/// Whether peer `caller` may read the file `digest`: `message_id` is a message this node holds,
/// between it and the caller, that references the digest. Otherwise [`AttachmentError::NotFound`].
pub fn authorize_fetch(
    node: &Node,
    caller: &str,
    message_id: &str,
    digest: &Digest,
) -> Result<(), AttachmentError> {
    let record = node
        .store
        .message(message_id)?
        .ok_or(AttachmentError::NotFound)?;
    // Every party of the message's case may read it (the parties of a multi-party case hold
    // the same envelopes).
    let party =
        crate::multiparty::parties_of(&record).is_some_and(|p| p.iter().any(|p| p == caller));
    if !party {
        return Err(AttachmentError::NotFound);
    }
    if references(&record, digest) {
        Ok(())
    } else {
        Err(AttachmentError::NotFound)
    }
}

/// Whether a stored message references `digest`.
pub fn references(record: &MessageRecord, digest: &Digest) -> bool {
    record
        .envelope
        .as_ref()
        .and_then(|signed| signing::decode_envelope(&signed.payload).ok())
        .is_some_and(|envelope| refs_of(&envelope).iter().any(|r| r.sha256 == digest[..]))
}

/// The content-addressed store under `<data_dir>/attachments`.
#[derive(Debug)]
pub struct AttachmentStore {
    root: PathBuf,
    /// Uploads in progress, by digest, with the offset fsynced so far. One upload per digest
    /// at a time: a second is refused as busy rather than interleaved into the same file.
    active: Mutex<HashMap<Digest, Arc<AtomicU64>>>,
}

/// What an upload ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Stored, verified and durable.
    Complete,
    /// The stream ended early; this much is durable and the next upload resumes there.
    Incomplete { durable_offset: u64 },
}

/// An attachment's state in this store.
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
        for dir in [root.join("sha256"), root.join("partial")] {
            std::fs::create_dir_all(&dir).map_err(AttachmentError::io("create", &dir))?;
        }
        Ok(Self {
            root,
            active: Mutex::new(HashMap::new()),
        })
    }

    /// Where the verified file `digest` lives (whether or not it is there).
    pub fn path_of(&self, digest: &Digest) -> PathBuf {
        let hex = hex::encode(digest);
        self.root.join("sha256").join(&hex[..2]).join(hex)
    }

    fn partial_path(&self, digest: &Digest) -> PathBuf {
        self.root
            .join("partial")
            .join(format!("{}.part", hex::encode(digest)))
    }

    /// The size of the verified file `digest`, if it is stored.
    pub fn stored_size(&self, digest: &Digest) -> Option<u64> {
        std::fs::metadata(self.path_of(digest))
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len())
    }

    fn lock_active(&self) -> std::sync::MutexGuard<'_, HashMap<Digest, Arc<AtomicU64>>> {
        match self.active.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// What this store holds of `digest`. An idle partial file is fsynced before its length is
    /// reported, so the offset reported is durable.
    pub async fn held(&self, digest: &Digest) -> Result<Held, AttachmentError> {
        if let Some(size) = self.stored_size(digest) {
            return Ok(Held::Present { size });
        }
        if let Some(durable) = self.lock_active().get(digest) {
            return Ok(Held::Partial {
                durable_offset: durable.load(Ordering::SeqCst),
            });
        }
        let path = self.partial_path(digest);
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
        .map_err(|e| AttachmentError::BadChunk(format!("task failed: {e}")))?
    }

    /// Starts (or resumes) storing `digest` of `size` bytes. `None` if it is already stored.
    /// The upload continues at [`Upload::offset`], the durable length of an earlier attempt.
    pub async fn begin(
        self: &Arc<Self>,
        digest: Digest,
        size: u64,
        max_file_bytes: u64,
    ) -> Result<Option<Upload>, AttachmentError> {
        if size > max_file_bytes {
            return Err(AttachmentError::TooLarge {
                size,
                limit: max_file_bytes,
            });
        }
        if self.stored_size(&digest).is_some() {
            return Ok(None);
        }
        let durable = {
            let mut active = self.lock_active();
            if active.contains_key(&digest) {
                return Err(AttachmentError::Busy);
            }
            let durable = Arc::new(AtomicU64::new(0));
            active.insert(digest, Arc::clone(&durable));
            durable
        };
        let guard = ActiveGuard {
            store: Arc::clone(self),
            digest,
        };
        // An upload that finished between the first check and taking the digest has stored it.
        if self.stored_size(&digest).is_some() {
            return Ok(None);
        }
        let path = self.partial_path(&digest);
        let opened = tokio::task::spawn_blocking(move || open_partial(&path, size))
            .await
            .map_err(|e| AttachmentError::BadChunk(format!("task failed: {e}")))??;
        let (file, hasher, offset) = opened;
        durable.store(offset, Ordering::SeqCst);
        let (sender, receiver) = mpsc::channel(WRITER_QUEUE);
        let path = self.partial_path(&digest);
        let writer_durable = Arc::clone(&durable);
        let writer = tokio::task::spawn_blocking(move || {
            write_loop(file, hasher, offset, receiver, writer_durable, &path, guard)
        });
        Ok(Some(Upload {
            store: Arc::clone(self),
            digest,
            size,
            offset,
            sender: Some(sender),
            writer: Some(writer),
        }))
    }
}

impl AttachmentStore {
    /// Copies every verified file into `<directory>/attachments/sha256/`, hashing each as it is
    /// read, so a backup never carries a file that no longer matches its name. Files are
    /// immutable once stored, so no lock is needed; taken after the database snapshot, the copy
    /// holds every file a message in the snapshot references. Returns the bytes copied.
    pub fn backup_to(&self, directory: &Path) -> Result<u64, AttachmentError> {
        let target = directory.join("attachments").join("sha256");
        copy_verified(&self.root.join("sha256"), &target)
    }

    /// Adds the files of a backup in `<backup_dir>/attachments/sha256/` that this store lacks,
    /// each verified against its name first. Returns the bytes copied.
    pub fn restore_from(data_dir: &Path, backup_dir: &Path) -> Result<u64, AttachmentError> {
        let source = backup_dir.join("attachments").join("sha256");
        if !source.is_dir() {
            return Ok(0);
        }
        copy_verified(&source, &data_dir.join("attachments").join("sha256"))
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
        std::fs::create_dir_all(&target_dir).map_err(AttachmentError::io("create", &target_dir))?;
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
            let mut writer =
                File::create(&temporary).map_err(AttachmentError::io("create", &temporary))?;
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

/// Removes an upload from the active set when the upload's last user lets go of it: after the
/// final fsync, or after the file was renamed into place or deleted.
#[derive(Debug)]
struct ActiveGuard {
    store: Arc<AttachmentStore>,
    digest: Digest,
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.store.lock_active().remove(&self.digest);
    }
}

/// Opens the partial file of an upload, fsyncs what it holds, and hashes that prefix again.
/// A partial file longer than the declared size cannot be a prefix: it is started afresh.
fn open_partial(path: &Path, size: u64) -> Result<(File, Sha256, u64), AttachmentError> {
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
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

fn sync_dir(dir: &Path) -> Result<(), AttachmentError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(AttachmentError::io("fsync directory", dir))
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
    durable.store(written, Ordering::SeqCst);
    Ok(Written {
        file,
        hasher,
        written,
        guard,
    })
}

/// One upload of one file, exclusive for its digest until it is finished or dropped. Dropping
/// it unfinished keeps what was written (fsynced) for a later resume.
#[derive(Debug)]
pub struct Upload {
    store: Arc<AttachmentStore>,
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
            Some(writer) => writer
                .await
                .map_err(|e| AttachmentError::BadChunk(format!("writer task failed: {e}")))?,
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
        let path = self.store.partial_path(&self.digest);
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
        .map_err(|e| AttachmentError::BadChunk(format!("task failed: {e}")))?
    }

    /// Ends the upload. With every byte written, verifies the SHA-256 (a mismatch deletes the
    /// partial file), moves the file into place durably and logs its arrival; otherwise
    /// reports the durable offset for a resume.
    pub async fn finish(
        mut self,
        node: &Node,
        origin: Origin,
    ) -> Result<Finished, AttachmentError> {
        if self.offset < self.size {
            let written = self.join().await?;
            return Ok(Finished::Incomplete {
                durable_offset: written.written,
            });
        }
        let written = self.join().await?;
        let actual: Digest = written.hasher.clone().finalize().into();
        if actual != self.digest {
            let path = self.store.partial_path(&self.digest);
            let removed = std::fs::remove_file(&path);
            drop(written);
            removed.map_err(AttachmentError::io("delete", &path))?;
            return Err(AttachmentError::HashMismatch {
                declared: hex::encode(self.digest),
                actual: hex::encode(actual),
            });
        }
        let from = self.store.partial_path(&self.digest);
        let to = self.store.path_of(&self.digest);
        tokio::task::spawn_blocking(move || {
            let Written { file, guard, .. } = written;
            file.sync_all()
                .map_err(AttachmentError::io("fsync", &from))?;
            drop(file);
            let dir = to.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir).map_err(AttachmentError::io("create", dir))?;
            std::fs::rename(&from, &to).map_err(AttachmentError::io("move into place", &to))?;
            sync_dir(dir)?;
            if let Some(partial_dir) = from.parent() {
                sync_dir(partial_dir)?;
            }
            drop(guard);
            Ok::<_, AttachmentError>(())
        })
        .await
        .map_err(|e| AttachmentError::BadChunk(format!("task failed: {e}")))??;
        record_arrival(node, &self.digest, self.size, origin).await?;
        Ok(Finished::Complete)
    }
}

/// Appends an `ATTACHMENT_RECEIVED` entry and makes it durable.
async fn record_arrival(
    node: &Node,
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
        } => {
            node.metrics.attachment_received(&node_id, size);
            (node_id, message_id)
        }
    };
    node.store
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

/// Bounds an idle wait for the next chunk of an incoming stream.
pub const CHUNK_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Arc<AttachmentStore>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(AttachmentStore::open(dir.path()).expect("open"));
        (dir, store)
    }

    fn digest(bytes: &[u8]) -> Digest {
        Sha256::digest(bytes).into()
    }

    fn partial_files(dir: &Path) -> usize {
        std::fs::read_dir(dir.join("attachments/partial"))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    async fn finish_without_log(mut upload: Upload) -> Result<Finished, AttachmentError> {
        // `finish` needs a node for the audit log; these tests check the file store alone.
        if upload.offset < upload.size {
            let written = upload.join().await?;
            return Ok(Finished::Incomplete {
                durable_offset: written.written,
            });
        }
        let written = upload.join().await?;
        let actual: Digest = written.hasher.clone().finalize().into();
        if actual != upload.digest {
            drop(written);
            upload.discard_file();
            return Err(AttachmentError::HashMismatch {
                declared: hex::encode(upload.digest),
                actual: hex::encode(actual),
            });
        }
        let to = upload.store.path_of(&upload.digest);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::rename(upload.store.partial_path(&upload.digest), &to).expect("rename");
        drop(written);
        Ok(Finished::Complete)
    }

    impl Upload {
        fn discard_file(&self) {
            let _ = std::fs::remove_file(self.store.partial_path(&self.digest));
        }
    }

    #[tokio::test]
    async fn chunks_in_order_store_the_file_under_its_hash() {
        let (dir, store) = store();
        let content: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        let d = digest(&content);
        let mut upload = store
            .begin(d, content.len() as u64, u64::MAX)
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
            store.held(&d).await.expect("held"),
            Held::Present {
                size: content.len() as u64
            }
        );
        assert_eq!(partial_files(dir.path()), 0);
        assert!(
            store
                .begin(d, content.len() as u64, u64::MAX)
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
            .begin(d, size, u64::MAX)
            .await
            .expect("begin")
            .expect("absent");
        upload
            .write(0, content[..CHUNK_BYTES].to_vec())
            .await
            .expect("write");
        drop(upload);
        // The writer fsyncs and lets go of the digest when the stream is dropped.
        let durable = loop {
            match store.held(&d).await.expect("held") {
                Held::Partial { durable_offset } if store.lock_active().is_empty() => {
                    break durable_offset;
                }
                _ => tokio::task::yield_now().await,
            }
        };
        assert_eq!(durable, CHUNK_BYTES as u64);
        let mut upload = store
            .begin(d, size, u64::MAX)
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
            .begin(d, 3, u64::MAX)
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
        assert!(store.lock_active().is_empty());
    }

    #[tokio::test]
    async fn a_hash_mismatch_stores_nothing() {
        let (dir, store) = store();
        let d = digest(b"abc");
        let mut upload = store
            .begin(d, 3, u64::MAX)
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
        let first = store.begin(d, 3, u64::MAX).await.expect("begin");
        assert!(matches!(
            store.begin(d, 3, u64::MAX).await,
            Err(AttachmentError::Busy)
        ));
        drop(first);
        assert!(matches!(
            store.begin(digest(b"x"), 11, 10).await,
            Err(AttachmentError::TooLarge {
                size: 11,
                limit: 10
            })
        ));
    }

    #[tokio::test]
    async fn a_backup_copies_verified_files_and_refuses_a_corrupted_one() {
        let (dir, store) = store();
        let d = digest(b"abc");
        let mut upload = store
            .begin(d, 3, u64::MAX)
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
    async fn a_partial_file_longer_than_the_size_starts_afresh() {
        let (dir, store) = store();
        let d = digest(b"abc");
        let partial = dir
            .path()
            .join(format!("attachments/partial/{}.part", hex::encode(d)));
        std::fs::write(&partial, b"too long").expect("write");
        let upload = store
            .begin(d, 3, u64::MAX)
            .await
            .expect("begin")
            .expect("absent");
        assert_eq!(upload.offset(), 0);
    }
}
