//! A federation governed by a roster, for tests: three governors (2 of 3), a genesis built from
//! a [`Federation`]'s nodes, successors, and nodes configured to start from the genesis file
//! (`[federation] roster` in node.toml). Used by the integration test `membership.rs` and the
//! CLI's roster audit test.

use anyhow::Result;
use ed25519_dalek::{SigningKey, VerifyingKey};
use rogatory_proto::roster::{self, encode_unsigned, sign, to_armored};
use rogatory_proto::v1::{Governance, Governor, Member, MemberKey, Roster, SignedRoster};

use crate::{Federation, TestNode};

pub const DAY_MS: i64 = 86_400_000;

/// The three governors: names and keys (seeds 1, 2, 3).
pub fn governors() -> Vec<(String, SigningKey)> {
    (1..=3u8)
        .map(|i| (format!("governor {i}"), SigningKey::from_bytes(&[i; 32])))
        .collect()
}

/// `node` as a member: its address and its signing key, valid from 20 days ago.
pub fn member(node: &TestNode, country: &str) -> Member {
    Member {
        node_id: node.created.node_id.to_string(),
        country: country.into(),
        authority: format!("{country} central authority"),
        addresses: vec![node.created.listen.to_string()],
        signing_keys: vec![MemberKey {
            public_key: node.created.public_key.as_bytes().to_vec(),
            not_before_ms: rogatory_node::now_ms() - 20 * DAY_MS,
            ..MemberKey::default()
        }],
    }
}

/// The federation CA's certificate (DER), as a roster lists it.
pub fn ca_der(federation: &Federation) -> Result<Vec<u8>> {
    let text = std::fs::read(federation.ca_dir.join("federation-ca.pem"))?;
    Ok(pem::parse(text)?.contents().to_vec())
}

/// The genesis roster: `members` (node id, country), the three governors, two of whom must
/// sign; issued ten days ago.
pub fn genesis(federation: &Federation, members: &[(&str, &str)]) -> Result<Roster> {
    let mut governors: Vec<Governor> = governors()
        .into_iter()
        .map(|(name, key)| Governor {
            name,
            public_key: key.verifying_key().as_bytes().to_vec(),
        })
        .collect();
    governors.sort_by(|a, b| a.public_key.cmp(&b.public_key));
    let mut listed = Vec::new();
    for (id, country) in members {
        listed.push(member(federation.node(id)?, country));
    }
    listed.sort_by(|a, b| a.node_id.cmp(&b.node_id));
    let now = rogatory_node::now_ms();
    Ok(Roster {
        version: 1,
        federation: "test-federation".into(),
        serial: 1,
        previous: Vec::new(),
        issued_at_ms: now - 10 * DAY_MS,
        expires_at_ms: now + 90 * DAY_MS,
        members: listed,
        governance: Some(Governance {
            governors,
            threshold: 2,
        }),
        certificate_authorities: vec![ca_der(federation)?],
        revoked_certificates: Vec::new(),
    })
}

/// `roster`, signed by the governors numbered in `by` (1-based).
pub fn signed(roster: &Roster, by: &[usize]) -> SignedRoster {
    let mut signed = encode_unsigned(roster);
    let keys = governors();
    for i in by {
        sign(&mut signed, &keys[i - 1].1);
    }
    signed
}

/// The successor of `previous`, issued now, after `change`.
pub fn successor(previous: &SignedRoster, change: impl FnOnce(&mut Roster)) -> Result<Roster> {
    let mut next = roster::decode_roster(previous)?;
    next.serial += 1;
    next.previous = roster::digest(previous).to_vec();
    next.issued_at_ms = rogatory_node::now_ms();
    change(&mut next);
    Ok(next)
}

/// Creates nodes `ids`, all starting from the genesis of `members` (signed by governors 1 and
/// 2, written to `genesis.roster` in the federation's root), without starting them.
pub fn create_governed(
    ids: &[&str],
    members: &[(&str, &str)],
) -> Result<(Federation, SignedRoster)> {
    let federation = Federation::create(ids)?;
    let first = signed(&genesis(&federation, members)?, &[1, 2]);
    let file = federation.root.path().join("genesis.roster");
    std::fs::write(&file, to_armored(&first))?;
    for id in ids {
        let path = &federation.node(id)?.created.config_path;
        let mut text = std::fs::read_to_string(path)?;
        text.push_str(&format!(
            "\n[federation]\nroster = {:?}\n",
            file.display().to_string()
        ));
        std::fs::write(path, text)?;
    }
    Ok((federation, first))
}

/// The serial of the roster in force at `id`.
pub async fn serial(federation: &Federation, id: &str) -> Result<u64> {
    let shown = federation
        .operator(id)
        .await?
        .show_roster(rogatory_proto::v1::ShowRosterRequest {})
        .await?
        .into_inner();
    anyhow::ensure!(shown.governed, "{id} is not governed by a roster");
    let roster = shown.roster.ok_or_else(|| anyhow::anyhow!("no roster"))?;
    Ok(roster::decode_roster(&roster)?.serial)
}

/// Applies `rosters` at `id` through its operator API; the serial in force after.
pub async fn apply(
    federation: &Federation,
    id: &str,
    rosters: Vec<SignedRoster>,
) -> std::result::Result<u64, tonic::Status> {
    let mut operator = federation
        .operator(id)
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    operator
        .apply_roster(rogatory_proto::v1::ApplyRosterRequest { rosters })
        .await
        .map(|answer| answer.into_inner().in_force)
}

/// Lists `key` as `node`'s next signing key in `next`, valid from `next`'s issue; the member,
/// for a caller that also retires or revokes its older key.
pub fn add_key<'a>(next: &'a mut Roster, node: &str, key: &VerifyingKey) -> &'a mut Member {
    let issued = next.issued_at_ms;
    let member = next
        .members
        .iter_mut()
        .find(|m| m.node_id == node)
        .expect("the node is a member");
    member.signing_keys.push(MemberKey {
        public_key: key.as_bytes().to_vec(),
        not_before_ms: issued,
        ..MemberKey::default()
    });
    member
}

/// The successor of `previous` in which `node` rotates to `key`: the new key valid from its
/// issue, the first one retiring a week later (the overlap for messages in flight).
pub fn rotated(previous: &SignedRoster, node: &str, key: &VerifyingKey) -> Result<Roster> {
    successor(previous, |next| {
        let retires = next.issued_at_ms + 7 * DAY_MS;
        add_key(next, node, key).signing_keys[0].retired_at_ms = retires;
    })
}
