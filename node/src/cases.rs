//! Requests' lifecycles as this node holds them: a request's thread of status updates read
//! from the store, and a new update added in the same store batch that stores it.
//!
//! The rules are `rogatory_proto::lifecycle` (shared with the peer and with auditors); this
//! module maps them onto message records. A request's record keeps the ids of its status
//! updates in the order this node stored them (`thread`), and, derived from them, its state
//! (`request_state`) and the last update that counts (`thread_head`). Each update's record
//! keeps the state it led to and whether it was `superseded`. All of these are written in the
//! batch that stores the update, so a crash never separates a state from its cause.
//! Not responsible for the checks that precede it (who may refer to what): `inbound` and
//! `outbound` make those.

use rogatory_proto::lifecycle::{Added, Side, Thread, ThreadError};
use rogatory_proto::signing;
use rogatory_proto::v1::{DeliveryState, Direction, MessageRecord, StatusUpdate, envelope};

use crate::store::{Batch, StoreError};

/// Why an update cannot be added to a request's thread.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error(transparent)]
    Thread(#[from] ThreadError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether `record` holds an MLA request (the only messages that have a lifecycle).
pub fn is_request(record: &MessageRecord) -> bool {
    decode(record).is_ok_and(|e| matches!(e.body, Some(envelope::Body::MlaRequest(_))))
}

/// The side of `request` that node `node_id` is on, if it is a party.
pub fn side_of(request: &MessageRecord, node_id: &str) -> Option<Side> {
    if node_id == request.sender {
        Some(Side::Requesting)
    } else if node_id == request.recipient {
        Some(Side::Requested)
    } else {
        None
    }
}

/// The side this node is on for a request it holds.
pub fn own_side(request: &MessageRecord) -> Side {
    if request.direction == Direction::Outbox as i32 {
        Side::Requesting
    } else {
        Side::Requested
    }
}

/// A request and its thread, read inside a store batch.
#[derive(Debug)]
pub struct CaseThread {
    request: MessageRecord,
    thread: Thread,
}

impl CaseThread {
    /// Rebuilds the thread of `request` from its stored updates, replaying each under the same
    /// rules that admitted it.
    pub fn load(batch: &Batch<'_>, request: MessageRecord) -> Result<Self, StoreError> {
        let delivered = request.direction == Direction::Inbox as i32
            || request.state == DeliveryState::Delivered as i32;
        let mut thread = Thread::new(delivered);
        for id in &request.thread {
            let corrupt = |reason: String| StoreError::Corrupt {
                what: format!("status update {id} on request {}", request.message_id),
                reason,
            };
            let record = batch
                .message(id)?
                .ok_or_else(|| corrupt("missing".into()))?;
            let update = status_update(&record).map_err(corrupt)?;
            let by = side_of(&request, &record.sender)
                .ok_or_else(|| corrupt("its sender is not a party to the request".into()))?;
            thread
                .add(id, by, &update)
                .map_err(|e| corrupt(format!("does not replay: {e}")))?;
        }
        Ok(Self { request, thread })
    }

    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Adds update `message_id` (whose record the caller stores) to the thread, and puts the
    /// request's record, and those of earlier updates it displaced or reinstated, into `batch`.
    /// Nothing is put if the update is refused.
    pub fn add(
        mut self,
        batch: &mut Batch<'_>,
        message_id: &str,
        by: Side,
        update: &StatusUpdate,
    ) -> Result<Added, CaseError> {
        let added = self.thread.add(message_id, by, update)?;
        for (ids, superseded) in [(&added.displaced, true), (&added.reinstated, false)] {
            for id in ids {
                if let Some(mut record) = batch.message(id)? {
                    record.superseded = superseded;
                    batch.put_message(&record);
                }
            }
        }
        self.request.request_state = self.thread.state() as i32;
        self.request.thread_head = self.thread.head().to_owned();
        self.request.thread.push(message_id.to_owned());
        batch.put_message(&self.request);
        Ok(added)
    }
}

fn decode(record: &MessageRecord) -> Result<rogatory_proto::v1::Envelope, String> {
    let signed = record.envelope.as_ref().ok_or("no envelope stored")?;
    signing::decode_envelope(&signed.payload).map_err(|e| e.to_string())
}

fn status_update(record: &MessageRecord) -> Result<StatusUpdate, String> {
    match decode(record)?.body {
        Some(envelope::Body::StatusUpdate(update)) => Ok(update),
        _ => Err("not a status update".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use rogatory_proto::v1::{
        Envelope, MlaRequest, RefusalGround, RequestState, RequestStatus, SignedEnvelope,
    };

    use crate::store::Store;

    const REQUEST: &str = "01J00000000000000000000000";

    fn record(id: &str, sender: &str, recipient: &str, body: envelope::Body) -> MessageRecord {
        let envelope = Envelope {
            version: 1,
            message_id: id.into(),
            sender: sender.into(),
            recipient: recipient.into(),
            created_at_ms: 1,
            case_id: "tm-1".into(),
            body: Some(body),
        };
        MessageRecord {
            direction: if recipient == "de" {
                Direction::Inbox as i32
            } else {
                Direction::Outbox as i32
            },
            message_id: id.into(),
            sender: sender.into(),
            recipient: recipient.into(),
            case_id: "tm-1".into(),
            state: DeliveryState::Delivered as i32,
            envelope: Some(SignedEnvelope {
                payload: envelope.encode_to_vec(),
                signature: Vec::new(),
            }),
            ..Default::default()
        }
    }

    /// Stores update `id` the way `inbound` and `outbound` do: thread and record in one batch.
    fn store_update(
        store: &Store,
        id: &str,
        from: &str,
        status: RequestStatus,
        previous: &str,
    ) -> Result<Added, CaseError> {
        let update = StatusUpdate {
            refers_to: REQUEST.into(),
            status: status as i32,
            ground: if status == RequestStatus::Refused {
                RefusalGround::ContraryToLegalSystem as i32
            } else {
                0
            },
            note: "n".into(),
            previous: previous.into(),
            ..Default::default()
        };
        let to = if from == "de" { "tm" } else { "de" };
        store.write(|batch| {
            let request = batch.message(REQUEST)?.expect("request stored");
            let by = side_of(&request, from).expect("a party");
            let added = CaseThread::load(batch, request)?.add(batch, id, by, &update)?;
            let mut own = record(id, from, to, envelope::Body::StatusUpdate(update.clone()));
            own.request_state = added.state_after as i32;
            own.superseded = added.superseded;
            batch.put_message(&own);
            Ok(added)
        })
    }

    fn state(store: &Store, id: &str) -> (i32, bool) {
        let record = store.message(id).expect("read").expect("stored");
        (record.request_state, record.superseded)
    }

    #[test]
    fn the_state_and_supersessions_are_kept_on_the_records() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        // de's view: the request from tm is in its inbox.
        store
            .write(|batch| {
                let mut request = record(
                    REQUEST,
                    "tm",
                    "de",
                    envelope::Body::MlaRequest(MlaRequest::default()),
                );
                request.request_state = RequestState::Delivered as i32;
                batch.put_message(&request);
                Ok::<_, StoreError>(())
            })
            .expect("request");
        let a = "01J0000000000000000000000A";
        let b = "01J0000000000000000000000B";
        let w = "01J0000000000000000000000W";
        store_update(&store, a, "de", RequestStatus::Acknowledged, "").expect("ack");
        store_update(&store, b, "de", RequestStatus::Accepted, a).expect("accepted");
        let request = store.message(REQUEST).expect("read").expect("stored");
        assert_eq!(request.request_state, RequestState::Accepted as i32);
        assert_eq!((request.thread_head.as_str(), request.thread.len()), (b, 2));

        // A refused update changes nothing: tm cannot accept, and tm's update must follow B.
        let before = store.message(REQUEST).expect("read");
        let err = store_update(
            &store,
            "01J0000000000000000000000C",
            "tm",
            RequestStatus::Accepted,
            b,
        )
        .expect_err("not entitled");
        assert!(matches!(err, CaseError::Thread(ThreadError::Transition(_))));
        assert_eq!(store.message(REQUEST).expect("read"), before);

        // tm withdrew after A without having seen B: the withdrawal displaces B.
        let added = store_update(&store, w, "tm", RequestStatus::Withdrawn, a).expect("withdrawn");
        assert_eq!(added.displaced, [b]);
        assert_eq!(state(&store, b), (RequestState::Accepted as i32, true));
        assert_eq!(state(&store, w), (RequestState::Withdrawn as i32, false));
        let request = store.message(REQUEST).expect("read").expect("stored");
        assert_eq!(request.request_state, RequestState::Withdrawn as i32);
        assert_eq!(request.thread_head, w);

        // The stored thread replays to the same state.
        let replayed = store
            .write(|batch| {
                let request = batch.message(REQUEST)?.expect("stored");
                Ok::<_, StoreError>(CaseThread::load(batch, request)?.thread().clone())
            })
            .expect("replays");
        assert_eq!(replayed.state(), RequestState::Withdrawn);
        assert_eq!(replayed.head(), w);
    }
}
