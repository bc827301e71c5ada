//! Writing rosters: the genesis (`federation genesis`, with the migration from node.toml
//! files) and the next roster (`federation propose`).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use rogatory_node::identity::config::NodeConfig;
use rogatory_node::identity::keys::{self, NodeKey};
use rogatory_proto::roster::{self, VerifiedRoster, short_key};
use rogatory_proto::signing::sha256;
use rogatory_proto::v1::{Governance, Member, MemberKey, RevokedCertificate, Roster};

use super::DAY_MS;
use super::input::{
    governance, load_current, parse_addresses, parse_duration, parse_governor, parse_public_key,
    parse_time, read_ca, read_pem_certificate, rule_broken, split_assignment, usage, write_new,
};
use super::view::{describe, print_roster};
use crate::args::{GenesisArgs, ProposeArgs};
use crate::commands::Outcome;
use crate::failure::UserError;
use crate::i18n::t;
use crate::output::{Format, print_json, say};

/// A member as the command line and node.toml files describe it, before it is complete.
#[derive(Debug, Default)]
struct MemberDraft {
    country: Option<String>,
    authority: Option<String>,
    addresses: Vec<String>,
    key: Option<Vec<u8>>,
    /// Where the key came from, for a conflict's message.
    key_source: String,
}

/// `rogatory federation genesis`.
pub(super) fn genesis(args: &GenesisArgs, format: Format) -> anyhow::Result<Outcome> {
    let mut governors = Vec::new();
    for text in &args.governors {
        governors.push(parse_governor(text)?);
    }
    let governance = governance(governors, args.threshold)?;
    let mut cas = Vec::new();
    for path in &args.cas {
        cas.push(read_ca(path)?);
    }

    let mut drafts: BTreeMap<String, MemberDraft> = BTreeMap::new();
    for path in &args.member_from_config {
        import_config(path, &mut drafts)?;
    }
    for text in &args.members {
        let (id, member) = parse_member(text)?;
        let draft = drafts.entry(id.clone()).or_default();
        draft.country = Some(member.country);
        draft.authority = Some(member.authority);
        draft.addresses = member.addresses;
        set_key(
            &id,
            draft,
            member.signing_keys[0].public_key.clone(),
            "--member",
        )?;
    }
    for text in &args.member_names {
        let (id, rest) = split_assignment(text, "--member-name", "ID=COUNTRY,AUTHORITY")?;
        let Some((country, authority)) = rest.split_once(',') else {
            return Err(usage(
                t!(
                    "federation-member-name-no-authority",
                    text = format!("{text:?}")
                ),
                t!("federation-member-name-hint"),
            ));
        };
        let draft = drafts.entry(id).or_default();
        draft.country = Some(country.trim().to_owned());
        draft.authority = Some(authority.trim().to_owned());
    }
    for text in &args.set_addresses {
        let (id, addresses) = parse_addresses(text, "--set-address")?;
        drafts.entry(id).or_default().addresses = addresses;
    }

    let members = complete_members(drafts)?;
    let now = rogatory_node::now_ms();
    let roster = Roster {
        version: roster::ROSTER_VERSION,
        federation: args.federation.clone(),
        serial: 1,
        previous: Vec::new(),
        issued_at_ms: now,
        expires_at_ms: now.saturating_add(i64::from(args.valid_for) * DAY_MS),
        members,
        governance: Some(governance),
        certificate_authorities: cas,
        revoked_certificates: Vec::new(),
    };
    roster::check_structure(&roster).map_err(|e| rule_broken(e, "genesis"))?;
    let signed = roster::encode_unsigned(&roster);
    write_new(&args.out, &roster::to_armored(&signed))?;
    if format.json() {
        print_json(&describe(&signed, &roster, None)?)?;
        return Ok(Outcome::Done);
    }
    say!(
        "{}",
        t!(
            "federation-genesis-written",
            federation = format!("{:?}", roster.federation),
            file = args.out.display().to_string()
        )
    );
    say!();
    print_roster(&roster, &signed, now);
    say!();
    say!(
        "{}",
        t!(
            "federation-genesis-next",
            file = args.out.display().to_string()
        )
    );
    say!(
        "  rogatory federation sign {} --key GOVERNOR-KEY",
        args.out.display()
    );
    Ok(Outcome::Done)
}

fn set_key(id: &str, draft: &mut MemberDraft, key: Vec<u8>, source: &str) -> anyhow::Result<()> {
    match &draft.key {
        Some(existing) if *existing != key => Err(UserError::new(
            t!(
                "federation-two-keys",
                node = id,
                first = short_key(existing),
                first_source = draft.key_source.as_str(),
                second = short_key(&key),
                second_source = source
            ),
            t!("federation-two-keys-hint"),
        )
        .into()),
        _ => {
            draft.key = Some(key);
            draft.key_source = source.to_owned();
            Ok(())
        }
    }
}

/// A node.toml: the node itself (its id, its signing key if this user can read it) and its
/// peers (id, address, key). Neither holds a country or an authority.
fn import_config(path: &Path, drafts: &mut BTreeMap<String, MemberDraft>) -> anyhow::Result<()> {
    let config = NodeConfig::load(path).with_context(|| {
        t!(
            "federation-cannot-read-config",
            file = path.display().to_string()
        )
    })?;
    let source = path.display().to_string();
    let own = config.node_id.as_str().to_owned();
    let draft = drafts.entry(own.clone()).or_default();
    if let Ok(key) = NodeKey::load(&config.keys.signing_key) {
        set_key(&own, draft, key.public().as_bytes().to_vec(), &source)?;
    }
    for peer in &config.peers {
        let id = peer.node_id.as_str().to_owned();
        let draft = drafts.entry(id.clone()).or_default();
        set_key(&id, draft, peer.public_key.as_bytes().to_vec(), &source)?;
        if draft.addresses.is_empty() {
            draft.addresses = vec![peer.address.clone()];
        }
    }
    Ok(())
}

/// Every draft made a member, or one error listing everything missing with the option that
/// supplies it.
fn complete_members(drafts: BTreeMap<String, MemberDraft>) -> anyhow::Result<Vec<Member>> {
    let mut missing = Vec::new();
    let mut members = Vec::new();
    for (id, draft) in drafts {
        if draft.country.is_none() || draft.authority.is_none() {
            missing.push(t!("federation-missing-authority", node = id.as_str()));
        }
        if draft.addresses.is_empty() {
            missing.push(t!("federation-missing-address", node = id.as_str()));
        }
        if draft.key.is_none() {
            missing.push(t!("federation-missing-key", node = id.as_str()));
        }
        if let (Some(country), Some(authority), Some(key)) =
            (draft.country, draft.authority, draft.key)
        {
            members.push(Member {
                node_id: id,
                country,
                authority,
                addresses: draft.addresses,
                // Valid from the start: the logs a migrated node signed before stay verifiable.
                signing_keys: vec![MemberKey {
                    public_key: key,
                    ..Default::default()
                }],
            });
        }
    }
    if !missing.is_empty() {
        return Err(UserError::new(
            format!(
                "{}\n  {}",
                t!("federation-genesis-incomplete"),
                missing.join("\n  ")
            ),
            t!("federation-genesis-incomplete-hint"),
        )
        .into());
    }
    if members.is_empty() {
        return Err(usage(
            t!("federation-genesis-no-members"),
            t!("federation-genesis-no-members-hint"),
        ));
    }
    Ok(members)
}

fn parse_member(text: &str) -> anyhow::Result<(String, Member)> {
    let hint = t!("federation-member-hint");
    let mut head = text.splitn(3, ',');
    let (Some(id), Some(country), Some(rest)) = (head.next(), head.next(), head.next()) else {
        return Err(usage(
            t!(
                "federation-member-too-few-parts",
                text = format!("{text:?}")
            ),
            hint,
        ));
    };
    let mut tail = rest.rsplitn(3, ',');
    let (Some(key), Some(address), Some(authority)) = (tail.next(), tail.next(), tail.next())
    else {
        return Err(usage(
            t!(
                "federation-member-too-few-parts",
                text = format!("{text:?}")
            ),
            hint,
        ));
    };
    let key = parse_public_key(key.trim(), "--member")?;
    Ok((
        id.trim().to_owned(),
        Member {
            node_id: id.trim().to_owned(),
            country: country.trim().to_owned(),
            authority: authority.trim().to_owned(),
            addresses: vec![address.trim().to_owned()],
            signing_keys: vec![MemberKey {
                public_key: key.as_bytes().to_vec(),
                ..Default::default()
            }],
        },
    ))
}

/// `rogatory federation propose`.
pub(super) fn propose(args: &ProposeArgs, format: Format) -> anyhow::Result<Outcome> {
    let current = load_current(&args.current)?;
    let now = rogatory_node::now_ms();
    let mut roster = current.roster().clone();
    roster.serial = current.serial() + 1;
    roster.previous = current.digest().to_vec();
    roster.issued_at_ms = now.max(current.issued_at_ms());
    let valid_for = match args.valid_for {
        Some(days) => i64::from(days) * DAY_MS,
        None => current.expires_at_ms() - current.issued_at_ms(),
    };
    roster.expires_at_ms = roster.issued_at_ms.saturating_add(valid_for);
    let issued = roster.issued_at_ms;

    for id in &args.remove_members {
        let before = roster.members.len();
        roster.members.retain(|m| m.node_id != *id);
        if roster.members.len() == before {
            return Err(no_member(id, &current));
        }
    }
    for path in &args.add_members {
        add_member(&mut roster, path, issued)?;
    }
    for text in &args.set_addresses {
        let (id, addresses) = parse_addresses(text, "--set-addresses")?;
        member_mut(&mut roster, &id, &current)?.addresses = addresses;
    }
    if !args.add_signing_keys.is_empty() {
        let retire_after = parse_duration(&args.retire_old_after)?;
        for text in &args.add_signing_keys {
            let (id, key) = split_assignment(text, "--add-signing-key", "ID=PUBLICKEY")?;
            let key = parse_public_key(&key, "--add-signing-key")?;
            let member = member_mut(&mut roster, &id, &current)?;
            for old in &mut member.signing_keys {
                if old.retired_at_ms == 0 && old.revoked_at_ms == 0 {
                    old.retired_at_ms = issued.saturating_add(retire_after);
                }
            }
            member.signing_keys.push(MemberKey {
                public_key: key.as_bytes().to_vec(),
                not_before_ms: issued,
                ..Default::default()
            });
        }
    }
    if !args.revoke_signing_keys.is_empty() {
        let (Some(since), Some(reason)) = (&args.since, &args.reason) else {
            return Err(usage(
                t!("federation-revoke-key-needs"),
                t!("federation-revoke-key-needs-hint"),
            ));
        };
        let since = parse_time(since, now)?;
        for text in &args.revoke_signing_keys {
            let (id, key) = split_assignment(text, "--revoke-signing-key", "ID=PUBLICKEY")?;
            let key = parse_public_key(&key, "--revoke-signing-key")?;
            let member = member_mut(&mut roster, &id, &current)?;
            let Some(listed) = member
                .signing_keys
                .iter_mut()
                .find(|k| k.public_key == key.as_bytes())
            else {
                return Err(usage(
                    t!(
                        "federation-no-such-key",
                        node = id.as_str(),
                        key = keys::encode_public_key(&key)
                    ),
                    t!(
                        "federation-no-such-key-hint",
                        file = args.current.display().to_string()
                    ),
                ));
            };
            // Never later than a revocation already made (PROTOCOL.md 11.2).
            if listed.revoked_at_ms == 0 || since < listed.revoked_at_ms {
                listed.revoked_at_ms = since.max(listed.not_before_ms);
            }
            listed.revocation_reason = reason.clone();
        }
    }
    for path in &args.revoke_certificates {
        let Some(reason) = &args.reason else {
            return Err(usage(
                t!("federation-revoke-certificate-needs"),
                t!("federation-revoke-certificate-needs-hint"),
            ));
        };
        let since = match &args.since {
            Some(text) => parse_time(text, now)?,
            None => now,
        };
        roster
            .revoked_certificates
            .push(revoke_certificate(&roster, path, since, reason)?);
    }
    for path in &args.add_cas {
        let der = read_ca(path)?;
        if !roster.certificate_authorities.contains(&der) {
            roster.certificate_authorities.push(der);
        }
    }
    for path in &args.remove_cas {
        let der = read_ca(path)?;
        let issuer = sha256(&der);
        roster.certificate_authorities.retain(|ca| *ca != der);
        roster.revoked_certificates.retain(|r| r.issuer != issuer);
    }
    let mut governors = roster.governance.clone().unwrap_or_default().governors;
    for text in &args.remove_governors {
        let key = parse_public_key(text, "--remove-governor")?;
        let before = governors.len();
        governors.retain(|g| g.public_key != key.as_bytes());
        if governors.len() == before {
            return Err(usage(
                t!("federation-no-such-governor", text = text.as_str()),
                t!(
                    "federation-no-such-governor-hint",
                    file = args.current.display().to_string()
                ),
            ));
        }
    }
    for text in &args.add_governors {
        governors.push(parse_governor(text)?);
    }
    let threshold = args
        .threshold
        .unwrap_or_else(|| current.governance().threshold);
    roster.governance = Some(governance(governors, threshold)?);
    roster.members.sort_by(|a, b| a.node_id.cmp(&b.node_id));

    let signed = roster::encode_unsigned(&roster);
    current
        .check_proposal(&signed)
        .map_err(|e| rule_broken(e, "proposal"))?;
    write_new(&args.out, &roster::to_armored(&signed))?;
    let changes = roster::changes(current.roster(), &roster);
    if format.json() {
        print_json(&describe(&signed, &roster, Some(&current))?)?;
        return Ok(Outcome::Done);
    }
    say!(
        "{}",
        t!(
            "federation-proposal-written",
            serial = roster.serial,
            federation = format!("{:?}", roster.federation),
            file = args.out.display().to_string()
        )
    );
    for change in &changes {
        say!("  - {}", crate::roster_changes::text(change));
    }
    say!();
    say!("{}", t!("federation-proposal-next"));
    say!(
        "  rogatory federation sign {} --key GOVERNOR-KEY --current {}",
        args.out.display(),
        args.current.display()
    );
    let governance = current.governance();
    say!(
        "{}",
        match roster.governance.as_ref() {
            Some(new) if !same_governance(governance, new) => t!(
                "federation-proposal-needs-both",
                threshold = governance.threshold,
                count = governance.governors.len(),
                new_threshold = new.threshold,
                new_count = new.governors.len()
            ),
            _ => t!(
                "federation-proposal-needs",
                threshold = governance.threshold,
                count = governance.governors.len()
            ),
        }
    );
    Ok(Outcome::Done)
}

/// The same keys and threshold (names do not count).
fn same_governance(a: &Governance, b: &Governance) -> bool {
    a.threshold == b.threshold
        && a.governors.len() == b.governors.len()
        && a.governors
            .iter()
            .zip(&b.governors)
            .all(|(a, b)| a.public_key == b.public_key)
}

fn add_member(roster: &mut Roster, path: &Path, issued: i64) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| {
        t!(
            "federation-cannot-read-join-request",
            file = path.display().to_string()
        )
    })?;
    let signed = rogatory_proto::join::from_armored(&text).with_context(|| {
        t!(
            "federation-not-a-join-request",
            file = path.display().to_string()
        )
    })?;
    let request = rogatory_proto::join::verify_join_request(&signed).with_context(|| {
        t!(
            "federation-join-request-does-not-verify",
            file = path.display().to_string()
        )
    })?;
    let join = request.request();
    if join.renewal {
        return Err(usage(
            t!("federation-is-renewal", file = path.display().to_string()),
            t!("federation-is-renewal-hint"),
        ));
    }
    if roster.members.iter().any(|m| m.node_id == join.node_id) {
        return Err(usage(
            t!("federation-already-member", node = join.node_id.as_str()),
            t!("federation-already-member-hint"),
        ));
    }
    roster.members.push(Member {
        node_id: join.node_id.clone(),
        country: join.country.clone(),
        authority: join.authority.clone(),
        addresses: join.addresses.clone(),
        signing_keys: vec![MemberKey {
            public_key: request.signing_key().as_bytes().to_vec(),
            not_before_ms: issued,
            ..Default::default()
        }],
    });
    Ok(())
}

fn revoke_certificate(
    roster: &Roster,
    path: &Path,
    since: i64,
    reason: &str,
) -> anyhow::Result<RevokedCertificate> {
    let der = read_pem_certificate(path)?;
    let (_, certificate) = x509_parser::parse_x509_certificate(&der).map_err(|e| {
        anyhow::anyhow!(crate::i18n::t!(
            "errors-not-x509",
            file = path.display().to_string(),
            detail = e.to_string()
        ))
    })?;
    let issuer = roster.certificate_authorities.iter().find(|ca| {
        x509_parser::parse_x509_certificate(ca)
            .is_ok_and(|(_, ca)| ca.subject().as_raw() == certificate.issuer().as_raw())
    });
    let Some(issuer) = issuer else {
        return Err(usage(
            t!(
                "federation-foreign-issuer",
                file = path.display().to_string(),
                issuer = certificate.issuer().to_string()
            ),
            t!("federation-foreign-issuer-hint"),
        ));
    };
    Ok(RevokedCertificate {
        serial: certificate.raw_serial().to_vec(),
        issuer: sha256(issuer).to_vec(),
        revoked_at_ms: since,
        reason: reason.to_owned(),
    })
}

fn member_mut<'a>(
    roster: &'a mut Roster,
    id: &str,
    current: &VerifiedRoster,
) -> anyhow::Result<&'a mut Member> {
    roster
        .members
        .iter_mut()
        .find(|m| m.node_id == id)
        .ok_or_else(|| no_member(id, current))
}

fn no_member(id: &str, current: &VerifiedRoster) -> anyhow::Error {
    let ids: Vec<&str> = current
        .members()
        .iter()
        .map(|m| m.node_id.as_str())
        .collect();
    usage(
        t!("federation-no-such-member", node = format!("{id:?}")),
        t!("federation-members-are", members = ids.join(", ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_members_authority_may_hold_commas() {
        let key = keys::encode_public_key(
            &ed25519_dalek::SigningKey::from_bytes(&[3; 32]).verifying_key(),
        );
        let (id, member) = parse_member(&format!(
            "kz,KZ,Kazakhstan, General Prosecutor's Office,kz.example:7400,{key}"
        ))
        .expect("parses");
        assert_eq!(id, "kz");
        assert_eq!(member.authority, "Kazakhstan, General Prosecutor's Office");
        assert_eq!(member.addresses, ["kz.example:7400"]);
        assert!(parse_member("kz,KZ,kz.example:7400").is_err());
    }
}
