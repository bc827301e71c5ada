//! The store-and-forward sender: one lane per peer delivers that peer's queued messages.
//!
//! Messages wait in the store (`outbox_queue`), not in memory; a lane holds only the few
//! fields it schedules by, for at most [`PENDING_LIMIT`] messages at a time. A lane sends up to
//! [`MAX_IN_FLIGHT`] messages at once over one HTTP/2 connection, in at most
//! `BATCHES_IN_FLIGHT` `DeliverBatch` calls (what became due meanwhile goes in the next), but
//! never two of the same case, and always the oldest undelivered message of a case first, so
//! the messages of a case arrive in the order they were sent. When the peer cannot be reached
//! the lane backs off exponentially with jitter and probes with one message at a time; when
//! the peer is busy or refuses, that message waits its own backoff. Nothing is ever dropped: a
//! message leaves the queue only when the peer's signed receipt is verified and durably
//! recorded, or when the peer refuses for good an id this node made before ids were bound
//! (docs/PROTOCOL.md section 7): then it stays stored, in state `REFUSED` with the reason.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rogatory_proto::v1::{MessageRecord, SignedEnvelope};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::delivery::attempt::{self, Outcome, backoff, due_in};
use crate::delivery::link::{Links, PeerLink};
use crate::delivery::outbound::{self, FailedAttempt};
use crate::identity::config::PeerConfig;
use crate::identity::peers::PeerTable;
use crate::node::Node;
use crate::now_ms;

/// Messages sent to one peer at once (each of a different case).
pub const MAX_IN_FLIGHT: usize = 128;
/// Messages one `DeliverBatch` call carries at most (also bounded by `max_envelope_bytes`).
pub const BATCH_LIMIT: usize = 32;
/// `DeliverBatch` calls to one peer at once. Few, so that messages queued meanwhile go
/// together in the next call: under load batches grow, at low load a message goes at once.
const BATCHES_IN_FLIGHT: usize = 4;
/// How long a lane sends one message per call after the peer answered that it does not know
/// `DeliverBatch`, before trying a batch again (the peer may have been upgraded).
const SINGLES_FOR_MS: i64 = 3_600_000;
/// Queued messages a lane keeps track of at once; the rest wait on disk.
pub const PENDING_LIMIT: usize = 4096;
/// Messages read from the store per scan.
const LOAD_CHUNK: usize = 256;
/// Longest wait between attempts to reach an unreachable peer.
const MAX_PEER_BACKOFF: Duration = Duration::from_secs(60);
/// Longest wait before retrying a message the peer asked to retry (busy, out of order).
const MAX_RETRY_BACKOFF: Duration = Duration::from_secs(10);
/// Longest wait before retrying a message the peer refused (it recurs until fixed).
const MAX_REFUSED_BACKOFF: Duration = Duration::from_secs(600);

/// What a lane knows about its peer, for `rogatory peers`.
#[derive(Debug, Clone, Default)]
pub struct PeerState {
    /// `None` until the first attempt since the node started.
    pub reachable: Option<bool>,
    pub last_contact_ms: i64,
    pub last_error: String,
    pub consecutive_failures: u32,
    /// The lane waits until then before trying the peer again (0: not waiting).
    pub next_attempt_ms: i64,
    pub in_flight: HashSet<String>,
}

#[derive(Debug)]
struct Lane {
    peer: PeerConfig,
    wake: Arc<Notify>,
    state: std::sync::Mutex<PeerState>,
    /// Until when to send one message per `Deliver` call (0: batches).
    singles_until_ms: std::sync::atomic::AtomicI64,
}

impl Lane {
    fn state(&self) -> std::sync::MutexGuard<'_, PeerState> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

type Lanes = Arc<std::sync::Mutex<BTreeMap<String, Arc<Lane>>>>;

fn lock_lanes(lanes: &Lanes) -> std::sync::MutexGuard<'_, BTreeMap<String, Arc<Lane>>> {
    lanes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Submitters waiting for the first attempt on their message, by (peer, message id): a
/// message copied to other parties is watched on its recipient's lane only. Each is told
/// alone, so a busy node does not wake every waiter for every message.
type Watchers = Arc<std::sync::Mutex<HashMap<(String, String), oneshot::Sender<()>>>>;

fn lock_watchers(
    watchers: &Watchers,
) -> std::sync::MutexGuard<'_, HashMap<(String, String), oneshot::Sender<()>>> {
    match watchers.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The running sender of one node.
#[derive(Debug)]
pub struct Outbox {
    /// Every lane started since the node started, by peer: a removed peer's stopped lane
    /// stays, so `rogatory peers` and the outbox can say why its messages wait.
    lanes: Lanes,
    watchers: Watchers,
    recent: Recent,
    tracker: TaskTracker,
}

/// Bytes of envelopes [`Recent`] holds at most.
const RECENT_ENVELOPE_BYTES: usize = 16 * 1024 * 1024;

/// The envelopes of messages just submitted, by message id, so that the first attempt to send
/// one does not read it back from the log. Bounded by bytes, the oldest dropped first; a lane
/// reads one it does not find here from the store.
type Recent = Arc<std::sync::Mutex<RecentEnvelopes>>;

#[derive(Debug, Default)]
struct RecentEnvelopes {
    by_id: HashMap<String, SignedEnvelope>,
    order: VecDeque<String>,
    bytes: usize,
}

impl RecentEnvelopes {
    fn size(envelope: &SignedEnvelope) -> usize {
        envelope.payload.len() + envelope.signature.len()
    }

    fn insert(&mut self, message_id: &str, envelope: &SignedEnvelope) {
        let size = Self::size(envelope);
        if size > RECENT_ENVELOPE_BYTES || self.by_id.contains_key(message_id) {
            return;
        }
        while self.bytes + size > RECENT_ENVELOPE_BYTES {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(dropped) = self.by_id.remove(&oldest) {
                self.bytes -= Self::size(&dropped);
            }
        }
        self.by_id.insert(message_id.to_owned(), envelope.clone());
        self.order.push_back(message_id.to_owned());
        self.bytes += size;
    }
}

fn lock_recent(recent: &Recent) -> std::sync::MutexGuard<'_, RecentEnvelopes> {
    recent
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Resolves when an attempt to deliver the watched message has finished (delivered or not);
/// stops watching when dropped.
#[derive(Debug)]
pub struct AttemptWatch {
    key: (String, String),
    finished: oneshot::Receiver<()>,
    watchers: Watchers,
}

impl AttemptWatch {
    /// Waits for the attempt; returns at once if the outbox stopped.
    pub async fn finished(&mut self) {
        let _ = (&mut self.finished).await;
    }
}

impl Drop for AttemptWatch {
    fn drop(&mut self) {
        lock_watchers(&self.watchers).remove(&self.key);
    }
}

impl Outbox {
    /// Starts one lane per peer, reaching it through `links`; they run until `shutdown`. When
    /// the peer table changes (a roster was applied) lanes start for new peers, and the lanes
    /// of removed peers stop: their messages stay queued, and are sent if the peer returns.
    pub fn start(node: Arc<Node>, links: Arc<dyn Links>, shutdown: CancellationToken) -> Arc<Self> {
        let outbox = Arc::new(Self {
            lanes: Arc::default(),
            watchers: Arc::default(),
            recent: Arc::default(),
            tracker: TaskTracker::new(),
        });
        let mut changes = node.peers.subscribe();
        let table = changes.borrow_and_update().clone();
        let mut running = outbox.follow(&node, &links, &shutdown, &table, BTreeMap::new());
        let supervisor = Arc::clone(&outbox);
        outbox.tracker.spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    changed = changes.changed() => {
                        if changed.is_err() {
                            break;
                        }
                        let table = changes.borrow_and_update().clone();
                        running = supervisor.follow(&node, &links, &shutdown, &table, running);
                    }
                }
            }
        });
        outbox.tracker.close();
        outbox
    }

    /// Makes the running lanes match `table`: starts a lane for each peer without one (or
    /// whose address or key changed), stops those of peers no longer in it. `running` maps each
    /// running lane's peer to what it was started with and its stop token.
    fn follow(
        &self,
        node: &Arc<Node>,
        links: &Arc<dyn Links>,
        shutdown: &CancellationToken,
        table: &PeerTable,
        mut running: BTreeMap<String, (PeerConfig, CancellationToken)>,
    ) -> BTreeMap<String, (PeerConfig, CancellationToken)> {
        running.retain(|peer, (config, stop)| {
            let keep = table.get(peer) == Some(config);
            if !keep {
                stop.cancel();
                if table.get(peer).is_none()
                    && let Some(lane) = lock_lanes(&self.lanes).get(peer)
                {
                    let mut state = lane.state();
                    state.reachable = Some(false);
                    state.last_error = format!(
                        "{peer} is no longer a member of the federation{}: its messages stay \
                         queued",
                        table
                            .roster_serial()
                            .map_or_else(String::new, |serial| format!(" (roster {serial})"))
                    );
                }
            }
            keep
        });
        let started: Vec<String> = table
            .iter()
            .filter(|peer| !running.contains_key(peer.node_id.as_str()))
            .map(|peer| peer.node_id.to_string())
            .collect();
        node.admission.set_peers(&table.ids());
        node.metrics.add_peers(&table.ids());
        for peer in table
            .iter()
            .filter(|p| started.contains(&p.node_id.to_string()))
        {
            let stop = shutdown.child_token();
            let lane = Arc::new(Lane {
                peer: peer.clone(),
                wake: node.queued.notify_of(peer.node_id.as_str()),
                state: std::sync::Mutex::new(PeerState::default()),
                singles_until_ms: std::sync::atomic::AtomicI64::new(0),
            });
            lock_lanes(&self.lanes).insert(peer.node_id.to_string(), Arc::clone(&lane));
            let worker = LaneWorker {
                node: Arc::clone(node),
                links: Arc::clone(links),
                lane,
                watchers: Arc::clone(&self.watchers),
                recent: Arc::clone(&self.recent),
                shutdown: stop.clone(),
            };
            let span = tracing::info_span!("outbox", peer = %peer.node_id);
            self.tracker
                .spawn(tracing::Instrument::instrument(worker.run(), span));
            running.insert(peer.node_id.to_string(), (peer.clone(), stop));
        }
        running
    }

    /// Tells the lane for `peer` that new messages are queued.
    pub fn notify(&self, peer: &str) {
        if let Some(lane) = lock_lanes(&self.lanes).get(peer) {
            lane.wake.notify_one();
        }
    }

    /// Tells the lane of each addressee of `record` (its recipient and copies).
    pub fn notify_addressees(&self, record: &rogatory_proto::v1::MessageRecord) {
        if let Some(envelope) = &record.envelope {
            lock_recent(&self.recent).insert(&record.message_id, envelope);
        }
        self.notify(&record.recipient);
        for copy in &record.copies {
            self.notify(&copy.recipient);
        }
    }

    /// Watches for the end of the next attempt to deliver `message_id` to `peer`. Watch
    /// before [`Outbox::notify`], or the attempt may finish unseen.
    pub fn watch(&self, peer: &str, message_id: &str) -> AttemptWatch {
        let (sender, finished) = oneshot::channel();
        let key = (peer.to_owned(), message_id.to_owned());
        lock_watchers(&self.watchers).insert(key.clone(), sender);
        AttemptWatch {
            key,
            finished,
            watchers: Arc::clone(&self.watchers),
        }
    }

    /// The state of each peer's lane.
    pub fn peer_states(&self) -> Vec<(PeerConfig, PeerState)> {
        lock_lanes(&self.lanes)
            .values()
            .map(|lane| (lane.peer.clone(), lane.state().clone()))
            .collect()
    }

    /// Whether an attempt to deliver `message_id` to `peer` is in flight now.
    pub fn is_sending(&self, peer: &str, message_id: &str) -> bool {
        lock_lanes(&self.lanes)
            .get(peer)
            .is_some_and(|lane| lane.state().in_flight.contains(message_id))
    }

    /// When the lane for `peer` will next try it, if it is backing off.
    pub fn backing_off_until(&self, peer: &str) -> Option<i64> {
        let next = lock_lanes(&self.lanes).get(peer)?.state().next_attempt_ms;
        (next > now_ms()).then_some(next)
    }

    /// Waits until every lane has stopped (after the shutdown token was cancelled).
    pub async fn stopped(&self) {
        self.tracker.wait().await;
    }
}

/// Per-message scheduling state held by a lane.
#[derive(Debug, Clone)]
struct Pending {
    case_id: String,
    created_at_ms: i64,
    attempts: u32,
    next_attempt_ms: i64,
    /// Whether the operator was already warned that this message is overdue.
    alerted: bool,
}

struct LaneWorker {
    node: Arc<Node>,
    links: Arc<dyn Links>,
    lane: Arc<Lane>,
    watchers: Watchers,
    recent: Recent,
    shutdown: CancellationToken,
}

struct Finished {
    message_id: String,
    case_id: String,
    attempts: u32,
    started_ms: i64,
    outcome: Outcome,
}

impl LaneWorker {
    async fn run(self) {
        let peer_id = self.lane.peer.node_id.to_string();
        let link = match self.links.connect(&peer_id) {
            Ok(link) => link,
            Err(error) => {
                tracing::error!(%error, "cannot set up delivery to this peer; its messages stay queued");
                self.lane.state().last_error = error.text;
                return;
            }
        };
        let mut pending: BTreeMap<String, Pending> = BTreeMap::new();
        // The newest message id loaded; later ones are read from the store when woken.
        let mut cursor: Option<String> = None;
        let mut more_on_disk = true;
        let mut busy_cases: HashSet<String> = HashSet::new();
        // Delivery calls, and the attempts of messages with attachments, which run beside them.
        let mut running: JoinSet<CallDone> = JoinSet::new();
        let mut alone: JoinSet<Finished> = JoinSet::new();

        loop {
            if more_on_disk && pending.len() < PENDING_LIMIT {
                // Read in place: a bounded range read from sled's cache costs less than the
                // hand-off to a blocking thread, and this loop is every message's path.
                match self
                    .node
                    .store
                    .queued_for(&peer_id, cursor.as_deref(), LOAD_CHUNK)
                {
                    Ok(loaded) => {
                        more_on_disk = loaded.len() == LOAD_CHUNK;
                        for message in loaded {
                            cursor = Some(message.message_id.clone());
                            pending.insert(
                                message.message_id,
                                Pending {
                                    case_id: message.case_id,
                                    created_at_ms: message.created_at_ms,
                                    attempts: message.attempts,
                                    next_attempt_ms: message.next_attempt_at_ms,
                                    alerted: false,
                                },
                            );
                        }
                    }
                    Err(error) => {
                        tracing::error!(%error, "cannot read the outbox queue");
                        more_on_disk = false;
                    }
                }
            }

            let now = now_ms();
            let (peer_due, window) = {
                let state = self.lane.state();
                // An unreachable peer is probed with one message at a time.
                let window = if state.reachable == Some(false) {
                    1
                } else {
                    MAX_IN_FLIGHT
                };
                (state.next_attempt_ms, window)
            };
            if peer_due <= now {
                self.start_attempts(
                    &mut pending,
                    &mut busy_cases,
                    &mut running,
                    &link,
                    window,
                    now,
                );
            }

            let next_due = next_due(&pending, &busy_cases, peer_due, now);
            tokio::select! {
                biased;
                _ = self.shutdown.cancelled() => break,
                Some(joined) = running.join_next(), if !running.is_empty() => {
                    // Every call that has finished, not just the first: under load many finish
                    // together, and each turn of this loop has a cost.
                    let mut done = vec![joined];
                    while let Some(joined) = running.try_join_next() {
                        done.push(joined);
                    }
                    for done in done.into_iter().flatten() {
                        for waiting in done.alone {
                            alone.spawn(attempt_alone(
                                Arc::clone(&self.node),
                                Arc::clone(&self.recent),
                                self.lane.peer.node_id.to_string(),
                                Arc::clone(&link),
                                waiting,
                            ));
                        }
                        for finished in done.finished {
                            busy_cases.remove(&finished.case_id);
                            self.finish(finished, &mut pending).await;
                        }
                    }
                    // `more_on_disk` stays as the last load left it: set, if that load stopped
                    // at the chunk size, so loading resumes as the map shrinks below the limit.
                }
                Some(joined) = alone.join_next(), if !alone.is_empty() => {
                    if let Ok(finished) = joined {
                        busy_cases.remove(&finished.case_id);
                        self.finish(finished, &mut pending).await;
                    }
                }
                _ = self.lane.wake.notified() => more_on_disk = true,
                _ = sleep_until_ms(next_due), if next_due.is_some() => {}
            }
        }
        // Abandon sends still in flight: their messages stay queued and are sent again after
        // the restart; the receiver answers a repeat with its original receipt.
        running.abort_all();
        alone.abort_all();
        while running.join_next().await.is_some() {}
        while alone.join_next().await.is_some() {}
    }

    fn start_attempts(
        &self,
        pending: &mut BTreeMap<String, Pending>,
        busy_cases: &mut HashSet<String>,
        running: &mut JoinSet<CallDone>,
        link: &Arc<dyn PeerLink>,
        window: usize,
        now: i64,
    ) {
        let singles = self.lane.singles_until_ms.load(Ordering::Relaxed) > now;
        let (calls, per_call) = if singles {
            (window, 1)
        } else {
            (BATCHES_IN_FLIGHT, BATCH_LIMIT.min(window))
        };
        if running.len() >= calls {
            return;
        }
        let room = window.saturating_sub(self.lane.state().in_flight.len());
        let room = room.min((calls - running.len()) * per_call);
        // Only the oldest pending message of each case may go, and only if none of its case is
        // in flight: this is what keeps a case's messages in order.
        let mut cases_seen: HashSet<&str> = HashSet::new();
        let mut starting = Vec::new();
        for (message_id, item) in pending.iter() {
            if starting.len() >= room {
                break;
            }
            if !cases_seen.insert(item.case_id.as_str()) || busy_cases.contains(&item.case_id) {
                continue;
            }
            if item.next_attempt_ms <= now {
                starting.push((message_id.clone(), item.clone()));
            }
        }
        {
            let mut state = self.lane.state();
            for (message_id, item) in &starting {
                busy_cases.insert(item.case_id.clone());
                state.in_flight.insert(message_id.clone());
            }
        }
        // The calls share out the messages evenly rather than filling the first.
        let count = starting.len().div_ceil(per_call).min(calls - running.len());
        if count == 0 {
            return;
        }
        let size = starting.len().div_ceil(count);
        while !starting.is_empty() {
            let rest = starting.split_off(size.min(starting.len()));
            let call = std::mem::replace(&mut starting, rest);
            let node = Arc::clone(&self.node);
            let lane = Arc::clone(&self.lane);
            let recent = Arc::clone(&self.recent);
            let link = Arc::clone(link);
            running
                .spawn(async move { attempt_call(node, lane, &recent, link, call, singles).await });
        }
    }

    /// Tells watchers that `message_id` reached this lane's peer (not for delivery reports).
    fn tell_watchers(&self, message_id: &str) {
        let peer = self.lane.peer.node_id.as_str();
        if let Ok(Some(record)) = self.node.store.message(message_id)
            && let Some(event) = crate::node::events::Events::message_event(
                &record,
                crate::node::events::kind::DELIVERED,
                peer,
            )
        {
            self.node.events.publish(event);
        }
    }

    async fn finish(&self, finished: Finished, pending: &mut BTreeMap<String, Pending>) {
        let Finished {
            message_id,
            attempts,
            started_ms,
            outcome,
            ..
        } = finished;
        outcome.count(&self.node.metrics, self.lane.peer.node_id.as_str());
        if matches!(outcome, Outcome::Delivered(_)) {
            self.tell_watchers(&message_id);
        }
        let now = now_ms();
        let retry = |error: String, delay: Duration| (error, due_in(delay));
        // An id this node made before ids were bound (docs/PROTOCOL.md section 7): the peer
        // will never take it, and it would hold up the rest of its case.
        let mut given_up = None;
        let failure = {
            let mut state = self.lane.state();
            state.in_flight.remove(&message_id);
            match outcome {
                Outcome::Delivered(_) => {
                    state.reachable = Some(true);
                    state.last_contact_ms = now;
                    state.last_error.clear();
                    state.consecutive_failures = 0;
                    state.next_attempt_ms = 0;
                    None
                }
                Outcome::Unreachable(error) => {
                    state.reachable = Some(false);
                    state.consecutive_failures += 1;
                    let delay = backoff(state.consecutive_failures, MAX_PEER_BACKOFF);
                    state.next_attempt_ms = due_in(delay);
                    state.last_error.clone_from(&error);
                    Some(retry(error, delay))
                }
                Outcome::RetryLater(error) => {
                    state.reachable = Some(true);
                    state.last_contact_ms = now;
                    state.consecutive_failures = 0;
                    state.last_error.clone_from(&error);
                    Some(retry(error, backoff(attempts, MAX_RETRY_BACKOFF)))
                }
                Outcome::UnboundId(error)
                    if !rogatory_proto::ids::is_bound_to(&message_id, self.node.id().as_str()) =>
                {
                    state.reachable = Some(true);
                    state.last_contact_ms = now;
                    state.consecutive_failures = 0;
                    state.last_error.clone_from(&error);
                    tracing::warn!(
                        %message_id,
                        %error,
                        "peer refused the message's id, made before ids were bound: it is no \
                         longer sent; its contact point must submit it again"
                    );
                    given_up = Some(error);
                    None
                }
                Outcome::Refused(error) | Outcome::UnboundId(error) => {
                    state.reachable = Some(true);
                    state.last_contact_ms = now;
                    state.consecutive_failures = 0;
                    state.last_error.clone_from(&error);
                    tracing::warn!(%message_id, %error, "peer refused the message; it stays queued");
                    Some(retry(error, backoff(attempts, MAX_REFUSED_BACKOFF)))
                }
                Outcome::LocalFailure(error) => {
                    tracing::error!(%message_id, %error, "cannot record a delivery outcome");
                    Some(retry(
                        error.to_string(),
                        backoff(attempts, MAX_RETRY_BACKOFF),
                    ))
                }
            }
        };
        if let Some(error) = given_up {
            if let Err(error) = outbound::record_given_up(
                &self.node,
                &message_id,
                self.lane.peer.node_id.as_str(),
                &error,
                attempts,
                started_ms,
            )
            .await
            {
                // It stays queued, and is attempted (and given up) again.
                tracing::error!(%error, "cannot record that the message is given up");
            }
        }
        match failure {
            None => {
                pending.remove(&message_id);
            }
            Some((error, next_attempt_ms)) => {
                if let Some(item) = pending.get_mut(&message_id) {
                    item.attempts = attempts;
                    item.next_attempt_ms = next_attempt_ms;
                    if !item.alerted && outbound::is_overdue(&self.node, item.created_at_ms, false)
                    {
                        item.alerted = true;
                        tracing::warn!(
                            %message_id,
                            attempts,
                            %error,
                            "message overdue: still not delivered after the alert horizon \
                             (limits.delivery_alert_after_seconds); it stays queued"
                        );
                    }
                }
                let note = FailedAttempt {
                    error,
                    attempts,
                    attempted_at_ms: started_ms,
                    next_attempt_at_ms: next_attempt_ms,
                };
                if let Err(error) = outbound::record_delivery_failure(
                    &self.node,
                    &message_id,
                    self.lane.peer.node_id.as_str(),
                    &note,
                )
                .await
                {
                    tracing::error!(%error, "cannot record the failed attempt");
                }
            }
        }
        let key = (self.lane.peer.node_id.to_string(), message_id);
        if let Some(watcher) = lock_watchers(&self.watchers).remove(&key) {
            // A submitter that stopped waiting is fine.
            let _ = watcher.send(());
        }
    }
}

/// What a call task hands back to its lane: the messages it attempted, and those it left to be
/// attempted alone (they bind attachments, whose upload a batch must not wait for).
struct CallDone {
    finished: Vec<Finished>,
    alone: Vec<(String, Pending)>,
}

/// One delivery call for the messages `call`, each of a different case: one `DeliverBatch`
/// (or several, if their envelopes are too large for one), or to a peer without it one
/// `Deliver` per message.
async fn attempt_call(
    node: Arc<Node>,
    lane: Arc<Lane>,
    recent: &Recent,
    link: Arc<dyn PeerLink>,
    call: Vec<(String, Pending)>,
    singles: bool,
) -> CallDone {
    let started_ms = now_ms();
    let peer = lane.peer.node_id.to_string();
    let mut outcomes: Vec<Option<Outcome>> = call.iter().map(|_| None).collect();
    let mut records = Vec::with_capacity(call.len());
    for (position, (message_id, _)) in call.iter().enumerate() {
        match stored_message(&node, recent, message_id) {
            Ok(Some(record)) => records.push((position, record)),
            Ok(None) => {
                outcomes[position] =
                    Some(Outcome::Refused("the message is no longer stored".into()));
            }
            Err(error) => outcomes[position] = Some(Outcome::LocalFailure(error)),
        }
    }
    let mut sent_alone = singles;
    if !singles {
        for chunk in byte_chunks(&records, node.config.max_envelope_bytes) {
            let batch: Vec<&MessageRecord> = chunk.iter().map(|(_, record)| record).collect();
            let sent = attempt::attempt_batch(&node, &*link, &batch, &peer).await;
            if sent.unknown {
                tracing::info!(
                    "the peer does not know DeliverBatch; sending one message per call for the \
                     next hour"
                );
                lane.singles_until_ms
                    .store(now_ms() + SINGLES_FOR_MS, Ordering::Relaxed);
                sent_alone = true;
                break;
            }
            for ((position, _), outcome) in chunk.iter().zip(sent.outcomes) {
                outcomes[*position] = outcome;
            }
        }
    }
    if sent_alone {
        let alone = records
            .iter()
            .filter(|(position, _)| outcomes[*position].is_none())
            .map(|(position, record)| {
                let (node, link, peer) = (&node, &link, &peer);
                async move {
                    (
                        *position,
                        attempt::attempt(node, &**link, record, peer).await,
                    )
                }
            });
        for (position, outcome) in futures_util::future::join_all(alone).await {
            outcomes[position] = Some(outcome);
        }
    }
    let mut done = CallDone {
        finished: Vec::with_capacity(call.len()),
        alone: Vec::new(),
    };
    for ((message_id, item), outcome) in call.into_iter().zip(outcomes) {
        match outcome {
            Some(outcome) => done.finished.push(Finished {
                message_id,
                case_id: item.case_id.clone(),
                attempts: item.attempts + 1,
                started_ms,
                outcome,
            }),
            None => done.alone.push((message_id, item)),
        }
    }
    done
}

/// The stored record of `message_id` with its envelope, taken from `recent` if it is there (the
/// same bytes the log holds) rather than read back from the log.
fn stored_message(
    node: &Node,
    recent: &Recent,
    message_id: &str,
) -> Result<Option<MessageRecord>, crate::storage::store::StoreError> {
    let Some(envelope) = lock_recent(recent).by_id.get(message_id).cloned() else {
        return node.store.message(message_id);
    };
    Ok(node.store.message_fields(message_id)?.map(|mut record| {
        record.envelope = Some(envelope);
        record
    }))
}

/// One attempt of one message by `Deliver`, its attachments uploaded first.
async fn attempt_alone(
    node: Arc<Node>,
    recent: Recent,
    peer: String,
    link: Arc<dyn PeerLink>,
    (message_id, item): (String, Pending),
) -> Finished {
    let started_ms = now_ms();
    let outcome = match stored_message(&node, &recent, &message_id) {
        Ok(Some(record)) => attempt::attempt(&node, &*link, &record, &peer).await,
        Ok(None) => Outcome::Refused("the message is no longer stored".into()),
        Err(error) => Outcome::LocalFailure(error),
    };
    Finished {
        message_id,
        case_id: item.case_id,
        attempts: item.attempts + 1,
        started_ms,
        outcome,
    }
}

/// Consecutive runs of `records` whose envelopes together fit in `max_bytes` (a peer accepts
/// a call that large); an envelope larger than that alone goes alone.
fn byte_chunks<T>(records: &[(T, MessageRecord)], max_bytes: usize) -> Vec<&[(T, MessageRecord)]> {
    let mut chunks = Vec::new();
    let (mut start, mut bytes) = (0, 0usize);
    for (index, (_, record)) in records.iter().enumerate() {
        let size = record.envelope.as_ref().map_or(0, |envelope| {
            envelope.payload.len() + envelope.signature.len() + 16
        });
        if index > start && bytes + size > max_bytes {
            chunks.push(&records[start..index]);
            (start, bytes) = (index, 0);
        }
        bytes += size;
    }
    if start < records.len() {
        chunks.push(&records[start..]);
    }
    chunks
}

/// The earliest moment something becomes due: the peer's backoff, or a waiting message.
fn next_due(
    pending: &BTreeMap<String, Pending>,
    busy_cases: &HashSet<String>,
    peer_due: i64,
    now: i64,
) -> Option<i64> {
    if peer_due > now {
        return Some(peer_due);
    }
    pending
        .values()
        .filter(|item| item.next_attempt_ms > now && !busy_cases.contains(&item.case_id))
        .map(|item| item.next_attempt_ms)
        .min()
}

async fn sleep_until_ms(due_ms: Option<i64>) {
    let wait = due_ms.map_or(0, |due| due.saturating_sub(now_ms()).max(0));
    tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(0))).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(megabytes: usize, fill: u8) -> SignedEnvelope {
        SignedEnvelope {
            payload: vec![fill; megabytes * 1024 * 1024],
            signature: vec![fill; 64],
        }
    }

    #[test]
    fn recent_envelopes_drop_the_oldest_beyond_their_byte_bound() {
        let mut recent = RecentEnvelopes::default();
        recent.insert("a", &envelope(6, 1));
        recent.insert("b", &envelope(6, 2));
        // Offered again (a resubmission is not possible, but a second offer is harmless).
        recent.insert("b", &envelope(6, 2));
        assert_eq!(recent.bytes, 2 * (6 * 1024 * 1024 + 64));
        recent.insert("c", &envelope(6, 3));
        assert!(!recent.by_id.contains_key("a"), "the oldest made room");
        assert_eq!(recent.by_id["b"].payload[0], 2);
        assert_eq!(recent.by_id["c"].payload[0], 3);
        assert_eq!(recent.bytes, 2 * (6 * 1024 * 1024 + 64));
        assert!(recent.bytes <= RECENT_ENVELOPE_BYTES);
        // An envelope larger than the bound is never held, and evicts nothing.
        recent.insert("huge", &envelope(17, 4));
        assert!(!recent.by_id.contains_key("huge"));
        assert_eq!(recent.by_id.len(), 2);
        assert_eq!(recent.order.len(), 2);
    }
}
