//! Signatures judged against a federation's roster history instead of the bundle's own key
//! list (docs/AUDIT-FORMAT.md section 17).
//!
//! [`AuditHistory::build`] takes the history the auditor trusts (a roster file, genesis first:
//! its genesis is the trust anchor) and extends it with the rosters the log says the node
//! applied (`ROSTER_APPLIED`) where they verify as successors (PROTOCOL.md section 11.2). A
//! recorded roster that does not verify, forks from the history or cannot be placed in it is a
//! [`RosterFinding`]. A log whose first recorded roster contradicts the file (another
//! federation, another genesis) is refused outright: nothing in it can be judged by that file.
//!
//! [`AuditHistory::judge`] then says, for one signature by a node dated at some time, which key
//! the history lists for that node made it and whether that key was valid for the node at that
//! time (PROTOCOL.md section 11.3). The audit verifier turns every signature that is not
//! into a [`KeyFinding`]. No I/O.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;

use crate::log::SignerKey;
use crate::roster::{self, KeyStanding, RosterError, RosterHistory, VerifiedRoster, format_utc};
use crate::signing::fingerprint;
use crate::v1::SignedRoster;

/// Why a roster file cannot be used to judge a bundle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryRefusal {
    #[error("the roster file is not a valid roster history from its genesis: {0}")]
    File(#[source] RosterError),
    #[error(
        "the roster file is of federation {file:?}, but the node applied rosters of federation \
         {node:?}"
    )]
    OtherFederation { file: String, node: String },
    #[error(
        "the roster file's roster {serial} (sha256 {file}) is not the roster {serial} the node \
         applied (sha256 {node}): the file holds another history than the node's"
    )]
    OtherHistory {
        serial: u64,
        file: String,
        node: String,
    },
}

/// A `ROSTER_APPLIED` entry whose roster is not part of the verified history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterFinding {
    /// The log entry.
    pub index: u64,
    /// The roster's serial, if it decodes.
    pub serial: Option<u64>,
    pub why: String,
}

/// What became of one `ROSTER_APPLIED` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRoster {
    pub index: u64,
    pub serial: Option<u64>,
    /// SHA-256 of its `roster` bytes, hex; empty if it does not decode.
    pub digest: String,
    pub standing: AppliedStanding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppliedStanding {
    /// The same roster as the history's of that serial.
    InHistory,
    /// Verified as the successor of the history's newest, and added to it.
    Extends,
    /// Not part of the history: a [`RosterFinding`] says why.
    Refused,
}

/// A signature that is not by a key the roster history says its signer held at its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFinding {
    /// The log entry, for an entry's signature.
    pub index: Option<u64>,
    /// The checkpoint's size, for a checkpoint's signature or a cosignature on it.
    pub checkpoint: Option<u64>,
    /// The entry kind without its prefix (`RECEIPT_OBTAINED`), or `CHECKPOINT`, `COSIGNATURE`.
    pub kind: String,
    /// The node whose signature it is.
    pub node: String,
    /// SHA-256 of the key that verifies it, hex; `None` when no key the history (or the
    /// bundle) gives for the node verifies it.
    pub key_fingerprint: Option<String>,
    /// The date it was judged at (envelope creation, receipt, checkpoint or cosignature time).
    pub signed_at_ms: i64,
    pub why: String,
}

/// The verdict on one signature: the key that verifies it, if any, and what is wrong.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub key: Option<SignerKey>,
    /// `None`: a key valid for the node at that date verifies it.
    pub flaw: Option<Flaw>,
}

/// What is wrong with a signature, for a [`KeyFinding`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flaw {
    pub key_fingerprint: Option<String>,
    pub why: String,
}

/// A roster history, checked, with every key it lists per node ready to verify with.
#[derive(Debug, Clone)]
pub struct AuditHistory {
    history: RosterHistory,
    /// How many of the history's rosters came from the auditor's file (the rest from the log).
    from_file: usize,
    applied: Vec<AppliedRoster>,
    findings: Vec<RosterFinding>,
    /// Every key any roster lists for a node, oldest first, each once.
    keys: BTreeMap<String, Vec<SignerKey>>,
}

impl AuditHistory {
    /// `file` is the auditor's roster history (genesis first); `applied` the `ROSTER_APPLIED`
    /// entries of the log, `(index, signed_payload)` in log order.
    pub fn build(
        file: &[SignedRoster],
        applied: &[(u64, Vec<u8>)],
    ) -> Result<AuditHistory, HistoryRefusal> {
        let from_file = RosterHistory::verify(file).map_err(HistoryRefusal::File)?;
        let mut chain: Vec<VerifiedRoster> = from_file.rosters().to_vec();
        let mut outcomes = Vec::new();
        let mut findings = Vec::new();
        let mut newest_applied = 0;
        for (position, (index, bytes)) in applied.iter().enumerate() {
            let index = *index;
            let mut refuse = |serial: Option<u64>, digest: String, why: String| {
                findings.push(RosterFinding { index, serial, why });
                outcomes.push(AppliedRoster {
                    index,
                    serial,
                    digest,
                    standing: AppliedStanding::Refused,
                });
            };
            let decoded = roster::decode_signed(bytes)
                .and_then(|signed| Ok((roster::decode_roster(&signed)?, signed)));
            let (decoded, signed) = match decoded {
                Ok(decoded) => decoded,
                Err(e) => {
                    refuse(None, String::new(), format!("the roster it records: {e}"));
                    continue;
                }
            };
            let (serial, digest) = (decoded.serial, roster::digest(&signed));
            let digest_hex = hex::encode(digest);
            let known = chain.iter().find(|r| r.serial() == serial);
            if position == 0 {
                // The node's first roster must belong to the file's history, or the file is
                // not this node's federation at all.
                if decoded.federation != chain[0].federation() {
                    return Err(HistoryRefusal::OtherFederation {
                        file: chain[0].federation().to_owned(),
                        node: decoded.federation,
                    });
                }
                if let Some(known) = known.filter(|k| k.digest() != digest) {
                    return Err(HistoryRefusal::OtherHistory {
                        serial,
                        file: hex::encode(known.digest()),
                        node: digest_hex,
                    });
                }
            }
            if serial <= newest_applied {
                refuse(
                    Some(serial),
                    digest_hex,
                    format!("applied after roster {newest_applied}: a rollback"),
                );
                continue;
            }
            newest_applied = serial;
            let standing = match known {
                Some(known) if known.digest() == digest => AppliedStanding::InHistory,
                Some(known) => {
                    let why = format!(
                        "forks from the roster history: its roster {serial} has sha256 {}",
                        hex::encode(known.digest())
                    );
                    refuse(Some(serial), digest_hex, why);
                    continue;
                }
                None => {
                    let newest = &chain[chain.len() - 1];
                    if serial != newest.serial().saturating_add(1) {
                        let why = format!(
                            "cannot be verified: the history ends at roster {} and lacks the \
                             rosters between",
                            newest.serial()
                        );
                        refuse(Some(serial), digest_hex, why);
                        continue;
                    }
                    match newest.successor(&signed) {
                        Ok(verified) => {
                            chain.push(verified);
                            AppliedStanding::Extends
                        }
                        Err(e) => {
                            let why = format!(
                                "does not verify as the successor of roster {}: {e}",
                                newest.serial()
                            );
                            refuse(Some(serial), digest_hex, why);
                            continue;
                        }
                    }
                }
            };
            outcomes.push(AppliedRoster {
                index,
                serial: Some(serial),
                digest: digest_hex,
                standing,
            });
        }
        let signed: Vec<SignedRoster> = chain.iter().map(|r| r.signed().clone()).collect();
        // Each was verified against the one before it just now; this only builds the value.
        let history = RosterHistory::verify(&signed).map_err(HistoryRefusal::File)?;
        let mut keys: BTreeMap<String, Vec<SignerKey>> = BTreeMap::new();
        for roster in history.rosters() {
            for member in roster.members() {
                let listed = keys.entry(member.node_id.clone()).or_default();
                for key in &member.signing_keys {
                    // Structure checks made every listed key a valid point.
                    let Some(key) = <[u8; 32]>::try_from(key.public_key.as_slice())
                        .ok()
                        .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok())
                    else {
                        continue;
                    };
                    if !listed.iter().any(|k| k.key() == &key) {
                        listed.push(SignerKey::new(key));
                    }
                }
            }
        }
        Ok(AuditHistory {
            history,
            from_file: file.len(),
            applied: outcomes,
            findings,
            keys,
        })
    }

    pub fn history(&self) -> &RosterHistory {
        &self.history
    }

    /// The trust anchor: SHA-256 of the genesis's `roster` bytes, to compare by telephone.
    pub fn genesis_digest(&self) -> [u8; 32] {
        self.history.rosters()[0].digest()
    }

    pub fn federation(&self) -> &str {
        self.history.newest().federation()
    }

    /// How many rosters of the history came from the auditor's file.
    pub fn from_file(&self) -> usize {
        self.from_file
    }

    /// Every `ROSTER_APPLIED` entry, in log order, and what became of it.
    pub fn applied(&self) -> &[AppliedRoster] {
        &self.applied
    }

    /// The recorded rosters that are not part of the history.
    pub fn findings(&self) -> &[RosterFinding] {
        &self.findings
    }

    /// Every node any roster lists, with its keys.
    pub fn nodes(&self) -> impl Iterator<Item = (&str, &[SignerKey])> {
        self.keys
            .iter()
            .map(|(id, keys)| (id.as_str(), keys.as_slice()))
    }

    /// Judges a signature by `node` dated `at_ms`: `verifies` says whether a key verifies it.
    /// The keys the history lists for the node are tried, those valid at `at_ms` first, then
    /// `hint` (the key the bundle gives for the node), so that a signature by a key the
    /// history does not list is named with its fingerprint.
    pub fn judge(
        &self,
        node: &str,
        at_ms: i64,
        hint: Option<SignerKey>,
        verifies: impl Fn(&SignerKey) -> bool,
    ) -> Judgement {
        let listed = self.keys.get(node).map_or(&[][..], Vec::as_slice);
        let standing = |key: &SignerKey| self.standing(node, key, at_ms);
        let (valid, others): (Vec<&SignerKey>, Vec<&SignerKey>) = listed
            .iter()
            .partition(|key| standing(key) == KeyStanding::Valid);
        for key in valid {
            if verifies(key) {
                return Judgement {
                    key: Some(*key),
                    flaw: None,
                };
            }
        }
        let unlisted = hint.filter(|hint| !listed.iter().any(|k| k.key() == hint.key()));
        for key in others.into_iter().chain(unlisted.as_ref()) {
            if verifies(key) {
                return Judgement {
                    key: Some(*key),
                    flaw: Some(Flaw {
                        key_fingerprint: Some(fingerprint(key.key())),
                        why: self.why(node, &standing(key), at_ms),
                    }),
                };
            }
        }
        Judgement {
            key: None,
            flaw: Some(Flaw {
                key_fingerprint: None,
                why: if listed.is_empty() {
                    format!("no roster of the history lists {node}, and no key verifies it")
                } else {
                    format!(
                        "none of the {} key(s) the roster history lists for {node} verifies it",
                        listed.len()
                    )
                },
            }),
        }
    }

    /// The standing of one key of `node` at `at_ms` (PROTOCOL.md section 11.3).
    pub fn standing(&self, node: &str, key: &SignerKey, at_ms: i64) -> KeyStanding {
        self.history.key_standing(node, key.key().as_bytes(), at_ms)
    }

    /// A key's standing in plain words, for a finding.
    pub fn why(&self, node: &str, standing: &KeyStanding, at_ms: i64) -> String {
        match standing {
            KeyStanding::Valid => "valid".to_owned(),
            KeyStanding::NotAMember => format!(
                "{node} was not a member at {} (roster {} in force)",
                format_utc(at_ms),
                self.history.in_force_at(at_ms).serial()
            ),
            KeyStanding::UnknownKey => {
                format!("the roster history lists no such key for {node}")
            }
            KeyStanding::NotYetValid { from_ms } => {
                format!("the key is valid only from {}", format_utc(*from_ms))
            }
            KeyStanding::Retired { since_ms } => {
                format!("the key was retired at {}", format_utc(*since_ms))
            }
            KeyStanding::Revoked { since_ms, reason } => format!(
                "the key was revoked at {} ({})",
                format_utc(*since_ms),
                reason
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::{encode_unsigned, sign};
    use crate::v1::{Governance, Governor, Member, MemberKey, Roster};
    use ed25519_dalek::{Signer, SigningKey};
    use prost::Message;

    const DAY: i64 = 24 * 60 * 60 * 1000;
    /// 2026-01-01 00:00 UTC.
    const T0: i64 = 1_767_225_600_000;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn member(node_id: &str, country: &str, seed: u8) -> Member {
        Member {
            node_id: node_id.into(),
            country: country.into(),
            authority: format!("{country} central authority"),
            addresses: vec![format!("{node_id}.example:7400")],
            signing_keys: vec![MemberKey {
                public_key: key(seed).verifying_key().as_bytes().to_vec(),
                not_before_ms: T0 - 30 * DAY,
                ..MemberKey::default()
            }],
        }
    }

    /// Governors 1 to 3 (2 of 3); de (key 11) and tm (key 12), issued at T0.
    fn genesis_roster() -> Roster {
        let mut governors: Vec<Governor> = (1..=3u8)
            .map(|s| Governor {
                name: format!("governor {s}"),
                public_key: key(s).verifying_key().as_bytes().to_vec(),
            })
            .collect();
        governors.sort_by(|a, b| a.public_key.cmp(&b.public_key));
        Roster {
            version: 1,
            federation: "test-federation".into(),
            serial: 1,
            previous: Vec::new(),
            issued_at_ms: T0,
            expires_at_ms: T0 + 365 * DAY,
            members: vec![member("de", "DE", 11), member("tm", "TM", 12)],
            governance: Some(Governance {
                governors,
                threshold: 2,
            }),
            certificate_authorities: vec![b"a CA".to_vec()],
            revoked_certificates: Vec::new(),
        }
    }

    fn signed(roster: &Roster) -> SignedRoster {
        let mut signed = encode_unsigned(roster);
        sign(&mut signed, &key(1));
        sign(&mut signed, &key(2));
        signed
    }

    /// The successor of `previous`, issued `days` after T0, edited by `edit`.
    fn next(previous: &SignedRoster, days: i64, edit: impl FnOnce(&mut Roster)) -> SignedRoster {
        let mut roster = roster::decode_roster(previous).expect("decodes");
        roster.serial += 1;
        roster.previous = roster::digest(previous).to_vec();
        roster.issued_at_ms = T0 + days * DAY;
        edit(&mut roster);
        signed(&roster)
    }

    fn de_key(roster: &mut Roster) -> &mut MemberKey {
        &mut roster.members[0].signing_keys[0]
    }

    /// A history where de's key 11 is revoked from T0 + 5 days (in roster 2, issued at T0 +
    /// 10 days), de rotates to key 21 from T0 + 10 days, and kz (key 14) joins at T0 + 20
    /// days (roster 3).
    fn history() -> AuditHistory {
        let first = signed(&genesis_roster());
        let second = next(&first, 10, |r| {
            de_key(r).revoked_at_ms = T0 + 5 * DAY;
            de_key(r).revocation_reason = "key stolen".into();
            r.members[0].signing_keys.push(MemberKey {
                public_key: key(21).verifying_key().as_bytes().to_vec(),
                not_before_ms: T0 + 10 * DAY,
                ..MemberKey::default()
            });
        });
        let third = next(&second, 20, |r| {
            let mut kz = member("kz", "KZ", 14);
            kz.signing_keys[0].not_before_ms = T0 + 20 * DAY;
            r.members.insert(1, kz);
        });
        AuditHistory::build(&[first, second, third], &[]).expect("history")
    }

    /// Judges a signature over `message` by `signer` as `node`'s at `at_ms`.
    fn judge(history: &AuditHistory, node: &str, signer: u8, at_ms: i64) -> Judgement {
        let message = b"an envelope";
        let signature = key(signer).sign(message);
        history.judge(node, at_ms, None, |k| {
            k.key().verify_strict(message, &signature).is_ok()
        })
    }

    fn why(judgement: &Judgement) -> String {
        judgement
            .flaw
            .as_ref()
            .map(|f| f.why.clone())
            .unwrap_or_default()
    }

    #[test]
    fn a_key_valid_at_the_signatures_date_passes() {
        let history = history();
        assert!(judge(&history, "de", 11, T0 + DAY).flaw.is_none());
        assert!(judge(&history, "de", 21, T0 + 11 * DAY).flaw.is_none());
        assert!(judge(&history, "tm", 12, T0 + 100 * DAY).flaw.is_none());
    }

    #[test]
    fn a_signature_before_a_later_revocation_passes_and_one_after_it_is_flagged() {
        let history = history();
        // Revoked by roster 2 (issued T0 + 10 days) as from T0 + 5 days: a signature of T0 + 4
        // days stands, one of T0 + 6 days does not, although roster 1 was in force then.
        assert!(judge(&history, "de", 11, T0 + 4 * DAY).flaw.is_none());
        let flagged = judge(&history, "de", 11, T0 + 6 * DAY);
        let flaw = flagged.flaw.expect("flagged");
        assert!(flaw.why.contains("revoked at 2026-01-06"), "{}", flaw.why);
        assert!(flaw.why.contains("key stolen"), "{}", flaw.why);
        assert_eq!(
            flaw.key_fingerprint,
            Some(fingerprint(&key(11).verifying_key()))
        );
    }

    #[test]
    fn a_key_not_yet_valid_is_flagged() {
        let flagged = judge(&history(), "de", 21, T0 + 9 * DAY);
        assert!(
            why(&flagged).contains("valid only from"),
            "{}",
            why(&flagged)
        );
    }

    #[test]
    fn a_retired_key_is_flagged() {
        let first = signed(&genesis_roster());
        let second = next(&first, 10, |r| {
            de_key(r).retired_at_ms = T0 + 10 * DAY;
        });
        let history = AuditHistory::build(&[first, second], &[]).expect("history");
        assert!(judge(&history, "de", 11, T0 + 9 * DAY).flaw.is_none());
        let flagged = judge(&history, "de", 11, T0 + 10 * DAY);
        assert!(why(&flagged).contains("retired at"), "{}", why(&flagged));
    }

    #[test]
    fn an_unknown_key_is_flagged_with_its_fingerprint_if_the_bundle_gave_it() {
        let history = history();
        let flagged = judge(&history, "tm", 99, T0 + DAY);
        assert!(flagged.key.is_none());
        assert!(
            why(&flagged).contains("none of the 1 key(s)"),
            "{}",
            why(&flagged)
        );

        let message = b"an envelope";
        let signature = key(99).sign(message);
        let hint = SignerKey::new(key(99).verifying_key());
        let flagged = history.judge("tm", T0 + DAY, Some(hint), |k| {
            k.key().verify_strict(message, &signature).is_ok()
        });
        let flaw = flagged.flaw.expect("flagged");
        assert_eq!(
            flaw.key_fingerprint,
            Some(fingerprint(&key(99).verifying_key()))
        );
        assert!(flaw.why.contains("lists no such key"), "{}", flaw.why);
    }

    #[test]
    fn a_node_not_yet_a_member_is_flagged() {
        let history = history();
        // kz's key is listed from roster 3 (T0 + 20 days) on.
        let flagged = judge(&history, "kz", 14, T0 + 15 * DAY);
        assert!(why(&flagged).contains("not a member"), "{}", why(&flagged));
        assert!(judge(&history, "kz", 14, T0 + 21 * DAY).flaw.is_none());
        let stranger = judge(&history, "uz", 15, T0 + 21 * DAY);
        assert!(why(&stranger).contains("no roster of the history lists uz"));
    }

    #[test]
    fn recorded_rosters_extend_the_file_or_are_named() {
        let first = signed(&genesis_roster());
        let second = next(&first, 10, |_| {});
        let forged = {
            let mut roster = roster::decode_roster(&second).expect("decodes");
            roster.serial = 3;
            roster.previous = roster::digest(&second).to_vec();
            let mut one = encode_unsigned(&roster);
            sign(&mut one, &key(1));
            one
        };
        let applied = vec![
            (0, first.encode_to_vec()),
            (4, second.encode_to_vec()),
            (9, forged.encode_to_vec()),
        ];
        let history = AuditHistory::build(std::slice::from_ref(&first), &applied).expect("built");
        assert_eq!(history.history().newest().serial(), 2);
        let standings: Vec<AppliedStanding> =
            history.applied().iter().map(|a| a.standing).collect();
        assert_eq!(
            standings,
            [
                AppliedStanding::InHistory,
                AppliedStanding::Extends,
                AppliedStanding::Refused
            ]
        );
        assert_eq!(history.findings().len(), 1);
        assert_eq!(history.findings()[0].index, 9);
        assert!(
            history.findings()[0].why.contains("2 needed"),
            "{}",
            history.findings()[0].why
        );

        // A roster 2 other than the file's is a fork.
        let other = next(&first, 11, |_| {});
        let forked = AuditHistory::build(
            &[first.clone(), second.clone()],
            &[(0, first.encode_to_vec()), (3, other.encode_to_vec())],
        )
        .expect("built");
        assert!(forked.findings()[0].why.contains("forks"));
    }

    #[test]
    fn a_file_of_another_genesis_is_refused() {
        let first = signed(&genesis_roster());
        let mut other = genesis_roster();
        other.issued_at_ms += 1;
        let refused = AuditHistory::build(&[signed(&other)], &[(0, first.encode_to_vec())])
            .expect_err("refused");
        assert!(
            matches!(refused, HistoryRefusal::OtherHistory { serial: 1, .. }),
            "{refused}"
        );
        let mut renamed = genesis_roster();
        renamed.federation = "elsewhere".into();
        let refused = AuditHistory::build(&[signed(&renamed)], &[(0, first.encode_to_vec())])
            .expect_err("refused");
        assert!(matches!(refused, HistoryRefusal::OtherFederation { .. }));
    }

    /// tm (key 1) and de (key 2) as the audit's test log signs, governors 101 to 103; with
    /// `de_revoked_at`, a second roster revokes de's key from then on.
    fn log_history(de_revoked_at: Option<i64>) -> AuditHistory {
        let mut roster = genesis_roster();
        roster.issued_at_ms = 1_600_000_000_000;
        let mut governors: Vec<Governor> = (101..=103u8)
            .map(|s| Governor {
                name: format!("governor {s}"),
                public_key: key(s).verifying_key().as_bytes().to_vec(),
            })
            .collect();
        governors.sort_by(|a, b| a.public_key.cmp(&b.public_key));
        roster.governance = Some(Governance {
            governors,
            threshold: 2,
        });
        for (member, seed) in roster.members.iter_mut().zip([2u8, 1]) {
            member.signing_keys[0].public_key = key(seed).verifying_key().as_bytes().to_vec();
            member.signing_keys[0].not_before_ms = 0;
        }
        let by_governors = |roster: &Roster| {
            let mut signed = encode_unsigned(roster);
            sign(&mut signed, &key(101));
            sign(&mut signed, &key(102));
            signed
        };
        let first = by_governors(&roster);
        let mut chain = vec![first.clone()];
        if let Some(at) = de_revoked_at {
            let mut next = roster.clone();
            next.serial = 2;
            next.previous = roster::digest(&first).to_vec();
            next.issued_at_ms += DAY;
            de_key(&mut next).revoked_at_ms = at;
            de_key(&mut next).revocation_reason = "compromised".into();
            chain.push(by_governors(&next));
        }
        AuditHistory::build(&chain, &[]).expect("history")
    }

    fn audit_with(history: AuditHistory) -> super::super::AuditReport {
        use super::super::test_log::{good_log, key as log_key};
        let log = good_log();
        let size = log.entries.len();
        let mut verifier = super::super::AuditVerifier::with_roster_history(
            "tm",
            log_key(1).verifying_key(),
            BTreeMap::new(),
            history,
            &[size as u64],
        );
        verifier.push_entries(0, &log.entries).expect("entries");
        verifier
            .check_checkpoint(size as u64, &log.checkpoint(size, &log_key(1)))
            .expect("checkpoint");
        verifier.finish().expect("verdict")
    }

    #[test]
    fn a_log_signed_by_valid_keys_has_no_findings_under_its_history() {
        let report = audit_with(log_history(None));
        assert!(report.key_findings.is_empty(), "{:?}", report.key_findings);
        assert_eq!(
            report.latest_checkpoint.expect("checked").cosigned_by,
            ["de"]
        );
    }

    #[test]
    fn signatures_after_a_revocation_are_named_and_those_before_it_are_not() {
        // The test log dates de's envelope at 1 ms, its receipt at 2 ms, its cosignature in
        // 2023: revoked from 2 ms, the receipt and the cosignature are named, the envelope not.
        let report = audit_with(log_history(Some(2)));
        let named: Vec<(Option<u64>, &str, &str)> = report
            .key_findings
            .iter()
            .map(|f| (f.index, f.kind.as_str(), f.node.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                (Some(2), "RECEIPT_OBTAINED", "de"),
                (None, "COSIGNATURE", "de")
            ]
        );
        let receipt = &report.key_findings[0];
        assert_eq!(
            receipt.key_fingerprint,
            Some(fingerprint(&key(2).verifying_key()))
        );
        assert!(receipt.why.contains("compromised"), "{}", receipt.why);
        // The chain and tree still hold: every other count is as without the history.
        assert_eq!(report.receipts_obtained, 1);
        assert!(
            report
                .latest_checkpoint
                .expect("checked")
                .cosigned_by
                .is_empty()
        );
    }
}
