//! What one roster changes from another, in plain words (`rogatory federation propose`,
//! `sign`, `show` and `diff` print these before anyone signs).

use std::fmt;

use super::{format_utc, short_key};
use crate::signing::sha256;
use crate::v1::{Governance, Member, MemberKey, RevokedCertificate, Roster};

/// One difference between two rosters.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Change {
    FederationRenamed {
        from: String,
        to: String,
    },
    /// Serial and validity: every new roster has them.
    Reissued {
        serial: u64,
        issued_at_ms: i64,
        expires_at_ms: i64,
    },
    AddsMember(Member),
    RemovesMember {
        node_id: String,
    },
    ChangesCountry {
        node_id: String,
        from: String,
        to: String,
    },
    ChangesAuthority {
        node_id: String,
        from: String,
        to: String,
    },
    ChangesAddresses {
        node_id: String,
        from: Vec<String>,
        to: Vec<String>,
    },
    AddsSigningKey {
        node_id: String,
        key: MemberKey,
    },
    RetiresSigningKey {
        node_id: String,
        public_key: Vec<u8>,
        at_ms: i64,
    },
    RevokesSigningKey {
        node_id: String,
        public_key: Vec<u8>,
        since_ms: i64,
        reason: String,
    },
    /// Anything else about a key (only between rosters that are not successive: a verifier
    /// refuses it in a successor).
    RewritesSigningKey {
        node_id: String,
        public_key: Vec<u8>,
    },
    RemovesSigningKey {
        node_id: String,
        public_key: Vec<u8>,
    },
    AddsGovernor {
        name: String,
        public_key: Vec<u8>,
    },
    RemovesGovernor {
        name: String,
        public_key: Vec<u8>,
    },
    RenamesGovernor {
        public_key: Vec<u8>,
        from: String,
        to: String,
    },
    ChangesThreshold {
        from: (u32, usize),
        to: (u32, usize),
    },
    AddsCertificateAuthority {
        sha256: [u8; 32],
    },
    RemovesCertificateAuthority {
        sha256: [u8; 32],
    },
    RevokesCertificate(RevokedCertificate),
    /// A revoked certificate no longer listed (its CA left, or a non-successive diff).
    DropsCertificateRevocation(RevokedCertificate),
}

/// The differences from `old` to `new`, in a stable order: validity, members (by node id),
/// governance, TLS trust.
pub fn changes(old: &Roster, new: &Roster) -> Vec<Change> {
    let mut out = Vec::new();
    if old.federation != new.federation {
        out.push(Change::FederationRenamed {
            from: old.federation.clone(),
            to: new.federation.clone(),
        });
    }
    if (old.serial, old.issued_at_ms, old.expires_at_ms)
        != (new.serial, new.issued_at_ms, new.expires_at_ms)
    {
        out.push(Change::Reissued {
            serial: new.serial,
            issued_at_ms: new.issued_at_ms,
            expires_at_ms: new.expires_at_ms,
        });
    }
    member_changes(&old.members, &new.members, &mut out);
    governance_changes(old.governance.as_ref(), new.governance.as_ref(), &mut out);
    for der in &new.certificate_authorities {
        if !old.certificate_authorities.contains(der) {
            out.push(Change::AddsCertificateAuthority {
                sha256: sha256(der),
            });
        }
    }
    for der in &old.certificate_authorities {
        if !new.certificate_authorities.contains(der) {
            out.push(Change::RemovesCertificateAuthority {
                sha256: sha256(der),
            });
        }
    }
    for revoked in &new.revoked_certificates {
        if !old.revoked_certificates.contains(revoked) {
            out.push(Change::RevokesCertificate(revoked.clone()));
        }
    }
    for revoked in &old.revoked_certificates {
        let same =
            |r: &&RevokedCertificate| r.serial == revoked.serial && r.issuer == revoked.issuer;
        if !new.revoked_certificates.iter().any(|r| same(&r)) {
            out.push(Change::DropsCertificateRevocation(revoked.clone()));
        }
    }
    out
}

fn member_changes(old: &[Member], new: &[Member], out: &mut Vec<Change>) {
    for member in new {
        let Some(before) = old.iter().find(|m| m.node_id == member.node_id) else {
            out.push(Change::AddsMember(member.clone()));
            continue;
        };
        let node_id = || member.node_id.clone();
        if before.country != member.country {
            out.push(Change::ChangesCountry {
                node_id: node_id(),
                from: before.country.clone(),
                to: member.country.clone(),
            });
        }
        if before.authority != member.authority {
            out.push(Change::ChangesAuthority {
                node_id: node_id(),
                from: before.authority.clone(),
                to: member.authority.clone(),
            });
        }
        if before.addresses != member.addresses {
            out.push(Change::ChangesAddresses {
                node_id: node_id(),
                from: before.addresses.clone(),
                to: member.addresses.clone(),
            });
        }
        for key in &member.signing_keys {
            let Some(was) = before
                .signing_keys
                .iter()
                .find(|k| k.public_key == key.public_key)
            else {
                out.push(Change::AddsSigningKey {
                    node_id: node_id(),
                    key: key.clone(),
                });
                continue;
            };
            let mut same = was.clone();
            if was.retired_at_ms != key.retired_at_ms && key.retired_at_ms != 0 {
                out.push(Change::RetiresSigningKey {
                    node_id: node_id(),
                    public_key: key.public_key.clone(),
                    at_ms: key.retired_at_ms,
                });
                same.retired_at_ms = key.retired_at_ms;
            }
            if (was.revoked_at_ms, &was.revocation_reason)
                != (key.revoked_at_ms, &key.revocation_reason)
                && key.revoked_at_ms != 0
            {
                out.push(Change::RevokesSigningKey {
                    node_id: node_id(),
                    public_key: key.public_key.clone(),
                    since_ms: key.revoked_at_ms,
                    reason: key.revocation_reason.clone(),
                });
                same.revoked_at_ms = key.revoked_at_ms;
                same.revocation_reason = key.revocation_reason.clone();
            }
            if same != *key {
                out.push(Change::RewritesSigningKey {
                    node_id: node_id(),
                    public_key: key.public_key.clone(),
                });
            }
        }
        for key in &before.signing_keys {
            if !member
                .signing_keys
                .iter()
                .any(|k| k.public_key == key.public_key)
            {
                out.push(Change::RemovesSigningKey {
                    node_id: node_id(),
                    public_key: key.public_key.clone(),
                });
            }
        }
    }
    for member in old {
        if !new.iter().any(|m| m.node_id == member.node_id) {
            out.push(Change::RemovesMember {
                node_id: member.node_id.clone(),
            });
        }
    }
}

fn governance_changes(old: Option<&Governance>, new: Option<&Governance>, out: &mut Vec<Change>) {
    let empty = Governance::default();
    let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
    for governor in &new.governors {
        match old
            .governors
            .iter()
            .find(|g| g.public_key == governor.public_key)
        {
            None => out.push(Change::AddsGovernor {
                name: governor.name.clone(),
                public_key: governor.public_key.clone(),
            }),
            Some(was) if was.name != governor.name => out.push(Change::RenamesGovernor {
                public_key: governor.public_key.clone(),
                from: was.name.clone(),
                to: governor.name.clone(),
            }),
            Some(_) => {}
        }
    }
    for governor in &old.governors {
        if !new
            .governors
            .iter()
            .any(|g| g.public_key == governor.public_key)
        {
            out.push(Change::RemovesGovernor {
                name: governor.name.clone(),
                public_key: governor.public_key.clone(),
            });
        }
    }
    let (from, to) = (
        (old.threshold, old.governors.len()),
        (new.threshold, new.governors.len()),
    );
    if from != to {
        out.push(Change::ChangesThreshold { from, to });
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::FederationRenamed { from, to } => {
                write!(f, "renames the federation from {from:?} to {to:?}")
            }
            Change::Reissued {
                serial,
                issued_at_ms,
                expires_at_ms,
            } => write!(
                f,
                "is serial {serial}, issued {}, valid until {}",
                format_utc(*issued_at_ms),
                format_utc(*expires_at_ms)
            ),
            Change::AddsMember(m) => {
                write!(
                    f,
                    "adds member {} ({}, {}) at {}",
                    m.node_id,
                    m.country,
                    m.authority,
                    m.addresses.join(", ")
                )?;
                for key in &m.signing_keys {
                    write!(f, ", signing key {}", short_key(&key.public_key))?;
                }
                Ok(())
            }
            Change::RemovesMember { node_id } => write!(f, "removes member {node_id}"),
            Change::ChangesCountry { node_id, from, to } => {
                write!(f, "changes {node_id}'s country from {from} to {to}")
            }
            Change::ChangesAuthority { node_id, from, to } => {
                write!(f, "changes {node_id}'s authority from {from:?} to {to:?}")
            }
            Change::ChangesAddresses { node_id, from, to } => write!(
                f,
                "changes {node_id}'s addresses from {} to {}",
                from.join(", "),
                to.join(", ")
            ),
            Change::AddsSigningKey { node_id, key } => write!(
                f,
                "adds signing key {} for {node_id}, valid from {}",
                short_key(&key.public_key),
                format_utc(key.not_before_ms)
            ),
            Change::RetiresSigningKey {
                node_id,
                public_key,
                at_ms,
            } => write!(
                f,
                "retires {node_id}'s signing key {} at {} (what it signed before stays valid)",
                short_key(public_key),
                format_utc(*at_ms)
            ),
            Change::RevokesSigningKey {
                node_id,
                public_key,
                since_ms,
                reason,
            } => write!(
                f,
                "revokes {node_id}'s signing key {} since {}: {reason}",
                short_key(public_key),
                format_utc(*since_ms)
            ),
            Change::RewritesSigningKey {
                node_id,
                public_key,
            } => write!(
                f,
                "rewrites the dates of {node_id}'s signing key {}",
                short_key(public_key)
            ),
            Change::RemovesSigningKey {
                node_id,
                public_key,
            } => write!(
                f,
                "removes {node_id}'s signing key {}",
                short_key(public_key)
            ),
            Change::AddsGovernor { name, public_key } => {
                write!(f, "adds governor {name} ({})", short_key(public_key))
            }
            Change::RemovesGovernor { name, public_key } => {
                write!(f, "removes governor {name} ({})", short_key(public_key))
            }
            Change::RenamesGovernor {
                public_key,
                from,
                to,
            } => write!(
                f,
                "renames governor {} from {from:?} to {to:?}",
                short_key(public_key)
            ),
            Change::ChangesThreshold { from, to } => write!(
                f,
                "changes the threshold from {} of {} to {} of {}",
                from.0, from.1, to.0, to.1
            ),
            Change::AddsCertificateAuthority { sha256 } => write!(
                f,
                "adds the certificate authority with SHA-256 {}",
                hex::encode(sha256)
            ),
            Change::RemovesCertificateAuthority { sha256 } => write!(
                f,
                "removes the certificate authority with SHA-256 {}",
                hex::encode(sha256)
            ),
            Change::RevokesCertificate(r) => write!(
                f,
                "revokes the TLS certificate with serial {} since {}: {}",
                hex::encode(&r.serial),
                format_utc(r.revoked_at_ms),
                r.reason
            ),
            Change::DropsCertificateRevocation(r) => write!(
                f,
                "no longer lists the revoked TLS certificate with serial {}",
                hex::encode(&r.serial)
            ),
        }
    }
}
