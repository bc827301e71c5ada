//! How anything that queues a message wakes the outbox lane of its peer.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::Notify;

/// How anything that queues a message wakes the lane of its peer (the lanes wait on these).
#[derive(Debug, Default)]
pub struct QueueSignals {
    by_peer: BTreeMap<String, Arc<Notify>>,
}

impl QueueSignals {
    pub fn new<'a>(peers: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            by_peer: peers
                .into_iter()
                .map(|peer| (peer.to_owned(), Arc::new(Notify::new())))
                .collect(),
        }
    }

    /// Tells the lane for `peer` that new messages are queued.
    pub fn signal(&self, peer: &str) {
        if let Some(notify) = self.by_peer.get(peer) {
            notify.notify_one();
        }
    }

    /// What the lane for `peer` waits on.
    pub fn notify_of(&self, peer: &str) -> Arc<Notify> {
        self.by_peer.get(peer).cloned().unwrap_or_default()
    }
}
