//! The peer table: which nodes this node talks to, where they are, and their signing keys.
//!
//! Its source is either the node's configuration (`[[peers]]`, fixed while the node runs) or
//! the federation's roster (docs/PROTOCOL.md section 11), which changes while the node runs.
//! Everyone asks [`Peers`] for the table in force now; whoever keeps something per peer
//! subscribes to its changes ([`Peers::subscribe`]) instead of reading the table once at start.

use std::collections::BTreeMap;
use std::sync::Arc;

use ed25519_dalek::VerifyingKey;
use rogatory_proto::ids::NodeId;
use tokio::sync::watch;

use crate::identity::config::PeerConfig;

/// One of a member's signing keys and the times it may have signed at (docs/PROTOCOL.md section
/// 11.3). A key from node.toml has no window: `not_before_ms` 0, never retired or revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerKey {
    pub public_key: VerifyingKey,
    pub not_before_ms: i64,
    /// 0: not retired.
    pub retired_at_ms: i64,
    /// 0: not revoked.
    pub revoked_at_ms: i64,
}

impl PeerKey {
    /// A key valid at every time (one from node.toml).
    pub fn unbounded(public_key: VerifyingKey) -> Self {
        Self {
            public_key,
            not_before_ms: 0,
            retired_at_ms: 0,
            revoked_at_ms: 0,
        }
    }
}

/// One version of the peer table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerTable {
    peers: BTreeMap<String, PeerConfig>,
    /// The roster this table was made from, `None` when it comes from the configuration.
    roster_serial: Option<u64>,
    /// Every key the roster lists for each member (this node included), oldest first, with its
    /// window: a signature is checked against the key valid at its own time, not only the
    /// newest. Empty for a table from the configuration (each peer's one key, no window).
    key_history: BTreeMap<String, Vec<PeerKey>>,
}

impl PeerTable {
    pub fn new(peers: impl IntoIterator<Item = PeerConfig>) -> Self {
        Self {
            peers: peers
                .into_iter()
                .map(|peer| (peer.node_id.as_str().to_owned(), peer))
                .collect(),
            roster_serial: None,
            key_history: BTreeMap::new(),
        }
    }

    /// A table made from roster `serial`.
    pub fn from_roster(serial: u64, peers: impl IntoIterator<Item = PeerConfig>) -> Self {
        Self {
            roster_serial: Some(serial),
            ..Self::new(peers)
        }
    }

    /// The same table, with each member's keys and their windows (from a roster).
    pub fn with_key_history(mut self, history: BTreeMap<String, Vec<PeerKey>>) -> Self {
        self.key_history = history;
        self
    }

    pub fn roster_serial(&self) -> Option<u64> {
        self.roster_serial
    }

    /// Every key `node_id` may have signed with, with their windows: the roster's list, or the
    /// one configured key of a peer from node.toml. Empty for a stranger.
    pub fn keys_of(&self, node_id: &str) -> Vec<PeerKey> {
        match self.key_history.get(node_id) {
            Some(keys) => keys.clone(),
            None => self
                .public_key(node_id)
                .map(PeerKey::unbounded)
                .into_iter()
                .collect(),
        }
    }

    pub fn get(&self, node_id: &str) -> Option<&PeerConfig> {
        self.peers.get(node_id)
    }

    pub fn public_key(&self, node_id: &str) -> Option<VerifyingKey> {
        self.get(node_id).map(|peer| peer.public_key)
    }

    pub fn contains(&self, node_id: &NodeId) -> bool {
        self.peers.contains_key(node_id.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = &PeerConfig> {
        self.peers.values()
    }

    /// The peers' node ids, sorted.
    pub fn ids(&self) -> Vec<String> {
        self.peers.keys().cloned().collect()
    }
}

/// The peer table in force, replaced whole when a roster is applied.
#[derive(Debug)]
pub struct Peers {
    current: watch::Sender<Arc<PeerTable>>,
}

impl Peers {
    pub fn new(table: PeerTable) -> Self {
        Self {
            current: watch::Sender::new(Arc::new(table)),
        }
    }

    /// The table in force now (a snapshot: later replacements do not change it).
    pub fn snapshot(&self) -> Arc<PeerTable> {
        Arc::clone(&self.current.borrow())
    }

    /// Puts `table` in force and tells every subscriber.
    pub fn replace(&self, table: PeerTable) {
        self.current.send_replace(Arc::new(table));
    }

    /// Wakes whoever keeps something per peer when the table changes.
    pub fn subscribe(&self) -> watch::Receiver<Arc<PeerTable>> {
        self.current.subscribe()
    }

    pub fn get(&self, node_id: &str) -> Option<PeerConfig> {
        self.current.borrow().get(node_id).cloned()
    }

    pub fn public_key(&self, node_id: &str) -> Option<VerifyingKey> {
        self.current.borrow().public_key(node_id)
    }

    /// Every key `node_id` may have signed with, with their windows (see [`PeerTable::keys_of`]).
    pub fn keys_of(&self, node_id: &str) -> Vec<PeerKey> {
        self.current.borrow().keys_of(node_id)
    }

    /// Whether the table comes from a roster (a key it does not know may be in a newer one).
    pub fn from_roster(&self) -> bool {
        self.current.borrow().roster_serial().is_some()
    }

    pub fn contains(&self, node_id: &NodeId) -> bool {
        self.current.borrow().contains(node_id)
    }

    pub fn is_peer(&self, node_id: &str) -> bool {
        self.current.borrow().get(node_id).is_some()
    }

    /// The peers in force now, sorted by node id.
    pub fn list(&self) -> Vec<PeerConfig> {
        self.current.borrow().iter().cloned().collect()
    }

    /// The peers' node ids in force now, sorted.
    pub fn ids(&self) -> Vec<String> {
        self.current.borrow().ids()
    }
}
