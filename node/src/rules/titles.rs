//! What a message and a case are called, and the national references of both sides, as plain
//! functions over message records: what lists show so that a contact point recognises a case
//! without its id.
//!
//! A message's title is its own subject (a request's `subject`, a consultation's or spontaneous
//! information's `subject`); a status update is titled by the request it concerns, a delivery
//! report by the message it reports on, and a consultation without a subject by the one it
//! answers, else by its case. A case's title is the subject of its first request, else of its
//! first consultation or spontaneous information. The requesting side's national reference is
//! its request's `national_reference`; the requested side's travels in its status updates
//! (`StatusUpdate.national_reference`); for each party the latest one given counts, and an
//! update without one keeps the earlier. Reading the records is `storage::cases`'.

use prost::Message;
use rogatory_proto::v1::{Direction, Envelope, MessageRecord, NationalReference, envelope};

/// A case's title and the national references of its parties.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseTitles {
    pub title: String,
    /// This node's own reference (the latest it gave); empty if none.
    pub own_reference: String,
    /// The other parties' references (the latest each gave), by node id.
    pub peer_references: Vec<NationalReference>,
}

/// The record's envelope, as the node checked it when it stored it (not checked again).
fn decode(record: &MessageRecord) -> Option<Envelope> {
    let signed = record.envelope.as_ref()?;
    Envelope::decode(signed.payload.as_slice()).ok()
}

/// The subject a message carries itself (request, consultation, spontaneous information), if
/// it is not empty.
pub fn own_subject(record: &MessageRecord) -> Option<String> {
    decode(record).and_then(|e| subject_of(&e))
}

fn subject_of(envelope: &Envelope) -> Option<String> {
    let subject = match envelope.body.as_ref()? {
        envelope::Body::MlaRequest(request) => &request.subject,
        envelope::Body::Consultation(consultation) => &consultation.subject,
        envelope::Body::SpontaneousInformation(information) => &information.subject,
        envelope::Body::StatusUpdate(_) | envelope::Body::DeliveryReport(_) => return None,
    };
    Some(subject.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The national reference a message gives for its sender, if any.
fn reference_of(envelope: &Envelope) -> Option<&str> {
    let reference = match envelope.body.as_ref()? {
        envelope::Body::MlaRequest(request) => &request.national_reference,
        envelope::Body::StatusUpdate(update) => &update.national_reference,
        _ => return None,
    };
    Some(reference.trim()).filter(|r| !r.is_empty())
}

/// The title and references of a case, from its messages oldest first.
pub fn case_titles(messages: &[MessageRecord]) -> CaseTitles {
    let decoded: Vec<(&MessageRecord, Envelope)> = messages
        .iter()
        .filter_map(|m| decode(m).map(|e| (m, e)))
        .collect();
    let is_request = |e: &Envelope| matches!(e.body, Some(envelope::Body::MlaRequest(_)));
    let title = decoded
        .iter()
        .filter(|(_, e)| is_request(e))
        .chain(decoded.iter().filter(|(_, e)| !is_request(e)))
        .find_map(|(_, e)| subject_of(e))
        .unwrap_or_default();
    let mut titles = CaseTitles {
        title,
        ..CaseTitles::default()
    };
    for (record, envelope) in &decoded {
        let Some(reference) = reference_of(envelope) else {
            continue;
        };
        if record.direction == Direction::Outbox as i32 {
            reference.clone_into(&mut titles.own_reference);
            continue;
        }
        let given = NationalReference {
            node_id: record.sender.clone(),
            reference: reference.to_owned(),
        };
        match titles
            .peer_references
            .iter_mut()
            .find(|r| r.node_id == record.sender)
        {
            Some(held) => *held = given,
            None => titles.peer_references.push(given),
        }
    }
    titles
        .peer_references
        .sort_by(|a, b| a.node_id.cmp(&b.node_id));
    titles
}

/// The title of `record`, a message of a case whose messages are `case` and whose title is
/// `case_title`.
pub fn message_title(record: &MessageRecord, case: &[MessageRecord], case_title: &str) -> String {
    let Some(envelope) = decode(record) else {
        return case_title.to_owned();
    };
    if let Some(subject) = subject_of(&envelope) {
        return subject;
    }
    let refers_to = match &envelope.body {
        Some(envelope::Body::StatusUpdate(update)) => update.refers_to.as_str(),
        Some(envelope::Body::DeliveryReport(report)) => report.refers_to.as_str(),
        Some(envelope::Body::Consultation(consultation)) => consultation.refers_to.as_str(),
        _ => "",
    };
    case.iter()
        .find(|m| !refers_to.is_empty() && m.message_id == refers_to)
        .and_then(own_subject)
        .unwrap_or_else(|| case_title.to_owned())
}

/// Fills `record`'s title and references from its case.
pub fn fill(record: &mut MessageRecord, case: &[MessageRecord], titles: &CaseTitles) {
    record.title = message_title(record, case, &titles.title);
    record.own_reference.clone_from(&titles.own_reference);
    record.peer_references.clone_from(&titles.peer_references);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rogatory_proto::v1::{Consultation, MlaRequest, SignedEnvelope, StatusUpdate};

    fn record(id: &str, direction: Direction, sender: &str, body: envelope::Body) -> MessageRecord {
        let envelope = Envelope {
            message_id: id.into(),
            sender: sender.into(),
            body: Some(body),
            ..Default::default()
        };
        MessageRecord {
            direction: direction as i32,
            message_id: id.into(),
            sender: sender.into(),
            envelope: Some(SignedEnvelope {
                payload: envelope.encode_to_vec(),
                signature: Vec::new(),
            }),
            ..Default::default()
        }
    }

    fn update(refers_to: &str, reference: &str) -> envelope::Body {
        envelope::Body::StatusUpdate(StatusUpdate {
            refers_to: refers_to.into(),
            national_reference: reference.into(),
            ..Default::default()
        })
    }

    #[test]
    fn a_status_update_is_titled_by_its_request_and_references_are_kept_once_given() {
        let request = record(
            "r1",
            Direction::Outbox,
            "tm",
            envelope::Body::MlaRequest(MlaRequest {
                subject: "Мошенничество, Атаев".into(),
                national_reference: "UD-115/2026".into(),
                ..Default::default()
            }),
        );
        let first = record("u1", Direction::Inbox, "de", update("r1", "StA 12 Js 4/26"));
        let later = record("u2", Direction::Inbox, "de", update("r1", ""));
        let case = vec![request.clone(), first, later.clone()];
        let titles = case_titles(&case);
        assert_eq!(titles.title, "Мошенничество, Атаев");
        assert_eq!(titles.own_reference, "UD-115/2026");
        assert_eq!(
            titles.peer_references,
            [NationalReference {
                node_id: "de".into(),
                reference: "StA 12 Js 4/26".into()
            }],
            "an update without a reference keeps the one given before"
        );
        let mut shown = later;
        fill(&mut shown, &case, &titles);
        assert_eq!(shown.title, "Мошенничество, Атаев");
        assert_eq!(shown.peer_references.len(), 1);
    }

    #[test]
    fn a_case_without_a_request_is_titled_by_its_consultation() {
        let consult = |id: &str, subject: &str, refers_to: &str| {
            record(
                id,
                Direction::Inbox,
                "de",
                envelope::Body::Consultation(Consultation {
                    text: "t".into(),
                    subject: subject.into(),
                    refers_to: refers_to.into(),
                    ..Default::default()
                }),
            )
        };
        let case = vec![
            consult("c1", "Bank records in Tashkent", ""),
            consult("c2", "", "c1"),
        ];
        let titles = case_titles(&case);
        assert_eq!(titles.title, "Bank records in Tashkent");
        assert_eq!(
            message_title(&case[1], &case, &titles.title),
            "Bank records in Tashkent"
        );
    }
}
