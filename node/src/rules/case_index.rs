//! What the case-list index keeps of a case, and the list's filters judged over it: the same
//! answers `cases::summarise` gives from the case's messages, from a few facts per case.
//!
//! A case's entry ([`CaseIndexEntry`]) is folded from its message records as they are stored
//! ([`fold`], in any order: every fact is a maximum, a union or a value by message id), so the
//! store keeps it in the batch that stores the message and rebuilds it from the records alone.
//! What depends on the clock or on the node's deadline policy (whether a request is late) is
//! not stored: [`judge`] decides it at read time, as `cases::case_request` does.

use rogatory_proto::deadlines::DeadlinePolicy;
use rogatory_proto::lifecycle;
use rogatory_proto::signing;
use rogatory_proto::threads::{self, ThreadKind, ThreadMessage};
use rogatory_proto::v1::{
    CaseIndexEntry, CaseIndexRequest, CaseIndexThreadMessage, Envelope, MessageRecord,
    RequestState, envelope,
};

use crate::rules::cases::CaseFilter;

/// Adds what `record` (with its decoded `envelope`, when there is one) says of its case to
/// `entry`. A record without its envelope (one put again for its delivery or lifecycle state)
/// can only change the state of a request the entry already holds.
pub fn fold(entry: &mut CaseIndexEntry, record: &MessageRecord, envelope: Option<&Envelope>) {
    entry.case_id.clone_from(&record.case_id);
    entry.last_activity_at_ms = entry.last_activity_at_ms.max(record.created_at_ms);
    let Some(envelope) = envelope else {
        if let Some(request) = entry
            .requests
            .iter_mut()
            .find(|r| r.message_id == record.message_id)
        {
            request.state = record.request_state;
        }
        return;
    };
    for party in signing::parties(envelope) {
        if let Err(at) = entry.parties.binary_search(&party) {
            entry.parties.insert(at, party);
        }
    }
    match &envelope.body {
        Some(envelope::Body::MlaRequest(request)) => {
            let indexed = CaseIndexRequest {
                message_id: record.message_id.clone(),
                created_at_ms: envelope.created_at_ms,
                urgent: request.urgency.as_ref().is_some_and(|u| u.urgent),
                state: record.request_state,
            };
            match entry
                .requests
                .iter_mut()
                .find(|r| r.message_id == record.message_id)
            {
                Some(known) => *known = indexed,
                None => {
                    entry.requests.push(indexed);
                    entry
                        .requests
                        .sort_by(|a, b| a.message_id.cmp(&b.message_id));
                }
            }
        }
        Some(envelope::Body::Consultation(consultation)) => {
            put_thread_message(
                entry,
                envelope,
                ThreadKind::Consultation,
                consultation.closes_thread,
            );
        }
        Some(envelope::Body::SpontaneousInformation(_)) => {
            put_thread_message(entry, envelope, ThreadKind::SpontaneousInformation, false);
        }
        Some(envelope::Body::StatusUpdate(_) | envelope::Body::DeliveryReport(_)) | None => {}
    }
}

fn put_thread_message(
    entry: &mut CaseIndexEntry,
    envelope: &Envelope,
    kind: ThreadKind,
    closes: bool,
) {
    if entry
        .thread
        .iter()
        .any(|m| m.message_id == envelope.message_id)
    {
        return;
    }
    entry.thread.push(CaseIndexThreadMessage {
        message_id: envelope.message_id.clone(),
        sender: envelope.sender.clone(),
        created_at_ms: envelope.created_at_ms,
        kind: kind.name().to_owned(),
        closes,
    });
    entry
        .thread
        .sort_by(|a, b| (a.created_at_ms, &a.message_id).cmp(&(b.created_at_ms, &b.message_id)));
}

/// The list's facts about a case at `now_ms`, as `cases::summarise` would give them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// The other parties (every party but this node), sorted.
    pub peers: Vec<String>,
    pub urgent: bool,
    pub overdue: bool,
    pub open: bool,
}

/// Judges `entry` under `policy` at `now_ms` for this node (`own_id`).
pub fn judge(entry: &CaseIndexEntry, policy: &DeadlinePolicy, now_ms: i64, own_id: &str) -> Judged {
    let mut judged = Judged {
        peers: entry
            .parties
            .iter()
            .filter(|p| *p != own_id)
            .cloned()
            .collect(),
        urgent: false,
        overdue: false,
        open: false,
    };
    for request in &entry.requests {
        let state = RequestState::try_from(request.state).unwrap_or(RequestState::Unspecified);
        judged.urgent |= request.urgent;
        judged.open |= state != RequestState::Unspecified && !lifecycle::is_final(state);
        judged.overdue |= policy
            .deadlines(request.created_at_ms, request.urgent, state)
            .iter()
            .any(|d| d.overdue_at(now_ms));
    }
    let thread: Vec<ThreadMessage> = entry
        .thread
        .iter()
        .map(|m| ThreadMessage {
            message_id: m.message_id.clone(),
            sender: m.sender.clone(),
            created_at_ms: m.created_at_ms,
            kind: if m.kind == ThreadKind::Consultation.name() {
                ThreadKind::Consultation
            } else {
                ThreadKind::SpontaneousInformation
            },
            closes: m.closes,
        })
        .collect();
    judged.open |= threads::summarise(&thread).is_some_and(|t| threads::is_live(&t));
    judged
}

/// Whether `filter` admits the case of `entry` at `now_ms` (as `CaseFilter::admits` does its
/// summary).
pub fn admits(
    filter: &CaseFilter,
    entry: &CaseIndexEntry,
    policy: &DeadlinePolicy,
    now_ms: i64,
) -> bool {
    let judged = judge(entry, policy, now_ms, &filter.own_id);
    (!filter.open_only || judged.open)
        && (!filter.overdue_only || judged.overdue)
        && (!filter.urgent_only || judged.urgent)
        && filter
            .peer
            .as_ref()
            .is_none_or(|peer| judged.peers.contains(peer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use rogatory_proto::v1::{Consultation, Direction, MlaRequest, SignedEnvelope, Urgency};

    fn record(id: &str, body: envelope::Body, state: RequestState) -> (MessageRecord, Envelope) {
        let envelope = Envelope {
            version: 1,
            message_id: id.into(),
            sender: "tm".into(),
            recipient: "de".into(),
            created_at_ms: 10,
            case_id: "tm-1".into(),
            copies_to: vec!["uz".into()],
            body: Some(body),
        };
        let record = MessageRecord {
            direction: Direction::Outbox as i32,
            message_id: id.into(),
            case_id: "tm-1".into(),
            created_at_ms: 10,
            request_state: state as i32,
            envelope: Some(SignedEnvelope {
                payload: envelope.encode_to_vec(),
                signature: Vec::new(),
            }),
            ..Default::default()
        };
        (record, envelope)
    }

    #[test]
    fn an_entry_folds_requests_threads_and_parties_and_judges_deadlines_at_read_time() {
        let mut entry = CaseIndexEntry::default();
        let (request, envelope) = record(
            "r",
            envelope::Body::MlaRequest(MlaRequest {
                urgency: Some(Urgency {
                    urgent: true,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            RequestState::Delivered,
        );
        fold(&mut entry, &request, Some(&envelope));
        let (consultation, envelope) = record(
            "c",
            envelope::Body::Consultation(Consultation {
                closes_thread: true,
                ..Default::default()
            }),
            RequestState::Unspecified,
        );
        fold(&mut entry, &consultation, Some(&envelope));
        assert_eq!(entry.parties, ["de", "tm", "uz"]);
        let policy = DeadlinePolicy::default();
        let early = judge(&entry, &policy, 11, "tm");
        assert_eq!(early.peers, ["de", "uz"]);
        assert!(early.urgent && early.open && !early.overdue);
        // A year on the urgent request is late: judged at read time, nothing stored changed.
        assert!(judge(&entry, &policy, 10 + 365 * 86_400_000, "tm").overdue);
        // Put again without its envelope, closed: no longer open (its thread was closed).
        let mut closed = request.clone();
        closed.envelope = None;
        closed.request_state = RequestState::Closed as i32;
        fold(&mut entry, &closed, None);
        let late = judge(&entry, &policy, 10 + 365 * 86_400_000, "tm");
        assert!(!late.open && !late.overdue);
    }
}
