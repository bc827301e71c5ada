//! Expiry of partial uploads: files not written for the configured expiry are deleted, by a
//! sweep that runs until shutdown ([`expire_partials`]). An upload in progress is never touched.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{AttachmentError, AttachmentStore};

/// Bounds how often partial uploads are checked for expiry (a quarter of the expiry, at most
/// this): an expired upload is gone at most this long after it expired.
const EXPIRY_SWEEP_MAX_INTERVAL: Duration = Duration::from_secs(3600);

impl AttachmentStore {
    /// Deletes the partial uploads not written for `expiry` (and those of the layout before
    /// partial files were kept per uploader, which no one can resume). An upload in progress
    /// is never touched: the check and the deletion happen under the lock `begin` takes.
    /// Returns the files and bytes deleted.
    pub fn expire_partials(&self, expiry: Duration) -> Result<(usize, u64), AttachmentError> {
        let partial = self.root.join("partial");
        let mut directories = vec![(partial.clone(), true), (partial.join("local"), false)];
        if let Ok(peers) = std::fs::read_dir(partial.join("peers")) {
            directories.extend(peers.flatten().map(|peer| (peer.path(), false)));
        }
        let now = SystemTime::now();
        let (mut files, mut bytes) = (0, 0);
        for (dir, legacy) in directories {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(metadata) = std::fs::symlink_metadata(&path) else {
                    continue;
                };
                if !metadata.is_file() {
                    continue;
                }
                let age = metadata
                    .modified()
                    .ok()
                    .and_then(|modified| now.duration_since(modified).ok())
                    .unwrap_or_default();
                if !legacy && age < expiry {
                    continue;
                }
                let state = self.lock_state();
                let in_progress = state.active.keys().any(|(uploader, digest)| {
                    self.partial_path(uploader, digest).as_deref() == Some(path.as_path())
                });
                if in_progress {
                    continue;
                }
                match std::fs::remove_file(&path) {
                    Ok(()) => {
                        files += 1;
                        bytes += metadata.len();
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                    Err(error) => return Err(AttachmentError::io("delete", &path)(error)),
                }
                drop(state);
            }
        }
        Ok((files, bytes))
    }
}

/// Deletes expired partial uploads at once, then every quarter of the expiry (at most every
/// [`EXPIRY_SWEEP_MAX_INTERVAL`]), until `shutdown`.
pub async fn expire_partials(
    store: Arc<AttachmentStore>,
    expiry: Duration,
    shutdown: tokio_util::sync::CancellationToken,
) {
    let interval = (expiry / 4).clamp(Duration::from_millis(250), EXPIRY_SWEEP_MAX_INTERVAL);
    loop {
        let sweeping = Arc::clone(&store);
        match tokio::task::spawn_blocking(move || sweeping.expire_partials(expiry)).await {
            Ok(Ok((0, _))) => {}
            Ok(Ok((files, bytes))) => {
                tracing::info!(files, bytes, "expired partial attachment uploads deleted");
            }
            Ok(Err(error)) => tracing::warn!(%error, "cannot expire partial attachment uploads"),
            Err(error) => tracing::warn!(%error, "the partial-upload sweep failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = shutdown.cancelled() => return,
        }
    }
}
