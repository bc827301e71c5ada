//! The federation's roster in this node: which one is in force, and putting a newer one in
//! force (docs/PROTOCOL.md section 11.7).
//!
//! A node whose configuration has `[federation] roster` takes its peers, their signing keys
//! and its TLS trust from the roster in force; without it, from node.toml as before. A roster
//! is put in force only after it verified as the successor of the one in force (the chain
//! rules of `rogatory_proto::roster`) and after it and its `ROSTER_APPLIED` log entry are
//! durable: a crash leaves the node on the old roster or the new one, never between. Then the
//! peer table and the TLS trust change in one step each: new members become reachable, the
//! connections of removed or revoked ones are closed, and their queued messages stay queued.
//!
//! It does not fetch rosters from peers (`delivery::rosters`) nor read files (the caller).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, PoisonError, RwLock};

use ed25519_dalek::VerifyingKey;
use prost::Message;
use rogatory_proto::ids::NodeId;
use rogatory_proto::roster::{self, RosterError, VerifiedRoster};
use rogatory_proto::v1::{EntryKind, SignedRoster};
use rustls::pki_types::CertificateDer;

use crate::identity::config::{FederationConfig, PeerConfig};
use crate::identity::peers::PeerTable;
use crate::identity::trust::{FederationTrust, RevokedCertificate, TrustError};
use crate::node::Node;
use crate::storage::store::{LogRecord, Store, StoreError};

/// Rosters one `GetRosters` answer carries at most: a node far behind catches up in several
/// calls, and one answer stays a few MiB at most.
pub const MAX_ROSTERS_PER_ANSWER: usize = 16;

/// How long a member that says it holds a newer roster may sign with a key this node does not
/// know, each refusal a retryable `unknown-key`, before it is refused as a bad signature and
/// recorded. A roster reaches every member within a poll interval (60 s) and the caller is
/// asked back within 5 s; ten minutes covers a slow link and a few failed fetches. Beyond it, a
/// member that claims a roster it cannot produce is sending signatures nobody can check.
pub const UNKNOWN_KEY_GRACE_MS: i64 = 10 * 60 * 1000;

/// Peers' standing claims to hold a newer roster than this node (plain data, tested below).
#[derive(Debug, Default)]
struct Claims(BTreeMap<String, Claim>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Claim {
    serial: u64,
    /// When this node first heard a claim above the serial it then held (ms since epoch).
    since_ms: i64,
}

impl Claims {
    /// `peer` claims `serial` at `now_ms` while this node holds `held`.
    fn record(&mut self, peer: &str, serial: u64, held: u64, now_ms: i64) {
        if serial <= held {
            return;
        }
        let claim = self.0.entry(peer.to_owned()).or_insert(Claim {
            serial,
            since_ms: now_ms,
        });
        // A higher claim does not restart the grace: only this node's progress does.
        claim.serial = claim.serial.max(serial);
    }

    /// This node now holds `held`: claims met are dropped, and those still ahead start their
    /// grace again (this node is catching up).
    fn caught_up(&mut self, held: u64, now_ms: i64) {
        self.0.retain(|_, claim| claim.serial > held);
        for claim in self.0.values_mut() {
            claim.since_ms = now_ms;
        }
    }

    fn standing(&self, peer: &str, held: u64, now_ms: i64) -> bool {
        self.0.get(peer).is_some_and(|claim| {
            claim.serial > held && now_ms.saturating_sub(claim.since_ms) <= UNKNOWN_KEY_GRACE_MS
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MembershipError {
    #[error(
        "this node's federation is configured by node.toml ([[peers]]), not by a roster; add \
         [federation] roster = \"FILE\" to node.toml and restart to govern it by roster"
    )]
    NoRoster,
    #[error("the roster was refused: {0}")]
    Refused(#[from] RosterError),
    #[error("the roster in force already has serial {in_force}; serial {offered} changes nothing")]
    NotNewer { in_force: u64, offered: u64 },
    #[error("no roster was given")]
    Empty,
    #[error("the roster's TLS trust is unusable: {0}")]
    Trust(#[from] TrustError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Stored(#[from] crate::storage::rosters::StoredRosterError),
    #[error("cannot read the roster file {path}: {reason}")]
    File { path: String, reason: String },
}

/// What an application did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The serials put in force, oldest first (several when a node catches up).
    pub serials: Vec<u64>,
    /// The serial in force now.
    pub in_force: u64,
}

/// The roster in force, and the lock that makes applications one at a time.
#[derive(Debug, Default)]
pub struct Membership {
    in_force: RwLock<Option<Arc<VerifiedRoster>>>,
    applying: tokio::sync::Mutex<()>,
    /// Peers to fetch rosters from (they said they hold a newer one, or signed with a key
    /// this node does not know), for `delivery::rosters`.
    heard: std::sync::Mutex<BTreeSet<String>>,
    /// Per peer, its standing claim to hold a newer roster: what makes its unknown keys a
    /// transient refusal for a while ([`UNKNOWN_KEY_GRACE_MS`]).
    claims: std::sync::Mutex<Claims>,
    /// The signing keys of nodes an earlier roster listed and the one in force does not: what
    /// they signed while members (messages this node received, receipts, in its log) must
    /// still verify after they left.
    former: RwLock<FormerMembers>,
    /// Wakes `delivery::rosters` (a peer holds a newer roster, or this node applied one and
    /// tells its peers).
    pub wake: tokio::sync::Notify,
}

impl Membership {
    /// The roster in force, if the node is governed by one.
    pub fn in_force(&self) -> Option<Arc<VerifiedRoster>> {
        self.in_force
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The keys a node that is no longer a member signed with while it was one (empty for a
    /// member and for a node never listed).
    pub fn former_member_keys(&self, node_id: &str) -> Vec<VerifyingKey> {
        self.former
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(node_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Every former member with its keys.
    pub fn former_members(&self) -> FormerMembers {
        self.former
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// At start: the former members [`load_stored_with_former`] found.
    pub(crate) fn set_former(&self, former: FormerMembers) {
        *self.former.write().unwrap_or_else(PoisonError::into_inner) = former;
    }

    /// The serial in force (0: none).
    pub fn serial(&self) -> u64 {
        self.in_force().map_or(0, |roster| roster.serial())
    }

    /// `peer` said (`rogatory-roster-serial`) it holds roster `serial` at `now_ms`: fetch from
    /// it if that is newer, and remember the claim ([`Membership::may_hold_unknown_key`]).
    pub fn heard(&self, peer: &str, serial: u64, now_ms: i64) {
        let held = self.serial();
        if serial > held && self.in_force().is_some() {
            self.claims
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .record(peer, serial, held, now_ms);
            self.ask(peer);
        }
    }

    /// Fetch rosters from `peer` soon (its signature or receipt named a key this node does not
    /// know), without taking it as a claim.
    pub fn ask(&self, peer: &str) {
        if self.in_force().is_some() {
            self.heard
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(peer.to_owned());
            self.wake.notify_one();
        }
    }

    /// Whether a signature of `peer` that verifies with none of its keys here may be made
    /// with a key of a roster this node has not fetched yet: `peer` claims a newer roster, and
    /// has claimed it for less than [`UNKNOWN_KEY_GRACE_MS`] (docs/PROTOCOL.md section 5.2,
    /// check 5). Otherwise the signature is bad.
    pub fn may_hold_unknown_key(&self, peer: &str, now_ms: i64) -> bool {
        self.claims
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .standing(peer, self.serial(), now_ms)
    }

    /// The peers heard of since last asked.
    pub fn take_heard(&self) -> BTreeSet<String> {
        std::mem::take(&mut *self.heard.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn set(&self, roster: VerifiedRoster) {
        let serial = roster.serial();
        if let Some(before) = self.in_force() {
            crate::storage::rosters::note_departures(
                &mut self.former.write().unwrap_or_else(PoisonError::into_inner),
                &before,
                &roster,
            );
        }
        *self
            .in_force
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(roster));
        // Claims now met are dropped; those still ahead start their grace again, since this
        // node is catching up.
        self.claims
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .caught_up(serial, crate::now_ms());
    }
}

/// Signing keys of former members, by node id.
pub type FormerMembers = crate::storage::rosters::KeysById;

/// The rosters stored in `store`, verified from genesis on (expiry apart: the newest may have
/// expired while the node was stopped; it stays in force until a newer one comes).
pub fn load_stored(store: &Store) -> Result<Option<VerifiedRoster>, MembershipError> {
    Ok(load_stored_with_former(store)?.map(|(newest, _)| newest))
}

/// [`load_stored`], with the keys of the members that left along the chain.
pub fn load_stored_with_former(
    store: &Store,
) -> Result<Option<(VerifiedRoster, FormerMembers)>, MembershipError> {
    Ok(crate::storage::rosters::load(store)?.map(|chain| (chain.newest, chain.former)))
}

/// The rosters of the file `[federation] roster` names: one armored roster or several, in
/// order of serial, each a `ROGATORY ROSTER` block.
pub fn read_file(config: &FederationConfig) -> Result<Vec<SignedRoster>, MembershipError> {
    let path = config.roster.display().to_string();
    let text = std::fs::read(&config.roster).map_err(|e| MembershipError::File {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let blocks = pem::parse_many(&text).map_err(|e| MembershipError::File {
        path: path.clone(),
        reason: format!("not armored rosters: {e}"),
    })?;
    if blocks.is_empty() {
        return Ok(vec![roster::from_armored(&text)?]);
    }
    blocks
        .iter()
        .map(|block| Ok(roster::from_armored(pem::encode(block).as_bytes())?))
        .collect()
}

/// Puts the newest of `offered` in force, after verifying them as a chain from the roster in
/// force (or, with none in force, from `offered`'s genesis). Rosters not newer than the one in
/// force are skipped; if none is newer, [`MembershipError::NotNewer`]. `source` names who gave
/// them (a peer's node id, empty for the operator or the configuration file).
pub async fn apply(
    node: &Node,
    mut offered: Vec<SignedRoster>,
    source: &str,
) -> Result<Applied, MembershipError> {
    let federation = node
        .config
        .federation
        .as_ref()
        .ok_or(MembershipError::NoRoster)?;
    if offered.is_empty() {
        return Err(MembershipError::Empty);
    }
    let _one_at_a_time = node.membership.applying.lock().await;
    let in_force = node.membership.in_force();
    let now = crate::now_ms();
    let mut decoded = Vec::with_capacity(offered.len());
    for signed in &offered {
        decoded.push(roster::decode_roster(signed)?.serial);
    }
    let have = in_force.as_ref().map_or(0, |roster| roster.serial());
    let newest_offered = decoded.iter().copied().max().unwrap_or(0);
    if newest_offered <= have {
        return Err(MembershipError::NotNewer {
            in_force: have,
            offered: newest_offered,
        });
    }
    // Keep the rosters above the one in force, in order of serial; the chain check refuses
    // gaps.
    let mut paired: Vec<(u64, SignedRoster)> = decoded.into_iter().zip(offered.drain(..)).collect();
    paired.sort_by_key(|(serial, _)| *serial);
    paired.dedup_by_key(|(serial, _)| *serial);
    let newer: Vec<SignedRoster> = paired
        .into_iter()
        .filter(|(serial, _)| *serial > have)
        .map(|(_, signed)| signed)
        .collect();
    let mut steps: Vec<VerifiedRoster> = Vec::with_capacity(newer.len());
    for signed in &newer {
        let next = match steps
            .last()
            .map(|r| r as &VerifiedRoster)
            .or(in_force.as_deref())
        {
            Some(previous) => previous.successor(signed)?,
            None => VerifiedRoster::genesis(signed)?,
        };
        steps.push(next);
    }
    let Some(newest) = steps.last().cloned() else {
        return Err(MembershipError::Empty);
    };
    // Freeze protection: only the newest must be unexpired (PROTOCOL.md section 11.2).
    newest.check_not_expired(now)?;
    let trust = trust_of(&newest)?;
    trust.check()?;

    let source_text = if source.is_empty() {
        "applied locally".to_owned()
    } else {
        format!("fetched from {source}")
    };
    let records: Vec<(u64, Vec<u8>, String)> = steps
        .iter()
        .map(|step| {
            (
                step.serial(),
                step.signed().encode_to_vec(),
                format!(
                    "roster {} sha256 {} of federation {}; {source_text}",
                    step.serial(),
                    hex::encode(step.digest()),
                    step.federation()
                ),
            )
        })
        .collect();
    let peer = source.to_owned();
    crate::fault::crash_point(crate::fault::ROSTER_VERIFIED);
    node.store
        .write(|batch| {
            for (serial, bytes, detail) in records {
                batch.put_roster(serial, &bytes);
                batch.append(LogRecord {
                    kind: EntryKind::RosterApplied,
                    peer: peer.clone(),
                    signed_payload: bytes,
                    detail,
                    ..LogRecord::default()
                });
            }
            Ok::<_, StoreError>(())
        })
        .await?;

    crate::fault::crash_point(crate::fault::ROSTER_DURABLE);
    // Durable: now in force.
    let serials: Vec<u64> = steps.iter().map(VerifiedRoster::serial).collect();
    let in_force_now = newest.serial();
    node.membership.set(newest.clone());
    crate::node::key_rotation::follow_roster_live(node, &newest, now);
    node.peers
        .replace(peer_table(node.id(), &newest, federation, now));
    if let Err(error) = node.trust.replace(trust) {
        // Checked above; a failure here would leave the old trust in force, never none.
        tracing::error!(%error, "the roster's TLS trust was not put in force");
    }
    tracing::info!(serial = in_force_now, source = %source_text, "roster in force");
    // Tell the peers (they fetch it from this node).
    node.membership.wake.notify_one();
    Ok(Applied {
        serials,
        in_force: in_force_now,
    })
}

/// The peer table a roster gives node `own`: every other member, reached at its address in
/// node.toml's `[[peers]]` if given there, else the roster's first, and verified with its
/// newest key valid `now`. A member with no valid key (all revoked or retired) is left out.
pub fn peer_table(
    own: &NodeId,
    roster: &VerifiedRoster,
    federation: &FederationConfig,
    now_ms: i64,
) -> PeerTable {
    let mut peers = Vec::new();
    for member in roster.members() {
        if member.node_id == own.as_str() {
            continue;
        }
        let Ok(node_id) = NodeId::parse(&member.node_id) else {
            continue;
        };
        let Some(public_key) = roster.signing_key_now(&member.node_id, now_ms) else {
            tracing::warn!(peer = %member.node_id, "member has no valid signing key: not a peer");
            continue;
        };
        let address = federation
            .addresses
            .get(&node_id)
            .cloned()
            .or_else(|| member.addresses.first().cloned());
        let Some(address) = address else {
            continue;
        };
        peers.push(PeerConfig {
            node_id,
            address,
            public_key,
        });
    }
    PeerTable::from_roster(roster.serial(), peers)
        .with_key_history(crate::node::key_rotation::key_history(roster))
}

/// The TLS trust a roster says: its CAs, its revoked certificates, its members.
pub fn trust_of(roster: &VerifiedRoster) -> Result<FederationTrust, MembershipError> {
    let document = roster.roster();
    let mut revoked = Vec::with_capacity(document.revoked_certificates.len());
    for certificate in &document.revoked_certificates {
        let issuer: [u8; 32] = certificate.issuer.as_slice().try_into().map_err(|_| {
            MembershipError::Refused(RosterError::InvalidField {
                field: "revoked_certificates.issuer",
                problem: "not a SHA-256 digest".into(),
            })
        })?;
        revoked.push(RevokedCertificate {
            serial: certificate.serial.clone(),
            issuer_sha256: issuer,
            revoked_at_ms: certificate.revoked_at_ms,
            reason: certificate.reason.clone(),
        });
    }
    Ok(FederationTrust {
        certificate_authorities: document
            .certificate_authorities
            .iter()
            .map(|der| CertificateDer::from(der.clone()))
            .collect(),
        revoked,
        members: Some(
            document
                .members
                .iter()
                .map(|member| member.node_id.clone())
                .collect::<BTreeSet<String>>(),
        ),
    })
}

/// Whether `key` is this node's key in `roster` now (a node whose key the roster does not
/// list signs messages its peers refuse).
pub fn lists_own_key(
    roster: &VerifiedRoster,
    own: &NodeId,
    key: &VerifyingKey,
    now_ms: i64,
) -> bool {
    roster
        .verifying_keys_at(own.as_str(), now_ms)
        .iter()
        .any(|listed| listed == key)
}

/// At start: puts the rosters of the configured file in force if they are newer than the
/// stored ones (the first start of a node governed by a roster adopts its genesis this way).
pub async fn adopt_file(node: &Node) -> Result<(), MembershipError> {
    let Some(federation) = &node.config.federation else {
        return Ok(());
    };
    let offered = read_file(federation)?;
    match apply(node, offered, "").await {
        Ok(applied) => {
            tracing::info!(serials = ?applied.serials, "roster file adopted");
            Ok(())
        }
        Err(MembershipError::NotNewer { .. }) if node.membership.in_force().is_some() => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_claiming_a_roster_it_never_produces_is_believed_only_for_the_grace() {
        let mut claims = Claims::default();
        claims.record("kz", 7, 5, 1_000);
        assert!(claims.standing("kz", 5, 1_000));
        assert!(claims.standing("kz", 5, 1_000 + UNKNOWN_KEY_GRACE_MS));
        // Claiming ever higher serials does not renew it.
        claims.record("kz", 9, 5, 1_000 + UNKNOWN_KEY_GRACE_MS);
        assert!(!claims.standing("kz", 5, 1_001 + UNKNOWN_KEY_GRACE_MS));
        assert!(!claims.standing("uz", 5, 1_000), "no claim, no grace");
    }

    #[test]
    fn a_claim_at_or_below_the_roster_held_gives_no_grace() {
        let mut claims = Claims::default();
        claims.record("kz", 5, 5, 1_000);
        claims.record("uz", 3, 5, 1_000);
        assert!(!claims.standing("kz", 5, 1_000));
        assert!(!claims.standing("uz", 5, 1_000));
    }

    #[test]
    fn catching_up_drops_met_claims_and_restarts_the_rest() {
        let mut claims = Claims::default();
        claims.record("kz", 6, 5, 0);
        claims.record("uz", 9, 5, 0);
        claims.caught_up(6, UNKNOWN_KEY_GRACE_MS);
        assert!(!claims.standing("kz", 6, UNKNOWN_KEY_GRACE_MS), "met");
        assert!(
            claims.standing("uz", 6, 2 * UNKNOWN_KEY_GRACE_MS),
            "restarted"
        );
    }
}
