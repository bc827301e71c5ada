//! Judging a peer's checkpoint against the one this node holds of its log: the same, newer
//! with a valid consistency proof, a contradiction (a fork, a rollback, a proof that fails), or
//! not evidence of anything (it does not verify, is not the peer's, or the proof is from
//! another size). Plain functions over the notes, the peer's key and the proof: which
//! checkpoint is held, adopting one and recording evidence are `delivery::witness`.

use ed25519_dalek::VerifyingKey;
use rogatory_proto::checkpoint::Checkpoint;
use rogatory_proto::ids::{InvalidNodeId, NodeId};
use rogatory_proto::merkle;
use rogatory_proto::note::Note;

/// How the peer presented the checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// In a receipt: it was the newest when the receipt was made, but receipts of concurrent
    /// deliveries may arrive in any order.
    Receipt,
    /// In a witness request: the peer says this is its newest checkpoint now.
    Newest,
}

/// What a peer's checkpoint says, against the one held of its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// It extends the one held (or is the first): to be adopted.
    Extends(Checkpoint),
    /// Nothing new: the checkpoint held (then given), or an older one in a receipt.
    Same(Option<Checkpoint>),
    /// In a witness request: the proof is not from the size held.
    WrongBase { held: u64 },
    /// It does not verify or is not this peer's: not evidence of anything.
    Invalid(String),
    /// The peer contradicted itself: `held_note` and the note shown are the evidence.
    Contradicts { reason: String, held_note: String },
}

/// The checkpoint a note carries, unverified (`None` if it is not one).
pub fn parse_note(note: &str) -> Option<Checkpoint> {
    Note::parse(note)
        .ok()
        .and_then(|n| Checkpoint::parse(&n.text).ok())
}

/// Judges the checkpoint `note` that `peer` (whose key is `key`, none if it is not a peer)
/// showed as `claim`, with a consistency proof from size `from_size`, against `held`, the
/// checkpoint of its log this node holds and that checkpoint's note. Fails only if `peer` is no
/// node id, which a peer table never holds.
pub fn judge(
    peer: &str,
    key: Option<&VerifyingKey>,
    held: Option<(Checkpoint, String)>,
    note: &str,
    from_size: u64,
    proof: &[Vec<u8>],
    claim: Claim,
) -> Result<Judgement, InvalidNodeId> {
    let Some(key) = key else {
        return Ok(Judgement::Invalid(format!("{peer} is not a peer")));
    };
    if let Some((held, held_note)) = &held
        && already_held(held, held_note, note, claim)
    {
        return Ok(Judgement::Same(
            (claim == Claim::Newest).then(|| held.clone()),
        ));
    }
    let checkpoint = match Checkpoint::open(note, key) {
        Ok((checkpoint, _)) => checkpoint,
        Err(error) => {
            return Ok(Judgement::Invalid(format!(
                "checkpoint does not verify: {error}"
            )));
        }
    };
    let peer_id = NodeId::parse(peer)?;
    if checkpoint.origin != rogatory_proto::audit::log_origin(peer_id.as_str()) {
        return Ok(Judgement::Invalid(format!(
            "checkpoint origin {:?} is not {peer}'s",
            checkpoint.origin
        )));
    }
    let Some((held, held_note)) = held else {
        if claim == Claim::Newest && from_size != 0 {
            return Ok(Judgement::WrongBase { held: 0 });
        }
        return Ok(Judgement::Extends(checkpoint));
    };
    let contradicts = |reason: String| Judgement::Contradicts {
        reason,
        held_note: held_note.clone(),
    };
    if checkpoint.size == held.size {
        // Different notes of one size: harmless if only the (co)signatures differ. A fork is
        // caught whatever size the proof claims to start from.
        return Ok(if checkpoint.root == held.root {
            Judgement::Same(Some(checkpoint))
        } else {
            contradicts(format!(
                "fork: two different signed roots for tree size {}",
                held.size
            ))
        });
    }
    if claim == Claim::Newest && from_size != held.size {
        // Even a checkpoint smaller than the one held is no proof of a rollback here: the
        // caller may have signed a newer one since it sent this request, and the newer one
        // reached this node first in a receipt. Told the size held, an honest caller shows its
        // newest (never smaller than that); a rolled-back one can only show a smaller one
        // while naming the size held, and is caught below.
        return Ok(Judgement::WrongBase { held: held.size });
    }
    if checkpoint.size < held.size {
        if claim == Claim::Receipt {
            return Ok(Judgement::Same(None));
        }
        return Ok(contradicts(format!(
            "rollback: showed tree size {} after having shown {}",
            checkpoint.size, held.size
        )));
    }
    if from_size != held.size {
        return Ok(Judgement::Invalid(format!(
            "consistency proof is from size {from_size}, not from the held size {}",
            held.size
        )));
    }
    let Some(hashes) = to_hashes(proof) else {
        return Ok(Judgement::Invalid("a proof hash is not 32 bytes".into()));
    };
    match merkle::verify_consistency(
        held.size,
        checkpoint.size,
        &hashes,
        &held.root,
        &checkpoint.root,
    ) {
        Ok(()) => Ok(Judgement::Extends(checkpoint)),
        Err(error) => Ok(contradicts(format!(
            "checkpoint of size {} does not extend the one of size {}: {error}",
            checkpoint.size, held.size
        ))),
    }
}

/// Whether `note` says nothing new about the peer's log, told without verifying signatures
/// (most receipts carry the checkpoint already held): the held checkpoint itself, whatever
/// (co)signatures come with it, or in a receipt an older size.
pub fn already_held(held: &Checkpoint, held_note: &str, note: &str, claim: Claim) -> bool {
    if held_note == note {
        return true;
    }
    let Some(shown) = parse_note(note) else {
        return false;
    };
    shown == *held || (claim == Claim::Receipt && shown.size < held.size)
}

fn to_hashes(proof: &[Vec<u8>]) -> Option<Vec<merkle::Hash>> {
    proof
        .iter()
        .map(|hash| <merkle::Hash>::try_from(hash.as_slice()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use rogatory_proto::merkle::MemoryTree;

    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    /// A log of `size` entries, each its index (`salt` changes them: another history).
    fn tree(size: u8, salt: u8) -> MemoryTree {
        let mut tree = MemoryTree::new();
        for entry in 0..size {
            tree.push(merkle::leaf_hash(&[entry, salt]));
        }
        tree
    }

    /// tm's checkpoint of `tree`, signed by `signer`, and its note.
    fn signed(tree: &MemoryTree, origin: &str, signer: &SigningKey) -> (Checkpoint, String) {
        let checkpoint = Checkpoint {
            origin: origin.into(),
            size: tree.len(),
            root: tree.root(),
            extensions: Vec::new(),
        };
        let note = checkpoint.sign(signer).expect("signs").encode();
        (checkpoint, note)
    }

    fn of_tm(tree: &MemoryTree) -> (Checkpoint, String) {
        signed(tree, "rogatory/tm", &key(1))
    }

    fn proof(tree: &MemoryTree, from: u64) -> Vec<Vec<u8>> {
        merkle::consistency_proof(tree, from, tree.len())
            .expect("a proof")
            .iter()
            .map(|hash| hash.to_vec())
            .collect()
    }

    /// Judges `shown` with `proof` from `from_size` against `held`, as tm's witness.
    fn judged(
        held: Option<&(Checkpoint, String)>,
        shown: &str,
        from_size: u64,
        proof: &[Vec<u8>],
        claim: Claim,
    ) -> Judgement {
        let key = key(1).verifying_key();
        judge(
            "tm",
            Some(&key),
            held.cloned(),
            shown,
            from_size,
            proof,
            claim,
        )
        .expect("tm is an id")
    }

    #[test]
    fn a_first_checkpoint_is_adopted_and_the_same_one_again_is_nothing_new() {
        let first = of_tm(&tree(3, 0));
        for claim in [Claim::Receipt, Claim::Newest] {
            assert_eq!(
                judged(None, &first.1, 0, &[], claim),
                Judgement::Extends(first.0.clone())
            );
        }
        assert_eq!(
            judged(Some(&first), &first.1, 3, &[], Claim::Receipt),
            Judgement::Same(None)
        );
        assert_eq!(
            judged(Some(&first), &first.1, 3, &[], Claim::Newest),
            Judgement::Same(Some(first.0.clone()))
        );
        // In a witness request, the first checkpoint must come with a proof from nothing.
        assert_eq!(
            judged(None, &first.1, 2, &[], Claim::Newest),
            Judgement::WrongBase { held: 0 }
        );
    }

    #[test]
    fn a_newer_checkpoint_with_a_valid_proof_extends_the_one_held() {
        let log = tree(7, 0);
        let held = of_tm(&tree(3, 0));
        let newer = of_tm(&log);
        for claim in [Claim::Receipt, Claim::Newest] {
            assert_eq!(
                judged(Some(&held), &newer.1, 3, &proof(&log, 3), claim),
                Judgement::Extends(newer.0.clone())
            );
        }
    }

    #[test]
    fn two_roots_of_one_size_are_a_fork() {
        let held = of_tm(&tree(5, 0));
        let fork = of_tm(&tree(5, 1));
        for (from_size, claim) in [(5, Claim::Receipt), (0, Claim::Newest), (5, Claim::Newest)] {
            let Judgement::Contradicts { reason, held_note } =
                judged(Some(&held), &fork.1, from_size, &[], claim)
            else {
                panic!("a fork passed as {claim:?} from {from_size}");
            };
            assert!(reason.starts_with("fork:"), "{reason}");
            assert_eq!(held_note, held.1);
        }
    }

    #[test]
    fn a_smaller_checkpoint_is_a_rollback_only_when_claimed_newest_from_the_size_held() {
        let held = of_tm(&tree(5, 0));
        let older = of_tm(&tree(3, 0));
        let Judgement::Contradicts { reason, .. } =
            judged(Some(&held), &older.1, 5, &[], Claim::Newest)
        else {
            panic!("a rollback passed");
        };
        assert!(reason.starts_with("rollback:"), "{reason}");
        // A receipt may be older than another that arrived first.
        assert_eq!(
            judged(Some(&held), &older.1, 5, &[], Claim::Receipt),
            Judgement::Same(None)
        );
        // A witness request from another size: told the size held, an honest caller answers.
        assert_eq!(
            judged(Some(&held), &older.1, 3, &[], Claim::Newest),
            Judgement::WrongBase { held: 5 }
        );
    }

    #[test]
    fn a_newer_checkpoint_whose_proof_fails_contradicts_the_one_held() {
        let held = of_tm(&tree(3, 0));
        let other_history = tree(7, 1);
        let newer = of_tm(&other_history);
        let Judgement::Contradicts { reason, .. } = judged(
            Some(&held),
            &newer.1,
            3,
            &proof(&other_history, 3),
            Claim::Receipt,
        ) else {
            panic!("a proof of another history passed");
        };
        assert!(reason.contains("does not extend"), "{reason}");
        // A proof that is not even hashes, or from another size, is no evidence.
        let log = tree(7, 0);
        let newer = of_tm(&log);
        assert!(matches!(
            judged(Some(&held), &newer.1, 3, &[vec![0; 31]], Claim::Receipt),
            Judgement::Invalid(_)
        ));
        assert!(matches!(
            judged(Some(&held), &newer.1, 2, &proof(&log, 3), Claim::Receipt),
            Judgement::Invalid(_)
        ));
    }

    #[test]
    fn a_note_that_does_not_verify_or_is_not_the_peers_is_invalid() {
        let log = tree(3, 0);
        let held = of_tm(&tree(2, 0));
        let forged = signed(&log, "rogatory/tm", &key(2));
        let other_origin = signed(&log, "rogatory/de", &key(1));
        for shown in [forged.1.as_str(), other_origin.1.as_str(), "not a note"] {
            for held in [None, Some(&held)] {
                assert!(
                    matches!(
                        judged(held, shown, 2, &proof(&log, 2), Claim::Receipt),
                        Judgement::Invalid(_)
                    ),
                    "{shown}"
                );
            }
        }
        assert!(matches!(
            judge("tm", None, None, &of_tm(&log).1, 0, &[], Claim::Receipt),
            Ok(Judgement::Invalid(_))
        ));
    }

    #[test]
    fn already_held_tells_nothing_new_without_verifying() {
        let held = of_tm(&tree(5, 0));
        let (checkpoint, note) = &held;
        assert!(already_held(checkpoint, note, note, Claim::Newest));
        let older = of_tm(&tree(3, 0));
        assert!(already_held(checkpoint, note, &older.1, Claim::Receipt));
        assert!(!already_held(checkpoint, note, &older.1, Claim::Newest));
        assert!(!already_held(
            checkpoint,
            note,
            &of_tm(&tree(6, 0)).1,
            Claim::Receipt
        ));
        assert!(!already_held(
            checkpoint,
            note,
            "not a note",
            Claim::Receipt
        ));
    }
}
