//! The store's journal: an append-only file that makes a commit durable with one write and one
//! fdatasync, and that holds the audit log's entries for good.
//!
//! Every group commit appends, in one write, a frame per log entry it adds, then one commit
//! frame listing every change the commit makes to sled's trees (including the `audit_log`
//! values that locate the entries in this file), and fdatasyncs the file. Only then does the
//! committer apply the changes to sled, then record how far the journal is applied
//! (`journal_applied` in `meta`). Sled itself is flushed and fsynced only
//! now and then: after a crash, [`Journal::replay`] applies again every commit frame past what
//! sled durably recorded, so a commit is on disk, and may be confirmed, once its frames are.
//! Sled shows nothing that is not already in the journal.
//!
//! Sled keeps what is small and often rewritten (indexes, the Merkle tree, the head); the
//! entries, several KiB each and never changed once written, stay in the journal: sled rewrites
//! a whole leaf of its tree whenever one grows, which for 4 KiB entries cost it several times
//! their size in copies and disk writes.
//!
//! Frames (docs/AUDIT-FORMAT.md section 14): a 4-byte big-endian length of the body, then the
//! body, whose first byte is its kind. An entry frame's body is [`ENTRY`] and the encoded entry.
//! A commit frame's body is [`COMMIT`], the offset where the commit's first frame starts
//! (8 bytes big-endian), a CRC-32 (IEEE) of everything the commit appended before its CRC (its
//! entry frames, then its commit frame up to the CRC) and after it (the changes), 4 bytes
//! big-endian, then the changes. A commit cut short by a crash fails its CRC and is cut off.
//! Zeros written ahead follow the last commit ([`PREALLOCATE`]): a frame length of 0 ends the
//! journal.
//!
//! It stays one file (under 600 lines before its tests): the frame format, appending, replay
//! and reads are one format, written on one side and read on the other, that must agree byte
//! for byte.

use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::StoreError;

/// The journal, in the store's directory (next to sled's own files, none of which sled would
/// mistake it for: sled only reads and deletes its `snap.*` files and `blobs/`).
pub const JOURNAL_FILE: &str = "journal";

/// Kind of a frame holding one encoded log entry.
const ENTRY: u8 = 1;
/// Kind of a frame closing a commit: its changes to sled's trees.
const COMMIT: u8 = 2;

/// The first byte of an `audit_log` value that is a [`Location`]. Any other value is an
/// encoded entry itself (stores written before the journal): an encoded `LogEntry` never
/// starts with 0, which as a protobuf key would mean field number 0, which does not exist.
const LOCATED: u8 = 0;

/// Bytes before an entry in its frame: the length, then the kind.
const ENTRY_HEADER: u64 = 5;

/// Where an entry is in the journal: the offset of its bytes (just after its frame's length
/// and kind) and their length.
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
}

/// An `audit_log` value: where the entry is in the journal, or the entry itself.
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
            reason: format!(
                "a location is 13 bytes and the Merkle hashes after it 32 each, this value is {}",
                value.len()
            ),
        };
        if value.len() < 13 || (value.len() - 13) % 32 != 0 {
            return Err(corrupt());
        }
        let mut offset = [0u8; 8];
        offset.copy_from_slice(&value[1..9]);
        let mut len = [0u8; 4];
        len.copy_from_slice(&value[9..13]);
        Ok(Self::Located(Location {
            offset: u64::from_be_bytes(offset),
            len: u32::from_be_bytes(len),
        }))
    }
}

/// The Merkle hashes an `audit_log` value carries after the entry's location: the perfect
/// subtrees the entry completed, level 0 (its leaf hash) first, one level up each. Empty for
/// values written before they were kept there (the `merkle` tree holds those).
pub fn completed_hashes(value: &[u8]) -> &[u8] {
    match value.first() {
        Some(&LOCATED) if value.len() > 13 => &value[13..],
        _ => &[],
    }
}

/// The trees a commit changes, as numbered in commit frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum TreeId {
    AuditLog = 0,
    Messages = 1,
    OutboxQueue = 2,
    Meta = 3,
    Merkle = 4,
}

impl TreeId {
    fn from_byte(byte: u8) -> Option<Self> {
        [
            Self::AuditLog,
            Self::Messages,
            Self::OutboxQueue,
            Self::Meta,
            Self::Merkle,
        ]
        .into_iter()
        .find(|tree| *tree as u8 == byte)
    }
}

/// One change to one of sled's trees: insert `value` under `key`, or remove `key` (`None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub tree: TreeId,
    pub key: Vec<u8>,
    pub value: Option<Vec<u8>>,
}

/// The changes encoded in a commit frame: per change, the tree (1 byte), 1 for an insert or 0
/// for a removal, the key's length (4 bytes big-endian) and the key, and for an insert the
/// value's length (4 bytes big-endian) and the value.
fn encode_changes(changes: &[Change], out: &mut Vec<u8>) {
    for change in changes {
        out.push(change.tree as u8);
        out.push(u8::from(change.value.is_some()));
        put_bytes(out, &change.key);
        if let Some(value) = &change.value {
            put_bytes(out, value);
        }
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    // Keys and values are bounded far below 4 GiB by the largest message a node accepts.
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn decode_changes(mut bytes: &[u8]) -> Option<Vec<Change>> {
    fn take<'b>(bytes: &mut &'b [u8], n: usize) -> Option<&'b [u8]> {
        let (taken, rest) = bytes.split_at_checked(n)?;
        *bytes = rest;
        Some(taken)
    }
    fn take_bytes(bytes: &mut &[u8]) -> Option<Vec<u8>> {
        let len = u32::from_be_bytes(take(bytes, 4)?.try_into().ok()?);
        take(bytes, usize::try_from(len).ok()?).map(<[u8]>::to_vec)
    }
    let mut changes = Vec::new();
    while !bytes.is_empty() {
        let head = take(&mut bytes, 2)?;
        let tree = TreeId::from_byte(head[0])?;
        let key = take_bytes(&mut bytes)?;
        let value = match head[1] {
            1 => Some(take_bytes(&mut bytes)?),
            0 => None,
            _ => return None,
        };
        changes.push(Change { tree, key, value });
    }
    Some(changes)
}

/// The frames of one commit, built before they are written.
#[derive(Debug)]
pub struct CommitFrames {
    start: u64,
    bytes: Vec<u8>,
}

impl CommitFrames {
    /// A commit to be appended at `start`, the journal's end.
    pub fn new(start: u64) -> Self {
        Self {
            start,
            bytes: Vec::new(),
        }
    }

    /// Adds an entry frame; returns where the entry will be.
    pub fn entry(&mut self, entry: &[u8]) -> Location {
        let len = u32::try_from(entry.len()).unwrap_or(u32::MAX);
        self.bytes.extend_from_slice(&(len + 1).to_be_bytes());
        self.bytes.push(ENTRY);
        let location = Location {
            offset: self.start + self.bytes.len() as u64,
            len,
        };
        self.bytes.extend_from_slice(entry);
        location
    }

    /// Closes the commit with its commit frame: the bytes to append, and where they end.
    pub fn finish(self, changes: &[Change]) -> (Vec<u8>, u64) {
        let Self { start, mut bytes } = self;
        let mut encoded = Vec::new();
        encode_changes(changes, &mut encoded);
        let body_len = 1 + 8 + 4 + encoded.len();
        bytes.extend_from_slice(&u32::try_from(body_len).unwrap_or(u32::MAX).to_be_bytes());
        bytes.push(COMMIT);
        bytes.extend_from_slice(&start.to_be_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(&bytes);
        crc.update(&encoded);
        bytes.extend_from_slice(&crc.finalize().to_be_bytes());
        bytes.extend_from_slice(&encoded);
        let end = start + bytes.len() as u64;
        (bytes, end)
    }
}

/// The open journal. Reads and the committer's appends go through one handle, at explicit
/// offsets (`pread`/`pwrite`), so they need no lock.
#[derive(Debug)]
pub struct Journal {
    file: std::fs::File,
    path: PathBuf,
    /// The file's length: the journal's commits, then zeros written ahead of them
    /// ([`PREALLOCATE`]). Only the committer appends, but behind a lock so that the journal
    /// stays `Sync` for readers.
    allocated: std::sync::Mutex<u64>,
}

/// Zeros written ahead of the commits at a time. An fdatasync of a write that changes the
/// file's length also writes its inode (one more disk request, and an exit to the hypervisor
/// on a virtual disk); over bytes already written it writes the data alone. Measured on a
/// virtual disk: 0.30 ms per 19 KiB append and fdatasync growing the file, 0.19 ms over zeros.
/// Small, so that the commit which writes the next zeros pays little more than the others.
const PREALLOCATE: u64 = 1 << 20;

/// Zeros kept ahead of the commits: more are written once fewer would be left. When the disk
/// is full and no more can be written, commits still go into these, so that a node refusing
/// new work for want of space still logs its rejections, the receipts it records, its
/// checkpoints and its stop (a few hundred bytes to a few KiB each).
const RESERVE: u64 = 256 << 10;

impl Journal {
    /// Opens the journal of the store in `store`, creating it (and making its name durable) if
    /// there is none.
    pub fn open(store: &Path) -> Result<Self, StoreError> {
        let path = store.join(JOURNAL_FILE);
        let error = |source| StoreError::Io {
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
        let len = file.metadata().map_err(error)?.len();
        Ok(Self {
            file,
            path,
            allocated: std::sync::Mutex::new(len),
        })
    }

    /// The file's length, zeros written ahead of the commits included.
    pub fn len(&self) -> Result<u64, StoreError> {
        Ok(self.file.metadata().map_err(|e| self.error(e))?.len())
    }

    fn allocated(&self) -> std::sync::MutexGuard<'_, u64> {
        self.allocated
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies, in order, every whole commit from `from` (where sled's applied journal ends)
    /// on: `apply` gets its changes and where it ends. Stops at the first commit that is not
    /// whole (cut short, or failing its CRC: a crash while it was written, before anyone heard
    /// of it), or at zeros written ahead (a frame length of 0). Returns where the last whole
    /// commit ends, and whether anything but zeros follows it (a commit that was not whole).
    pub fn replay(
        &self,
        from: u64,
        mut apply: impl FnMut(Vec<Change>, u64) -> Result<(), StoreError>,
    ) -> Result<(u64, bool), StoreError> {
        let len = self.len()?;
        let Some(tail_len) = len.checked_sub(from) else {
            return Err(StoreError::Corrupt {
                what: format!("journal {}", self.path.display()),
                reason: format!(
                    "it ends at byte {len}, but the store records having applied it up to \
                     byte {from}: commits that were confirmed are missing"
                ),
            });
        };
        let mut tail = vec![0u8; usize::try_from(tail_len).unwrap_or(usize::MAX)];
        self.file
            .read_exact_at(&mut tail, from)
            .map_err(|e| self.error(e))?;
        let mut commit_start = 0usize;
        let mut at = 0usize;
        while let Some((kind, body, next)) = frame_at(&tail, at) {
            match kind {
                ENTRY => at = next,
                COMMIT => {
                    let Some(changes) = whole_commit(&tail, from, commit_start, at, body) else {
                        break;
                    };
                    apply(changes, from + next as u64)?;
                    at = next;
                    commit_start = next;
                }
                _ => break,
            }
        }
        let unfinished = tail[commit_start..].iter().any(|&byte| byte != 0);
        Ok((from + commit_start as u64, unfinished))
    }

    /// Cuts the journal after `end` bytes, where the last whole commit ends: what lies beyond
    /// was appended by a commit that a crash or a failure stopped before it was whole, if it
    /// is not zeros written ahead (which stay).
    pub fn cut_after(&self, end: u64, unfinished: bool) -> Result<(), StoreError> {
        let len = self.len()?;
        if len <= end || !unfinished {
            return Ok(());
        }
        tracing::warn!(
            bytes = len - end,
            "the store's journal ends with a commit that was not finished (a crash or a failure \
             while it was written; nobody was told it was done): cutting it off"
        );
        self.file.set_len(end).map_err(|e| self.error(e))?;
        self.file.sync_all().map_err(|e| self.error(e))?;
        *self.allocated() = end;
        Ok(())
    }

    /// Writes `bytes` at `at` (where the commits end) and makes them durable with one
    /// fdatasync. When fewer than [`RESERVE`] zeros would be left after them, writes
    /// [`PREALLOCATE`] more after them first, so that the same fdatasync makes the new length
    /// durable.
    ///
    /// On a full disk the commit goes into the zeros left, if it fits: so the audit log still
    /// records what a node refusing new work must record. If it fails for want of space
    /// ([`StoreError::NoSpace`]), what it wrote is undone (zeros again where there were zeros,
    /// the file's old length), so the journal is as before the call and may be appended to at
    /// `at` again once space returns. An error from undoing it is a [`StoreError::Sync`].
    pub fn append_durably(&self, at: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let mut allocated = self.allocated();
        let before = *allocated;
        let end = at + bytes.len() as u64;
        let mut len = before;
        if end + RESERVE > len {
            let zeros = vec![0u8; PREALLOCATE as usize];
            match self.file.write_all_at(&zeros, end) {
                Ok(()) => len = end + PREALLOCATE,
                Err(error) if crate::storage::disk_space::is_out_of_space(&error) => {
                    // Zeros written in part are zeros all the same: keep them.
                    len = len.max(self.len()?);
                    tracing::warn!(
                        zeros_left = len.saturating_sub(end),
                        "the disk is full: the journal writes into the space it reserved"
                    );
                }
                Err(source) => return Err(self.sync_error(source)),
            }
        }
        let written = self
            .file
            .write_all_at(bytes, at)
            .and_then(|()| self.file.sync_data());
        match written {
            Ok(()) => {
                *allocated = len.max(end);
                Ok(())
            }
            Err(source) if crate::storage::disk_space::is_out_of_space(&source) => {
                self.undo(at, end, before)?;
                *allocated = before;
                Err(StoreError::NoSpace {
                    path: self.path.clone(),
                    source,
                })
            }
            Err(source) => Err(self.sync_error(source)),
        }
    }

    /// Undoes an append at `at` that failed before `end`: zeros where the file held zeros
    /// (up to `before`, its old length), and the old length. Synced by the next append's
    /// fdatasync, or cut off at the next open if a crash comes first (nobody was told of it).
    fn undo(&self, at: u64, end: u64, before: u64) -> Result<(), StoreError> {
        let overwritten = end.min(before).saturating_sub(at);
        let zeros = vec![0u8; usize::try_from(overwritten).unwrap_or(usize::MAX)];
        self.file
            .write_all_at(&zeros, at)
            .and_then(|()| {
                if self.file.metadata()?.len() > before {
                    self.file.set_len(before)?;
                }
                Ok(())
            })
            .map_err(|source| self.sync_error(source))
    }

    fn sync_error(&self, source: std::io::Error) -> StoreError {
        StoreError::Sync {
            path: self.path.clone(),
            source,
        }
    }

    /// The bytes of entry `index` at `location`, checked against their frame.
    pub fn read(&self, index: u64, location: Location) -> Result<Vec<u8>, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            what: format!("audit-log entry {index}"),
            reason,
        };
        let start = location
            .offset
            .checked_sub(ENTRY_HEADER)
            .ok_or_else(|| corrupt("its location is inside the journal's first frame".into()))?;
        // A damaged location must not make the reader allocate up to 4 GiB for a frame that
        // cannot be there (found by the `journal` fuzz target).
        let end = location.offset.saturating_add(u64::from(location.len));
        if end > self.len()? {
            return Err(corrupt(format!(
                "the journal {} ends before it (bytes {}..{end})",
                self.path.display(),
                location.offset,
            )));
        }
        let mut framed = vec![0u8; ENTRY_HEADER as usize + location.len as usize];
        self.file
            .read_exact_at(&mut framed, start)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => corrupt(format!(
                    "the journal {} ends before it (bytes {}..{})",
                    self.path.display(),
                    location.offset,
                    location.offset + u64::from(location.len)
                )),
                _ => self.error(e),
            })?;
        let framed_len = u32::from_be_bytes([framed[0], framed[1], framed[2], framed[3]]);
        if framed_len != location.len + 1 || framed[4] != ENTRY {
            return Err(corrupt(format!(
                "the journal holds no entry of {} bytes at byte {}",
                location.len, location.offset
            )));
        }
        framed.drain(..ENTRY_HEADER as usize);
        Ok(framed)
    }

    /// The entry an `audit_log` value stands for: read from the journal, or the value itself.
    pub fn resolve(&self, index: u64, value: &[u8]) -> Result<Vec<u8>, StoreError> {
        match Stored::decode(index, value)? {
            Stored::Located(location) => self.read(index, location),
            Stored::Inline(bytes) => Ok(bytes.to_vec()),
        }
    }

    /// Copies the journal's first `len` bytes to `target` (a new file) and fsyncs it.
    pub fn copy_to(&self, target: &Path, len: u64) -> Result<(), StoreError> {
        let error = |source| StoreError::Io {
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
        StoreError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

/// The frame at `at` in `bytes`: its kind, its body after the kind, and where the next frame
/// starts. `None` if no whole frame is there.
fn frame_at(bytes: &[u8], at: usize) -> Option<(u8, &[u8], usize)> {
    let len = u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?);
    let len = usize::try_from(len).ok()?;
    let body = bytes.get(at + 4..(at + 4).checked_add(len)?)?;
    let (kind, rest) = body.split_first()?;
    Some((*kind, rest, at + 4 + len))
}

/// The changes of the commit whose commit frame is at `at` in `tail` (read from the journal at
/// `from`), if the commit is whole: it says it starts at `commit_start` and its CRC matches.
fn whole_commit(
    tail: &[u8],
    from: u64,
    commit_start: usize,
    at: usize,
    body: &[u8],
) -> Option<Vec<Change>> {
    let start = u64::from_be_bytes(body.get(..8)?.try_into().ok()?);
    let crc = u32::from_be_bytes(body.get(8..12)?.try_into().ok()?);
    let changes = body.get(12..)?;
    if start != from + commit_start as u64 {
        return None;
    }
    let mut hasher = crc32fast::Hasher::new();
    // The commit's frames up to the CRC: entry frames, the commit frame's length, kind, start.
    hasher.update(tail.get(commit_start..at + 4 + 1 + 8)?);
    hasher.update(changes);
    if hasher.finalize() != crc {
        return None;
    }
    decode_changes(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(tree: TreeId, key: &str, value: Option<&str>) -> Change {
        Change {
            tree,
            key: key.as_bytes().to_vec(),
            value: value.map(|v| v.as_bytes().to_vec()),
        }
    }

    /// Appends a commit of `entries` and `changes`; returns the entries' locations and the end.
    fn commit(
        journal: &Journal,
        at: u64,
        entries: &[&[u8]],
        changes: &[Change],
    ) -> (Vec<Location>, u64) {
        let mut frames = CommitFrames::new(at);
        let locations = entries.iter().map(|entry| frames.entry(entry)).collect();
        let (bytes, end) = frames.finish(changes);
        journal.append_durably(at, &bytes).expect("append");
        (locations, end)
    }

    /// The commits replayed from `from`, where they end, and whether anything but zeros
    /// follows.
    fn replayed(journal: &Journal, from: u64) -> (Vec<(Vec<Change>, u64)>, u64, bool) {
        let mut applied = Vec::new();
        let (end, unfinished) = journal
            .replay(from, |changes, end| {
                applied.push((changes, end));
                Ok(())
            })
            .expect("replay");
        (applied, end, unfinished)
    }

    #[test]
    fn commits_replay_in_order_and_entries_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::open(dir.path()).expect("open");
        let first = vec![
            change(TreeId::Meta, "k", Some("v")),
            change(TreeId::OutboxQueue, "q", None),
        ];
        let (at, end1) = commit(&journal, 0, &[b"\x08\x01one", b"\x08\x02two"], &first);
        let second = vec![change(TreeId::Merkle, "m", Some(""))];
        let (_, end2) = commit(&journal, end1, &[], &second);
        assert_eq!(journal.read(1, at[1]).expect("read"), b"\x08\x02two");
        let value = at[0].encode();
        assert_eq!(
            Stored::decode(0, &value).expect("decode"),
            Stored::Located(at[0])
        );
        assert_eq!(journal.resolve(0, &value).expect("resolve"), b"\x08\x01one");
        assert_eq!(
            journal.resolve(0, b"\x08\x01inline").expect("inline"),
            b"\x08\x01inline"
        );

        let (applied, end, unfinished) = replayed(&journal, 0);
        assert_eq!(applied, vec![(first, end1), (second.clone(), end2)]);
        assert_eq!((end, unfinished), (end2, false));
        // From where sled says it applied the journal: only what follows.
        assert_eq!(
            replayed(&journal, end1),
            (vec![(second, end2)], end2, false)
        );
        assert_eq!(replayed(&journal, end2), (vec![], end2, false));
    }

    #[test]
    fn zeros_are_written_ahead_and_end_the_journal_when_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::open(dir.path()).expect("open");
        let first = vec![change(TreeId::Meta, "k", Some("v"))];
        let (_, end1) = commit(&journal, 0, &[b"\x08\x01one"], &first);
        let len = journal.len().expect("len");
        assert_eq!(len, end1 + PREALLOCATE, "zeros follow the first commit");
        // A commit that fits in the zeros does not grow the file.
        let (_, end2) = commit(&journal, end1, &[b"\x08\x02two"], &[]);
        assert_eq!(journal.len().expect("len"), len);
        drop(journal);

        // Reopened as after a restart: the zeros end the journal and stay.
        let journal = Journal::open(dir.path()).expect("reopen");
        let (applied, end, unfinished) = replayed(&journal, 0);
        assert_eq!(
            (applied.len(), end, unfinished),
            (2, end2, false),
            "{applied:?}"
        );
        journal.cut_after(end, unfinished).expect("cut");
        assert_eq!(journal.len().expect("len"), len);
        // A commit larger than the zeros left writes more after itself.
        let big = vec![0x08u8; usize::try_from(len - end2).expect("size")];
        let (at, end3) = commit(&journal, end2, &[&big], &[]);
        assert_eq!(journal.len().expect("len"), end3 + PREALLOCATE);
        assert_eq!(journal.read(2, at[0]).expect("read"), big);
        let (applied, end, unfinished) = replayed(&journal, end1);
        assert_eq!((applied.len(), end, unfinished), (2, end3, false));
    }

    #[test]
    fn a_commit_cut_short_or_altered_is_not_replayed_and_is_cut_off() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::open(dir.path()).expect("open");
        let (_, end1) = commit(
            &journal,
            0,
            &[b"\x08\x01one"],
            &[change(TreeId::Meta, "k", Some("v"))],
        );
        let path = dir.path().join(JOURNAL_FILE);
        for damage in 0..3 {
            let (_, end2) = commit(
                &journal,
                end1,
                &[b"\x08\x02two"],
                &[change(TreeId::Messages, "m", Some("record"))],
            );
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .expect("open");
            match damage {
                // Torn: the last bytes never reached the disk.
                0 => file.set_len(end2 - 3).expect("truncate"),
                // A flipped byte in the entry.
                1 => file.write_all_at(b"X", end1 + 6).expect("write"),
                // A flipped byte in the changes.
                _ => file.write_all_at(b"X", end2 - 2).expect("write"),
            }
            let (applied, end, unfinished) = replayed(&journal, 0);
            assert_eq!(
                (applied.len(), end, unfinished),
                (1, end1, true),
                "damage {damage}"
            );
            journal.cut_after(end, unfinished).expect("cut");
            assert_eq!(journal.len().expect("len"), end1);
        }
    }

    #[test]
    fn a_journal_shorter_than_what_sled_applied_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::open(dir.path()).expect("open");
        commit(&journal, 0, &[b"\x08\x01one"], &[]);
        // Zeros written ahead included: what a journal lost at its end goes with them.
        let len = journal.len().expect("len");
        let error = journal
            .replay(len + 1, |_, _| Ok(()))
            .expect_err("refused")
            .to_string();
        assert!(error.contains("confirmed are missing"), "{error}");
    }

    #[test]
    fn a_location_that_disagrees_with_the_frame_is_corrupt() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::open(dir.path()).expect("open");
        let (at, end) = commit(&journal, 0, &[b"\x08\x01entry"], &[]);
        let wrong = Location {
            offset: at[0].offset,
            len: at[0].len - 1,
        };
        let error = journal.read(0, wrong).expect_err("fails").to_string();
        assert!(error.contains("holds no entry of 6 bytes"), "{error}");
        // Past the commits, in the zeros written ahead, and past the file's end.
        let ahead = Location {
            offset: end + 5,
            len: 3,
        };
        let error = journal.read(0, ahead).expect_err("fails").to_string();
        assert!(error.contains("holds no entry of 3 bytes"), "{error}");
        let beyond = Location {
            offset: journal.len().expect("len") + 5,
            len: 3,
        };
        let error = journal.read(0, beyond).expect_err("fails").to_string();
        assert!(error.contains("ends before it"), "{error}");
        let error = Stored::decode(0, &[0, 1, 2])
            .expect_err("fails")
            .to_string();
        assert!(error.contains("13 bytes"), "{error}");
    }

    /// A tmpfs of `size` mounted on a new directory, unmounted when dropped.
    struct SmallDisk {
        dir: tempfile::TempDir,
    }

    impl SmallDisk {
        fn mount(size: &str) -> Self {
            let dir = tempfile::tempdir().expect("tempdir");
            let status = std::process::Command::new("mount")
                .args([
                    "-t",
                    "tmpfs",
                    "-o",
                    &format!("size={size},mode=0700"),
                    "tmpfs",
                ])
                .arg(dir.path())
                .status()
                .expect("run mount");
            assert!(
                status.success(),
                "cannot mount a tmpfs on {} ({status}): this test needs root (or CAP_SYS_ADMIN) \
                 to give the journal a small real file system",
                dir.path().display()
            );
            Self { dir }
        }

        /// Fills the file system: a file grown until the disk refuses more.
        fn fill(&self) -> std::path::PathBuf {
            let path = self.dir.path().join("filler");
            let mut file = std::fs::File::create(&path).expect("filler");
            let chunk = vec![1u8; 4096];
            loop {
                match std::io::Write::write(&mut file, &chunk) {
                    Ok(n) if n > 0 => {}
                    Ok(_) => break,
                    Err(error) => {
                        assert!(
                            crate::storage::disk_space::is_out_of_space(&error),
                            "{error}"
                        );
                        break;
                    }
                }
            }
            path
        }
    }

    impl Drop for SmallDisk {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount")
                .arg(self.dir.path())
                .status();
        }
    }

    #[test]
    fn a_full_disk_is_met_with_the_reserve_then_refused_without_a_trace() {
        let disk = SmallDisk::mount("2m");
        let journal = Journal::open(disk.dir.path()).expect("open");
        let first = vec![change(TreeId::Meta, "k", Some("v"))];
        let (_, end1) = commit(&journal, 0, &[b"\x08\x01one"], &first);
        let allocated = journal.len().expect("len");
        let filler = disk.fill();

        // Full: commits go into the zeros written ahead, without growing the file.
        let small = vec![0x08u8; 1000];
        let mut end = end1;
        while journal.len().expect("len") - end > RESERVE / 2 {
            end = commit(&journal, end, &[&small], &[]).1;
            // At most the rest of the page the file ends in, which the disk still had.
            assert!(journal.len().expect("len") < allocated + 4096);
        }
        let allocated = journal.len().expect("len");
        // A commit larger than the zeros left is refused, and leaves nothing behind.
        let big = vec![0x08u8; usize::try_from(allocated - end + 1).expect("size")];
        let mut frames = CommitFrames::new(end);
        frames.entry(&big);
        let (bytes, _) = frames.finish(&[]);
        let error = journal.append_durably(end, &bytes).expect_err("full");
        assert!(matches!(error, StoreError::NoSpace { .. }), "{error}");
        assert_eq!(journal.len().expect("len"), allocated);
        let mut tail = vec![1u8; usize::try_from(allocated - end).expect("size")];
        journal.file.read_exact_at(&mut tail, end).expect("read");
        assert!(
            tail.iter().all(|&b| b == 0),
            "zeros again after the commits"
        );
        let (applied, replayed_end, unfinished) = replayed(&journal, 0);
        assert_eq!((replayed_end, unfinished), (end, false));

        // Space returns: the same append at the same place succeeds.
        std::fs::remove_file(filler).expect("free");
        journal.append_durably(end, &bytes).expect("appended");
        let (again, _, unfinished) = replayed(&journal, 0);
        assert_eq!((again.len(), unfinished), (applied.len() + 1, false));
    }

    #[test]
    fn the_journal_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        Journal::open(dir.path()).expect("open");
        let mode = std::fs::metadata(dir.path().join(JOURNAL_FILE))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
