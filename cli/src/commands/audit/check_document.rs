//! `rogatory audit check-document BUNDLE CODE` (or `--pdf FILE`): is the printed document
//! what the node's audit log holds? The bundle is verified as by `audit verify` (chain,
//! signatures, checkpoints); then each document code ([`DocumentCode`], docs/AUDIT-FORMAT.md
//! section 18) is checked against the entry it names, and what that entry records is shown,
//! for the reader to compare with the paper. Exit 0 if every code checks, 2 if one does not.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use ed25519_dalek::VerifyingKey;
use prost::Message as _;
use rogatory_proto::audit::{self, AuditReport, AuditVerifier};
use rogatory_proto::document_code::DocumentCode;
use rogatory_proto::signing::fingerprint;
use rogatory_proto::v1::envelope::Body;
use rogatory_proto::v1::{EntryKind, Envelope, LogEntry};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Outcome, entry_bytes, replay_with};
use crate::bundle::Bundle;
use crate::failure::UserError;
use crate::i18n::t;
use crate::output::{Format, instant, print_json, say};
use crate::print::content::{date_time, peer_text};

/// The verdict on one code, for people and for `--json`.
#[derive(Debug, Serialize)]
struct DocumentVerdict {
    code: String,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
    node_id: String,
    index: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<RecordedMessage>,
}

/// What the log holds at the code's position.
#[derive(Debug, Serialize)]
struct RecordedMessage {
    message_id: String,
    /// `mla_request`, `status_update`, `consultation`, `spontaneous_information` or
    /// `delivery_report`.
    body: String,
    case_id: String,
    sender: String,
    recipient: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    subject: String,
    created: String,
    /// `ENTRY_KIND_MESSAGE_SENT` or `ENTRY_KIND_MESSAGE_RECEIVED`.
    entry_kind: String,
    logged: String,
    signer: String,
    /// SHA-256 of the key that signed it, as the bundle's keys.txt gives it.
    key_fingerprint: String,
    /// The auditor pinned that key (`--peer-keys`); otherwise it is taken on trust from the
    /// bundle, which the audited node wrote.
    key_pinned: bool,
    envelope_sha256: String,
    /// The size of the node's newest signed checkpoint that covers the entry, if one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    checkpoint_size: Option<u64>,
    cosigned_by: Vec<String>,
    #[serde(skip)]
    created_ms: i64,
    #[serde(skip)]
    logged_ms: i64,
}

/// `rogatory audit check-document BUNDLE [CODE] [--pdf FILE] [--peer-keys FILE]`: offline.
pub fn check_document(
    dir: &Path,
    code: Option<&str>,
    pdf: Option<&Path>,
    peer_keys: Option<&Path>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let (codes, document_text) = match (code, pdf) {
        (Some(code), None) => {
            let parsed = DocumentCode::parse(code).map_err(|e| {
                UserError::new(
                    t!(
                        "check-document-bad-code",
                        code = peer_text(code),
                        reason = e.to_string()
                    ),
                    t!("check-document-no-code-hint"),
                )
            })?;
            (vec![parsed], None)
        }
        (None, Some(pdf)) => {
            let bytes =
                std::fs::read(pdf).with_context(|| format!("cannot read {}", pdf.display()))?;
            let text = pdf_extract::extract_text_from_mem(&bytes)
                .map_err(|e| anyhow::anyhow!("cannot read the text of {}: {e}", pdf.display()))?;
            let codes = DocumentCode::find_all(&text);
            if codes.is_empty() {
                return Err(UserError::new(
                    t!("check-document-no-code", file = pdf.display().to_string()),
                    t!("check-document-no-code-hint"),
                )
                .into());
            }
            (codes, Some(text))
        }
        _ => {
            return Err(UserError::new(
                t!("check-document-one-source"),
                t!("check-document-one-source-hint"),
            )
            .into());
        }
    };
    let bundle = Bundle::open(dir)?;
    let pinned = match peer_keys {
        Some(path) => crate::bundle::read_pinned_keys(path)?,
        None => BTreeMap::new(),
    };
    let verdicts = check_codes(&bundle, &pinned, &codes, document_text.as_deref())?;
    let ok = verdicts.iter().all(|v| v.ok);
    if format.json() {
        print_json(&verdicts)?;
    } else {
        for verdict in &verdicts {
            print_verdict(verdict);
        }
    }
    Ok(if ok {
        Outcome::Done
    } else {
        Outcome::LogFailed
    })
}

fn check_codes(
    bundle: &Bundle,
    pinned: &BTreeMap<String, VerifyingKey>,
    codes: &[DocumentCode],
    document_text: Option<&str>,
) -> anyhow::Result<Vec<DocumentVerdict>> {
    let verdict = |code: &DocumentCode, failure: Result<RecordedMessage, String>| {
        let (message, failure) = match failure {
            Ok(message) => (Some(message), None),
            Err(failure) => (None, Some(failure)),
        };
        DocumentVerdict {
            code: code.to_string(),
            ok: failure.is_none(),
            failure,
            node_id: code.node_id.clone(),
            index: code.index,
            message,
        }
    };
    // The log is read through only if some code names it.
    let report = if codes.iter().any(|code| code.node_id == bundle.node_id) {
        Some(verified(bundle, pinned)?)
    } else {
        None
    };
    codes
        .iter()
        .map(|code| {
            let outcome = match (&report, code.node_id == bundle.node_id) {
                (Some(Ok((report, pinned))), true) => {
                    check_one(bundle, report, pinned, code, document_text)?
                }
                (Some(Err(reason)), true) => Err(reason.clone()),
                _ => Err(t!(
                    "check-document-other-node",
                    code_node = peer_text(&code.node_id),
                    bundle_node = peer_text(&bundle.node_id)
                )),
            };
            Ok(verdict(code, outcome))
        })
        .collect()
}

/// The bundle verified as by `audit verify [--peer-keys]`, with the node ids whose keys the
/// auditor pinned; `Err` inside is the reason it does not verify.
fn verified(
    bundle: &Bundle,
    pinned: &BTreeMap<String, VerifyingKey>,
) -> anyhow::Result<Result<(AuditReport, Vec<String>), String>> {
    let report = match audit::pin_keys(
        &bundle.node_id,
        bundle.node_key,
        bundle.peer_keys.clone(),
        pinned,
    ) {
        Ok(keys) => replay_with(bundle, keys.peer_keys)?
            .and_then(AuditVerifier::finish)
            .map(|report| (report, keys.pinned)),
        Err(failure) => Err(failure),
    };
    Ok(report.map_err(|failure| {
        t!(
            "check-document-bundle-fails",
            failure = match failure.index {
                Some(index) => format!("entry {index}: {}", failure.reason),
                None => failure.reason,
            }
        )
    }))
}

/// One code against the verified bundle. `Err` inside is a document that does not check.
fn check_one(
    bundle: &Bundle,
    report: &AuditReport,
    pinned: &[String],
    code: &DocumentCode,
    document_text: Option<&str>,
) -> anyhow::Result<Result<RecordedMessage, String>> {
    let node = peer_text(&bundle.node_id);
    if code.index >= report.entries {
        return Ok(Err(t!(
            "check-document-no-entry",
            node = node,
            index = code.index.to_string(),
            entries = report.entries.to_string()
        )));
    }
    let bytes = entry_bytes(bundle, code.index)?;
    // The bundle verified, so every entry decodes; a failure here is the reader's, not the
    // document's.
    let entry = LogEntry::decode(bytes.as_slice()).context("decoding a verified entry")?;
    let kind = EntryKind::try_from(entry.kind).unwrap_or(EntryKind::Unspecified);
    let signer_key = match kind {
        EntryKind::MessageSent => Some(bundle.node_key),
        EntryKind::MessageReceived => bundle.peer_keys.get(&entry.peer).copied(),
        _ => {
            return Ok(Err(t!(
                "check-document-not-message",
                node = node,
                index = code.index.to_string(),
                kind = kind.as_str_name().to_owned()
            )));
        }
    };
    let envelope_sha256: [u8; 32] = Sha256::digest(&entry.signed_payload).into();
    let envelope = Envelope::decode(entry.signed_payload.as_slice()).unwrap_or_default();
    if !code.matches(&envelope_sha256) {
        return Ok(Err(t!(
            "check-document-mismatch",
            node = node,
            index = code.index.to_string(),
            id = peer_text(&envelope.message_id),
            code = code.to_string()
        )));
    }
    if document_text.is_some_and(|text| !text.contains(&envelope.message_id)) {
        return Ok(Err(t!(
            "check-document-not-named",
            id = peer_text(&envelope.message_id),
            code = code.to_string()
        )));
    }
    let key_fingerprint = signer_key.map(|key| fingerprint(&key)).unwrap_or_default();
    // The document prints the fingerprint in groups, which may wrap across lines.
    let squashed: Option<String> = document_text.map(|text| text.split_whitespace().collect());
    if squashed.is_some_and(|text| !text.contains(&key_fingerprint)) {
        return Ok(Err(t!(
            "check-document-other-key",
            id = peer_text(&envelope.message_id),
            fingerprint = key_fingerprint
        )));
    }
    let (body, subject) = match &envelope.body {
        Some(Body::MlaRequest(request)) => ("mla_request", request.subject.clone()),
        Some(Body::SpontaneousInformation(info)) => {
            ("spontaneous_information", info.subject.clone())
        }
        Some(Body::StatusUpdate(_)) => ("status_update", String::new()),
        Some(Body::Consultation(_)) => ("consultation", String::new()),
        Some(Body::DeliveryReport(_)) | None => ("delivery_report", String::new()),
    };
    let covering = report
        .latest_checkpoint
        .as_ref()
        .filter(|checkpoint| checkpoint.size > code.index);
    Ok(Ok(RecordedMessage {
        message_id: envelope.message_id.clone(),
        body: body.to_owned(),
        case_id: envelope.case_id.clone(),
        sender: envelope.sender.clone(),
        recipient: envelope.recipient.clone(),
        subject,
        created: instant(envelope.created_at_ms),
        entry_kind: kind.as_str_name().to_owned(),
        logged: instant(entry.time_ms),
        signer: envelope.sender.clone(),
        key_fingerprint,
        key_pinned: pinned.contains(&envelope.sender),
        envelope_sha256: hex::encode(envelope_sha256),
        checkpoint_size: covering.map(|c| c.size),
        cosigned_by: covering.map(|c| c.cosigned_by.clone()).unwrap_or_default(),
        created_ms: envelope.created_at_ms,
        logged_ms: entry.time_ms,
    }))
}

fn print_verdict(verdict: &DocumentVerdict) {
    let Some(message) = &verdict.message else {
        say!(
            "{}",
            t!(
                "check-document-fails",
                reason = verdict.failure.clone().unwrap_or_default()
            )
        );
        return;
    };
    say!(
        "{}",
        t!(
            "check-document-ok",
            code = verdict.code.clone(),
            index = verdict.index.to_string(),
            node = peer_text(&verdict.node_id)
        )
    );
    let what = match message.body.as_str() {
        "mla_request" => t!("print-title-request"),
        "status_update" => t!("print-title-status-update"),
        "consultation" => t!("print-title-consultation"),
        "spontaneous_information" => t!("print-title-spontaneous"),
        _ => t!("print-title-delivery-report"),
    };
    say!(
        "  {}",
        t!(
            "check-document-message",
            id = peer_text(&message.message_id),
            what = what,
            case = peer_text(&message.case_id)
        )
    );
    say!(
        "  {}",
        t!(
            "check-document-route",
            sender = peer_text(&message.sender),
            recipient = peer_text(&message.recipient),
            created = date_time(message.created_ms)
        )
    );
    if !message.subject.is_empty() {
        say!(
            "  {}",
            t!(
                "check-document-subject",
                subject = rogatory_proto::terminal::one_line(&message.subject).into_owned()
            )
        );
    }
    say!(
        "  {}",
        t!(
            "check-document-logged",
            node = peer_text(&verdict.node_id),
            time = date_time(message.logged_ms),
            kind = match message.entry_kind.trim_start_matches("ENTRY_KIND_") {
                "MESSAGE_SENT" => t!("check-document-kind-message-sent"),
                "MESSAGE_RECEIVED" => t!("check-document-kind-message-received"),
                other => other.to_owned(),
            }
        )
    );
    say!(
        "  {}",
        t!(
            "check-document-signed",
            signer = peer_text(&message.signer),
            fingerprint = message.key_fingerprint.clone()
        )
    );
    if message.key_pinned {
        say!("  {}", t!("check-document-key-pinned"));
    } else {
        say!(
            "  {}",
            t!(
                "check-document-key-on-trust",
                node = peer_text(&verdict.node_id)
            )
        );
    }
    match message.checkpoint_size {
        Some(size) => say!(
            "  {}",
            t!(
                "check-document-covered",
                size = size.to_string(),
                cosigners = if message.cosigned_by.is_empty() {
                    "—".to_owned()
                } else {
                    message.cosigned_by.join(", ")
                }
            )
        ),
        None => say!("  {}", t!("check-document-not-covered")),
    }
}
