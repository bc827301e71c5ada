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

use std::path::Path;
use std::sync::{Arc, RwLock};

use rogatory_proto::ids::NodeId;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, DistinguishedName, OtherError,
    RootCertStore, ServerConfig, SignatureScheme,
};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_SIG_ECDSA_WITH_SHA256,
};

use crate::identity::secret_file::{self, SecretFileError};

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
    #[error("certificate verifier: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
    #[error("certificate identity: {0}")]
    Identity(String),
    #[error(
        "{key} is not the private key of the certificate {certificate}; install the key issued \
         with this certificate, or renew both with `rogatory node renew-certificate`"
    )]
    KeyMismatch { certificate: String, key: String },
}

/// The CA roots, and this node's certificate chain with its TLS private key. The chain and key
/// can be replaced while the node runs ([`TlsMaterial::reload`]): new handshakes, inbound and
/// outbound, use the new pair; established connections are not dropped.
pub struct TlsMaterial {
    roots: Vec<CertificateDer<'static>>,
    current: Arc<CurrentCertificate>,
}

impl std::fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("roots", &self.roots.len())
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

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
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
    pub fn load(ca: &Path, certificate: &Path, key: &Path) -> Result<Self, TlsError> {
        let roots = read_certificates(ca)?;
        let current = load_certified(certificate, key)?;
        Ok(Self {
            roots,
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

    /// The federation CA certificate(s).
    pub fn roots(&self) -> &[CertificateDer<'static>] {
        &self.roots
    }

    /// The node id named by this node's own certificate.
    pub fn node_id(&self) -> Result<NodeId, TlsError> {
        let leaf = self
            .leaf_certificate()
            .ok_or_else(|| TlsError::Identity("empty certificate chain".into()))?;
        node_id_of_certificate(&leaf).map_err(TlsError::Identity)
    }

    fn root_store(&self) -> Result<RootCertStore, TlsError> {
        let mut store = RootCertStore::empty();
        for root in &self.roots {
            store.add(root.clone())?;
        }
        Ok(store)
    }

    /// Server side: TLS 1.3 only, a client certificate from the federation CA required.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let provider = provider();
        let webpki = WebPkiClientVerifier::builder_with_provider(
            Arc::new(self.root_store()?),
            provider.clone(),
        )
        .build()?;
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .with_client_cert_verifier(Arc::new(NodeClientVerifier { webpki }))
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
        let webpki = WebPkiServerVerifier::builder_with_provider(
            Arc::new(self.root_store()?),
            provider.clone(),
        )
        .build()?;
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NodeServerVerifier { webpki }))
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

/// The server's check of client certificates: webpki, then the node-certificate profile.
#[derive(Debug)]
struct NodeClientVerifier {
    webpki: Arc<dyn ClientCertVerifier>,
}

impl ClientCertVerifier for NodeClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.webpki.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self
            .webpki
            .verify_client_cert(end_entity, intermediates, now)?;
        check_node_certificate(end_entity, Role::Client).map_err(profile_error)?;
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// The client's check of a peer's server certificate: webpki (chain and name), then the
/// node-certificate profile.
#[derive(Debug)]
struct NodeServerVerifier {
    webpki: Arc<WebPkiServerVerifier>,
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
        let verified = self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        check_node_certificate(end_entity, Role::Server).map_err(profile_error)?;
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
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
