//! `rogatory federation`: governing the roster offline, with files (PROTOCOL.md section 11).
//! No node is needed: governors make keys, write the genesis roster and proposals, sign them
//! on their own machines and read them in plain words. Applying a roster to a node is
//! `federation apply` (the node's side).
//!
//! Every rule is `rogatory_proto::roster`'s: this module reads and writes the files, builds
//! the rosters the commands describe, and says what went wrong in words that tell the fix.

use std::path::Path;

use anyhow::Context;
use ed25519_dalek::VerifyingKey;
use rogatory_node::identity::keys::{self, NodeKey};
use rogatory_proto::roster::{self, short_key};
use rogatory_proto::signing::fingerprint;
use rogatory_proto::v1::Governance;
use serde::Serialize;

use super::Outcome;
use crate::args::FederationCommand;
use crate::failure::UserError;
use crate::i18n::t;
use crate::output::{Format, label_width, print_json, say};

mod build;
mod input;
pub mod node;
mod view;

use build::{genesis, propose};
use input::{previous_for, read_roster, replace_atomically, rule_broken};
use view::{describe, diff, print_progress, print_what_it_does, show};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Runs one `rogatory federation` command.
pub fn run(command: FederationCommand, format: Format) -> anyhow::Result<Outcome> {
    match command {
        FederationCommand::GovernorKey { out, name } => governor_key(&out, &name, format),
        FederationCommand::Genesis(args) => genesis(&args, format),
        FederationCommand::Propose(args) => propose(&args, format),
        FederationCommand::Sign {
            proposal,
            key,
            current,
        } => sign(&proposal, &key, current.as_deref(), format),
        FederationCommand::Show { file, current } => show(&file, current.as_deref(), format),
        FederationCommand::Diff { old, new } => diff(&old, &new, format),
        FederationCommand::Apply { .. } | FederationCommand::Status { .. } => Err(anyhow::anyhow!(
            "`federation apply` and `federation status` talk to the node: run through main"
        )),
    }
}

#[derive(Debug, Serialize)]
struct GovernorKeyMade {
    name: String,
    key_file: String,
    public_key: String,
    fingerprint: String,
    governor_option: String,
}

/// `rogatory federation governor-key`.
pub fn governor_key(out: &Path, name: &str, format: Format) -> anyhow::Result<Outcome> {
    check_governor_name(name)?;
    let key = NodeKey::generate()?;
    key.save(out).with_context(|| {
        t!(
            "federation-cannot-write-governor-key",
            file = out.display().to_string()
        )
    })?;
    let public_key = keys::encode_public_key(&key.public());
    let made = GovernorKeyMade {
        name: name.to_owned(),
        key_file: out.display().to_string(),
        fingerprint: spoken_fingerprint(&key.public()),
        governor_option: format!("--governor \"{name}={public_key}\""),
        public_key,
    };
    if format.json() {
        print_json(&made)?;
        return Ok(Outcome::Done);
    }
    say!(
        "{}",
        t!(
            "federation-governor-key-made",
            name = name,
            file = made.key_file.as_str()
        )
    );
    let labels = [
        t!("federation-label-public-key"),
        t!("federation-label-fingerprint"),
    ];
    let width = label_width(&labels, 1);
    say!("  {:<width$}{}", labels[0], made.public_key);
    say!("  {:<width$}{}", labels[1], made.fingerprint);
    say!();
    say!("{}", t!("federation-governor-key-offline", name = name));
    say!("{}", t!("federation-governor-key-send"));
    say!("  {}", made.governor_option);
    say!("{}", t!("federation-governor-key-read"));
    Ok(Outcome::Done)
}

pub(super) fn check_governor_name(name: &str) -> anyhow::Result<()> {
    if name.trim().is_empty() || name.contains('=') || name.len() > roster::MAX_TEXT_BYTES {
        return Err(UserError::new(
            t!("federation-bad-governor-name", name = format!("{name:?}")),
            t!(
                "federation-bad-governor-name-hint",
                max = roster::MAX_TEXT_BYTES
            ),
        )
        .into());
    }
    Ok(())
}

/// The key's SHA-256 fingerprint in groups of four, to read aloud.
pub(super) fn spoken_fingerprint(key: &VerifyingKey) -> String {
    let hex = fingerprint(key);
    hex.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `rogatory federation sign`.
pub fn sign(
    path: &Path,
    key_path: &Path,
    current: Option<&Path>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let mut signed = read_roster(path)?;
    let roster = roster::decode_roster(&signed)
        .with_context(|| t!("federation-not-a-roster", file = path.display().to_string()))?;
    let previous = previous_for(&roster, current, path)?;
    match &previous {
        Some(previous) => previous.check_proposal(&signed).map(|_| ()),
        None => roster::check_genesis_proposal(&signed).map(|_| ()),
    }
    .map_err(|e| rule_broken(e, "proposal"))
    .with_context(|| {
        t!(
            "federation-refusing-to-sign",
            file = path.display().to_string()
        )
    })?;
    let key = NodeKey::load(key_path).with_context(|| {
        t!(
            "federation-cannot-read-governor-key",
            file = key_path.display().to_string()
        )
    })?;
    let public = key.public();
    let as_governor = |g: &Governance| {
        g.governors
            .iter()
            .find(|g| g.public_key == public.as_bytes())
            .map(|g| g.name.clone())
    };
    let name = previous
        .as_ref()
        .and_then(|p| as_governor(p.governance()))
        .or_else(|| roster.governance.as_ref().and_then(as_governor));
    let Some(name) = name else {
        return Err(UserError::new(
            t!(
                "federation-not-a-governor",
                file = key_path.display().to_string(),
                fingerprint = fingerprint(&public)
            ),
            t!("federation-not-a-governor-hint"),
        )
        .into());
    };
    let added = roster::sign(&mut signed, &key.signing_key());
    if added {
        replace_atomically(path, &roster::to_armored(&signed))?;
    }
    let progress = roster::signature_progress(previous.as_ref(), &signed)?;
    if format.json() {
        print_json(&describe(&signed, &roster, previous.as_ref())?)?;
        return Ok(Outcome::Done);
    }
    say!(
        "{}",
        t!(
            "federation-signing-as",
            serial = roster.serial,
            federation = format!("{:?}", roster.federation),
            name = name.as_str(),
            key = short_key(public.as_bytes())
        )
    );
    print_what_it_does(&roster, previous.as_ref());
    say!();
    let file = path.display().to_string();
    if added {
        say!("{}", t!("federation-signature-added", file = file.as_str()));
    } else {
        say!(
            "{}",
            t!("federation-signature-already-there", file = file.as_str())
        );
    }
    print_progress(&progress, path);
    Ok(Outcome::Done)
}
