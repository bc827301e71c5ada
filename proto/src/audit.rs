//! The offline auditor's verifier: checks a node's exported audit log (a bundle) entry by entry,
//! with nothing but the entries, the node's signed checkpoints and the public keys.
//!
//! [`AuditVerifier`] is fed the entries in order ([`AuditVerifier::push_entry`]) and, once the
//! rebuilt tree holds enough leaves, each checkpoint ([`AuditVerifier::check_checkpoint`]); it
//! holds the running chain head, the Merkle tree rebuilt from the entries and a small record per
//! message, never the entries themselves. On top of what a node checks of its own log
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

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::VerifyingKey;
use prost::Message;

use crate::checkpoint::{self, Checkpoint, CheckpointError, ProofFile};
use crate::log::{ChainVerifier, entry_hash, verify_entry_signature, verify_own_checkpoint};
use crate::merkle::{self, Hash, MemoryTree};
use crate::note::{self, Note};
use crate::signing::{self, sha256};
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

/// What is remembered of a message this log sent, to check the receipt obtained for it.
#[derive(Debug, Clone)]
struct Sent {
    recipient: String,
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

/// Verifies one node's exported log, entry by entry. See the module documentation.
#[derive(Debug)]
pub struct AuditVerifier {
    node_id: String,
    origin: String,
    own_key: VerifyingKey,
    peer_keys: BTreeMap<String, VerifyingKey>,
    chain: ChainVerifier,
    /// Rebuilt from the entries: checkpoints are checked against this, never against a stored
    /// tree, and proofs are built from it.
    tree: MemoryTree,
    sent: HashMap<String, Sent>,
    received: HashMap<String, Received>,
    kinds: BTreeMap<String, u64>,
    counts: [u64; 4],
    checkpoints: u64,
    cosignatures: u64,
    latest_checkpoint: Option<CheckpointReport>,
}

const SENT: usize = 0;
const RECEIVED: usize = 1;
const ISSUED: usize = 2;
const OBTAINED: usize = 3;

impl AuditVerifier {
    /// A verifier for the log of `node_id`, whose signing key is `own_key`; `peer_keys` are the
    /// keys of every peer the log names (by node id).
    pub fn new(
        node_id: &str,
        own_key: VerifyingKey,
        peer_keys: BTreeMap<String, VerifyingKey>,
    ) -> Self {
        Self {
            node_id: node_id.to_owned(),
            origin: log_origin(node_id),
            own_key,
            peer_keys,
            chain: ChainVerifier::new(),
            tree: MemoryTree::new(),
            sent: HashMap::new(),
            received: HashMap::new(),
            kinds: BTreeMap::new(),
            counts: [0; 4],
            checkpoints: 0,
            cosignatures: 0,
            latest_checkpoint: None,
        }
    }

    fn key_of(&self, node_id: &str) -> Option<VerifyingKey> {
        if node_id == self.node_id {
            Some(self.own_key)
        } else {
            self.peer_keys.get(node_id).copied()
        }
    }

    /// Entries verified so far.
    pub fn len(&self) -> u64 {
        self.chain.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chain.is_empty()
    }

    /// The Merkle tree rebuilt from the entries verified so far.
    pub fn tree(&self) -> &MemoryTree {
        &self.tree
    }

    /// Checks the entry at position `index` of the bundle (its exact stored bytes).
    pub fn push_entry(&mut self, index: u64, bytes: &[u8]) -> Result<(), AuditFailure> {
        let entry = self
            .chain
            .push(index, bytes)
            .map_err(|e| AuditFailure::at(e.index, e.reason))?;
        verify_entry_signature(&entry, &self.node_id, |id| self.key_of(id))
            .map_err(|reason| AuditFailure::at(index, reason))?;
        let hash = entry_hash(bytes);
        let kind = EntryKind::try_from(entry.kind).unwrap_or(EntryKind::Unspecified);
        match kind {
            EntryKind::MessageSent => self.message_sent(&entry)?,
            EntryKind::MessageReceived => self.message_received(&entry, hash)?,
            EntryKind::ReceiptIssued => self.receipt_issued(&entry)?,
            EntryKind::ReceiptObtained => self.receipt_obtained(&entry)?,
            _ => {}
        }
        *self.kinds.entry(kind.as_str_name().to_owned()).or_default() += 1;
        self.tree.push(hash);
        Ok(())
    }

    /// Decodes a verified envelope payload and checks it is the one the entry says it is.
    fn envelope_of(entry: &LogEntry, sender: &str, recipient: &str) -> Result<(), AuditFailure> {
        let envelope = Envelope::decode(entry.signed_payload.as_slice()).map_err(|e| {
            AuditFailure::at(entry.index, format!("signed envelope does not decode: {e}"))
        })?;
        if envelope.message_id != entry.message_id
            || envelope.sender != sender
            || envelope.recipient != recipient
        {
            return Err(AuditFailure::at(
                entry.index,
                format!(
                    "the entry says message {} from {sender} to {recipient}, but the signed \
                     envelope is message {} from {} to {}",
                    entry.message_id, envelope.message_id, envelope.sender, envelope.recipient
                ),
            ));
        }
        Ok(())
    }

    fn message_sent(&mut self, entry: &LogEntry) -> Result<(), AuditFailure> {
        Self::envelope_of(entry, &self.node_id, &entry.peer)?;
        self.sent.insert(
            entry.message_id.clone(),
            Sent {
                recipient: entry.peer.clone(),
                payload_sha256: sha256(&entry.signed_payload),
            },
        );
        self.counts[SENT] += 1;
        Ok(())
    }

    fn message_received(&mut self, entry: &LogEntry, hash: Hash) -> Result<(), AuditFailure> {
        Self::envelope_of(entry, &entry.peer, &self.node_id)?;
        self.received.insert(
            entry.message_id.clone(),
            Received {
                index: entry.index,
                entry_hash: hash,
                sender: entry.peer.clone(),
                payload_sha256: sha256(&entry.signed_payload),
            },
        );
        self.counts[RECEIVED] += 1;
        Ok(())
    }

    /// The receipt an entry holds; its signature was checked by `verify_entry_signature`.
    fn receipt_of(entry: &LogEntry) -> Result<Receipt, AuditFailure> {
        let receipt = Receipt::decode(entry.signed_payload.as_slice())
            .map_err(|e| AuditFailure::at(entry.index, format!("receipt does not decode: {e}")))?;
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

    fn receipt_issued(&mut self, entry: &LogEntry) -> Result<(), AuditFailure> {
        let receipt = Self::receipt_of(entry)?;
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
        if receipt.receiver != self.node_id
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

    fn receipt_obtained(&mut self, entry: &LogEntry) -> Result<(), AuditFailure> {
        let receipt = Self::receipt_of(entry)?;
        let fail = |reason: String| AuditFailure::at(entry.index, reason);
        let sent = self.sent.get(&receipt.message_id).ok_or_else(|| {
            fail(format!(
                "receipt obtained for message {}, which this log does not record as sent before it",
                receipt.message_id
            ))
        })?;
        if receipt.receiver != entry.peer
            || sent.recipient != entry.peer
            || receipt.sender != self.node_id
        {
            return Err(fail(format!(
                "receipt for message {} is from {:?} (entry says {:?}), but the message was sent \
                 to {:?}",
                receipt.message_id, receipt.receiver, entry.peer, sent.recipient
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
        if size > self.tree.len() {
            return Err(AuditFailure::at(
                self.tree.len(),
                format!(
                    "missing: a signed checkpoint covers {size} entries but the bundle holds only \
                     {}",
                    self.tree.len()
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
        let checked = verify_own_checkpoint(&self.tree, note_text, &self.origin, &self.own_key)
            .map_err(fail)?;
        if checked != size {
            return Err(fail(format!("filed under size {size} but says {checked}")));
        }
        // Both parse: verify_own_checkpoint just opened them.
        let note = Note::parse(note_text).map_err(|e| fail(e.to_string()))?;
        let parsed = Checkpoint::parse(&note.text).map_err(|e| fail(e.to_string()))?;
        let mut cosigned_by = Vec::new();
        for (peer, key) in &self.peer_keys {
            match checkpoint::verify_cosignature(&note, &parsed, &log_origin(peer), key) {
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
        let entries = self.chain.len();
        let covered = self.latest_checkpoint.as_ref().map_or(0, |c| c.size);
        if covered > entries {
            // check_checkpoint refuses these; kept so that the invariant holds on its own.
            return Err(AuditFailure::at(
                entries,
                format!("missing: the newest checkpoint covers {covered} entries"),
            ));
        }
        Ok(AuditReport {
            node_id: self.node_id,
            entries,
            head_hash: self.chain.head_hash(),
            kinds: self.kinds,
            messages_sent: self.counts[SENT],
            messages_received: self.counts[RECEIVED],
            receipts_issued: self.counts[ISSUED],
            receipts_obtained: self.counts[OBTAINED],
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
        let size = |line: &str, prefix: &str| {
            line.strip_prefix(prefix)
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
        let receipt = AuditVerifier::receipt_of(&entry)?;
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
    use ed25519_dalek::SigningKey;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    /// A log of node "tm" (key 1) with peer "de" (key 2), built as a node builds it.
    struct Log {
        entries: Vec<Vec<u8>>,
        previous: Hash,
    }

    impl Log {
        fn new() -> Self {
            Self {
                entries: Vec::new(),
                previous: ZERO_HASH,
            }
        }

        fn append(&mut self, mut entry: LogEntry) -> u64 {
            let index = self.entries.len() as u64;
            entry.index = index;
            entry.time_ms = 1_700_000_000_000;
            entry.previous_hash = self.previous.to_vec();
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
}
