//! The checkpoint of each peer's log this node has adopted, each behind its own lock: the
//! state `delivery::witness` judges against.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::storage::store::{Store, StoreError};

/// One judgement at a time per peer, over the checkpoint of its log this node has adopted.
///
/// Judging a checkpoint, adopting it, cosigning it and recording a contradiction are one step
/// per peer: two calls that show two histories of one log (racing witness requests, delivery
/// answers, or both) are judged one after the other, so the second is judged against the
/// first and caught, whichever wins. Different peers are judged side by side.
///
/// Each slot holds the note of the newest checkpoint adopted, set when its write is queued to
/// the store, so that a call cancelled while its write commits (a peer resetting its stream)
/// cannot let the next one judge against the older checkpoint: queued writes commit in order,
/// and every answer that relies on the held checkpoint awaits its own commit first.
#[derive(Debug)]
pub struct Judges {
    /// A peer's slot is made when it is first needed (a peer added by a roster gets one then)
    /// and kept: a slot of a peer removed since is harmless, and dropping it could let a call
    /// still holding the old slot race one holding a new one.
    by_peer: Mutex<HashMap<String, Slot>>,
}

/// A peer's adopted checkpoint behind its lock.
pub type Slot = Arc<tokio::sync::Mutex<Option<String>>>;

impl Judges {
    /// A slot for each of `peers`, holding the checkpoint of its log stored now.
    pub fn load<'a>(
        store: &Store,
        peers: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, StoreError> {
        let mut by_peer = HashMap::new();
        for peer in peers {
            let held = store.peer_checkpoint(peer)?;
            by_peer.insert(peer.to_owned(), Arc::new(tokio::sync::Mutex::new(held)));
        }
        Ok(Self {
            by_peer: Mutex::new(by_peer),
        })
    }

    /// The slot of `peer`, made from the store if it has none yet. The caller checks that
    /// `peer` is a peer.
    pub fn slot(&self, store: &Store, peer: &str) -> Result<Slot, StoreError> {
        let mut by_peer = self.by_peer.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = by_peer.get(peer) {
            return Ok(Arc::clone(slot));
        }
        let slot = Arc::new(tokio::sync::Mutex::new(store.peer_checkpoint(peer)?));
        by_peer.insert(peer.to_owned(), Arc::clone(&slot));
        Ok(slot)
    }
}
