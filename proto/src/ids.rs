//! Identifiers: node ids, message ids and case ids, parsed once and then trusted.

use std::fmt;

/// Why a node id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid node id {0:?}: use 1 to 32 characters of a-z, 0-9 and '-', starting with a letter \
     and not ending with '-' (for example \"tm\" or \"de-gba\")"
)]
pub struct InvalidNodeId(pub String);

/// A node's name in the federation: short, lowercase, usable as a DNS label
/// (it is carried in the node's TLS certificate as a DNS subject alternative name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(String);

impl NodeId {
    /// Parses and validates a node id.
    pub fn parse(text: &str) -> Result<Self, InvalidNodeId> {
        let bytes = text.as_bytes();
        let valid = (1..=32).contains(&bytes.len())
            && bytes[0].is_ascii_lowercase()
            && bytes[bytes.len() - 1] != b'-'
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidNodeId(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for NodeId {
    type Err = InvalidNodeId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Generates message ids: ULIDs (48-bit millisecond time, 80 random bits), strictly increasing
/// within one generator so that ids sort in the order the node created them.
#[derive(Default)]
pub struct MessageIdGenerator {
    inner: std::sync::Mutex<ulid::Generator>,
}

impl fmt::Debug for MessageIdGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageIdGenerator").finish_non_exhaustive()
    }
}

impl MessageIdGenerator {
    pub fn new() -> Self {
        Self::default()
    }

    /// A fresh message id (26 characters of Crockford base32).
    pub fn next_id(&self) -> String {
        let mut generator = match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Overflow only happens after 2^80 ids in one millisecond; fall back to a fresh ULID.
        generator
            .generate()
            .unwrap_or_else(|_| ulid::Ulid::new())
            .to_string()
    }
}

/// True if `text` is a well-formed message id (a ULID in canonical form).
pub fn is_message_id(text: &str) -> bool {
    text.len() == 26 && ulid::Ulid::from_string(text).is_ok_and(|id| id.to_string() == text)
}

/// A new case id for a case opened by `node`: `<node>-<ULID>`, unique across the federation.
pub fn new_case_id(node: &NodeId, ids: &MessageIdGenerator) -> String {
    format!("{node}-{}", ids.next_id())
}

/// True if `text` is acceptable as a case id: 1 to 64 printable ASCII characters, no spaces.
pub fn is_case_id(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids() {
        for good in ["tm", "de-gba", "uz1", "a"] {
            assert!(NodeId::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "TM",
            "1tm",
            "tm-",
            "t m",
            "tm.de",
            &"a".repeat(33),
            "-tm",
        ] {
            assert!(NodeId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn message_ids_increase_and_parse() {
        let ids = MessageIdGenerator::new();
        let a = ids.next_id();
        let b = ids.next_id();
        assert!(a < b);
        assert!(is_message_id(&a));
        assert!(!is_message_id("not-a-ulid"));
        assert!(!is_message_id(&a.to_lowercase()));
    }
}
