//! The audit bundle: a node's exported log as a self-contained directory an auditor can check
//! offline with `rogatory audit verify`, and the reading and writing of it.
//!
//! ```text
//! BUNDLE                 manifest: `rogatory-audit-bundle v1`, then `key value` lines
//!                        (node, entries, checkpoints, exported); written last, so a bundle
//!                        whose export was interrupted has none and is refused
//! keys.txt               C2SP verifier keys, one a line: the node's first, then each peer's
//! entries.bin            per entry: 4-byte big-endian length, then the exact stored bytes
//! checkpoints/<size>.note  every checkpoint the node signed, verbatim (with cosignatures)
//! ```
//!
//! This module only moves bytes between files and the verifier; what the bytes must satisfy is
//! `rogatory_proto::audit`'s business.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use ed25519_dalek::VerifyingKey;
use rogatory_proto::audit::log_origin;
use rogatory_proto::note;

use crate::failure::UserError;

/// The first line of every bundle manifest.
pub const FORMAT_LINE: &str = "rogatory-audit-bundle v1";
pub const MANIFEST_FILE: &str = "BUNDLE";
pub const KEYS_FILE: &str = "keys.txt";
pub const ENTRIES_FILE: &str = "entries.bin";
pub const CHECKPOINTS_DIR: &str = "checkpoints";
/// Larger entry lengths are refused before allocating: no entry a node writes comes close
/// (the node caps message sizes far below this), so such a length means a damaged file.
const MAX_ENTRY_BYTES: u32 = 64 * 1024 * 1024;

/// The manifest: what the bundle says it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub node_id: String,
    pub entries: u64,
    pub checkpoints: u64,
    /// When it was exported, RFC 3339 UTC.
    pub exported: String,
}

impl Manifest {
    pub fn render(&self) -> String {
        format!(
            "{FORMAT_LINE}\nnode {}\nentries {}\ncheckpoints {}\nexported {}\n",
            self.node_id, self.entries, self.checkpoints, self.exported
        )
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut lines = text.lines();
        if lines.next() != Some(FORMAT_LINE) {
            bail!("the manifest does not start with `{FORMAT_LINE}`");
        }
        let fields: BTreeMap<&str, &str> = lines.filter_map(|l| l.split_once(' ')).collect();
        let field = |name: &str| {
            fields
                .get(name)
                .copied()
                .with_context(|| format!("the manifest has no `{name}` line"))
        };
        let number = |name: &str| -> anyhow::Result<u64> {
            field(name)?
                .parse()
                .with_context(|| format!("the manifest's `{name}` is not a number"))
        };
        let manifest = Self {
            node_id: field("node")?.to_owned(),
            entries: number("entries")?,
            checkpoints: number("checkpoints")?,
            exported: field("exported")?.to_owned(),
        };
        // One form only (docs/AUDIT-FORMAT.md section 16): `05`, `+5`, a repeated or an extra
        // line would let two verifiers read one manifest differently.
        if manifest.render() != text {
            bail!(
                "the manifest is not in its one form (the five lines `audit export` writes, \
                 numbers in decimal without sign or leading zeros)"
            );
        }
        Ok(manifest)
    }
}

/// Writes a bundle into an empty directory. Nothing is valid until [`BundleWriter::finish`]
/// writes the manifest.
#[derive(Debug)]
pub struct BundleWriter {
    dir: PathBuf,
    entries: BufWriter<File>,
    entry_count: u64,
    checkpoint_count: u64,
}

impl BundleWriter {
    /// Creates `dir` (or takes it if it exists and is empty) and opens `entries.bin`.
    pub fn create(dir: &Path) -> anyhow::Result<Self> {
        if dir.exists() {
            let mut contents = std::fs::read_dir(dir)
                .with_context(|| format!("cannot read directory {}", dir.display()))?;
            if contents.next().is_some() {
                return Err(UserError::new(
                    format!("{} is not empty", dir.display()),
                    "export into a new or empty directory; a bundle is never written over files",
                )
                .into());
            }
        } else {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("cannot create directory {}", dir.display()))?;
        }
        let checkpoints = dir.join(CHECKPOINTS_DIR);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&checkpoints)
            .with_context(|| format!("cannot create {}", checkpoints.display()))?;
        let path = dir.join(ENTRIES_FILE);
        let file = create_private(&path)?;
        Ok(Self {
            dir: dir.to_owned(),
            entries: BufWriter::new(file),
            entry_count: 0,
            checkpoint_count: 0,
        })
    }

    /// Writes `keys.txt`: the node's verifier key, then each peer's.
    pub fn write_keys(
        &self,
        node_id: &str,
        key: &VerifyingKey,
        peers: &[(String, VerifyingKey)],
    ) -> anyhow::Result<()> {
        let mut text = note::verifier_key(&log_origin(node_id), key);
        text.push('\n');
        for (peer, key) in peers {
            text.push_str(&note::verifier_key(&log_origin(peer), key));
            text.push('\n');
        }
        write_synced(&self.dir.join(KEYS_FILE), text.as_bytes())
    }

    pub fn write_entry(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        let len = u32::try_from(bytes.len())
            .ok()
            .filter(|len| *len <= MAX_ENTRY_BYTES)
            .with_context(|| format!("entry {} is too large to export", self.entry_count))?;
        self.entries
            .write_all(&len.to_be_bytes())
            .and_then(|()| self.entries.write_all(bytes))
            .context("cannot write entries.bin")?;
        self.entry_count += 1;
        Ok(())
    }

    pub fn write_checkpoint(&mut self, size: u64, note_text: &str) -> anyhow::Result<()> {
        let path = self.dir.join(CHECKPOINTS_DIR).join(format!("{size}.note"));
        write_synced(&path, note_text.as_bytes())?;
        self.checkpoint_count += 1;
        Ok(())
    }

    /// Syncs `entries.bin`, writes the manifest and syncs the directories.
    pub fn finish(self, node_id: &str, exported: String) -> anyhow::Result<Manifest> {
        let file = self
            .entries
            .into_inner()
            .map_err(|e| e.into_error())
            .context("cannot write entries.bin")?;
        file.sync_all().context("cannot sync entries.bin")?;
        sync_dir(&self.dir.join(CHECKPOINTS_DIR))?;
        let manifest = Manifest {
            node_id: node_id.to_owned(),
            entries: self.entry_count,
            checkpoints: self.checkpoint_count,
            exported,
        };
        write_synced(&self.dir.join(MANIFEST_FILE), manifest.render().as_bytes())?;
        sync_dir(&self.dir)?;
        Ok(manifest)
    }
}

/// Creates `path`, which must not exist, readable and writable by this account only: a bundle
/// holds the node's whole audit log, evidence of every case.
pub fn create_private(path: &Path) -> anyhow::Result<File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

fn write_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = create_private(path)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn sync_dir(path: &Path) -> anyhow::Result<()> {
    File::open(path)
        .and_then(|dir| dir.sync_all())
        .with_context(|| format!("cannot sync directory {}", path.display()))
}

/// Reads a file of verifier keys the auditor obtained independently of any bundle (for
/// `audit verify --peer-keys`): one C2SP verifier key a line, `rogatory/<node>+<hash>+<key>`,
/// as in keys.txt; blank lines and lines starting with `#` are skipped. A node named twice
/// with different keys is refused.
pub fn read_pinned_keys(path: &Path) -> anyhow::Result<BTreeMap<String, VerifyingKey>> {
    let refused = |what: String| {
        UserError::new(
            format!("{}: {what}", path.display()),
            "each line is a verifier key as `rogatory node identity` prints it: \
             rogatory/<node>+<hash>+<key>",
        )
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut keys = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, key) = note::parse_verifier_key(line)
            .map_err(|e| refused(format!("line {}: {e}", number + 1)))?;
        let id = name
            .strip_prefix("rogatory/")
            .ok_or_else(|| {
                refused(format!(
                    "line {}: {name:?} is not a Rogatory log name",
                    number + 1
                ))
            })?
            .to_owned();
        if keys
            .insert(id.clone(), key)
            .is_some_and(|earlier| earlier != key)
        {
            return Err(
                refused(format!("line {}: two different keys for {id}", number + 1)).into(),
            );
        }
    }
    Ok(keys)
}

/// A bundle opened for reading: the manifest and keys read, the entries not yet.
#[derive(Debug)]
pub struct Bundle {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub node_id: String,
    /// The node's verifier key line, as in keys.txt (for the auditor to compare).
    pub node_verifier_key: String,
    pub node_key: VerifyingKey,
    pub peer_keys: BTreeMap<String, VerifyingKey>,
    /// Checkpoint sizes and their files, smallest first.
    pub checkpoints: Vec<(u64, PathBuf)>,
}

impl Bundle {
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        let not_a_bundle = |what: String| {
            UserError::new(
                format!("{} is not a complete audit bundle: {what}", dir.display()),
                "`rogatory audit export DIR` writes a bundle; an export that was interrupted \
                 has no BUNDLE file and must be done again",
            )
        };
        let manifest_text = std::fs::read_to_string(dir.join(MANIFEST_FILE))
            .map_err(|e| not_a_bundle(format!("cannot read {MANIFEST_FILE}: {e}")))?;
        let manifest =
            Manifest::parse(&manifest_text).map_err(|e| not_a_bundle(format!("{e:#}")))?;
        let keys_text = std::fs::read_to_string(dir.join(KEYS_FILE))
            .map_err(|e| not_a_bundle(format!("cannot read {KEYS_FILE}: {e}")))?;
        let mut node = None;
        let mut peer_keys = BTreeMap::new();
        for (number, line) in keys_text.lines().enumerate() {
            let (name, key) = note::parse_verifier_key(line)
                .map_err(|e| not_a_bundle(format!("{KEYS_FILE} line {}: {e}", number + 1)))?;
            let id = name
                .strip_prefix("rogatory/")
                .ok_or_else(|| {
                    not_a_bundle(format!(
                        "{KEYS_FILE} line {}: {name:?} is not a Rogatory log name",
                        number + 1
                    ))
                })?
                .to_owned();
            if node.is_none() {
                node = Some((id, line.to_owned(), key));
            } else {
                peer_keys.insert(id, key);
            }
        }
        let (node_id, node_verifier_key, node_key) =
            node.ok_or_else(|| not_a_bundle(format!("{KEYS_FILE} is empty")))?;
        if node_id != manifest.node_id {
            return Err(not_a_bundle(format!(
                "the manifest names node {:?} but {KEYS_FILE} starts with {node_id:?}",
                manifest.node_id
            ))
            .into());
        }
        let mut checkpoints = Vec::new();
        let checkpoint_dir = dir.join(CHECKPOINTS_DIR);
        let listing = std::fs::read_dir(&checkpoint_dir)
            .map_err(|e| not_a_bundle(format!("cannot read {CHECKPOINTS_DIR}/: {e}")))?;
        for item in listing {
            let path = item
                .with_context(|| format!("cannot read {}", checkpoint_dir.display()))?
                .path();
            let size = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".note"))
                // As the writer names them: `+5.note` or `05.note` would file a second
                // checkpoint under size 5.
                .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
                .filter(|n| n == &"0" || !n.starts_with('0'))
                .and_then(|n| n.parse::<u64>().ok())
                .ok_or_else(|| {
                    not_a_bundle(format!(
                        "unexpected file {} in checkpoints/",
                        path.display()
                    ))
                })?;
            checkpoints.push((size, path));
        }
        checkpoints.sort();
        Ok(Self {
            dir: dir.to_owned(),
            manifest,
            node_id,
            node_verifier_key,
            node_key,
            peer_keys,
            checkpoints,
        })
    }

    /// The entries, in order, read as they are used.
    pub fn entries(&self) -> anyhow::Result<EntryReader> {
        let path = self.dir.join(ENTRIES_FILE);
        let file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(EntryReader {
            reader: BufReader::new(file),
            position: 0,
        })
    }

    pub fn checkpoint_note(&self, path: &Path) -> anyhow::Result<String> {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    }
}

/// Reads `entries.bin` one entry at a time.
#[derive(Debug)]
pub struct EntryReader {
    reader: BufReader<File>,
    position: u64,
}

/// The next item of `entries.bin`.
#[derive(Debug)]
pub enum NextEntry {
    Entry(u64, Vec<u8>),
    End,
    /// The framing itself is broken at this position (a truncated or absurd length).
    Damaged(u64, String),
}

impl EntryReader {
    pub fn next_entry(&mut self) -> anyhow::Result<NextEntry> {
        let position = self.position;
        let mut len = [0u8; 4];
        let mut read = 0;
        while read < 4 {
            let n = self
                .reader
                .read(&mut len[read..])
                .context("cannot read entries.bin")?;
            if n == 0 {
                break;
            }
            read += n;
        }
        match read {
            0 => return Ok(NextEntry::End),
            4 => {}
            _ => {
                return Ok(NextEntry::Damaged(
                    position,
                    "entries.bin ends inside a length prefix".into(),
                ));
            }
        }
        let len = u32::from_be_bytes(len);
        if len > MAX_ENTRY_BYTES {
            return Ok(NextEntry::Damaged(
                position,
                format!("entries.bin gives this entry a length of {len} bytes"),
            ));
        }
        let mut bytes = vec![0; len as usize];
        if let Err(error) = self.reader.read_exact(&mut bytes) {
            if error.kind() == std::io::ErrorKind::UnexpectedEof {
                return Ok(NextEntry::Damaged(
                    position,
                    "entries.bin ends inside this entry".into(),
                ));
            }
            return Err(error).context("cannot read entries.bin");
        }
        self.position += 1;
        Ok(NextEntry::Entry(position, bytes))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_manifest_has_one_form_only() {
        let manifest = Manifest {
            node_id: "tm".into(),
            entries: 5,
            checkpoints: 2,
            exported: "2026-12-08T02:00:00Z".into(),
        };
        let text = manifest.render();
        assert_eq!(Manifest::parse(&text).expect("parses").entries, 5);
        for variant in [
            text.replace("entries 5", "entries 05"),
            text.replace("entries 5", "entries +5"),
            text.replace("checkpoints 2\n", "checkpoints 2\ncheckpoints 3\n"),
            format!("{text}extra line\n"),
            text.replace('\n', "\r\n"),
        ] {
            assert!(Manifest::parse(&variant).is_err(), "{variant:?}");
        }
    }
    use super::*;

    #[test]
    fn manifest_round_trips() {
        let manifest = Manifest {
            node_id: "tm".into(),
            entries: 12,
            checkpoints: 3,
            exported: "2025-07-19T10:42:13.120Z".into(),
        };
        assert_eq!(
            manifest.render(),
            "rogatory-audit-bundle v1\nnode tm\nentries 12\ncheckpoints 3\nexported \
             2025-07-19T10:42:13.120Z\n"
        );
        assert_eq!(
            Manifest::parse(&manifest.render()).expect("parses"),
            manifest
        );
        assert!(Manifest::parse("something else\n").is_err());
    }

    #[test]
    fn bundle_round_trips_and_refuses_a_non_empty_directory() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("bundle");
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key();
        let peer = ed25519_dalek::SigningKey::from_bytes(&[2; 32]).verifying_key();
        let mut writer = BundleWriter::create(&dir).expect("creates");
        writer
            .write_keys("tm", &key, &[("de".into(), peer)])
            .expect("keys");
        writer.write_entry(b"first").expect("entry");
        writer.write_entry(b"").expect("entry");
        writer.write_checkpoint(2, "note\n").expect("checkpoint");
        writer.finish("tm", "now".into()).expect("finishes");
        assert!(BundleWriter::create(&dir).is_err(), "not empty");

        let bundle = Bundle::open(&dir).expect("opens");
        assert_eq!(bundle.node_id, "tm");
        assert_eq!(bundle.node_key, key);
        assert_eq!(bundle.peer_keys.get("de"), Some(&peer));
        assert_eq!(bundle.manifest.entries, 2);
        assert_eq!(bundle.checkpoints.len(), 1);
        let mut entries = bundle.entries().expect("opens");
        assert!(matches!(entries.next_entry(), Ok(NextEntry::Entry(0, b)) if b == b"first"));
        assert!(matches!(entries.next_entry(), Ok(NextEntry::Entry(1, b)) if b.is_empty()));
        assert!(matches!(entries.next_entry(), Ok(NextEntry::End)));

        // A truncated file is damage at the entry it cuts, not an I/O error.
        let path = dir.join(ENTRIES_FILE);
        let bytes = std::fs::read(&path).expect("reads");
        std::fs::write(&path, &bytes[..6]).expect("writes");
        let mut entries = bundle.entries().expect("opens");
        assert!(matches!(entries.next_entry(), Ok(NextEntry::Damaged(0, _))));
    }

    #[test]
    fn a_checkpoint_filed_under_a_signed_or_padded_size_is_refused() {
        for name in ["+2.note", "02.note"] {
            let root = tempfile::tempdir().expect("tempdir");
            let dir = root.path().join("bundle");
            let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key();
            let mut writer = BundleWriter::create(&dir).expect("creates");
            writer.write_keys("tm", &key, &[]).expect("keys");
            writer.write_checkpoint(2, "note\n").expect("checkpoint");
            writer.finish("tm", "now".into()).expect("finishes");
            std::fs::write(dir.join(CHECKPOINTS_DIR).join(name), "note\n").expect("writes");
            let err = Bundle::open(&dir).expect_err("refused");
            assert!(format!("{err:#}").contains("unexpected file"), "{err:#}");
        }
    }
}
