//! Enrollment without moving a private key: `node init`, `ca issue`, `node install-certificate`
//! and `node renewal-request` (docs/PROTOCOL.md section 11.6; README "Join a federation").
//! They work on files and need no running node.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rogatory_node::identity::config::NodeConfig;
use rogatory_node::identity::enrollment::{self, grouped};
use rogatory_node::identity::keys;
use rogatory_node::identity::secret_file;
use rogatory_node::operations::enroll::{self, NodeDescription, RequestWritten};
use rogatory_node::operations::provision::{CA_CERTIFICATE_FILE, CA_KEY_FILE, CONFIG_FILE};
use rogatory_proto::ids::NodeId;
use rogatory_proto::signing::fingerprint;
use serde::Serialize;

use super::Outcome;
use crate::failure::UserError;
use crate::output::{Format, print_json, say, wrap};

/// A refusal with its cause in the message, so the hint of `user` reaches the user.
fn refused(cause: &(dyn std::error::Error + 'static), user: UserError) -> anyhow::Error {
    let mut chain = cause.to_string();
    let mut source = cause.source();
    while let Some(next) = source {
        let part = next.to_string();
        if !chain.ends_with(&part) {
            chain = format!("{chain}: {part}");
        }
        source = next.source();
    }
    user.with_cause(&chain).into()
}

/// The fingerprints both sides read to each other by telephone.
#[derive(Debug, Serialize)]
struct Fingerprints {
    /// SHA-256 of the Ed25519 signing public key.
    signing_key: String,
    /// SHA-256 of the TLS key's SubjectPublicKeyInfo.
    tls_key: String,
}

fn say_fingerprints(fingerprints: &Fingerprints) {
    say!("  signing key fingerprint:");
    for line in grouped(&fingerprints.signing_key).lines() {
        say!("    {line}");
    }
    say!("  TLS key fingerprint:");
    for line in grouped(&fingerprints.tls_key).lines() {
        say!("    {line}");
    }
}

#[derive(Debug, Serialize)]
struct Initialized {
    node_id: String,
    dir: String,
    config: String,
    join_request: String,
    signing_public_key: String,
    fingerprints: Fingerprints,
}

fn description(
    id: &str,
    country: &str,
    authority: &str,
    addresses: &[String],
) -> anyhow::Result<NodeDescription> {
    let node_id = NodeId::parse(id).map_err(|e| {
        UserError::new(
            format!("--id: {e}"),
            "use the country's code in lowercase, e.g. \"kz\"",
        )
    })?;
    let node = NodeDescription {
        node_id,
        country: country.to_owned(),
        authority: authority.to_owned(),
        addresses: addresses.to_vec(),
    };
    enroll::check_description(&node).map_err(|e| {
        UserError::new(
            e.to_string(),
            "--country is the ISO 3166-1 alpha-2 code in capitals (KZ), --authority the \
             authority's name, and each --address HOST:PORT where other nodes reach this one",
        )
    })?;
    Ok(node)
}

/// `rogatory node init`.
pub fn init(
    dir: &Path,
    node: &NodeDescription,
    listen: SocketAddr,
    federation_ca: Option<&Path>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let ca_text = match federation_ca {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("--federation-ca: cannot read {}", path.display()))?,
        ),
        None => None,
    };
    let written = enroll::init_node(dir, node, listen, ca_text.as_deref())
        .map_err(|e| {
            anyhow::Error::new(e).context(format!(
                "cannot initialise node {} in {}",
                node.node_id,
                dir.display()
            ))
        })
        .map_err(|e| {
            if dir.join(CONFIG_FILE).exists() || dir.join("keys").exists() {
                refused(
                    &*e,
                    UserError::new(
                        "the directory already holds a node; nothing was changed",
                        "choose a new --dir; never overwrite a node's keys",
                    ),
                )
            } else {
                e
            }
        })?;
    let result = Initialized {
        node_id: node.node_id.to_string(),
        dir: dir.display().to_string(),
        config: written.config_path.display().to_string(),
        join_request: written.request_path.display().to_string(),
        signing_public_key: keys::encode_public_key(&written.signing_key),
        fingerprints: fingerprints_of(&written),
    };
    if format.json() {
        print_json(&result)?;
        return Ok(Outcome::Done);
    }
    say!(
        "Initialised node {} in {} (its keys were made here and never leave it)",
        node.node_id,
        dir.display()
    );
    say!("  configuration:       {}", result.config);
    say!(
        "  private keys (0600): {}/keys/signing-key.pem, {}/keys/tls-key.pem",
        dir.display(),
        dir.display()
    );
    say!("  join request:        {}", result.join_request);
    say!("  signing public key:  {}", result.signing_public_key);
    say_fingerprints(&result.fingerprints);
    say!();
    say!(
        "{}",
        wrap(
            &format!(
                "Next: send {} to the federation's CA holder (e-mail is fine: it holds no \
                 secret) and read them these fingerprints by telephone. Install the \
                 certificate they send back with: rogatory node install-certificate --dir {} \
                 RESPONSE",
                result.join_request,
                dir.display()
            ),
            90
        )
    );
    Ok(Outcome::Done)
}

fn fingerprints_of(written: &RequestWritten) -> Fingerprints {
    Fingerprints {
        signing_key: fingerprint(&written.signing_key),
        tls_key: written.tls_key_fingerprint.clone(),
    }
}

/// Parses `node init`'s options.
pub fn init_description(
    id: &str,
    country: &str,
    authority: &str,
    addresses: &[String],
) -> anyhow::Result<NodeDescription> {
    description(id, country, authority, addresses)
}

#[derive(Debug, Serialize)]
struct Issued {
    node_id: String,
    country: String,
    authority: String,
    addresses: Vec<String>,
    renewal: bool,
    signing_public_key: String,
    fingerprints: Fingerprints,
    serial: String,
    not_after: crate::output::Time,
    out: String,
}

/// `rogatory ca issue`.
pub fn issue(
    join_request: &Path,
    ca_dir: &Path,
    out: Option<&Path>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let verified = enroll::read_join_request(join_request).map_err(|e| {
        refused(
            &e,
            UserError::new(
                format!(
                    "{} is not a valid join request; nothing was issued",
                    join_request.display()
                ),
                "ask the node's operator to send the join-request.txt `rogatory node init` (or \
             renewal-request.txt from `rogatory node renewal-request`) wrote, unchanged",
            ),
        )
    })?;
    let ca_certificate_path = ca_dir.join(CA_CERTIFICATE_FILE);
    let ca_certificate = std::fs::read_to_string(&ca_certificate_path).map_err(|e| {
        refused(
            &e,
            UserError::new(
                format!("--ca: cannot read {}", ca_certificate_path.display()),
                "pass the directory `rogatory ca create` made (it holds federation-ca.pem and \
             federation-ca-key.pem)",
            ),
        )
    })?;
    let ca_key = secret_file::read_private(&ca_dir.join(CA_KEY_FILE))?;
    let ca_key = String::from_utf8(ca_key).context("the CA key file is not PEM text")?;
    let issued =
        enrollment::issue_from_join_request(&ca_certificate, &ca_key, &verified).map_err(|e| {
            refused(
                &e,
                UserError::new(
                    "the join request's certificate signing request is refused; nothing was issued",
                    "the node's operator runs `rogatory node init` (or `node renewal-request`) \
                 again and sends the new request",
                ),
            )
        })?;
    let request = verified.request();
    let out = out.map_or_else(
        || PathBuf::from(format!("{}.certificate.pem", verified.node_id())),
        Path::to_path_buf,
    );
    secret_file::write_new(&out, issued.response().as_bytes(), 0o644).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::Error::new(UserError::new(
                format!("{} already exists; nothing was issued", out.display()),
                "name another file with --out, or move the old one away",
            ))
        } else {
            anyhow::Error::new(e).context(format!("cannot write {}", out.display()))
        }
    })?;
    let result = Issued {
        node_id: verified.node_id().to_string(),
        country: request.country.clone(),
        authority: request.authority.clone(),
        addresses: request.addresses.clone(),
        renewal: request.renewal,
        signing_public_key: keys::encode_public_key(verified.signing_key()),
        fingerprints: Fingerprints {
            signing_key: fingerprint(verified.signing_key()),
            tls_key: issued.tls_key_fingerprint.clone(),
        },
        serial: issued.serial.clone(),
        not_after: crate::output::Time(issued.not_after.unix_timestamp().saturating_mul(1000)),
        out: out.display().to_string(),
    };
    if format.json() {
        print_json(&result)?;
        return Ok(Outcome::Done);
    }
    let kind = if result.renewal {
        "RENEWAL of the certificate of a member"
    } else {
        "first request to join"
    };
    say!("Join request verified ({kind}):");
    say!("  node id:    {}", result.node_id);
    say!("  country:    {}", result.country);
    say!("  authority:  {}", result.authority);
    say!("  addresses:  {}", result.addresses.join(", "));
    say!("  signing public key: {}", result.signing_public_key);
    say_fingerprints(&result.fingerprints);
    say!();
    say!(
        "{}",
        wrap(
            "Call the node's operator on a number you already know (not one from the e-mail) \
             and have them read their fingerprints: if any group differs, the request is not \
             theirs; delete the certificate file and do not send it.",
            90
        )
    );
    say!();
    say!(
        "Wrote {} (certificate serial {}, valid until {}): public material only, the node \
         certificate then the CA certificate.",
        result.out,
        result.serial,
        result.not_after
    );
    say!(
        "Next: send it back to the node's operator, who runs: rogatory node install-certificate \
         --dir NODE_DIR {}",
        result.out
    );
    if !result.renewal {
        say!(
            "{}",
            wrap(
                &format!(
                    "The node becomes a member only when the roster names it: rogatory \
                     federation propose --current ROSTER --out PROPOSAL --add-member {} (then \
                     `federation sign` by the governors and `federation apply`).",
                    join_request.display()
                ),
                90
            )
        );
    }
    Ok(Outcome::Done)
}

#[derive(Debug, Serialize)]
struct InstalledCertificate {
    node_id: String,
    certificate: String,
    serial: String,
    renewed: bool,
    wrote_federation_ca: bool,
    federation_ca_fingerprint: String,
}

/// `rogatory node install-certificate`.
pub fn install_certificate(dir: &Path, response: &Path, format: Format) -> anyhow::Result<Outcome> {
    let config = NodeConfig::load(&dir.join(CONFIG_FILE))?;
    let text =
        std::fs::read(response).with_context(|| format!("cannot read {}", response.display()))?;
    if text.len() > enrollment::MAX_RESPONSE_BYTES {
        return Err(UserError::new(
            format!(
                "{} is too large for a certificate response",
                response.display()
            ),
            "pass the .certificate.pem file `rogatory ca issue` wrote",
        )
        .into());
    }
    let text = String::from_utf8_lossy(&text);
    let installed = enroll::install_certificate(&config, &text).map_err(|e| {
        refused(
            &e,
            UserError::new(
                format!(
                    "{} cannot be installed; nothing was changed",
                    response.display()
                ),
                "check that it is the file `rogatory ca issue` wrote for this node's latest join \
             or renewal request, from your federation's CA",
            ),
        )
    })?;
    let result = InstalledCertificate {
        node_id: config.node_id.to_string(),
        certificate: config.keys.tls_certificate.display().to_string(),
        serial: installed.response.serial.clone(),
        renewed: installed.renewed,
        wrote_federation_ca: installed.wrote_ca,
        federation_ca_fingerprint: installed.response.ca_fingerprint.clone(),
    };
    if format.json() {
        print_json(&result)?;
        return Ok(Outcome::Done);
    }
    say!(
        "Installed the certificate of node {} (serial {}) in {}.",
        result.node_id,
        result.serial,
        result.certificate
    );
    if installed.renewed {
        say!("  The renewal key and its certificate replaced the old pair together.");
    }
    if installed.wrote_ca {
        say!(
            "  Wrote the federation CA certificate to {}; its fingerprint (compare it with the \
             CA holder's):",
            config.keys.federation_ca.display()
        );
        for line in grouped(&result.federation_ca_fingerprint).lines() {
            say!("    {line}");
        }
    }
    say!(
        "Next: rogatoryd --config {} --check-config; a running node takes the new certificate \
         on SIGHUP (`systemctl reload rogatoryd` or `kill -HUP $(pidof rogatoryd)`).",
        dir.join(CONFIG_FILE).display()
    );
    Ok(Outcome::Done)
}

#[derive(Debug, Serialize)]
struct RenewalRequested {
    node_id: String,
    renewal_request: String,
    fingerprints: Fingerprints,
}

/// `rogatory node renewal-request`.
pub fn renewal_request(
    dir: &Path,
    country: Option<&str>,
    authority: Option<&str>,
    addresses: &[String],
    format: Format,
) -> anyhow::Result<Outcome> {
    let config = NodeConfig::load(&dir.join(CONFIG_FILE))?;
    let previous = enroll::previous_description(dir)?;
    let pick = |given: Option<&str>, earlier: Option<&String>, flag: &str| {
        given
            .map(str::to_owned)
            .or_else(|| earlier.cloned())
            .ok_or_else(|| {
                UserError::new(
                    format!("{flag} is required: this node has no earlier join request"),
                    "pass --country, --authority and --address as for `rogatory node init`",
                )
            })
    };
    let country = pick(country, previous.as_ref().map(|p| &p.country), "--country")?;
    let authority = pick(
        authority,
        previous.as_ref().map(|p| &p.authority),
        "--authority",
    )?;
    let addresses = if addresses.is_empty() {
        previous
            .as_ref()
            .map(|p| p.addresses.clone())
            .unwrap_or_default()
    } else {
        addresses.to_vec()
    };
    let node = description(config.node_id.as_str(), &country, &authority, &addresses)?;
    let written = enroll::renewal_request(dir, &config, &node).map_err(|e| {
        anyhow::Error::new(e).context(format!(
            "cannot make a renewal request for node {}",
            config.node_id
        ))
    })?;
    let result = RenewalRequested {
        node_id: config.node_id.to_string(),
        renewal_request: written.request_path.display().to_string(),
        fingerprints: fingerprints_of(&written),
    };
    if format.json() {
        print_json(&result)?;
        return Ok(Outcome::Done);
    }
    say!(
        "Made a new TLS key for node {} (pending until its certificate is installed; the node \
         keeps using the current one) and a renewal request signed by the node's signing key:",
        result.node_id
    );
    say!("  renewal request: {}", result.renewal_request);
    say_fingerprints(&result.fingerprints);
    say!();
    say!("Next:");
    say!(
        "  1. send {} to the CA holder and read them the fingerprints by telephone",
        result.renewal_request
    );
    say!(
        "  2. they run: rogatory ca issue {} --ca CA_DIR",
        result.renewal_request
    );
    say!(
        "  3. you run:  rogatory node install-certificate --dir {} RESPONSE",
        dir.display()
    );
    say!("  4. then:     systemctl reload rogatoryd (or kill -HUP $(pidof rogatoryd))");
    Ok(Outcome::Done)
}
