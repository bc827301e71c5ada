//! Signed envelopes and receipts: the exact bytes that are signed, and their verification.
//!
//! A signature never covers a re-serialisation. The signer encodes the message once, signs
//! `PAE(type, payload)` and ships `payload` unchanged; the verifier checks the signature over
//! the received `payload` bytes and only then trusts what it decodes from them.
//!
//! PAE is the pre-authentication encoding of DSSE (Dead Simple Signing Envelope, v1):
//!
//! ```text
//! PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
//! ```
//!
//! where `LEN` is the length in bytes as ASCII decimal without leading zeros and `SP` is one
//! space (0x20). The payload type differs per purpose, so an envelope signature can never be
//! presented as a receipt signature or the other way round.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use prost::Message;
use sha2::{Digest, Sha256};

use crate::ids::{NodeId, is_case_id, is_message_id};
use crate::v1::{
    AssistanceType, Consultation, DeliveryReport, Directory, Envelope, Receipt, SignedDirectory,
    SignedEnvelope, SignedReceipt, SpontaneousInformation, UseRestriction, envelope,
};

/// DSSE payload type of a signed `Envelope`.
pub const ENVELOPE_PAYLOAD_TYPE: &str = "application/vnd.rogatory.envelope.v1+protobuf";
/// DSSE payload type of a signed `Receipt`.
pub const RECEIPT_PAYLOAD_TYPE: &str = "application/vnd.rogatory.receipt.v1+protobuf";
/// DSSE payload type of a signed contact-point `Directory`.
pub const DIRECTORY_PAYLOAD_TYPE: &str = "application/vnd.rogatory.directory.v1+protobuf";
/// The only envelope and receipt version this crate produces and accepts.
pub const WIRE_VERSION: u32 = 1;

/// Why a signed envelope or receipt was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("payload is not a valid protobuf message: {0}")]
    Malformed(#[from] prost::DecodeError),
    #[error("unsupported wire version {0} (this node speaks version {WIRE_VERSION})")]
    UnsupportedVersion(u32),
    #[error("field `{field}` is invalid: {problem}")]
    InvalidField {
        field: &'static str,
        problem: String,
    },
    #[error("signature is {0} bytes long; an Ed25519 signature is 64 bytes")]
    SignatureLength(usize),
    #[error("the Ed25519 signature does not verify with the signer's key")]
    BadSignature,
}

/// The pre-authentication encoding that is actually signed.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The fingerprint users compare out of band: SHA-256 of the 32-byte public key, lowercase hex.
pub fn fingerprint(key: &VerifyingKey) -> String {
    hex::encode(sha256(key.as_bytes()))
}

fn sign(key: &SigningKey, payload_type: &str, payload: &[u8]) -> Vec<u8> {
    key.sign(&pae(payload_type, payload)).to_bytes().to_vec()
}

fn verify(
    key: &VerifyingKey,
    payload_type: &str,
    payload: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let signature = Signature::from_slice(signature)
        .map_err(|_| VerifyError::SignatureLength(signature.len()))?;
    key.verify_strict(&pae(payload_type, payload), &signature)
        .map_err(|_| VerifyError::BadSignature)
}

/// Encodes and signs an envelope.
pub fn sign_envelope(key: &SigningKey, envelope: &Envelope) -> SignedEnvelope {
    let payload = envelope.encode_to_vec();
    let signature = sign(key, ENVELOPE_PAYLOAD_TYPE, &payload);
    SignedEnvelope { payload, signature }
}

/// Checks an envelope signature over the exact payload bytes.
pub fn verify_envelope_signature(
    key: &VerifyingKey,
    signed: &SignedEnvelope,
) -> Result<(), VerifyError> {
    verify(
        key,
        ENVELOPE_PAYLOAD_TYPE,
        &signed.payload,
        &signed.signature,
    )
}

/// Decodes an envelope payload and checks that its fields are well formed. This does not
/// check the signature: callers first use the decoded sender to pick the key, then call
/// [`verify_envelope_signature`].
pub fn decode_envelope(payload: &[u8]) -> Result<Envelope, VerifyError> {
    let envelope = Envelope::decode(payload)?;
    if envelope.version != WIRE_VERSION {
        return Err(VerifyError::UnsupportedVersion(envelope.version));
    }
    if !is_message_id(&envelope.message_id) {
        return Err(invalid("message_id", "not a canonical ULID"));
    }
    NodeId::parse(&envelope.sender).map_err(|e| invalid("sender", e.to_string()))?;
    NodeId::parse(&envelope.recipient).map_err(|e| invalid("recipient", e.to_string()))?;
    validate_copies(&envelope)?;
    if !is_case_id(&envelope.case_id) {
        return Err(invalid(
            "case_id",
            "must be 1 to 64 printable ASCII characters",
        ));
    }
    if envelope.created_at_ms <= 0 {
        return Err(invalid("created_at_ms", "must be a positive Unix time"));
    }
    match &envelope.body {
        None => return Err(invalid("body", "missing")),
        Some(envelope::Body::StatusUpdate(update)) if !is_message_id(&update.refers_to) => {
            return Err(invalid("status_update.refers_to", "not a message id"));
        }
        Some(envelope::Body::StatusUpdate(update))
            if !update.previous.is_empty() && !is_message_id(&update.previous) =>
        {
            return Err(invalid(
                "status_update.previous",
                "neither empty nor a message id",
            ));
        }
        Some(envelope::Body::SpontaneousInformation(info)) => validate_spontaneous(info)?,
        Some(envelope::Body::Consultation(consultation)) => validate_consultation(consultation)?,
        Some(envelope::Body::DeliveryReport(report)) => validate_report(&envelope, report)?,
        Some(_) => {}
    }
    Ok(envelope)
}

/// Most parties of one case: the sender, the recipient and at most 14 copies.
pub const MAX_PARTIES: usize = 16;

/// The nodes an envelope is addressed to: its recipient, then the parties it is copied to.
pub fn addressees(envelope: &Envelope) -> impl Iterator<Item = &str> {
    std::iter::once(envelope.recipient.as_str())
        .chain(envelope.copies_to.iter().map(String::as_str))
}

/// The parties of the case an envelope belongs to, sorted: its sender and its addressees.
pub fn parties(envelope: &Envelope) -> Vec<String> {
    let mut parties: Vec<String> = std::iter::once(envelope.sender.as_str())
        .chain(addressees(envelope))
        .map(str::to_owned)
        .collect();
    parties.sort();
    parties
}

fn validate_copies(envelope: &Envelope) -> Result<(), VerifyError> {
    if envelope.copies_to.len() + 2 > MAX_PARTIES {
        return Err(invalid(
            "copies_to",
            format!("a case has at most {MAX_PARTIES} parties"),
        ));
    }
    let mut seen = std::collections::BTreeSet::from([&envelope.sender, &envelope.recipient]);
    if seen.len() != 2 {
        return Err(invalid("recipient", "is the sender itself"));
    }
    for copy in &envelope.copies_to {
        NodeId::parse(copy).map_err(|e| invalid("copies_to", e.to_string()))?;
        if !seen.insert(copy) {
            return Err(invalid(
                "copies_to",
                format!("{copy:?} is named twice among the sender and addressees"),
            ));
        }
    }
    Ok(())
}

fn validate_report(envelope: &Envelope, report: &DeliveryReport) -> Result<(), VerifyError> {
    if !is_message_id(&report.refers_to) {
        return Err(invalid("delivery_report.refers_to", "not a message id"));
    }
    if !envelope.copies_to.is_empty() {
        return Err(invalid(
            "copies_to",
            "a delivery report goes to one party only",
        ));
    }
    if report.receipts.is_empty() || report.receipts.len() > MAX_PARTIES {
        return Err(invalid(
            "delivery_report.receipts",
            format!("must hold 1 to {MAX_PARTIES} receipts"),
        ));
    }
    Ok(())
}

/// Longest `subject`, `author`, `purpose` of the informal bodies, in bytes.
pub const MAX_SHORT_FIELD_BYTES: usize = 512;
/// Longest `conditions` of spontaneous information, in bytes.
pub const MAX_CONDITIONS_BYTES: usize = 8192;

fn required(field: &'static str, value: &str, max: usize) -> Result<(), VerifyError> {
    if value.trim().is_empty() {
        return Err(invalid(field, "required"));
    }
    at_most(field, value, max)
}

fn at_most(field: &'static str, value: &str, max: usize) -> Result<(), VerifyError> {
    if value.len() > max {
        return Err(invalid(field, format!("longer than {max} bytes")));
    }
    Ok(())
}

/// Section 3.2 of docs/PROTOCOL.md: required fields, sizes, and restrictions the receiver knows.
fn validate_spontaneous(info: &SpontaneousInformation) -> Result<(), VerifyError> {
    required(
        "spontaneous_information.subject",
        &info.subject,
        MAX_SHORT_FIELD_BYTES,
    )?;
    required("spontaneous_information.text", &info.text, usize::MAX)?;
    required(
        "spontaneous_information.author",
        &info.author,
        MAX_SHORT_FIELD_BYTES,
    )?;
    at_most(
        "spontaneous_information.purpose",
        &info.purpose,
        MAX_SHORT_FIELD_BYTES,
    )?;
    at_most(
        "spontaneous_information.conditions",
        &info.conditions,
        MAX_CONDITIONS_BYTES,
    )?;
    let mut seen = Vec::with_capacity(info.restrictions.len());
    for &value in &info.restrictions {
        match UseRestriction::try_from(value) {
            Ok(UseRestriction::Unspecified) | Err(_) => {
                return Err(invalid(
                    "spontaneous_information.restrictions",
                    format!("{value} is not a known use restriction"),
                ));
            }
            Ok(restriction) if seen.contains(&restriction) => {
                return Err(invalid(
                    "spontaneous_information.restrictions",
                    format!("{} is listed twice", restriction.as_str_name()),
                ));
            }
            Ok(restriction) => seen.push(restriction),
        }
    }
    if seen.contains(&UseRestriction::StatedPurposeOnly) && info.purpose.trim().is_empty() {
        return Err(invalid(
            "spontaneous_information.purpose",
            "required with USE_RESTRICTION_STATED_PURPOSE_ONLY",
        ));
    }
    if !info.confidential_until.is_empty() {
        if !seen.contains(&UseRestriction::Confidential) {
            return Err(invalid(
                "spontaneous_information.confidential_until",
                "set without USE_RESTRICTION_CONFIDENTIAL",
            ));
        }
        if !is_iso_date(&info.confidential_until) {
            return Err(invalid(
                "spontaneous_information.confidential_until",
                "not a date of the form YYYY-MM-DD",
            ));
        }
    }
    Ok(())
}

fn validate_consultation(consultation: &Consultation) -> Result<(), VerifyError> {
    required("consultation.text", &consultation.text, usize::MAX)?;
    required(
        "consultation.author",
        &consultation.author,
        MAX_SHORT_FIELD_BYTES,
    )?;
    if !consultation.refers_to.is_empty() && !is_message_id(&consultation.refers_to) {
        return Err(invalid(
            "consultation.refers_to",
            "neither empty nor a message id",
        ));
    }
    Ok(())
}

/// `YYYY-MM-DD` with a month 01-12 and a day 01-31 (the calendar is the reader's business).
pub fn is_iso_date(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return false;
    }
    let month = (b[5] - b'0') * 10 + (b[6] - b'0');
    let day = (b[8] - b'0') * 10 + (b[9] - b'0');
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// Encodes and signs a receipt.
pub fn sign_receipt(key: &SigningKey, receipt: &Receipt) -> SignedReceipt {
    let payload = receipt.encode_to_vec();
    let signature = sign(key, RECEIPT_PAYLOAD_TYPE, &payload);
    SignedReceipt { payload, signature }
}

/// Verifies a receipt's signature with the receiver's key, then decodes it.
pub fn open_receipt(key: &VerifyingKey, signed: &SignedReceipt) -> Result<Receipt, VerifyError> {
    verify(
        key,
        RECEIPT_PAYLOAD_TYPE,
        &signed.payload,
        &signed.signature,
    )?;
    decode_verified_receipt(&signed.payload)
}

/// Decodes a receipt payload whose signature was already verified (by [`open_receipt`] or by
/// a batch check): it must decode and be of the wire version.
pub fn decode_verified_receipt(payload: &[u8]) -> Result<Receipt, VerifyError> {
    let receipt = Receipt::decode(payload)?;
    if receipt.version != WIRE_VERSION {
        return Err(VerifyError::UnsupportedVersion(receipt.version));
    }
    Ok(receipt)
}

/// Checks that a verified receipt acknowledges exactly `signed` (the envelope we sent).
/// The receipt may come from any addressee of the envelope (its recipient or a copy).
pub fn receipt_matches(receipt: &Receipt, envelope: &Envelope, signed: &SignedEnvelope) -> bool {
    receipt.message_id == envelope.message_id
        && receipt.sender == envelope.sender
        && addressees(envelope).any(|a| a == receipt.receiver)
        && receipt.envelope_sha256 == sha256(&signed.payload)
}

/// Most contact points in one directory.
pub const MAX_CONTACT_POINTS: usize = 256;
/// Most languages, crimes or measures of one contact point.
pub const MAX_CONTACT_POINT_LIST: usize = 64;
/// Largest encoded directory payload, in bytes.
pub const MAX_DIRECTORY_BYTES: usize = 256 * 1024;

/// Checks that a directory is well formed: version, publisher id, sizes, known measures.
pub fn validate_directory(directory: &Directory) -> Result<(), VerifyError> {
    if directory.version != WIRE_VERSION {
        return Err(VerifyError::UnsupportedVersion(directory.version));
    }
    NodeId::parse(&directory.node_id).map_err(|e| invalid("node_id", e.to_string()))?;
    if directory.published_at_ms <= 0 {
        return Err(invalid("published_at_ms", "must be a positive Unix time"));
    }
    if directory.contact_points.len() > MAX_CONTACT_POINTS {
        return Err(invalid(
            "contact_points",
            format!("more than {MAX_CONTACT_POINTS}"),
        ));
    }
    for point in &directory.contact_points {
        required("contact_point.name", &point.name, MAX_SHORT_FIELD_BYTES)?;
        required(
            "contact_point.authority",
            &point.authority,
            MAX_SHORT_FIELD_BYTES,
        )?;
        at_most(
            "contact_point.office_hours",
            &point.office_hours,
            MAX_SHORT_FIELD_BYTES,
        )?;
        at_most(
            "contact_point.urgent_channel",
            &point.urgent_channel,
            MAX_SHORT_FIELD_BYTES,
        )?;
        at_most("contact_point.email", &point.email, MAX_SHORT_FIELD_BYTES)?;
        if point.languages.len() > MAX_CONTACT_POINT_LIST
            || point.crimes.len() > MAX_CONTACT_POINT_LIST
            || point.measures.len() > MAX_CONTACT_POINT_LIST
        {
            return Err(invalid(
                "contact_point",
                format!("more than {MAX_CONTACT_POINT_LIST} languages, crimes or measures"),
            ));
        }
        for value in point.languages.iter().chain(&point.crimes) {
            required(
                "contact_point.languages/crimes",
                value,
                MAX_SHORT_FIELD_BYTES,
            )?;
        }
        for &measure in &point.measures {
            if matches!(
                AssistanceType::try_from(measure),
                Ok(AssistanceType::Unspecified) | Err(_)
            ) {
                return Err(invalid(
                    "contact_point.measures",
                    format!("{measure} is not a known assistance type"),
                ));
            }
        }
    }
    Ok(())
}

/// Validates, encodes and signs a directory.
pub fn sign_directory(
    key: &SigningKey,
    directory: &Directory,
) -> Result<SignedDirectory, VerifyError> {
    validate_directory(directory)?;
    let payload = directory.encode_to_vec();
    if payload.len() > MAX_DIRECTORY_BYTES {
        return Err(invalid(
            "directory",
            format!("longer than {MAX_DIRECTORY_BYTES} bytes"),
        ));
    }
    let signature = sign(key, DIRECTORY_PAYLOAD_TYPE, &payload);
    Ok(SignedDirectory { payload, signature })
}

/// Verifies a directory's signature with the key of `publisher`, then decodes and validates
/// it, and checks that it is `publisher`'s own directory (a node cannot publish for another).
pub fn open_directory(
    key: &VerifyingKey,
    publisher: &str,
    signed: &SignedDirectory,
) -> Result<Directory, VerifyError> {
    if signed.payload.len() > MAX_DIRECTORY_BYTES {
        return Err(invalid(
            "directory",
            format!("longer than {MAX_DIRECTORY_BYTES} bytes"),
        ));
    }
    verify(
        key,
        DIRECTORY_PAYLOAD_TYPE,
        &signed.payload,
        &signed.signature,
    )?;
    let directory = Directory::decode(signed.payload.as_slice())?;
    validate_directory(&directory)?;
    if directory.node_id != publisher {
        return Err(invalid(
            "node_id",
            format!(
                "the directory claims to be {:?}'s but was signed by {publisher:?}",
                directory.node_id
            ),
        ));
    }
    Ok(directory)
}

fn invalid(field: &'static str, problem: impl Into<String>) -> VerifyError {
    VerifyError::InvalidField {
        field,
        problem: problem.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{MessageIdGenerator, NodeId};
    use crate::v1::{MlaRequest, StatusUpdate};
    use proptest::prelude::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn envelope() -> Envelope {
        Envelope {
            version: WIRE_VERSION,
            message_id: MessageIdGenerator::new().next_id(&NodeId::parse("tm").expect("node id")),
            sender: "tm".into(),
            recipient: "de".into(),
            created_at_ms: 1_700_000_000_000,
            case_id: "tm-case-1".into(),
            copies_to: Vec::new(),
            body: Some(envelope::Body::MlaRequest(MlaRequest {
                subject: "trafficking in persons".into(),
                ..Default::default()
            })),
        }
    }

    #[test]
    fn pae_known_answer() {
        // The DSSE specification's own example.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn envelope_round_trip() {
        let signed = sign_envelope(&key(1), &envelope());
        verify_envelope_signature(&key(1).verifying_key(), &signed).expect("verifies");
        assert_eq!(
            decode_envelope(&signed.payload).expect("decodes"),
            envelope_with_id(&signed)
        );
    }

    fn envelope_with_id(signed: &SignedEnvelope) -> Envelope {
        Envelope::decode(signed.payload.as_slice()).expect("decodes")
    }

    #[test]
    fn wrong_key_is_refused() {
        let signed = sign_envelope(&key(1), &envelope());
        assert!(matches!(
            verify_envelope_signature(&key(2).verifying_key(), &signed),
            Err(VerifyError::BadSignature)
        ));
    }

    #[test]
    fn envelope_signature_is_not_a_receipt_signature() {
        // Domain separation: sign the same bytes as an envelope, present them as a receipt.
        let receipt = Receipt {
            version: WIRE_VERSION,
            message_id: "x".into(),
            ..Default::default()
        };
        let payload = receipt.encode_to_vec();
        let forged = SignedReceipt {
            signature: sign(&key(1), ENVELOPE_PAYLOAD_TYPE, &payload),
            payload,
        };
        assert!(matches!(
            open_receipt(&key(1).verifying_key(), &forged),
            Err(VerifyError::BadSignature)
        ));
    }

    #[test]
    fn copies_and_delivery_reports_are_checked() {
        let refused = |envelope: &Envelope, field: &str| {
            let err = decode_envelope(&envelope.encode_to_vec()).expect_err("refused");
            assert!(err.to_string().contains(field), "{field}: {err}");
        };
        let mut good = envelope();
        good.copies_to = vec!["uz".into(), "kz".into()];
        let decoded = decode_envelope(&good.encode_to_vec()).expect("copies are fine");
        assert_eq!(addressees(&decoded).collect::<Vec<_>>(), ["de", "uz", "kz"]);
        assert_eq!(parties(&decoded), ["de", "kz", "tm", "uz"]);
        // A receipt from a copy matches; one from a node the envelope does not name does not.
        let signed = sign_envelope(&key(1), &good);
        let receipt = |receiver: &str| Receipt {
            version: WIRE_VERSION,
            message_id: good.message_id.clone(),
            sender: good.sender.clone(),
            receiver: receiver.into(),
            envelope_sha256: sha256(&signed.payload).to_vec(),
            ..Default::default()
        };
        assert!(receipt_matches(&receipt("kz"), &good, &signed));
        assert!(!receipt_matches(&receipt("fr"), &good, &signed));

        for copies in [vec!["tm"], vec!["de"], vec!["uz", "uz"], vec!["UZ"]] {
            let mut bad = envelope();
            bad.copies_to = copies.iter().map(|c| (*c).to_owned()).collect();
            refused(&bad, "copies_to");
        }
        let mut bad = envelope();
        bad.copies_to = (0..MAX_PARTIES).map(|i| format!("n{i}")).collect();
        refused(&bad, "at most 16 parties");
        let mut bad = envelope();
        bad.recipient = bad.sender.clone();
        refused(&bad, "recipient");

        let report = |receipts: usize| {
            let mut report = envelope();
            report.body = Some(envelope::Body::DeliveryReport(DeliveryReport {
                refers_to: "01HZX3J6K8Q2M4N5P6R7S8T9VW".into(),
                receipts: vec![SignedReceipt::default(); receipts],
            }));
            report
        };
        decode_envelope(&report(1).encode_to_vec()).expect("a report");
        refused(&report(0), "delivery_report.receipts");
        refused(&report(MAX_PARTIES + 1), "delivery_report.receipts");
        let mut copied = report(1);
        copied.copies_to = vec!["uz".into()];
        refused(&copied, "one party only");
    }

    #[test]
    fn malformed_fields_are_named() {
        let mut bad = envelope();
        bad.recipient = "DE".into();
        let err = decode_envelope(&bad.encode_to_vec()).expect_err("refused");
        assert!(err.to_string().contains("recipient"), "{err}");

        let mut bad = envelope();
        bad.body = Some(envelope::Body::StatusUpdate(StatusUpdate {
            refers_to: "nope".into(),
            ..Default::default()
        }));
        assert!(decode_envelope(&bad.encode_to_vec()).is_err());

        bad.body = Some(envelope::Body::StatusUpdate(StatusUpdate {
            refers_to: "01HZX3J6K8Q2M4N5P6R7S8T9VW".into(),
            previous: "01hzx3j6k8q2m4n5p6r7s8t9vw".into(),
            ..Default::default()
        }));
        let err = decode_envelope(&bad.encode_to_vec()).expect_err("refused");
        assert!(err.to_string().contains("status_update.previous"), "{err}");

        assert!(matches!(
            decode_envelope(&[0xff, 0xff, 0xff]),
            Err(VerifyError::Malformed(_))
        ));
    }

    fn information() -> SpontaneousInformation {
        SpontaneousInformation {
            subject: "cash couriers".into(),
            text: "Two couriers left for Ashgabat on 3 March.".into(),
            restrictions: vec![
                UseRestriction::StatedPurposeOnly as i32,
                UseRestriction::Confidential as i32,
            ],
            conditions: "Ask before contacting the carrier.".into(),
            author: "K. Weber".into(),
            purpose: "investigation 12/2026".into(),
            confidential_until: "2026-12-31".into(),
        }
    }

    fn field_refused(body: envelope::Body) -> String {
        let mut bad = envelope();
        bad.body = Some(body);
        let err = decode_envelope(&bad.encode_to_vec()).expect_err("refused");
        let VerifyError::InvalidField { field, .. } = err else {
            panic!("not a field error: {err}");
        };
        field.to_owned()
    }

    #[test]
    fn spontaneous_information_is_validated() {
        let mut good = envelope();
        good.body = Some(envelope::Body::SpontaneousInformation(information()));
        assert_eq!(decode_envelope(&good.encode_to_vec()).expect("valid"), good);

        let with = |change: fn(&mut SpontaneousInformation)| {
            let mut info = information();
            change(&mut info);
            field_refused(envelope::Body::SpontaneousInformation(info))
        };
        let prefix = "spontaneous_information.";
        for (field, refused) in [
            ("subject", with(|i| i.subject = " ".into())),
            ("subject", with(|i| i.subject = "x".repeat(513))),
            ("text", with(|i| i.text.clear())),
            ("author", with(|i| i.author.clear())),
            ("conditions", with(|i| i.conditions = "x".repeat(8193))),
            ("restrictions", with(|i| i.restrictions.push(0))),
            ("restrictions", with(|i| i.restrictions.push(99))),
            ("restrictions", with(|i| i.restrictions.push(1))),
            ("purpose", with(|i| i.purpose.clear())),
            (
                "confidential_until",
                with(|i| i.confidential_until = "31.12.2026".into()),
            ),
            (
                "confidential_until",
                with(|i| i.confidential_until = "2026-13-01".into()),
            ),
            ("confidential_until", with(|i| i.restrictions.truncate(1))),
        ] {
            assert_eq!(refused, format!("{prefix}{field}"));
        }
    }

    #[test]
    fn consultation_is_validated() {
        let consultation = Consultation {
            text: "Would a request for bank records be admissible?".into(),
            author: "A. Nurov".into(),
            refers_to: String::new(),
            closes_thread: false,
            subject: String::new(),
        };
        let mut good = envelope();
        good.body = Some(envelope::Body::Consultation(consultation.clone()));
        assert!(decode_envelope(&good.encode_to_vec()).is_ok());
        let refused = |c: Consultation| field_refused(envelope::Body::Consultation(c));
        assert_eq!(
            refused(Consultation {
                text: "\n".into(),
                ..consultation.clone()
            }),
            "consultation.text"
        );
        assert_eq!(
            refused(Consultation {
                author: String::new(),
                ..consultation.clone()
            }),
            "consultation.author"
        );
        assert_eq!(
            refused(Consultation {
                refers_to: "earlier".into(),
                ..consultation
            }),
            "consultation.refers_to"
        );
    }

    proptest! {
        #[test]
        fn any_flipped_bit_breaks_the_signature(index in 0usize..4096, bit in 0u8..8) {
            let mut signed = sign_envelope(&key(7), &envelope());
            let total = signed.payload.len() + signed.signature.len();
            let index = index % total;
            if index < signed.payload.len() {
                signed.payload[index] ^= 1 << bit;
            } else {
                signed.signature[index - signed.payload.len()] ^= 1 << bit;
            }
            prop_assert!(verify_envelope_signature(&key(7).verifying_key(), &signed).is_err());
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode_envelope(&bytes);
        }
    }

    fn directory(node: &str) -> Directory {
        Directory {
            version: WIRE_VERSION,
            node_id: node.into(),
            published_at_ms: 1_700_000_000_000,
            contact_points: vec![crate::v1::ContactPoint {
                name: "Asset Recovery Office".into(),
                authority: "Prosecutor General".into(),
                languages: vec!["en".into(), "ru".into()],
                crimes: vec!["money laundering".into()],
                measures: vec![AssistanceType::TraceProceeds as i32],
                office_hours: "Mon-Fri 09:00-18:00 UTC+5".into(),
                urgent_channel: "+998 71 000 00 00".into(),
                email: "aro@example.uz".into(),
            }],
        }
    }

    #[test]
    fn directory_signs_and_opens() {
        let signed = sign_directory(&key(1), &directory("uz")).expect("valid");
        let opened = open_directory(&key(1).verifying_key(), "uz", &signed).expect("opens");
        assert_eq!(opened, directory("uz"));
    }

    #[test]
    fn tampered_directory_is_refused() {
        let mut signed = sign_directory(&key(1), &directory("uz")).expect("valid");
        let last = signed.payload.len() - 1;
        signed.payload[last] ^= 1;
        assert!(matches!(
            open_directory(&key(1).verifying_key(), "uz", &signed),
            Err(VerifyError::BadSignature)
        ));
    }

    #[test]
    fn directory_from_the_wrong_key_or_for_another_node_is_refused() {
        let signed = sign_directory(&key(1), &directory("uz")).expect("valid");
        assert!(matches!(
            open_directory(&key(2).verifying_key(), "uz", &signed),
            Err(VerifyError::BadSignature)
        ));
        // de signs a directory that claims to be uz's.
        assert!(matches!(
            open_directory(&key(1).verifying_key(), "de", &signed),
            Err(VerifyError::InvalidField {
                field: "node_id",
                ..
            })
        ));
    }

    #[test]
    fn directory_signature_is_not_an_envelope_signature() {
        let signed = sign_directory(&key(1), &directory("uz")).expect("valid");
        let as_envelope = SignedEnvelope {
            payload: signed.payload,
            signature: signed.signature,
        };
        assert!(verify_envelope_signature(&key(1).verifying_key(), &as_envelope).is_err());
    }

    #[test]
    fn malformed_directories_are_not_signed() {
        let mut bad = directory("uz");
        bad.version = 2;
        assert!(sign_directory(&key(1), &bad).is_err());
        let mut bad = directory("uz");
        bad.contact_points[0].name.clear();
        assert!(sign_directory(&key(1), &bad).is_err());
        let mut bad = directory("uz");
        bad.contact_points[0].measures.push(0);
        assert!(sign_directory(&key(1), &bad).is_err());
    }
}
