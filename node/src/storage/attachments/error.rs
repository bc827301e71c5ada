//! Why attachment work stops: [`AttachmentError`] for an upload or a download that cannot go
//! on (a received message whose references cannot be accepted is `rules::attachments::Refusal`).
//! Each carries a stable reason token; turning them into gRPC statuses is `transport::status`'s
//! job.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::storage::store::StoreError;

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
    #[error("a task of this node failed: {0}")]
    Task(String),
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
            Self::Io { .. } | Self::Task(_) | Self::Store(_) => "unavailable",
        }
    }

    /// A blocking task of this node's that did not finish (it panicked, or the runtime is
    /// stopping): this node's failure, answered `unavailable` like a failed write, never as
    /// the peer's bad stream.
    pub(super) fn task_failed(error: tokio::task::JoinError) -> Self {
        Self::Task(error.to_string())
    }

    pub(super) fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_owned();
        move |source| Self::Io { what, path, source }
    }
}
