//! Finding cases through the operator API of real nodes: titles and both sides' national
//! references on messages and cases, short ids, and the indexed search (`Search`).

use rogatory_proto::v1::{
    AssistanceType, Consultation, Direction, MessageRecord, MlaRequest, NationalReference, Person,
    PersonRole, RequestState, RequestStatus, SearchField, SearchRequest, ShowCaseRequest,
    ShowMessageRequest, StatusUpdate, SubmitStatusUpdateRequest,
};
use rogatory_tests::scenario::{SharedSocket, output_of_fresh_binary};
use rogatory_tests::{Federation, sample_request};
use tonic::Code;

/// tm sends `mla` to de in a new case; waits until de holds it.
async fn send_request(federation: &Federation, mla: MlaRequest) -> anyhow::Result<MessageRecord> {
    federation.send_request("tm", "de", mla).await
}

/// de answers `request` with `status`, giving `reference` as its own national reference; waits
/// until tm holds the answer.
async fn answer(
    federation: &Federation,
    request: &MessageRecord,
    status: RequestStatus,
    reference: &str,
) -> anyhow::Result<MessageRecord> {
    let update = StatusUpdate {
        status: status as i32,
        national_reference: reference.into(),
        ..Default::default()
    };
    let record = federation
        .update_status("de", &request.message_id, update, "Staatsanwältin B.")
        .await?;
    federation.held("tm", &record.message_id).await?;
    Ok(record)
}

/// A request about a person with a Central-Asian name written in Cyrillic.
fn request_about(surname: &str, subject: &str, reference: &str) -> MlaRequest {
    let mut mla = sample_request();
    mla.subject = subject.into();
    mla.national_reference = reference.into();
    mla.persons = vec![Person {
        name: surname.into(),
        role: PersonRole::Suspect as i32,
        ..Default::default()
    }];
    mla
}

fn reference(node_id: &str, text: &str) -> NationalReference {
    NationalReference {
        node_id: node_id.into(),
        reference: text.into(),
    }
}

#[tokio::test]
async fn both_sides_see_the_title_and_each_others_national_reference_kept_once_given()
-> anyhow::Result<()> {
    let federation = Federation::start(&["tm", "de"]).await?;
    let request = send_request(
        &federation,
        request_about(
            "Атаев Мурад",
            "Мошенничество в особо крупном размере",
            "УД-115/2026",
        ),
    )
    .await?;
    answer(
        &federation,
        &request,
        RequestStatus::Acknowledged,
        "StA Hamburg 12 Js 4/26",
    )
    .await?;
    // A later update without a reference leaves the one given standing.
    let review = answer(&federation, &request, RequestStatus::UnderReview, "").await?;

    for (node, own, peer) in [
        (
            "tm",
            "УД-115/2026",
            reference("de", "StA Hamburg 12 Js 4/26"),
        ),
        (
            "de",
            "StA Hamburg 12 Js 4/26",
            reference("tm", "УД-115/2026"),
        ),
    ] {
        let case = federation.listed_case(node, &request.case_id).await?;
        assert_eq!(
            case.title, "Мошенничество в особо крупном размере",
            "{node}"
        );
        assert_eq!(case.own_reference, own, "{node}");
        assert_eq!(case.peer_references, vec![peer], "{node}");
        let update = federation.message(node, &review.message_id).await?;
        assert_eq!(
            update.title, "Мошенничество в особо крупном размере",
            "{node}: a status update is titled by its request"
        );
        assert_eq!(update.own_reference, own, "{node}");
    }
    let inbox = federation.messages("tm", Direction::Inbox).await?;
    assert!(
        inbox
            .iter()
            .all(|m| m.title == "Мошенничество в особо крупном размере"),
        "ListMessages fills titles: {inbox:?}"
    );
    Ok(())
}

#[tokio::test]
async fn an_answer_to_a_consultation_takes_its_subject() -> anyhow::Result<()> {
    let federation = Federation::start(&["tm", "de"]).await?;
    let consult = |text: &str, subject: &str, refers_to: &str| {
        let consultation = Consultation {
            text: text.into(),
            subject: subject.into(),
            refers_to: refers_to.into(),
            ..Default::default()
        };
        federation.consult("tm", "de", "", consultation, "A. Nurov")
    };
    let first = consult(
        "Would you need a court order for bank records?",
        "Банковские сведения Юсупова",
        "",
    )
    .await?;
    let answer = consult("And for tax records?", "", &first.message_id).await?;
    assert_eq!(answer.title, "Банковские сведения Юсупова");
    let held = federation.held("de", &answer.message_id).await?;
    assert_eq!(held.title, "Банковские сведения Юсупова");
    Ok(())
}

/// tm's search for `query` with `filters`; the case ids found, in order.
async fn found(
    federation: &Federation,
    node: &str,
    query: &str,
    filters: SearchRequest,
) -> anyhow::Result<Vec<String>> {
    let response = federation
        .operator(node)
        .await?
        .search(SearchRequest {
            query: query.into(),
            ..filters
        })
        .await?
        .into_inner();
    Ok(response.cases.into_iter().map(|c| c.case_id).collect())
}

#[tokio::test]
async fn a_cyrillic_surname_is_found_on_both_sides_typed_in_latin_by_prefix_and_by_case_number()
-> anyhow::Result<()> {
    let federation = Federation::start(&["tm", "de"]).await?;
    let ataev = send_request(
        &federation,
        request_about(
            "Атаев Мурад Бердыевич",
            "Мошенничество с картами",
            "УД-115/2026",
        ),
    )
    .await?;
    let other = send_request(
        &federation,
        request_about("Юсупов Алишер", "Торговля людьми", "УД-7/2026"),
    )
    .await?;
    answer(
        &federation,
        &ataev,
        RequestStatus::Acknowledged,
        "StA Hamburg 12 Js 4/26",
    )
    .await?;
    let case = vec![ataev.case_id.clone()];
    for node in ["tm", "de"] {
        for query in [
            "Ataev",
            "Atayev",
            "ATAEV",
            "Атае",
            "атаев мурад",
            "115/2026",
            "12 Js 4",
        ] {
            assert_eq!(
                found(&federation, node, query, SearchRequest::default()).await?,
                case,
                "{node}: {query}"
            );
        }
        assert_eq!(
            found(&federation, node, "Iusupov", SearchRequest::default()).await?,
            std::slice::from_ref(&other.case_id),
            "{node}"
        );
        assert!(
            found(&federation, node, "Ataev Yusupov", SearchRequest::default())
                .await?
                .is_empty(),
            "{node}: every word must be found in the case"
        );
    }
    let hit = federation
        .operator("de")
        .await?
        .search(SearchRequest {
            query: "Atayev".into(),
            ..Default::default()
        })
        .await?
        .into_inner()
        .cases
        .remove(0);
    assert_eq!(hit.title, "Мошенничество с картами");
    assert_eq!(hit.own_reference, "StA Hamburg 12 Js 4/26");
    assert_eq!(hit.peer_references, [reference("tm", "УД-115/2026")]);
    assert_eq!(hit.peers, ["tm"]);
    assert_eq!(hit.state, RequestState::Acknowledged as i32);
    assert_eq!(hit.matches.len(), 1, "{hit:?}");
    assert_eq!(hit.matches[0].message_id, ataev.message_id);
    assert!(
        hit.matches[0]
            .fields
            .contains(&(SearchField::Person as i32))
    );
    Ok(())
}

#[tokio::test]
async fn filters_narrow_a_search_by_peer_state_assistance_kind_and_date() -> anyhow::Result<()> {
    let federation = Federation::start(&["tm", "de", "uz"]).await?;
    let mut to_de = request_about("Атаев", "Мошенничество", "УД-1/2026");
    to_de.assistance = vec![AssistanceType::TakeEvidence as i32];
    let to_de = send_request(&federation, to_de).await?;
    answer(&federation, &to_de, RequestStatus::Acknowledged, "").await?;
    let mut to_uz = request_about("Атаев", "Мошенничество", "УД-2/2026");
    to_uz.assistance = vec![AssistanceType::SearchSeizureFreezing as i32];
    let to_uz = federation.submit_request("tm", "uz", to_uz).await?;
    let both = found(&federation, "tm", "Атаев", SearchRequest::default()).await?;
    assert_eq!(both.len(), 2, "{both:?}");
    let filtered = |filters: SearchRequest| found(&federation, "tm", "Атаев", filters);
    let de = vec![to_de.case_id.clone()];
    let uz = vec![to_uz.case_id.clone()];
    assert_eq!(
        filtered(SearchRequest {
            peer: "de".into(),
            ..Default::default()
        })
        .await?,
        de
    );
    assert_eq!(
        filtered(SearchRequest {
            state: RequestState::Acknowledged as i32,
            ..Default::default()
        })
        .await?,
        de
    );
    assert_eq!(
        filtered(SearchRequest {
            assistance: AssistanceType::SearchSeizureFreezing as i32,
            ..Default::default()
        })
        .await?,
        uz
    );
    assert!(
        filtered(SearchRequest {
            kind: "consultation".into(),
            ..Default::default()
        })
        .await?
        .is_empty()
    );
    assert!(
        filtered(SearchRequest {
            direction: Direction::Inbox as i32,
            ..Default::default()
        })
        .await?
        .is_empty(),
        "tm sent both requests"
    );
    let now = rogatory_node::now_ms();
    const DAY_MS: i64 = 86_400_000;
    assert!(
        filtered(SearchRequest {
            since_ms: now + DAY_MS,
            ..Default::default()
        })
        .await?
        .is_empty()
    );
    assert_eq!(
        filtered(SearchRequest {
            since_ms: now - DAY_MS,
            until_ms: now + DAY_MS,
            ..Default::default()
        })
        .await?
        .len(),
        2
    );
    // A filter value the node does not know is refused, not ignored.
    let refused = federation
        .operator("tm")
        .await?
        .search(SearchRequest {
            query: "Атаев".into(),
            kind: "letter".into(),
            ..Default::default()
        })
        .await
        .expect_err("unknown kind");
    assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
    Ok(())
}

/// The longest beginning two ids share.
fn common_beginning<'a>(a: &'a str, b: &str) -> &'a str {
    let n = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    &a[..n]
}

#[tokio::test]
async fn an_ambiguous_id_beginning_is_refused_with_the_candidates_and_a_unique_one_is_accepted()
-> anyhow::Result<()> {
    let federation = Federation::start(&["tm", "de"]).await?;
    let first = send_request(&federation, request_about("Атаев", "Первое", "1")).await?;
    let second = send_request(&federation, request_about("Каримов", "Второе", "2")).await?;
    let mut tm = federation.operator("tm").await?;
    let shared = common_beginning(&first.message_id, &second.message_id);
    let refused = tm
        .show_message(ShowMessageRequest {
            message_id: shared.into(),
        })
        .await
        .expect_err("ambiguous");
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    assert!(refused.message().contains(&first.message_id), "{refused:?}");
    assert!(
        refused.message().contains(&second.message_id),
        "{refused:?}"
    );
    let missing = tm
        .show_message(ShowMessageRequest {
            message_id: "ZZZZZZZZ".into(),
        })
        .await
        .expect_err("none");
    assert_eq!(missing.code(), Code::NotFound, "{missing:?}");

    // What lists show is accepted wherever an id is typed.
    let listed = federation.messages("tm", Direction::Outbox).await?;
    let shown = listed
        .iter()
        .find(|m| m.message_id == second.message_id)
        .expect("listed");
    assert!(shown.short_id.len() >= 8 && shown.short_id.len() < second.message_id.len());
    assert!(second.message_id.starts_with(&shown.short_id));
    let found = tm
        .show_message(ShowMessageRequest {
            message_id: shown.short_id.to_ascii_lowercase(),
        })
        .await?
        .into_inner();
    assert_eq!(found.message_id, second.message_id);
    let thread = tm
        .show_case(ShowCaseRequest {
            case_id: shown.short_case_id.clone(),
            as_of_ms: 0,
        })
        .await?
        .into_inner();
    assert_eq!(thread.case_id, second.case_id);
    // A status update on a request named by its short id.
    let mut de = federation.operator("de").await?;
    let update = de
        .submit_status_update(SubmitStatusUpdateRequest {
            refers_to: shown.short_id.clone(),
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
    assert_eq!(update.case_id, second.case_id);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_who_is_no_contact_point_cannot_search() -> anyhow::Result<()> {
    const CLERK_UID: u32 = 4331;
    const STRANGER_UID: u32 = 4332;
    let shared = SharedSocket::new()?;
    let mut federation =
        Federation::create_with(&["tm", "de"], shared.configure_tm(&[("Clerk", CLERK_UID)]))?;
    federation.start_node("tm").await?;
    let search = |uid| shared.rogatory_as(uid, &["search", "Атаев"]);
    let stranger = output_of_fresh_binary(&mut search(STRANGER_UID)).await?;
    let stderr = String::from_utf8_lossy(&stranger.stderr);
    assert_eq!(stranger.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("PermissionDenied"), "{stderr}");
    let clerk = output_of_fresh_binary(&mut search(CLERK_UID)).await?;
    assert!(
        clerk.status.success(),
        "a contact point searches: {}",
        String::from_utf8_lossy(&clerk.stderr)
    );
    Ok(())
}
