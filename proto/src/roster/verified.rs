//! [`VerifiedRoster`]: a roster whose rules all held, and what it says about keys at a time.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;
use prost::Message;

use super::signatures::{Checked, check_signatures};
use super::structure::check_structure;
use super::{Governance, RosterError, decode_roster, digest, key_hex};
use crate::v1::{self, Member, MemberKey, Roster, SignedRoster};

/// A roster that passed [`VerifiedRoster::genesis`] or [`VerifiedRoster::successor`]: its
/// structure, its place after its predecessor and its governors' signatures. Expiry is not
/// part of it ([`VerifiedRoster::check_not_expired`]).
#[derive(Debug, Clone)]
pub struct VerifiedRoster {
    /// The bytes as received, kept to store, forward and hash them unchanged.
    signed: SignedRoster,
    /// Decoded from `signed.roster`.
    roster: Roster,
    /// SHA-256 of `signed.roster`.
    digest: [u8; 32],
    /// Governors whose signature verified.
    signers: Vec<Vec<u8>>,
    /// Signatures by keys that are no governor (not counted).
    ignored_signers: Vec<Vec<u8>>,
}

/// Whether a member's key may have made a signature dated at some time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStanding {
    /// The key was valid for the member at that time.
    Valid,
    /// The roster names no member with that node id.
    NotAMember,
    /// The member lists no such key.
    UnknownKey,
    /// The time is before the key's `not_before_ms`.
    NotYetValid { from_ms: i64 },
    /// The key was retired (rotated out) at or before that time.
    Retired { since_ms: i64 },
    /// The key was revoked as compromised at or before that time.
    Revoked { since_ms: i64, reason: String },
}

impl KeyStanding {
    /// The standing of one listed key at `at_ms`: revoked before retired before not yet valid.
    pub fn of(key: &MemberKey, at_ms: i64) -> KeyStanding {
        if at_ms < key.not_before_ms {
            KeyStanding::NotYetValid {
                from_ms: key.not_before_ms,
            }
        } else if key.revoked_at_ms != 0 && at_ms >= key.revoked_at_ms {
            KeyStanding::Revoked {
                since_ms: key.revoked_at_ms,
                reason: key.revocation_reason.clone(),
            }
        } else if key.retired_at_ms != 0 && at_ms >= key.retired_at_ms {
            KeyStanding::Retired {
                since_ms: key.retired_at_ms,
            }
        } else {
            KeyStanding::Valid
        }
    }
}

impl VerifiedRoster {
    /// The first roster of a federation: serial 1, no `previous`, well formed, and signed by at
    /// least `threshold` distinct governors of its own governance.
    pub fn genesis(signed: &SignedRoster) -> Result<VerifiedRoster, RosterError> {
        let roster = check_genesis_proposal(signed)?;
        let checked = check_signatures(signed, &[(Governance::New, governance(&roster))])?;
        Ok(Self::new(signed, roster, checked))
    }

    /// A roster trusted out of band (the one a node or a governor holds, or the current
    /// roster a new member receives and compares by telephone), checked on its own: well
    /// formed and signed by `threshold` of its own governors, as every valid roster is. Its
    /// place in the history is not checked: that is what trusting it means.
    pub fn trust_anchor(signed: &SignedRoster) -> Result<VerifiedRoster, RosterError> {
        let roster = decode_roster(signed)?;
        check_structure(&roster)?;
        let checked = check_signatures(signed, &[(Governance::New, governance(&roster))])?;
        Ok(Self::new(signed, roster, checked))
    }

    /// The roster after this one (TUF's root rotation): well formed, same federation, the next
    /// serial, `previous` naming this one, not issued before it, signed by `threshold` of this
    /// roster's governors and `threshold` of its own, with a monotonic key history (module
    /// documentation).
    pub fn successor(&self, next: &SignedRoster) -> Result<VerifiedRoster, RosterError> {
        let roster = self.check_proposal(next)?;
        let checked = check_signatures(
            next,
            &[
                (Governance::Previous, governance(&self.roster)),
                (Governance::New, governance(&roster)),
            ],
        )?;
        Ok(Self::new(next, roster, checked))
    }

    /// Every rule of [`VerifiedRoster::successor`] but the count of signatures: whether a
    /// proposal may follow this roster once enough governors sign it. Returns it decoded.
    pub fn check_proposal(&self, next: &SignedRoster) -> Result<Roster, RosterError> {
        let roster = decode_roster(next)?;
        check_structure(&roster)?;
        if roster.federation != self.roster.federation {
            return Err(RosterError::WrongFederation {
                expected: self.roster.federation.clone(),
                got: roster.federation,
            });
        }
        let expected = self.roster.serial.saturating_add(1);
        if roster.serial != expected {
            return Err(RosterError::NotNextSerial {
                expected,
                got: roster.serial,
            });
        }
        if roster.previous != self.digest {
            return Err(RosterError::PreviousMismatch);
        }
        if roster.issued_at_ms < self.roster.issued_at_ms {
            return Err(RosterError::IssuedBeforePredecessor {
                issued_at_ms: roster.issued_at_ms,
                predecessor_ms: self.roster.issued_at_ms,
            });
        }
        check_key_history(&self.roster, &roster)?;
        check_certificate_history(&self.roster, &roster)?;
        Ok(roster)
    }

    fn new(signed: &SignedRoster, roster: Roster, checked: Checked) -> VerifiedRoster {
        VerifiedRoster {
            signed: signed.clone(),
            roster,
            digest: digest(signed),
            signers: checked.valid.into_iter().collect(),
            ignored_signers: checked.ignored,
        }
    }

    /// Refuses a roster at or past its `expires_at_ms` (freeze protection): a node applies
    /// only an unexpired roster, though it may pass expired ones on the way to it.
    pub fn check_not_expired(&self, now_ms: i64) -> Result<(), RosterError> {
        if now_ms >= self.roster.expires_at_ms {
            return Err(RosterError::Expired {
                at_ms: self.roster.expires_at_ms,
            });
        }
        Ok(())
    }

    /// The signed bytes as received.
    pub fn signed(&self) -> &SignedRoster {
        &self.signed
    }

    /// The signed roster encoded (to store or send as one blob).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.signed.encode_to_vec()
    }

    pub fn roster(&self) -> &Roster {
        &self.roster
    }

    /// SHA-256 of the roster bytes: what the successor's `previous` holds.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    pub fn serial(&self) -> u64 {
        self.roster.serial
    }

    pub fn federation(&self) -> &str {
        &self.roster.federation
    }

    pub fn issued_at_ms(&self) -> i64 {
        self.roster.issued_at_ms
    }

    pub fn expires_at_ms(&self) -> i64 {
        self.roster.expires_at_ms
    }

    /// Who may sign the next roster.
    pub fn governance(&self) -> &v1::Governance {
        governance(&self.roster)
    }

    /// Raw keys of the governors whose signature verified.
    pub fn signers(&self) -> &[Vec<u8>] {
        &self.signers
    }

    /// Raw keys of signatures that were ignored (no governor's).
    pub fn ignored_signers(&self) -> &[Vec<u8>] {
        &self.ignored_signers
    }

    pub fn members(&self) -> &[Member] {
        &self.roster.members
    }

    pub fn member(&self, node_id: &str) -> Option<&Member> {
        self.roster
            .members
            .binary_search_by(|m| m.node_id.as_str().cmp(node_id))
            .ok()
            .map(|i| &self.roster.members[i])
    }

    /// Whether `public_key` was valid for `node_id` at `at_ms`, by this roster.
    pub fn key_standing(&self, node_id: &str, public_key: &[u8], at_ms: i64) -> KeyStanding {
        let Some(member) = self.member(node_id) else {
            return KeyStanding::NotAMember;
        };
        match member
            .signing_keys
            .iter()
            .find(|k| k.public_key == public_key)
        {
            Some(key) => KeyStanding::of(key, at_ms),
            None => KeyStanding::UnknownKey,
        }
    }

    /// The keys a signature by `node_id` dated `at_ms` may be checked against: those with
    /// `not_before <= at_ms < retired_at/revoked_at`. Signatures carry no key id, so a verifier
    /// tries each (two at most during a rotation's overlap).
    pub fn verifying_keys_at(&self, node_id: &str, at_ms: i64) -> Vec<VerifyingKey> {
        let Some(member) = self.member(node_id) else {
            return Vec::new();
        };
        member
            .signing_keys
            .iter()
            .filter(|k| KeyStanding::of(k, at_ms) == KeyStanding::Valid)
            .filter_map(member_key)
            .collect()
    }

    /// The key `node_id` signs with at `now_ms`: the newest valid one.
    pub fn signing_key_now(&self, node_id: &str, now_ms: i64) -> Option<VerifyingKey> {
        self.verifying_keys_at(node_id, now_ms).pop()
    }
}

fn member_key(key: &MemberKey) -> Option<VerifyingKey> {
    let raw: [u8; 32] = key.public_key.as_slice().try_into().ok()?;
    VerifyingKey::from_bytes(&raw).ok()
}

/// The governance of a roster whose structure was checked (so it is there).
fn governance(roster: &Roster) -> &v1::Governance {
    static NONE: v1::Governance = v1::Governance {
        governors: Vec::new(),
        threshold: u32::MAX,
    };
    roster.governance.as_ref().unwrap_or(&NONE)
}

/// Every rule of [`VerifiedRoster::genesis`] but the count of signatures. Returns it decoded.
pub fn check_genesis_proposal(signed: &SignedRoster) -> Result<Roster, RosterError> {
    let roster = decode_roster(signed)?;
    check_structure(&roster)?;
    if roster.serial != 1 || !roster.previous.is_empty() {
        return Err(RosterError::NotGenesis(roster.serial));
    }
    Ok(roster)
}

/// Verifies `newer` (oldest first) as successors of `trusted`, one after another, and requires
/// only the newest to be unexpired at `now_ms`: a node that was offline passes rosters that
/// expired meanwhile. With no newer roster, `trusted` itself must be unexpired.
pub fn verify_chain(
    trusted: &VerifiedRoster,
    newer: &[SignedRoster],
    now_ms: i64,
) -> Result<VerifiedRoster, RosterError> {
    let mut current = trusted.clone();
    for next in newer {
        current = current.successor(next)?;
    }
    current.check_not_expired(now_ms)?;
    Ok(current)
}

/// Every member in both rosters keeps its keys' history; no key moves to another member.
fn check_key_history(old: &Roster, new: &Roster) -> Result<(), RosterError> {
    let mut old_owner: BTreeMap<&[u8], &str> = BTreeMap::new();
    for member in &old.members {
        for key in &member.signing_keys {
            old_owner.insert(&key.public_key, &member.node_id);
        }
    }
    for member in &new.members {
        for key in &member.signing_keys {
            match old_owner.get(key.public_key.as_slice()) {
                Some(owner) if *owner != member.node_id => {
                    return Err(RosterError::KeyReused {
                        key: key_hex(&key.public_key),
                        first: (*owner).to_owned(),
                        second: member.node_id.clone(),
                    });
                }
                _ => {}
            }
        }
        let old_keys = old
            .members
            .binary_search_by(|m| m.node_id.cmp(&member.node_id))
            .map(|i| old.members[i].signing_keys.as_slice())
            .unwrap_or_default();
        check_member_keys(
            &member.node_id,
            old_keys,
            &member.signing_keys,
            new.issued_at_ms,
        )?;
    }
    Ok(())
}

fn check_member_keys(
    node: &str,
    old: &[MemberKey],
    new: &[MemberKey],
    issued_at_ms: i64,
) -> Result<(), RosterError> {
    let changed = |key: &MemberKey, problem| RosterError::KeyHistoryChanged {
        node: node.to_owned(),
        key: key_hex(&key.public_key),
        problem,
    };
    if new.len() < old.len() {
        let dropped = &old[new.len()];
        return Err(changed(dropped, "a key of the member was dropped"));
    }
    for (before, after) in old.iter().zip(new) {
        if before.public_key != after.public_key {
            return Err(changed(
                before,
                "the member's earlier keys must stay, in the same order, before any new one",
            ));
        }
        if before.not_before_ms != after.not_before_ms {
            return Err(changed(before, "not_before_ms changed"));
        }
        if before.retired_at_ms != 0 && before.retired_at_ms != after.retired_at_ms {
            return Err(changed(
                before,
                "retired_at_ms changed once set (revoke the key to cut it short)",
            ));
        }
        if before.retired_at_ms == 0
            && after.retired_at_ms != 0
            && after.retired_at_ms < issued_at_ms
        {
            return Err(changed(
                before,
                "retired before the roster retiring it was issued (revoke it instead)",
            ));
        }
        if before.revoked_at_ms != 0
            && (after.revoked_at_ms == 0 || after.revoked_at_ms > before.revoked_at_ms)
        {
            return Err(RosterError::RevocationUndone {
                node: node.to_owned(),
                key: key_hex(&before.public_key),
            });
        }
    }
    for added in &new[old.len()..] {
        if added.not_before_ms < issued_at_ms {
            return Err(changed(
                added,
                "a new key's not_before_ms is before the roster adding it was issued",
            ));
        }
    }
    Ok(())
}

/// A certificate revoked stays revoked, no later, while its issuing CA is in the roster.
fn check_certificate_history(old: &Roster, new: &Roster) -> Result<(), RosterError> {
    let issuers: Vec<[u8; 32]> = new
        .certificate_authorities
        .iter()
        .map(|der| crate::signing::sha256(der))
        .collect();
    // (issuer, serial) -> revoked_at: thousands of entries on each side.
    let kept: BTreeMap<(&[u8], &[u8]), i64> = new
        .revoked_certificates
        .iter()
        .map(|r| ((r.issuer.as_slice(), r.serial.as_slice()), r.revoked_at_ms))
        .collect();
    for revoked in &old.revoked_certificates {
        if !issuers.iter().any(|i| i[..] == revoked.issuer[..]) {
            continue;
        }
        let at = kept.get(&(revoked.issuer.as_slice(), revoked.serial.as_slice()));
        if at.is_none_or(|at| *at > revoked.revoked_at_ms) {
            return Err(RosterError::CertificateRevocationUndone {
                serial: hex::encode(&revoked.serial),
            });
        }
    }
    Ok(())
}
