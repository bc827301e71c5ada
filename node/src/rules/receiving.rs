//! The receiver's checks of docs/PROTOCOL.md section 5.2, in the table's order, as plain
//! functions over the envelope and what the caller looked up for it (the peer table, the
//! sender's key, the case's parties as held), and [`Rejection`], why a message is refused.
//!
//! The checks that read the store or the disk (6, 6a, 7c, 8a to 8e) and the capacity checks
//! made before the envelope is read (0, 0r) are not here: `delivery::inbound::check_and_store`
//! makes every check in this order, calling these for the rest, and says where each one is.
//! `transport::status` maps each rejection to its gRPC status code.

use ed25519_dalek::VerifyingKey;
use rogatory_proto::ids;
use rogatory_proto::lifecycle::ThreadError;
use rogatory_proto::signing;
use rogatory_proto::v1::{Envelope, SignedEnvelope};

use crate::identity::config::AttachmentLimits;
use crate::identity::peers::PeerKey;
use crate::rules::attachments::{check_refs, refs_of};
use crate::rules::key_windows::{self, KeyRefusal};

/// Why an incoming message was refused. Each has a stable reason token (see docs/PROTOCOL.md).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the TLS client certificate names {identity:?}, which is not a peer of this node")]
    UnknownPeer { identity: String },
    #[error("malformed envelope: {0}")]
    Malformed(String),
    #[error("envelope says sender {claimed:?} but the TLS connection is from {authenticated:?}")]
    SenderMismatch {
        claimed: String,
        authenticated: String,
    },
    #[error("envelope is addressed to {recipient:?}, not to this node ({this_node:?})")]
    WrongRecipient {
        recipient: String,
        this_node: String,
    },
    #[error("envelope signature does not verify with the configured key of {sender:?}: {detail}")]
    BadSignature { sender: String, detail: String },
    /// Check 5 under a roster: the signature verifies with none of the sender's keys this node
    /// knows, and a newer roster may list the key (a rotation not fetched yet). Transient: this
    /// node fetches the roster from the sender meanwhile.
    #[error(
        "envelope signature verifies with none of the keys this node knows for {sender:?}; it \
         is fetching the newest roster from {sender:?}: retry later"
    )]
    UnknownKey { sender: String },
    /// Check 5: the key that made the signature was revoked, or retired, or not yet valid at
    /// the envelope's `created_at_ms`.
    #[error("envelope of {sender:?} refused: {refusal}")]
    KeyNotValid {
        sender: String,
        refusal: crate::rules::key_windows::KeyRefusal,
    },
    #[error(
        "message id {message_id} was not made by {sender}: a node sends only message ids bound \
         to its own node id"
    )]
    UnboundMessageId { message_id: String, sender: String },
    #[error("message id {message_id} was already received with different content")]
    ReplayConflict { message_id: String },
    #[error(
        "created_at_ms {created_at_ms} is {distance} this node's clock ({now_ms}); it accepts \
         messages created at most {MAX_CREATED_AHEAD_MINUTES} minutes ahead of it and \
         {MAX_CREATED_AGE_DAYS} days behind it"
    )]
    BadTimestamp {
        created_at_ms: i64,
        now_ms: i64,
        distance: &'static str,
    },
    #[error("envelope payload is {size} bytes; this node accepts at most {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error(
        "message {missing}, which this status update refers to or follows, has not arrived yet; \
         retry after delivering it"
    )]
    OutOfOrder { missing: String },
    #[error("invalid transition of request {refers_to}: {error}")]
    InvalidTransition {
        refers_to: String,
        error: ThreadError,
    },
    #[error(
        "status_update.refers_to {refers_to} is {kind}, which is outside the request lifecycle"
    )]
    OutsideLifecycle {
        refers_to: String,
        kind: &'static str,
    },
    #[error(
        "the message names {party:?} as a party of case {case_id}, which is not a peer of this \
         node: every party of a multi-party case must be a peer of every other"
    )]
    UnknownParty { party: String, case_id: String },
    #[error(
        "case {case_id} is between {expected}, but this message names {got}: a case's parties \
         cannot change"
    )]
    PartiesMismatch {
        case_id: String,
        expected: String,
        got: String,
    },
    #[error(
        "case id {case_id:?} does not name {sender} as the opener of a new case: a case's id \
         begins with its opener's node id and '-'"
    )]
    UnboundCaseId { case_id: String, sender: String },
    #[error(
        "case {case_id} is not open here yet: its opener {opener} has not delivered its first \
         message; retry after that"
    )]
    CaseNotOpened { case_id: String, opener: String },
    #[error("delivery report refused: {0}")]
    BadReport(String),
    /// Check 7k: a consultation closing the thread of a case this node holds nothing of.
    #[error(
        "this consultation closes the thread of case {case_id}, which this node does not hold: \
         there is nothing to close"
    )]
    NothingToClose { case_id: String },
    #[error(transparent)]
    Attachments(#[from] crate::rules::attachments::Refusal),
    /// A message this node does not hold yet, while its disk is below the reserve.
    #[error(transparent)]
    DiskFull(#[from] crate::rules::disk_reserve::DiskFull),
}

impl Rejection {
    /// The stable, machine-readable reason token.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::UnknownPeer { .. } => "unknown-peer",
            Self::Malformed(_) => "malformed",
            Self::SenderMismatch { .. } => "sender-mismatch",
            Self::WrongRecipient { .. } => "wrong-recipient",
            Self::BadSignature { .. } => "bad-signature",
            Self::UnknownKey { .. } => "unknown-key",
            Self::KeyNotValid { refusal, .. } => refusal.reason(),
            Self::UnboundMessageId { .. } => "unbound-message-id",
            Self::ReplayConflict { .. } => "replay-conflict",
            Self::BadTimestamp { .. } => "bad-timestamp",
            Self::TooLarge { .. } => "too-large",
            Self::OutOfOrder { .. } => "out-of-order",
            Self::InvalidTransition { .. } => "invalid-transition",
            Self::OutsideLifecycle { .. } => "outside-lifecycle",
            Self::UnknownParty { .. } => "unknown-party",
            Self::PartiesMismatch { .. } => "parties-mismatch",
            Self::UnboundCaseId { .. } => "unbound-case-id",
            Self::CaseNotOpened { .. } => "out-of-order",
            Self::BadReport(_) => "bad-report",
            Self::NothingToClose { .. } => "nothing-to-close",
            Self::Attachments(refusal) => refusal.reason(),
            Self::DiskFull(_) => "disk-full",
        }
    }

    /// Whether the same message may succeed later without anyone changing anything. Such
    /// refusals are not written to the audit log: the sender simply retries.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Attachments(refusal) => refusal.is_transient(),
            other => matches!(
                other,
                Self::OutOfOrder { .. }
                    | Self::CaseNotOpened { .. }
                    | Self::DiskFull(_)
                    | Self::UnknownKey { .. }
            ),
        }
    }
}

/// How far ahead of this node's clock a message's `created_at_ms` may be (check 6t): the
/// servers of two ministries keep time by NTP and differ by seconds; five minutes forgives a
/// badly kept clock, while a peer can no longer date a message ahead to sort it first.
pub const MAX_CREATED_AHEAD_MINUTES: i64 = 5;
/// How far behind this node's clock it may be: a sender keeps a message queued, and retries
/// it, as long as the recipient is unreachable, and alerts its operator after at most 30 days
/// (`limits.delivery_alert_after_seconds`). Three times that lets a message through that
/// waited out a long outage, while a peer can no longer date one to the epoch's first
/// millisecond and have it counted overdue at once.
pub const MAX_CREATED_AGE_DAYS: i64 = 90;

/// Check 7k: a consultation that closes its case's thread (`closes_thread`) is taken only in a
/// case this node holds (`case_held`); closing is not a way to open a case.
pub fn check_close(envelope: &Envelope, case_held: bool) -> Result<(), Rejection> {
    match &envelope.body {
        Some(rogatory_proto::v1::envelope::Body::Consultation(c))
            if c.closes_thread && !case_held =>
        {
            Err(Rejection::NothingToClose {
                case_id: envelope.case_id.clone(),
            })
        }
        _ => Ok(()),
    }
}

/// Check 1: the caller's TLS identity is in the peer table (`is_peer`). Returns it.
pub fn require_peer(
    tls_identity: Option<&str>,
    is_peer: impl Fn(&str) -> bool,
) -> Result<&str, Rejection> {
    match tls_identity {
        Some(id) if is_peer(id) => Ok(id),
        other => Err(Rejection::UnknownPeer {
            identity: other.unwrap_or("(no node id)").to_owned(),
        }),
    }
}

// Checks 0 (the peer's share of the capacity) and 0r (no restore waiting for its peers' word)
// are the transport's, before the envelope is read.

/// Check 2: the envelope is present and decodes, its fields as section 3.1 says.
pub fn decode(signed: Option<SignedEnvelope>) -> Result<(SignedEnvelope, Envelope), Rejection> {
    let signed = signed.ok_or_else(|| Rejection::Malformed("no envelope in the request".into()))?;
    let envelope = signing::decode_envelope(&signed.payload)
        .map_err(|e| Rejection::Malformed(e.to_string()))?;
    Ok((signed, envelope))
}

/// Check 3: the envelope's sender is the peer the TLS connection authenticated.
pub fn require_sender(envelope: &Envelope, identity: &str) -> Result<(), Rejection> {
    if envelope.sender != identity {
        return Err(Rejection::SenderMismatch {
            claimed: envelope.sender.clone(),
            authenticated: identity.to_owned(),
        });
    }
    Ok(())
}

/// Check 4: the envelope is addressed to this node (`this_node`), as recipient or in copy.
pub fn require_addressed_to(envelope: &Envelope, this_node: &str) -> Result<(), Rejection> {
    if !signing::addressees(envelope).any(|a| a == this_node) {
        return Err(Rejection::WrongRecipient {
            recipient: signing::addressees(envelope).collect::<Vec<_>>().join(", "),
            this_node: this_node.to_owned(),
        });
    }
    Ok(())
}

/// Check 4a: every other addressee is a peer (`is_peer`). A party this node has no key for
/// could neither receive its copies from it nor have its receipts checked.
pub fn require_known_addressees(
    envelope: &Envelope,
    this_node: &str,
    is_peer: impl Fn(&str) -> bool,
) -> Result<(), Rejection> {
    if let Some(party) = signing::addressees(envelope).find(|a| *a != this_node && !is_peer(a)) {
        return Err(Rejection::UnknownParty {
            party: party.to_owned(),
            case_id: envelope.case_id.clone(),
        });
    }
    Ok(())
}

/// Check 5: the signature verifies with `key`, the key of `sender` in the peer table (none if
/// it left the table).
pub fn verify_signature(
    signed: &SignedEnvelope,
    sender: &str,
    key: Option<&VerifyingKey>,
) -> Result<(), Rejection> {
    let key = key.ok_or_else(|| Rejection::UnknownPeer {
        identity: sender.to_owned(),
    })?;
    signing::verify_envelope_signature(key, signed).map_err(|e| Rejection::BadSignature {
        sender: sender.to_owned(),
        detail: e.to_string(),
    })
}

/// Check 5 against the sender's keys with their windows (docs/PROTOCOL.md section 11.3): the
/// signature must verify with one of `keys`, and that key must be valid at the envelope's
/// `created_at_ms` (read from the decoded envelope only once a key verified). When none
/// verifies, `newer_roster_claimed` says whether a newer roster the sender claims to hold may
/// list the key (a retryable `unknown-key`) or not (`bad-signature`).
pub fn verify_signature_at(
    signed: &SignedEnvelope,
    envelope: &Envelope,
    sender: &str,
    keys: &[PeerKey],
    newer_roster_claimed: bool,
) -> Result<(), Rejection> {
    if keys.is_empty() {
        return Err(Rejection::UnknownPeer {
            identity: sender.to_owned(),
        });
    }
    let verified = key_windows::verify_dated(
        keys,
        |key| signing::verify_envelope_signature(key, signed).is_ok(),
        |_| envelope.created_at_ms,
    );
    match verified {
        Ok(_) => Ok(()),
        Err(KeyRefusal::NoKey) if newer_roster_claimed => Err(Rejection::UnknownKey {
            sender: sender.to_owned(),
        }),
        Err(KeyRefusal::NoKey) => {
            // The detail of the one configured key's failure, as before rosters.
            verify_signature(signed, sender, Some(&keys[0].public_key))
        }
        Err(refusal) => Err(Rejection::KeyNotValid {
            sender: sender.to_owned(),
            refusal,
        }),
    }
}

/// Check 5a: only the author can have made the id, so no party can take another's id first
/// and have the real message refused as a replay (`None` if the id is the sender's).
pub fn unbound_id(envelope: &Envelope) -> Option<Rejection> {
    (!ids::is_bound_to(&envelope.message_id, &envelope.sender)).then(|| {
        Rejection::UnboundMessageId {
            message_id: envelope.message_id.clone(),
            sender: envelope.sender.clone(),
        }
    })
}

// Check 6 (a stored message of this id is a repeat or a replay) reads the store.

/// Check 6t: whether `created_at_ms` is within the window around `now_ms`. Made after 6: a
/// repeat is answered with its receipt however old it is.
pub fn check_created_at(created_at_ms: i64, now_ms: i64) -> Result<(), Rejection> {
    let ahead = MAX_CREATED_AHEAD_MINUTES * 60_000;
    let behind = MAX_CREATED_AGE_DAYS * 24 * 3_600_000;
    let distance = if created_at_ms > now_ms.saturating_add(ahead) {
        "ahead of"
    } else if created_at_ms < now_ms.saturating_sub(behind) {
        "too far behind"
    } else {
        return Ok(());
    };
    Err(Rejection::BadTimestamp {
        created_at_ms,
        now_ms,
        distance,
    })
}

// Check 6a (the disk reserve) reads the disk: `storage::disk_space`.

/// Check 7: the signed payload is at most `limit` (`max_envelope_bytes`) long.
pub fn check_size(signed: &SignedEnvelope, limit: usize) -> Result<(), Rejection> {
    if signed.payload.len() > limit {
        return Err(Rejection::TooLarge {
            size: signed.payload.len(),
            limit,
        });
    }
    Ok(())
}

/// Check 7o, for a message of a case this node holds nothing of: the case id names its sender
/// as the case's opener among `known_nodes` (this node and its peers), so that no node can take
/// a case id another will open.
pub fn require_opener<'a>(
    envelope: &Envelope,
    known_nodes: impl IntoIterator<Item = &'a str>,
) -> Result<(), Rejection> {
    match ids::case_opener(&envelope.case_id, known_nodes) {
        Some(opener) if opener == envelope.sender => Ok(()),
        // Another party's case: its opening message may still be on its way here.
        Some(opener) if signing::parties(envelope).iter().any(|p| p == opener) => {
            Err(Rejection::CaseNotOpened {
                case_id: envelope.case_id.clone(),
                opener: opener.to_owned(),
            })
        }
        _ => Err(Rejection::UnboundCaseId {
            case_id: envelope.case_id.clone(),
            sender: envelope.sender.clone(),
        }),
    }
}

/// Check 7p, for a message of a case this node holds: it names the case's parties as held
/// (`expected`), since a case's parties cannot change.
pub fn require_same_parties(envelope: &Envelope, expected: &[String]) -> Result<(), Rejection> {
    let got = signing::parties(envelope);
    if got != expected {
        return Err(Rejection::PartiesMismatch {
            case_id: envelope.case_id.clone(),
            expected: expected.join(", "),
            got: got.join(", "),
        });
    }
    Ok(())
}

/// Checks 7a and 7b: the body's attachment references are well formed and within `limits`.
pub fn check_attachment_refs(
    limits: &AttachmentLimits,
    envelope: &Envelope,
) -> Result<(), Rejection> {
    Ok(check_refs(limits, refs_of(envelope))?)
}

// Check 7c (every referenced file is here, uploaded by the sender) reads the evidence files;
// checks 8a to 8c (a status update's place in its request's thread) and 8e (a delivery
// report's receipts) read the stored messages.

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use rogatory_proto::ids::{MessageIdGenerator, NodeId};
    use rogatory_proto::v1::{AttachmentRef, MlaRequest, envelope};

    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    /// A request from tm to de in tm's case, with `copies_to`.
    fn from_tm(copies_to: &[&str]) -> Envelope {
        Envelope {
            version: signing::WIRE_VERSION,
            message_id: MessageIdGenerator::new().next_id(&NodeId::parse("tm").expect("id")),
            sender: "tm".into(),
            recipient: "de".into(),
            created_at_ms: 1_700_000_000_000,
            case_id: "tm-case-1".into(),
            copies_to: copies_to.iter().map(|c| (*c).to_owned()).collect(),
            body: Some(envelope::Body::MlaRequest(MlaRequest {
                subject: "trafficking in persons".into(),
                ..Default::default()
            })),
        }
    }

    fn peers_of_de(id: &str) -> bool {
        ["tm", "uz"].contains(&id)
    }

    #[test]
    fn check_1_refuses_a_caller_outside_the_peer_table() {
        assert_eq!(require_peer(Some("tm"), peers_of_de), Ok("tm"));
        for caller in [Some("fr"), None] {
            let refused = require_peer(caller, peers_of_de).expect_err("not a peer");
            assert_eq!(refused.reason(), "unknown-peer");
        }
        let refused = require_peer(None, peers_of_de).expect_err("no identity");
        assert!(refused.to_string().contains("(no node id)"), "{refused}");
    }

    #[test]
    fn check_2_refuses_a_missing_or_undecodable_envelope() {
        let sent = from_tm(&[]);
        let signed = signing::sign_envelope(&key(1), &sent);
        let (kept, envelope) = decode(Some(signed.clone())).expect("decodes");
        assert_eq!((kept, envelope), (signed.clone(), sent));
        let refused = decode(None).expect_err("no envelope");
        assert_eq!(refused.reason(), "malformed");
        let garbage = SignedEnvelope {
            payload: vec![0xff; 7],
            ..signed.clone()
        };
        assert_eq!(
            decode(Some(garbage)).expect_err("garbage").reason(),
            "malformed"
        );
        let mut unversioned = from_tm(&[]);
        unversioned.version = 0;
        let unversioned = signing::sign_envelope(&key(1), &unversioned);
        assert_eq!(
            decode(Some(unversioned)).expect_err("v0").reason(),
            "malformed"
        );
    }

    #[test]
    fn check_3_refuses_a_sender_other_than_the_tls_identity() {
        let envelope = from_tm(&[]);
        assert_eq!(require_sender(&envelope, "tm"), Ok(()));
        let refused = require_sender(&envelope, "uz").expect_err("uz sent it");
        assert_eq!(refused.reason(), "sender-mismatch");
    }

    #[test]
    fn check_4_refuses_a_message_not_addressed_to_this_node() {
        assert_eq!(require_addressed_to(&from_tm(&[]), "de"), Ok(()));
        assert_eq!(require_addressed_to(&from_tm(&["uz"]), "uz"), Ok(()));
        let refused = require_addressed_to(&from_tm(&["uz"]), "kz").expect_err("not for kz");
        assert_eq!(refused.reason(), "wrong-recipient");
        assert!(refused.to_string().contains("\"de, uz\""), "{refused}");
    }

    #[test]
    fn check_4a_refuses_an_addressee_outside_the_peer_table() {
        assert_eq!(
            require_known_addressees(&from_tm(&["uz"]), "de", peers_of_de),
            Ok(())
        );
        let refused =
            require_known_addressees(&from_tm(&["uz", "fr"]), "de", peers_of_de).expect_err("fr");
        assert_eq!(
            refused,
            Rejection::UnknownParty {
                party: "fr".into(),
                case_id: "tm-case-1".into()
            }
        );
        assert_eq!(refused.reason(), "unknown-party");
    }

    #[test]
    fn check_5_refuses_a_signature_by_another_key_or_no_key() {
        let signed = signing::sign_envelope(&key(1), &from_tm(&[]));
        assert_eq!(
            verify_signature(&signed, "tm", Some(&key(1).verifying_key())),
            Ok(())
        );
        let refused = verify_signature(&signed, "tm", Some(&key(2).verifying_key()))
            .expect_err("another key");
        assert_eq!(refused.reason(), "bad-signature");
        let refused = verify_signature(&signed, "tm", None).expect_err("no key");
        assert_eq!(refused.reason(), "unknown-peer");
    }

    #[test]
    fn check_5a_refuses_an_id_made_by_another_node() {
        let own = from_tm(&[]);
        assert_eq!(unbound_id(&own), None);
        let taken = Envelope {
            message_id: MessageIdGenerator::new().next_id(&NodeId::parse("uz").expect("id")),
            ..own
        };
        let refused = unbound_id(&taken).expect("uz's id");
        assert_eq!(refused.reason(), "unbound-message-id");
    }

    #[test]
    fn check_6t_bounds_creation_times_around_the_receivers_clock() {
        let now = 1_800_000_000_000;
        let minute = 60_000;
        let day = 24 * 60 * minute;
        for fine in [now, now + 5 * minute, now - 90 * day, now - 10 * day] {
            assert_eq!(check_created_at(fine, now), Ok(()), "{fine}");
        }
        for bad in [
            i64::MAX,
            now + 5 * minute + 1,
            now - 90 * day - 1,
            1,
            i64::MIN,
        ] {
            assert!(check_created_at(bad, now).is_err(), "{bad}");
        }
        let refused = check_created_at(i64::MAX, now).expect_err("refused");
        assert_eq!(refused.reason(), "bad-timestamp");
        assert!(refused.to_string().contains("ahead of"), "{refused}");
    }

    #[test]
    fn check_7_refuses_a_payload_over_the_limit() {
        let signed = signing::sign_envelope(&key(1), &from_tm(&[]));
        let length = signed.payload.len();
        assert_eq!(check_size(&signed, length), Ok(()));
        let refused = check_size(&signed, length - 1).expect_err("one byte over");
        assert_eq!(refused.reason(), "too-large");
    }

    #[test]
    fn check_7o_refuses_a_new_case_opened_in_another_nodes_name() {
        let known = ["de", "tm", "uz", "kz"];
        let own = from_tm(&["uz"]);
        assert_eq!(require_opener(&own, known), Ok(()));
        // uz's case: its opening message may still be on its way.
        let early = Envelope {
            case_id: "uz-case-1".into(),
            ..own.clone()
        };
        let refused = require_opener(&early, known).expect_err("uz opens it");
        assert_eq!(refused.reason(), "out-of-order");
        assert!(refused.is_transient());
        // kz is no party of the message; nobody known opens "fr-".
        for case_id in ["kz-case-1", "fr-case-1", "case-1"] {
            let taken = Envelope {
                case_id: case_id.into(),
                ..own.clone()
            };
            let refused = require_opener(&taken, known).expect_err(case_id);
            assert_eq!(refused.reason(), "unbound-case-id", "{case_id}");
            assert!(!refused.is_transient());
        }
    }

    #[test]
    fn check_7p_refuses_other_parties_than_the_cases() {
        let held = signing::parties(&from_tm(&["uz"]));
        assert_eq!(require_same_parties(&from_tm(&["uz"]), &held), Ok(()));
        for other in [from_tm(&[]), from_tm(&["uz", "kz"])] {
            let refused = require_same_parties(&other, &held).expect_err("other parties");
            assert_eq!(refused.reason(), "parties-mismatch");
        }
    }

    #[test]
    fn checks_7a_and_7b_refuse_malformed_or_oversized_references() {
        let limits = AttachmentLimits::default();
        let with = |reference: AttachmentRef| {
            let mut envelope = from_tm(&[]);
            if let Some(envelope::Body::MlaRequest(request)) = &mut envelope.body {
                request.attachments.push(reference);
            }
            envelope
        };
        let sound = AttachmentRef {
            file_name: "statement.pdf".into(),
            media_type: "application/pdf".into(),
            size: 10,
            sha256: vec![7; 32],
        };
        assert_eq!(check_attachment_refs(&limits, &from_tm(&[])), Ok(()));
        assert_eq!(check_attachment_refs(&limits, &with(sound.clone())), Ok(()));
        let short_hash = with(AttachmentRef {
            sha256: vec![7; 31],
            ..sound.clone()
        });
        let refused = check_attachment_refs(&limits, &short_hash).expect_err("31 bytes");
        assert_eq!(refused.reason(), "bad-attachment-ref");
        let huge = with(AttachmentRef {
            size: limits.max_file_bytes + 1,
            ..sound
        });
        let refused = check_attachment_refs(&limits, &huge).expect_err("too large");
        assert_eq!(refused.reason(), "attachments-too-large");
    }
}
