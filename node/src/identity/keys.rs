//! The node's Ed25519 message-signing key: generated, stored as PKCS#8 PEM (0600), loaded.
//!
//! This key signs envelopes and receipts. It is separate from the TLS key (ECDSA P-256), which
//! only authenticates connections.

use std::fmt;
use std::path::Path;

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
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
}

/// The node's signing key. Its `Debug` output never shows the secret.
pub struct NodeKey {
    signing: SigningKey,
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
        Ok(Self {
            signing: SigningKey::from_bytes(&seed),
        })
    }

    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let bytes = secret_file::read_private(path)?;
        let format = || KeyError::Format {
            path: path.display().to_string(),
        };
        let pem = std::str::from_utf8(&bytes).map_err(|_| format())?;
        let signing = SigningKey::from_pkcs8_pem(pem).map_err(|_| format())?;
        Ok(Self { signing })
    }

    /// Writes the key as PKCS#8 PEM to a new file with mode 0600.
    pub fn save(&self, path: &Path) -> Result<(), KeyError> {
        let pem = self
            .signing
            .to_pkcs8_pem(Default::default())
            .map_err(|_| KeyError::Format {
                path: path.display().to_string(),
            })?;
        secret_file::write_private(path, pem.as_bytes())?;
        Ok(())
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    pub fn public(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }
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
}
