//! The per-entry checks of an audit: what each entry must say on its own (its signature, its
//! envelope or receipt naming the entry's message and parties) and against the entries before
//! it (a receipt obtained for a message sent, a receipt issued for a message received).
//!
//! [`Signers::prepare`] does the checks that need nothing but the entry, on any thread;
//! [`Applied::apply`] the rest, in index order. Scheduling the work and checking checkpoints is
//! [`super::verifier`]'s.

use std::collections::{BTreeMap, HashMap, HashSet};

use prost::Message;

use super::AuditFailure;
use super::roster_keys::{AuditHistory, KeyFinding};
use crate::log::{ChainVerifier, EntrySignature, SignerKey, UnlinkedEntry, verify_signatures};
use crate::merkle::{Hash, MemoryTree};
use crate::signing::{self, VerifyError, sha256};
use crate::v1::{EntryKind, Envelope, LogEntry, Receipt};

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
pub(super) struct Signers {
    pub(super) node_id: String,
    pub(super) own_key: SignerKey,
    pub(super) peer_keys: BTreeMap<String, SignerKey>,
    /// With a roster history, signatures are judged against it at their dates, and the keys
    /// above only help name a key the history does not list.
    pub(super) history: Option<AuditHistory>,
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
pub(super) struct PreparedEntry {
    /// Decoded and hashed; the signed payload and signature already taken out.
    unlinked: UnlinkedEntry,
    /// The signature check's verdict, worded as [`crate::log::verify_entry_signature`] does.
    signature: Result<(), String>,
    /// With a roster history: the signature verifies, but not by a key valid at its date.
    finding: Option<KeyFinding>,
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
    pub(super) fn prepare<B: AsRef<[u8]>>(
        &self,
        first_index: u64,
        entries: &[B],
    ) -> Vec<PreparedEntry> {
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
                    finding: None,
                    payload: Ok(PayloadFacts::None),
                },
                None,
            );
        };
        let (payload, receipt_failure) = self.payload_facts(entry);
        if let Some(history) = &self.history {
            let (signature, finding) = self.judge(history, index, entry, receipt_failure);
            entry.signed_payload = Vec::new();
            entry.signature = Vec::new();
            return (
                PreparedEntry {
                    unlinked,
                    signature,
                    finding,
                    payload,
                },
                None,
            );
        }
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
                finding: None,
                payload,
            },
            to_verify,
        )
    }

    /// The signature of `entry` judged against the roster history at its date (the envelope's
    /// creation, the receipt's time; the entry's own time if the payload does not decode, which
    /// fails the entry anyway), strictly, one key at a time. A signature no key valid at its
    /// date verifies is a finding, not a failure: the audit goes on and names every one.
    fn judge(
        &self,
        history: &AuditHistory,
        index: u64,
        entry: &LogEntry,
        receipt_failure: Option<VerifyError>,
    ) -> (Result<(), String>, Option<KeyFinding>) {
        let kind = EntryKind::try_from(entry.kind).unwrap_or(EntryKind::Unspecified);
        let (signer, at_ms) = match kind {
            EntryKind::MessageSent | EntryKind::MessageReceived => {
                let created = Envelope::decode(entry.signed_payload.as_slice())
                    .map_or(entry.time_ms, |e| e.created_at_ms);
                let signer = if kind == EntryKind::MessageSent {
                    self.node_id.as_str()
                } else {
                    entry.peer.as_str()
                };
                (signer, created)
            }
            EntryKind::ReceiptIssued | EntryKind::ReceiptObtained => {
                let received = Receipt::decode(entry.signed_payload.as_slice())
                    .map_or(entry.time_ms, |r| r.received_at_ms);
                let signer = if kind == EntryKind::ReceiptIssued {
                    self.node_id.as_str()
                } else {
                    entry.peer.as_str()
                };
                (signer, received)
            }
            _ => return (Ok(()), None),
        };
        let verifies =
            |key: &SignerKey| match EntrySignature::of(entry, &self.node_id, |_| Some(*key)) {
                Ok(Some(signature)) => signature.verify_strict().is_ok(),
                _ => false,
            };
        let judgement = history.judge(signer, at_ms, self.key_of(signer), verifies);
        if judgement.key.is_some() {
            if let Some(error) = receipt_failure {
                return (
                    Err(format!("signature by {signer:?} does not verify: {error}")),
                    None,
                );
            }
        }
        let finding = judgement.flaw.map(|flaw| KeyFinding {
            index: Some(index),
            checkpoint: None,
            kind: kind
                .as_str_name()
                .trim_start_matches("ENTRY_KIND_")
                .to_owned(),
            node: signer.to_owned(),
            key_fingerprint: flaw.key_fingerprint,
            signed_at_ms: at_ms,
            why: flaw.why,
        });
        (Ok(()), finding)
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
pub(super) fn receipt_of(entry: &LogEntry) -> Result<Receipt, AuditFailure> {
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
pub(super) struct Applied {
    pub(super) chain: ChainVerifier,
    /// Rebuilt from the entries: checkpoints are checked against this, never against a stored
    /// tree, and proofs are built from it.
    pub(super) tree: MemoryTree,
    sent: HashMap<String, Sent>,
    received: HashMap<String, Received>,
    pub(super) kinds: BTreeMap<String, u64>,
    pub(super) counts: [u64; 4],
    /// Signatures not by a key the roster history gives their signer at their date.
    pub(super) key_findings: Vec<KeyFinding>,
    /// Entries whose time is kept (the last entry under each checkpoint: its signing date
    /// under a roster history), and those times.
    pub(super) wanted_times: HashSet<u64>,
    pub(super) times: HashMap<u64, i64>,
}

pub(super) const SENT: usize = 0;
pub(super) const RECEIVED: usize = 1;
pub(super) const ISSUED: usize = 2;
pub(super) const OBTAINED: usize = 3;

impl Applied {
    /// Checks a prepared entry against the entries before it and records it.
    pub(super) fn apply(
        &mut self,
        node_id: &str,
        prepared: PreparedEntry,
    ) -> Result<(), AuditFailure> {
        let (index, hash) = (prepared.unlinked.stored_index(), prepared.unlinked.hash());
        let entry = self
            .chain
            .link(prepared.unlinked)
            .map_err(|e| AuditFailure::at(e.index, e.reason))?;
        prepared
            .signature
            .map_err(|reason| AuditFailure::at(index, reason))?;
        self.key_findings.extend(prepared.finding);
        if self.wanted_times.contains(&index) {
            self.times.insert(index, entry.time_ms);
        }
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
