//! The request lifecycle across two real nodes (docs/PROTOCOL.md section 3.4): each legal step
//! is accepted and both nodes then hold the same state; each illegal one is refused by the
//! sender's own node before it signs anything and, forged and delivered directly, by the
//! receiving node (`invalid-transition`), leaving the state unchanged on both; transitions that
//! cross in transit end in the same state on both nodes.

use rogatory_proto::v1::{
    DeliverRequest, DeliveryState, Direction, MessageRecord, RefusalGround, RequestState,
    RequestStatus, SignedEnvelope, StatusUpdate, SubmitStatusUpdateRequest, envelope,
};
use rogatory_tests::{Federation, reason_of};
use tonic::Code;

/// The requesting node and the requested node.
const TM: &str = "tm";
const DE: &str = "de";

fn other(node: &str) -> &'static str {
    if node == TM { DE } else { TM }
}

/// A well-formed update: a refusal names a ground and gives reasons.
fn update(status: RequestStatus) -> StatusUpdate {
    let refusal = status == RequestStatus::Refused;
    StatusUpdate {
        status: status as i32,
        ground: if refusal {
            RefusalGround::ProhibitedByDomesticLaw as i32
        } else {
            0
        },
        note: if refusal {
            "The measure sought is not available under domestic law for this offence.".into()
        } else {
            String::new()
        },
        ..Default::default()
    }
}

/// tm sends a new request (a case of its own) to de; returns tm's record once de holds it.
async fn open_request(federation: &Federation) -> anyhow::Result<MessageRecord> {
    let record = federation.submit_sample_request(TM, DE).await?;
    agreed(federation, &record.message_id, RequestState::Delivered).await?;
    Ok(record)
}

/// `node`'s contact point sends `update` on request `request_id` through the operator API.
async fn send(
    federation: &Federation,
    node: &str,
    request_id: &str,
    update: StatusUpdate,
) -> anyhow::Result<Result<MessageRecord, tonic::Status>> {
    let answer = federation
        .operator(node)
        .await?
        .submit_status_update(SubmitStatusUpdateRequest {
            refers_to: request_id.into(),
            update: Some(update),
            submitted_by: format!("contact point of {node}"),
        })
        .await;
    Ok(answer.map(|r| r.into_inner().message.expect("record")))
}

/// Sends a legal update and waits until it is delivered; returns the sender's record.
async fn step(
    federation: &Federation,
    node: &str,
    request_id: &str,
    status: RequestStatus,
) -> anyhow::Result<MessageRecord> {
    let record = send(federation, node, request_id, update(status))
        .await?
        .map_err(|s| anyhow::anyhow!("{node} {status:?}: {}", s.message()))?;
    assert_eq!(
        record.state,
        DeliveryState::Delivered as i32,
        "{}",
        record.last_error
    );
    Ok(record)
}

/// Waits until both nodes hold request `request_id` in `state`, with the same thread and head;
/// returns the head.
async fn agreed(
    federation: &Federation,
    request_id: &str,
    state: RequestState,
) -> anyhow::Result<String> {
    federation
        .eventually(&format!("both nodes at {state:?}"), || async {
            let requesting = federation.message(TM, request_id).await?;
            let requested = federation.message(DE, request_id).await?;
            let sorted = |record: &MessageRecord| {
                let mut thread = record.thread.clone();
                thread.sort();
                thread
            };
            let agree = requesting.request_state == state as i32
                && requested.request_state == state as i32
                && requesting.thread_head == requested.thread_head
                && sorted(&requesting) == sorted(&requested);
            Ok(agree.then(|| requesting.thread_head.clone()))
        })
        .await
}

/// A status update from `from` on `request`, following `previous`, signed with `from`'s key:
/// what the sender's own node would never have signed.
fn forge(
    federation: &Federation,
    from: &str,
    request: &MessageRecord,
    mut body: StatusUpdate,
    previous: &str,
) -> anyhow::Result<(String, SignedEnvelope)> {
    let mut envelope = federation.request_envelope(from, other(from));
    envelope.case_id = request.case_id.clone();
    body.refers_to = request.message_id.clone();
    body.previous = previous.to_owned();
    body.author = "forger".into();
    envelope.body = Some(envelope::Body::StatusUpdate(body));
    Ok((
        envelope.message_id.clone(),
        federation.sign_as(from, &envelope)?,
    ))
}

async fn deliver_directly(
    federation: &Federation,
    from: &str,
    signed: SignedEnvelope,
) -> anyhow::Result<Result<(), tonic::Status>> {
    let mut client = federation.connect_as(from, other(from)).await?;
    Ok(client
        .deliver(DeliverRequest {
            envelope: Some(signed),
            ..Default::default()
        })
        .await
        .map(|_| ()))
}

#[tokio::test]
async fn a_request_walks_its_lifecycle_and_both_nodes_agree_at_every_step() -> anyhow::Result<()> {
    use RequestState as St;
    use RequestStatus as S;
    let mut federation = Federation::start(&[TM, DE]).await?;
    let request = open_request(&federation).await?;
    let id = request.message_id.as_str();
    let path = [
        (DE, S::Acknowledged, St::Acknowledged),
        (DE, S::UnderReview, St::UnderReview),
        (
            DE,
            S::AdditionalInformationRequested,
            St::AdditionalInformationRequested,
        ),
        (TM, S::Supplemented, St::Supplemented),
        (DE, S::Accepted, St::Accepted),
        (DE, S::InExecution, St::InExecution),
        (DE, S::Executed, St::Executed),
        (TM, S::Closed, St::Closed),
    ];
    let mut previous = String::new();
    for (node, status, state) in path {
        let sent = step(&federation, node, id, status).await?;
        assert_eq!(sent.request_state, state as i32, "{status:?}");
        let head = agreed(&federation, id, state).await?;
        assert_eq!(head, sent.message_id, "{status:?}");
        // Each update names the one before it: the thread is a single line.
        let received = federation.message(other(node), &sent.message_id).await?;
        let signed = received.envelope.expect("envelope");
        let decoded = rogatory_proto::signing::decode_envelope(&signed.payload)?;
        let Some(envelope::Body::StatusUpdate(body)) = decoded.body else {
            panic!("not a status update");
        };
        assert_eq!(body.previous, previous, "{status:?}");
        assert!(!received.superseded);
        assert_eq!(received.request_state, state as i32);
        previous = sent.message_id;
    }
    for node in [TM, DE] {
        let record = federation.message(node, id).await?;
        assert_eq!(record.thread.len(), path.len(), "{node}");
        let verdict = federation.verify_log(node).await?;
        assert!(verdict.ok, "{node}: {}", verdict.failure);
    }
    federation.stop_all().await
}

/// An illegal transition: the legal steps that bring a request to where it is tried, who tries
/// it, and what both refusals must say.
struct Illegal {
    reach: &'static [(&'static str, RequestStatus)],
    state: RequestState,
    by: &'static str,
    update: fn() -> StatusUpdate,
    says: &'static str,
}

#[tokio::test]
async fn each_illegal_transition_is_refused_by_the_sender_and_by_the_receiver() -> anyhow::Result<()>
{
    use RequestState as St;
    use RequestStatus as S;
    const ACK: (&str, RequestStatus) = (DE, S::Acknowledged);
    const REVIEW: (&str, RequestStatus) = (DE, S::UnderReview);
    const EXECUTED: &[(&str, RequestStatus)] = &[
        ACK,
        (DE, S::Accepted),
        (DE, S::InExecution),
        (DE, S::Executed),
    ];
    let cases = [
        Illegal {
            reach: &[],
            state: St::Delivered,
            by: TM,
            update: || update(S::Accepted),
            says: "only the requested side may report accepted",
        },
        Illegal {
            reach: &[],
            state: St::Delivered,
            by: DE,
            update: || update(S::Accepted),
            says: "accepted cannot follow delivered: from delivered the requested side may send: \
                   acknowledged",
        },
        Illegal {
            reach: &[ACK],
            state: St::Acknowledged,
            by: DE,
            update: || update(S::Acknowledged),
            says: "acknowledged cannot follow acknowledged",
        },
        Illegal {
            reach: &[ACK],
            state: St::Acknowledged,
            by: TM,
            update: || update(S::Supplemented),
            says: "supplemented cannot follow acknowledged: from acknowledged the requesting side \
                   may send: withdrawn",
        },
        Illegal {
            reach: &[ACK, REVIEW],
            state: St::UnderReview,
            by: DE,
            update: || StatusUpdate {
                ground: 0,
                ..update(S::Refused)
            },
            says: "a refusal must name its ground",
        },
        Illegal {
            reach: &[ACK, REVIEW],
            state: St::UnderReview,
            by: DE,
            update: || StatusUpdate {
                note: String::new(),
                ..update(S::Refused)
            },
            says: "a refusal must give its reasons",
        },
        Illegal {
            reach: &[ACK, REVIEW],
            state: St::UnderReview,
            by: DE,
            update: || StatusUpdate {
                ground: RefusalGround::NotInConformity as i32,
                ..update(S::Accepted)
            },
            says: "only a refusal names a ground",
        },
        Illegal {
            reach: &[ACK, (DE, S::AdditionalInformationRequested)],
            state: St::AdditionalInformationRequested,
            by: DE,
            update: || update(S::Supplemented),
            says: "only the requesting side may report supplemented",
        },
        Illegal {
            reach: &[ACK, (DE, S::Accepted)],
            state: St::Accepted,
            by: DE,
            update: || update(S::Executed),
            says: "executed cannot follow accepted",
        },
        Illegal {
            reach: EXECUTED,
            state: St::Executed,
            by: TM,
            update: || update(S::Withdrawn),
            says: "withdrawn cannot follow executed: from executed the requesting side may send: \
                   closed",
        },
        Illegal {
            reach: EXECUTED,
            state: St::Executed,
            by: DE,
            update: || update(S::Closed),
            says: "only the requesting side may report closed",
        },
        Illegal {
            reach: &[ACK, (DE, S::Refused)],
            state: St::Refused,
            by: DE,
            update: || update(S::UnderReview),
            says: "the request is refused, which is final",
        },
        Illegal {
            reach: &[(TM, S::Withdrawn)],
            state: St::Withdrawn,
            by: TM,
            update: || update(S::Supplemented),
            says: "the request is withdrawn, which is final",
        },
        Illegal {
            reach: &[
                ACK,
                (DE, S::Accepted),
                (DE, S::InExecution),
                (DE, S::Executed),
                (TM, S::Closed),
            ],
            state: St::Closed,
            by: TM,
            update: || update(S::Withdrawn),
            says: "the request is closed, which is final",
        },
    ];

    let mut federation = Federation::start(&[TM, DE]).await?;
    for (n, case) in cases.iter().enumerate() {
        let label = format!("case {n}: {}", case.says);
        let request = open_request(&federation).await?;
        let id = request.message_id.as_str();
        for (node, status) in case.reach {
            step(&federation, node, id, *status).await?;
        }
        let head = agreed(&federation, id, case.state).await?;
        let sender = case.by;
        let receiver = other(sender);

        // The sender's own node refuses before signing: nothing stored, nothing sent.
        let outbox_before = federation.messages(sender, Direction::Outbox).await?.len();
        let log_before = federation.log_size(sender).await?;
        let refused = send(&federation, sender, id, (case.update)())
            .await?
            .expect_err(&label);
        assert_eq!(refused.code(), Code::FailedPrecondition, "{label}");
        assert!(
            refused.message().contains(case.says),
            "{label}: {refused:?}"
        );
        assert_eq!(
            federation.messages(sender, Direction::Outbox).await?.len(),
            outbox_before,
            "{label}"
        );
        assert_eq!(federation.log_size(sender).await?, log_before, "{label}");

        // Forged with the sender's real key and delivered straight to the receiver, it is
        // refused there too, logged as a rejection, and not stored.
        let log_before = federation.log_size(receiver).await?;
        let (forged_id, forged) = forge(&federation, sender, &request, (case.update)(), &head)?;
        let status = deliver_directly(&federation, sender, forged)
            .await?
            .expect_err(&label);
        assert_eq!(status.code(), Code::FailedPrecondition, "{label}");
        assert_eq!(reason_of(&status), "invalid-transition", "{label}");
        assert!(status.message().contains(case.says), "{label}: {status:?}");
        assert_eq!(
            federation.log_size(receiver).await?,
            log_before + 1,
            "{label}"
        );
        let lookup = federation.message(receiver, &forged_id).await;
        assert!(lookup.is_err(), "{label}: the forged update was stored");

        // The state is unchanged on both nodes.
        assert_eq!(agreed(&federation, id, case.state).await?, head, "{label}");
    }

    // Forgeries about the thread rather than the transition, on a request under review.
    let request = open_request(&federation).await?;
    let id = request.message_id.as_str();
    let ack = step(&federation, DE, id, S::Acknowledged).await?;
    step(&federation, DE, id, S::UnderReview).await?;
    let head = agreed(&federation, id, St::UnderReview).await?;

    // de cannot claim it decided without knowing its own "under review".
    let (_, forged) = forge(
        &federation,
        DE,
        &request,
        update(S::Accepted),
        &ack.message_id,
    )?;
    let status = deliver_directly(&federation, DE, forged)
        .await?
        .expect_err("ignores its own transition");
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(reason_of(&status), "invalid-transition");
    assert!(
        status
            .message()
            .contains("cannot have missed its own transition"),
        "{status:?}"
    );

    // An update following one that has not arrived is held back (transient, not logged).
    let log_before = federation.log_size(TM).await?;
    let unknown = federation.request_envelope(DE, TM).message_id;
    let (_, forged) = forge(&federation, DE, &request, update(S::Accepted), &unknown)?;
    let status = deliver_directly(&federation, DE, forged)
        .await?
        .expect_err("follows an unknown update");
    assert_eq!(status.code(), Code::Aborted);
    assert_eq!(reason_of(&status), "out-of-order");
    assert_eq!(federation.log_size(TM).await?, log_before);

    // A status update concerns a request, not another status update.
    let mut on_update = request.clone();
    on_update.message_id = ack.message_id.clone();
    let (_, forged) = forge(&federation, TM, &on_update, update(S::Withdrawn), "")?;
    let status = deliver_directly(&federation, TM, forged)
        .await?
        .expect_err("refers to an update");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(reason_of(&status), "malformed");
    let refused = send(&federation, TM, &ack.message_id, update(S::Withdrawn))
        .await?
        .expect_err("refers to an update");
    assert_eq!(refused.code(), Code::InvalidArgument);

    assert_eq!(agreed(&federation, id, St::UnderReview).await?, head);
    for node in [TM, DE] {
        let verdict = federation.verify_log(node).await?;
        assert!(verdict.ok, "{node}: {}", verdict.failure);
    }
    federation.stop_all().await
}

#[tokio::test]
async fn a_withdrawal_crossing_a_refusal_ends_withdrawn_on_both_nodes() -> anyhow::Result<()> {
    use RequestState as St;
    use RequestStatus as S;
    let mut federation = Federation::start(&[TM, DE]).await?;
    let request = open_request(&federation).await?;
    let id = request.message_id.as_str();
    step(&federation, DE, id, S::Acknowledged).await?;
    step(&federation, DE, id, S::UnderReview).await?;
    agreed(&federation, id, St::UnderReview).await?;

    // Each side decides without hearing of the other's decision: de refuses while tm is down,
    // tm withdraws while de is down.
    federation.stop_node(TM).await?;
    let refusal = send(&federation, DE, id, update(S::Refused))
        .await?
        .map_err(|s| anyhow::anyhow!("{}", s.message()))?;
    assert_ne!(refusal.state, DeliveryState::Delivered as i32);
    assert_eq!(refusal.request_state, St::Refused as i32);
    federation.stop_node(DE).await?;
    federation.start_node(TM).await?;
    let withdrawal = send(&federation, TM, id, update(S::Withdrawn))
        .await?
        .map_err(|s| anyhow::anyhow!("{}", s.message()))?;
    assert_eq!(withdrawal.request_state, St::Withdrawn as i32);
    federation.start_node(DE).await?;

    // Whichever arrives first, both nodes end withdrawn, and the refusal is kept, superseded.
    let head = agreed(&federation, id, St::Withdrawn).await?;
    assert_eq!(head, withdrawal.message_id);
    for node in [TM, DE] {
        let refusal = federation
            .eventually("the refusal delivered", || async {
                let record = federation.message(node, &refusal.message_id).await?;
                let delivered = record.direction == Direction::Inbox as i32
                    || record.state == DeliveryState::Delivered as i32;
                Ok(delivered.then_some(record))
            })
            .await?;
        assert!(refusal.superseded, "{node}");
        let withdrawal = federation.message(node, &withdrawal.message_id).await?;
        assert!(!withdrawal.superseded, "{node}");
    }
    federation.stop_all().await
}
