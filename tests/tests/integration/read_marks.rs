//! A reader's marks (`MarkRead`) between real nodes: only messages the node holds are marked,
//! named whole or by the short ids lists show; anything else, or too many at once, is refused
//! and marks nothing (the marks live outside the journal: a reader must not be able to fill
//! them with ids of its own invention).

use rogatory_proto::v1::{
    AttentionReason, AttentionRequest, Direction, MarkReadRequest, MarkReadResponse,
};
use rogatory_tests::{Federation, reason_of, sample_request};
use tonic::Code;

const TM: &str = "tm";
const DE: &str = "de";

/// `MarkReadRequest.message_ids` holds at most this many (`MAX_MARK_IDS` in the node's
/// operator service).
const MAX_MARK_IDS: usize = 1_000;

async fn mark(
    federation: &Federation,
    node: &str,
    request: MarkReadRequest,
) -> anyhow::Result<Result<MarkReadResponse, tonic::Status>> {
    Ok(federation
        .operator(node)
        .await?
        .mark_read(request)
        .await
        .map(tonic::Response::into_inner))
}

/// Whether `message_id` is new to the test's reader at `node`.
async fn is_new(federation: &Federation, node: &str, message_id: &str) -> anyhow::Result<bool> {
    let items = federation
        .operator(node)
        .await?
        .attention(AttentionRequest::default())
        .await?
        .into_inner()
        .items;
    Ok(items
        .iter()
        .any(|i| i.message_id == message_id && i.reason == AttentionReason::New as i32))
}

/// tm's sample request, held by de, and still new to de's reader (only listed, never shown).
async fn a_new_request(federation: &Federation) -> anyhow::Result<String> {
    let request = federation.submit_request(TM, DE, sample_request()).await?;
    let id = request.message_id;
    federation
        .eventually("de lists the request", || async {
            let inbox = federation.messages(DE, Direction::Inbox).await?;
            Ok(inbox.iter().any(|m| m.message_id == id).then_some(()))
        })
        .await?;
    anyhow::ensure!(is_new(federation, DE, &id).await?, "not new to de");
    Ok(id)
}

#[tokio::test]
async fn marking_an_id_or_case_the_node_does_not_hold_is_refused_and_marks_nothing()
-> anyhow::Result<()> {
    let mut federation = Federation::start(&[TM, DE]).await?;
    let id = a_new_request(&federation).await?;
    let invented = federation.message_id(TM);
    let refused = mark(
        &federation,
        DE,
        MarkReadRequest {
            message_ids: vec![id.clone(), invented.clone()],
            ..Default::default()
        },
    )
    .await?
    .expect_err("an id de holds nothing of");
    assert_eq!(refused.code(), Code::NotFound, "{refused:?}");
    assert!(refused.message().contains(&invented), "{refused:?}");
    assert!(
        is_new(&federation, DE, &id).await?,
        "the held id beside it was marked anyway"
    );
    let refused = mark(
        &federation,
        DE,
        MarkReadRequest {
            case_id: "tm-no-such-case".into(),
            ..Default::default()
        },
    )
    .await?
    .expect_err("a case de holds nothing of");
    assert_eq!(refused.code(), Code::NotFound, "{refused:?}");
    federation.stop_all().await
}

#[tokio::test]
async fn more_ids_than_one_call_may_mark_are_refused_with_their_reason() -> anyhow::Result<()> {
    let mut federation = Federation::start(&[TM, DE]).await?;
    let id = a_new_request(&federation).await?;
    let refused = mark(
        &federation,
        DE,
        MarkReadRequest {
            message_ids: vec![id.clone(); MAX_MARK_IDS + 1],
            ..Default::default()
        },
    )
    .await?
    .expect_err("too many ids");
    assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
    assert_eq!(reason_of(&refused), "too-many-ids");
    assert!(is_new(&federation, DE, &id).await?);
    // As many as allowed are taken; one message named many times is marked once.
    let marked = mark(
        &federation,
        DE,
        MarkReadRequest {
            message_ids: vec![id.clone(); MAX_MARK_IDS],
            ..Default::default()
        },
    )
    .await??;
    assert_eq!(marked.marked, 1);
    assert!(!is_new(&federation, DE, &id).await?);
    federation.stop_all().await
}

#[tokio::test]
async fn a_message_is_marked_read_by_the_short_id_a_list_shows() -> anyhow::Result<()> {
    let mut federation = Federation::start(&[TM, DE]).await?;
    let id = a_new_request(&federation).await?;
    let inbox = federation.messages(DE, Direction::Inbox).await?;
    let listed = inbox.iter().find(|m| m.message_id == id).expect("listed");
    assert!(listed.short_id.len() < id.len(), "{listed:?}");
    let marked = mark(
        &federation,
        DE,
        MarkReadRequest {
            message_ids: vec![listed.short_id.to_ascii_lowercase()],
            ..Default::default()
        },
    )
    .await??;
    assert_eq!(marked.marked, 1);
    assert!(!is_new(&federation, DE, &id).await?);
    federation.stop_all().await
}
