//! This node's own contact-point directory: the file named by the `directory` config key,
//! read, validated and signed with the node's key at start ([`publish`]) and again when SIGHUP
//! finds it changed ([`republish`]), and the signed copy peers are served ([`Published`]).
//! Peers' directories (fetched, cached, searched) are `delivery::directory`.

use std::path::{Path, PathBuf};

use prost::Message;
use rogatory_proto::signing::{self, VerifyError};
use rogatory_proto::v1::{AssistanceType, ContactPoint, Directory, SignedDirectory};
use serde::Deserialize;

/// Why this node's own directory file could not be published.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("cannot read directory file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("directory file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("directory file {path} is not valid: {source}")]
    Invalid { path: PathBuf, source: VerifyError },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDirectory {
    #[serde(default)]
    contact_point: Vec<RawContactPoint>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContactPoint {
    name: String,
    authority: String,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    crimes: Vec<String>,
    #[serde(default)]
    measures: Vec<String>,
    #[serde(default)]
    office_hours: String,
    #[serde(default)]
    urgent_channel: String,
    #[serde(default)]
    email: String,
}

/// The assistance type called `name` in files and on the command line (`trace-proceeds`).
pub fn parse_measure(name: &str) -> Option<AssistanceType> {
    let proto = format!(
        "ASSISTANCE_TYPE_{}",
        name.trim().to_ascii_uppercase().replace('-', "_")
    );
    AssistanceType::from_str_name(&proto).filter(|m| *m != AssistanceType::Unspecified)
}

/// Reads, validates and signs this node's directory; no file means an empty directory.
pub fn publish(
    path: Option<&Path>,
    node_id: &str,
    key: &ed25519_dalek::SigningKey,
    now_ms: i64,
) -> Result<SignedDirectory, DirectoryError> {
    let contact_points = match path {
        None => Vec::new(),
        Some(path) => read_contact_points(path)?,
    };
    let directory = Directory {
        version: signing::WIRE_VERSION,
        node_id: node_id.to_owned(),
        published_at_ms: now_ms,
        contact_points,
    };
    signing::sign_directory(key, &directory).map_err(|source| DirectoryError::Invalid {
        path: path.map(Path::to_owned).unwrap_or_default(),
        source,
    })
}

/// Checks this node's directory file as [`publish`] would at start (the TOML, each contact
/// point's required fields and sizes), without the node's key: validity does not depend on it.
/// For `rogatoryd --check-config`, which reports a bad file before anything starts.
pub fn check_file(path: &Path, node_id: &str) -> Result<(), DirectoryError> {
    let throwaway = ed25519_dalek::SigningKey::from_bytes(&[0; 32]);
    publish(Some(path), node_id, &throwaway, 1).map(|_| ())
}

/// This node's signed directory as served now. SIGHUP replaces it whole; a reader gets either
/// the old or the new one, never a mix.
#[derive(Debug)]
pub struct Published(std::sync::RwLock<SignedDirectory>);

impl Published {
    pub fn new(signed: SignedDirectory) -> Self {
        Self(std::sync::RwLock::new(signed))
    }

    /// The directory peers are served now.
    pub fn current(&self) -> SignedDirectory {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Serves `signed` from now on (the node signs it again after a key rotation).
    pub fn replace(&self, signed: SignedDirectory) {
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = signed;
    }

    fn contact_points(&self) -> Vec<ContactPoint> {
        Directory::decode(self.current().payload.as_slice())
            .map(|d| d.contact_points)
            .unwrap_or_default()
    }
}

/// A re-read directory file that differs from what the node serves, signed and ready to serve.
#[derive(Debug)]
pub struct Republished {
    signed: SignedDirectory,
    /// What changed, for the log and the audit log.
    pub summary: String,
}

/// Re-reads this node's directory file (`path`, None: an empty directory) and signs it if its
/// contact points differ from those served now; `Ok(None)` if nothing changed. Changes nothing
/// itself: [`Republished::serve`] does, so a reload can check everything before applying any.
pub fn republish(
    published: &Published,
    path: Option<&Path>,
    node_id: &str,
    key: &ed25519_dalek::SigningKey,
) -> Result<Option<Republished>, DirectoryError> {
    let signed = publish(path, node_id, key, crate::now_ms())?;
    let new = Directory::decode(signed.payload.as_slice())
        .map(|d| d.contact_points)
        .unwrap_or_default();
    let old = published.contact_points();
    if new == old {
        return Ok(None);
    }
    let names = |points: &[ContactPoint]| -> Vec<String> {
        points.iter().map(|p| p.name.clone()).collect()
    };
    let added: Vec<String> = names(&new)
        .into_iter()
        .filter(|n| !old.iter().any(|p| &p.name == n))
        .collect();
    let removed: Vec<String> = names(&old)
        .into_iter()
        .filter(|n| !new.iter().any(|p| &p.name == n))
        .collect();
    let mut summary = format!(
        "contact-point directory re-signed and published: {} contact points (was {})",
        new.len(),
        old.len()
    );
    if !added.is_empty() {
        summary.push_str(&format!(", added {}", added.join(", ")));
    }
    if !removed.is_empty() {
        summary.push_str(&format!(", removed {}", removed.join(", ")));
    }
    Ok(Some(Republished { signed, summary }))
}

impl Republished {
    /// Serves the new directory to peers from now on.
    pub fn serve(self, published: &Published) {
        published.replace(self.signed);
    }
}

fn read_contact_points(path: &Path) -> Result<Vec<ContactPoint>, DirectoryError> {
    let text = std::fs::read_to_string(path).map_err(|source| DirectoryError::Read {
        path: path.to_owned(),
        source,
    })?;
    let parse_error = |message: String| DirectoryError::Parse {
        path: path.to_owned(),
        message,
    };
    let raw: RawDirectory = toml::from_str(&text).map_err(|e| parse_error(e.to_string()))?;
    raw.contact_point
        .into_iter()
        .map(|point| {
            let measures = point
                .measures
                .iter()
                .map(|name| {
                    parse_measure(name).map(|m| m as i32).ok_or_else(|| {
                        parse_error(format!(
                            "contact point {:?}: unknown measure {name:?}; use an assistance \
                             type such as take-evidence or trace-proceeds",
                            point.name
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ContactPoint {
                name: point.name,
                authority: point.authority,
                languages: point.languages,
                crimes: point.crimes,
                measures,
                office_hours: point.office_hours,
                urgent_channel: point.urgent_channel,
                email: point.email,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_publishes() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/directory.example.toml");
        let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let signed = publish(Some(&path), "tm", &key, 1).expect("example is valid");
        let directory =
            signing::open_directory(&key.verifying_key(), "tm", &signed).expect("opens");
        assert!(!directory.contact_points.is_empty());
    }

    #[test]
    fn unknown_measure_is_named() {
        let dir = std::env::temp_dir().join(format!("rogatory-dir-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("directory.toml");
        std::fs::write(
            &path,
            "[[contact_point]]\nname = \"A\"\nauthority = \"B\"\nmeasures = [\"teleport\"]\n",
        )
        .expect("write");
        let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let error = publish(Some(&path), "tm", &key, 1).expect_err("refused");
        assert!(error.to_string().contains("teleport"), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
