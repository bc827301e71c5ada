//! The node's Ed25519 message-signing key: generated, stored as PKCS#8 PEM (0600), loaded.
//!
//! Files are written in the form of RFC 8410 section 7 (a `OneAsymmetricKey` of version 1 with
//! the 32-byte seed and no public key, PEM label `PRIVATE KEY`), which OpenSSL and Python's
//! `cryptography` read. Files written before (RFC 5958 version 2, the public key embedded) are
//! still read; a public key embedded in a file must match its seed.
//!
//! This key signs envelopes and receipts. It is separate from the TLS key (ECDSA P-256), which
//! only authenticates connections.
//!
//! A key changes by rotation (docs/PROTOCOL.md section 11.3): `rogatory node rotate-key` writes
//! the next key beside the current one ([`pending_path`]), and the node switches to it
//! ([`NodeKey::switch_to_pending`]) once the roster in force names it as the node's newest
//! valid key. The switch renames files so that a crash leaves either the old key in place with
//! the pending one beside it, or the new key in place with the old one kept as
//! `<file>.retired-<serial>`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, KeypairBytes};
use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::identity::secret_file::{self, SecretFileError};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    File(#[from] SecretFileError),
    #[error("{path} does not hold an Ed25519 private key in PKCS#8 PEM form")]
    Format { path: String },
    #[error("cannot generate a key: the operating system's random source failed: {0}")]
    Random(String),
    #[error("cannot put the next signing key {path} in place: {source}")]
    Switch {
        path: String,
        source: std::io::Error,
    },
}

/// The node's signing key. Its `Debug` output never shows the secret.
///
/// The key is swappable: a rotation replaces it while the node runs. Signers take the key in
/// force with [`NodeKey::current`] (an `Arc`, so no lock is held while they sign or await).
pub struct NodeKey {
    signing: RwLock<Arc<SigningKey>>,
}

impl fmt::Debug for NodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeKey")
            .field(
                "fingerprint",
                &rogatory_proto::signing::fingerprint(&self.public()),
            )
            .finish_non_exhaustive()
    }
}

impl NodeKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(Self::from_signing_key(SigningKey::from_bytes(&seed)))
    }

    fn from_signing_key(signing: SigningKey) -> Self {
        Self {
            signing: RwLock::new(Arc::new(signing)),
        }
    }

    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let bytes = secret_file::read_private(path)?;
        let format = || KeyError::Format {
            path: path.display().to_string(),
        };
        let pem = std::str::from_utf8(&bytes).map_err(|_| format())?;
        let signing = SigningKey::from_pkcs8_pem(pem).map_err(|_| format())?;
        Ok(Self::from_signing_key(signing))
    }

    /// Writes the key as PKCS#8 PEM to a new file with mode 0600.
    pub fn save(&self, path: &Path) -> Result<(), KeyError> {
        // Without the public key: RFC 8410's form (ed25519-dalek's own encoder embeds it, which
        // OpenSSL 3.0 refuses).
        let seed = KeypairBytes {
            secret_key: self.current().to_bytes(),
            public_key: None,
        };
        let pem = seed
            .to_pkcs8_pem(Default::default())
            .map_err(|_| KeyError::Format {
                path: path.display().to_string(),
            })?;
        secret_file::write_private(path, pem.as_bytes())?;
        Ok(())
    }

    /// The key in force now. A rotation may replace it right after; what was signed with this
    /// one stays valid in its time.
    pub fn current(&self) -> Arc<SigningKey> {
        Arc::clone(&self.signing.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// A copy of the key in force now (see [`NodeKey::current`]).
    pub fn signing_key(&self) -> SigningKey {
        SigningKey::clone(&self.current())
    }

    pub fn public(&self) -> VerifyingKey {
        self.current().verifying_key()
    }

    /// Makes the pending key beside `path` this node's key, on disk and in memory, if it is
    /// `wanted` (the roster's newest valid key for this node). Returns whether it switched.
    ///
    /// On disk: the old key is copied to `<path>.retired-<serial>` (0600, fsynced), then the
    /// pending file is renamed over `path` and the directory fsynced. A crash before the rename
    /// leaves the old key in place and the pending one beside it (the next start switches); a
    /// crash after it leaves the new key in place and the old one kept.
    pub fn switch_to_pending(
        &self,
        path: &Path,
        wanted: &VerifyingKey,
        serial: u64,
    ) -> Result<bool, KeyError> {
        if self.public() == *wanted {
            return Ok(false);
        }
        let pending_file = pending_path(path);
        if !pending_file.exists() {
            return Ok(false);
        }
        let pending = NodeKey::load(&pending_file)?;
        if pending.public() != *wanted {
            return Ok(false);
        }
        let switch = |source| KeyError::Switch {
            path: pending_file.display().to_string(),
            source,
        };
        let retired = retired_path(path, serial);
        match secret_file::read_private(&retired) {
            // A crash after the copy, before the rename: the copy is already there.
            Ok(bytes) if bytes == secret_file::read_private(path)? => {}
            _ => {
                let old = secret_file::read_private(path)?;
                let _ = std::fs::remove_file(&retired);
                secret_file::write_private(&retired, &old)?;
            }
        }
        sync_directory(path).map_err(switch)?;
        crate::fault::crash_point(crate::fault::DURING_KEY_SWITCH);
        std::fs::rename(&pending_file, path).map_err(switch)?;
        sync_directory(path).map_err(switch)?;
        let next = pending.current();
        *self.signing.write().unwrap_or_else(PoisonError::into_inner) = next;
        Ok(true)
    }
}

/// Where `rogatory node rotate-key` writes the next key of the key at `path`.
pub fn pending_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".next");
    PathBuf::from(name)
}

/// Where the key at `path` is kept once roster `serial` replaced it.
pub fn retired_path(path: &Path, serial: u64) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".retired-{serial}"));
    PathBuf::from(name)
}

/// Writes a fresh key to the pending file beside `path` (never over one that exists) and
/// returns it. Nothing changes for the running node until a roster names it.
pub fn write_pending(path: &Path) -> Result<NodeKey, KeyError> {
    let key = NodeKey::generate()?;
    key.save(&pending_path(path))?;
    sync_directory(path).map_err(|source| KeyError::Switch {
        path: pending_path(path).display().to_string(),
        source,
    })?;
    Ok(key)
}

/// The public keys of the key at `path` and of every key it replaced (kept beside it as
/// `<file>.retired-<serial>`), the current first: what this node's own log may be signed with.
pub fn all_own_keys(path: &Path) -> Result<Vec<VerifyingKey>, KeyError> {
    let mut keys = vec![NodeKey::load(path)?.public()];
    let (Some(directory), Some(name)) = (path.parent(), path.file_name()) else {
        return Ok(keys);
    };
    let prefix = format!("{}.retired-", name.to_string_lossy());
    let directory = if directory.as_os_str().is_empty() {
        Path::new(".")
    } else {
        directory
    };
    if let Ok(entries) = std::fs::read_dir(directory) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                keys.push(NodeKey::load(&entry.path())?.public());
            }
        }
    }
    Ok(keys)
}

/// Makes the renames and creations in the directory holding `path` durable.
fn sync_directory(path: &Path) -> std::io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::File::open(directory)?.sync_all()
}

/// Encodes a public key for configuration files: standard base64 of the 32 raw bytes.
pub fn encode_public_key(key: &VerifyingKey) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(key.as_bytes())
}

/// Parses a public key written by [`encode_public_key`].
pub fn decode_public_key(text: &str) -> Result<VerifyingKey, String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| format!("not base64: {e}"))?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("{} bytes; an Ed25519 public key is 32", b.len()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not a valid Ed25519 public key".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8410 section 10.3's example private key, exactly as the RFC prints it.
    const RFC_8410_EXAMPLE: &str = "-----BEGIN PRIVATE KEY-----\n\
        MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
        -----END PRIVATE KEY-----\n";

    #[test]
    fn key_files_are_written_exactly_in_rfc_8410_form() {
        let dir = tempfile::tempdir().expect("tempdir");
        let rfc = dir.path().join("rfc.pem");
        secret_file::write_private(&rfc, RFC_8410_EXAMPLE.as_bytes()).expect("written");
        let key = NodeKey::load(&rfc).expect("the RFC's key loads");
        assert_eq!(
            hex::encode(key.signing_key().to_bytes()),
            "d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842"
        );
        let saved = dir.path().join("saved.pem");
        key.save(&saved).expect("saved");
        assert_eq!(
            std::fs::read_to_string(&saved).expect("read"),
            RFC_8410_EXAMPLE,
            "the same key is written byte for byte as the RFC writes it"
        );
    }

    #[test]
    fn files_of_the_older_form_with_the_public_key_still_load_if_it_matches() {
        let dir = tempfile::tempdir().expect("tempdir");
        let signing = SigningKey::from_bytes(&[7; 32]);
        let older = KeypairBytes {
            secret_key: signing.to_bytes(),
            public_key: Some(ed25519_dalek::pkcs8::PublicKeyBytes(
                signing.verifying_key().to_bytes(),
            )),
        }
        .to_pkcs8_pem(Default::default())
        .expect("encodes");
        let path = dir.path().join("older.pem");
        secret_file::write_private(&path, older.as_bytes()).expect("written");
        assert_eq!(
            NodeKey::load(&path).expect("loads").public(),
            signing.verifying_key()
        );
        // A file whose embedded public key is another key's is refused, not half-trusted.
        let mismatched = KeypairBytes {
            secret_key: signing.to_bytes(),
            public_key: Some(ed25519_dalek::pkcs8::PublicKeyBytes(
                SigningKey::from_bytes(&[8; 32]).verifying_key().to_bytes(),
            )),
        }
        .to_pkcs8_pem(Default::default())
        .expect("encodes");
        let path = dir.path().join("mismatched.pem");
        secret_file::write_private(&path, mismatched.as_bytes()).expect("written");
        assert!(matches!(NodeKey::load(&path), Err(KeyError::Format { .. })));
    }

    /// Where OpenSSL is installed, it reads a saved key and derives the same public key.
    #[test]
    fn openssl_reads_a_saved_key_where_it_is_installed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("signing.pem");
        let key = NodeKey::generate().expect("key");
        key.save(&path).expect("saved");
        let output = match std::process::Command::new("openssl")
            .args(["pkey", "-pubout", "-outform", "DER", "-in"])
            .arg(&path)
            .output()
        {
            Ok(output) => output,
            Err(e) => {
                eprintln!("skipped: no openssl here ({e})");
                return;
            }
        };
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // An Ed25519 SubjectPublicKeyInfo ends with the 32-byte key.
        assert_eq!(output.stdout.len(), 44);
        assert_eq!(&output.stdout[12..], key.public().as_bytes());
    }

    #[test]
    fn save_load_round_trip_and_debug_hides_secret() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("signing.pem");
        let key = NodeKey::generate().expect("key");
        key.save(&path).expect("saved");
        let loaded = NodeKey::load(&path).expect("loaded");
        assert_eq!(loaded.public(), key.public());
        let debug = format!("{key:?}");
        let secret_hex = hex::encode(key.signing_key().to_bytes());
        assert!(!debug.contains(&secret_hex));
        let encoded = encode_public_key(&key.public());
        assert_eq!(decode_public_key(&encoded).expect("parses"), key.public());
        assert!(decode_public_key("AAAA").is_err());
    }

    #[test]
    fn the_pending_key_replaces_the_current_one_only_when_wanted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("signing.pem");
        let old = NodeKey::generate().expect("key");
        old.save(&path).expect("saved");
        let key = NodeKey::load(&path).expect("loaded");
        let pending = write_pending(&path).expect("pending");
        assert!(
            write_pending(&path).is_err(),
            "a pending key is never overwritten"
        );
        let stranger = NodeKey::generate().expect("key").public();
        assert!(!key.switch_to_pending(&path, &stranger, 2).expect("checked"));
        assert_eq!(key.public(), old.public());
        assert!(
            key.switch_to_pending(&path, &pending.public(), 2)
                .expect("switched")
        );
        assert_eq!(key.public(), pending.public());
        assert_eq!(
            NodeKey::load(&path).expect("new").public(),
            pending.public()
        );
        let kept = NodeKey::load(&retired_path(&path, 2)).expect("old kept");
        assert_eq!(kept.public(), old.public());
        assert!(!pending_path(&path).exists());
        assert!(
            !key.switch_to_pending(&path, &pending.public(), 2)
                .expect("done")
        );
    }

    #[test]
    fn a_switch_interrupted_after_the_copy_completes_on_the_next_try() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("signing.pem");
        let old = NodeKey::generate().expect("key");
        old.save(&path).expect("saved");
        let pending = write_pending(&path).expect("pending");
        // The copy made, the rename not: as a crash between them leaves it.
        old.save(&retired_path(&path, 3)).expect("copy");
        let key = NodeKey::load(&path).expect("loaded");
        assert!(
            key.switch_to_pending(&path, &pending.public(), 3)
                .expect("switched")
        );
        assert_eq!(
            NodeKey::load(&path).expect("new").public(),
            pending.public()
        );
        assert_eq!(
            NodeKey::load(&retired_path(&path, 3))
                .expect("kept")
                .public(),
            old.public()
        );
    }
}
