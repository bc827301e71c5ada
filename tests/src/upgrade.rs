//! The upgrade to bound identifiers (docs/PROTOCOL.md sections 3.1 and 7): nodes of the release
//! before it leave messages and cases under ids made by the old rules in their stores and
//! outboxes; the same data directories are then opened by the current node.
//!
//! The old release is played by the real `rogatoryd` binary with
//! [`fault::PREVIOUS_RELEASE_IDS`] set: it makes message ids without an author tag and checks
//! neither 5a nor 7o, which is all that release did differently. Everything else (signing,
//! storing, logging, delivering) is the node's own code, so the store is what that release
//! wrote.

use anyhow::Result;
use rogatory_node::fault;
use rogatory_proto::ids;
use rogatory_proto::v1::{MessageRecord, SubmitRequestRequest};

use crate::{Federation, sample_request};

/// Starts `id` as a node of the release before bound identifiers, with `env` besides.
pub async fn start_previous_release(
    federation: &mut Federation,
    id: &str,
    env: &[(&str, &str)],
) -> Result<()> {
    let mut env = env.to_vec();
    env.push((fault::PREVIOUS_RELEASE_IDS, "1"));
    federation.spawn_process(id, &env).await
}

/// Stops the old release of `id` (if it still runs) and starts the current node on the same
/// data directory.
pub async fn upgrade(federation: &mut Federation, id: &str) -> Result<()> {
    if federation.node(id)?.process.is_some() {
        federation.terminate_process(id).await?;
    }
    federation.start_node(id).await
}

/// Whether `message_id` is a well-formed id that `author` did not bind to itself: made by the
/// rules of the release before bound identifiers.
pub fn is_previous_release_id(message_id: &str, author: &str) -> bool {
    ids::is_message_id(message_id) && !ids::is_bound_to(message_id, author)
}

/// `from`'s contact point submits a request to `to` in `case_id` (empty: a new case); the
/// record as the submission left it.
pub async fn submit_request(
    federation: &Federation,
    from: &str,
    to: &str,
    case_id: &str,
) -> Result<MessageRecord> {
    federation
        .operator(from)
        .await?
        .submit_request(SubmitRequestRequest {
            recipient: to.into(),
            request: Some(sample_request()),
            case_id: case_id.into(),
            submitted_by: format!("contact point of {from}"),
            copies_to: Vec::new(),
        })
        .await?
        .into_inner()
        .message
        .ok_or_else(|| anyhow::anyhow!("the submission returned no record"))
}
