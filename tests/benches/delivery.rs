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
//!
//! This root holds the settings, the bench's constants and the run itself; the parts are in
//! `delivery/`: the scenarios (`scenarios`), the baselines (`baselines`), the arithmetic of
//! a measurement (`measure`), what the nodes did meanwhile (`watch`), the machine and its CPU
//! accounting (`machine`), the exactly-once read-back (`ledger`) and the report (`report`).
#![forbid(unsafe_code)]

#[path = "delivery/baselines.rs"]
mod baselines;
#[path = "delivery/ledger.rs"]
mod ledger;
#[path = "delivery/machine.rs"]
mod machine;
#[path = "delivery/measure.rs"]
mod measure;
#[path = "delivery/report.rs"]
mod report;
#[path = "delivery/scenarios.rs"]
mod scenarios;
#[path = "delivery/watch.rs"]
mod watch;

use std::time::Duration;

use anyhow::{Context, Result};
use rogatory_proto::v1::ListPeersRequest;
use rogatory_tests::{Federation, free_port};
use tokio::time::Instant;

use baselines::{crypto_baseline, transport_baseline};
use ledger::Ledger;
use machine::{CpuMeter, machine_info};
use report::{Backlog, Report};
use scenarios::{case_id, end_to_end_throughput, fixed_load, padded_request, submit};

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
