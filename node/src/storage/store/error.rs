//! The store's one error type: what can go wrong opening, reading, committing to or backing up
//! the store. Mapped to gRPC statuses by the transport (`transport/status.rs`), not here.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("cannot open the store in {path}")]
    Open { path: PathBuf, source: sled::Error },
    #[error("storage engine error: {0}")]
    Engine(sled::Error),
    #[error("cannot make the store durable (fsync of {path})")]
    Sync {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A commit found the disk full. Nothing of it was kept and the store takes later writes
    /// (docs: `disk_space`); the writers are told their batches were not committed.
    #[error(
        "the disk holding the store is full ({path}): nothing was written; retry once space \
         is freed"
    )]
    NoSpace {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read or write {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("stored record {what} is corrupt: {reason}")]
    Corrupt { what: String, reason: String },
    #[error(
        "the audit log's recorded head ({count} entries) does not match its last stored entry: \
         the log may have been altered, and the node will not append to it. Keep a copy of the \
         data directory as evidence and restore the node from its last good backup"
    )]
    HeadMismatch { count: u64 },
    #[error("storage task failed: {0}")]
    Task(String),
    #[error(
        "an earlier write could not be committed ({0}); the store refuses further writes \
         until the node is restarted"
    )]
    Failed(String),
    /// Sled is being reopened after it met a full disk: a moment.
    #[error("the store is reopening its indexes after its disk was full; retry in a moment")]
    Reopening,
    #[error("cannot write a backup into {path}: {reason}")]
    BackupTarget { path: PathBuf, reason: String },
}

impl From<sled::Error> for StoreError {
    /// Sled meeting a full disk, in a write or in a read that reorganises its tree, is a full
    /// disk ([`StoreError::NoSpace`]), which callers retry later: sled then refuses every write
    /// until the committer has reopened it.
    fn from(error: sled::Error) -> Self {
        match error {
            sled::Error::Io(source) if crate::storage::disk_space::is_out_of_space(&source) => {
                StoreError::NoSpace {
                    path: PathBuf::from("sled"),
                    source,
                }
            }
            other => StoreError::Engine(other),
        }
    }
}
