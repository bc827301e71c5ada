//! How anything that queues a message wakes the outbox lane of its peer.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

/// How anything that queues a message wakes the lane of its peer (the lanes wait on these).
#[derive(Debug, Default)]
pub struct QueueSignals {
    /// Made on first use: a peer added by a roster gets its signal when its lane starts.
    by_peer: Mutex<BTreeMap<String, Arc<Notify>>>,
}

impl QueueSignals {
    pub fn new<'a>(peers: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            by_peer: Mutex::new(
                peers
                    .into_iter()
                    .map(|peer| (peer.to_owned(), Arc::new(Notify::new())))
                    .collect(),
            ),
        }
    }

    /// Tells the lane for `peer` that new messages are queued (a lane started later finds the
    /// signal waiting).
    pub fn signal(&self, peer: &str) {
        self.notify_of(peer).notify_one();
    }

    /// What the lane for `peer` waits on.
    pub fn notify_of(&self, peer: &str) -> Arc<Notify> {
        let mut by_peer = self.by_peer.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(by_peer.entry(peer.to_owned()).or_default())
    }
}
