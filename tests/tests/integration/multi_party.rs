//! Multi-party cases (docs/PROTOCOL.md section 3.6) across three real nodes: one signed
//! envelope reaches every party, each party's node holds the identical thread, each knows who
//! has received what (its own receipts, and receipts the sender reported), and a party that was
//! away catches up. Messages naming other parties than the case's are refused.

use prost::Message;
use rogatory_proto::signing;
use rogatory_proto::v1::{
    Consultation, DeliveryReport, DeliveryState, Direction, Envelope, MessageRecord, Receipt,
    RequestState, RequestStatus, ShowCaseRequest, StatusUpdate, SubmitConsultationRequest,
    SubmitRequestRequest, SubmitStatusUpdateRequest, envelope,
};
use rogatory_tests::{Federation, reason_of, sample_request};
use tonic::Code;

const TM: &str = "tm";
const DE: &str = "de";
const UZ: &str = "uz";
const ALL: [&str; 3] = [TM, DE, UZ];

/// The case as `node` holds it: every message but delivery reports, as (id, SHA-256 of the
/// signed payload), oldest first; and the records themselves.
async fn thread(
    federation: &Federation,
    node: &str,
    case_id: &str,
) -> anyhow::Result<(Vec<(String, [u8; 32])>, Vec<MessageRecord>)> {
    let answer = federation
        .operator(node)
        .await?
        .show_case(ShowCaseRequest {
            case_id: case_id.into(),
            ..Default::default()
        })
        .await;
    let case = match answer {
        Ok(case) => case.into_inner(),
        // Not arrived yet.
        Err(status) if status.code() == Code::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(status) => return Err(status.into()),
    };
    let mut ids = Vec::new();
    let mut records = Vec::new();
    for record in case.messages {
        let signed = record.envelope.clone().unwrap_or_default();
        let envelope = signing::decode_envelope(&signed.payload)?;
        if matches!(envelope.body, Some(envelope::Body::DeliveryReport(_))) {
            continue;
        }
        ids.push((record.message_id.clone(), signing::sha256(&signed.payload)));
        records.push(record);
    }
    Ok((ids, records))
}

/// The parties `node` knows to hold `record`: itself for a message it received, the sender,
/// and every party whose signed receipt it holds (its own deliveries, or reported ones).
fn known_holders(record: &MessageRecord) -> Vec<String> {
    let receiver = |signed: &rogatory_proto::v1::SignedReceipt| {
        Receipt::decode(signed.payload.as_slice())
            .map(|r| r.receiver)
            .unwrap_or_default()
    };
    let mut holders = vec![record.sender.clone()];
    holders.extend(record.receipt.iter().map(receiver));
    holders.extend(
        record
            .copies
            .iter()
            .filter(|c| c.state == DeliveryState::Delivered as i32)
            .filter_map(|c| c.receipt.as_ref().map(receiver)),
    );
    holders.extend(record.reported_receipts.iter().map(receiver));
    holders.sort();
    holders.dedup();
    holders
}

/// Waits until the three nodes hold the same thread of `case_id`, of `length` messages, and
/// every node knows that every party holds every message.
async fn converged(
    federation: &Federation,
    case_id: &str,
    length: usize,
) -> anyhow::Result<Vec<(String, [u8; 32])>> {
    federation
        .eventually(
            "every party holds the same thread and knows who holds it",
            || async {
                let (reference, _) = thread(federation, TM, case_id).await?;
                for node in ALL {
                    let (ids, records) = thread(federation, node, case_id).await?;
                    if ids != reference || ids.len() != length {
                        return Ok(None);
                    }
                    if records.iter().any(|r| known_holders(r) != [DE, TM, UZ]) {
                        return Ok(None);
                    }
                }
                Ok(Some(reference))
            },
        )
        .await
}

/// What `node` has sent in `case_id` other than delivery reports (ids), and the case's thread:
/// a refused submission changes neither.
async fn stored(
    federation: &Federation,
    node: &str,
    case_id: &str,
) -> anyhow::Result<(Vec<String>, Vec<(String, [u8; 32])>)> {
    let (thread_ids, _) = thread(federation, node, case_id).await?;
    let outbox: Vec<String> = federation
        .messages(node, Direction::Outbox)
        .await?
        .into_iter()
        .filter(|m| {
            m.case_id == case_id && !matches!(kind_of(m), Some(envelope::Body::DeliveryReport(_)))
        })
        .map(|m| m.message_id)
        .collect();
    Ok((outbox, thread_ids))
}

fn kind_of(record: &MessageRecord) -> Option<envelope::Body> {
    let signed = record.envelope.as_ref()?;
    signing::decode_envelope(&signed.payload).ok()?.body
}

async fn open_case(federation: &Federation) -> anyhow::Result<MessageRecord> {
    Ok(federation
        .operator(TM)
        .await?
        .submit_request(SubmitRequestRequest {
            recipient: DE.into(),
            request: Some(sample_request()),
            case_id: String::new(),
            submitted_by: "A. Nurov".into(),
            copies_to: vec![UZ.into()],
        })
        .await?
        .into_inner()
        .message
        .expect("record"))
}

#[tokio::test]
async fn a_three_country_case_gives_every_party_the_identical_thread_and_who_received_what()
-> anyhow::Result<()> {
    let mut federation = Federation::start(&ALL).await?;
    let request = open_case(&federation).await?;
    let case_id = request.case_id.clone();
    assert_eq!(request.copies.len(), 1);
    assert_eq!(request.copies[0].recipient, UZ);

    // The requested side acknowledges: its node copies the update to uz by itself.
    let acknowledged = federation
        .eventually("de holds the request", || async {
            let answer = federation
                .operator(DE)
                .await?
                .submit_status_update(SubmitStatusUpdateRequest {
                    refers_to: request.message_id.clone(),
                    update: Some(StatusUpdate {
                        status: RequestStatus::Acknowledged as i32,
                        ..Default::default()
                    }),
                    submitted_by: "K. Weber".into(),
                })
                .await;
            Ok(answer.ok().map(|r| r.into_inner().message.expect("record")))
        })
        .await?;
    assert_eq!(acknowledged.recipient, TM);
    assert_eq!(
        acknowledged
            .copies
            .iter()
            .map(|c| c.recipient.as_str())
            .collect::<Vec<_>>(),
        [UZ]
    );

    // uz, which holds a copy, writes to tm in the case: de gets it too.
    let note = federation
        .operator(UZ)
        .await?
        .submit_consultation(SubmitConsultationRequest {
            recipient: TM.into(),
            consultation: Some(Consultation {
                text: "The second account is held in Tashkent; we can freeze it.".into(),
                ..Default::default()
            }),
            case_id: case_id.clone(),
            submitted_by: "D. Karimova".into(),
            copies_to: Vec::new(),
        })
        .await?
        .into_inner()
        .message
        .expect("record");
    assert_eq!(note.copies[0].recipient, DE);

    let agreed = converged(&federation, &case_id, 3).await?;
    assert_eq!(
        agreed.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
        [
            request.message_id.as_str(),
            acknowledged.message_id.as_str(),
            note.message_id.as_str()
        ]
    );
    for node in ALL {
        let held = federation.message(node, &request.message_id).await?;
        assert_eq!(
            held.request_state,
            RequestState::Acknowledged as i32,
            "{node}"
        );
    }

    // uz holds a copy of the request but is not a side of it: its node refuses to change it,
    // and nothing is signed or stored.
    // (Log sizes move on their own here: delivery reports and their receipts are still
    // arriving, so what is compared is the thread and the outbox.)
    let before = stored(&federation, UZ, &case_id).await?;
    let refused = federation
        .operator(UZ)
        .await?
        .submit_status_update(SubmitStatusUpdateRequest {
            refers_to: request.message_id.clone(),
            update: Some(StatusUpdate {
                status: RequestStatus::Accepted as i32,
                ..Default::default()
            }),
            submitted_by: "D. Karimova".into(),
        })
        .await
        .expect_err("a copy holder is not a side");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("holds a copy"),
        "{}",
        refused.message()
    );
    assert_eq!(stored(&federation, UZ, &case_id).await?, before);

    // tm cannot copy a message to itself.
    let refused = federation
        .operator(TM)
        .await?
        .submit_consultation(SubmitConsultationRequest {
            recipient: DE.into(),
            consultation: Some(Consultation {
                text: "Only to de".into(),
                ..Default::default()
            }),
            case_id: case_id.clone(),
            submitted_by: "A. Nurov".into(),
            copies_to: vec![TM.into()],
        })
        .await
        .expect_err("copies name the other parties");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("is this node"),
        "{}",
        refused.message()
    );

    // A message of the case that leaves a party out, signed by tm and delivered directly, is
    // refused by de: the parties of a case cannot change.
    let mut bilateral = federation.request_envelope(TM, DE);
    bilateral.case_id = case_id.clone();
    let refused = federation
        .deliver_signed(TM, DE, &bilateral)
        .await?
        .expect_err("parties differ");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(reason_of(&refused), "parties-mismatch");

    // A delivery report whose receipt uz did not sign (tm signed it) is refused by de.
    let forged_receipt = signing::sign_receipt(
        &federation.node(TM)?.signing_key()?.signing_key(),
        &Receipt {
            version: signing::WIRE_VERSION,
            message_id: note.message_id.clone(),
            sender: UZ.into(),
            receiver: UZ.into(),
            envelope_sha256: agreed[2].1.to_vec(),
            ..Default::default()
        },
    );
    let report = Envelope {
        body: Some(envelope::Body::DeliveryReport(DeliveryReport {
            refers_to: request.message_id.clone(),
            receipts: vec![forged_receipt],
        })),
        ..federation.request_envelope(TM, DE)
    };
    let report = Envelope {
        case_id: case_id.clone(),
        ..report
    };
    let refused = federation
        .deliver_signed(TM, DE, &report)
        .await?
        .expect_err("a receipt uz did not sign");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(reason_of(&refused), "bad-report");

    // Nothing refused changed the thread, and every log verifies.
    assert_eq!(thread(&federation, DE, &case_id).await?.0, agreed);
    for node in ALL {
        let verdict = federation.verify_log(node).await?;
        assert!(verdict.ok, "{node}: {}", verdict.failure);
    }
    federation.stop_all().await
}

#[tokio::test]
async fn a_party_that_was_away_shows_as_not_received_then_catches_up() -> anyhow::Result<()> {
    let mut federation = Federation::start(&ALL).await?;
    let request = open_case(&federation).await?;
    let case_id = request.case_id.clone();
    converged(&federation, &case_id, 1).await?;

    federation.stop_node(UZ).await?;
    let update = federation
        .operator(DE)
        .await?
        .submit_status_update(SubmitStatusUpdateRequest {
            refers_to: request.message_id.clone(),
            update: Some(StatusUpdate {
                status: RequestStatus::Acknowledged as i32,
                ..Default::default()
            }),
            submitted_by: "K. Weber".into(),
        })
        .await?
        .into_inner()
        .message
        .expect("record");
    // tm has it; uz does not: de's record says so, and tm learns that de's copy to uz waits.
    let pending = federation
        .eventually("tm holds the update", || async {
            let at_de = federation.message(DE, &update.message_id).await?;
            if at_de.state != DeliveryState::Delivered as i32 {
                return Ok(None);
            }
            let at_tm = federation.message(TM, &update.message_id).await?;
            Ok(Some((at_tm, at_de)))
        })
        .await?;
    let (at_tm, at_de) = pending;
    assert_eq!(at_tm.direction, Direction::Inbox as i32);
    assert_ne!(at_de.copies[0].state, DeliveryState::Delivered as i32);
    assert_eq!(known_holders(&at_de), [DE, TM]);
    assert_eq!(
        known_holders(&at_tm),
        [DE, TM],
        "uz's receipt cannot be reported yet"
    );

    federation.start_node(UZ).await?;
    let agreed = converged(&federation, &case_id, 2).await?;
    assert_eq!(agreed[1].0, update.message_id);
    for node in ALL {
        let verdict = federation.verify_log(node).await?;
        assert!(verdict.ok, "{node}: {}", verdict.failure);
    }
    federation.stop_all().await
}

#[tokio::test]
async fn a_case_keeps_its_parties_and_every_party_must_be_a_peer() -> anyhow::Result<()> {
    const KZ: &str = "kz";
    let mut federation = Federation::start(&[TM, DE, UZ, KZ]).await?;
    let request = open_case(&federation).await?;
    let case_id = request.case_id.clone();

    // tm's own node keeps the case's parties: kz cannot be brought in, nor uz left out by
    // naming other copies.
    let consult = |copies_to: Vec<String>, recipient: &str| SubmitConsultationRequest {
        recipient: recipient.into(),
        consultation: Some(Consultation {
            text: "Coordination meeting on Monday?".into(),
            ..Default::default()
        }),
        case_id: case_id.clone(),
        submitted_by: "A. Nurov".into(),
        copies_to,
    };
    let before = stored(&federation, TM, &case_id).await?;
    let mut operator = federation.operator(TM).await?;
    let refused = operator
        .submit_consultation(consult(vec![KZ.into()], DE))
        .await
        .expect_err("kz is not a party");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("is copied to uz"),
        "{}",
        refused.message()
    );
    let refused = operator
        .submit_consultation(consult(Vec::new(), KZ))
        .await
        .expect_err("kz is not a party");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("kz is not a party"),
        "{}",
        refused.message()
    );
    assert_eq!(stored(&federation, TM, &case_id).await?, before);
    // Naming exactly the case's copies is the same as naming none.
    let fine = operator
        .submit_consultation(consult(vec![UZ.into()], DE))
        .await?
        .into_inner()
        .message
        .expect("record");
    assert_eq!(fine.copies[0].recipient, UZ);

    // A party de has no key for: refused before anything else about the case.
    let mut envelope = federation.request_envelope(TM, DE);
    envelope.copies_to = vec!["fr".into()];
    let refused = federation
        .deliver_signed(TM, DE, &envelope)
        .await?
        .expect_err("fr is not de's peer");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(reason_of(&refused), "unknown-party");

    // A copy goes only to the parties named: kz never sees the case.
    converged_without(&federation, &case_id, KZ).await?;
    federation.stop_all().await
}

/// Waits until tm, de and uz hold the same two messages of `case_id`; `outsider` holds none.
async fn converged_without(
    federation: &Federation,
    case_id: &str,
    outsider: &str,
) -> anyhow::Result<()> {
    converged(federation, case_id, 2).await?;
    let (held, _) = thread(federation, outsider, case_id).await?;
    assert!(held.is_empty(), "{outsider} holds {held:?}");
    Ok(())
}
