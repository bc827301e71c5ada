//! Evidence attachments: a content-addressed file store beside (not inside) sled, the rules
//! that decide who may upload or read a file, and the sender's half of moving files to a peer.
//!
//! A file lives at `<data_dir>/attachments/sha256/<hex[0..2]>/<hex>` once its size and SHA-256
//! are verified, and never changes. An upload in progress lives at
//! `<data_dir>/attachments/partial/peers/<node id>/<hex>.part` (`partial/local/` for local
//! users): bytes are appended only at the expected offset, hashed as they arrive, and fsynced
//! before their length is reported as durable; an upload that was interrupted resumes at that
//! length (the prefix is hashed again, in fixed-size reads). On completion the file is fsynced,
//! renamed into place and its directory fsynced. A size overrun or a hash mismatch deletes the
//! partial file. Memory is bounded by a few chunks per upload, whatever the file's size.
//!
//! **Possession, not presence.** A file is stored once, but a peer is told about it, and may
//! reference it, only once it proved that it holds the bytes by uploading them itself: a peer
//! that uploads a file this node already holds (from someone else) sends every byte, is
//! answered exactly as if the file were absent, and is then recorded as a holder
//! (`held/<node id>/<hex>`, an empty file). Partial uploads are per uploader, so no peer sees,
//! resumes, wipes or poisons another's. Each peer has its own transfer slots and quotas, and
//! transfers must keep a minimum pace ([`Pace`]); partial uploads expire ([`expire_partials`]).
//!
//! This module knows nothing of gRPC: the services in `transport` turn [`AttachmentError`] and
//! [`Refusal`] into statuses (`transport::status`). The delivery pipeline calls two hooks only:
//! `transport::attachment_upload::upload_missing` before a delivery attempt and
//! [`require_present`] before a received message is stored, so that a receipt exists only for
//! a message whose files all arrived.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use rogatory_proto::signing;
use rogatory_proto::v1::{
    AttachmentRef, EntryKind, Envelope, MessageRecord, SignedEnvelope, envelope,
};
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use crate::config::AttachmentLimits;
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
/// Interrupted uploads one peer may keep, whatever their size: each is a file (an inode), and
/// an empty one costs one as much as a full one. As many as a message may reference.
const MAX_PARTIAL_FILES_PER_PEER: usize = MAX_REFS;
/// Refused attachment requests from one peer (probing for files it may not see) are written
/// to the audit log at most once per this interval, as one entry counting them: a prober
/// cannot flood the log, and every probe is still counted in the metrics.
pub const PROBE_LOG_INTERVAL: Duration = Duration::from_secs(600);
/// Bounds how often partial uploads are checked for expiry (a quarter of the expiry, at most
/// this): an expired upload is gone at most this long after it expired.
const EXPIRY_SWEEP_MAX_INTERVAL: Duration = Duration::from_secs(3600);

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
    #[error(
        "peer {peer} already has {used} {what} here; {wanted} more would exceed its quota of \
         {limit}; finish (or let expire) its other uploads first"
    )]
    Quota {
        peer: String,
        what: &'static str,
        used: u64,
        wanted: u64,
        limit: u64,
    },
    #[error(
        "the transfer fell below the minimum rate of {min_rate} bytes per second (after a grace \
         of {grace:?}); {durable_offset} bytes are durable, resume from there"
    )]
    TooSlow {
        min_rate: u64,
        grace: Duration,
        durable_offset: u64,
    },
    #[error(
        "the download was read more slowly than the minimum rate of {min_rate} bytes per second \
         (after a grace of {grace:?}) and was cut; resume from offset {sent} at most"
    )]
    ReaderTooSlow {
        min_rate: u64,
        grace: Duration,
        sent: u64,
    },
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
            Self::Quota { .. } => "attachment-quota",
            Self::TooSlow { .. } | Self::ReaderTooSlow { .. } => "attachment-too-slow",
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

fn safe_id(id: &str) -> Option<&str> {
    rogatory_proto::ids::NodeId::parse(id).ok().map(|_| id)
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
/// limits, and every file they name is stored here, verified, with the referenced size, and
/// was uploaded by the message's sender itself: a copy someone else uploaded does not count,
/// or a peer that knows a hash could reference (and then read) a file it never held.
pub fn require_present(node: &Node, envelope: &Envelope) -> Result<(), Refusal> {
    let refs = refs_of(envelope);
    check_refs(node, refs)?;
    let sender = Uploader::Peer(envelope.sender.clone());
    missing_of(refs, |digest| node.attachments.held_size(&sender, digest))
}

/// `refs` are well formed, within limits, and every file they name is stored here with the
/// referenced size. A sender checks this before it signs a message that references them.
pub fn require_stored(node: &Node, refs: &[AttachmentRef]) -> Result<(), Refusal> {
    check_refs(node, refs)?;
    missing_of(refs, |digest| node.attachments.stored_size(digest))
}

/// [`Refusal::Missing`] unless `size_of` gives each reference's size.
fn missing_of(
    refs: &[AttachmentRef],
    size_of: impl Fn(&Digest) -> Option<u64>,
) -> Result<(), Refusal> {
    let missing: Vec<&AttachmentRef> = refs
        .iter()
        .filter(|r| digest_of(&r.sha256).and_then(|d| size_of(&d)) != Some(r.size))
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
/// is [`AttachmentError::NotFound`], like a file this node has never heard of. The message need
/// not be delivered yet (files go first); this reveals nothing, because the answers that
/// follow concern the caller's own uploads only ([`AttachmentStore::held`]).
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

/// Whether peer `caller` may read the file `digest`: `message_id` is a message this node holds
/// that references the digest, and either another party authored it and addressed it to the
/// caller, or the caller is a party that uploaded the file itself. Authoring a message is not
/// enough: its author could name any hash it has seen. Otherwise [`AttachmentError::NotFound`].
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
    let envelope = record
        .envelope
        .as_ref()
        .and_then(|signed| signing::decode_envelope(&signed.payload).ok())
        .ok_or(AttachmentError::NotFound)?;
    if !refs_of(&envelope).iter().any(|r| r.sha256 == digest[..]) {
        return Err(AttachmentError::NotFound);
    }
    let addressed =
        envelope.sender != caller && signing::addressees(&envelope).any(|a| a == caller);
    let holder = signing::parties(&envelope).iter().any(|p| p == caller)
        && node
            .attachments
            .held_size(&Uploader::Peer(caller.to_owned()), digest)
            .is_some();
    if addressed || holder {
        Ok(())
    } else {
        Err(AttachmentError::NotFound)
    }
}

/// Counts a refused attachment request from `peer` (a request for a file it may not see, or
/// with an envelope that does not authorize it: probing, or a broken peer) and, at most once
/// per [`PROBE_LOG_INTERVAL`], records the count in the audit log as a `REJECTION`. The entry
/// is written beside the answer, which is not delayed by it (same timing as an absent file).
pub fn probed(node: &Arc<Node>, peer: &str) {
    node.metrics
        .attachment_refused(peer, "attachment-not-found");
    let Some(count) = node.attachments.tally_probe(peer) else {
        return;
    };
    let node = Arc::clone(node);
    let peer = peer.to_owned();
    tokio::spawn(async move {
        let detail = format!(
            "attachment-not-found: {count} attachment request(s) for files this peer may not \
             see (counted since the last such entry; at most one entry per {}s); payload sha256 \
             none",
            PROBE_LOG_INTERVAL.as_secs()
        );
        // Grouped: it reads nothing, and shares a commit with whatever else is being written.
        let written = node
            .store
            .write_grouped(|batch| {
                batch.append(LogRecord {
                    kind: EntryKind::Rejection,
                    peer: peer.clone(),
                    detail,
                    ..Default::default()
                });
                Ok::<_, StoreError>(())
            })
            .await;
        if let Err(error) = written {
            tracing::warn!(%peer, %error, "cannot record attachment probing");
        }
    });
}

/// Whether a stored message references `digest`.
pub fn references(record: &MessageRecord, digest: &Digest) -> bool {
    record
        .envelope
        .as_ref()
        .and_then(|signed| signing::decode_envelope(&signed.payload).ok())
        .is_some_and(|envelope| refs_of(&envelope).iter().any(|r| r.sha256 == digest[..]))
}

/// The content-addressed store under `<data_dir>/attachments`, with the per-peer accounting of
/// transfers (slots, bytes in flight, partial bytes kept, probes): all of it in one place.
#[derive(Debug)]
pub struct AttachmentStore {
    root: PathBuf,
    /// Uploads in progress and each peer's transfers, under one lock so that a quota is
    /// checked and reserved in one step.
    state: Mutex<TransferState>,
    /// Per peer, refused requests not yet written to the audit log (see [`probed`]).
    probes: Mutex<HashMap<String, ProbeTally>>,
}

#[derive(Debug, Default)]
struct TransferState {
    /// Uploads in progress, by uploader and digest. One upload per uploader and digest at a
    /// time: a second is refused as busy rather than interleaved into the same file. Two
    /// uploaders never share a partial file.
    active: HashMap<(Uploader, Digest), Active>,
    /// Transfers (uploads and downloads) each peer has in progress.
    slots: HashMap<String, usize>,
}

#[derive(Debug)]
struct Active {
    /// The offset fsynced so far.
    durable: Arc<AtomicU64>,
    /// The declared size: what this upload may still put on the disk, reserved against the
    /// uploader's quotas while it runs.
    size: u64,
}

#[derive(Debug)]
struct ProbeTally {
    /// When the last audit entry for this peer's probing was written.
    logged_at: Instant,
    /// Probes since then.
    unlogged: u64,
}

/// What an upload ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Stored, verified and durable.
    Complete,
    /// The stream ended early; this much is durable and the next upload resumes there.
    Incomplete { durable_offset: u64 },
}

/// An attachment's state in this store, as one uploader may learn it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    Present { size: u64 },
    Partial { durable_offset: u64 },
    Absent,
}

/// One of a peer's transfer slots, given back when dropped.
#[derive(Debug)]
pub struct TransferSlot {
    store: Arc<AttachmentStore>,
    peer: String,
}

impl Drop for TransferSlot {
    fn drop(&mut self) {
        let mut state = self.store.lock_state();
        if let Some(count) = state.slots.get_mut(&self.peer) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                state.slots.remove(&self.peer);
            }
        }
    }
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

    fn partial_path(&self, uploader: &Uploader, digest: &Digest) -> Option<PathBuf> {
        let dir = uploader.partial_dir()?;
        Some(
            self.root
                .join("partial")
                .join(dir)
                .join(format!("{}.part", hex::encode(digest))),
        )
    }

    /// The record that `peer` proved it holds `digest` (by uploading it).
    fn marker_path(&self, peer: &str, digest: &Digest) -> Option<PathBuf> {
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

    fn lock_state(&self) -> std::sync::MutexGuard<'_, TransferState> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Takes one of `peer`'s `limit` transfer slots, or `None` if it uses them all.
    pub fn transfer_slot(self: &Arc<Self>, peer: &str, limit: usize) -> Option<TransferSlot> {
        let mut state = self.lock_state();
        let used = state.slots.entry(peer.to_owned()).or_insert(0);
        if *used >= limit {
            return None;
        }
        *used += 1;
        Some(TransferSlot {
            store: Arc::clone(self),
            peer: peer.to_owned(),
        })
    }

    /// Counts a probe from `peer`; returns the count to log when an audit entry is due.
    fn tally_probe(&self, peer: &str) -> Option<u64> {
        let mut probes = match self.probes.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let now = Instant::now();
        match probes.get_mut(peer) {
            Some(tally) if now.duration_since(tally.logged_at) < PROBE_LOG_INTERVAL => {
                tally.unlogged += 1;
                None
            }
            Some(tally) => {
                let count = tally.unlogged + 1;
                *tally = ProbeTally {
                    logged_at: now,
                    unlogged: 0,
                };
                Some(count)
            }
            None => {
                probes.insert(
                    peer.to_owned(),
                    ProbeTally {
                        logged_at: now,
                        unlogged: 0,
                    },
                );
                Some(1)
            }
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
        .map_err(|e| AttachmentError::BadChunk(format!("task failed: {e}")))?
    }

    /// The partial files of `uploader`: digest and length of each.
    fn partials_of(&self, uploader: &Uploader) -> Result<Vec<(Digest, u64)>, AttachmentError> {
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
                .map_err(|e| AttachmentError::BadChunk(format!("task failed: {e}")))??
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
                .map_err(|e| AttachmentError::BadChunk(format!("task failed: {e}")))??
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

    /// Deletes the partial uploads not written for `expiry` (and those of the layout before
    /// partial files were kept per uploader, which no one can resume). An upload in progress
    /// is never touched: the check and the deletion happen under the lock `begin` takes.
    /// Returns the files and bytes deleted.
    pub fn expire_partials(&self, expiry: Duration) -> Result<(usize, u64), AttachmentError> {
        let partial = self.root.join("partial");
        let mut directories = vec![(partial.clone(), true), (partial.join("local"), false)];
        if let Ok(peers) = std::fs::read_dir(partial.join("peers")) {
            directories.extend(peers.flatten().map(|peer| (peer.path(), false)));
        }
        let now = SystemTime::now();
        let (mut files, mut bytes) = (0, 0);
        for (dir, legacy) in directories {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(metadata) = std::fs::symlink_metadata(&path) else {
                    continue;
                };
                if !metadata.is_file() {
                    continue;
                }
                let age = metadata
                    .modified()
                    .ok()
                    .and_then(|modified| now.duration_since(modified).ok())
                    .unwrap_or_default();
                if !legacy && age < expiry {
                    continue;
                }
                let state = self.lock_state();
                let in_progress = state.active.keys().any(|(uploader, digest)| {
                    self.partial_path(uploader, digest).as_deref() == Some(path.as_path())
                });
                if in_progress {
                    continue;
                }
                match std::fs::remove_file(&path) {
                    Ok(()) => {
                        files += 1;
                        bytes += metadata.len();
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                    Err(error) => return Err(AttachmentError::io("delete", &path)(error)),
                }
                drop(state);
            }
        }
        Ok((files, bytes))
    }
}

/// A peer's quotas (`limits`), with the upload of `digest` of `size` bytes added: the declared
/// sizes of its uploads in progress, and those plus its interrupted uploads on disk
/// (`partials`, this digest's own left out: it is resumed, not added).
fn check_quotas(
    state: &TransferState,
    peer: &str,
    digest: &Digest,
    size: u64,
    partials: &[(Digest, u64)],
    limits: &AttachmentLimits,
) -> Result<(), AttachmentError> {
    let mine = |d: &Digest| {
        state
            .active
            .contains_key(&(Uploader::Peer(peer.to_owned()), *d))
    };
    let in_flight: u64 = state
        .active
        .iter()
        .filter(|((uploader, _), _)| matches!(uploader, Uploader::Peer(p) if p == peer))
        .map(|(_, active)| active.size)
        .sum();
    if in_flight.saturating_add(size) > limits.max_upload_bytes_in_flight_per_peer {
        return Err(AttachmentError::Quota {
            peer: peer.to_owned(),
            what: "bytes of uploads in progress",
            used: in_flight,
            wanted: size,
            limit: limits.max_upload_bytes_in_flight_per_peer,
        });
    }
    let resting: Vec<u64> = partials
        .iter()
        .filter(|(d, _)| d != digest && !mine(d))
        .map(|(_, len)| *len)
        .collect();
    if resting.len() >= MAX_PARTIAL_FILES_PER_PEER {
        return Err(AttachmentError::Quota {
            peer: peer.to_owned(),
            what: "interrupted uploads (files)",
            used: resting.len() as u64,
            wanted: 1,
            limit: MAX_PARTIAL_FILES_PER_PEER as u64,
        });
    }
    let kept = in_flight.saturating_add(resting.iter().sum());
    if kept.saturating_add(size) > limits.max_partial_bytes_per_peer {
        return Err(AttachmentError::Quota {
            peer: peer.to_owned(),
            what: "bytes of unfinished uploads (interrupted or in progress)",
            used: kept,
            wanted: size,
            limit: limits.max_partial_bytes_per_peer,
        });
    }
    Ok(())
}

/// Deletes expired partial uploads at once, then every quarter of the expiry (at most every
/// [`EXPIRY_SWEEP_MAX_INTERVAL`]), until `shutdown`.
pub async fn expire_partials(
    store: Arc<AttachmentStore>,
    expiry: Duration,
    shutdown: tokio_util::sync::CancellationToken,
) {
    let interval = (expiry / 4).clamp(Duration::from_millis(250), EXPIRY_SWEEP_MAX_INTERVAL);
    loop {
        let sweeping = Arc::clone(&store);
        match tokio::task::spawn_blocking(move || sweeping.expire_partials(expiry)).await {
            Ok(Ok((0, _))) => {}
            Ok(Ok((files, bytes))) => {
                tracing::info!(files, bytes, "expired partial attachment uploads deleted");
            }
            Ok(Err(error)) => tracing::warn!(%error, "cannot expire partial attachment uploads"),
            Err(error) => tracing::warn!(%error, "the partial-upload sweep failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

/// How slowly a transfer may go: after a grace, at least a minimum number of bytes per second
/// on average since it started. A file of `n` bytes is therefore through within `grace +
/// n / rate` (a total deadline scaled by size), and a peer cannot hold a slot by trickling.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    started: tokio::time::Instant,
    grace: Duration,
    min_rate: u64,
    moved: u64,
}

impl Pace {
    pub fn new(limits: &AttachmentLimits) -> Self {
        Self {
            started: tokio::time::Instant::now(),
            grace: limits.transfer_grace,
            min_rate: limits.min_transfer_bytes_per_second.max(1),
            moved: 0,
        }
    }

    /// `bytes` more have moved.
    pub fn moved(&mut self, bytes: u64) {
        self.moved = self.moved.saturating_add(bytes);
    }

    /// When the transfer falls below the pace if nothing more moves.
    pub fn deadline(&self) -> tokio::time::Instant {
        let earned = Duration::from_secs_f64(self.moved as f64 / self.min_rate as f64);
        self.started + self.grace + earned.min(Duration::from_secs(u32::MAX.into()))
    }

    /// The error for a download cut at its deadline, queued up to offset `sent`.
    pub fn reader_too_slow(&self, sent: u64) -> AttachmentError {
        AttachmentError::ReaderTooSlow {
            min_rate: self.min_rate,
            grace: self.grace,
            sent,
        }
    }

    /// The error for an upload cut at its deadline, `durable_offset` bytes kept.
    pub fn too_slow(&self, durable_offset: u64) -> AttachmentError {
        AttachmentError::TooSlow {
            min_rate: self.min_rate,
            grace: self.grace,
            durable_offset,
        }
    }
}

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

/// Creates `dir` and its missing parents 0700: evidence files are private to the node, whatever
/// the data directory's own mode (files are created 0600 likewise).
fn create_private_dirs(dir: &Path) -> std::io::Result<()> {
    std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
        .create(dir)
}

/// Creates (or empties) a file readable by the node alone (0600).
fn create_private_file(path: &Path) -> std::io::Result<File> {
    File::options()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
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
            let mut writer = File::options()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&temporary)
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
        .map_err(|e| AttachmentError::BadChunk(format!("task failed: {e}")))?
    }

    /// Ends the upload. With every byte written, verifies the SHA-256 (a mismatch deletes the
    /// partial file), moves the file into place durably, records a peer as its holder and
    /// logs its arrival; otherwise reports the durable offset for a resume.
    pub async fn finish(self, node: &Node, origin: Origin) -> Result<Finished, AttachmentError> {
        let (digest, size) = (self.digest, self.size);
        let finished = self.finish_file().await?;
        if finished == Finished::Complete {
            record_arrival(node, &digest, size, origin).await?;
        }
        Ok(finished)
    }

    /// [`Upload::finish`] without the audit log. When the file is already stored (another
    /// uploader's copy), this uploader's verified copy is deleted instead of moved into place:
    /// the same work, the same answer, as for a file that was absent.
    async fn finish_file(mut self) -> Result<Finished, AttachmentError> {
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
        .map_err(|e| AttachmentError::BadChunk(format!("task failed: {e}")))??;
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
        std::fs::read_dir(dir.join("attachments/partial/local"))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    async fn finish_without_log(upload: Upload) -> Result<Finished, AttachmentError> {
        // `finish` needs a node for the audit log; these tests check the file store alone.
        upload.finish_file().await
    }

    fn no_limit() -> AttachmentLimits {
        AttachmentLimits {
            max_file_bytes: u64::MAX,
            ..AttachmentLimits::default()
        }
    }

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

    #[tokio::test]
    async fn quotas_count_a_peers_uploads_in_progress_and_interrupted() {
        let (_dir, store) = store();
        let uz = Uploader::Peer("uz".into());
        let limits = AttachmentLimits {
            max_upload_bytes_in_flight_per_peer: 10,
            max_partial_bytes_per_peer: 12,
            ..AttachmentLimits::default()
        };
        let running = store
            .begin(uz.clone(), digest(b"a"), 8, &limits)
            .await
            .expect("begin")
            .expect("absent");
        assert!(matches!(
            store.begin(uz.clone(), digest(b"b"), 3, &limits).await,
            Err(AttachmentError::Quota {
                used: 8,
                wanted: 3,
                limit: 10,
                ..
            })
        ));
        // Local users and other peers have quotas of their own (or none).
        let other = store
            .begin(Uploader::Peer("tm".into()), digest(b"b"), 3, &limits)
            .await
            .expect("tm's own quota")
            .expect("absent");
        // Interrupted, and its writer gone: dropping it would let the writer go later, and
        // the sweep below skips an upload still in progress.
        finish_without_log(other).await.expect("interrupted");
        let mut running = running;
        running.write(0, vec![1; 6]).await.expect("write");
        finish_without_log(running).await.expect("interrupted");
        // 6 bytes kept + 7 more > 12.
        assert!(matches!(
            store.begin(uz.clone(), digest(b"c"), 7, &limits).await,
            Err(AttachmentError::Quota {
                used: 6,
                wanted: 7,
                limit: 12,
                ..
            })
        ));
        assert_eq!(store.expire_partials(Duration::ZERO).expect("expire").0, 2);
        assert!(
            store
                .begin(uz, digest(b"c"), 7, &limits)
                .await
                .expect("within the quota once expired")
                .is_some()
        );
    }

    #[test]
    fn the_pace_deadline_grows_with_the_bytes_moved() {
        let limits = AttachmentLimits {
            min_transfer_bytes_per_second: 1000,
            transfer_grace: Duration::from_secs(2),
            ..AttachmentLimits::default()
        };
        let mut pace = Pace::new(&limits);
        let start = pace.deadline();
        pace.moved(3000);
        assert_eq!(pace.deadline() - start, Duration::from_secs(3));
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
