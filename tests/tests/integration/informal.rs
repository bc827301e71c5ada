//! The two messages outside the request lifecycle between real nodes: spontaneous information
//! (UNTOC art. 18(4)) with its use restrictions, and a direct consultation that a formal request
//! in the same case later follows. Neither may be the subject of a status update, whether the
//! sender's node is asked to sign one or a forged one arrives at the receiver.

use prost::Message;
use rogatory_proto::signing;
use rogatory_proto::v1::{
    Consultation, Envelope, MessageRecord, RequestState, RequestStatus, ShowCaseRequest,
    SpontaneousInformation, StatusUpdate, SubmitConsultationRequest, SubmitRequestRequest,
    SubmitSpontaneousInformationRequest, SubmitStatusUpdateRequest, UseRestriction, envelope,
};
use rogatory_tests::{Federation, reason_of, sample_request};
use tonic::Code;

const TM: &str = "tm";
const DE: &str = "de";

/// The envelope `node` holds for `message_id`, once it holds it.
async fn held(federation: &Federation, node: &str, message_id: &str) -> anyhow::Result<Envelope> {
    let record: MessageRecord = federation
        .eventually(&format!("{node} holds {message_id}"), || async {
            Ok(federation.message(node, message_id).await.ok())
        })
        .await?;
    let payload = record.envelope.expect("stored with its envelope").payload;
    Ok(Envelope::decode(payload.as_slice())?)
}

fn information() -> SpontaneousInformation {
    SpontaneousInformation {
        subject: "Cash couriers on the Ashgabat route".into(),
        text: "Two couriers left Frankfurt for Ashgabat on 3 March with about EUR 400 000.".into(),
        restrictions: vec![
            UseRestriction::StatedPurposeOnly as i32,
            UseRestriction::NoEvidenceWithoutConsent as i32,
            UseRestriction::Confidential as i32,
        ],
        conditions: "Contact us before approaching the carrier.".into(),
        author: String::new(),
        purpose: "the money-laundering investigation of the couriers' principals".into(),
        confidential_until: "2026-12-31".into(),
    }
}

#[tokio::test]
async fn spontaneous_information_keeps_its_restrictions_and_has_no_lifecycle() -> anyhow::Result<()>
{
    let mut federation = Federation::start(&[TM, DE]).await?;
    let sent = federation
        .operator(DE)
        .await?
        .submit_spontaneous_information(SubmitSpontaneousInformationRequest {
            recipient: TM.into(),
            information: Some(information()),
            case_id: String::new(),
            submitted_by: "K. Weber".into(),
            copies_to: Vec::new(),
        })
        .await?
        .into_inner()
        .message
        .expect("record");
    assert!(sent.case_id.starts_with("de-"), "{}", sent.case_id);
    assert_eq!(sent.request_state, RequestState::Unspecified as i32);

    let received = held(&federation, TM, &sent.message_id).await?;
    assert_eq!(received.case_id, sent.case_id);
    let Some(envelope::Body::SpontaneousInformation(info)) = received.body else {
        panic!("not spontaneous information: {:?}", received.body);
    };
    assert_eq!(
        info,
        SpontaneousInformation {
            author: "K. Weber".into(),
            ..information()
        }
    );
    let stored = federation.message(TM, &sent.message_id).await?;
    assert_eq!(stored.request_state, RequestState::Unspecified as i32);
    let case = federation
        .operator(TM)
        .await?
        .show_case(ShowCaseRequest {
            case_id: sent.case_id.clone(),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_eq!(case.messages.len(), 1);
    assert!(case.requests.is_empty());

    // The receiver's node refuses to sign a status update about it.
    let refused = federation
        .operator(TM)
        .await?
        .submit_status_update(SubmitStatusUpdateRequest {
            refers_to: sent.message_id.clone(),
            update: Some(StatusUpdate {
                status: RequestStatus::Acknowledged as i32,
                ..Default::default()
            }),
            submitted_by: "A. Nurov".into(),
        })
        .await
        .expect_err("no lifecycle");
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    assert!(refused.message().contains("outside the request lifecycle"));

    // A forged one, signed with tm's key and sent straight to de, is refused by de.
    let mut forged = federation.request_envelope(TM, DE);
    forged.case_id = sent.case_id.clone();
    forged.body = Some(envelope::Body::StatusUpdate(StatusUpdate {
        refers_to: sent.message_id.clone(),
        status: RequestStatus::Acknowledged as i32,
        author: "forger".into(),
        ..Default::default()
    }));
    signing::decode_envelope(&forged.encode_to_vec())?;
    let rejected = federation
        .deliver_signed(TM, DE, &forged)
        .await?
        .expect_err("refused by the receiver");
    assert_eq!(rejected.code(), Code::FailedPrecondition, "{rejected:?}");
    assert_eq!(reason_of(&rejected), "outside-lifecycle");
    assert!(federation.message(DE, &forged.message_id).await.is_err());
    federation.stop_all().await
}

#[tokio::test]
async fn a_consultation_precedes_the_request_it_led_to_in_the_case_thread() -> anyhow::Result<()> {
    let mut federation = Federation::start(&[TM, DE]).await?;
    let question = federation
        .operator(TM)
        .await?
        .submit_consultation(SubmitConsultationRequest {
            recipient: DE.into(),
            consultation: Some(Consultation {
                text: "Would you need a court order to produce bank records?".into(),
                ..Default::default()
            }),
            case_id: String::new(),
            submitted_by: "A. Nurov".into(),
            copies_to: Vec::new(),
        })
        .await?
        .into_inner()
        .message
        .expect("record");
    let case_id = question.case_id.clone();
    held(&federation, DE, &question.message_id).await?;

    // de answers without naming the case: it is the case of the message answered.
    let answer = federation
        .operator(DE)
        .await?
        .submit_consultation(SubmitConsultationRequest {
            recipient: TM.into(),
            consultation: Some(Consultation {
                text: "Yes; send a formal request naming the accounts.".into(),
                refers_to: question.message_id.clone(),
                ..Default::default()
            }),
            case_id: String::new(),
            submitted_by: "K. Weber".into(),
            copies_to: Vec::new(),
        })
        .await?
        .into_inner()
        .message
        .expect("record");
    assert_eq!(answer.case_id, case_id);
    let received = held(&federation, TM, &answer.message_id).await?;
    let Some(envelope::Body::Consultation(consultation)) = received.body else {
        panic!("not a consultation: {:?}", received.body);
    };
    assert_eq!(
        (
            consultation.author.as_str(),
            consultation.refers_to.as_str()
        ),
        ("K. Weber", question.message_id.as_str())
    );

    let request = federation
        .operator(TM)
        .await?
        .submit_request(SubmitRequestRequest {
            recipient: DE.into(),
            request: Some(sample_request()),
            case_id: case_id.clone(),
            submitted_by: "A. Nurov".into(),
            copies_to: Vec::new(),
        })
        .await?
        .into_inner()
        .message
        .expect("record");
    held(&federation, DE, &request.message_id).await?;

    let order = [
        question.message_id.as_str(),
        answer.message_id.as_str(),
        request.message_id.as_str(),
    ];
    for node in [TM, DE] {
        let case = federation
            .operator(node)
            .await?
            .show_case(ShowCaseRequest {
                case_id: case_id.clone(),
                ..Default::default()
            })
            .await?
            .into_inner();
        let ids: Vec<&str> = case
            .messages
            .iter()
            .map(|m| m.message_id.as_str())
            .collect();
        assert_eq!(ids, order, "{node}");
        assert_eq!(case.requests.len(), 1, "{node}");
    }

    // Nor does a consultation have a lifecycle.
    let refused = federation
        .operator(DE)
        .await?
        .submit_status_update(SubmitStatusUpdateRequest {
            refers_to: question.message_id.clone(),
            update: Some(StatusUpdate {
                status: RequestStatus::Acknowledged as i32,
                ..Default::default()
            }),
            submitted_by: "K. Weber".into(),
        })
        .await
        .expect_err("no lifecycle");
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    federation.stop_all().await
}
