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

/// The parties of the case a stored message belongs to, sorted; `None` if its envelope does
/// not decode (it always does for a stored message).
pub fn parties_of(record: &MessageRecord) -> Option<Vec<String>> {
    let signed = record.envelope.as_ref()?;
    let envelope = signing::decode_envelope(&signed.payload).ok()?;
    Some(signing::parties(&envelope))
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
