//! Identifiers bound to their author (docs/PROTOCOL.md section 3.1, checks 5a and 7o of section
//! 5.2), attacked by a real party of the federation: uz takes tm's message id, seen in a case
//! they share, or a case id naming tm as its opener, and delivers first to de. The real
//! messages still get through, and de attributes every message to its true author.

use rogatory_proto::v1::{
    Consultation, Direction, EntryKind, MessageRecord, RequestState, RequestStatus,
    ShowCaseRequest, SubmitConsultationRequest, SubmitRequestRequest,
};
use rogatory_tests::hostile::ids::Squatter;
use rogatory_tests::{Federation, reason_of, sample_request};
use tonic::Code;

const TM: &str = "tm";
const DE: &str = "de";
const UZ: &str = "uz";

/// tm's node opens a case with a request to `to`, copied to `copies_to`.
async fn open_case(
    federation: &Federation,
    to: &str,
    case_id: &str,
    copies_to: &[&str],
) -> anyhow::Result<MessageRecord> {
    Ok(federation
        .operator(TM)
        .await?
        .submit_request(SubmitRequestRequest {
            recipient: to.into(),
            request: Some(sample_request()),
            case_id: case_id.into(),
            submitted_by: "A. Nurov".into(),
            copies_to: copies_to.iter().map(|c| (*c).to_owned()).collect(),
        })
        .await?
        .into_inner()
        .message
        .expect("record"))
}

/// Waits until `node` holds message `id` from `sender`.
async fn received(
    federation: &Federation,
    node: &str,
    id: &str,
    sender: &str,
) -> anyhow::Result<MessageRecord> {
    federation
        .eventually(&format!("{node} holds {id} from {sender}"), || async {
            let inbox = federation.messages(node, Direction::Inbox).await?;
            Ok(inbox
                .into_iter()
                .find(|m| m.message_id == id && m.sender == sender))
        })
        .await
}

/// The senders of case `case_id`'s messages as `node` shows them, by message id.
async fn authors(
    federation: &Federation,
    node: &str,
    case_id: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let case = federation
        .operator(node)
        .await?
        .show_case(ShowCaseRequest {
            case_id: case_id.into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    Ok(case
        .messages
        .into_iter()
        .map(|m| (m.message_id, m.sender))
        .collect())
}

/// The reason tokens of the REJECTION entries in `node`'s log (the node must be stopped).
fn logged_rejections(federation: &Federation, node: &str) -> anyhow::Result<Vec<String>> {
    let store = rogatory_tests::open_stopped_store(&federation.node(node)?.store_dir())?;
    let mut reasons = Vec::new();
    for index in 0..store.log_len()? {
        let entry = store.log_entry(index)?.expect("entry");
        if entry.kind == EntryKind::Rejection as i32 {
            reasons.push(
                entry
                    .detail
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
    }
    Ok(reasons)
}

#[tokio::test]
async fn a_party_delivering_first_under_another_partys_message_id_neither_blocks_nor_freezes_the_case()
-> anyhow::Result<()> {
    let mut federation = Federation::start(&[TM, DE, UZ]).await?;
    // de is away: tm's request reaches uz, its copy, but waits in tm's outbox for de.
    federation.stop_node(DE).await?;
    let request = open_case(&federation, DE, "", &[UZ]).await?;
    let case_id = request.case_id.clone();
    received(&federation, UZ, &request.message_id, TM).await?;
    // tm goes away too, so that uz can reach de first.
    federation.stop_node(TM).await?;
    federation.start_node(DE).await?;

    let uz = Squatter { id: UZ };
    let log_before = federation.log_size(DE).await?;
    let squat = uz.request_under(&federation, DE, &request.message_id, &case_id, &[TM]);
    let refused = uz
        .deliver(&federation, DE, &squat)
        .await
        .expect_err("a squatted id");
    assert_eq!(
        refused.code(),
        Code::InvalidArgument,
        "{}",
        refused.message()
    );
    assert_eq!(reason_of(&refused), "unbound-message-id");
    assert!(federation.messages(DE, Direction::Inbox).await?.is_empty());
    assert_eq!(federation.log_size(DE).await?, log_before + 1);

    // tm's lane delivers the real request, and the case goes on behind it.
    federation.start_node(TM).await?;
    let held = received(&federation, DE, &request.message_id, TM).await?;
    assert_eq!(held.envelope, request.envelope);
    let next = federation
        .operator(TM)
        .await?
        .submit_consultation(SubmitConsultationRequest {
            recipient: DE.into(),
            consultation: Some(Consultation {
                text: "Can the bank statements come before the hearing?".into(),
                ..Default::default()
            }),
            case_id: case_id.clone(),
            submitted_by: "A. Nurov".into(),
            copies_to: Vec::new(),
        })
        .await?
        .into_inner()
        .message
        .expect("record");
    received(&federation, DE, &next.message_id, TM).await?;
    // Every message of the case at de is tm's (its two, and its reports of uz's receipts).
    let shown = authors(&federation, DE, &case_id).await?;
    for id in [&request.message_id, &next.message_id] {
        assert!(shown.iter().any(|(shown, _)| shown == id), "{shown:?}");
    }
    assert!(shown.iter().all(|(_, sender)| sender == TM), "{shown:?}");

    federation.stop_all().await?;
    assert_eq!(logged_rejections(&federation, DE)?, ["unbound-message-id"]);
    Ok(())
}

#[tokio::test]
async fn a_party_opening_a_case_under_another_nodes_prefix_is_refused_and_the_real_case_opens()
-> anyhow::Result<()> {
    let mut federation = Federation::start(&[TM, DE, UZ]).await?;
    let uz = Squatter { id: UZ };
    // A case id a prosecutor in tm would choose, taken first by uz between uz and de...
    let taken = "tm-GPO-2025-TIP-0147";
    let log_before = federation.log_size(DE).await?;
    let squat = uz.request_under(&federation, DE, &federation.message_id(UZ), taken, &[]);
    let refused = uz
        .deliver(&federation, DE, &squat)
        .await
        .expect_err("a case of tm's");
    assert_eq!(
        refused.code(),
        Code::FailedPrecondition,
        "{}",
        refused.message()
    );
    assert_eq!(reason_of(&refused), "unbound-case-id");
    assert_eq!(federation.log_size(DE).await?, log_before + 1);
    // ... or naming tm as a party, as if tm had opened it: held back until tm opens it.
    let claimed = "tm-GPO-2025-TIP-0148";
    let squat = uz.request_under(&federation, DE, &federation.message_id(UZ), claimed, &[TM]);
    let refused = uz
        .deliver(&federation, DE, &squat)
        .await
        .expect_err("a case tm has not opened");
    assert_eq!(refused.code(), Code::Aborted, "{}", refused.message());
    assert_eq!(reason_of(&refused), "out-of-order");
    assert!(federation.messages(DE, Direction::Inbox).await?.is_empty());

    // tm opens both cases with de alone; de takes them.
    for case_id in [taken, claimed] {
        let request = open_case(&federation, DE, case_id, &[]).await?;
        received(&federation, DE, &request.message_id, TM).await?;
        assert_eq!(
            authors(&federation, DE, case_id).await?,
            [(request.message_id.clone(), TM.to_owned())]
        );
    }
    // tm's own node will not open a case under a name that is not tm's.
    let refused = federation
        .operator(TM)
        .await?
        .submit_request(SubmitRequestRequest {
            recipient: DE.into(),
            request: Some(sample_request()),
            case_id: "uz-1".into(),
            submitted_by: "A. Nurov".into(),
            copies_to: Vec::new(),
        })
        .await
        .expect_err("not tm's case id");
    assert_eq!(
        refused.code(),
        Code::InvalidArgument,
        "{}",
        refused.message()
    );

    federation.stop_all().await?;
    assert_eq!(logged_rejections(&federation, DE)?, ["unbound-case-id"]);
    Ok(())
}

#[tokio::test]
async fn a_copied_party_cannot_withdraw_another_partys_request_by_taking_its_id()
-> anyhow::Result<()> {
    let mut federation = Federation::start(&[TM, DE, UZ]).await?;
    federation.stop_node(DE).await?;
    let request = open_case(&federation, DE, "", &[UZ]).await?;
    let case_id = request.case_id.clone();
    received(&federation, UZ, &request.message_id, TM).await?;
    federation.stop_node(TM).await?;
    federation.start_node(DE).await?;

    // uz files a request of its own under tm's id in the shared case, then withdraws "it".
    let uz = Squatter { id: UZ };
    let squat = uz.request_under(&federation, DE, &request.message_id, &case_id, &[TM]);
    let refused = uz
        .deliver(&federation, DE, &squat)
        .await
        .expect_err("a squatted id");
    assert_eq!(reason_of(&refused), "unbound-message-id");
    let withdrawal = uz.update_on(
        &federation,
        DE,
        &request.message_id,
        RequestStatus::Withdrawn,
        &case_id,
        &[TM],
    );
    federation.start_node(TM).await?;
    received(&federation, DE, &request.message_id, TM).await?;
    // The request de holds is tm's, and uz, a copy, is no side of it.
    let refused = uz
        .deliver(&federation, DE, &withdrawal)
        .await
        .expect_err("not uz's request");
    assert_eq!(
        refused.code(),
        Code::InvalidArgument,
        "{}",
        refused.message()
    );
    assert_eq!(reason_of(&refused), "malformed");
    let held = federation.message(DE, &request.message_id).await?;
    assert_eq!(held.sender, TM);
    assert_eq!(held.request_state, RequestState::Delivered as i32);
    Ok(())
}

#[tokio::test]
async fn a_node_whose_id_begins_another_nodes_cannot_take_its_case_ids() -> anyhow::Result<()> {
    const DE_GBA: &str = "de-gba";
    let federation = Federation::start(&[DE, DE_GBA, UZ]).await?;
    // de-gba's prosecutors will name a case "de-gba-7"; de, whose id begins "de-gba", opens it
    // with uz first.
    let taken = "de-gba-7";
    let de = Squatter { id: DE };
    let squat = de.request_under(&federation, UZ, &federation.message_id(DE), taken, &[]);
    let refused = de
        .deliver(&federation, UZ, &squat)
        .await
        .expect_err("de-gba's");
    assert_eq!(
        refused.code(),
        Code::FailedPrecondition,
        "{}",
        refused.message()
    );
    assert_eq!(reason_of(&refused), "unbound-case-id");
    // de's own node would not have signed it.
    let refused = federation
        .operator(DE)
        .await?
        .submit_request(SubmitRequestRequest {
            recipient: UZ.into(),
            request: Some(sample_request()),
            case_id: taken.into(),
            submitted_by: "K. Weber".into(),
            copies_to: Vec::new(),
        })
        .await
        .expect_err("not de's case id");
    assert_eq!(
        refused.code(),
        Code::InvalidArgument,
        "{}",
        refused.message()
    );

    // de-gba opens it with uz.
    let request = federation
        .operator(DE_GBA)
        .await?
        .submit_request(SubmitRequestRequest {
            recipient: UZ.into(),
            request: Some(sample_request()),
            case_id: taken.into(),
            submitted_by: "L. Braun".into(),
            copies_to: Vec::new(),
        })
        .await?
        .into_inner()
        .message
        .expect("record");
    received(&federation, UZ, &request.message_id, DE_GBA).await?;
    Ok(())
}
