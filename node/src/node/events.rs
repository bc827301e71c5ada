//! What a watcher is told (`Operator.Watch`): a broadcast of the node's events to every
//! connected watcher, bounded, never waiting for one.
//!
//! Events are published where things happen (a message received, a status change, a delivery)
//! and by `operations::watch` (deadlines near or past, deliveries failing for long). The
//! channel holds the newest [`EVENT_CAPACITY`] events; a watcher that falls further behind
//! loses the oldest it has not read and is told how many (a `missed` event) so that it
//! re-reads `Attention`. Publishing never blocks and costs nothing without watchers. Events
//! carry ids, peers and times, never message content.
//!
//! Watchers are counted here too ([`Events::admit_watcher`]): each holds a task and up to
//! [`EVENT_CAPACITY`] unread events, so a local user may hold [`MAX_WATCHERS_PER_USER`]
//! streams and the node [`MAX_WATCHERS`]; a slot is given back when its stream ends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rogatory_proto::v1::{Direction, MessageRecord, WatchEvent};
use tokio::sync::{Notify, broadcast};

/// Events kept for watchers that have not read them yet. A person's terminal or a mail hook
/// reads an event in milliseconds; 1024 covers a burst of a whole outbox delivered at once
/// after an outage, while a watcher that stopped reading costs at most this much memory.
pub const EVENT_CAPACITY: usize = 1024;

/// Watch streams one local user (uid) may hold open at once. A person watches from a terminal
/// or two, plus a mail or chat hook; more is a script opening streams in a loop, each costing
/// the node a task and up to [`EVENT_CAPACITY`] unread events.
pub const MAX_WATCHERS_PER_USER: usize = 8;

/// Watch streams the node holds open at once, all users together: a central authority's
/// contact points are a few dozen people, and this bounds what many accounts, each under its
/// own limit, can cost together (64 × [`EVENT_CAPACITY`] events at most).
pub const MAX_WATCHERS: usize = 64;

/// Why a new watch stream was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WatchRefused {
    #[error(
        "this account already has {limit} watch streams open, the most one account may hold; \
         stop one of its `rogatory watch` commands and try again"
    )]
    PerUser { limit: usize },
    #[error(
        "this node already serves {limit} watch streams, the most it holds at once; try again \
         later, or ask the node's operator who is watching"
    )]
    NodeWide { limit: usize },
}

/// The open watch streams: per user (uid; `None` for a caller the socket did not name) and in
/// all. The one place watchers are counted.
#[derive(Debug, Default)]
struct Watchers {
    per_user: HashMap<Option<u32>, usize>,
    total: usize,
}

/// One admitted watch stream's place in the count, given back when dropped (the stream ended:
/// the watcher went away or the node stops).
#[derive(Debug)]
pub struct WatcherSlot {
    watchers: Arc<Mutex<Watchers>>,
    user: Option<u32>,
}

impl Drop for WatcherSlot {
    fn drop(&mut self) {
        let mut watchers = self.watchers.lock().unwrap_or_else(PoisonError::into_inner);
        watchers.total = watchers.total.saturating_sub(1);
        if let Some(count) = watchers.per_user.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                watchers.per_user.remove(&self.user);
            }
        }
    }
}

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

/// The node's event broadcast, and who watches it.
#[derive(Debug)]
pub struct Events {
    sender: broadcast::Sender<WatchEvent>,
    watchers: Arc<Mutex<Watchers>>,
    /// How far ahead of the system clock the deadline checks judge: 0 but in tests
    /// ([`Events::move_check_clock`]).
    check_ahead_ms: AtomicI64,
    /// Wakes the deadline checks before their next tick.
    check_now: Notify,
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
            watchers: Arc::default(),
            check_ahead_ms: AtomicI64::new(0),
            check_now: Notify::new(),
        }
    }

    /// A place for a new watch stream of `user`, or why there is none: the user holds
    /// [`MAX_WATCHERS_PER_USER`], or the node [`MAX_WATCHERS`]. Keep the slot as long as the
    /// stream lives.
    pub fn admit_watcher(&self, user: Option<u32>) -> Result<WatcherSlot, WatchRefused> {
        let mut watchers = self.watchers.lock().unwrap_or_else(PoisonError::into_inner);
        let mine = watchers.per_user.get(&user).copied().unwrap_or(0);
        if mine >= MAX_WATCHERS_PER_USER {
            return Err(WatchRefused::PerUser {
                limit: MAX_WATCHERS_PER_USER,
            });
        }
        if watchers.total >= MAX_WATCHERS {
            return Err(WatchRefused::NodeWide {
                limit: MAX_WATCHERS,
            });
        }
        watchers.total += 1;
        *watchers.per_user.entry(user).or_default() += 1;
        Ok(WatcherSlot {
            watchers: Arc::clone(&self.watchers),
            user,
        })
    }

    /// How many watch streams are open now.
    pub fn watching(&self) -> usize {
        self.watchers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
    }

    /// The time the deadline checks (`operations::watch`) judge at: the system clock, unless a
    /// test moved their clock on.
    pub fn check_time_ms(&self) -> i64 {
        crate::now_ms().saturating_add(self.check_ahead_ms.load(Ordering::Relaxed))
    }

    /// Moves the deadline checks' clock `ms` on and has them check at once. For tests of a
    /// node running in their own process, which cannot wait the days a deadline takes; no
    /// RPC, flag or configuration key reaches it, and nothing else reads this clock.
    pub fn move_check_clock(&self, ms: i64) {
        self.check_ahead_ms.fetch_add(ms, Ordering::Relaxed);
        self.check_now.notify_one();
    }

    /// Resolves when the deadline checks were asked to check before their next tick.
    pub async fn check_requested(&self) {
        self.check_now.notified().await;
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
    fn a_user_holds_at_most_its_share_of_watchers_and_gets_a_slot_back_when_one_ends() {
        let events = Events::default();
        let mut mine: Vec<WatcherSlot> = (0..MAX_WATCHERS_PER_USER)
            .map(|_| events.admit_watcher(Some(1000)).expect("a slot"))
            .collect();
        assert_eq!(
            events.admit_watcher(Some(1000)).expect_err("one too many"),
            WatchRefused::PerUser {
                limit: MAX_WATCHERS_PER_USER
            }
        );
        // Another user is not held back by the first.
        let other = events
            .admit_watcher(Some(1001))
            .expect("another user's slot");
        mine.pop();
        mine.push(
            events
                .admit_watcher(Some(1000))
                .expect("the slot given back"),
        );
        drop(other);
    }

    #[test]
    fn the_node_holds_at_most_its_watchers_whoever_opens_them() {
        let events = Events::default();
        let users = (MAX_WATCHERS / MAX_WATCHERS_PER_USER) as u32;
        let mut all: Vec<WatcherSlot> = (0..users)
            .flat_map(|uid| (0..MAX_WATCHERS_PER_USER).map(move |_| uid))
            .map(|uid| events.admit_watcher(Some(uid)).expect("a slot"))
            .collect();
        assert_eq!(all.len(), MAX_WATCHERS);
        assert_eq!(
            events
                .admit_watcher(Some(users))
                .expect_err("the node is full"),
            WatchRefused::NodeWide {
                limit: MAX_WATCHERS
            }
        );
        all.clear();
        let counted = events.watchers.lock().expect("lock");
        assert_eq!((counted.total, counted.per_user.len()), (0, 0));
    }

    #[test]
    fn publishing_without_watchers_is_no_error() {
        Events::default().publish(event(1));
    }
}
