//! The verification code printed on a document (`rogatory message print`, `case print`):
//! a short, typable text that names one entry of one node's audit log and commits to the exact
//! signed message recorded there (docs/AUDIT-FORMAT.md section 18).
//!
//! ```text
//! digest = SHA-256( "rogatory-document-code v1" LF node_id LF decimal(index) LF
//!                   hex(SHA-256(SignedEnvelope.payload)) LF )
//! code   = node_id "-" decimal(index) "-" G1 "-" G2 "-" G3 "-" G4
//! ```
//!
//! where `G1..G4` are the first 80 bits of `digest` in Crockford base32, 16 symbols in groups
//! of four. Someone holding the paper and the node's audit bundle finds entry `index` of the
//! bundle's verified log, hashes its `signed_payload` and compares codes; the log's own chain,
//! signatures and checkpoints then say who signed those bytes and that the node committed to
//! them. The code carries no secret and proves nothing alone: it points at the entry, and
//! binds the paper to the bytes there. No I/O.

use sha2::{Digest, Sha256};

/// The domain-separation line that starts the hashed text.
pub const DOMAIN: &str = "rogatory-document-code v1";
/// Crockford's base32 alphabet (no I, L, O, U): read aloud and typed without ambiguity.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// The code's check symbols: 16 base32 symbols, 80 bits of the digest. Finding another
/// message with the same code takes about 2^80 hashes; a mistyped symbol always changes it.
pub const CHECK_SYMBOLS: usize = 16;
/// Symbols per group, for reading aloud.
pub const GROUP: usize = 4;

/// What a code names: an entry of a node's log, and the check over the message there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentCode {
    pub node_id: String,
    pub index: u64,
    /// The 16 check symbols, upper case.
    pub check: String,
}

impl DocumentCode {
    /// The code for the message whose `SignedEnvelope.payload` hashes to `envelope_sha256`,
    /// recorded at entry `index` of `node_id`'s log.
    pub fn derive(node_id: &str, index: u64, envelope_sha256: &[u8; 32]) -> DocumentCode {
        DocumentCode {
            node_id: node_id.to_owned(),
            index,
            check: check_symbols(node_id, index, envelope_sha256),
        }
    }

    /// Whether this code names entry `index` of `node_id`'s log holding a message whose payload
    /// hashes to `envelope_sha256`.
    pub fn matches(&self, envelope_sha256: &[u8; 32]) -> bool {
        self.check == check_symbols(&self.node_id, self.index, envelope_sha256)
    }

    /// Reads a code as a person may type it: case-insensitive, `I` and `L` read as `1`, `O` as
    /// `0`, surrounding white space ignored. The node id is everything before the last five
    /// hyphen-separated parts (node ids may hold hyphens).
    pub fn parse(text: &str) -> Result<DocumentCode, CodeError> {
        let text = text.trim();
        let parts: Vec<&str> = text.split('-').collect();
        if parts.len() < 6 {
            return Err(CodeError::Shape);
        }
        let (head, groups) = parts.split_at(parts.len() - 4);
        let (node_parts, index) = head.split_at(head.len() - 1);
        let node_id = node_parts.join("-").to_ascii_lowercase();
        let node_ok = !node_id.is_empty()
            && node_id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !node_ok {
            return Err(CodeError::Node);
        }
        let index = index[0];
        let canonical = !index.is_empty()
            && index.bytes().all(|b| b.is_ascii_digit())
            && (index == "0" || !index.starts_with('0'));
        let index = canonical
            .then(|| index.parse::<u64>().ok())
            .flatten()
            .ok_or(CodeError::Index)?;
        let mut check = String::with_capacity(CHECK_SYMBOLS);
        for group in groups {
            if group.chars().count() != GROUP {
                return Err(CodeError::Shape);
            }
            for c in group.chars() {
                check.push(normalize_symbol(c).ok_or(CodeError::Symbol(c))?);
            }
        }
        Ok(DocumentCode {
            node_id,
            index,
            check,
        })
    }

    /// Every code in `text`, in order, each once: the words that parse as a code (a printed
    /// document shows each code on a line of its own).
    pub fn find_all(text: &str) -> Vec<DocumentCode> {
        let mut found: Vec<DocumentCode> = Vec::new();
        for word in text.split(|c: char| c.is_whitespace()) {
            let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            match DocumentCode::parse(word) {
                Ok(code) if !found.contains(&code) => found.push(code),
                _ => {}
            }
        }
        found
    }
}

impl std::fmt::Display for DocumentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.node_id, self.index)?;
        for group in self.check.as_bytes().chunks(GROUP) {
            // The symbols are ASCII: each chunk is valid UTF-8.
            write!(f, "-{}", String::from_utf8_lossy(group))?;
        }
        Ok(())
    }
}

/// Why a text is not a document code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    #[error(
        "a document code reads NODE-INDEX-XXXX-XXXX-XXXX-XXXX (e.g. tm-42-K94A-0YAJ-5YW5-9K3V)"
    )]
    Shape,
    #[error("the code's node id may hold only lowercase letters, digits and '-'")]
    Node,
    #[error("the code's log position must be a number without leading zeros")]
    Index,
    #[error("{0:?} is not a symbol of a document code (digits and letters other than U)")]
    Symbol(char),
}

/// The hashed text of section 18 of docs/AUDIT-FORMAT.md.
fn check_symbols(node_id: &str, index: u64, envelope_sha256: &[u8; 32]) -> String {
    let text = format!(
        "{DOMAIN}\n{node_id}\n{index}\n{}\n",
        hex::encode(envelope_sha256)
    );
    let digest = Sha256::digest(text.as_bytes());
    base32_prefix(&digest, CHECK_SYMBOLS)
}

/// The first `symbols` base32 symbols of `bytes`, most significant bit first.
fn base32_prefix(bytes: &[u8], symbols: usize) -> String {
    let mut out = String::with_capacity(symbols);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
            if out.len() == symbols {
                return out;
            }
        }
        buffer &= (1 << bits) - 1;
    }
    out
}

/// A typed symbol as Crockford reads it: upper case, `I`/`L` → `1`, `O` → `0`; `U` and
/// anything else is refused.
fn normalize_symbol(c: char) -> Option<char> {
    let c = match c.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        c => c,
    };
    ALPHABET
        .contains(&(c as u8))
        .then_some(c)
        .filter(char::is_ascii)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of docs/AUDIT-FORMAT.md section 18.
    #[test]
    fn the_documented_vector() {
        let envelope_sha256: [u8; 32] = Sha256::digest(b"example envelope payload").into();
        assert_eq!(
            hex::encode(envelope_sha256),
            "9e3207d5c2accbbf0f93e4974e385c07c91e99e778458697e6b641eed1fd7e38",
            "input"
        );
        let code = DocumentCode::derive("tm", 42, &envelope_sha256);
        assert_eq!(code.to_string(), "tm-42-K94A-0YAJ-5YW5-9K3V");
        // Read back with the confusable letters a person may type for 0 and 1.
        assert!(
            DocumentCode::parse("TM-42-k94a-oyaj-5yw5-9k3v")
                .expect("parses")
                .matches(&envelope_sha256)
        );
    }

    #[test]
    fn a_code_round_trips_and_is_read_as_typed() {
        let sha = [7u8; 32];
        let code = DocumentCode::derive("kz-gp", 1234, &sha);
        let text = code.to_string();
        assert_eq!(DocumentCode::parse(&text), Ok(code.clone()));
        assert_eq!(
            DocumentCode::parse(&format!("  {}  ", text.to_lowercase())),
            Ok(code.clone())
        );
        let (head, check) = text.split_at("kz-gp-1234-".len());
        let confusable = format!("{head}{}", check.replace('1', "l").replace('0', "O"));
        assert_eq!(DocumentCode::parse(&confusable), Ok(code.clone()));
        assert!(code.matches(&sha));
        assert!(!code.matches(&[8u8; 32]));
    }

    #[test]
    fn every_single_changed_symbol_fails_to_match() {
        let sha = [3u8; 32];
        let code = DocumentCode::derive("tm", 9, &sha);
        for at in 0..CHECK_SYMBOLS {
            for &symbol in ALPHABET {
                let mut check: Vec<u8> = code.check.clone().into_bytes();
                if check[at] == symbol {
                    continue;
                }
                check[at] = symbol;
                let changed = DocumentCode {
                    check: String::from_utf8(check).expect("ascii"),
                    ..code.clone()
                };
                assert!(!changed.matches(&sha), "{changed}");
            }
        }
        for other in [
            DocumentCode::derive("de", 9, &sha),
            DocumentCode::derive("tm", 8, &sha),
        ] {
            assert_ne!(other.check, code.check);
        }
    }

    #[test]
    fn malformed_codes_are_refused_with_their_reason() {
        for (text, error) in [
            ("tm-42-ABCD-EFGH-JKMN", CodeError::Shape),
            ("tm-42-ABCD-EFGH-JKMN-PQRST", CodeError::Shape),
            ("-42-ABCD-EFGH-JKMN-PQRS", CodeError::Node),
            ("t m-42-ABCD-EFGH-JKMN-PQRS", CodeError::Node),
            ("tm-042-ABCD-EFGH-JKMN-PQRS", CodeError::Index),
            ("tm-+4-ABCD-EFGH-JKMN-PQRS", CodeError::Index),
            ("tm-42-ABCD-EFGH-JKMN-PQRU", CodeError::Symbol('U')),
            ("tm-42-ABCD-EFGH-JKMN-PQR*", CodeError::Symbol('*')),
        ] {
            assert_eq!(DocumentCode::parse(text), Err(error), "{text}");
        }
    }

    #[test]
    fn codes_are_found_in_a_documents_text() {
        let one = DocumentCode::derive("tm", 5, &[1; 32]);
        let two = DocumentCode::derive("de-bj", 17, &[2; 32]);
        let text =
            format!("Verification code\n{one}\nsee above ({one}), and\n{two}.\nnot-a-code-1-2-3-4");
        assert_eq!(DocumentCode::find_all(&text), vec![one, two]);
    }
}
