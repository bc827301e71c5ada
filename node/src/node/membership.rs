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

use std::collections::BTreeSet;
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
    /// Peers that said they hold a newer roster, for `delivery::rosters` to fetch from.
    heard: std::sync::Mutex<BTreeSet<String>>,
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

    /// The serial in force (0: none).
    pub fn serial(&self) -> u64 {
        self.in_force().map_or(0, |roster| roster.serial())
    }

    /// `peer` said it holds roster `serial`: fetch from it if that is newer.
    pub fn heard(&self, peer: &str, serial: u64) {
        if serial > self.serial() && self.in_force().is_some() {
            self.heard
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(peer.to_owned());
            self.wake.notify_one();
        }
    }

    /// The peers heard of since last asked.
    pub fn take_heard(&self) -> BTreeSet<String> {
        std::mem::take(&mut *self.heard.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn set(&self, roster: VerifiedRoster) {
        *self
            .in_force
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(roster));
    }
}

/// The rosters stored in `store`, verified from genesis on (expiry apart: the newest may have
/// expired while the node was stopped; it stays in force until a newer one comes).
pub fn load_stored(store: &Store) -> Result<Option<VerifiedRoster>, MembershipError> {
    let mut current: Option<VerifiedRoster> = None;
    loop {
        let after = current.as_ref().map_or(0, VerifiedRoster::serial);
        let batch = store.rosters_after(after, MAX_ROSTERS_PER_ANSWER)?;
        if batch.is_empty() {
            return Ok(current);
        }
        for bytes in batch {
            let signed = roster::decode_signed(&bytes)?;
            current = Some(match &current {
                None => VerifiedRoster::genesis(&signed)?,
                Some(previous) => previous.successor(&signed)?,
            });
        }
    }
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
