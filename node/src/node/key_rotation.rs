//! This node's signing key follows the roster (docs/PROTOCOL.md section 11.3): when the roster
//! in force names the pending key (written by `rogatory node rotate-key`) as this node's newest
//! valid key, the node switches to it, durably and in memory; and what the roster says about
//! every member's keys, with their windows, for the peer table.
//!
//! It does not decide when a roster is in force (`membership`) nor check signatures
//! (`rules::key_windows`, at each verification site).

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;
use rogatory_proto::ids::NodeId;
use rogatory_proto::roster::VerifiedRoster;

use crate::identity::keys::{KeyError, NodeKey};
use crate::identity::peers::PeerKey;

/// Every member's keys, oldest first, with their windows.
pub fn key_history(roster: &VerifiedRoster) -> BTreeMap<String, Vec<PeerKey>> {
    roster
        .members()
        .iter()
        .map(|member| {
            let keys = member
                .signing_keys
                .iter()
                .filter_map(|key| {
                    let raw: [u8; 32] = key.public_key.as_slice().try_into().ok()?;
                    Some(PeerKey {
                        public_key: VerifyingKey::from_bytes(&raw).ok()?,
                        not_before_ms: key.not_before_ms,
                        retired_at_ms: key.retired_at_ms,
                        revoked_at_ms: key.revoked_at_ms,
                    })
                })
                .collect();
            (member.node_id.clone(), keys)
        })
        .collect()
}

/// Switches to the pending key beside `key_file` if `roster` names it as this node's key now.
/// Returns whether it switched. Called whenever a roster is put in force (at start and after
/// every application), so a node that crashed before its switch completes it at its next start.
pub fn follow_roster(
    key: &NodeKey,
    key_file: &std::path::Path,
    own: &NodeId,
    roster: &VerifiedRoster,
    now_ms: i64,
) -> Result<bool, KeyError> {
    let Some(wanted) = roster.signing_key_now(own.as_str(), now_ms) else {
        return Ok(false);
    };
    let switched = key.switch_to_pending(key_file, &wanted, roster.serial())?;
    if switched {
        tracing::info!(
            serial = roster.serial(),
            fingerprint = %rogatory_proto::signing::fingerprint(&wanted),
            "signing with the new key the roster names"
        );
    }
    Ok(switched)
}

/// [`follow_roster`] for a running node: after a switch its contact-point directory is signed
/// again with the new key. A failure is logged and leaves the old key in force (the health
/// warning then says the roster lists another key).
pub fn follow_roster_live(node: &crate::node::Node, roster: &VerifiedRoster, now_ms: i64) {
    match follow_roster(
        &node.key,
        &node.config.keys.signing_key,
        node.id(),
        roster,
        now_ms,
    ) {
        Ok(true) => {
            match crate::identity::directory::publish(
                node.config.directory.as_deref(),
                node.id().as_str(),
                &node.key.signing_key(),
                now_ms,
            ) {
                Ok(signed) => node.directory.replace(signed),
                Err(error) => tracing::error!(%error, "directory not re-signed with the new key"),
            }
        }
        Ok(false) => {}
        Err(error) => {
            tracing::error!(%error, "the roster names a new key for this node; it was not put in place");
        }
    }
}

/// Every key this node may have signed with, with their windows: the roster's list for it, and
/// the key it holds now if the roster does not list it (a node governed by node.toml, or one
/// whose key the roster does not name).
pub fn own_keys(roster_keys: Vec<PeerKey>, current: VerifyingKey) -> Vec<PeerKey> {
    let mut keys = roster_keys;
    if !keys.iter().any(|key| key.public_key == current) {
        keys.push(PeerKey::unbounded(current));
    }
    keys
}
