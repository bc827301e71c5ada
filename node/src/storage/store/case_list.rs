//! The case-list index, in `meta`: what `ListCases` reads instead of every message.
//!
//! - `cases/e/` + case id → the case's `CaseIndexEntry` (`rules::case_index`): its latest
//!   activity, parties, requests and thread messages;
//! - `cases/t/` + position + case id → the same entry, for every case: the position is the
//!   latest activity, inverted, so the most recent case comes first in key order;
//! - `cases/p/` + party + 0x00 + position + case id → the same entry, once per party the case
//!   names (this node included: the store does not know its own id).
//!
//! A page of the list is one range read from the cursor on: the filters are judged over the
//! entries in the keys' values at read time (`rules::case_index::admits`, with the clock and
//! the policy of the moment), and only the cases of the page have their messages read.
//!
//! The entry is folded by [`super::Batch::put_message`] and [`super::Batch::update_message`]
//! in the batch that stores the record, so a commit holds both or neither; the journal's frame
//! carries these changes, so a replay after a crash restores them with the record. When a
//! case's activity or parties change, the new keys are written before the old are removed
//! (readers may see a commit half applied: a case then shows under both positions, and the
//! reader keeps only the one its entry names). Stores without the index, or with an older
//! version of it, are indexed again when opened ([`Store::build_case_list_index`]).

use std::collections::BTreeMap;

use prost::Message;
use rogatory_proto::signing::decode_envelope;
use rogatory_proto::v1::{CaseIndexEntry, MessageRecord};

use super::batch::Batch;
use super::messages::decode_message;
use super::{Store, StoreError};
use crate::rules::case_index::fold;

const ENTRY_PREFIX: &[u8] = b"cases/e/";
const ACTIVITY_PREFIX: &[u8] = b"cases/t/";
const PARTY_PREFIX: &[u8] = b"cases/p/";
/// The index's layout version; a store holding another (or none) is indexed again at open.
const VERSION_KEY: &[u8] = b"case_list_index_version";
const VERSION: u32 = 1;

/// Where a case stands in the list: its latest activity and its id (ties in id order). Also the
/// cursor a page ends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePosition {
    pub last_activity_at_ms: i64,
    pub case_id: String,
}

impl CasePosition {
    /// The cursor as clients carry it: `<ms>:<case id>`.
    pub fn to_cursor(&self) -> String {
        format!("{}:{}", self.last_activity_at_ms, self.case_id)
    }

    /// A cursor made by [`CasePosition::to_cursor`]; `None` if it is not one.
    pub fn from_cursor(cursor: &str) -> Option<Self> {
        let (ms, case_id) = cursor.split_once(':')?;
        Some(Self {
            last_activity_at_ms: ms.parse().ok()?,
            case_id: case_id.to_owned(),
        })
    }
}

/// The activity, as 8 bytes that sort the newest first.
fn inverted(ms: i64) -> [u8; 8] {
    // Flipping the sign bit orders i64 as u64; the complement puts the newest first.
    (!((ms as u64) ^ (1 << 63))).to_be_bytes()
}

fn position_bytes(ms: i64, case_id: &str) -> Vec<u8> {
    let mut out = inverted(ms).to_vec();
    out.extend_from_slice(case_id.as_bytes());
    out
}

pub(super) fn entry_key(case_id: &str) -> Vec<u8> {
    let mut key = ENTRY_PREFIX.to_vec();
    key.extend_from_slice(case_id.as_bytes());
    key
}

fn range_prefix(party: Option<&str>) -> Vec<u8> {
    match party {
        None => ACTIVITY_PREFIX.to_vec(),
        Some(party) => {
            let mut key = PARTY_PREFIX.to_vec();
            key.extend_from_slice(party.as_bytes());
            key.push(0);
            key
        }
    }
}

/// Every key `entry` is listed under.
fn list_keys(entry: &CaseIndexEntry) -> Vec<Vec<u8>> {
    let position = position_bytes(entry.last_activity_at_ms, &entry.case_id);
    std::iter::once(None)
        .chain(entry.parties.iter().map(|p| Some(p.as_str())))
        .map(|party| {
            let mut key = range_prefix(party);
            key.extend_from_slice(&position);
            key
        })
        .collect()
}

fn decode_entry(what: &[u8], bytes: &[u8]) -> Result<CaseIndexEntry, StoreError> {
    CaseIndexEntry::decode(bytes).map_err(|e| StoreError::Corrupt {
        what: format!("case list index entry {}", String::from_utf8_lossy(what)),
        reason: e.to_string(),
    })
}

/// The changes that take the index from `old` (if the case was indexed) to `new`.
pub(super) fn entry_changes(
    old: Option<&CaseIndexEntry>,
    new: &CaseIndexEntry,
) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
    let bytes = new.encode_to_vec();
    let new_keys = list_keys(new);
    let mut changes = vec![(entry_key(&new.case_id), Some(bytes.clone()))];
    changes.extend(new_keys.iter().map(|k| (k.clone(), Some(bytes.clone()))));
    // Removed last: a reader never finds the case under neither position.
    if let Some(old) = old {
        changes.extend(
            list_keys(old)
                .into_iter()
                .filter(|k| !new_keys.contains(k))
                .map(|k| (k, None)),
        );
    }
    changes
}

impl Batch<'_> {
    /// The case-list entry of `case_id` as it stands, through this batch and pending ones.
    fn case_list_entry(&self, case_id: &str) -> Result<Option<CaseIndexEntry>, StoreError> {
        let key = entry_key(case_id);
        let newest_first = std::iter::once(&self.indexes)
            .chain(self.pending.iter().rev().map(|prepared| &prepared.indexes));
        for changes in newest_first {
            if let Some((_, value)) = changes.iter().rev().find(|(k, _)| *k == key) {
                return value
                    .as_ref()
                    .map(|bytes| decode_entry(&key, bytes))
                    .transpose();
            }
        }
        match self.store.trees()?.meta.get(&key)? {
            Some(bytes) => decode_entry(&key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Folds `record` (with its envelope if it carries one) into its case's list entry.
    pub(super) fn index_case(&mut self, record: &MessageRecord) -> Result<(), StoreError> {
        let old = self.case_list_entry(&record.case_id)?;
        let mut new = old.clone().unwrap_or_default();
        let envelope = record
            .envelope
            .as_ref()
            .and_then(|signed| decode_envelope(&signed.payload).ok());
        fold(&mut new, record, envelope.as_ref());
        if old.as_ref() != Some(&new) {
            self.indexes.extend(entry_changes(old.as_ref(), &new));
        }
        Ok(())
    }
}

/// What a page read found.
#[derive(Debug, Default)]
pub struct CaseListPage {
    /// The entries admitted, in list order.
    pub entries: Vec<CaseIndexEntry>,
    /// Where the next page begins, if the list may go on.
    pub next: Option<CasePosition>,
}

impl Store {
    /// The entries in list order after `after` (of the cases naming `party`, if given) that
    /// `admit` accepts, up to `limit` of them. Reads the keys of the range only up to the last
    /// entry admitted and one more.
    pub fn case_list_page(
        &self,
        party: Option<&str>,
        after: Option<&CasePosition>,
        limit: usize,
        admit: impl Fn(&CaseIndexEntry) -> bool,
    ) -> Result<CaseListPage, StoreError> {
        let prefix = range_prefix(party);
        let mut start = prefix.clone();
        if let Some(after) = after {
            start.extend_from_slice(&position_bytes(after.last_activity_at_ms, &after.case_id));
            // Just past the cursor's own key.
            start.push(0);
        }
        let trees = self.trees()?;
        let mut page = CaseListPage::default();
        for item in trees.meta.range(start..) {
            let (key, bytes) = item?;
            if !key.starts_with(&prefix) {
                break;
            }
            let entry = decode_entry(&key, &bytes)?;
            // A half-applied commit may list a case under its old position too.
            if key[prefix.len()..] != position_bytes(entry.last_activity_at_ms, &entry.case_id) {
                continue;
            }
            if !admit(&entry) {
                continue;
            }
            if page.entries.len() == limit {
                page.next = page.entries.last().map(|last| CasePosition {
                    last_activity_at_ms: last.last_activity_at_ms,
                    case_id: last.case_id.clone(),
                });
                break;
            }
            page.entries.push(entry);
        }
        Ok(page)
    }

    /// Indexes every stored case for the list, once per index version: for stores made before
    /// the index (or this version of it) existed. Reads every message with its envelope.
    pub(super) fn build_case_list_index(&self) -> Result<(), StoreError> {
        let trees = self.trees()?;
        if trees.meta.get(VERSION_KEY)?.as_deref() == Some(&VERSION.to_le_bytes()[..]) {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let mut stale = sled::Batch::default();
        for prefix in [ENTRY_PREFIX, ACTIVITY_PREFIX, PARTY_PREFIX] {
            for key in trees.meta.scan_prefix(prefix).keys() {
                stale.remove(key?);
            }
        }
        trees.meta.apply_batch(stale)?;
        let mut cases: BTreeMap<String, CaseIndexEntry> = BTreeMap::new();
        for item in trees.messages.iter() {
            let (key, bytes) = item?;
            let id = String::from_utf8_lossy(&key).into_owned();
            let record = self.with_envelope(decode_message(&id, &bytes)?, |_| None)?;
            let envelope = record
                .envelope
                .as_ref()
                .and_then(|signed| decode_envelope(&signed.payload).ok());
            fold(
                cases.entry(record.case_id.clone()).or_default(),
                &record,
                envelope.as_ref(),
            );
        }
        let mut index = sled::Batch::default();
        for entry in cases.values() {
            for (key, value) in entry_changes(None, entry) {
                if let Some(value) = value {
                    index.insert(key, value);
                }
            }
        }
        index.insert(VERSION_KEY, VERSION.to_le_bytes().to_vec());
        trees.meta.apply_batch(index)?;
        tracing::info!(
            cases = cases.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "built the case list index"
        );
        self.flush_and_fsync()
    }
}

impl Store {
    /// Builds the case-list index again from every stored message (what the first open of an
    /// older store does): for the benchmark, and to repair a store by hand. Blocks.
    pub fn rebuild_case_list_index(&self) -> Result<(), StoreError> {
        self.trees()?.meta.remove(VERSION_KEY)?;
        self.build_case_list_index()
    }

    /// Removes the whole case-list index, as a store made before it existed would be.
    #[cfg(test)]
    pub fn forget_case_list_index(&self) -> Result<(), StoreError> {
        let trees = self.trees()?;
        let mut stale = sled::Batch::default();
        for prefix in [ENTRY_PREFIX, ACTIVITY_PREFIX, PARTY_PREFIX, VERSION_KEY] {
            for key in trees.meta.scan_prefix(prefix).keys() {
                stale.remove(key?);
            }
        }
        trees.meta.apply_batch(stale)?;
        self.flush_and_fsync()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::storage::store::LogRecord;
    use rogatory_proto::v1::{Consultation, Direction, EntryKind, Envelope, envelope};

    /// Stores a consultation from tm in case `case_id` created at `at`, as `inbound` does;
    /// `id` is `m` and a number.
    fn receive(batch: &mut Batch<'_>, id: &str, case_id: &str, at: i64) {
        let id = &format!("01J{:0>23}", &id[1..]);
        let envelope = Envelope {
            version: 1,
            message_id: id.into(),
            sender: "tm".into(),
            recipient: "de".into(),
            created_at_ms: at,
            case_id: case_id.into(),
            copies_to: Vec::new(),
            body: Some(envelope::Body::Consultation(Consultation {
                text: "t".into(),
                author: "a".into(),
                ..Default::default()
            })),
        };
        let logged = batch.append(LogRecord {
            kind: EntryKind::MessageReceived,
            peer: "tm".into(),
            message_id: id.into(),
            signed_payload: envelope.encode_to_vec(),
            signature: vec![7; 64],
            detail: String::new(),
        });
        batch.put_message(&MessageRecord {
            direction: Direction::Inbox as i32,
            message_id: id.into(),
            sender: "tm".into(),
            recipient: "de".into(),
            case_id: case_id.into(),
            created_at_ms: at,
            log_index: logged.index,
            ..Default::default()
        });
    }

    /// The case ids of the whole list, and of the cases shared with `party`.
    fn listed(store: &Store, party: Option<&str>) -> Vec<(String, i64)> {
        store
            .case_list_page(party, None, 100, |_| true)
            .expect("page")
            .entries
            .into_iter()
            .map(|e| (e.case_id, e.last_activity_at_ms))
            .collect()
    }

    fn write(store: &Store, messages: &[(&str, &str, i64)]) -> Result<(), StoreError> {
        store.write_blocking(|batch| {
            for (id, case_id, at) in messages {
                receive(batch, id, case_id, *at);
            }
            Ok::<_, StoreError>(())
        })
    }

    #[test]
    fn a_case_moves_to_the_top_with_its_newest_message_and_pages_follow_the_cursor() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        write(
            &store,
            &[("m1", "tm-1", 10), ("m2", "tm-2", 20), ("m3", "tm-3", 30)],
        )
        .expect("write");
        assert_eq!(
            listed(&store, None),
            [
                ("tm-3".into(), 30),
                ("tm-2".into(), 20),
                ("tm-1".into(), 10)
            ]
        );
        // Two messages of one case in one batch, and an older one after: one position each.
        write(&store, &[("m4", "tm-1", 40), ("m5", "tm-1", 50)]).expect("write");
        write(&store, &[("m6", "tm-1", 5)]).expect("write");
        assert_eq!(
            listed(&store, None),
            [
                ("tm-1".into(), 50),
                ("tm-3".into(), 30),
                ("tm-2".into(), 20)
            ]
        );
        assert_eq!(listed(&store, Some("tm")), listed(&store, None));
        assert!(listed(&store, Some("uz")).is_empty());
        // No stale keys were left behind: three cases, each with its entry and once in each
        // range (all, de's, tm's).
        let keys = store
            .trees()
            .expect("trees")
            .meta
            .scan_prefix(b"cases/")
            .count();
        assert_eq!(keys, 3 * 4);
        let first = store.case_list_page(None, None, 2, |_| true).expect("page");
        let next = first.next.expect("more");
        assert_eq!(
            CasePosition::from_cursor(&next.to_cursor()),
            Some(next.clone())
        );
        let second = store
            .case_list_page(None, Some(&next), 2, |_| true)
            .expect("page");
        assert_eq!(second.entries.len(), 1);
        assert_eq!(second.entries[0].case_id, "tm-2");
        assert!(second.next.is_none());
    }

    #[test]
    fn a_commit_sled_lost_is_replayed_into_the_index_and_a_backup_keeps_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backup = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(dir.path()).expect("open");
            write(&store, &[("m1", "tm-1", 10), ("m2", "tm-2", 20)]).expect("write");
            // In the journal, synced; the crash comes before sled has it.
            store
                .writes
                .crash_after_journal
                .store(true, Ordering::SeqCst);
            write(&store, &[("m3", "tm-1", 30), ("m4", "tm-3", 25)]).expect_err("the crash");
            assert_eq!(
                listed(&store, None),
                [("tm-2".into(), 20), ("tm-1".into(), 10)]
            );
        }
        let store = Store::open(dir.path()).expect("reopen");
        let expected: Vec<(String, i64)> = vec![
            ("tm-1".into(), 30),
            ("tm-3".into(), 25),
            ("tm-2".into(), 20),
        ];
        assert_eq!(listed(&store, None), expected);
        assert_eq!(listed(&store, Some("de")), expected);
        store
            .backup_to(&backup.path().join("copy"))
            .expect("backup");
        drop(store);
        let restored =
            Store::open(&backup.path().join("copy").join("store")).expect("open the backup");
        assert_eq!(listed(&restored, None), expected);
    }
}
