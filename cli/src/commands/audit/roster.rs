//! `rogatory audit verify BUNDLE --roster FILE`: every signature of a bundle judged against the
//! federation's roster history at its date, instead of the bundle's keys.txt; and `rogatory
//! audit rosters BUNDLE --out FILE`, the rosters a node's log records as applied, as one
//! history file. The rules are `rogatory_proto::audit::AuditHistory`'s (docs/AUDIT-FORMAT.md
//! section 17); this file reads the files and words the report.

use std::path::Path;

use anyhow::Context;
use prost::Message;
use rogatory_proto::audit::{AppliedStanding, AuditHistory, AuditVerifier, KeyFinding};
use rogatory_proto::roster::{self, RosterHistory};
use rogatory_proto::v1::{EntryKind, LogEntry, SignedRoster};
use serde::Serialize;

use super::{BundleVerdict, Outcome, replay_into};
use crate::bundle::{Bundle, NextEntry};
use crate::failure::UserError;
use crate::i18n::{Language, language, t, t_in};
use crate::output::{Format, instant, print_json, say, tell};

/// Where an auditor gets a roster history, for the hints of refusals.
fn history_hint() -> String {
    t!("audit-roster-history-hint")
}

/// The history signatures were judged by, for the report.
#[derive(Debug, Serialize)]
pub struct HistoryView {
    pub file: String,
    pub federation: String,
    /// The trust anchor, to compare by telephone.
    pub genesis_sha256: String,
    /// Serials of the rosters read from the file, oldest first.
    pub from_file: Vec<u64>,
    /// Every `ROSTER_APPLIED` entry of the log and what became of its roster.
    pub applied: Vec<AppliedView>,
    pub newest_serial: u64,
}

#[derive(Debug, Serialize)]
pub struct AppliedView {
    pub index: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<u64>,
    pub sha256: String,
    /// `in-history`, `extends-history` or `refused`.
    pub standing: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// One signature not by a key valid for its signer at its date.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureFindingView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<u64>,
    pub kind: String,
    pub node: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_fingerprint: Option<String>,
    pub signed_at: String,
    pub why: String,
}

impl From<&KeyFinding> for SignatureFindingView {
    fn from(finding: &KeyFinding) -> Self {
        Self {
            index: finding.index,
            checkpoint: finding.checkpoint,
            kind: finding.kind.clone(),
            node: finding.node.clone(),
            key_fingerprint: finding.key_fingerprint.clone(),
            signed_at: instant(finding.signed_at_ms),
            why: finding.why.clone(),
        }
    }
}

impl SignatureFindingView {
    /// "entry 7 (RECEIPT_OBTAINED) signed by de with key 3f2a…: the key was revoked at …",
    /// in the reader's language (the reason `why` comes from the verifier as is).
    fn sentence(&self) -> String {
        let place = match (self.index, self.checkpoint) {
            (Some(index), _) => t!(
                "audit-roster-place-entry",
                index = index,
                kind = self.kind.as_str()
            ),
            (None, Some(size)) if self.kind == "COSIGNATURE" => {
                t!("audit-roster-place-cosignature", size = size)
            }
            (None, Some(size)) => t!("audit-roster-place-checkpoint", size = size),
            (None, None) => self.kind.clone(),
        };
        let key = match &self.key_fingerprint {
            Some(fingerprint) => t!("audit-roster-with-key", fingerprint = fingerprint.as_str()),
            None => t!("audit-roster-with-no-key"),
        };
        t!(
            "audit-roster-signed",
            place = place,
            node = self.node.as_str(),
            key = key,
            date = self.signed_at.as_str(),
            why = self.why.as_str()
        )
    }
}

/// The `ROSTER_APPLIED` entries of a bundle, `(index, signed_payload)` in log order. An entry
/// that does not decode, or damaged framing, ends nothing here: verifying the bundle names it.
fn recorded_rosters(bundle: &Bundle) -> anyhow::Result<Vec<(u64, Vec<u8>)>> {
    let mut entries = bundle.entries()?;
    let mut rosters = Vec::new();
    while let NextEntry::Entry(index, bytes) = entries.next_entry()? {
        if let Ok(entry) = LogEntry::decode(bytes.as_slice()) {
            if entry.kind == EntryKind::RosterApplied as i32 {
                rosters.push((index, entry.signed_payload));
            }
        }
    }
    Ok(rosters)
}

fn read_history_file(path: &Path) -> anyhow::Result<Vec<SignedRoster>> {
    let bytes = std::fs::read(path)
        .with_context(|| t!("audit-cannot-read", file = path.display().to_string()))?;
    roster::chain_from_armored(&bytes)
        .map_err(|e| UserError::new(format!("{}: {e}", path.display()), history_hint()).into())
}

/// `rogatory audit verify BUNDLE --roster FILE`: offline, no node needed.
pub fn verify_against_roster(dir: &Path, file: &Path, format: Format) -> anyhow::Result<Outcome> {
    let bundle = Bundle::open(dir)?;
    let chain = read_history_file(file)?;
    let recorded = recorded_rosters(&bundle)?;
    let history = AuditHistory::build(&chain, &recorded).map_err(|e| {
        UserError::new(
            t!(
                "audit-roster-cannot-judge",
                file = file.display().to_string(),
                node = bundle.node_id.as_str(),
                error = e.to_string()
            ),
            history_hint(),
        )
    })?;
    let view = history_view(file, &history);
    let roster_findings = history.findings().len();
    let sizes: Vec<u64> = bundle.checkpoints.iter().map(|(size, _)| *size).collect();
    let verifier = AuditVerifier::with_roster_history(
        &bundle.node_id,
        bundle.node_key,
        bundle.peer_keys.clone(),
        history,
        &sizes,
    );
    let outcome = replay_into(&bundle, verifier)?.and_then(AuditVerifier::finish);
    let findings: Vec<SignatureFindingView> = outcome
        .as_ref()
        .map(|report| report.key_findings.iter().map(Into::into).collect())
        .unwrap_or_default();
    let mut verdict = BundleVerdict::new(&bundle, outcome);
    let mut failure_told = None;
    // No key was taken from keys.txt: each came from the history.
    verdict.keys_on_trust = Vec::new();
    if verdict.ok && (!findings.is_empty() || roster_findings > 0) {
        verdict.ok = false;
        verdict.failed_index = findings.iter().find_map(|f| f.index).or_else(|| {
            view.applied
                .iter()
                .find(|a| a.why.is_some())
                .map(|a| a.index)
        });
        // English in --json; the reader's language on the terminal.
        let failure = |language: Language| {
            t_in!(
                language,
                "audit-roster-failure",
                signatures = findings.len(),
                rosters = roster_findings
            )
        };
        verdict.failure = Some(failure(Language::English));
        failure_told = Some(failure(language()));
    }
    verdict.signature_findings = Some(findings);
    if format.json() {
        verdict.roster_history = Some(view);
        print_json(&verdict)?;
    } else {
        say_history(&view);
        for finding in verdict.signature_findings.iter().flatten() {
            say!("{} {}", t!("audit-roster-named"), finding.sentence());
        }
        if failure_told.is_some() {
            verdict.failure = failure_told;
        }
        say!("{}", verdict.sentence_in(language()));
        say!(
            "{}",
            t!(
                "audit-roster-node-key",
                node = verdict.node_id.as_str(),
                key = verdict.node_key.as_str()
            )
        );
    }
    Ok(if verdict.ok {
        Outcome::Done
    } else {
        Outcome::LogFailed
    })
}

fn history_view(file: &Path, history: &AuditHistory) -> HistoryView {
    let from_file = history
        .history()
        .rosters()
        .iter()
        .take(history.from_file())
        .map(|r| r.serial())
        .collect();
    let findings = history.findings();
    HistoryView {
        file: file.display().to_string(),
        federation: history.federation().to_owned(),
        genesis_sha256: hex::encode(history.genesis_digest()),
        from_file,
        applied: history
            .applied()
            .iter()
            .map(|applied| AppliedView {
                index: applied.index,
                serial: applied.serial,
                sha256: applied.digest.clone(),
                standing: match applied.standing {
                    AppliedStanding::InHistory => "in-history",
                    AppliedStanding::Extends => "extends-history",
                    AppliedStanding::Refused => "refused",
                },
                why: findings
                    .iter()
                    .find(|f| f.index == applied.index)
                    .map(|f| f.why.clone()),
            })
            .collect(),
        newest_serial: history.history().newest().serial(),
    }
}

fn say_history(view: &HistoryView) {
    say!(
        "{}",
        t!(
            "audit-roster-history",
            federation = view.federation.as_str(),
            genesis = view.genesis_sha256.as_str()
        )
    );
    say!(
        "  {}",
        t!(
            "audit-roster-history-file",
            file = view.file.as_str(),
            serials = serial_list(&view.from_file),
            newest = view.newest_serial
        )
    );
    if view.applied.is_empty() {
        say!("  {}", t!("audit-roster-none-applied"));
    }
    for applied in &view.applied {
        let serial = applied.serial.map_or_else(
            || t!("audit-roster-a-roster"),
            |s| t!("audit-roster-serial", serial = s),
        );
        match (&applied.why, applied.standing) {
            (Some(why), _) => say!(
                "{} {}",
                t!("audit-roster-named"),
                t!(
                    "audit-roster-applied-named",
                    index = applied.index,
                    serial = serial,
                    why = why.as_str()
                )
            ),
            (None, "extends-history") => say!(
                "  {}",
                t!(
                    "audit-roster-applied-extends",
                    index = applied.index,
                    serial = serial
                )
            ),
            (None, _) => say!(
                "  {}",
                t!(
                    "audit-roster-applied-own",
                    index = applied.index,
                    serial = serial
                )
            ),
        }
    }
}

fn serial_list(serials: &[u64]) -> String {
    match serials {
        [] => t!("audit-roster-no-roster"),
        [one] => t!("audit-roster-serial", serial = *one),
        [first, .., last] => t!("audit-roster-serials", first = *first, last = *last),
    }
}

#[derive(Debug, Serialize)]
struct RostersView {
    out: String,
    rosters: Vec<RecordedView>,
    genesis_sha256: Option<String>,
    /// Why the rosters do not form a history from a genesis, if they do not.
    #[serde(skip_serializing_if = "Option::is_none")]
    not_a_history: Option<String>,
}

#[derive(Debug, Serialize)]
struct RecordedView {
    index: u64,
    serial: u64,
    federation: String,
    issued_at: crate::output::Time,
    sha256: String,
}

/// `rogatory audit rosters BUNDLE --out FILE`: the recorded rosters as one history file.
pub fn write_rosters(dir: &Path, out: &Path, format: Format) -> anyhow::Result<Outcome> {
    let bundle = Bundle::open(dir)?;
    let recorded = recorded_rosters(&bundle)?;
    if recorded.is_empty() {
        return Err(UserError::new(
            t!("audit-rosters-none", node = bundle.node_id.as_str()),
            t!("audit-rosters-none-hint"),
        )
        .into());
    }
    let mut chain = Vec::new();
    let mut rosters = Vec::new();
    for (index, bytes) in &recorded {
        let refused = |e: roster::RosterError| {
            UserError::new(
                t!(
                    "audit-rosters-invalid",
                    index = *index,
                    error = e.to_string()
                ),
                t!("audit-rosters-invalid-hint"),
            )
        };
        let signed = roster::decode_signed(bytes).map_err(refused)?;
        let decoded = roster::decode_roster(&signed).map_err(refused)?;
        rosters.push(RecordedView {
            index: *index,
            serial: decoded.serial,
            federation: decoded.federation,
            issued_at: crate::output::Time(decoded.issued_at_ms),
            sha256: hex::encode(roster::digest(&signed)),
        });
        chain.push(signed);
    }
    let not_a_history = RosterHistory::verify(&chain).err().map(|e| e.to_string());
    let mut file = crate::bundle::create_private(out)?;
    std::io::Write::write_all(&mut file, roster::chain_to_armored(&chain).as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| t!("audit-cannot-write", file = out.display().to_string()))?;
    let genesis_sha256 = rosters
        .first()
        .filter(|first| first.serial == 1)
        .map(|first| first.sha256.clone());
    let view = RostersView {
        out: out.display().to_string(),
        rosters,
        genesis_sha256,
        not_a_history,
    };
    if format.json() {
        print_json(&view)?;
        return Ok(Outcome::Done);
    }
    say!(
        "{}",
        t!(
            "audit-rosters-written",
            count = view.rosters.len(),
            node = bundle.node_id.as_str(),
            out = view.out.as_str()
        )
    );
    for roster in &view.rosters {
        say!(
            "  {}",
            t!(
                "audit-rosters-entry",
                index = roster.index,
                serial = roster.serial,
                federation = roster.federation.as_str(),
                issued = crate::output::people_minute(roster.issued_at.0),
                sha256 = roster.sha256.as_str()
            )
        );
    }
    match (&view.genesis_sha256, &view.not_a_history) {
        (_, Some(why)) => tell!("{}", t!("audit-rosters-not-a-history", why = why.as_str())),
        (Some(genesis), None) => say!(
            "{}",
            t!("audit-rosters-genesis", genesis = genesis.as_str())
        ),
        (None, None) => {}
    }
    Ok(Outcome::Done)
}
