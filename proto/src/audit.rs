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

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::VerifyingKey;
use prost::Message;

use crate::checkpoint::{self, Checkpoint, CheckpointError, ProofFile};
use crate::log::{
    ChainVerifier, EntrySignature, SignerKey, UnlinkedEntry, entry_hash, verify_own_checkpoint,
    verify_signatures,
};
use crate::merkle::{self, Hash, MemoryTree};
use crate::note::{self, Note};
use crate::signing::{self, VerifyError, sha256};
use crate::v1::{EntryKind, Envelope, LogEntry, Receipt};

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

/// One checkpoint that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointReport {
    pub size: u64,
    /// Known peers whose cosignature on it verifies, in node id order.
    pub cosigned_by: Vec<String>,
}

/// What a bundle that verified contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub node_id: String,
    pub entries: u64,
    /// Hash of the last entry (32 zero bytes for an empty log).
    pub head_hash: Hash,
    /// Entries per kind, by proto name (`ENTRY_KIND_MESSAGE_SENT`, ...).
    pub kinds: BTreeMap<String, u64>,
    pub messages_sent: u64,
    pub messages_received: u64,
    pub receipts_issued: u64,
    pub receipts_obtained: u64,
    pub checkpoints: u64,
    /// Valid cosignatures by known peers, over all checkpoints.
    pub cosignatures: u64,
    /// The newest checkpoint checked, if any.
    pub latest_checkpoint: Option<CheckpointReport>,
    /// Entries after the newest checkpoint: not yet covered by one (not a failure).
    pub uncovered: u64,
}

/// How many entries a caller should give [`AuditVerifier::push_entries`] at a time, at most
/// (what `rogatory audit verify` reads per step): every thread gets a dozen signature batches or
/// more, so that few are left idle while the last batches of a chunk are verified.
pub const CHUNK_ENTRIES: usize = 16384;

/// How many bytes of entries a caller should give [`AuditVerifier::push_entries`] at a time, at
/// most: with [`CHUNK_ENTRIES`], this bounds the memory verification takes (at most about
/// twice this) when entries are large, as envelopes of a megabyte may be.
pub const CHUNK_BYTES: usize = 64 * 1024 * 1024;

/// Entries per signature batch (one `ed25519_dalek::verify_batch` call), which is also the
/// unit of work a thread takes. Measured on the 2-core benchmark machine (batches of 64 to 2048
/// tried): a batch of 512 costs well under half a `verify_strict` per signature, about 10%
/// less than one of 128 or 256; larger batches gain little more, while a failing batch is
/// re-checked one signature at a time and the last batches of a chunk leave threads idle.
const BATCH_ENTRIES: usize = 512;

/// What is remembered of a message this log sent, to check the receipt obtained for it.
#[derive(Debug, Clone)]
struct Sent {
    /// The recipient and the parties the message was copied to.
    addressees: Vec<String>,
    payload_sha256: [u8; 32],
}

/// What is remembered of a message this log received, to check the receipt issued for it.
#[derive(Debug, Clone)]
struct Received {
    index: u64,
    entry_hash: Hash,
    sender: String,
    payload_sha256: [u8; 32],
}

/// Who signs what in the log: fixed for the whole log, read by every thread that prepares
/// entries.
#[derive(Debug)]
struct Signers {
    node_id: String,
    own_key: SignerKey,
    peer_keys: BTreeMap<String, SignerKey>,
}

/// What an entry's kind-specific checks take from its signed payload: checked before the
/// entries before it are known, used when it is applied.
#[derive(Debug)]
enum PayloadFacts {
    /// The kind has no payload to check.
    None,
    /// The envelope names the entry's message, this node as sender and the peer as recipient.
    Sent {
        payload_sha256: [u8; 32],
        addressees: Vec<String>,
    },
    /// The envelope names the entry's message, the peer as sender and this node as recipient
    /// (or as a party it is copied to).
    Received {
        payload_sha256: [u8; 32],
    },
    /// The receipt decodes, is of the wire version and acknowledges the entry's message.
    ReceiptIssued(Receipt),
    ReceiptObtained(Receipt),
}

/// One entry with everything checked that needs nothing but the entry: built on any thread,
/// then applied in index order ([`Applied::apply`]).
#[derive(Debug)]
struct PreparedEntry {
    /// Decoded and hashed; the signed payload and signature already taken out.
    unlinked: UnlinkedEntry,
    /// The signature check's verdict, worded as [`crate::log::verify_entry_signature`] does.
    signature: Result<(), String>,
    payload: Result<PayloadFacts, AuditFailure>,
}

/// An entry's signature, still to verify.
#[derive(Debug)]
struct PendingSignature {
    signature: EntrySignature,
    /// For a receipt, why it does not open once its signature verified (opening a receipt
    /// decodes it after checking the signature).
    receipt_failure: Option<VerifyError>,
}

impl Signers {
    fn key_of(&self, node_id: &str) -> Option<SignerKey> {
        if node_id == self.node_id {
            Some(self.own_key)
        } else {
            self.peer_keys.get(node_id).copied()
        }
    }

    /// Prepares `entries`, stored from `first_index` on, verifying their signatures together.
    fn prepare<B: AsRef<[u8]>>(&self, first_index: u64, entries: &[B]) -> Vec<PreparedEntry> {
        let mut prepared = Vec::with_capacity(entries.len());
        // With the position in `prepared` of their entry.
        let mut pending = Vec::with_capacity(entries.len());
        for (offset, bytes) in entries.iter().enumerate() {
            let index = first_index.saturating_add(offset as u64);
            let (entry, signature) = self.prepare_entry(index, bytes.as_ref());
            if let Some(signature) = signature {
                pending.push((offset, signature));
            }
            prepared.push(entry);
        }
        let signatures: Vec<&EntrySignature> = pending.iter().map(|(_, p)| &p.signature).collect();
        let verdicts = verify_signatures(&signatures);
        for ((offset, pending), verdict) in pending.into_iter().zip(verdicts) {
            prepared[offset].signature = verdict
                .and_then(|()| pending.receipt_failure.map_or(Ok(()), Err))
                .map_err(|e| pending.signature.failure(&e));
        }
        prepared
    }

    /// Prepares one entry, except for its signature, which is returned to be verified.
    fn prepare_entry(&self, index: u64, bytes: &[u8]) -> (PreparedEntry, Option<PendingSignature>) {
        let mut unlinked = UnlinkedEntry::new(index, bytes);
        let Some(entry) = unlinked.entry_mut() else {
            // It fails when it is linked; nothing else about it is ever reported.
            return (
                PreparedEntry {
                    unlinked,
                    signature: Ok(()),
                    payload: Ok(PayloadFacts::None),
                },
                None,
            );
        };
        let (payload, receipt_failure) = self.payload_facts(entry);
        // A signature to verify starts as Ok: `prepare` replaces it with the verdict.
        let (signature, to_verify) =
            match EntrySignature::of(entry, &self.node_id, |id| self.key_of(id)) {
                Ok(Some(signature)) => (
                    Ok(()),
                    Some(PendingSignature {
                        signature,
                        receipt_failure,
                    }),
                ),
                Ok(None) => (Ok(()), None),
                Err(reason) => (Err(reason), None),
            };
        // The signature holds its own copy of the signed bytes; nothing else needs them.
        entry.signed_payload = Vec::new();
        entry.signature = Vec::new();
        (
            PreparedEntry {
                unlinked,
                signature,
                payload,
            },
            to_verify,
        )
    }

    /// The kind-specific checks that need only the entry, and for a receipt its failure to
    /// open (reported by the signature check, which comes first).
    fn payload_facts(
        &self,
        entry: &LogEntry,
    ) -> (Result<PayloadFacts, AuditFailure>, Option<VerifyError>) {
        let kind = EntryKind::try_from(entry.kind).unwrap_or(EntryKind::Unspecified);
        let payload_sha256 = || sha256(&entry.signed_payload);
        match kind {
            EntryKind::MessageSent => (
                envelope_of(entry, &self.node_id, &entry.peer, Addressed::AsRecipient).map(
                    |addressees| PayloadFacts::Sent {
                        payload_sha256: payload_sha256(),
                        addressees,
                    },
                ),
                None,
            ),
            EntryKind::MessageReceived => (
                envelope_of(entry, &entry.peer, &self.node_id, Addressed::AsAnyAddressee).map(
                    |_| PayloadFacts::Received {
                        payload_sha256: payload_sha256(),
                    },
                ),
                None,
            ),
            EntryKind::ReceiptIssued | EntryKind::ReceiptObtained => {
                match signing::decode_verified_receipt(&entry.signed_payload) {
                    Ok(receipt) => (
                        receipt_names_entry(entry, receipt).map(|receipt| {
                            if kind == EntryKind::ReceiptIssued {
                                PayloadFacts::ReceiptIssued(receipt)
                            } else {
                                PayloadFacts::ReceiptObtained(receipt)
                            }
                        }),
                        None,
                    ),
                    Err(failure) => (Ok(PayloadFacts::None), Some(failure)),
                }
            }
            _ => (Ok(PayloadFacts::None), None),
        }
    }
}

/// How the node an entry names must be addressed by the envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Addressed {
    /// As its recipient (a sent message's entry names the recipient, not a copy).
    AsRecipient,
    /// As its recipient or as a party it is copied to (a multi-party case).
    AsAnyAddressee,
}

/// Checks that a signed envelope payload is the one the entry says it is; returns its
/// addressees.
fn envelope_of(
    entry: &LogEntry,
    sender: &str,
    recipient: &str,
    addressed: Addressed,
) -> Result<Vec<String>, AuditFailure> {
    let envelope = Envelope::decode(entry.signed_payload.as_slice()).map_err(|e| {
        AuditFailure::at(entry.index, format!("signed envelope does not decode: {e}"))
    })?;
    let addressed_ok = match addressed {
        Addressed::AsRecipient => envelope.recipient == recipient,
        Addressed::AsAnyAddressee => signing::addressees(&envelope).any(|a| a == recipient),
    };
    if envelope.message_id != entry.message_id || envelope.sender != sender || !addressed_ok {
        return Err(AuditFailure::at(
            entry.index,
            format!(
                "the entry says message {} from {sender} to {recipient}, but the signed \
                 envelope is message {} from {} to {}",
                entry.message_id, envelope.message_id, envelope.sender, envelope.recipient
            ),
        ));
    }
    Ok(signing::addressees(&envelope).map(str::to_owned).collect())
}

/// The receipt an entry holds (its signature is checked elsewhere).
fn receipt_of(entry: &LogEntry) -> Result<Receipt, AuditFailure> {
    let receipt = Receipt::decode(entry.signed_payload.as_slice())
        .map_err(|e| AuditFailure::at(entry.index, format!("receipt does not decode: {e}")))?;
    receipt_names_entry(entry, receipt)
}

fn receipt_names_entry(entry: &LogEntry, receipt: Receipt) -> Result<Receipt, AuditFailure> {
    if receipt.message_id != entry.message_id {
        return Err(AuditFailure::at(
            entry.index,
            format!(
                "the entry is about message {} but its receipt acknowledges message {}",
                entry.message_id, receipt.message_id
            ),
        ));
    }
    Ok(receipt)
}

/// What the entries applied so far establish. Changed only on the calling thread, one entry
/// at a time in index order.
#[derive(Debug, Default)]
struct Applied {
    chain: ChainVerifier,
    /// Rebuilt from the entries: checkpoints are checked against this, never against a stored
    /// tree, and proofs are built from it.
    tree: MemoryTree,
    sent: HashMap<String, Sent>,
    received: HashMap<String, Received>,
    kinds: BTreeMap<String, u64>,
    counts: [u64; 4],
}

const SENT: usize = 0;
const RECEIVED: usize = 1;
const ISSUED: usize = 2;
const OBTAINED: usize = 3;

impl Applied {
    /// Checks a prepared entry against the entries before it and records it.
    fn apply(&mut self, node_id: &str, prepared: PreparedEntry) -> Result<(), AuditFailure> {
        let (index, hash) = (prepared.unlinked.stored_index(), prepared.unlinked.hash());
        let entry = self
            .chain
            .link(prepared.unlinked)
            .map_err(|e| AuditFailure::at(e.index, e.reason))?;
        prepared
            .signature
            .map_err(|reason| AuditFailure::at(index, reason))?;
        let kind = EntryKind::try_from(entry.kind).unwrap_or(EntryKind::Unspecified);
        match prepared.payload? {
            PayloadFacts::None => {}
            PayloadFacts::Sent {
                payload_sha256,
                addressees,
            } => {
                self.sent.insert(
                    entry.message_id,
                    Sent {
                        addressees,
                        payload_sha256,
                    },
                );
                self.counts[SENT] += 1;
            }
            PayloadFacts::Received { payload_sha256 } => {
                self.received.insert(
                    entry.message_id,
                    Received {
                        index: entry.index,
                        entry_hash: hash,
                        sender: entry.peer,
                        payload_sha256,
                    },
                );
                self.counts[RECEIVED] += 1;
            }
            PayloadFacts::ReceiptIssued(receipt) => {
                self.receipt_issued(node_id, &entry, &receipt)?;
            }
            PayloadFacts::ReceiptObtained(receipt) => {
                self.receipt_obtained(node_id, &entry, &receipt)?;
            }
        }
        let name = kind.as_str_name();
        match self.kinds.get_mut(name) {
            Some(count) => *count += 1,
            None => {
                self.kinds.insert(name.to_owned(), 1);
            }
        }
        self.tree.push(hash);
        Ok(())
    }

    fn receipt_issued(
        &mut self,
        node_id: &str,
        entry: &LogEntry,
        receipt: &Receipt,
    ) -> Result<(), AuditFailure> {
        let fail = |reason: String| AuditFailure::at(entry.index, reason);
        let received = self.received.get(&receipt.message_id).ok_or_else(|| {
            fail(format!(
                "receipt issued for message {}, which this log does not record as received \
                 before it",
                receipt.message_id
            ))
        })?;
        if receipt.log_index != received.index || receipt.log_entry_hash != received.entry_hash {
            return Err(fail(format!(
                "receipt for message {} points at entry {}, not at entry {} that recorded it",
                receipt.message_id, receipt.log_index, received.index
            )));
        }
        if receipt.receiver != node_id
            || receipt.sender != received.sender
            || entry.peer != received.sender
        {
            return Err(fail(format!(
                "receipt for message {} names sender {:?} and receiver {:?}; the log received \
                 it from {:?}",
                receipt.message_id, receipt.sender, receipt.receiver, received.sender
            )));
        }
        if receipt.envelope_sha256 != received.payload_sha256 {
            return Err(fail(format!(
                "receipt for message {} acknowledges different bytes than entry {} received",
                receipt.message_id, received.index
            )));
        }
        self.counts[ISSUED] += 1;
        Ok(())
    }

    fn receipt_obtained(
        &mut self,
        node_id: &str,
        entry: &LogEntry,
        receipt: &Receipt,
    ) -> Result<(), AuditFailure> {
        let fail = |reason: String| AuditFailure::at(entry.index, reason);
        let sent = self.sent.get(&receipt.message_id).ok_or_else(|| {
            fail(format!(
                "receipt obtained for message {}, which this log does not record as sent before it",
                receipt.message_id
            ))
        })?;
        if receipt.receiver != entry.peer
            || !sent.addressees.contains(&entry.peer)
            || receipt.sender != node_id
        {
            return Err(fail(format!(
                "receipt for message {} is from {:?} (entry says {:?}), but the message was sent \
                 to {:?}",
                receipt.message_id,
                receipt.receiver,
                entry.peer,
                sent.addressees.join(", ")
            )));
        }
        if receipt.envelope_sha256 != sent.payload_sha256 {
            return Err(fail(format!(
                "receipt for message {} acknowledges different bytes than the log sent",
                receipt.message_id
            )));
        }
        self.counts[OBTAINED] += 1;
        Ok(())
    }
}

/// The keys an audit uses, once the bundle's own list is held against keys the auditor
/// obtained independently ([`pin_keys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedKeys {
    pub own_key: VerifyingKey,
    pub peer_keys: BTreeMap<String, VerifyingKey>,
    /// Node ids whose key was pinned by the auditor and matches the bundle's.
    pub pinned: Vec<String>,
    /// Node ids whose key only the bundle gives (the audited node itself included): taken on
    /// trust, since the node that wrote the bundle chose them.
    pub on_trust: Vec<String>,
}

/// Holds the keys a bundle gives (`node_id`'s own and its peers') against `pinned`, keys the
/// auditor obtained independently. A pinned key the bundle contradicts fails the audit: a node
/// that substitutes a peer's key in its own bundle could otherwise sign "received" messages in
/// that peer's name. Keys pinned for nodes the bundle does not name are added.
pub fn pin_keys(
    node_id: &str,
    own_key: VerifyingKey,
    bundle_peer_keys: BTreeMap<String, VerifyingKey>,
    pinned: &BTreeMap<String, VerifyingKey>,
) -> Result<PinnedKeys, AuditFailure> {
    let mut result = PinnedKeys {
        own_key,
        peer_keys: BTreeMap::new(),
        pinned: Vec::new(),
        on_trust: Vec::new(),
    };
    let bundle_keys = std::iter::once((node_id.to_owned(), own_key)).chain(bundle_peer_keys);
    for (id, key) in bundle_keys {
        match pinned.get(&id) {
            Some(pinned_key) if *pinned_key != key => {
                return Err(AuditFailure {
                    index: None,
                    reason: format!(
                        "the bundle's keys.txt gives {id} a key other than the one pinned for \
                         it: the bundle names a substituted key"
                    ),
                });
            }
            Some(_) => result.pinned.push(id.clone()),
            None => result.on_trust.push(id.clone()),
        }
        if id != node_id {
            result.peer_keys.insert(id, key);
        }
    }
    for (id, key) in pinned {
        if id != node_id && !result.peer_keys.contains_key(id) {
            result.peer_keys.insert(id.clone(), *key);
            result.pinned.push(id.clone());
        }
    }
    result.pinned.sort();
    result.on_trust.sort();
    Ok(result)
}

/// Verifies one node's exported log, entry by entry. See the module documentation.
#[derive(Debug)]
pub struct AuditVerifier {
    signers: Signers,
    origin: String,
    applied: Applied,
    checkpoints: u64,
    cosignatures: u64,
    latest_checkpoint: Option<CheckpointReport>,
    /// Threads [`AuditVerifier::push_entries`] prepares entries on, the calling one included.
    threads: usize,
}

impl AuditVerifier {
    /// A verifier for the log of `node_id`, whose signing key is `own_key`; `peer_keys` are the
    /// keys of every peer the log names (by node id).
    pub fn new(
        node_id: &str,
        own_key: VerifyingKey,
        peer_keys: BTreeMap<String, VerifyingKey>,
    ) -> Self {
        Self {
            signers: Signers {
                node_id: node_id.to_owned(),
                own_key: SignerKey::new(own_key),
                peer_keys: peer_keys
                    .into_iter()
                    .map(|(id, key)| (id, SignerKey::new(key)))
                    .collect(),
            },
            origin: log_origin(node_id),
            applied: Applied::default(),
            checkpoints: 0,
            cosignatures: 0,
            latest_checkpoint: None,
            threads: std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        }
    }

    /// Entries verified so far.
    pub fn len(&self) -> u64 {
        self.applied.chain.len()
    }

    pub fn is_empty(&self) -> bool {
        self.applied.chain.is_empty()
    }

    /// The Merkle tree rebuilt from the entries verified so far.
    pub fn tree(&self) -> &MemoryTree {
        &self.applied.tree
    }

    /// Checks the entry at position `index` of the bundle (its exact stored bytes).
    pub fn push_entry(&mut self, index: u64, bytes: &[u8]) -> Result<(), AuditFailure> {
        self.push_entries(index, std::slice::from_ref(&bytes))
    }

    /// Checks `entries`, the bundle's entries from position `first_index` on, with the same
    /// outcome as [`AuditVerifier::push_entry`] on each in turn: on a failure, the verifier is
    /// left as that would leave it and the failure is the first one it would meet.
    ///
    /// Faster: entries are decoded, hashed and their signatures verified on every core, in
    /// batches (docs/AUDIT-FORMAT.md section 10.1), before they are checked against each other
    /// in order on the calling thread. Give it up to [`CHUNK_ENTRIES`] entries, of up to
    /// [`CHUNK_BYTES`] bytes, at a time.
    pub fn push_entries<B: AsRef<[u8]> + Sync>(
        &mut self,
        first_index: u64,
        entries: &[B],
    ) -> Result<(), AuditFailure> {
        self.push_in_batches(first_index, entries, BATCH_ENTRIES)
    }

    fn push_in_batches<B: AsRef<[u8]> + Sync>(
        &mut self,
        first_index: u64,
        entries: &[B],
        batch_entries: usize,
    ) -> Result<(), AuditFailure> {
        let batch_entries = batch_entries.max(1);
        let batches: Vec<&[B]> = entries.chunks(batch_entries).collect();
        let count = batches.len();
        let signers = &self.signers;
        let applied = &mut self.applied;
        let prepare = |batch: usize| {
            let first = first_index.saturating_add((batch * batch_entries) as u64);
            signers.prepare(first, batches[batch])
        };
        let apply = |applied: &mut Applied, prepared: Vec<PreparedEntry>| {
            prepared
                .into_iter()
                .try_for_each(|entry| applied.apply(&signers.node_id, entry))
        };
        let threads = self.threads.min(count);
        if threads <= 1 {
            return (0..count).try_for_each(|batch| apply(applied, prepare(batch)));
        }
        // Every thread takes the next batch nobody took; this thread also applies the prepared
        // batches in order as they come in, and preparing stops at the first failure.
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            // Unbounded, but carries at most one message per batch of this call.
            let (done, finished) = mpsc::channel();
            for _ in 1..threads {
                let (done, next, stop, prepare) = (done.clone(), &next, &stop, &prepare);
                scope.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let batch = next.fetch_add(1, Ordering::Relaxed);
                        if batch >= count || done.send((batch, prepare(batch))).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done);
            let mut ready: Vec<Option<Vec<PreparedEntry>>> = (0..count).map(|_| None).collect();
            let outcome = (0..count).try_for_each(|batch| {
                let prepared = loop {
                    while let Ok((other, prepared)) = finished.try_recv() {
                        ready[other] = Some(prepared);
                    }
                    if let Some(prepared) = ready[batch].take() {
                        break prepared;
                    }
                    let mine = next.fetch_add(1, Ordering::Relaxed);
                    if mine < count {
                        ready[mine] = Some(prepare(mine));
                        continue;
                    }
                    // Every batch is taken: wait for the one due.
                    match finished.recv() {
                        Ok((other, prepared)) => ready[other] = Some(prepared),
                        // Every other thread ended without it (a panic, raised when the scope
                        // ends): prepare it here.
                        Err(_) => ready[batch] = Some(prepare(batch)),
                    }
                };
                apply(applied, prepared)
            });
            stop.store(true, Ordering::Relaxed);
            outcome
        })
    }

    /// Checks a checkpoint the node signed for `size` entries: signature, origin, root against
    /// the tree rebuilt so far, and cosignatures of known peers (other signatures are
    /// ignored). Call it once the verifier holds at least `size` entries, in increasing size
    /// order; a checkpoint larger than the log means entries it covers are missing.
    pub fn check_checkpoint(
        &mut self,
        size: u64,
        note_text: &str,
    ) -> Result<CheckpointReport, AuditFailure> {
        let fail = |reason: String| AuditFailure {
            index: None,
            reason: format!("checkpoint of size {size}: {reason}"),
        };
        let tree = &self.applied.tree;
        if size > tree.len() {
            return Err(AuditFailure::at(
                tree.len(),
                format!(
                    "missing: a signed checkpoint covers {size} entries but the bundle holds only \
                     {}",
                    tree.len()
                ),
            ));
        }
        if let Some(previous) = &self.latest_checkpoint {
            if size <= previous.size {
                return Err(fail(format!(
                    "comes after the checkpoint of size {}; checkpoints must grow",
                    previous.size
                )));
            }
        }
        let checked =
            verify_own_checkpoint(tree, note_text, &self.origin, self.signers.own_key.key())
                .map_err(fail)?;
        if checked != size {
            return Err(fail(format!("filed under size {size} but says {checked}")));
        }
        // Both parse: verify_own_checkpoint just opened them.
        let note = Note::parse(note_text).map_err(|e| fail(e.to_string()))?;
        let parsed = Checkpoint::parse(&note.text).map_err(|e| fail(e.to_string()))?;
        let mut cosigned_by = Vec::new();
        for (peer, key) in &self.signers.peer_keys {
            match checkpoint::verify_cosignature(&note, &parsed, &log_origin(peer), key.key()) {
                Ok(_) => cosigned_by.push(peer.clone()),
                Err(CheckpointError::CosignatureNotFound { .. }) => {}
                Err(e) => return Err(fail(format!("cosignature by {peer}: {e}"))),
            }
        }
        self.checkpoints += 1;
        self.cosignatures += cosigned_by.len() as u64;
        let report = CheckpointReport { size, cosigned_by };
        self.latest_checkpoint = Some(report.clone());
        Ok(report)
    }

    /// The verdict once every entry and checkpoint was given.
    pub fn finish(self) -> Result<AuditReport, AuditFailure> {
        let applied = self.applied;
        let entries = applied.chain.len();
        let covered = self.latest_checkpoint.as_ref().map_or(0, |c| c.size);
        if covered > entries {
            // check_checkpoint refuses these; kept so that the invariant holds on its own.
            return Err(AuditFailure::at(
                entries,
                format!("missing: the newest checkpoint covers {covered} entries"),
            ));
        }
        Ok(AuditReport {
            node_id: self.signers.node_id,
            entries,
            head_hash: applied.chain.head_hash(),
            kinds: applied.kinds,
            messages_sent: applied.counts[SENT],
            messages_received: applied.counts[RECEIVED],
            receipts_issued: applied.counts[ISSUED],
            receipts_obtained: applied.counts[OBTAINED],
            checkpoints: self.checkpoints,
            cosignatures: self.cosignatures,
            latest_checkpoint: self.latest_checkpoint,
            uncovered: entries - covered,
        })
    }
}

/// A C2SP tlog-proof of entry `index` against the signed checkpoint `note_text` of `size`
/// entries, built from `tree` (which must hold at least `size` leaves).
pub fn prove(
    tree: &MemoryTree,
    index: u64,
    size: u64,
    note_text: &str,
) -> Result<ProofFile, String> {
    let proof = merkle::inclusion_proof(tree, index, size).map_err(|e| e.to_string())?;
    Ok(ProofFile {
        extra: None,
        index,
        proof,
        checkpoint: note_text.to_owned(),
    })
}

/// What a proof that verified shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofCheck {
    pub origin: String,
    pub index: u64,
    pub size: u64,
}

/// Checks a C2SP tlog-proof: the checkpoint is signed by the log's key (`verifier_key`, a C2SP
/// verifier key string whose name is the log's origin), and `entry` (the exact entry bytes) is
/// the entry at the proof's index in the tree the checkpoint commits to.
pub fn check_proof(
    proof_text: &str,
    verifier_key: &str,
    entry: &[u8],
) -> Result<ProofCheck, String> {
    let proof = ProofFile::parse(proof_text).map_err(|e| format!("not a tlog-proof: {e}"))?;
    let (origin, key) = note::parse_verifier_key(verifier_key.trim())
        .map_err(|e| format!("not a verifier key: {e}"))?;
    let (checkpoint, _) = Checkpoint::open(&proof.checkpoint, &key)
        .map_err(|e| format!("the checkpoint is not signed by {origin}: {e}"))?;
    if checkpoint.origin != origin {
        return Err(format!(
            "the checkpoint is of log {:?}, not {origin:?}",
            checkpoint.origin
        ));
    }
    merkle::verify_inclusion(
        &merkle::leaf_hash(entry),
        proof.index,
        checkpoint.size,
        &proof.proof,
        &checkpoint.root,
    )
    .map_err(|e| {
        format!(
            "the entry is not entry {} of this checkpoint: {e}",
            proof.index
        )
    })?;
    Ok(ProofCheck {
        origin,
        index: proof.index,
        size: checkpoint.size,
    })
}

/// The first line of a consistency proof file (section 16.1 of docs/AUDIT-FORMAT.md).
pub const CONSISTENCY_PROOF_HEADER: &str = "rogatory-consistency-proof v1";
/// Larger consistency proof files are refused before parsing: two notes and the hashes.
pub const MAX_CONSISTENCY_FILE_BYTES: usize = 2 * note::MAX_NOTE_BYTES + 4096;

/// A consistency proof file: proof that the log's tree at `new_size` extends its tree at
/// `old_size`, with both signed checkpoints, so anyone holding the log's key can check that the
/// node never rewrote the entries between its two commitments.
///
/// ```text
/// "rogatory-consistency-proof v1" LF
/// "old " decimal(old size) LF
/// "new " decimal(new size) LF
/// *( base64(32-byte hash) LF )       PROOF(old, D[0:new]), RFC 9162 2.1.4.1
/// LF
/// <the old signed checkpoint note, verbatim>
/// LF
/// <the new signed checkpoint note, verbatim>
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyFile {
    pub old_size: u64,
    pub new_size: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint notes, verbatim (each ends in a newline).
    pub old_checkpoint: String,
    pub new_checkpoint: String,
}

impl ConsistencyFile {
    /// The file's text.
    pub fn encode(&self) -> String {
        let mut out = format!(
            "{CONSISTENCY_PROOF_HEADER}\nold {}\nnew {}\n",
            self.old_size, self.new_size
        );
        for hash in &self.proof {
            out.push_str(&BASE64.encode(hash));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.old_checkpoint);
        out.push('\n');
        out.push_str(&self.new_checkpoint);
        out
    }

    /// Parses a file strictly; checks no signature and not the proof.
    ///
    /// The old note ends at its first empty line after its signature lines: a note's text has
    /// no empty line (a checkpoint refuses them) and is followed by exactly one, and signature
    /// lines are never empty.
    pub fn parse(text: &str) -> Result<ConsistencyFile, String> {
        if text.len() > MAX_CONSISTENCY_FILE_BYTES {
            return Err(format!(
                "the file has {} bytes, more than the {MAX_CONSISTENCY_FILE_BYTES} allowed",
                text.len()
            ));
        }
        let mut lines = text.split_inclusive('\n');
        let mut line = |what: &str| {
            lines
                .next()
                .and_then(|l| l.strip_suffix('\n'))
                .ok_or_else(|| format!("the file ends before {what}"))
        };
        if line("the header")? != CONSISTENCY_PROOF_HEADER {
            return Err(format!(
                "the first line is not `{CONSISTENCY_PROOF_HEADER}`"
            ));
        }
        // Canonical decimals only: `u64::from_str` alone would also take `+5` for 5.
        let size = |line: &str, prefix: &str| {
            line.strip_prefix(prefix)
                .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
                .filter(|n| n == &"0" || !n.starts_with('0'))
                .and_then(|n| n.parse::<u64>().ok())
                .ok_or_else(|| format!("expected `{prefix}<size>`, found {line:?}"))
        };
        let old_size = size(line("the old size")?, "old ")?;
        let new_size = size(line("the new size")?, "new ")?;
        let mut proof = Vec::new();
        loop {
            let hash_line = line("the empty line after the proof")?;
            if hash_line.is_empty() {
                break;
            }
            if proof.len() == checkpoint::MAX_PROOF_HASHES {
                return Err(format!(
                    "more than {} proof hashes",
                    checkpoint::MAX_PROOF_HASHES
                ));
            }
            let hash = BASE64
                .decode(hash_line)
                .ok()
                .and_then(|h| Hash::try_from(h.as_slice()).ok())
                .ok_or_else(|| format!("{hash_line:?} is not a base64 32-byte hash"))?;
            proof.push(hash);
        }
        let notes: String = lines.collect();
        let body_end = notes
            .find("\n\n")
            .ok_or("the old checkpoint note has no signature lines")?;
        let old_end = notes[body_end + 2..]
            .find("\n\n")
            .map(|at| body_end + 2 + at + 1)
            .ok_or("no empty line between the two checkpoint notes")?;
        let (old_checkpoint, new_checkpoint) = (&notes[..old_end], &notes[old_end + 1..]);
        if new_checkpoint.is_empty() {
            return Err("the new checkpoint note is missing".into());
        }
        Ok(ConsistencyFile {
            old_size,
            new_size,
            proof,
            old_checkpoint: old_checkpoint.to_owned(),
            new_checkpoint: new_checkpoint.to_owned(),
        })
    }
}

/// A consistency proof between the node's signed checkpoints `old_note` (of `old_size`
/// entries) and `new_note` (of `new_size`), built from `tree` (which must hold at least
/// `new_size` leaves; the caller checked both notes against it).
pub fn consistency(
    tree: &MemoryTree,
    old_size: u64,
    new_size: u64,
    old_note: &str,
    new_note: &str,
) -> Result<ConsistencyFile, String> {
    let proof = merkle::consistency_proof(tree, old_size, new_size).map_err(|e| format!("{e}"))?;
    Ok(ConsistencyFile {
        old_size,
        new_size,
        proof,
        old_checkpoint: old_note.to_owned(),
        new_checkpoint: new_note.to_owned(),
    })
}

/// What a consistency proof that verified shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyCheck {
    pub origin: String,
    pub old_size: u64,
    pub new_size: u64,
}

/// Checks a consistency proof file: both checkpoints are signed by the log's key
/// (`verifier_key`, whose name is the log's origin), are of that log and of the sizes the file
/// names, and the new tree extends the old one (RFC 9162 2.1.4.2).
pub fn check_consistency_file(text: &str, verifier_key: &str) -> Result<ConsistencyCheck, String> {
    let file =
        ConsistencyFile::parse(text).map_err(|e| format!("not a consistency proof file: {e}"))?;
    let (origin, key) = note::parse_verifier_key(verifier_key.trim())
        .map_err(|e| format!("not a verifier key: {e}"))?;
    let open = |which: &str, note_text: &str, size: u64| {
        let (checkpoint, _) = Checkpoint::open(note_text, &key)
            .map_err(|e| format!("the {which} checkpoint is not signed by {origin}: {e}"))?;
        if checkpoint.origin != origin {
            return Err(format!(
                "the {which} checkpoint is of log {:?}, not {origin:?}",
                checkpoint.origin
            ));
        }
        if checkpoint.size != size {
            return Err(format!(
                "the file says the {which} size is {size}, but its checkpoint is of size {}",
                checkpoint.size
            ));
        }
        Ok(checkpoint)
    };
    let old = open("old", &file.old_checkpoint, file.old_size)?;
    let new = open("new", &file.new_checkpoint, file.new_size)?;
    merkle::verify_consistency(old.size, new.size, &file.proof, &old.root, &new.root).map_err(
        |e| {
            format!(
                "the log at {} entries does not extend the log at {}: {e}",
                new.size, old.size
            )
        },
    )?;
    Ok(ConsistencyCheck {
        origin,
        old_size: old.size,
        new_size: new.size,
    })
}

/// One node of a cross-check: its id, its own key and the peer keys its bundle lists.
#[derive(Debug, Clone)]
pub struct Party {
    pub node_id: String,
    pub key: VerifyingKey,
    pub peer_keys: BTreeMap<String, VerifyingKey>,
}

/// Which of the two logs of a [`CrossCheck`] an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

impl Side {
    fn at(self) -> usize {
        match self {
            Side::A => 0,
            Side::B => 1,
        }
    }
}

/// A disagreement between two nodes' bundles, with the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Discrepancy {
    /// `holder`'s keys.txt gives `peer` another key than `peer`'s own bundle (or none).
    Key {
        holder: String,
        peer: String,
        /// Fingerprint of the key `holder` lists for `peer`, if any.
        listed: Option<String>,
        /// Fingerprint of the key `peer`'s bundle gives as its own.
        own: String,
    },
    /// A receipt `claimant` obtained, signed by `log_owner`, points at an entry of
    /// `log_owner`'s log that is not the message it acknowledges.
    Receipt {
        message_id: String,
        claimant: String,
        /// The claimant's `RECEIPT_OBTAINED` entry.
        claimed_at: u64,
        log_owner: String,
        /// The receipt's `log_index`.
        log_index: u64,
        /// What `log_owner`'s log holds there.
        found: String,
    },
}

impl std::fmt::Display for Discrepancy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Discrepancy::Key {
                holder,
                peer,
                listed: Some(listed),
                own,
            } => write!(
                f,
                "{holder}'s keys.txt gives {peer} the key {listed}, but {peer}'s bundle signs \
                 with {own}"
            ),
            Discrepancy::Key {
                holder, peer, own, ..
            } => write!(
                f,
                "{holder}'s keys.txt does not list {peer} (whose bundle signs with {own})"
            ),
            Discrepancy::Receipt {
                message_id,
                claimant,
                claimed_at,
                log_owner,
                log_index,
                found,
            } => write!(
                f,
                "message {message_id}: {log_owner}'s receipt (entry {claimed_at} of \
                 {claimant}'s log) says {log_owner} recorded it at entry {log_index} of its \
                 log; {log_owner}'s log has {found}"
            ),
        }
    }
}

/// What a receipt obtained says about the issuer's log.
#[derive(Debug, Clone)]
struct Claim {
    message_id: String,
    claimed_at: u64,
    log_entry_hash: Vec<u8>,
    envelope_sha256: Vec<u8>,
}

/// The verdict of a cross-check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossCheckReport {
    pub a: String,
    pub b: String,
    /// Receipts A obtained from B whose entry was found in B's log as claimed.
    pub matched_a: u64,
    /// Receipts B obtained from A whose entry was found in A's log as claimed.
    pub matched_b: u64,
    pub discrepancies: Vec<Discrepancy>,
}

/// Compares two nodes' logs, each already verified on its own with [`AuditVerifier`]: every
/// receipt one obtained from the other must point at a `MESSAGE_RECEIVED` entry of the other's
/// log with that entry hash and those envelope bytes (section 11 of docs/AUDIT-FORMAT.md), and
/// each bundle must list the other node with the key the other signs with.
///
/// Feed it in two passes: [`CrossCheck::collect`] every entry of both logs (it keeps one small
/// claim per receipt obtained from the other node: memory grows with the number of receipts,
/// not of entries), then [`CrossCheck::check`] every entry of both logs, in index order per
/// log. No I/O.
#[derive(Debug)]
pub struct CrossCheck {
    parties: [Party; 2],
    /// Per side: claims about the *other* side's log, by the log index they point at.
    claims: [BTreeMap<u64, Vec<Claim>>; 2],
    /// Per side: entries of that side's log seen by `check`.
    checked: [u64; 2],
    matched: [u64; 2],
    discrepancies: Vec<Discrepancy>,
}

impl CrossCheck {
    pub fn new(a: Party, b: Party) -> Self {
        let mut discrepancies = Vec::new();
        for (holder, peer) in [(&a, &b), (&b, &a)] {
            let listed = holder.peer_keys.get(&peer.node_id);
            if listed != Some(&peer.key) {
                discrepancies.push(Discrepancy::Key {
                    holder: holder.node_id.clone(),
                    peer: peer.node_id.clone(),
                    listed: listed.map(signing::fingerprint),
                    own: signing::fingerprint(&peer.key),
                });
            }
        }
        Self {
            parties: [a, b],
            claims: [BTreeMap::new(), BTreeMap::new()],
            checked: [0, 0],
            matched: [0, 0],
            discrepancies,
        }
    }

    fn other(side: Side) -> usize {
        1 - side.at()
    }

    /// First pass: remembers the receipt in entry `index` of `side`'s log if it is a
    /// `RECEIPT_OBTAINED` whose receipt the other node issued.
    pub fn collect(&mut self, side: Side, index: u64, bytes: &[u8]) -> Result<(), AuditFailure> {
        let entry = LogEntry::decode(bytes)
            .map_err(|e| AuditFailure::at(index, format!("entry does not decode: {e}")))?;
        if entry.kind != EntryKind::ReceiptObtained as i32 {
            return Ok(());
        }
        let receipt = receipt_of(&entry)?;
        if receipt.receiver != self.parties[Self::other(side)].node_id {
            return Ok(());
        }
        self.claims[side.at()]
            .entry(receipt.log_index)
            .or_default()
            .push(Claim {
                message_id: receipt.message_id,
                claimed_at: index,
                log_entry_hash: receipt.log_entry_hash,
                envelope_sha256: receipt.envelope_sha256,
            });
        Ok(())
    }

    /// Second pass: checks the other node's claims that point at entry `index` of `side`'s
    /// log. Give every entry of the log, in order.
    pub fn check(&mut self, side: Side, index: u64, bytes: &[u8]) {
        self.checked[side.at()] = self.checked[side.at()].max(index + 1);
        let claimant = Self::other(side);
        let Some(claims) = self.claims[claimant].remove(&index) else {
            return;
        };
        let hash = entry_hash(bytes);
        let entry = LogEntry::decode(bytes).ok();
        for claim in claims {
            let found = match &entry {
                None => Some("an entry that does not decode".to_owned()),
                Some(entry) => Self::mismatch(entry, &hash, &claim, &self.parties[claimant]),
            };
            match found {
                None => self.matched[claimant] += 1,
                Some(found) => self.discrepancies.push(Discrepancy::Receipt {
                    message_id: claim.message_id,
                    claimant: self.parties[claimant].node_id.clone(),
                    claimed_at: claim.claimed_at,
                    log_owner: self.parties[side.at()].node_id.clone(),
                    log_index: index,
                    found,
                }),
            }
        }
    }

    /// `None` if `entry` is the one `claim` describes, else what it is instead.
    fn mismatch(entry: &LogEntry, hash: &Hash, claim: &Claim, claimant: &Party) -> Option<String> {
        let kind = EntryKind::try_from(entry.kind).unwrap_or(EntryKind::Unspecified);
        let what = format!(
            "{} of message {:?} (peer {:?}, entry hash {})",
            kind.as_str_name(),
            entry.message_id,
            entry.peer,
            hex::encode(hash)
        );
        if kind != EntryKind::MessageReceived
            || entry.message_id != claim.message_id
            || entry.peer != claimant.node_id
        {
            return Some(format!("there {what}"));
        }
        if claim.log_entry_hash != hash {
            return Some(format!(
                "there {what}, not the entry hash {} the receipt names",
                hex::encode(&claim.log_entry_hash)
            ));
        }
        if claim.envelope_sha256 != sha256(&entry.signed_payload) {
            return Some(format!(
                "there {what}, but its envelope bytes are not the ones the receipt acknowledges"
            ));
        }
        None
    }

    /// The verdict; claims pointing past the end of a log are discrepancies.
    pub fn finish(mut self) -> CrossCheckReport {
        for claimant in 0..2 {
            let owner = 1 - claimant;
            for (log_index, claims) in std::mem::take(&mut self.claims[claimant]) {
                for claim in claims {
                    self.discrepancies.push(Discrepancy::Receipt {
                        message_id: claim.message_id,
                        claimant: self.parties[claimant].node_id.clone(),
                        claimed_at: claim.claimed_at,
                        log_owner: self.parties[owner].node_id.clone(),
                        log_index,
                        found: format!("no entry {log_index} (it holds {})", self.checked[owner]),
                    });
                }
            }
        }
        let [a, b] = self.parties;
        CrossCheckReport {
            a: a.node_id,
            b: b.node_id,
            matched_a: self.matched[0],
            matched_b: self.matched[1],
            discrepancies: self.discrepancies,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::ZERO_HASH;
    use crate::signing::{self, WIRE_VERSION};
    use ed25519_dalek::{Signer, SigningKey};
    use proptest::prelude::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    /// A log of node "tm" (key 1) with peer "de" (key 2), built as a node builds it.
    /// A change made to one entry before it is chained: a log wrong in one place.
    type Tamper = fn(&mut LogEntry);

    struct Log {
        entries: Vec<Vec<u8>>,
        previous: Hash,
        /// Applied to the entry of that index.
        tamper: Option<(u64, Tamper)>,
    }

    impl Log {
        fn new() -> Self {
            Self {
                entries: Vec::new(),
                previous: ZERO_HASH,
                tamper: None,
            }
        }

        fn append(&mut self, mut entry: LogEntry) -> u64 {
            let index = self.entries.len() as u64;
            entry.index = index;
            entry.time_ms = 1_700_000_000_000;
            entry.previous_hash = self.previous.to_vec();
            if let Some((at, tamper)) = self.tamper {
                if at == index {
                    tamper(&mut entry);
                }
            }
            let bytes = entry.encode_to_vec();
            self.previous = entry_hash(&bytes);
            self.entries.push(bytes);
            index
        }

        fn envelope(id: &str, sender: &str, recipient: &str) -> Envelope {
            Envelope {
                version: WIRE_VERSION,
                message_id: id.into(),
                sender: sender.into(),
                recipient: recipient.into(),
                created_at_ms: 1,
                case_id: "case-1".into(),
                copies_to: Vec::new(),
                ..Default::default()
            }
        }

        fn sent(&mut self, id: &str) -> (u64, Vec<u8>) {
            let signed = signing::sign_envelope(&key(1), &Self::envelope(id, "tm", "de"));
            let payload = signed.payload.clone();
            let index = self.append(LogEntry {
                kind: EntryKind::MessageSent as i32,
                peer: "de".into(),
                message_id: id.into(),
                signed_payload: signed.payload,
                signature: signed.signature,
                ..Default::default()
            });
            (index, payload)
        }

        fn obtained(&mut self, receipt: &Receipt, signer: &SigningKey) -> u64 {
            let signed = signing::sign_receipt(signer, receipt);
            self.append(LogEntry {
                kind: EntryKind::ReceiptObtained as i32,
                peer: "de".into(),
                message_id: receipt.message_id.clone(),
                signed_payload: signed.payload,
                signature: signed.signature,
                ..Default::default()
            })
        }

        fn received(&mut self, id: &str) -> (u64, Hash, Vec<u8>) {
            let signed = signing::sign_envelope(&key(2), &Self::envelope(id, "de", "tm"));
            let payload = signed.payload.clone();
            let index = self.append(LogEntry {
                kind: EntryKind::MessageReceived as i32,
                peer: "de".into(),
                message_id: id.into(),
                signed_payload: signed.payload,
                signature: signed.signature,
                ..Default::default()
            });
            (index, self.previous, payload)
        }

        fn issued(&mut self, receipt: &Receipt) -> u64 {
            let signed = signing::sign_receipt(&key(1), receipt);
            self.append(LogEntry {
                kind: EntryKind::ReceiptIssued as i32,
                peer: "de".into(),
                message_id: receipt.message_id.clone(),
                signed_payload: signed.payload,
                signature: signed.signature,
                ..Default::default()
            })
        }

        fn local(&mut self) -> u64 {
            self.append(LogEntry {
                kind: EntryKind::LocalAction as i32,
                detail: "started by test".into(),
                ..Default::default()
            })
        }

        fn checkpoint(&self, size: usize, signer: &SigningKey) -> String {
            let tree: MemoryTree = self.entries[..size].iter().map(|e| entry_hash(e)).collect();
            let checkpoint = Checkpoint {
                origin: "rogatory/tm".into(),
                size: size as u64,
                root: tree.root(),
                extensions: vec![],
            };
            let mut note = checkpoint.sign(signer).expect("signs");
            note.add_signature(
                checkpoint::cosign(&checkpoint, 1_700_000_000, "rogatory/de", &key(2))
                    .expect("cosigns"),
            );
            note.encode()
        }
    }

    fn obtained_receipt(id: &str, payload: &[u8]) -> Receipt {
        Receipt {
            version: WIRE_VERSION,
            message_id: id.into(),
            sender: "tm".into(),
            receiver: "de".into(),
            envelope_sha256: sha256(payload).to_vec(),
            received_at_ms: 2,
            log_index: 7,
            log_entry_hash: vec![7; 32],
        }
    }

    fn issued_receipt(id: &str, index: u64, hash: Hash, payload: &[u8]) -> Receipt {
        Receipt {
            version: WIRE_VERSION,
            message_id: id.into(),
            sender: "de".into(),
            receiver: "tm".into(),
            envelope_sha256: sha256(payload).to_vec(),
            received_at_ms: 2,
            log_index: index,
            log_entry_hash: hash.to_vec(),
        }
    }

    /// A well-formed log: a local action, a message sent and receipted, one received and
    /// receipted.
    fn good_log() -> Log {
        let mut log = Log::new();
        log.local();
        let (_, payload) = log.sent("m1");
        log.obtained(&obtained_receipt("m1", &payload), &key(2));
        let (index, hash, payload) = log.received("m2");
        log.issued(&issued_receipt("m2", index, hash, &payload));
        log
    }

    fn verifier() -> AuditVerifier {
        AuditVerifier::new(
            "tm",
            key(1).verifying_key(),
            BTreeMap::from([("de".to_owned(), key(2).verifying_key())]),
        )
    }

    /// A multi-party log of tm (key 1) with de (key 2) and uz (key 3): m1 sent to de and
    /// copied to uz, receipted by `receivers` (each with its key); m2 received from de,
    /// addressed to uz and copied to tm.
    fn multi_party_log(receivers: &[(&str, u8)]) -> Vec<Vec<u8>> {
        let mut log = Log::new();
        let mut sent = Log::envelope("m1", "tm", "de");
        sent.copies_to = vec!["uz".into()];
        let signed = signing::sign_envelope(&key(1), &sent);
        log.append(LogEntry {
            kind: EntryKind::MessageSent as i32,
            peer: "de".into(),
            message_id: "m1".into(),
            signed_payload: signed.payload.clone(),
            signature: signed.signature,
            ..Default::default()
        });
        for (receiver, seed) in receivers {
            let receipt = Receipt {
                receiver: (*receiver).into(),
                ..obtained_receipt("m1", &signed.payload)
            };
            let signed_receipt = signing::sign_receipt(&key(*seed), &receipt);
            log.append(LogEntry {
                kind: EntryKind::ReceiptObtained as i32,
                peer: (*receiver).into(),
                message_id: "m1".into(),
                signed_payload: signed_receipt.payload,
                signature: signed_receipt.signature,
                ..Default::default()
            });
        }
        let mut copy = Log::envelope("m2", "de", "uz");
        copy.copies_to = vec!["tm".into()];
        let signed = signing::sign_envelope(&key(2), &copy);
        let index = log.append(LogEntry {
            kind: EntryKind::MessageReceived as i32,
            peer: "de".into(),
            message_id: "m2".into(),
            signed_payload: signed.payload.clone(),
            signature: signed.signature,
            ..Default::default()
        });
        log.issued(&issued_receipt("m2", index, log.previous, &signed.payload));
        log.entries
    }

    #[test]
    fn a_multi_party_log_verifies_with_receipts_from_every_addressee_and_no_other() {
        let keys = BTreeMap::from([
            ("de".to_owned(), key(2).verifying_key()),
            ("uz".to_owned(), key(3).verifying_key()),
            ("fr".to_owned(), key(4).verifying_key()),
        ]);
        let run = |entries: &[Vec<u8>]| {
            let mut verifier = AuditVerifier::new("tm", key(1).verifying_key(), keys.clone());
            for (i, bytes) in entries.iter().enumerate() {
                verifier.push_entry(i as u64, bytes)?;
            }
            verifier.finish()
        };
        let report = run(&multi_party_log(&[("de", 2), ("uz", 3)])).expect("verifies");
        assert_eq!(report.entries, 5);
        // fr holds a key the auditor knows, but m1 was never addressed to it.
        let failure = run(&multi_party_log(&[("de", 2), ("fr", 4)])).expect_err("not an addressee");
        assert_eq!(failure.index, Some(2));
        assert!(
            failure.reason.contains("was sent to \"de, uz\""),
            "{}",
            failure.reason
        );
    }

    /// Runs a whole bundle: entries, then each checkpoint once the tree is large enough.
    fn audit(
        entries: &[Vec<u8>],
        checkpoints: &[(u64, String)],
    ) -> Result<AuditReport, AuditFailure> {
        let mut verifier = verifier();
        let mut pending = checkpoints.iter().peekable();
        for (i, bytes) in entries.iter().enumerate() {
            verifier.push_entry(i as u64, bytes)?;
            while let Some((size, note)) = pending.next_if(|(size, _)| *size <= verifier.len()) {
                verifier.check_checkpoint(*size, note)?;
            }
        }
        for (size, note) in pending {
            verifier.check_checkpoint(*size, note)?;
        }
        verifier.finish()
    }

    #[test]
    fn good_log_verifies_with_counts() {
        let log = good_log();
        let checkpoints = vec![(3, log.checkpoint(3, &key(1)))];
        let report = audit(&log.entries, &checkpoints).expect("verifies");
        assert_eq!(report.entries, 5);
        assert_eq!(
            (
                report.messages_sent,
                report.messages_received,
                report.receipts_issued,
                report.receipts_obtained
            ),
            (1, 1, 1, 1)
        );
        assert_eq!(report.kinds["ENTRY_KIND_LOCAL_ACTION"], 1);
        assert_eq!(report.checkpoints, 1);
        assert_eq!(report.cosignatures, 1);
        assert_eq!(
            report.latest_checkpoint,
            Some(CheckpointReport {
                size: 3,
                cosigned_by: vec!["de".into()]
            })
        );
        assert_eq!(report.uncovered, 2, "entries 3 and 4 are not yet covered");
    }

    #[test]
    fn receipt_obtained_for_a_message_never_sent_is_named() {
        let mut log = Log::new();
        log.local();
        let index = log.obtained(&obtained_receipt("ghost", b"never sent"), &key(2));
        let err = audit(&log.entries, &[]).expect_err("refused");
        assert_eq!(err.index, Some(index));
        assert!(err.reason.contains("not record as sent"), "{err}");
    }

    #[test]
    fn receipt_obtained_for_other_bytes_is_named() {
        let mut log = Log::new();
        log.sent("m1");
        let index = log.obtained(&obtained_receipt("m1", b"other bytes"), &key(2));
        let err = audit(&log.entries, &[]).expect_err("refused");
        assert_eq!(err.index, Some(index));
        assert!(err.reason.contains("different bytes"), "{err}");
    }

    #[test]
    fn receipt_obtained_from_the_wrong_receiver_is_named() {
        let mut log = Log::new();
        let (_, payload) = log.sent("m1");
        let mut receipt = obtained_receipt("m1", &payload);
        receipt.receiver = "uz".into();
        let index = log.obtained(&receipt, &key(2));
        let err = audit(&log.entries, &[]).expect_err("refused");
        assert_eq!(err.index, Some(index));
    }

    #[test]
    fn forged_receipt_is_named() {
        let mut log = Log::new();
        let (_, payload) = log.sent("m1");
        let index = log.obtained(&obtained_receipt("m1", &payload), &key(9));
        let err = audit(&log.entries, &[]).expect_err("refused");
        assert_eq!(err.index, Some(index));
        assert!(err.reason.contains("does not verify"), "{err}");
    }

    #[test]
    fn receipt_issued_for_a_message_never_received_is_named() {
        let mut log = Log::new();
        log.local();
        let index = log.issued(&issued_receipt("ghost", 0, [0; 32], b"x"));
        let err = audit(&log.entries, &[]).expect_err("refused");
        assert_eq!(err.index, Some(index));
        assert!(err.reason.contains("not record as received"), "{err}");
    }

    #[test]
    fn receipt_issued_pointing_at_the_wrong_entry_is_named() {
        let mut log = Log::new();
        log.local();
        let (index, hash, payload) = log.received("m2");
        let wrong = log.issued(&issued_receipt("m2", index - 1, hash, &payload));
        let err = audit(&log.entries, &[]).expect_err("refused");
        assert_eq!(err.index, Some(wrong));
        assert!(err.reason.contains("points at entry 0"), "{err}");
    }

    #[test]
    fn receipt_issued_for_other_bytes_is_named() {
        let mut log = Log::new();
        let (index, hash, _) = log.received("m2");
        let wrong = log.issued(&issued_receipt("m2", index, hash, b"other"));
        let err = audit(&log.entries, &[]).expect_err("refused");
        assert_eq!(err.index, Some(wrong));
    }

    #[test]
    fn missing_covered_entries_are_named() {
        let log = good_log();
        let checkpoints = vec![(5, log.checkpoint(5, &key(1)))];
        let err = audit(&log.entries[..4], &checkpoints).expect_err("refused");
        assert_eq!(err.index, Some(4));
        assert!(err.reason.contains("missing"), "{err}");
    }

    #[test]
    fn checkpoint_by_another_key_is_refused() {
        let log = good_log();
        let checkpoints = vec![(3, log.checkpoint(3, &key(9)))];
        let err = audit(&log.entries, &checkpoints).expect_err("refused");
        assert_eq!(err.index, None);
        assert!(err.reason.contains("checkpoint of size 3"), "{err}");
    }

    #[test]
    fn checkpoint_of_another_history_is_refused() {
        let log = good_log();
        let mut forked = Log::new();
        for _ in 0..3 {
            forked.local();
        }
        let checkpoints = vec![(3, forked.checkpoint(3, &key(1)))];
        let err = audit(&log.entries, &checkpoints).expect_err("refused");
        assert_eq!(err.index, None);
        assert!(err.reason.contains("root"), "{err}");
    }

    #[test]
    fn bad_cosignature_by_a_known_peer_is_refused() {
        let log = good_log();
        let note = log.checkpoint(3, &key(1));
        // Flip a bit in the cosignature line (the last line), keeping it valid base64.
        let mut parsed = Note::parse(&note).expect("parses");
        let cosignature = parsed.signatures.last_mut().expect("cosigned");
        cosignature.signature[20] ^= 1;
        let err = audit(&log.entries, &[(3, parsed.encode())]).expect_err("refused");
        assert!(err.reason.contains("cosignature by de"), "{err}");
    }

    #[test]
    fn unknown_cosigners_are_ignored() {
        let mut log = Log::new();
        log.local();
        log.local();
        let mut note = Note::parse(&log.checkpoint(2, &key(1))).expect("parses");
        // A bad cosignature by a witness this auditor was not given a key for.
        note.signatures[1].signature[20] ^= 1;
        let mut verifier = AuditVerifier::new("tm", key(1).verifying_key(), BTreeMap::new());
        for (i, bytes) in log.entries.iter().enumerate() {
            verifier.push_entry(i as u64, bytes).expect("valid");
        }
        let report = verifier
            .check_checkpoint(2, &note.encode())
            .expect("the unknown signature is ignored");
        assert!(report.cosigned_by.is_empty());
    }

    #[test]
    fn reordered_entries_are_named() {
        let mut entries = good_log().entries;
        entries.swap(1, 2);
        let err = audit(&entries, &[]).expect_err("refused");
        assert_eq!(err.index, Some(1));
    }

    #[test]
    fn proofs_from_the_rebuilt_tree_verify() {
        let log = good_log();
        let note = log.checkpoint(5, &key(1));
        let mut verifier = verifier();
        for (i, bytes) in log.entries.iter().enumerate() {
            verifier.push_entry(i as u64, bytes).expect("valid");
        }
        verifier.check_checkpoint(5, &note).expect("valid");
        let vkey = note::verifier_key("rogatory/tm", &key(1).verifying_key());
        for index in 0..5u64 {
            let proof = prove(verifier.tree(), index, 5, &note).expect("in range");
            let text = proof.encode();
            let checked =
                check_proof(&text, &vkey, &log.entries[index as usize]).expect("verifies");
            assert_eq!((checked.index, checked.size), (index, 5));
            let other = log.entries[(index as usize + 1) % 5].as_slice();
            assert!(check_proof(&text, &vkey, other).is_err(), "wrong entry");
        }
        let wrong_key = note::verifier_key("rogatory/tm", &key(9).verifying_key());
        let text = prove(verifier.tree(), 0, 5, &note).expect("ok").encode();
        assert!(check_proof(&text, &wrong_key, &log.entries[0]).is_err());
    }

    #[test]
    fn consistency_proofs_round_trip_between_every_pair_of_checkpoints() {
        let log = good_log();
        let tree: MemoryTree = log.entries.iter().map(|e| entry_hash(e)).collect();
        let vkey = note::verifier_key("rogatory/tm", &key(1).verifying_key());
        for old in 1..=5 {
            for new in old..=5 {
                let (old_note, new_note) =
                    (log.checkpoint(old, &key(1)), log.checkpoint(new, &key(1)));
                let file = consistency(&tree, old as u64, new as u64, &old_note, &new_note)
                    .expect("builds");
                let text = file.encode();
                assert!(
                    text.starts_with("rogatory-consistency-proof v1\n"),
                    "{text}"
                );
                assert_eq!(ConsistencyFile::parse(&text).expect("parses"), file);
                let checked = check_consistency_file(&text, &vkey).expect("verifies");
                assert_eq!(
                    (checked.old_size, checked.new_size),
                    (old as u64, new as u64)
                );
                assert_eq!(checked.origin, "rogatory/tm");
            }
        }
    }

    #[test]
    fn a_consistency_file_whose_sizes_carry_a_plus_sign_is_refused() {
        // Found by the `consistency_file` fuzz target: `new +1` parsed as `new 1`, so two
        // texts made one file and the parse did not round-trip.
        let found = include_str!("../testdata/fuzz/consistency-file-signed-size");
        assert!(ConsistencyFile::parse(found).is_err());
        let log = good_log();
        let tree: MemoryTree = log.entries.iter().map(|e| entry_hash(e)).collect();
        let (old_note, new_note) = (log.checkpoint(3, &key(1)), log.checkpoint(5, &key(1)));
        let text = consistency(&tree, 3, 5, &old_note, &new_note)
            .expect("builds")
            .encode();
        assert!(ConsistencyFile::parse(&text).is_ok());
        for (from, to) in [("old 3\n", "old +3\n"), ("new 5\n", "new +5\n")] {
            let signed = text.replacen(from, to, 1);
            let err = ConsistencyFile::parse(&signed).expect_err("refused");
            assert!(err.contains("expected"), "{err}");
        }
    }

    #[test]
    fn tampered_consistency_proofs_are_refused() {
        let log = good_log();
        let tree: MemoryTree = log.entries.iter().map(|e| entry_hash(e)).collect();
        let vkey = note::verifier_key("rogatory/tm", &key(1).verifying_key());
        let (old_note, new_note) = (log.checkpoint(3, &key(1)), log.checkpoint(5, &key(1)));
        let file = consistency(&tree, 3, 5, &old_note, &new_note).expect("builds");
        assert!(!file.proof.is_empty());

        let mut bad_hash = file.clone();
        bad_hash.proof[0][0] ^= 1;
        let err = check_consistency_file(&bad_hash.encode(), &vkey).expect_err("refused");
        assert!(err.contains("does not extend"), "{err}");

        // A checkpoint of another history, signed by the node: the fork a proof exists to catch.
        let mut forked = Log::new();
        for _ in 0..3 {
            forked.local();
        }
        let mut fork = file.clone();
        fork.old_checkpoint = forked.checkpoint(3, &key(1));
        assert!(check_consistency_file(&fork.encode(), &vkey).is_err());

        let wrong_key = note::verifier_key("rogatory/tm", &key(9).verifying_key());
        let err = check_consistency_file(&file.encode(), &wrong_key).expect_err("refused");
        assert!(err.contains("not signed"), "{err}");

        let mut wrong_size = file.clone();
        wrong_size.old_size = 2;
        let err = check_consistency_file(&wrong_size.encode(), &vkey).expect_err("refused");
        assert!(err.contains("old size is 2"), "{err}");

        let text = file.encode();
        for broken in [
            text.replacen("v1", "v2", 1),
            text.replacen("old 3", "old 03", 1),
            text.replacen(&new_note, "", 1),
            text[..text.len() - 1].to_owned() + "\n\nextra\n",
        ] {
            assert!(check_consistency_file(&broken, &vkey).is_err(), "{broken}");
        }
    }

    /// de's log holding, at index 1, the message m1 that tm's `good_log` sent it.
    fn de_log(payload: &[u8]) -> Log {
        let mut log = Log::new();
        log.local();
        log.append(LogEntry {
            kind: EntryKind::MessageReceived as i32,
            peer: "tm".into(),
            message_id: "m1".into(),
            signed_payload: payload.to_vec(),
            ..Default::default()
        });
        log
    }

    /// tm's log with m1 sent to de and de's receipt pointing at (`index`, `hash`) in de's log.
    fn tm_log(index: u64, hash: Hash) -> (Log, Vec<u8>) {
        let mut log = Log::new();
        let (_, payload) = log.sent("m1");
        let mut receipt = obtained_receipt("m1", &payload);
        receipt.log_index = index;
        receipt.log_entry_hash = hash.to_vec();
        log.obtained(&receipt, &key(2));
        (log, payload)
    }

    fn party(id: &str, own: u8, peer: &str, peer_key: u8) -> Party {
        Party {
            node_id: id.into(),
            key: key(own).verifying_key(),
            peer_keys: BTreeMap::from([(peer.to_owned(), key(peer_key).verifying_key())]),
        }
    }

    fn cross_check(tm: &Log, de: &Log, de_key_at_tm: u8) -> CrossCheckReport {
        let mut check =
            CrossCheck::new(party("tm", 1, "de", de_key_at_tm), party("de", 2, "tm", 1));
        for (side, log) in [(Side::A, tm), (Side::B, de)] {
            for (i, bytes) in log.entries.iter().enumerate() {
                check.collect(side, i as u64, bytes).expect("decodes");
            }
        }
        for (side, log) in [(Side::A, tm), (Side::B, de)] {
            for (i, bytes) in log.entries.iter().enumerate() {
                check.check(side, i as u64, bytes);
            }
        }
        check.finish()
    }

    #[test]
    fn cross_check_matches_a_receipt_with_the_receivers_entry() {
        let (_, payload) = tm_log(0, [0; 32]);
        let de = de_log(&payload);
        let (tm, _) = tm_log(1, entry_hash(&de.entries[1]));
        let report = cross_check(&tm, &de, 2);
        assert_eq!(report.discrepancies, vec![]);
        assert_eq!((report.matched_a, report.matched_b), (1, 0));
    }

    #[test]
    fn cross_check_names_a_receipt_pointing_past_the_receivers_log() {
        let (_, payload) = tm_log(0, [0; 32]);
        let mut de = de_log(&payload);
        let (tm, _) = tm_log(1, entry_hash(&de.entries[1]));
        de.entries.truncate(1);
        let report = cross_check(&tm, &de, 2);
        assert_eq!(report.matched_a, 0);
        let [discrepancy] = report.discrepancies.as_slice() else {
            panic!("{:?}", report.discrepancies);
        };
        let text = discrepancy.to_string();
        assert!(
            text.starts_with("message m1: de's receipt (entry 1 of tm's log)"),
            "{text}"
        );
        assert!(
            text.contains("at entry 1 of its log; de's log has no entry 1"),
            "{text}"
        );
    }

    #[test]
    fn cross_check_names_what_the_receiver_holds_instead() {
        let (_, payload) = tm_log(0, [0; 32]);
        let de = de_log(&payload);
        let (tm, _) = tm_log(0, entry_hash(&de.entries[1]));
        let report = cross_check(&tm, &de, 2);
        let text = report.discrepancies[0].to_string();
        assert!(text.contains("has there ENTRY_KIND_LOCAL_ACTION"), "{text}");

        let other = de_log(b"other bytes");
        let (tm, _) = tm_log(1, entry_hash(&other.entries[1]));
        let report = cross_check(&tm, &other, 2);
        let text = report.discrepancies[0].to_string();
        assert!(
            text.contains("not the ones the receipt acknowledges"),
            "{text}"
        );
    }

    #[test]
    fn cross_check_names_a_key_mismatch() {
        let (_, payload) = tm_log(0, [0; 32]);
        let de = de_log(&payload);
        let (tm, _) = tm_log(1, entry_hash(&de.entries[1]));
        let report = cross_check(&tm, &de, 9);
        let [
            Discrepancy::Key {
                holder,
                peer,
                listed: Some(_),
                ..
            },
        ] = report.discrepancies.as_slice()
        else {
            panic!("{:?}", report.discrepancies);
        };
        assert_eq!((holder.as_str(), peer.as_str()), ("tm", "de"));
    }

    /// `cycles` rounds of: a local action, a message sent and the receipt obtained for it, a
    /// message received and the receipt issued for it (5 entries each).
    fn busy_log(cycles: usize, tamper: Option<(u64, Tamper)>) -> Log {
        busy_log_with(cycles, tamper, 0, |_| {})
    }

    /// [`busy_log`] with entries `extra` appends before round `extra_after`.
    fn busy_log_with(
        cycles: usize,
        tamper: Option<(u64, Tamper)>,
        extra_after: usize,
        extra: impl Fn(&mut Log),
    ) -> Log {
        let mut log = Log::new();
        log.tamper = tamper;
        for cycle in 0..cycles {
            if cycle == extra_after {
                extra(&mut log);
            }
            log.local();
            let sent = format!("m{cycle}");
            let (_, payload) = log.sent(&sent);
            log.obtained(&obtained_receipt(&sent, &payload), &key(2));
            let received = format!("r{cycle}");
            let (index, hash, payload) = log.received(&received);
            log.issued(&issued_receipt(&received, index, hash, &payload));
        }
        log
    }

    /// Everything a verifier shows after being fed `entries` until the first failure.
    #[derive(Debug, PartialEq)]
    struct Outcome {
        failure: Option<AuditFailure>,
        len: u64,
        leaves: u64,
        root: Hash,
        report: Result<AuditReport, AuditFailure>,
    }

    fn outcome(verifier: AuditVerifier, failure: Option<AuditFailure>) -> Outcome {
        Outcome {
            failure,
            len: verifier.len(),
            leaves: verifier.tree().len(),
            root: verifier.tree().root(),
            report: verifier.finish(),
        }
    }

    fn one_by_one(entries: &[Vec<u8>]) -> Outcome {
        let mut verifier = verifier();
        let failure = entries
            .iter()
            .enumerate()
            .try_for_each(|(i, bytes)| verifier.push_entry(i as u64, bytes))
            .err();
        outcome(verifier, failure)
    }

    fn chunked(entries: &[Vec<u8>], chunk: usize, batch: usize, threads: usize) -> Outcome {
        let mut verifier = verifier();
        verifier.threads = threads;
        let failure = entries
            .chunks(chunk)
            .enumerate()
            .try_for_each(|(i, chunk_entries)| {
                verifier.push_in_batches((i * chunk) as u64, chunk_entries, batch)
            })
            .err();
        outcome(verifier, failure)
    }

    /// Checks that chunks of several sizes, batches of several sizes and several threads end
    /// exactly as one entry at a time does; returns the failure.
    fn assert_chunked_is_one_by_one(entries: &[Vec<u8>]) -> Option<AuditFailure> {
        let expected = one_by_one(entries);
        for (chunk, batch, threads) in [(7, 3, 2), (16, 5, 3), (entries.len().max(1), 128, 2)] {
            assert_eq!(
                chunked(entries, chunk, batch, threads),
                expected,
                "chunks of {chunk}, batches of {batch}, {threads} threads"
            );
        }
        expected.failure
    }

    #[test]
    fn push_entries_verifies_a_good_log_as_one_by_one() {
        let log = busy_log(4, None);
        assert_eq!(assert_chunked_is_one_by_one(&log.entries), None);
        let mut verifier = verifier();
        verifier
            .push_entries(0, &log.entries)
            .expect("the public entry point too");
        let report = verifier.finish().expect("verifies");
        assert_eq!(report.entries, 20);
        assert_eq!(report.receipts_issued + report.receipts_obtained, 8);
    }

    #[test]
    fn push_entries_names_the_entry_push_entry_names() {
        // (entry, change, what the failure says): each in the middle of a batch.
        let cases: [(u64, Tamper, &str); 11] = [
            (
                11,
                |e| e.signature[10] ^= 1,
                "does not verify with the signer's key",
            ),
            (
                12,
                |e| e.signature[40] ^= 1,
                "does not verify with the signer's key",
            ),
            (13, |e| e.signed_payload[3] ^= 1, "does not verify"),
            (14, |e| e.signature.truncate(63), "63 bytes long"),
            (16, |e| e.signature.clear(), "0 bytes long"),
            (
                12,
                |e| e.peer = "uz".into(),
                "no public key known for node \"uz\"",
            ),
            (
                11,
                |e| e.message_id = "m9".into(),
                "signed envelope is message m2",
            ),
            (
                17,
                |e| e.message_id = "m9".into(),
                "acknowledges message m3",
            ),
            (15, |e| e.kind = 42, "unknown entry kind 42"),
            (13, |e| e.index += 1, "stored at index 13 but says index 14"),
            (13, |e| e.previous_hash[0] ^= 1, "previous_hash"),
        ];
        for (at, tamper, says) in cases {
            let log = busy_log(4, Some((at, tamper)));
            let failure = assert_chunked_is_one_by_one(&log.entries).expect("refused");
            assert_eq!(failure.index, Some(at), "{failure}");
            assert!(failure.reason.contains(says), "{failure}");
        }
    }

    #[test]
    fn push_entries_names_changed_reordered_and_missing_entries_as_one_by_one() {
        let good = busy_log(5, None).entries;
        let mut changed = good.clone();
        let last = changed[10].len() - 1;
        changed[10][last] ^= 1;
        let mut reordered = good.clone();
        reordered.swap(17, 18);
        let mut missing = good.clone();
        missing.remove(12);
        let mut truncated = good.clone();
        truncated[21].truncate(5);
        for (entries, index) in [
            (changed, 11),
            (reordered, 17),
            (missing, 12),
            (truncated, 21),
        ] {
            let failure = assert_chunked_is_one_by_one(&entries).expect("refused");
            assert_eq!(failure.index, Some(index), "{failure}");
        }
    }

    #[test]
    fn push_entries_names_forged_and_malformed_receipts_as_one_by_one() {
        let forged = busy_log_with(3, None, 2, |log| {
            let (_, payload) = log.sent("f1");
            log.obtained(&obtained_receipt("f1", &payload), &key(9));
        });
        let wrong_version = busy_log_with(3, None, 2, |log| {
            let (_, payload) = log.sent("f1");
            let mut receipt = obtained_receipt("f1", &payload);
            receipt.version = 2;
            log.obtained(&receipt, &key(2));
        });
        let not_a_receipt = busy_log_with(3, None, 2, |log| {
            // A valid receipt signature over bytes that are no receipt.
            let payload = vec![0xff; 7];
            let message = signing::pae(signing::RECEIPT_PAYLOAD_TYPE, &payload);
            log.append(LogEntry {
                kind: EntryKind::ReceiptObtained as i32,
                peer: "de".into(),
                message_id: "f1".into(),
                signature: key(2).sign(&message).to_bytes().to_vec(),
                signed_payload: payload,
                ..Default::default()
            });
        });
        let never_sent = busy_log_with(3, None, 2, |log| {
            log.obtained(&obtained_receipt("f1", b"x"), &key(2));
        });
        for (log, index, says) in [
            (forged, 11, "does not verify with the signer's key"),
            (wrong_version, 11, "unsupported wire version 2"),
            (not_a_receipt, 10, "not a valid protobuf message"),
            (never_sent, 10, "does not record as sent"),
        ] {
            let failure = assert_chunked_is_one_by_one(&log.entries).expect("refused");
            assert_eq!(failure.index, Some(index), "{failure}");
            assert!(failure.reason.contains(says), "{failure}");
        }
    }

    /// A signature by `signer` over `message` whose `R` is the encoding `r` of the identity
    /// point, and `S = H(R || A || M)·a`: it satisfies the cofactorless equation, so
    /// `verify_batch` accepts it, but `verify_strict` refuses an `R` of small order.
    fn small_order_r_signature(signer: &SigningKey, message: &[u8], r: [u8; 32]) -> Vec<u8> {
        use sha2::{Digest, Sha512};
        let hash = Sha512::new()
            .chain_update(r)
            .chain_update(signer.verifying_key().as_bytes())
            .chain_update(message)
            .finalize();
        let mut wide = [0u8; 64];
        wide.copy_from_slice(&hash);
        let k = curve25519_dalek::Scalar::from_bytes_mod_order_wide(&wide);
        let s = k * signer.to_scalar();
        [r, s.to_bytes()].concat()
    }

    #[test]
    fn push_entries_refuses_what_verify_strict_refuses_and_verify_batch_accepts() {
        let identity = {
            let mut r = [0u8; 32];
            r[0] = 1;
            r
        };
        // y = 2^255 - 18 = p + 1: the identity again, encoded non-canonically.
        let non_canonical_identity = {
            let mut r = [0xffu8; 32];
            r[0] = 0xee;
            r[31] = 0x7f;
            r
        };
        for r in [identity, non_canonical_identity] {
            let log = busy_log_with(3, None, 2, |log| {
                let signed = signing::sign_envelope(&key(1), &Log::envelope("f1", "tm", "de"));
                let message = signing::pae(signing::ENVELOPE_PAYLOAD_TYPE, &signed.payload);
                log.append(LogEntry {
                    kind: EntryKind::MessageSent as i32,
                    peer: "de".into(),
                    message_id: "f1".into(),
                    signature: small_order_r_signature(&key(1), &message, r),
                    signed_payload: signed.payload,
                    ..Default::default()
                });
            });
            // The batch equation alone would accept this entry among good ones.
            let entry = LogEntry::decode(log.entries[10].as_slice()).expect("decodes");
            let neighbour = LogEntry::decode(log.entries[12].as_slice()).expect("decodes");
            let messages = [
                signing::pae(signing::ENVELOPE_PAYLOAD_TYPE, &entry.signed_payload),
                signing::pae(signing::ENVELOPE_PAYLOAD_TYPE, &neighbour.signed_payload),
            ];
            let signatures = [&entry, &neighbour]
                .map(|e| ed25519_dalek::Signature::from_slice(&e.signature).expect("64 bytes"));
            ed25519_dalek::verify_batch(
                &[messages[0].as_slice(), messages[1].as_slice()],
                &signatures,
                &[key(1).verifying_key(); 2],
            )
            .expect("the batch equation holds");
            let failure = assert_chunked_is_one_by_one(&log.entries).expect("refused");
            assert_eq!(failure.index, Some(10), "{failure}");
            assert!(failure.reason.contains("does not verify"), "{failure}");
        }
    }

    proptest! {
        // Few cases: signatures verify slowly in unoptimised test builds.
        #![proptest_config(ProptestConfig::with_cases(12))]

        #[test]
        fn any_chunking_ends_as_one_by_one(
            tamper in 0usize..6,
            at in 0u64..20,
            chunk in 1usize..30,
            batch in 1usize..12,
            threads in 1usize..4,
        ) {
            let tampers: [Tamper; 6] = [
                |_| {},
                |e| e.signature.iter_mut().take(1).for_each(|b| *b ^= 1),
                |e| e.message_id.push('x'),
                |e| e.previous_hash.clear(),
                |e| e.peer = "uz".into(),
                |e| e.signed_payload.push(0),
            ];
            let log = busy_log(4, Some((at, tampers[tamper])));
            prop_assert_eq!(
                chunked(&log.entries, chunk, batch, threads),
                one_by_one(&log.entries)
            );
        }
    }
}
