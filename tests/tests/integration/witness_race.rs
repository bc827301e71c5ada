//! A compromised peer against a node's view of time and of other logs: it races two histories
//! of its log at a witness (whatever the interleaving, the witness cosigns one history only and
//! keeps evidence of the other), asks a restored node to witness, and dates its messages where
//! it likes.

use std::collections::BTreeSet;

use anyhow::Result;
use rogatory_proto::checkpoint::Checkpoint;
use rogatory_proto::evidence::{Contradiction, Evidence};
use rogatory_proto::v1::{
    DeliverRequest, DeliverResponse, DeliveryState, Direction, EntryKind, HeldCheckpointRequest,
    SubmitRequestRequest, WitnessRequest,
};
use rogatory_tests::hostile::witness_race::{
    Fork, ForkedLog, ForkingReceiver, cosigned_checkpoint, race,
};
use rogatory_tests::{Federation, reason_of};
use tonic::Code;

/// Rounds of racing; each starts from the history the witness settled on in the last.
const ROUNDS: u64 = 6;
/// Sizes each fork grows by in a round; every size is shown in both histories.
const SIZES_PER_ROUND: u64 = 6;
/// How often each (fork, size) is sent in a round.
const REPEATS: usize = 3;

// Several workers, as in `rogatoryd`: the witness judges calls in parallel.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_peer_racing_two_forked_checkpoints_gets_no_second_cosignature() -> anyhow::Result<()> {
    // de is compromised: its operator holds its key and certificate and runs no honest node.
    let mut federation = Federation::create(&["tm", "de"])?;
    federation.start_node("tm").await?;
    let de_key = federation.node("de")?.signing_key()?;
    let tm_key = federation.node("tm")?.signing_key()?.public();
    let witness = federation.connect_as("de", "tm").await?;

    let mut log = ForkedLog::new("de", de_key.signing_key().clone());
    log.grow_together(3);
    let mut first = witness.clone();
    first.witness(log.witness_request(Fork::A, 3, 0)?).await?;

    let mut base = 3;
    for round in 0..ROUNDS {
        log.grow_apart(SIZES_PER_ROUND);
        let mut requests = Vec::new();
        let mut candidates = Vec::new();
        for size in base + 1..=base + SIZES_PER_ROUND {
            for fork in [Fork::A, Fork::B] {
                candidates.push(log.checkpoint(fork, size)?);
                for _ in 0..REPEATS {
                    requests.push(log.witness_request(fork, size, base)?);
                }
            }
        }
        let mut cosigned_forks = BTreeSet::new();
        for answer in race(&witness, requests).await.into_iter().flatten() {
            let cosigned = cosigned_checkpoint(&answer, &candidates, "tm", &tm_key)?;
            cosigned_forks.insert(format!("{:?}", log.fork_of(&cosigned)?));
        }
        assert!(
            cosigned_forks.len() <= 1,
            "round {round}: tm cosigned two histories of de's log: {cosigned_forks:?}"
        );

        // The next round forks again from what tm holds now.
        let held = witness
            .clone()
            .held_checkpoint(HeldCheckpointRequest {})
            .await?
            .into_inner()
            .checkpoint;
        let (held, _) = Checkpoint::open(&held, &de_key.public())?;
        let fork = log
            .fork_of(&held)?
            .expect("tm holds one of the two histories");
        assert!(held.size > base, "round {round}: tm adopted nothing");
        log.settle_on(fork, held.size)?;
        base = held.size;
    }

    let verdict = federation.verify_log("tm").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    federation.stop_all().await?;

    // Every round left evidence, whichever history won it, and an auditor with de's public
    // key alone can check each: two signed roots for one size.
    let store = rogatory_tests::open_stopped_store(&federation.node("tm")?.store_dir())?;
    let mut forks = 0;
    for index in 0..store.log_len()? {
        let Some(entry) = store.log_entry(index)? else {
            continue;
        };
        if entry.kind != EntryKind::PeerMisbehaviour as i32 {
            continue;
        }
        assert_eq!(entry.peer, "de");
        let evidence = Evidence::parse(std::str::from_utf8(&entry.signed_payload)?)?;
        assert_eq!(evidence.peer, "de");
        let contradiction = evidence.verify(&de_key.public())?;
        assert!(
            matches!(contradiction, Contradiction::Fork { .. }),
            "{contradiction:?}"
        );
        forks += 1;
    }
    assert_eq!(forks, ROUNDS, "one fork caught per round");
    Ok(())
}

#[tokio::test]
async fn a_restored_witness_cosigns_nothing_until_its_peers_confirm_its_log() -> anyhow::Result<()>
{
    let mut federation = Federation::start(&["tm", "de"]).await?;
    federation
        .eventually("tm holding a checkpoint of de's log", || async {
            let status = federation.peer_status("tm", "de").await?;
            Ok((status.witnessed_size > 0).then_some(()))
        })
        .await?;
    let backup_dir = federation.root.path().join("backup-tm");
    federation.take_backup("tm", &backup_dir).await?;
    // de is down to the honest world (its operator has its key): tm, restored, cannot confirm
    // its log with it and waits.
    federation.stop_node("de").await?;
    federation.restore_backup("tm", &backup_dir).await?;
    federation.start_node("tm").await?;

    // The restored store holds what tm held of de's log when the backup was taken, maybe less
    // than tm cosigned since: tm must not judge, let alone cosign, against it.
    let mut de = federation.connect_as("de", "tm").await?;
    let held = de
        .held_checkpoint(HeldCheckpointRequest {})
        .await?
        .into_inner()
        .checkpoint;
    let (held_checkpoint, _) =
        Checkpoint::open(&held, &federation.node("de")?.signing_key()?.public())?;
    let status = de
        .witness(WitnessRequest {
            checkpoint: held,
            old_size: held_checkpoint.size,
            consistency_proof: Vec::new(),
        })
        .await
        .expect_err("a restored node witnesses nothing before its peers confirm its log");
    assert_eq!(status.code(), Code::Unavailable, "{}", status.message());
    assert_eq!(reason_of(&status), "restoring");
    federation.stop_all().await
}

/// Delivers a request from de to tm created at `created_at_ms`, signed with de's real key.
async fn deliver_dated(
    federation: &Federation,
    created_at_ms: i64,
) -> Result<(String, Result<DeliverResponse, tonic::Status>)> {
    let mut envelope = federation.request_envelope("de", "tm");
    envelope.created_at_ms = created_at_ms;
    let signed = federation.sign_as("de", &envelope)?;
    let answer = federation
        .connect_as("de", "tm")
        .await?
        .deliver(DeliverRequest {
            envelope: Some(signed),
            known_checkpoint_size: 0,
        })
        .await
        .map(tonic::Response::into_inner);
    Ok((envelope.message_id, answer))
}

#[tokio::test]
async fn a_peer_dating_its_messages_outside_the_receivers_clock_window_is_refused() -> Result<()> {
    const MINUTE: i64 = 60_000;
    const DAY: i64 = 24 * 60 * MINUTE;
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let now = rogatory_node::now_ms();
    for (created_at_ms, what) in [
        (i64::MAX, "the largest time there is"),
        (253_402_300_799_000, "the last second of 9999"),
        (1, "the epoch's first millisecond"),
        (now + 10 * MINUTE, "ten minutes ahead"),
        (now - 91 * DAY, "91 days ago"),
    ] {
        let log_before = federation.log_size("tm").await?;
        let (message_id, answer) = deliver_dated(&federation, created_at_ms).await?;
        let status = answer.expect_err(what);
        assert_eq!(
            status.code(),
            Code::FailedPrecondition,
            "{what}: {}",
            status.message()
        );
        assert_eq!(reason_of(&status), "bad-timestamp", "{what}");
        assert!(
            federation.message("tm", &message_id).await.is_err(),
            "{what}: nothing stored"
        );
        assert_eq!(
            federation.log_size("tm").await?,
            log_before + 1,
            "{what}: the rejection is logged"
        );
    }
    // Inside the window: queued at the sender through a ten-day outage, or from a clock a
    // minute fast.
    for created_at_ms in [now - 10 * DAY, now + MINUTE] {
        let (message_id, answer) = deliver_dated(&federation, created_at_ms).await?;
        answer?;
        assert_eq!(
            federation.message("tm", &message_id).await?.created_at_ms,
            created_at_ms
        );
    }
    let verdict = federation.verify_log("tm").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    federation.stop_all().await
}

/// Submits `count` requests from tm to de at once, each in a case of its own. (A submission
/// waits for its first delivery attempt.)
async fn submit_to_de(federation: &Federation, count: usize) -> Result<()> {
    let operator = federation.operator("tm").await?;
    let submissions = (0..count).map(|_| {
        let mut operator = operator.clone();
        async move {
            operator
                .submit_request(SubmitRequestRequest {
                    recipient: "de".into(),
                    request: Some(rogatory_tests::sample_request()),
                    case_id: String::new(),
                    submitted_by: "A.".into(),
                    copies_to: Vec::new(),
                })
                .await
        }
    });
    for submitted in futures_util::future::join_all(submissions).await {
        submitted?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_receiver_answering_two_deliveries_at_once_with_two_histories_is_caught() -> Result<()> {
    let mut federation = Federation::create(&["tm", "de"])?;
    let de_key = federation.node("de")?.signing_key()?;
    let mut log = ForkedLog::new("de", de_key.signing_key().clone());
    log.grow_together(3);
    log.grow_apart(4);
    // de's operator runs a receiver of its own on de's address, with de's certificate and key.
    let receiver = ForkingReceiver::new("de", de_key.signing_key().clone(), log.clone());
    let listener = tokio::net::TcpListener::bind(federation.node("de")?.created.listen).await?;
    let shutdown = tokio_util::sync::CancellationToken::new();
    let server = receiver.serve(
        listener,
        federation.node("de")?.tls()?.server_config()?,
        shutdown.clone(),
    );
    federation.start_node("tm").await?;
    let mut de = federation.connect_as("de", "tm").await?;
    de.witness(log.witness_request(Fork::A, 3, 0)?).await?;

    // Two delivery calls in flight are answered at once, one with each history: one request
    // goes alone, the others follow while de holds its answer back.
    let (alone, following) = tokio::join!(submit_to_de(&federation, 1), async {
        federation
            .eventually("the first call at de", || async {
                Ok((receiver.answered() >= 1).then_some(()))
            })
            .await?;
        submit_to_de(&federation, 3).await
    });
    alone?;
    following?;
    let held = federation
        .eventually("tm adopting a history from the answers", || async {
            let held = de
                .clone()
                .held_checkpoint(HeldCheckpointRequest {})
                .await?
                .into_inner()
                .checkpoint;
            let (held, _) = Checkpoint::open(&held, &de_key.public())?;
            Ok((receiver.answered() >= 2 && held.size == 7).then_some(held))
        })
        .await?;
    // From now on de shows only the history tm kept, as an honest log would: the other one
    // must already be on record.
    let kept = log.fork_of(&held)?.expect("one of the two histories");
    receiver.settle(kept);
    submit_to_de(&federation, 2).await?;
    federation
        .eventually("tm's requests delivered", || async {
            let outbox = federation.messages("tm", Direction::Outbox).await?;
            Ok(outbox
                .iter()
                .all(|m| m.state == DeliveryState::Delivered as i32)
                .then_some(()))
        })
        .await?;
    let verdict = federation.verify_log("tm").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    shutdown.cancel();
    server.await??;
    federation.stop_all().await?;

    let store = rogatory_tests::open_stopped_store(&federation.node("tm")?.store_dir())?;
    let mut forks = Vec::new();
    for index in 0..store.log_len()? {
        let Some(entry) = store.log_entry(index)? else {
            continue;
        };
        if entry.kind == EntryKind::PeerMisbehaviour as i32 {
            let evidence = Evidence::parse(std::str::from_utf8(&entry.signed_payload)?)?;
            forks.push(evidence.verify(&de_key.public())?);
        }
    }
    assert_eq!(
        forks,
        vec![Contradiction::Fork { size: 7 }],
        "the second history is on record, once"
    );
    Ok(())
}
