//! The audit log's entries file: the encoded entries themselves, appended one after the other,
//! outside sled.
//!
//! Sled keeps what is small and often rewritten (indexes, the Merkle tree, the head); the
//! entries, several KiB each and never changed once written, go to a plain append-only file,
//! because sled rewrites a whole leaf of its tree whenever one grows, so that every 4 KiB
//! entry cost it several times its size in copies and disk writes. The `audit_log` tree then
//! maps an entry's index to where the entry is in this file (a [`Location`]).
//!
//! Each entry is framed as in an audit bundle's `entries.bin` (docs/AUDIT-FORMAT.md section
//! 16): its length, 4 bytes big-endian, then its bytes. So the file reads on its own, in order,
//! without sled.
//!
//! Durability: the committer appends a group's entries and fdatasyncs the file before the sled
//! transaction that points at them, so sled never points at bytes that a crash could take
//! away. A crash between the two leaves bytes nothing points at, at the end of the file; the
//! store cuts them off when it opens ([`EntriesFile::cut_after`]).

use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::StoreError;

/// The entries file, in the store's directory (next to sled's own files, none of which sled
/// would mistake it for: sled only reads and deletes its `snap.*` files and `blobs/`).
pub const ENTRIES_FILE: &str = "audit-log.entries";

/// The first byte of an `audit_log` value that is a [`Location`]. Any other value is an
/// encoded entry itself (stores written before the entries file): an encoded `LogEntry` never
/// starts with 0, which as a protobuf key would mean field number 0, which does not exist.
const LOCATED: u8 = 0;

/// Bytes of the length that frames each entry in the file.
const FRAME: u64 = 4;

/// Where an entry is in the entries file: the offset of its bytes (just after its frame) and
/// their length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub offset: u64,
    pub len: u32,
}

impl Location {
    /// As an `audit_log` value: 0x00, offset (8 bytes big-endian), length (4 bytes big-endian).
    pub fn encode(self) -> [u8; 13] {
        let mut value = [0u8; 13];
        value[0] = LOCATED;
        value[1..9].copy_from_slice(&self.offset.to_be_bytes());
        value[9..].copy_from_slice(&self.len.to_be_bytes());
        value
    }

    /// The end of the entry in the file.
    pub fn end(self) -> u64 {
        self.offset + u64::from(self.len)
    }
}

/// An `audit_log` value: where the entry is in the file, or the entry itself.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored<'a> {
    Located(Location),
    Inline(&'a [u8]),
}

impl<'a> Stored<'a> {
    pub fn decode(index: u64, value: &'a [u8]) -> Result<Self, StoreError> {
        if value.first() != Some(&LOCATED) {
            return Ok(Self::Inline(value));
        }
        let corrupt = || StoreError::Corrupt {
            what: format!("audit-log index entry {index}"),
            reason: format!("a location is 13 bytes, this one {}", value.len()),
        };
        let offset = value.get(1..9).ok_or_else(corrupt)?;
        let len = value
            .get(9..)
            .filter(|len| len.len() == 4)
            .ok_or_else(corrupt)?;
        Ok(Self::Located(Location {
            offset: u64::from_be_bytes(offset.try_into().map_err(|_| corrupt())?),
            len: u32::from_be_bytes(len.try_into().map_err(|_| corrupt())?),
        }))
    }
}

/// The open entries file. Reads and the committer's appends go through one handle, at explicit
/// offsets (`pread`/`pwrite`), so they need no lock.
#[derive(Debug)]
pub struct EntriesFile {
    file: std::fs::File,
    path: PathBuf,
}

impl EntriesFile {
    /// Opens the entries file of the store in `store`, creating it (and making its name durable)
    /// if there is none.
    pub fn open(store: &Path) -> Result<Self, StoreError> {
        let path = store.join(ENTRIES_FILE);
        let error = |source| StoreError::Sync {
            path: path.clone(),
            source,
        };
        let existed = path.exists();
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(error)?;
        if !existed {
            std::fs::File::open(store)
                .and_then(|directory| directory.sync_all())
                .map_err(|source| StoreError::Sync {
                    path: store.to_owned(),
                    source,
                })?;
        }
        Ok(Self { file, path })
    }

    /// Cuts the file after `end` bytes, where the last entry the index points at ends: what
    /// lies beyond was appended by a commit that a crash or a failure stopped before sled
    /// recorded it. Returns the file's length, which is `end` unless the file is shorter (it
    /// then lacks entries the index points at, which reading them reports).
    pub fn cut_after(&self, end: u64) -> Result<u64, StoreError> {
        let len = self.file.metadata().map_err(|e| self.error(e))?.len();
        if len <= end {
            return Ok(len);
        }
        tracing::warn!(
            bytes = len - end,
            "the audit log's entries file ends with entries no commit recorded (a crash during \
             a commit, or a failed commit): cutting them off"
        );
        self.file.set_len(end).map_err(|e| self.error(e))?;
        self.file.sync_all().map_err(|e| self.error(e))?;
        Ok(end)
    }

    /// Frames `entries` (encoded entries, in log order) for appending at `at`, the file's end:
    /// the bytes to write, and where each entry will be.
    pub fn frame<'e>(at: u64, entries: impl Iterator<Item = &'e [u8]>) -> (Vec<u8>, Vec<Location>) {
        let mut bytes = Vec::new();
        let mut locations = Vec::new();
        for entry in entries {
            // An entry is bounded far below 4 GiB by the largest message a node accepts.
            let len = u32::try_from(entry.len()).unwrap_or(u32::MAX);
            bytes.extend_from_slice(&len.to_be_bytes());
            locations.push(Location {
                offset: at + bytes.len() as u64,
                len,
            });
            bytes.extend_from_slice(entry);
        }
        (bytes, locations)
    }

    /// Writes `bytes` at `at` and makes them durable (fdatasync: the file's new length too).
    pub fn append_durably(&self, at: u64, bytes: &[u8]) -> Result<(), StoreError> {
        self.file
            .write_all_at(bytes, at)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| self.error(e))
    }

    /// The bytes of entry `index` at `location`, checked against the frame before them.
    pub fn read(&self, index: u64, location: Location) -> Result<Vec<u8>, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            what: format!("audit-log entry {index}"),
            reason,
        };
        let start = location
            .offset
            .checked_sub(FRAME)
            .ok_or_else(|| corrupt("its location is inside the first frame".into()))?;
        let mut framed = vec![0u8; FRAME as usize + location.len as usize];
        self.file
            .read_exact_at(&mut framed, start)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => corrupt(format!(
                    "the entries file {} ends before it (bytes {}..{})",
                    self.path.display(),
                    location.offset,
                    location.end()
                )),
                _ => self.error(e),
            })?;
        let framed_len = u32::from_be_bytes([framed[0], framed[1], framed[2], framed[3]]);
        if framed_len != location.len {
            return Err(corrupt(format!(
                "the entries file frames {framed_len} bytes where the index says {}",
                location.len
            )));
        }
        framed.drain(..FRAME as usize);
        Ok(framed)
    }

    /// The entry an `audit_log` value stands for: read from the file, or the value itself.
    pub fn resolve(&self, index: u64, value: &[u8]) -> Result<Vec<u8>, StoreError> {
        match Stored::decode(index, value)? {
            Stored::Located(location) => self.read(index, location),
            Stored::Inline(bytes) => Ok(bytes.to_vec()),
        }
    }

    /// Copies the file's first `len` bytes to `target` (a new file) and fsyncs it.
    pub fn copy_to(&self, target: &Path, len: u64) -> Result<(), StoreError> {
        let error = |source| StoreError::Sync {
            path: target.to_owned(),
            source,
        };
        let mut copy = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(target)
            .map_err(error)?;
        let mut chunk = vec![0u8; 1 << 20];
        let mut at = 0u64;
        while at < len {
            let n = chunk
                .len()
                .min(usize::try_from(len - at).unwrap_or(usize::MAX));
            self.file
                .read_exact_at(&mut chunk[..n], at)
                .map_err(|e| self.error(e))?;
            std::io::Write::write_all(&mut copy, &chunk[..n]).map_err(error)?;
            at += n as u64;
        }
        copy.sync_all().map_err(error)
    }

    fn error(&self, source: std::io::Error) -> StoreError {
        StoreError::Sync {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framed_entries_read_back_and_a_cut_tail_is_gone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = EntriesFile::open(dir.path()).expect("works");
        let (bytes, first) = EntriesFile::frame(0, [b"\x08\x01one".as_slice()].into_iter());
        file.append_durably(0, &bytes).expect("works");
        let end = bytes.len() as u64;
        let (more, second) = EntriesFile::frame(
            end,
            [b"\x08\x02two".as_slice(), b"\x08\x03three".as_slice()].into_iter(),
        );
        file.append_durably(end, &more).expect("works");
        assert_eq!(file.read(0, first[0]).expect("works"), b"\x08\x01one");
        assert_eq!(file.read(2, second[1]).expect("works"), b"\x08\x03three");
        let value = second[0].encode();
        assert_eq!(
            Stored::decode(1, &value).expect("works"),
            Stored::Located(second[0])
        );
        assert_eq!(file.resolve(1, &value).expect("works"), b"\x08\x02two");
        assert_eq!(
            file.resolve(1, b"\x08\x02inline").expect("works"),
            b"\x08\x02inline"
        );

        // The second group as if its commit never reached sled.
        assert_eq!(file.cut_after(end).expect("works"), end);
        drop(file);
        let file = EntriesFile::open(dir.path()).expect("works");
        assert_eq!(
            std::fs::metadata(dir.path().join(ENTRIES_FILE))
                .expect("works")
                .len(),
            end
        );
        let error = file.read(1, second[0]).expect_err("fails").to_string();
        assert!(error.contains("ends before it"), "{error}");
    }

    #[test]
    fn a_location_that_disagrees_with_the_frame_is_corrupt() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = EntriesFile::open(dir.path()).expect("works");
        let (bytes, at) = EntriesFile::frame(0, [b"\x08\x01entry".as_slice()].into_iter());
        file.append_durably(0, &bytes).expect("works");
        let wrong = Location {
            offset: at[0].offset,
            len: at[0].len - 1,
        };
        let error = file.read(0, wrong).expect_err("fails").to_string();
        assert!(
            error.contains("frames 7 bytes where the index says 6"),
            "{error}"
        );
        let error = Stored::decode(0, &[0, 1, 2])
            .expect_err("fails")
            .to_string();
        assert!(error.contains("13 bytes"), "{error}");
    }

    #[test]
    fn the_entries_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        EntriesFile::open(dir.path()).expect("works");
        let mode = std::fs::metadata(dir.path().join(ENTRIES_FILE))
            .expect("works")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
