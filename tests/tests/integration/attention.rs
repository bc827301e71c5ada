//! What needs a contact point, between real nodes: the states of a case's thread outside the
//! request lifecycle (open, answered, closed by a party) as both nodes derive them, who may
//! close it, unread marks per reader, the attention list, and the events a watcher is told.

use rogatory_proto::v1::{
    CaseSummary, Consultation, DeliverRequest, ListCasesRequest, MessageRecord, ShowCaseRequest,
    SubmitConsultationRequest, ThreadState, ThreadSummary, envelope,
};
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
    let mut operator = federation
        .operator(from)
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let response = operator
        .submit_consultation(SubmitConsultationRequest {
            recipient: to.into(),
            consultation: Some(Consultation {
                text: text.into(),
                closes_thread: close,
                ..Default::default()
            }),
            case_id: case_id.into(),
            submitted_by: String::new(),
            copies_to: Vec::new(),
        })
        .await?;
    Ok(response.into_inner().message.expect("a record"))
}

/// Case `case_id` as `node`'s case list shows it.
async fn listed(federation: &Federation, node: &str, case_id: &str) -> anyhow::Result<CaseSummary> {
    let cases = federation
        .operator(node)
        .await?
        .list_cases(ListCasesRequest::default())
        .await?
        .into_inner()
        .cases;
    cases
        .into_iter()
        .find(|c| c.case_id == case_id)
        .ok_or_else(|| anyhow::anyhow!("{node} does not list case {case_id}"))
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
        let case = listed(&federation, node, &case_id).await?;
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
        assert!(!listed(&federation, node, &case_id).await?.open, "{node}");
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
        .connect_as(UZ, DE)
        .await?
        .deliver(DeliverRequest {
            envelope: Some(federation.sign_as(UZ, &forged)?),
            ..Default::default()
        })
        .await
        .expect_err("not a party");
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    assert_eq!(reason_of(&refused), "parties-mismatch");

    // A close of a case de holds nothing of is refused too: closing opens no case.
    let mut stray = federation.request_envelope(UZ, DE);
    stray.case_id = format!("{UZ}-never-opened");
    stray.body = forged.body.clone();
    let refused = federation
        .connect_as(UZ, DE)
        .await?
        .deliver(DeliverRequest {
            envelope: Some(federation.sign_as(UZ, &stray)?),
            ..Default::default()
        })
        .await
        .expect_err("nothing to close");
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    assert_eq!(reason_of(&refused), "nothing-to-close");

    let thread = thread_with(&federation, DE, &case_id, 1).await?;
    assert_eq!(state_of(&thread), ThreadState::Open);
    assert!(listed(&federation, DE, &case_id).await?.open);
    federation.stop_all().await
}
