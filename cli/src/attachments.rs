//! Evidence files between the user's disk and their own node: hashing in fixed-size reads,
//! uploading into the node's attachment store (resuming where an interrupted upload stopped),
//! and downloading with the hash checked again before the file is put in place.
//!
//! Files are never read whole into memory. A progress bar (bytes, rate, time left) is drawn on
//! stderr for large files when stderr is a terminal.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rogatory_node::storage::attachments::{CHUNK_BYTES, read_chunks};
use rogatory_proto::v1::{
    AttachmentChunk, AttachmentHeader, AttachmentRef, AttachmentStatusRequest,
    FetchCaseAttachmentRequest,
};
use sha2::{Digest, Sha256};

use crate::connection::{Client, answer};
use crate::failure::UserError;

/// Files smaller than this get no progress bar: they take a moment.
const PROGRESS_MIN_BYTES: u64 = 16 * 1024 * 1024;

/// The reference that binds `path` into a signed message: its name, size and SHA-256.
pub fn reference(path: &Path, media_type: Option<String>) -> anyhow::Result<AttachmentRef> {
    let mut file = std::fs::File::open(path).with_context(|| cannot_read(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; CHUNK_BYTES];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer).with_context(|| cannot_read(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(AttachmentRef {
        file_name,
        media_type: media_type.unwrap_or_else(|| "application/octet-stream".to_owned()),
        size,
        sha256: hasher.finalize().to_vec(),
    })
}

fn progress_bar(size: u64, what: &str) -> ProgressBar {
    if size < PROGRESS_MIN_BYTES || !crate::output::stderr_is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
    let template = format!(
        "{what} {{bar:30}} {{bytes}}/{{total_bytes}} {{binary_bytes_per_sec}} ({{eta}} left)"
    );
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

/// Stores `path` (whose reference is `reference`) in the node's attachment store, unless it is
/// there already; an earlier interrupted upload is resumed at the node's durable offset.
pub async fn upload(
    client: &mut Client,
    path: &Path,
    reference: &AttachmentRef,
) -> anyhow::Result<()> {
    let status = answer(
        client
            .attachment_status(AttachmentStatusRequest {
                sha256: reference.sha256.clone(),
                envelope: None,
            })
            .await,
        || {
            crate::i18n::t!(
                "errors-doing-ask-attachment",
                file = path.display().to_string()
            )
        },
    )?;
    if status.present {
        return Ok(());
    }
    let offset = status.durable_offset.min(reference.size);
    let bar = progress_bar(
        reference.size,
        &format!(
            "uploading {}",
            crate::output::one_line(&reference.file_name)
        ),
    );
    bar.set_position(offset);
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    let header = AttachmentChunk {
        header: Some(AttachmentHeader {
            sha256: reference.sha256.clone(),
            size: reference.size,
            envelope: None,
        }),
        ..Default::default()
    };
    let feeder_bar = bar.clone();
    let file = path.to_owned();
    let feeder = tokio::spawn(async move {
        if sender.send(header).await.is_err() {
            return Ok(());
        }
        let mut chunks = read_chunks(file, offset);
        while let Some(read) = chunks.recv().await {
            let (offset, data) = read?;
            let len = data.len() as u64;
            let chunk = AttachmentChunk {
                header: None,
                offset,
                data,
            };
            if sender.send(chunk).await.is_err() {
                break;
            }
            feeder_bar.inc(len);
        }
        Ok::<_, rogatory_node::storage::attachments::AttachmentError>(())
    });
    let receipt = answer(
        client
            .put_attachment(tokio_stream::wrappers::ReceiverStream::new(receiver))
            .await,
        || crate::i18n::t!("errors-doing-upload", file = path.display().to_string()),
    );
    let read = feeder.await;
    bar.finish_and_clear();
    let receipt = receipt?;
    if let Ok(Err(error)) = read {
        return Err(anyhow::Error::from(error).context(format!("reading {}", path.display())));
    }
    if !receipt.complete {
        return Err(UserError::new(
            crate::i18n::t!(
                "errors-upload-stopped",
                file = path.display().to_string(),
                at = receipt.durable_offset,
                size = reference.size
            ),
            crate::i18n::t!("errors-upload-stopped-hint"),
        )
        .into());
    }
    Ok(())
}

/// Hashes and uploads each of `paths`, returning their references in the same order.
pub async fn upload_all(
    client: &mut Client,
    paths: &[PathBuf],
) -> anyhow::Result<Vec<AttachmentRef>> {
    let mut refs = Vec::with_capacity(paths.len());
    for path in paths {
        let reference = reference(path, None)?;
        upload(client, path, &reference).await?;
        refs.push(reference);
    }
    Ok(refs)
}

/// Writes attachment `sha256` (hex) of `case_id` to `out`, through `<out>.part`, and checks
/// its SHA-256 before renaming it into place. Returns its size.
pub async fn fetch(
    client: &mut Client,
    case_id: &str,
    sha256: &str,
    out: &Path,
) -> anyhow::Result<u64> {
    let digest = hex::decode(sha256)
        .ok()
        .filter(|d| d.len() == 32)
        .ok_or_else(|| {
            UserError::new(
                crate::i18n::t!("errors-not-a-sha256", text = sha256),
                crate::i18n::t!("errors-not-a-sha256-hint", case = case_id),
            )
        })?;
    if out.symlink_metadata().is_ok() {
        return Err(UserError::new(
            crate::i18n::t!("errors-out-exists", path = out.display().to_string()),
            crate::i18n::t!("errors-out-exists-hint"),
        )
        .into());
    }
    let mut stream = answer(
        client
            .fetch_attachment(FetchCaseAttachmentRequest {
                case_id: case_id.to_owned(),
                sha256: digest.clone(),
                offset: 0,
            })
            .await,
        || {
            crate::i18n::t!(
                "errors-doing-fetch-attachment",
                sha256 = sha256,
                case = case_id
            )
        },
    )?;
    let header = stream
        .message()
        .await?
        .and_then(|chunk| chunk.header)
        .context("the node sent no attachment header")?;
    // A file of our own, created new (0600) beside the target: no file of anyone else's is
    // truncated, and the evidence is readable by this account only.
    let directory = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let partial = tempfile::Builder::new()
        .prefix(".rogatory-fetch-")
        .suffix(".part")
        .tempfile_in(directory)
        .with_context(|| {
            crate::i18n::t!(
                "errors-cannot-create-in",
                path = directory.display().to_string()
            )
        })?;
    let mut file = partial.as_file();
    let bar = progress_bar(header.size, "downloading");
    let mut hasher = Sha256::new();
    let mut written = 0u64;
    let result: anyhow::Result<()> = async {
        while let Some(chunk) = stream.message().await? {
            anyhow::ensure!(
                chunk.offset == written,
                "the node sent bytes out of order ({} instead of {written})",
                chunk.offset
            );
            hasher.update(&chunk.data);
            file.write_all(&chunk.data)?;
            written += chunk.data.len() as u64;
            bar.set_position(written);
        }
        anyhow::ensure!(
            written == header.size,
            "the node sent {written} bytes of {}",
            header.size
        );
        anyhow::ensure!(
            hasher.clone().finalize()[..] == digest[..],
            "the bytes received do not have SHA-256 {sha256}"
        );
        file.sync_all()?;
        Ok(())
    }
    .await;
    bar.finish_and_clear();
    // On failure the temporary file is removed when `partial` is dropped.
    result.with_context(|| format!("fetching attachment {sha256}"))?;
    // Linked into place only if nothing is there (not even a dangling symlink): a file that
    // appeared meanwhile is neither replaced nor followed.
    partial.persist_noclobber(out).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::Error::from(UserError::new(
                crate::i18n::t!("errors-out-appeared", path = out.display().to_string()),
                crate::i18n::t!("errors-out-exists-hint"),
            ))
        } else {
            anyhow::Error::from(e.error).context(format!(
                "cannot move the file into place at {}",
                out.display()
            ))
        }
    })?;
    Ok(written)
}

/// "cannot read FILE", in the reader's language.
fn cannot_read(path: &Path) -> String {
    crate::i18n::t!("errors-cannot-read", path = path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_hashes_the_whole_file_in_pieces() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("evidence.pdf");
        let content = vec![0x42u8; CHUNK_BYTES * 2 + 3];
        std::fs::write(&path, &content).expect("write");
        let reference = reference(&path, Some("application/pdf".into())).expect("hash");
        assert_eq!(reference.size, content.len() as u64);
        assert_eq!(reference.sha256, Sha256::digest(&content).to_vec());
        assert_eq!(reference.file_name, "evidence.pdf");
        assert_eq!(reference.media_type, "application/pdf");
    }
}
