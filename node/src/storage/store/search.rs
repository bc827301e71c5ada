//! The search index, in `meta`: for every key of every word of a message (`rules::search`),
//! `search/w/` + key + 0x00 + case id + 0x00 + message id → the fields it was found in (4 bytes,
//! little-endian bits); and per message, `search/m/` + message id → its `SearchEntry` (what the
//! filters read). Keys sort by word key, so every word beginning with a prefix is one range.
//!
//! The entries of a message are put by [`super::Batch::put_message`] in the batch that stores
//! the record, so a commit holds both or neither and the index is never out of step after a
//! crash (the journal makes a commit atomic). A record put again (a delivery state, a request's
//! thread) writes the same keys again; a record put without its envelope leaves them standing.
//! Messages are never deleted, so no entry is either. Stores made before the index existed are
//! indexed once when opened ([`Store::build_search_index`]).

use prost::Message;
use rogatory_proto::v1::{MessageRecord, SearchEntry};

use super::messages::decode_message;
use super::{Store, StoreError};
use crate::rules::search::indexed;

const WORD_PREFIX: &[u8] = b"search/w/";
const ENTRY_PREFIX: &[u8] = b"search/m/";
/// Present once every stored message is in the search index.
const SEARCH_INDEX_BUILT: &[u8] = b"search_index_built";

/// One indexed occurrence of a word key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub key: String,
    pub case_id: String,
    pub message_id: String,
    /// The fields it was found in (`rules::search::fields_of`).
    pub fields: u32,
}

fn entry_key(message_id: &str) -> Vec<u8> {
    let mut key = ENTRY_PREFIX.to_vec();
    key.extend_from_slice(message_id.as_bytes());
    key
}

fn word_key(key: &str, case_id: &str, message_id: &str) -> Vec<u8> {
    let mut out = WORD_PREFIX.to_vec();
    out.extend_from_slice(key.as_bytes());
    out.push(0);
    out.extend_from_slice(case_id.as_bytes());
    out.push(0);
    out.extend_from_slice(message_id.as_bytes());
    out
}

/// The index changes for `record` (none if it carries no envelope).
pub(super) fn index_changes(record: &MessageRecord) -> Vec<(Vec<u8>, Vec<u8>)> {
    let Some(indexed) = indexed(record) else {
        return Vec::new();
    };
    let case_id = &indexed.entry.case_id;
    let mut changes: Vec<(Vec<u8>, Vec<u8>)> = indexed
        .keys
        .iter()
        .map(|(key, fields)| {
            (
                word_key(key, case_id, &record.message_id),
                fields.to_le_bytes().to_vec(),
            )
        })
        .collect();
    changes.push((entry_key(&record.message_id), indexed.entry.encode_to_vec()));
    changes
}

fn parse_posting(key: &[u8], value: &[u8]) -> Result<Posting, StoreError> {
    let corrupt = |reason: &str| StoreError::Corrupt {
        what: format!("search index entry {}", String::from_utf8_lossy(key)),
        reason: reason.into(),
    };
    let rest = &key[WORD_PREFIX.len()..];
    let mut parts = rest.splitn(3, |b| *b == 0);
    let (Some(word), Some(case_id), Some(message_id)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(corrupt("not key, case and message"));
    };
    let fields = <[u8; 4]>::try_from(value)
        .map(u32::from_le_bytes)
        .map_err(|_| corrupt("the fields are not 4 bytes"))?;
    Ok(Posting {
        key: String::from_utf8_lossy(word).into_owned(),
        case_id: String::from_utf8_lossy(case_id).into_owned(),
        message_id: String::from_utf8_lossy(message_id).into_owned(),
        fields,
    })
}

impl Store {
    /// Indexes every stored message for search, once: for stores made before the index existed.
    pub(super) fn build_search_index(&self) -> Result<(), StoreError> {
        if self.trees()?.meta.contains_key(SEARCH_INDEX_BUILT)? {
            return Ok(());
        }
        let mut index = sled::Batch::default();
        for item in self.trees()?.messages.iter() {
            let (key, bytes) = item?;
            let id = String::from_utf8_lossy(&key).into_owned();
            let record = self.with_envelope(decode_message(&id, &bytes)?, |_| None)?;
            for (key, value) in index_changes(&record) {
                index.insert(key, value);
            }
        }
        index.insert(SEARCH_INDEX_BUILT, Vec::new());
        self.trees()?.meta.apply_batch(index)?;
        self.flush_and_fsync()
    }

    /// Every posting of a key that begins with `prefix`, in key order, up to `cap` of them;
    /// the flag is set when more were left unread.
    pub fn search_postings(
        &self,
        prefix: &str,
        cap: usize,
    ) -> Result<(Vec<Posting>, bool), StoreError> {
        let mut start = WORD_PREFIX.to_vec();
        start.extend_from_slice(prefix.as_bytes());
        let mut out = Vec::new();
        for item in self.trees()?.meta.scan_prefix(&start) {
            if out.len() == cap {
                return Ok((out, true));
            }
            let (key, value) = item?;
            out.push(parse_posting(&key, &value)?);
        }
        Ok((out, false))
    }

    /// What the index keeps of message `message_id` for the filters.
    pub fn search_entry(&self, message_id: &str) -> Result<Option<SearchEntry>, StoreError> {
        let Some(bytes) = self.trees()?.meta.get(entry_key(message_id))? else {
            return Ok(None);
        };
        SearchEntry::decode(bytes.as_ref())
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                what: format!("search entry of {message_id}"),
                reason: e.to_string(),
            })
    }

    /// Every message's search entry, in message-id order: what a query without words reads.
    pub fn search_entries(&self) -> Result<Vec<(String, SearchEntry)>, StoreError> {
        let mut out = Vec::new();
        for item in self.trees()?.meta.scan_prefix(ENTRY_PREFIX) {
            let (key, bytes) = item?;
            let id = String::from_utf8_lossy(&key[ENTRY_PREFIX.len()..]).into_owned();
            let entry = SearchEntry::decode(bytes.as_ref()).map_err(|e| StoreError::Corrupt {
                what: format!("search entry of {id}"),
                reason: e.to_string(),
            })?;
            out.push((id, entry));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::store::{Batch, LogRecord};
    use rogatory_proto::v1::{
        DeliveryState, Direction, EntryKind, Envelope, MlaRequest, Person, SignedEnvelope, envelope,
    };

    fn put_request(batch: &mut Batch<'_>, id: &str, case_id: &str, person: &str) {
        let envelope = Envelope {
            version: 1,
            message_id: id.into(),
            sender: "tm".into(),
            recipient: "de".into(),
            created_at_ms: 1,
            case_id: case_id.into(),
            copies_to: Vec::new(),
            body: Some(envelope::Body::MlaRequest(MlaRequest {
                subject: "Мошенничество".into(),
                persons: vec![Person {
                    name: person.into(),
                    ..Default::default()
                }],
                ..Default::default()
            })),
        };
        let signed = SignedEnvelope {
            payload: envelope.encode_to_vec(),
            signature: vec![7; 64],
        };
        let sent = batch.append(LogRecord {
            kind: EntryKind::MessageSent,
            peer: "de".into(),
            message_id: id.into(),
            signed_payload: signed.payload.clone(),
            signature: signed.signature.clone(),
            detail: String::new(),
        });
        batch.put_message(&MessageRecord {
            direction: Direction::Outbox as i32,
            message_id: id.into(),
            sender: "tm".into(),
            recipient: "de".into(),
            case_id: case_id.into(),
            state: DeliveryState::Queued as i32,
            // As `outbound` and `inbound` put it: the envelope is the log entry's, in this batch.
            envelope: None,
            log_index: sent.index,
            ..Default::default()
        });
    }

    fn cases_of(store: &Store, prefix: &str) -> Vec<String> {
        let (postings, more) = store.search_postings(prefix, 100).expect("postings");
        assert!(!more);
        postings.into_iter().map(|p| p.case_id).collect()
    }

    #[test]
    fn index_entries_are_committed_with_the_message_and_built_for_older_stores() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(dir.path()).expect("open");
            store
                .write_blocking(|batch| {
                    put_request(batch, "m1", "tm-1", "Атаев Мурад");
                    put_request(batch, "m2", "tm-2", "Юсупов");
                    Ok::<_, StoreError>(())
                })
                .expect("write");
            // One write: the record and its postings are in the same commit frame, so a
            // crash keeps both or neither (the journal replays or cuts off the frame whole).
            assert_eq!(cases_of(&store, "ataev"), ["tm-1"]);
            assert_eq!(cases_of(&store, "usup"), ["tm-2"]);
            assert_eq!(cases_of(&store, "mosh").len(), 2);
            let entry = store.search_entry("m1").expect("read").expect("entry");
            assert_eq!(entry.case_id, "tm-1");
            assert_eq!(entry.kind, "request");
            // A record put again without its envelope leaves its entries standing.
            store
                .write_blocking(|batch| {
                    let mut record = batch.message_fields("m1")?.expect("stored");
                    record.state = DeliveryState::Delivered as i32;
                    batch.update_message(&record);
                    Ok::<_, StoreError>(())
                })
                .expect("write");
            assert_eq!(cases_of(&store, "ataev"), ["tm-1"]);
            // As a store made before the index existed would be.
            let meta = &store.trees().expect("trees").meta;
            let keys: Vec<_> = meta
                .scan_prefix(b"search")
                .keys()
                .collect::<Result<_, _>>()
                .expect("keys");
            for key in keys {
                meta.remove(key).expect("remove");
            }
            assert!(cases_of(&store, "ataev").is_empty());
            store.flush_and_fsync().expect("sync");
        }
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(cases_of(&store, "ataev"), ["tm-1"]);
        assert_eq!(store.search_entries().expect("entries").len(), 2);
    }

    #[test]
    fn a_prefix_reads_every_key_it_begins_up_to_the_cap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        store
            .write_blocking(|batch| {
                put_request(batch, "m1", "tm-1", "Атаев");
                put_request(batch, "m2", "tm-2", "Аталиев");
                put_request(batch, "m3", "tm-3", "Каримов");
                Ok::<_, StoreError>(())
            })
            .expect("write");
        assert_eq!(cases_of(&store, "ata"), ["tm-1", "tm-2"]);
        let (capped, more) = store.search_postings("ata", 1).expect("postings");
        assert_eq!(capped.len(), 1);
        assert!(more);
    }
}
