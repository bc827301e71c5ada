//! Enrollment on the node's own machine: `rogatory node init`, `node install-certificate` and
//! `node renewal-request` (docs/PROTOCOL.md section 11.6). No private key is ever read from or
//! written to anywhere but this node's `keys/` directory.
//!
//! The TLS key and certificate live in generations: `keys/tls-key.pem` and
//! `keys/tls-certificate.pem` are symbolic links into `keys/tls/current/`, and `current` is a
//! link to one generation directory (`keys/tls/g<ms>/`) holding a key and its certificate. A
//! renewal makes a new generation beside it, marked by the link `keys/tls/next`; installing
//! its certificate writes the certificate into that generation, then replaces `current` with
//! one `rename`, so a crash or a SIGHUP at any moment sees the old pair or the new pair, never
//! a key with another key's certificate. A node made by `node create` (plain files) is moved
//! to this layout by its first renewal request, each step leaving a matching pair.

use std::os::unix::fs::{DirBuilderExt, symlink};
use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use rogatory_proto::ids::NodeId;
use rogatory_proto::join::{self, JoinError, VerifiedJoinRequest};
use rogatory_proto::v1::JoinRequest;

use crate::identity::config::{self, NodeConfig};
use crate::identity::enrollment::{self, CheckedResponse, EnrollmentError};
use crate::identity::keys::{KeyError, NodeKey};
use crate::identity::secret_file::{self, SecretFileError};
use crate::operations::provision::{
    CA_CERTIFICATE_FILE, CONFIG_FILE, ProvisionError, create_dir, io_error, write_public,
};

/// The join request `node init` writes into the node directory, to send to the CA holder.
pub const JOIN_REQUEST_FILE: &str = "join-request.txt";
/// The renewal request `node renewal-request` writes into the node directory.
pub const RENEWAL_REQUEST_FILE: &str = "renewal-request.txt";
/// Directory of TLS generations, beside the TLS key's link.
const GENERATIONS_DIR: &str = "tls";
const CURRENT: &str = "current";
const NEXT: &str = "next";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnrollError {
    #[error(transparent)]
    Provision(#[from] ProvisionError),
    #[error(transparent)]
    Secret(#[from] SecretFileError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Enrollment(#[from] EnrollmentError),
    #[error("the join request is refused: {0}")]
    Join(#[from] JoinError),
    #[error("{0}")]
    Layout(String),
}

fn layout(problem: impl Into<String>) -> EnrollError {
    EnrollError::Layout(problem.into())
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EnrollError + '_ {
    move |source| EnrollError::Provision(io_error(path)(source))
}

/// What the node tells the CA holder about itself.
#[derive(Debug, Clone)]
pub struct NodeDescription {
    pub node_id: NodeId,
    pub country: String,
    pub authority: String,
    pub addresses: Vec<String>,
}

/// What `init_node` or `renewal_request` wrote.
#[derive(Debug, Clone)]
pub struct RequestWritten {
    pub config_path: PathBuf,
    pub request_path: PathBuf,
    pub signing_key: VerifyingKey,
    /// SHA-256 of the new TLS key's SubjectPublicKeyInfo.
    pub tls_key_fingerprint: String,
}

/// Creates a node directory with keys born here and a join request for the CA holder:
/// `node.toml`, `keys/signing-key.pem` and the TLS key (0600), `join-request.txt`, and the
/// federation CA certificate if the operator already has it. Nothing is overwritten.
pub fn init_node(
    dir: &Path,
    node: &NodeDescription,
    listen: std::net::SocketAddr,
    federation_ca_pem: Option<&str>,
) -> Result<RequestWritten, EnrollError> {
    let config_path = dir.join(CONFIG_FILE);
    let keys_dir = dir.join("keys");
    for existing in [&config_path, &keys_dir.join("signing-key.pem")] {
        if existing.symlink_metadata().is_ok() {
            return Err(ProvisionError::Exists(existing.clone()).into());
        }
    }
    if let Some(ca) = federation_ca_pem {
        if enrollment::certificates_der(ca).is_empty() {
            return Err(layout(
                "the federation CA file holds no PEM certificate; pass federation-ca.pem as \
                 the CA holder published it",
            ));
        }
    }
    create_dir(&keys_dir, 0o700)?;
    let signing_key = NodeKey::generate()?;
    signing_key.save(&keys_dir.join("signing-key.pem"))?;
    let tls = enrollment::new_tls_key(&node.node_id)?;
    let generation = new_generation(&keys_dir)?;
    secret_file::write_private(
        &generation.join("tls-key.pem"),
        tls.private_key_pem.as_bytes(),
    )?;
    let generations = keys_dir.join(GENERATIONS_DIR);
    replace_link(&generations.join(CURRENT), &generation_name(&generation))?;
    replace_link(
        &keys_dir.join("tls-key.pem"),
        Path::new("tls/current/tls-key.pem"),
    )?;
    replace_link(
        &keys_dir.join("tls-certificate.pem"),
        Path::new("tls/current/tls-certificate.pem"),
    )?;
    if let Some(ca) = federation_ca_pem {
        write_public(&keys_dir.join(CA_CERTIFICATE_FILE), ca.as_bytes())?;
    }
    let text = config::render(&node.node_id, listen, Path::new("data"), &[]);
    write_public(&config_path, text.as_bytes())?;
    let request_path = dir.join(JOIN_REQUEST_FILE);
    let signed = sign_request(node, &signing_key, tls.csr_der, false);
    write_public(&request_path, join::to_armored(&signed).as_bytes())?;
    Ok(RequestWritten {
        config_path,
        request_path,
        signing_key: signing_key.public(),
        tls_key_fingerprint: enrollment::tls_key_fingerprint(&tls.public_key_der),
    })
}

fn sign_request(
    node: &NodeDescription,
    key: &NodeKey,
    csr: Vec<u8>,
    renewal: bool,
) -> rogatory_proto::v1::SignedJoinRequest {
    let request = JoinRequest {
        version: join::JOIN_REQUEST_VERSION,
        node_id: node.node_id.to_string(),
        country: node.country.clone(),
        authority: node.authority.clone(),
        addresses: node.addresses.clone(),
        signing_public_key: Vec::new(),
        csr,
        created_at_ms: crate::now_ms(),
        renewal,
    };
    join::sign_join_request(&request, &key.signing_key())
}

/// Checks that a node description would make a valid join request, before any key is made.
pub fn check_description(node: &NodeDescription) -> Result<(), JoinError> {
    // A throwaway key and a placeholder CSR: only the fields are under test here.
    let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let request = JoinRequest {
        version: join::JOIN_REQUEST_VERSION,
        node_id: node.node_id.to_string(),
        country: node.country.clone(),
        authority: node.authority.clone(),
        addresses: node.addresses.clone(),
        signing_public_key: Vec::new(),
        csr: vec![0],
        created_at_ms: 1,
        renewal: false,
    };
    join::verify_join_request(&join::sign_join_request(&request, &key)).map(|_| ())
}

/// Reads and verifies an armored join request file.
pub fn read_join_request(path: &Path) -> Result<VerifiedJoinRequest, EnrollError> {
    let text = std::fs::read(path).map_err(io(path))?;
    if text.len() > join::MAX_ARMORED_BYTES {
        return Err(JoinError::Armor(format!("{} is too large", path.display())).into());
    }
    let text = String::from_utf8(text)
        .map_err(|_| JoinError::Armor(format!("{} is not text", path.display())))?;
    Ok(join::verify_join_request(&join::from_armored(&text)?)?)
}

/// The description in the node's earlier join request (`dir/join-request.txt`), the default
/// for a renewal request; None if the node has none (made by `node create`).
pub fn previous_description(dir: &Path) -> Result<Option<NodeDescription>, EnrollError> {
    let path = dir.join(JOIN_REQUEST_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let verified = read_join_request(&path)?;
    let request = verified.request();
    Ok(Some(NodeDescription {
        node_id: verified.node_id().clone(),
        country: request.country.clone(),
        authority: request.authority.clone(),
        addresses: request.addresses.clone(),
    }))
}

/// What `install_certificate` did.
#[derive(Debug, Clone)]
pub struct Installed {
    pub response: CheckedResponse,
    /// True when the certificate was for the pending renewal key, which is now in use.
    pub renewed: bool,
    /// True when the federation CA certificate was written (first install without one).
    pub wrote_ca: bool,
}

/// Checks a certificate response (see [`enrollment::check_response`]) and only then puts it
/// in place. A certificate for the node's current key replaces the certificate file alone (one
/// rename); one for the pending renewal key switches key and certificate together (one rename
/// of `keys/tls/current`). A refused response changes nothing.
pub fn install_certificate(config: &NodeConfig, text: &str) -> Result<Installed, EnrollError> {
    let keys = &config.keys;
    let current_key = read_public_key(&keys.tls_key)?;
    let generations = generations_dir(config)?;
    let next = generations.join(NEXT);
    let next_dir = resolve_pending(&generations)?;
    let pending_key = match &next_dir {
        Some(dir) => Some(read_public_key(&dir.join(file_name(&keys.tls_key)?))?),
        None => None,
    };
    let trusted_cas = match std::fs::read_to_string(&keys.federation_ca) {
        Ok(text) => {
            let certificates = enrollment::certificates_der(&text);
            if certificates.is_empty() {
                return Err(layout(format!(
                    "{} holds no certificate; restore it from the CA holder's federation-ca.pem",
                    keys.federation_ca.display()
                )));
            }
            certificates
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io(&keys.federation_ca)(e)),
    };
    let mut expected: Vec<&[u8]> = vec![&current_key];
    if let Some(pending) = &pending_key {
        expected.push(pending);
    }
    let checked = enrollment::check_response(
        text,
        &config.node_id,
        &expected,
        &trusted_cas,
        crate::now_ms() / 1000,
    )?;
    let wrote_ca = trusted_cas.is_empty();
    if wrote_ca {
        replace_file(&keys.federation_ca, checked.ca_certificate_pem.as_bytes())?;
    }
    let certificate_name = file_name(&keys.tls_certificate)?;
    let renewed = checked.key_index == 1;
    match next_dir.filter(|_| renewed) {
        Some(dir) => {
            replace_file(
                &dir.join(certificate_name),
                checked.certificate_pem.as_bytes(),
            )?;
            let old = std::fs::read_link(generations.join(CURRENT)).ok();
            replace_link(&generations.join(CURRENT), &generation_name(&dir))?;
            // Done: what follows only tidies up, and a crash before it is harmless (a `next`
            // equal to `current` is recognised as installed).
            remove_link(&next)?;
            if let Some(old) = old.filter(|old| old != &generation_name(&dir)) {
                let _ = std::fs::remove_dir_all(generations.join(old));
            }
        }
        None if is_link(&keys.tls_certificate) => {
            replace_file(
                &generations.join(CURRENT).join(certificate_name),
                checked.certificate_pem.as_bytes(),
            )?;
        }
        None => replace_file(&keys.tls_certificate, checked.certificate_pem.as_bytes())?,
    }
    Ok(Installed {
        response: checked,
        renewed,
        wrote_ca,
    })
}

/// Makes a new TLS key as a pending generation (`keys/tls/next`) and a renewal request signed
/// by the node's signing key, written to `dir/renewal-request.txt`. The running node keeps its
/// key and certificate until the new certificate is installed.
pub fn renewal_request(
    dir: &Path,
    config: &NodeConfig,
    node: &NodeDescription,
) -> Result<RequestWritten, EnrollError> {
    if node.node_id != config.node_id {
        return Err(layout(format!(
            "the request names {}, but this node is {}",
            node.node_id, config.node_id
        )));
    }
    let signing_key = NodeKey::load(&config.keys.signing_key)?;
    let generations = into_generations(config)?;
    if resolve_pending(&generations)?.is_some() {
        return Err(layout(format!(
            "a renewal is already pending ({}): install the certificate the CA holder sends \
             back for it, or remove that link to start over",
            generations.join(NEXT).display()
        )));
    }
    let tls = enrollment::new_tls_key(&node.node_id)?;
    let keys_dir = parent(&config.keys.tls_key)?;
    let generation = new_generation(keys_dir)?;
    secret_file::write_private(
        &generation.join(file_name(&config.keys.tls_key)?),
        tls.private_key_pem.as_bytes(),
    )?;
    replace_link(&generations.join(NEXT), &generation_name(&generation))?;
    let request_path = dir.join(RENEWAL_REQUEST_FILE);
    let signed = sign_request(node, &signing_key, tls.csr_der, true);
    replace_file(&request_path, join::to_armored(&signed).as_bytes())?;
    Ok(RequestWritten {
        config_path: dir.join(CONFIG_FILE),
        request_path,
        signing_key: signing_key.public(),
        tls_key_fingerprint: enrollment::tls_key_fingerprint(&tls.public_key_der),
    })
}

/// The pending generation, if a renewal is pending. A `next` that is already `current` is what
/// a crash right after the switch leaves: the renewal is complete, and the link is removed.
fn resolve_pending(generations: &Path) -> Result<Option<PathBuf>, EnrollError> {
    let next = generations.join(NEXT);
    let Ok(target) = std::fs::read_link(&next) else {
        return Ok(None);
    };
    if std::fs::read_link(generations.join(CURRENT)).ok().as_ref() == Some(&target) {
        remove_link(&next)?;
        return Ok(None);
    }
    Ok(Some(generations.join(target)))
}

/// The generations directory of a node in the generation layout, or an explanation.
fn generations_dir(config: &NodeConfig) -> Result<PathBuf, EnrollError> {
    Ok(parent(&config.keys.tls_key)?.join(GENERATIONS_DIR))
}

/// Moves a node whose TLS key and certificate are plain files (`node create`) to the
/// generation layout. Each step leaves a matching pair at the configured paths: the files
/// are copied into a first generation, then each path is replaced by a link to its copy.
fn into_generations(config: &NodeConfig) -> Result<PathBuf, EnrollError> {
    let keys = &config.keys;
    let keys_dir = parent(&keys.tls_key)?;
    if parent(&keys.tls_certificate)? != keys_dir {
        return Err(layout(format!(
            "the TLS key and certificate are in different directories ({} and {}); renewal \
             without moving keys needs them side by side",
            keys.tls_key.display(),
            keys.tls_certificate.display()
        )));
    }
    let generations = keys_dir.join(GENERATIONS_DIR);
    if is_link(&keys.tls_key) && is_link(&keys.tls_certificate) {
        return Ok(generations);
    }
    let key = secret_file::read_private(&keys.tls_key)?;
    let certificate = std::fs::read(&keys.tls_certificate).map_err(io(&keys.tls_certificate))?;
    let generation = new_generation(keys_dir)?;
    let key_name = file_name(&keys.tls_key)?;
    let certificate_name = file_name(&keys.tls_certificate)?;
    secret_file::write_private(&generation.join(key_name), &key)?;
    write_public(&generation.join(certificate_name), &certificate)?;
    replace_link(&generations.join(CURRENT), &generation_name(&generation))?;
    replace_link(
        &keys.tls_key,
        &Path::new(GENERATIONS_DIR).join(CURRENT).join(key_name),
    )?;
    replace_link(
        &keys.tls_certificate,
        &Path::new(GENERATIONS_DIR)
            .join(CURRENT)
            .join(certificate_name),
    )?;
    Ok(generations)
}

/// A new, empty generation directory (0700) under `keys_dir/tls/`.
fn new_generation(keys_dir: &Path) -> Result<PathBuf, EnrollError> {
    let generations = keys_dir.join(GENERATIONS_DIR);
    create_dir(&generations, 0o700)?;
    let mut stamp = crate::now_ms();
    loop {
        let candidate = generations.join(format!("g{stamp}"));
        match std::fs::DirBuilder::new().mode(0o700).create(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => stamp += 1,
            Err(e) => return Err(io(&candidate)(e)),
        }
    }
}

fn generation_name(generation: &Path) -> PathBuf {
    PathBuf::from(generation.file_name().unwrap_or_default())
}

fn file_name(path: &Path) -> Result<&std::ffi::OsStr, EnrollError> {
    path.file_name()
        .ok_or_else(|| layout(format!("{} names no file", path.display())))
}

fn parent(path: &Path) -> Result<&Path, EnrollError> {
    path.parent()
        .ok_or_else(|| layout(format!("{} has no directory", path.display())))
}

fn is_link(path: &Path) -> bool {
    path.symlink_metadata()
        .is_ok_and(|metadata| metadata.file_type().is_symlink())
}

fn read_public_key(key_path: &Path) -> Result<Vec<u8>, EnrollError> {
    let pem = secret_file::read_private(key_path)?;
    let pem = String::from_utf8(pem)
        .map_err(|_| layout(format!("{} is not a PEM private key", key_path.display())))?;
    Ok(enrollment::public_key_of(&pem)?)
}

fn sync_dir(dir: &Path) -> Result<(), EnrollError> {
    std::fs::File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(io(dir))
}

fn temporary(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Replaces a public file whole: written under a temporary name, synced, renamed, the
/// directory synced.
fn replace_file(path: &Path, contents: &[u8]) -> Result<(), EnrollError> {
    let temporary = temporary(path);
    let _ = std::fs::remove_file(&temporary);
    secret_file::write_new(&temporary, contents, 0o644).map_err(io(&temporary))?;
    std::fs::rename(&temporary, path).map_err(io(path))?;
    sync_dir(parent(path)?)
}

/// Points the link `path` at `target` (relative to the link's directory) with one rename.
fn replace_link(path: &Path, target: &Path) -> Result<(), EnrollError> {
    let temporary = temporary(path);
    let _ = std::fs::remove_file(&temporary);
    symlink(target, &temporary).map_err(io(&temporary))?;
    std::fs::rename(&temporary, path).map_err(io(path))?;
    sync_dir(parent(path)?)
}

fn remove_link(path: &Path) -> Result<(), EnrollError> {
    std::fs::remove_file(path).map_err(io(path))?;
    sync_dir(parent(path)?)
}
