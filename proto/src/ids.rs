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

/// Generates message ids bound to their author (docs/PROTOCOL.md section 3.1): a ULID whose
/// last 8 characters are a tag over the author's node id and the first 18, so that no other
/// node can send a message under an id this node made. Strictly increasing within one
/// generator, so that ids sort in the order the node created them.
#[derive(Default)]
pub struct MessageIdGenerator {
    /// The millisecond and serial of the last id: within one millisecond (or if the clock
    /// steps back) the serial counts up from there.
    last: std::sync::Mutex<(u64, u64)>,
    /// Set only by [`MessageIdGenerator::previous_release`].
    previous_release: bool,
}

impl fmt::Debug for MessageIdGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageIdGenerator").finish_non_exhaustive()
    }
}

/// Bits of a message id's serial (random at each new millisecond), and of its author tag.
const SERIAL_BITS: u32 = 40;
const TAG_BITS: u32 = 40;
const SERIAL_MAX: u64 = (1 << SERIAL_BITS) - 1;
const TAG_MASK: u128 = (1 << TAG_BITS) - 1;
/// Characters of a message id the tag covers: the time (10) and the serial (8).
const TAGGED_PREFIX: usize = 18;
/// Domain separation of the tag's hash.
const TAG_DOMAIN: &[u8] = b"rogatory/message-id/v1\n";

impl MessageIdGenerator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Ids as the release before bound ids made them (plain ULIDs, no author tag; docs/PROTOCOL.md
    /// section 7): only for the tests that build a store as that release left it.
    pub fn previous_release() -> Self {
        Self {
            previous_release: true,
            ..Self::default()
        }
    }

    /// A fresh message id (26 characters of Crockford base32) for a message `author` signs.
    pub fn next_id(&self, author: &NodeId) -> String {
        let fresh = ulid::Ulid::new();
        let random_serial = (fresh.random() >> TAG_BITS) as u64 & SERIAL_MAX;
        let mut last = match self.last.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let (last_ms, last_serial) = *last;
        let next = if fresh.timestamp_ms() > last_ms {
            (fresh.timestamp_ms(), random_serial)
        } else if last_serial < SERIAL_MAX {
            (last_ms, last_serial + 1)
        } else {
            // 2^40 ids in one millisecond: borrow the next one.
            (last_ms + 1, random_serial)
        };
        *last = next;
        drop(last);
        if self.previous_release {
            // The same time and serial, and random bits where the tag would be.
            let untagged = (u128::from(next.1) << TAG_BITS) | (fresh.random() & TAG_MASK);
            return ulid::Ulid::from_parts(next.0, untagged).to_string();
        }
        bound_message_id(author.as_str(), next.0, next.1)
    }
}

/// The message id of `author` at millisecond `ms` with serial `serial`.
fn bound_message_id(author: &str, ms: u64, serial: u64) -> String {
    let untagged = u128::from(serial) << TAG_BITS;
    let prefix = ulid::Ulid::from_parts(ms, untagged).to_string();
    let tag = author_tag(author, &prefix[..TAGGED_PREFIX]);
    ulid::Ulid::from_parts(ms, untagged | u128::from(tag)).to_string()
}

/// The first 40 bits of SHA-256(domain || author || LF || the id's first 18 characters).
fn author_tag(author: &str, prefix: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(TAG_DOMAIN)
        .chain_update(author.as_bytes())
        .chain_update(b"\n")
        .chain_update(prefix.as_bytes())
        .finalize();
    digest[..5]
        .iter()
        .fold(0u64, |tag, byte| (tag << 8) | u64::from(*byte))
}

/// True if `text` is a well-formed message id (a ULID in canonical form).
pub fn is_message_id(text: &str) -> bool {
    text.len() == 26 && ulid::Ulid::from_string(text).is_ok_and(|id| id.to_string() == text)
}

/// True if `message_id` is a well-formed message id that `author` made: its last 8 characters
/// are the tag of `author` over the first 18. Another node cannot reuse the id as its own.
pub fn is_bound_to(message_id: &str, author: &str) -> bool {
    if !is_message_id(message_id) {
        return false;
    }
    let Ok(id) = ulid::Ulid::from_string(message_id) else {
        return false;
    };
    let tag = (id.0 & TAG_MASK) as u64;
    tag == author_tag(author, &message_id[..TAGGED_PREFIX])
}

/// A new case id for a case opened by `node`: `<node>-<message id>`, unique across the
/// federation and naming its opener.
pub fn new_case_id(node: &NodeId, ids: &MessageIdGenerator) -> String {
    format!("{node}-{}", ids.next_id(node))
}

/// True if `text` is acceptable as a case id: 1 to 64 printable ASCII characters, no spaces.
pub fn is_case_id(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic())
}

/// The node that case id `case_id` names as the case's opener (docs/PROTOCOL.md section 3.1):
/// of `nodes` (those the caller knows), the longest whose id followed by `-` begins the case id
/// with at least one character after it. The longest, so that `de-gba-7` belongs to `de-gba`
/// and not to `de` when both are known. `None` if the id names none of them.
pub fn case_opener<'a>(
    case_id: &str,
    parties: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    parties
        .into_iter()
        .filter(|party| {
            case_id
                .strip_prefix(party)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|rest| !rest.is_empty())
        })
        .max_by_key(|party| party.len())
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

    /// docs/PROTOCOL.md section 9: tm's message id at 1700000000000 ms with serial
    /// 0x123456789A.
    const VECTOR_ID: &str = "01HF7YAT0028T5CY4TKJHD1KZB";

    fn node(id: &str) -> NodeId {
        NodeId::parse(id).expect("node id")
    }

    #[test]
    fn message_ids_increase_and_parse() {
        let ids = MessageIdGenerator::new();
        let a = ids.next_id(&node("tm"));
        let b = ids.next_id(&node("tm"));
        assert!(a < b);
        assert!(is_message_id(&a));
        assert!(!is_message_id("not-a-ulid"));
        assert!(!is_message_id(&a.to_lowercase()));
    }

    #[test]
    fn a_message_id_is_bound_to_its_author_only() {
        let ids = MessageIdGenerator::new();
        for _ in 0..1000 {
            let id = ids.next_id(&node("tm"));
            assert!(is_bound_to(&id, "tm"), "{id}");
            assert!(!is_bound_to(&id, "uz"), "{id}");
            assert!(!is_bound_to(&id.to_lowercase(), "tm"));
        }
        // A plain ULID carries no tag.
        assert!(!is_bound_to("01HZX3J6K8Q2M4N5P6R7S8T9VW", "tm"));
    }

    #[test]
    fn previous_release_ids_are_plain_increasing_ulids_bound_to_no_one() {
        let ids = MessageIdGenerator::previous_release();
        let a = ids.next_id(&node("tm"));
        let b = ids.next_id(&node("tm"));
        assert!(a < b);
        assert!(is_message_id(&a) && is_message_id(&b));
        assert!(!is_bound_to(&a, "tm") && !is_bound_to(&b, "tm"));
    }

    #[test]
    fn the_message_id_test_vector_of_protocol_section_9() {
        let id = bound_message_id("tm", 1_700_000_000_000, 0x12_3456_789A);
        assert_eq!(id, VECTOR_ID);
        assert!(is_bound_to(VECTOR_ID, "tm"));
    }

    #[test]
    fn a_case_id_names_the_longest_party_it_begins_with() {
        let parties = ["de", "de-gba", "uz"];
        assert_eq!(case_opener("de-gba-7", parties), Some("de-gba"));
        assert_eq!(case_opener("de-7", parties), Some("de"));
        assert_eq!(case_opener("uz-01J", parties), Some("uz"));
        assert_eq!(case_opener("tm-01J", parties), None);
        assert_eq!(case_opener("de-", parties), None);
        assert_eq!(case_opener("de", parties), None);
        assert_eq!(case_opener("dex-1", parties), None);
        assert_eq!(case_opener("case-1", parties), None);
    }
}
