//! Creating a federation CA and node directories: what `rogatory ca create`, `rogatory node
//! create`, the demo and the integration tests use.
//!
//! A node directory holds `node.toml`, `keys/` (signing key, TLS key and certificate, the
//! federation CA certificate) and `data/`. Private keys are written 0600; nothing is
//! overwritten.

use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use rogatory_proto::ids::NodeId;

use crate::identity::config::{self, NodeConfig, PeerConfig};
use crate::identity::keys::{KeyError, NodeKey};
use crate::identity::pki::{self, PkiError};
use crate::identity::secret_file::{self, SecretFileError};

pub const CA_CERTIFICATE_FILE: &str = "federation-ca.pem";
pub const CA_KEY_FILE: &str = "federation-ca-key.pem";
pub const CONFIG_FILE: &str = "node.toml";

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("{path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Secret(#[from] SecretFileError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Pki(#[from] PkiError),
    #[error("{0} already exists; choose a new directory or remove the old one first")]
    Exists(PathBuf),
    #[error(
        "node {node_id} is not governed by a roster ([federation] roster in node.toml), so no \
         roster can name a new signing key for it; its peers hold its key in their [[peers]] \
         entries. Govern the federation by roster first (README, \"Govern the federation\")"
    )]
    NotGoverned { node_id: String },
    #[error(
        "a next signing key is already waiting in {0}: it is used once a roster names it. Use \
         its public key (`rogatory node rotate-key` printed it), or move the file away to make \
         another"
    )]
    PendingExists(PathBuf),
}

/// A next signing key written beside the node's key, waiting for a roster to name it.
#[derive(Debug)]
pub struct PendingKey {
    pub path: PathBuf,
    pub public_key: ed25519_dalek::VerifyingKey,
    /// The roster file of `[federation] roster`, for the commands to run next.
    pub roster: PathBuf,
}

/// `rogatory node rotate-key`: writes a new signing key as `<signing_key>.next` (0600, never
/// over one that exists). The node keeps signing with its key until a roster in force names the
/// new one (docs/PROTOCOL.md section 11.3); only a node governed by a roster can rotate.
pub fn rotate_key(config: &NodeConfig) -> Result<PendingKey, ProvisionError> {
    let federation = config
        .federation
        .as_ref()
        .ok_or_else(|| ProvisionError::NotGoverned {
            node_id: config.node_id.to_string(),
        })?;
    let path = crate::identity::keys::pending_path(&config.keys.signing_key);
    if path.exists() {
        return Err(ProvisionError::PendingExists(path));
    }
    let key =
        crate::identity::keys::write_pending(&config.keys.signing_key).map_err(|e| match e {
            KeyError::File(SecretFileError::Exists(path)) => ProvisionError::PendingExists(path),
            other => other.into(),
        })?;
    Ok(PendingKey {
        path,
        public_key: key.public(),
        roster: federation.roster.clone(),
    })
}

pub(crate) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ProvisionError + '_ {
    move |source| ProvisionError::Io {
        path: path.to_owned(),
        source,
    }
}

pub(crate) fn create_dir(path: &Path, mode: u32) -> Result<(), ProvisionError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(path)
        .map_err(io_error(path))
}

pub(crate) fn write_public(path: &Path, contents: &[u8]) -> Result<(), ProvisionError> {
    secret_file::write_new(path, contents, 0o644).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ProvisionError::Exists(path.to_owned())
        } else {
            ProvisionError::Io {
                path: path.to_owned(),
                source: e,
            }
        }
    })
}

/// Creates a federation CA in `dir`: its certificate (public) and private key (0600).
pub fn create_ca(dir: &Path, name: &str) -> Result<PathBuf, ProvisionError> {
    create_dir(dir, 0o700)?;
    let certificate_path = dir.join(CA_CERTIFICATE_FILE);
    if certificate_path.exists() {
        return Err(ProvisionError::Exists(certificate_path));
    }
    let ca = pki::create_ca(name)?;
    secret_file::write_private(&dir.join(CA_KEY_FILE), ca.private_key_pem.as_bytes())?;
    write_public(&certificate_path, ca.certificate_pem.as_bytes())?;
    Ok(certificate_path)
}

/// What `create_node` made.
#[derive(Debug, Clone)]
pub struct CreatedNode {
    pub node_id: NodeId,
    pub config_path: PathBuf,
    pub public_key: VerifyingKey,
    pub listen: SocketAddr,
}

impl CreatedNode {
    /// This node as a peer entry for other nodes' configurations, reachable at `address`.
    pub fn as_peer(&self, address: &str) -> PeerConfig {
        PeerConfig {
            node_id: self.node_id.clone(),
            address: address.to_owned(),
            public_key: self.public_key,
        }
    }
}

/// Creates a node directory: keys, a certificate from the CA in `ca_dir`, and `node.toml`.
pub fn create_node(
    ca_dir: &Path,
    node_dir: &Path,
    node_id: &NodeId,
    listen: SocketAddr,
    peers: &[PeerConfig],
) -> Result<CreatedNode, ProvisionError> {
    let config_path = node_dir.join(CONFIG_FILE);
    if config_path.exists() {
        return Err(ProvisionError::Exists(config_path));
    }
    let ca_certificate_path = ca_dir.join(CA_CERTIFICATE_FILE);
    let ca_certificate =
        std::fs::read_to_string(&ca_certificate_path).map_err(io_error(&ca_certificate_path))?;
    let ca_key = secret_file::read_private(&ca_dir.join(CA_KEY_FILE))?;
    let ca_key = String::from_utf8_lossy(&ca_key);

    let keys_dir = node_dir.join("keys");
    create_dir(&keys_dir, 0o700)?;
    let signing_key = NodeKey::generate()?;
    signing_key.save(&keys_dir.join("signing-key.pem"))?;
    let tls = pki::issue_node_certificate(&ca_certificate, &ca_key, node_id)?;
    secret_file::write_private(
        &keys_dir.join("tls-key.pem"),
        tls.private_key_pem.as_bytes(),
    )?;
    write_public(
        &keys_dir.join("tls-certificate.pem"),
        tls.certificate_pem.as_bytes(),
    )?;
    write_public(
        &keys_dir.join(CA_CERTIFICATE_FILE),
        ca_certificate.as_bytes(),
    )?;
    let text = config::render(node_id, listen, Path::new("data"), peers);
    write_public(&config_path, text.as_bytes())?;
    Ok(CreatedNode {
        node_id: node_id.clone(),
        config_path,
        public_key: signing_key.public(),
        listen,
    })
}

/// Appends a `[[peers]]` entry to a node's configuration file.
pub fn add_peer(config_path: &Path, peer: &PeerConfig) -> Result<(), ProvisionError> {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(config_path)
        .map_err(io_error(config_path))?;
    file.write_all(config::render_peer(peer).as_bytes())
        .map_err(io_error(config_path))?;
    file.sync_all().map_err(io_error(config_path))
}

/// Issues a fresh TLS key and certificate for the node of `config` from the CA in `ca_dir`
/// and puts them in place (see [`install_certificate`]). The node picks them up on SIGHUP.
pub fn renew_certificate(ca_dir: &Path, config: &NodeConfig) -> Result<(), ProvisionError> {
    let ca_certificate_path = ca_dir.join(CA_CERTIFICATE_FILE);
    let ca_certificate =
        std::fs::read_to_string(&ca_certificate_path).map_err(io_error(&ca_certificate_path))?;
    let ca_key = secret_file::read_private(&ca_dir.join(CA_KEY_FILE))?;
    let issued = pki::issue_node_certificate(
        &ca_certificate,
        &String::from_utf8_lossy(&ca_key),
        &config.node_id,
    )?;
    install_certificate(config, &issued)
}

/// Replaces the node's TLS key and certificate with `issued`. Each file is written whole under
/// a temporary name, synced, then renamed over the old one, so a crash leaves either file old
/// or new but never partial; the key goes first, and a node reloading in between sees a
/// mismatch, refuses it and keeps serving with the old pair.
pub fn install_certificate(
    config: &NodeConfig,
    issued: &pki::Issued,
) -> Result<(), ProvisionError> {
    let replace = |path: &Path, contents: &[u8], mode: u32| -> Result<(), ProvisionError> {
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".new");
        let temporary = PathBuf::from(temporary);
        let _ = std::fs::remove_file(&temporary);
        secret_file::write_new(&temporary, contents, mode).map_err(io_error(&temporary))?;
        std::fs::rename(&temporary, path).map_err(io_error(path))?;
        if let Some(dir) = path.parent() {
            std::fs::File::open(dir)
                .and_then(|dir| dir.sync_all())
                .map_err(io_error(dir))?;
        }
        Ok(())
    };
    replace(
        &config.keys.tls_key,
        issued.private_key_pem.as_bytes(),
        0o600,
    )?;
    replace(
        &config.keys.tls_certificate,
        issued.certificate_pem.as_bytes(),
        0o644,
    )
}
