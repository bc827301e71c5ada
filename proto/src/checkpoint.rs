//! Checkpoints of a node's Merkle-tree audit log, witness cosignatures on them, and
//! offline-verifiable inclusion proof files.
//!
//! Implements three C2SP specifications on top of [`crate::note`]:
//!
//! - c2sp.org/tlog-checkpoint (v1.0.0), sections "Note text" and "Signatures": the checkpoint
//!   is the note text, signed with the log's Ed25519 key under a key name equal to the origin.
//! - c2sp.org/tlog-cosignature, sections "Format" and "Ed25519 signed message": the Ed25519
//!   `cosignature/v1` type (signature type 0x04). The ML-DSA-44 `subtree/v1` type is not
//!   implemented; such lines are kept in the note and ignored.
//! - c2sp.org/tlog-proof (`c2sp.org/tlog-proof@v1`), section "Format". Checking the inclusion
//!   proof against the root is the Merkle code's job, not this module's.
//!
//! A checkpoint text is, byte for byte (LF = 0x0A):
//!
//! ```text
//! origin LF decimal(size) LF base64(root) LF *(extension LF)
//! ```
//!
//! with every line non-empty, the size in ASCII decimal without leading zeros, the root the
//! 32-byte RFC 6962 tree hash in canonical padded base64. In Rogatory the origin is
//! `rogatory/<node id>`. The log's signature line is:
//!
//! ```text
//! key ID    = SHA-256(origin || 0x0A || 0x01 || 32-byte Ed25519 public key)[0..4]
//! signature = Ed25519(checkpoint text)
//! line      = "— " origin " " base64(key ID || signature) LF              (4 + 64 bytes)
//! ```
//!
//! A witness's cosignature line over the same checkpoint, at POSIX time `t` (at most 2^63 - 1):
//!
//! ```text
//! message   = "cosignature/v1" LF "time " decimal(t) LF checkpoint text
//! key ID    = SHA-256(witness name || 0x0A || 0x04 || 32-byte Ed25519 public key)[0..4]
//! signature = Ed25519(message)
//! line      = "— " witness name " " base64(key ID || uint64_be(t) || signature)  (4 + 8 + 64)
//! ```
//!
//! A tlog-proof file is:
//!
//! ```text
//! "c2sp.org/tlog-proof@v1" LF
//! ["extra " base64(extra data) LF]
//! "index " decimal(index) LF
//! *(base64(32-byte hash) LF)        inclusion proof, from the leaf's sibling up to the root
//! LF
//! signed checkpoint note, verbatim (with any cosignatures)
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::note::{
    self, ALG_COSIGNATURE_V1, COSIGNATURE_HEADER, MAX_NOTE_BYTES, Note, NoteError, NoteSignature,
};

/// The largest cosignature timestamp the specification allows, 2^63 - 1.
pub const MAX_COSIGNATURE_TIMESTAMP: u64 = i64::MAX as u64;
/// The first line of a tlog-proof file.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";
/// An inclusion proof in a tree of at most 2^64 leaves has at most 64 hashes.
pub const MAX_PROOF_HASHES: usize = 64;
/// The largest tlog-proof file [`ProofFile::parse`] accepts.
pub const MAX_PROOF_FILE_BYTES: usize = 2 * MAX_NOTE_BYTES;

/// Length of the signature bytes of an Ed25519 cosignature after the key ID.
const COSIGNATURE_LEN: usize = 8 + 64;

/// Why a checkpoint, a cosignature or a proof file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error("checkpoint has {found} lines; origin, tree size and root hash are required")]
    TooFewLines { found: usize },
    #[error("checkpoint line {line} is empty")]
    EmptyLine { line: usize },
    #[error("tree size is not an ASCII decimal number below 2^64 without leading zeros")]
    InvalidSize,
    #[error("root hash is not canonical padded base64")]
    RootEncoding(#[source] base64::DecodeError),
    #[error("root hash is {0} bytes; a SHA-256 root hash is 32 bytes")]
    RootLength(usize),
    #[error("the checkpoint origin or an extension line contains a newline")]
    EmbeddedNewline,
    #[error("the note's text is not this checkpoint")]
    CheckpointMismatch,
    #[error("cosignature timestamp {0} exceeds 2^63 - 1")]
    TimestampTooLarge(u64),
    #[error("note has no cosignature by {name}+{}", hex::encode(key_id))]
    CosignatureNotFound { name: String, key_id: [u8; 4] },
    #[error("the cosignature by {name}+{} does not verify", hex::encode(key_id))]
    BadCosignature { name: String, key_id: [u8; 4] },
    #[error("proof file is {len} bytes long; the limit is {MAX_PROOF_FILE_BYTES}")]
    ProofTooLarge { len: usize },
    #[error("proof file does not start with the line `{TLOG_PROOF_HEADER}`")]
    ProofHeader,
    #[error("proof file extra data is not canonical padded base64")]
    ProofExtra(#[source] base64::DecodeError),
    #[error(
        "proof file has no `index` line with an ASCII decimal below 2^64 without leading zeros"
    )]
    ProofIndex,
    #[error("proof file line {line}: hash is not canonical padded base64")]
    ProofHashEncoding {
        line: usize,
        #[source]
        source: base64::DecodeError,
    },
    #[error("proof file line {line}: hash is {len} bytes; a SHA-256 hash is 32 bytes")]
    ProofHashLength { line: usize, len: usize },
    #[error("inclusion proof has more than {MAX_PROOF_HASHES} hashes")]
    ProofTooLong,
    #[error("proof file has no blank line followed by a checkpoint")]
    ProofMissingCheckpoint,
    #[error("proof is for index {index}, outside a checkpoint of size {size}")]
    ProofIndexOutOfRange { index: u64, size: u64 },
}

/// A checkpoint: a log's origin and its Merkle tree head at one size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, also the key name of its signature: `rogatory/<node id>`.
    pub origin: String,
    /// Number of leaves in the tree.
    pub size: u64,
    /// RFC 6962 root hash of the tree at `size`.
    pub root: [u8; 32],
    /// Opaque extension lines, each non-empty and without newline; normally none.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text: `origin\nsize\nbase64(root)\n` then one line per extension.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        );
        for extension in &self.extensions {
            text.push_str(extension);
            text.push('\n');
        }
        text
    }

    /// Parses a checkpoint note text strictly.
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        note::check_text(text)?;
        let body = text.strip_suffix('\n').unwrap_or(text);
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() < 3 {
            return Err(CheckpointError::TooFewLines { found: lines.len() });
        }
        if let Some(empty) = lines.iter().position(|line| line.is_empty()) {
            return Err(CheckpointError::EmptyLine { line: empty + 1 });
        }
        let size = parse_decimal(lines[1]).ok_or(CheckpointError::InvalidSize)?;
        let root = BASE64
            .decode(lines[2])
            .map_err(CheckpointError::RootEncoding)?;
        let root = <[u8; 32]>::try_from(root.as_slice())
            .map_err(|_| CheckpointError::RootLength(root.len()))?;
        Ok(Checkpoint {
            origin: lines[0].to_owned(),
            size,
            root,
            extensions: lines[3..].iter().map(|line| (*line).to_owned()).collect(),
        })
    }

    /// The note text, after checking that it parses back to exactly this checkpoint.
    fn checked_text(&self) -> Result<String, CheckpointError> {
        if self.origin.contains('\n') || self.extensions.iter().any(|e| e.contains('\n')) {
            return Err(CheckpointError::EmbeddedNewline);
        }
        let text = self.to_text();
        // Without embedded newlines a checkpoint that parses back parses back to itself.
        Checkpoint::parse(&text)?;
        Ok(text)
    }

    /// Signs the checkpoint as a note whose key name is the origin.
    pub fn sign(&self, key: &SigningKey) -> Result<Note, CheckpointError> {
        Ok(Note::sign(&self.checked_text()?, &self.origin, key)?)
    }

    /// Parses a signed checkpoint note and verifies the signature of the checkpoint's own
    /// origin with `key`. Other signature lines (cosignatures) are kept but not checked.
    ///
    /// The origin is taken from the note, so the caller must still check that it is the log
    /// it expected: a node that signs its own log and cosigns others uses one key.
    pub fn open(note: &str, key: &VerifyingKey) -> Result<(Checkpoint, Note), CheckpointError> {
        let note = Note::parse(note)?;
        let checkpoint = Checkpoint::parse(&note.text)?;
        note.verify(&checkpoint.origin, key)?;
        Ok((checkpoint, note))
    }
}

/// The exact bytes a cosignature/v1 signs:
/// `"cosignature/v1\ntime " decimal(timestamp) "\n"` followed by the checkpoint text.
pub fn cosigned_message(timestamp_seconds: u64, checkpoint_text: &str) -> Vec<u8> {
    format!("{COSIGNATURE_HEADER}time {timestamp_seconds}\n{checkpoint_text}").into_bytes()
}

/// Cosigns `checkpoint` as witness `witness_name` at `timestamp_seconds` (POSIX time).
///
/// The result is a signature line to add to the checkpoint's note with
/// [`Note::add_signature`]. A witness must only cosign a checkpoint it has checked to be
/// consistent with every earlier one it saw from that origin.
pub fn cosign(
    checkpoint: &Checkpoint,
    timestamp_seconds: u64,
    witness_name: &str,
    key: &SigningKey,
) -> Result<NoteSignature, CheckpointError> {
    note::check_key_name(witness_name)?;
    if timestamp_seconds > MAX_COSIGNATURE_TIMESTAMP {
        return Err(CheckpointError::TimestampTooLarge(timestamp_seconds));
    }
    let text = checkpoint.checked_text()?;
    let signature = key.sign(&cosigned_message(timestamp_seconds, &text));
    let mut bytes = Vec::with_capacity(COSIGNATURE_LEN);
    bytes.extend_from_slice(&timestamp_seconds.to_be_bytes());
    bytes.extend_from_slice(&signature.to_bytes());
    Ok(NoteSignature {
        name: witness_name.to_owned(),
        key_id: note::key_id(witness_name, ALG_COSIGNATURE_V1, &key.verifying_key()),
        signature: bytes,
    })
}

/// Verifies the cosignature of (`witness_name`, `key`) on `checkpoint` in `note` and returns
/// its timestamp.
///
/// `note` must carry `checkpoint` as its text. Every line of that name and key ID must verify;
/// if there are several, the latest timestamp is returned. Whether the timestamp is plausible
/// (not in the future, recent enough) is for the caller to judge against its clock.
pub fn verify_cosignature(
    note: &Note,
    checkpoint: &Checkpoint,
    witness_name: &str,
    key: &VerifyingKey,
) -> Result<u64, CheckpointError> {
    let text = checkpoint.to_text();
    if note.text != text {
        return Err(CheckpointError::CheckpointMismatch);
    }
    let id = note::key_id(witness_name, ALG_COSIGNATURE_V1, key);
    let bad = || CheckpointError::BadCosignature {
        name: witness_name.to_owned(),
        key_id: id,
    };
    let mut latest = None;
    for line in note.signatures_by(witness_name, id) {
        if line.signature.len() != COSIGNATURE_LEN {
            return Err(bad());
        }
        let (timestamp, signature) = line.signature.split_at(8);
        let timestamp = u64::from_be_bytes(timestamp.try_into().map_err(|_| bad())?);
        if timestamp > MAX_COSIGNATURE_TIMESTAMP {
            return Err(CheckpointError::TimestampTooLarge(timestamp));
        }
        let signature = Signature::from_slice(signature).map_err(|_| bad())?;
        key.verify_strict(&cosigned_message(timestamp, &text), &signature)
            .map_err(|_| bad())?;
        latest = latest.max(Some(timestamp));
    }
    latest.ok_or_else(|| CheckpointError::CosignatureNotFound {
        name: witness_name.to_owned(),
        key_id: id,
    })
}

/// A tlog-proof file: an inclusion proof for one log entry together with the signed (and
/// possibly cosigned) checkpoint it leads to, checkable offline by anyone holding the log's
/// and witnesses' keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofFile {
    /// Opaque, unauthenticated application data; never trust it without checking it.
    pub extra: Option<Vec<u8>>,
    /// Zero-based index of the entry in the log.
    pub index: u64,
    /// RFC 6962 inclusion proof, from the leaf's sibling up to the root's child.
    pub proof: Vec<[u8; 32]>,
    /// The signed checkpoint note, verbatim, ending in a newline.
    pub checkpoint: String,
}

impl ProofFile {
    /// The file's text.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(96 + 45 * self.proof.len() + self.checkpoint.len());
        out.push_str(TLOG_PROOF_HEADER);
        out.push('\n');
        if let Some(extra) = &self.extra {
            out.push_str("extra ");
            out.push_str(&BASE64.encode(extra));
            out.push('\n');
        }
        out.push_str(&format!("index {}\n", self.index));
        for hash in &self.proof {
            out.push_str(&BASE64.encode(hash));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Parses a proof file strictly. The checkpoint must be a well-formed checkpoint note
    /// whose size exceeds the index; its signatures and the proof itself are not checked here.
    pub fn parse(text: &str) -> Result<ProofFile, CheckpointError> {
        if text.len() > MAX_PROOF_FILE_BYTES {
            return Err(CheckpointError::ProofTooLarge { len: text.len() });
        }
        let (header, rest) = text.split_once('\n').ok_or(CheckpointError::ProofHeader)?;
        if header != TLOG_PROOF_HEADER {
            return Err(CheckpointError::ProofHeader);
        }
        let (mut line, mut rest) = rest.split_once('\n').ok_or(CheckpointError::ProofIndex)?;
        let mut line_number = 2;
        let extra = match line.strip_prefix("extra ") {
            Some(encoded) => {
                let extra = BASE64
                    .decode(encoded)
                    .map_err(CheckpointError::ProofExtra)?;
                (line, rest) = rest.split_once('\n').ok_or(CheckpointError::ProofIndex)?;
                line_number += 1;
                Some(extra)
            }
            None => None,
        };
        let index = line
            .strip_prefix("index ")
            .and_then(parse_decimal)
            .ok_or(CheckpointError::ProofIndex)?;
        let mut proof = Vec::new();
        let checkpoint = loop {
            let (line, after) = rest
                .split_once('\n')
                .ok_or(CheckpointError::ProofMissingCheckpoint)?;
            rest = after;
            line_number += 1;
            if line.is_empty() {
                break rest;
            }
            if proof.len() == MAX_PROOF_HASHES {
                return Err(CheckpointError::ProofTooLong);
            }
            let hash =
                BASE64
                    .decode(line)
                    .map_err(|source| CheckpointError::ProofHashEncoding {
                        line: line_number,
                        source,
                    })?;
            let hash = <[u8; 32]>::try_from(hash.as_slice()).map_err(|_| {
                CheckpointError::ProofHashLength {
                    line: line_number,
                    len: hash.len(),
                }
            })?;
            proof.push(hash);
        };
        if checkpoint.is_empty() {
            return Err(CheckpointError::ProofMissingCheckpoint);
        }
        let size = Checkpoint::parse(&Note::parse(checkpoint)?.text)?.size;
        if index >= size {
            return Err(CheckpointError::ProofIndexOutOfRange { index, size });
        }
        Ok(ProofFile {
            extra,
            index,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }
}

/// An ASCII decimal without sign or leading zeros ("0" itself is fine), below 2^64.
fn parse_decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{ALG_ED25519, key_id, verifier_key};
    use proptest::prelude::*;
    use sha2::{Digest, Sha256};

    // Committed vectors, generated independently by testdata/note/generate.py.
    const SIGNED: &str = include_str!("../testdata/note/rogatory-tm-3.checkpoint");
    const COSIGNED: &str = include_str!("../testdata/note/rogatory-tm-3-cosigned.checkpoint");
    const PROOF: &str = include_str!("../testdata/note/rogatory-tm-3-index-0.tlog-proof");
    const COSIGNED_AT: u64 = 1_700_000_000;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn leaf_hash(data: &[u8]) -> [u8; 32] {
        Sha256::new()
            .chain_update([0x00])
            .chain_update(data)
            .finalize()
            .into()
    }

    fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
        Sha256::new()
            .chain_update([0x01])
            .chain_update(left)
            .chain_update(right)
            .finalize()
            .into()
    }

    /// RFC 9162 section 2.1.3.2 inclusion check, to show the proof lines are in RFC order.
    fn root_from_inclusion_proof(
        index: u64,
        size: u64,
        leaf: [u8; 32],
        proof: &[[u8; 32]],
    ) -> [u8; 32] {
        let (mut fn_, mut sn, mut r) = (index, size - 1, leaf);
        for p in proof {
            if fn_ & 1 == 1 || fn_ == sn {
                r = node_hash(p, &r);
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            } else {
                r = node_hash(&r, p);
            }
            fn_ >>= 1;
            sn >>= 1;
        }
        assert_eq!(sn, 0, "proof has the wrong length");
        r
    }

    /// The tree of the committed vectors: leaves "leaf 0", "leaf 1", "leaf 2".
    fn tm_checkpoint() -> Checkpoint {
        let l = [
            leaf_hash(b"leaf 0"),
            leaf_hash(b"leaf 1"),
            leaf_hash(b"leaf 2"),
        ];
        Checkpoint {
            origin: "rogatory/tm".to_owned(),
            size: 3,
            root: node_hash(&node_hash(&l[0], &l[1]), &l[2]),
            extensions: vec![],
        }
    }

    /// The timestamp of a cosignature line, read without verifying it.
    fn timestamp_of(signature: &NoteSignature) -> u64 {
        u64::from_be_bytes(signature.signature[..8].try_into().expect("8 bytes"))
    }

    #[test]
    fn rogatory_checkpoint_known_answer() {
        let checkpoint = tm_checkpoint();
        assert_eq!(
            checkpoint.to_text(),
            "rogatory/tm\n3\n1Pksj7uJcg6ztVZ3x9fvrd/rENEaGoSguo8aIzN/qpU=\n"
        );
        let note = checkpoint.sign(&key(7)).expect("signs");
        assert_eq!(note.encode(), SIGNED);
        assert_eq!(
            verifier_key("rogatory/tm", &key(7).verifying_key()),
            "rogatory/tm+d718e31a+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs"
        );
        let (opened, _) = Checkpoint::open(SIGNED, &key(7).verifying_key()).expect("opens");
        assert_eq!(opened, checkpoint);
    }

    #[test]
    fn rogatory_cosignature_known_answer() {
        let checkpoint = tm_checkpoint();
        let mut note = checkpoint.sign(&key(7)).expect("signs");
        let cosignature =
            cosign(&checkpoint, COSIGNED_AT, "rogatory/de", &key(8)).expect("cosigns");
        assert_eq!(cosignature.key_id, [0xf9, 0x78, 0xda, 0x64]);
        note.add_signature(cosignature);
        assert_eq!(note.encode(), COSIGNED);

        let (opened, note) = Checkpoint::open(COSIGNED, &key(7).verifying_key()).expect("opens");
        assert_eq!(
            verify_cosignature(&note, &opened, "rogatory/de", &key(8).verifying_key())
                .expect("verifies"),
            COSIGNED_AT
        );
    }

    #[test]
    fn rogatory_proof_file_known_answer() {
        let proof = ProofFile {
            extra: None,
            index: 0,
            proof: vec![leaf_hash(b"leaf 1"), leaf_hash(b"leaf 2")],
            checkpoint: COSIGNED.to_owned(),
        };
        assert_eq!(proof.encode(), PROOF);
        let parsed = ProofFile::parse(PROOF).expect("parses");
        assert_eq!(parsed, proof);
        let (checkpoint, _) =
            Checkpoint::open(&parsed.checkpoint, &key(7).verifying_key()).expect("opens");
        assert_eq!(
            root_from_inclusion_proof(
                parsed.index,
                checkpoint.size,
                leaf_hash(b"leaf 0"),
                &parsed.proof
            ),
            checkpoint.root
        );
    }

    #[test]
    fn c2sp_checkpoint_example_parses() {
        // The examples of c2sp.org/tlog-checkpoint and tlog-cosignature (keys unpublished).
        let text =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let encoded = format!(
            "{text}\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
        );
        let note = Note::parse(&encoded).expect("parses");
        let checkpoint = Checkpoint::parse(&note.text).expect("parses");
        assert_eq!(checkpoint.origin, "example.com/behind-the-sofa");
        assert_eq!(checkpoint.size, 20_852_163);
        assert_eq!(checkpoint.to_text(), text);
        assert_eq!(note.signatures[0].signature.len(), 64);
        let witness = &note.signatures[1];
        assert_eq!(witness.signature.len(), 8 + 64);
        // The spec's example signed message carries the same time as the example line.
        assert_eq!(timestamp_of(witness), 1_679_315_147);
        assert_eq!(
            cosigned_message(1_679_315_147, text),
            b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
        assert_eq!(note.encode(), encoded);
    }

    #[test]
    fn transparency_dev_cosignature_layout() {
        // From transparency-dev/formats note_cosigv1_test.go: key ID, then the timestamp.
        let line = "— w ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==\n";
        let note = Note::parse(&format!("a\nb\nc\n\n{line}")).expect("parses");
        assert_eq!(timestamp_of(&note.signatures[0]), 1_727_964_367);
    }

    #[test]
    fn checkpoint_parse_is_strict() {
        let root = "1Pksj7uJcg6ztVZ3x9fvrd/rENEaGoSguo8aIzN/qpU=";
        let cases = [
            (format!("o\n03\n{root}\n"), "tree size"),
            (format!("o\n+3\n{root}\n"), "tree size"),
            (format!("o\n-1\n{root}\n"), "tree size"),
            (format!("o\n 3\n{root}\n"), "tree size"),
            (format!("o\n3 \n{root}\n"), "tree size"),
            (format!("o\n0x3\n{root}\n"), "tree size"),
            (format!("o\n３\n{root}\n"), "tree size"),
            (format!("o\n18446744073709551616\n{root}\n"), "tree size"),
            ("o\n3\nAAAA\n".to_owned(), "3 bytes"),
            (format!("o\n3\n{}=\n", &root[..42]), "not canonical"),
            (format!("o\n3\nAA{root}\n"), "not canonical"),
            (format!("o\n3\n{}\n", BASE64.encode([0u8; 33])), "33 bytes"),
            ("o\n3\n!!!!\n".to_owned(), "not canonical"),
            (format!("o\n3\n{root}"), "does not end with a newline"),
            (format!("\n3\n{root}\n"), "line 1 is empty"),
            (format!("o\n3\n{root}\n\next\n"), "line 4 is empty"),
            ("o\n3\n".to_owned(), "2 lines"),
            (String::new(), "empty"),
            (format!("o\n3\n{root}\r\n"), "control character U+000D"),
        ];
        for (text, message) in cases {
            let err = Checkpoint::parse(&text).expect_err(&text);
            assert!(err.to_string().contains(message), "{text:?}: {err}");
        }
        let max = Checkpoint::parse(&format!("o\n18446744073709551615\n{root}\nx\ny z\n"))
            .expect("parses");
        assert_eq!(max.size, u64::MAX);
        assert_eq!(max.extensions, ["x", "y z"]);
        // Spaces and '+' are allowed in a parsed origin; only signing needs a key name.
        let empty = format!(
            "any log+origin\n0\n{}\n",
            BASE64.encode(Sha256::digest(b""))
        );
        assert_eq!(Checkpoint::parse(&empty).expect("parses").size, 0);
    }

    #[test]
    fn sign_refuses_checkpoints_that_do_not_encode() {
        let mut bad = tm_checkpoint();
        bad.origin = "rogatory tm".to_owned();
        assert!(matches!(
            bad.sign(&key(7)),
            Err(CheckpointError::Note(NoteError::InvalidKeyName { .. }))
        ));
        let mut bad = tm_checkpoint();
        bad.extensions = vec!["a\nb".to_owned()];
        assert!(matches!(
            bad.sign(&key(7)),
            Err(CheckpointError::EmbeddedNewline)
        ));
        let mut bad = tm_checkpoint();
        bad.extensions = vec![String::new()];
        assert!(matches!(
            bad.sign(&key(7)),
            Err(CheckpointError::EmptyLine { line: 4 })
        ));
        let mut bad = tm_checkpoint();
        bad.origin = "rogatory/tm\n4".to_owned();
        assert!(matches!(
            cosign(&bad, 1, "rogatory/de", &key(8)),
            Err(CheckpointError::EmbeddedNewline)
        ));
    }

    #[test]
    fn open_refuses_other_keys_and_tampering() {
        assert!(matches!(
            Checkpoint::open(SIGNED, &key(8).verifying_key()),
            Err(CheckpointError::Note(NoteError::SignatureNotFound { .. }))
        ));
        let tampered = SIGNED.replacen("\n3\n", "\n4\n", 1);
        assert!(matches!(
            Checkpoint::open(&tampered, &key(7).verifying_key()),
            Err(CheckpointError::Note(NoteError::BadSignature { .. }))
        ));
        // A witness's cosignature is not the log's signature, even under the log's name.
        let checkpoint = tm_checkpoint();
        let mut note = Note {
            text: checkpoint.to_text(),
            signatures: vec![],
        };
        note.add_signature(cosign(&checkpoint, 5, "rogatory/tm", &key(7)).expect("cosigns"));
        assert!(matches!(
            Checkpoint::open(&note.encode(), &key(7).verifying_key()),
            Err(CheckpointError::Note(NoteError::SignatureNotFound { .. }))
        ));
    }

    #[test]
    fn cosignature_round_trip_and_rejections() {
        let checkpoint = Checkpoint {
            extensions: vec!["ext one".to_owned()],
            ..tm_checkpoint()
        };
        let de = key(8).verifying_key();
        let mut note = checkpoint.sign(&key(7)).expect("signs");
        note.add_signature(cosign(&checkpoint, 100, "rogatory/de", &key(8)).expect("cosigns"));
        let (opened, note) =
            Checkpoint::open(&note.encode(), &key(7).verifying_key()).expect("opens");
        assert_eq!(
            verify_cosignature(&note, &opened, "rogatory/de", &de).expect("verifies"),
            100
        );

        // Re-cosigning later replaces the line; the later timestamp is reported.
        let mut renewed = note.clone();
        renewed.add_signature(cosign(&checkpoint, 200, "rogatory/de", &key(8)).expect("cosigns"));
        assert_eq!(renewed.signatures.len(), 2);
        assert_eq!(
            verify_cosignature(&renewed, &opened, "rogatory/de", &de).expect("verifies"),
            200
        );

        // A changed timestamp breaks the signature.
        let mut wrong_time = note.clone();
        wrong_time.signatures[1].signature[7] ^= 1;
        assert!(matches!(
            verify_cosignature(&wrong_time, &opened, "rogatory/de", &de),
            Err(CheckpointError::BadCosignature { .. })
        ));
        // A cosignature of another checkpoint, moved onto this one.
        let other = Checkpoint {
            size: 4,
            ..checkpoint.clone()
        };
        let mut moved = note.clone();
        moved.add_signature(cosign(&other, 100, "rogatory/de", &key(8)).expect("cosigns"));
        assert!(matches!(
            verify_cosignature(&moved, &opened, "rogatory/de", &de),
            Err(CheckpointError::BadCosignature { .. })
        ));
        // The right note for another checkpoint.
        assert!(matches!(
            verify_cosignature(&note, &other, "rogatory/de", &de),
            Err(CheckpointError::CheckpointMismatch)
        ));
        // Another witness, or the right witness under another name.
        assert!(matches!(
            verify_cosignature(&note, &opened, "rogatory/de", &key(9).verifying_key()),
            Err(CheckpointError::CosignatureNotFound { .. })
        ));
        assert!(matches!(
            verify_cosignature(&note, &opened, "rogatory/fr", &de),
            Err(CheckpointError::CosignatureNotFound { .. })
        ));
        // The log's own signature is not a cosignature.
        assert!(matches!(
            verify_cosignature(&note, &opened, "rogatory/tm", &key(7).verifying_key()),
            Err(CheckpointError::CosignatureNotFound { .. })
        ));
        // A truncated line of the right key ID.
        let mut short = note.clone();
        short.signatures[1].signature.truncate(70);
        assert!(matches!(
            verify_cosignature(&short, &opened, "rogatory/de", &de),
            Err(CheckpointError::BadCosignature { .. })
        ));
        // Timestamps beyond 2^63 - 1 are refused both ways.
        assert!(matches!(
            cosign(
                &checkpoint,
                MAX_COSIGNATURE_TIMESTAMP + 1,
                "rogatory/de",
                &key(8)
            ),
            Err(CheckpointError::TimestampTooLarge(_))
        ));
        cosign(
            &checkpoint,
            MAX_COSIGNATURE_TIMESTAMP,
            "rogatory/de",
            &key(8),
        )
        .expect("largest time");
        let mut future = note.clone();
        future.signatures[1].signature[0] = 0x80;
        assert!(matches!(
            verify_cosignature(&future, &opened, "rogatory/de", &de),
            Err(CheckpointError::TimestampTooLarge(_))
        ));
        assert!(matches!(
            cosign(&checkpoint, 1, "bad name", &key(8)),
            Err(CheckpointError::Note(NoteError::InvalidKeyName { .. }))
        ));
    }

    #[test]
    fn cosignature_cannot_pass_as_a_note_signature() {
        // Relabel a cosignature's Ed25519 signature as a plain note signature over the message
        // it signed: refused, as the message starts with the cosignature header.
        let checkpoint = tm_checkpoint();
        let cosignature = cosign(&checkpoint, 9, "rogatory/de", &key(8)).expect("cosigns");
        let message = String::from_utf8(cosigned_message(9, &checkpoint.to_text())).expect("UTF-8");
        let forged = Note {
            text: message,
            signatures: vec![NoteSignature {
                name: "rogatory/de".to_owned(),
                key_id: key_id("rogatory/de", ALG_ED25519, &key(8).verifying_key()),
                signature: cosignature.signature[8..].to_vec(),
            }],
        };
        assert!(matches!(
            forged.verify("rogatory/de", &key(8).verifying_key()),
            Err(NoteError::ReservedText)
        ));
    }

    #[test]
    fn c2sp_proof_example_with_extra_round_trips() {
        // The header and proof lines of the c2sp.org/tlog-proof example, with a checkpoint
        // for its origin and size signed by a test key (the example's signatures are elided).
        let checkpoint = Checkpoint {
            origin: "example.com/fancylog".to_owned(),
            size: 109_482,
            root: BASE64
                .decode("sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=")
                .expect("base64")
                .try_into()
                .expect("32 bytes"),
            extensions: vec![],
        };
        let signed = checkpoint.sign(&key(5)).expect("signs").encode();
        let text = format!(
            "c2sp.org/tlog-proof@v1\n\
             extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\n\
             index 73894\n\
             gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n\
             B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\n\
             EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n\
             RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\n\
             AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n\
             \n{signed}"
        );
        let proof = ProofFile::parse(&text).expect("parses");
        assert_eq!(proof.index, 73_894);
        assert_eq!(proof.proof.len(), 5);
        assert!(
            proof
                .extra
                .as_deref()
                .expect("extra")
                .starts_with(b"age-v1.2.1-darwin-arm64.tar.gz")
        );
        assert_eq!(proof.checkpoint, signed);
        assert_eq!(proof.encode(), text);

        let empty = ProofFile {
            extra: Some(vec![]),
            index: 0,
            proof: vec![],
            checkpoint: signed,
        };
        assert_eq!(ProofFile::parse(&empty.encode()).expect("parses"), empty);
    }

    #[test]
    fn proof_parse_is_strict() {
        let body = PROOF
            .strip_prefix("c2sp.org/tlog-proof@v1\n")
            .expect("header");
        let hash = BASE64.encode(leaf_hash(b"x"));
        let cases = [
            (String::new(), "does not start with"),
            (PROOF.replacen("@v1", "@v2", 1), "does not start with"),
            (
                format!("c2sp.org/tlog-proof@v1\r\n{body}"),
                "does not start with",
            ),
            (PROOF.replacen("index 0", "index 00", 1), "no `index` line"),
            (PROOF.replacen("index 0", "index -0", 1), "no `index` line"),
            (PROOF.replacen("index 0", "index  0", 1), "no `index` line"),
            (PROOF.replacen("index 0", "Index 0", 1), "no `index` line"),
            (
                PROOF.replacen("index 0", "index 3", 1),
                "index 3, outside a checkpoint of size 3",
            ),
            (
                PROOF.replacen("index 0\n", "index 0\nextra AAAA\n", 1),
                "line 3: hash is not canonical",
            ),
            (
                PROOF.replacen("index 0", "extra !!\nindex 0", 1),
                "extra data",
            ),
            (
                PROOF.replacen("index 0\n", &format!("index 0\n{}\n", &hash[..43]), 1),
                "line 3: hash is not canonical",
            ),
            (
                PROOF.replacen("index 0\n", "index 0\nAAAA\n", 1),
                "line 3: hash is 3 bytes",
            ),
            (
                PROOF.replacen(
                    "index 0\n",
                    &format!("index 0\n{}", format!("{hash}\n").repeat(63)),
                    1,
                ),
                "more than 64",
            ),
            (
                PROOF.split("\n\n").next().expect("head").to_owned(),
                "no blank line followed",
            ),
            (
                format!("{}\n\n", PROOF.split("\n\n").next().expect("head")),
                "no blank line followed",
            ),
            (PROOF.replacen("\n3\n", "\n03\n", 1), "tree size"),
            (
                PROOF.replacen("— rogatory/tm", "- rogatory/tm", 1),
                "em dash",
            ),
            ("c2sp.org/tlog-proof@v1\n".to_owned(), "no `index` line"),
        ];
        for (text, message) in cases {
            let err = ProofFile::parse(&text).expect_err(&text);
            assert!(err.to_string().contains(message), "{text:?}: {err}");
        }
        // 64 hashes (the deepest possible proof) are accepted.
        let deep = PROOF.replacen(
            "index 0\n",
            &format!("index 0\n{}", format!("{hash}\n").repeat(62)),
            1,
        );
        assert_eq!(ProofFile::parse(&deep).expect("parses").proof.len(), 64);
    }

    proptest! {
        #[test]
        fn parsers_never_panic(text in any::<String>()) {
            let _ = Checkpoint::parse(&text);
            let _ = ProofFile::parse(&text);
            let _ = Checkpoint::open(&text, &key(7).verifying_key());
        }

        #[test]
        fn proof_parse_never_panics_on_mangled_vectors(
            index in 0usize..4096,
            replacement in "[\n a0=+/—]{0,3}",
        ) {
            let at = index % PROOF.len();
            if PROOF.is_char_boundary(at) {
                let text = format!("{}{replacement}{}", &PROOF[..at], &PROOF[at..]);
                if let Ok(proof) = ProofFile::parse(&text) {
                    prop_assert_eq!(proof.encode(), text);
                }
            }
        }

        #[test]
        fn checkpoint_round_trips(
            origin in "[a-z0-9./-]{1,40}",
            size in any::<u64>(),
            root in any::<[u8; 32]>(),
            extensions in proptest::collection::vec("[^\\x00-\\x1f]{1,20}", 0..3),
            time in 0..=MAX_COSIGNATURE_TIMESTAMP,
        ) {
            let checkpoint = Checkpoint { origin, size, root, extensions };
            let parsed = Checkpoint::parse(&checkpoint.to_text()).expect("parses");
            prop_assert_eq!(&parsed, &checkpoint);
            let mut note = checkpoint.sign(&key(7)).expect("signs");
            note.add_signature(cosign(&checkpoint, time, "rogatory/de", &key(8)).expect("cosigns"));
            let encoded = note.encode();
            let (opened, note) = Checkpoint::open(&encoded, &key(7).verifying_key()).expect("opens");
            prop_assert_eq!(&opened, &checkpoint);
            let de = key(8).verifying_key();
            let timestamp = verify_cosignature(&note, &opened, "rogatory/de", &de).expect("verifies");
            prop_assert_eq!(timestamp, time);
        }
    }
}
