//! `rogatory log verify`: has the node's audit log been altered? `rogatory log checkpoint`:
//! what has the node signed that it holds, and who witnessed it?
//!
//! `rogatory audit ...`: the auditor's toolkit. `export` is the only one that talks to a node
//! (its `ExportLog` operator call); `verify`, `prove`, `check-proof`, `consistency`,
//! `check-consistency` and `cross-check` work offline on bundles (see [`crate::bundle`]) or
//! proof files with `rogatory_proto::audit`, so an auditor needs nothing from the node but the
//! bundle, and should get the node's key from its operator, not only from the bundle.

use std::path::Path;

use anyhow::Context;
use ed25519_dalek::VerifyingKey;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rogatory_node::now_ms;
use rogatory_proto::audit::{
    self, AuditFailure, AuditReport, AuditVerifier, CrossCheck, CrossCheckReport, Party, Side,
};
use rogatory_proto::v1::export_chunk::Chunk;
use rogatory_proto::v1::{
    ExportLogRequest, LatestCheckpointRequest, VerifyLogRequest, VerifyLogResponse,
};
use serde::Serialize;

mod check_document;
mod entries;
mod roster;

pub use check_document::check_document;
pub use entries::{DEFAULT_LIMIT as ENTRIES_LIMIT, entries, entry};
pub use roster::{HistoryView, SignatureFindingView, verify_against_roster, write_rosters};

use super::Outcome;
use crate::bundle::{Bundle, BundleWriter, EntryReader, NextEntry};
use crate::connection::{Client, NodeTarget, answer};
use crate::failure::{RpcError, UserError};
use crate::i18n::{Language, language, t, t_in};
use crate::output::{Format, count, instant, print_json, put, say, tell};

/// Logs shorter than this verify in a blink: no progress bar.
const PROGRESS_MIN_ENTRIES: u64 = 10_000;

/// The verdict on one audit log.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub ok: bool,
    pub entries: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_index: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

impl From<VerifyLogResponse> for Verdict {
    fn from(r: VerifyLogResponse) -> Self {
        Self {
            ok: r.ok,
            entries: r.entries,
            head_hash: Some(r.head_hash).filter(|h| r.ok && !h.is_empty()),
            failed_index: (!r.ok).then_some(r.failed_index),
            failure: (!r.ok).then_some(r.failure),
        }
    }
}

impl Verdict {
    /// "audit log OK: 6 entries, head …" or "audit log FAILED at entry 4: …", in English.
    pub fn sentence(&self) -> String {
        self.sentence_in(Language::English)
    }

    /// [`Verdict::sentence`] in `language`.
    pub fn sentence_in(&self, language: Language) -> String {
        if self.ok {
            let head = match self.head_hash.as_deref() {
                Some(head) => head.to_owned(),
                None => t_in!(language, "audit-log-empty"),
            };
            t_in!(language, "audit-log-ok", count = self.entries, head = head)
        } else {
            t_in!(
                language,
                "audit-log-failed",
                index = self.failed_index.unwrap_or(0),
                failure = self.failure.as_deref().unwrap_or("")
            )
        }
    }
}

/// Asks the node to verify its whole log.
pub async fn verify(client: &mut Client) -> anyhow::Result<Verdict> {
    let response = answer(client.verify_log(VerifyLogRequest {}).await, || {
        t!("audit-asking-verify")
    })?;
    Ok(response.into())
}

pub async fn log_verify(target: &NodeTarget, format: Format) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let verdict = verify(&mut client).await?;
    if format.json() {
        print_json(&verdict)?;
    } else {
        say!("{}", verdict.sentence_in(language()));
    }
    Ok(if verdict.ok {
        Outcome::Done
    } else {
        Outcome::LogFailed
    })
}

#[derive(Debug, Serialize)]
struct CheckpointView {
    size: u64,
    note: String,
    cosigned_by: Vec<String>,
}

/// Prints the node's newest signed checkpoint (the note verbatim, so it can be saved as is).
pub async fn log_checkpoint(target: &NodeTarget, format: Format) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let latest = answer(
        client.latest_checkpoint(LatestCheckpointRequest {}).await,
        || t!("audit-asking-checkpoint"),
    )?;
    if format.json() {
        print_json(&CheckpointView {
            size: latest.size,
            note: latest.note,
            cosigned_by: latest.cosigned_by,
        })?;
        return Ok(Outcome::Done);
    }
    if latest.note.is_empty() {
        tell!("{}", t!("audit-no-checkpoint-yet"));
        return Ok(Outcome::Done);
    }
    put!("{}", latest.note);
    let cosigners = if latest.cosigned_by.is_empty() {
        t!("audit-checkpoint-no-cosigner-yet")
    } else {
        latest.cosigned_by.join(", ")
    };
    tell!(
        "{}",
        t!(
            "audit-checkpoint-covers",
            count = latest.size,
            cosigners = cosigners
        )
    );
    Ok(Outcome::Done)
}

fn key_from(bytes: &[u8], whose: &str) -> anyhow::Result<VerifyingKey> {
    <[u8; 32]>::try_from(bytes)
        .ok()
        .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok())
        .with_context(|| t!("audit-export-invalid-key", node = whose))
}

#[derive(Debug, Serialize)]
struct ExportView {
    dir: String,
    node_id: String,
    entries: u64,
    checkpoints: u64,
    exported: String,
    files: Vec<String>,
}

/// `rogatory audit export DIR`: streams the node's log, checkpoints and keys into a bundle.
pub async fn export(target: &NodeTarget, dir: &Path, format: Format) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let mut stream = answer(client.export_log(ExportLogRequest {}).await, || {
        t!("audit-asking-export")
    })?;
    // Only once the node answered, so that a node that is down leaves no directory behind.
    let mut writer = BundleWriter::create(dir)?;
    let doing = || t!("audit-receiving");
    let identity = match stream
        .message()
        .await
        .map_err(RpcError::from)
        .with_context(doing)?
    {
        Some(rogatory_proto::v1::ExportChunk {
            chunk: Some(Chunk::Identity(identity)),
        }) => identity,
        _ => anyhow::bail!(t!("audit-export-no-identity")),
    };
    let node_key = key_from(&identity.public_key, &identity.node_id)?;
    let peers = identity
        .peers
        .iter()
        .map(|peer| {
            Ok((
                peer.node_id.clone(),
                key_from(&peer.public_key, &peer.node_id)?,
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    writer.write_keys(&identity.node_id, &node_key, &peers)?;
    let mut expected = 0;
    while let Some(chunk) = stream
        .message()
        .await
        .map_err(RpcError::from)
        .with_context(doing)?
    {
        match chunk.chunk {
            Some(Chunk::Entry(entry)) => {
                // The verifier would catch a gap too; a broken export is the node's fault.
                anyhow::ensure!(
                    entry.index == expected,
                    t!(
                        "audit-export-out-of-order",
                        index = entry.index,
                        expected = expected
                    )
                );
                writer.write_entry(&entry.entry)?;
                expected += 1;
            }
            Some(Chunk::Checkpoint(checkpoint)) => {
                writer.write_checkpoint(checkpoint.size, &checkpoint.note)?;
            }
            _ => anyhow::bail!(t!("audit-export-unexpected-chunk")),
        }
    }
    let exported = instant(now_ms());
    let manifest = writer.finish(&identity.node_id, exported)?;
    let view = ExportView {
        dir: dir.display().to_string(),
        node_id: manifest.node_id,
        entries: manifest.entries,
        checkpoints: manifest.checkpoints,
        exported: manifest.exported,
        files: vec![
            crate::bundle::MANIFEST_FILE.into(),
            crate::bundle::KEYS_FILE.into(),
            crate::bundle::ENTRIES_FILE.into(),
            format!("{}/", crate::bundle::CHECKPOINTS_DIR),
        ],
    };
    if format.json() {
        print_json(&view)?;
    } else {
        say!(
            "{}",
            t!(
                "audit-export-written",
                node = view.node_id.as_str(),
                dir = view.dir.as_str(),
                entries = view.entries,
                checkpoints = view.checkpoints,
                keys = peers.len() + 1
            )
        );
        say!(
            "  BUNDLE        {}",
            t!("audit-export-manifest", exported = view.exported.as_str())
        );
        say!(
            "  keys.txt      {}",
            t!("audit-export-keys", node = view.node_id.as_str())
        );
        say!("  entries.bin   {}", t!("audit-export-entries"));
        say!("  checkpoints/  {}", t!("audit-export-checkpoints"));
        say!(
            "{}",
            t!("audit-export-check-offline", dir = view.dir.as_str())
        );
    }
    Ok(Outcome::Done)
}

fn progress_bar(entries: u64) -> ProgressBar {
    if entries < PROGRESS_MIN_ENTRIES || !crate::output::stderr_is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(entries), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("verifying {bar:40} {pos}/{len} entries ({eta} left)")
    {
        bar.set_style(style);
    }
    bar
}

/// Why reading a chunk of entries stopped before it was full.
#[derive(Debug)]
enum ChunkEnd {
    /// entries.bin ends.
    End,
    /// Its framing is broken at this entry.
    Damaged(u64, String),
    /// It could not be read.
    Unreadable(anyhow::Error),
}

/// Reads entries into `chunk` until it holds [`audit::CHUNK_ENTRIES`] entries or
/// [`audit::CHUNK_BYTES`] bytes; returns the index of the first one and, if reading stopped
/// early, why.
fn read_chunk(
    entries: &mut EntryReader,
    chunk: &mut Vec<Vec<u8>>,
) -> (Option<u64>, Option<ChunkEnd>) {
    chunk.clear();
    let mut first = None;
    let mut bytes_read = 0;
    while chunk.len() < audit::CHUNK_ENTRIES && bytes_read < audit::CHUNK_BYTES {
        match entries.next_entry() {
            Ok(NextEntry::Entry(index, bytes)) => {
                first.get_or_insert(index);
                bytes_read += bytes.len();
                chunk.push(bytes);
            }
            Ok(NextEntry::End) => return (first, Some(ChunkEnd::End)),
            Ok(NextEntry::Damaged(index, reason)) => {
                return (first, Some(ChunkEnd::Damaged(index, reason)));
            }
            Err(error) => return (first, Some(ChunkEnd::Unreadable(error))),
        }
    }
    (first, None)
}

/// Feeds every entry of `bundle` to a verifier, a chunk at a time, and checks each checkpoint
/// once the tree reaches its size, with the verdict of checking it right after the entry that
/// completes it. `Ok(Err(_))` is a bundle that does not verify; `Err(_)` one that could not be
/// read.
fn replay(bundle: &Bundle) -> anyhow::Result<Result<AuditVerifier, AuditFailure>> {
    replay_with(bundle, bundle.peer_keys.clone())
}

/// [`replay`] with the peers' keys given (pinned by the auditor) rather than the bundle's.
fn replay_with(
    bundle: &Bundle,
    peer_keys: std::collections::BTreeMap<String, ed25519_dalek::VerifyingKey>,
) -> anyhow::Result<Result<AuditVerifier, AuditFailure>> {
    replay_into(
        bundle,
        AuditVerifier::new(&bundle.node_id, bundle.node_key, peer_keys),
    )
}

/// [`replay`] through a verifier made by the caller (one judging keys by a roster history).
fn replay_into(
    bundle: &Bundle,
    mut verifier: AuditVerifier,
) -> anyhow::Result<Result<AuditVerifier, AuditFailure>> {
    let mut checkpoints = bundle.checkpoints.iter().peekable();
    let mut entries = bundle.entries()?;
    let bar = progress_bar(bundle.manifest.entries);
    let mut chunk = Vec::with_capacity(audit::CHUNK_ENTRIES);
    let outcome = loop {
        let (first, end) = read_chunk(&mut entries, &mut chunk);
        let pushed = match first {
            Some(first) => verifier.push_entries(first, &chunk),
            None => Ok(()),
        };
        // The tree holds every entry that verified: on a failure at entry i, exactly i. The
        // checkpoints it reaches come first, as they did when checked after each entry.
        while let Some((size, path)) =
            checkpoints.next_if(|(size, _)| *size <= verifier.tree().len())
        {
            if let Err(failure) = verifier.check_checkpoint(*size, &bundle.checkpoint_note(path)?) {
                bar.finish_and_clear();
                return Ok(Err(failure));
            }
        }
        if let Err(failure) = pushed {
            break Err(failure);
        }
        bar.inc(chunk.len() as u64);
        match end {
            None => {}
            Some(ChunkEnd::End) => break Ok(()),
            Some(ChunkEnd::Damaged(index, reason)) => {
                break Err(AuditFailure {
                    index: Some(index),
                    reason,
                });
            }
            Some(ChunkEnd::Unreadable(error)) => {
                bar.finish_and_clear();
                return Err(error);
            }
        }
    };
    bar.finish_and_clear();
    if let Err(failure) = outcome {
        return Ok(Err(failure));
    }
    // Checkpoints larger than the log: check_checkpoint names the first missing entry.
    for (size, path) in checkpoints {
        if let Err(failure) = verifier.check_checkpoint(*size, &bundle.checkpoint_note(path)?) {
            return Ok(Err(failure));
        }
    }
    // A checkpoint file removed (the newest, say) would otherwise leave a bundle that
    // verifies: the manifest's count is what the export wrote.
    if bundle.checkpoints.len() as u64 != bundle.manifest.checkpoints {
        return Ok(Err(AuditFailure {
            index: None,
            reason: format!(
                "the manifest counts {} but checkpoints/ holds {}",
                count(bundle.manifest.checkpoints, "checkpoint", "checkpoints"),
                bundle.checkpoints.len()
            ),
        }));
    }
    if verifier.len() != bundle.manifest.entries {
        return Ok(Err(AuditFailure {
            index: Some(verifier.len().min(bundle.manifest.entries)),
            reason: format!(
                "the manifest counts {} but entries.bin holds {}",
                count(bundle.manifest.entries, "entry", "entries"),
                verifier.len()
            ),
        }));
    }
    Ok(Ok(verifier))
}

/// The verdict on a bundle, for people and for `--json`.
#[derive(Debug, Serialize)]
pub struct BundleVerdict {
    pub ok: bool,
    pub node_id: String,
    /// The node's key as the bundle gives it: compare it with the one its operator publishes.
    pub node_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages_sent: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages_received: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipts_issued: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipts_obtained: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kinds: Option<std::collections::BTreeMap<String, u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoints: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_checkpoint_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cosigned_by: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cosignatures: Option<u64>,
    /// Entries after the newest checkpoint: not yet covered by one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncovered: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_index: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Nodes whose key was taken from the bundle's own keys.txt, which the audited node wrote
    /// (itself included): pin them with `--peer-keys`.
    pub keys_on_trust: Vec<String>,
    /// Nodes whose key the auditor pinned with `--peer-keys` (and the bundle agreed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys_pinned: Vec<String>,
    /// With `--roster`: the history the signatures were judged by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roster_history: Option<HistoryView>,
    /// With `--roster`: every signature not by a key valid for its signer at its date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_findings: Option<Vec<SignatureFindingView>>,
}

impl BundleVerdict {
    fn new(bundle: &Bundle, outcome: Result<AuditReport, AuditFailure>) -> Self {
        let mut verdict = Self {
            ok: outcome.is_ok(),
            node_id: bundle.node_id.clone(),
            node_key: bundle.node_verifier_key.clone(),
            entries: None,
            messages_sent: None,
            messages_received: None,
            receipts_issued: None,
            receipts_obtained: None,
            kinds: None,
            checkpoints: None,
            latest_checkpoint_size: None,
            cosigned_by: None,
            cosignatures: None,
            uncovered: None,
            head_hash: None,
            failed_index: None,
            failure: None,
            keys_on_trust: std::iter::once(bundle.node_id.clone())
                .chain(bundle.peer_keys.keys().cloned())
                .collect(),
            keys_pinned: Vec::new(),
            roster_history: None,
            signature_findings: None,
        };
        match outcome {
            Ok(report) => {
                verdict.entries = Some(report.entries);
                verdict.messages_sent = Some(report.messages_sent);
                verdict.messages_received = Some(report.messages_received);
                verdict.receipts_issued = Some(report.receipts_issued);
                verdict.receipts_obtained = Some(report.receipts_obtained);
                verdict.kinds = Some(report.kinds);
                verdict.checkpoints = Some(report.checkpoints);
                verdict.latest_checkpoint_size = report.latest_checkpoint.as_ref().map(|c| c.size);
                verdict.cosigned_by = report.latest_checkpoint.map(|c| c.cosigned_by);
                verdict.cosignatures = Some(report.cosignatures);
                verdict.uncovered = Some(report.uncovered);
                verdict.head_hash = Some(hex::encode(report.head_hash));
            }
            Err(failure) => {
                verdict.failed_index = failure.index;
                verdict.failure = Some(failure.reason);
            }
        }
        verdict
    }

    /// "bundle OK: …" or "bundle FAILED at entry I: …", in English.
    pub fn sentence(&self) -> String {
        self.sentence_in(Language::English)
    }

    /// [`BundleVerdict::sentence`] in `language`.
    pub fn sentence_in(&self, language: Language) -> String {
        if !self.ok {
            let reason = self.failure.as_deref().unwrap_or("");
            return match self.failed_index {
                Some(index) => t_in!(
                    language,
                    "audit-bundle-failed-at",
                    index = index,
                    failure = reason
                ),
                None => t_in!(language, "audit-bundle-failed", failure = reason),
            };
        }
        let entries = self.entries.unwrap_or(0);
        let (sent, received, issued, obtained) = (
            self.messages_sent.unwrap_or(0),
            self.messages_received.unwrap_or(0),
            self.receipts_issued.unwrap_or(0),
            self.receipts_obtained.unwrap_or(0),
        );
        let other = entries.saturating_sub(sent + received + issued + obtained);
        let latest = match self.latest_checkpoint_size {
            None => t_in!(language, "audit-bundle-no-checkpoint"),
            Some(size) => t_in!(
                language,
                "audit-bundle-latest",
                count = size,
                cosigners = match self.cosigned_by.as_deref() {
                    Some(peers) if !peers.is_empty() => peers.join(", "),
                    _ => t_in!(language, "audit-bundle-no-cosigner"),
                }
            ),
        };
        t_in!(
            language,
            "audit-bundle-ok",
            entries = entries,
            sent = sent,
            received = received,
            issued = issued,
            obtained = obtained,
            other = other,
            checkpoints = self.checkpoints.unwrap_or(0),
            latest = latest,
            uncovered = self.uncovered.unwrap_or(0)
        )
    }
}

/// `rogatory audit verify BUNDLE [--peer-keys FILE]`: offline, no node needed.
pub fn verify_bundle(
    dir: &Path,
    peer_keys: Option<&Path>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let bundle = Bundle::open(dir)?;
    let pinned = match peer_keys {
        Some(path) => crate::bundle::read_pinned_keys(path)?,
        None => std::collections::BTreeMap::new(),
    };
    let keys = audit::pin_keys(
        &bundle.node_id,
        bundle.node_key,
        bundle.peer_keys.clone(),
        &pinned,
    );
    let outcome = match &keys {
        Ok(keys) => replay_with(&bundle, keys.peer_keys.clone())?.and_then(AuditVerifier::finish),
        Err(failure) => Err(failure.clone()),
    };
    let mut verdict = BundleVerdict::new(&bundle, outcome);
    if let Ok(keys) = keys {
        verdict.keys_on_trust = keys.on_trust;
        verdict.keys_pinned = keys.pinned;
    }
    if format.json() {
        print_json(&verdict)?;
    } else {
        say!("{}", verdict.sentence_in(language()));
        say!(
            "{}",
            t!(
                "audit-bundle-node-key",
                node = verdict.node_id.as_str(),
                key = verdict.node_key.as_str()
            )
        );
        if !verdict.keys_pinned.is_empty() {
            say!(
                "{}",
                t!(
                    "audit-bundle-keys-pinned",
                    nodes = verdict.keys_pinned.join(", ")
                )
            );
        }
        if !verdict.keys_on_trust.is_empty() {
            say!(
                "{}",
                t!(
                    "audit-bundle-keys-on-trust",
                    nodes = verdict.keys_on_trust.join(", ")
                )
            );
        }
    }
    Ok(if verdict.ok {
        Outcome::Done
    } else {
        Outcome::LogFailed
    })
}

#[derive(Debug, Serialize)]
struct ProofView {
    index: u64,
    checkpoint_size: u64,
    proof: String,
}

/// `rogatory audit prove BUNDLE --index N [--checkpoint SIZE]`: a C2SP tlog-proof of one entry,
/// built from a bundle that verifies.
pub fn prove(
    dir: &Path,
    index: u64,
    checkpoint: Option<u64>,
    entry_out: Option<&Path>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let bundle = Bundle::open(dir)?;
    let (size, path) = match checkpoint {
        Some(size) => bundle
            .checkpoints
            .iter()
            .find(|(s, _)| *s == size)
            .ok_or_else(|| {
                UserError::new(
                    t!("audit-no-checkpoint-of-size", size = size),
                    t!("audit-no-checkpoint-of-size-hint-prove"),
                )
            })?,
        None => bundle
            .checkpoints
            .iter()
            .rev()
            .find(|(s, _)| *s > index)
            .ok_or_else(|| {
                UserError::new(
                    t!("audit-no-checkpoint-covers", index = index),
                    t!("audit-no-checkpoint-covers-hint"),
                )
            })?,
    };
    if index >= *size {
        return Err(UserError::new(
            t!("audit-checkpoint-too-small", size = *size, index = index),
            t!("audit-checkpoint-too-small-hint"),
        )
        .into());
    }
    let verifier = match replay(&bundle)? {
        Ok(verifier) => verifier,
        Err(failure) => {
            tell!(
                "{}",
                BundleVerdict::new(&bundle, Err(failure)).sentence_in(language())
            );
            tell!("{}", t!("audit-no-proof-written"));
            return Ok(Outcome::LogFailed);
        }
    };
    let note = bundle.checkpoint_note(path)?;
    let proof = audit::prove(verifier.tree(), index, *size, &note)
        .map_err(|e| anyhow::anyhow!("{}: {e}", t!("audit-cannot-build-proof")))?
        .encode();
    if let Some(out) = entry_out {
        let entry = entry_bytes(&bundle, index)?;
        // A new file (0600): an existing one is refused, never truncated.
        let mut file = crate::bundle::create_private(out)?;
        std::io::Write::write_all(&mut file, &entry)
            .and_then(|()| file.sync_all())
            .with_context(|| t!("audit-cannot-write", file = out.display().to_string()))?;
    }
    if format.json() {
        print_json(&ProofView {
            index,
            checkpoint_size: *size,
            proof,
        })?;
    } else {
        put!("{proof}");
        tell!(
            "{}",
            t!(
                "audit-proof-written",
                index = index,
                node = bundle.node_id.as_str(),
                count = *size
            )
        );
    }
    Ok(Outcome::Done)
}

/// The exact bytes of entry `index` of a bundle.
fn entry_bytes(bundle: &Bundle, index: u64) -> anyhow::Result<Vec<u8>> {
    let mut entries = bundle.entries()?;
    loop {
        match entries.next_entry()? {
            NextEntry::Entry(i, bytes) if i == index => return Ok(bytes),
            NextEntry::Entry(..) => {}
            _ => anyhow::bail!("the bundle has no entry {index}"),
        }
    }
}

#[derive(Debug, Serialize)]
struct ProofCheckView {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    checkpoint_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
}

/// `rogatory audit check-proof PROOF --key VKEY --entry-file FILE`: offline.
pub fn check_proof(
    proof: &Path,
    key: &str,
    entry_file: &Path,
    format: Format,
) -> anyhow::Result<Outcome> {
    let proof_text = std::fs::read_to_string(proof)
        .with_context(|| t!("audit-cannot-read", file = proof.display().to_string()))?;
    let entry = std::fs::read(entry_file)
        .with_context(|| t!("audit-cannot-read", file = entry_file.display().to_string()))?;
    let view = match audit::check_proof(&proof_text, key, &entry) {
        Ok(checked) => ProofCheckView {
            ok: true,
            origin: Some(checked.origin),
            index: Some(checked.index),
            checkpoint_size: Some(checked.size),
            failure: None,
        },
        Err(failure) => ProofCheckView {
            ok: false,
            origin: None,
            index: None,
            checkpoint_size: None,
            failure: Some(failure),
        },
    };
    if format.json() {
        print_json(&view)?;
    } else if view.ok {
        say!(
            "{}",
            t!(
                "audit-proof-ok",
                index = view.index.unwrap_or(0),
                origin = view.origin.as_deref().unwrap_or(""),
                count = view.checkpoint_size.unwrap_or(0)
            )
        );
    } else {
        say!(
            "{}",
            t!(
                "audit-proof-failed",
                failure = view.failure.as_deref().unwrap_or("")
            )
        );
    }
    Ok(if view.ok {
        Outcome::Done
    } else {
        Outcome::LogFailed
    })
}

/// A bundle's checkpoint of exactly `size` entries.
fn checkpoint_of(bundle: &Bundle, size: u64) -> anyhow::Result<&Path> {
    bundle
        .checkpoints
        .iter()
        .find(|(s, _)| *s == size)
        .map(|(_, path)| path.as_path())
        .ok_or_else(|| {
            UserError::new(
                t!("audit-no-checkpoint-of-size", size = size),
                t!("audit-no-checkpoint-of-size-hint"),
            )
            .into()
        })
}

#[derive(Debug, Serialize)]
struct ConsistencyView {
    old_size: u64,
    new_size: u64,
    proof: String,
}

/// `rogatory audit consistency BUNDLE OLD NEW`: a consistency proof file between two of the
/// bundle's checkpoints, built from a bundle that verifies.
pub fn consistency(dir: &Path, old: u64, new: u64, format: Format) -> anyhow::Result<Outcome> {
    let bundle = Bundle::open(dir)?;
    if old > new {
        return Err(UserError::new(
            t!("audit-old-larger-than-new", old = old, new = new),
            t!("audit-old-larger-than-new-hint"),
        )
        .into());
    }
    let (old_path, new_path) = (checkpoint_of(&bundle, old)?, checkpoint_of(&bundle, new)?);
    let verifier = match replay(&bundle)? {
        Ok(verifier) => verifier,
        Err(failure) => {
            tell!(
                "{}",
                BundleVerdict::new(&bundle, Err(failure)).sentence_in(language())
            );
            tell!("{}", t!("audit-no-proof-written"));
            return Ok(Outcome::LogFailed);
        }
    };
    let (old_note, new_note) = (
        bundle.checkpoint_note(old_path)?,
        bundle.checkpoint_note(new_path)?,
    );
    let proof = audit::consistency(verifier.tree(), old, new, &old_note, &new_note)
        .map_err(|e| anyhow::anyhow!("{}: {e}", t!("audit-cannot-build-proof")))?
        .encode();
    if format.json() {
        print_json(&ConsistencyView {
            old_size: old,
            new_size: new,
            proof,
        })?;
    } else {
        put!("{proof}");
        tell!(
            "{}",
            t!(
                "audit-consistency-written",
                node = bundle.node_id.as_str(),
                new = new,
                old = old
            )
        );
    }
    Ok(Outcome::Done)
}

#[derive(Debug, Serialize)]
struct ConsistencyCheckView {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
}

/// `rogatory audit check-consistency FILE --key VKEY`: offline.
pub fn check_consistency(file: &Path, key: &str, format: Format) -> anyhow::Result<Outcome> {
    let text = std::fs::read_to_string(file)
        .with_context(|| t!("audit-cannot-read", file = file.display().to_string()))?;
    let view = match audit::check_consistency_file(&text, key) {
        Ok(checked) => ConsistencyCheckView {
            ok: true,
            origin: Some(checked.origin),
            old_size: Some(checked.old_size),
            new_size: Some(checked.new_size),
            failure: None,
        },
        Err(failure) => ConsistencyCheckView {
            ok: false,
            origin: None,
            old_size: None,
            new_size: None,
            failure: Some(failure),
        },
    };
    if format.json() {
        print_json(&view)?;
    } else if view.ok {
        say!(
            "{}",
            t!(
                "audit-consistency-ok",
                origin = view.origin.as_deref().unwrap_or(""),
                new = view.new_size.unwrap_or(0),
                old = view.old_size.unwrap_or(0)
            )
        );
    } else {
        say!(
            "{}",
            t!(
                "audit-consistency-failed",
                failure = view.failure.as_deref().unwrap_or("")
            )
        );
    }
    Ok(if view.ok {
        Outcome::Done
    } else {
        Outcome::LogFailed
    })
}

#[derive(Debug, Serialize)]
struct CrossCheckView {
    ok: bool,
    a: String,
    b: String,
    /// Set when a bundle does not verify on its own (nothing is compared then).
    #[serde(skip_serializing_if = "Option::is_none")]
    bundle_failure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_a: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_b: Option<u64>,
    discrepancies: Vec<String>,
}

/// Runs `step` on every entry of `bundle`, which verified: the file is read again.
fn each_entry(
    bundle: &Bundle,
    mut step: impl FnMut(u64, &[u8]) -> Result<(), AuditFailure>,
) -> anyhow::Result<()> {
    let mut entries = bundle.entries()?;
    loop {
        match entries.next_entry()? {
            NextEntry::Entry(index, bytes) => step(index, &bytes).map_err(|failure| {
                anyhow::anyhow!(
                    "{} changed while it was read: {failure}",
                    bundle.dir.display()
                )
            })?,
            NextEntry::End => return Ok(()),
            NextEntry::Damaged(index, reason) => anyhow::bail!(
                "{} changed while it was read: entry {index}: {reason}",
                bundle.dir.display()
            ),
        }
    }
}

/// The two bundles' receipts against each other's logs. Each entries.bin is read three times
/// (verify, collect, check); only the receipts obtained from the other node are held.
fn compare(a: &Bundle, b: &Bundle) -> anyhow::Result<CrossCheckReport> {
    let party = |bundle: &Bundle| Party {
        node_id: bundle.node_id.clone(),
        key: bundle.node_key,
        peer_keys: bundle.peer_keys.clone(),
    };
    let mut check = CrossCheck::new(party(a), party(b));
    for (side, bundle) in [(Side::A, a), (Side::B, b)] {
        each_entry(bundle, |index, bytes| check.collect(side, index, bytes))?;
    }
    for (side, bundle) in [(Side::A, a), (Side::B, b)] {
        each_entry(bundle, |index, bytes| {
            check.check(side, index, bytes);
            Ok(())
        })?;
    }
    Ok(check.finish())
}

/// `rogatory audit cross-check A B`: offline.
pub fn cross_check(a: &Path, b: &Path, format: Format) -> anyhow::Result<Outcome> {
    let (a, b) = (Bundle::open(a)?, Bundle::open(b)?);
    if a.node_id == b.node_id {
        return Err(UserError::new(
            t!("audit-same-node", node = a.node_id.as_str()),
            t!("audit-same-node-hint"),
        )
        .into());
    }
    let mut view = CrossCheckView {
        ok: false,
        a: a.node_id.clone(),
        b: b.node_id.clone(),
        bundle_failure: None,
        matched_a: None,
        matched_b: None,
        discrepancies: Vec::new(),
    };
    let mut bundle_failure_told = None;
    for bundle in [&a, &b] {
        if let Err(failure) = replay(bundle)? {
            let verdict = BundleVerdict::new(bundle, Err(failure));
            view.bundle_failure = Some(format!("{}'s {}", bundle.node_id, verdict.sentence()));
            bundle_failure_told = Some(t!(
                "audit-cross-check-bundle-failed",
                node = bundle.node_id.as_str(),
                sentence = verdict.sentence_in(language())
            ));
            break;
        }
    }
    if view.bundle_failure.is_none() {
        let report = compare(&a, &b)?;
        view.ok = report.discrepancies.is_empty();
        view.matched_a = Some(report.matched_a);
        view.matched_b = Some(report.matched_b);
        view.discrepancies = report.discrepancies.iter().map(|d| d.to_string()).collect();
    }
    if format.json() {
        print_json(&view)?;
    } else if let Some(failure) = &bundle_failure_told {
        say!("{failure}");
        say!("{}", t!("audit-cross-check-nothing-compared"));
    } else if view.ok {
        say!(
            "{}",
            t!(
                "audit-cross-check-ok",
                matched_a = view.matched_a.unwrap_or(0),
                a = view.a.as_str(),
                b = view.b.as_str(),
                matched_b = view.matched_b.unwrap_or(0)
            )
        );
    } else {
        say!(
            "{}",
            t!(
                "audit-cross-check-failed",
                count = view.discrepancies.len(),
                a = view.a.as_str(),
                b = view.b.as_str()
            )
        );
        for discrepancy in &view.discrepancies {
            say!("  {discrepancy}");
        }
    }
    Ok(if view.ok {
        Outcome::Done
    } else {
        Outcome::LogFailed
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use prost::Message;
    use rogatory_proto::checkpoint::Checkpoint;
    use rogatory_proto::log::{ZERO_HASH, entry_hash};
    use rogatory_proto::merkle::MemoryTree;
    use rogatory_proto::v1::{EntryKind, LogEntry};

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    /// 20 chained local actions of node "tm", entry `broken` (if any) with a wrong
    /// `previous_hash`, and checkpoints of 5, 10 and 15 entries, the one of `forged` entries
    /// signed with another key.
    fn log(broken: Option<u64>, forged: u64) -> (Vec<Vec<u8>>, Vec<(u64, String)>) {
        let mut entries = Vec::new();
        let mut previous = ZERO_HASH;
        for index in 0..20 {
            let mut previous_hash = previous.to_vec();
            if Some(index) == broken {
                previous_hash[0] ^= 1;
            }
            let bytes = LogEntry {
                index,
                time_ms: 1,
                kind: EntryKind::LocalAction as i32,
                previous_hash,
                detail: format!("entry {index}"),
                ..Default::default()
            }
            .encode_to_vec();
            previous = entry_hash(&bytes);
            entries.push(bytes);
        }
        let checkpoints = [5u64, 10, 15]
            .into_iter()
            .map(|size| {
                let tree: MemoryTree = entries[..size as usize]
                    .iter()
                    .map(|e| entry_hash(e))
                    .collect();
                let checkpoint = Checkpoint {
                    origin: "rogatory/tm".into(),
                    size,
                    root: tree.root(),
                    extensions: Vec::new(),
                };
                let signer = if size == forged { key(9) } else { key(1) };
                let note = checkpoint.sign(&signer).expect("signs").encode();
                (size, note)
            })
            .collect();
        (entries, checkpoints)
    }

    /// How replay went before it read in chunks: each checkpoint checked right after the entry
    /// that completes it.
    fn one_by_one(entries: &[Vec<u8>], checkpoints: &[(u64, String)]) -> Option<AuditFailure> {
        let mut verifier = AuditVerifier::new("tm", key(1).verifying_key(), Default::default());
        let mut pending = checkpoints.iter().peekable();
        for (index, bytes) in entries.iter().enumerate() {
            if let Err(failure) = verifier.push_entry(index as u64, bytes) {
                return Some(failure);
            }
            while let Some((size, note)) = pending.next_if(|(size, _)| *size <= verifier.len()) {
                if let Err(failure) = verifier.check_checkpoint(*size, note) {
                    return Some(failure);
                }
            }
        }
        None
    }

    fn replayed(entries: &[Vec<u8>], checkpoints: &[(u64, String)]) -> Option<AuditFailure> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bundle");
        let mut writer = BundleWriter::create(&path).expect("creates");
        writer
            .write_keys("tm", &key(1).verifying_key(), &[])
            .expect("keys");
        for bytes in entries {
            writer.write_entry(bytes).expect("entry");
        }
        for (size, note) in checkpoints {
            writer.write_checkpoint(*size, note).expect("checkpoint");
        }
        writer.finish("tm", "now".into()).expect("finishes");
        let bundle = Bundle::open(&path).expect("opens");
        replay(&bundle).expect("reads").err()
    }

    #[test]
    fn replay_in_chunks_reports_the_failure_met_first_one_by_one() {
        for (broken, forged) in [
            (None, 0),
            (None, 10),
            (Some(12), 0),
            (Some(12), 10),
            (Some(7), 10),
            (Some(10), 10),
            (Some(11), 10),
        ] {
            let (entries, checkpoints) = log(broken, forged);
            let expected = one_by_one(&entries, &checkpoints);
            assert_eq!(
                expected.is_some(),
                broken.is_some() || forged != 0,
                "{broken:?} {forged}"
            );
            assert_eq!(
                replayed(&entries, &checkpoints),
                expected,
                "entry {broken:?} broken, checkpoint {forged} forged"
            );
        }
    }

    #[test]
    fn verdict_sentences() {
        let ok = Verdict::from(VerifyLogResponse {
            ok: true,
            entries: 1,
            head_hash: "ab".into(),
            ..Default::default()
        });
        assert_eq!(ok.sentence(), "audit log OK: 1 entry, head ab");
        let failed = Verdict::from(VerifyLogResponse {
            ok: false,
            entries: 9,
            failed_index: 4,
            failure: "previous_hash does not match entry 3".into(),
            ..Default::default()
        });
        assert_eq!(
            failed.sentence(),
            "audit log FAILED at entry 4: previous_hash does not match entry 3"
        );
        assert_eq!(failed.head_hash, None);
    }
}
