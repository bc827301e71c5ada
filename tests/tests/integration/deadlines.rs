//! A node's own `[deadlines]` policy, through the operator API of real nodes: the same request
//! is late for acknowledgement on the node configured with `acknowledge_days = 1` and not on a
//! node with the defaults.

use rogatory_proto::v1::{ListCasesRequest, ShowCaseRequest};
use rogatory_tests::{Federation, sample_request};

const DAY_MS: i64 = 24 * 3_600_000;

#[tokio::test]
async fn a_node_with_a_one_day_acknowledgement_period_flags_a_request_the_default_node_does_not()
-> anyhow::Result<()> {
    // tm keeps the defaults (7 days to acknowledge); de, the requested side, allows one day.
    let federation = Federation::start_with(&["tm", "de"], |id, mut text| {
        if id == "de" {
            text.push_str("\n[deadlines]\nacknowledge_days = 1\n");
        }
        text
    })
    .await?;
    let record = federation
        .send_request("tm", "de", sample_request())
        .await?;
    let created = record.created_at_ms;
    let two_days_on = created + 2 * DAY_MS;
    let overdue_at = |at: i64| ListCasesRequest {
        overdue_only: true,
        as_of_ms: at,
        ..Default::default()
    };

    let on_de = federation
        .operator("de")
        .await?
        .list_cases(overdue_at(two_days_on))
        .await?
        .into_inner();
    assert_eq!(
        on_de.now_ms, two_days_on,
        "the time overdue was decided against"
    );
    assert_eq!(on_de.cases.len(), 1, "{:?}", on_de.cases);
    let case = &on_de.cases[0];
    assert_eq!(case.case_id, record.case_id);
    assert!(case.overdue);
    let late: Vec<(&str, i64)> = case.requests[0]
        .deadlines
        .iter()
        .filter(|d| d.overdue)
        .map(|d| (d.milestone.as_str(), d.due_at_ms - created))
        .collect();
    assert_eq!(late, [("acknowledge", DAY_MS)]);

    // The same request on tm, with the defaults: not late two days on, late after eight.
    let on_tm = |at| {
        let federation = &federation;
        async move {
            Ok::<_, anyhow::Error>(
                federation
                    .operator("tm")
                    .await?
                    .list_cases(overdue_at(at))
                    .await?
                    .into_inner()
                    .cases,
            )
        }
    };
    assert!(on_tm(two_days_on).await?.is_empty());
    assert_eq!(on_tm(created + 8 * DAY_MS).await?.len(), 1);

    // ShowCase on each node states its own due date for acknowledgement.
    for (node, period) in [("de", DAY_MS), ("tm", 7 * DAY_MS)] {
        let thread = federation
            .operator(node)
            .await?
            .show_case(ShowCaseRequest {
                case_id: record.case_id.clone(),
                ..Default::default()
            })
            .await?
            .into_inner();
        let acknowledge = &thread.requests[0].deadlines[0];
        assert_eq!(acknowledge.milestone, "acknowledge");
        assert_eq!(acknowledge.due_at_ms - created, period, "on {node}");
        assert!(!acknowledge.overdue, "on {node}: not late yet");
    }

    // ShowCase judged as of a later time: on de (one day to acknowledge) late two days on,
    // on tm (seven days) not yet; the thread says which time it was judged against.
    for (node, late) in [("de", true), ("tm", false)] {
        let thread = federation
            .operator(node)
            .await?
            .show_case(ShowCaseRequest {
                case_id: record.case_id.clone(),
                as_of_ms: two_days_on,
            })
            .await?
            .into_inner();
        assert_eq!(thread.now_ms, two_days_on, "on {node}");
        assert_eq!(thread.requests[0].deadlines[0].overdue, late, "on {node}");
        assert_eq!(thread.requests[0].overdue, late, "on {node}");
    }
    let mut federation = federation;
    federation.stop_all().await
}
