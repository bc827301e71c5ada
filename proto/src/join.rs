//! Join requests: how a node asks to enter the federation without any private key leaving it
//! (docs/PROTOCOL.md section 11.6).
//!
//! A node generates its Ed25519 signing key and its TLS key on its own machine, then writes a
//! `JoinRequest` naming itself (node id, country, authority, addresses), carrying its signing
//! public key and a PKCS#10 CSR for its TLS key. The request is encoded once and signed with
//! the signing key it carries, over `PAE(JOIN_REQUEST_PAYLOAD_TYPE, request)` (the DSSE
//! encoding of [`crate::signing::pae`]): the signature is the proof that the requester holds
//! that key. The CSR is signed by the TLS key itself; this crate cannot parse X.509, so the
//! CA's side (the node crate) checks it.
//!
//! A `SignedJoinRequest` travels as text (PEM, label `ROGATORY JOIN REQUEST`) so that it can
//! go by e-mail. Nothing in it is secret.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use prost::Message;

use crate::ids::NodeId;
use crate::roster::{KeyStanding, VerifiedRoster};
use crate::signing::pae;
use crate::v1::{JoinRequest, SignedJoinRequest};

/// DSSE payload type of a signed `JoinRequest`.
pub const JOIN_REQUEST_PAYLOAD_TYPE: &str = "application/vnd.rogatory.join-request.v1+protobuf";
/// The only join-request version this crate produces and accepts.
pub const JOIN_REQUEST_VERSION: u32 = 1;
/// PEM label of an armored `SignedJoinRequest`.
pub const JOIN_REQUEST_PEM_LABEL: &str = "ROGATORY JOIN REQUEST";

/// Largest encoded `JoinRequest`, in bytes. A real one is under 1 KiB (a P-256 CSR is about
/// 300 bytes); the bound keeps a hostile file from making the CA's tools decode megabytes.
pub const MAX_JOIN_REQUEST_BYTES: usize = 16 * 1024;
/// Largest CSR, in bytes: a P-256 CSR naming one DNS name is about 300 bytes.
pub const MAX_CSR_BYTES: usize = 8 * 1024;
/// Most addresses a node may give: a few front ends, not a list to scan.
pub const MAX_ADDRESSES: usize = 8;
/// Longest address (`host:port`), in bytes: a DNS name is at most 253 bytes.
pub const MAX_ADDRESS_BYTES: usize = 260;
/// Longest authority name, in bytes: a ministry's full name, shown to people.
pub const MAX_AUTHORITY_BYTES: usize = 512;
/// Largest armored file read, in bytes: base64 of the largest request and its signature, with
/// room for line breaks and the PEM frame.
pub const MAX_ARMORED_BYTES: usize = 32 * 1024;

/// Why a join request was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JoinError {
    #[error("the join request is {0} bytes long; at most {MAX_JOIN_REQUEST_BYTES} are accepted")]
    TooLarge(usize),
    #[error("the join request is not a valid protobuf message: {0}")]
    Malformed(#[from] prost::DecodeError),
    #[error(
        "unsupported join-request version {0} (this software speaks version \
         {JOIN_REQUEST_VERSION})"
    )]
    UnsupportedVersion(u32),
    #[error("field `{field}` of the join request is invalid: {problem}")]
    InvalidField {
        field: &'static str,
        problem: String,
    },
    #[error("signature is {0} bytes long; an Ed25519 signature is 64 bytes")]
    SignatureLength(usize),
    #[error(
        "the join request's signature does not verify with the signing key it carries \
         (the file was altered, or signed by another key)"
    )]
    BadSignature,
    #[error(
        "not an armored join request ({0}); expected a `-----BEGIN {JOIN_REQUEST_PEM_LABEL}-----` block"
    )]
    Armor(String),
}

/// A join request whose signature verified with the key it carries and whose fields are well
/// formed. The CSR inside is not checked here (see the module documentation).
#[derive(Debug, Clone)]
pub struct VerifiedJoinRequest {
    request: JoinRequest,
    node_id: NodeId,
    signing_key: VerifyingKey,
}

impl VerifiedJoinRequest {
    /// The decoded request.
    pub fn request(&self) -> &JoinRequest {
        &self.request
    }

    /// The node id the request names.
    pub fn node_id(&self) -> &NodeId {
        &self.node_id
    }

    /// The node's signing key (the one that signed the request).
    pub fn signing_key(&self) -> &VerifyingKey {
        &self.signing_key
    }

    /// The DER PKCS#10 CSR for the node's TLS key, still to be checked by the CA.
    pub fn csr(&self) -> &[u8] {
        &self.request.csr
    }
}

/// What a roster says of a join request, for the CA holder before issuing (PROTOCOL.md 11.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterStanding {
    /// The roster lists the node with this signing key, valid now.
    Member,
    /// The roster does not list the node: it becomes a member when a roster names it.
    NotYetAMember,
}

/// Why the CA holder should not issue: the request's node or key contradicts the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterRefusal {
    /// A renewal, but the roster lists no such node: renewals are for members.
    RenewalOfNonMember,
    /// The roster lists the node with other signing keys only: whoever signed the request
    /// does not hold the member's key.
    KeyNotListed,
    /// The roster lists the key for the node, but it is not valid now (revoked, retired, not
    /// yet valid).
    KeyNotValid(KeyStanding),
}

/// Judges `request` by `roster` at `now_ms`. A renewal must carry a signing key the roster
/// lists for its node and that is valid now. A first request may name a node the roster does
/// not list; if the roster lists it, the same rule as for a renewal applies, so that nobody
/// obtains a certificate in an existing member's name with a key of their own.
pub fn check_against_roster(
    request: &VerifiedJoinRequest,
    roster: &VerifiedRoster,
    now_ms: i64,
) -> Result<RosterStanding, RosterRefusal> {
    let node = request.node_id().as_str();
    match roster.key_standing(node, request.signing_key().as_bytes(), now_ms) {
        KeyStanding::Valid => Ok(RosterStanding::Member),
        KeyStanding::NotAMember if request.request().renewal => {
            Err(RosterRefusal::RenewalOfNonMember)
        }
        KeyStanding::NotAMember => Ok(RosterStanding::NotYetAMember),
        KeyStanding::UnknownKey => Err(RosterRefusal::KeyNotListed),
        other => Err(RosterRefusal::KeyNotValid(other)),
    }
}

/// Encodes `request` once and signs it with `key`. The request's `signing_public_key` is set
/// to `key`'s public key (whatever it held), so the request always carries the key that signs
/// it.
pub fn sign_join_request(request: &JoinRequest, key: &SigningKey) -> SignedJoinRequest {
    let mut request = request.clone();
    request.signing_public_key = key.verifying_key().as_bytes().to_vec();
    let bytes = request.encode_to_vec();
    let signature = key
        .sign(&pae(JOIN_REQUEST_PAYLOAD_TYPE, &bytes))
        .to_bytes()
        .to_vec();
    SignedJoinRequest {
        request: bytes,
        signature,
    }
}

/// Verifies a signed join request: size, decoding, version, fields, then the signature with
/// the key inside (proof of possession of the signing key).
pub fn verify_join_request(signed: &SignedJoinRequest) -> Result<VerifiedJoinRequest, JoinError> {
    if signed.request.len() > MAX_JOIN_REQUEST_BYTES {
        return Err(JoinError::TooLarge(signed.request.len()));
    }
    let request = JoinRequest::decode(signed.request.as_slice())?;
    if request.version != JOIN_REQUEST_VERSION {
        return Err(JoinError::UnsupportedVersion(request.version));
    }
    let node_id = NodeId::parse(&request.node_id).map_err(|e| invalid("node_id", e.to_string()))?;
    validate_country(&request.country)?;
    if request.authority.trim().is_empty() {
        return Err(invalid("authority", "required"));
    }
    if request.authority.len() > MAX_AUTHORITY_BYTES {
        return Err(invalid(
            "authority",
            format!("longer than {MAX_AUTHORITY_BYTES} bytes"),
        ));
    }
    validate_addresses(&request.addresses)?;
    let key_bytes: [u8; 32] = request
        .signing_public_key
        .as_slice()
        .try_into()
        .map_err(|_| {
            invalid(
                "signing_public_key",
                format!(
                    "{} bytes; an Ed25519 public key is 32 bytes",
                    request.signing_public_key.len()
                ),
            )
        })?;
    let signing_key = VerifyingKey::from_bytes(&key_bytes)
        .map_err(|_| invalid("signing_public_key", "not a valid Ed25519 public key"))?;
    if request.csr.is_empty() {
        return Err(invalid("csr", "required"));
    }
    if request.csr.len() > MAX_CSR_BYTES {
        return Err(invalid("csr", format!("longer than {MAX_CSR_BYTES} bytes")));
    }
    if request.created_at_ms <= 0 {
        return Err(invalid("created_at_ms", "must be a positive Unix time"));
    }
    let signature = Signature::from_slice(&signed.signature)
        .map_err(|_| JoinError::SignatureLength(signed.signature.len()))?;
    signing_key
        .verify_strict(&pae(JOIN_REQUEST_PAYLOAD_TYPE, &signed.request), &signature)
        .map_err(|_| JoinError::BadSignature)?;
    Ok(VerifiedJoinRequest {
        request,
        node_id,
        signing_key,
    })
}

/// An ISO 3166-1 alpha-2 code: two uppercase ASCII letters (whether it is assigned is for
/// people to judge when they read the request).
fn validate_country(country: &str) -> Result<(), JoinError> {
    if country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(invalid(
            "country",
            format!("{country:?} is not an ISO 3166-1 alpha-2 code such as \"KZ\""),
        ))
    }
}

fn validate_addresses(addresses: &[String]) -> Result<(), JoinError> {
    if addresses.is_empty() {
        return Err(invalid("addresses", "at least one host:port is required"));
    }
    if addresses.len() > MAX_ADDRESSES {
        return Err(invalid(
            "addresses",
            format!("more than {MAX_ADDRESSES} addresses"),
        ));
    }
    for address in addresses {
        if !is_host_port(address) {
            return Err(invalid(
                "addresses",
                format!("{address:?} is not host:port (for example \"node.example.kz:7443\")"),
            ));
        }
    }
    Ok(())
}

/// `host:port` with a non-empty host of printable ASCII without spaces and a port 1-65535.
/// An IPv6 host is written in brackets (`[::1]:7443`).
pub fn is_host_port(address: &str) -> bool {
    // The roster's rule: an address a join request carries must be one a roster can list.
    crate::roster::check_address(address).is_ok()
}

/// The signed request as PEM text (label `ROGATORY JOIN REQUEST`), for e-mail.
pub fn to_armored(signed: &SignedJoinRequest) -> String {
    pem::encode_config(
        &pem::Pem::new(JOIN_REQUEST_PEM_LABEL, signed.encode_to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// Reads the PEM text of [`to_armored`] (text around the block, such as an e-mail's, is
/// ignored). This only decodes: call [`verify_join_request`] on the result.
pub fn from_armored(text: &str) -> Result<SignedJoinRequest, JoinError> {
    if text.len() > MAX_ARMORED_BYTES {
        return Err(JoinError::Armor(format!(
            "{} bytes; at most {MAX_ARMORED_BYTES} are accepted",
            text.len()
        )));
    }
    let block = pem::parse(text).map_err(|e| JoinError::Armor(e.to_string()))?;
    if block.tag() != JOIN_REQUEST_PEM_LABEL {
        return Err(JoinError::Armor(format!(
            "the block is labelled {:?}",
            block.tag()
        )));
    }
    Ok(SignedJoinRequest::decode(block.contents())?)
}

fn invalid(field: &'static str, problem: impl Into<String>) -> JoinError {
    JoinError::InvalidField {
        field,
        problem: problem.into(),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_join_request_carries_only_addresses_a_roster_can_list() {
        for good in ["kz.example:7400", "10.0.0.1:7400", "[::1]:7400"] {
            assert!(is_host_port(good), "{good}");
        }
        for bad in ["kz.example:07400", "::1:7400", "kz.example:0", "kz.example"] {
            assert!(!is_host_port(bad), "{bad}");
        }
    }
    use super::*;

    /// The key of the committed vector: seed `[9; 32]` (proto/testdata/join/README.md).
    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn request() -> JoinRequest {
        JoinRequest {
            version: JOIN_REQUEST_VERSION,
            node_id: "kz".into(),
            country: "KZ".into(),
            authority: "Prosecutor General's Office of the Republic of Kazakhstan".into(),
            addresses: vec!["rogatory.prokuror.kz:7443".into()],
            signing_public_key: Vec::new(),
            csr: b"not a real CSR: the proto crate does not parse X.509".to_vec(),
            created_at_ms: 1_767_225_600_000,
            renewal: false,
        }
    }

    fn refused_field(change: impl FnOnce(&mut JoinRequest)) -> String {
        let mut bad = request();
        change(&mut bad);
        match verify_join_request(&sign_join_request(&bad, &key(9))) {
            Err(JoinError::InvalidField { field, .. }) => field.to_owned(),
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn a_signed_request_verifies_and_carries_its_key() {
        let verified = verify_join_request(&sign_join_request(&request(), &key(9))).expect("ok");
        assert_eq!(verified.node_id().as_str(), "kz");
        assert_eq!(verified.signing_key(), &key(9).verifying_key());
        assert_eq!(verified.request().authority, request().authority);
        assert_eq!(verified.csr(), request().csr.as_slice());
    }

    #[test]
    fn any_altered_byte_breaks_the_request() {
        let signed = sign_join_request(&request(), &key(9));
        for index in 0..signed.request.len() {
            let mut bad = signed.clone();
            bad.request[index] ^= 0x01;
            assert!(verify_join_request(&bad).is_err(), "byte {index}");
        }
        let mut bad = signed;
        bad.signature[10] ^= 0x80;
        assert!(matches!(
            verify_join_request(&bad),
            Err(JoinError::BadSignature)
        ));
    }

    #[test]
    fn a_request_signed_by_another_key_than_the_one_it_carries_is_refused() {
        // The request names key 9 but key 10 signs it: no proof of possession of key 9.
        let mut carried = request();
        carried.signing_public_key = key(9).verifying_key().as_bytes().to_vec();
        let bytes = carried.encode_to_vec();
        let forged = SignedJoinRequest {
            signature: key(10)
                .sign(&pae(JOIN_REQUEST_PAYLOAD_TYPE, &bytes))
                .to_bytes()
                .to_vec(),
            request: bytes,
        };
        assert!(matches!(
            verify_join_request(&forged),
            Err(JoinError::BadSignature)
        ));
    }

    #[test]
    fn a_signature_over_other_payload_type_is_refused() {
        // The same bytes signed as a directory or an envelope are not a join request.
        let mut carried = request();
        carried.signing_public_key = key(9).verifying_key().as_bytes().to_vec();
        let bytes = carried.encode_to_vec();
        let other = SignedJoinRequest {
            signature: key(9)
                .sign(&pae(crate::signing::DIRECTORY_PAYLOAD_TYPE, &bytes))
                .to_bytes()
                .to_vec(),
            request: bytes,
        };
        assert!(matches!(
            verify_join_request(&other),
            Err(JoinError::BadSignature)
        ));
    }

    #[test]
    fn wrong_version_is_refused() {
        let mut bad = request();
        bad.version = 2;
        assert!(matches!(
            verify_join_request(&sign_join_request(&bad, &key(9))),
            Err(JoinError::UnsupportedVersion(2))
        ));
    }

    #[test]
    fn malformed_fields_are_named() {
        assert_eq!(refused_field(|r| r.node_id = "KZ".into()), "node_id");
        assert_eq!(refused_field(|r| r.node_id.clear()), "node_id");
        assert_eq!(refused_field(|r| r.country = "kz".into()), "country");
        assert_eq!(refused_field(|r| r.country = "KAZ".into()), "country");
        assert_eq!(refused_field(|r| r.authority = " ".into()), "authority");
        assert_eq!(
            refused_field(|r| r.authority = "x".repeat(MAX_AUTHORITY_BYTES + 1)),
            "authority"
        );
        assert_eq!(refused_field(|r| r.addresses.clear()), "addresses");
        for address in [
            "host",
            ":7443",
            "host:",
            "host:0",
            "host:65536",
            "host:7x43",
            "ho st:7443",
        ] {
            assert_eq!(
                refused_field(|r| r.addresses = vec![address.into()]),
                "addresses",
                "{address}"
            );
        }
        assert_eq!(
            refused_field(|r| r.addresses = vec!["a:1".into(); MAX_ADDRESSES + 1]),
            "addresses"
        );
        assert_eq!(refused_field(|r| r.csr.clear()), "csr");
        assert_eq!(refused_field(|r| r.csr = vec![0; MAX_CSR_BYTES + 1]), "csr");
        assert_eq!(refused_field(|r| r.created_at_ms = 0), "created_at_ms");
    }

    #[test]
    fn a_key_of_the_wrong_length_or_off_the_curve_is_refused() {
        for key_bytes in [vec![1u8; 31], vec![1u8; 33], Vec::new()] {
            let mut bad = request();
            bad.signing_public_key = key_bytes;
            let bytes = bad.encode_to_vec();
            let signed = SignedJoinRequest {
                request: bytes,
                signature: vec![0; 64],
            };
            assert!(matches!(
                verify_join_request(&signed),
                Err(JoinError::InvalidField {
                    field: "signing_public_key",
                    ..
                })
            ));
        }
    }

    #[test]
    fn an_oversized_request_is_refused_before_decoding() {
        let signed = SignedJoinRequest {
            request: vec![0xff; MAX_JOIN_REQUEST_BYTES + 1],
            signature: vec![0; 64],
        };
        assert!(matches!(
            verify_join_request(&signed),
            Err(JoinError::TooLarge(_))
        ));
    }

    #[test]
    fn armor_round_trips_and_ignores_surrounding_text() {
        let signed = sign_join_request(&request(), &key(9));
        let text = to_armored(&signed);
        assert!(text.starts_with("-----BEGIN ROGATORY JOIN REQUEST-----"));
        let mail = format!("Dear CA holder,\nplease find our request.\n\n{text}\nRegards\n");
        assert_eq!(from_armored(&mail).expect("reads"), signed);
        let other = pem::encode(&pem::Pem::new("CERTIFICATE", vec![1, 2, 3]));
        assert!(matches!(from_armored(&other), Err(JoinError::Armor(_))));
        assert!(matches!(
            from_armored("no PEM here"),
            Err(JoinError::Armor(_))
        ));
    }

    /// The committed vector: `proto/testdata/join/kz.join-request.txt`, signed with seed
    /// `[9; 32]` (Ed25519 signatures are deterministic, so signing again gives the same file).
    #[test]
    fn known_answer_vector() {
        let text = include_str!("../testdata/join/kz.join-request.txt");
        let signed = from_armored(text).expect("armored");
        let verified = verify_join_request(&signed).expect("verifies");
        assert_eq!(verified.signing_key(), &key(9).verifying_key());
        assert_eq!(
            hex::encode(key(9).verifying_key().as_bytes()),
            include_str!("../testdata/join/kz.signing-public-key.hex").trim()
        );
        assert_eq!(verified.request().node_id, "kz");
        assert!(!verified.request().renewal);
        assert_eq!(to_armored(&sign_join_request(&request(), &key(9))), text);
        assert_eq!(
            hex::encode(pae(JOIN_REQUEST_PAYLOAD_TYPE, &signed.request)),
            include_str!("../testdata/join/kz.pae.hex").trim()
        );
    }
}
