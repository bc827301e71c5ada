//! Key pinning: holds the keys a bundle gives against keys the auditor obtained independently,
//! and says which keys were pinned and which are taken on the bundle's word. Reading the key
//! files is the caller's job.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;

use super::AuditFailure;

/// The keys an audit uses, once the bundle's own list is held against keys the auditor
/// obtained independently ([`pin_keys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedKeys {
    pub own_key: VerifyingKey,
    pub peer_keys: BTreeMap<String, VerifyingKey>,
    /// Node ids whose key was pinned by the auditor and matches the bundle's.
    pub pinned: Vec<String>,
    /// Node ids whose key only the bundle gives (the audited node itself included): taken on
    /// trust, since the node that wrote the bundle chose them.
    pub on_trust: Vec<String>,
}

/// Holds the keys a bundle gives (`node_id`'s own and its peers') against `pinned`, keys the
/// auditor obtained independently. A pinned key the bundle contradicts fails the audit: a node
/// that substitutes a peer's key in its own bundle could otherwise sign "received" messages in
/// that peer's name. Keys pinned for nodes the bundle does not name are added.
pub fn pin_keys(
    node_id: &str,
    own_key: VerifyingKey,
    bundle_peer_keys: BTreeMap<String, VerifyingKey>,
    pinned: &BTreeMap<String, VerifyingKey>,
) -> Result<PinnedKeys, AuditFailure> {
    let mut result = PinnedKeys {
        own_key,
        peer_keys: BTreeMap::new(),
        pinned: Vec::new(),
        on_trust: Vec::new(),
    };
    let bundle_keys = std::iter::once((node_id.to_owned(), own_key)).chain(bundle_peer_keys);
    for (id, key) in bundle_keys {
        match pinned.get(&id) {
            Some(pinned_key) if *pinned_key != key => {
                return Err(AuditFailure {
                    index: None,
                    reason: format!(
                        "the bundle's keys.txt gives {id} a key other than the one pinned for \
                         it: the bundle names a substituted key"
                    ),
                });
            }
            Some(_) => result.pinned.push(id.clone()),
            None => result.on_trust.push(id.clone()),
        }
        if id != node_id {
            result.peer_keys.insert(id, key);
        }
    }
    for (id, key) in pinned {
        if id != node_id && !result.peer_keys.contains_key(id) {
            result.peer_keys.insert(id.clone(), *key);
            result.pinned.push(id.clone());
        }
    }
    result.pinned.sort();
    result.on_trust.sort();
    Ok(result)
}
