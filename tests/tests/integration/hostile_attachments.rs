//! A hostile peer against a node's attachment store (issue 20, findings 2, 3, 7 and 9; PROTOCOL.md
//! section 5.7): it names files by hashes it learnt elsewhere, uploads garbage under another
//! peer's hash, holds transfer slots without moving bytes, trickles, never reads what it asked
//! for, and leaves uploads unfinished. Each test attacks a real node through the real gRPC API.

use std::time::Duration;

use anyhow::{Context, Result};
use rogatory_proto::v1::{EntryKind, LogEntry};
use rogatory_tests::hostile::attachments::{
    CHUNK, Evidence, HeldUpload, deliver, fetch, fetch_without_reading, message_id_of, put,
    request_referencing, status,
};
use rogatory_tests::{Federation, METRICS_ON_LOOPBACK, http_get, reason_of};
use tonic::Code;

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

/// Appends `text` to `node`'s configuration (the others keep theirs).
fn configure(node: &'static str, text: &'static str) -> impl Fn(&str, String) -> String {
    move |id, config| {
        if id == node {
            format!("{config}\n{text}\n")
        } else {
            config
        }
    }
}

/// Files under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() { files_under(&path) } else { 1 }
        })
        .sum()
}

fn partial_dir(federation: &Federation, node: &str) -> Result<std::path::PathBuf> {
    Ok(federation.node(node)?.dir.join("data/attachments/partial"))
}

#[tokio::test]
async fn a_peer_that_knows_a_hash_can_neither_confirm_nor_read_a_file_it_never_uploaded()
-> Result<()> {
    let mut federation =
        Federation::start_with(&["tm", "de", "uz"], configure("de", METRICS_ON_LOOPBACK)).await?;
    // tm sends de a file; uz learns its hash (from a bundle, a hash list).
    let file = Evidence::new(MIB + 7, 1);
    let from_tm = request_referencing(&federation, "tm", "de", vec![file.reference("f.bin")])?;
    let receipt = put(&federation, "tm", "de", file.chunks(&from_tm, 0)).await??;
    assert!(receipt.complete);
    deliver(&federation, "tm", "de", &from_tm).await??;

    // uz signs a message of its own naming the hash, and one naming a file no one has.
    let never_stored = Evidence::new(file.bytes.len(), 2);
    let from_uz = request_referencing(&federation, "uz", "de", vec![file.reference("f.bin")])?;
    let control = request_referencing(
        &federation,
        "uz",
        "de",
        vec![never_stored.reference("g.bin")],
    )?;

    // AttachmentStatus: the same answer as for the absent file.
    let probed = status(&federation, "uz", "de", &file.digest, &from_uz).await??;
    let absent = status(&federation, "uz", "de", &never_stored.digest, &control).await??;
    assert_eq!(probed, absent);
    assert!(!probed.present);
    assert_eq!(probed.durable_offset, 0);

    // PutAttachment with no data: not "complete", nothing durable, as for the absent file.
    let header_only = put(
        &federation,
        "uz",
        "de",
        file.chunks(&from_uz, 0)[..1].to_vec(),
    )
    .await??;
    let header_only_absent = put(
        &federation,
        "uz",
        "de",
        never_stored.chunks(&control, 0)[..1].to_vec(),
    )
    .await??;
    assert_eq!(header_only, header_only_absent);
    assert!(!header_only.complete, "answered complete without data");

    // Delivering its message naming the file fails check 7c for uz: tm's copy does not count.
    let refused = deliver(&federation, "uz", "de", &from_uz)
        .await?
        .expect_err("uz never uploaded the file");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(reason_of(&refused), "attachments-missing");

    // FetchAttachment: not through uz's message, not through tm's; worded as for no file.
    let through_own = fetch(
        &federation,
        "uz",
        "de",
        &file.digest,
        &message_id_of(&from_uz)?,
    )
    .await?
    .expect_err("uz's message was refused");
    let through_tms = fetch(
        &federation,
        "uz",
        "de",
        &file.digest,
        &message_id_of(&from_tm)?,
    )
    .await?
    .expect_err("uz is not a party of tm's message");
    let no_such = fetch(&federation, "uz", "de", &never_stored.digest, "")
        .await?
        .expect_err("no such file");
    for status in [&through_own, &through_tms] {
        assert_eq!(status.code(), Code::NotFound);
        assert_eq!(reason_of(status), "attachment-not-found");
        assert_eq!(status.message(), no_such.message());
    }

    // Probing is counted, and logged once for the interval rather than once per probe.
    for _ in 0..10 {
        fetch(
            &federation,
            "uz",
            "de",
            &file.digest,
            &message_id_of(&from_tm)?,
        )
        .await?
        .expect_err("still not a party");
    }
    let metrics = federation.metrics_address("de")?;
    let series =
        "rogatory_attachment_requests_refused_total{peer=\"uz\",reason=\"attachment-not-found\"}";
    assert!(http_get(metrics, "/metrics").await?.expect(series)? >= 13.0);
    let probes_logged = federation
        .eventually("uz's probing in de's log", || async {
            let entries: Vec<LogEntry> = federation
                .log_entries("de")
                .await?
                .into_iter()
                .filter(|e| {
                    e.kind == EntryKind::Rejection as i32
                        && e.peer == "uz"
                        && e.detail.starts_with("attachment-not-found")
                })
                .collect();
            Ok((!entries.is_empty()).then_some(entries))
        })
        .await?;
    assert_eq!(probes_logged.len(), 1, "{probes_logged:?}");

    // Proof of possession: once uz sends the bytes itself, it holds the file like anyone.
    let receipt = put(&federation, "uz", "de", file.chunks(&from_uz, 0)).await??;
    assert!(receipt.complete);
    assert!(
        status(&federation, "uz", "de", &file.digest, &from_uz)
            .await??
            .present
    );
    deliver(&federation, "uz", "de", &from_uz).await??;
    let read = fetch(
        &federation,
        "uz",
        "de",
        &file.digest,
        &message_id_of(&from_uz)?,
    )
    .await??;
    assert_eq!(read, file.bytes);
    assert!(federation.verify_log("de").await?.ok);
    federation.stop_all().await
}

#[tokio::test]
async fn a_peer_cannot_see_wipe_or_poison_another_peers_interrupted_upload() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de", "uz"]).await?;
    let file = Evidence::new(4 * MIB, 3);
    let from_tm = request_referencing(&federation, "tm", "de", vec![file.reference("a.bin")])?;
    // tm sends 2 MiB, then its stream ends.
    let first = put(
        &federation,
        "tm",
        "de",
        file.chunks(&from_tm, 0)[..9].to_vec(),
    )
    .await??;
    assert!(!first.complete);
    assert_eq!(first.durable_offset, 2 * MIB as u64);

    // uz, naming the same hash in a message of its own, does not see tm's offset.
    let from_uz = request_referencing(&federation, "uz", "de", vec![file.reference("a.bin")])?;
    let seen = status(&federation, "uz", "de", &file.digest, &from_uz).await??;
    assert_eq!(
        seen.durable_offset, 0,
        "uz sees tm's partial upload: {seen:?}"
    );
    // uz uploads garbage under the hash: refused for uz alone.
    let garbage = file.forged(4);
    let refused = put(&federation, "uz", "de", garbage.chunks(&from_uz, 0))
        .await?
        .expect_err("the bytes do not match the hash");
    assert_eq!(reason_of(&refused), "attachment-hash-mismatch");
    // ... and leaves 1 MiB of garbage of its own behind.
    let poisoned = put(
        &federation,
        "uz",
        "de",
        garbage.chunks(&from_uz, 0)[..5].to_vec(),
    )
    .await??;
    assert_eq!(poisoned.durable_offset, MIB as u64);

    // tm resumes at its own durable offset and completes.
    let resumed = status(&federation, "tm", "de", &file.digest, &from_tm).await??;
    assert_eq!(resumed.durable_offset, 2 * MIB as u64);
    let receipt = put(
        &federation,
        "tm",
        "de",
        file.chunks(&from_tm, resumed.durable_offset),
    )
    .await??;
    assert!(receipt.complete);
    deliver(&federation, "tm", "de", &from_tm).await??;
    let read = fetch(
        &federation,
        "tm",
        "de",
        &file.digest,
        &message_id_of(&from_tm)?,
    )
    .await??;
    assert_eq!(read, file.bytes);
    // uz still holds nothing but its own garbage prefix.
    let after = status(&federation, "uz", "de", &file.digest, &from_uz).await??;
    assert!(!after.present);
    assert_eq!(after.durable_offset, MIB as u64);
    federation.stop_all().await
}

#[tokio::test]
async fn a_peer_holding_all_its_transfer_slots_cannot_stop_another_peers_upload() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de", "uz"]).await?;
    // uz opens uploads and sends nothing after the header, as many as the old shared pool had.
    // One connection, many streams.
    let client = federation.connect_as("uz", "de").await?;
    let mut held = Vec::new();
    for seed in 0..16 {
        let file = Evidence::new(64 * KIB, 100 + seed);
        let envelope = request_referencing(&federation, "uz", "de", vec![file.reference("x")])?;
        held.push(HeldUpload::start(client.clone(), file.chunks(&envelope, 0), 1).await?);
    }
    // Each one either holds a slot (its partial file is open) or was refused.
    let partial = partial_dir(&federation, "de")?;
    federation
        .eventually("every held upload placed or refused", || async {
            let answered = held.iter().filter(|upload| upload.answered()).count();
            Ok((answered + files_under(&partial) >= held.len()).then_some(()))
        })
        .await?;

    let file = Evidence::new(MIB, 5);
    let from_tm = request_referencing(&federation, "tm", "de", vec![file.reference("t.bin")])?;
    let receipt = put(&federation, "tm", "de", file.chunks(&from_tm, 0))
        .await?
        .context("tm's upload while uz holds its slots")?;
    assert!(receipt.complete);

    let mut busy = 0;
    for upload in held {
        if upload.answered() {
            let refused = upload.answer().await?.expect_err("refused");
            assert_eq!(refused.code(), Code::Unavailable);
            assert_eq!(reason_of(&refused), "busy");
            busy += 1;
        } else {
            upload.abort();
        }
    }
    assert_eq!(busy, 16 - 4, "uz gets its 4 slots, no more");
    federation.stop_all().await
}

#[tokio::test]
async fn a_trickling_upload_is_cut_with_attachment_too_slow() -> Result<()> {
    let mut federation = Federation::start_with(
        &["tm", "de", "uz"],
        configure(
            "de",
            "[attachments]\nmin_transfer_bytes_per_second = 4096\ntransfer_grace_seconds = 1",
        ),
    )
    .await?;
    let file = Evidence::new(64 * KIB, 6);
    let envelope = request_referencing(&federation, "uz", "de", vec![file.reference("s.bin")])?;
    let client = federation.connect_as("uz", "de").await?;
    let trickle = HeldUpload::start(client, file.chunks(&envelope, 0), 1).await?;
    // One byte every 200 ms: 5 bytes per second against a minimum of 4096.
    let started = tokio::time::Instant::now();
    let mut offset = 0;
    while !trickle.answered() && started.elapsed() < rogatory_tests::TIMEOUT {
        let chunk = rogatory_proto::v1::AttachmentChunk {
            header: None,
            offset,
            data: vec![file.bytes[usize::try_from(offset)?]],
        };
        if trickle.send(chunk).await.is_err() {
            break;
        }
        offset += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let cut = trickle.answer().await?.expect_err("the trickle is cut");
    assert_eq!(cut.code(), Code::DeadlineExceeded);
    assert_eq!(reason_of(&cut), "attachment-too-slow");
    let durable: u64 = cut
        .metadata()
        .get("rogatory-durable-offset")
        .context("the durable offset")?
        .to_str()?
        .parse()?;
    assert!(durable <= offset);

    // The same node takes a normal upload at these settings.
    let other = Evidence::new(2 * MIB, 7);
    let from_tm = request_referencing(&federation, "tm", "de", vec![other.reference("n.bin")])?;
    assert!(
        put(&federation, "tm", "de", other.chunks(&from_tm, 0))
            .await??
            .complete
    );
    federation.stop_all().await
}

#[tokio::test]
async fn a_download_its_reader_never_reads_is_cut_and_gives_its_slot_back() -> Result<()> {
    let mut federation = Federation::start_with(
        &["tm", "de"],
        configure(
            "de",
            "[attachments]\nmax_transfers_per_peer = 1\nmin_transfer_bytes_per_second = 1048576\n\
             transfer_grace_seconds = 1",
        ),
    )
    .await?;
    let file = Evidence::new(16 * MIB, 8);
    let from_tm = request_referencing(&federation, "tm", "de", vec![file.reference("d.bin")])?;
    assert!(
        put(&federation, "tm", "de", file.chunks(&from_tm, 0))
            .await??
            .complete
    );
    deliver(&federation, "tm", "de", &from_tm).await??;
    let message_id = message_id_of(&from_tm)?;

    // tm asks for the file and never reads the answer: its only slot is taken...
    let stalled =
        fetch_without_reading(&federation, "tm", "de", &file.digest, &message_id).await??;
    let busy = fetch(&federation, "tm", "de", &file.digest, &message_id)
        .await?
        .expect_err("tm's only slot is taken");
    assert_eq!(reason_of(&busy), "busy");
    // ... until the stalled download falls behind the minimum rate and is cut.
    let read = federation
        .eventually("the stalled download to be cut", || async {
            match fetch(&federation, "tm", "de", &file.digest, &message_id).await? {
                Ok(bytes) => Ok(Some(bytes)),
                Err(status) if reason_of(&status) == "busy" => Ok(None),
                Err(status) => Err(status.into()),
            }
        })
        .await?;
    assert_eq!(read, file.bytes);
    // The stalled reader, reading at last, gets what was queued and then why it was cut.
    let mut stalled = stalled;
    let cut = loop {
        match stalled.message().await {
            Ok(Some(_)) => {}
            Ok(None) => anyhow::bail!("the cut download ended without a status"),
            Err(status) => break status,
        }
    };
    assert_eq!(cut.code(), Code::DeadlineExceeded);
    assert_eq!(reason_of(&cut), "attachment-too-slow");
    federation.stop_all().await
}

#[tokio::test]
async fn a_peer_beyond_its_upload_quotas_is_refused_and_others_are_not() -> Result<()> {
    let mut federation = Federation::start_with(
        &["tm", "de", "uz"],
        configure(
            "de",
            "[attachments]\nmax_upload_bytes_in_flight_per_peer = 3145728\n\
             max_partial_bytes_per_peer = 4194304",
        ),
    )
    .await?;
    let partial = partial_dir(&federation, "de")?;
    // uz holds an upload of 3 MiB open after 2 MiB: all its bytes in flight.
    let a = Evidence::new(3 * MIB, 9);
    let for_a = request_referencing(&federation, "uz", "de", vec![a.reference("a")])?;
    let client = federation.connect_as("uz", "de").await?;
    let held = HeldUpload::start(client, a.chunks(&for_a, 0), 9).await?;
    federation
        .eventually("uz's upload under way", || async {
            Ok((files_under(&partial) > 0).then_some(()))
        })
        .await?;
    let b = Evidence::new(MIB, 10);
    let for_b = request_referencing(&federation, "uz", "de", vec![b.reference("b")])?;
    let refused = put(&federation, "uz", "de", b.chunks(&for_b, 0))
        .await?
        .expect_err("beyond uz's bytes in flight");
    assert_eq!(refused.code(), Code::ResourceExhausted);
    assert_eq!(reason_of(&refused), "attachment-quota");
    assert!(refused.message().contains("quota"), "{}", refused.message());

    // uz's connection breaks: 2 MiB stay as its interrupted upload.
    held.abort();
    federation
        .eventually("uz's interrupted upload kept", || async {
            let seen = status(&federation, "uz", "de", &a.digest, &for_a).await??;
            Ok((seen.durable_offset == 2 * MIB as u64).then_some(()))
        })
        .await?;
    // 2 MiB kept + 2.5 MiB more is beyond uz's 4 MiB of unfinished uploads.
    let c = Evidence::new(2 * MIB + MIB / 2, 11);
    let for_c = request_referencing(&federation, "uz", "de", vec![c.reference("c")])?;
    let refused = put(&federation, "uz", "de", c.chunks(&for_c, 0))
        .await?
        .expect_err("beyond uz's partial bytes");
    assert_eq!(refused.code(), Code::ResourceExhausted);
    assert_eq!(reason_of(&refused), "attachment-quota");

    // tm's quotas are its own.
    let from_tm = request_referencing(&federation, "tm", "de", vec![c.reference("c")])?;
    assert!(
        put(&federation, "tm", "de", c.chunks(&from_tm, 0))
            .await??
            .complete
    );
    // And uz can still finish what it started.
    let receipt = put(&federation, "uz", "de", a.chunks(&for_a, 2 * MIB as u64)).await??;
    assert!(receipt.complete);
    federation.stop_all().await
}

#[tokio::test]
async fn an_abandoned_upload_expires_and_leaves_nothing_on_disk() -> Result<()> {
    let mut federation = Federation::start_with(
        &["de", "uz"],
        configure("de", "[attachments]\npartial_expiry_seconds = 1"),
    )
    .await?;
    let partial = partial_dir(&federation, "de")?;
    let file = Evidence::new(MIB, 12);
    let envelope = request_referencing(&federation, "uz", "de", vec![file.reference("e")])?;
    let left = put(
        &federation,
        "uz",
        "de",
        file.chunks(&envelope, 0)[..3].to_vec(),
    )
    .await??;
    assert_eq!(left.durable_offset, 2 * CHUNK as u64);
    federation
        .eventually("the abandoned upload to expire", || async {
            let seen = status(&federation, "uz", "de", &file.digest, &envelope).await??;
            Ok((seen.durable_offset == 0 && files_under(&partial) == 0).then_some(()))
        })
        .await?;

    // At start too: a partial file of the layout before uploads were kept per peer (which no
    // one can resume) goes when the node starts.
    federation.stop_node("de").await?;
    let legacy = partial.join(format!("{}.part", hex::encode(file.digest)));
    std::fs::write(&legacy, &file.bytes[..CHUNK])?;
    federation.start_node("de").await?;
    federation
        .eventually("the stale partial file to go", || async {
            Ok((!legacy.exists()).then_some(()))
        })
        .await?;
    federation.stop_all().await
}
