//! TLS 1.3 with client certificates, for both directions of the federation link.
//!
//! Both ends verify the other's certificate against the federation CA. A node's identity is
//! the single DNS subject alternative name of its certificate; a client checks that the
//! server's certificate names the peer it meant to reach (not its IP address).

use std::path::Path;
use std::sync::{Arc, RwLock};

use rogatory_proto::ids::NodeId;
use rustls::client::ResolvesClientCert;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, RootCertStore, ServerConfig, SignatureScheme};

use crate::secret_file::{self, SecretFileError};

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
    #[error("client verifier: {0}")]
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
        let verifier = WebPkiClientVerifier::builder_with_provider(
            Arc::new(self.root_store()?),
            provider.clone(),
        )
        .build()?;
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .with_client_cert_verifier(verifier)
            .with_cert_resolver(self.current.clone());
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Arc::new(config))
    }

    /// Client side: TLS 1.3 only, presenting this node's certificate.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, TlsError> {
        let mut config = ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .with_root_certificates(self.root_store()?)
            .with_client_cert_resolver(self.current.clone());
        config.alpn_protocols = vec![b"h2".to_vec()];
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
