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
use crate::transport::status;

/// At most this many message ids in one `MarkRead`: a person marks what a screen shows.
const MAX_MARK_IDS: usize = 10_000;

/// Whose marks the caller keeps, or why it has none.
fn reader_of(caller: &Caller) -> Result<String, Status> {
    caller.reader().ok_or_else(|| {
        Status::permission_denied(
            "the operator socket did not say who is calling, so there is nobody to mark read for",
        )
    })
}

pub(super) async fn mark_read(
    node: &Arc<Node>,
    caller: &Caller,
    request: MarkReadRequest,
) -> Result<MarkReadResponse, Status> {
    let reader = reader_of(caller)?;
    if request.message_ids.len() > MAX_MARK_IDS {
        return Err(Status::invalid_argument(format!(
            "at most {MAX_MARK_IDS} message ids at once"
        )));
    }
    let node = Arc::clone(node);
    let marked = tokio::task::spawn_blocking(move || {
        let mut ids = request.message_ids;
        if !request.case_id.is_empty() {
            let case = node.store.case_messages(&request.case_id)?;
            if case.is_empty() && ids.is_empty() {
                return Ok(None);
            }
            ids.extend(case.into_iter().map(|m| m.message_id));
        }
        node.store
            .mark_read(&reader, &ids, crate::now_ms())
            .map(Some)
    })
    .await
    .map_err(|e| Status::internal(e.to_string()))?
    .map_err(|e| status::internal(&e))?;
    let marked =
        marked.ok_or_else(|| Status::not_found("no such case in this node's inbox or outbox"))?;
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

/// A new watcher's stream: the node's events from now on, until the node stops or the watcher
/// goes away.
pub(super) fn watch(
    node: &Arc<Node>,
    shutdown: CancellationToken,
) -> ReceiverStream<Result<WatchEvent, Status>> {
    let mut receiver = node.events.subscribe();
    let (events, stream) = mpsc::channel(WATCH_STREAM_BUFFER);
    let forward = async move {
        loop {
            let permit = tokio::select! {
                permit = events.reserve() => match permit {
                    Ok(permit) => permit,
                    Err(_) => return, // the watcher went away
                },
                () = shutdown.cancelled() => return,
            };
            let event = tokio::select! {
                event = next_for_watcher(&mut receiver) => event,
                () = shutdown.cancelled() => None,
            };
            match event {
                Some(event) => permit.send(Ok(event)),
                None => return,
            }
        }
    };
    tokio::spawn(forward.instrument(tracing::info_span!("watch")));
    ReceiverStream::new(stream)
}
