//! The offline auditor's verifier: checks a node's exported audit log (a bundle) entry by entry,
//! with nothing but the entries, the node's signed checkpoints and the public keys.
//!
//! [`AuditVerifier`] is fed the entries in order ([`AuditVerifier::push_entry`], or a chunk at a
//! time with [`AuditVerifier::push_entries`], which decodes, hashes and batch-verifies
//! signatures on every core, then checks the entries against each other in order) and, once
//! the rebuilt tree holds enough leaves, each checkpoint ([`AuditVerifier::check_checkpoint`]);
//! it holds the running chain head, the Merkle tree rebuilt from the entries and a small record
//! per message, never the entries themselves. On top of what a node checks of its own log
//! ([`crate::log`]: chain, signatures, checkpoints against the tree) it checks that the log tells
//! one consistent story:
//!
//! - every `RECEIPT_OBTAINED` holds a receipt, signed by the peer the entry names, for a message
//!   this log recorded earlier as `MESSAGE_SENT` to that peer, naming the exact bytes sent;
//! - every `RECEIPT_ISSUED` holds a receipt for a message this log recorded earlier as
//!   `MESSAGE_RECEIVED`, pointing (`log_index`, `log_entry_hash`) at that entry;
//! - every checkpoint is signed by the node, names its log, commits to the entries' root, and
//!   any cosignature by a known peer verifies; none covers an entry the bundle lacks.
//!
//! Entries after the newest checkpoint are counted, not refused: the node had not signed them
//! yet.
//!
//! Built on a verified log: inclusion proofs ([`prove`], [`check_proof`]), consistency proofs
//! between two of the node's checkpoints ([`consistency`], [`check_consistency_file`], in the
//! [`ConsistencyFile`] format) and [`CrossCheck`], which holds two nodes' logs against each
//! other's receipts. This module does no I/O; reading a bundle's files is the caller's job.
//!
//! The work is split by concern, one file each under `audit/`: `entries` (what each entry must
//! say, on its own and against the entries before it), `verifier` (the verifier, its
//! scheduling and its reports), `pinned_keys`, `roster_keys` (signatures judged against a roster
//! history instead of the bundle's keys), `proof` (inclusion), `consistency_file` and
//! `cross_check`.

mod consistency_file;
mod cross_check;
mod entries;
mod pinned_keys;
mod proof;
pub mod reading;
mod roster_keys;
#[cfg(test)]
mod test_log;
mod verifier;

pub use consistency_file::{
    CONSISTENCY_PROOF_HEADER, ConsistencyCheck, ConsistencyFile, MAX_CONSISTENCY_FILE_BYTES,
    check_consistency_file, consistency,
};
pub use cross_check::{CrossCheck, CrossCheckReport, Discrepancy, Party, Side};
pub use pinned_keys::{PinnedKeys, pin_keys};
pub use proof::{ProofCheck, check_proof, prove};
pub use roster_keys::{
    AppliedRoster, AppliedStanding, AuditHistory, Flaw, HistoryRefusal, Judgement, KeyFinding,
    RosterFinding,
};
pub use verifier::{AuditReport, AuditVerifier, CHUNK_BYTES, CHUNK_ENTRIES, CheckpointReport};

/// The origin line (and note key name) of node `node_id`'s checkpoints: `rogatory/<node_id>`.
/// Witnesses cosign under their own origin.
pub fn log_origin(node_id: &str) -> String {
    format!("rogatory/{node_id}")
}

/// Why a bundle does not verify: the first failing entry (if the failure is about one entry)
/// and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct AuditFailure {
    /// The first entry found wrong; `None` for a failure that no single entry explains (a
    /// checkpoint's signature, a root that differs).
    pub index: Option<u64>,
    pub reason: String,
}

impl std::fmt::Display for AuditFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.index {
            Some(index) => write!(f, "entry {index}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl AuditFailure {
    fn at(index: u64, reason: impl Into<String>) -> Self {
        Self {
            index: Some(index),
            reason: reason.into(),
        }
    }
}
