//! The `Search` RPC: a contact point's search across cases and messages. Checks the request's
//! values, turns it into a `storage::search::Query` and answers from the store's index in a
//! blocking task.

use std::sync::Arc;

use rogatory_proto::search_text;
use rogatory_proto::v1::{AssistanceType, Direction, RequestState, SearchRequest, SearchResponse};
use tonic::Status;

use crate::node::Node;
use crate::storage::search::{self, DEFAULT_LIMIT, MAX_LIMIT, Query};
use crate::transport::status;

/// The message kinds a search may be limited to (`SearchMatch.kind`).
const KINDS: &[&str] = &["request", "status-update", "information", "consultation"];

/// The query `request` asks for, or why it cannot be asked.
fn query_of(request: SearchRequest) -> Result<Query, Status> {
    let nonzero = |n: i32| (n != 0).then_some(n);
    let direction = nonzero(request.direction);
    if direction.is_some_and(|d| Direction::try_from(d).is_err()) {
        return Err(Status::invalid_argument(
            "direction must be 0 (both), 1 (inbox) or 2 (outbox)",
        ));
    }
    let state = nonzero(request.state);
    if state.is_some_and(|s| RequestState::try_from(s).is_err()) {
        return Err(Status::invalid_argument(format!(
            "state {} is not a RequestState value",
            request.state
        )));
    }
    let assistance = nonzero(request.assistance);
    if assistance.is_some_and(|a| AssistanceType::try_from(a).is_err()) {
        return Err(Status::invalid_argument(format!(
            "assistance {} is not an AssistanceType value",
            request.assistance
        )));
    }
    let kind = Some(request.kind).filter(|k| !k.is_empty());
    if let Some(kind) = kind.as_ref().filter(|k| !KINDS.contains(&k.as_str())) {
        return Err(Status::invalid_argument(format!(
            "kind {kind:?} is not one of {}",
            KINDS.join(", ")
        )));
    }
    let since_ms = (request.since_ms != 0).then_some(request.since_ms);
    let until_ms = (request.until_ms != 0).then_some(request.until_ms);
    if let (Some(since), Some(until)) = (since_ms, until_ms)
        && since >= until
    {
        return Err(Status::invalid_argument("since_ms must be before until_ms"));
    }
    Ok(Query {
        words: search_text::query(&request.query),
        peer: Some(request.peer).filter(|p| !p.is_empty()),
        direction,
        state,
        assistance,
        since_ms,
        until_ms,
        kind,
        limit: match request.limit as usize {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        },
    })
}

pub(super) async fn search(
    node: &Arc<Node>,
    request: SearchRequest,
) -> Result<SearchResponse, Status> {
    let query = query_of(request)?;
    let node = Arc::clone(node);
    tokio::task::spawn_blocking(move || search::search(&node.store, &query, node.id().as_str()))
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(|e| status::internal(&e))
}
