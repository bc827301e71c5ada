//! Reading rosters in plain words and JSON: `federation show` and `diff`, and the roster,
//! changes and signature progress that `propose` and `sign` print too.

use std::path::Path;

use anyhow::Context;
use rogatory_proto::roster::{
    self, Governance, KeyStanding, Progress, VerifiedRoster, format_utc, short_key,
};

use crate::output::Time;
use rogatory_proto::signing::sha256;
use rogatory_proto::v1::{MemberKey, Roster, SignedRoster};
use serde::Serialize;

use super::DAY_MS;
use super::input::{encode_key, load_current, read_roster, rule_broken};
use crate::commands::Outcome;
use crate::failure::UserError;
use crate::i18n::t;
use crate::output::{Format, label_width, print_json, say};

#[derive(Debug, Serialize)]
pub(super) struct RosterView {
    federation: String,
    serial: u64,
    digest: String,
    previous: String,
    issued_at: Time,
    expires_at: Time,
    expired: bool,
    members: Vec<MemberView>,
    governors: Vec<GovernorView>,
    threshold: u32,
    certificate_authorities: Vec<CaView>,
    revoked_certificates: Vec<RevokedView>,
    changes: Vec<String>,
    signatures: Vec<TallyView>,
    ignored_signers: Vec<String>,
    ready: bool,
}

#[derive(Debug, Serialize)]
struct MemberView {
    node_id: String,
    country: String,
    authority: String,
    addresses: Vec<String>,
    signing_keys: Vec<KeyView>,
}

#[derive(Debug, Serialize)]
struct KeyView {
    public_key: String,
    fingerprint: String,
    not_before: Time,
    retired_at: Option<Time>,
    revoked_at: Option<Time>,
    revocation_reason: Option<String>,
    state_now: String,
}

#[derive(Debug, Serialize)]
struct GovernorView {
    name: String,
    public_key: String,
    fingerprint: String,
}

#[derive(Debug, Serialize)]
struct CaView {
    sha256: String,
    subject: String,
}

#[derive(Debug, Serialize)]
struct RevokedView {
    serial: String,
    issuer_sha256: String,
    revoked_at: Time,
    reason: String,
}

#[derive(Debug, Serialize)]
struct TallyView {
    governance: String,
    threshold: usize,
    signed: Vec<String>,
    not_signed: Vec<String>,
    missing: usize,
}

/// `rogatory federation show`.
pub(super) fn show(path: &Path, current: Option<&Path>, format: Format) -> anyhow::Result<Outcome> {
    let signed = read_roster(path)?;
    let roster = roster::decode_roster(&signed)
        .with_context(|| t!("federation-not-a-roster", file = path.display().to_string()))?;
    let previous = match current {
        Some(current) => Some(load_current(current)?),
        None => None,
    };
    match (&previous, roster.serial) {
        (Some(previous), _) => previous.check_proposal(&signed).map(|_| ()),
        (None, 1) => roster::check_genesis_proposal(&signed).map(|_| ()),
        (None, _) => roster::check_structure(&roster),
    }
    .map_err(|e| rule_broken(e, "roster"))
    .with_context(|| t!("federation-not-valid", file = path.display().to_string()))?;
    let progress = roster::signature_progress(previous.as_ref(), &signed)?;
    refuse_altered(&progress, path)?;
    if format.json() {
        print_json(&describe(&signed, &roster, previous.as_ref())?)?;
        return Ok(Outcome::Done);
    }
    let now = rogatory_node::now_ms();
    print_roster(&roster, &signed, now);
    if previous.is_some() {
        say!();
        print_what_it_does(&roster, previous.as_ref());
    }
    say!();
    if previous.is_none() && roster.serial > 1 {
        say!("{}", t!("federation-counted-against-own-governors"));
    }
    print_progress(&progress, path);
    Ok(Outcome::Done)
}

/// `rogatory federation diff`.
pub(super) fn diff(old: &Path, new: &Path, format: Format) -> anyhow::Result<Outcome> {
    let decode = |path: &Path| -> anyhow::Result<Roster> {
        let signed = read_roster(path)?;
        roster::decode_roster(&signed)
            .with_context(|| t!("federation-not-a-roster", file = path.display().to_string()))
    };
    let (old_roster, new_roster) = (decode(old)?, decode(new)?);
    let changes = roster::changes(&old_roster, &new_roster);
    if format.json() {
        // `--json` keeps the protocol crate's English words.
        let words: Vec<String> = changes.iter().map(ToString::to_string).collect();
        print_json(&words)?;
        return Ok(Outcome::Done);
    }
    let (old_text, new_text) = (old.display().to_string(), new.display().to_string());
    if changes.is_empty() {
        say!(
            "{}",
            t!(
                "federation-diff-same",
                old = old_text.as_str(),
                new = new_text.as_str()
            )
        );
    } else {
        say!(
            "{}",
            t!(
                "federation-diff-heading",
                old = old_text.as_str(),
                new = new_text.as_str()
            )
        );
        for change in &changes {
            say!("  - {}", crate::roster_changes::text(change));
        }
    }
    Ok(Outcome::Done)
}

fn refuse_altered(progress: &Progress, path: &Path) -> anyhow::Result<()> {
    if progress.invalid.is_empty() && progress.duplicates.is_empty() {
        return Ok(());
    }
    let keys: Vec<String> = progress
        .invalid
        .iter()
        .chain(&progress.duplicates)
        .map(|k| short_key(k))
        .collect();
    Err(UserError::new(
        t!(
            "federation-altered",
            file = path.display().to_string(),
            keys = keys.join(", ")
        ),
        t!("federation-altered-hint"),
    )
    .into())
}

pub(super) fn describe(
    signed: &SignedRoster,
    roster: &Roster,
    previous: Option<&VerifiedRoster>,
) -> anyhow::Result<RosterView> {
    let now = rogatory_node::now_ms();
    let progress = roster::signature_progress(previous, signed)?;
    let governance = roster.governance.clone().unwrap_or_default();
    Ok(RosterView {
        federation: roster.federation.clone(),
        serial: roster.serial,
        digest: hex::encode(roster::digest(signed)),
        previous: hex::encode(&roster.previous),
        issued_at: Time(roster.issued_at_ms),
        expires_at: Time(roster.expires_at_ms),
        expired: now >= roster.expires_at_ms,
        members: roster
            .members
            .iter()
            .map(|m| MemberView {
                node_id: m.node_id.clone(),
                country: m.country.clone(),
                authority: m.authority.clone(),
                addresses: m.addresses.clone(),
                signing_keys: m.signing_keys.iter().map(|k| key_view(k, now)).collect(),
            })
            .collect(),
        governors: governance
            .governors
            .iter()
            .map(|g| GovernorView {
                name: g.name.clone(),
                public_key: encode_key(&g.public_key),
                fingerprint: hex::encode(sha256(&g.public_key)),
            })
            .collect(),
        threshold: governance.threshold,
        certificate_authorities: roster
            .certificate_authorities
            .iter()
            .map(|der| CaView {
                sha256: hex::encode(sha256(der)),
                subject: ca_subject(der),
            })
            .collect(),
        revoked_certificates: roster
            .revoked_certificates
            .iter()
            .map(|r| RevokedView {
                serial: hex::encode(&r.serial),
                issuer_sha256: hex::encode(&r.issuer),
                revoked_at: Time(r.revoked_at_ms),
                reason: r.reason.clone(),
            })
            .collect(),
        changes: previous
            .map(|p| roster::changes(p.roster(), roster))
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect(),
        signatures: progress
            .tallies
            .iter()
            .map(|t| TallyView {
                governance: t.of.to_string(),
                threshold: t.threshold,
                signed: names(t, true),
                not_signed: names(t, false),
                missing: t.missing(),
            })
            .collect(),
        ignored_signers: progress.ignored.iter().map(|k| encode_key(k)).collect(),
        ready: progress.ready(),
    })
}

fn names(tally: &roster::SignatureTally, signed: bool) -> Vec<String> {
    tally
        .governors
        .iter()
        .filter(|(_, _, s)| *s == signed)
        .map(|(name, _, _)| name.clone())
        .collect()
}

fn key_view(key: &MemberKey, now: i64) -> KeyView {
    let set = |ms: i64| (ms != 0).then_some(Time(ms));
    KeyView {
        public_key: encode_key(&key.public_key),
        fingerprint: hex::encode(sha256(&key.public_key)),
        not_before: Time(key.not_before_ms),
        retired_at: set(key.retired_at_ms),
        revoked_at: set(key.revoked_at_ms),
        revocation_reason: (key.revoked_at_ms != 0).then(|| key.revocation_reason.clone()),
        state_now: standing_words(&KeyStanding::of(key, now)),
    }
}

/// A key's standing in the reader's language (terminal output; `--json` keeps
/// [`standing_words`]).
fn standing_told(standing: &KeyStanding) -> String {
    match standing {
        KeyStanding::Valid => t!("federation-key-valid"),
        KeyStanding::NotYetValid { from_ms } => {
            t!("federation-key-valid-from", date = format_utc(*from_ms))
        }
        KeyStanding::Retired { since_ms } => {
            t!("federation-key-retired", date = format_utc(*since_ms))
        }
        KeyStanding::Revoked { since_ms, reason } => t!(
            "federation-key-revoked",
            date = format_utc(*since_ms),
            reason = reason.as_str()
        ),
        KeyStanding::NotAMember => t!("federation-key-not-a-member"),
        KeyStanding::UnknownKey => t!("federation-key-unknown"),
    }
}

fn standing_words(standing: &KeyStanding) -> String {
    match standing {
        KeyStanding::Valid => "valid".into(),
        KeyStanding::NotYetValid { from_ms } => format!("valid from {}", format_utc(*from_ms)),
        KeyStanding::Retired { since_ms } => format!("retired since {}", format_utc(*since_ms)),
        KeyStanding::Revoked { since_ms, reason } => {
            format!("REVOKED since {}: {reason}", format_utc(*since_ms))
        }
        KeyStanding::NotAMember => "not a member".into(),
        KeyStanding::UnknownKey => "unknown key".into(),
    }
}

/// Which governors a count of signatures is about, in the reader's language.
fn governance_words(of: Governance) -> String {
    match of {
        Governance::Previous => t!("federation-governance-current"),
        Governance::New => t!("federation-governance-new"),
    }
}

pub(super) fn print_roster(roster: &Roster, signed: &SignedRoster, now: i64) {
    // The federation's name, members' authorities, governors' names and reasons are the
    // roster's own words: shown as written.
    say!(
        "{}",
        t!(
            "federation-roster-heading",
            serial = roster.serial,
            federation = format!("{:?}", roster.federation)
        )
    );
    let labels = [
        t!("federation-label-digest"),
        t!("federation-label-follows"),
        t!("federation-label-issued"),
        t!("federation-label-expires"),
    ];
    let width = label_width(&labels, 2);
    let [digest, follows, issued, expires] = &labels;
    say!("  {digest:<width$}{}", hex::encode(roster::digest(signed)));
    if !roster.previous.is_empty() {
        say!("  {follows:<width$}{}", hex::encode(&roster.previous));
    }
    say!("  {issued:<width$}{}", format_utc(roster.issued_at_ms));
    let expiry = if now >= roster.expires_at_ms {
        t!("federation-expired")
    } else {
        t!(
            "federation-expires-in-days",
            days = (roster.expires_at_ms - now) / DAY_MS
        )
    };
    say!(
        "  {expires:<width$}{} {expiry}",
        format_utc(roster.expires_at_ms)
    );
    say!();
    say!(
        "{}",
        t!("federation-members-heading", count = roster.members.len())
    );
    for member in &roster.members {
        say!(
            "  {}",
            t!(
                "federation-member",
                node = member.node_id.as_str(),
                country = member.country.as_str(),
                authority = member.authority.as_str(),
                addresses = member.addresses.join(", ")
            )
        );
        for key in &member.signing_keys {
            say!(
                "    {}",
                t!(
                    "federation-member-key",
                    short = short_key(&key.public_key),
                    key = encode_key(&key.public_key),
                    standing = standing_told(&KeyStanding::of(key, now))
                )
            );
        }
    }
    if let Some(governance) = &roster.governance {
        say!();
        say!(
            "{}",
            t!(
                "federation-governors-heading",
                threshold = governance.threshold,
                count = governance.governors.len()
            )
        );
        for governor in &governance.governors {
            say!(
                "  {}",
                t!(
                    "federation-governor",
                    name = governor.name.as_str(),
                    key = encode_key(&governor.public_key),
                    fingerprint = hex::encode(sha256(&governor.public_key))
                )
            );
        }
    }
    say!();
    say!("{}", t!("federation-cas-heading"));
    for der in &roster.certificate_authorities {
        say!(
            "  SHA-256 {}  {}",
            hex::encode(sha256(der)),
            ca_subject(der)
        );
    }
    if !roster.revoked_certificates.is_empty() {
        say!("{}", t!("federation-revoked-heading"));
        for revoked in &roster.revoked_certificates {
            say!(
                "  {}",
                t!(
                    "federation-revoked",
                    serial = hex::encode(&revoked.serial),
                    date = format_utc(revoked.revoked_at_ms),
                    reason = revoked.reason.as_str()
                )
            );
        }
    }
}

pub(super) fn print_what_it_does(roster: &Roster, previous: Option<&VerifiedRoster>) {
    let Some(previous) = previous else {
        say!(
            "{}",
            t!(
                "federation-genesis",
                members = roster.members.len(),
                governors = roster.governance.as_ref().map_or(0, |g| g.governors.len())
            )
        );
        return;
    };
    say!(
        "{}",
        t!("federation-compared-with", serial = previous.serial())
    );
    for change in roster::changes(previous.roster(), roster) {
        say!("  - {}", crate::roster_changes::text(&change));
    }
}

pub(super) fn print_progress(progress: &Progress, path: &Path) {
    for tally in &progress.tallies {
        let signed = names(tally, true);
        let line = t!(
            "federation-signatures",
            signed = tally.signed().min(tally.threshold),
            threshold = tally.threshold,
            of = governance_words(tally.of)
        );
        if signed.is_empty() {
            say!("{line}");
        } else {
            say!(
                "{line} {}",
                t!("federation-signed-by", names = signed.join("; "))
            );
        }
        if tally.missing() > 0 {
            say!(
                "  {}",
                t!(
                    "federation-more-needed",
                    count = tally.missing(),
                    names = names(tally, false).join("; ")
                )
            );
        }
    }
    for key in &progress.ignored {
        say!(
            "{}",
            t!("federation-signature-ignored", key = short_key(key))
        );
    }
    if progress.ready() {
        say!(
            "{}",
            t!("federation-ready", file = path.display().to_string())
        );
    } else {
        say!("{}", t!("federation-not-ready"));
    }
}

fn ca_subject(der: &[u8]) -> String {
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, certificate)) => certificate.subject().to_string(),
        Err(_) => "(not a readable X.509 certificate)".into(),
    }
}
