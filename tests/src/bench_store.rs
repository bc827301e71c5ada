//! What the store benchmarks (`benches/search.rs`, `benches/pages.rs`) share: a planned message
//! written as a node writes it, and the median of repeated runs.

use std::time::{Duration, Instant};

use prost::Message;
use rogatory_node::storage::store::{LogRecord, Store, StoreError};
use rogatory_proto::v1::{
    DeliveryState, Direction, EntryKind, Envelope, MessageRecord, RequestState,
};

/// One message to store: its envelope, direction and (for a request) its state.
#[derive(Debug)]
pub struct Planned {
    pub envelope: Envelope,
    pub direction: Direction,
    pub request_state: RequestState,
}

/// Writes `planned` as a node does: the log entry, then the record (whose index entries the
/// store writes in the same batch), and a request's state in the request index.
pub fn store_all(store: &Store, planned: &[Planned]) -> Result<(), StoreError> {
    store.write_blocking(|batch| {
        for p in planned {
            let outgoing = p.direction == Direction::Outbox;
            let logged = batch.append(LogRecord {
                kind: if outgoing {
                    EntryKind::MessageSent
                } else {
                    EntryKind::MessageReceived
                },
                peer: if outgoing {
                    p.envelope.recipient.clone()
                } else {
                    p.envelope.sender.clone()
                },
                message_id: p.envelope.message_id.clone(),
                signed_payload: p.envelope.encode_to_vec(),
                signature: vec![0; 64],
                detail: String::new(),
            });
            batch.put_message(&MessageRecord {
                direction: p.direction as i32,
                message_id: p.envelope.message_id.clone(),
                sender: p.envelope.sender.clone(),
                recipient: p.envelope.recipient.clone(),
                case_id: p.envelope.case_id.clone(),
                created_at_ms: p.envelope.created_at_ms,
                state: if outgoing {
                    DeliveryState::Delivered as i32
                } else {
                    DeliveryState::Received as i32
                },
                log_index: logged.index,
                request_state: p.request_state as i32,
                ..Default::default()
            });
            if p.request_state != RequestState::Unspecified {
                batch.put_request_state(&p.envelope.message_id, p.request_state as i32);
            }
        }
        Ok(())
    })
}

/// Median duration of `runs` runs of `run` (after one warm-up run), and what it found; every
/// run must find the same.
pub fn median<T: PartialEq + std::fmt::Debug>(
    runs: usize,
    mut run: impl FnMut() -> T,
) -> (Duration, T) {
    let found = run();
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let again = run();
            assert_eq!(again, found, "the same query found something else");
            started.elapsed()
        })
        .collect();
    samples.sort();
    (samples[samples.len() / 2], found)
}

/// A duration in milliseconds, two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
