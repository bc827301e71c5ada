//! Per-peer admission: how much of this node's capacity each peer may take, and how much of
//! the audit log a caller's refused deliveries may fill. All per-peer accounting of the
//! federation service is here, so that one peer can neither keep the others waiting nor grow
//! the log without bound on its own say-so.
//!
//! Capacity ([`Shares`]): the `max_concurrent_deliveries` permits that `Deliver`,
//! `DeliverBatch` (one per envelope), `Witness`, `HeldCheckpoint`, `GetDirectory` and
//! `AttachmentStatus` take. Each peer has a guaranteed share; a peer may take more only while
//! every other peer's unused share stays free, so a peer that starts calling always finds its
//! share. Callers outside the peer table get no permit at all: the federation service checks
//! identity first.
//!
//! Rejections ([`Tallies`]): the first few refusals of one kind from one caller in a window are
//! logged one by one (the evidence of a particular forged envelope); the rest of the window
//! are counted and written as one aggregated `REJECTION` entry when the window closes
//! (docs/AUDIT-FORMAT.md section 4).
//!
//! No lock here is held across an `.await`; nothing here does I/O.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The part of `max_concurrent_deliveries` split into guaranteed shares, one per peer
/// (numerator, denominator): half. The other half is lent to whichever peers need it, so a
/// lone busy peer still gets more than its share, while every peer always finds its own.
const GUARANTEED_PART: (usize, usize) = (1, 2);

/// Refusals of one kind from one caller logged one by one in each window: enough to keep the
/// evidence of the first forged or misaddressed envelopes (and every refusal of an ordinary
/// bad run, such as a peer's mistaken status updates), few enough that a caller repeating them
/// cannot grow the log faster than this many entries (plus one aggregate) per kind per window.
pub const RECORDED_PER_WINDOW: u32 = 16;

/// How long a window of rejection counting lasts: the precision, in time, of an aggregated
/// entry, and how late it is written at most.
pub const REJECTION_WINDOW_MS: i64 = 60_000;

/// Distinct callers whose rejections are counted apart (peers and callers outside the peer
/// table alike). Identities come from certificates the federation CA issued, but no one
/// bounds how many it issued: beyond this many, callers outside the peer table are counted
/// together, under an empty identity.
const MAX_TALLIED_CALLERS: usize = 1024;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The node's per-peer accounting.
#[derive(Debug)]
pub struct Admission {
    shares: Mutex<Shares>,
    tallies: Mutex<Tallies>,
}

impl Admission {
    /// `capacity` permits shared among `peers`.
    pub fn new<'a>(capacity: usize, peers: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            shares: Mutex::new(Shares::new(capacity, peers)),
            tallies: Mutex::new(Tallies::default()),
        }
    }

    /// Takes up to `wanted` permits for `peer` (a peer of this node), or `None` if its share
    /// and what it may borrow are taken: the caller answers "busy". A request for more than
    /// the most one peer may ever hold takes that most.
    pub fn admit(&self, peer: &str, wanted: usize) -> Option<Permit<'_>> {
        let taken = lock(&self.shares).take(peer, wanted)?;
        Some(Permit {
            admission: self,
            peer: peer.to_owned(),
            taken,
        })
    }

    /// Shares the permits among `peers` from now on (a roster changed the peer table).
    pub fn set_peers(&self, peers: &[String]) {
        lock(&self.shares).set_peers(peers);
    }

    /// Notes a refusal of kind `reason` of `messages` messages from `caller` (its TLS
    /// identity, empty if none) at `now_ms`: whether to log it in full (true), or only count it
    /// into the window's aggregate (false). `peer` says whether `caller` is in the peer table.
    pub fn note_rejection(
        &self,
        caller: &str,
        peer: bool,
        reason: &'static str,
        messages: u64,
        now_ms: i64,
        detail: impl FnOnce() -> Unrecorded,
    ) -> bool {
        lock(&self.tallies).note(caller, peer, reason, messages, now_ms, detail)
    }

    /// The aggregates of the windows closed by `now_ms`, to be logged; all of them if
    /// `now_ms` is `None` (the node is stopping).
    pub fn closed_windows(&self, now_ms: Option<i64>) -> Vec<Aggregate> {
        lock(&self.tallies).close(now_ms)
    }
}

/// Permits held for a peer; given back when dropped.
#[derive(Debug)]
pub struct Permit<'a> {
    admission: &'a Admission,
    peer: String,
    taken: usize,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        lock(&self.admission.shares).give_back(&self.peer, self.taken);
    }
}

/// Each of `peers` peers' guaranteed part of `capacity`.
fn guaranteed_share(capacity: usize, peers: usize) -> usize {
    let (part, whole) = GUARANTEED_PART;
    let split = capacity * part / whole / peers.max(1);
    // Every peer gets at least one permit if there are enough for all.
    if peers <= capacity {
        split.max(1)
    } else {
        split
    }
}

/// Permits in use per peer, and the rule for taking more.
///
/// A peer's commitment is the larger of what it holds and its guaranteed share; a peer may
/// take permits only while the commitments of all peers together stay within the capacity.
/// Since the shares together fit in it, a peer holding less than its share can always take up
/// to its share, whatever the others hold.
#[derive(Debug)]
struct Shares {
    capacity: usize,
    guaranteed: usize,
    in_use: HashMap<String, usize>,
}

impl Shares {
    fn new<'a>(capacity: usize, peers: impl IntoIterator<Item = &'a str>) -> Self {
        let in_use: HashMap<String, usize> =
            peers.into_iter().map(|peer| (peer.to_owned(), 0)).collect();
        Self {
            capacity,
            guaranteed: guaranteed_share(capacity, in_use.len()),
            in_use,
        }
    }

    /// Shares among `peers` from now on. What a peer removed since still holds stays counted
    /// until it is given back, so the capacity is never exceeded.
    fn set_peers(&mut self, peers: &[String]) {
        let mut in_use: HashMap<String, usize> =
            self.in_use.drain().filter(|(_, held)| *held > 0).collect();
        for peer in peers {
            in_use.entry(peer.clone()).or_insert(0);
        }
        self.guaranteed = guaranteed_share(self.capacity, in_use.len());
        self.in_use = in_use;
    }

    /// The most permits `peer` could hold: all but the others' guaranteed shares.
    fn ceiling(&self) -> usize {
        let others = self.in_use.len().saturating_sub(1);
        self.capacity.saturating_sub(others * self.guaranteed)
    }

    fn commitment(&self, held: usize) -> usize {
        held.max(self.guaranteed)
    }

    fn take(&mut self, peer: &str, wanted: usize) -> Option<usize> {
        let wanted = wanted.min(self.ceiling()).max(1);
        let held = *self.in_use.get(peer)?;
        let others: usize = self
            .in_use
            .iter()
            .filter(|(id, _)| id.as_str() != peer)
            .map(|(_, held)| self.commitment(*held))
            .sum();
        if others + self.commitment(held + wanted) > self.capacity {
            return None;
        }
        self.in_use.insert(peer.to_owned(), held + wanted);
        Some(wanted)
    }

    fn give_back(&mut self, peer: &str, taken: usize) {
        if let Some(held) = self.in_use.get_mut(peer) {
            *held = held.saturating_sub(taken);
        }
    }
}

/// What an aggregate keeps of a rejection counted but not logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrecorded {
    /// SHA-256 of the refused payload, hex, or `none`.
    pub payload_sha256: String,
    /// The status message, already cut to the length the log keeps.
    pub message: String,
}

/// Rejections of one kind from one caller, counted in one window but not logged one by one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregate {
    /// The caller's TLS identity; empty for callers outside the peer table counted together.
    pub caller: String,
    pub reason: &'static str,
    /// Messages refused and not logged one by one.
    pub count: u64,
    pub first_ms: i64,
    pub last_ms: i64,
    pub first: Unrecorded,
    pub last: Unrecorded,
}

impl Aggregate {
    /// The `detail` of its `REJECTION` entry (docs/AUDIT-FORMAT.md section 4).
    pub fn detail(&self) -> String {
        format!(
            "{}: repeated {} times from {} to {} (Unix ms), not recorded one by one; first \
             payload sha256 {}; last payload sha256 {}; last message: {}",
            self.reason,
            self.count,
            self.first_ms,
            self.last_ms,
            self.first.payload_sha256,
            self.last.payload_sha256,
            self.last.message
        )
    }
}

#[derive(Debug)]
struct Tally {
    window_start_ms: i64,
    recorded: u32,
    unrecorded: Option<Aggregate>,
}

#[derive(Debug, Default)]
struct Tallies {
    by_caller: HashMap<(String, &'static str), Tally>,
    /// Aggregates of windows that closed when a new rejection opened the next one.
    closed: Vec<Aggregate>,
}

impl Tallies {
    fn note(
        &mut self,
        caller: &str,
        peer: bool,
        reason: &'static str,
        messages: u64,
        now_ms: i64,
        detail: impl FnOnce() -> Unrecorded,
    ) -> bool {
        let known = self.by_caller.contains_key(&(caller.to_owned(), reason));
        let caller = if peer || known || self.by_caller.len() < MAX_TALLIED_CALLERS {
            caller
        } else {
            ""
        };
        let tally = self
            .by_caller
            .entry((caller.to_owned(), reason))
            .or_insert(Tally {
                window_start_ms: now_ms,
                recorded: 0,
                unrecorded: None,
            });
        if now_ms.saturating_sub(tally.window_start_ms) >= REJECTION_WINDOW_MS {
            self.closed.extend(tally.unrecorded.take());
            tally.window_start_ms = now_ms;
            tally.recorded = 0;
        }
        if tally.recorded < RECORDED_PER_WINDOW {
            tally.recorded += 1;
            return true;
        }
        let unrecorded = detail();
        match &mut tally.unrecorded {
            Some(aggregate) => {
                aggregate.count = aggregate.count.saturating_add(messages);
                aggregate.last_ms = now_ms;
                aggregate.last = unrecorded;
            }
            None => {
                tally.unrecorded = Some(Aggregate {
                    caller: caller.to_owned(),
                    reason,
                    count: messages,
                    first_ms: now_ms,
                    last_ms: now_ms,
                    first: unrecorded.clone(),
                    last: unrecorded,
                })
            }
        }
        false
    }

    fn close(&mut self, now_ms: Option<i64>) -> Vec<Aggregate> {
        let mut closed = std::mem::take(&mut self.closed);
        self.by_caller.retain(|_, tally| {
            let over = now_ms
                .is_none_or(|now| now.saturating_sub(tally.window_start_ms) >= REJECTION_WINDOW_MS);
            if over {
                closed.extend(tally.unrecorded.take());
            }
            !over
        });
        closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_within_its_share_is_admitted_whatever_another_holds() {
        // 16 permits, two peers: 4 guaranteed each, at most 12 for one.
        let admission = Admission::new(16, ["tm", "fr"]);
        let flood = admission.admit("tm", 64).expect("borrows idle capacity");
        assert_eq!(flood.taken, 12);
        assert!(admission.admit("tm", 1).is_none(), "tm has all it may take");
        let fr: Vec<_> = (0..4)
            .map(|_| admission.admit("fr", 1).expect("fr's share is kept free"))
            .collect();
        assert!(admission.admit("fr", 1).is_none(), "nothing left to lend");
        drop(flood);
        // Now fr may borrow, but must leave tm's share free: a batch counts in whole (at most
        // what one peer may hold), so fr's next one of 64 waits until fr holds nothing.
        assert!(admission.admit("fr", 64).is_none());
        let more = admission.admit("fr", 8).expect("borrows");
        assert!(admission.admit("fr", 1).is_none());
        assert!(admission.admit("tm", 4).is_some());
        drop((fr, more));
        assert!(admission.admit("xx", 1).is_none(), "not a peer");
    }

    #[test]
    fn a_lone_peer_may_take_everything() {
        let admission = Admission::new(256, ["tm"]);
        let first = admission.admit("tm", 64).expect("admitted");
        let rest: Vec<_> = (0..3).map(|_| admission.admit("tm", 64)).collect();
        assert!(rest.iter().all(Option::is_some));
        assert!(admission.admit("tm", 1).is_none());
        drop((first, rest));
    }

    fn unrecorded(hash: &str) -> Unrecorded {
        Unrecorded {
            payload_sha256: hash.into(),
            message: format!("forged {hash}"),
        }
    }

    #[test]
    fn the_first_rejections_of_a_window_are_logged_and_the_rest_aggregated() {
        let admission = Admission::new(8, ["tm"]);
        let note = |at: i64, hash: &str| {
            admission.note_rejection("tm", true, "bad-signature", 1, at, || unrecorded(hash))
        };
        for i in 0..RECORDED_PER_WINDOW {
            assert!(note(1_000 + i64::from(i), "a"), "rejection {i} is logged");
        }
        assert!(!note(2_000, "b"));
        assert!(!note(3_000, "c"));
        // Another kind, another caller: counted apart.
        assert!(admission.note_rejection("tm", true, "malformed", 1, 3_000, || unrecorded("m")));
        assert!(admission.closed_windows(Some(3_000)).is_empty());
        // The next rejection after the window opens a new one; the old one's aggregate waits.
        assert!(note(1_000 + REJECTION_WINDOW_MS, "d"));
        let closed = admission.closed_windows(Some(1_000 + REJECTION_WINDOW_MS));
        assert_eq!(
            closed,
            [Aggregate {
                caller: "tm".into(),
                reason: "bad-signature",
                count: 2,
                first_ms: 2_000,
                last_ms: 3_000,
                first: unrecorded("b"),
                last: unrecorded("c"),
            }]
        );
        assert!(closed[0].detail().starts_with(
            "bad-signature: repeated 2 times from 2000 to 3000 (Unix ms), not recorded one by one"
        ));
        // Stopping closes every window; a window with nothing unrecorded leaves no aggregate.
        assert!(admission.closed_windows(None).is_empty());
    }

    #[test]
    fn callers_beyond_the_tallied_ones_are_counted_together() {
        let admission = Admission::new(8, ["tm"]);
        for i in 0..MAX_TALLIED_CALLERS {
            admission.note_rejection(&format!("x{i}"), false, "unknown-peer", 1, 0, || {
                unrecorded("x")
            });
        }
        for _ in 0..RECORDED_PER_WINDOW + 3 {
            admission.note_rejection("y", false, "unknown-peer", 1, 0, || unrecorded("y"));
        }
        // A peer is always counted apart.
        assert!(admission.note_rejection("tm", true, "malformed", 1, 0, || unrecorded("t")));
        let closed = admission.closed_windows(None);
        assert_eq!(closed.len(), 1);
        assert_eq!((closed[0].caller.as_str(), closed[0].count), ("", 3));
    }
}
