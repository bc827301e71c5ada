//! A node whose disk fills up (issue 20, finding 3): below its reserve it refuses new work
//! with `RESOURCE_EXHAUSTED` / `disk-full`, which senders retry; it keeps answering repeats with
//! their original receipts, serving reads and logging; and it takes new work again by itself
//! when space returns, without a restart. The node's data directory is a small real file
//! system (a tmpfs of a few MiB).
//!
//! Also here (finding 10e): what a node writes under its data directory is its own, 0600 and
//! 0700, without relying on the data directory's mode.

use anyhow::{Context, Result};
use rogatory_proto::v1::{
    AttachmentChunk, AttachmentHeader, AttachmentRef, DeliverRequest, DeliveryState, Direction,
    HeldCheckpointRequest, NodeStatusRequest, SearchDirectoryRequest, SubmitRequestRequest,
};
use rogatory_tests::hostile::disk::SmallDisk;
use rogatory_tests::{Federation, reason_of, sample_request};
use tonic::Code;

const MIB: u64 = 1024 * 1024;
/// The reserve `de` keeps (`limits.disk_reserve_megabytes`).
const RESERVE_MIB: u64 = 4;

fn submission(recipient: &str) -> SubmitRequestRequest {
    SubmitRequestRequest {
        recipient: recipient.into(),
        request: Some(sample_request()),
        case_id: String::new(),
        submitted_by: "Prosecutor A.".into(),
        copies_to: Vec::new(),
    }
}

#[tokio::test]
async fn a_node_whose_disk_fills_refuses_new_work_serves_the_rest_and_recovers_without_restart()
-> Result<()> {
    let _disk_heavy = rogatory_tests::disk_heavy().await;
    let mut federation = Federation::create_with(&["tm", "de"], |id, text| {
        if id == "de" {
            text.replace(
                "[limits]\n",
                &format!("[limits]\ndisk_reserve_megabytes = {RESERVE_MIB}\n"),
            )
        } else {
            text
        }
    })?;
    let data_dir = federation.node("de")?.config()?.data_dir;
    let disk = SmallDisk::mount(&data_dir, 24)?;
    federation.start_node("tm").await?;
    federation.start_node("de").await?;

    // Before the disk fills: a message from tm, and its receipt.
    let mut peer = federation.connect_as("tm", "de").await?;
    let first = federation.sign_as("tm", &federation.request_envelope("tm", "de"))?;
    let deliver = |envelope| DeliverRequest {
        envelope: Some(envelope),
        known_checkpoint_size: 0,
    };
    let receipt = peer
        .deliver(deliver(first.clone()))
        .await?
        .into_inner()
        .receipt
        .context("receipt")?;

    // The disk fills to below the reserve (what a peer's uploads and messages, or anything
    // else on that file system, would do).
    let filler = disk.fill_leaving(RESERVE_MIB * MIB / 2)?;
    let mut de = federation.operator("de").await?;
    // The node reads its free space again every moment; its operator is told what to do.
    let warning = federation
        .eventually("de to warn that its disk is full", || {
            let mut de = de.clone();
            async move {
                let status = de.node_status(NodeStatusRequest {}).await?.into_inner();
                assert!(status.serving, "{:?}", status.not_serving_reasons);
                Ok(status.warnings.into_iter().find(|w| w.kind == "disk-full"))
            }
        })
        .await?;
    assert!(warning.message.contains("without a restart"), "{warning:?}");
    let log_before = federation.log_size("de").await?;

    // New work is refused, retryably, and not logged as a rejection.
    let second = federation.sign_as("tm", &federation.request_envelope("tm", "de"))?;
    let refused = peer
        .deliver(deliver(second.clone()))
        .await
        .expect_err("a new message while the disk is full");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert_eq!(reason_of(&refused), "disk-full", "{refused:?}");
    let refused = de
        .submit_request(submission("tm"))
        .await
        .expect_err("a submission while the disk is full");
    assert_eq!(
        (refused.code(), reason_of(&refused).as_str()),
        (Code::ResourceExhausted, "disk-full"),
        "{refused:?}"
    );
    let data = vec![7u8; 1024];
    let upload = vec![
        AttachmentChunk {
            header: Some(AttachmentHeader {
                sha256: rogatory_proto::signing::sha256(&data).to_vec(),
                size: data.len() as u64,
                envelope: None,
            }),
            ..Default::default()
        },
        AttachmentChunk {
            header: None,
            offset: 0,
            data,
        },
    ];
    let refused = de
        .put_attachment(tokio_stream::iter(upload))
        .await
        .expect_err("an upload while the disk is full");
    assert_eq!(
        (refused.code(), reason_of(&refused).as_str()),
        (Code::ResourceExhausted, "disk-full"),
        "{refused:?}"
    );

    // What the node holds it still serves: the repeat gets its original receipt, reads,
    // the held checkpoint.
    let repeat = peer.deliver(deliver(first.clone())).await?.into_inner();
    assert_eq!(repeat.receipt, Some(receipt));
    peer.held_checkpoint(HeldCheckpointRequest {}).await?;
    let inbox = federation.messages("de", Direction::Inbox).await?;
    assert_eq!(inbox.len(), 1);
    // Still logging: a bad message is refused and recorded (into the space kept for the log).
    let mut forged = federation.sign_as("tm", &federation.request_envelope("tm", "de"))?;
    forged.signature[0] ^= 1;
    let refused = peer.deliver(deliver(forged)).await.expect_err("forged");
    assert_eq!(reason_of(&refused), "bad-signature");
    assert_eq!(federation.log_size("de").await?, log_before + 1);

    // tm's outbox keeps its message for de and retries it.
    let queued = federation
        .operator("tm")
        .await?
        .submit_request(submission("de"))
        .await?
        .into_inner()
        .message
        .context("record")?;
    federation
        .eventually("tm to hear that de's disk is full", || async {
            let peer = federation.peer_status("tm", "de").await?;
            let told = peer.last_error.contains("ResourceExhausted")
                && peer
                    .last_error
                    .contains("disk holding this node's data directory is full");
            Ok(told.then_some(()))
        })
        .await?;

    // Space returns: no restart, and the queued message arrives by tm's retries.
    std::fs::remove_file(filler)?;
    federation
        .eventually("tm's message delivered after space returned", || async {
            let record = federation.message("tm", &queued.message_id).await?;
            Ok((record.state == DeliveryState::Delivered as i32).then_some(()))
        })
        .await?;
    peer.deliver(deliver(second.clone())).await?;
    peer.deliver(deliver(second)).await?;
    let status = de.node_status(NodeStatusRequest {}).await?.into_inner();
    assert!(
        !status.warnings.iter().any(|w| w.kind == "disk-full"),
        "{:?}",
        status.warnings
    );

    // Nothing lost, nothing twice.
    let inbox = federation.messages("de", Direction::Inbox).await?;
    let mut ids: Vec<&str> = inbox.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((ids.len(), inbox.len()), (3, 3), "{ids:?}");
    assert!(ids.contains(&queued.message_id.as_str()));
    for id in ["tm", "de"] {
        let verdict = federation.verify_log(id).await?;
        assert!(verdict.ok, "{id}: {}", verdict.failure);
    }
    federation.stop_all().await
}

/// How many messages the test below offers `de` at most while its disk fills: far more than
/// the few pages it leaves free take.
const OFFERED_WHILE_FILLING: usize = 400;
/// The pace at which they are offered. Sled meets the full disk when its buffers are next
/// written (within a second); the journal's zeros written ahead (about 1 MiB then) must last
/// until then, or the journal would meet it first: at most 100 messages of a few KiB a second.
const OFFERING_PACE: std::time::Duration = std::time::Duration::from_millis(10);

/// The journal has room reserved (zeros written ahead), sled's files do not: with no reserve
/// kept by the node and its disk all but full, a commit reaches the journal and then sled
/// cannot write. The node must keep every message it acknowledged, refuse new work with
/// `disk-full` while sled cannot write, and take work again by itself once space is freed.
#[tokio::test]
async fn a_node_whose_sled_meets_a_full_disk_after_its_journal_loses_nothing_and_recovers_without_restart()
-> Result<()> {
    let _disk_heavy = rogatory_tests::disk_heavy().await;
    let mut federation = Federation::create_with(&["tm", "de"], |id, text| {
        if id == "de" {
            // No reserve: de takes new work until a write of its store meets the full disk.
            text.replace("[limits]\n", "[limits]\ndisk_reserve_megabytes = 0\n")
        } else {
            text
        }
    })?;
    let data_dir = federation.node("de")?.config()?.data_dir;
    let disk = SmallDisk::mount(&data_dir, 24)?;
    federation.start_node("tm").await?;
    federation.start_node("de").await?;
    let mut peer = federation.connect_as("tm", "de").await?;
    let deliver = |envelope| DeliverRequest {
        envelope: Some(envelope),
        known_checkpoint_size: 0,
    };

    // Before: acknowledged with a receipt.
    // A new message from tm, signed, and its id.
    let new_message = || -> Result<(String, rogatory_proto::v1::SignedEnvelope)> {
        let envelope = federation.request_envelope("tm", "de");
        Ok((
            envelope.message_id.clone(),
            federation.sign_as("tm", &envelope)?,
        ))
    };
    let mut acknowledged = Vec::new();
    let mut first = None;
    for _ in 0..3 {
        let (id, envelope) = new_message()?;
        let receipt = peer.deliver(deliver(envelope.clone())).await?.into_inner();
        assert!(receipt.receipt.is_some(), "{receipt:?}");
        acknowledged.push(id);
        first.get_or_insert((envelope, receipt.receipt));
    }
    let (first, first_receipt) = first.context("a first message")?;

    // During: the disk fills (a few pages left for the health probe), and tm offers messages
    // one after the other until one is refused for want of space. A message whose commit
    // reached the journal but not sled may be answered only once space returns.
    let filler = disk.fill_leaving(64 * 1024)?;
    let mut offered = Vec::new();
    for _ in 0..OFFERED_WHILE_FILLING {
        offered.push(new_message()?);
    }
    let space_freed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let delivering = tokio::spawn({
        let mut peer = peer.clone();
        let space_freed = std::sync::Arc::clone(&space_freed);
        async move {
            let mut delivered = Vec::new();
            let mut pace = tokio::time::interval(OFFERING_PACE);
            for (id, envelope) in offered {
                pace.tick().await;
                match peer.deliver(deliver(envelope)).await {
                    Ok(answer) if answer.get_ref().receipt.is_some() => delivered.push(id),
                    Ok(answer) => anyhow::bail!("no receipt: {answer:?}"),
                    Err(status)
                        if status.code() == Code::ResourceExhausted
                            && reason_of(&status) == "disk-full" =>
                    {
                        return Ok((delivered, Some(status)));
                    }
                    Err(status) => anyhow::bail!(
                        "a delivery while the disk was full was refused otherwise than \
                         disk-full after {} were taken: {status:?}",
                        delivered.len()
                    ),
                }
                if space_freed.load(std::sync::atomic::Ordering::SeqCst) {
                    return Ok((delivered, None));
                }
            }
            anyhow::bail!("{OFFERED_WHILE_FILLING} messages taken: the disk never filled")
        }
    });
    let mut de = federation.operator("de").await?;
    let warning = federation
        .eventually("de to warn that its store cannot write", || {
            let mut de = de.clone();
            async move {
                let status = de.node_status(NodeStatusRequest {}).await?.into_inner();
                Ok(status.warnings.into_iter().find(|w| w.kind == "disk-full"))
            }
        })
        .await;
    let warning = match warning {
        Ok(warning) => warning,
        // Why the deliveries stopped says more than the missing warning.
        Err(missing) if delivering.is_finished() => {
            delivering.await??;
            return Err(missing);
        }
        Err(missing) => return Err(missing),
    };
    assert!(warning.message.contains("without a restart"), "{warning:?}");

    // New work is refused, retryably.
    let refused = peer
        .deliver(deliver(new_message()?.1))
        .await
        .expect_err("a new message while sled cannot write");
    assert_eq!(
        (refused.code(), reason_of(&refused).as_str()),
        (Code::ResourceExhausted, "disk-full"),
        "{refused:?}"
    );
    // A repeat gets its original receipt, or (if sled would have to write even to read it)
    // the same transient refusal: never anything else.
    match peer.deliver(deliver(first.clone())).await {
        Ok(repeat) => assert_eq!(repeat.into_inner().receipt, first_receipt),
        Err(refused) => assert_eq!(
            (refused.code(), reason_of(&refused).as_str()),
            (Code::ResourceExhausted, "disk-full"),
            "{refused:?}"
        ),
    }

    // Space returns: no restart.
    std::fs::remove_file(filler)?;
    space_freed.store(true, std::sync::atomic::Ordering::SeqCst);
    let (delivered, _) = tokio::time::timeout(rogatory_tests::TIMEOUT * 2, delivering)
        .await
        .context("the deliveries waiting for sled answered once space returned")???;
    acknowledged.extend(delivered);
    federation
        .eventually("de's disk-full warning to clear", || {
            let mut de = de.clone();
            async move {
                let status = de.node_status(NodeStatusRequest {}).await?.into_inner();
                Ok((!status.warnings.iter().any(|w| w.kind == "disk-full")).then_some(()))
            }
        })
        .await?;

    // After: taken again, acknowledged.
    for _ in 0..3 {
        let (id, envelope) = new_message()?;
        let answer = peer.deliver(deliver(envelope)).await?.into_inner();
        assert!(answer.receipt.is_some(), "{answer:?}");
        acknowledged.push(id);
    }

    // Every message acknowledged before, during and after is there, once; the log verifies;
    // and a restart finds the same.
    let present_once = |inbox: &[rogatory_proto::v1::MessageRecord]| {
        for id in &acknowledged {
            let copies = inbox.iter().filter(|m| &m.message_id == id).count();
            assert_eq!(copies, 1, "message {id} acknowledged, held {copies} times");
        }
    };
    present_once(&federation.messages("de", Direction::Inbox).await?);
    let verdict = federation.verify_log("de").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    federation.stop_node("de").await?;
    federation.start_node("de").await?;
    present_once(&federation.messages("de", Direction::Inbox).await?);
    let verdict = federation.verify_log("de").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    de = federation.operator("de").await?;
    de.node_status(NodeStatusRequest {}).await?;
    federation.stop_all().await
}

/// Files and directories under `dir` (itself included) that group or others may use.
fn open_to_others(dir: &std::path::Path) -> Result<Vec<String>> {
    use std::os::unix::fs::PermissionsExt;
    let mut open = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(path) = pending.pop() {
        let metadata = std::fs::symlink_metadata(&path)?;
        let mode = metadata.permissions().mode();
        if mode & 0o077 != 0 {
            open.push(format!("{} {:o}", path.display(), mode & 0o777));
        }
        if metadata.is_dir() {
            for entry in std::fs::read_dir(&path)? {
                pending.push(entry?.path());
            }
        }
    }
    Ok(open)
}

#[tokio::test]
async fn nothing_a_node_writes_is_open_to_group_or_others_whatever_the_data_directory() -> Result<()>
{
    let mut federation = Federation::start(&["tm", "de"]).await?;
    // Messages both ways, an attachment stored on both nodes, peers' directories cached, a
    // backup: every kind of file a node makes.
    let data = b"evidence".repeat(1000);
    let digest = rogatory_proto::signing::sha256(&data);
    let upload = vec![
        AttachmentChunk {
            header: Some(AttachmentHeader {
                sha256: digest.to_vec(),
                size: data.len() as u64,
                envelope: None,
            }),
            ..Default::default()
        },
        AttachmentChunk {
            header: None,
            offset: 0,
            data: data.clone(),
        },
    ];
    let mut tm = federation.operator("tm").await?;
    assert!(
        tm.put_attachment(tokio_stream::iter(upload))
            .await?
            .into_inner()
            .complete
    );
    let mut request = submission("de");
    if let Some(body) = request.request.as_mut() {
        body.attachments = vec![AttachmentRef {
            file_name: "evidence.bin".into(),
            media_type: "application/octet-stream".into(),
            size: data.len() as u64,
            sha256: digest.to_vec(),
        }];
    }
    let sent = tm
        .submit_request(request)
        .await?
        .into_inner()
        .message
        .context("record")?;
    federation
        .operator("de")
        .await?
        .submit_request(submission("tm"))
        .await?;
    for (node, peer) in [("tm", "de"), ("de", "tm")] {
        federation
            .eventually("every message delivered", || async {
                let outbox = federation.messages(node, Direction::Outbox).await?;
                let done = outbox
                    .iter()
                    .all(|m| m.state == DeliveryState::Delivered as i32);
                Ok(done.then_some(()))
            })
            .await?;
        federation
            .operator(node)
            .await?
            .search_directory(SearchDirectoryRequest {
                country: peer.into(),
                refresh: true,
                ..Default::default()
            })
            .await?;
    }
    assert_eq!(
        federation.message("tm", &sent.message_id).await?.state,
        DeliveryState::Delivered as i32
    );
    let backup = federation.root.path().join("backup-de");
    federation.take_backup("de", &backup).await?;
    federation.stop_all().await?;

    for dir in [
        federation.node("tm")?.config()?.data_dir,
        federation.node("de")?.config()?.data_dir,
        backup,
    ] {
        let open = open_to_others(&dir)?;
        assert!(open.is_empty(), "open to group or others: {open:#?}");
    }
    Ok(())
}
