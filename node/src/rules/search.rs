//! What the search index holds of a message, as a plain function over its envelope: which words
//! of which fields are indexed (their keys, `rogatory_proto::search_text`), and the facts the
//! filters read. Storing it is `storage::store`'s (in the batch that stores the message);
//! answering a query is `storage::search`'s.
//!
//! Indexed: the subject (a request's, a consultation's, spontaneous information's), a request's
//! summary of facts, the names of its persons, its offences and their provisions, the names of
//! its authorities, national references (a request's, a status update's), the text of a
//! consultation or spontaneous information and a status update's note, and the node ids of the
//! message's parties. A status update is found by its own words; its case, by the words of
//! all its messages.

use prost::Message;
use rogatory_proto::search_text;
use rogatory_proto::v1::{Envelope, MessageRecord, SearchEntry, SearchField, envelope};

/// A message's keys, each with the fields it was found in (bit `1 << field`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Indexed {
    pub keys: Vec<(String, u32)>,
    pub entry: SearchEntry,
}

/// The bit of `field` in a key's field set.
pub fn field_bit(field: SearchField) -> u32 {
    1 << (field as u32)
}

/// The fields whose bits are set in `bits`.
pub fn fields_of(bits: u32) -> Vec<SearchField> {
    (1..32)
        .filter(|n| bits & (1 << n) != 0)
        .filter_map(|n| SearchField::try_from(n).ok())
        .collect()
}

/// What a message is, in the words of `SearchMatch.kind`.
pub fn kind_of(envelope: &Envelope) -> &'static str {
    match envelope.body {
        Some(envelope::Body::MlaRequest(_)) => "request",
        Some(envelope::Body::StatusUpdate(_)) => "status-update",
        Some(envelope::Body::SpontaneousInformation(_)) => "information",
        Some(envelope::Body::Consultation(_)) => "consultation",
        Some(envelope::Body::DeliveryReport(_)) => "delivery-report",
        None => "",
    }
}

/// What the index holds of `record`, or `None` if it has no envelope to read (an update of a
/// stored record that leaves its index entries standing) or is a delivery report (about the
/// thread, not part of it).
pub fn indexed(record: &MessageRecord) -> Option<Indexed> {
    let signed = record.envelope.as_ref()?;
    let envelope = Envelope::decode(signed.payload.as_slice()).ok()?;
    let body = envelope.body.as_ref()?;
    let mut texts: Vec<(SearchField, &str)> = Vec::new();
    let mut assistance = Vec::new();
    let mut request_id = String::new();
    match body {
        envelope::Body::MlaRequest(request) => {
            texts.push((SearchField::Title, &request.subject));
            texts.push((SearchField::Facts, &request.summary_of_facts));
            texts.push((SearchField::Reference, &request.national_reference));
            for person in &request.persons {
                texts.push((SearchField::Person, &person.name));
            }
            for offence in &request.offences {
                texts.push((SearchField::Offence, &offence.description));
                texts.push((SearchField::Offence, &offence.legal_provision));
            }
            for authority in [
                &request.requesting_authority,
                &request.proceedings_authority,
                &request.requested_authority,
            ]
            .into_iter()
            .flatten()
            {
                texts.push((SearchField::Authority, &authority.name));
            }
            assistance.clone_from(&request.assistance);
            request_id.clone_from(&record.message_id);
        }
        envelope::Body::StatusUpdate(update) => {
            texts.push((SearchField::Reference, &update.national_reference));
            texts.push((SearchField::Text, &update.note));
            request_id.clone_from(&update.refers_to);
        }
        envelope::Body::Consultation(consultation) => {
            texts.push((SearchField::Title, &consultation.subject));
            texts.push((SearchField::Text, &consultation.text));
        }
        envelope::Body::SpontaneousInformation(information) => {
            texts.push((SearchField::Title, &information.subject));
            texts.push((SearchField::Text, &information.text));
        }
        envelope::Body::DeliveryReport(_) => return None,
    }
    let parties: Vec<String> = std::iter::once(&envelope.sender)
        .chain(std::iter::once(&envelope.recipient))
        .chain(envelope.copies_to.iter())
        .cloned()
        .collect();
    for party in &parties {
        texts.push((SearchField::Peer, party));
    }
    let mut keys: Vec<(String, u32)> = Vec::new();
    for (field, text) in texts {
        for key in search_text::keys(text) {
            match keys.iter_mut().find(|(k, _)| *k == key) {
                Some((_, bits)) => *bits |= field_bit(field),
                None => keys.push((key, field_bit(field))),
            }
        }
    }
    Some(Indexed {
        keys,
        entry: SearchEntry {
            case_id: envelope.case_id.clone(),
            created_at_ms: envelope.created_at_ms,
            direction: record.direction,
            kind: kind_of(&envelope).to_owned(),
            parties,
            assistance,
            request_id,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rogatory_proto::v1::{Person, SignedEnvelope, StatusUpdate};

    fn record(body: envelope::Body) -> MessageRecord {
        let envelope = Envelope {
            message_id: "m1".into(),
            sender: "tm".into(),
            recipient: "de".into(),
            case_id: "tm-1".into(),
            created_at_ms: 5,
            body: Some(body),
            ..Default::default()
        };
        MessageRecord {
            message_id: "m1".into(),
            envelope: Some(SignedEnvelope {
                payload: envelope.encode_to_vec(),
                signature: Vec::new(),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_requests_words_are_indexed_by_field_and_a_word_in_two_fields_names_both() {
        let request = rogatory_proto::v1::MlaRequest {
            subject: "Мошенничество Атаева".into(),
            summary_of_facts: "Атаев получил деньги".into(),
            persons: vec![Person {
                name: "Атаев Мурад".into(),
                ..Default::default()
            }],
            national_reference: "УД-115/2026".into(),
            ..Default::default()
        };
        let indexed = indexed(&record(envelope::Body::MlaRequest(request))).expect("indexed");
        let bits = |key: &str| indexed.keys.iter().find(|(k, _)| k == key).map(|(_, b)| *b);
        assert_eq!(
            bits("ataev").map(fields_of),
            Some(vec![SearchField::Facts, SearchField::Person])
        );
        assert_eq!(
            bits("115").map(fields_of),
            Some(vec![SearchField::Reference])
        );
        assert_eq!(bits("de").map(fields_of), Some(vec![SearchField::Peer]));
        assert_eq!(indexed.entry.kind, "request");
        assert_eq!(indexed.entry.request_id, "m1");
        assert_eq!(indexed.entry.parties, ["tm", "de"]);
    }

    #[test]
    fn a_status_update_points_the_filters_at_its_request_and_a_record_without_envelope_is_not_indexed()
     {
        let update = StatusUpdate {
            refers_to: "r1".into(),
            national_reference: "StA 12 Js 4/26".into(),
            ..Default::default()
        };
        let indexed = indexed(&record(envelope::Body::StatusUpdate(update))).expect("indexed");
        assert_eq!(indexed.entry.request_id, "r1");
        assert!(indexed.keys.iter().any(|(k, _)| k == "sta"));
        assert!(super::indexed(&MessageRecord::default()).is_none());
    }
}
