//! Ids as people type and read them: any beginning of a message id or a case id that only one
//! id this node holds begins with stands for that id (resolved here, in one place, for every
//! Operator RPC that takes an id), and lists show the shortest such beginning. Message ids are
//! 26 characters and case ids longer; nobody copies them whole from a screen.

use rogatory_proto::v1::MessageRecord;

use crate::storage::store::{Store, StoreError};

/// Ids are shown with at least this many characters, even where fewer would be unique now: a
/// short form stays unique as the store grows for longer, and reads the same day to day.
pub const SHORT_ID_MIN_CHARS: usize = 8;

/// At most this many candidates are named when a beginning is ambiguous: enough to choose
/// from, and the answer stays one screen.
pub const MAX_CANDIDATES: usize = 10;

/// What an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Message,
    Case,
}

impl std::fmt::Display for IdKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Message => "message",
            Self::Case => "case",
        })
    }
}

/// Why a typed id stands for no single id.
#[derive(Debug, thiserror::Error)]
pub enum IdError {
    #[error("no {kind} id held by this node begins with {typed:?}")]
    NotFound { kind: IdKind, typed: String },
    #[error(
        "{typed:?} begins more than one {kind} id: {}{}; type more of the id",
        candidates.join(", "),
        if *more { ", ..." } else { "" }
    )]
    Ambiguous {
        kind: IdKind,
        typed: String,
        candidates: Vec<String>,
        /// More ids begin with it than are named.
        more: bool,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Spellings of `typed` to try: as typed, then with the letters of a ULID upper-cased (message
/// ids are upper case; a case id ends with one).
fn spellings(typed: &str) -> Vec<String> {
    let trimmed = typed.trim().to_owned();
    let upper = match trimmed.rfind('-') {
        Some(at) => format!(
            "{}{}",
            &trimmed[..=at],
            trimmed[at + 1..].to_ascii_uppercase()
        ),
        None => trimmed.to_ascii_uppercase(),
    };
    if upper == trimmed {
        vec![trimmed]
    } else {
        vec![trimmed, upper]
    }
}

fn resolve(
    kind: IdKind,
    typed: &str,
    find: impl Fn(&str, usize) -> Result<Vec<String>, StoreError>,
) -> Result<String, IdError> {
    for spelling in spellings(typed) {
        if spelling.is_empty() {
            break;
        }
        let found = find(&spelling, MAX_CANDIDATES + 1)?;
        // An id that is whole stands for itself, even if it begins a longer one.
        if found.contains(&spelling) {
            return Ok(spelling);
        }
        match found.as_slice() {
            [] => continue,
            [only] => return Ok(only.clone()),
            several => {
                let more = several.len() > MAX_CANDIDATES;
                return Err(IdError::Ambiguous {
                    kind,
                    typed: typed.to_owned(),
                    candidates: several.iter().take(MAX_CANDIDATES).cloned().collect(),
                    more,
                });
            }
        }
    }
    Err(IdError::NotFound {
        kind,
        typed: typed.to_owned(),
    })
}

/// The message id `typed` stands for.
pub fn resolve_message(store: &Store, typed: &str) -> Result<String, IdError> {
    resolve(IdKind::Message, typed, |prefix, cap| {
        store.message_ids_with_prefix(prefix, cap)
    })
}

/// The case id `typed` stands for.
pub fn resolve_case(store: &Store, typed: &str) -> Result<String, IdError> {
    resolve(IdKind::Case, typed, |prefix, cap| {
        store.case_ids_with_prefix(prefix, cap)
    })
}

/// The case a submission is filed under: the held case `typed` stands for, or `typed` itself
/// when it begins no held case id (a new case under a chosen id); empty stays empty.
pub fn resolve_case_to_file(store: &Store, typed: &str) -> Result<String, IdError> {
    if typed.is_empty() {
        return Ok(String::new());
    }
    match resolve_case(store, typed) {
        Err(IdError::NotFound { .. }) => Ok(typed.to_owned()),
        other => other,
    }
}

fn shortened(id: &str, distinct: usize) -> String {
    let keep = distinct.max(SHORT_ID_MIN_CHARS);
    id.chars().take(keep).collect()
}

/// The short form of message id `id`.
pub fn short_message_id(store: &Store, id: &str) -> Result<String, StoreError> {
    Ok(shortened(id, store.message_id_distinct_len(id)?))
}

/// The short form of case id `case_id`.
pub fn short_case_id(store: &Store, case_id: &str) -> Result<String, StoreError> {
    Ok(shortened(case_id, store.case_id_distinct_len(case_id)?))
}

/// Fills the short forms of each record's ids.
pub fn fill_short_ids(store: &Store, records: &mut [MessageRecord]) -> Result<(), StoreError> {
    for record in records {
        record.short_id = short_message_id(store, &record.message_id)?;
        record.short_case_id = short_case_id(store, &record.case_id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::store::StoreError;

    fn store_with(ids: &[(&str, &str)]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        for (case_id, id) in ids {
            store
                .write_blocking(|batch| {
                    batch.put_message(&MessageRecord {
                        direction: rogatory_proto::v1::Direction::Unspecified as i32,
                        message_id: (*id).into(),
                        case_id: (*case_id).into(),
                        ..Default::default()
                    });
                    Ok::<_, StoreError>(())
                })
                .expect("write");
        }
        (dir, store)
    }

    #[test]
    fn a_unique_beginning_stands_for_its_id_and_an_ambiguous_one_names_the_candidates() {
        let (_dir, store) = store_with(&[
            ("tm-01JAAA", "01JAAAAAAAAAAAAAAAAAAAAAAA"),
            ("tm-01JAAA", "01JAAAAAAAAAAAAAAAAAAAAAAB"),
            ("tm-01JBBB", "01JBBBBBBBBBBBBBBBBBBBBBBB"),
            ("tm-01JB", "01JCCCCCCCCCCCCCCCCCCCCCCC"),
        ]);
        assert_eq!(
            resolve_message(&store, "01jb").expect("unique, in lower case"),
            "01JBBBBBBBBBBBBBBBBBBBBBBB"
        );
        match resolve_message(&store, "01JAAA") {
            Err(IdError::Ambiguous { candidates, .. }) => assert_eq!(
                candidates,
                ["01JAAAAAAAAAAAAAAAAAAAAAAA", "01JAAAAAAAAAAAAAAAAAAAAAAB"]
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            resolve_message(&store, "01JZ"),
            Err(IdError::NotFound { .. })
        ));
        assert_eq!(resolve_case(&store, "tm-01JA").expect("case"), "tm-01JAAA");
        assert_eq!(
            resolve_case(&store, "tm-01JB").expect("a whole id stands for itself"),
            "tm-01JB"
        );
        assert!(matches!(
            resolve_case(&store, "tm-01"),
            Err(IdError::Ambiguous { .. })
        ));
        assert_eq!(
            resolve_case_to_file(&store, "tm-new").expect("new"),
            "tm-new"
        );
        assert_eq!(
            short_message_id(&store, "01JAAAAAAAAAAAAAAAAAAAAAAB").expect("short"),
            "01JAAAAAAAAAAAAAAAAAAAAAAB",
            "as long as it takes to differ from its neighbour"
        );
        assert_eq!(
            short_message_id(&store, "01JBBBBBBBBBBBBBBBBBBBBBBB").expect("short"),
            "01JBBBBB",
            "never under 8 characters"
        );
        assert_eq!(
            short_case_id(&store, "tm-01JBBB").expect("short"),
            "tm-01JBB"
        );
        assert_eq!(
            short_case_id(&store, "tm-01JAAA").expect("short"),
            "tm-01JAA"
        );
    }
}
