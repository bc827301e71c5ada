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
use rogatory_proto::join::{self, RosterRefusal, RosterStanding, VerifiedJoinRequest};
use rogatory_proto::roster::{self, KeyStanding, RosterError, VerifiedRoster};
use rogatory_proto::signing::fingerprint;
use serde::Serialize;

use super::Outcome;
use crate::failure::UserError;
use crate::i18n::t;
use crate::output::{Format, label_width, print_json, say, wrap};

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
    say!("  {}", t!("enroll-signing-key-fingerprint"));
    for line in grouped(&fingerprints.signing_key).lines() {
        say!("    {line}");
    }
    say!("  {}", t!("enroll-tls-key-fingerprint"));
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
    /// The log's verifier key, as `audit verify` and `node identity` print it.
    log_key: String,
    fingerprints: Fingerprints,
}

fn description(
    id: &str,
    country: &str,
    authority: &str,
    addresses: &[String],
) -> anyhow::Result<NodeDescription> {
    let node_id = NodeId::parse(id)
        .map_err(|e| UserError::new(format!("--id: {e}"), t!("enroll-id-hint")))?;
    let node = NodeDescription {
        node_id,
        country: country.to_owned(),
        authority: authority.to_owned(),
        addresses: addresses.to_vec(),
    };
    enroll::check_description(&node)
        .map_err(|e| UserError::new(e.to_string(), t!("enroll-description-hint")))?;
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
        Some(path) => Some(std::fs::read_to_string(path).with_context(|| {
            format!(
                "--federation-ca: {}",
                t!("setup-cannot-read", file = path.display().to_string())
            )
        })?),
        None => None,
    };
    let written = enroll::init_node(dir, node, listen, ca_text.as_deref())
        .map_err(|e| {
            anyhow::Error::new(e).context(t!(
                "enroll-cannot-init",
                node = node.node_id.to_string(),
                dir = dir.display().to_string()
            ))
        })
        .map_err(|e| {
            if dir.join(CONFIG_FILE).exists() || dir.join("keys").exists() {
                refused(
                    &*e,
                    UserError::new(
                        t!("enroll-dir-holds-node"),
                        t!("enroll-dir-holds-node-hint"),
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
        log_key: crate::output::log_key(node.node_id.as_str(), written.signing_key.as_bytes()),
        fingerprints: fingerprints_of(&written),
    };
    if format.json() {
        print_json(&result)?;
        return Ok(Outcome::Done);
    }
    say!(
        "{}",
        t!(
            "enroll-initialised",
            node = node.node_id.to_string(),
            dir = dir.display().to_string()
        )
    );
    let labels = [
        t!("setup-node-label-configuration"),
        t!("enroll-label-private-keys"),
        t!("enroll-label-join-request"),
        t!("enroll-label-signing-public-key"),
        t!("identity-label-log-key"),
    ];
    let width = label_width(&labels, 1);
    say!("  {:<width$}{}", labels[0], result.config);
    say!(
        "  {:<width$}{}/keys/signing-key.pem, {}/keys/tls-key.pem",
        labels[1],
        dir.display(),
        dir.display()
    );
    say!("  {:<width$}{}", labels[2], result.join_request);
    say!("  {:<width$}{}", labels[3], result.signing_public_key);
    say!("  {:<width$}{}", labels[4], result.log_key);
    say_fingerprints(&result.fingerprints);
    say!();
    say!(
        "{}",
        wrap(
            &t!(
                "enroll-init-next",
                request = result.join_request.as_str(),
                dir = dir.display().to_string()
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
    /// What `--roster` said; absent without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    roster: Option<RosterCheck>,
}

/// The roster check of `ca issue --roster` (PROTOCOL.md 11.6).
#[derive(Debug, Serialize)]
struct RosterCheck {
    serial: u64,
    /// `member` (the roster lists the node with this key, valid now) or `not-yet-a-member`.
    standing: &'static str,
}

/// Judges `request` by the newest roster in `file`; a contradiction is an error.
fn check_roster(file: &Path, request: &VerifiedJoinRequest) -> anyhow::Result<RosterCheck> {
    let shown = file.display().to_string();
    let bytes =
        std::fs::read(file).with_context(|| t!("setup-cannot-read", file = shown.as_str()))?;
    // The file's first roster is trusted as the CA holder's own copy (a genesis or the roster
    // in force, as `federation status --out` saves it); any later one must be its successor.
    let newest = roster::chain_from_armored(&bytes)
        .and_then(|chain| {
            let (first, rest) = chain
                .split_first()
                .ok_or_else(|| RosterError::Malformed("an empty roster file".into()))?;
            rest.iter()
                .try_fold(VerifiedRoster::trust_anchor(first)?, |current, next| {
                    current.successor(next)
                })
        })
        .map_err(|e| {
            refused(
                &e,
                UserError::new(
                    t!("enroll-roster-unusable", file = shown.as_str()),
                    t!("enroll-roster-unusable-hint"),
                ),
            )
        })?;
    let serial = newest.serial();
    let node = request.node_id().to_string();
    let refusal = |message: String, hint: String| -> anyhow::Error {
        UserError::new(message, hint)
            .coded("permission-denied")
            .into()
    };
    let standing = match join::check_against_roster(request, &newest, rogatory_node::now_ms()) {
        Ok(RosterStanding::Member) => "member",
        Ok(RosterStanding::NotYetAMember) => "not-yet-a-member",
        Err(RosterRefusal::RenewalOfNonMember) => {
            return Err(refusal(
                t!(
                    "enroll-roster-renewal-of-non-member",
                    node = node.as_str(),
                    serial = serial
                ),
                t!("enroll-roster-renewal-of-non-member-hint"),
            ));
        }
        Err(RosterRefusal::KeyNotListed) => {
            return Err(refusal(
                t!(
                    "enroll-roster-key-not-listed",
                    node = node.as_str(),
                    serial = serial
                ),
                t!("enroll-roster-key-not-listed-hint", node = node.as_str()),
            ));
        }
        Err(RosterRefusal::KeyNotValid(standing)) => {
            let why = match standing {
                KeyStanding::Revoked { .. } => t!("enroll-roster-key-revoked"),
                KeyStanding::Retired { .. } => t!("enroll-roster-key-retired"),
                _ => t!("enroll-roster-key-not-yet-valid"),
            };
            return Err(refusal(
                t!(
                    "enroll-roster-key-not-valid",
                    node = node.as_str(),
                    serial = serial,
                    why = why
                ),
                t!("enroll-roster-key-not-listed-hint", node = node.as_str()),
            ));
        }
    };
    Ok(RosterCheck { serial, standing })
}

/// `rogatory ca issue`.
pub fn issue(
    join_request: &Path,
    ca_dir: &Path,
    roster_file: Option<&Path>,
    out: Option<&Path>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let verified = enroll::read_join_request(join_request).map_err(|e| {
        refused(
            &e,
            UserError::new(
                t!(
                    "enroll-invalid-request",
                    file = join_request.display().to_string()
                ),
                t!("enroll-invalid-request-hint"),
            ),
        )
    })?;
    // Before anything is written: a request the roster contradicts gets nothing.
    let roster = roster_file
        .map(|file| check_roster(file, &verified))
        .transpose()?;
    let ca_certificate_path = ca_dir.join(CA_CERTIFICATE_FILE);
    let ca_certificate = std::fs::read_to_string(&ca_certificate_path).map_err(|e| {
        refused(
            &e,
            UserError::new(
                format!(
                    "--ca: {}",
                    t!(
                        "setup-cannot-read",
                        file = ca_certificate_path.display().to_string()
                    )
                ),
                t!("setup-no-ca-hint"),
            ),
        )
    })?;
    let ca_key = secret_file::read_private(&ca_dir.join(CA_KEY_FILE))?;
    let ca_key = String::from_utf8(ca_key).with_context(|| t!("enroll-ca-key-not-pem"))?;
    let issued =
        enrollment::issue_from_join_request(&ca_certificate, &ca_key, &verified).map_err(|e| {
            refused(
                &e,
                UserError::new(t!("enroll-csr-refused"), t!("enroll-csr-refused-hint")),
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
                t!("enroll-out-exists", file = out.display().to_string()),
                t!("enroll-out-exists-hint"),
            ))
        } else {
            anyhow::Error::new(e)
                .context(t!("audit-cannot-write", file = out.display().to_string()))
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
        roster,
    };
    if format.json() {
        print_json(&result)?;
        return Ok(Outcome::Done);
    }
    let kind = if result.renewal {
        t!("enroll-kind-renewal")
    } else {
        t!("enroll-kind-first")
    };
    say!("{}", t!("enroll-request-verified", kind = kind));
    // The request's own words (country, authority, addresses) are shown as written.
    let labels = [
        t!("enroll-label-node-id"),
        t!("enroll-label-country"),
        t!("enroll-label-authority"),
        t!("enroll-label-addresses"),
    ];
    let width = label_width(&labels, 2);
    say!("  {:<width$}{}", labels[0], result.node_id);
    say!("  {:<width$}{}", labels[1], result.country);
    say!("  {:<width$}{}", labels[2], result.authority);
    say!("  {:<width$}{}", labels[3], result.addresses.join(", "));
    say!(
        "  {} {}",
        t!("enroll-label-signing-public-key"),
        result.signing_public_key
    );
    say_fingerprints(&result.fingerprints);
    say!();
    let node = result.node_id.as_str();
    match &result.roster {
        Some(check) if check.standing == "member" => {
            say!(
                "{}",
                t!(
                    "enroll-roster-lists-key",
                    node = node,
                    serial = check.serial
                )
            );
        }
        Some(check) => {
            say!(
                "{}",
                t!("enroll-roster-not-yet", node = node, serial = check.serial)
            );
        }
        None if result.renewal => {
            say!(
                "{}",
                wrap(&t!("enroll-roster-not-checked", node = node), 90)
            );
        }
        None => {}
    }
    say!("{}", wrap(&t!("enroll-call-the-operator"), 90));
    // A date for people, in the reader's form.
    let until = crate::output::people_minute(result.not_after.0);
    say!();
    say!(
        "{}",
        t!(
            "enroll-issued",
            file = result.out.as_str(),
            serial = result.serial.as_str(),
            until = until.as_str()
        )
    );
    say!("{}", t!("enroll-issue-next", file = result.out.as_str()));
    if !result.renewal {
        say!(
            "{}",
            wrap(
                &t!(
                    "enroll-member-when-roster-names-it",
                    request = join_request.display().to_string()
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
    let text = std::fs::read(response)
        .with_context(|| t!("setup-cannot-read", file = response.display().to_string()))?;
    if text.len() > enrollment::MAX_RESPONSE_BYTES {
        return Err(UserError::new(
            t!(
                "enroll-response-too-large",
                file = response.display().to_string()
            ),
            t!("enroll-response-hint"),
        )
        .into());
    }
    let text = String::from_utf8_lossy(&text);
    let installed = enroll::install_certificate(&config, &text).map_err(|e| {
        refused(
            &e,
            UserError::new(
                t!(
                    "enroll-cannot-install",
                    file = response.display().to_string()
                ),
                t!("enroll-cannot-install-hint"),
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
        "{}",
        t!(
            "enroll-installed",
            node = result.node_id.as_str(),
            serial = result.serial.as_str(),
            certificate = result.certificate.as_str()
        )
    );
    if installed.renewed {
        say!("  {}", t!("enroll-installed-renewal"));
    }
    if installed.wrote_ca {
        say!(
            "  {}",
            t!(
                "enroll-installed-ca",
                file = config.keys.federation_ca.display().to_string()
            )
        );
        for line in grouped(&result.federation_ca_fingerprint).lines() {
            say!("    {line}");
        }
    }
    say!(
        "{}",
        t!(
            "enroll-install-next",
            config = dir.join(CONFIG_FILE).display().to_string()
        )
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
                    t!("enroll-flag-required", flag = flag),
                    t!("enroll-flag-required-hint"),
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
        anyhow::Error::new(e).context(t!("enroll-cannot-renew", node = config.node_id.to_string()))
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
        "{}",
        t!("enroll-renewal-made", node = result.node_id.as_str())
    );
    say!(
        "  {} {}",
        t!("enroll-label-renewal-request"),
        result.renewal_request
    );
    say_fingerprints(&result.fingerprints);
    say!();
    say!("{}", t!("setup-next"));
    say!(
        "  1. {}",
        t!(
            "enroll-renewal-step-send",
            file = result.renewal_request.as_str()
        )
    );
    let steps = [
        t!("enroll-renewal-they-run"),
        t!("enroll-renewal-you-run"),
        t!("enroll-renewal-then"),
    ];
    let width = label_width(&steps, 1);
    say!(
        "  2. {:<width$}rogatory ca issue {} --ca CA_DIR",
        steps[0],
        result.renewal_request
    );
    say!(
        "  3. {:<width$}rogatory node install-certificate --dir {} RESPONSE",
        steps[1],
        dir.display()
    );
    say!(
        "  4. {:<width$}systemctl reload rogatoryd ({} kill -HUP $(pidof rogatoryd))",
        steps[2],
        t!("enroll-or")
    );
    Ok(Outcome::Done)
}
