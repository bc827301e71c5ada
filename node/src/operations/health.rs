//! Whether the node is all right: the conditions behind `grpc.health.v1` and the warnings
//! behind `rogatory status`.
//!
//! The node reports SERVING only while all of these hold: its data directory is writable, its
//! TLS certificate and the federation CA are within their validity dates, and its newest signed
//! checkpoint is recent (it covers the log, or was signed within [`CHECKPOINT_STALE_AFTER`]).
//! The signing key is loaded before the node serves at all. Anything else worth an operator's
//! attention (a certificate near expiry, a peer unreachable too long, an overdue message, low
//! disk space, a misbehaving peer, a request past one of its deadlines) is a warning: logged when it appears and shown by status,
//! without taking the node out of service.
//!
//! A full disk (below `limits.disk_reserve_megabytes`, see `disk_space`) is a warning too,
//! `disk-full`, not NOT_SERVING: the node still answers every call correctly (new work with
//! `RESOURCE_EXHAUSTED` / `disk-full`, which senders retry; reads, repeats, witnessing and
//! checkpoints as usual), and peers that took it for down would stop asking it for what it
//! can still give. The warning clears by itself when space returns, as the refusals stop.

use std::sync::Arc;

use std::time::Duration;

use rogatory_proto::v1::{Alert, CertificateStatus, NodeStatusResponse, PeerStatus, Reachability};
use rustls::pki_types::CertificateDer;
use tokio_util::sync::CancellationToken;

use crate::delivery::outbound;
use crate::delivery::outbox::Outbox;
use crate::node::Node;
use crate::operations::preflight;
use crate::storage::store::StoreError;

/// How often conditions are re-evaluated.
pub const HEALTH_INTERVAL: Duration = Duration::from_secs(1);
/// A checkpoint that leaves entries uncovered for longer than this means signing is failing.
pub const CHECKPOINT_STALE_AFTER: Duration = Duration::from_secs(30);

/// The reasons the node is not serving; empty when it is.
pub fn not_serving_reasons(node: &Node) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Err(problem) = preflight::writable(&node.config.data_dir) {
        reasons.push(format!("data directory: {problem}"));
    }
    let now_s = crate::now_ms().div_euclid(1000);
    match node
        .tls
        .leaf_certificate()
        .map(|c| crate::identity::tls::validity(&c))
    {
        Some(Ok(validity)) => {
            if let Some(problem) = validity.problem_at(now_s) {
                reasons.push(format!(
                    "the node's TLS certificate {problem}: peers refuse it; renew it with \
                     `rogatory node renew-certificate` and send the node SIGHUP"
                ));
            }
        }
        Some(Err(problem)) => reasons.push(format!("the node's TLS certificate: {problem}")),
        None => reasons.push("the node has no TLS certificate loaded".into()),
    }
    reasons.extend(unusable_federation_cas(node, now_s).into_iter().filter_map(
        |(problem, issued_this_node, all_unusable)| {
            // While a federation changes CA, one listed CA may be not yet or no longer valid:
            // a warning (`federation-ca-unusable`). Not serving only when peers would refuse
            // this node's own chain, or when no CA is left to check peers with.
            (issued_this_node || all_unusable)
                .then(|| format!("the federation CA certificate {problem}"))
        },
    ));
    if node.health.restore_pending() {
        reasons.push(node.health.restore_state().unwrap_or_else(|| {
            "restored from a backup: asking peers which checkpoint of this log they hold before \
             signing again"
                .to_owned()
        }));
    } else if let Some(reason) = checkpoint_staleness(node) {
        reasons.push(reason);
    }
    reasons
}

/// Each federation CA certificate in force that is out of its dates at `now_s`: why, whether it
/// issued this node's own TLS certificate, and whether every CA in force is out of its dates.
fn unusable_federation_cas(node: &Node, now_s: i64) -> Vec<(String, bool, bool)> {
    let roots = node.tls.roots();
    let leaf = node.tls.leaf_certificate();
    let problems: Vec<(String, bool)> = roots
        .iter()
        .filter_map(|root| {
            let problem = crate::identity::tls::validity(root)
                .ok()?
                .problem_at(now_s)?;
            let issued_this_node = leaf
                .as_ref()
                .is_some_and(|leaf| crate::identity::tls::issued_by(leaf, root));
            Some((problem, issued_this_node))
        })
        .collect();
    let all_unusable = problems.len() == roots.len();
    problems
        .into_iter()
        .map(|(problem, issued_this_node)| (problem, issued_this_node, all_unusable))
        .collect()
}

fn checkpoint_staleness(node: &Node) -> Option<String> {
    let log_len = match node.store.log_len() {
        Ok(len) => len,
        Err(error) => return Some(format!("the audit log cannot be read: {error}")),
    };
    let covered = match node.store.latest_checkpoint() {
        Ok(latest) => latest.map_or(0, |(size, _)| size),
        Err(error) => return Some(format!("the checkpoints cannot be read: {error}")),
    };
    let age_ms = crate::now_ms() - node.health.last_checkpoint_round_ms();
    let stale_ms = i64::try_from(CHECKPOINT_STALE_AFTER.as_millis()).unwrap_or(i64::MAX);
    (log_len > covered && age_ms > stale_ms).then(|| {
        format!(
            "no checkpoint signed for {} s while {} log entries are not covered by one: \
             checkpoint signing is failing (see the node's log)",
            age_ms / 1000,
            log_len - covered
        )
    })
}

/// How often warnings are re-evaluated (they read the queue, so less often than health).
pub const WARNING_INTERVAL: Duration = Duration::from_secs(30);

/// Keeps the federation port's `grpc.health.v1` status in step with [`not_serving_reasons`],
/// and logs each warning when it appears and when it clears, until `shutdown`.
pub async fn run(
    node: Arc<Node>,
    outbox: Arc<Outbox>,
    reporter: tonic_health::server::HealthReporter,
    shutdown: CancellationToken,
) {
    let mut serving: Option<bool> = None;
    let mut active: std::collections::BTreeSet<(String, String)> = Default::default();
    let mut last_warning_round: Option<tokio::time::Instant> = None;
    let mut ticker = tokio::time::interval(HEALTH_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = ticker.tick() => {}
        }
        let evaluated = Arc::clone(&node);
        let Ok(reasons) =
            tokio::task::spawn_blocking(move || not_serving_reasons(&evaluated)).await
        else {
            continue;
        };
        let now_serving = reasons.is_empty();
        node.metrics.set_serving(now_serving);
        if serving != Some(now_serving) {
            let status = if now_serving {
                tracing::info!("healthy: serving");
                tonic_health::ServingStatus::Serving
            } else {
                for reason in &reasons {
                    tracing::warn!(%reason, "not serving");
                }
                tonic_health::ServingStatus::NotServing
            };
            for service in ["", "rogatory.v1.Federation"] {
                reporter.set_service_status(service, status).await;
            }
            serving = Some(now_serving);
        }
        if last_warning_round.is_some_and(|at| at.elapsed() < WARNING_INTERVAL) {
            continue;
        }
        last_warning_round = Some(tokio::time::Instant::now());
        let (evaluated, lanes) = (Arc::clone(&node), Arc::clone(&outbox));
        let current = tokio::task::spawn_blocking(move || {
            let peers = peer_statuses(&evaluated, &lanes)?;
            for peer in &peers {
                evaluated.metrics.set_peer(
                    &peer.node_id,
                    peer.reachability == Reachability::Reachable as i32,
                    peer.last_contact_at_ms,
                    peer.oldest_queued_at_ms,
                );
            }
            Ok::<_, StoreError>(warnings(&evaluated, &peers, &certificates(&evaluated)))
        })
        .await;
        let Ok(Ok(current)) = current else {
            continue;
        };
        node.metrics
            .set_warnings(current.iter().map(|alert| alert.kind.as_str()));
        let mut now_active = std::collections::BTreeSet::new();
        for alert in current {
            let key = (alert.kind.clone(), alert.subject.clone());
            if !active.contains(&key) {
                tracing::warn!(kind = %alert.kind, subject = %alert.subject, "{}", alert.message);
            }
            now_active.insert(key);
        }
        for (kind, subject) in active.difference(&now_active) {
            tracing::info!(%kind, %subject, "warning cleared");
        }
        active = now_active;
    }
    // Peers polling health during the drain see the node going away.
    for service in ["", "rogatory.v1.Federation"] {
        reporter
            .set_service_status(service, tonic_health::ServingStatus::NotServing)
            .await;
    }
}

/// Each peer as `rogatory peers` and `rogatory status` show it (reads the store: blocking).
pub fn peer_statuses(node: &Node, outbox: &Outbox) -> Result<Vec<PeerStatus>, StoreError> {
    let mut peers = Vec::new();
    for (peer, state) in outbox.peer_states() {
        let id = peer.node_id.as_str();
        let oldest = node.store.queued_for(id, None, 1)?.into_iter().next();
        peers.push(PeerStatus {
            node_id: id.to_owned(),
            address: peer.address.clone(),
            reachability: match state.reachable {
                None => Reachability::Unknown,
                Some(true) => Reachability::Reachable,
                Some(false) => Reachability::Unreachable,
            } as i32,
            last_contact_at_ms: state.last_contact_ms,
            queue_depth: node.store.queue_depth(id)?,
            oldest_queued_message_id: oldest
                .as_ref()
                .map(|m| m.message_id.clone())
                .unwrap_or_default(),
            overdue: oldest
                .as_ref()
                .is_some_and(|m| outbound::is_overdue(node, m.created_at_ms, false)),
            oldest_queued_at_ms: oldest.map_or(0, |m| m.created_at_ms),
            last_error: state.last_error,
            next_attempt_at_ms: state.next_attempt_ms,
            in_flight: u32::try_from(state.in_flight.len()).unwrap_or(u32::MAX),
            witnessed_size: crate::delivery::witness::held(node, id)?.map_or(0, |(c, _)| c.size),
            misbehaviour: node
                .store
                .misbehaviour(id)?
                .last()
                .map(|evidence| misbehaviour_reason(evidence))
                .unwrap_or_default(),
        });
    }
    Ok(peers)
}

/// The first `reason` line of stored misbehaviour evidence.
pub fn misbehaviour_reason(evidence: &[u8]) -> String {
    String::from_utf8_lossy(evidence)
        .lines()
        .find_map(|line| line.strip_prefix("reason "))
        .unwrap_or("inconsistent checkpoints")
        .to_owned()
}

/// This node's certificate and the federation CA's, with their dates.
pub fn certificates(node: &Node) -> Vec<CertificateStatus> {
    let now_s = crate::now_ms().div_euclid(1000);
    let describe = |name: &str, certificate: &CertificateDer<'_>| {
        let validity = crate::identity::tls::validity(certificate).ok()?;
        let subject = if name == "tls" {
            crate::identity::tls::node_id_of_certificate(certificate)
                .map(|id| id.to_string())
                .unwrap_or_default()
        } else {
            x509_parser::parse_x509_certificate(certificate.as_ref())
                .map(|(_, parsed)| parsed.subject().to_string())
                .unwrap_or_default()
        };
        Some(CertificateStatus {
            name: name.to_owned(),
            subject,
            not_before_ms: validity.not_before.saturating_mul(1000),
            not_after_ms: validity.not_after.saturating_mul(1000),
            days_left: validity.days_left(now_s),
        })
    };
    let mut out: Vec<CertificateStatus> = node
        .tls
        .leaf_certificate()
        .and_then(|leaf| describe("tls", &leaf))
        .into_iter()
        .collect();
    out.extend(
        node.tls
            .roots()
            .iter()
            .filter_map(|root| describe("federation-ca", root)),
    );
    out
}

/// How long before the roster in force expires the operator is warned: governors sign a
/// new one offline, each on their own machine, which takes days, not minutes.
const ROSTER_EXPIRY_WARNING_MS: i64 = 14 * 86_400_000;

/// What needs the operator's attention without stopping the node, most urgent first.
pub fn warnings(
    node: &Node,
    peers: &[PeerStatus],
    certificates: &[CertificateStatus],
) -> Vec<Alert> {
    let alert = |kind: &str, subject: &str, message: String| Alert {
        kind: kind.to_owned(),
        subject: subject.to_owned(),
        message,
    };
    let thresholds = &node.config.alerts;
    let now = crate::now_ms();
    let mut out = Vec::new();
    if let Err(full) = node.disk.check() {
        out.push(alert(
            "disk-full",
            &node.config.data_dir.display().to_string(),
            format!(
                "{full}. New messages, submissions and uploads are refused (RESOURCE_EXHAUSTED, \
                 disk-full; peers retry them) until space is freed; reads, receipts and the \
                 audit log go on. Free space on that file system: the node takes new work \
                 again by itself, without a restart"
            ),
        ));
    } else if node.store.waiting_for_space() {
        // The reserve was not enough (something else filled the disk, or no reserve is kept).
        out.push(alert(
            "disk-full",
            &node.config.data_dir.display().to_string(),
            "the disk holding this node's data directory was full when the store wrote its \
             indexes (sled): every write is refused (RESOURCE_EXHAUSTED, disk-full; peers retry \
             them), the audit log included; nothing confirmed is lost (the store's journal \
             holds it). Free space on that file system: the node reopens its store, applies \
             the journal and takes new work again by itself, without a restart"
                .to_owned(),
        ));
    }
    if let Some(roster) = node.membership.in_force()
        && !crate::node::membership::lists_own_key(&roster, node.id(), &node.key.public(), now)
    {
        let listed = roster
            .signing_key_now(node.id().as_str(), now)
            .map_or("no valid key".to_owned(), |key| {
                format!("key {}", rogatory_proto::signing::fingerprint(&key))
            });
        out.push(alert(
            "signing-key",
            node.id().as_str(),
            format!(
                "this node signs with key {} but roster {} lists {listed} for it: peers refuse \
                 what it signs. If a rotation is under way, keep its pending key file ({}) in \
                 place; otherwise ask the governors for a roster listing this node's key",
                rogatory_proto::signing::fingerprint(&node.key.public()),
                roster.serial(),
                crate::identity::keys::pending_path(&node.config.keys.signing_key).display(),
            ),
        ));
    }
    for peer in peers {
        if !peer.misbehaviour.is_empty() {
            out.push(alert(
                "peer-misbehaving",
                &peer.node_id,
                format!(
                    "peer {} showed inconsistent checkpoints of its log ({}); the evidence is \
                     kept: export it with `rogatory audit export` and inform the federation",
                    peer.node_id, peer.misbehaviour
                ),
            ));
        }
    }
    for (problem, issued_this_node, all_unusable) in
        unusable_federation_cas(node, now.div_euclid(1000))
    {
        if !issued_this_node && !all_unusable {
            out.push(alert(
                "federation-ca-unusable",
                "federation-ca",
                format!(
                    "a federation CA certificate in force {problem}: certificates it issued \
                     are refused meanwhile; this node still serves with the other CA \
                     certificate(s) in force. During a CA change this is expected; otherwise \
                     remove it (`rogatory federation propose --remove-ca`, or node.toml \
                     [federation] without a roster)"
                ),
            ));
        }
    }
    for certificate in certificates {
        if (0..thresholds.certificate_expiry_days).contains(&certificate.days_left) {
            let what = if certificate.name == "tls" {
                "this node's TLS certificate"
            } else {
                "the federation CA certificate"
            };
            out.push(alert(
                "certificate-expiring",
                &certificate.name,
                format!(
                    "{what} expires on {} ({} days left); renew it with `rogatory node \
                     renew-certificate` and send the node SIGHUP",
                    crate::format_time(certificate.not_after_ms / 1000),
                    certificate.days_left
                ),
            ));
        }
    }
    if let Some(roster) = node.membership.in_force() {
        let left_ms = roster.expires_at_ms().saturating_sub(now);
        let expires = crate::format_time(roster.expires_at_ms() / 1000);
        if left_ms <= 0 {
            out.push(alert(
                "roster-expired",
                &format!("roster {}", roster.serial()),
                format!(
                    "the federation's roster {} expired on {expires}: it stays in force here, \
                     but a node that has not applied it (a new member, a node restored or \
                     catching up) refuses it (freeze protection) until the governors sign a \
                     new one (`rogatory federation propose --valid-for DAYS`, \
                     then `federation sign` and `federation apply`)",
                    roster.serial()
                ),
            ));
        } else if left_ms < ROSTER_EXPIRY_WARNING_MS {
            out.push(alert(
                "roster-expiring",
                &format!("roster {}", roster.serial()),
                format!(
                    "the federation's roster {} expires on {expires} ({} days left); ask the \
                     governors for a new one (`rogatory federation propose --valid-for DAYS`, \
                     `federation sign`, `federation apply`)",
                    roster.serial(),
                    left_ms / 86_400_000
                ),
            ));
        }
    }
    let unreachable_after =
        i64::try_from(thresholds.peer_unreachable_after.as_millis()).unwrap_or(i64::MAX);
    for peer in peers {
        let since = peer.last_contact_at_ms.max(node.health.started_at_ms);
        if peer.reachability == Reachability::Unreachable as i32 && now - since > unreachable_after
        {
            out.push(alert(
                "peer-unreachable",
                &peer.node_id,
                format!(
                    "peer {} at {} has been unreachable for {} minutes (last error: {}); check \
                     the network path and ask its operator",
                    peer.node_id,
                    peer.address,
                    (now - since) / 60_000,
                    peer.last_error
                ),
            ));
        }
        if peer.overdue {
            out.push(alert(
                "message-overdue",
                &peer.node_id,
                format!(
                    "message {} to {} is still undelivered after {} minutes; it stays queued \
                     (`rogatory outbox` shows why)",
                    peer.oldest_queued_message_id,
                    peer.node_id,
                    (now - peer.oldest_queued_at_ms) / 60_000
                ),
            ));
        }
    }
    match crate::storage::disk_space::measure(&node.config.data_dir) {
        Ok((free, _)) if free < thresholds.min_free_disk_bytes => out.push(alert(
            "disk-low",
            &node.config.data_dir.display().to_string(),
            format!(
                "only {} MiB free for the data directory (alert below {} MiB); the node stops \
                 accepting messages when the disk is full",
                free / (1024 * 1024),
                thresholds.min_free_disk_bytes / (1024 * 1024)
            ),
        )),
        Ok(_) => {}
        Err(error) => out.push(alert(
            "disk-low",
            &node.config.data_dir.display().to_string(),
            format!("cannot read the free space of the data directory: {error}"),
        )),
    }
    match crate::storage::cases::overdue_alerts(
        &node.store,
        &node.config.deadlines,
        now,
        node.id().as_str(),
    ) {
        Ok(overdue) => out.extend(overdue),
        Err(error) => tracing::warn!(
            error = %crate::error_chain(&error),
            "cannot read the cases to check their deadlines"
        ),
    }
    out
}

/// The whole answer to "is my node all right?" (reads the store: blocking).
pub fn node_status(
    node: &Node,
    outbox: &Outbox,
    listen_address: &str,
) -> Result<NodeStatusResponse, StoreError> {
    let peers = peer_statuses(node, outbox)?;
    let certificates = certificates(node);
    let reasons = not_serving_reasons(node);
    let mut warnings = warnings(node, &peers, &certificates);
    // What the start-up checks found (certificate dates are covered above).
    warnings.extend(
        preflight::check(&node.config, preflight::Purpose::Start)
            .into_iter()
            .filter(|f| !f.key.starts_with("keys.tls_certificate") && f.key != "keys.federation_ca")
            .map(|f| Alert {
                kind: "configuration".to_owned(),
                subject: f.key,
                message: f.problem,
            }),
    );
    let (disk_free_bytes, disk_total_bytes) =
        crate::storage::disk_space::measure(&node.config.data_dir).unwrap_or((0, 0));
    Ok(NodeStatusResponse {
        node_id: node.id().to_string(),
        fingerprint: rogatory_proto::signing::fingerprint(&node.key.public()),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at_ms: node.health.started_at_ms,
        now_ms: crate::now_ms(),
        listen_address: listen_address.to_owned(),
        data_dir: node.config.data_dir.display().to_string(),
        serving: reasons.is_empty(),
        not_serving_reasons: reasons,
        warnings,
        peers,
        log_entries: node.store.log_len()?,
        checkpoint_size: node.store.latest_checkpoint()?.map_or(0, |(size, _)| size),
        checkpoint_round_at_ms: node.health.last_checkpoint_round_ms(),
        certificates,
        disk_free_bytes,
        disk_total_bytes,
    })
}

#[cfg(test)]
mod tests {
    /// The kind strings raised in `source`: after `alert(` or `kind: `.
    fn raised_kinds(source: &str) -> Vec<String> {
        let mut kinds = Vec::new();
        for marker in ["alert(", "kind: \""] {
            for (at, _) in source.match_indices(marker) {
                let rest = source[at + marker.len()..].trim_start();
                let rest = rest.strip_prefix('"').unwrap_or(rest);
                let kind: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                    .collect();
                if kind.contains('-') && rest[kind.len()..].starts_with('"') {
                    kinds.push(kind);
                }
            }
        }
        kinds
    }

    /// A warning kind added without its `rogatory_warnings` series would be absent, not zero,
    /// until it first fires: alert rules on it would not see it.
    #[test]
    fn every_warning_kind_has_its_metric_series_from_the_start() {
        let kinds: Vec<String> = [include_str!("health.rs"), include_str!("../rules/cases.rs")]
            .into_iter()
            .flat_map(raised_kinds)
            .collect();
        assert!(kinds.len() >= 10, "{kinds:?}");
        for kind in &kinds {
            assert!(
                crate::node::metrics::WARNING_KINDS.contains(&kind.as_str()),
                "{kind} has no series in WARNING_KINDS"
            );
        }
    }
}
