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
use crate::i18n::t;
use crate::output::{Format, Time, decimal, label_width, one_line, people_minute, print_json, say};

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
        s if s < 120 => t!("status-duration-seconds", seconds = s),
        s if s < 2 * 3600 => t!("status-duration-minutes", minutes = s / 60),
        s if s < 2 * 86_400 => t!(
            "status-duration-hours",
            hours = s / 3600,
            minutes = (s % 3600) / 60
        ),
        s => t!(
            "status-duration-days",
            days = s / 86_400,
            hours = (s % 86_400) / 3600
        ),
    }
}

fn gib(bytes: u64) -> String {
    t!(
        "status-size-gib",
        size = decimal(bytes as f64 / (1u64 << 30) as f64)
    )
}

/// `rogatory status`: one screen, problems first. Exit code 4 when the node is not serving.
pub async fn status(target: &NodeTarget, format: Format) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let response = answer(client.node_status(NodeStatusRequest {}).await, || {
        t!("status-asking")
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
        say!("{}", t!("status-serving", node = view.node_id.as_str()));
    } else {
        say!("{}", t!("status-not-serving", node = view.node_id.as_str()));
        for reason in &view.not_serving_reasons {
            say!("  x {}", one_line(reason));
        }
    }
    if view.warnings.is_empty() {
        say!("{}", t!("status-no-warnings"));
    } else {
        say!("{}", t!("status-warnings", count = view.warnings.len()));
        for alert in &view.warnings {
            // A warning may quote a peer (its error answer): one line each.
            say!("  ! [{}] {}", alert.kind, one_line(&alert.message));
        }
    }
    say!();
    let labels = [
        t!("status-label-identity"),
        t!("status-label-uptime"),
        t!("status-label-listening"),
        t!("status-label-log"),
        t!("status-label-certificates"),
        t!("status-label-disk"),
    ];
    let width = label_width(&labels, 2);
    let [identity, uptime, listening, log, certificates, disk] = &labels;
    say!(
        "{identity:<width$}{}",
        t!(
            "status-identity",
            node = view.node_id.as_str(),
            fingerprint = view.fingerprint.as_str(),
            version = view.version.as_str()
        )
    );
    say!(
        "{uptime:<width$}{}",
        t!(
            "status-uptime",
            duration = duration(view.uptime_seconds),
            since = people_minute(view.started_at.0)
        )
    );
    say!(
        "{listening:<width$}{}",
        t!(
            "status-listening",
            address = view.listen_address.as_str(),
            dir = view.data_dir.as_str()
        )
    );
    say!(
        "{log:<width$}{}",
        t!(
            "status-log",
            count = view.log_entries,
            size = view.checkpoint_size,
            ago = duration(view.checkpoint_round_seconds_ago)
        )
    );
    for (i, c) in view.certificates.iter().enumerate() {
        let label = if i == 0 { certificates.as_str() } else { "" };
        let left = if c.days_left < 0 {
            t!("status-certificate-expired")
        } else {
            t!("status-certificate-days-left", count = c.days_left)
        };
        say!(
            "{label:<width$}{}",
            t!(
                "status-certificate",
                name = c.name.as_str(),
                subject = c.subject.as_str(),
                until = people_minute(c.not_after.0),
                left = left
            )
        );
    }
    say!(
        "{disk:<width$}{}",
        t!(
            "status-disk",
            free = gib(view.disk_free_bytes),
            total = gib(view.disk_total_bytes),
            dir = view.data_dir.as_str()
        )
    );
    say!();
    if view.peers.is_empty() {
        say!("{}", t!("status-no-peers"));
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
            .with_context(|| t!("backup-no-directory"))?
            .join(directory)
    };
    let mut client = target.connect().await?;
    let response = answer(
        client
            .backup(BackupRequest {
                directory: directory.display().to_string(),
            })
            .await,
        || t!("backup-asking", dir = directory.display().to_string()),
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
            "{}",
            t!(
                "backup-written",
                dir = view.directory.as_str(),
                count = view.log_entries,
                size = view.checkpoint_size,
                mib = decimal(view.bytes as f64 / (1024.0 * 1024.0))
            )
        );
        say!(
            "{}",
            t!("backup-keys-separately", dir = view.directory.as_str())
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
            "{}",
            t!(
                "renew-written",
                node = config.node_id.to_string(),
                certificate = config.keys.tls_certificate.display().to_string(),
                key = config.keys.tls_key.display().to_string()
            )
        );
        say!("{}", t!("renew-sighup"));
        say!("{}", t!("renew-demo-only"));
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
        "{}",
        t!(
            "rotate-key-written",
            node = config.node_id.to_string(),
            file = pending.path.display().to_string()
        )
    );
    let labels = [t!("rotate-key-public-key"), t!("rotate-key-fingerprint")];
    let width = label_width(&labels, 1);
    say!("{:<width$}{public_key}", labels[0]);
    say!("{:<width$}{}", labels[1], spoken.join(" "));
    say!("{}", t!("rotate-key-read-by-telephone"));
    say!(
        "  1. rogatory federation propose --current {roster} --add-signing-key \
         {id}={public_key} --retire-old-after 7d --out rotate-{id}.pem",
        roster = pending.roster.display(),
        id = config.node_id,
    );
    say!(
        "  2. {}: rogatory federation sign rotate-{id}.pem --key GOVERNOR-KEY",
        t!("rotate-key-each-governor"),
        id = config.node_id,
    );
    say!(
        "  3. rogatory --node {node} federation apply rotate-{id}.pem",
        id = config.node_id,
        node = target.node.display(),
    );
    say!(
        "{}",
        t!(
            "rotate-key-in-force",
            pending = pending.path.display().to_string()
        )
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
            "{}",
            t!(
                "restore-done",
                count = restored.log_entries,
                dir = config.data_dir.display().to_string(),
                size = restored.checkpoint_size
            )
        );
        say!("{}", t!("restore-next-start"));
    }
    Ok(Outcome::Done)
}

/// `rogatory man --dir DIR`: rogatory.1 and one page per subcommand (rogatory-status.1, ...).
pub fn man_pages(dir: &Path, format: Format) -> anyhow::Result<Outcome> {
    std::fs::create_dir_all(dir)
        .with_context(|| t!("man-cannot-create", dir = dir.display().to_string()))?;
    let command = <crate::args::Cli as clap::CommandFactory>::command();
    clap_mangen::generate_to(command, dir)
        .with_context(|| t!("man-cannot-write", dir = dir.display().to_string()))?;
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
            "{}",
            t!(
                "man-pages-written",
                count = pages.len(),
                dir = dir.display().to_string()
            )
        );
    }
    Ok(Outcome::Done)
}
