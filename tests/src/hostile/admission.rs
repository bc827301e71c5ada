//! Callers that try to take more than their share of a node: floods of deliveries from a
//! peer, and from a caller the federation CA certified but the node does not count among its
//! peers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Result;
use rogatory_proto::v1::{DeliverBatchRequest, DeliverRequest, LogEntry, SignedEnvelope};
use tokio::task::JoinSet;

use crate::Federation;

/// `kg`: certified by the federation CA, a peer of every node but `de`, which does not know
/// it. The federation's nodes are `tm`, `fr`, `de` and `kg`; `de` serves metrics on loopback.
pub async fn federation_with_a_stranger_to_de(capacity: usize) -> Result<Federation> {
    Federation::start_with(&["tm", "fr", "de", "kg"], move |id, text| {
        if id != "de" {
            return text;
        }
        let text = text
            .split("\n[[peers]]")
            .filter(|block| !block.contains("node_id = \"kg\""))
            .collect::<Vec<_>>()
            .join("\n[[peers]]")
            .replace(
                "max_concurrent_deliveries = 256",
                &format!("max_concurrent_deliveries = {capacity}"),
            );
        text + crate::METRICS_ON_LOOPBACK
    })
    .await
}

/// `count` requests from `from` to `to`, each signed by `signer` (`from` for genuine ones).
pub fn signed_requests(
    federation: &Federation,
    from: &str,
    to: &str,
    signer: &str,
    count: usize,
) -> Result<Vec<SignedEnvelope>> {
    (0..count)
        .map(|_| federation.sign_as(signer, &federation.request_envelope(from, to)))
        .collect()
}

/// Sends each envelope by `Deliver` from `from` to `to`, `concurrency` calls at a time, and
/// returns the status of each refusal (an accepted one fails the flood).
pub async fn flood_deliver(
    federation: &Federation,
    from: &str,
    to: &str,
    envelopes: Vec<SignedEnvelope>,
    concurrency: usize,
) -> Result<Vec<tonic::Status>> {
    let client = federation.connect_as(from, to).await?;
    let queue = Arc::new(std::sync::Mutex::new(envelopes));
    let mut tasks = JoinSet::new();
    for _ in 0..concurrency {
        let mut client = client.clone();
        let queue = Arc::clone(&queue);
        tasks.spawn(async move {
            let mut refused = Vec::new();
            loop {
                let next = queue.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.pop();
                let Some(envelope) = next else {
                    return Ok::<_, anyhow::Error>(refused);
                };
                let answer = client
                    .deliver(DeliverRequest {
                        envelope: Some(envelope),
                        ..Default::default()
                    })
                    .await;
                match answer {
                    Ok(_) => anyhow::bail!("a flooding delivery was accepted"),
                    Err(status) => refused.push(status),
                }
            }
        });
    }
    let mut refused = Vec::new();
    while let Some(done) = tasks.join_next().await {
        refused.extend(done??);
    }
    Ok(refused)
}

/// What a flood of batches achieved.
#[derive(Debug, Default)]
pub struct FloodStats {
    pub batches_accepted: AtomicU64,
    pub batches_busy: AtomicU64,
}

/// Until `stop` is set, `from` sends `to` batches of 64 fresh genuine requests from `tasks`
/// concurrent calls, as fast as the node takes them: each batch asks for 64 of the node's
/// delivery permits. A batch answered "busy" is retried after a moment.
pub fn flood_batches(
    federation: &Federation,
    client: rogatory_proto::v1::federation_client::FederationClient<tonic::transport::Channel>,
    from: &str,
    to: &str,
    tasks: usize,
    stop: Arc<AtomicBool>,
) -> Result<(JoinSet<Result<()>>, Arc<FloodStats>)> {
    let stats = Arc::new(FloodStats::default());
    let mut set = JoinSet::new();
    for _ in 0..tasks {
        // Signed up front: the flood costs the test nothing while it runs.
        let mut batches: Vec<Vec<SignedEnvelope>> = (0..8)
            .map(|_| signed_requests(federation, from, to, from, 64))
            .collect::<Result<_>>()?;
        let mut client = client.clone();
        let stop = Arc::clone(&stop);
        let stats = Arc::clone(&stats);
        set.spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let Some(envelopes) = batches.last().cloned() else {
                    return Ok(());
                };
                let answer = client
                    .deliver_batch(DeliverBatchRequest {
                        envelopes,
                        known_checkpoint_size: 0,
                    })
                    .await;
                match answer {
                    Ok(_) => {
                        stats.batches_accepted.fetch_add(1, Ordering::SeqCst);
                        batches.pop();
                    }
                    Err(status) if crate::reason_of(&status) == "busy" => {
                        stats.batches_busy.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    Err(status) => anyhow::bail!("flooding batch refused: {status}"),
                }
            }
            Ok(())
        });
    }
    Ok((set, stats))
}

/// The entries of a stopped node's log from `from` on.
pub fn entries_from(federation: &Federation, node: &str, from: u64) -> Result<Vec<LogEntry>> {
    let store = crate::open_stopped_store(&federation.node(node)?.store_dir())?;
    let mut entries = Vec::new();
    for index in from..store.log_len()? {
        entries.extend(store.log_entry(index)?);
    }
    Ok(entries)
}

/// The count an aggregated `REJECTION` entry's detail carries (docs/AUDIT-FORMAT.md section
/// 4), if it is one.
pub fn aggregated_count(detail: &str) -> Option<u64> {
    let (_, rest) = detail.split_once(": repeated ")?;
    rest.split_once(" times ")?.0.parse().ok()
}

/// `rogatory_store_commits_total` of a running node: its group commits, one fdatasync each.
pub async fn store_commits(federation: &Federation, node: &str) -> Result<f64> {
    crate::http_get(federation.metrics_address(node)?, "/metrics")
        .await?
        .expect("rogatory_store_commits_total")
}
