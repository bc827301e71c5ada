//! Requests' lifecycles as this node holds them: a request's thread of status updates read
//! from the store, and a new update added in the same store batch that stores it.
//!
//! The rules are `rogatory_proto::lifecycle` (shared with the peer and with auditors); this
//! module maps them onto message records. A request's record keeps the ids of its status
//! updates in the order this node stored them (`thread`), and, derived from them, its state
//! (`request_state`) and the last update that counts (`thread_head`). Each update's record
//! keeps the state it led to and whether it was `superseded`. All of these are written in the
//! batch that stores the update, so a crash never separates a state from its cause.
//! Not responsible for the checks that precede it (who may refer to what): `inbound` and
//! `outbound` make those.
//!
//! It also answers the contact points' questions about cases: a case is every message this
//! node holds with one case id. [`list_cases`] summarises them (peers, requests with their
//! states and deadlines, last activity) and [`show_case`] returns one whole thread. Deadlines
//! are `rogatory_proto::deadlines`, under the node's policy and against a clock the caller
//! passes. [`show_case`] reads one case through the store's case index; [`list_cases`] still
//! reads every stored message, and [`overdue_alerts`] only the requests that are not final
//! (the store's request index). They block, and run in `spawn_blocking` or the health task.

use std::collections::{BTreeMap, BTreeSet};

use rogatory_proto::deadlines::DeadlinePolicy;
use rogatory_proto::lifecycle::{self, Added, Side, Thread, ThreadError};
use rogatory_proto::signing;
use rogatory_proto::v1::{
    Alert, CaseDeadline, CaseRequest, CaseSummary, CaseThread as CaseThreadView, DeliveryState,
    Direction, MessageRecord, RequestState, StatusUpdate, envelope,
};

use crate::storage::store::{Batch, Store, StoreError};

/// Why an update cannot be added to a request's thread.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error(transparent)]
    Thread(#[from] ThreadError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether `record` holds an MLA request (the only messages that have a lifecycle).
pub fn is_request(record: &MessageRecord) -> bool {
    decode(record).is_ok_and(|e| matches!(e.body, Some(envelope::Body::MlaRequest(_))))
}

/// What [`outside_lifecycle`] calls spontaneous information.
pub const SPONTANEOUS_INFORMATION: &str = "spontaneous information";
/// What [`outside_lifecycle`] calls a consultation message.
pub const CONSULTATION: &str = "a consultation message";
/// What [`outside_lifecycle`] calls a delivery report (multi-party cases).
pub const DELIVERY_REPORT: &str = "a delivery report";

/// The kind of message `record` holds if it is one that never enters a request lifecycle
/// (spontaneous information, consultation): no status update may refer to it.
pub fn outside_lifecycle(record: &MessageRecord) -> Option<&'static str> {
    match decode(record).ok()?.body? {
        envelope::Body::SpontaneousInformation(_) => Some(SPONTANEOUS_INFORMATION),
        envelope::Body::Consultation(_) => Some(CONSULTATION),
        envelope::Body::DeliveryReport(_) => Some(DELIVERY_REPORT),
        envelope::Body::MlaRequest(_) | envelope::Body::StatusUpdate(_) => None,
    }
}

/// The side of `request` that node `node_id` is on, if it is a party.
pub fn side_of(request: &MessageRecord, node_id: &str) -> Option<Side> {
    if node_id == request.sender {
        Some(Side::Requesting)
    } else if node_id == request.recipient {
        Some(Side::Requested)
    } else {
        None
    }
}

/// The side this node is on for a request it holds.
pub fn own_side(request: &MessageRecord) -> Side {
    if request.direction == Direction::Outbox as i32 {
        Side::Requesting
    } else {
        Side::Requested
    }
}

/// A request and its thread, read inside a store batch.
#[derive(Debug)]
pub struct CaseThread {
    request: MessageRecord,
    thread: Thread,
}

impl CaseThread {
    /// Rebuilds the thread of `request` from its stored updates, replaying each under the same
    /// rules that admitted it.
    pub fn load(batch: &Batch<'_>, request: MessageRecord) -> Result<Self, StoreError> {
        let delivered = request.direction == Direction::Inbox as i32
            || request.state == DeliveryState::Delivered as i32;
        let mut thread = Thread::new(delivered);
        for id in &request.thread {
            let corrupt = |reason: String| StoreError::Corrupt {
                what: format!("status update {id} on request {}", request.message_id),
                reason,
            };
            let record = batch
                .message(id)?
                .ok_or_else(|| corrupt("missing".into()))?;
            let update = status_update(&record).map_err(corrupt)?;
            let by = side_of(&request, &record.sender)
                .ok_or_else(|| corrupt("its sender is not a party to the request".into()))?;
            thread
                .add(id, by, &update)
                .map_err(|e| corrupt(format!("does not replay: {e}")))?;
        }
        Ok(Self { request, thread })
    }

    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Adds update `message_id` (whose record the caller stores) to the thread, and puts the
    /// request's record, and those of earlier updates it displaced or reinstated, into `batch`.
    /// Nothing is put if the update is refused.
    pub fn add(
        mut self,
        batch: &mut Batch<'_>,
        message_id: &str,
        by: Side,
        update: &StatusUpdate,
    ) -> Result<Added, CaseError> {
        let added = self.thread.add(message_id, by, update)?;
        for (ids, superseded) in [(&added.displaced, true), (&added.reinstated, false)] {
            for id in ids {
                if let Some(mut record) = batch.message(id)? {
                    record.superseded = superseded;
                    batch.put_message(&record);
                }
            }
        }
        self.request.request_state = self.thread.state() as i32;
        batch.put_request_state(&self.request.message_id, self.request.request_state);
        self.request.thread_head = self.thread.head().to_owned();
        self.request.thread.push(message_id.to_owned());
        batch.put_message(&self.request);
        Ok(added)
    }
}

/// Which cases [`list_cases`] returns.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only cases with a request that is not final.
    pub open_only: bool,
    /// Only cases with a request past a deadline.
    pub overdue_only: bool,
    /// Only cases with an urgent request.
    pub urgent_only: bool,
    /// Only cases shared with this peer.
    pub peer: Option<String>,
    /// This node's id: every other party of a case is one of its peers.
    pub own_id: String,
    pub limit: usize,
}

/// Every message this node holds, grouped by case id, each case oldest first.
fn by_case(store: &Store) -> Result<BTreeMap<String, Vec<MessageRecord>>, StoreError> {
    let mut cases: BTreeMap<String, Vec<MessageRecord>> = BTreeMap::new();
    for direction in [Direction::Inbox, Direction::Outbox] {
        for record in store.list_messages(direction, usize::MAX)? {
            cases
                .entry(record.case_id.clone())
                .or_default()
                .push(record);
        }
    }
    for messages in cases.values_mut() {
        // Message ids are time-ordered (ULIDs); creation time first keeps the two nodes' ids
        // in the order their senders made them.
        messages.sort_by(|a, b| {
            (a.created_at_ms, &a.message_id).cmp(&(b.created_at_ms, &b.message_id))
        });
    }
    Ok(cases)
}

/// The other parties of a message this node (`own_id`) holds: in a multi-party case, every
/// party but this node.
fn peers_of(record: &MessageRecord, own_id: &str) -> Vec<String> {
    match crate::rules::multiparty::parties_of(record) {
        Some(parties) => parties.into_iter().filter(|p| p != own_id).collect(),
        None if record.direction == Direction::Outbox as i32 => vec![record.recipient.clone()],
        None => vec![record.sender.clone()],
    }
}

/// `record` as a request of its case, with its deadlines under `policy` at `now_ms`; `None` if
/// it is not a request.
pub fn case_request(
    record: &MessageRecord,
    policy: &DeadlinePolicy,
    now_ms: i64,
) -> Option<CaseRequest> {
    let envelope = decode(record).ok()?;
    let Some(envelope::Body::MlaRequest(request)) = envelope.body else {
        return None;
    };
    let urgency = request.urgency.unwrap_or_default();
    let state = RequestState::try_from(record.request_state).unwrap_or(RequestState::Unspecified);
    let deadlines: Vec<CaseDeadline> = policy
        .deadlines(envelope.created_at_ms, urgency.urgent, state)
        .iter()
        .map(|d| CaseDeadline {
            milestone: d.milestone.name().to_owned(),
            due_at_ms: d.due_at_ms,
            pending: d.pending,
            overdue: d.overdue_at(now_ms),
        })
        .collect();
    Some(CaseRequest {
        message_id: record.message_id.clone(),
        direction: record.direction,
        sender: record.sender.clone(),
        recipient: record.recipient.clone(),
        created_at_ms: envelope.created_at_ms,
        state: state as i32,
        urgent: urgency.urgent,
        requested_deadline: urgency.deadline,
        subject: request.subject,
        overdue: deadlines.iter().any(|d| d.overdue),
        deadlines,
        open: state != RequestState::Unspecified && !lifecycle::is_final(state),
    })
}

fn summarise(
    case_id: &str,
    messages: &[MessageRecord],
    policy: &DeadlinePolicy,
    now_ms: i64,
    own_id: &str,
) -> CaseSummary {
    let peers: BTreeSet<String> = messages.iter().flat_map(|m| peers_of(m, own_id)).collect();
    // Delivery reports are about the thread, not part of it.
    let thread_length = messages
        .iter()
        .filter(|m| !crate::rules::multiparty::is_report(m))
        .count();
    let requests: Vec<CaseRequest> = messages
        .iter()
        .filter_map(|m| case_request(m, policy, now_ms))
        .collect();
    let next = requests
        .iter()
        .flat_map(|r| r.deadlines.iter())
        .filter(|d| d.pending)
        .min_by_key(|d| d.due_at_ms);
    CaseSummary {
        case_id: case_id.to_owned(),
        peers: peers.into_iter().collect(),
        urgent: requests.iter().any(|r| r.urgent),
        last_activity_at_ms: messages.iter().map(|m| m.created_at_ms).max().unwrap_or(0),
        messages: u32::try_from(thread_length).unwrap_or(u32::MAX),
        next_due_at_ms: next.map_or(0, |d| d.due_at_ms),
        next_due: next.map(|d| d.milestone.clone()).unwrap_or_default(),
        overdue: requests.iter().any(|r| r.overdue),
        open: requests.iter().any(|r| r.open),
        requests,
    }
}

/// The cases that pass `filter`, most recent activity first, with deadlines under `policy` at
/// `now_ms`.
pub fn list_cases(
    store: &Store,
    filter: &CaseFilter,
    policy: &DeadlinePolicy,
    now_ms: i64,
) -> Result<Vec<CaseSummary>, StoreError> {
    let mut out: Vec<CaseSummary> = by_case(store)?
        .iter()
        .map(|(case_id, messages)| summarise(case_id, messages, policy, now_ms, &filter.own_id))
        .filter(|case| {
            (!filter.open_only || case.open)
                && (!filter.overdue_only || case.overdue)
                && (!filter.urgent_only || case.urgent)
                && filter
                    .peer
                    .as_ref()
                    .is_none_or(|peer| case.peers.contains(peer))
        })
        .collect();
    out.sort_by_key(|case| std::cmp::Reverse(case.last_activity_at_ms));
    out.truncate(filter.limit);
    Ok(out)
}

/// The whole thread of case `case_id`, oldest first; `None` if this node holds no message of it.
pub fn show_case(
    store: &Store,
    case_id: &str,
    policy: &DeadlinePolicy,
    now_ms: i64,
) -> Result<Option<CaseThreadView>, StoreError> {
    let mut messages = store.case_messages(case_id)?;
    if messages.is_empty() {
        return Ok(None);
    }
    messages
        .sort_by(|a, b| (a.created_at_ms, &a.message_id).cmp(&(b.created_at_ms, &b.message_id)));
    let requests = messages
        .iter()
        .filter_map(|m| case_request(m, policy, now_ms))
        .collect();
    Ok(Some(CaseThreadView {
        case_id: case_id.to_owned(),
        messages,
        requests,
        now_ms,
    }))
}

/// One `case-overdue` alert per request past a deadline at `now_ms` that this node
/// (`own_id`) or its counterpart must act on: which step is late and since when, worded for
/// this node's side. Requests this node holds as a copy (a multi-party case) are not its to
/// answer and raise none; `case list --overdue` still shows them. Reads only the requests that
/// are not final, through the store's request index.
pub fn overdue_alerts(
    store: &Store,
    policy: &DeadlinePolicy,
    now_ms: i64,
    own_id: &str,
) -> Result<Vec<Alert>, StoreError> {
    let mut out = Vec::new();
    for (request_id, state) in store.request_states()? {
        let state = RequestState::try_from(state).unwrap_or(RequestState::Unspecified);
        if state == RequestState::Unspecified || lifecycle::is_final(state) {
            continue;
        }
        let Some(record) = store.message(&request_id)? else {
            continue;
        };
        let inbox = record.direction == Direction::Inbox as i32;
        if inbox && record.recipient != own_id {
            continue;
        }
        let Some(request) = case_request(&record, policy, now_ms) else {
            continue;
        };
        let Some(late) = request.deadlines.iter().find(|d| d.overdue) else {
            continue;
        };
        let case_id = &record.case_id;
        let step = match late.milestone.as_str() {
            "acknowledge" => "acknowledgement",
            "decide" => "decision",
            _ => "execution",
        };
        let urgent = if request.urgent { "urgent " } else { "" };
        let hours = (now_ms - late.due_at_ms) / 3_600_000;
        let since = format_ms(late.due_at_ms);
        let message = if inbox {
            format!(
                "{urgent}request {} from {} in case {case_id}: our {step} was due {since} \
                 ({hours} h ago); answer it with `rogatory case reply {case_id}`",
                request.message_id, request.sender
            )
        } else {
            format!(
                "{urgent}request {} to {} in case {case_id}: {}'s {step} was due {since} \
                 ({hours} h ago); follow it up with {}",
                request.message_id, request.recipient, request.recipient, request.recipient
            )
        };
        out.push(Alert {
            kind: "case-overdue".to_owned(),
            subject: case_id.clone(),
            message,
        });
    }
    Ok(out)
}

/// `ms` since the epoch as an RFC 3339 UTC time.
fn format_ms(ms: i64) -> String {
    crate::operations::preflight::format_time(ms.div_euclid(1000))
}

fn decode(record: &MessageRecord) -> Result<rogatory_proto::v1::Envelope, String> {
    let signed = record.envelope.as_ref().ok_or("no envelope stored")?;
    signing::decode_envelope(&signed.payload).map_err(|e| e.to_string())
}

fn status_update(record: &MessageRecord) -> Result<StatusUpdate, String> {
    match decode(record)?.body {
        Some(envelope::Body::StatusUpdate(update)) => Ok(update),
        _ => Err("not a status update".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use rogatory_proto::v1::{
        Envelope, MlaRequest, RefusalGround, RequestState, RequestStatus, SignedEnvelope,
    };

    use crate::storage::store::{LogRecord, Store};
    use rogatory_proto::v1::EntryKind;

    const REQUEST: &str = "01J00000000000000000000000";

    fn record(id: &str, sender: &str, recipient: &str, body: envelope::Body) -> MessageRecord {
        let envelope = Envelope {
            version: 1,
            message_id: id.into(),
            sender: sender.into(),
            recipient: recipient.into(),
            created_at_ms: 1,
            case_id: "tm-1".into(),
            copies_to: Vec::new(),
            body: Some(body),
        };
        MessageRecord {
            direction: if recipient == "de" {
                Direction::Inbox as i32
            } else {
                Direction::Outbox as i32
            },
            message_id: id.into(),
            sender: sender.into(),
            recipient: recipient.into(),
            case_id: "tm-1".into(),
            state: DeliveryState::Delivered as i32,
            envelope: Some(SignedEnvelope {
                payload: envelope.encode_to_vec(),
                signature: Vec::new(),
            }),
            ..Default::default()
        }
    }

    /// Records `record`'s envelope in the log the way `inbound` and `outbound` do, so the
    /// store can read it back.
    fn logged(batch: &mut Batch<'_>, mut record: MessageRecord) -> MessageRecord {
        let signed = record.envelope.clone().unwrap_or_default();
        let kind = if record.direction == Direction::Inbox as i32 {
            EntryKind::MessageReceived
        } else {
            EntryKind::MessageSent
        };
        record.log_index = batch
            .append(LogRecord {
                kind,
                message_id: record.message_id.clone(),
                signed_payload: signed.payload,
                signature: signed.signature,
                ..Default::default()
            })
            .index;
        record
    }

    /// Stores update `id` the way `inbound` and `outbound` do: thread and record in one batch.
    fn store_update(
        store: &Store,
        id: &str,
        from: &str,
        status: RequestStatus,
        previous: &str,
    ) -> Result<Added, CaseError> {
        let update = StatusUpdate {
            refers_to: REQUEST.into(),
            status: status as i32,
            ground: if status == RequestStatus::Refused {
                RefusalGround::ContraryToLegalSystem as i32
            } else {
                0
            },
            note: "n".into(),
            previous: previous.into(),
            ..Default::default()
        };
        let to = if from == "de" { "tm" } else { "de" };
        store.write_blocking(|batch| {
            let request = batch.message(REQUEST)?.expect("request stored");
            let by = side_of(&request, from).expect("a party");
            let added = CaseThread::load(batch, request)?.add(batch, id, by, &update)?;
            let mut own = record(id, from, to, envelope::Body::StatusUpdate(update.clone()));
            own.request_state = added.state_after as i32;
            own.superseded = added.superseded;
            let own = logged(batch, own);
            batch.put_message(&own);
            Ok(added)
        })
    }

    fn state(store: &Store, id: &str) -> (i32, bool) {
        let record = store.message(id).expect("read").expect("stored");
        (record.request_state, record.superseded)
    }

    #[test]
    fn the_state_and_supersessions_are_kept_on_the_records() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        // de's view: the request from tm is in its inbox.
        store
            .write_blocking(|batch| {
                let mut request = record(
                    REQUEST,
                    "tm",
                    "de",
                    envelope::Body::MlaRequest(MlaRequest::default()),
                );
                request.request_state = RequestState::Delivered as i32;
                let request = logged(batch, request);
                batch.put_message(&request);
                Ok::<_, StoreError>(())
            })
            .expect("request");
        let a = "01J0000000000000000000000A";
        let b = "01J0000000000000000000000B";
        let w = "01J0000000000000000000000W";
        store_update(&store, a, "de", RequestStatus::Acknowledged, "").expect("ack");
        store_update(&store, b, "de", RequestStatus::Accepted, a).expect("accepted");
        let request = store.message(REQUEST).expect("read").expect("stored");
        assert_eq!(request.request_state, RequestState::Accepted as i32);
        assert_eq!((request.thread_head.as_str(), request.thread.len()), (b, 2));

        // A refused update changes nothing: tm cannot accept, and tm's update must follow B.
        let before = store.message(REQUEST).expect("read");
        let err = store_update(
            &store,
            "01J0000000000000000000000C",
            "tm",
            RequestStatus::Accepted,
            b,
        )
        .expect_err("not entitled");
        assert!(matches!(err, CaseError::Thread(ThreadError::Transition(_))));
        assert_eq!(store.message(REQUEST).expect("read"), before);

        // tm withdrew after A without having seen B: the withdrawal displaces B.
        let added = store_update(&store, w, "tm", RequestStatus::Withdrawn, a).expect("withdrawn");
        assert_eq!(added.displaced, [b]);
        assert_eq!(state(&store, b), (RequestState::Accepted as i32, true));
        assert_eq!(state(&store, w), (RequestState::Withdrawn as i32, false));
        let request = store.message(REQUEST).expect("read").expect("stored");
        assert_eq!(request.request_state, RequestState::Withdrawn as i32);
        assert_eq!(request.thread_head, w);

        // The stored thread replays to the same state.
        let replayed = store
            .write_blocking(|batch| {
                let request = batch.message(REQUEST)?.expect("stored");
                Ok::<_, StoreError>(CaseThread::load(batch, request)?.thread().clone())
            })
            .expect("replays");
        assert_eq!(replayed.state(), RequestState::Withdrawn);
        assert_eq!(replayed.head(), w);
    }

    #[test]
    fn a_request_past_its_deadline_is_listed_overdue_and_alerted_once_per_request() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        // de holds a request from tm created at 1 ms after the epoch: long overdue. It also
        // holds, as a copy, an equally old request from tm to uz in a multi-party case: uz's to
        // answer, so it is listed but raises no alert here.
        store
            .write_blocking(|batch| {
                let mut request = record(
                    REQUEST,
                    "tm",
                    "de",
                    envelope::Body::MlaRequest(MlaRequest::default()),
                );
                request.request_state = RequestState::Delivered as i32;
                let request = logged(batch, request);
                batch.put_message(&request);
                batch.put_request_state(REQUEST, request.request_state);
                let copy_id = "01J0000000000000000000000Z";
                let mut copy = record(
                    copy_id,
                    "tm",
                    "uz",
                    envelope::Body::MlaRequest(MlaRequest::default()),
                );
                copy.direction = Direction::Inbox as i32;
                copy.case_id = "tm-3".into();
                copy.request_state = RequestState::Delivered as i32;
                let copy = logged(batch, copy);
                batch.put_message(&copy);
                batch.put_request_state(copy_id, copy.request_state);
                Ok::<_, StoreError>(())
            })
            .expect("request");
        let now = 1 + 8 * 24 * 3_600_000;
        let cases = list_cases(
            &store,
            &CaseFilter {
                overdue_only: true,
                limit: 10,
                own_id: "de".into(),
                ..Default::default()
            },
            &DeadlinePolicy::default(),
            now,
        )
        .expect("list");
        assert_eq!(cases.len(), 2);
        let cases: Vec<_> = cases.into_iter().filter(|c| c.case_id == "tm-1").collect();
        assert_eq!(cases[0].peers, ["tm"]);
        assert_eq!(cases[0].next_due, "acknowledge");
        let policy = DeadlinePolicy::default();
        let alerts = overdue_alerts(&store, &policy, now, "de").expect("alerts");
        assert_eq!(alerts.len(), 1);
        assert_eq!(
            (alerts[0].kind.as_str(), alerts[0].subject.as_str()),
            ("case-overdue", "tm-1")
        );
        assert!(
            alerts[0]
                .message
                .contains("our acknowledgement was due 1970-01-08T00:00:00Z (24 h ago)"),
            "{}",
            alerts[0].message
        );
        // Before the first deadline nothing is late.
        assert!(
            overdue_alerts(&store, &policy, 1, "de")
                .expect("alerts")
                .is_empty()
        );
        assert!(
            show_case(&store, "tm-1", &policy, now)
                .expect("show")
                .is_some()
        );
        assert!(
            show_case(&store, "tm-2", &policy, now)
                .expect("show")
                .is_none()
        );

        // Two days on, late for acknowledgement under a one-day policy, not the default one.
        let two_days = 1 + 2 * 24 * 3_600_000;
        assert!(
            overdue_alerts(&store, &policy, two_days, "de")
                .expect("alerts")
                .is_empty()
        );
        let day = rogatory_proto::deadlines::DAY_MS;
        let strict = DeadlinePolicy::new(
            rogatory_proto::deadlines::Periods {
                acknowledge_ms: day,
                decide_ms: 30 * day,
                execute_ms: 90 * day,
            },
            rogatory_proto::deadlines::URGENT_PERIODS,
        )
        .expect("policy");
        let alerts = overdue_alerts(&store, &strict, two_days, "de").expect("alerts");
        assert_eq!(alerts.len(), 1);
        assert!(
            alerts[0]
                .message
                .contains("our acknowledgement was due 1970-01-02T00:00:00Z (24 h ago)"),
            "{}",
            alerts[0].message
        );
        let shown = show_case(&store, "tm-1", &strict, two_days)
            .expect("show")
            .expect("case");
        assert!(shown.requests[0].overdue);
    }
}
