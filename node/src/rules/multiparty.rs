//! Multi-party cases (a joint investigation team, a coordinated case): one signed envelope
//! goes to every party, and each party learns who else holds it.
//!
//! A case's parties are fixed by the messages in it: the sender, the recipient and the parties
//! the envelope is copied to (`Envelope.copies_to`), the same set in every message of the case
//! (docs/PROTOCOL.md section 3.6). An outbox message keeps one delivery per addressee: the
//! record's own delivery fields for its recipient, a [`CopyDelivery`] for each copy. When a
//! party receipts a message, the sender forwards that receipt to the other addressees in a
//! `DeliveryReport`, so every party can show who has received what.

use rogatory_proto::signing;
use rogatory_proto::v1::{CopyDelivery, DeliveryState, Envelope, MessageRecord, envelope};

use crate::storage::store::{Batch, StoreError};

/// The parties of the case a stored message belongs to, sorted; `None` if its envelope does
/// not decode (it always does for a stored message).
pub fn parties_of(record: &MessageRecord) -> Option<Vec<String>> {
    let signed = record.envelope.as_ref()?;
    let envelope = signing::decode_envelope(&signed.payload).ok()?;
    Some(signing::parties(&envelope))
}

/// What this node knows of a case's parties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parties {
    /// Recorded for the case when its first message was stored.
    Recorded(Vec<String>),
    /// Read from the case's first message (stored before parties were recorded).
    Derived(Vec<String>),
    /// This node holds no message of the case.
    Unknown,
}

impl Parties {
    pub fn known(&self) -> Option<&[String]> {
        match self {
            Self::Recorded(parties) | Self::Derived(parties) => Some(parties),
            Self::Unknown => None,
        }
    }
}

/// The parties of case `case_id` as this node holds it: every message of a case names the same
/// set, recorded with the first one (delivery reports aside: they go to one party only). Reads
/// through the batch and batches not yet committed.
pub fn case_parties(batch: &Batch<'_>, case_id: &str) -> Result<Parties, StoreError> {
    if let Some(parties) = batch.recorded_case_parties(case_id)? {
        return Ok(Parties::Recorded(parties));
    }
    Ok(batch
        .first_case_message(case_id, |record| !is_report(record))?
        .as_ref()
        .and_then(parties_of)
        .map_or(Parties::Unknown, Parties::Derived))
}

/// Records the parties of `envelope`'s case with the message being stored, unless they are
/// recorded already (`known`, from [`case_parties`]). Not for delivery reports.
pub fn remember_parties(batch: &mut Batch<'_>, envelope: &Envelope, known: &Parties) {
    if !matches!(known, Parties::Recorded(_)) {
        batch.put_case_parties(&envelope.case_id, &signing::parties(envelope));
    }
}

/// Whether a stored message is a delivery report (not part of the case's thread).
pub fn is_report(record: &MessageRecord) -> bool {
    record
        .envelope
        .as_ref()
        .and_then(|signed| signing::decode_envelope(&signed.payload).ok())
        .is_some_and(|e| matches!(e.body, Some(envelope::Body::DeliveryReport(_))))
}

/// Whether `envelope` is a message whose receipts are reported to the other addressees: a
/// multi-party message that is not itself a report.
pub fn is_reported(envelope: &Envelope) -> bool {
    !envelope.copies_to.is_empty()
        && !matches!(envelope.body, Some(envelope::Body::DeliveryReport(_)))
}

/// The delivery of outbox message `record` to `peer`, if `peer` is one of its addressees.
pub fn delivery_to(record: &MessageRecord, peer: &str) -> Option<CopyDelivery> {
    if record.recipient == peer {
        return Some(CopyDelivery {
            recipient: record.recipient.clone(),
            state: record.state,
            receipt: record.receipt.clone(),
            last_error: record.last_error.clone(),
            attempts: record.attempts,
            last_attempt_at_ms: record.last_attempt_at_ms,
            next_attempt_at_ms: record.next_attempt_at_ms,
            sending: record.sending,
        });
    }
    record.copies.iter().find(|c| c.recipient == peer).cloned()
}

/// Replaces the delivery of `record` to `delivery.recipient` (which must be an addressee).
pub fn set_delivery(record: &mut MessageRecord, delivery: CopyDelivery) {
    if record.recipient == delivery.recipient {
        record.state = delivery.state;
        record.receipt = delivery.receipt;
        record.last_error = delivery.last_error;
        record.attempts = delivery.attempts;
        record.last_attempt_at_ms = delivery.last_attempt_at_ms;
        record.next_attempt_at_ms = delivery.next_attempt_at_ms;
        record.sending = delivery.sending;
    } else if let Some(copy) = record
        .copies
        .iter_mut()
        .find(|c| c.recipient == delivery.recipient)
    {
        *copy = delivery;
    }
}

/// Whether every addressee of outbox message `record` has receipted it.
pub fn delivered_to_all(record: &MessageRecord) -> bool {
    record.state == DeliveryState::Delivered as i32
        && record
            .copies
            .iter()
            .all(|c| c.state == DeliveryState::Delivered as i32)
}

/// The copies a new outbox message starts with: queued, one per party it is copied to.
pub fn queued_copies(copies_to: &[String]) -> Vec<CopyDelivery> {
    copies_to
        .iter()
        .map(|recipient| CopyDelivery {
            recipient: recipient.clone(),
            state: DeliveryState::Queued as i32,
            ..Default::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::store::{LogRecord, Store};
    use prost::Message;
    use rogatory_proto::v1::{Consultation, Direction, EntryKind};

    fn consultation(id: &str, case_id: &str, copies_to: &[&str]) -> Envelope {
        Envelope {
            version: 1,
            message_id: id.into(),
            sender: "tm".into(),
            recipient: "de".into(),
            created_at_ms: 1,
            case_id: case_id.into(),
            copies_to: copies_to.iter().map(|c| (*c).to_owned()).collect(),
            body: Some(envelope::Body::Consultation(Consultation {
                text: "t".into(),
                author: "a".into(),
                refers_to: String::new(),
            })),
        }
    }

    /// Stores `envelope` as received, the way `inbound` does, optionally recording parties.
    fn store(batch: &mut Batch<'_>, envelope: &Envelope, record_parties: bool) {
        let known = case_parties(batch, &envelope.case_id).expect("read");
        if record_parties {
            remember_parties(batch, envelope, &known);
        }
        let received = batch.append(LogRecord {
            kind: EntryKind::MessageReceived,
            peer: envelope.sender.clone(),
            message_id: envelope.message_id.clone(),
            signed_payload: envelope.encode_to_vec(),
            signature: vec![7; 64],
            detail: String::new(),
        });
        batch.put_message(&MessageRecord {
            direction: Direction::Inbox as i32,
            message_id: envelope.message_id.clone(),
            sender: envelope.sender.clone(),
            recipient: envelope.recipient.clone(),
            case_id: envelope.case_id.clone(),
            log_index: received.index,
            ..Default::default()
        });
    }

    #[test]
    fn a_case_s_parties_are_recorded_with_its_first_message_or_read_from_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Store::open(dir.path()).expect("open");
        let first = consultation("01J00000000000000000000000", "tm-1", &["uz"]);
        let expected = vec!["de".to_owned(), "tm".to_owned(), "uz".to_owned()];
        db.write_blocking(|batch| {
            assert_eq!(case_parties(batch, "tm-1")?, Parties::Unknown);
            store(batch, &first, true);
            // Within the same batch, before anything is committed.
            assert_eq!(
                case_parties(batch, "tm-1")?,
                Parties::Recorded(expected.clone())
            );
            Ok::<_, StoreError>(())
        })
        .expect("write");
        db.write_blocking(|batch| {
            assert_eq!(
                case_parties(batch, "tm-1")?,
                Parties::Recorded(expected.clone())
            );
            // A case stored before parties were recorded: read from its first message.
            store(
                batch,
                &consultation("01J00000000000000000000001", "tm-2", &[]),
                false,
            );
            assert_eq!(
                case_parties(batch, "tm-2")?,
                Parties::Derived(vec!["de".into(), "tm".into()])
            );
            Ok::<_, StoreError>(())
        })
        .expect("write");
    }

    #[test]
    fn deliveries_are_read_and_replaced_per_addressee() {
        let mut record = MessageRecord {
            recipient: "de".into(),
            state: DeliveryState::Queued as i32,
            copies: queued_copies(&["uz".into(), "kz".into()]),
            ..Default::default()
        };
        assert!(delivery_to(&record, "fr").is_none());
        let mut uz = delivery_to(&record, "uz").expect("a copy");
        uz.state = DeliveryState::Delivered as i32;
        uz.attempts = 2;
        set_delivery(&mut record, uz);
        assert_eq!(record.copies[0].attempts, 2);
        assert_eq!(record.state, DeliveryState::Queued as i32);
        assert!(!delivered_to_all(&record));
        let mut de = delivery_to(&record, "de").expect("the recipient");
        de.state = DeliveryState::Delivered as i32;
        set_delivery(&mut record, de);
        assert_eq!(record.state, DeliveryState::Delivered as i32);
        assert!(!delivered_to_all(&record), "kz has not receipted");
        let mut kz = delivery_to(&record, "kz").expect("a copy");
        kz.state = DeliveryState::Delivered as i32;
        set_delivery(&mut record, kz);
        assert!(delivered_to_all(&record));
    }
}
