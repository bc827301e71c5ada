//! The peer table: which nodes this node talks to, where they are, and their signing keys.
//!
//! Today it is read from the node's configuration. A signed, federation-wide roster with key
//! rotation will replace that source; everything else asks this module, so only it changes.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;
use rogatory_proto::ids::NodeId;

use crate::identity::config::PeerConfig;

#[derive(Debug, Clone)]
pub struct PeerTable {
    peers: BTreeMap<String, PeerConfig>,
}

impl PeerTable {
    pub fn new(peers: impl IntoIterator<Item = PeerConfig>) -> Self {
        Self {
            peers: peers
                .into_iter()
                .map(|peer| (peer.node_id.as_str().to_owned(), peer))
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
}
