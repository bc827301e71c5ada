//! `rogatory federation apply` and `federation status`: the two governance commands that talk
//! to a running node (its operator socket). The node does every check (PROTOCOL.md section
//! 11.7); this module reads and writes the files and words the node's answer.

use std::path::Path;

use anyhow::Context;
use rogatory_proto::roster;
use rogatory_proto::v1::{ApplyRosterRequest, ShowRosterRequest, SignedRoster};
use serde::Serialize;

use super::input::replace_atomically;
use super::view::print_roster;
use crate::commands::Outcome;
use crate::connection::{NodeTarget, answer};
use crate::failure::UserError;
use crate::i18n::t;
use crate::output::{Format, print_json, say};

/// Rosters of a file: one armored roster or several in a row (or one binary roster).
fn read_rosters(path: &Path) -> anyhow::Result<Vec<SignedRoster>> {
    let bytes = std::fs::read(path)
        .with_context(|| t!("federation-cannot-read", file = path.display().to_string()))?;
    let blocks = pem::parse_many(&bytes).unwrap_or_default();
    let rosters = if blocks.len() > 1 {
        blocks
            .iter()
            .map(|block| roster::from_armored(pem::encode(block).as_bytes()))
            .collect::<Result<Vec<_>, _>>()
    } else {
        roster::from_armored(&bytes).map(|one| vec![one])
    };
    rosters.with_context(|| {
        t!(
            "federation-not-a-roster-file",
            file = path.display().to_string()
        )
    })
}

#[derive(Debug, Serialize)]
struct AppliedView {
    applied: Vec<u64>,
    in_force: u64,
}

/// `rogatory federation apply ROSTER`.
pub async fn apply(target: &NodeTarget, file: &Path, format: Format) -> anyhow::Result<Outcome> {
    let rosters = read_rosters(file)?;
    let mut client = target.connect().await?;
    let result = client.apply_roster(ApplyRosterRequest { rosters }).await;
    if let Err(status) = &result
        && matches!(
            status.code(),
            tonic::Code::InvalidArgument | tonic::Code::FailedPrecondition
        )
    {
        return Err(UserError::new(
            t!(
                "federation-node-refused",
                file = file.display().to_string(),
                reason = status.message()
            ),
            t!("federation-node-refused-hint"),
        )
        .into());
    }
    let answer = answer(result, || {
        t!("federation-applying", file = file.display().to_string())
    })?;
    let view = AppliedView {
        applied: answer.applied,
        in_force: answer.in_force,
    };
    if format.json() {
        print_json(&view)?;
    } else {
        let serials: Vec<String> = view.applied.iter().map(u64::to_string).collect();
        say!(
            "{}",
            t!(
                "federation-applied",
                serial = view.in_force,
                applied = serials.join(", ")
            )
        );
        say!("{}", t!("federation-applied-peers"));
    }
    Ok(Outcome::Done)
}

/// `rogatory federation status [--out FILE]`.
pub async fn status(
    target: &NodeTarget,
    out: Option<&Path>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let shown = answer(client.show_roster(ShowRosterRequest {}).await, || {
        t!("federation-asking-roster")
    })?;
    let Some(signed) = shown.roster.filter(|_| shown.governed) else {
        return Err(UserError::new(
            t!("federation-not-governed"),
            t!("federation-not-governed-hint"),
        )
        .into());
    };
    let document =
        roster::decode_roster(&signed).with_context(|| t!("federation-roster-does-not-decode"))?;
    if let Some(out) = out {
        replace_atomically(out, &roster::to_armored(&signed))?;
    }
    if format.json() {
        print_json(&serde_json::json!({
            "serial": document.serial,
            "federation": document.federation,
            "sha256": hex::encode(roster::digest(&signed)),
            "issued_at_ms": document.issued_at_ms,
            "expires_at_ms": document.expires_at_ms,
            "members": document.members.iter().map(|m| m.node_id.clone()).collect::<Vec<_>>(),
            "written_to": out.map(|p| p.display().to_string()),
        }))?;
        return Ok(Outcome::Done);
    }
    print_roster(&document, &signed, rogatory_node::now_ms());
    if let Some(out) = out {
        say!();
        say!(
            "{}",
            t!(
                "federation-status-written",
                file = out.display().to_string()
            )
        );
    }
    Ok(Outcome::Done)
}
