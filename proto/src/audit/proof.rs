//! Inclusion proofs: a C2SP tlog-proof of one entry against a signed checkpoint, built from the
//! tree an [`super::AuditVerifier`] rebuilt, and checked with nothing but the log's key.

use crate::checkpoint::{Checkpoint, ProofFile};
use crate::merkle::{self, MemoryTree};
use crate::note;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::test_log::*;

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
}
