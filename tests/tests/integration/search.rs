//! Finding cases through the operator API of real nodes: titles and both sides' national
//! references on messages and cases, short ids, and the indexed search (`Search`).

use rogatory_proto::v1::{
    Consultation, Direction, ListCasesRequest, MessageRecord, MlaRequest, NationalReference,
    Person, PersonRole, RequestStatus, StatusUpdate, SubmitConsultationRequest,
    SubmitRequestRequest, SubmitStatusUpdateRequest,
};
use rogatory_tests::{Federation, sample_request};

/// tm sends `mla` to de in a new case; waits until de holds it.
async fn send_request(federation: &Federation, mla: MlaRequest) -> anyhow::Result<MessageRecord> {
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

/// de answers `request` with `status`, giving `reference` as its own national reference.
async fn answer(
    federation: &Federation,
    request: &MessageRecord,
    status: RequestStatus,
    reference: &str,
) -> anyhow::Result<MessageRecord> {
    let record = federation
        .operator("de")
        .await?
        .submit_status_update(SubmitStatusUpdateRequest {
            refers_to: request.message_id.clone(),
            update: Some(StatusUpdate {
                status: status as i32,
                national_reference: reference.into(),
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
        let cases = federation
            .operator(node)
            .await?
            .list_cases(ListCasesRequest::default())
            .await?
            .into_inner()
            .cases;
        let case = cases
            .iter()
            .find(|c| c.case_id == request.case_id)
            .expect("the case is listed");
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
    let consult = |text: &str, subject: &str, refers_to: &str| SubmitConsultationRequest {
        recipient: "de".into(),
        consultation: Some(Consultation {
            text: text.into(),
            subject: subject.into(),
            refers_to: refers_to.into(),
            ..Default::default()
        }),
        case_id: String::new(),
        submitted_by: "A. Nurov".into(),
        copies_to: Vec::new(),
    };
    let mut tm = federation.operator("tm").await?;
    let first = tm
        .submit_consultation(consult(
            "Would you need a court order for bank records?",
            "Банковские сведения Юсупова",
            "",
        ))
        .await?
        .into_inner()
        .message
        .expect("record");
    let answer = tm
        .submit_consultation(consult("And for tax records?", "", &first.message_id))
        .await?
        .into_inner()
        .message
        .expect("record");
    assert_eq!(answer.title, "Банковские сведения Юсупова");
    let id = answer.message_id.clone();
    let held = federation
        .eventually("de holds the answer", || async {
            Ok(federation.message("de", &id).await.ok())
        })
        .await?;
    assert_eq!(held.title, "Банковские сведения Юсупова");
    Ok(())
}
