//! `DeliverBatch` (docs/PROTOCOL.md section 5.8): each envelope of a batch is checked, stored
//! and answered exactly as `Deliver` would answer it alone, and a batch the protocol does not
//! allow changes nothing.

use rogatory_proto::signing;
use rogatory_proto::v1::{
    DeliverBatchRequest, DeliverRequest, Direction, EntryKind, SignedEnvelope,
};
use rogatory_tests::{Federation, reason_of};
use tonic::Code;

#[tokio::test]
async fn each_envelope_of_a_batch_is_answered_as_deliver_would() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "uz", "de"]).await?;
    let mut client = federation.connect_as("tm", "de").await?;
    let de_key = federation.node("de")?.signing_key()?.public();

    // A message de already holds: the batch must answer with its original receipt.
    let mut repeat = federation.request_envelope("tm", "de");
    repeat.case_id = "tm-batch-repeat".into();
    let repeat = federation.sign_as("tm", &repeat)?;
    let original = client
        .deliver(DeliverRequest {
            envelope: Some(repeat.clone()),
            ..Default::default()
        })
        .await?
        .into_inner()
        .receipt
        .expect("receipt");
    // Signed by uz's key while claiming to come from tm.
    let mut forged = federation.request_envelope("tm", "de");
    forged.case_id = "tm-batch-forged".into();
    let forged = federation.sign_as("uz", &forged)?;
    let mut fresh = federation.request_envelope("tm", "de");
    fresh.case_id = "tm-batch-fresh".into();
    let fresh_id = fresh.message_id.clone();
    let fresh = federation.sign_as("tm", &fresh)?;

    let log_before = federation.log_size("de").await?;
    let answer = client
        .deliver_batch(DeliverBatchRequest {
            envelopes: vec![repeat.clone(), forged, fresh.clone()],
            known_checkpoint_size: 0,
        })
        .await?
        .into_inner();
    assert_eq!(answer.results.len(), 3, "one result per envelope");

    assert_eq!(answer.results[0].receipt.as_ref(), Some(&original));
    assert_eq!(answer.results[0].code, 0);

    let refused = &answer.results[1];
    assert!(refused.receipt.is_none());
    assert_eq!(
        refused.code,
        Code::InvalidArgument as u32,
        "{}",
        refused.message
    );
    assert_eq!(refused.reason, "bad-signature");
    assert!(!refused.message.is_empty());

    let receipt = answer.results[2].receipt.as_ref().expect("fresh receipt");
    let opened = signing::open_receipt(&de_key, receipt)?;
    assert_eq!(opened.message_id, fresh_id);
    assert_eq!(
        opened.envelope_sha256,
        signing::sha256(&fresh.payload).to_vec()
    );

    // de holds the two genuine messages, once each, and logged exactly: the fresh message and
    // its receipt, and the forgery's rejection.
    let inbox = federation.messages("de", Direction::Inbox).await?;
    assert_eq!(inbox.len(), 2);
    assert!(inbox.iter().any(|m| m.envelope.as_ref() == Some(&fresh)));
    assert!(inbox.iter().any(|m| m.envelope.as_ref() == Some(&repeat)));
    assert_eq!(federation.log_size("de").await?, log_before + 3);
    let verdict = federation.verify_log("de").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    federation.stop_all().await?;
    let store = rogatory_tests::open_stopped_store(&federation.node("de")?.store_dir())?;
    let mut kinds = Vec::new();
    // The three entries counted above (stopping appended more).
    for index in log_before..log_before + 3 {
        kinds.push(store.log_entry(index)?.expect("entry").kind);
    }
    kinds.sort_unstable();
    let mut expected = vec![
        EntryKind::MessageReceived as i32,
        EntryKind::ReceiptIssued as i32,
        EntryKind::Rejection as i32,
    ];
    expected.sort_unstable();
    assert_eq!(kinds, expected);
    Ok(())
}

#[tokio::test]
async fn an_empty_or_oversized_batch_is_refused_whole() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let mut client = federation.connect_as("tm", "de").await?;
    let log_before = federation.log_size("de").await?;

    let status = client
        .deliver_batch(DeliverBatchRequest::default())
        .await
        .expect_err("an empty batch must be refused");
    assert_eq!(status.code(), Code::InvalidArgument, "{}", status.message());
    assert_eq!(reason_of(&status), "malformed");

    // 65 valid envelopes, one more than a batch may hold: none of them is taken.
    let envelopes = requests_from_tm(&federation, 65, "tm-batch")?;
    let status = client
        .deliver_batch(DeliverBatchRequest {
            envelopes,
            known_checkpoint_size: 0,
        })
        .await
        .expect_err("a batch of 65 must be refused");
    assert_eq!(status.code(), Code::InvalidArgument, "{}", status.message());
    assert_eq!(reason_of(&status), "malformed");
    assert!(status.message().contains("65"), "{}", status.message());

    nothing_taken_by_de(&federation, log_before).await?;
    federation.stop_all().await
}

#[tokio::test]
async fn a_batch_refused_whole_counts_each_of_its_messages_as_refused() -> anyhow::Result<()> {
    const MESSAGES: usize = 3;
    let mut federation = Federation::start_with(&["tm", "de"], |_, mut text| {
        text.push_str(rogatory_tests::METRICS_ON_LOOPBACK);
        text
    })
    .await?;
    // de restored from a backup, with tm down: it cannot confirm its log, so it refuses every
    // delivery (restoring) until it can.
    let backup_dir = federation.root.path().join("backup-de");
    federation.take_backup("de", &backup_dir).await?;
    federation.stop_node("tm").await?;
    federation.restore_backup("de", &backup_dir).await?;
    federation.start_node("de").await?;
    let log_before = federation.log_size("de").await?;

    let envelopes = requests_from_tm(&federation, MESSAGES, "tm-restoring")?;
    let status = federation
        .connect_as("tm", "de")
        .await?
        .deliver_batch(DeliverBatchRequest {
            envelopes,
            known_checkpoint_size: 0,
        })
        .await
        .expect_err("a restoring node takes no delivery");
    assert_eq!(status.code(), Code::Unavailable, "{}", status.message());
    assert_eq!(reason_of(&status), "restoring");

    let scraped = rogatory_tests::http_get(federation.metrics_address("de")?, "/metrics").await?;
    assert_eq!(
        scraped.value("rogatory_messages_rejected_total{peer=\"tm\",reason=\"restoring\"}"),
        Some(MESSAGES as f64),
        "{}",
        scraped.body
    );
    nothing_taken_by_de(&federation, log_before).await?;
    federation.stop_all().await
}

/// `count` requests from tm to de, signed by tm, each in a case of its own (`case_prefix-i`).
fn requests_from_tm(
    federation: &Federation,
    count: usize,
    case_prefix: &str,
) -> anyhow::Result<Vec<SignedEnvelope>> {
    (0..count)
        .map(|i| {
            let mut envelope = federation.request_envelope("tm", "de");
            envelope.case_id = format!("{case_prefix}-{i}");
            federation.sign_as("tm", &envelope)
        })
        .collect()
}

/// de stored no message and its log is still `log_before` entries long.
async fn nothing_taken_by_de(federation: &Federation, log_before: u64) -> anyhow::Result<()> {
    assert!(
        federation
            .messages("de", Direction::Inbox)
            .await?
            .is_empty()
    );
    assert_eq!(federation.log_size("de").await?, log_before);
    Ok(())
}
