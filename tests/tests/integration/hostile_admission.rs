//! Admission under attack: a caller outside the peer table, or a peer, floods a node with
//! refused deliveries (the log must grow by a bounded number of entries, without an fsync per
//! call), and a peer floods a node with batches (another peer must keep its share).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;
use rogatory_node::node::admission::RECORDED_PER_WINDOW;
use rogatory_proto::signing::sha256;
use rogatory_proto::v1::{DeliverBatchRequest, DeliverRequest, EntryKind, SignedEnvelope};
use rogatory_tests::hostile::admission::{
    aggregated_count, entries_from, federation_with_a_stranger_to_de, flood_batches, flood_deliver,
    signed_requests, store_commits,
};
use rogatory_tests::reason_of;
use tonic::Code;

/// The `REJECTION` entries among `entries` whose detail starts with `reason`, split into the
/// ones logged one by one and the aggregated ones.
fn rejections<'a>(
    entries: &'a [rogatory_proto::v1::LogEntry],
    peer: &str,
    reason: &str,
) -> (Vec<&'a str>, Vec<u64>) {
    let mut single = Vec::new();
    let mut aggregated = Vec::new();
    for entry in entries {
        if entry.kind != EntryKind::Rejection as i32
            || entry.peer != peer
            || !entry.detail.starts_with(&format!("{reason}: "))
        {
            continue;
        }
        match aggregated_count(&entry.detail) {
            Some(count) => aggregated.push(count),
            None => single.push(entry.detail.as_str()),
        }
    }
    (single, aggregated)
}

#[tokio::test]
async fn a_stranger_flooding_deliveries_grows_the_log_a_bounded_amount_without_an_fsync_per_call()
-> Result<()> {
    const SINGLE: usize = 200;
    const BATCHES: usize = 8;
    let mut federation = federation_with_a_stranger_to_de(256).await?;
    let log_before = federation.log_size("de").await?;
    let commits_before = store_commits(&federation, "de").await?;

    let envelopes = signed_requests(&federation, "kg", "de", "kg", SINGLE)?;
    let refused = flood_deliver(&federation, "kg", "de", envelopes, 8).await?;
    assert!(refused.iter().all(|status| {
        status.code() == Code::PermissionDenied && reason_of(status) == "unknown-peer"
    }));
    let grown = federation.log_size("de").await? - log_before;
    let commits = store_commits(&federation, "de").await? - commits_before;
    // The first few of a window logged one by one (two windows if the machine is slow); the
    // rest counted. A few commits are the node's own checkpoints.
    let bound = 2 * u64::from(RECORDED_PER_WINDOW) + 1;
    assert!(grown <= bound, "the log grew by {grown} entries");
    assert!(commits <= 40.0, "{commits} commits for {SINGLE} calls");

    // A batch from a stranger is refused whole: no envelope in it is read.
    let mut client = federation.connect_as("kg", "de").await?;
    for _ in 0..BATCHES {
        let status = client
            .deliver_batch(DeliverBatchRequest {
                envelopes: signed_requests(&federation, "kg", "de", "kg", 64)?,
                known_checkpoint_size: 0,
            })
            .await
            .expect_err("a stranger's batch is refused");
        assert_eq!(
            status.code(),
            Code::PermissionDenied,
            "{}",
            status.message()
        );
        assert_eq!(reason_of(&status), "unknown-peer");
    }
    let grown = federation.log_size("de").await? - log_before;
    assert!(grown <= bound, "the log grew by {grown} entries");
    // Stopping writes the window's aggregate: every refused call is accounted for. A stranger's
    // call is refused before its body is read, so a batch counts as one refused message.
    federation.stop_node("de").await?;
    let entries = entries_from(&federation, "de", log_before)?;
    let (single, aggregated) = rejections(&entries, "kg", "unknown-peer");
    let accounted = single.len() as u64 + aggregated.iter().sum::<u64>();
    assert_eq!(accounted, (SINGLE + BATCHES) as u64, "{aggregated:?}");
    assert!(!aggregated.is_empty());
    federation.start_node("de").await?;
    let verdict = federation.verify_log("de").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    federation.stop_all().await
}

#[tokio::test]
async fn a_peer_repeating_forged_envelopes_grows_the_log_a_bounded_amount_and_keeps_the_first()
-> Result<()> {
    const FORGED: usize = 60;
    let mut federation = rogatory_tests::Federation::start(&["tm", "de"]).await?;
    let log_before = federation.log_size("de").await?;
    // From tm, signed with de's key: each a bad signature, each a different payload.
    let forged = signed_requests(&federation, "tm", "de", "de", FORGED)?;
    // Undecodable payloads, each different.
    let garbage: Vec<SignedEnvelope> = (0..FORGED)
        .map(|i| SignedEnvelope {
            payload: format!("garbage {i}").into_bytes(),
            signature: vec![0; 64],
        })
        .collect();
    let mut client = federation.connect_as("tm", "de").await?;
    // One at a time, so that the first ones logged are the first ones sent.
    for envelope in forged.iter().chain(&garbage) {
        let status = client
            .deliver(DeliverRequest {
                envelope: Some(envelope.clone()),
                ..Default::default()
            })
            .await
            .expect_err("refused");
        assert!(
            ["bad-signature", "malformed"].contains(&reason_of(&status).as_str()),
            "{status}"
        );
    }
    let grown = federation.log_size("de").await? - log_before;
    let bound = 2 * (2 * u64::from(RECORDED_PER_WINDOW) + 1);
    assert!(grown <= bound, "the log grew by {grown} entries");

    federation.stop_node("de").await?;
    let entries = entries_from(&federation, "de", log_before)?;
    for (reason, sent) in [("bad-signature", &forged), ("malformed", &garbage)] {
        let (single, aggregated) = rejections(&entries, "tm", reason);
        // The evidence of the first forgeries is kept, each with its payload's hash.
        assert!(single.len() >= RECORDED_PER_WINDOW as usize, "{single:?}");
        for (detail, envelope) in single.iter().zip(sent.iter()) {
            let hash = hex::encode(sha256(&envelope.payload));
            assert!(
                detail.ends_with(&format!("payload sha256 {hash}")),
                "{detail}"
            );
        }
        let accounted = single.len() as u64 + aggregated.iter().sum::<u64>();
        assert_eq!(accounted, FORGED as u64, "{reason}: {aggregated:?}");
    }
    federation.start_node("de").await?;
    let verdict = federation.verify_log("de").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    federation.stop_all().await
}

#[tokio::test]
async fn a_peer_flooding_with_batches_leaves_another_peer_its_share() -> Result<()> {
    const DELIVERIES: usize = 20;
    let _disk = rogatory_tests::disk_heavy().await;
    // Eight permits for de's two peers: tm may hold six at most, fr always finds two.
    let mut federation = federation_with_a_stranger_to_de(8).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let tm = federation.connect_as("tm", "de").await?;
    let (mut flood, stats) = flood_batches(&federation, tm, "tm", "de", 12, Arc::clone(&stop))?;
    federation
        .eventually("tm's flood to hold de's permits", || async {
            Ok((stats.batches_busy.load(Ordering::SeqCst) > 0).then_some(()))
        })
        .await?;

    let mut fr = federation.connect_as("fr", "de").await?;
    for envelope in signed_requests(&federation, "fr", "de", "fr", DELIVERIES)? {
        let answer = tokio::time::timeout(
            Duration::from_secs(10),
            fr.deliver(DeliverRequest {
                envelope: Some(envelope),
                ..Default::default()
            }),
        )
        .await
        .expect("fr's delivery is answered in time");
        let receipt =
            answer.map_err(|status| anyhow::anyhow!("fr refused while tm floods: {status}"))?;
        assert!(receipt.into_inner().receipt.is_some());
    }
    stop.store(true, Ordering::SeqCst);
    while let Some(done) = flood.join_next().await {
        done??;
    }
    assert!(
        stats.batches_accepted.load(Ordering::SeqCst) > 0,
        "tm's flood got through too"
    );
    federation.stop_all().await
}
