//! [`CrossCheck`]: holds two nodes' logs, each verified on its own, against each other's
//! receipts and key lists, and names every [`Discrepancy`] with its evidence. It checks nothing
//! a single log's audit checks.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;
use prost::Message;

use super::AuditFailure;
use super::entries::receipt_of;
use crate::log::entry_hash;
use crate::merkle::Hash;
use crate::signing::{self, sha256};
use crate::v1::{EntryKind, LogEntry};

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

/// Compares two nodes' logs, each already verified on its own with [`AuditVerifier`](super::AuditVerifier): every
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
    use crate::audit::test_log::*;

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
