//! Who may hold a federation connection, and for how long: the per-source budget of TLS
//! handshakes in progress, the per-peer budget of established connections, and the reasons an
//! established connection is closed (its certificate expired, the federation trust no longer
//! accepts it, its peer opened too many).
//!
//! Pre-handshake work is cheap and never refused: the accept loop always accepts, and when a
//! budget is full the *oldest* handshake of the source holding the most is shed, so a flood of
//! silent connections costs its sender its own slots and never keeps a new peer out. Established
//! connections are counted by the node id their certificate names; a peer over its share loses
//! its oldest connection, never another peer's. A connection with no call open for the idle
//! timeout is closed, and a request body must arrive whole within the body deadline
//! ([`CallTrackingLayer`] sees every call before its handler). HTTP/2 limits inside a
//! connection (streams, resets, header lists) are set on the server in `server.rs`.
//!
//! A caller outside the peer table (a *stranger*: its certificate is the federation CA's, its
//! node id not one of this node's peers, as the [`Gate`] says) has no business on the port:
//! every call of it is answered by the gate before any of its request body is read, all
//! strangers together hold one peer's budget of connections, and a stranger's connection
//! closes after [`STRANGER_IDLE_TIMEOUT`] without a call.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use tokio_util::sync::CancellationToken;
use tonic::body::Body;
use tonic::codegen::http;

use super::tls_listener::PeerIdentity;

/// A TLS 1.3 handshake takes two round trips; even across continents that is well under a
/// second. A client that has not finished by then is silent or hostile and loses its slot.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// Handshakes in progress from one IP address. Real peers handshake once or twice at a time
/// (a delivery and a witness connection); a source over this loses its oldest handshake.
pub const MAX_HANDSHAKES_PER_SOURCE: usize = 8;
/// Handshakes in progress in total (each holds a socket and a few KiB of TLS state). Over this,
/// the source holding the most loses its oldest, so sources with few are never shed first.
pub const MAX_HANDSHAKES: usize = 256;
/// Established connections per peer node id. The reference client keeps three per peer
/// (deliveries, witnessing, uploads); a peer over this loses its oldest connection. Each
/// connection may buffer up to its HTTP/2 connection window (4 MiB) of request bodies, so this
/// bounds a peer's buffered bytes at 32 MiB and its open calls at this times
/// `MAX_CONCURRENT_STREAMS`.
pub const MAX_CONNECTIONS_PER_PEER: usize = 8;
/// A stranger's connection with no call open for this long is closed. Long enough for its
/// first call to follow the handshake and for a refusal to be flushed before the connection
/// goes; short, since a stranger has nothing to wait for on the connection.
pub const STRANGER_IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// The connection budget key all strangers share: their node ids are not this node's to
/// count (the CA may have issued any number), and one stranger shedding another costs nothing.
const STRANGERS: &str = "";

/// Who may call on the federation port, and the answer to those who may not.
pub trait Gate: Send + Sync + std::fmt::Debug + 'static {
    /// Whether `node_id` is one of this node's peers.
    fn admits(&self, node_id: &str) -> bool;

    /// The answer to a call to `path` from a caller that is not a peer (`caller`: the node id
    /// its certificate names, if any), recorded as the node records such refusals. The
    /// request itself is never read.
    fn refuse(
        &self,
        caller: Option<String>,
        path: &str,
    ) -> Pin<Box<dyn Future<Output = tonic::Status> + Send>>;
}

/// One budget: holders keyed by `K`, oldest first, each with a token that sheds it.
#[derive(Debug)]
struct Budget<K> {
    next_id: u64,
    total: usize,
    holders: HashMap<K, VecDeque<(u64, CancellationToken)>>,
}

impl<K> Default for Budget<K> {
    fn default() -> Self {
        Self {
            next_id: 0,
            total: 0,
            holders: HashMap::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone> Budget<K> {
    /// Registers a new holder under `key`, shedding the oldest of `key` when it holds
    /// `per_key`, then the oldest of the largest holder while the total exceeds `total`.
    fn admit(&mut self, key: &K, per_key: usize, total: usize) -> (u64, CancellationToken) {
        let queue = self.holders.entry(key.clone()).or_default();
        while queue.len() >= per_key {
            if let Some((_, shed)) = queue.pop_front() {
                shed.cancel();
                self.total -= 1;
            }
        }
        while self.total >= total {
            let Some(largest) = self
                .holders
                .iter()
                .max_by_key(|(_, queue)| queue.len())
                .map(|(key, _)| key.clone())
            else {
                break;
            };
            if let Some((_, shed)) = self.holders.get_mut(&largest).and_then(VecDeque::pop_front) {
                shed.cancel();
                self.total -= 1;
            }
        }
        self.next_id += 1;
        let token = CancellationToken::new();
        self.holders
            .entry(key.clone())
            .or_default()
            .push_back((self.next_id, token.clone()));
        self.total += 1;
        (self.next_id, token)
    }

    fn release(&mut self, key: &K, id: u64) {
        if let Some(queue) = self.holders.get_mut(key) {
            if let Some(position) = queue.iter().position(|(held, _)| *held == id) {
                queue.remove(position);
                self.total -= 1;
            }
            if queue.is_empty() {
                self.holders.remove(key);
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The accounting of one listener: handshakes by source address, connections by peer.
#[derive(Debug, Default)]
pub struct ConnectionBudgets {
    handshakes: Mutex<Budget<IpAddr>>,
    peers: Mutex<Budget<String>>,
}

impl ConnectionBudgets {
    /// A handshake slot for a connection from `source`; may shed older handshakes.
    pub fn admit_handshake(self: &Arc<Self>, source: IpAddr) -> Slot {
        let (id, shed) =
            lock(&self.handshakes).admit(&source, MAX_HANDSHAKES_PER_SOURCE, MAX_HANDSHAKES);
        Slot {
            budgets: Arc::clone(self),
            held: Held::Handshake(source),
            id,
            shed,
        }
    }

    /// A connection slot for `peer` (the node id its certificate names), or for a stranger
    /// (`None`: not a peer, or no node id); may close the peer's oldest connection, or the
    /// strangers' oldest.
    pub fn admit_connection(self: &Arc<Self>, peer: Option<String>) -> Slot {
        let peer = peer.unwrap_or_else(|| STRANGERS.to_owned());
        let (id, shed) = lock(&self.peers).admit(&peer, MAX_CONNECTIONS_PER_PEER, usize::MAX);
        Slot {
            budgets: Arc::clone(self),
            held: Held::Connection(peer),
            id,
            shed,
        }
    }

    /// Handshakes now in progress, and established connections.
    pub fn counts(&self) -> (usize, usize) {
        (lock(&self.handshakes).total, lock(&self.peers).total)
    }
}

#[derive(Debug)]
enum Held {
    Handshake(IpAddr),
    Connection(String),
}

/// A place in a budget, given back on drop; shed when a newer holder took it.
#[derive(Debug)]
pub struct Slot {
    budgets: Arc<ConnectionBudgets>,
    held: Held,
    id: u64,
    shed: CancellationToken,
}

impl Slot {
    /// Resolves when a newer holder took this slot.
    pub fn shed(&self) -> tokio_util::sync::WaitForCancellationFutureOwned {
        self.shed.clone().cancelled_owned()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        match &self.held {
            Held::Handshake(source) => lock(&self.budgets.handshakes).release(source, self.id),
            Held::Connection(peer) => lock(&self.budgets.peers).release(peer, self.id),
        }
    }
}

/// Why the node closed an established connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The client certificate's validity ended; a new handshake with it fails.
    CertificateExpired,
    /// The federation trust changed and refuses the client certificate now (revoked, not a
    /// member, or no longer chaining to an accepted CA); a new handshake with it fails.
    TrustWithdrawn,
    /// The peer opened more than [`MAX_CONNECTIONS_PER_PEER`] connections; this was its oldest.
    PeerOverConnectionLimit,
    /// No call was open on the connection for the idle timeout.
    Idle,
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::CertificateExpired => "the client certificate expired",
            Self::TrustWithdrawn => "the federation trust no longer accepts the client certificate",
            Self::PeerOverConnectionLimit => {
                "the peer opened more connections than its share; this was its oldest"
            }
            Self::Idle => "no call on the connection for the idle timeout",
        })
    }
}

/// Resolves when the federation trust in force refuses a connection's certificate (see
/// `identity::tls::until_refused`).
pub type Withdrawal = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Resolves when an established connection must close: at its certificate's notAfter, when the
/// federation trust stops accepting its certificate, when its peer's newer connections shed
/// it, or when it carried no call for the idle timeout. Polled by the connection's reads and
/// writes, so it costs one timer per connection and no task.
pub struct Closing {
    deadline: Pin<Box<dyn Future<Output = CloseReason> + Send>>,
    /// The certificate's notAfter on the runtime's clock, read on every poll as well: a timer
    /// fires only when the runtime next looks, and a read must not slip in between.
    expires_at: Option<tokio::time::Instant>,
    // Kept so the slot is released when the connection is dropped.
    _slot: Slot,
}

impl std::fmt::Debug for Closing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Closing").finish_non_exhaustive()
    }
}

impl Closing {
    /// Closes at `not_after` (if any), when `withdrawn` (if any) resolves, when `slot` is
    /// shed, or after `idle_timeout` without a call open in `activity`.
    pub fn new(
        slot: Slot,
        not_after: Option<SystemTime>,
        withdrawn: Option<Withdrawal>,
        activity: Arc<Activity>,
        idle_timeout: Duration,
    ) -> Self {
        let shed = slot.shed();
        let expiry = not_after.map(|not_after| {
            let left = not_after
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO);
            tokio::time::Instant::now() + left
        });
        let deadline = Box::pin(async move {
            let expired = async {
                match expiry {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let idle = async {
                loop {
                    match activity.idle_since() {
                        Some(since) if tokio::time::Instant::now() >= since + idle_timeout => {
                            return;
                        }
                        Some(since) => tokio::time::sleep_until(since + idle_timeout).await,
                        None => tokio::time::sleep(idle_timeout).await,
                    }
                }
            };
            let withdrawn = async {
                match withdrawn {
                    Some(withdrawn) => withdrawn.await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = expired => CloseReason::CertificateExpired,
                () = withdrawn => CloseReason::TrustWithdrawn,
                () = shed => CloseReason::PeerOverConnectionLimit,
                () = idle => CloseReason::Idle,
            }
        });
        Self {
            deadline,
            expires_at: expiry,
            _slot: slot,
        }
    }

    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<CloseReason> {
        if self
            .expires_at
            .is_some_and(|at| tokio::time::Instant::now() >= at)
        {
            return Poll::Ready(CloseReason::CertificateExpired);
        }
        self.deadline.as_mut().poll(cx)
    }
}

/// The calls open on one connection, and since when it has had none.
#[derive(Debug)]
pub struct Activity {
    /// Calls open now, and when that number last changed.
    state: Mutex<(usize, tokio::time::Instant)>,
}

impl Activity {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new((0, tokio::time::Instant::now())),
        })
    }

    fn begin(self: &Arc<Self>) -> OpenCall {
        let mut state = lock(&self.state);
        *state = (state.0 + 1, tokio::time::Instant::now());
        OpenCall(Arc::clone(self))
    }

    /// Since when no call has been open; `None` while one is.
    fn idle_since(&self) -> Option<tokio::time::Instant> {
        let (open, since) = *lock(&self.state);
        (open == 0).then_some(since)
    }
}

/// One call counted as open until its response has been sent (or the call was dropped).
#[derive(Debug)]
struct OpenCall(Arc<Activity>);

impl Drop for OpenCall {
    fn drop(&mut self) {
        let mut state = lock(&self.0.state);
        *state = (state.0.saturating_sub(1), tokio::time::Instant::now());
    }
}

/// Requests whose body is a stream a client may legitimately keep open for long (an upload,
/// reflection's conversation); the attachment transfer rules bound uploads instead.
const STREAMING_REQUESTS: &[&str] = &[
    "/rogatory.v1.Federation/PutAttachment",
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
];

/// Sees every federation call before its handler: counts it open on its connection (for the
/// idle timeout) until the response is sent, answers a stranger's call through the [`Gate`]
/// without reading its body, and gives a unary request's body a deadline.
#[derive(Debug, Clone)]
pub struct CallTrackingLayer {
    /// A request body (other than [`STREAMING_REQUESTS`]) not whole by then fails the call.
    pub body_deadline: Duration,
    /// Who may call; everyone else is answered by it.
    pub gate: Arc<dyn Gate>,
}

impl<S> tower::Layer<S> for CallTrackingLayer {
    type Service = CallTracking<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CallTracking {
            inner,
            body_deadline: self.body_deadline,
            gate: Arc::clone(&self.gate),
        }
    }
}

#[derive(Debug, Clone)]
pub struct CallTracking<S> {
    inner: S,
    body_deadline: Duration,
    gate: Arc<dyn Gate>,
}

type BoxedResponse<E> =
    Pin<Box<dyn Future<Output = Result<http::Response<Body>, E>> + Send + 'static>>;

impl<S> tower::Service<http::Request<Body>> for CallTracking<S>
where
    S: tower::Service<http::Request<Body>, Response = http::Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxedResponse<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let identity = request.extensions().get::<PeerIdentity>();
        let open = identity.map(|identity| identity.activity.begin());
        let caller = identity.and_then(|identity| identity.node_id.clone().ok());
        if !caller.as_deref().is_some_and(|id| self.gate.admits(id)) {
            // Answered from the headers alone: the body is dropped unread.
            let refusal = self.gate.refuse(caller, request.uri().path());
            return Box::pin(async move {
                let refusal: http::Response<Body> = refusal.await.into_http();
                Ok(until_sent(refusal, open))
            });
        }
        let request = if STREAMING_REQUESTS.contains(&request.uri().path()) {
            request
        } else {
            let deadline = self.body_deadline;
            request.map(|body| Body::new(DeadlineBody::new(body, deadline)))
        };
        let response = self.inner.call(request);
        Box::pin(async move { Ok(until_sent(response.await?, open)) })
    }
}

/// `response`, with its call counted open until its body (a stream, perhaps) is dropped.
fn until_sent(response: http::Response<Body>, open: Option<OpenCall>) -> http::Response<Body> {
    response.map(|body| {
        Body::new(body.map_frame(move |frame| {
            let _open = &open;
            frame
        }))
    })
}

/// A request body that fails once `deadline` has passed before it ended.
struct DeadlineBody {
    inner: Body,
    after: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl DeadlineBody {
    fn new(inner: Body, after: Duration) -> Self {
        Self {
            inner,
            after,
            deadline: Box::pin(tokio::time::sleep(after)),
        }
    }
}

impl http_body::Body for DeadlineBody {
    type Data = tonic::codegen::Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(super::status::request_too_slow(self.after)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_over_its_share_loses_its_oldest_handshake() {
        let budgets = Arc::new(ConnectionBudgets::default());
        let source: IpAddr = [127, 0, 0, 1].into();
        let slots: Vec<_> = (0..MAX_HANDSHAKES_PER_SOURCE + 1)
            .map(|_| budgets.admit_handshake(source))
            .collect();
        assert!(slots[0].shed.is_cancelled());
        assert!(slots[1..].iter().all(|slot| !slot.shed.is_cancelled()));
        assert_eq!(budgets.counts().0, MAX_HANDSHAKES_PER_SOURCE);
        drop(slots);
        assert_eq!(budgets.counts().0, 0);
    }

    #[test]
    fn a_full_budget_sheds_the_largest_source_never_a_newcomer() {
        let budgets = Arc::new(ConnectionBudgets::default());
        let mut held = Vec::new();
        // Sources at their share fill the whole budget.
        for n in 0..MAX_HANDSHAKES {
            let source: IpAddr = [10, 0, 0, (n / MAX_HANDSHAKES_PER_SOURCE) as u8].into();
            held.push(budgets.admit_handshake(source));
        }
        let newcomer = budgets.admit_handshake([192, 0, 2, 1].into());
        assert_eq!(budgets.counts().0, MAX_HANDSHAKES);
        for _ in 0..MAX_HANDSHAKES {
            held.push(budgets.admit_handshake([10, 9, 9, 9].into()));
        }
        assert!(!newcomer.shed.is_cancelled());
    }

    #[tokio::test]
    async fn a_connection_is_idle_only_while_no_call_is_open() {
        let activity = Activity::new();
        let opened = activity.idle_since();
        assert!(opened.is_some());
        let calls = [activity.begin(), activity.begin()];
        assert_eq!(activity.idle_since(), None);
        let [first, second] = calls;
        drop(first);
        assert_eq!(activity.idle_since(), None);
        drop(second);
        assert!(activity.idle_since() >= opened);
    }

    #[test]
    fn a_peer_over_its_connection_share_loses_its_oldest_only() {
        let budgets = Arc::new(ConnectionBudgets::default());
        let other = budgets.admit_connection(Some("de".into()));
        let own: Vec<_> = (0..=MAX_CONNECTIONS_PER_PEER)
            .map(|_| budgets.admit_connection(Some("tm".into())))
            .collect();
        assert!(own[0].shed.is_cancelled());
        assert!(!own[1].shed.is_cancelled());
        assert!(!other.shed.is_cancelled());
    }

    #[test]
    fn strangers_together_hold_one_peers_share_of_connections() {
        let budgets = Arc::new(ConnectionBudgets::default());
        let peer = budgets.admit_connection(Some("de".into()));
        // Strangers of any node id count under one key.
        let strangers: Vec<_> = (0..=MAX_CONNECTIONS_PER_PEER)
            .map(|_| budgets.admit_connection(None))
            .collect();
        assert!(strangers[0].shed.is_cancelled());
        assert!(strangers[1..].iter().all(|slot| !slot.shed.is_cancelled()));
        assert!(!peer.shed.is_cancelled());
        assert_eq!(budgets.counts().1, MAX_CONNECTIONS_PER_PEER + 1);
    }
}
