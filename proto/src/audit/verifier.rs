//! [`AuditVerifier`]: feeds a bundle's entries through the per-entry checks ([`super::entries`]),
//! on every core a chunk at a time, then checks each signed checkpoint against the tree rebuilt
//! from them, and gives the verdict ([`AuditReport`]).
//!
//! It owns the order of work (batches prepared on any thread, applied in index order on the
//! calling one) and the checkpoint checks; what an entry must say is [`super::entries`]'s.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use ed25519_dalek::VerifyingKey;

use super::entries::{Applied, ISSUED, OBTAINED, PreparedEntry, RECEIVED, SENT, Signers};
use super::roster_keys::{AuditHistory, KeyFinding};
use super::{AuditFailure, log_origin};
use crate::checkpoint::{self, Checkpoint, CheckpointError};
use crate::log::{SignerKey, verify_own_checkpoint};
use crate::merkle::{Hash, MemoryTree};
use crate::note::Note;

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
    /// With a roster history ([`AuditVerifier::with_roster_history`]): every signature (of an
    /// entry, a checkpoint, a cosignature) not made by a key valid for its signer at its date.
    /// Any makes the bundle fail, although its chain and tree hold.
    pub key_findings: Vec<KeyFinding>,
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
                history: None,
            },
            origin: log_origin(node_id),
            applied: Applied::default(),
            checkpoints: 0,
            cosignatures: 0,
            latest_checkpoint: None,
            threads: std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        }
    }

    /// A verifier that judges every signature against `history` at the signature's date
    /// (docs/AUDIT-FORMAT.md section 17) instead of trusting one key per node: `own_key` and
    /// `peer_keys` (the bundle's) serve only to name a key the history does not list.
    /// `checkpoint_sizes` are those of the checkpoints to come: the time of the last entry each
    /// covers is kept, as its signing date.
    pub fn with_roster_history(
        node_id: &str,
        own_key: VerifyingKey,
        peer_keys: BTreeMap<String, VerifyingKey>,
        history: AuditHistory,
        checkpoint_sizes: &[u64],
    ) -> Self {
        let mut verifier = Self::new(node_id, own_key, peer_keys);
        verifier.signers.history = Some(history);
        verifier.applied.wanted_times = checkpoint_sizes
            .iter()
            .filter_map(|size| size.checked_sub(1))
            .collect();
        verifier
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
        if self.signers.history.is_some() {
            return self.check_checkpoint_in_history(size, note_text);
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
        Ok(self.checkpoint_checked(size, cosigned_by))
    }

    fn checkpoint_checked(&mut self, size: u64, cosigned_by: Vec<String>) -> CheckpointReport {
        self.checkpoints += 1;
        self.cosignatures += cosigned_by.len() as u64;
        let report = CheckpointReport { size, cosigned_by };
        self.latest_checkpoint = Some(report.clone());
        report
    }

    /// [`AuditVerifier::check_checkpoint`] under a roster history (its order and size checks
    /// made): the node's signature judged at the time of the last entry the checkpoint covers
    /// (the node signs a checkpoint once that entry is written; the note carries no time), each
    /// cosignature at its own time, by every key the history lists for the cosigner (and the
    /// bundle's key for it, to name one the history does not list). The root is checked as
    /// always, whether or not a listed key verifies the note.
    fn check_checkpoint_in_history(
        &mut self,
        size: u64,
        note_text: &str,
    ) -> Result<CheckpointReport, AuditFailure> {
        let fail = |reason: String| AuditFailure {
            index: None,
            reason: format!("checkpoint of size {size}: {reason}"),
        };
        let Some(history) = &self.signers.history else {
            return Err(fail("no roster history".into()));
        };
        let node_id = self.signers.node_id.clone();
        let at_ms = size
            .checked_sub(1)
            .and_then(|last| self.applied.times.get(&last))
            .copied()
            .unwrap_or_default();
        let judgement = history.judge(&node_id, at_ms, Some(self.signers.own_key), |key| {
            Checkpoint::open(note_text, key.key()).is_ok()
        });
        let note = Note::parse(note_text).map_err(|e| fail(e.to_string()))?;
        let parsed = Checkpoint::parse(&note.text).map_err(|e| fail(e.to_string()))?;
        let tree = &self.applied.tree;
        let checked = match &judgement.key {
            Some(key) => {
                verify_own_checkpoint(tree, note_text, &self.origin, key.key()).map_err(fail)?
            }
            None => {
                // No key to open it with: the rest of the checks, on the unverified text.
                if parsed.origin != self.origin {
                    return Err(fail(format!(
                        "checkpoint names log {:?}, not {:?}",
                        parsed.origin, self.origin
                    )));
                }
                let root = crate::merkle::root(tree, parsed.size)
                    .map_err(|e| fail(format!("cannot compute the root: {e}")))?;
                if root != parsed.root {
                    return Err(fail(format!(
                        "the log's first {} entries do not have the root the checkpoint states",
                        parsed.size
                    )));
                }
                parsed.size
            }
        };
        if checked != size {
            return Err(fail(format!("filed under size {size} but says {checked}")));
        }
        let mut findings = Vec::new();
        if let Some(flaw) = judgement.flaw {
            findings.push(KeyFinding {
                index: None,
                checkpoint: Some(size),
                kind: "CHECKPOINT".into(),
                node: node_id.clone(),
                key_fingerprint: flaw.key_fingerprint,
                signed_at_ms: at_ms,
                why: flaw.why,
            });
        }
        let mut cosigned_by = Vec::new();
        let hints = self
            .signers
            .peer_keys
            .iter()
            .map(|(id, key)| (id.as_str(), key));
        let listed = history
            .nodes()
            .filter(|(id, _)| *id != node_id)
            .flat_map(|(id, keys)| keys.iter().map(move |key| (id, key)));
        let mut tried = Vec::new();
        for (peer, key) in listed.chain(hints) {
            if peer == node_id || tried.contains(&(peer, *key.key())) {
                continue;
            }
            tried.push((peer, *key.key()));
            let seconds = match checkpoint::verify_cosignature(
                &note,
                &parsed,
                &log_origin(peer),
                key.key(),
            ) {
                Ok(seconds) => seconds,
                Err(CheckpointError::CosignatureNotFound { .. }) => continue,
                Err(e) => return Err(fail(format!("cosignature by {peer}: {e}"))),
            };
            let at_ms = i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
            let standing = history.standing(peer, key, at_ms);
            if standing == crate::roster::KeyStanding::Valid {
                if !cosigned_by.iter().any(|p| p == peer) {
                    cosigned_by.push(peer.to_owned());
                }
                continue;
            }
            findings.push(KeyFinding {
                index: None,
                checkpoint: Some(size),
                kind: "COSIGNATURE".into(),
                node: peer.to_owned(),
                key_fingerprint: Some(crate::signing::fingerprint(key.key())),
                signed_at_ms: at_ms,
                why: history.why(peer, &standing, at_ms),
            });
        }
        cosigned_by.sort();
        self.applied.key_findings.extend(findings);
        Ok(self.checkpoint_checked(size, cosigned_by))
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
            key_findings: applied.key_findings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::test_log::*;
    use crate::signing;
    use crate::v1::{EntryKind, LogEntry, Receipt};
    use ed25519_dalek::{Signer, SigningKey};
    use proptest::prelude::*;
    use prost::Message;

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
