//! Governors' signatures on a roster: adding one, counting them per governance, and how far a
//! proposal is from being ready (for `rogatory federation sign` and `show`).

use std::collections::BTreeSet;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use super::structure::parse_key;
use super::{
    Governance, ROSTER_PAYLOAD_TYPE, RosterError, VerifiedRoster, decode_roster, invalid, key_hex,
};
use crate::signing::pae;
use crate::v1::{self, RosterSignature, SignedRoster};

/// Whether `signature` is `key`'s strict Ed25519 signature over the roster bytes.
fn verifies(key: &VerifyingKey, roster: &[u8], signature: &[u8]) -> bool {
    let Ok(signature) = Signature::from_slice(signature) else {
        return false;
    };
    key.verify_strict(&pae(ROSTER_PAYLOAD_TYPE, roster), &signature)
        .is_ok()
}

/// Adds `key`'s signature to `signed`. Idempotent: a valid signature by the key already there
/// is kept (returns false); an invalid one is replaced. Whether the key may sign (is a
/// governor) is the caller's question: a signature by anyone else is ignored by verifiers.
pub fn sign(signed: &mut SignedRoster, key: &SigningKey) -> bool {
    let public = key.verifying_key();
    let signature = key
        .sign(&pae(ROSTER_PAYLOAD_TYPE, &signed.roster))
        .to_bytes()
        .to_vec();
    match signed
        .signatures
        .iter_mut()
        .find(|s| s.public_key == public.as_bytes())
    {
        Some(existing) if verifies(&public, &signed.roster, &existing.signature) => false,
        Some(existing) => {
            existing.signature = signature;
            true
        }
        None => {
            signed.signatures.push(RosterSignature {
                public_key: public.as_bytes().to_vec(),
                signature,
            });
            true
        }
    }
}

/// The outcome of checking a roster's signatures against the governances that count.
pub(crate) struct Checked {
    /// Governors' keys whose signature verified.
    pub valid: BTreeSet<Vec<u8>>,
    /// Keys that are no governor of the governances that count: not verified, not counted.
    pub ignored: Vec<Vec<u8>>,
}

/// Verifies every signature by a governor of `governances`, refusing a key listed twice and a
/// governor's signature that does not verify, then requires each governance's threshold.
pub(crate) fn check_signatures(
    signed: &SignedRoster,
    governances: &[(Governance, &v1::Governance)],
) -> Result<Checked, RosterError> {
    let mut seen = BTreeSet::new();
    let mut checked = Checked {
        valid: BTreeSet::new(),
        ignored: Vec::new(),
    };
    for entry in &signed.signatures {
        if !seen.insert(entry.public_key.as_slice()) {
            return Err(RosterError::DuplicateSigner {
                key: key_hex(&entry.public_key),
            });
        }
        let governor = governances
            .iter()
            .flat_map(|(_, g)| &g.governors)
            .find(|g| g.public_key == entry.public_key);
        let Some(governor) = governor else {
            checked.ignored.push(entry.public_key.clone());
            continue;
        };
        // The governor's key was checked with the structure; parse it again to verify.
        let key = parse_key("governance.governors.public_key", &governor.public_key)?;
        if !verifies(&key, &signed.roster, &entry.signature) {
            return Err(RosterError::BadSignature {
                governor: format!("{:?} ({})", governor.name, key_hex(&governor.public_key)),
            });
        }
        checked.valid.insert(entry.public_key.clone());
    }
    for (of, governance) in governances {
        let have = governance
            .governors
            .iter()
            .filter(|g| checked.valid.contains(&g.public_key))
            .count();
        let need = governance.threshold as usize;
        if have < need {
            return Err(RosterError::NotEnoughSignatures {
                have,
                need,
                of: *of,
            });
        }
    }
    Ok(checked)
}

/// One governance's count of signatures on a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureTally {
    pub of: Governance,
    /// k: how many distinct governors must sign.
    pub threshold: usize,
    /// Every governor (name, raw public key) and whether a valid signature of theirs is there.
    pub governors: Vec<(String, Vec<u8>, bool)>,
}

impl SignatureTally {
    /// How many governors of this governance signed validly.
    pub fn signed(&self) -> usize {
        self.governors
            .iter()
            .filter(|(_, _, signed)| *signed)
            .count()
    }

    /// How many more signatures of this governance are needed (0 when enough).
    pub fn missing(&self) -> usize {
        self.threshold.saturating_sub(self.signed())
    }
}

/// How far a proposal is from being ready: per governance, who signed and how many more are
/// needed; and the signatures that do not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The current governance (absent for a genesis) and, when it differs, the proposal's own.
    pub tallies: Vec<SignatureTally>,
    /// Governors' keys whose signature does not verify over these bytes (tampering).
    pub invalid: Vec<Vec<u8>>,
    /// Keys that are no governor of either governance (ignored by verifiers).
    pub ignored: Vec<Vec<u8>>,
    /// Keys that signed more than once (a verifier refuses the roster).
    pub duplicates: Vec<Vec<u8>>,
}

impl Progress {
    /// Enough valid signatures of every governance, and nothing a verifier would refuse.
    pub fn ready(&self) -> bool {
        self.invalid.is_empty()
            && self.duplicates.is_empty()
            && self.tallies.iter().all(|t| t.missing() == 0)
    }
}

/// Counts a proposal's signatures against the governance in force (`previous`; `None` for a
/// genesis) and the proposal's own. The proposal's roster must decode; its other rules are
/// [`VerifiedRoster::successor`]'s.
pub fn signature_progress(
    previous: Option<&VerifiedRoster>,
    proposal: &SignedRoster,
) -> Result<Progress, RosterError> {
    let roster = decode_roster(proposal)?;
    let new = roster
        .governance
        .as_ref()
        .ok_or_else(|| invalid("governance", "missing"))?;
    let mut governances: Vec<(Governance, &v1::Governance)> = Vec::new();
    if let Some(previous) = previous {
        governances.push((Governance::Previous, previous.governance()));
    }
    if governances
        .first()
        .is_none_or(|(_, current)| !same_governance(current, new))
    {
        governances.push((Governance::New, new));
    }

    let mut progress = Progress {
        tallies: Vec::new(),
        invalid: Vec::new(),
        ignored: Vec::new(),
        duplicates: Vec::new(),
    };
    let mut seen = BTreeSet::new();
    let mut valid = BTreeSet::new();
    for entry in &proposal.signatures {
        if !seen.insert(entry.public_key.as_slice()) {
            progress.duplicates.push(entry.public_key.clone());
            continue;
        }
        let is_governor = governances
            .iter()
            .any(|(_, g)| g.governors.iter().any(|g| g.public_key == entry.public_key));
        if !is_governor {
            progress.ignored.push(entry.public_key.clone());
            continue;
        }
        match parse_key("signatures.public_key", &entry.public_key) {
            Ok(key) if verifies(&key, &proposal.roster, &entry.signature) => {
                valid.insert(entry.public_key.as_slice());
            }
            _ => progress.invalid.push(entry.public_key.clone()),
        }
    }
    for (of, governance) in governances {
        progress.tallies.push(SignatureTally {
            of,
            threshold: governance.threshold as usize,
            governors: governance
                .governors
                .iter()
                .map(|g| {
                    let signed = valid.contains(g.public_key.as_slice());
                    (g.name.clone(), g.public_key.clone(), signed)
                })
                .collect(),
        });
    }
    Ok(progress)
}

/// The same governors' keys and threshold (names are plain words and do not count).
pub(crate) fn same_governance(a: &v1::Governance, b: &v1::Governance) -> bool {
    a.threshold == b.threshold
        && a.governors.len() == b.governors.len()
        && a.governors
            .iter()
            .zip(&b.governors)
            .all(|(a, b)| a.public_key == b.public_key)
}
