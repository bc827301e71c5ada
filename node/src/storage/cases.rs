//! Requests' lifecycles and cases as this node holds them: a request's thread of status
//! updates read from the store, a new update added in the same store batch that stores it,
//! a case's parties, and the contact points' questions about cases.
//!
//! A request's record keeps the ids of its status updates in the order this node stored them
//! (`thread`), and, derived from them, its state (`request_state`) and the last update that
//! counts (`thread_head`). Each update's record keeps the state it led to and whether it was
//! `superseded`. All of these are written in the batch that stores the update, so a crash
//! never separates a state from its cause. What the records mean (sides, deadlines, summaries)
//! is `rules::cases`; the checks that precede a store (who may refer to what) are `inbound`'s
//! and `outbound`'s.
//!
//! [`list_cases`] summarises every case (a case is every message this node holds with one
//! case id) and [`show_case`] returns one whole thread. [`show_case`] reads one case through
//! the store's case index; [`list_cases`] reads one page of the case-list index (only the
//! page's cases are read whole; [`list_cases_scan`], the same answer from every message, is
//! the reference and the benchmarks' baseline), and [`overdue_alerts`] only the requests that
//! are not final (the store's request index). They block, and run in `spawn_blocking` or the
//! health task.

use std::collections::BTreeMap;

use rogatory_proto::deadlines::DeadlinePolicy;
use rogatory_proto::lifecycle::{self, Added, Side, Thread, ThreadError};
use rogatory_proto::signing;
use rogatory_proto::v1::{
    Alert, CaseSummary, CaseThread as CaseThreadView, DeliveryState, Direction, Envelope,
    MessageRecord, RequestState, StatusUpdate,
};

use crate::rules::cases::{
    CaseFilter, case_request, overdue_alert, side_of, status_update, summarise,
};
use crate::rules::multiparty::{is_report, parties_of};
use crate::rules::titles::{self, CaseTitles};
use crate::storage::store::{Batch, CasePosition, Store, StoreError};

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

/// Why an update cannot be added to a request's thread.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error(transparent)]
    Thread(#[from] ThreadError),
    #[error(transparent)]
    Store(#[from] StoreError),
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

/// One page of the case list: the cases that pass `filter`, most recent activity first (ties
/// in case-id order), with deadlines under `policy` at `now_ms`, after the case `after` names,
/// and where the next page begins if there may be one.
#[derive(Debug, Default)]
pub struct CaseList {
    pub cases: Vec<CaseSummary>,
    pub next: Option<CasePosition>,
}

/// The cases that pass `filter`, most recent activity first, with deadlines under `policy` at
/// `now_ms`, from the case-list index (`store::case_list`): the filters are judged over each
/// case's entry (`rules::case_index`), and only the cases of the page are read whole.
pub fn list_cases(
    store: &Store,
    filter: &CaseFilter,
    policy: &DeadlinePolicy,
    now_ms: i64,
    after: Option<&CasePosition>,
) -> Result<CaseList, StoreError> {
    let page = store.case_list_page(filter.peer.as_deref(), after, filter.limit, |entry| {
        crate::rules::case_index::admits(filter, entry, policy, now_ms)
    })?;
    let mut cases = Vec::with_capacity(page.entries.len());
    for entry in &page.entries {
        let mut messages = store.case_messages(&entry.case_id)?;
        messages.sort_by(|a, b| {
            (a.created_at_ms, &a.message_id).cmp(&(b.created_at_ms, &b.message_id))
        });
        let mut case = summarise(&entry.case_id, &messages, policy, now_ms, &filter.own_id);
        case.short_case_id = crate::storage::ids::short_case_id(store, &case.case_id)?;
        cases.push(case);
    }
    Ok(CaseList {
        cases,
        next: page.next,
    })
}

/// [`list_cases`] without the index (its first page): every stored message read, grouped by
/// case and summarised. The reference the index is tested against, and the benchmarks'
/// baseline.
pub fn list_cases_scan(
    store: &Store,
    filter: &CaseFilter,
    policy: &DeadlinePolicy,
    now_ms: i64,
) -> Result<Vec<CaseSummary>, StoreError> {
    let mut out: Vec<CaseSummary> = by_case(store)?
        .iter()
        .map(|(case_id, messages)| summarise(case_id, messages, policy, now_ms, &filter.own_id))
        .filter(|case| filter.admits(case))
        .collect();
    out.sort_by_key(|case| std::cmp::Reverse(case.last_activity_at_ms));
    out.truncate(filter.limit);
    for case in &mut out {
        case.short_case_id = crate::storage::ids::short_case_id(store, &case.case_id)?;
    }
    Ok(out)
}

/// Fills each record's title and its case's national references (`rules::titles`), reading
/// each case once, and the short forms of its ids (`storage::ids`).
pub fn fill_titles(store: &Store, records: &mut [MessageRecord]) -> Result<(), StoreError> {
    let mut cases: BTreeMap<String, (Vec<MessageRecord>, CaseTitles)> = BTreeMap::new();
    for record in records.iter_mut() {
        if !cases.contains_key(&record.case_id) {
            let mut messages = store.case_messages(&record.case_id)?;
            messages.sort_by(|a, b| {
                (a.created_at_ms, &a.message_id).cmp(&(b.created_at_ms, &b.message_id))
            });
            let case_titles = titles::case_titles(&messages);
            cases.insert(record.case_id.clone(), (messages, case_titles));
        }
        if let Some((messages, case_titles)) = cases.get(&record.case_id) {
            titles::fill(record, messages, case_titles);
        }
    }
    crate::storage::ids::fill_short_ids(store, records)
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
    let case_titles = titles::case_titles(&messages);
    let thread = messages.clone();
    for message in &mut messages {
        titles::fill(message, &thread, &case_titles);
    }
    crate::storage::ids::fill_short_ids(store, &mut messages)?;
    Ok(Some(CaseThreadView {
        case_id: case_id.to_owned(),
        thread: crate::rules::cases::thread_of(&messages),
        messages,
        requests,
        now_ms,
    }))
}

/// One `case-overdue` alert per request past a deadline at `now_ms` that this node
/// (`own_id`) or its counterpart must act on ([`rules::cases::overdue_alert`]). Reads only
/// the requests that are not final, through the store's request index.
///
/// [`rules::cases::overdue_alert`]: crate::rules::cases::overdue_alert
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
        out.extend(overdue_alert(&record, policy, now_ms, own_id));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use rogatory_proto::v1::{
        EntryKind, MlaRequest, RefusalGround, RequestStatus, SignedEnvelope, envelope,
    };

    use crate::storage::store::LogRecord;

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
            None,
        )
        .expect("list")
        .cases;
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

#[cfg(test)]
mod parties_tests {
    use super::*;
    use crate::storage::store::LogRecord;
    use prost::Message;
    use rogatory_proto::v1::{Consultation, EntryKind, envelope};

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
                closes_thread: false,
                subject: String::new(),
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
}

#[cfg(test)]
mod list_index_tests {
    use super::*;
    use crate::storage::store::LogRecord;
    use prost::Message;
    use rogatory_proto::v1::{
        Consultation, EntryKind, MlaRequest, RefusalGround, RequestStatus, Urgency, envelope,
    };

    const OWN: &str = "de";
    const PEERS: [&str; 3] = ["tm", "uz", "kz"];
    const DAY: i64 = 86_400_000;

    /// A small deterministic generator (xorshift): the same operations on every run.
    struct Dice(u64);

    impl Dice {
        fn roll(&mut self, sides: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % sides
        }
    }

    /// Stores `envelope` the way `inbound` and `outbound` do: the log entry, then the record
    /// without its envelope, in one batch.
    fn put(batch: &mut Batch<'_>, envelope: &Envelope, request_state: RequestState) {
        let outbox = envelope.sender == OWN;
        let logged = batch.append(LogRecord {
            kind: if outbox {
                EntryKind::MessageSent
            } else {
                EntryKind::MessageReceived
            },
            peer: if outbox {
                envelope.recipient.clone()
            } else {
                envelope.sender.clone()
            },
            message_id: envelope.message_id.clone(),
            signed_payload: envelope.encode_to_vec(),
            signature: vec![7; 64],
            detail: String::new(),
        });
        batch.put_message(&MessageRecord {
            direction: if outbox {
                Direction::Outbox
            } else {
                Direction::Inbox
            } as i32,
            message_id: envelope.message_id.clone(),
            sender: envelope.sender.clone(),
            recipient: envelope.recipient.clone(),
            case_id: envelope.case_id.clone(),
            created_at_ms: envelope.created_at_ms,
            request_state: request_state as i32,
            state: DeliveryState::Queued as i32,
            log_index: logged.index,
            ..Default::default()
        });
    }

    fn envelope(
        id: String,
        case_id: &str,
        (sender, recipient): (&str, &str),
        created_at_ms: i64,
        body: envelope::Body,
    ) -> Envelope {
        Envelope {
            version: 1,
            message_id: id,
            sender: sender.into(),
            recipient: recipient.into(),
            created_at_ms,
            case_id: case_id.into(),
            copies_to: Vec::new(),
            body: Some(body),
        }
    }

    /// Random operations of every kind the list reflects: new cases (requests either way,
    /// urgent or not, consultations), consultations added and closing threads, status updates
    /// (accepted or refused by the lifecycle), receipts turning SUBMITTED into DELIVERED.
    fn random_operations(store: &Store, dice: &mut Dice, operations: usize) {
        let mut cases: Vec<(String, String, Option<String>)> = Vec::new();
        for n in 0..operations {
            let id = format!("01J{n:023}");
            let at = 1 + i64::try_from(dice.roll(60)).unwrap_or(0) * DAY / 4;
            let peer = PEERS[usize::try_from(dice.roll(3)).unwrap_or(0)];
            let roll = if cases.is_empty() { 0 } else { dice.roll(5) };
            let pick = usize::try_from(dice.roll(cases.len().max(1) as u64)).unwrap_or(0);
            let _ = store.write_blocking(|batch| -> Result<(), CaseError> {
                match roll {
                    0 | 1 => {
                        let inbound = dice.roll(2) == 0;
                        let (from, to) = if inbound { (peer, OWN) } else { (OWN, peer) };
                        let case_id = format!("{from}-{n}");
                        let body = if roll == 0 {
                            envelope::Body::MlaRequest(MlaRequest {
                                subject: format!("case {n}"),
                                urgency: Some(Urgency {
                                    urgent: dice.roll(3) == 0,
                                    ..Default::default()
                                }),
                                ..Default::default()
                            })
                        } else {
                            envelope::Body::Consultation(Consultation {
                                text: "t".into(),
                                author: "a".into(),
                                ..Default::default()
                            })
                        };
                        let state = match (roll, inbound) {
                            (0, true) => RequestState::Delivered,
                            (0, false) => RequestState::Submitted,
                            _ => RequestState::Unspecified,
                        };
                        put(
                            batch,
                            &envelope(id.clone(), &case_id, (from, to), at, body),
                            state,
                        );
                        if roll == 0 {
                            batch.put_request_state(&id, state as i32);
                        }
                        cases.push((case_id, peer.to_owned(), (roll == 0).then_some(id)));
                    }
                    2 => {
                        let (case_id, peer, _) = &cases[pick];
                        let (from, to) = if dice.roll(2) == 0 {
                            (OWN, peer.as_str())
                        } else {
                            (peer.as_str(), OWN)
                        };
                        let body = envelope::Body::Consultation(Consultation {
                            text: "t".into(),
                            author: "a".into(),
                            closes_thread: dice.roll(3) == 0,
                            ..Default::default()
                        });
                        put(
                            batch,
                            &envelope(id, case_id, (from, to), at, body),
                            RequestState::Unspecified,
                        );
                    }
                    3 => {
                        let (case_id, peer, Some(request_id)) = &cases[pick] else {
                            return Ok(());
                        };
                        let request = batch.message(request_id)?.expect("stored");
                        let status = [
                            RequestStatus::Acknowledged,
                            RequestStatus::Accepted,
                            RequestStatus::Refused,
                            RequestStatus::Withdrawn,
                        ][usize::try_from(dice.roll(4)).unwrap_or(0)];
                        let from = if status == RequestStatus::Withdrawn {
                            request.sender.clone()
                        } else {
                            request.recipient.clone()
                        };
                        let to = if from == OWN {
                            peer.clone()
                        } else {
                            OWN.to_owned()
                        };
                        let update = StatusUpdate {
                            refers_to: request_id.clone(),
                            status: status as i32,
                            ground: if status == RequestStatus::Refused {
                                RefusalGround::ContraryToLegalSystem as i32
                            } else {
                                0
                            },
                            note: "n".into(),
                            previous: request.thread_head.clone(),
                            ..Default::default()
                        };
                        let by = side_of(&request, &from).expect("a party");
                        let added =
                            CaseThread::load(batch, request)?.add(batch, &id, by, &update)?;
                        let state = RequestState::try_from(added.state_after as i32)
                            .unwrap_or(RequestState::Unspecified);
                        put(
                            batch,
                            &envelope(
                                id,
                                case_id,
                                (&from, &to),
                                at,
                                envelope::Body::StatusUpdate(update),
                            ),
                            state,
                        );
                    }
                    _ => {
                        // A receipt for an outbox request: SUBMITTED becomes DELIVERED.
                        let (_, _, Some(request_id)) = &cases[pick] else {
                            return Ok(());
                        };
                        let mut current = batch.message_fields(request_id)?.expect("stored");
                        if current.direction == Direction::Outbox as i32
                            && current.request_state == RequestState::Submitted as i32
                        {
                            current.request_state = RequestState::Delivered as i32;
                            current.state = DeliveryState::Delivered as i32;
                            batch.put_request_state(request_id, current.request_state);
                            batch.update_message(&current);
                        }
                    }
                }
                Ok(())
            });
        }
    }

    /// Every page of the indexed list, `page` cases at a time, joined.
    fn all_pages(store: &Store, filter: &CaseFilter, now_ms: i64, page: usize) -> Vec<CaseSummary> {
        let policy = DeadlinePolicy::default();
        let filter = CaseFilter {
            limit: page,
            ..filter.clone()
        };
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let list = list_cases(store, &filter, &policy, now_ms, after.as_ref()).expect("page");
            assert!(list.cases.len() <= page);
            out.extend(list.cases);
            match list.next {
                Some(next) => after = Some(next),
                None => return out,
            }
        }
    }

    fn assert_index_matches_the_scan(store: &Store) {
        let policy = DeadlinePolicy::default();
        let filters = [
            CaseFilter::default(),
            CaseFilter {
                peer: Some("tm".into()),
                ..Default::default()
            },
            CaseFilter {
                open_only: true,
                ..Default::default()
            },
            CaseFilter {
                urgent_only: true,
                peer: Some("uz".into()),
                ..Default::default()
            },
            CaseFilter {
                overdue_only: true,
                ..Default::default()
            },
        ];
        for filter in filters {
            let filter = CaseFilter {
                own_id: OWN.into(),
                limit: usize::MAX,
                ..filter
            };
            for now_ms in [0, 5 * DAY, 20 * DAY, 400 * DAY] {
                let scanned = list_cases_scan(store, &filter, &policy, now_ms).expect("scan");
                assert_eq!(
                    all_pages(store, &filter, now_ms, 7),
                    scanned,
                    "{filter:?} at {now_ms}"
                );
                let first = list_cases(
                    store,
                    &CaseFilter {
                        limit: 5,
                        ..filter.clone()
                    },
                    &policy,
                    now_ms,
                    None,
                )
                .expect("list");
                assert_eq!(
                    first.cases,
                    scanned.iter().take(5).cloned().collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn the_case_list_index_answers_as_the_full_scan_after_random_operations_and_a_rebuild() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(dir.path()).expect("open");
            let mut dice = Dice(0x5eed_1234_abcd_9876);
            random_operations(&store, &mut dice, 300);
            let listed = list_cases_scan(
                &store,
                &CaseFilter {
                    own_id: OWN.into(),
                    limit: usize::MAX,
                    ..Default::default()
                },
                &DeadlinePolicy::default(),
                0,
            )
            .expect("scan");
            assert!(listed.len() > 50, "{} cases", listed.len());
            assert!(listed.iter().any(|c| c.open) && listed.iter().any(|c| !c.open));
            assert!(listed.iter().any(|c| c.urgent));
            assert_index_matches_the_scan(&store);
        }
        // An older store, or an older index: rebuilt at open, to the same answers.
        {
            let store = Store::open(dir.path()).expect("reopen");
            store.forget_case_list_index().expect("forget");
        }
        let store = Store::open(dir.path()).expect("reopen");
        assert_index_matches_the_scan(&store);
    }
}
