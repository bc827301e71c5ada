//! Store and forward: nothing accepted is lost or delivered twice, whatever fails. These tests
//! run real `rogatoryd` processes and kill them with SIGKILL.

use std::collections::BTreeMap;

use prost::Message;
use rogatory_node::fault;
use rogatory_node::transport::operator_client;
use rogatory_proto::signing;
use rogatory_proto::v1::{
    DeliveryState, Direction, EntryKind, LogEntry, MessageRecord, Reachability,
    SubmitRequestRequest,
};
use rogatory_tests::{Federation, sample_request};

async fn submit(federation: &Federation, case_id: &str) -> anyhow::Result<MessageRecord> {
    Ok(federation
        .operator("tm")
        .await?
        .submit_request(SubmitRequestRequest {
            recipient: "de".into(),
            request: Some(sample_request()),
            case_id: case_id.into(),
            submitted_by: "Prosecutor A.".into(),
            copies_to: Vec::new(),
        })
        .await?
        .into_inner()
        .message
        .expect("record"))
}

/// Waits until tm's outbox holds `count` messages, all delivered.
async fn all_delivered(
    federation: &Federation,
    count: usize,
) -> anyhow::Result<Vec<MessageRecord>> {
    federation
        .eventually("every message delivered", || async {
            let outbox = federation.messages("tm", Direction::Outbox).await?;
            let done = outbox.len() == count
                && outbox
                    .iter()
                    .all(|m| m.state == DeliveryState::Delivered as i32);
            Ok(done.then_some(outbox))
        })
        .await
}

/// Checks de received each of `sent` exactly once, with a receipt tm holds and verifies.
async fn exactly_once(federation: &Federation, sent: &[MessageRecord]) -> anyhow::Result<()> {
    let inbox = federation.messages("de", Direction::Inbox).await?;
    assert_eq!(inbox.len(), sent.len(), "one stored copy per message");
    let de_key = federation.node("de")?.signing_key()?.public();
    for message in sent {
        assert!(inbox.iter().any(|m| m.message_id == message.message_id));
        let receipt = signing::open_receipt(&de_key, message.receipt.as_ref().expect("receipt"))?;
        assert_eq!(receipt.message_id, message.message_id);
    }
    for id in ["tm", "de"] {
        let verdict = federation.verify_log(id).await?;
        assert!(verdict.ok, "{id}: {}", verdict.failure);
    }
    Ok(())
}

/// The ids of messages received by a node, in the order its log recorded them.
fn received_order(federation: &Federation, node: &str) -> anyhow::Result<Vec<LogEntry>> {
    let store = rogatory_tests::open_stopped_store(&federation.node(node)?.store_dir())?;
    let mut out = Vec::new();
    for index in 0..store.log_len()? {
        let entry = store.log_entry(index)?.expect("entry");
        if entry.kind == EntryKind::MessageReceived as i32 {
            out.push(entry);
        }
    }
    Ok(out)
}

#[tokio::test]
async fn message_for_a_peer_that_is_down_is_delivered_once_it_is_up() -> anyhow::Result<()> {
    // tm flags messages undelivered after one second as overdue.
    let mut federation = Federation::create_with(&["tm", "de"], |id, text| {
        if id == "tm" {
            text.replace(
                "delivery_alert_after_seconds = 3600",
                "delivery_alert_after_seconds = 1",
            )
        } else {
            text
        }
    })?;
    // de is in tm's peer table but not running.
    federation.start_node("tm").await?;
    let queued = submit(&federation, "").await?;
    assert_eq!(queued.state, DeliveryState::Queued as i32);
    assert!(
        queued.last_error.contains("connect"),
        "{}",
        queued.last_error
    );
    let de = federation.peer_status("tm", "de").await?;
    assert_eq!(de.reachability, Reachability::Unreachable as i32);
    assert_eq!(de.queue_depth, 1);
    assert_eq!(de.oldest_queued_message_id, queued.message_id);

    assert!(!queued.overdue);

    // "An hour later" (past tm's alert horizon): overdue, still queued, then de starts and
    // tm's next retry finds it.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let outbox = federation.messages("tm", Direction::Outbox).await?;
    assert!(outbox[0].overdue, "flagged overdue");
    assert_eq!(outbox[0].state, DeliveryState::Queued as i32);
    assert!(federation.peer_status("tm", "de").await?.overdue);
    federation.start_node("de").await?;
    let outbox = all_delivered(&federation, 1).await?;
    assert!(
        outbox[0].attempts >= 2,
        "delivered on a retry: {}",
        outbox[0].attempts
    );
    exactly_once(&federation, &outbox).await?;
    // The lane notes the peer reachable just after the receipt is stored, so a reader can see
    // the message delivered a moment before it sees the peer reachable.
    let de = federation
        .eventually("de reachable again", || async {
            let de = federation.peer_status("tm", "de").await?;
            Ok((de.reachability == Reachability::Reachable as i32).then_some(de))
        })
        .await?;
    assert_eq!(de.queue_depth, 0);
    federation.stop_all().await
}

#[tokio::test]
async fn sender_killed_right_after_submission_still_delivers_once() -> anyhow::Result<()> {
    // Both nodes as real processes; de down at first.
    let mut federation = Federation::create(&["tm", "de"])?;
    federation.spawn_process("tm", &[]).await?;
    let queued = submit(&federation, "").await?;
    assert_eq!(queued.state, DeliveryState::Queued as i32);
    federation.kill_process("tm").await?;

    federation.spawn_process("de", &[]).await?;
    federation.spawn_process("tm", &[]).await?;
    let outbox = all_delivered(&federation, 1).await?;
    assert_eq!(outbox[0].message_id, queued.message_id);
    exactly_once(&federation, &outbox).await?;
    federation.stop_all().await
}

#[tokio::test]
async fn receiver_killed_between_storing_and_answering_gives_the_same_receipt_later()
-> anyhow::Result<()> {
    let mut federation = Federation::create(&["tm", "de"])?;
    federation.start_node("tm").await?;
    // de stores the message durably, then dies before its answer leaves.
    federation
        .spawn_process(
            "de",
            &[(fault::ENVIRONMENT_VARIABLE, fault::AFTER_RECEIVE_DURABLE)],
        )
        .await?;
    let queued = submit(&federation, "").await?;
    assert_ne!(
        queued.state,
        DeliveryState::Delivered as i32,
        "de died before answering"
    );
    let status = federation.wait_for_exit("de").await?;
    assert!(!status.success());

    federation.spawn_process("de", &[]).await?;
    let outbox = all_delivered(&federation, 1).await?;
    exactly_once(&federation, &outbox).await?;
    // de logged the message once (the retry got the stored receipt back, nothing new).
    federation.stop_all().await?;
    let received = received_order(&federation, "de")?;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].message_id, queued.message_id);
    Ok(())
}

#[tokio::test]
async fn kill_loop_delivers_every_message_exactly_once_in_order_per_case() -> anyhow::Result<()> {
    const MESSAGES: usize = 40;
    const CASES: usize = 4;
    let mut federation = Federation::create(&["tm", "de"])?;
    federation.start_node("tm").await?;
    federation.spawn_process("de", &[]).await?;

    let sender = {
        let operator_socket = federation.node("tm")?.config()?.operator_socket();
        tokio::spawn(async move {
            let mut client =
                rogatory_node::transport::operator_client::connect(&operator_socket).await?;
            let mut sent = Vec::new();
            for i in 0..MESSAGES {
                let record = client
                    .submit_request(SubmitRequestRequest {
                        recipient: "de".into(),
                        request: Some(sample_request()),
                        case_id: format!("tm-kill-loop-{}", i % CASES),
                        submitted_by: "loop".into(),
                        copies_to: Vec::new(),
                    })
                    .await?
                    .into_inner()
                    .message
                    .expect("record");
                sent.push(record.message_id);
            }
            anyhow::Ok(sent)
        })
    };
    // Kill and restart de while tm submits.
    for round in 0..5 {
        tokio::time::sleep(std::time::Duration::from_millis(150 + 50 * round)).await;
        federation.kill_process("de").await?;
        federation.spawn_process("de", &[]).await?;
    }
    let sent = sender.await??;
    let outbox = all_delivered(&federation, MESSAGES).await?;
    exactly_once(&federation, &outbox).await?;

    // Per case, de received the messages in the order tm created them.
    let by_id: BTreeMap<&str, &str> = outbox
        .iter()
        .map(|m| (m.message_id.as_str(), m.case_id.as_str()))
        .collect();
    federation.terminate_process("de").await?;
    let received = received_order(&federation, "de")?;
    assert_eq!(received.len(), MESSAGES);
    for case in 0..CASES {
        let case_id = format!("tm-kill-loop-{case}");
        let sent_in_case: Vec<&String> = sent
            .iter()
            .filter(|id| by_id[id.as_str()] == case_id)
            .collect();
        let received_in_case: Vec<&String> = received
            .iter()
            .map(|entry| &entry.message_id)
            .filter(|id| by_id[id.as_str()] == case_id)
            .collect();
        assert_eq!(received_in_case, sent_in_case, "order in {case_id}");
    }
    // The receipts tm holds name the entries de's log has for them.
    for message in &outbox {
        let receipt = rogatory_proto::v1::Receipt::decode(
            message
                .receipt
                .as_ref()
                .expect("receipt")
                .payload
                .as_slice(),
        )?;
        let entry = received
            .iter()
            .find(|e| e.message_id == message.message_id)
            .expect("logged");
        assert_eq!(entry.index, receipt.log_index);
    }
    federation.stop_all().await
}

#[tokio::test]
async fn a_busy_receiver_makes_the_sender_back_off_not_fail() -> anyhow::Result<()> {
    const MESSAGES: usize = 30;
    // de handles one delivery at a time and answers "busy" beyond that.
    let mut federation = Federation::start_with(&["tm", "de"], |id, text| {
        if id == "de" {
            text.replace(
                "max_concurrent_deliveries = 256",
                "max_concurrent_deliveries = 1",
            )
        } else {
            text
        }
    })
    .await?;
    // Queue everything while de is down, so that tm then sends many at once.
    federation.stop_node("de").await?;
    for i in 0..MESSAGES {
        submit(&federation, &format!("tm-busy-{i}")).await?;
    }
    federation.start_node("de").await?;
    let outbox = all_delivered(&federation, MESSAGES).await?;
    exactly_once(&federation, &outbox).await?;
    let attempts: u32 = outbox.iter().map(|m| m.attempts).sum();
    // Backoff, not a flood: a bounded number of retries per message.
    assert!(
        attempts < (MESSAGES as u32) * 12,
        "{attempts} attempts for {MESSAGES} messages"
    );
    // Busy answers are transient: de logged no rejection.
    federation.stop_node("de").await?;
    let store = rogatory_tests::open_stopped_store(&federation.node("de")?.store_dir())?;
    for index in 0..store.log_len()? {
        let entry = store.log_entry(index)?.expect("entry");
        assert_ne!(entry.kind, EntryKind::Rejection as i32, "{}", entry.detail);
    }
    drop(store);
    federation.stop_all().await
}

#[tokio::test]
async fn sigterm_during_traffic_exits_0_in_time_and_loses_nothing_acknowledged()
-> anyhow::Result<()> {
    let _disk = rogatory_tests::disk_heavy().await;
    let mut federation = Federation::create(&["tm", "de"])?;
    federation.start_node("de").await?;
    federation.spawn_process("tm", &[]).await?;
    let socket = federation.node("tm")?.config()?.operator_socket();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut submitters = tokio::task::JoinSet::new();
    for k in 0..4 {
        let (socket, stopped) = (socket.clone(), stopped.clone());
        submitters.spawn(async move {
            // An id counts once the node answered with its record: that is the acknowledgement.
            let mut acknowledged = Vec::new();
            let Ok(mut client) = operator_client::connect(&socket).await else {
                return acknowledged;
            };
            while !*stopped.borrow() {
                let answer = client
                    .submit_request(SubmitRequestRequest {
                        recipient: "de".into(),
                        request: Some(sample_request()),
                        case_id: format!("tm-case-{k}"),
                        submitted_by: "Prosecutor A.".into(),
                        copies_to: Vec::new(),
                    })
                    .await;
                match answer.ok().and_then(|a| a.into_inner().message) {
                    Some(record) => acknowledged.push(record.message_id),
                    None => break,
                }
            }
            acknowledged
        });
    }
    federation
        .eventually("traffic to flow", || async {
            let inbox = federation.messages("de", Direction::Inbox).await?;
            Ok((inbox.len() >= 8).then_some(()))
        })
        .await?;

    let started = std::time::Instant::now();
    federation.terminate_process("tm").await?;
    let drain = started.elapsed();
    // The drain deadline is 5 s; a stop that needs all of it left a call hanging.
    assert!(
        drain < std::time::Duration::from_secs(5),
        "stopped in {drain:?}: in-flight calls did not finish before the deadline"
    );
    let _ = stop.send(true);
    let mut acknowledged = Vec::new();
    while let Some(ids) = submitters.join_next().await {
        acknowledged.extend(ids?);
    }
    assert!(acknowledged.len() >= 8);

    federation.spawn_process("tm", &[]).await?;
    federation
        .eventually("every acknowledged message delivered", || async {
            let outbox = federation.messages("tm", Direction::Outbox).await?;
            let delivered = acknowledged.iter().all(|id| {
                outbox
                    .iter()
                    .any(|m| &m.message_id == id && m.state == DeliveryState::Delivered as i32)
            });
            Ok(delivered.then_some(()))
        })
        .await?;
    let inbox = federation.messages("de", Direction::Inbox).await?;
    for id in &acknowledged {
        let copies = inbox.iter().filter(|m| &m.message_id == id).count();
        assert_eq!(copies, 1, "message {id} stored {copies} times");
    }
    for id in ["tm", "de"] {
        let verdict = federation.verify_log(id).await?;
        assert!(verdict.ok, "{id}: {}", verdict.failure);
    }
    federation.stop_all().await
}

#[tokio::test]
async fn a_peer_without_deliver_batch_is_sent_one_message_per_call() -> anyhow::Result<()> {
    // de plays a node of a version without DeliverBatch: it answers UNIMPLEMENTED, as tonic
    // does for a method it does not serve.
    let mut federation = Federation::create_with(&["tm", "de"], |id, mut text| {
        if id == "tm" {
            text.push_str(rogatory_tests::METRICS_ON_LOOPBACK);
        }
        text
    })?;
    federation.start_node("tm").await?;
    federation
        .spawn_process("de", &[(fault::WITHOUT_DELIVER_BATCH, "1")])
        .await?;
    // Messages of different cases at once: what tm would otherwise put in batches.
    let submissions = (0..12).map(|i| {
        let federation = &federation;
        async move { submit(federation, &format!("tm-old-peer-{i}")).await }
    });
    for submitted in futures_util::future::join_all(submissions).await {
        submitted?;
    }
    let outbox = all_delivered(&federation, 12).await?;
    exactly_once(&federation, &outbox).await?;
    assert!(
        federation
            .process_log("de")
            .contains("answered DeliverBatch UNIMPLEMENTED"),
        "tm never tried a batch:\n{}",
        federation.process_log("de")
    );
    // tm counts what it sent by which call: a batch or a few were refused, then every message
    // went by Deliver.
    let metrics = federation.metrics_address("tm")?;
    let scraped = rogatory_tests::http_get(metrics, "/metrics").await?;
    let series = |rpc: &str, what: &str| {
        scraped.expect(&format!(
            "rogatory_delivery_{what}_total{{peer=\"de\",rpc=\"{rpc}\"}}"
        ))
    };
    assert!(series("DeliverBatch", "calls")? >= 1.0, "{}", scraped.body);
    assert!(
        series("Deliver", "call_messages")? >= 12.0,
        "{}",
        scraped.body
    );
    federation.stop_all().await
}
