//! Consistency proofs between two of a node's signed checkpoints, in the [`ConsistencyFile`]
//! format (section 16 of docs/AUDIT-FORMAT.md): the format's strict parser and encoder, building
//! a proof from a rebuilt tree, and checking a file with nothing but the log's key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::checkpoint::{self, Checkpoint};
use crate::merkle::{self, Hash, MemoryTree};
use crate::note;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::test_log::*;
    use crate::log::entry_hash;

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
        let found = include_str!("../../testdata/fuzz/consistency-file-signed-size");
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
}
