//! Peers' contact-point directories: fetched (through `delivery::link`), verified, cached and
//! refreshed in the background (see [`keep_fresh`]), and searched. This node's own directory
//! is `identity::directory`.
//!
//! A peer's directory is cached as the raw `SignedDirectory` bytes it sent, in
//! `<data_dir>/directories/<peer>.signed`, and re-verified with the peer's key from the peer
//! table every time it is read: a cache file edited on disk is refused like a forged answer.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use prost::Message;
use rogatory_proto::signing::{self, VerifyError};
use rogatory_proto::v1::{
    AssistanceType, ContactPoint, Directory, DirectoryMatch, DirectorySource,
    SearchDirectoryRequest, SearchDirectoryResponse, SignedDirectory,
};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::delivery::link::{CallError, Links};
use crate::node::Node;

/// Why a peer's directory is not available.
#[derive(Debug, thiserror::Error)]
pub enum PeerDirectoryError {
    #[error("{peer} is not a peer of this node")]
    UnknownPeer { peer: String },
    #[error("the directory {peer} sent was refused: {source}")]
    Refused { peer: String, source: VerifyError },
    #[error("the cached directory of {peer} ({path}) was refused: {source}")]
    CacheRefused {
        peer: String,
        path: PathBuf,
        source: VerifyError,
    },
    #[error("cannot fetch the directory of {peer}: {source}")]
    Fetch { peer: String, source: CallError },
    #[error("cannot write the directory cache {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// How long a cached directory answers searches before it is fetched again: contact points
/// change with postings and rotas, and a search should not send anyone to last month's duty
/// prosecutor.
const MAX_CACHE_AGE_MS: i64 = 24 * 3_600_000;

/// Where the verified directory of `peer` is cached.
pub fn cache_path(data_dir: &Path, peer: &str) -> PathBuf {
    data_dir.join("directories").join(format!("{peer}.signed"))
}

/// A verified directory and where it came from.
struct Held {
    directory: Directory,
    /// When the cached copy was written (ms since epoch).
    cached_at_ms: i64,
}

/// Reads and verifies the cached directory of `peer`; `Ok(None)` if there is none.
fn read_cache(node: &Node, peer: &str) -> Result<Option<Held>, PeerDirectoryError> {
    let path = cache_path(&node.config.data_dir, peer);
    let Ok(bytes) = std::fs::read(&path) else {
        return Ok(None);
    };
    let key = node
        .peers
        .public_key(peer)
        .ok_or_else(|| PeerDirectoryError::UnknownPeer {
            peer: peer.to_owned(),
        })?;
    let refused = |source: VerifyError| PeerDirectoryError::CacheRefused {
        peer: peer.to_owned(),
        path: path.clone(),
        source,
    };
    let signed = SignedDirectory::decode(bytes.as_slice()).map_err(|e| refused(e.into()))?;
    let directory = open_dated(node, &key, peer, &signed).map_err(refused)?;
    let cached_at_ms = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    Ok(Some(Held {
        directory,
        cached_at_ms,
    }))
}

/// Opens `peer`'s directory with the key that signed it, valid at its `published_at_ms`
/// (PROTOCOL.md section 11.3), so a directory signed before a rotation still reads; if none
/// does, the failure with `newest`, the peer's key now.
fn open_dated(
    node: &Node,
    newest: &ed25519_dalek::VerifyingKey,
    peer: &str,
    signed: &SignedDirectory,
) -> Result<Directory, VerifyError> {
    let opened = std::cell::RefCell::new(None);
    let verified = crate::rules::key_windows::verify_dated(
        &node.peers.keys_of(peer),
        |key| signing::open_directory(key, peer, signed).is_ok(),
        |key| {
            let directory = signing::open_directory(key, peer, signed).ok();
            let at = directory.as_ref().map_or(i64::MIN, |d| d.published_at_ms);
            *opened.borrow_mut() = directory;
            at
        },
    );
    match (verified, opened.into_inner()) {
        (Ok(_), Some(directory)) => Ok(directory),
        (Err(crate::rules::key_windows::KeyRefusal::NoKey), _) | (Ok(_), None) => {
            signing::open_directory(newest, peer, signed)
        }
        (Err(refusal), _) => Err(VerifyError::InvalidField {
            field: "published_at_ms",
            problem: refusal.to_string(),
        }),
    }
}

/// Writes `bytes` to `path` atomically: a temporary file, synced, then renamed over it.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    // Private to the node (0700, 0600), whatever the data directory's own mode.
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    let temporary = path.with_extension("signed.tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Fetches the directory of `peer`, verifies it with the peer's key, and caches it.
async fn fetch(node: &Node, links: &dyn Links, peer: &str) -> Result<Held, PeerDirectoryError> {
    let config = node
        .peers
        .get(peer)
        .ok_or_else(|| PeerDirectoryError::UnknownPeer {
            peer: peer.to_owned(),
        })?;
    let fetch_error = |source| PeerDirectoryError::Fetch {
        peer: peer.to_owned(),
        source,
    };
    let signed = links.fetch_directory(peer).await.map_err(fetch_error)?;
    let directory = open_dated(node, &config.public_key, peer, &signed).map_err(|source| {
        PeerDirectoryError::Refused {
            peer: peer.to_owned(),
            source,
        }
    })?;
    let path = cache_path(&node.config.data_dir, peer);
    let bytes = signed.encode_to_vec();
    let target = path.clone();
    tokio::task::spawn_blocking(move || write_atomically(&target, &bytes))
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))
        .and_then(|result| result)
        .map_err(|source| PeerDirectoryError::Write { path, source })?;
    Ok(Held {
        directory,
        cached_at_ms: crate::now_ms(),
    })
}

/// Runs until `shutdown`: about every `every` (up to a tenth earlier or later, so a federation's
/// nodes do not all call each other at once) it fetches each peer's directory, verifies it and
/// replaces the cached copy, so a search finds this week's contact points even when no one has
/// searched for a while. A failure (peer unreachable, directory refused) keeps the old copy,
/// which is replaced only by a verified one, and is logged; the next round tries again.
pub async fn keep_fresh(
    node: Arc<Node>,
    links: Arc<dyn Links>,
    every: Duration,
    shutdown: CancellationToken,
) {
    async move {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(jittered(every)) => {}
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = refresh_peers(&node, &*links) => {}
            }
        }
    }
    .instrument(tracing::info_span!("directory_refresh"))
    .await;
}

/// One round of [`keep_fresh`]: fetches, verifies and caches each peer's directory in turn, and
/// logs each outcome. Returns, per peer, the number of contact points now cached or why its
/// old copy (if any) stays.
pub async fn refresh_peers(
    node: &Node,
    links: &dyn Links,
) -> Vec<(String, Result<usize, PeerDirectoryError>)> {
    let peers: Vec<String> = node.peers.ids();
    let mut outcomes = Vec::with_capacity(peers.len());
    for peer in peers {
        let fetched = fetch(node, links, &peer).await;
        match &fetched {
            Ok(held) => tracing::info!(
                %peer,
                contact_points = held.directory.contact_points.len(),
                published_at_ms = held.directory.published_at_ms,
                "peer directory refreshed"
            ),
            Err(error) => tracing::warn!(
                %peer,
                error = %crate::error_chain(error),
                "cannot refresh the peer's directory; the cached copy stays in use"
            ),
        }
        outcomes.push((
            peer,
            fetched.map(|held| held.directory.contact_points.len()),
        ));
    }
    outcomes
}

/// `every`, moved by a random amount of up to a tenth of it either way.
fn jittered(every: Duration) -> Duration {
    let mut random = [0u8; 8];
    if getrandom::fill(&mut random).is_err() {
        return every;
    }
    // In [0.9, 1.1).
    let fraction = 0.9 + 0.2 * (u64::from_le_bytes(random) as f64 / u64::MAX as f64);
    every.mul_f64(fraction)
}

fn matches(point: &ContactPoint, request: &SearchDirectoryRequest) -> bool {
    let measure_ok = request.measure == AssistanceType::Unspecified as i32
        || point.measures.contains(&request.measure);
    let crime = request.crime.trim().to_lowercase();
    let crime_ok = crime.is_empty()
        || covers_every_crime(&point.crimes)
        || point
            .crimes
            .iter()
            .any(|c| c.to_lowercase().contains(&crime));
    let language = request.language.trim();
    let language_ok = language.is_empty()
        || point
            .languages
            .iter()
            .any(|l| rogatory_proto::languages::same_language(l, language));
    measure_ok && crime_ok && language_ok
}

/// Words with which a directory entry declares competence for any crime (in the languages
/// entries are written in); an entry that lists no crime at all is competent for all of them.
const ANY_CRIME: &[&str] = &[
    "all",
    "any",
    "all crimes",
    "any crime",
    "все",
    "любые",
    "все преступления",
    "любые преступления",
    "alle",
    "alle straftaten",
    "*",
];

/// Whether an entry's crimes list declares competence for every crime.
fn covers_every_crime(crimes: &[String]) -> bool {
    crimes.iter().all(|c| c.trim().is_empty())
        || crimes
            .iter()
            .any(|c| ANY_CRIME.contains(&c.trim().to_lowercase().as_str()))
}

/// Answers "whom do I ask?" from peers' verified directories: fetched when asked to refresh
/// or when nothing valid is cached, from the cache otherwise or when the peer is unreachable.
pub async fn search(
    node: &Node,
    links: &dyn Links,
    request: &SearchDirectoryRequest,
) -> Result<SearchDirectoryResponse, PeerDirectoryError> {
    let peers: Vec<String> = if request.country.is_empty() {
        node.peers.ids()
    } else if node.peers.get(&request.country).is_some() {
        vec![request.country.clone()]
    } else {
        return Err(PeerDirectoryError::UnknownPeer {
            peer: request.country.clone(),
        });
    };
    let mut response = SearchDirectoryResponse::default();
    for peer in peers {
        let cached = if request.refresh {
            Err(None)
        } else {
            match read_cache(node, &peer) {
                // A copy older than a day is fetched again, and kept if the peer is away.
                Ok(Some(held)) if crate::now_ms() - held.cached_at_ms > MAX_CACHE_AGE_MS => {
                    Err(None)
                }
                Ok(Some(held)) => Ok(held),
                Ok(None) => Err(None),
                Err(error) => Err(Some(error)),
            }
        };
        let (held, origin, mut problem) = match cached {
            Ok(held) => (Some(held), "cache", String::new()),
            Err(cache_problem) => match fetch(node, links, &peer).await {
                Ok(held) => (Some(held), "fetched", String::new()),
                Err(error @ PeerDirectoryError::Refused { .. }) => {
                    tracing::warn!(%error, "peer directory refused");
                    (None, "unavailable", crate::error_chain(&error))
                }
                Err(error) => {
                    // Unreachable: fall back to the cache, which is verified again.
                    let mut problem = crate::error_chain(&error);
                    if let Some(cache_problem) = cache_problem {
                        problem = format!("{problem}; {}", crate::error_chain(&cache_problem));
                        (None, "unavailable", problem)
                    } else {
                        match read_cache(node, &peer) {
                            Ok(Some(held)) => (Some(held), "cache", problem),
                            Ok(None) => (None, "unavailable", problem),
                            Err(cache) => (
                                None,
                                "unavailable",
                                format!("{problem}; {}", crate::error_chain(&cache)),
                            ),
                        }
                    }
                }
            },
        };
        let mut source = DirectorySource {
            node_id: peer.clone(),
            origin: origin.to_owned(),
            ..Default::default()
        };
        if let Some(held) = held {
            source.published_at_ms = held.directory.published_at_ms;
            source.cached_at_ms = held.cached_at_ms;
            for point in held.directory.contact_points {
                if matches(&point, request) {
                    response.matches.push(DirectoryMatch {
                        node_id: peer.clone(),
                        published_at_ms: held.directory.published_at_ms,
                        contact_point: Some(point),
                    });
                }
            }
        }
        source.problem = std::mem::take(&mut problem);
        response.sources.push(source);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(crimes: &[&str], languages: &[&str]) -> ContactPoint {
        ContactPoint {
            crimes: crimes.iter().map(|c| (*c).to_owned()).collect(),
            languages: languages.iter().map(|l| (*l).to_owned()).collect(),
            ..Default::default()
        }
    }

    fn search(crime: &str, language: &str) -> SearchDirectoryRequest {
        SearchDirectoryRequest {
            crime: crime.into(),
            language: language.into(),
            ..Default::default()
        }
    }

    #[test]
    fn languages_match_by_code_english_russian_or_own_name() {
        let entry = point(&["trafficking in persons"], &["ru", "German"]);
        for typed in [
            "russian",
            "Русский",
            "ru",
            "rus",
            "german",
            "немецкий",
            "de",
            "deu",
            "ger",
        ] {
            assert!(matches(&entry, &search("", typed)), "{typed}");
        }
        assert!(!matches(&entry, &search("", "uzbek")));
        assert!(!matches(&entry, &search("", "узбекский")));
    }

    #[test]
    fn an_entry_for_any_crime_matches_every_crime_search() {
        for crimes in [&[][..], &["all"][..], &["Любые"][..], &["ANY"][..]] {
            assert!(
                matches(&point(crimes, &[]), &search("money laundering", "")),
                "{crimes:?}"
            );
        }
        let specific = point(&["Торговля людьми"], &[]);
        assert!(matches(&specific, &search("торговля", "")));
        assert!(matches(&specific, &search("ТОРГОВЛЯ ЛЮДЬМИ", "")));
        assert!(!matches(&specific, &search("money laundering", "")));
    }

    #[test]
    fn refresh_intervals_are_jittered_within_a_tenth() {
        let every = Duration::from_secs(24 * 3600);
        let seen: Vec<Duration> = (0..50).map(|_| jittered(every)).collect();
        for interval in &seen {
            assert!(
                *interval >= every.mul_f64(0.9) && *interval <= every.mul_f64(1.1),
                "{interval:?}"
            );
        }
        assert!(seen.iter().any(|i| *i != seen[0]), "not jittered: {seen:?}");
    }
}
