//! Audit-log entries: how they are hashed and chained, and how a verifier checks the chain.
//!
//! Each entry is a protobuf `LogEntry`; the bytes stored are its encoding, and the entry hash
//! is the RFC 6962 leaf hash of those bytes, `SHA-256(0x00 || entry_bytes)`, so that a Merkle
//! tree can later be built over the same leaves. Each entry carries the hash of the one before
//! it (`previous_hash`, 32 zero bytes for entry 0). Changing, removing or reordering any entry
//! breaks the chain at that entry or the next. See docs/AUDIT-FORMAT.md.

use ed25519_dalek::VerifyingKey;
use prost::Message;
use sha2::{Digest, Sha256};

use crate::checkpoint::Checkpoint;
use crate::merkle::{self, MemoryTree};
use crate::signing::{self, VerifyError};
use crate::v1::{EntryKind, LogEntry, SignedEnvelope, SignedReceipt};

/// The `previous_hash` of entry 0.
pub const ZERO_HASH: [u8; 32] = [0; 32];

/// The hash of one encoded entry: `SHA-256(0x00 || entry_bytes)`.
pub fn entry_hash(entry_bytes: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(entry_bytes);
    hasher.finalize().into()
}

/// The first entry that failed verification, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit-log entry {index}: {reason}")]
pub struct ChainError {
    pub index: u64,
    pub reason: String,
}

/// Checks a log entry by entry, in order, holding only the running head.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_index: u64,
    previous_hash: [u8; 32],
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self {
            next_index: 0,
            previous_hash: ZERO_HASH,
        }
    }

    /// Checks the entry stored at `stored_index` and returns it decoded.
    pub fn push(&mut self, stored_index: u64, entry_bytes: &[u8]) -> Result<LogEntry, ChainError> {
        let fail = |reason: String| ChainError {
            index: stored_index,
            reason,
        };
        if stored_index != self.next_index {
            return Err(ChainError {
                index: self.next_index,
                reason: format!("missing (the next stored entry is {stored_index})"),
            });
        }
        let entry = LogEntry::decode(entry_bytes)
            .map_err(|e| fail(format!("not a valid entry encoding: {e}")))?;
        if entry.index != stored_index {
            return Err(fail(format!(
                "stored at index {stored_index} but says index {}",
                entry.index
            )));
        }
        if entry.previous_hash != self.previous_hash {
            return Err(fail(format!(
                "previous_hash {} does not match the hash of entry {} ({})",
                hex::encode(&entry.previous_hash),
                stored_index.wrapping_sub(1),
                hex::encode(self.previous_hash)
            )));
        }
        if EntryKind::try_from(entry.kind).is_err() || entry.kind == EntryKind::Unspecified as i32 {
            return Err(fail(format!("unknown entry kind {}", entry.kind)));
        }
        self.previous_hash = entry_hash(entry_bytes);
        self.next_index += 1;
        Ok(entry)
    }

    /// Number of entries verified so far.
    pub fn len(&self) -> u64 {
        self.next_index
    }

    pub fn is_empty(&self) -> bool {
        self.next_index == 0
    }

    /// Hash of the last verified entry ([`ZERO_HASH`] if none).
    pub fn head_hash(&self) -> [u8; 32] {
        self.previous_hash
    }
}

/// Checks the signature an entry carries, if its kind carries one.
///
/// `own_id` is the node whose log this is; `key_of` returns the Ed25519 key of a node id
/// (the node's own or a peer's). Entries signed by a node whose key is unknown are an error:
/// an auditor must be given every key the log refers to.
pub fn verify_entry_signature(
    entry: &LogEntry,
    own_id: &str,
    key_of: impl Fn(&str) -> Option<VerifyingKey>,
) -> Result<(), String> {
    let kind = EntryKind::try_from(entry.kind).map_err(|_| "unknown kind".to_owned())?;
    let (signer, is_receipt) = match kind {
        EntryKind::MessageSent => (own_id, false),
        EntryKind::MessageReceived => (entry.peer.as_str(), false),
        EntryKind::ReceiptIssued => (own_id, true),
        EntryKind::ReceiptObtained => (entry.peer.as_str(), true),
        _ => return Ok(()),
    };
    let key = key_of(signer).ok_or_else(|| format!("no public key known for node {signer:?}"))?;
    let result: Result<(), VerifyError> = if is_receipt {
        signing::open_receipt(
            &key,
            &SignedReceipt {
                payload: entry.signed_payload.clone(),
                signature: entry.signature.clone(),
            },
        )
        .map(|_| ())
    } else {
        signing::verify_envelope_signature(
            &key,
            &SignedEnvelope {
                payload: entry.signed_payload.clone(),
                signature: entry.signature.clone(),
            },
        )
    };
    result.map_err(|e| format!("signature by {signer:?} does not verify: {e}"))
}

/// Checks a checkpoint the log's node signed against the tree rebuilt from the log's entries:
/// the signature (with the node's key), the origin, and the root at the checkpoint's size.
/// `tree` must hold at least as many leaves as the checkpoint covers. Returns the size.
pub fn verify_own_checkpoint(
    tree: &MemoryTree,
    note: &str,
    origin: &str,
    key: &VerifyingKey,
) -> Result<u64, String> {
    let (checkpoint, _) =
        Checkpoint::open(note, key).map_err(|e| format!("checkpoint does not verify: {e}"))?;
    if checkpoint.origin != origin {
        return Err(format!(
            "checkpoint names log {:?}, not {origin:?}",
            checkpoint.origin
        ));
    }
    if checkpoint.size > tree.len() {
        return Err(format!(
            "checkpoint covers {} entries but the log holds {}",
            checkpoint.size,
            tree.len()
        ));
    }
    let root = merkle::root(tree, checkpoint.size)
        .map_err(|e| format!("cannot compute the root at size {}: {e}", checkpoint.size))?;
    if root != checkpoint.root {
        return Err(format!(
            "the log's first {} entries do not have the root the signed checkpoint commits to",
            checkpoint.size
        ));
    }
    Ok(checkpoint.size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(index: u64, previous_hash: [u8; 32]) -> Vec<u8> {
        LogEntry {
            index,
            time_ms: 1,
            kind: EntryKind::LocalAction as i32,
            previous_hash: previous_hash.to_vec(),
            detail: format!("entry {index}"),
            ..Default::default()
        }
        .encode_to_vec()
    }

    fn chain(n: u64) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut previous = ZERO_HASH;
        for i in 0..n {
            let bytes = entry(i, previous);
            previous = entry_hash(&bytes);
            out.push(bytes);
        }
        out
    }

    #[test]
    fn leaf_hash_has_rfc6962_prefix() {
        // SHA-256 of the single byte 0x00: the RFC 6962 hash of an empty leaf.
        assert_eq!(
            hex::encode(entry_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn intact_chain_verifies() {
        let mut verifier = ChainVerifier::new();
        for (i, bytes) in chain(5).iter().enumerate() {
            verifier.push(i as u64, bytes).expect("valid");
        }
        assert_eq!(verifier.len(), 5);
    }

    #[test]
    fn changed_entry_is_named() {
        let mut entries = chain(5);
        // Change entry 2's detail text (last byte of the encoding).
        let last = entries[2].len() - 1;
        entries[2][last] ^= 0x01;
        let mut verifier = ChainVerifier::new();
        let err = entries
            .iter()
            .enumerate()
            .try_for_each(|(i, b)| verifier.push(i as u64, b).map(|_| ()))
            .expect_err("tampering detected");
        assert_eq!(
            err.index, 3,
            "entry 3's previous_hash no longer matches: {err}"
        );
    }

    #[test]
    fn gap_is_named() {
        let entries = chain(3);
        let mut verifier = ChainVerifier::new();
        verifier.push(0, &entries[0]).expect("valid");
        let err = verifier.push(2, &entries[2]).expect_err("gap detected");
        assert_eq!(err.index, 1);
    }
}
