//! Answering a contact point's search from the store's search index (`store::search`): the
//! cases where every word of the query is found in a message that passes the filters, the case
//! with the newest matching message first, each with its title, both sides' national
//! references, parties, state and which messages and fields matched.
//!
//! The words apply to the case, not to one message: a case matches when every word is found
//! in one of its messages that pass the filters, the same message or not (`Атаев Ташкент`
//! finds a case whose request names Атаев and whose consultation names Ташкент). The words of
//! a request's subject apply to every message of its case, so a status update or a
//! consultation is found by what its case is about, with `--kind status-update`, say.
//!
//! Each word reads the postings of every indexed key it begins (one range of the index), so a
//! query costs what its words find, not what the store holds; the filters read the entry the
//! index keeps per message, and the request index for the state. [`scan`] answers the same query
//! by reading and indexing every stored message instead: the baseline the benchmark compares
//! with, and the reference the index is tested against. Both block (run them in
//! `spawn_blocking`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use prost::Message;
use rogatory_proto::search_text::{self, QueryWord};
use rogatory_proto::v1::{
    Direction, Envelope, MessageRecord, SearchEntry, SearchField, SearchHit, SearchMatch,
    SearchResponse, SearchWord, envelope,
};

use crate::rules::search::{field_bit, fields_of, indexed, kind_of};
use crate::rules::titles;
use crate::storage::ids;
use crate::storage::store::{Store, StoreError};

/// How many postings one word reads at most. A word that begins more indexed words than this
/// (a two-letter prefix in a large store) is answered from the first of them and the answer is
/// flagged `truncated`, instead of reading the whole index for one query.
pub const MAX_POSTINGS_PER_WORD: usize = 200_000;
/// Cases returned when the caller names no limit: a screenful.
pub const DEFAULT_LIMIT: usize = 20;
/// The most cases one answer carries, whatever the caller asks: each costs a read of its case.
pub const MAX_LIMIT: usize = 1_000;

/// A search: words (all must be found in a case) and filters on the messages they are found in.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub words: Vec<QueryWord>,
    pub peer: Option<String>,
    /// A `Direction` value.
    pub direction: Option<i32>,
    /// A `RequestState` value: the request the message is or concerns must be in it now.
    pub state: Option<i32>,
    /// An `AssistanceType` value the request the message is or concerns must ask.
    pub assistance: Option<i32>,
    /// Created at or after, and before (ms since the epoch).
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// `SearchMatch.kind`.
    pub kind: Option<String>,
    pub limit: usize,
}

impl Query {
    /// A query for `text` without filters.
    pub fn words(text: &str) -> Self {
        Self {
            words: search_text::query(text),
            limit: DEFAULT_LIMIT,
            ..Self::default()
        }
    }

    fn filters(&self) -> bool {
        self.peer.is_some()
            || self.direction.is_some()
            || self.state.is_some()
            || self.assistance.is_some()
            || self.since_ms.is_some()
            || self.until_ms.is_some()
            || self.kind.is_some()
    }
}

/// Matching messages of each case, with the fields the words were found in.
type Found = BTreeMap<String, BTreeMap<String, u32>>;

/// The filters, with what they read cached for one query.
struct Filters<'a> {
    store: &'a Store,
    query: &'a Query,
    entries: HashMap<String, Option<SearchEntry>>,
    /// The request index, read once if the query filters by state.
    states: Option<HashMap<String, i32>>,
}

impl<'a> Filters<'a> {
    fn new(store: &'a Store, query: &'a Query) -> Result<Self, StoreError> {
        let states = match query.state {
            Some(_) => Some(store.request_states()?.into_iter().collect()),
            None => None,
        };
        Ok(Self {
            store,
            query,
            entries: HashMap::new(),
            states,
        })
    }

    fn entry(&mut self, message_id: &str) -> Result<Option<SearchEntry>, StoreError> {
        if let Some(entry) = self.entries.get(message_id) {
            return Ok(entry.clone());
        }
        let entry = self.store.search_entry(message_id)?;
        self.entries.insert(message_id.to_owned(), entry.clone());
        Ok(entry)
    }

    /// Whether indexed message `message_id` passes the filters.
    fn passes(&mut self, message_id: &str) -> Result<bool, StoreError> {
        match self.entry(message_id)? {
            Some(entry) => self.passes_entry(&entry),
            None => Ok(false),
        }
    }

    fn passes_entry(&mut self, entry: &SearchEntry) -> Result<bool, StoreError> {
        let q = self.query;
        let plain = q.peer.as_ref().is_none_or(|p| entry.parties.contains(p))
            && q.direction.is_none_or(|d| entry.direction == d)
            && q.kind.as_ref().is_none_or(|k| entry.kind == *k)
            && q.since_ms.is_none_or(|t| entry.created_at_ms >= t)
            && q.until_ms.is_none_or(|t| entry.created_at_ms < t);
        if !plain {
            return Ok(false);
        }
        if let Some(state) = q.state {
            let now = self
                .states
                .as_ref()
                .and_then(|states| states.get(&entry.request_id));
            if now != Some(&state) {
                return Ok(false);
            }
        }
        if let Some(assistance) = q.assistance {
            let asked = if entry.kind == "request" {
                entry.assistance.contains(&assistance)
            } else if entry.request_id.is_empty() {
                false
            } else {
                let request_id = entry.request_id.clone();
                self.entry(&request_id)?
                    .is_some_and(|request| request.assistance.contains(&assistance))
            };
            if !asked {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Keeps the cases found by both, with the messages and fields of each.
fn intersect(so_far: Option<Found>, this: Found) -> Found {
    let Some(mut so_far) = so_far else {
        return this;
    };
    so_far.retain(|case, _| this.contains_key(case));
    for (case, messages) in this {
        if let Some(held) = so_far.get_mut(&case) {
            for (id, fields) in messages {
                *held.entry(id).or_default() |= fields;
            }
        }
    }
    so_far
}

/// Whether a word found in `fields` of a message described by `entry` applies to every message
/// of its case: the subject of a request is what its case is about.
fn applies_to_case(entry: &SearchEntry, fields: u32) -> bool {
    fields & field_bit(SearchField::Title) != 0 && entry.kind == "request"
}

/// The answer to `query` from the index; `own_id` is this node (not listed as a peer).
///
/// A case matches when each word is found in one of its messages that pass the filters (not
/// necessarily the same message). The words of a request's subject apply to every message of
/// its case: `мошенничество --kind status-update` finds the status updates of the cases whose
/// request is about fraud, though no status update repeats the subject.
pub fn search(store: &Store, query: &Query, own_id: &str) -> Result<SearchResponse, StoreError> {
    let mut filters = Filters::new(store, query)?;
    let mut truncated = false;
    let mut found: Option<Found> = None;
    if query.words.is_empty() {
        let mut all = Found::new();
        for (id, entry) in store.search_entries()? {
            if filters.passes_entry(&entry)? {
                all.entry(entry.case_id.clone()).or_default().insert(id, 0);
            }
        }
        found = Some(all);
    }
    // Longer keys first: they tend to be rarer and narrow the cases the others must check.
    let mut words: Vec<&QueryWord> = query.words.iter().collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.key.len()));
    for word in words {
        let (postings, more) = store.search_postings(&word.key, MAX_POSTINGS_PER_WORD)?;
        truncated |= more;
        let mut this = Found::new();
        // Cases whose request's subject holds the word though the request fails the filters.
        let mut by_subject = BTreeSet::new();
        for posting in postings {
            if found
                .as_ref()
                .is_some_and(|so_far| !so_far.contains_key(&posting.case_id))
            {
                continue;
            }
            if query.filters() && !filters.passes(&posting.message_id)? {
                if filters
                    .entry(&posting.message_id)?
                    .is_some_and(|entry| applies_to_case(&entry, posting.fields))
                {
                    by_subject.insert(posting.case_id);
                }
                continue;
            }
            *this
                .entry(posting.case_id)
                .or_default()
                .entry(posting.message_id)
                .or_default() |= posting.fields;
        }
        for case_id in by_subject {
            for id in store.case_message_ids(&case_id)? {
                if filters.passes(&id)? {
                    *this
                        .entry(case_id.clone())
                        .or_default()
                        .entry(id)
                        .or_default() |= field_bit(SearchField::Title);
                }
            }
        }
        found = Some(intersect(found, this));
    }
    answer(store, query, found.unwrap_or_default(), truncated, own_id)
}

/// The answer to `query` by reading and indexing every stored message, without the index: the
/// baseline of the benchmark and the reference the index is tested against.
pub fn scan(store: &Store, query: &Query, own_id: &str) -> Result<SearchResponse, StoreError> {
    let mut filters = Filters::new(store, query)?;
    let mut all = Vec::new();
    for direction in [Direction::Inbox, Direction::Outbox] {
        for record in store.list_messages(direction, usize::MAX)? {
            if let Some(indexed) = indexed(&record) {
                let passes = filters.passes_entry(&indexed.entry)?;
                all.push((record.message_id, indexed, passes));
            }
        }
    }
    let mut found: Option<Found> = None;
    if query.words.is_empty() {
        let mut passing = Found::new();
        for (id, indexed, _) in all.iter().filter(|(_, _, passes)| *passes) {
            passing
                .entry(indexed.entry.case_id.clone())
                .or_default()
                .insert(id.clone(), 0);
        }
        found = Some(passing);
    }
    for word in &query.words {
        let mut this = Found::new();
        let mut by_subject = BTreeSet::new();
        for (id, indexed, passes) in &all {
            let fields = indexed
                .keys
                .iter()
                .filter(|(key, _)| word.matches(key))
                .fold(0, |all, (_, bits)| all | bits);
            if fields == 0 {
                continue;
            }
            if !passes {
                if applies_to_case(&indexed.entry, fields) {
                    by_subject.insert(indexed.entry.case_id.clone());
                }
                continue;
            }
            *this
                .entry(indexed.entry.case_id.clone())
                .or_default()
                .entry(id.clone())
                .or_default() |= fields;
        }
        for (id, indexed, passes) in &all {
            if *passes && by_subject.contains(&indexed.entry.case_id) {
                *this
                    .entry(indexed.entry.case_id.clone())
                    .or_default()
                    .entry(id.clone())
                    .or_default() |= field_bit(SearchField::Title);
            }
        }
        found = Some(intersect(found, this));
    }
    answer(store, query, found.unwrap_or_default(), false, own_id)
}

/// Ranks the cases found (newest matching message first: message ids are time-ordered) and
/// describes the first `limit`.
fn answer(
    store: &Store,
    query: &Query,
    found: Found,
    truncated: bool,
    own_id: &str,
) -> Result<SearchResponse, StoreError> {
    let mut ranked: Vec<(String, BTreeMap<String, u32>)> = found.into_iter().collect();
    ranked.sort_by(|a, b| b.1.keys().next_back().cmp(&a.1.keys().next_back()));
    let limit = query.limit.clamp(1, MAX_LIMIT);
    let more = ranked.len() > limit;
    ranked.truncate(limit);
    let mut cases = Vec::with_capacity(ranked.len());
    for (case_id, matched) in ranked {
        cases.push(hit(store, &case_id, &matched, own_id)?);
    }
    cases.sort_by_key(|c| std::cmp::Reverse(c.last_match_at_ms));
    Ok(SearchResponse {
        cases,
        more,
        words: query
            .words
            .iter()
            .map(|w| SearchWord {
                word: w.word.clone(),
                key: w.key.clone(),
            })
            .collect(),
        truncated,
    })
}

fn decode(record: &MessageRecord) -> Option<Envelope> {
    Envelope::decode(record.envelope.as_ref()?.payload.as_slice()).ok()
}

/// One case found: what it is called, with whom, where it stands, and what matched.
fn hit(
    store: &Store,
    case_id: &str,
    matched: &BTreeMap<String, u32>,
    own_id: &str,
) -> Result<SearchHit, StoreError> {
    let mut messages = store.case_messages(case_id)?;
    messages
        .sort_by(|a, b| (a.created_at_ms, &a.message_id).cmp(&(b.created_at_ms, &b.message_id)));
    let case_titles = titles::case_titles(&messages);
    let mut peers = BTreeSet::new();
    let mut state = 0;
    let mut matches = Vec::new();
    for record in &messages {
        let Some(envelope) = decode(record) else {
            continue;
        };
        peers.extend(
            std::iter::once(&envelope.sender)
                .chain(std::iter::once(&envelope.recipient))
                .chain(envelope.copies_to.iter())
                .filter(|p| *p != own_id)
                .cloned(),
        );
        if matches!(envelope.body, Some(envelope::Body::MlaRequest(_))) {
            state = record.request_state;
        }
        if let Some(fields) = matched.get(&record.message_id) {
            matches.push(SearchMatch {
                short_id: ids::short_message_id(store, &record.message_id)?,
                message_id: record.message_id.clone(),
                kind: kind_of(&envelope).to_owned(),
                created_at_ms: record.created_at_ms,
                fields: fields_of(*fields).into_iter().map(|f| f as i32).collect(),
            });
        }
    }
    matches.reverse();
    Ok(SearchHit {
        short_case_id: ids::short_case_id(store, case_id)?,
        case_id: case_id.to_owned(),
        title: case_titles.title,
        own_reference: case_titles.own_reference,
        peer_references: case_titles.peer_references,
        peers: peers.into_iter().collect(),
        state,
        last_match_at_ms: matches.first().map_or(0, |m| m.created_at_ms),
        matches,
    })
}
