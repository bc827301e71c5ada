//! `MarkRead` and `Attention`: a reader's marks and what needs it, translated from and to gRPC.
//! The list itself is `storage::attention` (over `rules::attention`); the reader is the
//! caller's contact point, or its uid without contact points (`users::Caller::reader`).

use std::sync::Arc;

use rogatory_proto::v1::WatchEvent;
use rogatory_proto::v1::{
    AttentionReason, AttentionRequest, AttentionResponse, MarkReadRequest, MarkReadResponse,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::Status;
use tracing::Instrument;

use crate::identity::users::Caller;
use crate::node::Node;
use crate::node::events::next_for_watcher;
use crate::rules::attention::DEFAULT_NEAR_HORIZON_MS;
use crate::storage::attention::{self, Judged};
use crate::storage::ids;
use crate::transport::status;

/// At most this many message ids in one `MarkRead`: a person marks what a screen shows, or a
/// day's inbox at once (a whole case goes by `case_id`, whatever its length). Each id is looked
/// up before anything is marked, so this bounds one call's work.
pub const MAX_MARK_IDS: usize = 1_000;

/// Whose marks the caller keeps, or why it has none.
fn reader_of(caller: &Caller) -> Result<String, Status> {
    caller.reader().ok_or_else(|| {
        Status::permission_denied(
            "the operator socket did not say who is calling, so there is nobody to mark read for",
        )
    })
}

/// Marks messages read by the caller: each id (whole or a unique beginning, as lists show it)
/// and every message of `case_id`. An id or case this node holds nothing of is refused and
/// nothing is marked: the marks are outside the journal, and only held messages get one, so a
/// reader cannot fill the store with marks of its own invention.
pub(super) async fn mark_read(
    node: &Arc<Node>,
    caller: &Caller,
    request: MarkReadRequest,
) -> Result<MarkReadResponse, Status> {
    let reader = reader_of(caller)?;
    if request.message_ids.len() > MAX_MARK_IDS {
        return Err(status::too_many_ids(
            request.message_ids.len(),
            MAX_MARK_IDS,
        ));
    }
    let node = Arc::clone(node);
    let marked = tokio::task::spawn_blocking(move || {
        let store = &node.store;
        let mut ids = std::collections::BTreeSet::new();
        for typed in &request.message_ids {
            ids.insert(ids::resolve_message(store, typed)?);
        }
        if !request.case_id.is_empty() {
            let case_id = ids::resolve_case(store, &request.case_id)?;
            ids.extend(
                store
                    .case_messages(&case_id)?
                    .into_iter()
                    .map(|m| m.message_id),
            );
        }
        let ids: Vec<String> = ids.into_iter().collect();
        Ok(store.mark_read(&reader, &ids, crate::now_ms())?)
    })
    .await
    .map_err(|e| Status::internal(e.to_string()))?
    .map_err(|e: ids::IdError| status::from_id(&e))?;
    Ok(MarkReadResponse {
        marked: u32::try_from(marked).unwrap_or(u32::MAX),
    })
}

/// Marks what a show returned as read by the caller. A show still answers if marking fails:
/// the message stays new, which is the safe side.
pub(super) async fn mark_shown(node: &Arc<Node>, caller: &Caller, ids: Vec<String>) {
    let Some(reader) = caller.reader() else {
        return;
    };
    let node = Arc::clone(node);
    let marked =
        tokio::task::spawn_blocking(move || node.store.mark_read(&reader, &ids, crate::now_ms()))
            .await;
    if let Ok(Err(error)) = marked {
        tracing::warn!(error = %crate::error_chain(&error), "could not mark a shown message read");
    }
}

pub(super) async fn attention(
    node: &Arc<Node>,
    caller: &Caller,
    request: AttentionRequest,
) -> Result<AttentionResponse, Status> {
    let reader = reader_of(caller)?;
    if request.horizon_ms < 0 {
        return Err(Status::invalid_argument("horizon_ms must not be negative"));
    }
    let judged = Judged {
        own_id: node.id().to_string(),
        reader: reader.clone(),
        now_ms: match request.as_of_ms {
            0 => crate::now_ms(),
            at => at,
        },
        horizon_ms: match request.horizon_ms {
            0 => DEFAULT_NEAR_HORIZON_MS,
            h => h,
        },
        policy: node.config.deadlines,
        delivery_alert_after_ms: i64::try_from(node.config.delivery_alert_after.as_millis())
            .unwrap_or(i64::MAX),
        clock_only: false,
    };
    let (now_ms, horizon_ms) = (judged.now_ms, judged.horizon_ms);
    let node = Arc::clone(node);
    let mut items = tokio::task::spawn_blocking(move || attention::attention(&node.store, &judged))
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(|e| status::internal(&e))?;
    let wanted: Vec<i32> = request
        .reasons
        .iter()
        .copied()
        .filter(|r| *r != AttentionReason::Unspecified as i32)
        .collect();
    if !wanted.is_empty() {
        items.retain(|i| wanted.contains(&i.reason));
    }
    Ok(AttentionResponse {
        items,
        now_ms,
        reader,
        horizon_ms,
    })
}

/// Events handed from a watcher's broadcast receiver to its gRPC stream at a time. The lag
/// policy is the broadcast's (`node::events`): the forwarder takes an event only once the
/// stream has room, so a slow watcher falls behind in the broadcast, where its loss is counted
/// and told, and never in a queue of its own.
const WATCH_STREAM_BUFFER: usize = 16;

/// A new watcher's stream for `caller`: the node's events from now on, until the node stops or
/// the watcher goes away, when its slot is given back; refused over the watchers a user or the
/// node may hold (`node::events`).
pub(super) fn watch(
    node: &Arc<Node>,
    caller: &Caller,
    shutdown: CancellationToken,
) -> Result<ReceiverStream<Result<WatchEvent, Status>>, Status> {
    let slot = node
        .events
        .admit_watcher(caller.uid)
        .map_err(|refused| status::watch_refused(&refused))?;
    let mut receiver = node.events.subscribe();
    let (events, stream) = mpsc::channel(WATCH_STREAM_BUFFER);
    let forward = async move {
        let _slot = slot;
        loop {
            let permit = tokio::select! {
                permit = events.reserve() => match permit {
                    Ok(permit) => permit,
                    Err(_) => return, // the watcher went away
                },
                () = shutdown.cancelled() => return,
            };
            // A watcher that goes away while nothing happens is noticed at once, not at the
            // next event: its slot is free again.
            let event = tokio::select! {
                event = next_for_watcher(&mut receiver) => event,
                () = events.closed() => None,
                () = shutdown.cancelled() => None,
            };
            match event {
                Some(event) => permit.send(Ok(event)),
                None => return,
            }
        }
    };
    tokio::spawn(forward.instrument(tracing::info_span!("watch")));
    Ok(ReceiverStream::new(stream))
}
