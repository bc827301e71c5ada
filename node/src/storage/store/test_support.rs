//! Helpers shared by the store's unit tests.

use prost::Message;
use rogatory_proto::v1::{
    DeliveryState, Direction, EntryKind, LogEntry, MessageRecord, SignedEnvelope,
};

use super::{Batch, LogRecord, Store, StoreError};

pub(super) fn record(detail: &str) -> LogRecord {
    LogRecord {
        kind: EntryKind::LocalAction,
        detail: detail.into(),
        ..Default::default()
    }
}

pub(super) fn append_records(store: &Store, details: &[&str]) {
    for detail in details {
        store
            .write_blocking(|batch| Ok::<_, StoreError>(batch.append(record(detail))))
            .expect("write");
    }
}

pub(super) fn details(store: &Store) -> Vec<String> {
    store
        .log_entries_from(0, 100)
        .expect("read")
        .into_iter()
        .map(|(_, bytes)| LogEntry::decode(bytes.as_slice()).expect("decode").detail)
        .collect()
}

/// A message record logged the way `outbound` logs one.
pub(super) fn put_sent(batch: &mut Batch<'_>, id: &str) {
    let signed = SignedEnvelope {
        payload: format!("payload of {id}").into_bytes(),
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
        recipient: "de".into(),
        state: DeliveryState::Queued as i32,
        envelope: Some(signed),
        log_index: sent.index,
        ..Default::default()
    });
}
