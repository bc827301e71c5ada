//! Test fixture shared by the audit's unit tests: a log of node "tm" with peer "de", built as a
//! node builds it (optionally wrong in one place), and its signed checkpoints.

use std::collections::BTreeMap;

use ed25519_dalek::SigningKey;
use prost::Message;

use super::AuditVerifier;
use crate::checkpoint::{self, Checkpoint};
use crate::log::{ZERO_HASH, entry_hash};
use crate::merkle::{Hash, MemoryTree};
use crate::signing::{self, WIRE_VERSION, sha256};
use crate::v1::{EntryKind, Envelope, LogEntry, Receipt};

pub(super) fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

/// A log of node "tm" (key 1) with peer "de" (key 2), built as a node builds it.
/// A change made to one entry before it is chained: a log wrong in one place.
pub(super) type Tamper = fn(&mut LogEntry);

pub(super) struct Log {
    pub(super) entries: Vec<Vec<u8>>,
    pub(super) previous: Hash,
    /// Applied to the entry of that index.
    pub(super) tamper: Option<(u64, Tamper)>,
}

impl Log {
    pub(super) fn new() -> Self {
        Self {
            entries: Vec::new(),
            previous: ZERO_HASH,
            tamper: None,
        }
    }

    pub(super) fn append(&mut self, mut entry: LogEntry) -> u64 {
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

    pub(super) fn envelope(id: &str, sender: &str, recipient: &str) -> Envelope {
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

    pub(super) fn sent(&mut self, id: &str) -> (u64, Vec<u8>) {
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

    pub(super) fn obtained(&mut self, receipt: &Receipt, signer: &SigningKey) -> u64 {
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

    pub(super) fn received(&mut self, id: &str) -> (u64, Hash, Vec<u8>) {
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

    pub(super) fn issued(&mut self, receipt: &Receipt) -> u64 {
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

    pub(super) fn local(&mut self) -> u64 {
        self.append(LogEntry {
            kind: EntryKind::LocalAction as i32,
            detail: "started by test".into(),
            ..Default::default()
        })
    }

    pub(super) fn checkpoint(&self, size: usize, signer: &SigningKey) -> String {
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

pub(super) fn obtained_receipt(id: &str, payload: &[u8]) -> Receipt {
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

pub(super) fn issued_receipt(id: &str, index: u64, hash: Hash, payload: &[u8]) -> Receipt {
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
pub(super) fn good_log() -> Log {
    let mut log = Log::new();
    log.local();
    let (_, payload) = log.sent("m1");
    log.obtained(&obtained_receipt("m1", &payload), &key(2));
    let (index, hash, payload) = log.received("m2");
    log.issued(&issued_receipt("m2", index, hash, &payload));
    log
}

pub(super) fn verifier() -> AuditVerifier {
    AuditVerifier::new(
        "tm",
        key(1).verifying_key(),
        BTreeMap::from([("de".to_owned(), key(2).verifying_key())]),
    )
}
