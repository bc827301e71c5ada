//! Everything checked before a node binds a port: the files its configuration names (data
//! directory, keys, certificates, the contact-point directory file).
//!
//! `rogatoryd --check-config` and every start run [`check`], which reports all problems at once
//! (each naming its configuration key and the fix) instead of stopping at the first. Errors
//! stop the node with exit code 64; warnings are logged and shown by `rogatory status`.
//!
//! Certificate dates are the one difference between the two uses: `--check-config` treats an
//! expired or not-yet-valid certificate as an error, while a start treats it as a warning and
//! lets the node come up NOT_SERVING (see `health`), so that a node whose certificate lapsed
//! over a weekend still answers its operator and can be fixed without losing its queue.

use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use crate::format_time;
use crate::identity::config::NodeConfig;
use crate::identity::keys::NodeKey;
use crate::identity::secret_file;
use crate::identity::tls;
use crate::identity::tls::validity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One thing found wrong (or about to go wrong), naming the configuration key it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub key: String,
    pub problem: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{label}: `{}`: {}", self.key, self.problem)
    }
}

/// Why the check runs: it decides how certificate dates count and whether ports are probed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `--check-config`: everything must be right now, and the listen port must be free.
    CheckOnly,
    /// A start: certificate dates are health conditions, and the start binds the port itself.
    Start,
}

/// Checks the data directory, keys and certificates named by `config`. Errors first.
pub fn check(config: &NodeConfig, purpose: Purpose) -> Vec<Finding> {
    let mut findings = Findings::default();
    check_data_dir(&config.data_dir, &mut findings);
    if let Err(error) = NodeKey::load(&config.keys.signing_key) {
        findings.error(
            "keys.signing_key",
            format!(
                "{}; `rogatory node create` makes one",
                crate::error_chain(&error)
            ),
        );
    }
    check_tls(config, purpose, &mut findings);
    if let Some(directory) = config.operator.path.parent()
        && directory != config.data_dir
        && let Err(problem) = check_socket_directory(directory)
    {
        findings.error("operator_socket.path", problem);
    }
    if let Some(path) = &config.directory
        && let Err(error) = crate::identity::directory::check_file(path, config.node_id.as_str())
    {
        findings.error(
            "directory",
            format!(
                "{}; config/directory.example.toml shows the format (each [[contact_point]] \
                 needs a name and an authority)",
                crate::error_chain(&error)
            ),
        );
    }
    if config.peers.is_empty() {
        findings.warning(
            "peers",
            "no peers are configured, so this node can neither send nor receive; add them with \
             `rogatory node add-peer`",
        );
    }
    if purpose == Purpose::CheckOnly && config.listen.port() != 0 {
        if let Err(error) = std::net::TcpListener::bind(config.listen) {
            let socket = config.operator_socket();
            if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
                // Checking the file of a running node before restarting it is normal.
                findings.warning(
                    "listen",
                    format!(
                        "{} is in use by this node, which is running (its operator socket \
                         answers); the port is free again once it stops",
                        config.listen
                    ),
                );
            } else {
                findings.error(
                    "listen",
                    format!(
                        "cannot listen on {}: {error}; another program uses it: stop it or \
                         choose another port",
                        config.listen
                    ),
                );
            }
        }
    }
    let mut list = findings.0;
    list.sort_by_key(|finding| finding.severity);
    list
}

#[derive(Default)]
struct Findings(Vec<Finding>);

impl Findings {
    fn error(&mut self, key: &str, problem: impl Into<String>) {
        self.push(Severity::Error, key, problem);
    }

    fn warning(&mut self, key: &str, problem: impl Into<String>) {
        self.push(Severity::Warning, key, problem);
    }

    fn push(&mut self, severity: Severity, key: &str, problem: impl Into<String>) {
        self.0.push(Finding {
            severity,
            key: key.to_owned(),
            problem: problem.into(),
        });
    }
}

/// Whether the directory that holds the operator socket, and each directory above it, keeps
/// everyone but this node's account and root from replacing the socket. Whoever may write there
/// could put a socket of their own in its place, or rename the directory, and read everything
/// contact points submit. A directory is safe if its owner is this account or root and no one
/// else may write to it; above the socket's own directory, a sticky directory (`/tmp`) is safe
/// too, since no one else may rename what is in it. A directory that does not exist yet is not
/// judged (the node creates its data directory itself, 0700).
pub fn check_socket_directory(directory: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let own_uid = rustix::process::geteuid().as_raw();
    let Ok(canonical) = std::fs::canonicalize(directory) else {
        return Ok(());
    };
    for (depth, dir) in canonical.ancestors().enumerate() {
        let Ok(metadata) = std::fs::metadata(dir) else {
            continue;
        };
        let owner = metadata.uid();
        let mode = metadata.mode() & 0o7777;
        if owner != own_uid && owner != 0 {
            return Err(format!(
                "{} belongs to uid {owner}, not to this node's account (uid {own_uid}) or root,                  so its owner could replace the operator socket; give the socket a directory of                  the node's account (`install -d -m 0750 -o USER -g GROUP DIR`)",
                dir.display()
            ));
        }
        let sticky = mode & 0o1000 != 0;
        if mode & 0o022 != 0 && (depth == 0 || !sticky) {
            return Err(format!(
                "{} may be written by group or others (mode {mode:o}), who could replace the                  operator socket with their own; run `chmod go-w {}` or choose another                  directory",
                dir.display(),
                dir.display()
            ));
        }
    }
    Ok(())
}

fn check_data_dir(path: &Path, findings: &mut Findings) {
    let key = "data_dir";
    match std::fs::metadata(path) {
        Ok(metadata) if !metadata.is_dir() => {
            findings.error(
                key,
                format!("{} exists but is not a directory", path.display()),
            );
        }
        Ok(metadata) => {
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                findings.error(
                    key,
                    format!(
                        "{} is open to group or others (mode {mode:o}); it holds the audit log \
                         and the operator socket: run `chmod 700 {}`",
                        path.display(),
                        path.display()
                    ),
                );
            }
            if let Err(problem) = writable(path) {
                findings.error(key, problem);
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            // Created (0700) at start; its parent must exist.
            let parent = path.parent().unwrap_or(Path::new("/"));
            if !parent.is_dir() {
                findings.error(
                    key,
                    format!(
                        "neither {} nor its parent directory exists; create {} or correct the \
                         path",
                        path.display(),
                        parent.display()
                    ),
                );
            }
        }
        Err(error) => findings.error(key, format!("cannot inspect {}: {error}", path.display())),
    }
}

/// Whether the node can write into `dir`. The owner's write bit counts even for root, who could
/// write anyway: an operator who made the directory read-only meant the node to stop writing.
pub fn writable(dir: &Path) -> Result<(), String> {
    let metadata =
        std::fs::metadata(dir).map_err(|e| format!("cannot inspect {}: {e}", dir.display()))?;
    if metadata.permissions().mode() & 0o200 == 0 {
        return Err(format!(
            "{} is read-only (mode {:o}); the node must write its audit log there: run \
             `chmod 700 {}`",
            dir.display(),
            metadata.permissions().mode() & 0o777,
            dir.display()
        ));
    }
    let probe = dir.join(".rogatory-write-probe");
    // No fsync: the health task runs this every second, and creating a file is enough to meet a
    // read-only or full file system without forcing a journal commit each time.
    let result = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&probe)
        .and_then(|mut file| std::io::Write::write_all(&mut file, b"probe"))
        .and_then(|()| std::fs::remove_file(&probe));
    result.map_err(|e| format!("cannot write in {}: {e}", dir.display()))
}

fn now_s() -> i64 {
    crate::now_ms().div_euclid(1000)
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{} is not PEM: {e}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!("{} holds no PEM certificate", path.display()));
    }
    Ok(certificates)
}

fn check_tls(config: &NodeConfig, purpose: Purpose, findings: &mut Findings) {
    let now = now_s();
    let date_finding = |findings: &mut Findings, key: &str, what: &str, problem: String| {
        let text = format!("the {what} {problem}");
        match purpose {
            Purpose::CheckOnly => findings.error(key, text),
            Purpose::Start => findings.warning(
                key,
                format!("{text}; the node starts but reports NOT_SERVING until it is replaced"),
            ),
        }
    };
    let roots = match read_certificates(&config.keys.federation_ca) {
        Ok(roots) => Some(roots),
        Err(problem) => {
            findings.error("keys.federation_ca", problem);
            None
        }
    };
    for root in roots.iter().flatten() {
        match validity(root) {
            Ok(validity) => {
                if let Some(problem) = validity.problem_at(now) {
                    date_finding(
                        findings,
                        "keys.federation_ca",
                        "federation CA certificate",
                        problem,
                    );
                } else if validity.days_left(now) < config.alerts.certificate_expiry_days {
                    findings.warning(
                        "keys.federation_ca",
                        format!(
                            "the federation CA certificate expires on {} ({} days); the \
                             federation must issue a new CA and node certificates before then",
                            format_time(validity.not_after),
                            validity.days_left(now)
                        ),
                    );
                }
            }
            Err(problem) => findings.error("keys.federation_ca", problem),
        }
    }
    let chain = match read_certificates(&config.keys.tls_certificate) {
        Ok(chain) => Some(chain),
        Err(problem) => {
            findings.error("keys.tls_certificate", problem);
            None
        }
    };
    let key_pem = match secret_file::read_private(&config.keys.tls_key) {
        Ok(bytes) => match String::from_utf8(bytes)
            .ok()
            .and_then(|pem| rcgen::KeyPair::from_pem(&pem).ok())
        {
            Some(key) => Some(key),
            None => {
                findings.error(
                    "keys.tls_key",
                    format!(
                        "{} does not hold a PEM private key (ECDSA P-256, PKCS#8)",
                        config.keys.tls_key.display()
                    ),
                );
                None
            }
        },
        Err(error) => {
            findings.error("keys.tls_key", crate::error_chain(&error));
            None
        }
    };
    let Some(leaf) = chain.as_ref().and_then(|chain| chain.first()) else {
        return;
    };
    let named = match tls::node_id_of_certificate(leaf) {
        Ok(named) => {
            if named != config.node_id {
                findings.error(
                    "keys.tls_certificate",
                    format!(
                        "the certificate names node \"{named}\" but node_id = \"{}\"; issue a \
                         certificate for this node (`rogatory node renew-certificate`) or \
                         correct node_id",
                        config.node_id
                    ),
                );
            }
            Some(named)
        }
        Err(problem) => {
            findings.error("keys.tls_certificate", problem);
            None
        }
    };
    if let Some(key) = &key_pem {
        let matches = x509_parser::parse_x509_certificate(leaf.as_ref())
            .map(|(_, parsed)| {
                parsed
                    .tbs_certificate
                    .subject_pki
                    .subject_public_key
                    .data
                    .as_ref()
                    == key.public_key_raw()
            })
            .unwrap_or(false);
        if !matches {
            findings.error(
                "keys.tls_key",
                format!(
                    "{} is not the private key of the certificate {}; put the key that was \
                     issued with this certificate in place, or renew both with `rogatory node \
                     renew-certificate`",
                    config.keys.tls_key.display(),
                    config.keys.tls_certificate.display()
                ),
            );
        }
    }
    let dates_ok = match validity(leaf) {
        Ok(validity) => match validity.problem_at(now) {
            Some(problem) => {
                date_finding(
                    findings,
                    "keys.tls_certificate",
                    "node's TLS certificate",
                    format!(
                        "{problem}; renew it with `rogatory node renew-certificate`, then send \
                         the node SIGHUP"
                    ),
                );
                false
            }
            None => {
                if validity.days_left(now) < config.alerts.certificate_expiry_days {
                    findings.warning(
                        "keys.tls_certificate",
                        format!(
                            "the node's TLS certificate expires on {} ({} days); renew it with \
                             `rogatory node renew-certificate`, then send the node SIGHUP",
                            format_time(validity.not_after),
                            validity.days_left(now)
                        ),
                    );
                }
                true
            }
        },
        Err(problem) => {
            findings.error("keys.tls_certificate", problem);
            false
        }
    };
    // Peers check the certificate against the federation CA exactly like this.
    // Checked against the name it carries: a wrong name is reported above, once.
    if let (Some(roots), Some(chain), Some(named), true) = (&roots, &chain, &named, dates_ok) {
        if let Err(problem) = verify_chain(roots, chain, named.as_str()) {
            findings.error(
                "keys.tls_certificate",
                format!(
                    "peers would refuse this certificate: {problem}; it must be issued by the \
                     federation CA in {}",
                    config.keys.federation_ca.display()
                ),
            );
        }
    }
}

/// Verifies `chain` as a peer would: issued by one of `roots`, valid now, naming `node_id`.
fn verify_chain(
    roots: &[CertificateDer<'static>],
    chain: &[CertificateDer<'static>],
    node_id: &str,
) -> Result<(), String> {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store
            .add(root.clone())
            .map_err(|e| format!("the federation CA certificate is unusable: {e}"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
            .build()
            .map_err(|e| e.to_string())?;
    let name = ServerName::try_from(node_id.to_owned()).map_err(|e| e.to_string())?;
    let (leaf, intermediates) = chain.split_first().ok_or("empty certificate chain")?;
    verifier
        .verify_server_cert(leaf, intermediates, &name, &[], UnixTime::now())
        .map(|_| ())
        .map_err(|e| e.to_string())
}
