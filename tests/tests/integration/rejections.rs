//! Every check on an incoming message, one test each: the status code, the reason, and that
//! nothing was stored (the only trace is a REJECTION entry in the receiver's log).

use rogatory_proto::v1::{DeliverRequest, Direction, SignedEnvelope};
use rogatory_tests::{Federation, reason_of};
use tonic::Code;

/// Delivers `signed` from `from` to `de` and checks the refusal and that de stored nothing.
async fn assert_refused(
    federation: &Federation,
    from: &str,
    signed: SignedEnvelope,
    code: Code,
    reason: &str,
) -> anyhow::Result<tonic::Status> {
    let log_before = federation.log_size("de").await?;
    let mut client = federation.connect_as(from, "de").await?;
    let status = client
        .deliver(DeliverRequest {
            envelope: Some(signed),
            ..Default::default()
        })
        .await
        .expect_err("the message must be refused");
    assert_eq!(status.code(), code, "{}", status.message());
    assert_eq!(reason_of(&status), reason, "{}", status.message());
    assert!(
        federation
            .messages("de", Direction::Inbox)
            .await?
            .is_empty()
    );
    // Exactly one new log entry: the rejection itself.
    assert_eq!(federation.log_size("de").await?, log_before + 1);
    let verdict = federation.verify_log("de").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    Ok(status)
}

#[tokio::test]
async fn unknown_peer_is_refused() -> anyhow::Result<()> {
    // kg holds a valid certificate from the federation CA but is not one of de's peers.
    let mut federation = Federation::start_with(&["tm", "de", "kg"], |id, text| {
        if id == "de" {
            // Drop kg from de's peer table (the [[peers]] block naming kg).
            text.split("\n[[peers]]")
                .filter(|block| !block.contains("node_id = \"kg\""))
                .collect::<Vec<_>>()
                .join("\n[[peers]]")
        } else {
            text
        }
    })
    .await?;
    let envelope = federation.request_envelope("kg", "de");
    let signed = federation.sign_as("kg", &envelope)?;
    let status = assert_refused(
        &federation,
        "kg",
        signed,
        Code::PermissionDenied,
        "unknown-peer",
    )
    .await?;
    assert!(status.message().contains("kg"), "{}", status.message());
    federation.stop_all().await
}

#[tokio::test]
async fn sender_other_than_the_tls_identity_is_refused() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "uz", "de"]).await?;
    // tm connects but forwards a message uz really signed: the signature is fine, the sender
    // is not the one on the connection.
    let envelope = federation.request_envelope("uz", "de");
    let signed = federation.sign_as("uz", &envelope)?;
    assert_refused(
        &federation,
        "tm",
        signed,
        Code::Unauthenticated,
        "sender-mismatch",
    )
    .await?;
    federation.stop_all().await
}

#[tokio::test]
async fn message_for_another_node_is_refused() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "uz", "de"]).await?;
    let envelope = federation.request_envelope("tm", "uz");
    let signed = federation.sign_as("tm", &envelope)?;
    assert_refused(
        &federation,
        "tm",
        signed,
        Code::FailedPrecondition,
        "wrong-recipient",
    )
    .await?;
    federation.stop_all().await
}

#[tokio::test]
async fn bad_signature_is_refused() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "uz", "de"]).await?;
    let envelope = federation.request_envelope("tm", "de");
    // Signed by uz's key while claiming to come from tm.
    let forged = federation.sign_as("uz", &envelope)?;
    assert_refused(
        &federation,
        "tm",
        forged,
        Code::InvalidArgument,
        "bad-signature",
    )
    .await?;
    // A genuine signature over bytes changed afterwards. The last encoded field is the
    // request's language ("en"); flipping its case keeps the protobuf valid.
    let mut tampered = federation.sign_as("tm", &envelope)?;
    let last = tampered.payload.len() - 1;
    assert_eq!(tampered.payload[last], b'n');
    tampered.payload[last] = b'N';
    assert_refused(
        &federation,
        "tm",
        tampered,
        Code::InvalidArgument,
        "bad-signature",
    )
    .await?;
    federation.stop_all().await
}

#[tokio::test]
async fn replay_with_different_content_is_refused() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let envelope = federation.request_envelope("tm", "de");
    let original = federation.sign_as("tm", &envelope)?;
    let mut client = federation.connect_as("tm", "de").await?;
    client
        .deliver(DeliverRequest {
            envelope: Some(original.clone()),
            ..Default::default()
        })
        .await?;
    let log_before = federation.log_size("de").await?;
    let mut altered = envelope.clone();
    altered.case_id = "tm-other-case".into();
    let altered = federation.sign_as("tm", &altered)?;
    let status = client
        .deliver(DeliverRequest {
            envelope: Some(altered),
            ..Default::default()
        })
        .await
        .expect_err("a different message under a used id must be refused");
    assert_eq!(status.code(), Code::AlreadyExists, "{}", status.message());
    assert_eq!(reason_of(&status), "replay-conflict");
    // The original is untouched.
    let inbox = federation.messages("de", Direction::Inbox).await?;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].envelope.as_ref(), Some(&original));
    assert_eq!(federation.log_size("de").await?, log_before + 1);
    federation.stop_all().await
}

#[tokio::test]
async fn oversized_message_is_refused() -> anyhow::Result<()> {
    let mut federation = Federation::start_with(&["tm", "de"], |id, text| {
        if id == "de" {
            text.replace("max_envelope_bytes = 1048576", "max_envelope_bytes = 4096")
        } else {
            text
        }
    })
    .await?;
    let mut envelope = federation.request_envelope("tm", "de");
    if let Some(rogatory_proto::v1::envelope::Body::MlaRequest(request)) = &mut envelope.body {
        request.summary_of_facts = "x".repeat(8 * 1024);
    }
    let signed = federation.sign_as("tm", &envelope)?;
    assert!(signed.payload.len() > 4096);
    assert_refused(
        &federation,
        "tm",
        signed,
        Code::ResourceExhausted,
        "too-large",
    )
    .await?;
    federation.stop_all().await
}

#[tokio::test]
async fn malformed_payload_is_refused() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let garbage = SignedEnvelope {
        payload: vec![0xff; 40],
        signature: vec![0; 64],
    };
    assert_refused(
        &federation,
        "tm",
        garbage,
        Code::InvalidArgument,
        "malformed",
    )
    .await?;
    // Well-formed protobuf with an invalid field (lowercase message id).
    let mut envelope = federation.request_envelope("tm", "de");
    envelope.message_id = envelope.message_id.to_lowercase();
    let signed = federation.sign_as("tm", &envelope)?;
    let status = assert_refused(
        &federation,
        "tm",
        signed,
        Code::InvalidArgument,
        "malformed",
    )
    .await?;
    assert!(
        status.message().contains("message_id"),
        "{}",
        status.message()
    );
    federation.stop_all().await
}

#[tokio::test]
async fn status_update_before_its_request_is_held_back_then_accepted() -> anyhow::Result<()> {
    use rogatory_proto::v1::{RequestStatus, StatusUpdate, envelope::Body};
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let request = federation.request_envelope("tm", "de");
    let mut update = federation.request_envelope("tm", "de");
    update.case_id = request.case_id.clone();
    update.body = Some(Body::StatusUpdate(StatusUpdate {
        refers_to: request.message_id.clone(),
        status: RequestStatus::Withdrawn as i32,
        ..Default::default()
    }));
    let request = federation.sign_as("tm", &request)?;
    let update = federation.sign_as("tm", &update)?;
    let mut client = federation.connect_as("tm", "de").await?;

    let log_before = federation.log_size("de").await?;
    let status = client
        .deliver(DeliverRequest {
            envelope: Some(update.clone()),
            ..Default::default()
        })
        .await
        .expect_err("an update cannot overtake its request");
    assert_eq!(status.code(), Code::Aborted, "{}", status.message());
    assert_eq!(reason_of(&status), "out-of-order");
    // Transient: nothing stored, nothing logged; the sender just retries.
    assert_eq!(federation.log_size("de").await?, log_before);
    assert!(
        federation
            .messages("de", Direction::Inbox)
            .await?
            .is_empty()
    );

    client
        .deliver(DeliverRequest {
            envelope: Some(request),
            ..Default::default()
        })
        .await?;
    client
        .deliver(DeliverRequest {
            envelope: Some(update),
            ..Default::default()
        })
        .await?;
    assert_eq!(federation.messages("de", Direction::Inbox).await?.len(), 2);
    federation.stop_all().await
}
