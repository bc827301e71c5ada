//! Enrollment without moving a private key (docs/PROTOCOL.md section 11.6): the node's TLS key
//! and its certificate signing request, the CA's issuance from a verified join request, and
//! the node's check of the certificate that comes back.
//!
//! Pure functions over bytes; the files are `operations::enroll`'s. The CA never takes
//! anything from the CSR but its public key: the name must be exactly the join request's node
//! id and the CSR may ask for nothing else; the certificate's extensions, usages and validity
//! are the CA's own (the node-certificate profile of PROTOCOL.md section 2). Keys are ECDSA
//! P-256 only, for the reason given in [`crate::identity::pki`].

use rcgen::{
    CertificateParams, CertificateSigningRequestParams, DnType, Issuer, KeyPair,
    PKCS_ECDSA_P256_SHA256, SanType, SerialNumber,
};
use rogatory_proto::ids::NodeId;
use rogatory_proto::join::VerifiedJoinRequest;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_SIG_ECDSA_WITH_SHA256, OID_X509_COMMON_NAME,
};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::identity::pki::NODE_CERT_VALIDITY;

/// Bytes of a certificate serial number: random, so that a certificate re-issued for the same
/// key never shares the serial of one that was revoked (RFC 5280 allows up to 20).
const SERIAL_BYTES: usize = 16;
/// Largest response file read, in bytes: two P-256 certificates in PEM are about 1.5 KiB.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnrollmentError {
    #[error("cannot make a key or certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("the certificate signing request is refused: {0}")]
    Csr(String),
    #[error("the CA's certificate or key cannot be used: {0}")]
    Ca(String),
    #[error("the certificate response is refused: {0}")]
    Response(String),
    #[error("cannot make a certificate serial number: {0}")]
    Random(String),
}

fn csr_error(problem: impl Into<String>) -> EnrollmentError {
    EnrollmentError::Csr(problem.into())
}

fn response_error(problem: impl Into<String>) -> EnrollmentError {
    EnrollmentError::Response(problem.into())
}

/// A fresh TLS key and the CSR naming `node_id` that it signed.
pub struct TlsKeyRequest {
    /// PKCS#8 PEM; written 0600 and never sent anywhere.
    pub private_key_pem: String,
    /// DER PKCS#10, for the join request.
    pub csr_der: Vec<u8>,
    /// DER SubjectPublicKeyInfo of the key, for its fingerprint.
    pub public_key_der: Vec<u8>,
}

impl std::fmt::Debug for TlsKeyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsKeyRequest")
            .field("fingerprint", &tls_key_fingerprint(&self.public_key_der))
            .finish_non_exhaustive()
    }
}

/// Generates an ECDSA P-256 TLS key and a CSR whose subject CN and only DNS name are
/// `node_id`.
pub fn new_tls_key(node_id: &NodeId) -> Result<TlsKeyRequest, EnrollmentError> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, node_id.as_str());
    params.subject_alt_names = vec![SanType::DnsName(node_id.as_str().try_into()?)];
    let csr = params.serialize_request(&key)?;
    Ok(TlsKeyRequest {
        private_key_pem: key.serialize_pem(),
        csr_der: csr.der().to_vec(),
        public_key_der: rcgen::PublicKeyData::subject_public_key_info(&key),
    })
}

/// The DER SubjectPublicKeyInfo of a PEM private key (to match a certificate against it).
pub fn public_key_of(private_key_pem: &str) -> Result<Vec<u8>, EnrollmentError> {
    let key = KeyPair::from_pem(private_key_pem)?;
    Ok(rcgen::PublicKeyData::subject_public_key_info(&key))
}

/// The TLS key's fingerprint to read by telephone: SHA-256 of its DER SubjectPublicKeyInfo,
/// lowercase hex (the value `openssl pkey -pubout -outform DER | sha256sum` prints).
pub fn tls_key_fingerprint(public_key_der: &[u8]) -> String {
    hex::encode(Sha256::digest(public_key_der))
}

/// A hex fingerprint in groups of four characters, eight groups a line, for reading aloud.
pub fn grouped(fingerprint: &str) -> String {
    let groups: Vec<&str> = fingerprint
        .as_bytes()
        .chunks(4)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or("?"))
        .collect();
    groups
        .chunks(8)
        .map(|line| line.join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A CSR that passed the CA's checks: its self-signature verifies, its key is ECDSA P-256, and
/// it names exactly the node id and asks for nothing else.
#[derive(Debug)]
pub struct CheckedCsr {
    /// DER SubjectPublicKeyInfo of the TLS key.
    pub public_key_der: Vec<u8>,
}

/// Checks a DER CSR for the node `node_id`. See [`CheckedCsr`].
pub fn check_csr(csr_der: &[u8], node_id: &NodeId) -> Result<CheckedCsr, EnrollmentError> {
    let (rest, csr) = X509CertificationRequest::from_der(csr_der)
        .map_err(|e| csr_error(format!("it is not a DER PKCS#10 request: {e}")))?;
    if !rest.is_empty() {
        return Err(csr_error("bytes follow the request"));
    }
    // Verified here, not only by rcgen below, so that this check does not depend on how a
    // library version chooses to parse.
    csr.verify_signature()
        .map_err(|_| csr_error("its signature does not verify with the key it carries"))?;
    if csr.signature_algorithm.algorithm != OID_SIG_ECDSA_WITH_SHA256 {
        return Err(csr_error("it is not signed with ecdsa-with-SHA256"));
    }
    let info = &csr.certification_request_info;
    let algorithm = &info.subject_pki.algorithm;
    let curve = algorithm
        .parameters
        .as_ref()
        .and_then(|parameters| parameters.as_oid().ok());
    if algorithm.algorithm != OID_KEY_TYPE_EC_PUBLIC_KEY || curve.as_ref() != Some(&OID_EC_P256) {
        return Err(csr_error(
            "its key is not ECDSA P-256 (the only TLS key type nodes use; PROTOCOL.md section 2)",
        ));
    }
    let mut attributes = info.subject.iter_attributes();
    let common_name = match (attributes.next(), attributes.next()) {
        (Some(only), None) if only.attr_type() == &OID_X509_COMMON_NAME => only.as_str().ok(),
        _ => None,
    };
    if common_name != Some(node_id.as_str()) {
        return Err(csr_error(format!(
            "its subject is \"{}\"; it must be exactly CN={node_id}",
            info.subject
        )));
    }
    let mut dns_names = Vec::new();
    let mut extensions = 0;
    for extension in csr.requested_extensions().into_iter().flatten() {
        extensions += 1;
        let ParsedExtension::SubjectAlternativeName(san) = extension else {
            return Err(csr_error(
                "it asks for an extension other than the subject alternative name; the CA sets \
                 usages and constraints itself",
            ));
        };
        for name in &san.general_names {
            match name {
                GeneralName::DNSName(dns) => dns_names.push(*dns),
                other => {
                    return Err(csr_error(format!(
                        "it asks for the name {other}; a node certificate names only its node id"
                    )));
                }
            }
        }
    }
    if extensions != 1 || dns_names != [node_id.as_str()] {
        return Err(csr_error(format!(
            "its DNS names are {dns_names:?}; it must ask for exactly one, \"{node_id}\""
        )));
    }
    let other_attributes = info
        .iter_attributes()
        .filter(|attribute| {
            !matches!(
                attribute.parsed_attribute(),
                x509_parser::cri_attributes::ParsedCriAttribute::ExtensionRequest(_)
            )
        })
        .count();
    if other_attributes != 0 {
        return Err(csr_error(
            "it carries attributes besides the extension request",
        ));
    }
    Ok(CheckedCsr {
        public_key_der: info.subject_pki.raw.to_vec(),
    })
}

/// A node certificate the CA issued from a join request: public material only.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    pub node_id: NodeId,
    pub certificate_pem: String,
    pub ca_certificate_pem: String,
    /// SHA-256 of the certified TLS key's SubjectPublicKeyInfo.
    pub tls_key_fingerprint: String,
    /// Serial number, lowercase hex (what a roster names to revoke it).
    pub serial: String,
    pub not_after: OffsetDateTime,
}

impl IssuedCertificate {
    /// The response file: the node certificate, then the CA certificate, both PEM.
    pub fn response(&self) -> String {
        format!(
            "{}{}",
            ensure_newline(&self.certificate_pem),
            ensure_newline(&self.ca_certificate_pem)
        )
    }
}

fn ensure_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

/// Issues the node certificate a verified join request asks for, valid from an hour ago
/// (clock skew between countries) for [`NODE_CERT_VALIDITY`].
pub fn issue_from_join_request(
    ca_certificate_pem: &str,
    ca_key_pem: &str,
    verified: &VerifiedJoinRequest,
) -> Result<IssuedCertificate, EnrollmentError> {
    let now = OffsetDateTime::now_utc();
    issue_valid(
        ca_certificate_pem,
        ca_key_pem,
        verified,
        now - Duration::hours(1),
        now + NODE_CERT_VALIDITY,
    )
}

/// [`issue_from_join_request`] with given dates (tests issue expired certificates).
pub fn issue_valid(
    ca_certificate_pem: &str,
    ca_key_pem: &str,
    verified: &VerifiedJoinRequest,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<IssuedCertificate, EnrollmentError> {
    let node_id = verified.node_id();
    let checked = check_csr(verified.csr(), node_id)?;
    // rcgen parses the CSR again (and verifies it again) only to hand over its public key; its
    // parameters are discarded for the CA's own.
    let mut request = CertificateSigningRequestParams::from_der(&verified.csr().to_vec().into())
        .map_err(|e| csr_error(format!("it cannot be read for signing: {e}")))?;
    let ca_key = KeyPair::from_pem(ca_key_pem)
        .map_err(|e| EnrollmentError::Ca(format!("the CA key does not parse: {e}")))?;
    let issuer = Issuer::from_ca_cert_pem(ca_certificate_pem, ca_key)
        .map_err(|e| EnrollmentError::Ca(format!("the CA certificate does not parse: {e}")))?;
    let mut serial = [0u8; SERIAL_BYTES];
    getrandom::fill(&mut serial).map_err(|e| EnrollmentError::Random(e.to_string()))?;
    // Positive and without a leading zero byte, so it encodes in exactly SERIAL_BYTES.
    serial[0] = (serial[0] & 0x7f) | 0x40;
    let mut params = crate::identity::pki::node_certificate_params(node_id, not_before, not_after)?;
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    request.params = params;
    let certificate = request.signed_by(&issuer)?;
    Ok(IssuedCertificate {
        node_id: node_id.clone(),
        certificate_pem: certificate.pem(),
        ca_certificate_pem: ensure_newline(ca_certificate_pem),
        tls_key_fingerprint: tls_key_fingerprint(&checked.public_key_der),
        serial: hex::encode(serial),
        not_after,
    })
}

/// A certificate response that passed the node's checks.
#[derive(Debug, Clone)]
pub struct CheckedResponse {
    pub certificate_pem: String,
    pub ca_certificate_pem: String,
    /// Which of the expected keys it certifies (index into `expected_keys`).
    pub key_index: usize,
    pub serial: String,
    pub not_after_s: i64,
    /// SHA-256 of the CA certificate (DER), lowercase hex.
    pub ca_fingerprint: String,
}

/// Checks a response (the node certificate then the CA certificate, PEM) before anything is
/// written: the certificate certifies one of `expected_keys` (DER SubjectPublicKeyInfo), names
/// exactly `node_id`, is signed by the CA certificate in the response, and is valid at
/// `now_s`; the CA certificate is one of `trusted_cas` (DER) if the node already trusts some
/// (during a CA rotation its federation CA file holds the old and the new).
pub fn check_response(
    text: &str,
    node_id: &NodeId,
    expected_keys: &[&[u8]],
    trusted_cas: &[Vec<u8>],
    now_s: i64,
) -> Result<CheckedResponse, EnrollmentError> {
    if text.len() > MAX_RESPONSE_BYTES {
        return Err(response_error(format!(
            "the file is larger than {MAX_RESPONSE_BYTES} bytes"
        )));
    }
    let blocks = pem::parse_many(text).map_err(|e| response_error(format!("not PEM: {e}")))?;
    let [leaf, ca] = blocks.as_slice() else {
        return Err(response_error(format!(
            "it holds {} PEM blocks; a response is the node certificate, then the CA certificate",
            blocks.len()
        )));
    };
    if leaf.tag() != "CERTIFICATE" || ca.tag() != "CERTIFICATE" {
        return Err(response_error(
            "it holds something other than certificates (a private key never belongs in it)",
        ));
    }
    let parse = |der, what: &str| match X509Certificate::from_der(der) {
        Ok(([], certificate)) => Ok(certificate),
        _ => Err(response_error(format!("the {what} does not parse"))),
    };
    let certificate = parse(leaf.contents(), "node certificate")?;
    let ca_certificate = parse(ca.contents(), "CA certificate")?;
    if !trusted_cas.is_empty() && !trusted_cas.iter().any(|trusted| trusted == ca.contents()) {
        return Err(response_error(
            "it comes from another CA than the federation CA this node already trusts \
             (keys/federation-ca.pem)",
        ));
    }
    let Some(key_index) = expected_keys
        .iter()
        .position(|key| *key == certificate.public_key().raw)
    else {
        return Err(response_error(
            "the certificate is for another key than this node's TLS key (or its pending \
             renewal key): it was issued from another join request",
        ));
    };
    let named = crate::identity::tls::node_id_of_certificate(&leaf.contents().to_vec().into())
        .map_err(|e| response_error(format!("the certificate's name: {e}")))?;
    if &named != node_id {
        return Err(response_error(format!(
            "the certificate names node {named}, not this node ({node_id})"
        )));
    }
    certificate
        .verify_signature(Some(ca_certificate.public_key()))
        .map_err(|_| response_error("the certificate is not signed by the CA certificate in it"))?;
    if certificate.issuer() != ca_certificate.subject() {
        return Err(response_error(
            "the certificate's issuer is not the CA certificate in it",
        ));
    }
    for (what, validity) in [
        ("certificate", certificate.validity()),
        ("CA certificate", ca_certificate.validity()),
    ] {
        if now_s < validity.not_before.timestamp() || now_s > validity.not_after.timestamp() {
            return Err(response_error(format!(
                "the {what} is not valid now (valid from {} to {})",
                validity.not_before, validity.not_after
            )));
        }
    }
    Ok(CheckedResponse {
        certificate_pem: pem::encode(leaf),
        ca_certificate_pem: pem::encode(ca),
        key_index,
        serial: hex::encode(certificate.raw_serial()),
        not_after_s: certificate.validity().not_after.timestamp(),
        ca_fingerprint: hex::encode(Sha256::digest(ca.contents())),
    })
}

/// The DER of every certificate in a PEM file (the trusted CA certificates).
pub fn certificates_der(text: &str) -> Vec<Vec<u8>> {
    pem::parse_many(text)
        .unwrap_or_default()
        .into_iter()
        .filter(|block| block.tag() == "CERTIFICATE")
        .map(|block| block.into_contents())
        .collect()
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use rcgen::{ExtendedKeyUsagePurpose, KeyUsagePurpose};
    use rogatory_proto::join::{self, JOIN_REQUEST_VERSION};
    use rogatory_proto::v1::JoinRequest;

    use super::*;
    use crate::identity::pki;

    fn id(text: &str) -> NodeId {
        NodeId::parse(text).expect("node id")
    }

    fn join_request(node: &str, csr: Vec<u8>) -> VerifiedJoinRequest {
        let request = JoinRequest {
            version: JOIN_REQUEST_VERSION,
            node_id: node.into(),
            country: "KZ".into(),
            authority: "Prosecutor General".into(),
            addresses: vec!["kz.example.org:7443".into()],
            signing_public_key: Vec::new(),
            csr,
            created_at_ms: 1_767_225_600_000,
            renewal: false,
        };
        join::verify_join_request(&join::sign_join_request(
            &request,
            &SigningKey::from_bytes(&[9; 32]),
        ))
        .expect("verifies")
    }

    fn csr_with(key: &KeyPair, change: impl FnOnce(&mut CertificateParams)) -> Vec<u8> {
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, "kz");
        params.subject_alt_names = vec![SanType::DnsName("kz".try_into().expect("dns"))];
        change(&mut params);
        params.serialize_request(key).expect("csr").der().to_vec()
    }

    fn now() -> i64 {
        OffsetDateTime::now_utc().unix_timestamp()
    }

    #[test]
    fn issued_certificate_certifies_the_csr_key_with_the_ca_profile() {
        let ca = pki::create_ca("test CA").expect("ca");
        let tls = new_tls_key(&id("kz")).expect("key");
        let issued = issue_from_join_request(
            &ca.certificate_pem,
            &ca.private_key_pem,
            &join_request("kz", tls.csr_der.clone()),
        )
        .expect("issued");
        assert_eq!(
            issued.tls_key_fingerprint,
            tls_key_fingerprint(&tls.public_key_der)
        );
        let der = certificates_der(&issued.certificate_pem).remove(0);
        let node = crate::identity::tls::check_node_certificate(
            &der.into(),
            crate::identity::tls::Role::Server,
        )
        .expect("the node-certificate profile");
        assert_eq!(node, id("kz"));
        let checked = check_response(
            &issued.response(),
            &id("kz"),
            &[&tls.public_key_der],
            &[],
            now(),
        )
        .expect("accepted");
        assert_eq!(checked.serial, issued.serial);
        assert_eq!(
            public_key_of(&tls.private_key_pem).expect("key"),
            tls.public_key_der
        );
    }

    #[test]
    fn a_csr_that_asks_for_more_or_names_another_node_is_refused() {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
        let refused = |csr: Vec<u8>| check_csr(&csr, &id("kz")).expect_err("refused").to_string();
        assert!(check_csr(&csr_with(&key, |_| {}), &id("kz")).is_ok());
        assert!(
            refused(csr_with(&key, |p| {
                p.distinguished_name = rcgen::DistinguishedName::new();
                p.distinguished_name.push(DnType::CommonName, "uz");
            }))
            .contains("CN=kz")
        );
        assert!(
            refused(csr_with(&key, |p| {
                p.subject_alt_names
                    .push(SanType::DnsName("uz".try_into().expect("dns")));
            }))
            .contains("exactly one")
        );
        assert!(
            refused(csr_with(&key, |p| {
                p.subject_alt_names = vec![SanType::DnsName("uz".try_into().expect("dns"))];
            }))
            .contains("exactly one")
        );
        assert!(
            refused(csr_with(&key, |p| {
                p.extended_key_usages = vec![ExtendedKeyUsagePurpose::Any];
            }))
            .contains("extension")
        );
        assert!(
            refused(csr_with(&key, |p| {
                p.key_usages = vec![KeyUsagePurpose::KeyCertSign];
            }))
            .contains("extension")
        );
        assert!(
            refused(csr_with(&key, |p| {
                p.distinguished_name
                    .push(DnType::OrganizationName, "Federation CA");
            }))
            .contains("CN=kz")
        );
        let ed = KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("key");
        assert!(refused(csr_with(&ed, |_| {})).contains("ecdsa-with-SHA256"));
        let p384 = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).expect("key");
        assert!(refused(csr_with(&p384, |_| {})).contains("ecdsa-with-SHA256"));
    }

    #[test]
    fn a_csr_whose_self_signature_is_broken_is_refused() {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
        let mut csr = csr_with(&key, |_| {});
        // The last byte is inside the signature.
        let last = csr.len() - 1;
        csr[last] ^= 0x01;
        let err = check_csr(&csr, &id("kz")).expect_err("refused");
        assert!(err.to_string().contains("signature"), "{err}");
        let ca = pki::create_ca("test CA").expect("ca");
        assert!(
            issue_from_join_request(
                &ca.certificate_pem,
                &ca.private_key_pem,
                &join_request("kz", csr)
            )
            .is_err()
        );
    }

    #[test]
    fn a_csr_for_another_node_than_the_join_request_is_refused() {
        let ca = pki::create_ca("test CA").expect("ca");
        let tls = new_tls_key(&id("uz")).expect("key");
        let err = issue_from_join_request(
            &ca.certificate_pem,
            &ca.private_key_pem,
            &join_request("kz", tls.csr_der),
        )
        .expect_err("refused");
        assert!(err.to_string().contains("CN=kz"), "{err}");
    }

    #[test]
    fn responses_for_another_key_node_or_ca_are_refused() {
        let ca = pki::create_ca("test CA").expect("ca");
        let other_ca = pki::create_ca("other CA").expect("ca");
        let tls = new_tls_key(&id("kz")).expect("key");
        let other_key = new_tls_key(&id("kz")).expect("key");
        let issue = |ca: &pki::Issued, csr: Vec<u8>| {
            issue_from_join_request(
                &ca.certificate_pem,
                &ca.private_key_pem,
                &join_request("kz", csr),
            )
            .expect("issued")
        };
        let good = issue(&ca, tls.csr_der.clone());
        let trusted = certificates_der(&ca.certificate_pem);
        let check = |text: &str, trusted_cas: &[Vec<u8>]| {
            check_response(text, &id("kz"), &[&tls.public_key_der], trusted_cas, now())
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        check(&good.response(), &trusted).expect("good");
        let for_other_key = issue(&ca, other_key.csr_der.clone());
        assert!(
            check(&for_other_key.response(), &[])
                .expect_err("refused")
                .contains("another key")
        );
        let from_other_ca = issue(&other_ca, tls.csr_der.clone());
        assert!(
            check(&from_other_ca.response(), &trusted)
                .expect_err("refused")
                .contains("another CA")
        );
        // The certificate of one CA with the certificate of another: no chain.
        let mismatched = format!("{}{}", good.certificate_pem, other_ca.certificate_pem);
        assert!(
            check(&mismatched, &[])
                .expect_err("refused")
                .contains("not signed by the CA")
        );
        let expired = issue_valid(
            &ca.certificate_pem,
            &ca.private_key_pem,
            &join_request("kz", tls.csr_der.clone()),
            OffsetDateTime::now_utc() - Duration::days(30),
            OffsetDateTime::now_utc() - Duration::days(1),
        )
        .expect("issued");
        assert!(
            check(&expired.response(), &[])
                .expect_err("refused")
                .contains("not valid now")
        );
        assert!(
            check(&good.certificate_pem, &[])
                .expect_err("refused")
                .contains("1 PEM blocks")
        );
        let with_key = format!("{}{}", good.certificate_pem, tls.private_key_pem);
        assert!(
            check(&with_key, &[])
                .expect_err("refused")
                .contains("private key")
        );
        let err = check_response(
            &good.response(),
            &id("uz"),
            &[&tls.public_key_der],
            &[],
            now(),
        )
        .expect_err("refused");
        assert!(err.to_string().contains("names node kz"), "{err}");
    }

    #[test]
    fn fingerprints_are_grouped_for_reading_aloud() {
        let fingerprint = "0123456789abcdef".repeat(4);
        assert_eq!(
            grouped(&fingerprint),
            "0123 4567 89ab cdef 0123 4567 89ab cdef\n0123 4567 89ab cdef 0123 4567 89ab cdef"
        );
    }
}
