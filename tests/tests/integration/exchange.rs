//! A request travels from one node to another, is verified, receipted and logged on both sides.

use prost::Message;
use rogatory_proto::signing;
use rogatory_proto::v1::{
    DeliverRequest, DeliveryState, Direction, EntryKind, Receipt, RequestStatus, StatusUpdate,
    SubmitStatusUpdateRequest,
};
use rogatory_tests::Federation;

#[tokio::test]
async fn request_is_delivered_receipted_and_logged_on_both_sides() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let submitted = federation.submit_sample_request("tm", "de").await?;
    assert_eq!(
        submitted.state,
        DeliveryState::Delivered as i32,
        "{}",
        submitted.last_error
    );

    // The receipt is signed by de, names the exact bytes sent, and points into de's log.
    let signed_receipt = submitted.receipt.clone().expect("receipt");
    let de_key = federation.node("de")?.signing_key()?.public();
    let receipt = signing::open_receipt(&de_key, &signed_receipt)?;
    let envelope = submitted.envelope.clone().expect("envelope");
    assert_eq!(receipt.message_id, submitted.message_id);
    assert_eq!(receipt.receiver, "de");
    assert_eq!(
        receipt.envelope_sha256,
        signing::sha256(&envelope.payload).to_vec()
    );

    // de holds the identical bytes in its inbox.
    let inbox = federation.messages("de", Direction::Inbox).await?;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].envelope.as_ref(), Some(&envelope));
    assert_eq!(inbox[0].receipt.as_ref(), Some(&signed_receipt));

    // Both logs record it and verify; de's log entry named by the receipt is the message.
    let de_store_entry = inbox[0].log_index;
    assert_eq!(receipt.log_index, de_store_entry);
    for id in ["tm", "de"] {
        let verdict = federation.verify_log(id).await?;
        assert!(verdict.ok, "{id}: {}", verdict.failure);
    }
    let tm_log = federation.verify_log("tm").await?;
    // tm: started, message sent, receipt obtained.
    assert_eq!(tm_log.entries, 3);
    let de_log = federation.verify_log("de").await?;
    // de: started, message received, receipt issued.
    assert_eq!(de_log.entries, 3);

    // The status update goes back to tm in the same case, automatically addressed.
    let update = federation
        .operator("de")
        .await?
        .submit_status_update(SubmitStatusUpdateRequest {
            refers_to: submitted.message_id.clone(),
            update: Some(StatusUpdate {
                status: RequestStatus::Acknowledged as i32,
                note: "Received; assigned to the Hamburg public prosecutor.".into(),
                ..Default::default()
            }),
            submitted_by: "Prosecutor B.".into(),
        })
        .await?
        .into_inner()
        .message
        .expect("record");
    assert_eq!(
        update.state,
        DeliveryState::Delivered as i32,
        "{}",
        update.last_error
    );
    assert_eq!(update.recipient, "tm");
    assert_eq!(update.case_id, submitted.case_id);
    let tm_inbox = federation.messages("tm", Direction::Inbox).await?;
    assert_eq!(tm_inbox.len(), 1);
    assert_eq!(tm_inbox[0].message_id, update.message_id);
    federation.stop_all().await
}

#[tokio::test]
async fn the_same_message_twice_is_stored_once_with_the_same_receipt() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let envelope = federation.request_envelope("tm", "de");
    let signed = federation.sign_as("tm", &envelope)?;
    let signed_payload = signed.payload.clone();
    let mut client = federation.connect_as("tm", "de").await?;
    let first = client
        .deliver(DeliverRequest {
            envelope: Some(signed.clone()),
            ..Default::default()
        })
        .await?
        .into_inner()
        .receipt
        .expect("receipt");
    let log_after_first = federation.log_size("de").await?;
    let second = client
        .deliver(DeliverRequest {
            envelope: Some(signed),
            ..Default::default()
        })
        .await?
        .into_inner()
        .receipt
        .expect("receipt");
    assert_eq!(
        first, second,
        "a repeat gets the original receipt, byte for byte"
    );
    assert_eq!(
        federation.log_size("de").await?,
        log_after_first,
        "nothing new logged"
    );
    assert_eq!(federation.messages("de", Direction::Inbox).await?.len(), 1);

    let verdict = federation.verify_log("de").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    federation.stop_all().await?;

    // The log entry the receipt names is the received message, with the exact signed bytes.
    let receipt = Receipt::decode(first.payload.as_slice())?;
    let store = rogatory_tests::open_stopped_store(&federation.node("de")?.store_dir())?;
    let entry = store.log_entry(receipt.log_index)?.expect("entry exists");
    assert_eq!(entry.kind, EntryKind::MessageReceived as i32);
    assert_eq!(entry.message_id, envelope.message_id);
    assert_eq!(entry.signed_payload, signed_payload);
    Ok(())
}
