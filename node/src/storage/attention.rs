//! The attention list of one reader, read from the store: requests that are not final (the
//! request index), cases' threads outside the lifecycle, received messages the reader has not
//! marked read (`store::read_marks`), and outbox messages stuck or refused. What each means is
//! `rules::attention`. Blocks: runs in `spawn_blocking`.
//!
//! Threads, unread and stuck messages are found by reading every message record's fields
//! (envelopes only for those picked), at most [`SCAN_LIMIT`] of each kind; a sled index of
//! them would spare the scan on a very large store.

use std::collections::BTreeMap;

use rogatory_proto::deadlines::DeadlinePolicy;
use rogatory_proto::lifecycle;
use rogatory_proto::v1::{AttentionItem, DeliveryState, Direction, MessageRecord, RequestState};

use crate::rules::attention::{self as rules, delivery_items, new_item, request_items};
use crate::rules::cases::thread_of;
use crate::storage::store::{Store, StoreError};

/// At most this many messages of each kind (unread, stuck, outside the lifecycle) are read
/// for one list: a reader with more than that unread has a backlog no list would help with,
/// and the answer stays bounded in time and size.
pub const SCAN_LIMIT: usize = 2_000;

/// What the list is judged against.
#[derive(Debug, Clone)]
pub struct Judged {
    /// This node's id.
    pub own_id: String,
    /// Whose read marks count.
    pub reader: String,
    pub now_ms: i64,
    /// How far ahead a deadline counts as near.
    pub horizon_ms: i64,
    pub policy: DeadlinePolicy,
    /// Undelivered outbox messages older than this are a delivery problem
    /// (`limits.delivery_alert_after_seconds`).
    pub delivery_alert_after_ms: i64,
    /// Only what the clock decides (deadlines, delivery problems): no threads, no unread
    /// marks. For the watchers' periodic check (`operations::watch`).
    pub clock_only: bool,
}

/// Everything that needs `judged.reader`, most urgent first.
pub fn attention(store: &Store, judged: &Judged) -> Result<Vec<AttentionItem>, StoreError> {
    let mut items = Vec::new();
    // Requests that are not final: this side's move, and deadlines.
    for (request_id, state) in store.request_states()? {
        let state = RequestState::try_from(state).unwrap_or(RequestState::Unspecified);
        if state == RequestState::Unspecified || lifecycle::is_final(state) {
            continue;
        }
        if let Some(record) = store.message(&request_id)? {
            items.extend(request_items(
                &record,
                &judged.policy,
                judged.now_ms,
                judged.horizon_ms,
                &judged.own_id,
            ));
        }
    }
    if !judged.clock_only {
        awaiting_threads(store, judged, &mut items)?;
    }
    delivery_problems(store, judged, &mut items)?;
    if !judged.clock_only {
        unread(store, judged, &mut items)?;
    }
    rules::sort(&mut items);
    Ok(items)
}

/// Threads outside the lifecycle whose newest consultation another party wrote.
fn awaiting_threads(
    store: &Store,
    judged: &Judged,
    items: &mut Vec<AttentionItem>,
) -> Result<(), StoreError> {
    let outside = store.records_where(SCAN_LIMIT, |r| {
        r.request_state == RequestState::Unspecified as i32
    })?;
    let mut by_case: BTreeMap<&str, Vec<MessageRecord>> = BTreeMap::new();
    for record in &outside {
        by_case
            .entry(record.case_id.as_str())
            .or_default()
            .push(record.clone());
    }
    for messages in by_case.values() {
        let Some(thread) = thread_of(messages) else {
            continue;
        };
        if let Some(last) = messages
            .iter()
            .find(|m| m.message_id == thread.last_message_id)
        {
            items.extend(rules::thread_item(&thread, last, &judged.own_id));
        }
    }
    Ok(())
}

/// Outbox messages stuck past the alert horizon, or refused.
fn delivery_problems(
    store: &Store,
    judged: &Judged,
    items: &mut Vec<AttentionItem>,
) -> Result<(), StoreError> {
    let stuck_before = judged.now_ms.saturating_sub(judged.delivery_alert_after_ms);
    let problems = store.records_where(SCAN_LIMIT, |r| {
        let refused = |state: i32| state == DeliveryState::Refused as i32;
        let queued = |state: i32| state == DeliveryState::Queued as i32;
        r.direction == Direction::Outbox as i32
            && (refused(r.state)
                || r.copies.iter().any(|c| refused(c.state))
                || (r.created_at_ms < stuck_before
                    && (queued(r.state) || r.copies.iter().any(|c| queued(c.state)))))
    })?;
    for record in &problems {
        items.extend(delivery_items(record, record.created_at_ms < stuck_before));
    }
    Ok(())
}

/// Received messages the reader has not seen.
fn unread(
    store: &Store,
    judged: &Judged,
    items: &mut Vec<AttentionItem>,
) -> Result<(), StoreError> {
    let read = store.read_by(&judged.reader)?;
    let unread = store.records_where(SCAN_LIMIT, |r| {
        r.direction == Direction::Inbox as i32 && !read.contains(&r.message_id)
    })?;
    items.extend(unread.iter().filter_map(|r| new_item(r, false)));
    Ok(())
}
