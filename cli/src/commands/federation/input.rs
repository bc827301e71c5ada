//! What the commands read and write: roster, CA and certificate files (written whole or
//! replaced atomically), and the values of the command line (keys, governors, addresses,
//! durations, times), each refused with the fix.

use std::path::{Path, PathBuf};

use anyhow::Context;
use ed25519_dalek::VerifyingKey;
use rogatory_node::identity::keys;
use rogatory_proto::roster::{self, RosterError, VerifiedRoster};
use rogatory_proto::v1::{Governance, Governor, Roster, SignedRoster};

use super::{DAY_MS, check_governor_name};
use crate::failure::UserError;
use crate::i18n::t;

pub(super) fn read_roster(path: &Path) -> anyhow::Result<SignedRoster> {
    let bytes = std::fs::read(path)
        .with_context(|| t!("federation-cannot-read", file = path.display().to_string()))?;
    roster::from_armored(&bytes).with_context(|| {
        t!(
            "federation-not-a-roster-file",
            file = path.display().to_string()
        )
    })
}

/// The roster in force, as this machine holds it: checked on its own (structure, its own
/// governors' threshold). Its place in the history is the node's and the genesis's business.
pub(super) fn load_current(path: &Path) -> anyhow::Result<VerifiedRoster> {
    let signed = read_roster(path)?;
    VerifiedRoster::trust_anchor(&signed)
        .map_err(|e| rule_broken(e, "current roster"))
        .with_context(|| {
            t!(
                "federation-not-fully-signed",
                file = path.display().to_string()
            )
        })
}

pub(super) fn previous_for(
    roster: &Roster,
    current: Option<&Path>,
    path: &Path,
) -> anyhow::Result<Option<VerifiedRoster>> {
    match (roster.serial, current) {
        (1, _) => Ok(None),
        (_, Some(current)) => Ok(Some(load_current(current)?)),
        (serial, None) => Err(usage(
            t!(
                "federation-needs-current",
                file = path.display().to_string(),
                serial = serial
            ),
            t!("federation-needs-current-hint"),
        )),
    }
}

pub(super) fn read_pem_certificate(path: &Path) -> anyhow::Result<Vec<u8>> {
    let text = std::fs::read(path)
        .with_context(|| t!("federation-cannot-read", file = path.display().to_string()))?;
    let certificates: Vec<pem::Pem> = pem::parse_many(&text)
        .map_err(|e| {
            anyhow::anyhow!(t!(
                "errors-not-pem",
                file = path.display().to_string(),
                detail = e.to_string()
            ))
        })?
        .into_iter()
        .filter(|p| p.tag() == "CERTIFICATE")
        .collect();
    match certificates.as_slice() {
        [one] => Ok(one.contents().to_vec()),
        _ => Err(usage(
            t!(
                "federation-certificates-count",
                file = path.display().to_string(),
                count = certificates.len()
            ),
            t!("federation-certificates-count-hint"),
        )),
    }
}

/// A CA certificate file: one PEM certificate that X.509 parsing accepts as a CA.
pub(super) fn read_ca(path: &Path) -> anyhow::Result<Vec<u8>> {
    let der = read_pem_certificate(path)?;
    let (_, certificate) = x509_parser::parse_x509_certificate(&der).map_err(|e| {
        anyhow::anyhow!(t!(
            "errors-not-x509",
            file = path.display().to_string(),
            detail = e.to_string()
        ))
    })?;
    if !certificate.is_ca() {
        return Err(usage(
            t!("federation-not-a-ca", file = path.display().to_string()),
            t!("federation-not-a-ca-hint"),
        ));
    }
    Ok(der)
}

/// Writes a new file (never over an existing one), synced.
pub(super) fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    rogatory_node::identity::secret_file::write_new(path, text.as_bytes(), 0o644).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            usage(
                t!("federation-exists", file = path.display().to_string()),
                t!("federation-exists-hint"),
            )
        } else {
            anyhow::Error::new(e)
                .context(t!("audit-cannot-write", file = path.display().to_string()))
        }
    })
}

/// Replaces `path` with `text` in one step: a synced temporary file renamed over it, so a
/// crash leaves the old file or the new one.
pub(super) fn replace_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut temporary = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| t!("errors-cannot-create-in", path = dir.display().to_string()))?;
    std::io::Write::write_all(&mut temporary, text.as_bytes())?;
    temporary.as_file().sync_all()?;
    temporary
        .persist(path)
        .map_err(|e| e.error)
        .with_context(|| t!("errors-cannot-replace", path = path.display().to_string()))?;
    std::fs::File::open(&dir).and_then(|d| d.sync_all()).ok();
    Ok(())
}

pub(super) fn parse_public_key(text: &str, option: &str) -> anyhow::Result<VerifyingKey> {
    let text = text.trim();
    if text.len() == 64
        && let Ok(bytes) = hex::decode(text)
        && let Ok(raw) = <[u8; 32]>::try_from(bytes.as_slice())
        && let Ok(key) = VerifyingKey::from_bytes(&raw)
    {
        return Ok(key);
    }
    keys::decode_public_key(text).map_err(|problem| {
        usage(
            t!(
                "federation-not-a-public-key",
                option = option,
                text = format!("{text:?}"),
                problem = problem.to_string()
            ),
            t!("federation-not-a-public-key-hint"),
        )
    })
}

pub(super) fn encode_key(raw: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(raw)
}

pub(super) fn parse_governor(text: &str) -> anyhow::Result<Governor> {
    let (name, key) = split_assignment(text, "--governor", "NAME=PUBLICKEY")?;
    check_governor_name(&name)?;
    let key = parse_public_key(&key, "--governor")?;
    Ok(Governor {
        name,
        public_key: key.as_bytes().to_vec(),
    })
}

/// Sorted governors with a threshold that fits them.
pub(super) fn governance(
    mut governors: Vec<Governor>,
    threshold: u32,
) -> anyhow::Result<Governance> {
    governors.sort_by(|a, b| a.public_key.cmp(&b.public_key));
    if let Some(pair) = governors
        .windows(2)
        .find(|w| w[0].public_key == w[1].public_key)
    {
        return Err(usage(
            t!(
                "federation-same-key",
                first = pair[0].name.as_str(),
                second = pair[1].name.as_str()
            ),
            t!("federation-same-key-hint"),
        ));
    }
    let n = governors.len();
    if threshold == 0 || threshold as usize > n {
        return Err(usage(
            t!("federation-bad-threshold", threshold = threshold, count = n),
            t!(
                "federation-bad-threshold-hint",
                count = n,
                advised = n / 2 + 1
            ),
        ));
    }
    Ok(Governance {
        governors,
        threshold,
    })
}

/// `LEFT=RIGHT`, split at the first '='.
pub(super) fn split_assignment(
    text: &str,
    option: &str,
    form: &str,
) -> anyhow::Result<(String, String)> {
    match text.split_once('=') {
        Some((left, right)) if !left.trim().is_empty() && !right.trim().is_empty() => {
            Ok((left.trim().to_owned(), right.trim().to_owned()))
        }
        _ => Err(usage(
            t!(
                "federation-not-of-form",
                option = option,
                text = format!("{text:?}"),
                form = form
            ),
            t!("federation-not-of-form-hint", option = option, form = form),
        )),
    }
}

pub(super) fn parse_addresses(text: &str, option: &str) -> anyhow::Result<(String, Vec<String>)> {
    let (id, list) = split_assignment(text, option, "ID=HOST:PORT[,HOST:PORT]")?;
    Ok((id, list.split(',').map(|a| a.trim().to_owned()).collect()))
}

/// `7d`, `12h`, `30m` (or a bare number of days), in milliseconds.
pub(super) fn parse_duration(text: &str) -> anyhow::Result<i64> {
    let text = text.trim();
    let (number, unit_ms) = match text.as_bytes().last() {
        Some(b'd') => (&text[..text.len() - 1], DAY_MS),
        Some(b'h') => (&text[..text.len() - 1], 60 * 60 * 1000),
        Some(b'm') => (&text[..text.len() - 1], 60 * 1000),
        _ => (text, DAY_MS),
    };
    number
        .parse::<u32>()
        .map(|n| i64::from(n) * unit_ms)
        .map_err(|_| {
            usage(
                t!("federation-not-a-duration", text = format!("{text:?}")),
                t!("federation-not-a-duration-hint"),
            )
        })
}

/// RFC 3339 in UTC (`2026-12-01T10:00:00Z`), or `now`.
pub(super) fn parse_time(text: &str, now: i64) -> anyhow::Result<i64> {
    if text.trim() == "now" {
        return Ok(now);
    }
    roster::parse_utc(text).ok_or_else(|| {
        usage(
            t!("federation-not-a-time", text = format!("{text:?}")),
            t!("federation-not-a-time-hint"),
        )
    })
}

pub(super) fn usage(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    UserError::new(message, hint).into()
}

/// A roster rule broken, with what to do about it.
pub(super) fn rule_broken(error: RosterError, what: &str) -> anyhow::Error {
    let hint = match &error {
        RosterError::NotEnoughSignatures { .. } => t!("federation-rule-hint-signatures"),
        RosterError::BadSignature { .. } | RosterError::DuplicateSigner { .. } => {
            t!("federation-rule-hint-altered")
        }
        RosterError::NotNextSerial { .. } | RosterError::PreviousMismatch => {
            t!("federation-rule-hint-current")
        }
        _ => t!("federation-rule-hint-other"),
    };
    // `what` names the document: "genesis", "proposal", "roster", "current roster".
    let what = t!(&format!("federation-document-{}", what.replace(' ', "-")));
    UserError::new(
        t!(
            "federation-rule-broken",
            what = what,
            error = error.to_string()
        ),
        hint,
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_assignments_read_as_written() {
        assert_eq!(parse_duration("7d").expect("days"), 7 * DAY_MS);
        assert_eq!(parse_duration("12h").expect("hours"), 12 * 60 * 60 * 1000);
        assert_eq!(parse_duration("3").expect("bare days"), 3 * DAY_MS);
        assert!(parse_duration("7w").is_err());
        assert_eq!(
            split_assignment("Kazakhstan, GPO=abc=", "--governor", "NAME=KEY").expect("split"),
            ("Kazakhstan, GPO".to_owned(), "abc=".to_owned()),
            "split at the first '=', so base64 padding stays with the key"
        );
        assert!(split_assignment("=key", "--governor", "NAME=KEY").is_err());
        assert_eq!(
            parse_time("now", 5).expect("now"),
            5,
            "`now` is the command's clock"
        );
    }
}
