//! The clock's events for watchers: every [`CHECK_INTERVAL`], the requests whose deadline has
//! come within the horizon or passed, and the messages undelivered past the node's alert
//! horizon (or refused), each told once (`node::events`) when it first appears. What counts
//! is `storage::attention`'s list without unread marks; what was told is kept in memory only,
//! so a restart tells again what still holds, which a watcher that was away needs anyway.
//! The time judged is `Events::check_time_ms`: the system clock, which a test in the node's
//! process may move on (`Events::move_check_clock`) to see deadlines come and pass.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use rogatory_proto::v1::{AttentionItem, AttentionReason, WatchEvent};
use tokio_util::sync::CancellationToken;

use crate::node::Node;
use crate::node::events::kind;
use crate::rules::attention::DEFAULT_NEAR_HORIZON_MS;
use crate::storage::attention::{Judged, attention};

/// How often deadlines and stuck deliveries are checked: deadlines are counted in hours and
/// days, so a minute late is on time for a person, and the check reads the store's requests.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(60);

/// What was told: reason, message, peer, milestone.
type Told = (i32, String, String, String);

fn key(item: &AttentionItem) -> Told {
    (
        item.reason,
        item.message_id.clone(),
        item.peer.clone(),
        item.milestone.clone(),
    )
}

/// The event for an item of the clock's kinds; `None` for any other item.
pub fn event_of(item: &AttentionItem, now_ms: i64) -> Option<WatchEvent> {
    let kind = match AttentionReason::try_from(item.reason).ok()? {
        AttentionReason::DeadlineNear => kind::DEADLINE_NEAR,
        AttentionReason::DeadlinePast => kind::DEADLINE_PAST,
        AttentionReason::DeliveryProblem => kind::DELIVERY_FAILING,
        _ => return None,
    };
    Some(WatchEvent {
        kind: kind.to_owned(),
        case_id: item.case_id.clone(),
        message_id: item.message_id.clone(),
        peer: item.peer.clone(),
        message_kind: item.kind.clone(),
        request_state: item.request_state,
        due_at_ms: item.due_at_ms,
        milestone: item.milestone.clone(),
        at_ms: now_ms,
        missed: 0,
    })
}

/// Checks until `shutdown`, telling watchers of what newly holds.
pub async fn run(node: Arc<Node>, shutdown: CancellationToken) {
    let mut told: HashSet<Told> = HashSet::new();
    let mut ticks = tokio::time::interval(CHECK_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = node.events.check_requested() => {}
            () = shutdown.cancelled() => return,
        }
        let now_ms = node.events.check_time_ms();
        let judged = Judged {
            own_id: node.id().to_string(),
            reader: String::new(),
            now_ms,
            horizon_ms: DEFAULT_NEAR_HORIZON_MS,
            policy: node.config.deadlines,
            delivery_alert_after_ms: i64::try_from(node.config.delivery_alert_after.as_millis())
                .unwrap_or(i64::MAX),
            clock_only: true,
        };
        let reader = Arc::clone(&node);
        let items = match tokio::task::spawn_blocking(move || attention(&reader.store, &judged))
            .await
        {
            Ok(Ok(items)) => items,
            Ok(Err(error)) => {
                tracing::warn!(error = %crate::error_chain(&error), "deadline check for watchers failed");
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, "deadline check for watchers failed");
                continue;
            }
        };
        let mut now_told = HashSet::new();
        for item in &items {
            let Some(event) = event_of(item, now_ms) else {
                continue;
            };
            let key = key(item);
            if !told.contains(&key) {
                node.events.publish(event);
            }
            now_told.insert(key);
        }
        // Only what still holds is remembered: the set stays the size of the current list.
        told = now_told;
    }
}
