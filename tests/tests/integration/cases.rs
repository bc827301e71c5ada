//! Case threads and deadlines through the operator API (`ListCases`, `ShowCase`) of real
//! nodes: the open, urgent, peer and overdue filters, and a case's whole thread in order.
//!
//! A node stamps its own requests with its clock, so no request can be made in the past;
//! overdue is tested by asking as of a later time (`ListCasesRequest.as_of_ms`). The `case-overdue`
//! health alert is tested against a stored request in `node/src/rules/cases.rs`.

use rogatory_proto::v1::{
    CaseSummary, ListCasesRequest, MessageRecord, RequestState, RequestStatus, ShowCaseRequest,
    StatusUpdate, SubmitStatusUpdateRequest, Urgency,
};
use rogatory_tests::{Federation, sample_request};
use tonic::Code;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// tm sends a request to `to`, urgent or not, in a new case; waits until `to` holds it.
async fn request(federation: &Federation, to: &str, urgent: bool) -> anyhow::Result<MessageRecord> {
    let mut mla = sample_request();
    if urgent {
        mla.urgency = Some(Urgency {
            urgent: true,
            reasons: "The victim is held at a border crossing.".into(),
            deadline: String::new(),
            advance_notice: "By telephone to the duty prosecutor, 22:40 UTC".into(),
        });
    }
    federation.send_request("tm", to, mla).await
}

async fn update(
    federation: &Federation,
    node: &str,
    request: &MessageRecord,
    status: RequestStatus,
) -> anyhow::Result<()> {
    federation
        .operator(node)
        .await?
        .submit_status_update(SubmitStatusUpdateRequest {
            refers_to: request.message_id.clone(),
            update: Some(StatusUpdate {
                status: status as i32,
                author: format!("contact point of {node}"),
                ..Default::default()
            }),
            submitted_by: format!("contact point of {node}"),
        })
        .await?;
    Ok(())
}

async fn list(
    federation: &Federation,
    node: &str,
    filter: ListCasesRequest,
) -> anyhow::Result<Vec<String>> {
    let cases = federation
        .operator(node)
        .await?
        .list_cases(filter)
        .await?
        .into_inner()
        .cases;
    let mut ids: Vec<String> = cases
        .iter()
        .map(|c: &CaseSummary| c.case_id.clone())
        .collect();
    ids.sort();
    Ok(ids)
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn cases_are_listed_by_open_urgent_peer_and_overdue_and_shown_in_order() -> anyhow::Result<()>
{
    let mut federation = Federation::start(&["tm", "de", "uz"]).await?;
    // urgent: tm → de, urgent, not acknowledged.
    let urgent = request(&federation, "de", true).await?;
    // acknowledged: tm → de, acknowledged by de.
    let acknowledged = request(&federation, "de", false).await?;
    update(
        &federation,
        "de",
        &acknowledged,
        RequestStatus::Acknowledged,
    )
    .await?;
    // withdrawn: tm → uz, withdrawn by tm.
    let withdrawn = request(&federation, "uz", false).await?;
    update(&federation, "tm", &withdrawn, RequestStatus::Withdrawn).await?;
    let (u, a, w) = (
        urgent.case_id.as_str(),
        acknowledged.case_id.as_str(),
        withdrawn.case_id.as_str(),
    );
    federation
        .eventually("tm holds the acknowledgement", || async {
            let record = federation.message("tm", &acknowledged.message_id).await?;
            Ok((record.request_state == RequestState::Acknowledged as i32).then_some(()))
        })
        .await?;

    let all = ListCasesRequest::default();
    assert_eq!(
        list(&federation, "tm", all.clone()).await?,
        sorted(&[u, a, w])
    );
    let open = ListCasesRequest {
        open_only: true,
        ..Default::default()
    };
    assert_eq!(list(&federation, "tm", open).await?, sorted(&[u, a]));
    let urgent_only = ListCasesRequest {
        urgent_only: true,
        ..Default::default()
    };
    assert_eq!(list(&federation, "tm", urgent_only).await?, [u]);
    let with_uz = ListCasesRequest {
        peer: "uz".into(),
        ..Default::default()
    };
    assert_eq!(list(&federation, "tm", with_uz).await?, [w]);
    let with_tm = ListCasesRequest {
        peer: "tm".into(),
        ..Default::default()
    };
    assert_eq!(list(&federation, "de", with_tm).await?, sorted(&[u, a]));
    let limited = ListCasesRequest {
        limit: 1,
        ..Default::default()
    };
    // Most recent activity first: the withdrawal was the last message.
    assert_eq!(list(&federation, "tm", limited).await?, [w]);

    // Overdue, as of later times: nothing now; after 25 hours the unacknowledged urgent
    // request; after 31 days also the acknowledged one (no decision), never the withdrawn one.
    let now = now_ms();
    let overdue_at = |at: i64| ListCasesRequest {
        overdue_only: true,
        as_of_ms: at,
        ..Default::default()
    };
    assert!(list(&federation, "tm", overdue_at(0)).await?.is_empty());
    assert_eq!(
        list(&federation, "tm", overdue_at(now + 25 * HOUR_MS)).await?,
        [u]
    );
    assert_eq!(
        list(&federation, "de", overdue_at(now + 31 * DAY_MS)).await?,
        sorted(&[u, a])
    );
    assert_eq!(
        list(&federation, "tm", overdue_at(now + 31 * DAY_MS)).await?,
        sorted(&[u, a])
    );

    // The summary of the urgent case, and its thread.
    let summary = federation
        .operator("tm")
        .await?
        .list_cases(ListCasesRequest {
            urgent_only: true,
            ..Default::default()
        })
        .await?
        .into_inner()
        .cases
        .remove(0);
    assert_eq!(summary.peers, ["de"]);
    assert!(summary.urgent && summary.open && !summary.overdue);
    assert_eq!(summary.next_due, "acknowledge");
    let created = summary.requests[0].created_at_ms;
    assert_eq!(summary.next_due_at_ms, created + DAY_MS);
    let due: Vec<(String, i64)> = summary.requests[0]
        .deadlines
        .iter()
        .map(|d| (d.milestone.clone(), d.due_at_ms - created))
        .collect();
    assert_eq!(
        due,
        [
            ("acknowledge".to_owned(), DAY_MS),
            ("decide".to_owned(), 3 * DAY_MS),
            ("execute".to_owned(), 14 * DAY_MS)
        ]
    );

    let thread = federation
        .operator("de")
        .await?
        .show_case(ShowCaseRequest {
            case_id: a.into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    let ids: Vec<&str> = thread
        .messages
        .iter()
        .map(|m| m.message_id.as_str())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], acknowledged.message_id, "the request comes first");
    assert_eq!(thread.requests.len(), 1);
    assert_eq!(thread.requests[0].state, RequestState::Acknowledged as i32);
    let pending: Vec<(&str, bool)> = thread.requests[0]
        .deadlines
        .iter()
        .map(|d| (d.milestone.as_str(), d.pending))
        .collect();
    assert_eq!(
        pending,
        [("acknowledge", false), ("decide", true), ("execute", true)]
    );

    let missing = federation
        .operator("tm")
        .await?
        .show_case(ShowCaseRequest {
            case_id: "no-such-case".into(),
            ..Default::default()
        })
        .await
        .expect_err("unknown case");
    assert_eq!(missing.code(), Code::NotFound);
    federation.stop_all().await
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
