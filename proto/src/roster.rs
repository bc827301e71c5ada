//! The roster: one document, signed by the federation's governors together, that says who is in
//! the federation, with which keys, and who may sign the next one (docs/PROTOCOL.md section 11).
//!
//! "Parse, don't validate": a [`VerifiedRoster`] is only made by [`VerifiedRoster::genesis`] or
//! [`VerifiedRoster::successor`] (or [`verify_chain`] and [`RosterHistory`], which use them), so
//! holding one means every rule below held. This module does no I/O and reads no clock.
//!
//! **Signed bytes.** A `SignedRoster` carries `roster`, the exact encoding of a `Roster`, and
//! signatures over it. Each signature is Ed25519 (strict verification, as for envelopes) over
//!
//! ```text
//! PAE("application/vnd.rogatory.roster.v1+protobuf", roster)
//!   = "DSSEv1 43 application/vnd.rogatory.roster.v1+protobuf " LEN(roster) " " roster
//! ```
//!
//! by the governor whose raw 32-byte public key is beside it. The roster's **digest** is
//! SHA-256 of the `roster` bytes (not of the `SignedRoster`: adding a signature changes no
//! digest); a successor names its predecessor by it in `previous`. Nothing is re-encoded.
//!
//! **Signatures.** The signatures are counted per governance (`Governance`: the governors' keys
//! and the threshold k). A signature counts for a governance when its key is one of that
//! governance's governors and it verifies. A key listed twice in one `SignedRoster` refuses the
//! whole roster (honest tools add a signature once; two entries for one key would let a reader
//! count it twice). A signature by a key that is no governor of the governances that count is
//! ignored, not verified and not counted, and reported ([`VerifiedRoster::ignored_signers`]),
//! as TUF ignores extra signatures; a governor's signature that does not verify refuses the
//! roster (it was tampered with, and the operator should know).
//!
//! **Genesis** (serial 1, `previous` empty): well formed (below) and signed by at least k
//! distinct governors of its own governance.
//!
//! **Successor** of a verified roster P (TUF's root rotation): well formed; the same
//! `federation`; `serial` = P's + 1; `previous` = P's digest; `issued_at_ms` >= P's; signed by
//! at least k(P) distinct governors of P's governance **and** by at least k(new) of its own
//! (when the governance is unchanged the second follows from the first). The key history is
//! monotonic for every member in both: P's keys of that member are a prefix of its keys in the
//! successor, each with the same `public_key` and `not_before_ms`; a `retired_at_ms` once set
//! never changes; a `revoked_at_ms` once set is never cleared nor moved later (earlier is
//! allowed: a compromise found to be older); a key added by the successor has `not_before_ms` >=
//! the successor's `issued_at_ms` (a new key cannot vouch for the past) and a retirement set by
//! the successor is at or after its `issued_at_ms` (cutting a key's past short is a revocation).
//! No key belongs to two members, in one roster or across P and its successor. A certificate
//! P revoked stays revoked (same serial and issuer, `revoked_at_ms` never later) unless its
//! issuing CA left the roster.
//!
//! **Expiry** is checked apart ([`VerifiedRoster::check_not_expired`]): a node catching up
//! through a chain passes rosters that expired meanwhile; only the newest it applies must be
//! unexpired (freeze protection). [`verify_chain`] does both.
//!
//! **Which key checks a signature.** Signatures on envelopes, receipts and checkpoints carry no
//! key id: a verifier tries each key of the signer that was valid at the signature's date
//! ([`VerifiedRoster::verifying_keys_at`]), a handful at most (during a rotation, two).

mod armor;
mod changes;
mod history;
mod signatures;
mod structure;
mod time;
mod verified;

#[cfg(test)]
mod tests;

pub use armor::{
    ARMOR_LABEL, MAX_ROSTERS_PER_FILE, chain_from_armored, chain_to_armored, from_armored,
    to_armored,
};
pub use changes::{Change, changes};
pub use history::RosterHistory;
pub use signatures::{Progress, SignatureTally, sign, signature_progress};
pub(crate) use structure::check_address;
pub use structure::check_structure;
pub use time::{format_utc, parse_utc};
pub use verified::{KeyStanding, VerifiedRoster, check_genesis_proposal, verify_chain};

use crate::v1::{Roster, SignedRoster};
use prost::Message;

/// DSSE payload type of a signed `Roster`.
pub const ROSTER_PAYLOAD_TYPE: &str = "application/vnd.rogatory.roster.v1+protobuf";
/// The only roster version this crate produces and accepts.
pub const ROSTER_VERSION: u32 = 1;
/// Largest `SignedRoster.roster`, in bytes. A roster of [`MAX_MEMBERS`] members with a few keys
/// each, a few CA certificates and thousands of revoked serials stays well under 512 KiB; the
/// bound caps what a peer can make a node hash, decode and keep per roster.
pub const MAX_ROSTER_BYTES: usize = 1024 * 1024;
/// Largest encoded `SignedRoster` (a file or a message): the roster and its signatures.
pub const MAX_SIGNED_ROSTER_BYTES: usize = MAX_ROSTER_BYTES + 64 * 1024;
/// Most members: every state of the world (193 in the UN) with room for regional bodies.
pub const MAX_MEMBERS: usize = 256;
/// Most addresses of one member (a few listeners, in order of preference).
pub const MAX_ADDRESSES: usize = 8;
/// Most signing keys one member lists over its life: keys are never dropped, so this is a
/// monthly rotation for five years; a verifier tries at most the few valid at one time.
pub const MAX_KEYS_PER_MEMBER: usize = 64;
/// Most governors: one per member state of a large regional body.
pub const MAX_GOVERNORS: usize = 64;
/// Most signatures on one roster: every governor of the previous and of the new governance.
pub const MAX_ROSTER_SIGNATURES: usize = 2 * MAX_GOVERNORS;
/// Most accepted CA certificates (a CA rotation needs two).
pub const MAX_CERTIFICATE_AUTHORITIES: usize = 8;
/// Largest CA certificate (DER), in bytes; real ones are about 1 KiB.
pub const MAX_CA_CERTIFICATE_BYTES: usize = 16 * 1024;
/// Most revoked certificates (they leave the roster with their CA).
pub const MAX_REVOKED_CERTIFICATES: usize = 4096;
/// Longest certificate serial: RFC 5280 allows 20 octets, one more for a DER sign byte.
pub const MAX_CERTIFICATE_SERIAL_BYTES: usize = 21;
/// Longest `federation` name, in bytes.
pub const MAX_FEDERATION_NAME_BYTES: usize = 64;
/// Longest plain-words field (authority, governor name, reason), in bytes.
pub const MAX_TEXT_BYTES: usize = 512;
/// Longest address (`host:port`), in bytes: a DNS name is at most 253.
pub const MAX_ADDRESS_BYTES: usize = 261;

/// Which governance a count of signatures is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Governance {
    /// The governors of the roster in force (the predecessor).
    Previous,
    /// The governors the roster itself names.
    New,
}

impl std::fmt::Display for Governance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Governance::Previous => "the current governors",
            Governance::New => "the governors this roster names",
        })
    }
}

/// Why a roster was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RosterError {
    #[error("not a roster: {0}")]
    Malformed(String),
    #[error("{what} is too large: {size}, at most {limit}")]
    TooLarge {
        what: &'static str,
        size: usize,
        limit: usize,
    },
    #[error("unsupported roster version {0} (this software reads version {ROSTER_VERSION})")]
    UnsupportedVersion(u32),
    #[error("field `{field}` is invalid: {problem}")]
    InvalidField {
        field: &'static str,
        problem: String,
    },
    #[error("the roster is for federation {got:?}, not {expected:?}")]
    WrongFederation { expected: String, got: String },
    #[error("the genesis roster must have serial 1 and no previous digest (it has serial {0})")]
    NotGenesis(u64),
    #[error("the roster has serial {got}; the next one after the roster in force is {expected}")]
    NotNextSerial { expected: u64, got: u64 },
    #[error("the roster's `previous` digest does not name the roster in force")]
    PreviousMismatch,
    #[error("issued at {issued}, before its predecessor ({predecessor})", issued = format_utc(*.issued_at_ms), predecessor = format_utc(*.predecessor_ms))]
    IssuedBeforePredecessor {
        issued_at_ms: i64,
        predecessor_ms: i64,
    },
    #[error("{have} valid signatures of {of}, {need} needed")]
    NotEnoughSignatures {
        have: usize,
        need: usize,
        of: Governance,
    },
    #[error("the signature of governor {governor} does not verify over this roster")]
    BadSignature { governor: String },
    #[error("key {key} signed this roster twice")]
    DuplicateSigner { key: String },
    #[error("the roster expired at {}", format_utc(*.at_ms))]
    Expired { at_ms: i64 },
    #[error("{node}'s key {key} was revoked and this roster undoes or postpones the revocation")]
    RevocationUndone { node: String, key: String },
    #[error("{node}'s key {key}: {problem}")]
    KeyHistoryChanged {
        node: String,
        key: String,
        problem: &'static str,
    },
    #[error("key {key} is listed for both {first} and {second}")]
    KeyReused {
        key: String,
        first: String,
        second: String,
    },
    #[error("the revocation of certificate {serial} was undone or postponed")]
    CertificateRevocationUndone { serial: String },
}

pub(crate) fn invalid(field: &'static str, problem: impl Into<String>) -> RosterError {
    RosterError::InvalidField {
        field,
        problem: problem.into(),
    }
}

/// A key as people read it in errors and plain words: lowercase hex of its 32 bytes.
pub fn key_hex(key: &[u8]) -> String {
    hex::encode(key)
}

/// A key shortened for plain words: the first and last 4 hex digits (`ab12…ef34`).
pub fn short_key(key: &[u8]) -> String {
    let hex = hex::encode(key);
    if hex.len() <= 12 {
        return hex;
    }
    format!("{}…{}", &hex[..6], &hex[hex.len() - 4..])
}

/// The roster's digest: SHA-256 of its `roster` bytes, what a successor's `previous` holds.
pub fn digest(signed: &SignedRoster) -> [u8; 32] {
    crate::signing::sha256(&signed.roster)
}

/// A roster encoded once, with no signatures yet: a proposal for governors to sign.
pub fn encode_unsigned(roster: &Roster) -> SignedRoster {
    SignedRoster {
        roster: roster.encode_to_vec(),
        signatures: Vec::new(),
    }
}

/// Decodes a `SignedRoster` from its protobuf bytes, within the size limits.
pub fn decode_signed(bytes: &[u8]) -> Result<SignedRoster, RosterError> {
    if bytes.len() > MAX_SIGNED_ROSTER_BYTES {
        return Err(RosterError::TooLarge {
            what: "the signed roster",
            size: bytes.len(),
            limit: MAX_SIGNED_ROSTER_BYTES,
        });
    }
    let signed = SignedRoster::decode(bytes).map_err(|e| RosterError::Malformed(e.to_string()))?;
    check_signed_limits(&signed)?;
    Ok(signed)
}

/// Decodes the `Roster` inside a `SignedRoster` (signatures unchecked: for showing a proposal
/// and for the checks that follow).
pub fn decode_roster(signed: &SignedRoster) -> Result<Roster, RosterError> {
    check_signed_limits(signed)?;
    Roster::decode(signed.roster.as_slice()).map_err(|e| RosterError::Malformed(e.to_string()))
}

fn check_signed_limits(signed: &SignedRoster) -> Result<(), RosterError> {
    if signed.roster.len() > MAX_ROSTER_BYTES {
        return Err(RosterError::TooLarge {
            what: "the roster",
            size: signed.roster.len(),
            limit: MAX_ROSTER_BYTES,
        });
    }
    if signed.signatures.len() > MAX_ROSTER_SIGNATURES {
        return Err(RosterError::TooLarge {
            what: "the list of signatures",
            size: signed.signatures.len(),
            limit: MAX_ROSTER_SIGNATURES,
        });
    }
    Ok(())
}
