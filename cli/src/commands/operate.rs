//! Operators' commands: `status` (is my node all right?), `backup`, `node renew-certificate`,
//! `node restore`, and the shell completions and manual pages generated from the command line.

use std::path::Path;

use anyhow::Context;
use rogatory_node::operations::provision;
use rogatory_proto::v1::{BackupRequest, NodeStatusRequest, NodeStatusResponse};
use serde::Serialize;

use super::Outcome;
use super::peers::{PeerView, print_peer_table};
use crate::connection::{NodeTarget, answer};
use crate::output::{Format, Time, count, one_line, print_json, say};

#[derive(Debug, Serialize)]
struct AlertView {
    kind: String,
    subject: String,
    message: String,
}

#[derive(Debug, Serialize)]
struct CertificateView {
    name: String,
    subject: String,
    not_before: Time,
    not_after: Time,
    days_left: i64,
}

#[derive(Debug, Serialize)]
struct StatusView {
    node_id: String,
    fingerprint: String,
    version: String,
    /// "serving" or "not-serving", as grpc.health.v1 reports it to peers.
    health: &'static str,
    not_serving_reasons: Vec<String>,
    warnings: Vec<AlertView>,
    started_at: Time,
    uptime_seconds: i64,
    listen_address: String,
    data_dir: String,
    log_entries: u64,
    checkpoint_size: u64,
    checkpoint_round_seconds_ago: i64,
    certificates: Vec<CertificateView>,
    disk_free_bytes: u64,
    disk_total_bytes: u64,
    peers: Vec<PeerView>,
}

impl From<NodeStatusResponse> for StatusView {
    fn from(s: NodeStatusResponse) -> Self {
        Self {
            health: if s.serving { "serving" } else { "not-serving" },
            not_serving_reasons: s.not_serving_reasons,
            warnings: s
                .warnings
                .into_iter()
                .map(|a| AlertView {
                    kind: a.kind,
                    subject: a.subject,
                    message: a.message,
                })
                .collect(),
            started_at: Time(s.started_at_ms),
            uptime_seconds: (s.now_ms - s.started_at_ms).max(0) / 1000,
            checkpoint_round_seconds_ago: (s.now_ms - s.checkpoint_round_at_ms).max(0) / 1000,
            certificates: s
                .certificates
                .into_iter()
                .map(|c| CertificateView {
                    name: c.name,
                    subject: c.subject,
                    not_before: Time(c.not_before_ms),
                    not_after: Time(c.not_after_ms),
                    days_left: c.days_left,
                })
                .collect(),
            peers: s.peers.into_iter().map(PeerView::from).collect(),
            node_id: s.node_id,
            fingerprint: s.fingerprint,
            version: s.version,
            listen_address: s.listen_address,
            data_dir: s.data_dir,
            log_entries: s.log_entries,
            checkpoint_size: s.checkpoint_size,
            disk_free_bytes: s.disk_free_bytes,
            disk_total_bytes: s.disk_total_bytes,
        }
    }
}

fn duration(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 2 * 3600 => format!("{} min", s / 60),
        s if s < 2 * 86_400 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        s => format!("{} days {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// `rogatory status`: one screen, problems first. Exit code 4 when the node is not serving.
pub async fn status(target: &NodeTarget, format: Format) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let response = answer(client.node_status(NodeStatusRequest {}).await, || {
        "asking the node how it is".to_owned()
    })?;
    let view = StatusView::from(response);
    let outcome = if view.not_serving_reasons.is_empty() {
        Outcome::Done
    } else {
        Outcome::NotServing
    };
    if format.json() {
        print_json(&view)?;
        return Ok(outcome);
    }
    if view.not_serving_reasons.is_empty() {
        say!("Node {}: SERVING", view.node_id);
    } else {
        say!(
            "Node {}: NOT SERVING (peers' health checks fail; fix these first)",
            view.node_id
        );
        for reason in &view.not_serving_reasons {
            say!("  x {}", one_line(reason));
        }
    }
    if view.warnings.is_empty() {
        say!("No warnings.");
    } else {
        say!(
            "{}:",
            count(view.warnings.len() as u64, "Warning", "Warnings")
        );
        for alert in &view.warnings {
            // A warning may quote a peer (its error answer): one line each.
            say!("  ! [{}] {}", alert.kind, one_line(&alert.message));
        }
    }
    say!();
    say!(
        "Identity      {}, signing key fingerprint {}, rogatoryd {}",
        view.node_id,
        view.fingerprint,
        view.version
    );
    say!(
        "Uptime        {} (since {})",
        duration(view.uptime_seconds),
        view.started_at
    );
    say!(
        "Listening     {} (peers); operator socket in {}",
        view.listen_address,
        view.data_dir
    );
    say!(
        "Audit log     {}; newest signed checkpoint covers {} (checkpointer ran {} ago)",
        count(view.log_entries, "entry", "entries"),
        view.checkpoint_size,
        duration(view.checkpoint_round_seconds_ago)
    );
    for (i, c) in view.certificates.iter().enumerate() {
        say!(
            "{}{} ({}): valid until {}, {}",
            if i == 0 {
                "Certificates  "
            } else {
                "              "
            },
            c.name,
            c.subject,
            c.not_after,
            if c.days_left < 0 {
                "EXPIRED".to_owned()
            } else {
                count(c.days_left as u64, "day left", "days left")
            }
        );
    }
    say!(
        "Disk          {} free of {} for {}",
        gib(view.disk_free_bytes),
        gib(view.disk_total_bytes),
        view.data_dir
    );
    say!();
    if view.peers.is_empty() {
        say!("No peers: add them with `rogatory node add-peer`.");
    } else {
        print_peer_table(&view.peers);
    }
    Ok(outcome)
}

#[derive(Debug, Serialize)]
struct BackupView {
    directory: String,
    log_entries: u64,
    checkpoint_size: u64,
    bytes: u64,
}

/// `rogatory backup DIR`: the running node writes a consistent snapshot into DIR.
pub async fn backup(
    target: &NodeTarget,
    directory: &Path,
    format: Format,
) -> anyhow::Result<Outcome> {
    // The node writes the backup itself, so the path must mean the same to it.
    let directory = if directory.is_absolute() {
        directory.to_owned()
    } else {
        std::env::current_dir()
            .context("cannot resolve the backup directory")?
            .join(directory)
    };
    let mut client = target.connect().await?;
    let response = answer(
        client
            .backup(BackupRequest {
                directory: directory.display().to_string(),
            })
            .await,
        || format!("asking the node to back up into {}", directory.display()),
    )?;
    let view = BackupView {
        directory: response.directory,
        log_entries: response.log_entries,
        checkpoint_size: response.checkpoint_size,
        bytes: response.bytes,
    };
    if format.json() {
        print_json(&view)?;
    } else {
        say!(
            "Backup written to {}: {} (newest checkpoint {}), {:.1} MiB.",
            view.directory,
            count(view.log_entries, "log entry", "log entries"),
            view.checkpoint_size,
            view.bytes as f64 / (1024.0 * 1024.0)
        );
        say!(
            "Back up the node's keys directory separately and securely (the backup holds no \
             keys); restore with `rogatory node restore --from {}` on a stopped node.",
            view.directory
        );
    }
    Ok(Outcome::Done)
}

/// `rogatory node renew-certificate --ca DIR`: a new TLS key and certificate for this node.
pub fn renew_certificate(
    target: &NodeTarget,
    ca_dir: &Path,
    format: Format,
) -> anyhow::Result<Outcome> {
    let (_, config) = target.load_config()?;
    provision::renew_certificate(ca_dir, &config)?;
    if format.json() {
        print_json(&serde_json::json!({
            "node_id": config.node_id.to_string(),
            "tls_certificate": config.keys.tls_certificate.display().to_string(),
            "tls_key": config.keys.tls_key.display().to_string(),
        }))?;
    } else {
        say!(
            "New TLS certificate for {} in {} (key in {}).",
            config.node_id,
            config.keys.tls_certificate.display(),
            config.keys.tls_key.display()
        );
        say!(
            "A running node picks it up on SIGHUP (`systemctl reload rogatoryd` or `kill -HUP \
             $(pidof rogatoryd)`); peers need no change."
        );
        say!(
            "For the demo and tests only (the CA key was on this machine): a real node runs \
             `rogatory node renewal-request`, and no private key moves."
        );
    }
    Ok(Outcome::Done)
}

/// `rogatory node rotate-key`: the next signing key, and what to do with it.
pub fn rotate_key(target: &NodeTarget, format: Format) -> anyhow::Result<Outcome> {
    let (_, config) = target.load_config()?;
    let pending = provision::rotate_key(&config)?;
    let public_key = rogatory_node::identity::keys::encode_public_key(&pending.public_key);
    let fingerprint = rogatory_proto::signing::fingerprint(&pending.public_key);
    if format.json() {
        print_json(&serde_json::json!({
            "node_id": config.node_id.to_string(),
            "pending_key_file": pending.path.display().to_string(),
            "public_key": public_key,
            "fingerprint": fingerprint,
        }))?;
        return Ok(Outcome::Done);
    }
    let spoken: Vec<&str> = fingerprint
        .as_bytes()
        .chunks(4)
        .filter_map(|group| std::str::from_utf8(group).ok())
        .collect();
    say!(
        "New signing key for {} written to {} (not in use yet).",
        config.node_id,
        pending.path.display()
    );
    say!("Public key:  {public_key}");
    say!("Fingerprint: {}", spoken.join(" "));
    say!(
        "Read the fingerprint to each governor by telephone. Then:\n  1. rogatory federation \
         propose --current {roster} --add-signing-key {id}={public_key} --retire-old-after 7d \
         --out rotate-{id}.pem\n  2. each of k governors: rogatory federation sign \
         rotate-{id}.pem --key GOVERNOR-KEY\n  3. rogatory --node {node} federation apply \
         rotate-{id}.pem\nOnce that roster is in force, this node signs with the new key by \
         itself; keep {pending} in place until then.",
        roster = pending.roster.display(),
        id = config.node_id,
        node = target.node.display(),
        pending = pending.path.display(),
    );
    Ok(Outcome::Done)
}

/// `rogatory node restore --from BACKUP`: puts a backup in place as a stopped node's store.
pub fn restore(target: &NodeTarget, from: &Path, format: Format) -> anyhow::Result<Outcome> {
    let (_, config) = target.load_config()?;
    let restored = rogatory_node::storage::backup::restore(from, &config)?;
    if format.json() {
        print_json(&serde_json::json!({
            "data_dir": config.data_dir.display().to_string(),
            "log_entries": restored.log_entries,
            "checkpoint_size": restored.checkpoint_size,
        }))?;
    } else {
        say!(
            "Restored {} into {} (newest checkpoint {}).",
            count(restored.log_entries, "log entry", "log entries"),
            config.data_dir.display(),
            restored.checkpoint_size
        );
        say!(
            "On its next start the node first asks its peers which checkpoint of its log they \
             hold, and signs nothing new until each one is consistent with the restored log."
        );
    }
    Ok(Outcome::Done)
}

/// `rogatory man --dir DIR`: rogatory.1 and one page per subcommand (rogatory-status.1, ...).
pub fn man_pages(dir: &Path, format: Format) -> anyhow::Result<Outcome> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let command = <crate::args::Cli as clap::CommandFactory>::command();
    clap_mangen::generate_to(command, dir)
        .with_context(|| format!("cannot write manual pages into {}", dir.display()))?;
    let mut pages: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("rogatory") && name.ends_with(".1"))
        .collect();
    pages.sort();
    if format.json() {
        print_json(&pages)?;
    } else {
        say!(
            "Wrote {} into {}; read one with `man -l {}/rogatory.1`.",
            count(pages.len() as u64, "manual page", "manual pages"),
            dir.display(),
            dir.display()
        );
    }
    Ok(Outcome::Done)
}
