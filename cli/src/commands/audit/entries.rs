//! `rogatory audit entries BUNDLE` and `audit entry BUNDLE N`: what a node's log says, read
//! offline from its bundle (docs/AUDIT-FORMAT.md sections 2 and 4). Reading proves nothing:
//! `audit verify` proves the bundle intact; these show what it records, for the auditor who
//! then asks "who sent what to whom, when".

use std::path::Path;

use prost::Message as _;
use rogatory_proto::audit::reading::{EntryFilter, EntryView, Reader};
use rogatory_proto::log::entry_hash;
use rogatory_proto::v1::{EntryKind, Envelope, LogEntry, Receipt, RequestStatus, SignedRoster};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Outcome;
use crate::bundle::{Bundle, NextEntry};
use crate::failure::UserError;
use crate::i18n::t;
use crate::output::{Format, Table, instant, people_minute, print_json, say, shorten};

/// Most entries one listing shows unless `--limit` says otherwise; the listing says how many
/// more matched, never drops them silently.
pub const DEFAULT_LIMIT: usize = 1_000;

/// One entry, for `--json`.
#[derive(Debug, Serialize)]
struct EntryJson {
    index: u64,
    time: String,
    kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    peer: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    message_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    case_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    message_kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    subject: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    detail: String,
}

impl From<EntryView> for EntryJson {
    fn from(view: EntryView) -> Self {
        Self {
            index: view.index,
            time: instant(view.time_ms),
            kind: view.kind,
            peer: view.peer,
            message_id: view.message_id,
            case_id: view.case_id,
            message_kind: view.message_kind,
            subject: view.subject,
            detail: view.detail,
        }
    }
}

#[derive(Debug, Serialize)]
struct Listing {
    node_id: String,
    /// Entries in the bundle.
    entries: u64,
    /// Entries the filters admit.
    matched: u64,
    /// The admitted entries shown (the first `limit` from `from`).
    shown: Vec<EntryJson>,
}

/// Entries of `bundle` from index `from` that `filter` admits, the first `limit` of them.
pub fn entries(
    bundle: &Path,
    filter: &EntryFilter,
    from: u64,
    limit: usize,
    format: Format,
) -> anyhow::Result<Outcome> {
    let bundle = Bundle::open(bundle)?;
    let mut reader = Reader::new();
    let mut shown = Vec::new();
    let mut matched = 0u64;
    let mut total = 0u64;
    let mut entries = bundle.entries()?;
    loop {
        let bytes = match entries.next_entry()? {
            NextEntry::Entry(_, bytes) => bytes,
            NextEntry::End => break,
            NextEntry::Damaged(index, why) => return Err(damaged(index, &why)),
        };
        total += 1;
        let entry = decode(total - 1, &bytes)?;
        // Earlier entries are read too: they name the case and subject of later ones.
        let view = reader.read(&entry);
        if view.index < from || !filter.admits(&view) {
            continue;
        }
        matched += 1;
        if shown.len() < limit {
            shown.push(view);
        }
    }
    if format.json() {
        print_json(&Listing {
            node_id: bundle.node_id.clone(),
            entries: total,
            matched,
            shown: shown.into_iter().map(EntryJson::from).collect(),
        })?;
        return Ok(Outcome::Done);
    }
    if shown.is_empty() {
        say!("{}", t!("audit-entries-none", entries = total));
        return Ok(Outcome::Done);
    }
    let mut table = Table::new(&[
        &t!("audit-entries-column-index"),
        &t!("audit-entries-column-time"),
        &t!("audit-entries-column-kind"),
        &t!("audit-entries-column-peer"),
        &t!("audit-entries-column-case"),
        &t!("audit-entries-column-what"),
    ]);
    let shown_count = shown.len();
    for view in shown {
        let what = what(&view);
        table.row(vec![
            view.index.to_string(),
            people_minute(view.time_ms),
            kind_label(&view.kind),
            view.peer,
            view.case_id,
            shorten(&what, 80),
        ]);
    }
    say!("{}", table.render().trim_end());
    say!(
        "{}",
        t!(
            "audit-entries-summary",
            shown = shown_count,
            matched = matched,
            entries = total
        )
    );
    if matched > shown_count as u64 {
        say!("{}", t!("audit-entries-more"));
    }
    Ok(Outcome::Done)
}

/// An entry kind in the reader's language (`message-sent`: "message sent", «сообщение отправлено»).
fn kind_label(kind: &str) -> String {
    crate::i18n::text(&format!("audit-kind-{kind}"))
}

/// The last column of a listing: the subject, then the entry's own text.
fn what(view: &EntryView) -> String {
    let kind = if view.message_kind.is_empty() {
        String::new()
    } else {
        crate::i18n::text(&format!("audit-message-kind-{}", view.message_kind))
    };
    // A status update's subject is the protocol's name of its new status.
    let subject = match crate::vocabulary::parse::<RequestStatus>(&view.subject) {
        Ok(status) if view.message_kind == "status-update" => crate::vocabulary::label(status),
        _ => view.subject.clone(),
    };
    [kind, subject, view.detail.clone()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// One entry in full, for `--json`.
#[derive(Debug, Serialize)]
struct FullEntry {
    #[serde(flatten)]
    entry: EntryJson,
    time_ms: i64,
    entry_sha256: String,
    previous_hash: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    signature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_payload: Option<Payload>,
}

#[derive(Debug, Serialize)]
struct Payload {
    /// What the bytes are: `envelope`, `receipt`, `roster`, `evidence` or `bytes`.
    kind: &'static str,
    size: usize,
    sha256: String,
    /// The decoded protobuf message, its fields as named in docs/PROTOCOL.md.
    decoded: String,
}

/// Entry `index` of `bundle`, every field, and its signed payload decoded.
pub fn entry(bundle: &Path, index: u64, format: Format) -> anyhow::Result<Outcome> {
    let bundle = Bundle::open(bundle)?;
    let mut reader = Reader::new();
    let mut entries = bundle.entries()?;
    let mut seen = 0u64;
    let (entry, bytes) = loop {
        let bytes = match entries.next_entry()? {
            NextEntry::Entry(_, bytes) => bytes,
            NextEntry::End => {
                return Err(UserError::new(
                    t!("audit-entry-no-such", index = index, entries = seen),
                    t!("audit-entry-no-such-hint"),
                )
                .coded("not-found")
                .into());
            }
            NextEntry::Damaged(at, why) => return Err(damaged(at, &why)),
        };
        let entry = decode(seen, &bytes)?;
        seen += 1;
        if entry.index == index {
            break (entry, bytes);
        }
        reader.read(&entry);
    };
    let view = reader.read(&entry);
    let payload = payload(&entry);
    let full = FullEntry {
        entry: EntryJson::from(view.clone()),
        time_ms: entry.time_ms,
        entry_sha256: hex::encode(entry_hash(&bytes)),
        previous_hash: hex::encode(&entry.previous_hash),
        signature: hex::encode(&entry.signature),
        signed_payload: payload,
    };
    if format.json() {
        print_json(&full)?;
        return Ok(Outcome::Done);
    }
    let rows: Vec<(String, String)> = [
        (t!("audit-entry-index"), view.index.to_string()),
        (t!("audit-entry-time"), instant(view.time_ms)),
        (t!("audit-entry-kind"), kind_label(&view.kind)),
        (t!("audit-entry-peer"), view.peer.clone()),
        (t!("audit-entry-message"), view.message_id.clone()),
        (t!("audit-entry-case"), view.case_id.clone()),
        (t!("audit-entry-what"), what(&view)),
        (t!("audit-entry-hash"), full.entry_sha256.clone()),
        (t!("audit-entry-previous"), full.previous_hash.clone()),
        (t!("audit-entry-signature"), full.signature.clone()),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .collect();
    let width = crate::output::label_width(
        &rows
            .iter()
            .map(|(label, _)| label.as_str())
            .collect::<Vec<_>>(),
        2,
    );
    for (label, value) in &rows {
        say!("{label:<width$}{}", crate::output::one_line(value));
    }
    if let Some(payload) = &full.signed_payload {
        say!();
        say!(
            "{}",
            t!(
                "audit-entry-payload",
                kind = payload.kind,
                size = payload.size,
                sha256 = payload.sha256.as_str()
            )
        );
        say!("{}", payload.decoded);
    }
    Ok(Outcome::Done)
}

fn payload(entry: &LogEntry) -> Option<Payload> {
    let bytes = entry.signed_payload.as_slice();
    if bytes.is_empty() {
        return None;
    }
    let (kind, decoded) = match EntryKind::try_from(entry.kind) {
        Ok(EntryKind::MessageSent | EntryKind::MessageReceived) => (
            "envelope",
            Envelope::decode(bytes).map(|m| format!("{m:#?}")).ok(),
        ),
        Ok(EntryKind::ReceiptIssued | EntryKind::ReceiptObtained) => (
            "receipt",
            Receipt::decode(bytes).map(|m| format!("{m:#?}")).ok(),
        ),
        Ok(EntryKind::RosterApplied) => (
            "roster",
            SignedRoster::decode(bytes)
                .ok()
                .and_then(|signed| rogatory_proto::roster::decode_roster(&signed).ok())
                .map(|roster| format!("{roster:#?}")),
        ),
        Ok(EntryKind::PeerMisbehaviour) => ("evidence", String::from_utf8(bytes.to_vec()).ok()),
        _ => ("bytes", None),
    };
    Some(Payload {
        kind,
        size: bytes.len(),
        sha256: hex::encode(Sha256::digest(bytes)),
        decoded: decoded.unwrap_or_else(|| t!("audit-entry-payload-undecoded")),
    })
}

fn decode(position: u64, bytes: &[u8]) -> anyhow::Result<LogEntry> {
    LogEntry::decode(bytes).map_err(|e| damaged(position, &e.to_string()))
}

fn damaged(position: u64, why: &str) -> anyhow::Error {
    UserError::new(
        t!("audit-entries-damaged", index = position, why = why),
        t!("audit-entries-damaged-hint"),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use rogatory_node::locale::Language;

    /// A kind added to the protocol gets its words in every language, or this fails.
    #[test]
    fn every_entry_kind_has_its_words_in_every_language() {
        for name in rogatory_proto::audit::reading::kind_names() {
            for language in [Language::English, Language::Russian] {
                let id = format!("audit-kind-{name}");
                assert_ne!(language.catalog().text(&id, None), id, "{language:?}");
            }
        }
    }
}
