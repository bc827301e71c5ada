//! Pages answered from the node's indexes, through the operator API of real nodes: the case
//! list read page by page with the cursor the node gives (`ListCases.after`/`next`), a case
//! moving to the top with new activity, and a status update found by the subject of its
//! case's request (`Search`).

use rogatory_proto::v1::{
    Direction, ListCasesRequest, MessageRecord, MlaRequest, RequestStatus, SearchRequest,
    StatusUpdate, SubmitRequestRequest, SubmitStatusUpdateRequest,
};
use rogatory_tests::{Federation, sample_request};
use tonic::Code;

/// tm sends a request about `subject` to de in a new case; waits until de holds it.
async fn send(federation: &Federation, subject: &str) -> anyhow::Result<MessageRecord> {
    let mla = MlaRequest {
        subject: subject.into(),
        ..sample_request()
    };
    let record = federation
        .operator("tm")
        .await?
        .submit_request(SubmitRequestRequest {
            recipient: "de".into(),
            request: Some(mla),
            case_id: String::new(),
            submitted_by: "Prosecutor A.".into(),
            copies_to: Vec::new(),
        })
        .await?
        .into_inner()
        .message
        .expect("record");
    let id = record.message_id.clone();
    federation
        .eventually(&format!("de holds {id}"), || async {
            Ok(federation.message("de", &id).await.ok().map(|_| ()))
        })
        .await?;
    Ok(record)
}

/// de acknowledges `request`; waits until tm holds the acknowledgement.
async fn acknowledge(federation: &Federation, request: &MessageRecord) -> anyhow::Result<()> {
    let record = federation
        .operator("de")
        .await?
        .submit_status_update(SubmitStatusUpdateRequest {
            refers_to: request.message_id.clone(),
            update: Some(StatusUpdate {
                status: RequestStatus::Acknowledged as i32,
                ..Default::default()
            }),
            submitted_by: "Staatsanwältin B.".into(),
        })
        .await?
        .into_inner()
        .message
        .expect("record");
    let id = record.message_id.clone();
    federation
        .eventually(&format!("tm holds {id}"), || async {
            Ok(federation.message("tm", &id).await.ok().map(|_| ()))
        })
        .await?;
    Ok(())
}

/// Every page of `node`'s case list, `limit` cases at a time: the case ids of each page.
async fn pages(
    federation: &Federation,
    node: &str,
    filter: ListCasesRequest,
    limit: u32,
) -> anyhow::Result<Vec<Vec<String>>> {
    let mut client = federation.operator(node).await?;
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let page = client
            .list_cases(ListCasesRequest {
                limit,
                after: after.clone(),
                ..filter.clone()
            })
            .await?
            .into_inner();
        out.push(page.cases.iter().map(|c| c.case_id.clone()).collect());
        if page.next.is_empty() {
            return Ok(out);
        }
        after = page.next;
    }
}

#[tokio::test]
async fn the_case_list_pages_by_cursor_newest_first_and_new_activity_moves_a_case_to_the_top()
-> anyhow::Result<()> {
    let federation = Federation::start(&["tm", "de"]).await?;
    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(send(&federation, &format!("Мошенничество {n}")).await?);
    }
    let newest_first: Vec<String> = sent.iter().rev().map(|r| r.case_id.clone()).collect();
    for node in ["tm", "de"] {
        let pages = pages(&federation, node, ListCasesRequest::default(), 2).await?;
        assert_eq!(
            pages.iter().map(Vec::len).collect::<Vec<_>>(),
            [2, 2, 1],
            "{node}: {pages:?}"
        );
        assert_eq!(pages.concat(), newest_first, "{node}");
    }
    // Filtered by peer and state, through the same cursor.
    let open_with_de = ListCasesRequest {
        peer: "de".into(),
        open_only: true,
        ..Default::default()
    };
    assert_eq!(
        pages(&federation, "tm", open_with_de.clone(), 3)
            .await?
            .concat(),
        newest_first
    );
    let with_nobody = ListCasesRequest {
        peer: "uz".into(),
        ..Default::default()
    };
    assert_eq!(
        pages(&federation, "tm", with_nobody, 3).await?,
        [Vec::<String>::new()]
    );

    // The oldest case gets an answer: it leads the list now, on both sides.
    acknowledge(&federation, &sent[0]).await?;
    for node in ["tm", "de"] {
        let first = pages(&federation, node, ListCasesRequest::default(), 1).await?;
        assert_eq!(first[0], [sent[0].case_id.clone()], "{node}");
        assert_eq!(first.len(), 5, "{node}: every case once");
    }

    // A cursor the node did not give is refused, not taken for the first page.
    let refused = federation
        .operator("tm")
        .await?
        .list_cases(ListCasesRequest {
            after: "not a cursor".into(),
            ..Default::default()
        })
        .await
        .expect_err("a bad cursor");
    assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
    Ok(())
}

#[tokio::test]
async fn a_status_update_is_found_by_the_subject_of_its_case_s_request() -> anyhow::Result<()> {
    let federation = Federation::start(&["tm", "de"]).await?;
    let fraud = send(&federation, "Мошенничество в особо крупном размере").await?;
    let other = send(&federation, "Контрабанда").await?;
    acknowledge(&federation, &fraud).await?;
    acknowledge(&federation, &other).await?;
    let search = |query: &str, filters: SearchRequest| {
        let query = query.to_owned();
        let federation = &federation;
        async move {
            let answer = federation
                .operator("tm")
                .await?
                .search(SearchRequest { query, ..filters })
                .await?
                .into_inner();
            anyhow::Ok(answer)
        }
    };
    // No status update repeats the subject; the case's request gives it to them all.
    let updates = search(
        "мошенничество",
        SearchRequest {
            kind: "status-update".into(),
            ..Default::default()
        },
    )
    .await?;
    assert_eq!(updates.cases.len(), 1, "{updates:?}");
    assert_eq!(updates.cases[0].case_id, fraud.case_id);
    assert!(
        updates.cases[0]
            .matches
            .iter()
            .all(|m| m.kind == "status-update"),
        "{updates:?}"
    );
    // By the beginning of the word, received by tm: the acknowledgement again.
    let received = search(
        "мошеннич",
        SearchRequest {
            direction: Direction::Inbox as i32,
            ..Default::default()
        },
    )
    .await?;
    assert_eq!(received.cases.len(), 1, "{received:?}");
    assert_eq!(received.cases[0].case_id, fraud.case_id);
    // Words co-occur in the case: the subject of one message and the peer of another.
    let both = search("контрабанда de", SearchRequest::default()).await?;
    assert_eq!(both.cases.len(), 1, "{both:?}");
    assert_eq!(both.cases[0].case_id, other.case_id);
    // A word of no message of the case finds nothing, whatever the filters.
    let none = search(
        "мошенничество контрабанда",
        SearchRequest {
            kind: "status-update".into(),
            ..Default::default()
        },
    )
    .await?;
    assert!(none.cases.is_empty(), "{none:?}");
    Ok(())
}
