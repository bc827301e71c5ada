//! Attachment benchmark: how fast an evidence file moves between two Rogatory nodes, and how
//! much memory the receiving node needs for it, next to what the same transport does alone.
//!
//! For each file size (default 256 MiB; `--sizes 256,2048` in MiB):
//! 1. **Rogatory**: a file written to disk beforehand is stored in `tm`'s attachment store
//!    through `Operator.PutAttachment` (timed separately as "local ingest"), then a request
//!    referencing it is submitted to `tm` and timed until `de` logs the file's arrival
//!    (`ATTACHMENT_RECEIVED`, written after the file is verified and durable: the rate the
//!    ratio uses), and until `tm` records `de`'s receipt. In
//!    between, `tm`'s outbox asks `de` for the attachment's status and streams it with
//!    `Federation.PutAttachment` over mutual TLS 1.3; `de` hashes every byte, writes it,
//!    fsyncs, renames the file into place, logs its arrival durably, and only then accepts and
//!    receipts the request. `de` runs as a real `rogatoryd` process (release build), so its
//!    peak resident memory is read from `/proc/<pid>/status` (`VmHWM`).
//! 2. **Baseline**: the same bytes, read the same way from the same file, through a plain
//!    client stream over the same mTLS configuration (`de`'s certificate, `tm`'s client
//!    certificate, the node's TLS listener, the same HTTP/2 window sizes) to a service that
//!    counts and drops them: no hashing, no storage, no fsync.
//!
//! Targets from the issue: Rogatory at least 60% of the baseline's rate, `de` peak RSS under
//! 100 MB. Everything shares this machine's cores and disk; the files live in a temporary
//! directory on the same file system as the stores.
//!
//! Run with `cargo bench -p rogatory-tests --bench attachments` (add `-- --sizes 256,2048`
//! for sizes in MiB, `--runs N` for the runs per size, default 3: the fastest of each counts).
#![forbid(unsafe_code)]

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rogatory_node::storage::attachments::read_chunks;
use rogatory_node::transport::{peer_client, tls_listener};
use rogatory_proto::v1::federation_client::FederationClient;
use rogatory_proto::v1::federation_server::{Federation as FederationService, FederationServer};
use rogatory_proto::v1::{
    AttachmentChunk, AttachmentHeader, AttachmentReceipt, AttachmentRef, AttachmentStatusRequest,
    AttachmentStatusResponse, DeliverRequest, DeliverResponse, DeliveryState, EntryKind,
    ExportLogRequest, FetchAttachmentRequest, HeldCheckpointRequest, HeldCheckpointResponse,
    LogEntry, SubmitRequestRequest, WitnessRequest, WitnessResponse, export_chunk,
};
use rogatory_tests::{Federation, TIMEOUT, sample_request};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::Server;

const SENDER: &str = "tm";
const RECIPIENT: &str = "de";
const MIB: u64 = 1024 * 1024;
const TARGET_SHARE_OF_BASELINE: f64 = 0.6;
const TARGET_PEAK_RSS_BYTES: u64 = 100 * 1000 * 1000;
/// No transfer of these sizes should take longer on any machine worth benchmarking on.
const TRANSFER_LIMIT: Duration = Duration::from_secs(1800);

fn main() -> Result<()> {
    let (sizes, runs) = settings_from_args(std::env::args().skip(1))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    let results = runtime.block_on(run(&sizes, runs))?;
    print_report(&results);
    Ok(())
}

/// File sizes (`--sizes 256,2048`, MiB) and runs per size (`--runs 3`).
fn settings_from_args(args: impl Iterator<Item = String>) -> Result<(Vec<u64>, u32)> {
    let mut sizes = vec![256 * MIB];
    let mut runs = 3;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--sizes" => {
                let list = args
                    .next()
                    .context("--sizes needs a list of MiB, e.g. 256,2048")?;
                sizes = list
                    .split(',')
                    .map(|mib| mib.trim().parse::<u64>().map(|mib| mib * MIB))
                    .collect::<Result<_, _>>()
                    .context("--sizes: whole MiB separated by commas")?;
            }
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .context("--runs needs a positive number")?;
            }
            // `cargo bench` passes `--bench` to every bench target.
            "--bench" => {}
            other => eprintln!("attachments bench: ignoring argument {other:?}"),
        }
    }
    Ok((sizes, runs))
}

#[derive(Debug)]
struct SizeResult {
    size: u64,
    runs: u32,
    local_ingest: Duration,
    /// From the submission until `de` logged the file stored, verified and durable.
    transfer: Duration,
    /// From the submission until `tm` recorded `de`'s receipt for the request.
    end_to_end: Duration,
    baseline: Duration,
    /// `de`'s VmRSS before the transfer and VmHWM after it (bytes).
    rss_before: u64,
    peak_rss: u64,
}

fn rate(size: u64, elapsed: Duration) -> f64 {
    size as f64 / MIB as f64 / elapsed.as_secs_f64()
}

async fn run(sizes: &[u64], runs: u32) -> Result<Vec<SizeResult>> {
    let mut results = Vec::new();
    for &size in sizes {
        // A fresh pair of nodes per size, so that each peak is this transfer's own.
        let mut federation = Federation::create(&[SENDER, RECIPIENT])?;
        federation.start_node(SENDER).await?;
        federation.spawn_process(RECIPIENT, &[]).await?;
        let result = measure(&federation, size, runs).await;
        federation.stop_all().await?;
        results.push(result?);
    }
    Ok(results)
}

async fn measure(federation: &Federation, size: u64, runs: u32) -> Result<SizeResult> {
    let pid = federation
        .node(RECIPIENT)?
        .process
        .as_ref()
        .and_then(tokio::process::Child::id)
        .context("de is not running as a process")?;
    let rss_before = proc_status_bytes(pid, "VmRSS:")?;
    let mut best = (Duration::MAX, Duration::MAX, Duration::MAX, Duration::MAX);
    // The machine is shared: each measurement is taken `runs` times, interleaved, and the
    // fastest of each counts, which approaches what each gets from an otherwise idle machine.
    for run in 0..runs {
        eprintln!(
            "attachments bench: {} MiB, run {} of {runs}: writing a new file",
            size / MIB,
            run + 1
        );
        let (path, digest) = write_file(federation.root.path(), size, u64::from(run))?;
        let reference = AttachmentRef {
            file_name: format!("evidence-{run}.bin"),
            media_type: "application/octet-stream".into(),
            size,
            sha256: digest.to_vec(),
        };
        eprintln!("attachments bench: baseline, plain mTLS stream");
        let baseline = baseline_stream(federation, &path, size).await?;

        eprintln!("attachments bench: local ingest into {SENDER}'s store");
        let started = Instant::now();
        let receipt = federation
            .operator(SENDER)
            .await?
            .put_attachment(file_stream(&path, &reference))
            .await?
            .into_inner();
        if !receipt.complete {
            bail!("the local upload stopped at {}", receipt.durable_offset);
        }
        let local_ingest = started.elapsed();

        eprintln!("attachments bench: {SENDER} -> {RECIPIENT}, request with the attachment");
        let mut request = sample_request();
        request.attachments = vec![reference];
        let started = Instant::now();
        let started_ms = rogatory_node::now_ms();
        let submitted = federation
            .operator(SENDER)
            .await?
            .submit_request(SubmitRequestRequest {
                recipient: RECIPIENT.into(),
                request: Some(request),
                case_id: String::new(),
                submitted_by: "bench".into(),
                copies_to: Vec::new(),
            })
            .await?
            .into_inner()
            .message
            .context("no record")?;
        loop {
            let record = federation.message(SENDER, &submitted.message_id).await?;
            if record.state == DeliveryState::Delivered as i32 {
                break;
            }
            if started.elapsed() > TRANSFER_LIMIT {
                bail!(
                    "not delivered after {TRANSFER_LIMIT:?}: {}",
                    record.last_error
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let end_to_end = started.elapsed();
        let stored_ms = arrival_time_ms(federation, &digest).await?;
        let transfer = Duration::from_millis(u64::try_from(stored_ms - started_ms)?);
        eprintln!(
            "attachments bench: run {}: upload {:.0} MiB/s, with receipt {:.0} MiB/s, baseline \
             {:.0} MiB/s",
            run + 1,
            rate(size, transfer),
            rate(size, end_to_end),
            rate(size, baseline)
        );
        best = (
            best.0.min(local_ingest),
            best.1.min(transfer),
            best.2.min(end_to_end),
            best.3.min(baseline),
        );
        std::fs::remove_file(&path)?;
    }
    let peak_rss = proc_status_bytes(pid, "VmHWM:")?;
    Ok(SizeResult {
        size,
        runs,
        local_ingest: best.0,
        transfer: best.1,
        end_to_end: best.2,
        baseline: best.3,
        rss_before,
        peak_rss,
    })
}

/// When `de` logged the attachment's arrival (ms since the epoch, the same clock as the bench's:
/// one machine).
async fn arrival_time_ms(federation: &Federation, digest: &[u8; 32]) -> Result<i64> {
    use prost::Message;
    let mut stream = federation
        .operator(RECIPIENT)
        .await?
        .export_log(ExportLogRequest {})
        .await?
        .into_inner();
    let mut arrival = None;
    while let Some(chunk) = stream.message().await? {
        if let Some(export_chunk::Chunk::Entry(entry)) = chunk.chunk {
            let entry = LogEntry::decode(entry.entry.as_slice())?;
            if entry.kind == EntryKind::AttachmentReceived as i32
                && entry.detail.contains(&hex::encode(digest))
            {
                arrival = Some(entry.time_ms);
            }
        }
    }
    arrival.context("de logged no ATTACHMENT_RECEIVED entry")
}

/// Writes `size` pseudo-random bytes (incompressible, so nothing on the way can cheat) and
/// returns the path and SHA-256.
fn write_file(dir: &Path, size: u64, seed: u64) -> Result<(PathBuf, [u8; 32])> {
    let path = dir.join(format!("evidence-{seed}.bin"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let mut hasher = Sha256::new();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15 ^ seed.wrapping_mul(0x2545_f491_4f6c_dd1d);
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
    Ok((path, hasher.finalize().into()))
}

/// A header chunk for `reference`, then the file's chunks as the node reads them.
fn file_stream(path: &Path, reference: &AttachmentRef) -> ReceiverStream<AttachmentChunk> {
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    let header = AttachmentChunk {
        header: Some(AttachmentHeader {
            sha256: reference.sha256.clone(),
            size: reference.size,
            envelope: None,
        }),
        ..Default::default()
    };
    let path = path.to_owned();
    tokio::spawn(async move {
        if sender.send(header).await.is_err() {
            return;
        }
        let mut chunks = read_chunks(path, 0);
        while let Some(Ok((offset, data))) = chunks.recv().await {
            let chunk = AttachmentChunk {
                header: None,
                offset,
                data,
            };
            if sender.send(chunk).await.is_err() {
                return;
            }
        }
    });
    ReceiverStream::new(receiver)
}

/// A value in bytes from `/proc/<pid>/status` (e.g. "VmHWM:").
fn proc_status_bytes(pid: u32, key: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|value| value.trim().strip_suffix("kB")?.trim().parse().ok())
        .with_context(|| format!("no {key} in /proc/{pid}/status"))?;
    Ok(kib * 1024)
}

/// The baseline's receiver: counts the bytes of a client stream and drops them.
#[derive(Debug)]
struct DrainReceiver;

#[tonic::async_trait]
impl FederationService for DrainReceiver {
    type FetchAttachmentStream = tokio_stream::Empty<Result<AttachmentChunk, tonic::Status>>;

    async fn put_attachment(
        &self,
        request: tonic::Request<tonic::Streaming<AttachmentChunk>>,
    ) -> Result<tonic::Response<AttachmentReceipt>, tonic::Status> {
        let mut stream = request.into_inner();
        let mut received = 0u64;
        while let Some(chunk) = stream.message().await? {
            received += chunk.data.len() as u64;
        }
        Ok(tonic::Response::new(AttachmentReceipt {
            complete: true,
            durable_offset: received,
        }))
    }

    async fn attachment_status(
        &self,
        _request: tonic::Request<AttachmentStatusRequest>,
    ) -> Result<tonic::Response<AttachmentStatusResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("baseline"))
    }

    async fn fetch_attachment(
        &self,
        _request: tonic::Request<FetchAttachmentRequest>,
    ) -> Result<tonic::Response<Self::FetchAttachmentStream>, tonic::Status> {
        Err(tonic::Status::unimplemented("baseline"))
    }

    async fn deliver(
        &self,
        _request: tonic::Request<DeliverRequest>,
    ) -> Result<tonic::Response<DeliverResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("baseline"))
    }

    async fn deliver_batch(
        &self,
        _request: tonic::Request<rogatory_proto::v1::DeliverBatchRequest>,
    ) -> Result<tonic::Response<rogatory_proto::v1::DeliverBatchResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("baseline"))
    }

    async fn witness(
        &self,
        _request: tonic::Request<WitnessRequest>,
    ) -> Result<tonic::Response<WitnessResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("baseline"))
    }

    async fn held_checkpoint(
        &self,
        _request: tonic::Request<HeldCheckpointRequest>,
    ) -> Result<tonic::Response<HeldCheckpointResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("baseline"))
    }

    async fn get_directory(
        &self,
        _request: tonic::Request<rogatory_proto::v1::GetDirectoryRequest>,
    ) -> Result<tonic::Response<rogatory_proto::v1::SignedDirectory>, tonic::Status> {
        Err(tonic::Status::unimplemented("baseline"))
    }

    async fn get_rosters(
        &self,
        _request: tonic::Request<rogatory_proto::v1::GetRostersRequest>,
    ) -> Result<tonic::Response<rogatory_proto::v1::GetRostersResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("baseline"))
    }
}

/// The baseline: `tm`'s client certificate and streaming channel to a [`DrainReceiver`] that
/// presents `de`'s certificate through the node's own TLS listener.
async fn baseline_stream(federation: &Federation, path: &Path, size: u64) -> Result<Duration> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address: SocketAddr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let server_tls = federation.node(RECIPIENT)?.tls()?.server_config()?;
    let incoming = tls_listener::accept(listener, server_tls, shutdown.clone());
    let server = tokio::spawn(
        Server::builder()
            .initial_stream_window_size(peer_client::STREAM_WINDOW_BYTES)
            .initial_connection_window_size(peer_client::CONNECTION_WINDOW_BYTES)
            .add_service(
                FederationServer::new(DrainReceiver).max_decoding_message_size(2 * MIB as usize),
            )
            .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned()),
    );
    let mut peer = federation.peer_entry(RECIPIENT)?;
    peer.address = address.to_string();
    let client_tls = federation.node(SENDER)?.tls()?.client_config()?;
    let channel = peer_client::lazy_streaming_channel(&peer, client_tls, TIMEOUT)?;
    let mut client = FederationClient::new(channel);
    let reference = AttachmentRef {
        size,
        sha256: vec![0; 32],
        ..Default::default()
    };
    let started = Instant::now();
    let receipt = client
        .put_attachment(file_stream(path, &reference))
        .await?
        .into_inner();
    let elapsed = started.elapsed();
    if receipt.durable_offset != size {
        bail!(
            "the baseline received {} of {size} bytes",
            receipt.durable_offset
        );
    }
    shutdown.cancel();
    drop(client);
    tokio::time::timeout(TIMEOUT, server)
        .await
        .context("the baseline server did not stop")?
        .context("the baseline server panicked")?
        .context("the baseline server failed")?;
    Ok(elapsed)
}

fn print_report(results: &[SizeResult]) {
    println!();
    println!(
        "Attachment transfer tm -> de (loopback, mTLS 1.3; de a release rogatoryd process); \
         best of {} runs each",
        results.first().map_or(0, |r| r.runs)
    );
    println!(
        "{:>9}  {:>14}  {:>16}  {:>16}  {:>16}  {:>7}  {:>12}  {:>12}",
        "size",
        "local ingest",
        "rogatory upload",
        "with receipt",
        "baseline",
        "ratio",
        "de RSS start",
        "de peak RSS"
    );
    for r in results {
        let ratio = rate(r.size, r.transfer) / rate(r.size, r.baseline);
        println!(
            "{:>5} MiB  {:>8.0} MiB/s  {:>11.0} MiB/s  {:>11.0} MiB/s  {:>11.0} MiB/s  {:>6.0}%  \
             {:>9.1} MB  {:>9.1} MB",
            r.size / MIB,
            rate(r.size, r.local_ingest),
            rate(r.size, r.transfer),
            rate(r.size, r.end_to_end),
            rate(r.size, r.baseline),
            ratio * 100.0,
            r.rss_before as f64 / 1e6,
            r.peak_rss as f64 / 1e6,
        );
        println!(
            "           targets: ratio >= {:.0}% {}; peak RSS < {:.0} MB {}",
            TARGET_SHARE_OF_BASELINE * 100.0,
            if ratio >= TARGET_SHARE_OF_BASELINE {
                "met"
            } else {
                "NOT MET"
            },
            TARGET_PEAK_RSS_BYTES as f64 / 1e6,
            if r.peak_rss < TARGET_PEAK_RSS_BYTES {
                "met"
            } else {
                "NOT MET"
            },
        );
    }
    println!(
        "rogatory upload = submit until de logged the file durable: signing, status query, \
         upload, SHA-256, writes, fsyncs, rename and log entry on de (the ratio's numerator). \
         with receipt = until tm holds de's receipt (adds Deliver, verification, durable log \
         and receipt on both sides). baseline = the same bytes through a plain client stream, same mTLS and windows, \
         counted and dropped."
    );
}
