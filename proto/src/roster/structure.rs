//! A roster on its own: the rules one roster must meet whatever came before it
//! (docs/PROTOCOL.md section 11.1). Nothing here knows the predecessor or the signatures.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;

use super::{
    MAX_ADDRESS_BYTES, MAX_ADDRESSES, MAX_CA_CERTIFICATE_BYTES, MAX_CERTIFICATE_AUTHORITIES,
    MAX_CERTIFICATE_SERIAL_BYTES, MAX_FEDERATION_NAME_BYTES, MAX_GOVERNORS, MAX_KEYS_PER_MEMBER,
    MAX_MEMBERS, MAX_REVOKED_CERTIFICATES, MAX_TEXT_BYTES, ROSTER_VERSION, RosterError, invalid,
    key_hex,
};
use crate::ids::NodeId;
use crate::signing::sha256;
use crate::v1::{Governance, Member, MemberKey, RevokedCertificate, Roster};

/// Checks every rule of one roster on its own: version, names, limits, orders, keys, the
/// governance, the CAs and the revoked certificates.
pub fn check_structure(roster: &Roster) -> Result<(), RosterError> {
    if roster.version != ROSTER_VERSION {
        return Err(RosterError::UnsupportedVersion(roster.version));
    }
    check_federation_name(&roster.federation)?;
    if roster.serial == 0 {
        return Err(invalid("serial", "must be 1 or more"));
    }
    if roster.serial == 1 && !roster.previous.is_empty() {
        return Err(invalid("previous", "must be empty in the genesis roster"));
    }
    if roster.serial > 1 && roster.previous.len() != 32 {
        return Err(invalid(
            "previous",
            "must be the 32-byte SHA-256 of the predecessor",
        ));
    }
    if roster.issued_at_ms <= 0 {
        return Err(invalid("issued_at_ms", "must be a positive Unix time"));
    }
    if roster.expires_at_ms <= roster.issued_at_ms {
        return Err(invalid("expires_at_ms", "must be after issued_at_ms"));
    }
    check_members(&roster.members)?;
    check_governance(roster.governance.as_ref())?;
    check_authorities(&roster.certificate_authorities)?;
    check_revoked_certificates(
        &roster.revoked_certificates,
        &roster.certificate_authorities,
    )?;
    Ok(())
}

/// 1 to 64 bytes of visible ASCII (no spaces): it is compared byte for byte across a history.
pub(crate) fn check_federation_name(name: &str) -> Result<(), RosterError> {
    if name.is_empty()
        || name.len() > MAX_FEDERATION_NAME_BYTES
        || !name.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(invalid(
            "federation",
            format!("must be 1 to {MAX_FEDERATION_NAME_BYTES} visible ASCII characters"),
        ));
    }
    Ok(())
}

fn check_text(field: &'static str, value: &str) -> Result<(), RosterError> {
    if value.trim().is_empty() {
        return Err(invalid(field, "required"));
    }
    if value.len() > MAX_TEXT_BYTES {
        return Err(invalid(
            field,
            format!("longer than {MAX_TEXT_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// A raw Ed25519 public key: 32 bytes, a point on the curve, not of small order.
pub(crate) fn parse_key(field: &'static str, bytes: &[u8]) -> Result<VerifyingKey, RosterError> {
    let raw: [u8; 32] = bytes.try_into().map_err(|_| {
        invalid(
            field,
            format!("{} bytes; an Ed25519 key is 32", bytes.len()),
        )
    })?;
    let key = VerifyingKey::from_bytes(&raw).map_err(|_| {
        invalid(
            field,
            format!("{} is not an Ed25519 public key", key_hex(&raw)),
        )
    })?;
    if key.is_weak() {
        return Err(invalid(
            field,
            format!("{} is a key of small order", key_hex(&raw)),
        ));
    }
    Ok(key)
}

fn check_members(members: &[Member]) -> Result<(), RosterError> {
    if members.is_empty() {
        return Err(invalid("members", "a roster lists at least one member"));
    }
    if members.len() > MAX_MEMBERS {
        return Err(invalid("members", format!("more than {MAX_MEMBERS}")));
    }
    // Which member lists each key: a key belongs to one member only.
    let mut owners: BTreeMap<&[u8], &str> = BTreeMap::new();
    for (i, member) in members.iter().enumerate() {
        NodeId::parse(&member.node_id).map_err(|e| invalid("members.node_id", e.to_string()))?;
        if i > 0 && members[i - 1].node_id >= member.node_id {
            return Err(invalid(
                "members",
                format!(
                    "must be sorted by node id with no two alike ({:?} comes after {:?})",
                    member.node_id,
                    members[i - 1].node_id
                ),
            ));
        }
        check_member(member)?;
        for key in &member.signing_keys {
            if let Some(first) = owners.insert(&key.public_key, &member.node_id) {
                return Err(RosterError::KeyReused {
                    key: key_hex(&key.public_key),
                    first: first.to_owned(),
                    second: member.node_id.clone(),
                });
            }
        }
    }
    Ok(())
}

fn check_member(member: &Member) -> Result<(), RosterError> {
    let country = member.country.as_bytes();
    if country.len() != 2 || !country.iter().all(u8::is_ascii_uppercase) {
        return Err(invalid(
            "members.country",
            format!(
                "{}: {:?} is not two capital letters (ISO 3166-1 alpha-2)",
                member.node_id, member.country
            ),
        ));
    }
    check_text("members.authority", &member.authority)?;
    if member.addresses.is_empty() || member.addresses.len() > MAX_ADDRESSES {
        return Err(invalid(
            "members.addresses",
            format!(
                "{}: must list 1 to {MAX_ADDRESSES} addresses",
                member.node_id
            ),
        ));
    }
    for address in &member.addresses {
        check_address(address)
            .map_err(|problem| invalid("members.addresses", format!("{address:?}: {problem}")))?;
    }
    if member.signing_keys.is_empty() || member.signing_keys.len() > MAX_KEYS_PER_MEMBER {
        return Err(invalid(
            "members.signing_keys",
            format!(
                "{}: must list 1 to {MAX_KEYS_PER_MEMBER} keys",
                member.node_id
            ),
        ));
    }
    for (i, key) in member.signing_keys.iter().enumerate() {
        check_member_key(key)?;
        if i > 0 && member.signing_keys[i - 1].not_before_ms > key.not_before_ms {
            return Err(invalid(
                "members.signing_keys",
                format!("{}: keys must be listed oldest first", member.node_id),
            ));
        }
    }
    Ok(())
}

fn check_member_key(key: &MemberKey) -> Result<(), RosterError> {
    parse_key("members.signing_keys.public_key", &key.public_key)?;
    if key.not_before_ms < 0 {
        return Err(invalid("members.signing_keys.not_before_ms", "negative"));
    }
    for (field, at) in [
        ("members.signing_keys.retired_at_ms", key.retired_at_ms),
        ("members.signing_keys.revoked_at_ms", key.revoked_at_ms),
    ] {
        if at != 0 && at < key.not_before_ms {
            return Err(invalid(field, "0, or not before not_before_ms"));
        }
    }
    match (key.revoked_at_ms, key.revocation_reason.is_empty()) {
        (0, false) => Err(invalid(
            "members.signing_keys.revocation_reason",
            "set on a key that is not revoked",
        )),
        (0, true) => Ok(()),
        (_, _) => check_text(
            "members.signing_keys.revocation_reason",
            &key.revocation_reason,
        ),
    }
}

/// `host:port`: a port 1 to 65535, a host without spaces, an IPv6 host in brackets.
pub(crate) fn check_address(address: &str) -> Result<(), &'static str> {
    if address.len() > MAX_ADDRESS_BYTES {
        return Err("too long");
    }
    let Some((host, port)) = address.rsplit_once(':') else {
        return Err("not host:port");
    };
    if !matches!(port.parse::<u16>(), Ok(1..)) || port.starts_with(['+', '0']) {
        return Err("the port must be 1 to 65535");
    }
    let host = match host.strip_prefix('[') {
        Some(inner) => inner
            .strip_suffix(']')
            .ok_or("an IPv6 host needs closing ']'")?,
        None if host.contains(':') => return Err("write an IPv6 host in brackets"),
        None => host,
    };
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("the host must be visible ASCII, not empty");
    }
    Ok(())
}

fn check_governance(governance: Option<&Governance>) -> Result<(), RosterError> {
    let Some(governance) = governance else {
        return Err(invalid("governance", "missing"));
    };
    let governors = &governance.governors;
    if governors.is_empty() || governors.len() > MAX_GOVERNORS {
        return Err(invalid(
            "governance.governors",
            format!("must list 1 to {MAX_GOVERNORS} governors"),
        ));
    }
    for (i, governor) in governors.iter().enumerate() {
        check_text("governance.governors.name", &governor.name)?;
        parse_key("governance.governors.public_key", &governor.public_key)?;
        if i > 0 && governors[i - 1].public_key >= governor.public_key {
            return Err(invalid(
                "governance.governors",
                "must be sorted by public key with no two alike",
            ));
        }
    }
    let threshold = usize::try_from(governance.threshold).unwrap_or(usize::MAX);
    if threshold == 0 || threshold > governors.len() {
        return Err(invalid(
            "governance.threshold",
            format!(
                "{} of {} governors: must be 1 to the number of governors",
                governance.threshold,
                governors.len()
            ),
        ));
    }
    Ok(())
}

fn check_authorities(authorities: &[Vec<u8>]) -> Result<(), RosterError> {
    if authorities.is_empty() || authorities.len() > MAX_CERTIFICATE_AUTHORITIES {
        return Err(invalid(
            "certificate_authorities",
            format!("must list 1 to {MAX_CERTIFICATE_AUTHORITIES} CA certificates"),
        ));
    }
    for (i, der) in authorities.iter().enumerate() {
        if der.is_empty() || der.len() > MAX_CA_CERTIFICATE_BYTES {
            return Err(invalid(
                "certificate_authorities",
                format!("a CA certificate must be 1 to {MAX_CA_CERTIFICATE_BYTES} bytes of DER"),
            ));
        }
        if authorities[..i].contains(der) {
            return Err(invalid("certificate_authorities", "a CA is listed twice"));
        }
    }
    Ok(())
}

fn check_revoked_certificates(
    revoked: &[RevokedCertificate],
    authorities: &[Vec<u8>],
) -> Result<(), RosterError> {
    if revoked.len() > MAX_REVOKED_CERTIFICATES {
        return Err(invalid(
            "revoked_certificates",
            format!("more than {MAX_REVOKED_CERTIFICATES}"),
        ));
    }
    let issuers: Vec<[u8; 32]> = authorities.iter().map(|der| sha256(der)).collect();
    let mut seen = std::collections::BTreeSet::new();
    for certificate in revoked {
        if certificate.serial.is_empty() || certificate.serial.len() > MAX_CERTIFICATE_SERIAL_BYTES
        {
            return Err(invalid(
                "revoked_certificates.serial",
                format!("must be 1 to {MAX_CERTIFICATE_SERIAL_BYTES} bytes"),
            ));
        }
        if !issuers
            .iter()
            .any(|issuer| issuer[..] == certificate.issuer[..])
        {
            return Err(invalid(
                "revoked_certificates.issuer",
                format!(
                    "certificate {} names an issuer that is none of the roster's CAs",
                    hex::encode(&certificate.serial)
                ),
            ));
        }
        if certificate.revoked_at_ms <= 0 {
            return Err(invalid(
                "revoked_certificates.revoked_at_ms",
                "must be a positive Unix time",
            ));
        }
        check_text("revoked_certificates.reason", &certificate.reason)?;
        if !seen.insert((&certificate.issuer, &certificate.serial)) {
            return Err(invalid(
                "revoked_certificates",
                format!(
                    "certificate {} is listed twice",
                    hex::encode(&certificate.serial)
                ),
            ));
        }
    }
    Ok(())
}
