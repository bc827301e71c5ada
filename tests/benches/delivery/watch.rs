//! What the nodes did during a scenario's window, read while it runs: the messages the
//! recipient stored (from its audit-log size) and what each node's store committer did (from
//! its metrics), to tell a slow answer from a slow delivery and which part sets the pace.
//!
//! It drives no load; the scenarios start these watchers beside their own calls.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Result;
use rogatory_node::storage::store::CommitStats;
use rogatory_proto::v1::IdentityRequest;
use rogatory_proto::v1::operator_client::OperatorClient;
use rogatory_tests::http_get;
use tonic::transport::Channel;

use super::RECIPIENT_ENTRIES_PER_MESSAGE;
use super::measure::Window;

/// What one node's store committer did in a window, from its metrics: group commits per
/// second, writes per commit, and the share of wall time spent in each phase of a commit.
#[derive(Debug, Clone)]
pub(super) struct CommitterLoad {
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

/// Reads the recipient's audit-log size at the start and the end of `window` and returns the
/// messages it stored per second in between.
pub(super) fn watch_recipient(
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
pub(super) fn watch_committers(
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
