//! What SIGHUP changes in a running node, without dropping a connection.
//!
//! The node re-reads its configuration file. It applies, at once: the TLS certificate and key
//! (new handshakes use them; a renewed certificate brings a NOT_SERVING node back), the
//! federation CA file when its certificates changed (the trust's CA list replaced through
//! `LiveTrust::replace`, revocations and members kept: handshakes accept exactly the new CAs,
//! and connections whose certificates chain to none of them are closed; a file with the old and
//! the new CA certificate is a CA rotation), the
//! contact-point directory file (re-signed and served to peers if its contact points changed;
//! the `directory` key may name another file), and the log level (applied by the daemon, which
//! owns logging). Everything else it compares with what it
//! runs and names what differs as needing a restart, so the operator never wonders whether an
//! edit took effect. A reload that fails changes nothing. Each reload that changed something is
//! recorded in the audit log (CONFIG_CHANGE).

use std::path::Path;

use rogatory_proto::v1::EntryKind;
use rustls::pki_types::CertificateDer;
use sha2::{Digest, Sha256};

use crate::identity::config::NodeConfig;
use crate::identity::trust::{FederationTrust, TrustError};
use crate::node::Node;
use crate::storage::store::{LogRecord, StoreError};

/// What a reload did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReloadReport {
    /// Changes now in effect.
    pub applied: Vec<String>,
    /// Keys whose new values take effect only after a restart.
    pub needs_restart: Vec<String>,
    /// The log level the file now asks for (the daemon applies it).
    pub log_level: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error(transparent)]
    Config(#[from] crate::identity::config::ConfigError),
    #[error("the new TLS certificate was not loaded (the old one stays in use): {0}")]
    Tls(#[from] crate::identity::tls::TlsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the directory file was not published (the old directory stays in use): {0}")]
    Directory(#[from] crate::identity::directory::DirectoryError),
    #[error("the federation CA file was not applied (the trust in force stays): {0}")]
    Trust(#[from] TrustError),
}

/// What earlier reloads already applied or reported, so each change is announced (and
/// recorded in the audit log) once, not again at every SIGHUP.
#[derive(Debug, Clone)]
pub struct Reloader {
    log_level: Option<String>,
    needs_restart: Vec<String>,
    /// The certificates the federation CA file held at start or at the last reload: a reload
    /// applies the file only when they changed, so a SIGHUP does not undo a trust put in force
    /// since by other means (a roster).
    federation_ca: Option<Vec<CertificateDer<'static>>>,
}

impl Reloader {
    /// For a node running with `running` (its configuration at start).
    pub fn new(running: &NodeConfig) -> Self {
        Self {
            log_level: running.log_level.clone(),
            needs_restart: Vec::new(),
            federation_ca: FederationTrust::from_ca_file(&running.keys.federation_ca)
                .ok()
                .map(|trust| trust.certificate_authorities),
        }
    }

    /// Re-reads `config_path` and applies what can change while running. See the module docs.
    pub async fn reload(
        &mut self,
        node: &Node,
        config_path: &Path,
    ) -> Result<ReloadReport, ReloadError> {
        let (report, federation_ca) = reload(
            node,
            config_path,
            self.log_level.as_deref(),
            self.federation_ca.as_deref(),
        )
        .await?;
        self.federation_ca = Some(federation_ca);
        let announce_restart = report.needs_restart != self.needs_restart;
        if !report.applied.is_empty() || announce_restart {
            record(node, &report).await?;
        }
        self.log_level = report.log_level.clone();
        self.needs_restart = report.needs_restart.clone();
        Ok(report)
    }
}

async fn record(node: &Node, report: &ReloadReport) -> Result<(), ReloadError> {
    let mut detail = format!(
        "configuration reloaded (SIGHUP): {}",
        report.applied.join("; ")
    );
    if !report.needs_restart.is_empty() {
        detail.push_str(&format!(
            "; changed but not applied until restart: {}",
            report.needs_restart.join(", ")
        ));
    }
    node.store
        .write(|batch| {
            batch.append(LogRecord {
                kind: EntryKind::ConfigChange,
                detail,
                ..Default::default()
            });
            Ok::<_, StoreError>(())
        })
        .await?;
    Ok(())
}

async fn reload(
    node: &Node,
    config_path: &Path,
    current_log_level: Option<&str>,
    federation_ca: Option<&[CertificateDer<'static>]>,
) -> Result<(ReloadReport, Vec<CertificateDer<'static>>), ReloadError> {
    let new = NodeConfig::load(config_path)?;
    let old = &node.config;
    let mut report = ReloadReport {
        log_level: new.log_level.clone(),
        ..ReloadReport::default()
    };
    // Checked before anything is applied, so a bad directory file changes nothing.
    let directory = crate::identity::directory::republish(
        &node.directory,
        new.directory.as_deref(),
        node.config.node_id.as_str(),
        &node.key.signing_key(),
    )?;
    let file_cas = FederationTrust::from_ca_file(&new.keys.federation_ca)?.certificate_authorities;
    let trust = if federation_ca == Some(file_cas.as_slice()) {
        None
    } else {
        let trust = FederationTrust {
            certificate_authorities: file_cas.clone(),
            ..(*node.trust.current()).clone()
        };
        trust.check()?;
        Some(trust)
    };
    let before = node.tls.leaf_certificate();
    node.tls
        .reload(&new.keys.tls_certificate, &new.keys.tls_key)?;
    if node.tls.leaf_certificate() != before {
        let until = node
            .tls
            .leaf_certificate()
            .and_then(|c| crate::identity::tls::validity(&c).ok())
            .map_or_else(String::new, |v| {
                format!(", valid until {}", crate::format_time(v.not_after))
            });
        report
            .applied
            .push(format!("TLS certificate and key reloaded{until}"));
    }
    if let Some(directory) = directory {
        report.applied.push(directory.summary.clone());
        directory.serve(&node.directory);
    }
    if let Some(trust) = trust {
        let fingerprints: Vec<String> = trust
            .certificate_authorities
            .iter()
            .map(|ca| hex::encode(&Sha256::digest(ca.as_ref())[..8]))
            .collect();
        node.trust.replace(trust)?;
        report.applied.push(format!(
            "federation CA certificates reloaded: {} accepted (SHA-256 {})",
            fingerprints.len(),
            fingerprints.join(", ")
        ));
    }
    if new.log_level.as_deref() != current_log_level {
        report.applied.push(format!(
            "log level set to {}",
            new.log_level.as_deref().unwrap_or("info")
        ));
    }
    let mut restart = |key: &str, changed: bool| {
        if changed {
            report.needs_restart.push(key.to_owned());
        }
    };
    restart("node_id", new.node_id != old.node_id);
    restart("listen", new.listen != old.listen);
    restart("data_dir", new.data_dir != old.data_dir);
    restart(
        "keys.signing_key",
        new.keys.signing_key != old.keys.signing_key,
    );
    restart(
        "keys.tls_certificate (path)",
        new.keys.tls_certificate != old.keys.tls_certificate,
    );
    restart("keys.tls_key (path)", new.keys.tls_key != old.keys.tls_key);
    restart("limits", new.limits_differ(old));
    restart("peers", new.peers != old.peers);
    restart("alerts", new.alerts != old.alerts);
    restart("deadlines", new.deadlines != old.deadlines);
    restart(
        "directory_refresh_hours",
        new.directory_refresh != old.directory_refresh,
    );
    restart("metrics", new.metrics_listen != old.metrics_listen);
    restart("contact_points", new.contact_points != old.contact_points);
    restart("operator_socket", new.operator != old.operator);
    Ok((report, file_cas))
}
