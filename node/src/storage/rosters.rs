//! The rosters a store holds, read back as a verified chain (docs/PROTOCOL.md section 11): what a
//! node governed by a roster starts from, and whose keys a restore verifies a backup's log with.
//! Each stored roster is checked as the successor of the one before, from genesis on; expiry
//! apart (the newest may have expired while the node was stopped: it stays in force until a
//! newer one comes). The sled code is `store/rosters.rs`.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;
use rogatory_proto::roster::{self, RosterError, VerifiedRoster};
use rogatory_proto::v1::Member;

use crate::storage::store::{Store, StoreError};

/// Rosters read from the store per call: a few MiB at most.
const PAGE: usize = 16;

/// Signing keys by node id.
pub type KeysById = BTreeMap<String, Vec<VerifyingKey>>;

/// The stored chain, read.
#[derive(Debug)]
pub struct StoredChain {
    /// The newest roster: the one in force.
    pub newest: VerifiedRoster,
    /// The keys of nodes an earlier roster listed and the newest does not: what they signed
    /// while members must still verify after they left.
    pub former: KeysById,
    /// Every key any roster of the chain listed, by node id, members and former members alike.
    pub ever: KeysById,
}

#[derive(Debug, thiserror::Error)]
pub enum StoredRosterError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored roster does not verify: {0}")]
    Roster(#[from] RosterError),
}

/// The chain of rosters `store` holds; `None` if it holds none.
pub fn load(store: &Store) -> Result<Option<StoredChain>, StoredRosterError> {
    let mut chain: Option<StoredChain> = None;
    loop {
        let after = chain.as_ref().map_or(0, |chain| chain.newest.serial());
        let page = store.rosters_after(after, PAGE)?;
        if page.is_empty() {
            return Ok(chain);
        }
        for bytes in page {
            let signed = roster::decode_signed(&bytes)?;
            chain = Some(match chain {
                None => {
                    let newest = VerifiedRoster::genesis(&signed)?;
                    let mut ever = KeysById::new();
                    note_keys(&mut ever, &newest);
                    StoredChain {
                        newest,
                        former: KeysById::new(),
                        ever,
                    }
                }
                Some(mut chain) => {
                    let next = chain.newest.successor(&signed)?;
                    note_departures(&mut chain.former, &chain.newest, &next);
                    note_keys(&mut chain.ever, &next);
                    chain.newest = next;
                    chain
                }
            });
        }
    }
}

/// Notes who left between roster `before` and roster `after` (their keys kept) and who is a
/// member again.
pub fn note_departures(former: &mut KeysById, before: &VerifiedRoster, after: &VerifiedRoster) {
    for member in before.members() {
        if after.member(&member.node_id).is_none() {
            former.insert(member.node_id.clone(), member_keys(member));
        }
    }
    for member in after.members() {
        former.remove(&member.node_id);
    }
}

fn note_keys(ever: &mut KeysById, roster: &VerifiedRoster) {
    for member in roster.members() {
        let keys = ever.entry(member.node_id.clone()).or_default();
        for key in member_keys(member) {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
}

fn member_keys(member: &Member) -> Vec<VerifyingKey> {
    member
        .signing_keys
        .iter()
        .filter_map(|key| VerifyingKey::try_from(key.public_key.as_slice()).ok())
        .collect()
}
