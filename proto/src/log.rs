//! Audit-log entries: how they are hashed and chained, and how a verifier checks the chain.
//!
//! Each entry is a protobuf `LogEntry`; the bytes stored are its encoding, and the entry hash
//! is the RFC 6962 leaf hash of those bytes, `SHA-256(0x00 || entry_bytes)`, so that a Merkle
//! tree can later be built over the same leaves. Each entry carries the hash of the one before
//! it (`previous_hash`, 32 zero bytes for entry 0). Changing, removing or reordering any entry
//! breaks the chain at that entry or the next. See docs/AUDIT-FORMAT.md.
//!
//! Checking an entry splits in two, so that a verifier can spread the costly part over threads:
//! what needs nothing but the entry ([`UnlinkedEntry`]: decoding and hashing;
//! [`EntrySignature`]: the signature, checked one at a time or many at once with
//! [`verify_signatures`]), then what needs the entries before it ([`ChainVerifier::link`]),
//! in order.

use std::sync::LazyLock;

use curve25519_dalek::constants::EIGHT_TORSION;
use ed25519_dalek::{Signature, VerifyingKey};
use prost::Message;
use sha2::{Digest, Sha256};

use crate::checkpoint::Checkpoint;
use crate::merkle::{self, MemoryTree};
use crate::signing::{self, VerifyError};
use crate::v1::{EntryKind, LogEntry};

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

/// An entry decoded and hashed, not yet checked against the entries before it: the part of
/// [`ChainVerifier::push`] that needs no running state, so that many entries can be prepared
/// at once (on several threads) and then linked in order with [`ChainVerifier::link`].
#[derive(Debug, Clone)]
pub struct UnlinkedEntry {
    stored_index: u64,
    /// [`entry_hash`] of the stored bytes, computed once for the chain and the Merkle tree.
    hash: [u8; 32],
    /// The decoded entry, or why it is none (reported only if the chain gets to it).
    entry: Result<LogEntry, String>,
}

impl UnlinkedEntry {
    /// Decodes and hashes the entry stored at `stored_index`.
    pub fn new(stored_index: u64, entry_bytes: &[u8]) -> Self {
        let entry = LogEntry::decode(entry_bytes)
            .map_err(|e| format!("not a valid entry encoding: {e}"))
            .and_then(|entry| {
                if entry.index == stored_index {
                    Ok(entry)
                } else {
                    Err(format!(
                        "stored at index {stored_index} but says index {}",
                        entry.index
                    ))
                }
            });
        Self {
            stored_index,
            hash: entry_hash(entry_bytes),
            entry,
        }
    }

    pub fn stored_index(&self) -> u64 {
        self.stored_index
    }

    /// [`entry_hash`] of the entry's stored bytes.
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// The decoded entry, if it decodes and names the index it is stored at.
    pub fn entry(&self) -> Option<&LogEntry> {
        self.entry.as_ref().ok()
    }

    /// The decoded entry, to take out what is no longer needed before it is linked (the hash
    /// is of the stored bytes, so this changes nothing the chain checks).
    pub fn entry_mut(&mut self) -> Option<&mut LogEntry> {
        self.entry.as_mut().ok()
    }
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
        self.link(UnlinkedEntry::new(stored_index, entry_bytes))
    }

    /// Checks a prepared entry against the chain so far, exactly as [`ChainVerifier::push`]
    /// checks its bytes, and returns it decoded.
    pub fn link(&mut self, unlinked: UnlinkedEntry) -> Result<LogEntry, ChainError> {
        let stored_index = unlinked.stored_index;
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
        let entry = unlinked.entry.map_err(fail)?;
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
        self.previous_hash = unlinked.hash;
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

/// A signer's Ed25519 key, with whether batch verification may decide for it (worked out once
/// per key: the torsion check costs about as much as a signature verification).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignerKey {
    key: VerifyingKey,
    /// Neither of small order (which `verify_strict` refuses outright) nor with a small-order
    /// component (which the batch equation can lose). Every key made by key generation is
    /// batchable; only a crafted key is not.
    batchable: bool,
}

impl SignerKey {
    pub fn new(key: VerifyingKey) -> Self {
        Self {
            key,
            batchable: !key.is_weak() && key.to_edwards().is_torsion_free(),
        }
    }

    /// For one-off checks with `verify_strict` only: skips the torsion check.
    fn strict_only(key: VerifyingKey) -> Self {
        Self {
            key,
            batchable: false,
        }
    }

    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }
}

/// The signature an entry carries, ready to verify: the signer, its key and the exact bytes
/// signed, `PAE(type, signed_payload)`. [`verify_entry_signature`] checks one;
/// [`verify_signatures`] checks many at once with the same verdicts.
#[derive(Debug, Clone)]
pub struct EntrySignature {
    signer: String,
    key: SignerKey,
    /// `PAE(type, signed_payload)`: the only copy of the payload made to verify it.
    message: Vec<u8>,
    /// `Err(length)` for a signature that is not 64 bytes long.
    signature: Result<Signature, usize>,
    is_receipt: bool,
}

impl EntrySignature {
    /// The signature `entry` carries, `None` if its kind carries none. Fails if the signer's
    /// key is unknown: an auditor must be given every key the log refers to.
    ///
    /// `own_id` is the node whose log this is; `key_of` returns the key of a node id (the
    /// node's own or a peer's).
    pub fn of(
        entry: &LogEntry,
        own_id: &str,
        key_of: impl Fn(&str) -> Option<SignerKey>,
    ) -> Result<Option<Self>, String> {
        let kind = EntryKind::try_from(entry.kind).map_err(|_| "unknown kind".to_owned())?;
        let (signer, is_receipt) = match kind {
            EntryKind::MessageSent => (own_id, false),
            EntryKind::MessageReceived => (entry.peer.as_str(), false),
            EntryKind::ReceiptIssued => (own_id, true),
            EntryKind::ReceiptObtained => (entry.peer.as_str(), true),
            _ => return Ok(None),
        };
        let key =
            key_of(signer).ok_or_else(|| format!("no public key known for node {signer:?}"))?;
        let payload_type = if is_receipt {
            signing::RECEIPT_PAYLOAD_TYPE
        } else {
            signing::ENVELOPE_PAYLOAD_TYPE
        };
        Ok(Some(Self {
            signer: signer.to_owned(),
            key,
            message: signing::pae(payload_type, &entry.signed_payload),
            signature: Signature::from_slice(&entry.signature).map_err(|_| entry.signature.len()),
            is_receipt,
        }))
    }

    /// Whether the signed payload is a receipt, which must also decode as one
    /// ([`signing::decode_verified_receipt`]) once its signature verified.
    pub fn is_receipt(&self) -> bool {
        self.is_receipt
    }

    /// Strict Ed25519 verification (`verify_strict`), as for any envelope or receipt.
    pub fn verify_strict(&self) -> Result<(), VerifyError> {
        let signature = self.signature.map_err(VerifyError::SignatureLength)?;
        self.key
            .key
            .verify_strict(&self.message, &signature)
            .map_err(|_| VerifyError::BadSignature)
    }

    /// The signature, if `ed25519_dalek::verify_batch` may decide it: batch verification
    /// accepts it only if `verify_strict` does (up to the torsion caveat of
    /// docs/AUDIT-FORMAT.md section 10.1). That takes a batchable key, and an `R` that is
    /// neither a non-canonical encoding (`verify_strict` compares `R`'s bytes, the batch
    /// decompresses them) nor of small order (`verify_strict` refuses those, the batch
    /// equation does not).
    fn batch_signature(&self) -> Option<Signature> {
        self.signature
            .ok()
            .filter(|signature| self.key.batchable && r_is_batchable(signature.r_bytes()))
    }

    /// The entry's failure for `error`, as [`verify_entry_signature`] words it.
    pub fn failure(&self, error: &VerifyError) -> String {
        format!("signature by {:?} does not verify: {error}", self.signer)
    }
}

/// The y-coordinates of the eight points of small order, as encoded in a point's 32 bytes with
/// the sign bit of x cleared.
static SMALL_ORDER_Y: LazyLock<[[u8; 32]; 8]> = LazyLock::new(|| {
    EIGHT_TORSION.map(|point| {
        let mut y = point.compress().to_bytes();
        y[31] &= 0x7f;
        y
    })
});

/// Whether a signature's `R` is a canonical encoding whose point, if it is one, is not of small
/// order. A y of 2^255 - 19 or more is not canonical (decompression reduces it); x = 0 with the
/// sign bit set is not either, and only the small-order points (0, 1) and (0, -1) have x = 0.
fn r_is_batchable(r: &[u8; 32]) -> bool {
    let mut y = *r;
    y[31] &= 0x7f;
    let canonical = !(y[31] == 0x7f && y[1..31].iter().all(|&b| b == 0xff) && y[0] >= 0xed);
    canonical && !SMALL_ORDER_Y.contains(&y)
}

/// Verifies many signatures, giving each the verdict [`EntrySignature::verify_strict`] gives
/// it: one `ed25519_dalek::verify_batch` over those it can decide, and `verify_strict` one by
/// one over the others and over all of them if the batch fails. Callers keep batches to a few
/// hundred signatures, so that a failing batch costs little to re-check.
pub fn verify_signatures(signatures: &[&EntrySignature]) -> Vec<Result<(), VerifyError>> {
    let batch: Vec<(usize, Signature)> = signatures
        .iter()
        .enumerate()
        .filter_map(|(i, signature)| Some((i, signature.batch_signature()?)))
        .collect();
    let mut verified = vec![false; signatures.len()];
    if batch.len() > 1 {
        let messages: Vec<&[u8]> = batch
            .iter()
            .map(|&(i, _)| signatures[i].message.as_slice())
            .collect();
        let batch_signatures: Vec<Signature> = batch.iter().map(|&(_, s)| s).collect();
        let keys: Vec<VerifyingKey> = batch.iter().map(|&(i, _)| signatures[i].key.key).collect();
        if ed25519_dalek::verify_batch(&messages, &batch_signatures, &keys).is_ok() {
            for &(i, _) in &batch {
                verified[i] = true;
            }
        }
    }
    signatures
        .iter()
        .zip(verified)
        .map(|(signature, verified)| {
            if verified {
                Ok(())
            } else {
                signature.verify_strict()
            }
        })
        .collect()
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
    let Some(signature) =
        EntrySignature::of(entry, own_id, |id| key_of(id).map(SignerKey::strict_only))?
    else {
        return Ok(());
    };
    signature
        .verify_strict()
        .and_then(|()| {
            if signature.is_receipt() {
                signing::decode_verified_receipt(&entry.signed_payload).map(|_| ())
            } else {
                Ok(())
            }
        })
        .map_err(|e| signature.failure(&e))
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
    use crate::v1::Receipt;
    use proptest::prelude::*;

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
    fn an_attachment_arrival_chains_and_carries_no_signature() {
        let first = entry(0, ZERO_HASH);
        let arrival = LogEntry {
            index: 1,
            time_ms: 2,
            kind: EntryKind::AttachmentReceived as i32,
            previous_hash: entry_hash(&first).to_vec(),
            peer: "tm".into(),
            message_id: "01HZX3J6K8Q2M4N5P6R7S8T9VW".into(),
            detail: format!("sha256 {} size 3", "ab".repeat(32)),
            ..Default::default()
        };
        let mut verifier = ChainVerifier::new();
        for (i, bytes) in [first, arrival.encode_to_vec()].iter().enumerate() {
            verifier.push(i as u64, bytes).expect("links");
        }
        assert_eq!(verifier.len(), 2);
        let signed = EntrySignature::of(&arrival, "de", |_| None).expect("no key needed");
        assert!(signed.is_none());
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

    fn signing_key(seed: u8) -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
    }

    /// A `MESSAGE_SENT` entry of node "tm", signed with `signer`.
    fn signed_entry(signer: u8, text: &str) -> LogEntry {
        let envelope = crate::v1::Envelope {
            case_id: text.into(),
            copies_to: Vec::new(),
            ..Default::default()
        };
        let signed = signing::sign_envelope(&signing_key(signer), &envelope);
        LogEntry {
            kind: EntryKind::MessageSent as i32,
            signed_payload: signed.payload,
            signature: signed.signature,
            ..Default::default()
        }
    }

    #[test]
    fn linking_prepared_entries_is_pushing_them() {
        let entries = chain(4);
        let mut pushed = ChainVerifier::new();
        let mut linked = ChainVerifier::new();
        for (i, bytes) in entries.iter().enumerate() {
            let unlinked = UnlinkedEntry::new(i as u64, bytes);
            assert_eq!(unlinked.hash(), entry_hash(bytes));
            assert_eq!(
                linked.link(unlinked).expect("valid"),
                pushed.push(i as u64, bytes).expect("valid")
            );
        }
        assert_eq!(linked.head_hash(), pushed.head_hash());
        let mut wrong = entries[1].clone();
        wrong[0] ^= 0xff;
        assert_eq!(
            linked.link(UnlinkedEntry::new(4, &wrong)),
            pushed.push(4, &wrong)
        );
    }

    #[test]
    fn only_prime_order_keys_are_batchable() {
        let honest = signing_key(1).verifying_key();
        assert!(SignerKey::new(honest).batchable);
        let identity =
            VerifyingKey::from_bytes(&EIGHT_TORSION[0].compress().to_bytes()).expect("a point");
        assert!(!SignerKey::new(identity).batchable, "weak");
        let mixed = VerifyingKey::from_bytes(
            &(honest.to_edwards() + EIGHT_TORSION[1])
                .compress()
                .to_bytes(),
        )
        .expect("a point");
        assert!(!SignerKey::new(mixed).batchable, "with a torsion component");
    }

    /// What `r_is_batchable` must say of an `R` that decodes: whether it is canonical and not
    /// of small order (`None` if it does not decode: both verifications refuse it).
    fn batchable_r(r: [u8; 32]) -> Option<bool> {
        let point = curve25519_dalek::edwards::CompressedEdwardsY(r).decompress()?;
        Some(!point.is_small_order() && point.compress().to_bytes() == r)
    }

    #[test]
    fn small_order_and_non_canonical_r_are_not_batchable() {
        let mut encodings = Vec::new();
        for point in EIGHT_TORSION {
            let r = point.compress().to_bytes();
            encodings.push(r);
            let mut other_sign = r;
            other_sign[31] ^= 0x80;
            encodings.push(other_sign);
        }
        // y = p + 0 to p + 18, the only non-canonical y encodings, with either sign bit.
        for low in 0xed..=0xff {
            let mut r = [0xff; 32];
            r[0] = low;
            r[31] = 0x7f;
            encodings.push(r);
            r[31] = 0xff;
            encodings.push(r);
        }
        let some_point = signing_key(3).verifying_key().to_edwards();
        for torsion in EIGHT_TORSION {
            encodings.push((some_point + torsion).compress().to_bytes());
        }
        let mut decoded = 0;
        for r in encodings {
            if let Some(expected) = batchable_r(r) {
                decoded += 1;
                assert_eq!(r_is_batchable(&r), expected, "{}", hex::encode(r));
            }
        }
        assert!(decoded > 30, "{decoded}");
    }

    #[test]
    fn verify_signatures_gives_the_verdicts_of_verify_strict() {
        let keys = |id: &str| match id {
            "tm" => Some(SignerKey::new(signing_key(1).verifying_key())),
            _ => None,
        };
        let mut entries: Vec<LogEntry> = (0..12).map(|i| signed_entry(1, &i.to_string())).collect();
        let check = |entries: &[LogEntry]| {
            let signatures: Vec<EntrySignature> = entries
                .iter()
                .map(|e| {
                    EntrySignature::of(e, "tm", keys)
                        .expect("known")
                        .expect("signed")
                })
                .collect();
            let batch = verify_signatures(&signatures.iter().collect::<Vec<_>>());
            for (signature, verdict) in signatures.iter().zip(batch) {
                assert_eq!(
                    verdict.map_err(|e| e.to_string()),
                    signature.verify_strict().map_err(|e| e.to_string())
                );
            }
        };
        check(&entries);
        entries[3].signature[5] ^= 1;
        entries[7] = signed_entry(2, "by another key");
        entries[9].signature.pop();
        check(&entries);
        check(&entries[..1]);
        check(&[]);
    }

    #[test]
    fn receipt_reasons_are_those_of_opening_the_receipt() {
        let receipt = Receipt {
            version: 2,
            ..Default::default()
        };
        let signed = signing::sign_receipt(&signing_key(1), &receipt);
        let entry = LogEntry {
            kind: EntryKind::ReceiptIssued as i32,
            signed_payload: signed.payload.clone(),
            signature: signed.signature.clone(),
            ..Default::default()
        };
        let key = signing_key(1).verifying_key();
        let reason = verify_entry_signature(&entry, "tm", |_| Some(key)).expect_err("refused");
        let opened = signing::open_receipt(&key, &signed).expect_err("refused");
        assert_eq!(
            reason,
            format!("signature by \"tm\" does not verify: {opened}")
        );
    }

    proptest! {
        #[test]
        fn r_is_batchable_matches_decoding(r in any::<[u8; 32]>()) {
            if let Some(expected) = batchable_r(r) {
                prop_assert_eq!(r_is_batchable(&r), expected);
            }
        }
    }
}
