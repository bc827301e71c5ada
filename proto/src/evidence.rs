//! Misbehaviour evidence (AUDIT-FORMAT.md section 7), read and checked by anyone holding the
//! accused peer's public key: the two signed checkpoints and what makes them contradict.
//!
//! A node writes this text into its `PEER_MISBEHAVIOUR` entries; an auditor checks it here,
//! with no trust in the node that wrote it: both notes must carry the peer's own signature, and
//! the contradiction is recomputed from the notes (and the proof), never read from the reason.

use base64::Engine;
use ed25519_dalek::VerifyingKey;

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::merkle;

const HEADER: &str = "rogatory misbehaviour evidence v1\n";
const HELD: &str = "\n--- checkpoint held before\n";
const SHOWN: &str = "\n--- checkpoint shown\n";
const PROOF: &str = "\n--- consistency proof from size ";

/// Evidence text, split into its parts (nothing verified yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub peer: String,
    pub reason: String,
    /// The checkpoint the node held, as the peer signed it.
    pub held_note: String,
    /// The checkpoint the peer then showed.
    pub shown_note: String,
    /// The size the consistency proof starts from, and its hashes.
    pub proof_from: u64,
    pub proof: Vec<merkle::Hash>,
}

/// What the two checkpoints prove against the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contradiction {
    /// Two signed roots for one tree size: conclusive on its own.
    Fork { size: u64 },
    /// A smaller tree shown after a larger one: the peer went back (not a fork by itself).
    Rollback { shown: u64, held: u64 },
    /// A larger tree shown with a proof from the held one that does not verify: the peer can
    /// clear itself only with a valid consistency proof from `held` to `shown`.
    NotExtended { held: u64, shown: u64 },
}

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("not misbehaviour evidence v1: {0}")]
    Malformed(&'static str),
    #[error("a checkpoint in the evidence does not verify with the peer's key: {0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("a checkpoint in the evidence is of log {0:?}, not of the accused peer")]
    Origin(String),
    #[error("the two checkpoints do not contradict each other")]
    Consistent,
}

impl Evidence {
    /// Splits evidence text into its parts (AUDIT-FORMAT.md section 7).
    pub fn parse(text: &str) -> Result<Self, EvidenceError> {
        let malformed = EvidenceError::Malformed;
        let rest = text.strip_prefix(HEADER).ok_or(malformed("header"))?;
        let (head, rest) = rest
            .split_once(HELD)
            .ok_or(malformed("no held checkpoint"))?;
        let (held, rest) = rest
            .split_once(SHOWN)
            .ok_or(malformed("no shown checkpoint"))?;
        let (shown, rest) = rest.split_once(PROOF).ok_or(malformed("no proof"))?;
        let field = |name: &str| {
            head.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
                .map(str::to_owned)
        };
        let (from, hashes) = rest.split_once('\n').ok_or(malformed("proof size"))?;
        let proof = hashes
            .lines()
            .map(|line| {
                base64::engine::general_purpose::STANDARD
                    .decode(line)
                    .ok()
                    .and_then(|hash| merkle::Hash::try_from(hash.as_slice()).ok())
            })
            .collect::<Option<Vec<_>>>()
            .ok_or(malformed("a proof hash is not 32 bytes of base64"))?;
        Ok(Self {
            peer: field("peer").ok_or(malformed("no peer"))?,
            reason: field("reason").ok_or(malformed("no reason"))?,
            // Each note keeps its final LF: the separator's leading LF is the empty line.
            held_note: held.to_owned(),
            shown_note: shown.to_owned(),
            proof_from: from.parse().map_err(|_| malformed("proof size"))?,
            proof,
        })
    }

    /// Checks both notes with `peer_key` (the key of [`Evidence::peer`], from an independent
    /// source) and recomputes what they prove.
    pub fn verify(&self, peer_key: &VerifyingKey) -> Result<Contradiction, EvidenceError> {
        let origin = crate::audit::log_origin(&self.peer);
        let open = |note: &str| {
            let (checkpoint, _) = Checkpoint::open(note, peer_key)?;
            if checkpoint.origin == origin {
                Ok(checkpoint)
            } else {
                Err(EvidenceError::Origin(checkpoint.origin))
            }
        };
        let held = open(&self.held_note)?;
        let shown = open(&self.shown_note)?;
        if shown.size == held.size {
            return if shown.root == held.root {
                Err(EvidenceError::Consistent)
            } else {
                Ok(Contradiction::Fork { size: held.size })
            };
        }
        if shown.size < held.size {
            return Ok(Contradiction::Rollback {
                shown: shown.size,
                held: held.size,
            });
        }
        let extends = self.proof_from == held.size
            && merkle::verify_consistency(
                held.size,
                shown.size,
                &self.proof,
                &held.root,
                &shown.root,
            )
            .is_ok();
        if extends {
            return Err(EvidenceError::Consistent);
        }
        Ok(Contradiction::NotExtended {
            held: held.size,
            shown: shown.size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    fn note(key: &SigningKey, size: u64, root: u8) -> String {
        Checkpoint {
            origin: "rogatory/de".into(),
            size,
            root: [root; 32],
            extensions: Vec::new(),
        }
        .sign(key)
        .expect("signs")
        .encode()
    }

    fn text(held: &str, shown: &str, from: u64, proof: &[&str]) -> String {
        let mut text = format!(
            "{HEADER}peer de\nobserved_at_ms 1\nreason fork: x\n\n--- checkpoint held before\n\
             {held}\n--- checkpoint shown\n{shown}\n--- consistency proof from size {from}\n"
        );
        for line in proof {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    #[test]
    fn a_fork_is_proven_with_the_peers_key_alone() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let evidence =
            Evidence::parse(&text(&note(&key, 5, 1), &note(&key, 5, 2), 5, &[])).expect("parses");
        assert_eq!(evidence.peer, "de");
        assert_eq!(
            evidence.verify(&key.verifying_key()).expect("verifies"),
            Contradiction::Fork { size: 5 }
        );
        let other = SigningKey::from_bytes(&[8; 32]);
        assert!(matches!(
            evidence.verify(&other.verifying_key()),
            Err(EvidenceError::Checkpoint(_))
        ));
    }

    #[test]
    fn consistent_checkpoints_are_no_evidence() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let same =
            Evidence::parse(&text(&note(&key, 5, 1), &note(&key, 5, 1), 5, &[])).expect("parses");
        assert!(matches!(
            same.verify(&key.verifying_key()),
            Err(EvidenceError::Consistent)
        ));
        let leaves: Vec<merkle::Hash> = (0..6u8).map(|i| merkle::leaf_hash(&[i])).collect();
        let tree = |n: usize| leaves[..n].iter().copied().collect::<merkle::MemoryTree>();
        let signed = |n: usize| {
            Checkpoint {
                origin: "rogatory/de".into(),
                size: n as u64,
                root: tree(n).root(),
                extensions: Vec::new(),
            }
            .sign(&key)
            .expect("signs")
            .encode()
        };
        let proof: Vec<String> = merkle::consistency_proof(&tree(6), 3, 6)
            .expect("proof")
            .iter()
            .map(|hash| base64::engine::general_purpose::STANDARD.encode(hash))
            .collect();
        let proof: Vec<&str> = proof.iter().map(String::as_str).collect();
        let extended = Evidence::parse(&text(&signed(3), &signed(6), 3, &proof)).expect("parses");
        assert!(matches!(
            extended.verify(&key.verifying_key()),
            Err(EvidenceError::Consistent)
        ));
        let unproven = Evidence::parse(&text(&signed(3), &signed(6), 3, &[])).expect("parses");
        assert_eq!(
            unproven.verify(&key.verifying_key()).expect("verifies"),
            Contradiction::NotExtended { held: 3, shown: 6 }
        );
    }
}
