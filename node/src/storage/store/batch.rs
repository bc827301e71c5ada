//! A batch: the changes one writer prepares (log entries, message records, the queue and case
//! indexes, checkpoints, evidence), and what it reads through the batches prepared before it
//! and not yet committed. How a batch is queued and committed is [`super::write`] and
//! [`super::committer`]; the keys it writes belong to the modules that read them.

use std::collections::VecDeque;
use std::sync::Arc;

use prost::Message;
use rogatory_proto::log::entry_hash;
use rogatory_proto::merkle::Hash;
use rogatory_proto::v1::{DeliveryState, Direction, EntryKind, LogEntry, MessageRecord};

use super::log::{MISBEHAVIOUR_PREFIX, PEER_CHECKPOINT_PREFIX, checkpoint_key};
use super::messages::{
    case_key, case_parties_key, decode_message, request_key, split_parties, stored_form,
};
use super::queue::queue_key;
use super::search::index_changes;
use super::write::Prepared;
use super::{Store, StoreError};

/// What to append to the audit log; index, time and chaining are filled in by the store.
#[derive(Debug, Clone, Default)]
pub struct LogRecord {
    pub kind: EntryKind,
    pub peer: String,
    pub message_id: String,
    pub signed_payload: Vec<u8>,
    pub signature: Vec<u8>,
    pub detail: String,
}

/// Where an entry landed in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub index: u64,
    pub hash: [u8; 32],
}

/// Changes prepared under the write lock and committed together.
#[derive(Debug)]
pub struct Batch<'a> {
    pub(super) store: &'a Store,
    /// Batches prepared before this one and not yet committed: this batch reads through them.
    pub(super) pending: &'a VecDeque<Arc<Prepared>>,
    pub(super) next_index: u64,
    pub(super) previous_hash: [u8; 32],
    pub(super) time_ms: i64,
    /// Index, encoding and hash of each entry appended.
    pub(super) entries: Vec<(u64, Vec<u8>, Hash)>,
    pub(super) messages: Vec<(String, Vec<u8>)>,
    /// Queue index changes: key, and whether the message is (still) queued.
    pub(super) queue: Vec<(Vec<u8>, bool)>,
    /// Other metadata written with the batch (checkpoints, peers' checkpoints, evidence).
    pub(super) meta: Vec<(Vec<u8>, Vec<u8>)>,
    /// Derived indexes kept in `meta` whose keys move (the case list, `case_list`): a key and
    /// its new value, or `None` to remove it. Applied after `meta`, in order.
    pub(super) indexes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    /// A read made to keep an index failed: the batch is refused whole when `f` returns.
    pub(super) index_error: Option<StoreError>,
}

impl Batch<'_> {
    /// Adds an entry to the log; returns its index and hash as they will be once committed.
    pub fn append(&mut self, record: LogRecord) -> Appended {
        let index = self.next_index;
        let entry = LogEntry {
            index,
            time_ms: self.time_ms,
            kind: record.kind as i32,
            previous_hash: self.previous_hash.to_vec(),
            peer: record.peer,
            message_id: record.message_id,
            signed_payload: record.signed_payload,
            signature: record.signature,
            detail: record.detail,
        };
        let bytes = entry.encode_to_vec();
        let hash = entry_hash(&bytes);
        self.entries.push((index, bytes, hash));
        self.next_index += 1;
        self.previous_hash = hash;
        Appended { index, hash }
    }

    /// Stores (or replaces) a message record, and keeps the outbox queue index and the case
    /// index in step.
    pub fn put_message(&mut self, record: &MessageRecord) {
        self.meta
            .push((case_key(&record.case_id, &record.message_id), Vec::new()));
        // The search and case-list indexes, in the same commit as the record (`search`,
        // `case_list`): never out of step.
        let enveloped = self.with_pending_envelope(record);
        let indexed = enveloped.as_ref().unwrap_or(record);
        if indexed.envelope.is_some() {
            self.meta.extend(index_changes(indexed));
        }
        self.keep_case_list(indexed);
        self.store_record(record);
    }

    /// Replaces a stored message record of the same case (its case index entry stands), and
    /// keeps the outbox queue index in step.
    pub fn update_message(&mut self, record: &MessageRecord) {
        // A request's state may have changed (a receipt: SUBMITTED to DELIVERED).
        if record.request_state != 0 {
            self.keep_case_list(record);
        }
        self.store_record(record);
    }

    fn keep_case_list(&mut self, record: &MessageRecord) {
        if let Err(e) = self.index_case(record) {
            self.index_error.get_or_insert(e);
        }
    }

    fn store_record(&mut self, record: &MessageRecord) {
        if record.direction == Direction::Outbox as i32 {
            // One queue entry per addressee: the recipient and each party it is copied to.
            let deliveries = std::iter::once((&record.recipient, record.state))
                .chain(record.copies.iter().map(|c| (&c.recipient, c.state)));
            for (peer, state) in deliveries {
                let queued = state != DeliveryState::Delivered as i32
                    && state != DeliveryState::Refused as i32;
                self.queue
                    .push((queue_key(peer, &record.message_id), queued));
            }
        }
        self.messages
            .push((record.message_id.clone(), stored_form(record)));
    }

    /// A message as it stands, including changes made earlier in this batch and in batches
    /// prepared before it that are not committed yet.
    pub fn message(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        let Some(record) = self.message_fields(message_id)? else {
            return Ok(None);
        };
        self.store
            .with_envelope(record, |index| self.pending_entry(index))
            .map(Some)
    }

    /// [`Batch::message`] without the envelope, which costs a read of the log entry.
    pub fn message_fields(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        let newest_first = std::iter::once(&self.messages)
            .chain(self.pending.iter().rev().map(|prepared| &prepared.messages));
        for messages in newest_first {
            if let Some((_, bytes)) = messages.iter().rev().find(|(id, _)| id == message_id) {
                return decode_message(message_id, bytes).map(Some);
            }
        }
        self.store.message_fields(message_id)
    }

    /// The first message of case `case_id` in message-id order that `accept`s, including
    /// messages of this batch and of pending ones.
    pub fn first_case_message(
        &self,
        case_id: &str,
        accept: impl Fn(&MessageRecord) -> bool,
    ) -> Result<Option<MessageRecord>, StoreError> {
        let prefix = case_key(case_id, "");
        let id_of = |key: &[u8]| String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
        let uncommitted: std::collections::BTreeSet<String> = std::iter::once(&self.meta)
            .chain(self.pending.iter().map(|prepared| &prepared.meta))
            .flat_map(|meta| meta.iter())
            .filter(|(key, _)| key.starts_with(&prefix))
            .map(|(key, _)| id_of(key))
            .collect();
        let mut first: Option<MessageRecord> = None;
        for id in uncommitted {
            if let Some(record) = self.message(&id)?.filter(|r| accept(r)) {
                first = Some(record);
                break;
            }
        }
        // Committed messages are read until the first one accepted, or one after `first`.
        for item in self.store.trees()?.meta.scan_prefix(&prefix).keys() {
            let id = id_of(&item?);
            if first.as_ref().is_some_and(|f| f.message_id <= id) {
                break;
            }
            if let Some(record) = self.message(&id)?.filter(|r| accept(r)) {
                return Ok(Some(record));
            }
        }
        Ok(first)
    }

    /// `record` with its envelope when it carries none and the log entry that records it is in
    /// this batch or a pending one (a new message: the writer appends the entry, then puts the
    /// record), for the indexes; `None` otherwise. A record put again later (a delivery state,
    /// a request's thread) has nothing new to index.
    fn with_pending_envelope(&self, record: &MessageRecord) -> Option<MessageRecord> {
        if record.envelope.is_some() {
            return None;
        }
        let bytes = self.pending_entry(record.log_index)?;
        let entry = LogEntry::decode(bytes).ok()?;
        let recorded = entry.kind == EntryKind::MessageSent as i32
            || entry.kind == EntryKind::MessageReceived as i32;
        if !recorded || entry.message_id != record.message_id {
            return None;
        }
        Some(MessageRecord {
            envelope: Some(rogatory_proto::v1::SignedEnvelope {
                payload: entry.signed_payload,
                signature: Vec::new(),
            }),
            ..record.clone()
        })
    }

    /// A log entry of this batch or of a pending one, encoded.
    fn pending_entry(&self, index: u64) -> Option<&[u8]> {
        std::iter::once(&self.entries)
            .chain(self.pending.iter().map(|prepared| &prepared.entries))
            .flat_map(|entries| entries.iter())
            .find(|(i, _, _)| *i == index)
            .map(|(_, bytes, _)| bytes.as_slice())
    }

    /// The parties recorded for case `case_id` (see `multiparty::case_parties`), including
    /// records of this batch and of pending ones.
    pub fn recorded_case_parties(&self, case_id: &str) -> Result<Option<Vec<String>>, StoreError> {
        let key = case_parties_key(case_id);
        let newest_first = std::iter::once(&self.meta)
            .chain(self.pending.iter().rev().map(|prepared| &prepared.meta));
        for meta in newest_first {
            if let Some((_, value)) = meta.iter().rev().find(|(k, _)| *k == key) {
                return Ok(Some(split_parties(value)));
            }
        }
        Ok(self
            .store
            .trees()?
            .meta
            .get(&key)?
            .map(|value| split_parties(&value)))
    }

    /// Records the parties of case `case_id` (sorted).
    pub fn put_case_parties(&mut self, case_id: &str, parties: &[String]) {
        self.meta
            .push((case_parties_key(case_id), parties.join("\n").into_bytes()));
    }

    /// Records where request `request_id` stands in its lifecycle (the request index).
    pub fn put_request_state(&mut self, request_id: &str, state: i32) {
        self.meta
            .push((request_key(request_id), state.to_le_bytes().to_vec()));
    }

    /// Records a checkpoint this node signed (the note text), for tree size `size`.
    pub fn put_checkpoint(&mut self, size: u64, note: &str) {
        self.meta
            .push((checkpoint_key(size), note.as_bytes().to_vec()));
    }

    /// Records the newest verified checkpoint of `peer`.
    pub fn put_peer_checkpoint(&mut self, peer: &str, note: &str) {
        let mut key = PEER_CHECKPOINT_PREFIX.to_vec();
        key.extend_from_slice(peer.as_bytes());
        self.meta.push((key, note.as_bytes().to_vec()));
    }

    /// Keeps evidence that `peer` misbehaved (for example two inconsistent signed checkpoints).
    pub fn put_misbehaviour(&mut self, peer: &str, evidence: &[u8]) {
        let mut key = MISBEHAVIOUR_PREFIX.to_vec();
        key.extend_from_slice(peer.as_bytes());
        key.push(0);
        // The next log index is unique, unlike a millisecond clock.
        key.extend_from_slice(&self.next_index.to_be_bytes());
        self.meta.push((key, evidence.to_vec()));
    }

    /// Number of log entries once this batch is committed.
    pub fn log_size(&self) -> u64 {
        self.next_index
    }

    /// The time stamped on entries of this batch, milliseconds since the Unix epoch.
    pub fn time_ms(&self) -> i64 {
        self.time_ms
    }
}
