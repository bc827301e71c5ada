//! Evidence attachments between real nodes: large files arrive byte-identical, interrupted
//! uploads resume from the durable offset (after a dropped connection and after SIGKILL of the
//! receiver), bad uploads are refused with a specific status and leave nothing in the store,
//! a message is receipted only once its files are there, and only parties may read a file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rogatory_node::storage::attachments::read_chunks;
use rogatory_proto::v1::{
    AttachmentChunk, AttachmentHeader, AttachmentReceipt, AttachmentRef, AttachmentStatusRequest,
    DeliverRequest, DeliveryState, Direction, EntryKind, FetchAttachmentRequest,
    FetchCaseAttachmentRequest, LogEntry, RequestStatus, SignedEnvelope, StatusUpdate,
    SubmitRequestRequest, SubmitStatusUpdateRequest, envelope,
};
use rogatory_tests::{Federation, reason_of, sample_request};
use sha2::{Digest, Sha256};
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;

/// How long a large transfer may take on a slow, unoptimised test build.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(900);
const MIB: u64 = 1024 * 1024;

/// A file written for a test, never held in memory whole.
#[derive(Debug, Clone)]
struct TestFile {
    path: PathBuf,
    size: u64,
    digest: [u8; 32],
}

impl TestFile {
    fn reference(&self, name: &str) -> AttachmentRef {
        AttachmentRef {
            file_name: name.into(),
            media_type: "application/octet-stream".into(),
            size: self.size,
            sha256: self.digest.to_vec(),
        }
    }
}

/// Writes `size` pseudo-random bytes (xorshift from `seed`), 1 MiB at a time, hashing them.
fn write_test_file(dir: &Path, name: &str, size: u64, seed: u64) -> Result<TestFile> {
    let path = dir.join(name);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let mut hasher = Sha256::new();
    let mut state = seed.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut buffer = vec![0u8; MIB as usize];
    let mut left = size;
    while left > 0 {
        for word in buffer.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        let n = usize::try_from(left.min(MIB))?;
        hasher.update(&buffer[..n]);
        out.write_all(&buffer[..n])?;
        left -= n as u64;
    }
    out.into_inner()?.sync_all()?;
    Ok(TestFile {
        path,
        size,
        digest: hasher.finalize().into(),
    })
}

/// A header chunk, then the file's data chunks from `offset` (as many as `limit` allows).
fn upload_stream(
    file: &TestFile,
    envelope: Option<SignedEnvelope>,
    offset: u64,
    limit: Option<usize>,
) -> ReceiverStream<AttachmentChunk> {
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    let header = AttachmentChunk {
        header: Some(AttachmentHeader {
            sha256: file.digest.to_vec(),
            size: file.size,
            envelope,
        }),
        ..Default::default()
    };
    let path = file.path.clone();
    tokio::spawn(async move {
        if sender.send(header).await.is_err() {
            return;
        }
        let mut chunks = read_chunks(path, offset);
        let mut sent = 0;
        while let Some(Ok((offset, data))) = chunks.recv().await {
            if limit.is_some_and(|limit| sent >= limit) {
                // Hold the stream open without ending it: the caller drops the call.
                std::future::pending::<()>().await;
            }
            let chunk = AttachmentChunk {
                header: None,
                offset,
                data,
            };
            if sender.send(chunk).await.is_err() {
                return;
            }
            sent += 1;
        }
    });
    ReceiverStream::new(receiver)
}

/// Stores `file` in `node`'s own attachment store through its operator API.
async fn upload_local(federation: &Federation, node: &str, file: &TestFile) -> Result<()> {
    let receipt = federation
        .operator(node)
        .await?
        .put_attachment(upload_stream(file, None, 0, None))
        .await?
        .into_inner();
    assert!(receipt.complete, "{receipt:?}");
    Ok(())
}

/// Reads an attachment of `case` back from `node` and returns its SHA-256 and length.
async fn fetch_local(
    federation: &Federation,
    node: &str,
    case: &str,
    digest: &[u8; 32],
) -> Result<([u8; 32], u64)> {
    let mut stream = federation
        .operator(node)
        .await?
        .fetch_attachment(FetchCaseAttachmentRequest {
            case_id: case.into(),
            sha256: digest.to_vec(),
            offset: 0,
        })
        .await?
        .into_inner();
    hash_stream(&mut stream).await
}

async fn hash_stream(stream: &mut tonic::Streaming<AttachmentChunk>) -> Result<([u8; 32], u64)> {
    let mut hasher = Sha256::new();
    let mut expected_offset = 0;
    let header = stream.message().await?.context("no header")?;
    let size = header.header.context("first chunk has no header")?.size;
    while let Some(chunk) = stream.message().await? {
        assert_eq!(chunk.offset, expected_offset);
        expected_offset += chunk.data.len() as u64;
        hasher.update(&chunk.data);
    }
    assert_eq!(expected_offset, size);
    Ok((hasher.finalize().into(), expected_offset))
}

fn attachments_dir(federation: &Federation, node: &str) -> Result<PathBuf> {
    Ok(federation.node(node)?.dir.join("data/attachments"))
}

/// The length of the partial file of `digest` in `node`'s store, whoever uploads it (partial
/// uploads are kept per uploader, under `partial/peers/<node id>/`).
fn partial_len(federation: &Federation, node: &str, digest: &[u8; 32]) -> Result<Option<u64>> {
    let peers = attachments_dir(federation, node)?
        .join("partial")
        .join("peers");
    let name = format!("{}.part", hex::encode(digest));
    Ok(std::fs::read_dir(peers)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|peer| std::fs::metadata(peer.path().join(&name)).ok())
        .map(|m| m.len())
        .max())
}

/// Files in a store directory (`partial`, or the verified files under `sha256`).
fn files_under(dir: &Path) -> usize {
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

/// A request from `from` to `to` referencing `refs`, signed by `from`.
fn signed_request(
    federation: &Federation,
    from: &str,
    to: &str,
    refs: Vec<AttachmentRef>,
) -> Result<SignedEnvelope> {
    let mut envelope = federation.request_envelope(from, to);
    if let Some(envelope::Body::MlaRequest(request)) = envelope.body.as_mut() {
        request.attachments = refs;
    }
    federation.sign_as(from, &envelope)
}

async fn remote_status(
    federation: &Federation,
    from: &str,
    to: &str,
    file: &TestFile,
    envelope: &SignedEnvelope,
) -> Result<std::result::Result<rogatory_proto::v1::AttachmentStatusResponse, tonic::Status>> {
    let mut client = federation.connect_as(from, to).await?;
    Ok(client
        .attachment_status(AttachmentStatusRequest {
            sha256: file.digest.to_vec(),
            envelope: Some(envelope.clone()),
        })
        .await
        .map(tonic::Response::into_inner))
}

async fn put_remote(
    federation: &Federation,
    from: &str,
    to: &str,
    stream: ReceiverStream<AttachmentChunk>,
) -> Result<std::result::Result<AttachmentReceipt, tonic::Status>> {
    let mut client = federation.connect_as(from, to).await?;
    Ok(client
        .put_attachment(stream)
        .await
        .map(tonic::Response::into_inner))
}

/// A request from tm to de that references `file` as `name`.
fn request_referencing(file: &TestFile, name: &str) -> SubmitRequestRequest {
    let mut request = sample_request();
    request.attachments = vec![file.reference(name)];
    SubmitRequestRequest {
        recipient: "de".into(),
        request: Some(request),
        case_id: String::new(),
        submitted_by: "Prosecutor A.".into(),
        copies_to: Vec::new(),
    }
}

async fn wait_delivered(federation: &Federation, node: &str, message_id: &str) -> Result<()> {
    let deadline = tokio::time::Instant::now() + TRANSFER_TIMEOUT;
    loop {
        let record = federation.message(node, message_id).await?;
        if record.state == DeliveryState::Delivered as i32 {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            bail!("{message_id} not delivered: {}", record.last_error);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_large_attachment_arrives_byte_identical_and_its_arrival_is_logged() -> Result<()> {
    let _disk = rogatory_tests::disk_heavy().await;
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let megabytes = std::env::var("ROGATORY_TEST_ATTACHMENT_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let files = tempfile::tempdir()?;
    let file = write_test_file(files.path(), "evidence.bin", megabytes * MIB, 42)?;
    upload_local(&federation, "tm", &file).await?;

    let submitted = federation
        .operator("tm")
        .await?
        .submit_request(request_referencing(&file, "evidence.bin"))
        .await?
        .into_inner()
        .message
        .context("record")?;
    wait_delivered(&federation, "tm", &submitted.message_id).await?;

    let (digest, size) = fetch_local(&federation, "de", &submitted.case_id, &file.digest).await?;
    assert_eq!((digest, size), (file.digest, file.size));
    assert_eq!(
        files_under(&attachments_dir(&federation, "de")?.join("partial")),
        0
    );
    let arrivals: Vec<LogEntry> = federation
        .log_entries("de")
        .await?
        .into_iter()
        .filter(|e| e.kind == EntryKind::AttachmentReceived as i32)
        .collect();
    assert_eq!(arrivals.len(), 1);
    assert_eq!(arrivals[0].peer, "tm");
    assert_eq!(arrivals[0].message_id, submitted.message_id);
    assert!(arrivals[0].detail.contains(&hex::encode(file.digest)));
    // tm's own log names who uploaded the file locally (the test's Unix account here).
    let local: Vec<LogEntry> = federation
        .log_entries("tm")
        .await?
        .into_iter()
        .filter(|e| e.kind == EntryKind::AttachmentReceived as i32)
        .collect();
    assert_eq!(local.len(), 1);
    assert!(local[0].peer.is_empty());
    assert!(
        local[0].detail.contains("; uploaded by ") && local[0].detail.contains("uid "),
        "{}",
        local[0].detail
    );
    let verdict = federation.verify_log("de").await?;
    assert!(verdict.ok, "{}", verdict.failure);

    // The reply carries evidence back, in the same case.
    let evidence = write_test_file(files.path(), "reply.bin", 3 * MIB + 17, 7)?;
    upload_local(&federation, "de", &evidence).await?;
    let inbox = federation.messages("de", Direction::Inbox).await?;
    let reply = federation
        .operator("de")
        .await?
        .submit_status_update(SubmitStatusUpdateRequest {
            refers_to: inbox[0].message_id.clone(),
            update: Some(StatusUpdate {
                status: RequestStatus::Acknowledged as i32,
                attachments: vec![evidence.reference("reply.bin")],
                ..Default::default()
            }),
            submitted_by: "Judge B.".into(),
        })
        .await?
        .into_inner()
        .message
        .context("record")?;
    wait_delivered(&federation, "de", &reply.message_id).await?;
    let (digest, _) = fetch_local(&federation, "tm", &submitted.case_id, &evidence.digest).await?;
    assert_eq!(digest, evidence.digest);
    federation.stop_all().await
}

#[tokio::test]
async fn a_message_with_attachments_goes_alone_so_that_no_batch_waits_for_its_upload() -> Result<()>
{
    let mut federation = Federation::start_with(&["tm", "de"], |id, mut text| {
        if id == "tm" {
            text.push_str(rogatory_tests::METRICS_ON_LOOPBACK);
        }
        text
    })
    .await?;
    let files = tempfile::tempdir()?;
    let file = write_test_file(files.path(), "e.bin", MIB + 3, 9)?;
    upload_local(&federation, "tm", &file).await?;
    let mut operator = federation.operator("tm").await?;
    let with_file = operator
        .submit_request(request_referencing(&file, "e.bin"))
        .await?
        .into_inner()
        .message
        .context("record")?;
    wait_delivered(&federation, "tm", &with_file.message_id).await?;
    let mut plain = request_referencing(&file, "e.bin");
    if let Some(request) = plain.request.as_mut() {
        request.attachments.clear();
    }
    let plain = operator
        .submit_request(plain)
        .await?
        .into_inner()
        .message
        .context("record")?;
    wait_delivered(&federation, "tm", &plain.message_id).await?;

    // The message with a file went by Deliver once its upload was done; the plain one in a
    // batch call of its own.
    let metrics = federation.metrics_address("tm")?;
    let scraped = rogatory_tests::http_get(metrics, "/metrics").await?;
    let carried = |rpc: &str| {
        scraped.expect(&format!(
            "rogatory_delivery_call_messages_total{{peer=\"de\",rpc=\"{rpc}\"}}"
        ))
    };
    assert_eq!(carried("Deliver")?, 1.0, "{}", scraped.body);
    assert_eq!(carried("DeliverBatch")?, 1.0, "{}", scraped.body);
    federation.stop_all().await
}

#[tokio::test]
async fn a_request_is_receipted_only_once_its_attachments_are_stored() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let files = tempfile::tempdir()?;
    let file = write_test_file(files.path(), "a.bin", MIB + 5, 1)?;
    let signed = signed_request(&federation, "tm", "de", vec![file.reference("a.bin")])?;
    let log_before = federation.log_size("de").await?;
    let mut client = federation.connect_as("tm", "de").await?;
    let refused = client
        .deliver(DeliverRequest {
            envelope: Some(signed.clone()),
            ..Default::default()
        })
        .await
        .expect_err("the attachment is missing");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(reason_of(&refused), "attachments-missing");
    // Transient: nothing stored, nothing logged.
    assert_eq!(federation.log_size("de").await?, log_before);
    assert!(
        federation
            .messages("de", Direction::Inbox)
            .await?
            .is_empty()
    );

    let receipt = put_remote(
        &federation,
        "tm",
        "de",
        upload_stream(&file, Some(signed.clone()), 0, None),
    )
    .await??;
    assert!(receipt.complete);
    assert_eq!(receipt.durable_offset, file.size);
    let answer = client
        .deliver(DeliverRequest {
            envelope: Some(signed),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert!(answer.receipt.is_some());
    federation.stop_all().await
}

#[tokio::test]
async fn an_upload_dropped_mid_stream_resumes_from_the_durable_offset() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let files = tempfile::tempdir()?;
    let file = write_test_file(files.path(), "b.bin", 16 * MIB + 3, 2)?;
    let signed = signed_request(&federation, "tm", "de", vec![file.reference("b.bin")])?;

    // Send 32 chunks of 256 KiB (8 MiB), then drop the call with the stream still open.
    let call = tokio::spawn({
        let mut client = federation.connect_as("tm", "de").await?;
        let stream = upload_stream(&file, Some(signed.clone()), 0, Some(32));
        async move { client.put_attachment(stream).await }
    });
    federation
        .eventually("8 MiB written by de", || async {
            Ok(partial_len(&federation, "de", &file.digest)?.filter(|len| *len >= 8 * MIB))
        })
        .await?;
    call.abort();
    let durable = federation
        .eventually("the interrupted upload to be durable", || async {
            // The offset of an upload in progress moves only when de fsyncs: here, when it
            // notices the reset and closes the partial file.
            let status = remote_status(&federation, "tm", "de", &file, &signed).await??;
            Ok((status.durable_offset > 0).then_some(status))
        })
        .await?;
    assert!(!durable.present);
    assert_eq!(durable.durable_offset, 8 * MIB);
    assert_eq!(durable.size, file.size);

    // Starting again from 0 is refused with the offset to resume at. de makes the offset
    // durable before it lets go of the interrupted upload, so a new one may first be told that
    // one is still in progress (retry later), as any uploader may.
    let refused = federation
        .eventually("the interrupted upload to be let go", || async {
            let answer = put_remote(
                &federation,
                "tm",
                "de",
                upload_stream(&file, Some(signed.clone()), 0, None),
            )
            .await?;
            Ok(match answer {
                Err(status) if status.message().contains("in progress") => None,
                other => Some(other),
            })
        })
        .await?
        .expect_err("offset 0 is behind the durable offset");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(reason_of(&refused), "attachment-offset");
    assert_eq!(
        refused
            .metadata()
            .get("rogatory-durable-offset")
            .and_then(|v| v.to_str().ok()),
        Some((8 * MIB).to_string().as_str())
    );

    // Only the rest goes over the wire the second time. The offset check above may answer
    // before de has let go of the interrupted upload, so this one too may first be told to
    // retry later.
    let receipt = federation
        .eventually("the rest to be taken", || async {
            let answer = put_remote(
                &federation,
                "tm",
                "de",
                upload_stream(&file, Some(signed.clone()), durable.durable_offset, None),
            )
            .await?;
            Ok(match answer {
                Err(status) if status.message().contains("in progress") => None,
                other => Some(other),
            })
        })
        .await??;
    assert!(receipt.complete);
    let status = remote_status(&federation, "tm", "de", &file, &signed).await??;
    assert!(status.present);
    let stored = attachments_dir(&federation, "de")?
        .join("sha256")
        .join(&hex::encode(file.digest)[..2])
        .join(hex::encode(file.digest));
    let mut hasher = Sha256::new();
    std::io::copy(&mut std::fs::File::open(stored)?, &mut hasher)?;
    assert_eq!(<[u8; 32]>::from(hasher.finalize()), file.digest);
    federation.stop_all().await
}

#[tokio::test]
async fn an_upload_resumes_after_the_receiver_is_killed() -> Result<()> {
    let mut federation = Federation::create(&["tm", "de"])?;
    federation.start_node("tm").await?;
    federation.spawn_process("de", &[]).await?;
    let files = tempfile::tempdir()?;
    let file = write_test_file(files.path(), "c.bin", 12 * MIB, 3)?;
    let signed = signed_request(&federation, "tm", "de", vec![file.reference("c.bin")])?;
    let call = tokio::spawn({
        let mut client = federation.connect_as("tm", "de").await?;
        let stream = upload_stream(&file, Some(signed.clone()), 0, Some(24));
        async move { client.put_attachment(stream).await }
    });
    federation
        .eventually("6 MiB written by de", || async {
            Ok(partial_len(&federation, "de", &file.digest)?.filter(|len| *len >= 6 * MIB))
        })
        .await?;
    federation.kill_process("de").await?;
    let broken = tokio::time::timeout(rogatory_tests::TIMEOUT, call).await??;
    assert!(broken.is_err(), "the upload cannot succeed through a kill");
    federation.spawn_process("de", &[]).await?;

    let status = remote_status(&federation, "tm", "de", &file, &signed).await??;
    assert!(!status.present);
    assert_eq!(status.durable_offset, 6 * MIB);
    let receipt = put_remote(
        &federation,
        "tm",
        "de",
        upload_stream(&file, Some(signed.clone()), status.durable_offset, None),
    )
    .await??;
    assert!(receipt.complete);
    // The message is now accepted and de can hand the file to its users.
    let mut client = federation.connect_as("tm", "de").await?;
    client
        .deliver(DeliverRequest {
            envelope: Some(signed.clone()),
            ..Default::default()
        })
        .await?;
    let case = rogatory_proto::signing::decode_envelope(&signed.payload)?.case_id;
    let (digest, _) = fetch_local(&federation, "de", &case, &file.digest).await?;
    assert_eq!(digest, file.digest);
    federation.stop_all().await
}

#[tokio::test]
async fn bad_uploads_are_refused_and_leave_nothing_in_the_store() -> Result<()> {
    let mut federation = Federation::start_with(&["tm", "de"], |id, text| {
        if id == "de" {
            format!("{text}\n[attachments]\nmax_file_bytes = {}\n", 8 * MIB)
        } else {
            text
        }
    })
    .await?;
    let files = tempfile::tempdir()?;
    let file = write_test_file(files.path(), "d.bin", 2 * MIB + 1, 4)?;
    let partial_dir = attachments_dir(&federation, "de")?.join("partial");
    let stored_dir = attachments_dir(&federation, "de")?.join("sha256");

    // Wrong declared hash: the bytes are another file's of the same size.
    let other = write_test_file(files.path(), "other.bin", file.size, 5)?;
    let mut lying = other.clone();
    lying.digest = file.digest;
    let signed = signed_request(&federation, "tm", "de", vec![file.reference("d.bin")])?;
    let refused = put_remote(
        &federation,
        "tm",
        "de",
        upload_stream(&lying, Some(signed.clone()), 0, None),
    )
    .await?
    .expect_err("the bytes do not hash to the declared digest");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(reason_of(&refused), "attachment-hash-mismatch");
    assert_eq!(
        (files_under(&partial_dir), files_under(&stored_dir)),
        (0, 0)
    );

    // A corrupted chunk: one flipped byte in the middle.
    let corrupted = {
        let bytes_path = files.path().join("corrupted.bin");
        std::fs::copy(&file.path, &bytes_path)?;
        let mut handle = std::fs::OpenOptions::new().write(true).open(&bytes_path)?;
        std::io::Seek::seek(&mut handle, std::io::SeekFrom::Start(MIB))?;
        handle.write_all(&[0x5a])?;
        TestFile {
            path: bytes_path,
            ..file.clone()
        }
    };
    let refused = put_remote(
        &federation,
        "tm",
        "de",
        upload_stream(&corrupted, Some(signed.clone()), 0, None),
    )
    .await?
    .expect_err("a corrupted chunk");
    assert_eq!(reason_of(&refused), "attachment-hash-mismatch");
    assert_eq!(
        (files_under(&partial_dir), files_under(&stored_dir)),
        (0, 0)
    );

    // More bytes than declared: the header says the referenced size, the data runs past it.
    let longer = write_test_file(files.path(), "longer.bin", file.size + 10, 6)?;
    let overrun = TestFile {
        path: longer.path.clone(),
        ..file.clone()
    };
    let mut stream = upload_stream(&overrun, Some(signed.clone()), 0, None);
    // upload_stream reads the whole (longer) file: the last chunk ends past the size.
    let refused = {
        let mut client = federation.connect_as("tm", "de").await?;
        let chunks = async_stream_of(&mut stream).await;
        client
            .put_attachment(tokio_stream::iter(chunks))
            .await
            .expect_err("past the declared size")
    };
    assert_eq!(refused.code(), Code::OutOfRange);
    assert_eq!(reason_of(&refused), "attachment-overrun");
    assert_eq!(
        (files_under(&partial_dir), files_under(&stored_dir)),
        (0, 0)
    );

    // A chunk out of order.
    let mut chunks =
        async_stream_of(&mut upload_stream(&file, Some(signed.clone()), 0, None)).await;
    chunks.swap(1, 2);
    let refused = federation
        .connect_as("tm", "de")
        .await?
        .put_attachment(tokio_stream::iter(chunks))
        .await
        .expect_err("out of order");
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(reason_of(&refused), "attachment-offset");
    assert_eq!(files_under(&stored_dir), 0);

    // Larger than de accepts.
    let big = TestFile {
        size: 8 * MIB + 1,
        ..file.clone()
    };
    let signed_big = signed_request(&federation, "tm", "de", vec![big.reference("big.bin")])?;
    let refused = put_remote(
        &federation,
        "tm",
        "de",
        upload_stream(&big, Some(signed_big.clone()), 0, Some(0)),
    )
    .await?
    .expect_err("too large");
    assert_eq!(refused.code(), Code::ResourceExhausted);
    assert_eq!(reason_of(&refused), "attachment-too-large");
    // And a message referencing it is refused for good, not retried as missing.
    let refused = federation
        .connect_as("tm", "de")
        .await?
        .deliver(DeliverRequest {
            envelope: Some(signed_big),
            ..Default::default()
        })
        .await
        .expect_err("too large");
    assert_eq!(refused.code(), Code::ResourceExhausted);
    assert_eq!(reason_of(&refused), "attachments-too-large");
    assert_eq!(files_under(&stored_dir), 0);
    federation.stop_all().await
}

/// Everything a finite upload stream yields, collected (small files only).
async fn async_stream_of(stream: &mut ReceiverStream<AttachmentChunk>) -> Vec<AttachmentChunk> {
    let mut chunks = Vec::new();
    while let Some(chunk) = stream.as_mut().recv().await {
        chunks.push(chunk);
    }
    chunks
}

#[tokio::test]
async fn only_parties_of_a_message_may_fetch_or_upload_its_attachments() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de", "uz"]).await?;
    let files = tempfile::tempdir()?;
    let file = write_test_file(files.path(), "e.bin", MIB, 8)?;
    let signed = signed_request(&federation, "tm", "de", vec![file.reference("e.bin")])?;
    let message_id = rogatory_proto::signing::decode_envelope(&signed.payload)?.message_id;
    put_remote(
        &federation,
        "tm",
        "de",
        upload_stream(&file, Some(signed.clone()), 0, None),
    )
    .await??;
    federation
        .connect_as("tm", "de")
        .await?
        .deliver(DeliverRequest {
            envelope: Some(signed.clone()),
            ..Default::default()
        })
        .await?;

    let fetch = |from: &'static str, sha256: Vec<u8>| {
        let federation = &federation;
        let message_id = message_id.clone();
        async move {
            federation
                .connect_as(from, "de")
                .await?
                .fetch_attachment(FetchAttachmentRequest {
                    sha256,
                    message_id,
                    offset: 0,
                })
                .await
                .map(tonic::Response::into_inner)
                .map_err(anyhow::Error::from)
        }
    };
    // A party reads it back.
    let mut stream = fetch("tm", file.digest.to_vec()).await?;
    assert_eq!(hash_stream(&mut stream).await?.0, file.digest);
    // Another peer gets exactly what it would get for a file that does not exist.
    let not_party = fetch("uz", file.digest.to_vec())
        .await
        .expect_err("uz is not a party")
        .downcast::<tonic::Status>()?;
    let absent = fetch("tm", vec![0xab; 32])
        .await
        .expect_err("no such file")
        .downcast::<tonic::Status>()?;
    for status in [&not_party, &absent] {
        assert_eq!(status.code(), Code::NotFound);
        assert_eq!(reason_of(status), "attachment-not-found");
    }
    assert_eq!(not_party.message(), absent.message());
    // Nor can uz ask about or upload it on the strength of tm's message.
    let status = remote_status(&federation, "uz", "de", &file, &signed)
        .await?
        .expect_err("not uz's message");
    assert_eq!(status.code(), Code::NotFound);
    let refused = put_remote(
        &federation,
        "uz",
        "de",
        upload_stream(&file, Some(signed), 0, None),
    )
    .await?
    .expect_err("not uz's message");
    assert_eq!(refused.code(), Code::NotFound);
    federation.stop_all().await
}

#[tokio::test]
async fn the_outbox_resumes_an_upload_after_the_receiver_is_killed() -> Result<()> {
    let mut federation = Federation::create(&["tm", "de"])?;
    federation.start_node("tm").await?;
    federation.spawn_process("de", &[]).await?;
    let files = tempfile::tempdir()?;
    let file = write_test_file(files.path(), "f.bin", 200 * MIB, 9)?;
    upload_local(&federation, "tm", &file).await?;
    let request = request_referencing(&file, "f.bin");
    // The submission waits for the first attempt, which is the transfer: watch it meanwhile.
    let mut operator = federation.operator("tm").await?;
    let submission = tokio::spawn(async move { operator.submit_request(request).await });
    federation
        .eventually("part of the file on de", || async {
            Ok(partial_len(&federation, "de", &file.digest)?.filter(|len| *len >= 16 * MIB))
        })
        .await?;
    federation.kill_process("de").await?;
    let kept = partial_len(&federation, "de", &file.digest)?.context("the partial file")?;
    assert!(kept >= 16 * MIB && kept < file.size, "{kept}");
    let submitted = submission.await??.into_inner().message.context("record")?;
    assert_ne!(submitted.state, DeliveryState::Delivered as i32);
    federation.spawn_process("de", &[]).await?;
    wait_delivered(&federation, "tm", &submitted.message_id).await?;
    let (digest, size) = fetch_local(&federation, "de", &submitted.case_id, &file.digest).await?;
    assert_eq!((digest, size), (file.digest, file.size));
    assert_eq!(
        files_under(&attachments_dir(&federation, "de")?.join("partial")),
        0
    );
    federation.stop_all().await
}

#[tokio::test]
async fn a_backup_carries_the_attachments_and_a_restore_puts_them_back() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let files = tempfile::tempdir()?;
    let file = write_test_file(files.path(), "g.bin", 5 * MIB + 1, 10)?;
    upload_local(&federation, "tm", &file).await?;
    let submitted = federation
        .operator("tm")
        .await?
        .submit_request(request_referencing(&file, "g.bin"))
        .await?
        .into_inner()
        .message
        .context("record")?;
    wait_delivered(&federation, "tm", &submitted.message_id).await?;
    let backup_dir = federation.root.path().join("backup-de");
    let response = federation.take_backup("de", &backup_dir).await?;
    assert!(response.bytes >= file.size);

    federation.stop_node("de").await?;
    let config = federation.node("de")?.config()?;
    std::fs::rename(
        config.data_dir.join("store"),
        config.data_dir.join("store.old"),
    )?;
    std::fs::rename(
        config.data_dir.join("attachments"),
        config.data_dir.join("attachments.old"),
    )?;
    rogatory_node::storage::backup::restore(&backup_dir, &config)?;
    federation.start_node("de").await?;
    let (digest, _) = fetch_local(&federation, "de", &submitted.case_id, &file.digest).await?;
    assert_eq!(digest, file.digest);
    federation.stop_all().await
}
