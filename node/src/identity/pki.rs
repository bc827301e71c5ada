//! The federation's certificates: a certificate authority, and node certificates it issues.
//!
//! TLS keys are ECDSA P-256 with SHA-256 signatures, not Ed25519: gRPC stacks built on
//! BoringSSL (Python, Java, Go clients) cannot use Ed25519 certificates. A node certificate
//! names the node id as its only DNS subject alternative name and is valid for both TLS server
//! and TLS client authentication, since every node is both.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SanType,
};
use rogatory_proto::ids::NodeId;
use time::{Duration, OffsetDateTime};

/// How long a federation CA is valid.
pub const CA_VALIDITY: Duration = Duration::days(3650);
/// How long a node certificate is valid; operators renew before it ends.
pub const NODE_CERT_VALIDITY: Duration = Duration::days(397);

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
}

/// A certificate and its private key, both PEM. The key must be written with mode 0600.
pub struct Issued {
    pub certificate_pem: String,
    pub private_key_pem: String,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued").finish_non_exhaustive()
    }
}

/// Creates a self-signed federation certificate authority whose common name is `name`.
pub fn create_ca(name: &str) -> Result<Issued, PkiError> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Rogatory federation");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::hours(1);
    params.not_after = now + CA_VALIDITY;
    let certificate = params.self_signed(&key)?;
    Ok(Issued {
        certificate_pem: certificate.pem(),
        private_key_pem: key.serialize_pem(),
    })
}

/// Issues a node certificate for `node_id`, signed by the CA, valid from an hour ago (clock
/// skew between countries) for [`NODE_CERT_VALIDITY`].
pub fn issue_node_certificate(
    ca_certificate_pem: &str,
    ca_key_pem: &str,
    node_id: &NodeId,
) -> Result<Issued, PkiError> {
    let now = OffsetDateTime::now_utc();
    issue_node_certificate_valid(
        ca_certificate_pem,
        ca_key_pem,
        node_id,
        now - Duration::hours(1),
        now + NODE_CERT_VALIDITY,
    )
}

/// Issues a node certificate valid from `not_before` to `not_after` (tests use past dates).
pub fn issue_node_certificate_valid(
    ca_certificate_pem: &str,
    ca_key_pem: &str,
    node_id: &NodeId,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<Issued, PkiError> {
    issue_custom_certificate(
        ca_certificate_pem,
        ca_key_pem,
        node_id,
        &PKCS_ECDSA_P256_SHA256,
        |params| {
            params.not_before = not_before;
            params.not_after = not_after;
        },
    )
}

/// The profile of every node certificate (PROTOCOL.md section 2): the node id as common name
/// and only DNS name, digital signature, server and client authentication, the issuer's key
/// identifier, valid from `not_before` to `not_after`. The CA sets all of it itself; nothing
/// comes from a request but the public key.
pub fn node_certificate_params(
    node_id: &NodeId,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, node_id.as_str());
    params.subject_alt_names = vec![SanType::DnsName(node_id.as_str().try_into()?)];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params.use_authority_key_identifier_extension = true;
    params.not_before = not_before;
    params.not_after = not_after;
    Ok(params)
}

/// Issues a certificate for `node_id` as a node certificate would be, with a key of
/// `algorithm`, after `customise` changed its parameters. Tests use it to make certificates
/// that a federation CA could sign but PROTOCOL.md section 2 forbids.
pub fn issue_custom_certificate(
    ca_certificate_pem: &str,
    ca_key_pem: &str,
    node_id: &NodeId,
    algorithm: &'static rcgen::SignatureAlgorithm,
    customise: impl FnOnce(&mut CertificateParams),
) -> Result<Issued, PkiError> {
    let ca_key = KeyPair::from_pem(ca_key_pem)?;
    let issuer = Issuer::from_ca_cert_pem(ca_certificate_pem, ca_key)?;
    let key = KeyPair::generate_for(algorithm)?;
    let now = OffsetDateTime::now_utc();
    let mut params =
        node_certificate_params(node_id, now - Duration::hours(1), now + NODE_CERT_VALIDITY)?;
    customise(&mut params);
    let certificate = params.signed_by(&key, &issuer)?;
    Ok(Issued {
        certificate_pem: certificate.pem(),
        private_key_pem: key.serialize_pem(),
    })
}
