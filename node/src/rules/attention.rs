//! What needs a contact point, as plain functions over records: why a message, a request or a
//! case's thread calls for this side (new to the reader, awaiting this side's answer, a
//! deadline near or past, a delivery problem), and the order the attention list shows them in.
//!
//! Who moves next in a request's lifecycle is [`next_mover`]; deadlines are
//! `rogatory_proto::deadlines` through [`cases::case_request`]; a thread's state is
//! `rogatory_proto::threads`. Reading the records is `storage::attention`. Delivery reports are
//! internal to the protocol and never count.

use rogatory_proto::deadlines::DeadlinePolicy;
use rogatory_proto::lifecycle::Side;
use rogatory_proto::threads;
use rogatory_proto::v1::{
    AttentionItem, AttentionReason, DeliveryState, Direction, MessageRecord, RequestState,
    ThreadSummary, envelope,
};

use crate::rules::cases::{self, case_request};

/// How far ahead a deadline counts as near when the caller names no horizon: two days leave a
/// working day to act on a deadline that falls after a weekend's first day.
pub const DEFAULT_NEAR_HORIZON_MS: i64 = 48 * 3_600_000;

/// The side whose move it is in a request in `state`, if either side's: the requested side
/// while it acknowledges, assesses and executes; the requesting side when asked for more
/// information or consultation, and once the request is executed (to close it). Nobody's
/// before delivery (a delivery matter) and once final.
pub fn next_mover(state: RequestState) -> Option<Side> {
    use RequestState as St;
    match state {
        St::Delivered
        | St::Acknowledged
        | St::UnderReview
        | St::Supplemented
        | St::Accepted
        | St::Postponed
        | St::InExecution
        | St::PartiallyExecuted => Some(Side::Requested),
        St::AdditionalInformationRequested | St::Consultation | St::Executed => {
            Some(Side::Requesting)
        }
        St::Unspecified | St::Submitted | St::Refused | St::Withdrawn | St::Closed => None,
    }
}

/// The kind of message `record` holds, as `AttentionItem.kind` names it; `None` for a
/// delivery report (never an item) or a record without an envelope.
pub fn kind_of(record: &MessageRecord) -> Option<(&'static str, String)> {
    let signed = record.envelope.as_ref()?;
    let envelope = rogatory_proto::signing::decode_envelope(&signed.payload).ok()?;
    match envelope.body? {
        envelope::Body::MlaRequest(r) => Some(("request", r.subject)),
        envelope::Body::StatusUpdate(_) => Some(("status-update", String::new())),
        envelope::Body::Consultation(_) => Some(("consultation", String::new())),
        envelope::Body::SpontaneousInformation(i) => Some(("spontaneous-information", i.subject)),
        envelope::Body::DeliveryReport(_) => None,
    }
}

/// The other party of `record` for this node: the sender of what it received, the recipient of
/// what it sent.
fn peer_of(record: &MessageRecord) -> String {
    if record.direction == Direction::Outbox as i32 {
        record.recipient.clone()
    } else {
        record.sender.clone()
    }
}

fn item(reason: AttentionReason, record: &MessageRecord) -> Option<AttentionItem> {
    let (kind, subject) = kind_of(record)?;
    Some(AttentionItem {
        reason: reason as i32,
        case_id: record.case_id.clone(),
        message_id: record.message_id.clone(),
        peer: peer_of(record),
        kind: kind.to_owned(),
        subject,
        request_state: record.request_state,
        created_at_ms: record.created_at_ms,
        ..Default::default()
    })
}

/// A received message `reader` has not seen (`read`: whether it has): new.
pub fn new_item(record: &MessageRecord, read: bool) -> Option<AttentionItem> {
    if read || record.direction != Direction::Inbox as i32 {
        return None;
    }
    item(AttentionReason::New, record)
}

/// What request `record` (not final) asks of this node (`own_id`) at `now_ms`: its answer if it
/// is this side's move, and its earliest pending deadline if it has passed or falls within
/// `horizon_ms`. A request held as a copy (a multi-party case) asks nothing of this node.
pub fn request_items(
    record: &MessageRecord,
    policy: &DeadlinePolicy,
    now_ms: i64,
    horizon_ms: i64,
    own_id: &str,
) -> Vec<AttentionItem> {
    let mut out = Vec::new();
    if record.direction == Direction::Inbox as i32 && record.recipient != own_id {
        return out;
    }
    let Some(request) = case_request(record, policy, now_ms) else {
        return out;
    };
    let Some(base) = item(AttentionReason::Unspecified, record) else {
        return out;
    };
    let base = AttentionItem {
        urgent: request.urgent,
        ..base
    };
    let state = RequestState::try_from(request.state).unwrap_or(RequestState::Unspecified);
    if next_mover(state) == Some(cases::own_side(record)) {
        out.push(AttentionItem {
            reason: AttentionReason::AwaitingAnswer as i32,
            ..base.clone()
        });
    }
    let next = request
        .deadlines
        .iter()
        .filter(|d| d.pending)
        .min_by_key(|d| d.due_at_ms);
    if let Some(deadline) = next {
        let reason = if deadline.overdue {
            Some(AttentionReason::DeadlinePast)
        } else if deadline.due_at_ms.saturating_sub(now_ms) <= horizon_ms {
            Some(AttentionReason::DeadlineNear)
        } else {
            None
        };
        if let Some(reason) = reason {
            out.push(AttentionItem {
                reason: reason as i32,
                due_at_ms: deadline.due_at_ms,
                milestone: deadline.milestone.clone(),
                ..base
            });
        }
    }
    out
}

/// A case's thread outside the lifecycle awaiting this node's answer: `last` is its newest
/// message (the one to answer).
pub fn thread_item(
    thread: &ThreadSummary,
    last: &MessageRecord,
    own_id: &str,
) -> Option<AttentionItem> {
    if !threads::awaits_answer_from(thread, own_id) {
        return None;
    }
    Some(AttentionItem {
        peer: thread.last_by.clone(),
        thread_state: thread.state,
        ..item(AttentionReason::AwaitingAnswer, last)?
    })
}

/// Outbox message `record`'s delivery problems: one item per addressee that refused it, or
/// that it has not reached while `overdue` (older than the node's alert horizon).
pub fn delivery_items(record: &MessageRecord, overdue: bool) -> Vec<AttentionItem> {
    if record.direction != Direction::Outbox as i32 {
        return Vec::new();
    }
    let Some(base) = item(AttentionReason::DeliveryProblem, record) else {
        return Vec::new();
    };
    let main = (
        record.recipient.as_str(),
        record.state,
        record.last_error.as_str(),
    );
    let copies = record
        .copies
        .iter()
        .map(|c| (c.recipient.as_str(), c.state, c.last_error.as_str()));
    std::iter::once(main)
        .chain(copies)
        .filter_map(|(peer, state, error)| {
            let refused = state == DeliveryState::Refused as i32;
            let stuck = state == DeliveryState::Queued as i32 && overdue;
            (refused || stuck).then(|| AttentionItem {
                peer: peer.to_owned(),
                detail: if refused {
                    format!("refused: {error}")
                } else {
                    error.to_owned()
                },
                ..base.clone()
            })
        })
        .collect()
}

/// The attention list's order: by reason (most urgent first), then deadlines soonest first,
/// then the oldest message first (it has waited longest), then by id.
pub fn sort(items: &mut [AttentionItem]) {
    items.sort_by(|a, b| {
        let key = |i: &AttentionItem| {
            (
                i.reason,
                if i.due_at_ms > 0 {
                    i.due_at_ms
                } else {
                    i64::MAX
                },
                i.created_at_ms,
                i.message_id.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use rogatory_proto::v1::{
        Consultation, DeliveryReport, Envelope, MlaRequest, SignedEnvelope, ThreadState,
    };

    const DAY: i64 = rogatory_proto::deadlines::DAY_MS;

    fn record(
        direction: Direction,
        sender: &str,
        recipient: &str,
        body: envelope::Body,
    ) -> MessageRecord {
        let envelope = Envelope {
            version: 1,
            message_id: "01J00000000000000000000000".into(),
            sender: sender.into(),
            recipient: recipient.into(),
            created_at_ms: DAY,
            case_id: "tm-1".into(),
            copies_to: Vec::new(),
            body: Some(body),
        };
        MessageRecord {
            direction: direction as i32,
            message_id: envelope.message_id.clone(),
            sender: sender.into(),
            recipient: recipient.into(),
            case_id: "tm-1".into(),
            created_at_ms: DAY,
            envelope: Some(SignedEnvelope {
                payload: envelope.encode_to_vec(),
                signature: Vec::new(),
            }),
            ..Default::default()
        }
    }

    fn request(direction: Direction, state: RequestState) -> MessageRecord {
        let body = envelope::Body::MlaRequest(MlaRequest {
            subject: "Laundering via shell companies".into(),
            ..Default::default()
        });
        MessageRecord {
            request_state: state as i32,
            ..record(direction, "tm", "de", body)
        }
    }

    fn reasons(items: &[AttentionItem]) -> Vec<AttentionReason> {
        items
            .iter()
            .map(|i| AttentionReason::try_from(i.reason).expect("reason"))
            .collect()
    }

    #[test]
    fn a_received_request_awaits_the_requested_side_until_it_is_its_counterpart_s_move() {
        let policy = DeadlinePolicy::default();
        let now = DAY + 1;
        let at_de = |state| request_items(&request(Direction::Inbox, state), &policy, now, 0, "de");
        let at_tm =
            |state| request_items(&request(Direction::Outbox, state), &policy, now, 0, "tm");
        for state in [
            RequestState::Delivered,
            RequestState::Acknowledged,
            RequestState::UnderReview,
            RequestState::Accepted,
            RequestState::InExecution,
        ] {
            assert_eq!(
                reasons(&at_de(state)),
                [AttentionReason::AwaitingAnswer],
                "{state:?}"
            );
            assert!(at_tm(state).is_empty(), "{state:?}");
        }
        for state in [
            RequestState::AdditionalInformationRequested,
            RequestState::Consultation,
        ] {
            assert_eq!(
                reasons(&at_tm(state)),
                [AttentionReason::AwaitingAnswer],
                "{state:?}"
            );
            assert!(at_de(state).is_empty(), "{state:?}");
        }
        assert!(at_de(RequestState::Refused).is_empty());
        // A copy in a multi-party case is not de's to answer.
        assert!(
            request_items(
                &request(Direction::Inbox, RequestState::Delivered),
                &policy,
                now,
                0,
                "uz"
            )
            .is_empty()
        );
    }

    #[test]
    fn a_deadline_within_the_horizon_is_near_and_past_it_is_past() {
        let policy = DeadlinePolicy::default();
        let received = request(Direction::Inbox, RequestState::Delivered);
        // Acknowledgement is due 7 days after creation (DAY).
        let due = DAY + 7 * DAY;
        let far = request_items(&received, &policy, DAY, DEFAULT_NEAR_HORIZON_MS, "de");
        assert_eq!(reasons(&far), [AttentionReason::AwaitingAnswer]);
        let near = request_items(&received, &policy, due - DAY, DEFAULT_NEAR_HORIZON_MS, "de");
        assert_eq!(
            reasons(&near),
            [
                AttentionReason::AwaitingAnswer,
                AttentionReason::DeadlineNear
            ]
        );
        assert_eq!(
            (near[1].due_at_ms, near[1].milestone.as_str()),
            (due, "acknowledge")
        );
        let past = request_items(&received, &policy, due + 1, DEFAULT_NEAR_HORIZON_MS, "de");
        assert_eq!(
            reasons(&past),
            [
                AttentionReason::AwaitingAnswer,
                AttentionReason::DeadlinePast
            ]
        );
        // The requesting side is told too: it is its to chase.
        let sent = request(Direction::Outbox, RequestState::Delivered);
        let chase = request_items(&sent, &policy, due + 1, DEFAULT_NEAR_HORIZON_MS, "tm");
        assert_eq!(reasons(&chase), [AttentionReason::DeadlinePast]);
        assert_eq!(chase[0].peer, "de");
    }

    #[test]
    fn only_received_messages_not_yet_seen_are_new_and_delivery_reports_never() {
        let received = request(Direction::Inbox, RequestState::Delivered);
        assert_eq!(
            new_item(&received, false).map(|i| i.peer),
            Some("tm".into())
        );
        assert!(new_item(&received, true).is_none());
        assert!(new_item(&request(Direction::Outbox, RequestState::Delivered), false).is_none());
        let report = record(
            Direction::Inbox,
            "tm",
            "de",
            envelope::Body::DeliveryReport(DeliveryReport::default()),
        );
        assert!(new_item(&report, false).is_none());
        assert!(delivery_items(&report, true).is_empty());
    }

    #[test]
    fn a_consultation_the_other_party_wrote_last_awaits_this_side() {
        let last = record(
            Direction::Inbox,
            "de",
            "tm",
            envelope::Body::Consultation(Consultation {
                text: "Which accounts?".into(),
                author: "K. Weber".into(),
                ..Default::default()
            }),
        );
        let thread = ThreadSummary {
            kind: "consultation".into(),
            state: ThreadState::Answered as i32,
            opened_by: "tm".into(),
            last_by: "de".into(),
            last_kind: "consultation".into(),
            ..Default::default()
        };
        let awaiting = thread_item(&thread, &last, "tm").expect("tm's to answer");
        assert_eq!(
            (awaiting.peer.as_str(), awaiting.kind.as_str()),
            ("de", "consultation")
        );
        assert!(thread_item(&thread, &last, "de").is_none());
        let closed = ThreadSummary {
            state: ThreadState::Closed as i32,
            ..thread
        };
        assert!(thread_item(&closed, &last, "tm").is_none());
    }

    #[test]
    fn a_message_stuck_past_the_horizon_or_refused_is_a_delivery_problem() {
        let mut sent = request(Direction::Outbox, RequestState::Submitted);
        sent.state = DeliveryState::Queued as i32;
        sent.last_error = "connection refused".into();
        assert!(delivery_items(&sent, false).is_empty());
        let stuck = delivery_items(&sent, true);
        assert_eq!(
            (stuck[0].peer.as_str(), stuck[0].detail.as_str()),
            ("de", "connection refused")
        );
        sent.state = DeliveryState::Refused as i32;
        assert!(
            delivery_items(&sent, false)[0]
                .detail
                .starts_with("refused")
        );
        sent.state = DeliveryState::Delivered as i32;
        assert!(delivery_items(&sent, true).is_empty());
    }

    #[test]
    fn the_list_puts_past_deadlines_first_and_new_messages_last() {
        let mut items: Vec<AttentionItem> = [
            (AttentionReason::New, 0, 5),
            (AttentionReason::DeadlineNear, 9, 1),
            (AttentionReason::DeadlinePast, 8, 1),
            (AttentionReason::DeadlinePast, 3, 2),
            (AttentionReason::AwaitingAnswer, 0, 1),
        ]
        .into_iter()
        .map(|(reason, due, created)| AttentionItem {
            reason: reason as i32,
            due_at_ms: due,
            created_at_ms: created,
            ..Default::default()
        })
        .collect();
        sort(&mut items);
        assert_eq!(
            reasons(&items),
            [
                AttentionReason::DeadlinePast,
                AttentionReason::DeadlinePast,
                AttentionReason::AwaitingAnswer,
                AttentionReason::DeadlineNear,
                AttentionReason::New
            ]
        );
        assert_eq!(items[0].due_at_ms, 3);
    }
}
