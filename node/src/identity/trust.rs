//! The federation's TLS trust, live: the CA certificates a peer's certificate may chain to,
//! the certificates revoked although they chain, and (once a roster names them) the node ids
//! that are members. Both ends of every handshake consult the trust in force at that moment
//! (`tls::NodeClientVerifier`, `tls::NodeServerVerifier`), and every established federation
//! connection, inbound and outbound, is checked again whenever the trust changes and closed if
//! the new trust would refuse it (`tls::until_refused`, polled by the connection itself).
//!
//! The API, for whoever decides what the federation trusts (the CA file at start and on
//! SIGHUP, a roster when one is applied):
//!
//! - [`FederationTrust`] is the plain value: `certificate_authorities` (DER, one or more),
//!   `revoked` ([`RevokedCertificate`]: serial, SHA-256 of the issuing certificate's DER, when
//!   and why), `members` (`None`: any node id the CA certified; `Some`: only these).
//! - [`LiveTrust`] is the node's shared handle (`Node::trust`). [`LiveTrust::replace`] checks
//!   the new value (at least one CA, every one a usable trust anchor) and, only if it is good,
//!   puts it in force in one step: handshakes from then on use it, and every open connection
//!   it refuses is closed. On error nothing changes. [`LiveTrust::current`] is the value in
//!   force.
//!
//! Serial numbers are compared as unsigned big-endian integers: leading zero bytes are
//! ignored on both sides ([`normalize_serial`]), so a serial written as DER encodes it (with a
//! 0x00 before a first byte of 0x80 or more) and the same serial written as bare magnitude
//! name the same certificate. A revocation applies to a certificate of that serial only if the
//! certificate named by `issuer_sha256` (an accepted CA, or an intermediate the peer
//! presented) issued it: same name, and its key verifies the certificate's signature.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::ClientCertVerifier;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::identity::tls::provider;

/// What the federation trusts for TLS, as one value (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationTrust {
    /// The CA certificates (DER) a node certificate may chain to; several during a rotation.
    pub certificate_authorities: Vec<CertificateDer<'static>>,
    /// Certificates refused although they chain to an accepted CA.
    pub revoked: Vec<RevokedCertificate>,
    /// `None`: every node id an accepted CA certified; `Some`: only these node ids.
    pub members: Option<BTreeSet<String>>,
}

/// One revoked certificate, named as the roster names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedCertificate {
    /// The certificate's serial number, big-endian (leading zero bytes do not matter).
    pub serial: Vec<u8>,
    /// SHA-256 of the DER of the certificate that issued it (a federation CA certificate).
    pub issuer_sha256: [u8; 32],
    pub revoked_at_ms: i64,
    pub reason: String,
}

impl RevokedCertificate {
    /// The revocation of `certificate` (DER), issued by `issuer` (DER).
    pub fn of(
        certificate: &CertificateDer<'_>,
        issuer: &CertificateDer<'_>,
        revoked_at_ms: i64,
        reason: &str,
    ) -> Result<Self, TrustError> {
        let (_, parsed) = x509_parser::parse_x509_certificate(certificate.as_ref())
            .map_err(|e| TrustError::Unparsable(e.to_string()))?;
        Ok(Self {
            serial: normalize_serial(parsed.raw_serial()).to_vec(),
            issuer_sha256: sha256(issuer.as_ref()),
            revoked_at_ms,
            reason: reason.to_owned(),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("certificate does not parse: {0}")]
    Unparsable(String),
    #[error("cannot read the federation CA file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("the trust names no CA certificate: every peer, and this node, would be refused")]
    NoCertificateAuthority,
    #[error("CA certificate {index} is not a usable trust anchor: {reason}")]
    BadCertificateAuthority { index: usize, reason: String },
    #[error("revoked certificate {index} has an empty serial number")]
    EmptySerial { index: usize },
    #[error("certificate verifier: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
}

/// Why a certificate that chains to an accepted CA is refused all the same.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("certificate serial {serial} of node {node_id} was revoked ({reason})")]
    Revoked {
        node_id: String,
        /// Lowercase hex, leading zero bytes removed.
        serial: String,
        reason: String,
    },
    #[error("node {node_id} is not a member of the federation")]
    NotAMember { node_id: String },
}

/// A serial number without its leading zero bytes: DER writes a 0x00 before a first byte of
/// 0x80 or more (the integer is signed), a bare magnitude does not; both name one serial.
pub fn normalize_serial(serial: &[u8]) -> &[u8] {
    let first = serial
        .iter()
        .position(|byte| *byte != 0)
        .unwrap_or(serial.len());
    &serial[first..]
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

impl FederationTrust {
    /// The trust a node has without a roster: the CA certificate(s) of a PEM file, nothing
    /// revoked, any node id the CA certified.
    pub fn from_ca_file(path: &Path) -> Result<Self, TrustError> {
        let error = |reason: String| TrustError::File {
            path: path.display().to_string(),
            reason,
        };
        let certificate_authorities = CertificateDer::pem_file_iter(path)
            .map_err(|e| error(e.to_string()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| error(e.to_string()))?;
        if certificate_authorities.is_empty() {
            return Err(error("no PEM certificate in it".into()));
        }
        Ok(Self {
            certificate_authorities,
            revoked: Vec::new(),
            members: None,
        })
    }

    /// Whether the trust could be put in force (what [`LiveTrust::replace`] checks first).
    pub fn check(&self) -> Result<(), TrustError> {
        Anchors::build(self.clone()).map(drop)
    }
}

/// A trust ready for handshakes: its webpki verifiers built once, its revocations indexed.
pub(crate) struct Anchors {
    /// Counts the trusts put in force; a connection verified under one generation is checked
    /// again once another is in force.
    pub(crate) generation: u64,
    pub(crate) trust: Arc<FederationTrust>,
    /// SHA-256 of each accepted CA's DER, in the order of `trust.certificate_authorities`.
    ca_hashes: Vec<[u8; 32]>,
    /// Normalized serial → the issuers (DER hashes) that revoked a certificate of that serial,
    /// with the index of the entry in `trust.revoked`.
    revoked: HashMap<Vec<u8>, Vec<([u8; 32], usize)>>,
    pub(crate) clients: Arc<dyn ClientCertVerifier>,
    pub(crate) servers: Arc<WebPkiServerVerifier>,
}

impl std::fmt::Debug for Anchors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Anchors")
            .field("generation", &self.generation)
            .field("certificate_authorities", &self.ca_hashes.len())
            .field("revoked", &self.trust.revoked.len())
            .field("members", &self.trust.members)
            .finish_non_exhaustive()
    }
}

impl Anchors {
    fn build(trust: FederationTrust) -> Result<Self, TrustError> {
        if trust.certificate_authorities.is_empty() {
            return Err(TrustError::NoCertificateAuthority);
        }
        let mut roots = RootCertStore::empty();
        for (index, certificate) in trust.certificate_authorities.iter().enumerate() {
            x509_parser::parse_x509_certificate(certificate.as_ref()).map_err(|e| {
                TrustError::BadCertificateAuthority {
                    index,
                    reason: e.to_string(),
                }
            })?;
            roots
                .add(certificate.clone())
                .map_err(|e| TrustError::BadCertificateAuthority {
                    index,
                    reason: e.to_string(),
                })?;
        }
        let mut revoked: HashMap<Vec<u8>, Vec<([u8; 32], usize)>> = HashMap::new();
        for (index, entry) in trust.revoked.iter().enumerate() {
            let serial = normalize_serial(&entry.serial);
            if entry.serial.is_empty() {
                return Err(TrustError::EmptySerial { index });
            }
            revoked
                .entry(serial.to_vec())
                .or_default()
                .push((entry.issuer_sha256, index));
        }
        let roots = Arc::new(roots);
        let provider = provider();
        let clients =
            WebPkiClientVerifier::builder_with_provider(Arc::clone(&roots), provider.clone())
                .build()?;
        let servers = WebPkiServerVerifier::builder_with_provider(roots, provider).build()?;
        Ok(Self {
            generation: 0,
            ca_hashes: trust
                .certificate_authorities
                .iter()
                .map(|ca| sha256(ca.as_ref()))
                .collect(),
            trust: Arc::new(trust),
            revoked,
            clients,
            servers,
        })
    }

    /// Why a chain that webpki accepted, naming `node_id`, is refused all the same: a member
    /// list without it, or a revoked certificate in it.
    pub(crate) fn refusal(&self, chain: &[CertificateDer<'_>], node_id: &str) -> Option<Refusal> {
        if let Some(members) = &self.trust.members
            && !members.contains(node_id)
        {
            return Some(Refusal::NotAMember {
                node_id: node_id.to_owned(),
            });
        }
        if self.revoked.is_empty() {
            return None;
        }
        for (position, certificate) in chain.iter().enumerate() {
            let Ok((_, parsed)) = x509_parser::parse_x509_certificate(certificate.as_ref()) else {
                continue;
            };
            let serial = normalize_serial(parsed.raw_serial());
            let Some(entries) = self.revoked.get(serial) else {
                continue;
            };
            for (issuer_hash, index) in entries {
                if self.issued_by(&parsed, issuer_hash, &chain[position + 1..]) {
                    return Some(Refusal::Revoked {
                        node_id: node_id.to_owned(),
                        serial: hex::encode(serial),
                        reason: self.trust.revoked[*index].reason.clone(),
                    });
                }
            }
        }
        None
    }

    /// Whether the certificate whose DER hashes to `issuer_hash` (an accepted CA, or one of
    /// the `presented` intermediates) issued `certificate`.
    fn issued_by(
        &self,
        certificate: &x509_parser::certificate::X509Certificate<'_>,
        issuer_hash: &[u8; 32],
        presented: &[CertificateDer<'_>],
    ) -> bool {
        let cas = self
            .ca_hashes
            .iter()
            .zip(&self.trust.certificate_authorities)
            .filter(|(hash, _)| *hash == issuer_hash)
            .map(|(_, ca)| ca.as_ref());
        let intermediates = presented
            .iter()
            .filter(|der| sha256(der.as_ref()) == *issuer_hash)
            .map(|der| der.as_ref());
        cas.chain(intermediates)
            .any(|issuer| signed_by(certificate, issuer))
    }
}

/// Whether `issuer` (DER) names `certificate`'s issuer and its key signed `certificate`.
fn signed_by(certificate: &x509_parser::certificate::X509Certificate<'_>, issuer: &[u8]) -> bool {
    let Ok((_, issuer)) = x509_parser::parse_x509_certificate(issuer) else {
        return false;
    };
    if certificate.issuer().as_raw() != issuer.subject().as_raw() {
        return false;
    }
    let key = &issuer.public_key().subject_public_key.data;
    let message = certificate.tbs_certificate.as_ref();
    let signature = &certificate.signature_value.data;
    // Any algorithm the provider verifies with: a valid signature of the issuer's key over
    // these exact bytes is what issuing means.
    provider()
        .signature_verification_algorithms
        .all
        .iter()
        .any(|algorithm| algorithm.verify_signature(key, message, signature).is_ok())
}

/// The node's federation trust, shared by its TLS configurations and its connections (see
/// the module docs). Cloning gives another handle on the same trust.
#[derive(Debug, Clone)]
pub struct LiveTrust {
    /// The trust in force: read (briefly, never across an await) at every handshake; its
    /// receivers are the connections waiting to be checked again.
    anchors: Arc<watch::Sender<Arc<Anchors>>>,
}

impl LiveTrust {
    pub fn new(trust: FederationTrust) -> Result<Self, TrustError> {
        let anchors = Anchors::build(trust)?;
        Ok(Self {
            anchors: Arc::new(watch::Sender::new(Arc::new(anchors))),
        })
    }

    /// The trust in force now.
    pub fn current(&self) -> Arc<FederationTrust> {
        Arc::clone(&self.anchors.borrow().trust)
    }

    /// Puts `trust` in force if it is good (see [`FederationTrust::check`]); otherwise keeps
    /// the trust in force and says why. New handshakes use it at once, and every open
    /// federation connection it refuses is closed.
    pub fn replace(&self, trust: FederationTrust) -> Result<(), TrustError> {
        let mut built = Some(Anchors::build(trust)?);
        self.anchors.send_modify(|current| {
            if let Some(mut anchors) = built.take() {
                anchors.generation = current.generation + 1;
                tracing::info!(
                    generation = anchors.generation,
                    certificate_authorities = anchors.ca_hashes.len(),
                    revoked = anchors.trust.revoked.len(),
                    members = ?anchors.trust.members,
                    "federation trust replaced; open connections are checked against it"
                );
                *current = Arc::new(anchors);
            }
        });
        Ok(())
    }

    /// The generation in force: read before a handshake, it tells a connection whether the
    /// trust changed while it was being verified.
    pub fn generation(&self) -> u64 {
        self.anchors.borrow().generation
    }

    pub(crate) fn anchors(&self) -> Arc<Anchors> {
        Arc::clone(&self.anchors.borrow())
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<Arc<Anchors>> {
        self.anchors.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::pki::{self, Issued};
    use rogatory_proto::ids::NodeId;

    fn der(pem: &str) -> CertificateDer<'static> {
        CertificateDer::from_pem_slice(pem.as_bytes()).expect("PEM certificate")
    }

    fn issue(ca: &Issued, node: &str, serial: Option<&[u8]>) -> CertificateDer<'static> {
        let issued = pki::issue_custom_certificate(
            &ca.certificate_pem,
            &ca.private_key_pem,
            &NodeId::parse(node).expect("node id"),
            &rcgen::PKCS_ECDSA_P256_SHA256,
            |params| {
                if let Some(serial) = serial {
                    params.serial_number = Some(rcgen::SerialNumber::from_slice(serial));
                }
            },
        )
        .expect("certificate");
        der(&issued.certificate_pem)
    }

    fn trust(cas: &[&Issued], revoked: Vec<RevokedCertificate>) -> Anchors {
        Anchors::build(FederationTrust {
            certificate_authorities: cas.iter().map(|ca| der(&ca.certificate_pem)).collect(),
            revoked,
            members: None,
        })
        .expect("trust")
    }

    fn revoked(serial: &[u8], issuer: &Issued) -> RevokedCertificate {
        RevokedCertificate {
            serial: serial.to_vec(),
            issuer_sha256: sha256(der(&issuer.certificate_pem).as_ref()),
            revoked_at_ms: 0,
            reason: "key compromise".into(),
        }
    }

    #[test]
    fn a_serial_matches_with_or_without_the_leading_zero_der_adds() {
        let ca = pki::create_ca("test").expect("CA");
        // A first byte of 0x80 or more: DER writes the serial as 00 80 01 02.
        let certificate = issue(&ca, "tm", Some(&[0x80, 1, 2]));
        let (_, parsed) = x509_parser::parse_x509_certificate(certificate.as_ref()).expect("x509");
        assert_eq!(parsed.raw_serial(), &[0, 0x80, 1, 2]);
        for written in [&[0x80, 1, 2][..], &[0, 0x80, 1, 2], &[0, 0, 0x80, 1, 2]] {
            let anchors = trust(&[&ca], vec![revoked(written, &ca)]);
            assert!(
                matches!(
                    anchors.refusal(std::slice::from_ref(&certificate), "tm"),
                    Some(Refusal::Revoked { ref serial, .. }) if serial == "800102"
                ),
                "serial written as {written:02x?}"
            );
        }
        let anchors = trust(&[&ca], vec![revoked(&[0x80, 1, 3], &ca)]);
        assert_eq!(anchors.refusal(&[certificate], "tm"), None);
    }

    #[test]
    fn a_revocation_names_its_issuer_not_just_a_serial() {
        // Two CAs of the same name (as after a rotation), both issuing serial 01 02 03.
        let old = pki::create_ca("test").expect("CA");
        let new = pki::create_ca("test").expect("CA");
        let from_old = issue(&old, "tm", Some(&[1, 2, 3]));
        let from_new = issue(&new, "tm", Some(&[1, 2, 3]));
        let anchors = trust(&[&old, &new], vec![revoked(&[1, 2, 3], &old)]);
        assert!(matches!(
            anchors.refusal(&[from_old], "tm"),
            Some(Refusal::Revoked { .. })
        ));
        assert_eq!(anchors.refusal(&[from_new], "tm"), None);
    }

    #[test]
    fn members_when_listed_are_the_only_node_ids_admitted() {
        let ca = pki::create_ca("test").expect("CA");
        let certificate = issue(&ca, "tm", None);
        let mut anchors = trust(&[&ca], Vec::new());
        assert_eq!(
            anchors.refusal(std::slice::from_ref(&certificate), "tm"),
            None
        );
        anchors.trust = Arc::new(FederationTrust {
            members: Some(BTreeSet::from(["de".to_owned()])),
            ..(*anchors.trust).clone()
        });
        assert_eq!(
            anchors.refusal(&[certificate], "tm"),
            Some(Refusal::NotAMember {
                node_id: "tm".into()
            })
        );
    }

    #[test]
    fn a_bad_trust_is_refused_and_the_one_in_force_stays() {
        let ca = pki::create_ca("test").expect("CA");
        let good = FederationTrust {
            certificate_authorities: vec![der(&ca.certificate_pem)],
            revoked: Vec::new(),
            members: None,
        };
        let live = LiveTrust::new(good.clone()).expect("trust");
        let empty = FederationTrust {
            certificate_authorities: Vec::new(),
            ..good.clone()
        };
        assert!(matches!(
            live.replace(empty),
            Err(TrustError::NoCertificateAuthority)
        ));
        let garbage = FederationTrust {
            certificate_authorities: vec![CertificateDer::from(vec![0x30, 0x03, 1, 2, 3])],
            ..good.clone()
        };
        assert!(matches!(
            live.replace(garbage),
            Err(TrustError::BadCertificateAuthority { index: 0, .. })
        ));
        assert_eq!(*live.current(), good);
        assert_eq!(live.generation(), 0);
        live.replace(good).expect("replace");
        assert_eq!(live.generation(), 1);
    }
}
