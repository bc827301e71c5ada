//! Reading a log, not proving it: what each entry says, in fields an auditor can list and
//! filter (`rogatory audit entries`, `audit entry`). Nothing here judges an entry; a bundle is
//! verified by [`super::AuditVerifier`]. No I/O.
//!
//! An entry names its message by id; the case and the subject are in the signed envelope of
//! the `MESSAGE_SENT` or `MESSAGE_RECEIVED` entry that holds it. [`Reader`] remembers them as
//! it goes, in log order, so a receipt, an attachment or a refusal of the same message is shown
//! with its case and subject too.

use std::collections::HashMap;

use prost::Message;

use crate::search_text;
use crate::v1::envelope::Body;
use crate::v1::{EntryKind, Envelope, LogEntry, Receipt, SignedRoster};

/// Most message ids a [`Reader`] remembers with their case and subject: a log of millions of
/// messages is listed with bounded memory; entries about older messages are shown without.
pub const REMEMBERED_MESSAGES: usize = 1_000_000;

/// What one entry says, as an auditor reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryView {
    pub index: u64,
    pub time_ms: i64,
    /// The kind as the audit format names it, lowercase with dashes (`message-sent`).
    pub kind: String,
    pub peer: String,
    pub message_id: String,
    pub case_id: String,
    /// The message's kind (`request`, `status-update`, `consultation`, `information`,
    /// `delivery-report`) where the entry holds or names a message this reader saw.
    pub message_kind: String,
    /// A request's, consultation's or information's subject; a status update's new state;
    /// a roster's serial.
    pub subject: String,
    /// The entry's own text (who submitted, the reason of a refusal, ...), as written.
    pub detail: String,
}

/// The entry kind's name in the audit format (section 4), lowercase with dashes, from the
/// protocol's own name (`ENTRY_KIND_MESSAGE_SENT` is `message-sent`); `unknown` for a value this
/// software does not know.
pub fn kind_name(kind: i32) -> String {
    match EntryKind::try_from(kind) {
        Ok(known) if known != EntryKind::Unspecified => known
            .as_str_name()
            .trim_start_matches("ENTRY_KIND_")
            .to_ascii_lowercase()
            .replace('_', "-"),
        _ => "unknown".to_owned(),
    }
}

/// Every valid kind's name, in the format's order.
pub fn kind_names() -> Vec<String> {
    (1..)
        .map_while(|value| EntryKind::try_from(value).ok())
        .map(|kind| kind_name(kind as i32))
        .collect()
}

/// What a message's envelope says of it, remembered by id.
#[derive(Debug, Clone, Default)]
struct Known {
    case_id: String,
    message_kind: &'static str,
    subject: String,
}

/// Reads entries in log order, remembering each message's case and subject.
#[derive(Debug, Default)]
pub struct Reader {
    known: HashMap<String, Known>,
}

impl Reader {
    pub fn new() -> Self {
        Self::default()
    }

    /// What `entry` says. An envelope or receipt that does not decode is shown without what it
    /// would have said (verification, not reading, is where that is an error).
    pub fn read(&mut self, entry: &LogEntry) -> EntryView {
        let mut view = EntryView {
            index: entry.index,
            time_ms: entry.time_ms,
            kind: kind_name(entry.kind),
            peer: entry.peer.clone(),
            message_id: entry.message_id.clone(),
            case_id: String::new(),
            message_kind: String::new(),
            subject: String::new(),
            detail: entry.detail.clone(),
        };
        match EntryKind::try_from(entry.kind) {
            Ok(EntryKind::MessageSent | EntryKind::MessageReceived) => {
                if let Ok(envelope) = Envelope::decode(entry.signed_payload.as_slice()) {
                    let known = known_of(&envelope);
                    if self.known.len() < REMEMBERED_MESSAGES {
                        self.known
                            .insert(envelope.message_id.clone(), known.clone());
                    }
                    fill(&mut view, &known);
                }
            }
            Ok(EntryKind::ReceiptIssued | EntryKind::ReceiptObtained) => {
                if view.message_id.is_empty() {
                    if let Ok(receipt) = Receipt::decode(entry.signed_payload.as_slice()) {
                        view.message_id = receipt.message_id;
                    }
                }
                if let Some(known) = self.known.get(&view.message_id) {
                    fill(&mut view, known);
                }
            }
            Ok(EntryKind::RosterApplied) => {
                if let Ok(signed) = SignedRoster::decode(entry.signed_payload.as_slice()) {
                    if let Ok(roster) = crate::roster::decode_roster(&signed) {
                        view.subject = format!("roster {}", roster.serial);
                    }
                }
            }
            _ => {
                if let Some(known) = self.known.get(&view.message_id) {
                    fill(&mut view, known);
                }
            }
        }
        view
    }
}

fn fill(view: &mut EntryView, known: &Known) {
    view.case_id.clone_from(&known.case_id);
    view.message_kind = known.message_kind.to_owned();
    view.subject.clone_from(&known.subject);
}

fn known_of(envelope: &Envelope) -> Known {
    let (message_kind, subject) = match &envelope.body {
        Some(Body::MlaRequest(request)) => ("request", request.subject.clone()),
        Some(Body::StatusUpdate(update)) => (
            "status-update",
            crate::v1::RequestStatus::try_from(update.status)
                .map(|status| {
                    status
                        .as_str_name()
                        .trim_start_matches("REQUEST_STATUS_")
                        .to_ascii_lowercase()
                        .replace('_', "-")
                })
                .unwrap_or_default(),
        ),
        Some(Body::SpontaneousInformation(information)) => {
            ("information", information.subject.clone())
        }
        Some(Body::Consultation(consultation)) => ("consultation", consultation.subject.clone()),
        Some(Body::DeliveryReport(_)) => ("delivery-report", String::new()),
        None => ("", String::new()),
    };
    Known {
        case_id: envelope.case_id.clone(),
        message_kind,
        subject,
    }
}

/// Which entries a listing shows. Empty fields select everything.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    /// Kind names ([`KIND_NAMES`]); any of them.
    pub kinds: Vec<String>,
    pub peer: Option<String>,
    /// A case id or its beginning.
    pub case: Option<String>,
    /// Entries at or after this time.
    pub since_ms: Option<i64>,
    /// Entries before this time.
    pub until_ms: Option<i64>,
    /// Words that must all be found (as the search index finds them: case, script and
    /// transliteration folded, word beginnings) in the entry's subject, detail, ids or peer.
    pub text: Option<String>,
}

impl EntryFilter {
    pub fn admits(&self, view: &EntryView) -> bool {
        if !self.kinds.is_empty() && !self.kinds.contains(&view.kind) {
            return false;
        }
        if self.peer.as_ref().is_some_and(|p| *p != view.peer) {
            return false;
        }
        if self
            .case
            .as_ref()
            .is_some_and(|c| view.case_id.is_empty() || !view.case_id.starts_with(c.as_str()))
        {
            return false;
        }
        if self.since_ms.is_some_and(|since| view.time_ms < since)
            || self.until_ms.is_some_and(|until| view.time_ms >= until)
        {
            return false;
        }
        match &self.text {
            None => true,
            Some(text) => {
                let words = search_text::query(text);
                let haystack = format!(
                    "{} {} {} {} {}",
                    view.subject, view.detail, view.message_id, view.case_id, view.peer
                );
                let keys = search_text::keys(&haystack);
                words
                    .iter()
                    .all(|word| keys.iter().any(|key| word.matches(key)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::{Consultation, MlaRequest, StatusUpdate};

    fn entry(index: u64, kind: EntryKind, message_id: &str, payload: Vec<u8>) -> LogEntry {
        LogEntry {
            index,
            time_ms: 1_767_225_600_000 + i64::try_from(index).expect("small") * 1000,
            kind: kind as i32,
            peer: "de".into(),
            message_id: message_id.into(),
            signed_payload: payload,
            detail: if kind == EntryKind::MessageSent {
                "submitted by Aman Atayev (uid 1001)".into()
            } else {
                String::new()
            },
            ..Default::default()
        }
    }

    fn envelope(message_id: &str, body: Body) -> Vec<u8> {
        Envelope {
            message_id: message_id.into(),
            case_id: "tm-01J0CASE".into(),
            body: Some(body),
            ..Default::default()
        }
        .encode_to_vec()
    }

    #[test]
    fn a_receipt_is_shown_with_the_case_and_subject_of_its_message() {
        let mut reader = Reader::new();
        let sent = reader.read(&entry(
            0,
            EntryKind::MessageSent,
            "M1",
            envelope(
                "M1",
                Body::MlaRequest(MlaRequest {
                    subject: "Торговля людьми: Атаев".into(),
                    ..Default::default()
                }),
            ),
        ));
        assert_eq!(sent.kind, "message-sent");
        assert_eq!(sent.case_id, "tm-01J0CASE");
        assert_eq!(sent.message_kind, "request");
        assert_eq!(sent.subject, "Торговля людьми: Атаев");
        assert_eq!(sent.detail, "submitted by Aman Atayev (uid 1001)");
        let receipt = Receipt {
            message_id: "M1".into(),
            ..Default::default()
        };
        let obtained = reader.read(&entry(
            1,
            EntryKind::ReceiptObtained,
            "M1",
            receipt.encode_to_vec(),
        ));
        assert_eq!(obtained.case_id, "tm-01J0CASE");
        assert_eq!(obtained.subject, "Торговля людьми: Атаев");
        let update = reader.read(&entry(
            2,
            EntryKind::MessageReceived,
            "M2",
            envelope(
                "M2",
                Body::StatusUpdate(StatusUpdate {
                    status: crate::v1::RequestStatus::Accepted as i32,
                    ..Default::default()
                }),
            ),
        ));
        assert_eq!(update.message_kind, "status-update");
        assert_eq!(update.subject, "accepted");
    }

    #[test]
    fn filters_select_by_kind_peer_case_time_and_folded_words() {
        let mut reader = Reader::new();
        let view = reader.read(&entry(
            5,
            EntryKind::MessageSent,
            "M1",
            envelope(
                "M1",
                Body::Consultation(Consultation {
                    subject: "Атаев, cash couriers".into(),
                    ..Default::default()
                }),
            ),
        ));
        let all = EntryFilter::default();
        assert!(all.admits(&view));
        let admits = |filter: EntryFilter| filter.admits(&view);
        assert!(admits(EntryFilter {
            kinds: vec!["receipt-issued".into(), "message-sent".into()],
            ..Default::default()
        }));
        assert!(!admits(EntryFilter {
            kinds: vec!["rejection".into()],
            ..Default::default()
        }));
        assert!(!admits(EntryFilter {
            peer: Some("kz".into()),
            ..Default::default()
        }));
        assert!(admits(EntryFilter {
            case: Some("tm-01J0".into()),
            ..Default::default()
        }));
        assert!(!admits(EntryFilter {
            case: Some("tm-01J1".into()),
            ..Default::default()
        }));
        assert!(admits(EntryFilter {
            since_ms: Some(view.time_ms),
            until_ms: Some(view.time_ms + 1),
            ..Default::default()
        }));
        assert!(!admits(EntryFilter {
            until_ms: Some(view.time_ms),
            ..Default::default()
        }));
        // Latin for a Cyrillic name, a word's beginning, and the detail's words.
        assert!(admits(EntryFilter {
            text: Some("Atayev courier".into()),
            ..Default::default()
        }));
        assert!(admits(EntryFilter {
            text: Some("uid 1001".into()),
            ..Default::default()
        }));
        assert!(!admits(EntryFilter {
            text: Some("Atayev fraud".into()),
            ..Default::default()
        }));
    }

    #[test]
    fn every_valid_kind_has_a_listed_name() {
        let names = kind_names();
        assert_eq!(names.len(), 12, "{names:?}");
        assert_eq!(names[2], "message-sent");
        assert_eq!(names[11], "roster-applied");
        assert!(!names.iter().any(|name| name == "unknown"));
        assert_eq!(kind_name(0), "unknown");
        assert_eq!(kind_name(99), "unknown");
    }
}
