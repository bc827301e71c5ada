//! What a watcher is told (`Operator.Watch`): a broadcast of the node's events to every
//! connected watcher, bounded, never waiting for one.
//!
//! Events are published where things happen (a message received, a status change, a delivery)
//! and by `operations::watch` (deadlines near or past, deliveries failing for long). The
//! channel holds the newest [`EVENT_CAPACITY`] events; a watcher that falls further behind
//! loses the oldest it has not read and is told how many (a `missed` event) so that it
//! re-reads `Attention`. Publishing never blocks and costs nothing without watchers. Events
//! carry ids, peers and times, never message content.

use rogatory_proto::v1::{Direction, MessageRecord, WatchEvent};
use tokio::sync::broadcast;

/// Events kept for watchers that have not read them yet. A person's terminal or a mail hook
/// reads an event in milliseconds; 1024 covers a burst of a whole outbox delivered at once
/// after an outage, while a watcher that stopped reading costs at most this much memory.
pub const EVENT_CAPACITY: usize = 1024;

/// The kinds of event (`WatchEvent.kind`), stable for scripts.
pub mod kind {
    pub const MESSAGE_RECEIVED: &str = "message-received";
    pub const STATUS_CHANGED: &str = "status-changed";
    pub const DELIVERED: &str = "delivered";
    pub const DELIVERY_FAILING: &str = "delivery-failing";
    pub const DEADLINE_NEAR: &str = "deadline-near";
    pub const DEADLINE_PAST: &str = "deadline-past";
    /// The watcher fell behind and lost `missed` events: re-read `Attention`.
    pub const MISSED: &str = "missed";
}

/// The node's event broadcast.
#[derive(Debug)]
pub struct Events {
    sender: broadcast::Sender<WatchEvent>,
}

impl Default for Events {
    fn default() -> Self {
        Self::with_capacity(EVENT_CAPACITY)
    }
}

impl Events {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            sender: broadcast::channel(capacity.max(1)).0,
        }
    }

    /// Tells every watcher; nobody listening is not an error.
    pub fn publish(&self, event: WatchEvent) {
        let _ = self.sender.send(event);
    }

    /// A new watcher's receiver: events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<WatchEvent> {
        self.sender.subscribe()
    }

    /// Message `record` (its envelope read) arrived, or was delivered to `peer`: the event
    /// for it, unless it is a delivery report (internal to the protocol).
    pub fn message_event(record: &MessageRecord, kind: &str, peer: &str) -> Option<WatchEvent> {
        let (message_kind, _) = crate::rules::attention::kind_of(record)?;
        let kind = match (kind, message_kind) {
            (kind::MESSAGE_RECEIVED, "status-update") => kind::STATUS_CHANGED,
            (kind, _) => kind,
        };
        Some(WatchEvent {
            kind: kind.to_owned(),
            case_id: record.case_id.clone(),
            message_id: record.message_id.clone(),
            peer: if peer.is_empty() && record.direction == Direction::Inbox as i32 {
                record.sender.clone()
            } else {
                peer.to_owned()
            },
            message_kind: message_kind.to_owned(),
            request_state: record.request_state,
            at_ms: crate::now_ms(),
            ..Default::default()
        })
    }
}

/// What a watcher's stream yields next from its receiver: the event, or a `missed` event
/// when it fell behind; `None` once the node stops publishing.
pub async fn next_for_watcher(
    receiver: &mut broadcast::Receiver<WatchEvent>,
) -> Option<WatchEvent> {
    match receiver.recv().await {
        Ok(event) => Some(event),
        Err(broadcast::error::RecvError::Lagged(missed)) => Some(WatchEvent {
            kind: kind::MISSED.to_owned(),
            missed,
            at_ms: crate::now_ms(),
            ..Default::default()
        }),
        Err(broadcast::error::RecvError::Closed) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u64) -> WatchEvent {
        WatchEvent {
            kind: kind::DELIVERED.into(),
            message_id: n.to_string(),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_watcher_that_fell_behind_is_told_how_many_it_missed_and_goes_on() {
        let events = Events::with_capacity(4);
        let mut slow = events.subscribe();
        for n in 0..10 {
            events.publish(event(n)); // never waits for the slow watcher
        }
        let first = next_for_watcher(&mut slow).await.expect("event");
        assert_eq!((first.kind.as_str(), first.missed), (kind::MISSED, 6));
        let next = next_for_watcher(&mut slow).await.expect("event");
        assert_eq!(next.message_id, "6");
    }

    #[test]
    fn publishing_without_watchers_is_no_error() {
        Events::default().publish(event(1));
    }
}
