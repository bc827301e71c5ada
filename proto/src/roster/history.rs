//! A federation's roster history, genesis to newest, for auditors: which keys were valid for
//! a signature dated at some time, judged by the membership of that time and the revocations
//! known now.

use super::{KeyStanding, RosterError, VerifiedRoster};
use crate::v1::SignedRoster;

/// Every roster of a federation from its genesis, each verified as its predecessor's
/// successor. Expiry plays no part: an auditor reads the past.
#[derive(Debug, Clone)]
pub struct RosterHistory {
    /// Oldest first; never empty.
    rosters: Vec<VerifiedRoster>,
}

impl RosterHistory {
    /// Verifies `chain[0]` as a genesis and every later one as the successor of the one
    /// before it.
    pub fn verify(chain: &[SignedRoster]) -> Result<RosterHistory, RosterError> {
        let Some((genesis, rest)) = chain.split_first() else {
            return Err(RosterError::Malformed("an empty roster history".into()));
        };
        let mut rosters = vec![VerifiedRoster::genesis(genesis)?];
        for next in rest {
            let verified = rosters[rosters.len() - 1].successor(next)?;
            rosters.push(verified);
        }
        Ok(RosterHistory { rosters })
    }

    /// Oldest first.
    pub fn rosters(&self) -> &[VerifiedRoster] {
        &self.rosters
    }

    pub fn newest(&self) -> &VerifiedRoster {
        &self.rosters[self.rosters.len() - 1]
    }

    /// The roster in force at `at_ms`: the newest issued at or before it; the genesis for
    /// earlier times (a federation migrated to rosters was founded before its genesis).
    pub fn in_force_at(&self, at_ms: i64) -> &VerifiedRoster {
        self.rosters
            .iter()
            .rev()
            .find(|r| r.issued_at_ms() <= at_ms)
            .unwrap_or(&self.rosters[0])
    }

    /// Whether `public_key` of `node_id` was valid for a signature dated `at_ms`: `node_id`
    /// must be a member in the roster in force then, and the key is judged by the newest
    /// roster listing it for that member, so a revocation issued later still counts (a key's
    /// dates only ever move towards less validity along a history).
    pub fn key_standing(&self, node_id: &str, public_key: &[u8], at_ms: i64) -> KeyStanding {
        if self.in_force_at(at_ms).member(node_id).is_none() {
            return KeyStanding::NotAMember;
        }
        self.rosters
            .iter()
            .rev()
            .find_map(|r| {
                let member = r.member(node_id)?;
                member
                    .signing_keys
                    .iter()
                    .find(|k| k.public_key == public_key)
            })
            .map_or(KeyStanding::UnknownKey, |key| KeyStanding::of(key, at_ms))
    }
}
