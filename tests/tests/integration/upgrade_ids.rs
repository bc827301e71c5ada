//! The upgrade to bound identifiers (docs/PROTOCOL.md sections 3.1 and 7): nodes of the
//! previous release leave messages and cases under ids made by its rules (no author tag, case
//! ids of the contact point's choosing) in their stores and outboxes; the current node opens
//! the same data directories. What was stored stays usable, a message the receiver already
//! holds is answered with its receipt, a queued one no upgraded peer can take is given up with
//! its reason instead of blocking its case, and no peer can plant a new message under an old
//! or another's id.

use rogatory_node::fault;
use rogatory_proto::ids;
use rogatory_proto::v1::{
    DeliveryState, Direction, EntryKind, ListCasesRequest, RequestState, RequestStatus,
    ShowCaseRequest, StatusUpdate, SubmitStatusUpdateRequest,
};
use rogatory_tests::hostile::ids::Squatter;
use rogatory_tests::hostile::local::rogatory;
use rogatory_tests::upgrade::{
    is_previous_release_id, start_previous_release, submit_request, upgrade,
};
use rogatory_tests::{Federation, open_stopped_store, reason_of};
use tonic::Code;

const TM: &str = "tm";
const DE: &str = "de";

/// A case id as a contact point chose them before case ids had to name their opener.
const OLD_CASE: &str = "GPO-2025-TIP-0147";

/// `node`'s contact point sends `status` on request `request_id`; the record once delivered.
async fn answer(
    federation: &Federation,
    node: &str,
    request_id: &str,
    status: RequestStatus,
) -> anyhow::Result<()> {
    let sent = federation
        .operator(node)
        .await?
        .submit_status_update(SubmitStatusUpdateRequest {
            refers_to: request_id.into(),
            update: Some(StatusUpdate {
                status: status as i32,
                ..Default::default()
            }),
            submitted_by: format!("contact point of {node}"),
        })
        .await?
        .into_inner()
        .message
        .ok_or_else(|| anyhow::anyhow!("no record"))?;
    assert!(
        ids::is_bound_to(&sent.message_id, node),
        "{}",
        sent.message_id
    );
    delivered(federation, node, &sent.message_id).await
}

/// Waits until `node` holds its outbox message `message_id` as delivered.
async fn delivered(federation: &Federation, node: &str, message_id: &str) -> anyhow::Result<()> {
    federation
        .eventually(&format!("{node} delivered {message_id}"), || async {
            let record = federation.message(node, message_id).await?;
            Ok((record.state == DeliveryState::Delivered as i32).then_some(()))
        })
        .await
}

#[tokio::test]
async fn a_message_and_case_stored_before_the_upgrade_stay_listed_answerable_and_verifiable()
-> anyhow::Result<()> {
    let mut federation = Federation::create(&[TM, DE])?;
    start_previous_release(&mut federation, TM, &[]).await?;
    start_previous_release(&mut federation, DE, &[]).await?;
    let request = submit_request(&federation, TM, DE, OLD_CASE).await?;
    let old_id = request.message_id.clone();
    assert!(is_previous_release_id(&old_id, TM), "{old_id}");
    delivered(&federation, TM, &old_id).await?;

    upgrade(&mut federation, TM).await?;
    upgrade(&mut federation, DE).await?;

    // Both still list, show and thread the old message and case.
    for (node, direction) in [(TM, Direction::Outbox), (DE, Direction::Inbox)] {
        let listed = federation.messages(node, direction).await?;
        assert!(listed.iter().any(|m| m.message_id == old_id), "{node}");
        let shown = federation.message(node, &old_id).await?;
        assert_eq!(shown.case_id, OLD_CASE);
        let mut operator = federation.operator(node).await?;
        let thread = operator
            .show_case(ShowCaseRequest {
                case_id: OLD_CASE.into(),
                as_of_ms: 0,
            })
            .await?
            .into_inner();
        assert!(thread.messages.iter().any(|m| m.message_id == old_id));
        let cases = operator
            .list_cases(ListCasesRequest::default())
            .await?
            .into_inner()
            .cases;
        assert!(cases.iter().any(|c| c.case_id == OLD_CASE), "{node}");
    }
    // The old request is answered both ways, under new (bound) ids in the old case.
    answer(&federation, DE, &old_id, RequestStatus::Acknowledged).await?;
    answer(&federation, TM, &old_id, RequestStatus::Withdrawn).await?;
    federation
        .eventually("both nodes see the request withdrawn", || async {
            let tm = federation.message(TM, &old_id).await?.request_state;
            let de = federation.message(DE, &old_id).await?.request_state;
            let withdrawn = RequestState::Withdrawn as i32;
            Ok((tm == withdrawn && de == withdrawn).then_some(()))
        })
        .await?;
    // The logs still verify, and the export carries the old message.
    for node in [TM, DE] {
        let verified = federation.verify_log(node).await?;
        assert!(verified.ok, "{node}: {verified:?}");
        let entries = federation.log_entries(node).await?;
        let kind = if node == TM {
            EntryKind::MessageSent
        } else {
            EntryKind::MessageReceived
        };
        assert!(
            entries
                .iter()
                .any(|e| e.kind == kind as i32 && e.message_id == old_id),
            "{node}"
        );
    }
    federation.stop_all().await
}

#[tokio::test]
async fn a_retried_old_message_the_receiver_already_holds_is_answered_with_its_stored_receipt()
-> anyhow::Result<()> {
    let mut federation = Federation::create(&[TM, DE])?;
    // de stores tm's request and crashes before answering: tm's outbox still has it queued
    // when both are upgraded.
    start_previous_release(
        &mut federation,
        DE,
        &[(fault::ENVIRONMENT_VARIABLE, fault::AFTER_RECEIVE_DURABLE)],
    )
    .await?;
    start_previous_release(&mut federation, TM, &[]).await?;
    let request = submit_request(&federation, TM, DE, "").await?;
    let old_id = request.message_id.clone();
    assert!(is_previous_release_id(&old_id, TM), "{old_id}");
    federation.wait_for_exit(DE).await?;
    federation.terminate_process(TM).await?;
    let stored = open_stopped_store(&federation.node(TM)?.store_dir())?.message_fields(&old_id)?;
    assert_eq!(stored.map(|m| m.state), Some(DeliveryState::Queued as i32));

    upgrade(&mut federation, DE).await?;
    upgrade(&mut federation, TM).await?;
    delivered(&federation, TM, &old_id).await?;
    let sent = federation.message(TM, &old_id).await?;
    let held = federation.message(DE, &old_id).await?;
    assert_eq!(
        sent.receipt, held.receipt,
        "de's stored receipt, not a new one"
    );
    let inbox = federation.messages(DE, Direction::Inbox).await?;
    assert_eq!(inbox.iter().filter(|m| m.message_id == old_id).count(), 1);

    // The repeat is answered; a new message under an old-style id, or under an id tm made
    // (the old one de holds from tm, or a new one), is not.
    let hostile = Squatter { id: DE };
    let case = format!("{DE}-after-the-upgrade");
    for (what, message_id) in [
        (
            "an unbound id",
            ids::MessageIdGenerator::previous_release().next_id(&"x".parse()?),
        ),
        ("tm's old id", old_id.clone()),
        ("tm's new id", federation.message_id(TM)),
    ] {
        let envelope = hostile.request_under(&federation, TM, &message_id, &case, &[]);
        let refused = hostile
            .deliver(&federation, TM, &envelope)
            .await
            .expect_err(what);
        assert_eq!(refused.code(), Code::InvalidArgument, "{what}: {refused:?}");
        assert_eq!(reason_of(&refused), "unbound-message-id", "{what}");
    }
    let inbox = federation.messages(TM, Direction::Inbox).await?;
    assert!(inbox.is_empty(), "{inbox:?}");
    assert!(federation.verify_log(TM).await?.ok);
    federation.stop_all().await
}

#[tokio::test]
async fn a_message_queued_under_an_old_id_is_given_up_with_its_reason_and_frees_its_case()
-> anyhow::Result<()> {
    let mut federation = Federation::create(&[TM, DE])?;
    // de is down: tm's request waits in its outbox under an old id when both are upgraded.
    start_previous_release(&mut federation, TM, &[]).await?;
    let request = submit_request(&federation, TM, DE, "").await?;
    let old_id = request.message_id.clone();
    assert!(is_previous_release_id(&old_id, TM), "{old_id}");
    upgrade(&mut federation, DE).await?;
    upgrade(&mut federation, TM).await?;

    // de refuses the old id for good; tm stops sending it and says why.
    let given_up = federation
        .eventually("tm gives up the old message", || async {
            let record = federation.message(TM, &old_id).await?;
            Ok((record.state == 4/* PREFIX */).then_some(record))
        })
        .await?;
    assert!(
        given_up.last_error.contains("unbound-message-id")
            && given_up.last_error.contains("submit it again"),
        "{}",
        given_up.last_error
    );
    assert_eq!(given_up.next_attempt_at_ms, 0);
    let status = federation.peer_status(TM, DE).await?;
    assert_eq!(status.queue_depth, 0, "{status:?}");
    // `rogatory outbox` shows it refused, with the reason and the way out.
    let listed = rogatory(&federation, TM, &["--json", "outbox"]).await?;
    let listed: serde_json::Value = serde_json::from_str(&listed.stdout)?;
    let shown = listed
        .as_array()
        .and_then(|messages| messages.iter().find(|m| m["message_id"] == old_id.as_str()))
        .ok_or_else(|| anyhow::anyhow!("rogatory outbox does not list {old_id}: {listed}"))?;
    assert_eq!(shown["state"], "refused", "{shown}");
    assert!(
        shown["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("submit it again")),
        "{shown}"
    );
    // No update can be sent on it: its recipient will never hold it.
    let refused = federation
        .operator(TM)
        .await?
        .submit_status_update(SubmitStatusUpdateRequest {
            refers_to: old_id.clone(),
            update: Some(StatusUpdate {
                status: RequestStatus::Withdrawn as i32,
                ..Default::default()
            }),
            submitted_by: "contact point of tm".into(),
        })
        .await
        .expect_err("an update on a request given up");
    assert!(
        refused.message().contains("submit the request again"),
        "{refused:?}"
    );
    // The case goes on: the contact point sends the request again, and de takes it.
    let again = submit_request(&federation, TM, DE, &request.case_id).await?;
    delivered(&federation, TM, &again.message_id).await?;
    let held = federation.message(DE, &again.message_id).await?;
    assert_eq!(held.case_id, request.case_id);
    // The old message stays in tm's store and log, marked as refused.
    let outbox = federation.messages(TM, Direction::Outbox).await?;
    assert!(outbox.iter().any(|m| m.message_id == old_id));
    assert!(federation.verify_log(TM).await?.ok);
    federation.stop_all().await
}
