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

/// One version of the peer table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerTable {
    peers: BTreeMap<String, PeerConfig>,
    /// The roster this table was made from, `None` when it comes from the configuration.
    roster_serial: Option<u64>,
}

impl PeerTable {
    pub fn new(peers: impl IntoIterator<Item = PeerConfig>) -> Self {
        Self {
            peers: peers
                .into_iter()
                .map(|peer| (peer.node_id.as_str().to_owned(), peer))
                .collect(),
            roster_serial: None,
        }
    }

    /// A table made from roster `serial`.
    pub fn from_roster(serial: u64, peers: impl IntoIterator<Item = PeerConfig>) -> Self {
        Self {
            roster_serial: Some(serial),
            ..Self::new(peers)
        }
    }

    pub fn roster_serial(&self) -> Option<u64> {
        self.roster_serial
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
