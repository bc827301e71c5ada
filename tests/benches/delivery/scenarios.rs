//! The Rogatory scenarios: scenario 1, closed-loop throughput at K concurrent submitters
//! ([`end_to_end_throughput`]), and scenario 2, latency at a fixed offered load, open loop
//! ([`fixed_load`]); with the request they submit, padded to the target size, and the
//! closed loop that baseline (a) reuses ([`closed_loop`]).
//!
//! It measures calls; what the nodes did meanwhile is [`super::watch`]'s, and the baselines
//! are [`super::baselines`]'.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use prost::Message;
use rogatory_proto::v1::operator_client::OperatorClient;
use rogatory_proto::v1::{
    DeliveryState, MessageRecord, MlaRequest, SubmitRequestRequest, envelope,
};
use rogatory_tests::{Federation, TIMEOUT, sample_request};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tonic::transport::Channel;

use super::measure::{Failures, Stats, Window};
use super::watch::{CommitterLoad, watch_committers, watch_recipient};
use super::{
    LOAD_CASES, MAX_OUTSTANDING, RECIPIENT, SENDER, Settings, TARGET_PAYLOAD_BYTES, UNDELIVERED,
};

/// A closed-loop scenario at one concurrency: completions inside the window and their latency.
#[derive(Debug)]
pub(super) struct ClosedLoopResult {
    pub(super) concurrency: usize,
    pub(super) throughput: f64,
    /// Messages the recipient stored per second in the window, from its audit log (Rogatory
    /// only): tells a slow answer from a slow delivery.
    pub(super) recipient_rate: Option<f64>,
    pub(super) latency: Stats,
    pub(super) failures: Failures,
    /// CPU used outside the benchmark and its nodes meanwhile, in cores: other processes,
    /// kernel threads (some of them doing our I/O), hypervisor steal.
    pub(super) elsewhere: Option<f64>,
    /// CPU the benchmark and its nodes used meanwhile, in cores. Divided by the throughput it
    /// is the CPU one message costs, which a busy machine disturbs much less than the
    /// throughput.
    pub(super) own_cores: Option<f64>,
    /// What each node's store committer did in the window (Rogatory only).
    pub(super) committers: Vec<CommitterLoad>,
}

/// The open-loop scenario at a fixed offered rate.
#[derive(Debug)]
pub(super) struct OpenLoopResult {
    pub(super) offered_rate: u32,
    pub(super) cases: usize,
    /// Submissions scheduled inside the window.
    pub(super) scheduled: usize,
    /// DELIVERED answers received inside the window, per second.
    pub(super) achieved_rate: f64,
    /// Messages the recipient stored per second in the window, from its audit log.
    pub(super) recipient_rate: f64,
    /// From the scheduled send time to the answer (what a user with this load would see);
    /// [`UNDELIVERED`] for submissions that did not come back DELIVERED.
    pub(super) latency: Stats,
    /// From the moment the submission actually left to the answer.
    pub(super) service_time: Stats,
    /// How late the generator issued submissions (its own lag, included in `latency`).
    pub(super) issue_lag: Stats,
    pub(super) failures: Failures,
    pub(super) elsewhere: Option<f64>,
    pub(super) committers: Vec<CommitterLoad>,
}

/// Case ids of one length, so that every scenario's envelopes have the same size.
pub(super) fn case_id(group: usize, index: usize) -> String {
    // A new case's id names its opener (PROTOCOL 3.1).
    format!("{SENDER}-bench-{group:03}-{index:04}")
}

/// The sample request with its summary of facts padded so that the signed envelope payload is
/// [`TARGET_PAYLOAD_BYTES`] long.
pub(super) fn padded_request(federation: &Federation) -> Result<MlaRequest> {
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
pub(super) async fn submit(
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
pub(super) async fn closed_loop<F, Fut>(workers: Vec<F>, window: Window) -> Result<ClosedLoopResult>
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
pub(super) async fn end_to_end_throughput(
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
pub(super) async fn fixed_load(
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
