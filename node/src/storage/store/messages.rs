//! Message records and the indexes over them: the `messages` tree (message id → record without
//! its envelope, which is read back from the record's log entry), and in `meta` the case index
//! (case id, 0x00, message id), the parties of multi-party cases and the request index
//! (request id → lifecycle state), each built once for stores made before it existed. What a
//! case or a request means is `crate::rules::cases`' and `crate::rules::multiparty`'s.

use prost::Message;
use rogatory_proto::v1::{Direction, EntryKind, LogEntry, MessageRecord, SignedEnvelope};

use super::{Store, StoreError};

/// The messages of each case: `case/` + case id + 0x00 + message id → empty.
const CASE_PREFIX: &[u8] = b"case/";
/// Present once the case index covers every stored message (stores made before it existed
/// are indexed when first opened).
const CASE_INDEX_BUILT: &[u8] = b"case_index_built";
/// The parties of each case (multi-party cases, `multiparty`), sorted, joined by '\n'.
const CASE_PARTIES_PREFIX: &[u8] = b"case_parties/";
/// Requests by id, with their lifecycle state (`RequestState` as 4 bytes, little-endian): what
/// the deadline checks read instead of every message.
const REQUEST_PREFIX: &[u8] = b"request/";
/// Present once every stored request is in the request index.
const REQUEST_INDEX_BUILT: &[u8] = b"request_index_built";

pub(super) fn case_key(case_id: &str, message_id: &str) -> Vec<u8> {
    let mut key = CASE_PREFIX.to_vec();
    key.extend_from_slice(case_id.as_bytes());
    key.push(0);
    key.extend_from_slice(message_id.as_bytes());
    key
}

/// One more than the longest common prefix of `id` with any of `others`, at most `id`'s length.
fn distinct_len<'a>(id: &[u8], others: impl Iterator<Item = &'a [u8]>) -> usize {
    let common = others
        .map(|other| id.iter().zip(other).take_while(|(a, b)| a == b).count())
        .max()
        .unwrap_or(0);
    (common + 1).min(id.len())
}

pub(super) fn case_parties_key(case_id: &str) -> Vec<u8> {
    let mut key = CASE_PARTIES_PREFIX.to_vec();
    key.extend_from_slice(case_id.as_bytes());
    key
}

pub(super) fn split_parties(value: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(value)
        .split('\n')
        .map(str::to_owned)
        .collect()
}

pub(super) fn request_key(request_id: &str) -> Vec<u8> {
    let mut key = REQUEST_PREFIX.to_vec();
    key.extend_from_slice(request_id.as_bytes());
    key
}

/// A message record as stored: without its envelope, whose bytes are those of the log entry
/// at `log_index` (the `MESSAGE_SENT` or `MESSAGE_RECEIVED` entry that recorded it). Keeping
/// them once halves what sled copies per message; [`Store::with_envelope`] puts them back.
pub(super) fn stored_form(record: &MessageRecord) -> Vec<u8> {
    let logged =
        record.direction == Direction::Outbox as i32 || record.direction == Direction::Inbox as i32;
    if logged && record.envelope.is_some() {
        MessageRecord {
            envelope: None,
            ..record.clone()
        }
        .encode_to_vec()
    } else {
        record.encode_to_vec()
    }
}

pub(super) fn decode_message(id: &str, bytes: &[u8]) -> Result<MessageRecord, StoreError> {
    MessageRecord::decode(bytes).map_err(|e| StoreError::Corrupt {
        what: format!("message {id}"),
        reason: e.to_string(),
    })
}

impl Store {
    /// Indexes every stored message by case, once: for stores made before the index existed.
    pub(super) fn build_case_index(&self) -> Result<(), StoreError> {
        if self.trees()?.meta.contains_key(CASE_INDEX_BUILT)? {
            return Ok(());
        }
        let mut index = sled::Batch::default();
        for item in self.trees()?.messages.iter() {
            let (key, bytes) = item?;
            let id = String::from_utf8_lossy(&key).into_owned();
            let record = decode_message(&id, &bytes)?;
            index.insert(case_key(&record.case_id, &id), Vec::new());
        }
        index.insert(CASE_INDEX_BUILT, Vec::new());
        self.trees()?.meta.apply_batch(index)?;
        self.flush_and_fsync()
    }

    /// Indexes every stored request with its state, once: for stores made before the index
    /// existed.
    pub(super) fn build_request_index(&self) -> Result<(), StoreError> {
        if self.trees()?.meta.contains_key(REQUEST_INDEX_BUILT)? {
            return Ok(());
        }
        let mut index = sled::Batch::default();
        for item in self.trees()?.messages.iter() {
            let (key, bytes) = item?;
            let id = String::from_utf8_lossy(&key).into_owned();
            let record = decode_message(&id, &bytes)?;
            // Only requests and status updates carry a state; the envelope tells them apart.
            if record.request_state == 0 {
                continue;
            }
            let state = record.request_state;
            let record = self.with_envelope(record, |_| None)?;
            let is_request = record
                .envelope
                .as_ref()
                .and_then(|signed| rogatory_proto::signing::decode_envelope(&signed.payload).ok())
                .is_some_and(|e| {
                    matches!(
                        e.body,
                        Some(rogatory_proto::v1::envelope::Body::MlaRequest(_))
                    )
                });
            if is_request {
                index.insert(request_key(&id), state.to_le_bytes().to_vec());
            }
        }
        index.insert(REQUEST_INDEX_BUILT, Vec::new());
        self.trees()?.meta.apply_batch(index)?;
        self.flush_and_fsync()
    }

    /// Every request this node holds, with its lifecycle state as last stored.
    pub fn request_states(&self) -> Result<Vec<(String, i32)>, StoreError> {
        let mut out = Vec::new();
        for item in self.trees()?.meta.scan_prefix(REQUEST_PREFIX) {
            let (key, value) = item?;
            let id = String::from_utf8_lossy(&key[REQUEST_PREFIX.len()..]).into_owned();
            let state = <[u8; 4]>::try_from(value.as_ref())
                .map(i32::from_le_bytes)
                .map_err(|_| StoreError::Corrupt {
                    what: format!("request index entry {id}"),
                    reason: "the state is not 4 bytes".into(),
                })?;
            out.push((id, state));
        }
        Ok(out)
    }

    /// The ids of the messages of case `case_id`, in message-id order (the case index alone).
    pub fn case_message_ids(&self, case_id: &str) -> Result<Vec<String>, StoreError> {
        let prefix = case_key(case_id, "");
        let mut out = Vec::new();
        for item in self.trees()?.meta.scan_prefix(&prefix).keys() {
            let key = item?;
            out.push(String::from_utf8_lossy(&key[prefix.len()..]).into_owned());
        }
        Ok(out)
    }

    /// The messages of case `case_id`, in message-id order.
    pub fn case_messages(&self, case_id: &str) -> Result<Vec<MessageRecord>, StoreError> {
        let prefix = case_key(case_id, "");
        let mut out = Vec::new();
        for item in self.trees()?.meta.scan_prefix(&prefix).keys() {
            let key = item?;
            let id = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
            let record = self.message(&id)?.ok_or_else(|| StoreError::Corrupt {
                what: format!("case index entry {case_id}/{id}"),
                reason: "names a message that is not stored".into(),
            })?;
            out.push(record);
        }
        Ok(out)
    }

    pub fn message(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        match self.trees()?.messages.get(message_id.as_bytes())? {
            None => Ok(None),
            Some(bytes) => self
                .with_envelope(decode_message(message_id, &bytes)?, |_| None)
                .map(Some),
        }
    }

    /// A stored message record without its envelope (see [`stored_form`]): what scheduling
    /// and listings need, without reading the log.
    pub fn message_fields(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        match self.trees()?.messages.get(message_id.as_bytes())? {
            None => Ok(None),
            Some(bytes) => decode_message(message_id, &bytes).map(Some),
        }
    }

    /// Puts back a record's envelope from the log entry that recorded it, looked up among
    /// `pending` entries (a batch not yet committed) first.
    pub(super) fn with_envelope<'p>(
        &self,
        mut record: MessageRecord,
        pending: impl Fn(u64) -> Option<&'p [u8]>,
    ) -> Result<MessageRecord, StoreError> {
        let logged = record.direction == Direction::Outbox as i32
            || record.direction == Direction::Inbox as i32;
        if record.envelope.is_some() || !logged {
            return Ok(record);
        }
        let corrupt = |reason: String| StoreError::Corrupt {
            what: format!("message {}", record.message_id),
            reason,
        };
        let index = record.log_index;
        let entry = match pending(index) {
            Some(bytes) => LogEntry::decode(bytes).map_err(|e| StoreError::Corrupt {
                what: format!("audit-log entry {index}"),
                reason: e.to_string(),
            })?,
            None => self
                .log_entry(index)?
                .ok_or_else(|| corrupt(format!("its log entry {index} is missing")))?,
        };
        let recorded = entry.kind == EntryKind::MessageSent as i32
            || entry.kind == EntryKind::MessageReceived as i32;
        if !recorded || entry.message_id != record.message_id {
            return Err(corrupt(format!(
                "log entry {index} does not record this message"
            )));
        }
        record.envelope = Some(SignedEnvelope {
            payload: entry.signed_payload,
            signature: entry.signature,
        });
        Ok(record)
    }

    /// The ids of stored messages that begin with `prefix`, in order, at most `cap` of them.
    pub fn message_ids_with_prefix(
        &self,
        prefix: &str,
        cap: usize,
    ) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for key in self.trees()?.messages.scan_prefix(prefix.as_bytes()).keys() {
            if out.len() == cap {
                break;
            }
            out.push(String::from_utf8_lossy(&key?).into_owned());
        }
        Ok(out)
    }

    /// The ids of cases with a stored message that begin with `prefix`, in order, at most `cap`
    /// of them: one read of the case index per case, whatever its number of messages.
    pub fn case_ids_with_prefix(
        &self,
        prefix: &str,
        cap: usize,
    ) -> Result<Vec<String>, StoreError> {
        let meta = &self.trees()?.meta;
        let start = case_key(prefix, "");
        let start = &start[..start.len() - 1];
        let mut from = start.to_vec();
        let mut out = Vec::new();
        while out.len() < cap {
            let Some((key, _)) = meta.range(from.as_slice()..).next().transpose()? else {
                break;
            };
            if !key.starts_with(start) {
                break;
            }
            let rest = &key[CASE_PREFIX.len()..];
            let end = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
            out.push(String::from_utf8_lossy(&rest[..end]).into_owned());
            // Past every key of this case: its id followed by a byte above the separator.
            from = key[..CASE_PREFIX.len() + end].to_vec();
            from.push(1);
        }
        Ok(out)
    }

    /// How many characters of message id `id` tell it apart from every other stored message id
    /// (its neighbours in key order).
    pub fn message_id_distinct_len(&self, id: &str) -> Result<usize, StoreError> {
        let messages = &self.trees()?.messages;
        let before = messages.get_lt(id.as_bytes())?.map(|(k, _)| k);
        let after = messages
            .range::<&[u8], _>((
                std::ops::Bound::Excluded(id.as_bytes()),
                std::ops::Bound::Unbounded,
            ))
            .next()
            .transpose()?
            .map(|(k, _)| k);
        Ok(distinct_len(
            id.as_bytes(),
            [before, after].iter().flatten().map(|k| k.as_ref()),
        ))
    }

    /// How many characters of case id `case_id` tell it apart from every other held case id.
    pub fn case_id_distinct_len(&self, case_id: &str) -> Result<usize, StoreError> {
        let meta = &self.trees()?.meta;
        let own = case_key(case_id, "");
        let case_of = |key: &[u8]| -> Option<Vec<u8>> {
            let rest = key.strip_prefix(CASE_PREFIX)?;
            let end = rest.iter().position(|b| *b == 0)?;
            Some(rest[..end].to_vec())
        };
        let before = meta.get_lt(own.as_slice())?.and_then(|(k, _)| case_of(&k));
        let mut past = own[..own.len() - 1].to_vec();
        past.push(1);
        let after = meta
            .range(past.as_slice()..)
            .next()
            .transpose()?
            .and_then(|(k, _)| case_of(&k));
        Ok(distinct_len(
            case_id.as_bytes(),
            [before, after].iter().flatten().map(Vec::as_slice),
        ))
    }

    /// Messages in one direction, newest first (message ids are time-ordered).
    pub fn list_messages(
        &self,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        self.list_messages_where(direction, limit, |_| true)
    }

    /// The newest `limit` messages in one direction that `keep` accepts (it sees the record
    /// with its envelope), newest first: `limit` counts only the messages kept.
    pub fn list_messages_where(
        &self,
        direction: Direction,
        limit: usize,
        keep: impl Fn(&MessageRecord) -> bool,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let mut out = Vec::new();
        for item in self.trees()?.messages.iter().rev() {
            let (key, bytes) = item?;
            let record = decode_message(&String::from_utf8_lossy(&key), &bytes)?;
            if record.direction == direction as i32 {
                let record = self.with_envelope(record, |_| None)?;
                if !keep(&record) {
                    continue;
                }
                out.push(record);
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
    use crate::storage::store::test_support::*;
    use crate::storage::store::{Batch, LogRecord};
    use rogatory_proto::v1::DeliveryState;

    #[test]
    fn the_request_index_keeps_states_and_is_built_for_older_stores() {
        use rogatory_proto::v1::{Envelope, MlaRequest, RequestState, StatusUpdate, envelope};
        let dir = tempfile::tempdir().expect("tempdir");
        let request_id = "01J00000000000000000000000";
        let update_id = "01J00000000000000000000001";
        let put = |batch: &mut Batch<'_>, id: &str, body: envelope::Body, state: RequestState| {
            let envelope = Envelope {
                version: 1,
                message_id: id.into(),
                sender: "de".into(),
                recipient: "tm".into(),
                created_at_ms: 1,
                case_id: "de-1".into(),
                copies_to: Vec::new(),
                body: Some(body),
            };
            let payload = envelope.encode_to_vec();
            let received = batch.append(LogRecord {
                kind: EntryKind::MessageReceived,
                peer: "de".into(),
                message_id: id.into(),
                signed_payload: payload.clone(),
                signature: vec![7; 64],
                detail: String::new(),
            });
            batch.put_message(&MessageRecord {
                direction: Direction::Inbox as i32,
                message_id: id.into(),
                sender: "de".into(),
                recipient: "tm".into(),
                case_id: "de-1".into(),
                state: DeliveryState::Received as i32,
                log_index: received.index,
                request_state: state as i32,
                ..Default::default()
            });
        };
        {
            let store = Store::open(dir.path()).expect("open");
            store
                .write_blocking(|batch| {
                    put(
                        batch,
                        request_id,
                        envelope::Body::MlaRequest(MlaRequest::default()),
                        RequestState::Acknowledged,
                    );
                    batch.put_request_state(request_id, RequestState::Delivered as i32);
                    batch.put_request_state(request_id, RequestState::Acknowledged as i32);
                    put(
                        batch,
                        update_id,
                        envelope::Body::StatusUpdate(StatusUpdate::default()),
                        RequestState::Acknowledged,
                    );
                    Ok::<_, StoreError>(())
                })
                .expect("write");
            let expected = vec![(request_id.to_owned(), RequestState::Acknowledged as i32)];
            assert_eq!(store.request_states().expect("index"), expected);
            // As a store made before the index existed would be.
            store
                .trees()
                .expect("trees")
                .meta
                .remove(request_key(request_id))
                .expect("remove");
            store
                .trees()
                .expect("trees")
                .meta
                .remove(REQUEST_INDEX_BUILT)
                .expect("remove");
            assert!(store.request_states().expect("index").is_empty());
            store.flush_and_fsync().expect("sync");
        }
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(
            store.request_states().expect("index"),
            [(request_id.to_owned(), RequestState::Acknowledged as i32)],
            "the request is indexed from its record; the status update is not"
        );
    }

    #[test]
    fn the_case_index_lists_a_case_and_is_built_for_older_stores() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(dir.path()).expect("open");
            for (case, id) in [("tm-1", "m1"), ("tm-10", "m2"), ("tm-1", "m3")] {
                store
                    .write_blocking(|batch| {
                        put_sent(batch, id);
                        let mut record = batch.message(id)?.expect("just put");
                        record.case_id = case.into();
                        batch.put_message(&record);
                        Ok::<_, StoreError>(())
                    })
                    .expect("write");
            }
            let ids = |case: &str| -> Vec<String> {
                let messages = store.case_messages(case).expect("case");
                messages.into_iter().map(|m| m.message_id).collect()
            };
            assert_eq!(ids("tm-1"), ["m1", "m3"]);
            assert_eq!(ids("tm-10"), ["m2"]);
            assert!(ids("tm").is_empty());
            // As a store made before the index existed would be.
            let index: Vec<_> = store
                .trees()
                .expect("trees")
                .meta
                .scan_prefix(CASE_PREFIX)
                .keys()
                .collect::<Result<_, _>>()
                .expect("keys");
            assert!(!index.is_empty());
            for key in index {
                store
                    .trees()
                    .expect("trees")
                    .meta
                    .remove(key)
                    .expect("remove");
            }
            store
                .trees()
                .expect("trees")
                .meta
                .remove(CASE_INDEX_BUILT)
                .expect("remove");
            store.flush_and_fsync().expect("sync");
        }
        let store = Store::open(dir.path()).expect("reopen");
        let messages = store.case_messages("tm-1").expect("case");
        assert_eq!(messages.len(), 2);
        assert!(messages.iter().all(|m| m.envelope.is_some()));
    }
}
