//! TLS 1.3 with client certificates, for both directions of the federation link.
//!
//! Both ends verify the other's certificate against the federation CA. A node's identity is
//! the single DNS subject alternative name of its certificate; a client checks that the
//! server's certificate names the peer it meant to reach (not its IP address).
//!
//! Chain building and signatures are webpki's; on top of them both ends hold the peer's leaf to
//! the federation's certificate profile (PROTOCOL.md section 2, [`check_node_certificate`]):
//! webpki accepts a certificate with no extended key usage at all for either role, and says
//! nothing about key type or the number of names. Neither end resumes TLS sessions, so every
//! connection's certificates are verified by a full handshake; an established connection ends
//! at the earliest notAfter of the chain the other end presented ([`chain_not_after`]).
//!
//! What the federation trusts (its CAs, revoked certificates, members) is live
//! ([`crate::identity::trust`]): both verifiers read the trust in force at each handshake,
//! and [`until_refused`] lets an established connection end as soon as a new trust would
//! refuse the chain it was opened with.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use rogatory_proto::ids::NodeId;
use rustls::client::ResolvesClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, DistinguishedName, OtherError,
    ServerConfig, SignatureScheme,
};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_SIG_ECDSA_WITH_SHA256,
};

use crate::identity::secret_file::{self, SecretFileError};
use crate::identity::trust::{Anchors, FederationTrust, LiveTrust, Refusal, TrustError};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read certificate file {path}: {reason}")]
    Certificate { path: String, reason: String },
    #[error(transparent)]
    KeyFile(#[from] SecretFileError),
    #[error("{path} does not hold a PEM private key")]
    KeyFormat { path: String },
    #[error("TLS configuration rejected: {0}")]
    Config(#[from] rustls::Error),
    #[error("federation trust: {0}")]
    Trust(#[from] TrustError),
    #[error("certificate identity: {0}")]
    Identity(String),
    #[error(
        "{key} is not the private key of the certificate {certificate}; install the key issued \
         with this certificate, or renew both with `rogatory node renew-certificate`"
    )]
    KeyMismatch { certificate: String, key: String },
}

/// The federation trust, and this node's certificate chain with its TLS private key. The
/// chain and key can be replaced while the node runs ([`TlsMaterial::reload`]): new
/// handshakes, inbound and outbound, use the new pair; established connections are not
/// dropped. The trust can be replaced too ([`LiveTrust::replace`]).
pub struct TlsMaterial {
    trust: LiveTrust,
    current: Arc<CurrentCertificate>,
}

impl std::fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("trust", &self.trust)
            .finish_non_exhaustive()
    }
}

/// The certificate and key handed to every new handshake, swappable.
#[derive(Debug)]
struct CurrentCertificate(RwLock<Arc<CertifiedKey>>);

impl CurrentCertificate {
    fn get(&self) -> Arc<CertifiedKey> {
        match self.0.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    fn set(&self, certified: Arc<CertifiedKey>) {
        match self.0.write() {
            Ok(mut guard) => *guard = certified,
            Err(poisoned) => *poisoned.into_inner() = certified,
        }
    }
}

impl ResolvesServerCert for CurrentCertificate {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.get())
    }
}

impl ResolvesClientCert for CurrentCertificate {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(self.get())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let error = |reason: String| TlsError::Certificate {
        path: path.display().to_string(),
        reason,
    };
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|e| error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(e.to_string()))?;
    if certificates.is_empty() {
        return Err(error("no PEM certificate in it".into()));
    }
    Ok(certificates)
}

/// The one crypto provider of both ends, made once: verifiers ask for it at every handshake.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: std::sync::LazyLock<Arc<CryptoProvider>> =
        std::sync::LazyLock::new(|| Arc::new(rustls::crypto::ring::default_provider()));
    Arc::clone(&PROVIDER)
}

/// Loads a certificate chain and its private key (0600 checked), checking they belong together.
fn load_certified(certificate: &Path, key: &Path) -> Result<Arc<CertifiedKey>, TlsError> {
    let chain = read_certificates(certificate)?;
    let key_bytes = secret_file::read_private(key)?;
    let key_format = || TlsError::KeyFormat {
        path: key.display().to_string(),
    };
    let key_der = PrivateKeyDer::from_pem_slice(&key_bytes).map_err(|_| key_format())?;
    let signing_key = provider()
        .key_provider
        .load_private_key(key_der)
        .map_err(|_| key_format())?;
    let certified = CertifiedKey::new(chain, signing_key);
    certified.keys_match().map_err(|_| TlsError::KeyMismatch {
        certificate: certificate.display().to_string(),
        key: key.display().to_string(),
    })?;
    Ok(Arc::new(certified))
}

impl TlsMaterial {
    /// Loads the CA certificate(s), this node's certificate chain, and its key (0600 checked).
    /// The trust starts as the CA file says: those CAs, nothing revoked, any node id.
    pub fn load(ca: &Path, certificate: &Path, key: &Path) -> Result<Self, TlsError> {
        let trust = LiveTrust::new(FederationTrust::from_ca_file(ca)?)?;
        let current = load_certified(certificate, key)?;
        Ok(Self {
            trust,
            current: Arc::new(CurrentCertificate(RwLock::new(current))),
        })
    }

    /// Replaces the node's certificate and key with those in the files, if they load, belong
    /// together and name the same node as before; otherwise keeps the current pair.
    pub fn reload(&self, certificate: &Path, key: &Path) -> Result<(), TlsError> {
        let loaded = load_certified(certificate, key)?;
        let before = self.node_id()?;
        let leaf = loaded
            .cert
            .first()
            .ok_or_else(|| TlsError::Identity("empty certificate chain".into()))?;
        let after = node_id_of_certificate(leaf).map_err(TlsError::Identity)?;
        if after != before {
            return Err(TlsError::Identity(format!(
                "the new certificate names node {after:?}, not {before:?}"
            )));
        }
        self.current.set(loaded);
        Ok(())
    }

    /// This node's certificate, as handed to new handshakes now.
    pub fn leaf_certificate(&self) -> Option<CertificateDer<'static>> {
        self.current.get().cert.first().cloned()
    }

    /// The federation CA certificate(s) in force now.
    pub fn roots(&self) -> Vec<CertificateDer<'static>> {
        self.trust.current().certificate_authorities.clone()
    }

    /// The federation trust both verifiers consult, shared with the node (`Node::trust`).
    pub fn trust(&self) -> &LiveTrust {
        &self.trust
    }

    /// The node id named by this node's own certificate.
    pub fn node_id(&self) -> Result<NodeId, TlsError> {
        let leaf = self
            .leaf_certificate()
            .ok_or_else(|| TlsError::Identity("empty certificate chain".into()))?;
        node_id_of_certificate(&leaf).map_err(TlsError::Identity)
    }

    /// Server side: TLS 1.3 only, a client certificate the federation trust accepts required.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let provider = provider();
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .with_client_cert_verifier(Arc::new(NodeClientVerifier {
                trust: self.trust.clone(),
            }))
            .with_cert_resolver(self.current.clone());
        config.alpn_protocols = vec![b"h2".to_vec()];
        // No session resumption: a resumed session takes the client certificate of the session
        // it resumes without verifying it again, so an expired one would be let back in.
        config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
        Ok(Arc::new(config))
    }

    /// Client side: TLS 1.3 only, presenting this node's certificate.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, TlsError> {
        let provider = provider();
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NodeServerVerifier {
                trust: self.trust.clone(),
            }))
            .with_client_cert_resolver(self.current.clone());
        config.alpn_protocols = vec![b"h2".to_vec()];
        // No session resumption: a resumed session takes the server certificate of the session
        // it resumes without verifying it again, so a reconnection after the peer's certificate
        // expired would not notice.
        config.resumption = rustls::client::Resumption::disabled();
        Ok(Arc::new(config))
    }
}

/// The node id a certificate names: its one DNS subject alternative name.
pub fn node_id_of_certificate(certificate: &CertificateDer<'_>) -> Result<NodeId, String> {
    let (_, parsed) = x509_parser::parse_x509_certificate(certificate.as_ref())
        .map_err(|e| format!("certificate does not parse: {e}"))?;
    let san = parsed
        .subject_alternative_name()
        .map_err(|e| format!("bad subjectAltName extension: {e}"))?
        .ok_or("certificate has no subjectAltName naming a node")?;
    let mut names = san
        .value
        .general_names
        .iter()
        .filter_map(|name| match name {
            x509_parser::extensions::GeneralName::DNSName(dns) => Some(*dns),
            _ => None,
        });
    let name = names
        .next()
        .ok_or("certificate has no DNS subjectAltName naming a node")?;
    if names.next().is_some() {
        return Err(
            "certificate names more than one DNS subjectAltName; a node certificate \
                    names exactly one node id"
                .into(),
        );
    }
    NodeId::parse(name).map_err(|e| e.to_string())
}

/// Which end of a connection a certificate was presented by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Client,
    Server,
}

/// Why a certificate that chains to the federation CA is still not a node certificate.
#[derive(Debug, thiserror::Error)]
pub enum CertificateFault {
    #[error("certificate does not parse: {0}")]
    Unparsable(String),
    #[error(
        "certificate lacks the extended key usage {missing} (a node certificate carries both \
         serverAuth and clientAuth)"
    )]
    MissingUsage { missing: &'static str },
    #[error("certificate key is not ECDSA P-256")]
    KeyType,
    #[error("certificate is not signed with ecdsa-with-SHA256")]
    SignatureAlgorithm,
    #[error("{0}")]
    Identity(String),
}

/// Holds a leaf certificate to the node-certificate profile of PROTOCOL.md section 2: both
/// extended key usages (a missing extension is not "any"), an ECDSA P-256 key, an
/// ecdsa-with-SHA256 signature, and exactly one DNS name that is a node id. The chain and
/// validity dates are webpki's to check.
pub fn check_node_certificate(
    certificate: &CertificateDer<'_>,
    role: Role,
) -> Result<NodeId, CertificateFault> {
    let (_, parsed) = x509_parser::parse_x509_certificate(certificate.as_ref())
        .map_err(|e| CertificateFault::Unparsable(e.to_string()))?;
    let usage = parsed
        .extended_key_usage()
        .map_err(|e| CertificateFault::Unparsable(e.to_string()))?;
    let (server_auth, client_auth) = usage
        .map(|usage| (usage.value.server_auth, usage.value.client_auth))
        .unwrap_or_default();
    // The role's own usage first, so the message names what this handshake needed.
    let missing = match (role, server_auth, client_auth) {
        (Role::Client, _, false) | (Role::Server, true, false) => Some("clientAuth"),
        (Role::Server, false, _) | (Role::Client, false, true) => Some("serverAuth"),
        (_, true, true) => None,
    };
    if let Some(missing) = missing {
        return Err(CertificateFault::MissingUsage { missing });
    }
    let key = &parsed.public_key().algorithm;
    let curve = key
        .parameters
        .as_ref()
        .and_then(|parameters| parameters.as_oid().ok());
    if key.algorithm != OID_KEY_TYPE_EC_PUBLIC_KEY || curve.as_ref() != Some(&OID_EC_P256) {
        return Err(CertificateFault::KeyType);
    }
    if parsed.signature_algorithm.algorithm != OID_SIG_ECDSA_WITH_SHA256 {
        return Err(CertificateFault::SignatureAlgorithm);
    }
    node_id_of_certificate(certificate).map_err(CertificateFault::Identity)
}

fn profile_error(fault: CertificateFault) -> rustls::Error {
    let error = match fault {
        CertificateFault::MissingUsage { .. } => CertificateError::InvalidPurpose,
        CertificateFault::Unparsable(_) => CertificateError::BadEncoding,
        other => CertificateError::Other(OtherError(Arc::new(other))),
    };
    rustls::Error::InvalidCertificate(error)
}

fn refusal_error(refusal: Refusal) -> rustls::Error {
    let error = match refusal {
        Refusal::Revoked { .. } => CertificateError::Revoked,
        other => CertificateError::Other(OtherError(Arc::new(other))),
    };
    rustls::Error::InvalidCertificate(error)
}

/// Who presented a chain: a client, or the server a client meant to reach by this name.
#[derive(Debug, Clone)]
pub enum Presented {
    ByClient,
    ByServer(ServerName<'static>),
}

/// Every check of a peer's chain, under one trust: webpki (chain to an accepted CA, dates,
/// and for a server the name), the node-certificate profile, then the trust's own refusals
/// (revoked, not a member). Refusals by the trust are logged with the node id and serial.
fn verify_chain(
    anchors: &Anchors,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    presented: &Presented,
    ocsp_response: &[u8],
    now: UnixTime,
) -> Result<NodeId, rustls::Error> {
    let role = match presented {
        Presented::ByClient => {
            anchors
                .clients
                .verify_client_cert(end_entity, intermediates, now)?;
            Role::Client
        }
        Presented::ByServer(name) => {
            anchors.servers.verify_server_cert(
                end_entity,
                intermediates,
                name,
                ocsp_response,
                now,
            )?;
            Role::Server
        }
    };
    let node_id = check_node_certificate(end_entity, role).map_err(profile_error)?;
    let chain: Vec<CertificateDer<'_>> = std::iter::once(end_entity)
        .chain(intermediates)
        .map(|certificate| CertificateDer::from(certificate.as_ref()))
        .collect();
    if let Some(refusal) = anchors.refusal(&chain, node_id.as_str()) {
        tracing::info!(?role, %refusal, "certificate refused by the federation trust");
        return Err(refusal_error(refusal));
    }
    Ok(node_id)
}

/// Resolves, with the reason, once the federation trust in force would refuse `chain` (as
/// presented by the other end of an established connection): checked again at every change
/// of the trust after `verified_under`, the generation read before the connection's
/// handshake, so a change during the handshake is not missed. Never resolves while the trust
/// keeps accepting the chain.
pub fn until_refused(
    trust: &LiveTrust,
    verified_under: u64,
    chain: Vec<CertificateDer<'static>>,
    presented: Presented,
) -> Pin<Box<dyn Future<Output = rustls::Error> + Send>> {
    let mut changes = trust.subscribe();
    Box::pin(async move {
        let mut checked = verified_under;
        loop {
            let anchors = Arc::clone(&changes.borrow_and_update());
            if anchors.generation != checked {
                checked = anchors.generation;
                if let Some((end_entity, intermediates)) = chain.split_first()
                    && let Err(error) = verify_chain(
                        &anchors,
                        end_entity,
                        intermediates,
                        &presented,
                        &[],
                        UnixTime::now(),
                    )
                {
                    return error;
                }
            }
            if changes.changed().await.is_err() {
                // The trust is gone with its node: nothing will change any more.
                return std::future::pending().await;
            }
        }
    })
}

fn supported_schemes() -> Vec<SignatureScheme> {
    provider()
        .signature_verification_algorithms
        .supported_schemes()
}

/// The server's check of client certificates, under the trust in force at the handshake.
#[derive(Debug)]
struct NodeClientVerifier {
    trust: LiveTrust,
}

impl ClientCertVerifier for NodeClientVerifier {
    /// No hints: the accepted CAs can change while this configuration serves, and a client
    /// given no hints presents the certificate it has (RFC 8446 section 4.2.4).
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        verify_chain(
            &self.trust.anchors(),
            end_entity,
            intermediates,
            &Presented::ByClient,
            &[],
            now,
        )?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        supported_schemes()
    }
}

/// The client's check of a peer's server certificate, under the trust in force at the
/// handshake.
#[derive(Debug)]
struct NodeServerVerifier {
    trust: LiveTrust,
}

impl ServerCertVerifier for NodeServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        verify_chain(
            &self.trust.anchors(),
            end_entity,
            intermediates,
            &Presented::ByServer(server_name.to_owned()),
            ocsp_response,
            now,
        )?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        supported_schemes()
    }
}

/// When a certificate chain stops being valid: the earliest notAfter among its certificates.
pub fn chain_not_after(chain: &[CertificateDer<'_>]) -> Option<std::time::SystemTime> {
    chain
        .iter()
        .filter_map(|certificate| {
            let (_, parsed) = x509_parser::parse_x509_certificate(certificate.as_ref()).ok()?;
            let seconds = u64::try_from(parsed.validity().not_after.timestamp()).ok()?;
            Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds))
        })
        .min()
}

/// A certificate's validity, in seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub not_before: i64,
    pub not_after: i64,
}

impl Validity {
    /// Whole days until expiry (negative once expired).
    pub fn days_left(&self, now_s: i64) -> i64 {
        (self.not_after - now_s).div_euclid(86_400)
    }

    /// Why the certificate is not valid at `now_s`, if it is not.
    pub fn problem_at(&self, now_s: i64) -> Option<String> {
        if now_s < self.not_before {
            Some(format!(
                "is not valid before {}",
                crate::format_time(self.not_before)
            ))
        } else if now_s > self.not_after {
            Some(format!("expired on {}", crate::format_time(self.not_after)))
        } else {
            None
        }
    }
}

/// Whether `ca` is the certificate that issued `leaf`: its subject is the leaf's issuer (both
/// as encoded). False for anything that does not parse.
pub fn issued_by(leaf: &CertificateDer<'_>, ca: &CertificateDer<'_>) -> bool {
    let (Ok((_, leaf)), Ok((_, ca))) = (
        x509_parser::parse_x509_certificate(leaf.as_ref()),
        x509_parser::parse_x509_certificate(ca.as_ref()),
    ) else {
        return false;
    };
    leaf.issuer().as_raw() == ca.subject().as_raw()
}

/// The validity of a DER certificate.
pub fn validity(certificate: &CertificateDer<'_>) -> Result<Validity, String> {
    let (_, parsed) = x509_parser::parse_x509_certificate(certificate.as_ref())
        .map_err(|e| format!("certificate does not parse: {e}"))?;
    let validity = parsed.validity();
    Ok(Validity {
        not_before: validity.not_before.timestamp(),
        not_after: validity.not_after.timestamp(),
    })
}
