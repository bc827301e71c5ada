//! Signed notes: text signed by one or more named keys, as specified by C2SP signed-note.
//!
//! Implements c2sp.org/signed-note (v1.0.0), sections "Format" and "Signatures" with the
//! "Ed25519 signatures" signature type (0x01), and the verifier key encoding of
//! golang.org/x/mod/sumdb/note (the "vkey" of signed-note). The cosignature type 0x04 is
//! defined here only as a key-ID algorithm byte; its signatures live in [`crate::checkpoint`].
//! This module does not sign or verify ECDSA, RFC 6962 or ML-DSA signatures: lines carrying
//! them parse and are kept, but only a caller-chosen Ed25519 key is ever verified.
//!
//! An encoded note is, byte for byte:
//!
//! ```text
//! note      = text LF signature-line+
//! text      = one or more lines, each ending in LF (the signed bytes; the final LF included)
//! signature-line = U+2014 SP key-name SP base64(key-id || signature) LF
//! ```
//!
//! The whole note is UTF-8 without ASCII control characters other than LF. The text is
//! separated from the signatures by the *last* blank line, so the text may itself contain
//! blank lines. Key names are non-empty and contain no Unicode white space and no `+`. Base64
//! is RFC 4648 section 4 with padding, canonical only (no stray trailing bits).
//!
//! For Ed25519 (type 0x01) the signed bytes are exactly the text, and
//!
//! ```text
//! key-id    = SHA-256(key-name || 0x0A || 0x01 || 32-byte public key)[0..4]
//! signature = Ed25519(text)                               (RFC 8032, 64 bytes)
//! ```
//!
//! A verifier key is `key-name "+" hex8(key-id) "+" base64(0x01 || public key)`.
//!
//! Limits: an encoded note is at most [`MAX_NOTE_BYTES`] long and carries at most
//! [`MAX_SIGNATURES`] signature lines (the specification requires accepting 16). A text that
//! starts with `cosignature/v1` LF is refused for Ed25519 note signatures in both directions,
//! so that a node's key can sign its own checkpoints and cosign other logs' checkpoints without
//! one kind of signature ever standing in for the other.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Signature type byte of plain Ed25519 note signatures (signed-note, "Signature types").
pub const ALG_ED25519: u8 = 0x01;
/// Signature type byte of timestamped Ed25519 witness cosignatures (tlog-cosignature).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;
/// The largest encoded note [`Note::parse`] accepts and [`Note::sign`] produces.
pub const MAX_NOTE_BYTES: usize = 128 * 1024;
/// The most signature lines [`Note::parse`] accepts (the same limit as Go's sumdb/note).
pub const MAX_SIGNATURES: usize = 100;

/// The first line of every cosignature/v1 signed message. Ed25519 note signatures never cover
/// a text starting with it, which keeps the two signature types apart under one key.
pub(crate) const COSIGNATURE_HEADER: &str = "cosignature/v1\n";

const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Why a note, a key name or a verifier key was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    #[error("note is {len} bytes long; the limit is {MAX_NOTE_BYTES}")]
    TooLarge { len: usize },
    #[error("note is not valid UTF-8")]
    NotUtf8(#[source] std::str::Utf8Error),
    #[error(
        "note contains control character U+{code:04X} at byte {offset}; only newline is allowed"
    )]
    ControlCharacter { code: u32, offset: usize },
    #[error("note text is empty")]
    EmptyText,
    #[error("note text does not end with a newline")]
    TextNotNewlineTerminated,
    #[error("note text starts with `cosignature/v1`, which is reserved for witness cosignatures")]
    ReservedText,
    #[error("no blank line separates the note text from its signatures")]
    MissingBlankLine,
    #[error("note has no signature lines after the blank line")]
    NoSignatures,
    #[error("the last signature line does not end with a newline")]
    SignatureNotNewlineTerminated,
    #[error("line {line}: a signature line must start with an em dash (U+2014) and a space")]
    MissingEmDash { line: usize },
    #[error("line {line}: no space between the key name and the signature")]
    MissingSignature { line: usize },
    #[error("line {line}: invalid key name (empty, or contains white space or '+')")]
    InvalidSignatureName { line: usize },
    #[error("line {line}: signature is not canonical padded base64")]
    SignatureEncoding {
        line: usize,
        #[source]
        source: base64::DecodeError,
    },
    #[error("line {line}: signature is {len} bytes; a 4-byte key ID and a signature are needed")]
    SignatureTooShort { line: usize, len: usize },
    #[error("note has more than {MAX_SIGNATURES} signature lines")]
    TooManySignatures,
    #[error("key name {name:?} is invalid: it must be non-empty, without white space or '+'")]
    InvalidKeyName { name: String },
    #[error("verifier key is malformed: {0}")]
    MalformedVerifierKey(&'static str),
    #[error("verifier key is not canonical padded base64")]
    VerifierKeyEncoding(#[source] base64::DecodeError),
    #[error(
        "verifier key declares key ID {} but its name and key give {}",
        hex::encode(found),
        hex::encode(expected)
    )]
    KeyIdMismatch { found: [u8; 4], expected: [u8; 4] },
    #[error("unsupported signature type {0:#04x}; only Ed25519 (0x01) verifier keys are accepted")]
    UnsupportedAlgorithm(u8),
    #[error("verifier key is not a valid Ed25519 public key")]
    InvalidPublicKey(#[source] ed25519_dalek::SignatureError),
    #[error("note has no signature by {name}+{}", hex::encode(key_id))]
    SignatureNotFound { name: String, key_id: [u8; 4] },
    #[error("the signature by {name}+{} does not verify", hex::encode(key_id))]
    BadSignature { name: String, key_id: [u8; 4] },
}

/// The key ID of `key` under `name` for signature type `alg`:
/// the first 4 bytes of SHA-256(name || 0x0A || alg || public key).
pub fn key_id(name: &str, alg: u8, key: &VerifyingKey) -> [u8; 4] {
    key_id_of_encoded(name, &[&[alg], key.as_bytes()])
}

fn key_id_of_encoded(name: &str, encoded_key: &[&[u8]]) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n']);
    for part in encoded_key {
        hasher.update(part);
    }
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// The verifier key string `name+hex(key ID)+base64(0x01 || public key)` for an Ed25519 key.
///
/// `name` should satisfy [`check_key_name`]; a string built from an invalid name is refused by
/// [`parse_verifier_key`].
pub fn verifier_key(name: &str, key: &VerifyingKey) -> String {
    let mut encoded = Vec::with_capacity(33);
    encoded.push(ALG_ED25519);
    encoded.extend_from_slice(key.as_bytes());
    format!(
        "{name}+{}+{}",
        hex::encode(key_id(name, ALG_ED25519, key)),
        BASE64.encode(encoded)
    )
}

/// Parses an Ed25519 verifier key string, checking that its key ID matches its name and key.
pub fn parse_verifier_key(text: &str) -> Result<(String, VerifyingKey), NoteError> {
    // The base64 part may itself contain '+', so only the first two separate fields.
    let (name, rest) = text
        .split_once('+')
        .ok_or(NoteError::MalformedVerifierKey("expected name+keyid+key"))?;
    let (id_hex, key_base64) = rest
        .split_once('+')
        .ok_or(NoteError::MalformedVerifierKey("expected name+keyid+key"))?;
    check_key_name(name)?;
    // Lowercase only: one key has one written form, so a key compared as text (pinned keys,
    // `keys.txt`) cannot differ from the same key parsed.
    if id_hex.len() != 8
        || !id_hex
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(NoteError::MalformedVerifierKey(
            "the key ID must be 8 lowercase hexadecimal digits",
        ));
    }
    let mut found = [0u8; 4];
    hex::decode_to_slice(id_hex, &mut found)
        .map_err(|_| NoteError::MalformedVerifierKey("the key ID must be 8 hexadecimal digits"))?;
    let encoded = BASE64
        .decode(key_base64)
        .map_err(NoteError::VerifierKeyEncoding)?;
    let Some((&alg, key_bytes)) = encoded.split_first() else {
        return Err(NoteError::MalformedVerifierKey("the key is empty"));
    };
    let expected = key_id_of_encoded(name, &[&encoded]);
    if found != expected {
        return Err(NoteError::KeyIdMismatch { found, expected });
    }
    if alg != ALG_ED25519 {
        return Err(NoteError::UnsupportedAlgorithm(alg));
    }
    let key_bytes: &[u8; 32] = key_bytes
        .try_into()
        .map_err(|_| NoteError::MalformedVerifierKey("an Ed25519 key is 32 bytes"))?;
    let key = VerifyingKey::from_bytes(key_bytes).map_err(NoteError::InvalidPublicKey)?;
    Ok((name.to_owned(), key))
}

/// Checks a key name: non-empty, no Unicode white space (which includes newline), no `+`, and
/// no other control character (a name appears in the note, which may not contain them).
pub fn check_key_name(name: &str) -> Result<(), NoteError> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(NoteError::InvalidKeyName {
            name: name.to_owned(),
        })
    }
}

fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c < ' ')
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name; together with `key_id` it tells a verifier which key to try.
    pub name: String,
    /// The key ID, as it appears first in the signature bytes.
    pub key_id: [u8; 4],
    /// The signature bytes after the key ID; their format depends on the signature type.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    fn encode_line(&self, out: &mut String) {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_id);
        raw.extend_from_slice(&self.signature);
        out.push_str(SIGNATURE_PREFIX);
        out.push_str(&self.name);
        out.push(' ');
        out.push_str(&BASE64.encode(raw));
        out.push('\n');
    }
}

/// A note: its text and all its signature lines, verified or not.
///
/// Parsing does not verify anything; [`Note::verify`] checks the signature of one known key.
/// Until it has, `text` must not be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The signed text, ending in a newline.
    pub text: String,
    /// Signature lines in note order, including ones from keys this node does not know.
    pub signatures: Vec<NoteSignature>,
}

impl Note {
    /// Signs `text` as `name` with an Ed25519 key.
    ///
    /// `text` must be non-empty, end in a newline, contain no control character other than
    /// newline, and not start with the `cosignature/v1` header.
    pub fn sign(text: &str, name: &str, key: &SigningKey) -> Result<Note, NoteError> {
        check_text(text)?;
        check_key_name(name)?;
        if text.starts_with(COSIGNATURE_HEADER) {
            return Err(NoteError::ReservedText);
        }
        let note = Note {
            text: text.to_owned(),
            signatures: vec![NoteSignature {
                name: name.to_owned(),
                key_id: key_id(name, ALG_ED25519, &key.verifying_key()),
                signature: key.sign(text.as_bytes()).to_bytes().to_vec(),
            }],
        };
        let len = note.encoded_len();
        if len > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge { len });
        }
        Ok(note)
    }

    /// Parses bytes read from the network or disk as a note.
    pub fn parse_bytes(encoded: &[u8]) -> Result<Note, NoteError> {
        if encoded.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge { len: encoded.len() });
        }
        Note::parse(std::str::from_utf8(encoded).map_err(NoteError::NotUtf8)?)
    }

    /// Parses an encoded note strictly: text, blank line, then signature lines
    /// `— name base64\n`. Verifies nothing.
    pub fn parse(encoded: &str) -> Result<Note, NoteError> {
        if encoded.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge { len: encoded.len() });
        }
        check_characters(encoded)?;
        let split = encoded.rfind("\n\n").ok_or(NoteError::MissingBlankLine)?;
        // The text keeps its final newline; the second newline is the blank line.
        let (text, block) = (&encoded[..=split], &encoded[split + 2..]);
        if block.is_empty() {
            return Err(NoteError::NoSignatures);
        }
        let block = block
            .strip_suffix('\n')
            .ok_or(NoteError::SignatureNotNewlineTerminated)?;
        // 1-based line number of the first signature line, for error messages.
        let first_line = text.matches('\n').count() + 2;
        let mut signatures = Vec::new();
        for (i, line) in block.split('\n').enumerate() {
            if i == MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures);
            }
            signatures.push(parse_signature_line(line, first_line + i)?);
        }
        Ok(Note {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The encoded note: text, blank line, one line per signature.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(self.encoded_len());
        out.push_str(&self.text);
        out.push('\n');
        for signature in &self.signatures {
            signature.encode_line(&mut out);
        }
        out
    }

    fn encoded_len(&self) -> usize {
        let lines: usize = self
            .signatures
            .iter()
            .map(|s| {
                SIGNATURE_PREFIX.len() + s.name.len() + 2 + (4 + s.signature.len()).div_ceil(3) * 4
            })
            .sum();
        self.text.len() + 1 + lines
    }

    /// Verifies the Ed25519 signature of (`name`, `key`).
    ///
    /// Signature lines of other names or key IDs are ignored, as the specification requires.
    /// Every line that matches must verify, and at least one must match.
    pub fn verify(&self, name: &str, key: &VerifyingKey) -> Result<(), NoteError> {
        if self.text.starts_with(COSIGNATURE_HEADER) {
            return Err(NoteError::ReservedText);
        }
        let id = key_id(name, ALG_ED25519, key);
        let mut found = false;
        for line in self.signatures_by(name, id) {
            found = true;
            let verified = Signature::from_slice(&line.signature)
                .and_then(|signature| key.verify_strict(self.text.as_bytes(), &signature));
            if verified.is_err() {
                return Err(NoteError::BadSignature {
                    name: name.to_owned(),
                    key_id: id,
                });
            }
        }
        if found {
            Ok(())
        } else {
            Err(NoteError::SignatureNotFound {
                name: name.to_owned(),
                key_id: id,
            })
        }
    }

    /// The signature lines of (`name`, `key_id`), in note order.
    pub fn signatures_by<'a>(
        &'a self,
        name: &'a str,
        key_id: [u8; 4],
    ) -> impl Iterator<Item = &'a NoteSignature> + 'a {
        self.signatures
            .iter()
            .filter(move |s| s.name == name && s.key_id == key_id)
    }

    /// Adds a signature line. A line of the same name and key ID is replaced in place, so
    /// re-signing (or re-cosigning with a newer timestamp) never duplicates a key.
    pub fn add_signature(&mut self, signature: NoteSignature) {
        match self
            .signatures
            .iter_mut()
            .find(|s| s.name == signature.name && s.key_id == signature.key_id)
        {
            Some(existing) => *existing = signature,
            None => self.signatures.push(signature),
        }
    }
}

/// Checks a note text: non-empty, ends in a newline, no control characters but newline.
pub(crate) fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() {
        return Err(NoteError::EmptyText);
    }
    if text.len() > MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge { len: text.len() });
    }
    if !text.ends_with('\n') {
        return Err(NoteError::TextNotNewlineTerminated);
    }
    check_characters(text)
}

fn check_characters(text: &str) -> Result<(), NoteError> {
    match text.char_indices().find(|&(_, c)| c < ' ' && c != '\n') {
        Some((offset, c)) => Err(NoteError::ControlCharacter {
            code: u32::from(c),
            offset,
        }),
        None => Ok(()),
    }
}

fn parse_signature_line(line: &str, number: usize) -> Result<NoteSignature, NoteError> {
    let rest = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or(NoteError::MissingEmDash { line: number })?;
    let (name, encoded) = rest
        .split_once(' ')
        .ok_or(NoteError::MissingSignature { line: number })?;
    if !is_valid_key_name(name) {
        return Err(NoteError::InvalidSignatureName { line: number });
    }
    let raw = BASE64
        .decode(encoded)
        .map_err(|source| NoteError::SignatureEncoding {
            line: number,
            source,
        })?;
    if raw.len() < 5 {
        return Err(NoteError::SignatureTooShort {
            line: number,
            len: raw.len(),
        });
    }
    let (id, signature) = raw.split_at(4);
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: [id[0], id[1], id[2], id[3]],
        signature: signature.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Vectors from golang.org/x/mod/sumdb/note, note.go and note_test.go.
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    /// The signing key inside Go's encoded signer key: base64(0x01 || 32-byte seed).
    fn peter() -> SigningKey {
        let encoded = PETER_SKEY.splitn(5, '+').nth(4).expect("has five fields");
        let raw = BASE64.decode(encoded).expect("base64");
        let seed: [u8; 32] = raw[1..].try_into().expect("32-byte seed");
        SigningKey::from_bytes(&seed)
    }

    fn vkey(text: &str) -> VerifyingKey {
        parse_verifier_key(text).expect("valid verifier key").1
    }

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn go_sign_known_answer() {
        let note = Note::sign(TEXT, "PeterNeumann", &peter()).expect("signs");
        assert_eq!(note.encode(), format!("{TEXT}\n{PETER_SIG}"));
        assert_eq!(note.signatures[0].key_id, [0xc7, 0x4f, 0x20, 0xa3]);
    }

    #[test]
    fn go_verifier_key_known_answer() {
        let public = peter().verifying_key();
        assert_eq!(verifier_key("PeterNeumann", &public), PETER_VKEY);
        assert_eq!(
            parse_verifier_key(PETER_VKEY).expect("parses"),
            ("PeterNeumann".to_owned(), public)
        );
        assert_eq!(
            key_id("PeterNeumann", ALG_ED25519, &public),
            [0xc7, 0x4f, 0x20, 0xa3]
        );
        let (name, enoch) = parse_verifier_key(ENOCH_VKEY).expect("parses");
        assert_eq!(name, "EnochRoot");
        assert_eq!(
            key_id("EnochRoot", ALG_ED25519, &enoch),
            [0xaf, 0x0c, 0xfe, 0x78]
        );
        // From transparency-dev/formats: the base64 part itself contains '+'.
        assert!(
            parse_verifier_key("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
                .is_ok()
        );
    }

    #[test]
    fn cosignature_key_id_known_answer() {
        // A tlog-cosignature (type 0x04) verifier key from transparency-dev/formats'
        // note_cosigv1_test.go. Its key ID is computed with the 0x04 byte, and it is not a
        // note-signing key.
        let text = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
        assert!(matches!(
            parse_verifier_key(text),
            Err(NoteError::UnsupportedAlgorithm(0x04))
        ));
        let raw = BASE64
            .decode("BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2")
            .expect("base64");
        let public = VerifyingKey::from_bytes(raw[1..].try_into().expect("32 bytes")).expect("key");
        assert_eq!(
            key_id("remora.n621.de", ALG_COSIGNATURE_V1, &public),
            [0xda, 0x77, 0xad, 0xe7]
        );
    }

    #[test]
    fn a_verifier_key_id_in_capitals_is_refused() {
        // Found by the `note` fuzz target: a key ID with a capital letter parsed, and wrote
        // back in lowercase, so the same key had two written forms.
        let found = include_str!("../testdata/fuzz/verifier-key-uppercase-id");
        assert!(matches!(
            parse_verifier_key(found),
            Err(NoteError::MalformedVerifierKey(_))
        ));
        let lower = found.replace("d718e31A", "d718e31a");
        let (name, key) = parse_verifier_key(&lower).expect("the canonical form parses");
        assert_eq!(verifier_key(&name, &key), lower);
    }

    #[test]
    fn go_verifier_key_manglings_are_refused() {
        // As Go's TestNewVerifier: every proper substring, and every single-byte change.
        let bytes = PETER_VKEY.as_bytes();
        for i in 0..=bytes.len() {
            for j in i + 1..=bytes.len() {
                if (i, j) != (0, bytes.len()) {
                    let part = &PETER_VKEY[i..j];
                    assert!(parse_verifier_key(part).is_err(), "accepted {part:?}");
                }
            }
        }
        for i in 0..bytes.len() {
            let mut changed = bytes.to_vec();
            changed[i] += 1;
            let changed = String::from_utf8(changed).expect("ASCII");
            assert!(
                parse_verifier_key(&changed).is_err(),
                "accepted {changed:?}"
            );
        }
        // Go's wrong-length key ends in non-canonical base64 (stray bits after `Y`), which
        // Go accepts and this module does not.
        assert!(matches!(
            parse_verifier_key(
                "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
            ),
            Err(NoteError::VerifierKeyEncoding(_))
        ));
        // Wrong key length and unknown algorithm, each with a matching key ID.
        let mut long = BASE64
            .decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
            .expect("b64");
        long.push(0);
        let id = hex::encode(key_id_of_encoded("PeterNeumann", &[&long]));
        assert!(matches!(
            parse_verifier_key(&format!("PeterNeumann+{id}+{}", BASE64.encode(&long))),
            Err(NoteError::MalformedVerifierKey(_))
        ));
        assert!(matches!(
            parse_verifier_key(
                "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
            ),
            Err(NoteError::UnsupportedAlgorithm(0x65))
        ));
        assert!(matches!(
            parse_verifier_key(
                "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
            ),
            Err(NoteError::KeyIdMismatch { .. })
        ));
    }

    #[test]
    fn go_open_known_answer() {
        let note = Note::parse(&format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}")).expect("parses");
        assert_eq!(note.text, TEXT);
        assert_eq!(note.signatures.len(), 2);
        assert_eq!(note.signatures[1].name, "EnochRoot");
        assert_eq!(note.signatures[1].key_id, [0xaf, 0x0c, 0xfe, 0x78]);
        // Each known key verifies; the other signature is ignored.
        note.verify("PeterNeumann", &vkey(PETER_VKEY))
            .expect("Peter verifies");
        note.verify("EnochRoot", &vkey(ENOCH_VKEY))
            .expect("Enoch verifies");
        assert_eq!(note.encode(), format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}"));
    }

    #[test]
    fn unknown_signatures_are_ignored_but_one_known_is_required() {
        let note = Note::parse(&format!("{TEXT}\n{ENOCH_SIG}{PETER_SIG}")).expect("parses");
        note.verify("PeterNeumann", &vkey(PETER_VKEY))
            .expect("Peter verifies");

        let only_enoch = Note::parse(&format!("{TEXT}\n{ENOCH_SIG}")).expect("parses");
        let err = only_enoch
            .verify("PeterNeumann", &vkey(PETER_VKEY))
            .expect_err("no signature by Peter");
        assert!(matches!(err, NoteError::SignatureNotFound { .. }));
        assert_eq!(
            err.to_string(),
            "note has no signature by PeterNeumann+c74f20a3"
        );

        // Same name, other key: a different key ID, so not Peter's signature either.
        assert!(matches!(
            only_enoch.verify("EnochRoot", &key(1).verifying_key()),
            Err(NoteError::SignatureNotFound { .. })
        ));
    }

    #[test]
    fn known_key_with_bad_signature_fails() {
        // Go's "invalid signature" case: four base64 characters spliced into Peter's signature.
        let spliced = format!("{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
        let note = Note::parse(&format!("{TEXT}\n{spliced}")).expect("parses");
        let err = note
            .verify("PeterNeumann", &vkey(PETER_VKEY))
            .expect_err("refused");
        assert_eq!(
            err.to_string(),
            "the signature by PeterNeumann+c74f20a3 does not verify"
        );

        // A valid signature line over another text.
        let other = Note::parse(&format!("{TEXT}more\n\n{PETER_SIG}")).expect("parses");
        assert!(matches!(
            other.verify("PeterNeumann", &vkey(PETER_VKEY)),
            Err(NoteError::BadSignature { .. })
        ));

        // One good and one bad line of the same key: every matching line must verify.
        let both = Note::parse(&format!("{TEXT}\n{PETER_SIG}{spliced}")).expect("parses");
        assert!(both.verify("PeterNeumann", &vkey(PETER_VKEY)).is_err());
    }

    #[test]
    fn c2sp_example_note_parses() {
        // The example of c2sp.org/signed-note: the text contains a blank line.
        let encoded = "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";
        let note = Note::parse(encoded).expect("parses");
        assert_eq!(
            note.text,
            "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
        );
        assert_eq!(note.signatures.len(), 1);
        assert_eq!(note.signatures[0].name, "quasimodo.example/salvatore");
        assert_eq!(note.signatures[0].key_id, [0x36, 0x7b, 0xa0, 0x4b]);
        assert_eq!(note.signatures[0].signature.len(), 64);
        assert_eq!(note.encode(), encoded);
    }

    #[test]
    fn malformed_notes_are_refused_with_clear_errors() {
        let cases: Vec<(String, &str)> = vec![
            // Go's bad messages.
            (TEXT.to_owned(), "no blank line separates"),
            (format!("{TEXT}\n"), "no signature lines"),
            (
                format!("{TEXT}\n{}", PETER_SIG.trim_end_matches('\n')),
                "does not end with a newline",
            ),
            (
                format!("\x01{TEXT}\n{PETER_SIG}"),
                "control character U+0001 at byte 0",
            ),
            (
                format!(
                    "{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
                ),
                "line 4: signature is not canonical padded base64",
            ),
            (
                format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
                "line 5: a signature line must start with an em dash",
            ),
            // Wrong dashes.
            (
                format!("{TEXT}\n{}", PETER_SIG.replacen('—', "–", 1)),
                "em dash",
            ),
            (
                format!("{TEXT}\n{}", PETER_SIG.replacen('—', "--", 1)),
                "em dash",
            ),
            (
                format!("{TEXT}\n{}", PETER_SIG.replacen("— ", "—", 1)),
                "em dash",
            ),
            // Bad names and signatures.
            (format!("{TEXT}\n— PeterNeumann\n"), "no space between"),
            (format!("{TEXT}\n—  x08go/ZJ==\n"), "invalid key name"),
            (
                format!("{TEXT}\n— a+b x08go/ZJkuBS9UG/Sf\n"),
                "invalid key name",
            ),
            (format!("{TEXT}\n— PeterNeumann \n"), "signature is 0 bytes"),
            (
                format!("{TEXT}\n— PeterNeumann !!!!\n"),
                "not canonical padded base64",
            ),
            (
                format!("{TEXT}\n— PeterNeumann AAAAAA==\n"),
                "signature is 4 bytes",
            ),
            // Non-canonical base64 (a stray trailing bit), which Go would accept.
            (
                format!("{TEXT}\n{}", PETER_SIG.replace("JnAM=", "JnAN=")),
                "not canonical",
            ),
            (
                format!("{TEXT}\n{}", PETER_SIG.replace('=', "")),
                "not canonical",
            ),
            (format!("{TEXT}\r\n{PETER_SIG}"), "control character U+000D"),
            (
                format!("{TEXT}\n{}", PETER_SIG.repeat(MAX_SIGNATURES + 1)),
                "more than 100 signature lines",
            ),
            ("\n— PeterNeumann x08go/ZJ\n".to_owned(), "no blank line"),
            (String::new(), "no blank line"),
        ];
        for (encoded, message) in cases {
            let err = Note::parse(&encoded).expect_err(&encoded);
            assert!(err.to_string().contains(message), "{encoded:?}: {err}");
        }
        // Non-ASCII is fine; bytes that are not UTF-8 are not.
        assert!(Note::parse_bytes(format!("\u{ff}{TEXT}\n{PETER_SIG}").as_bytes()).is_ok());
        let mut invalid_utf8 = format!("{TEXT}\n{PETER_SIG}").into_bytes();
        invalid_utf8.insert(0, 0xff);
        assert!(matches!(
            Note::parse_bytes(&invalid_utf8),
            Err(NoteError::NotUtf8(_))
        ));
        let huge = format!("{}\n\n{PETER_SIG}", "a".repeat(MAX_NOTE_BYTES));
        assert!(matches!(
            Note::parse(&huge),
            Err(NoteError::TooLarge { .. })
        ));
        assert!(matches!(
            Note::parse_bytes(huge.as_bytes()),
            Err(NoteError::TooLarge { .. })
        ));
    }

    #[test]
    fn signature_count_limit_is_inclusive() {
        let note = Note::parse(&format!("{TEXT}\n{}", PETER_SIG.repeat(MAX_SIGNATURES)))
            .expect("100 signatures are accepted");
        note.verify("PeterNeumann", &vkey(PETER_VKEY))
            .expect("verifies");
    }

    #[test]
    fn sign_refuses_bad_text_and_names() {
        let k = key(1);
        let text_cases = [
            ("", "note text is empty"),
            ("no newline", "does not end with a newline"),
            ("tab\there\n", "control character U+0009 at byte 3"),
            (
                "cosignature/v1\ntime 1\nx\n",
                "reserved for witness cosignatures",
            ),
        ];
        for (text, message) in text_cases {
            let err = Note::sign(text, "rogatory/tm", &k).expect_err(text);
            assert!(err.to_string().contains(message), "{text:?}: {err}");
        }
        for name in [
            "",
            "a b",
            "a+b",
            "a\nb",
            "a\u{a0}b",
            "a\u{2003}b",
            "a\u{1}b",
        ] {
            assert!(
                matches!(
                    Note::sign(TEXT, name, &k),
                    Err(NoteError::InvalidKeyName { .. })
                ),
                "{name:?}"
            );
        }
        let too_long = format!("{}\n", "a".repeat(MAX_NOTE_BYTES - 50));
        assert!(matches!(
            Note::sign(&too_long, "rogatory/tm", &k),
            Err(NoteError::TooLarge { .. })
        ));
    }

    #[test]
    fn reserved_text_never_verifies_as_a_note() {
        // Signed by some other tool with the same key: still refused, so a note signature
        // and a cosignature can never be exchanged.
        let k = key(3);
        let text = "cosignature/v1\ntime 1\nrogatory/tm\n";
        let note = Note {
            text: text.to_owned(),
            signatures: vec![NoteSignature {
                name: "rogatory/de".to_owned(),
                key_id: key_id("rogatory/de", ALG_ED25519, &k.verifying_key()),
                signature: k.sign(text.as_bytes()).to_bytes().to_vec(),
            }],
        };
        assert!(matches!(
            note.verify("rogatory/de", &k.verifying_key()),
            Err(NoteError::ReservedText)
        ));
    }

    #[test]
    fn round_trip_with_blank_lines_and_unicode() {
        for text in [
            "\n",
            "a\n\nb\n",
            "a\n\n",
            "Ωμέγα — ünïcödé ✓\n",
            "trailing space \n",
        ] {
            let note = Note::sign(text, "rogatory/tm", &key(2)).expect("signs");
            let parsed = Note::parse(&note.encode()).expect("parses");
            assert_eq!(parsed, note, "{text:?}");
            parsed
                .verify("rogatory/tm", &key(2).verifying_key())
                .expect("verifies");
        }
    }

    #[test]
    fn add_signature_replaces_the_same_key_and_appends_others() {
        let mut note = Note::sign(TEXT, "PeterNeumann", &peter()).expect("signs");
        let enoch = Note::parse(&format!("{TEXT}\n{ENOCH_SIG}")).expect("parses");
        note.add_signature(enoch.signatures[0].clone());
        assert_eq!(note.encode(), format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}"));

        let mut stale = note.signatures[0].clone();
        stale.signature[0] ^= 1;
        note.add_signature(stale.clone());
        assert_eq!(note.signatures.len(), 2);
        assert_eq!(note.signatures[0], stale);
        note.add_signature(
            Note::sign(TEXT, "PeterNeumann", &peter())
                .expect("signs")
                .signatures[0]
                .clone(),
        );
        assert_eq!(note.encode(), format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}"));
    }

    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("— ".to_owned()),
            Just("—".to_owned()),
            Just("\n".to_owned()),
            Just("\n\n".to_owned()),
            Just(" ".to_owned()),
            Just("+".to_owned()),
            Just("=".to_owned()),
            Just("PeterNeumann".to_owned()),
            Just("x08go/ZJ".to_owned()),
            Just("AAAAAAAA".to_owned()),
            "[a-zA-Z0-9/+=]{0,12}",
            any::<String>(),
        ]
    }

    proptest! {
        #[test]
        fn parse_never_panics_on_arbitrary_strings(text in any::<String>()) {
            let _ = Note::parse(&text);
            let _ = parse_verifier_key(&text);
        }

        #[test]
        fn parse_never_panics_on_note_like_strings(
            parts in proptest::collection::vec(fragment(), 0..24),
        ) {
            let text = parts.concat();
            if let Ok(note) = Note::parse(&text) {
                // Whatever parses re-encodes to the same bytes.
                prop_assert_eq!(note.encode(), text.clone());
                let _ = note.verify("PeterNeumann", &peter().verifying_key());
            }
            let _ = parse_verifier_key(&text);
        }

        #[test]
        fn parse_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Note::parse_bytes(&bytes);
        }

        #[test]
        fn sign_then_verify_round_trips(
            text in "([^\\x00-\\x1f]{0,30}\n){1,5}",
            seed in any::<[u8; 32]>(),
        ) {
            prop_assume!(!text.starts_with(COSIGNATURE_HEADER));
            let key = SigningKey::from_bytes(&seed);
            let note = Note::sign(&text, "rogatory/tm", &key).expect("signs");
            let parsed = Note::parse(&note.encode()).expect("parses");
            prop_assert_eq!(&parsed, &note);
            prop_assert!(parsed.verify("rogatory/tm", &key.verifying_key()).is_ok());
            let vkey = verifier_key("rogatory/tm", &key.verifying_key());
            let (name, public) = parse_verifier_key(&vkey).expect("verifier key round trips");
            prop_assert_eq!(name, "rogatory/tm");
            prop_assert_eq!(public, key.verifying_key());
        }

        #[test]
        fn any_changed_byte_is_refused(index in 0usize..4096, delta in 1u8..=255) {
            let mut bytes = format!("{TEXT}\n{PETER_SIG}").into_bytes();
            let index = index % bytes.len();
            bytes[index] = bytes[index].wrapping_add(delta);
            let verified = Note::parse_bytes(&bytes)
                .and_then(|note| note.verify("PeterNeumann", &vkey(PETER_VKEY)));
            prop_assert!(verified.is_err());
        }
    }
}
