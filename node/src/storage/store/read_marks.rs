//! Which messages each reader has seen: the `read_marks` tree (reader, 0x00, message id → the
//! time it was marked, 8 bytes big-endian ms). A reader is a contact point's name, or `uid:N`
//! on a node without `[[contact_points]]` (`users::Caller::reader`).
//!
//! A mark is a convenience, not evidence: it is written to sled directly, not to the journal
//! or the audit log, and is made durable with sled's next sync (about a second). A crash may
//! lose the newest marks, so a message shows as new again; it never makes an unseen message
//! look seen. Backups carry the tree with the others.

use std::collections::HashSet;

use rogatory_proto::v1::{Direction, MessageRecord};

use super::messages::decode_message;
use super::{Store, StoreError};

/// The name of the tree, opened with the others (`open::open_trees`).
pub(super) const READ_MARKS_TREE: &str = "read_marks";

fn mark_key(reader: &str, message_id: &str) -> Vec<u8> {
    let mut key = reader_prefix(reader);
    key.extend_from_slice(message_id.as_bytes());
    key
}

fn reader_prefix(reader: &str) -> Vec<u8> {
    let mut key = reader.as_bytes().to_vec();
    key.push(0);
    key
}

impl Store {
    /// Marks `message_ids` read by `reader` at `at_ms`; ids this node holds no message of are
    /// skipped. Returns how many were marked (again or for the first time).
    pub fn mark_read(
        &self,
        reader: &str,
        message_ids: &[String],
        at_ms: i64,
    ) -> Result<usize, StoreError> {
        let trees = self.trees()?;
        let mut marked = 0;
        for id in message_ids {
            if !trees.messages.contains_key(id.as_bytes())? {
                continue;
            }
            trees
                .read_marks
                .insert(mark_key(reader, id), &at_ms.to_be_bytes())?;
            marked += 1;
        }
        Ok(marked)
    }

    /// The ids of the messages `reader` has marked read.
    pub fn read_by(&self, reader: &str) -> Result<HashSet<String>, StoreError> {
        let prefix = reader_prefix(reader);
        let mut out = HashSet::new();
        for item in self.trees()?.read_marks.scan_prefix(&prefix).keys() {
            let key = item?;
            out.insert(String::from_utf8_lossy(&key[prefix.len()..]).into_owned());
        }
        Ok(out)
    }

    /// The stored records `wanted` picks, with their envelopes, newest first, at most `limit`.
    /// Reads every record's fields (not its envelope): for the attention list, which must find
    /// unread, stuck or refused messages wherever they are.
    pub fn records_where(
        &self,
        limit: usize,
        wanted: impl Fn(&MessageRecord) -> bool,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let mut out = Vec::new();
        for item in self.trees()?.messages.iter().rev() {
            let (key, bytes) = item?;
            let record = decode_message(&String::from_utf8_lossy(&key), &bytes)?;
            let logged = record.direction == Direction::Outbox as i32
                || record.direction == Direction::Inbox as i32;
            if logged && wanted(&record) {
                out.push(self.with_envelope(record, |_| None)?);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_reader_s_marks_are_not_another_s() {
        assert!(mark_key("anna", "01J") != mark_key("ann", "a01J"));
        assert!(mark_key("anna", "01J").starts_with(&reader_prefix("anna")));
        assert!(!mark_key("anna", "01J").starts_with(&reader_prefix("ann")));
    }
}
