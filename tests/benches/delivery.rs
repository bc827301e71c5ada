//! Delivery benchmark: what a pair of Rogatory nodes sustains on this machine, next to what the
//! same transport and the same cryptography cost on their own.
//!
//! One run measures, on two `rogatoryd` processes `tm` → `de` (as deployed: one process per
//! country, so neither shares the other's threads or sled's process-wide locks) with real
//! keys, mutual TLS 1.3 and sled stores in a temporary directory:
//! 1. **End-to-end throughput**: K contact points each submit ~4 KiB requests back to back
//!    through `Operator.SubmitRequest` on `tm`, each in its own case (a case's messages go one
//!    at a time). `tm` signs and durably logs the message, delivers it over mTLS; `de` verifies,
//!    durably logs and receipts it; `tm` verifies and durably logs the receipt before the
//!    submitter hears DELIVERED. Only DELIVERED answers count; anything else is a failure.
//! 2. **Latency at a fixed offered load**: submissions issued open-loop on a schedule, each in
//!    its own task, latency measured from the *scheduled* time so that a stall is charged to
//!    every message it delays (no coordinated omission).
//! 3. **Baseline (a), the transport alone**: unary `Federation/Deliver` calls with an envelope
//!    of the same size, same certificates, same TLS configuration, one shared HTTP/2 channel
//!    like the outbox's, to a service that answers at once (no verification, no storage).
//! 4. **Baseline (b), the cryptography alone**: per message sign, verify, hash, sign a receipt
//!    and verify it, on every core, no network, no storage.
//!
//! Everything shares this machine's cores: the nodes, the clients and the load generator (this
//! process, which also serves baseline (a)). The ratios say how much of the transport's and the
//! cryptography's capacity the full path keeps; the rest goes to storage (three group-committed
//! durability points per message, each an append to the store's journal with its fdatasync and
//! applying its changes to sled; sled's own flush and fsync come once a second),
//! scheduling and copies. The report also prints what an fsync costs on this disk, what the
//! recipient logged (to tell slow answers from slow deliveries), and how busy each node's store
//! committer was in each scenario, from the node's metrics (to tell which part sets the pace).
//!
//! Run with `cargo bench -p rogatory-tests --bench delivery` (add `-- --quick` for a short run,
//! `-- --rate 500` for the fixed load at another rate, `-- --concurrency 1,128` for fewer
//! closed-loop scenarios).
#![forbid(unsafe_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use ed25519_dalek::SigningKey;
use prost::Message;
use rogatory_node::store::CommitStats;
use rogatory_node::transport::{peer_client, tls_listener};
use rogatory_proto::signing::{self, WIRE_VERSION};
use rogatory_proto::v1::federation_client::FederationClient;
use rogatory_proto::v1::federation_server::{Federation as FederationService, FederationServer};
use rogatory_proto::v1::operator_client::OperatorClient;
use rogatory_proto::v1::{
    DeliverRequest, DeliverResponse, DeliveryState, Envelope, HeldCheckpointRequest,
    HeldCheckpointResponse, IdentityRequest, ListPeersRequest, MessageRecord, MlaRequest, Receipt,
    SignedEnvelope, SubmitRequestRequest, WitnessRequest, WitnessResponse, envelope,
};
use rogatory_tests::{Federation, TIMEOUT, free_port, http_get, sample_request};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tonic::transport::{Channel, Server};

const SENDER: &str = "tm";
const RECIPIENT: &str = "de";
/// Size the signed envelope payload is padded to: a typical formal request without attachments.
const TARGET_PAYLOAD_BYTES: usize = 4096;
/// Offered load (unless `--rate` says otherwise) and spread of scenario 2, as the performance
/// issue states it.
const OFFERED_RATE: u32 = 1_000;
const LOAD_CASES: usize = 64;
/// Open-loop submissions allowed in flight at once (four seconds' worth of the offered load):
/// enough never to throttle a healthy node, bounded so a stalled one cannot exhaust memory.
const MAX_OUTSTANDING: usize = 4_096;
/// Targets from the performance issue.
const TARGET_THROUGHPUT: f64 = 5_000.0;
const TARGET_SHARE_OF_CRYPTO: f64 = 0.5;
const TARGET_P99: Duration = Duration::from_millis(25);
/// The fixed-load run counts as "at 1,000 msgs/s" only if it delivered at least this share.
const MIN_ACHIEVED_SHARE: f64 = 0.98;
/// Distinct failure messages kept for the report.
const FAILURE_EXAMPLES: usize = 3;
/// Audit-log entries the recipient writes per accepted message (received, receipt issued).
const RECIPIENT_ENTRIES_PER_MESSAGE: u64 = 2;
/// How long the sender's outbox may take to drain after the last scenario before what is left
/// counts as stuck.
const DRAIN_GRACE: Duration = Duration::from_secs(15);
/// Write-and-fsync rounds timed to characterise the disk the stores live on.
const FSYNC_PROBES: usize = 200;
/// Stands for the latency of a submission that never came back DELIVERED: worse than any.
const UNDELIVERED: Duration = Duration::MAX;
/// CPU used elsewhere (in cores) above which a scenario's numbers are flagged as disturbed.
const DISTURBED_CORES: f64 = 0.2;

fn main() -> Result<()> {
    let settings = Settings::from_args(std::env::args().skip(1))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    let report = runtime.block_on(run(&settings))?;
    report.print(&settings);
    Ok(())
}

/// How long each scenario runs; `--quick` trades precision for a short run.
#[derive(Debug, Clone)]
struct Settings {
    quick: bool,
    /// Load applied but not measured before each scenario, so connections, caches and sled's
    /// segments are warm.
    warmup: Duration,
    /// Measurement window of each scenario.
    duration: Duration,
    /// Concurrent submitters (and concurrent calls for baseline (a)).
    concurrency: Vec<usize>,
    /// Submissions per second offered in scenario 2.
    offered_rate: u32,
}

impl Settings {
    /// `--quick`; `--rate N` (offered msgs/s of the fixed load, to see the latency at the load
    /// a node expects); `--concurrency K,K,...` (the closed-loop scenarios to run).
    fn from_args(mut args: impl Iterator<Item = String>) -> Result<Self> {
        let mut quick = false;
        let mut offered_rate = OFFERED_RATE;
        // 256 is twice what a lane keeps in flight to one peer (128): its window stays full
        // while the next submissions are signed and logged.
        let mut concurrency = vec![1, 8, 32, 64, 128, 256];
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => quick = true,
                "--rate" => {
                    offered_rate = args
                        .next()
                        .and_then(|rate| rate.parse().ok())
                        .filter(|&rate| rate > 0)
                        .context("--rate takes the offered messages per second, e.g. --rate 500")?;
                }
                "--concurrency" => {
                    concurrency = args
                        .next()
                        .and_then(|list| {
                            list.split(',')
                                .map(|k| k.trim().parse().ok().filter(|&k: &usize| k > 0))
                                .collect()
                        })
                        .context(
                            "--concurrency takes a comma-separated list of submitter counts, \
                             e.g. --concurrency 1,32,128",
                        )?;
                }
                // `cargo bench` passes `--bench` to every bench target.
                "--bench" => {}
                other => eprintln!("delivery bench: ignoring argument {other:?}"),
            }
        }
        let (warmup, duration) = if quick {
            (Duration::from_secs(1), Duration::from_secs(3))
        } else {
            (Duration::from_secs(2), Duration::from_secs(10))
        };
        Ok(Self {
            quick,
            warmup,
            duration,
            concurrency,
            offered_rate,
        })
    }
}

/// Sorted latency samples, for percentiles.
#[derive(Debug, Default)]
struct Stats {
    sorted: Vec<Duration>,
}

impl Stats {
    fn new(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        Self { sorted: samples }
    }

    fn count(&self) -> usize {
        self.sorted.len()
    }

    /// Nearest-rank percentile; `None` without samples.
    fn percentile(&self, percent: f64) -> Option<Duration> {
        if self.sorted.is_empty() {
            return None;
        }
        let rank = (percent / 100.0 * self.sorted.len() as f64).ceil() as usize;
        self.sorted
            .get(rank.clamp(1, self.sorted.len()) - 1)
            .copied()
    }

    fn median(&self) -> Option<Duration> {
        self.percentile(50.0)
    }

    fn p99(&self) -> Option<Duration> {
        self.percentile(99.0)
    }

    fn max(&self) -> Option<Duration> {
        self.sorted.last().copied()
    }
}

/// Calls that did not end as they should, with a few examples of why.
#[derive(Debug, Default)]
struct Failures {
    count: u64,
    /// Time the failed calls took inside the measurement window. In a closed loop a submitter
    /// waiting for a failure submits nothing else, so this is submitter time lost to failures.
    waited: Duration,
    examples: Vec<String>,
}

impl Failures {
    fn note(&mut self, error: String, waited: Duration) {
        self.count += 1;
        self.waited += waited;
        if self.examples.len() < FAILURE_EXAMPLES && !self.examples.contains(&error) {
            self.examples.push(error);
        }
    }

    fn absorb(&mut self, other: Failures) {
        self.count += other.count;
        self.waited += other.waited;
        for example in other.examples {
            if self.examples.len() < FAILURE_EXAMPLES && !self.examples.contains(&example) {
                self.examples.push(example);
            }
        }
    }
}

/// The measured part of a scenario: after the warm-up, before the end.
#[derive(Debug, Clone, Copy)]
struct Window {
    from: Instant,
    to: Instant,
}

impl Window {
    fn starting_at(start: Instant, settings: &Settings) -> Self {
        let from = start + settings.warmup;
        Self {
            from,
            to: from + settings.duration,
        }
    }

    fn contains(&self, moment: Instant) -> bool {
        moment >= self.from && moment < self.to
    }

    fn seconds(&self) -> f64 {
        (self.to - self.from).as_secs_f64()
    }

    /// How much of the span from `start` to `end` lies inside the window.
    fn overlap(&self, start: Instant, end: Instant) -> Duration {
        end.min(self.to)
            .saturating_duration_since(start.max(self.from))
    }
}

/// A closed-loop scenario at one concurrency: completions inside the window and their latency.
#[derive(Debug)]
struct ClosedLoopResult {
    concurrency: usize,
    throughput: f64,
    /// Messages the recipient stored per second in the window, from its audit log (Rogatory
    /// only): tells a slow answer from a slow delivery.
    recipient_rate: Option<f64>,
    latency: Stats,
    failures: Failures,
    /// CPU used outside the benchmark and its nodes meanwhile, in cores: other processes,
    /// kernel threads (some of them doing our I/O), hypervisor steal.
    elsewhere: Option<f64>,
    /// CPU the benchmark and its nodes used meanwhile, in cores. Divided by the throughput it
    /// is the CPU one message costs, which a busy machine disturbs much less than the
    /// throughput.
    own_cores: Option<f64>,
    /// What each node's store committer did in the window (Rogatory only).
    committers: Vec<CommitterLoad>,
}

/// What one node's store committer did in a window, from its metrics: group commits per
/// second, writes per commit, and the share of wall time spent in each phase of a commit.
#[derive(Debug, Clone)]
struct CommitterLoad {
    node: String,
    commits_per_second: f64,
    writes_per_commit: f64,
    journal: f64,
    apply: f64,
    flush: f64,
    fsync: f64,
    /// Messages per delivery call this node made in the window, if it made any.
    messages_per_call: Option<f64>,
}

impl CommitterLoad {
    fn busy(&self) -> f64 {
        self.journal + self.apply + self.flush + self.fsync
    }
}

impl std::fmt::Display for CommitterLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {:.0} commits/s x {:.1} writes, busy {:.0}% (journal {:.0}%, apply {:.0}%, \
             flush {:.0}%, fsync {:.0}%)",
            self.node,
            self.commits_per_second,
            self.writes_per_commit,
            self.busy() * 100.0,
            self.journal * 100.0,
            self.apply * 100.0,
            self.flush * 100.0,
            self.fsync * 100.0
        )?;
        if let Some(per_call) = self.messages_per_call {
            write!(f, ", {per_call:.1} msgs per delivery call")?;
        }
        Ok(())
    }
}

/// The open-loop scenario at a fixed offered rate.
#[derive(Debug)]
struct OpenLoopResult {
    offered_rate: u32,
    cases: usize,
    /// Submissions scheduled inside the window.
    scheduled: usize,
    /// DELIVERED answers received inside the window, per second.
    achieved_rate: f64,
    /// Messages the recipient stored per second in the window, from its audit log.
    recipient_rate: f64,
    /// From the scheduled send time to the answer (what a user with this load would see);
    /// [`UNDELIVERED`] for submissions that did not come back DELIVERED.
    latency: Stats,
    /// From the moment the submission actually left to the answer.
    service_time: Stats,
    /// How late the generator issued submissions (its own lag, included in `latency`).
    issue_lag: Stats,
    failures: Failures,
    elsewhere: Option<f64>,
    committers: Vec<CommitterLoad>,
}

/// Baseline (b): the cryptography of one message on every core.
#[derive(Debug)]
struct CryptoResult {
    threads: usize,
    throughput: f64,
    elsewhere: Option<f64>,
}

#[derive(Debug)]
struct MachineInfo {
    cpus: usize,
    model: String,
    memory: String,
    /// Where the nodes' sled stores live (their fsyncs decide a lot).
    store_filesystem: String,
    /// Median and p99 of writing 4 KiB and `sync_all` on that filesystem.
    fsync: Stats,
}

#[derive(Debug)]
struct Report {
    machine: MachineInfo,
    payload_bytes: usize,
    signature_bytes: usize,
    crypto: CryptoResult,
    transport: Vec<ClosedLoopResult>,
    rogatory: Vec<ClosedLoopResult>,
    fixed_load: OpenLoopResult,
    /// Audit-log entries on each node at the end, as a sanity check of the work done.
    log_sizes: Vec<(String, u64)>,
    /// Both logs read back at the end: exactly-once, entry by entry.
    ledger: Ledger,
    /// The sender's outbox after the last scenario and [`DRAIN_GRACE`]: messages still queued
    /// and attempts in flight. Queued with nothing in flight means stuck.
    leftover: Backlog,
}

#[derive(Debug, Clone, Copy, Default)]
struct Backlog {
    queued: u64,
    in_flight: u32,
}

async fn run(settings: &Settings) -> Result<Report> {
    // Each node serves its metrics on a loopback port, to show what its committer does.
    let mut metrics = Vec::new();
    for id in [SENDER, RECIPIENT] {
        metrics.push((id.to_owned(), free_port()?));
    }
    let mut federation = Federation::create_with(&[SENDER, RECIPIENT], |id, mut text| {
        if let Some((_, address)) = metrics.iter().find(|(node, _)| node == id) {
            text.push_str(&format!("\n[metrics]\nlisten = \"{address}\"\n"));
        }
        text
    })?;
    let mut processes = vec![std::process::id()];
    for id in [SENDER, RECIPIENT] {
        federation.spawn_process(id, &[]).await?;
        processes.extend(
            federation
                .node(id)?
                .process
                .as_ref()
                .and_then(tokio::process::Child::id),
        );
    }
    let machine = machine_info(federation.root.path());
    eprintln!(
        "delivery bench: {} mode, {:?} warm-up + {:?} per scenario",
        if settings.quick { "quick" } else { "full" },
        settings.warmup,
        settings.duration
    );

    let request = padded_request(&federation)?;
    let probe = submit(
        federation.operator(SENDER).await?,
        case_id(999, 0),
        request.clone(),
    )
    .await
    .map_err(anyhow::Error::msg)
    .context("the first submission did not come back DELIVERED")?;
    let sent = probe
        .envelope
        .context("the delivered record has no envelope")?;
    eprintln!(
        "delivery bench: signed envelope payload {} bytes, signature {} bytes",
        sent.payload.len(),
        sent.signature.len()
    );

    eprintln!("delivery bench: baseline (b), cryptography on every core");
    let meter = CpuMeter::start(&processes);
    let mut crypto = crypto_baseline(&federation, &sent, settings)?;
    crypto.elsewhere = meter.elsewhere();
    eprintln!(
        "  {:.0} msgs/s on {} threads",
        crypto.throughput, crypto.threads
    );

    let mut transport = Vec::new();
    for &k in &settings.concurrency {
        eprintln!("delivery bench: baseline (a), plain mTLS unary calls, K={k}");
        let meter = CpuMeter::start(&processes);
        let mut result = transport_baseline(&federation, &sent, k, settings).await?;
        result.elsewhere = meter.elsewhere();
        result.own_cores = meter.own_cores();
        eprintln!("  {:.0} msgs/s", result.throughput);
        transport.push(result);
    }

    let mut rogatory = Vec::new();
    for &k in &settings.concurrency {
        eprintln!("delivery bench: Rogatory end-to-end, K={k}");
        let meter = CpuMeter::start(&processes);
        let mut result =
            end_to_end_throughput(&federation, &metrics, &request, k, settings).await?;
        result.elsewhere = meter.elsewhere();
        result.own_cores = meter.own_cores();
        eprintln!(
            "  {:.0} delivered msgs/s, {} failures",
            result.throughput, result.failures.count
        );
        rogatory.push(result);
    }

    eprintln!(
        "delivery bench: fixed load, {} msgs/s offered over {LOAD_CASES} cases",
        settings.offered_rate
    );
    let meter = CpuMeter::start(&processes);
    let mut fixed_load = fixed_load(&federation, &metrics, &request, settings).await?;
    fixed_load.elsewhere = meter.elsewhere();
    eprintln!(
        "  achieved {:.0} msgs/s, {} failures",
        fixed_load.achieved_rate, fixed_load.failures.count
    );

    let leftover = drained_backlog(&federation).await?;
    let mut log_sizes = Vec::new();
    for id in [SENDER, RECIPIENT] {
        log_sizes.push((id.to_owned(), federation.log_size(id).await?));
    }
    eprintln!("delivery bench: reading both logs back");
    let ledger = Ledger::read(&federation).await?;
    federation.stop_all().await?;

    Ok(Report {
        machine,
        payload_bytes: sent.payload.len(),
        signature_bytes: sent.signature.len(),
        crypto,
        transport,
        rogatory,
        fixed_load,
        log_sizes,
        ledger,
        leftover,
    })
}

/// Waits up to [`DRAIN_GRACE`] for the sender's outbox to empty and returns what is left.
async fn drained_backlog(federation: &Federation) -> Result<Backlog> {
    let mut operator = federation.operator(SENDER).await?;
    let deadline = Instant::now() + DRAIN_GRACE;
    loop {
        let peers = operator
            .list_peers(ListPeersRequest {})
            .await?
            .into_inner()
            .peers;
        let backlog = peers.iter().filter(|peer| peer.node_id == RECIPIENT).fold(
            Backlog::default(),
            |sum, peer| Backlog {
                queued: sum.queued + peer.queue_depth,
                in_flight: sum.in_flight + peer.in_flight,
            },
        );
        if backlog.queued == 0 || Instant::now() >= deadline {
            return Ok(backlog);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Reads the recipient's audit-log size at the start and the end of `window` and returns the
/// messages it stored per second in between.
fn watch_recipient(
    mut recipient: OperatorClient<Channel>,
    window: Window,
) -> tokio::task::JoinHandle<Result<f64, tonic::Status>> {
    tokio::spawn(async move {
        let mut log_size = async || -> Result<u64, tonic::Status> {
            Ok(recipient
                .identity(IdentityRequest {})
                .await?
                .into_inner()
                .log_size)
        };
        tokio::time::sleep_until(window.from).await;
        let before = log_size().await?;
        tokio::time::sleep_until(window.to).await;
        let after = log_size().await?;
        Ok(after.saturating_sub(before) as f64
            / RECIPIENT_ENTRIES_PER_MESSAGE as f64
            / window.seconds())
    })
}

/// Scrapes each node's metrics at the start and the end of `window` and returns what its
/// store committer did in between.
fn watch_committers(
    metrics: &[(String, SocketAddr)],
    window: Window,
) -> tokio::task::JoinHandle<Result<Vec<CommitterLoad>>> {
    let metrics = metrics.to_vec();
    tokio::spawn(async move {
        let totals = async || -> Result<Vec<(CommitStats, DeliveryCalls)>> {
            let mut all = Vec::new();
            for (_, address) in &metrics {
                all.push(committer_totals(*address).await?);
            }
            Ok(all)
        };
        tokio::time::sleep_until(window.from).await;
        let before = totals().await?;
        tokio::time::sleep_until(window.to).await;
        let after = totals().await?;
        let seconds = window.seconds();
        Ok(metrics
            .iter()
            .zip(before.iter().zip(&after))
            .map(
                |((node, _), ((before, calls_before), (after, calls_after)))| {
                    let calls = calls_after.calls - calls_before.calls;
                    let messages_per_call = (calls > 0.0)
                        .then(|| (calls_after.messages - calls_before.messages) / calls);
                    let commits = after.commits.saturating_sub(before.commits) as f64;
                    let batches = after.batches.saturating_sub(before.batches) as f64;
                    let share = |phase: fn(&CommitStats) -> Duration| {
                        phase(after).saturating_sub(phase(before)).as_secs_f64() / seconds
                    };
                    CommitterLoad {
                        node: node.clone(),
                        commits_per_second: commits / seconds,
                        writes_per_commit: batches / commits.max(1.0),
                        journal: share(|stats| stats.journal),
                        apply: share(|stats| stats.apply),
                        flush: share(|stats| stats.flush),
                        fsync: share(|stats| stats.fsync),
                        messages_per_call,
                    }
                },
            )
            .collect())
    })
}

/// Delivery calls a node made, and the messages they carried, over all peers and both RPCs.
#[derive(Debug, Clone, Copy, Default)]
struct DeliveryCalls {
    calls: f64,
    messages: f64,
}

/// A node's committer totals and delivery calls, read back from its metrics.
async fn committer_totals(address: SocketAddr) -> Result<(CommitStats, DeliveryCalls)> {
    let scraped = http_get(address, "/metrics").await?;
    let sum = |name: &str| -> f64 {
        scraped
            .body
            .lines()
            .filter(|line| line.starts_with(name))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    let calls = DeliveryCalls {
        calls: sum("rogatory_delivery_calls_total{"),
        messages: sum("rogatory_delivery_call_messages_total{"),
    };
    let seconds = |phase: &str| -> Result<Duration> {
        let series = format!("rogatory_store_commit_seconds_total{{phase=\"{phase}\"}}");
        Ok(Duration::from_secs_f64(scraped.expect(&series)?))
    };
    let stats = CommitStats {
        commits: scraped.expect("rogatory_store_commits_total")? as u64,
        batches: scraped.expect("rogatory_store_batches_committed_total")? as u64,
        journal: seconds("journal")?,
        apply: seconds("apply")?,
        flush: seconds("flush")?,
        fsync: seconds("fsync")?,
    };
    Ok((stats, calls))
}

/// Case ids of one length, so that every scenario's envelopes have the same size.
fn case_id(group: usize, index: usize) -> String {
    // A new case's id names its opener (PROTOCOL 3.1).
    format!("{SENDER}-bench-{group:03}-{index:04}")
}

/// The sample request with its summary of facts padded so that the signed envelope payload is
/// [`TARGET_PAYLOAD_BYTES`] long.
fn padded_request(federation: &Federation) -> Result<MlaRequest> {
    const FILLER: &str = "The victim was recruited in Ashgabat with a promise of construction \
                          work, transported via Istanbul and exploited on sites near Hamburg. ";
    let mut request = sample_request();
    let mut envelope = federation.request_envelope(SENDER, RECIPIENT);
    envelope.case_id = case_id(0, 0);
    // Length prefixes grow with the padding, so converge in a few rounds.
    for _ in 0..4 {
        envelope.body = Some(envelope::Body::MlaRequest(request.clone()));
        let size = envelope.encoded_len();
        if size == TARGET_PAYLOAD_BYTES {
            return Ok(request);
        }
        let wanted = (request.summary_of_facts.len() + TARGET_PAYLOAD_BYTES)
            .checked_sub(size)
            .context("the sample request alone exceeds the target payload size")?;
        request.summary_of_facts = FILLER.chars().cycle().take(wanted).collect();
    }
    // Off by a byte or two is still "about 4 KiB"; the report prints the actual size.
    Ok(request)
}

/// Submits one request and insists on a DELIVERED answer with a receipt.
async fn submit(
    mut client: OperatorClient<Channel>,
    case_id: String,
    request: MlaRequest,
) -> Result<MessageRecord, String> {
    let response = client
        .submit_request(SubmitRequestRequest {
            recipient: RECIPIENT.into(),
            request: Some(request),
            case_id,
            submitted_by: "delivery benchmark".into(),
            copies_to: Vec::new(),
        })
        .await
        .map_err(|status| {
            format!(
                "SubmitRequest failed ({:?}): {}",
                status.code(),
                status.message()
            )
        })?;
    let record = response
        .into_inner()
        .message
        .ok_or("SubmitRequest answered without a message record")?;
    let state = DeliveryState::try_from(record.state).unwrap_or(DeliveryState::Unspecified);
    if state != DeliveryState::Delivered || record.receipt.is_none() {
        return Err(format!(
            "answered {} instead of DELIVERED (last error: {:?})",
            state.as_str_name(),
            record.last_error
        ));
    }
    Ok(record)
}

/// Runs one worker per element of `workers`, each calling back to back until the window ends.
/// Counts completions inside the window; any failure, in the window or not, is reported.
async fn closed_loop<F, Fut>(workers: Vec<F>, window: Window) -> Result<ClosedLoopResult>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let concurrency = workers.len();
    let mut tasks = JoinSet::new();
    for mut call in workers {
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = Failures::default();
            while Instant::now() < window.to {
                let started = Instant::now();
                let outcome = tokio::time::timeout(TIMEOUT, call())
                    .await
                    .unwrap_or_else(|_| Err(format!("no answer within {TIMEOUT:?}")));
                let done = Instant::now();
                match outcome {
                    Ok(()) if window.contains(done) => latencies.push(done - started),
                    Ok(()) => {}
                    Err(error) => failures.note(error, window.overlap(started, done)),
                }
            }
            (latencies, failures)
        });
    }
    let mut latencies = Vec::new();
    let mut failures = Failures::default();
    while let Some(joined) = tasks.join_next().await {
        let (worker_latencies, worker_failures) = joined.context("a benchmark worker panicked")?;
        latencies.extend(worker_latencies);
        failures.absorb(worker_failures);
    }
    Ok(ClosedLoopResult {
        concurrency,
        throughput: latencies.len() as f64 / window.seconds(),
        recipient_rate: None,
        elsewhere: None,
        own_cores: None,
        committers: Vec::new(),
        latency: Stats::new(latencies),
        failures,
    })
}

/// Scenario 1: K submitters, each with its own operator connection and its own case.
async fn end_to_end_throughput(
    federation: &Federation,
    metrics: &[(String, SocketAddr)],
    request: &MlaRequest,
    concurrency: usize,
    settings: &Settings,
) -> Result<ClosedLoopResult> {
    let mut workers = Vec::with_capacity(concurrency);
    for index in 0..concurrency {
        let client = federation.operator(SENDER).await?;
        let case_id = case_id(concurrency, index);
        let request = request.clone();
        workers.push(move || {
            let call = submit(client.clone(), case_id.clone(), request.clone());
            async move { call.await.map(drop) }
        });
    }
    let window = Window::starting_at(Instant::now(), settings);
    let watcher = watch_recipient(federation.operator(RECIPIENT).await?, window);
    let committers = watch_committers(metrics, window);
    let mut result = closed_loop(workers, window).await?;
    result.recipient_rate = Some(watcher.await??);
    result.committers = committers.await??;
    Ok(result)
}

/// Scenario 2: a fixed offered load, open loop, spread over [`LOAD_CASES`] cases.
async fn fixed_load(
    federation: &Federation,
    metrics: &[(String, SocketAddr)],
    request: &MlaRequest,
    settings: &Settings,
) -> Result<OpenLoopResult> {
    let mut submitters = Vec::with_capacity(LOAD_CASES);
    for index in 0..LOAD_CASES {
        submitters.push((federation.operator(SENDER).await?, case_id(900, index)));
    }
    // Leave the generator a moment to start before the first scheduled send.
    let start = Instant::now() + Duration::from_millis(50);
    let window = Window::starting_at(start, settings);
    let period_nanos = 1_000_000_000 / u64::from(settings.offered_rate);
    let total = u64::try_from((window.to - start).as_nanos())? / period_nanos;
    let outstanding = Arc::new(Semaphore::new(MAX_OUTSTANDING));
    let watcher = watch_recipient(federation.operator(RECIPIENT).await?, window);
    let committers = watch_committers(metrics, window);

    struct Sample {
        scheduled: Instant,
        issued: Instant,
        done: Instant,
        outcome: Result<(), String>,
    }
    let mut tasks = JoinSet::new();
    let mut samples = Vec::new();
    for sequence in 0..total {
        let scheduled = start + Duration::from_nanos(sequence * period_nanos);
        tokio::time::sleep_until(scheduled).await;
        let permit = Arc::clone(&outstanding).acquire_owned().await?;
        let issued = Instant::now();
        let (client, case_id) = &submitters[usize::try_from(sequence)? % LOAD_CASES];
        let call = submit(client.clone(), case_id.clone(), request.clone());
        tasks.spawn(async move {
            let outcome = tokio::time::timeout(TIMEOUT, call)
                .await
                .unwrap_or_else(|_| Err(format!("no answer within {TIMEOUT:?}")))
                .map(drop);
            drop(permit);
            Sample {
                scheduled,
                issued,
                done: Instant::now(),
                outcome,
            }
        });
        while let Some(joined) = tasks.try_join_next() {
            samples.push(joined.context("a submission task panicked")?);
        }
    }
    while let Some(joined) = tasks.join_next().await {
        samples.push(joined.context("a submission task panicked")?);
    }
    let recipient_rate = watcher.await??;

    let mut latency = Vec::new();
    let mut service_time = Vec::new();
    let mut issue_lag = Vec::new();
    let mut scheduled = 0;
    let mut delivered_in_window = 0usize;
    let mut failures = Failures::default();
    for sample in samples {
        let ok = sample.outcome.is_ok();
        if ok && window.contains(sample.done) {
            delivered_in_window += 1;
        }
        if let Err(error) = sample.outcome {
            failures.note(error, window.overlap(sample.issued, sample.done));
        }
        if window.contains(sample.scheduled) {
            scheduled += 1;
            issue_lag.push(sample.issued - sample.scheduled);
            // A submission that was not delivered ranks above every delivered one.
            let (from_scheduled, from_issued) = if ok {
                (sample.done - sample.scheduled, sample.done - sample.issued)
            } else {
                (UNDELIVERED, UNDELIVERED)
            };
            latency.push(from_scheduled);
            service_time.push(from_issued);
        }
    }
    Ok(OpenLoopResult {
        offered_rate: settings.offered_rate,
        cases: LOAD_CASES,
        scheduled,
        achieved_rate: delivered_in_window as f64 / window.seconds(),
        recipient_rate,
        latency: Stats::new(latency),
        service_time: Stats::new(service_time),
        issue_lag: Stats::new(issue_lag),
        failures,
        elsewhere: None,
        committers: committers.await??,
    })
}

/// The Federation service of baseline (a): answers every delivery at once with an empty
/// response, checks nothing, stores nothing, witnesses nothing.
#[derive(Debug)]
struct InstantReceiver;

#[tonic::async_trait]
impl FederationService for InstantReceiver {
    type FetchAttachmentStream =
        tokio_stream::Empty<Result<rogatory_proto::v1::AttachmentChunk, tonic::Status>>;

    async fn attachment_status(
        &self,
        _request: tonic::Request<rogatory_proto::v1::AttachmentStatusRequest>,
    ) -> Result<tonic::Response<rogatory_proto::v1::AttachmentStatusResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented(
            "the baseline receiver stores no attachments",
        ))
    }

    async fn put_attachment(
        &self,
        _request: tonic::Request<tonic::Streaming<rogatory_proto::v1::AttachmentChunk>>,
    ) -> Result<tonic::Response<rogatory_proto::v1::AttachmentReceipt>, tonic::Status> {
        Err(tonic::Status::unimplemented(
            "the baseline receiver stores no attachments",
        ))
    }

    async fn fetch_attachment(
        &self,
        _request: tonic::Request<rogatory_proto::v1::FetchAttachmentRequest>,
    ) -> Result<tonic::Response<Self::FetchAttachmentStream>, tonic::Status> {
        Err(tonic::Status::unimplemented(
            "the baseline receiver stores no attachments",
        ))
    }

    async fn deliver(
        &self,
        _request: tonic::Request<DeliverRequest>,
    ) -> Result<tonic::Response<DeliverResponse>, tonic::Status> {
        Ok(tonic::Response::new(DeliverResponse::default()))
    }

    async fn deliver_batch(
        &self,
        _request: tonic::Request<rogatory_proto::v1::DeliverBatchRequest>,
    ) -> Result<tonic::Response<rogatory_proto::v1::DeliverBatchResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented(
            "baseline (a) is one unary call per message",
        ))
    }

    async fn witness(
        &self,
        _request: tonic::Request<WitnessRequest>,
    ) -> Result<tonic::Response<WitnessResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented(
            "the baseline receiver witnesses nothing",
        ))
    }

    async fn held_checkpoint(
        &self,
        _request: tonic::Request<HeldCheckpointRequest>,
    ) -> Result<tonic::Response<HeldCheckpointResponse>, tonic::Status> {
        Ok(tonic::Response::new(HeldCheckpointResponse::default()))
    }

    async fn get_directory(
        &self,
        _request: tonic::Request<rogatory_proto::v1::GetDirectoryRequest>,
    ) -> Result<tonic::Response<rogatory_proto::v1::SignedDirectory>, tonic::Status> {
        Err(tonic::Status::unimplemented(
            "a benchmark receiver has no directory",
        ))
    }
}

/// Scenario 3, baseline (a): `tm` calls an [`InstantReceiver`] that presents `de`'s certificate,
/// through the node's own TLS listener and peer client, K calls at a time on one channel.
async fn transport_baseline(
    federation: &Federation,
    sent: &SignedEnvelope,
    concurrency: usize,
    settings: &Settings,
) -> Result<ClosedLoopResult> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address: SocketAddr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let server_tls = federation.node(RECIPIENT)?.tls()?.server_config()?;
    let incoming = tls_listener::accept(listener, server_tls, shutdown.clone());
    let server = tokio::spawn(
        Server::builder()
            .add_service(FederationServer::new(InstantReceiver))
            .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned()),
    );

    let mut peer = federation.peer_entry(RECIPIENT)?;
    peer.address = address.to_string();
    let client_tls = federation.node(SENDER)?.tls()?.client_config()?;
    let channel = peer_client::connect(&peer, client_tls, TIMEOUT).await?;
    // Same size as the real envelope, but no signature anyone could check.
    let envelope = SignedEnvelope {
        payload: sent.payload.clone(),
        signature: vec![0; 64],
    };
    let workers = (0..concurrency)
        .map(|_| {
            let channel = channel.clone();
            let envelope = envelope.clone();
            move || {
                let mut client = FederationClient::new(channel.clone());
                let request = DeliverRequest {
                    envelope: Some(envelope.clone()),
                    ..Default::default()
                };
                async move {
                    client
                        .deliver(request)
                        .await
                        .map(drop)
                        .map_err(|status| format!("Deliver failed: {status}"))
                }
            }
        })
        .collect();
    let result = closed_loop(workers, Window::starting_at(Instant::now(), settings)).await;

    drop(channel);
    shutdown.cancel();
    tokio::time::timeout(TIMEOUT, server)
        .await
        .context("the baseline server did not stop")?
        .context("the baseline server panicked")?
        .context("the baseline server failed")?;
    result
}

/// Scenario 4, baseline (b): per message what the two nodes compute, with no I/O, on
/// `available_parallelism` threads.
fn crypto_baseline(
    federation: &Federation,
    sent: &SignedEnvelope,
    settings: &Settings,
) -> Result<CryptoResult> {
    let envelope = Envelope::decode(sent.payload.as_slice())?;
    let sender = federation
        .node(SENDER)?
        .signing_key()?
        .signing_key()
        .clone();
    let receiver = federation
        .node(RECIPIENT)?
        .signing_key()?
        .signing_key()
        .clone();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let warmup = settings.warmup.min(Duration::from_secs(1));
    let duration = settings.duration.min(Duration::from_secs(5));
    let barrier = std::sync::Barrier::new(threads);

    let counts = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> Result<u64> {
                    barrier.wait();
                    let start = std::time::Instant::now();
                    let (from, to) = (start + warmup, start + warmup + duration);
                    let mut count = 0u64;
                    loop {
                        crypto_round(&envelope, &sender, &receiver, count)?;
                        let now = std::time::Instant::now();
                        if now >= to {
                            return Ok(count);
                        }
                        if now >= from {
                            count += 1;
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .map_err(|_| anyhow::anyhow!("a crypto thread panicked"))?
            })
            .collect::<Result<Vec<u64>>>()
    })?;
    Ok(CryptoResult {
        threads,
        throughput: counts.iter().sum::<u64>() as f64 / duration.as_secs_f64(),
        elsewhere: None,
    })
}

/// The cryptography of one delivered message: the sender signs, the receiver verifies, hashes
/// and signs a receipt, the sender verifies the receipt.
fn crypto_round(
    envelope: &Envelope,
    sender: &SigningKey,
    receiver: &SigningKey,
    index: u64,
) -> Result<()> {
    let signed = signing::sign_envelope(sender, envelope);
    signing::verify_envelope_signature(&sender.verifying_key(), &signed)?;
    let receipt = Receipt {
        version: WIRE_VERSION,
        message_id: envelope.message_id.clone(),
        sender: envelope.sender.clone(),
        receiver: envelope.recipient.clone(),
        envelope_sha256: signing::sha256(&signed.payload).to_vec(),
        received_at_ms: envelope.created_at_ms,
        log_index: index,
        log_entry_hash: vec![0; 32],
    };
    let signed_receipt = signing::sign_receipt(receiver, &receipt);
    let opened = signing::open_receipt(&receiver.verifying_key(), &signed_receipt)?;
    if opened.log_index != index {
        bail!("the receipt did not survive signing");
    }
    Ok(())
}

/// Tells how much CPU went elsewhere while a scenario ran: to other processes on this machine
/// (say, a build) or to the hypervisor (steal). On a small shared machine that decides whether
/// a number means anything.
#[derive(Debug, Clone, Copy)]
struct CpuMeter<'a> {
    started: std::time::Instant,
    /// This process and the node processes it started.
    processes: &'a [u32],
    /// Busy and stolen time of the whole machine, and the time of `processes`, in clock ticks.
    machine_ticks: Option<u64>,
    own_ticks: Option<u64>,
}

/// Linux reports CPU times in `USER_HZ` ticks, 100 per second on every mainstream platform.
const TICKS_PER_SECOND: f64 = 100.0;

impl<'a> CpuMeter<'a> {
    fn start(processes: &'a [u32]) -> Self {
        Self {
            started: std::time::Instant::now(),
            processes,
            machine_ticks: machine_busy_ticks(),
            own_ticks: own_ticks(processes),
        }
    }

    /// Cores' worth of CPU the benchmark's processes used since the start (`None` without
    /// /proc).
    fn own_cores(&self) -> Option<f64> {
        let own = own_ticks(self.processes)?.checked_sub(self.own_ticks?)?;
        Some(own as f64 / TICKS_PER_SECOND / self.started.elapsed().as_secs_f64())
    }

    /// Cores' worth of CPU used elsewhere since the start (`None` without /proc).
    fn elsewhere(&self) -> Option<f64> {
        let machine = machine_busy_ticks()?.checked_sub(self.machine_ticks?)?;
        let own = own_ticks(self.processes)?.checked_sub(self.own_ticks?)?;
        let seconds = self.started.elapsed().as_secs_f64();
        Some(machine.saturating_sub(own) as f64 / TICKS_PER_SECOND / seconds)
    }
}

/// user + nice + system + irq + softirq + steal of all CPUs, from /proc/stat.
fn machine_busy_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let [user, nice, system, _idle, _iowait, irq, softirq, steal, ..] = fields[..] else {
        return None;
    };
    Some(user + nice + system + irq + softirq + steal)
}

/// utime + stime of `processes` (all their threads), from /proc/PID/stat.
fn own_ticks(processes: &[u32]) -> Option<u64> {
    processes.iter().try_fold(0, |sum, pid| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name may contain spaces; the fields after it start with the state
        // (field 3).
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        Some(sum + utime + stime)
    })
}

fn machine_info(store_dir: &Path) -> MachineInfo {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
        .map_or_else(
            || "unknown".to_owned(),
            |(_, model)| model.trim().to_owned(),
        );
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|value| value.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
        .map_or_else(
            || "unknown".to_owned(),
            |kib| format!("{:.1} GiB", kib as f64 / (1024.0 * 1024.0)),
        );
    // The mount with the longest prefix of the store's path holds the store.
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let store_filesystem = mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (device, mount_point, kind) = (fields.next()?, fields.next()?, fields.next()?);
            store_dir
                .starts_with(mount_point)
                .then(|| (mount_point.len(), format!("{kind} on {device}")))
        })
        .max_by_key(|(length, _)| *length)
        .map_or_else(|| "unknown".to_owned(), |(_, filesystem)| filesystem);
    MachineInfo {
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        model,
        memory,
        store_filesystem: format!("{} ({})", store_dir.display(), store_filesystem),
        fsync: fsync_probe(store_dir),
    }
}

/// Times writing 4 KiB to a file and `sync_all` on the stores' filesystem: the floor under
/// every durable step of a delivery.
fn fsync_probe(dir: &Path) -> Stats {
    let path = dir.join("fsync-probe");
    let mut samples = Vec::with_capacity(FSYNC_PROBES);
    let block = [0x5a_u8; 4096];
    if let Ok(mut file) = std::fs::File::create(&path) {
        for _ in 0..FSYNC_PROBES {
            let started = std::time::Instant::now();
            if std::io::Write::write_all(&mut file, &block)
                .and_then(|()| file.sync_all())
                .is_err()
            {
                break;
            }
            samples.push(started.elapsed());
        }
    }
    let _ = std::fs::remove_file(&path);
    Stats::new(samples)
}

fn millis(duration: Option<Duration>) -> String {
    duration.map_or_else(
        || "-".to_owned(),
        |d| {
            if d == UNDELIVERED {
                "undelivered".to_owned()
            } else {
                format!("{:.2}", d.as_secs_f64() * 1e3)
            }
        },
    )
}

/// Like [`millis`], with the unit where there is a number.
fn with_unit(duration: Option<Duration>) -> String {
    match duration {
        Some(d) if d != UNDELIVERED => format!("{} ms", millis(Some(d))),
        other => millis(other),
    }
}

fn cores(elsewhere: Option<f64>) -> String {
    elsewhere.map_or_else(|| "-".to_owned(), |cores| format!("{cores:.2}"))
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT MET" }
}

impl Report {
    fn print(&self, settings: &Settings) {
        let machine = &self.machine;
        println!();
        println!(
            "=== Rogatory delivery benchmark ({}) ===",
            if settings.quick { "quick" } else { "full" }
        );
        println!(
            "machine: {} CPUs, {}, {} RAM",
            machine.cpus, machine.model, machine.memory
        );
        println!("stores:  {}", machine.store_filesystem);
        println!(
            "disk:    write 4 KiB + fsync p50 {} ms, p99 {} ms ({} probes)",
            millis(machine.fsync.median()),
            millis(machine.fsync.p99()),
            machine.fsync.count()
        );
        if cfg!(debug_assertions) {
            println!("WARNING: built without optimisations; numbers are meaningless");
        }
        println!(
            "payload: signed envelope {} bytes + {}-byte signature; warm-up {:?}, window {:?} \
             per scenario",
            self.payload_bytes, self.signature_bytes, settings.warmup, settings.duration
        );
        println!();
        println!(
            "{:<42} {:>3} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8} {:>9} {:>10}",
            "scenario",
            "K",
            "msgs/s",
            "recv/s",
            "p50 ms",
            "p99 ms",
            "max ms",
            "failures",
            "elsewhere",
            "cpu us/msg"
        );
        let row = |name: &str, result: &ClosedLoopResult| {
            println!(
                "{:<42} {:>3} {:>8.0} {:>7} {:>8} {:>8} {:>8} {:>8} {:>9} {:>10}",
                name,
                result.concurrency,
                result.throughput,
                result
                    .recipient_rate
                    .map_or_else(|| "-".to_owned(), |rate| format!("{rate:.0}")),
                millis(result.latency.median()),
                millis(result.latency.p99()),
                millis(result.latency.max()),
                result.failures.count,
                cores(result.elsewhere),
                result
                    .own_cores
                    .filter(|_| result.throughput > 0.0)
                    .map_or_else(
                        || "-".to_owned(),
                        |own| format!("{:.0}", own * 1e6 / result.throughput)
                    )
            );
        };
        for result in &self.rogatory {
            row("Rogatory end-to-end (SubmitRequest)", result);
        }
        for result in &self.transport {
            row("baseline (a) mTLS unary, no sign/store", result);
        }
        println!(
            "{:<42} {:>3} {:>8.0} {:>7} {:>8} {:>8} {:>8} {:>8} {:>9}",
            format!("baseline (b) crypto only, {} threads", self.crypto.threads),
            "-",
            self.crypto.throughput,
            "-",
            "-",
            "-",
            "-",
            0,
            cores(self.crypto.elsewhere)
        );
        println!(
            "(msgs/s: DELIVERED answers in the window; recv/s: messages the recipient logged in \
             the window; latency: the call's round trip; elsewhere: cores used meanwhile outside \
             the benchmark and its two node processes: other processes, kernel threads \
             (including the I/O done for our fsyncs), hypervisor steal; cpu us/msg: CPU time \
             per message of the benchmark and both nodes together, which a busy machine \
             disturbs far less)"
        );
        let load = &self.fixed_load;
        println!();
        let delivered = load
            .latency
            .sorted
            .iter()
            .filter(|latency| **latency != UNDELIVERED)
            .count();
        println!(
            "fixed load: {} msgs/s offered open-loop over {} cases; {} scheduled in the window, \
             {} of them DELIVERED (the others rank as undelivered in the percentiles)",
            load.offered_rate, load.cases, load.scheduled, delivered
        );
        println!(
            "  achieved {:.0} DELIVERED answers/s (recipient logged {:.0} msgs/s); latency from \
             scheduled send: p50 {}, p99 {}, max {}",
            load.achieved_rate,
            load.recipient_rate,
            with_unit(load.latency.median()),
            with_unit(load.latency.p99()),
            with_unit(load.latency.max())
        );
        println!(
            "  service time from actual send: p50 {}, p99 {}; generator lag p99 {}, max {}; \
             failures {}; elsewhere {} cores",
            with_unit(load.service_time.median()),
            with_unit(load.service_time.p99()),
            with_unit(load.issue_lag.p99()),
            with_unit(load.issue_lag.max()),
            load.failures.count,
            cores(load.elsewhere)
        );
        println!();
        println!(
            "store committers (per node: group commits per second x writes per commit; share of \
             wall time appending commits to the journal with its fdatasync, applying them to \
             sled, and in sled's periodic flush and fsync: near 100% busy, the \
             committer sets the pace)"
        );
        let committers = |loads: &[CommitterLoad]| {
            loads
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        };
        for result in &self.rogatory {
            println!(
                "  K={:<3}       {}",
                result.concurrency,
                committers(&result.committers)
            );
        }
        println!("  fixed load  {}", committers(&load.committers));
        let busiest = self
            .rogatory
            .iter()
            .chain(&self.transport)
            .map(|result| result.elsewhere)
            .chain([self.crypto.elsewhere, load.elsewhere])
            .flatten()
            .fold(0.0_f64, f64::max);
        if busiest > DISTURBED_CORES {
            println!(
                "WARNING: up to {busiest:.2} cores were busy outside the benchmark's processes \
                 during a scenario; unless that was kernel I/O on our behalf, those numbers are disturbed"
            );
        }

        // In a closed loop the submitters had K x window of time in the window.
        let submitter_time =
            |concurrency: usize| Some(settings.duration.as_secs_f64() * concurrency as f64);
        let failures: Vec<(String, &Failures, Option<f64>)> = self
            .rogatory
            .iter()
            .map(|result| {
                (
                    format!("Rogatory K={}", result.concurrency),
                    &result.failures,
                    submitter_time(result.concurrency),
                )
            })
            .chain(self.transport.iter().map(|result| {
                (
                    format!("baseline (a) K={}", result.concurrency),
                    &result.failures,
                    submitter_time(result.concurrency),
                )
            }))
            .chain([("fixed load".to_owned(), &load.failures, None)])
            .filter(|(_, failures, _)| failures.count > 0)
            .collect();
        if !failures.is_empty() {
            println!();
            println!("FAILURES (submissions or calls that did not come back as expected):");
            for (scenario, failure, budget) in failures {
                let waited = failure.waited.as_secs_f64();
                println!(
                    "  {scenario}: {} failed, {:.1} s of waiting in the window{}; e.g. {}",
                    failure.count,
                    waited,
                    budget.map_or_else(String::new, |budget| format!(
                        " ({:.0}% of the submitters' time there)",
                        100.0 * waited / budget
                    )),
                    failure.examples.join(" | ")
                );
            }
        }

        println!();
        let best = self
            .rogatory
            .iter()
            .max_by(|a, b| a.throughput.total_cmp(&b.throughput));
        let share_of_crypto = best.map_or(0.0, |best| best.throughput / self.crypto.throughput);
        if let Some(best) = best {
            let transport = self
                .transport
                .iter()
                .find(|result| result.concurrency == best.concurrency);
            println!(
                "ratios: Rogatory best (K={}, {:.0} msgs/s) / baseline (a) at K={}: {}; / \
                 baseline (b): {:.1}%",
                best.concurrency,
                best.throughput,
                best.concurrency,
                transport.map_or_else(
                    || "-".to_owned(),
                    |t| format!("{:.1}%", 100.0 * best.throughput / t.throughput)
                ),
                100.0 * share_of_crypto
            );
        }
        let best_throughput = best.map_or(0.0, |best| best.throughput);
        let kept_up = load.achieved_rate >= MIN_ACHIEVED_SHARE * f64::from(load.offered_rate)
            && load.failures.count == 0;
        let p99 = load.latency.p99();
        println!(
            "targets: >= {:.0} delivered msgs/s: {:.0}, {} | >= {:.0}% of (b): {:.1}%, {} | p99 < \
             {} ms at {} msgs/s: {}{}, {}",
            TARGET_THROUGHPUT,
            best_throughput,
            verdict(best_throughput >= TARGET_THROUGHPUT),
            100.0 * TARGET_SHARE_OF_CRYPTO,
            100.0 * share_of_crypto,
            verdict(share_of_crypto >= TARGET_SHARE_OF_CRYPTO),
            TARGET_P99.as_millis(),
            load.offered_rate,
            with_unit(p99),
            if load.offered_rate != OFFERED_RATE {
                " (not the target's load: --rate)"
            } else if kept_up {
                ""
            } else {
                " (load not sustained)"
            },
            verdict(
                kept_up
                    && load.offered_rate == OFFERED_RATE
                    && p99.is_some_and(|p99| p99 < TARGET_P99)
            ),
        );
        self.ledger.print();
        let logs: Vec<String> = self
            .log_sizes
            .iter()
            .map(|(id, size)| format!("{id} {size}"))
            .collect();
        println!("audit-log entries at the end: {}", logs.join(", "));
        println!(
            "{}'s outbox after the run (+ up to {:?} to drain): {} queued, {} in flight{}",
            SENDER,
            DRAIN_GRACE,
            self.leftover.queued,
            self.leftover.in_flight,
            if self.leftover.queued > 0 && self.leftover.in_flight == 0 {
                " -- STUCK: queued messages the sender no longer attempts"
            } else {
                ""
            }
        );
    }
}

/// Both nodes' logs read back through `Operator.ExportLog` after the run, to check the
/// exactly-once claim over every message of every scenario, and `Operator.VerifyLog` on each.
#[derive(Debug, Default)]
struct Ledger {
    /// Entries per kind on each node.
    kinds: Vec<(String, std::collections::BTreeMap<String, u64>)>,
    /// Messages whose entries are not exactly: one `MESSAGE_SENT` and one `RECEIPT_OBTAINED`
    /// on the sender, one `MESSAGE_RECEIVED` and one `RECEIPT_ISSUED` on the recipient; with
    /// the counts found (sent, obtained, received, issued). At most a few kept.
    anomalies: Vec<(String, [u32; 4])>,
    anomaly_count: usize,
    /// Each node's `VerifyLog` answer: entries verified, or the failure.
    verified: Vec<(String, Result<u64, String>)>,
}

impl Ledger {
    async fn read(federation: &Federation) -> Result<Self> {
        use rogatory_proto::v1::export_chunk::Chunk;
        use rogatory_proto::v1::{EntryKind, ExportLogRequest, LogEntry, VerifyLogRequest};
        let mut ledger = Ledger::default();
        let mut per_message: std::collections::HashMap<String, [u32; 4]> =
            std::collections::HashMap::new();
        for id in [SENDER, RECIPIENT] {
            let mut operator = federation.operator(id).await?;
            let mut stream = operator.export_log(ExportLogRequest {}).await?.into_inner();
            let mut kinds = std::collections::BTreeMap::new();
            while let Some(chunk) = stream.message().await? {
                let Some(Chunk::Entry(entry)) = chunk.chunk else {
                    continue;
                };
                let entry = LogEntry::decode(entry.entry.as_slice())?;
                let kind = EntryKind::try_from(entry.kind).unwrap_or(EntryKind::Unspecified);
                *kinds.entry(kind.as_str_name().to_owned()).or_insert(0) += 1;
                let slot = match (id, kind) {
                    (SENDER, EntryKind::MessageSent) => 0,
                    (SENDER, EntryKind::ReceiptObtained) => 1,
                    (RECIPIENT, EntryKind::MessageReceived) => 2,
                    (RECIPIENT, EntryKind::ReceiptIssued) => 3,
                    _ => continue,
                };
                per_message.entry(entry.message_id).or_default()[slot] += 1;
            }
            ledger.kinds.push((id.to_owned(), kinds));
            let verified = operator.verify_log(VerifyLogRequest {}).await?.into_inner();
            ledger.verified.push((
                id.to_owned(),
                if verified.ok {
                    Ok(verified.entries)
                } else {
                    Err(format!(
                        "entry {}: {}",
                        verified.failed_index, verified.failure
                    ))
                },
            ));
        }
        let mut anomalies: Vec<(String, [u32; 4])> = per_message
            .into_iter()
            .filter(|(_, counts)| *counts != [1, 1, 1, 1])
            .collect();
        anomalies.sort();
        ledger.anomaly_count = anomalies.len();
        anomalies.truncate(FAILURE_EXAMPLES);
        ledger.anomalies = anomalies;
        Ok(ledger)
    }

    fn print(&self) {
        for (id, kinds) in &self.kinds {
            let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
            println!("{id}'s log by kind: {}", kinds.join(", "));
        }
        for (id, verified) in &self.verified {
            match verified {
                Ok(entries) => println!("{id}'s log verifies ({entries} entries)"),
                Err(failure) => println!("{id}'s log DOES NOT VERIFY: {failure}"),
            }
        }
        if self.anomaly_count == 0 {
            println!(
                "exactly once: every message sent once, received once, receipted once on each side"
            );
        } else {
            println!(
                "NOT EXACTLY ONCE: {} messages (sent, receipt obtained, received, receipt issued): {:?}",
                self.anomaly_count, self.anomalies
            );
        }
    }
}
