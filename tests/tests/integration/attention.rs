//! What needs a contact point, between real nodes: the states of a case's thread outside the
//! request lifecycle (open, answered, closed by a party) as both nodes derive them, who may
//! close it, unread marks per reader, the attention list, and the events a watcher is told.

use rogatory_proto::v1::{
    AttentionItem, AttentionReason, AttentionRequest, Consultation, MarkReadRequest, MessageRecord,
    RequestStatus, ShowCaseRequest, ShowMessageRequest, StatusUpdate, ThreadState, ThreadSummary,
    WatchEvent, envelope,
};
use rogatory_tests::scenario::next_event;
use rogatory_tests::{Federation, reason_of};
use tonic::Code;

const TM: &str = "tm";
const DE: &str = "de";
const UZ: &str = "uz";

/// `from` sends a consultation to `to` in `case_id` (empty: a new case), closing the thread if
/// `close`.
async fn consult(
    federation: &Federation,
    from: &str,
    to: &str,
    case_id: &str,
    text: &str,
    close: bool,
) -> Result<MessageRecord, tonic::Status> {
    let consultation = Consultation {
        text: text.into(),
        closes_thread: close,
        ..Default::default()
    };
    federation
        .consult(from, to, case_id, consultation, "")
        .await
}

/// The thread of case `case_id` on `node` once it has `messages` messages.
async fn thread_with(
    federation: &Federation,
    node: &str,
    case_id: &str,
    messages: u32,
) -> anyhow::Result<ThreadSummary> {
    federation
        .eventually(
            &format!("{node} holds {messages} thread messages of {case_id}"),
            || async {
                let case = federation
                    .operator(node)
                    .await?
                    .show_case(ShowCaseRequest {
                        case_id: case_id.into(),
                        ..Default::default()
                    })
                    .await;
                Ok(case
                    .ok()
                    .and_then(|c| c.into_inner().thread)
                    .filter(|t| t.messages == messages))
            },
        )
        .await
}

fn state_of(thread: &ThreadSummary) -> ThreadState {
    ThreadState::try_from(thread.state).expect("a known state")
}

#[tokio::test]
async fn a_consultation_answered_then_closed_has_the_same_states_on_both_nodes()
-> anyhow::Result<()> {
    let mut federation = Federation::start(&[TM, DE]).await?;
    let question = consult(
        &federation,
        TM,
        DE,
        "",
        "Would you need a court order?",
        false,
    )
    .await?;
    let case_id = question.case_id.clone();
    for node in [TM, DE] {
        let thread = thread_with(&federation, node, &case_id, 1).await?;
        assert_eq!(
            (state_of(&thread), thread.opened_by.as_str()),
            (ThreadState::Open, TM)
        );
        // A live consultation keeps its case open: never listed closed for want of a request.
        let case = federation.listed_case(node, &case_id).await?;
        assert!(case.open, "{node}: {case:?}");
        assert_eq!(case.thread.map(|t| state_of(&t)), Some(ThreadState::Open));
    }

    consult(&federation, DE, TM, &case_id, "Yes, a court order.", false).await?;
    for node in [TM, DE] {
        let thread = thread_with(&federation, node, &case_id, 2).await?;
        assert_eq!(
            (state_of(&thread), thread.last_by.as_str()),
            (ThreadState::Answered, DE)
        );
    }

    let close = consult(
        &federation,
        TM,
        DE,
        &case_id,
        "Thank you; nothing further.",
        true,
    )
    .await?;
    let mut closed = Vec::new();
    for node in [TM, DE] {
        let thread = thread_with(&federation, node, &case_id, 3).await?;
        assert_eq!(state_of(&thread), ThreadState::Closed, "{node}");
        assert_eq!(
            (
                thread.closed_by.as_str(),
                thread.closing_message_id.as_str()
            ),
            (TM, close.message_id.as_str())
        );
        assert!(
            !federation.listed_case(node, &case_id).await?.open,
            "{node}"
        );
        closed.push(thread);
    }
    assert_eq!(closed[0], closed[1], "both nodes derive the same thread");

    // A closed thread is not closed twice.
    let again = consult(&federation, DE, TM, &case_id, "Closing too.", true)
        .await
        .expect_err("already closed");
    assert_eq!(again.code(), Code::InvalidArgument, "{again:?}");
    assert!(
        again.message().contains("already closed by tm"),
        "{again:?}"
    );
    // Nor is a case that has no such thread, nor no case at all.
    let nowhere = consult(&federation, TM, DE, "", "Closing nothing.", true)
        .await
        .expect_err("no case");
    assert_eq!(nowhere.code(), Code::InvalidArgument, "{nowhere:?}");

    // A new consultation opens it again, by its sender.
    consult(&federation, DE, TM, &case_id, "One more question.", false).await?;
    for node in [TM, DE] {
        let thread = thread_with(&federation, node, &case_id, 4).await?;
        assert_eq!(
            (state_of(&thread), thread.opened_by.as_str()),
            (ThreadState::Open, DE)
        );
        assert!(thread.closed_by.is_empty());
    }
    federation.stop_all().await
}

#[tokio::test]
async fn a_non_party_cannot_close_a_case_s_thread() -> anyhow::Result<()> {
    let mut federation = Federation::start(&[TM, DE, UZ]).await?;
    let question = consult(&federation, TM, DE, "", "Bank records?", false).await?;
    let case_id = question.case_id.clone();
    thread_with(&federation, DE, &case_id, 1).await?;

    // uz, a peer of de but no party to tm's case with de, sends de a close of its thread.
    let mut forged = federation.request_envelope(UZ, DE);
    forged.case_id = case_id.clone();
    forged.body = Some(envelope::Body::Consultation(Consultation {
        text: "Closed.".into(),
        author: "intruder".into(),
        closes_thread: true,
        ..Default::default()
    }));
    let refused = federation
        .deliver_signed(UZ, DE, &forged)
        .await?
        .expect_err("not a party");
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    assert_eq!(reason_of(&refused), "parties-mismatch");

    // A close of a case de holds nothing of is refused too: closing opens no case.
    let mut stray = federation.request_envelope(UZ, DE);
    stray.case_id = format!("{UZ}-never-opened");
    stray.body = forged.body.clone();
    let refused = federation
        .deliver_signed(UZ, DE, &stray)
        .await?
        .expect_err("nothing to close");
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    assert_eq!(reason_of(&refused), "nothing-to-close");

    let thread = thread_with(&federation, DE, &case_id, 1).await?;
    assert_eq!(state_of(&thread), ThreadState::Open);
    assert!(federation.listed_case(DE, &case_id).await?.open);
    federation.stop_all().await
}

/// `node`'s attention list for the test's uid, judged as of `as_of_ms` (0: now).
async fn attention(
    federation: &Federation,
    node: &str,
    as_of_ms: i64,
) -> anyhow::Result<Vec<AttentionItem>> {
    Ok(federation
        .operator(node)
        .await?
        .attention(AttentionRequest {
            as_of_ms,
            ..Default::default()
        })
        .await?
        .into_inner()
        .items)
}

/// The reasons `items` give for `message_id`, in the list's order.
fn reasons_for(items: &[AttentionItem], message_id: &str) -> Vec<AttentionReason> {
    items
        .iter()
        .filter(|i| i.message_id == message_id)
        .map(|i| AttentionReason::try_from(i.reason).expect("a known reason"))
        .collect()
}

async fn update(
    federation: &Federation,
    node: &str,
    request_id: &str,
    status: RequestStatus,
) -> anyhow::Result<MessageRecord> {
    let update = StatusUpdate {
        status: status as i32,
        note: "See the note.".into(),
        ..Default::default()
    };
    federation.update_status(node, request_id, update, "").await
}

#[tokio::test]
async fn a_received_request_is_new_and_awaits_the_requested_side_until_shown_and_answered()
-> anyhow::Result<()> {
    use AttentionReason as R;
    let mut federation = Federation::start(&[TM, DE]).await?;
    let request = federation.submit_sample_request(TM, DE).await?;
    let id = request.message_id.clone();
    let items = federation
        .eventually("de lists the request", || async {
            let items = attention(&federation, DE, 0).await?;
            Ok((!reasons_for(&items, &id).is_empty()).then_some(items))
        })
        .await?;
    assert_eq!(reasons_for(&items, &id), [R::AwaitingAnswer, R::New]);
    let item = items.iter().find(|i| i.message_id == id).expect("item");
    assert_eq!((item.peer.as_str(), item.kind.as_str()), (TM, "request"));
    assert_eq!(item.case_id, request.case_id);
    // The requesting side owes nothing yet, and its own message is not new to it.
    assert!(reasons_for(&attention(&federation, TM, 0).await?, &id).is_empty());

    // Once de's contact point has seen it, it is no longer new, but still de's to answer.
    federation
        .operator(DE)
        .await?
        .show_message(ShowMessageRequest {
            message_id: id.clone(),
        })
        .await?;
    assert_eq!(
        reasons_for(&attention(&federation, DE, 0).await?, &id),
        [R::AwaitingAnswer]
    );

    // de acknowledges and asks for more information: now it is tm's move, not de's.
    update(&federation, DE, &id, RequestStatus::Acknowledged).await?;
    let asked = update(
        &federation,
        DE,
        &id,
        RequestStatus::AdditionalInformationRequested,
    )
    .await?;
    assert!(reasons_for(&attention(&federation, DE, 0).await?, &id).is_empty());
    let tm = federation
        .eventually("tm owes the answer", || async {
            let items = attention(&federation, TM, 0).await?;
            Ok(reasons_for(&items, &id)
                .contains(&R::AwaitingAnswer)
                .then_some(items))
        })
        .await?;
    assert_eq!(reasons_for(&tm, &id), [R::AwaitingAnswer]);
    // The update that asked is new to tm until marked read; de's own update is not new to de.
    assert_eq!(reasons_for(&tm, &asked.message_id), [R::New]);
    let marked = federation
        .operator(TM)
        .await?
        .mark_read(MarkReadRequest {
            message_ids: vec![asked.message_id.clone()],
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_eq!(marked.marked, 1);
    assert!(reasons_for(&attention(&federation, TM, 0).await?, &asked.message_id).is_empty());
    federation.stop_all().await
}

#[tokio::test]
async fn a_deadline_is_near_within_the_horizon_and_past_after_it() -> anyhow::Result<()> {
    use AttentionReason as R;
    let mut federation = Federation::start(&[TM, DE]).await?;
    let request = federation.submit_sample_request(TM, DE).await?;
    let id = request.message_id.clone();
    federation.held(DE, &id).await?;
    // Acknowledgement is due 7 days after creation (the default policy); near is 48 h.
    let due = request.created_at_ms + 7 * 24 * 3_600_000;
    let near = attention(&federation, DE, due - 3_600_000).await?;
    assert!(
        reasons_for(&near, &id).contains(&R::DeadlineNear),
        "{near:?}"
    );
    let item = near
        .iter()
        .find(|i| i.message_id == id && i.reason == R::DeadlineNear as i32)
        .expect("near");
    assert_eq!(
        (item.due_at_ms, item.milestone.as_str()),
        (due, "acknowledge")
    );
    let past = attention(&federation, DE, due + 1).await?;
    assert_eq!(
        past[0].reason,
        R::DeadlinePast as i32,
        "most urgent first: {past:?}"
    );
    assert_eq!(past[0].message_id, id);
    // tm is told too: the late acknowledgement is its to chase.
    let chase = attention(&federation, TM, due + 1).await?;
    assert_eq!(reasons_for(&chase, &id), [R::DeadlinePast]);
    // Three days before, nothing is near.
    let early = attention(&federation, DE, due - 3 * 24 * 3_600_000).await?;
    assert!(!reasons_for(&early, &id).contains(&R::DeadlineNear));
    federation.stop_all().await
}

#[tokio::test]
async fn a_consultation_the_other_party_answered_awaits_its_opener() -> anyhow::Result<()> {
    use AttentionReason as R;
    let mut federation = Federation::start(&[TM, DE]).await?;
    let question = consult(&federation, TM, DE, "", "Bank records?", false).await?;
    let case_id = question.case_id.clone();
    thread_with(&federation, DE, &case_id, 1).await?;
    // `case show` (in `thread_with`) showed it to de's reader: awaiting, no longer new.
    let de = attention(&federation, DE, 0).await?;
    assert_eq!(reasons_for(&de, &question.message_id), [R::AwaitingAnswer]);
    let answer = consult(&federation, DE, TM, &case_id, "Yes.", false).await?;
    thread_with(&federation, TM, &case_id, 2).await?;
    let tm = attention(&federation, TM, 0).await?;
    let awaiting = tm
        .iter()
        .find(|i| i.reason == R::AwaitingAnswer as i32)
        .expect("tm owes the answer");
    assert_eq!(awaiting.message_id, answer.message_id);
    assert_eq!(awaiting.thread_state, ThreadState::Answered as i32);
    assert!(
        !reasons_for(&attention(&federation, DE, 0).await?, &question.message_id)
            .contains(&R::AwaitingAnswer)
    );
    // Closed: nobody owes anything.
    consult(&federation, TM, DE, &case_id, "Thanks.", true).await?;
    thread_with(&federation, DE, &case_id, 3).await?;
    for node in [TM, DE] {
        let items = attention(&federation, node, 0).await?;
        assert!(
            !items.iter().any(|i| i.reason == R::AwaitingAnswer as i32),
            "{node}: {items:?}"
        );
    }
    federation.stop_all().await
}

#[tokio::test]
async fn a_watcher_is_told_of_a_received_message_and_its_sender_of_the_delivery()
-> anyhow::Result<()> {
    let mut federation = Federation::start(&[TM, DE]).await?;
    let mut at_de = federation.watch(DE).await?;
    let mut at_tm = federation.watch(TM).await?;
    let request = federation.submit_sample_request(TM, DE).await?;
    let received = next_event(&mut at_de, "message-received").await?;
    assert_eq!(
        (
            received.message_id.as_str(),
            received.case_id.as_str(),
            received.peer.as_str(),
            received.message_kind.as_str()
        ),
        (
            request.message_id.as_str(),
            request.case_id.as_str(),
            TM,
            "request"
        )
    );
    let delivered = next_event(&mut at_tm, "delivered").await?;
    assert_eq!(
        (delivered.message_id.as_str(), delivered.peer.as_str()),
        (request.message_id.as_str(), DE)
    );
    // de acknowledges: tm is told the request's state changed.
    update(
        &federation,
        DE,
        &request.message_id,
        RequestStatus::Acknowledged,
    )
    .await?;
    let changed = next_event(&mut at_tm, "status-changed").await?;
    assert_eq!(changed.case_id, request.case_id);
    assert_eq!(
        changed.request_state,
        rogatory_proto::v1::RequestState::Acknowledged as i32
    );
    federation.stop_all().await
}

#[tokio::test]
async fn a_slow_watcher_is_told_how_many_events_it_missed_and_holds_nothing_up()
-> anyhow::Result<()> {
    let mut federation = Federation::start(&[TM, DE]).await?;
    let mut slow = federation.watch(DE).await?;
    // Far more events than the broadcast, the stream's buffer and HTTP/2's windows hold, while
    // the watcher reads nothing (this test's runtime runs nothing else meanwhile).
    let node = &federation
        .node(DE)?
        .running
        .as_ref()
        .expect("de runs in this process")
        .node;
    for n in 0..100_000u32 {
        node.events.publish(WatchEvent {
            kind: "delivered".into(),
            message_id: n.to_string(),
            ..Default::default()
        });
    }
    // The node goes on receiving meanwhile.
    let request = federation.submit_sample_request(TM, DE).await?;
    let missed = next_event(&mut slow, "missed").await?;
    assert!(missed.missed > 0, "{missed:?}");
    // After the gap the watcher is told of what happens next.
    let received = next_event(&mut slow, "message-received").await?;
    assert_eq!(received.message_id, request.message_id);
    federation.stop_all().await
}
