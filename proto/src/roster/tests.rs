//! The roster's rules, each refused where it should be, and the committed known-answer vectors.

use ed25519_dalek::SigningKey;
use proptest::prelude::*;

use super::*;
use crate::v1::{self, Governor, Member, MemberKey, RevokedCertificate, RosterSignature};

const DAY: i64 = 24 * 60 * 60 * 1000;
/// 2026-01-01 00:00 UTC.
const T0: i64 = 1_767_225_600_000;
/// One edit of a roster, named in a table of cases.
type Edit = Box<dyn Fn(&mut Roster)>;

const CA: &[u8] = b"a CA certificate's DER (the proto crate does not parse it)";

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn public(seed: u8) -> Vec<u8> {
    key(seed).verifying_key().as_bytes().to_vec()
}

fn governance(seeds: &[u8], threshold: u32) -> v1::Governance {
    let mut governors: Vec<Governor> = seeds
        .iter()
        .map(|&s| Governor {
            name: format!("governor {s}"),
            public_key: public(s),
        })
        .collect();
    governors.sort_by(|a, b| a.public_key.cmp(&b.public_key));
    v1::Governance {
        governors,
        threshold,
    }
}

fn member(node_id: &str, country: &str, key_seed: u8) -> Member {
    Member {
        node_id: node_id.into(),
        country: country.into(),
        authority: format!("{country} Prosecutor General's Office"),
        addresses: vec![format!("{node_id}.example:7400")],
        signing_keys: vec![MemberKey {
            public_key: public(key_seed),
            not_before_ms: T0 - 30 * DAY,
            ..Default::default()
        }],
    }
}

/// Governors 1, 2, 3 (2 of 3); members de (key 11) and tm (key 12).
fn genesis_roster() -> Roster {
    Roster {
        version: ROSTER_VERSION,
        federation: "test-federation".into(),
        serial: 1,
        previous: Vec::new(),
        issued_at_ms: T0,
        expires_at_ms: T0 + 365 * DAY,
        members: vec![member("de", "DE", 11), member("tm", "TM", 12)],
        governance: Some(governance(&[1, 2, 3], 2)),
        certificate_authorities: vec![CA.to_vec()],
        revoked_certificates: Vec::new(),
    }
}

fn signed_by(roster: &Roster, seeds: &[u8]) -> SignedRoster {
    let mut signed = encode_unsigned(roster);
    for &seed in seeds {
        sign(&mut signed, &key(seed));
    }
    signed
}

fn genesis() -> VerifiedRoster {
    VerifiedRoster::genesis(&signed_by(&genesis_roster(), &[1, 2])).expect("genesis verifies")
}

/// The next roster after `previous`, issued a day later, edited by `edit`.
fn next(previous: &VerifiedRoster, edit: impl FnOnce(&mut Roster)) -> Roster {
    let mut roster = previous.roster().clone();
    roster.serial += 1;
    roster.previous = previous.digest().to_vec();
    roster.issued_at_ms += DAY;
    roster.expires_at_ms = roster.issued_at_ms + 365 * DAY;
    edit(&mut roster);
    roster
}

/// The successor of `g` that revokes tm's key (12) from `since`, "stolen laptop".
fn with_tm_revoked(g: &VerifiedRoster, since: i64) -> VerifiedRoster {
    g.successor(&signed_by(
        &next(g, |r| {
            let key = tm_key(r);
            key.revoked_at_ms = since;
            key.revocation_reason = "stolen laptop".into();
        }),
        &[1, 2],
    ))
    .expect("a revocation is a valid successor")
}

fn tm_key(roster: &mut Roster) -> &mut MemberKey {
    &mut roster.members[1].signing_keys[0]
}

#[test]
fn a_genesis_signed_by_two_of_three_governors_is_verified() {
    let verified = genesis();
    assert_eq!(verified.serial(), 1);
    assert_eq!(verified.signers().len(), 2);
    assert!(verified.ignored_signers().is_empty());
    verified.check_not_expired(T0 + DAY).expect("unexpired");
}

#[test]
fn one_governors_signature_alone_is_refused() {
    let err = VerifiedRoster::genesis(&signed_by(&genesis_roster(), &[1])).expect_err("refused");
    assert!(
        matches!(
            err,
            RosterError::NotEnoughSignatures {
                have: 1,
                need: 2,
                of: Governance::New
            }
        ),
        "{err}"
    );
    let successor = signed_by(&next(&genesis(), |_| {}), &[3]);
    assert!(matches!(
        genesis().successor(&successor),
        Err(RosterError::NotEnoughSignatures {
            have: 1,
            need: 2,
            of: Governance::Previous
        })
    ));
}

#[test]
fn a_non_governors_signatures_are_ignored_not_counted() {
    let err =
        VerifiedRoster::genesis(&signed_by(&genesis_roster(), &[1, 9, 11])).expect_err("refused");
    assert!(matches!(
        err,
        RosterError::NotEnoughSignatures { have: 1, .. }
    ));
    let verified =
        VerifiedRoster::genesis(&signed_by(&genesis_roster(), &[1, 9, 2])).expect("accepted");
    assert_eq!(verified.ignored_signers(), &[public(9)]);
    assert_eq!(verified.signers().len(), 2);
}

#[test]
fn a_governor_signing_twice_is_refused_not_counted_twice() {
    let mut signed = signed_by(&genesis_roster(), &[1]);
    let again = signed.signatures[0].clone();
    signed.signatures.push(again);
    assert!(matches!(
        VerifiedRoster::genesis(&signed),
        Err(RosterError::DuplicateSigner { .. })
    ));
    // Signing again is idempotent: no second entry.
    let mut signed = signed_by(&genesis_roster(), &[1]);
    assert!(!sign(&mut signed, &key(1)));
    assert_eq!(signed.signatures.len(), 1);
}

#[test]
fn a_governors_signature_that_does_not_verify_refuses_the_roster() {
    let mut signed = signed_by(&genesis_roster(), &[1, 2, 3]);
    signed.signatures[2].signature[0] ^= 1;
    assert!(matches!(
        VerifiedRoster::genesis(&signed),
        Err(RosterError::BadSignature { .. })
    ));
    // Signing again replaces the bad signature.
    let seed = [1, 2, 3]
        .into_iter()
        .find(|&s| public(s) == signed.signatures[2].public_key)
        .expect("a governor");
    assert!(sign(&mut signed, &key(seed)));
    VerifiedRoster::genesis(&signed).expect("repaired");
}

#[test]
fn roster_bytes_changed_after_signing_are_refused() {
    let signed = signed_by(&genesis_roster(), &[1, 2]);
    let mut tampered = signed.clone();
    let at = tampered.roster.len() / 2;
    tampered.roster[at] ^= 0x01;
    assert!(VerifiedRoster::genesis(&tampered).is_err());
}

#[test]
fn a_genesis_must_be_serial_one_without_previous() {
    let mut roster = genesis_roster();
    roster.serial = 2;
    roster.previous = vec![0; 32];
    assert!(matches!(
        VerifiedRoster::genesis(&signed_by(&roster, &[1, 2])),
        Err(RosterError::NotGenesis(2))
    ));
}

#[test]
fn a_successor_signed_by_the_current_governors_is_verified() {
    let g = genesis();
    let r2 = g
        .successor(&signed_by(&next(&g, |_| {}), &[2, 3]))
        .expect("successor");
    assert_eq!(r2.serial(), 2);
    assert_eq!(
        verify_chain(&g, &[r2.signed().clone()], T0 + 2 * DAY)
            .expect("chain")
            .digest(),
        r2.digest()
    );
}

#[test]
fn a_trust_anchor_needs_its_own_governors_threshold_only() {
    let g = genesis();
    let r2 = next(&g, |r| r.governance = Some(governance(&[4, 5, 6], 2)));
    let anchor = VerifiedRoster::trust_anchor(&signed_by(&r2, &[4, 5])).expect("anchor");
    assert_eq!(anchor.serial(), 2);
    assert!(matches!(
        VerifiedRoster::trust_anchor(&signed_by(&r2, &[1, 2, 4])),
        Err(RosterError::NotEnoughSignatures { have: 1, .. })
    ));
}

#[test]
fn a_proposal_is_checked_by_every_rule_but_the_signatures() {
    let g = genesis();
    let proposal = encode_unsigned(&next(&g, |_| {}));
    g.check_proposal(&proposal).expect("a valid proposal");
    assert!(matches!(
        g.successor(&proposal),
        Err(RosterError::NotEnoughSignatures { have: 0, .. })
    ));
    let skipped = encode_unsigned(&next(&g, |r| r.serial = 3));
    assert!(matches!(
        g.check_proposal(&skipped),
        Err(RosterError::NotNextSerial { .. })
    ));
    check_genesis_proposal(&encode_unsigned(&genesis_roster())).expect("a genesis proposal");
}

#[test]
fn a_rollback_to_an_equal_or_lower_serial_is_refused() {
    let g = genesis();
    let r2 = g
        .successor(&signed_by(&next(&g, |_| {}), &[1, 2]))
        .expect("accepted");
    // The genesis again, and a roster with r2's serial, after r2.
    assert!(matches!(
        r2.successor(g.signed()),
        Err(RosterError::NotNextSerial {
            expected: 3,
            got: 1
        })
    ));
    let same = signed_by(&next(&g, |r| r.issued_at_ms += 1), &[1, 2]);
    assert!(matches!(
        r2.successor(&same),
        Err(RosterError::NotNextSerial {
            expected: 3,
            got: 2
        })
    ));
}

#[test]
fn a_skipped_serial_is_refused() {
    let g = genesis();
    let skipped = signed_by(&next(&g, |r| r.serial = 3), &[1, 2]);
    assert!(matches!(
        g.successor(&skipped),
        Err(RosterError::NotNextSerial {
            expected: 2,
            got: 3
        })
    ));
}

#[test]
fn a_wrong_previous_digest_is_refused() {
    let g = genesis();
    let wrong = signed_by(&next(&g, |r| r.previous[0] ^= 1), &[1, 2]);
    assert!(matches!(
        g.successor(&wrong),
        Err(RosterError::PreviousMismatch)
    ));
}

#[test]
fn another_federations_roster_is_refused() {
    let g = genesis();
    let other = signed_by(&next(&g, |r| r.federation = "other".into()), &[1, 2]);
    assert!(matches!(
        g.successor(&other),
        Err(RosterError::WrongFederation { .. })
    ));
}

#[test]
fn a_roster_issued_before_its_predecessor_is_refused() {
    let g = genesis();
    let early = signed_by(&next(&g, |r| r.issued_at_ms = T0 - 1), &[1, 2]);
    assert!(matches!(
        g.successor(&early),
        Err(RosterError::IssuedBeforePredecessor { .. })
    ));
}

#[test]
fn an_expired_newest_roster_is_refused_but_an_expired_intermediate_is_passed() {
    let g = genesis();
    let r2 = signed_by(
        &next(&g, |r| r.expires_at_ms = r.issued_at_ms + 10 * DAY),
        &[1, 2],
    );
    let v2 = g.successor(&r2).expect("accepted");
    let r3 = signed_by(&next(&v2, |r| r.issued_at_ms += 30 * DAY), &[1, 2]);
    let now = T0 + 60 * DAY;
    assert!(matches!(
        verify_chain(&g, std::slice::from_ref(&r2), now),
        Err(RosterError::Expired { .. })
    ));
    let newest = verify_chain(&g, &[r2, r3], now).expect("r2 expired on the way only");
    assert_eq!(newest.serial(), 3);
    assert!(matches!(
        verify_chain(&g, &[], T0 + 400 * DAY),
        Err(RosterError::Expired { .. })
    ));
}

#[test]
fn a_governance_change_needs_both_thresholds() {
    let g = genesis();
    let changed = next(&g, |r| r.governance = Some(governance(&[4, 5, 6], 2)));
    for (seeds, of) in [
        (&[1u8, 2][..], Governance::New),
        (&[4, 5][..], Governance::Previous),
        (&[1, 4][..], Governance::Previous),
    ] {
        let err = g
            .successor(&signed_by(&changed, seeds))
            .expect_err("refused");
        assert!(
            matches!(err, RosterError::NotEnoughSignatures { of: got, .. } if got == of),
            "{seeds:?}: {err}"
        );
    }
    g.successor(&signed_by(&changed, &[1, 2, 4, 5]))
        .expect("both thresholds");

    // Raising the threshold with the same governors needs the new k.
    let raised = next(&g, |r| r.governance = Some(governance(&[1, 2, 3], 3)));
    assert!(matches!(
        g.successor(&signed_by(&raised, &[1, 2])),
        Err(RosterError::NotEnoughSignatures {
            have: 2,
            need: 3,
            of: Governance::New
        })
    ));
    g.successor(&signed_by(&raised, &[1, 2, 3]))
        .expect("3 of 3");
}

#[test]
fn a_revocation_once_made_is_never_undone_nor_postponed() {
    let g = genesis();
    let since = T0 + 12 * 60 * 60 * 1000;
    let revoked = with_tm_revoked(&g, since);
    for edit in [
        |k: &mut MemberKey| {
            k.revoked_at_ms = 0;
            k.revocation_reason.clear();
        },
        |k: &mut MemberKey| k.revoked_at_ms += 1,
    ] {
        let undone = signed_by(&next(&revoked, |r| edit(tm_key(r))), &[1, 2]);
        assert!(matches!(
            revoked.successor(&undone),
            Err(RosterError::RevocationUndone { .. })
        ));
    }
    let earlier = signed_by(&next(&revoked, |r| tm_key(r).revoked_at_ms -= 1), &[1, 2]);
    revoked.successor(&earlier).expect("moved earlier");
}

#[test]
fn a_members_key_history_cannot_be_rewritten() {
    let g = genesis();
    let cases: Vec<(&str, Edit)> = vec![
        (
            "dropped",
            Box::new(|r| r.members[1].signing_keys[0].public_key = public(13)),
        ),
        (
            "not_before moved",
            Box::new(|r| tm_key(r).not_before_ms -= 1),
        ),
        (
            "retired in the past",
            Box::new(|r| tm_key(r).retired_at_ms = T0),
        ),
        (
            "new key backdated",
            Box::new(|r| {
                r.members[1].signing_keys.push(MemberKey {
                    public_key: public(13),
                    not_before_ms: T0,
                    ..Default::default()
                })
            }),
        ),
    ];
    for (what, edit) in cases {
        let rewritten = signed_by(&next(&g, |r| edit(r)), &[1, 2]);
        assert!(
            matches!(
                g.successor(&rewritten),
                Err(RosterError::KeyHistoryChanged { .. })
            ),
            "{what}"
        );
    }
    // A retirement once set stays where it is.
    let retired = g
        .successor(&signed_by(
            &next(&g, |r| tm_key(r).retired_at_ms = T0 + 8 * DAY),
            &[1, 2],
        ))
        .expect("accepted");
    let moved = signed_by(&next(&retired, |r| tm_key(r).retired_at_ms += DAY), &[1, 2]);
    assert!(matches!(
        retired.successor(&moved),
        Err(RosterError::KeyHistoryChanged { .. })
    ));
}

#[test]
fn a_key_is_never_listed_for_two_members() {
    let mut roster = genesis_roster();
    roster.members[1].signing_keys[0].public_key = public(11);
    assert!(matches!(
        VerifiedRoster::genesis(&signed_by(&roster, &[1, 2])),
        Err(RosterError::KeyReused { .. })
    ));
    // Nor handed from a removed member to a new one.
    let g = genesis();
    let handed = next(&g, |r| {
        let mut uz = member("uz", "UZ", 12);
        uz.signing_keys[0].not_before_ms = r.issued_at_ms;
        r.members[1] = uz;
    });
    assert!(matches!(
        g.successor(&signed_by(&handed, &[1, 2])),
        Err(RosterError::KeyReused { .. })
    ));
}

#[test]
fn a_rotation_keeps_the_old_key_for_its_time() {
    let g = genesis();
    let switch = T0 + DAY;
    let retire = switch + 7 * DAY;
    let rotated = g
        .successor(&signed_by(
            &next(&g, |r| {
                tm_key(r).retired_at_ms = retire;
                r.members[1].signing_keys.push(MemberKey {
                    public_key: public(13),
                    not_before_ms: switch,
                    ..Default::default()
                });
            }),
            &[1, 2],
        ))
        .expect("rotation");
    let old = key(12).verifying_key();
    let new = key(13).verifying_key();
    assert_eq!(rotated.verifying_keys_at("tm", switch - 1), vec![old]);
    assert_eq!(rotated.verifying_keys_at("tm", switch), vec![old, new]);
    assert_eq!(rotated.verifying_keys_at("tm", retire), vec![new]);
    assert_eq!(rotated.signing_key_now("tm", switch), Some(new));
    assert_eq!(
        rotated.key_standing("tm", old.as_bytes(), retire),
        KeyStanding::Retired { since_ms: retire }
    );
    assert_eq!(
        rotated.key_standing("tm", new.as_bytes(), switch - 1),
        KeyStanding::NotYetValid { from_ms: switch }
    );
    assert_eq!(
        rotated.key_standing("tm", &public(11), switch),
        KeyStanding::UnknownKey
    );
    assert_eq!(
        rotated.key_standing("uz", new.as_bytes(), switch),
        KeyStanding::NotAMember
    );
    assert!(rotated.verifying_keys_at("uz", switch).is_empty());
}

#[test]
fn a_revoked_key_verifies_nothing_dated_after_its_revocation() {
    let g = genesis();
    let since = T0 - DAY;
    let revoked = with_tm_revoked(&g, since);
    assert_eq!(
        revoked.key_standing("tm", &public(12), since),
        KeyStanding::Revoked {
            since_ms: since,
            reason: "stolen laptop".into()
        }
    );
    assert_eq!(
        revoked.key_standing("tm", &public(12), since - 1),
        KeyStanding::Valid
    );
    assert!(revoked.verifying_keys_at("tm", since).is_empty());
    assert_eq!(revoked.signing_key_now("tm", T0), None);
}

#[test]
fn a_certificate_revocation_stays_while_its_ca_does() {
    let g = genesis();
    let revocation = RevokedCertificate {
        serial: vec![0x01, 0x02],
        issuer: crate::signing::sha256(CA).to_vec(),
        revoked_at_ms: T0,
        reason: "key leaked".into(),
    };
    let revoked = g
        .successor(&signed_by(
            &next(&g, |r| r.revoked_certificates.push(revocation.clone())),
            &[1, 2],
        ))
        .expect("accepted");
    let undone = signed_by(&next(&revoked, |r| r.revoked_certificates.clear()), &[1, 2]);
    assert!(matches!(
        revoked.successor(&undone),
        Err(RosterError::CertificateRevocationUndone { .. })
    ));
    let new_ca = b"the next CA".to_vec();
    let rotated = signed_by(
        &next(&revoked, |r| {
            r.revoked_certificates.clear();
            r.certificate_authorities = vec![new_ca];
        }),
        &[1, 2],
    );
    revoked
        .successor(&rotated)
        .expect("the CA left with its revocations");
}

#[test]
fn ill_formed_rosters_are_refused() {
    let cases: Vec<(&str, Edit)> = vec![
        ("version", Box::new(|r| r.version = 2)),
        ("federation", Box::new(|r| r.federation.clear())),
        ("expiry", Box::new(|r| r.expires_at_ms = r.issued_at_ms)),
        ("unsorted", Box::new(|r| r.members.reverse())),
        ("twice", Box::new(|r| r.members[1].node_id = "de".into())),
        ("node id", Box::new(|r| r.members[1].node_id = "TM".into())),
        ("country", Box::new(|r| r.members[1].country = "tm".into())),
        (
            "authority",
            Box::new(|r| r.members[1].authority = " ".into()),
        ),
        ("no address", Box::new(|r| r.members[1].addresses.clear())),
        (
            "no port",
            Box::new(|r| r.members[1].addresses = vec!["tm.example".into()]),
        ),
        (
            "port 0",
            Box::new(|r| r.members[1].addresses = vec!["tm.example:0".into()]),
        ),
        (
            "bare ipv6",
            Box::new(|r| r.members[1].addresses = vec!["::1:7400".into()]),
        ),
        ("no key", Box::new(|r| r.members[1].signing_keys.clear())),
        ("short key", Box::new(|r| tm_key(r).public_key.truncate(31))),
        // The identity point: of small order.
        (
            "weak key",
            Box::new(|r| {
                let mut identity = vec![0u8; 32];
                identity[0] = 1;
                tm_key(r).public_key = identity;
            }),
        ),
        (
            "reason unrevoked",
            Box::new(|r| tm_key(r).revocation_reason = "x".into()),
        ),
        (
            "revoked no reason",
            Box::new(|r| tm_key(r).revoked_at_ms = T0),
        ),
        ("no governance", Box::new(|r| r.governance = None)),
        (
            "threshold 0",
            Box::new(|r| r.governance = Some(governance(&[1, 2], 0))),
        ),
        (
            "threshold 3 of 2",
            Box::new(|r| r.governance = Some(governance(&[1, 2], 3))),
        ),
        (
            "governors unsorted",
            Box::new(|r| {
                if let Some(g) = r.governance.as_mut() {
                    g.governors.reverse();
                }
            }),
        ),
        ("no CA", Box::new(|r| r.certificate_authorities.clear())),
        (
            "revoked cert of no CA",
            Box::new(|r| {
                r.revoked_certificates.push(RevokedCertificate {
                    serial: vec![1],
                    issuer: vec![0; 32],
                    revoked_at_ms: T0,
                    reason: "x".into(),
                })
            }),
        ),
    ];
    for (what, edit) in cases {
        let mut roster = genesis_roster();
        edit(&mut roster);
        let signed = signed_by(&roster, &[1, 2, 4, 5]);
        let err = VerifiedRoster::genesis(&signed);
        assert!(
            matches!(
                err,
                Err(RosterError::InvalidField { .. } | RosterError::UnsupportedVersion(_))
            ),
            "{what}: {err:?}"
        );
    }
}

#[test]
fn addresses_are_host_and_port() {
    for good in ["tm.example:7400", "10.0.0.1:1", "[::1]:65535"] {
        assert_eq!(structure::check_address(good), Ok(()), "{good}");
    }
    for bad in [
        "tm.example",
        ":7400",
        "tm:65536",
        "tm:+1",
        "tm:07400",
        "tm x:1",
        "[::1:1",
    ] {
        assert!(structure::check_address(bad).is_err(), "{bad}");
    }
}

#[test]
fn an_oversized_roster_is_refused_before_decoding() {
    let signed = SignedRoster {
        roster: vec![0; MAX_ROSTER_BYTES + 1],
        signatures: Vec::new(),
    };
    assert!(matches!(
        VerifiedRoster::genesis(&signed),
        Err(RosterError::TooLarge { .. })
    ));
}

#[test]
fn armored_files_round_trip_and_binary_is_read_too() {
    let signed = signed_by(&genesis_roster(), &[1, 2]);
    let text = to_armored(&signed);
    assert!(text.starts_with("-----BEGIN ROGATORY ROSTER-----\n"));
    let in_mail = format!("Dear colleagues,\n\n{text}\nRegards\n");
    assert_eq!(from_armored(in_mail.as_bytes()).expect("accepted"), signed);
    assert_eq!(
        from_armored(&signed.encode_to_vec()).expect("accepted"),
        signed
    );
    let wrong = text.replace("ROGATORY ROSTER", "CERTIFICATE");
    assert!(matches!(
        from_armored(wrong.as_bytes()),
        Err(RosterError::Malformed(_))
    ));
}

#[test]
fn a_binary_roster_whose_text_holds_the_armor_marker_is_still_read() {
    let mut roster = genesis_roster();
    roster.members[0].authority = "-----BEGIN ROGATORY ROSTER----- office".into();
    let signed = signed_by(&roster, &[1, 2]);
    assert_eq!(
        from_armored(&signed.encode_to_vec()).expect("read as binary"),
        signed
    );
}

#[test]
fn changes_are_told_in_plain_words() {
    let g = genesis();
    let old = g.roster().clone();
    let new = next(&g, |r| {
        let mut kz = member("kz", "KZ", 14);
        kz.authority = "General Prosecutor's Office".into();
        kz.signing_keys[0].not_before_ms = r.issued_at_ms;
        r.members.insert(1, kz);
        let key = &mut r.members[2].signing_keys[0];
        key.revoked_at_ms = T0 + 10 * 60 * 60 * 1000;
        key.revocation_reason = "stolen laptop".into();
        r.governance = Some(governance(&[1, 2, 3, 4], 3));
    });
    let words: Vec<String> = changes(&old, &new)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        words,
        [
            "is serial 2, issued 2026-01-02 00:00 UTC, valid until 2027-01-02 00:00 UTC".to_owned(),
            format!(
                "adds member kz (KZ, General Prosecutor's Office) at kz.example:7400, signing key {}",
                short_key(&public(14))
            ),
            format!(
                "revokes tm's signing key {} since 2026-01-01 10:00 UTC: stolen laptop",
                short_key(&public(12))
            ),
            format!("adds governor governor 4 ({})", short_key(&public(4))),
            "changes the threshold from 2 of 3 to 3 of 4".to_owned(),
        ]
    );
    assert!(changes(&old, &old).is_empty());
}

#[test]
fn signature_progress_counts_each_governance() {
    let g = genesis();
    let changed = next(&g, |r| r.governance = Some(governance(&[1, 4, 5], 2)));
    let mut proposal = signed_by(&changed, &[1, 9]);
    let progress = signature_progress(Some(&g), &proposal).expect("accepted");
    assert_eq!(progress.tallies.len(), 2);
    assert_eq!(progress.tallies[0].of, Governance::Previous);
    assert_eq!(progress.tallies[0].missing(), 1);
    assert_eq!(progress.tallies[1].missing(), 1);
    assert_eq!(progress.ignored, vec![public(9)]);
    assert!(!progress.ready());
    sign(&mut proposal, &key(4));
    sign(&mut proposal, &key(2));
    let progress = signature_progress(Some(&g), &proposal).expect("accepted");
    assert!(progress.ready());
    g.successor(&proposal).expect("ready means verifiable");

    // A genesis counts its own governance only; an unchanged one is counted once.
    let progress = signature_progress(None, &signed_by(&genesis_roster(), &[1])).expect("accepted");
    assert_eq!(progress.tallies.len(), 1);
    let same = signature_progress(Some(&g), &signed_by(&next(&g, |_| {}), &[1])).expect("accepted");
    assert_eq!(same.tallies.len(), 1);
    assert_eq!(same.tallies[0].missing(), 1);
}

#[test]
fn the_history_judges_a_key_by_the_membership_of_its_time_and_the_newest_revocation() {
    let g = genesis();
    let joined_at = T0 + DAY;
    let r2 = g
        .successor(&signed_by(
            &next(&g, |r| {
                let mut kz = member("kz", "KZ", 14);
                kz.signing_keys[0].not_before_ms = joined_at;
                r.members.insert(1, kz);
            }),
            &[1, 2],
        ))
        .expect("accepted");
    let revoked_since = T0 + DAY / 2;
    let r3 = signed_by(
        &next(&r2, |r| {
            let key = &mut r.members[2].signing_keys[0];
            key.revoked_at_ms = revoked_since;
            key.revocation_reason = "stolen laptop".into();
        }),
        &[1, 2],
    );
    let history =
        RosterHistory::verify(&[g.signed().clone(), r2.signed().clone(), r3]).expect("history");
    assert_eq!(history.newest().serial(), 3);
    assert_eq!(
        history.key_standing("kz", &public(14), joined_at - 1),
        KeyStanding::NotAMember
    );
    assert_eq!(
        history.key_standing("kz", &public(14), joined_at),
        KeyStanding::Valid
    );
    // Signed before the revocation was known, dated after its start: flagged.
    assert!(matches!(
        history.key_standing("tm", &public(12), revoked_since),
        KeyStanding::Revoked { .. }
    ));
    assert_eq!(
        history.key_standing("tm", &public(12), revoked_since - 1),
        KeyStanding::Valid
    );
    assert!(RosterHistory::verify(&[]).is_err());
}

/// The committed vectors of `proto/testdata/roster/`, made by `generate.py` (an encoder and
/// signer written separately in Python), must verify, and their digests are known answers.
#[test]
fn the_committed_vectors_verify() {
    let genesis_file = include_str!("../../testdata/roster/genesis.roster");
    let successor_file = include_str!("../../testdata/roster/successor.roster");
    let digests = include_str!("../../testdata/roster/digests.txt");
    let genesis =
        VerifiedRoster::genesis(&from_armored(genesis_file.as_bytes()).expect("accepted"))
            .expect("genesis vector");
    let successor = genesis
        .successor(&from_armored(successor_file.as_bytes()).expect("accepted"))
        .expect("successor vector");
    let expected: Vec<&str> = digests
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(_, d)| d))
        .collect();
    assert_eq!(
        expected,
        [
            hex::encode(genesis.digest()),
            hex::encode(successor.digest())
        ]
    );
    assert_eq!(successor.serial(), 2);
    assert_eq!(successor.signers().len(), 2);
    assert_eq!(
        genesis.signed().roster,
        encode_unsigned(&genesis_roster()).roster,
        "prost encodes the fixture as the Python encoder did"
    );
    assert!(matches!(
        successor.key_standing("tm", &public(12), successor.issued_at_ms()),
        KeyStanding::Retired { .. } | KeyStanding::Valid
    ));
    // Re-signing adds nothing: Ed25519 is deterministic, so the vectors' signatures are ours.
    let mut resigned = genesis.signed().clone();
    assert!(!sign(&mut resigned, &key(1)));
    assert_eq!(&resigned, genesis.signed());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn signing_round_trips_and_any_flipped_byte_fails(
        federation in "[a-z]{1,20}",
        expiry_days in 1i64..1000,
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let mut roster = genesis_roster();
        roster.federation = federation;
        roster.expires_at_ms = T0 + expiry_days * DAY;
        let signed = signed_by(&roster, &[1, 2]);
        let verified = VerifiedRoster::genesis(&signed).expect("round trip");
        prop_assert_eq!(verified.roster(), &roster);

        let mut tampered = signed.clone();
        let at = flip.index(tampered.roster.len());
        tampered.roster[at] ^= 1 << bit;
        prop_assert!(VerifiedRoster::genesis(&tampered).is_err());

        let mut tampered = signed;
        let signature: &mut RosterSignature = &mut tampered.signatures[0];
        let at = flip.index(signature.signature.len());
        signature.signature[at] ^= 1 << bit;
        prop_assert!(VerifiedRoster::genesis(&tampered).is_err());
    }
}

/// A join request for `node_id` signed by key `seed`.
fn join_request(node_id: &str, seed: u8, renewal: bool) -> crate::join::VerifiedJoinRequest {
    let request = v1::JoinRequest {
        version: crate::join::JOIN_REQUEST_VERSION,
        node_id: node_id.into(),
        country: "TM".into(),
        authority: "Prosecutor General's Office".into(),
        addresses: vec![format!("{node_id}.example:7400")],
        signing_public_key: Vec::new(),
        csr: b"a CSR the roster does not judge".to_vec(),
        created_at_ms: T0,
        renewal,
    };
    crate::join::verify_join_request(&crate::join::sign_join_request(&request, &key(seed)))
        .expect("verifies")
}

#[test]
fn the_ca_holder_issues_only_to_the_key_the_roster_lists_for_a_member() {
    use crate::join::{RosterRefusal, RosterStanding, check_against_roster};
    let g = genesis();
    // tm's own key (12), renewing or asking again: issued.
    for renewal in [true, false] {
        assert_eq!(
            check_against_roster(&join_request("tm", 12, renewal), &g, T0),
            Ok(RosterStanding::Member)
        );
    }
    // Someone else asking in tm's name with a key of their own.
    for renewal in [true, false] {
        assert_eq!(
            check_against_roster(&join_request("tm", 40, renewal), &g, T0),
            Err(RosterRefusal::KeyNotListed)
        );
    }
    // de's key in tm's name is not tm's key either.
    assert_eq!(
        check_against_roster(&join_request("tm", 11, true), &g, T0),
        Err(RosterRefusal::KeyNotListed)
    );
    // A newcomer's first request is fine; a "renewal" for a non-member is not.
    assert_eq!(
        check_against_roster(&join_request("kz", 40, false), &g, T0),
        Ok(RosterStanding::NotYetAMember)
    );
    assert_eq!(
        check_against_roster(&join_request("kz", 40, true), &g, T0),
        Err(RosterRefusal::RenewalOfNonMember)
    );
    // A revoked key gets no certificate.
    let since = T0 + DAY;
    let revoked = with_tm_revoked(&g, since);
    assert_eq!(
        check_against_roster(&join_request("tm", 12, true), &revoked, since),
        Err(RosterRefusal::KeyNotValid(KeyStanding::Revoked {
            since_ms: since,
            reason: "stolen laptop".into()
        }))
    );
}
