//! Restoring a node from a backup, and what a restored node must check before signing again.
//!
//! A backup (`rogatory backup`, [`crate::storage::store::Store::backup_to`]) is a directory holding a
//! complete store, taken at one point of the log. Restoring puts it in place as the stopped
//! node's store and leaves a marker file in the data directory. While the marker is there the
//! node signs no checkpoint and asks no witness: it first asks every peer which checkpoint of
//! its log they hold (`HeldCheckpoint`) and checks that the restored log contains it (same root
//! at that size). Only when every peer agrees does it remove the marker and sign again. If a
//! peer holds more than the backup has, the entries in between are lost with the old disk: the
//! node stays NOT_SERVING and says so, rather than fork its own history in front of its peers.

use std::path::{Path, PathBuf};

use crate::identity::config::NodeConfig;
use crate::identity::peers::PeerTable;
use crate::storage::store::{Store, StoreError};

/// The marker file, in the data directory, of a restore not yet confirmed by every peer.
pub const RESTORED_MARKER: &str = "restored-from-backup";

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(
        "{0} holds no backup (no `store` directory in it); give the directory `rogatory backup` wrote"
    )]
    NotABackup(PathBuf),
    #[error("the backup does not open")]
    Backup(#[source] StoreError),
    #[error("the backup's audit log does not verify; it is damaged or was altered")]
    DoesNotVerify(#[source] rogatory_proto::log::ChainError),
    #[error("the backup's rosters, whose keys its log is verified with, do not verify")]
    Rosters(#[source] crate::storage::rosters::StoredRosterError),
    #[error("cannot load the node's signing key to verify the backup")]
    Key(#[from] crate::identity::keys::KeyError),
    #[error(
        "{0} already holds a store; move it away first (keep it: it may be evidence), then \
         restore"
    )]
    StoreExists(PathBuf),
    #[error(
        "a node is running on this data directory (its operator socket {0} answers); stop it \
         first"
    )]
    NodeRunning(PathBuf),
    #[error("cannot copy the backup into {path}")]
    Copy {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot restore the backup's attachments")]
    Attachments(#[source] crate::storage::attachments::AttachmentError),
}

/// What was restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restored {
    pub log_entries: u64,
    pub checkpoint_size: u64,
}

/// Puts the backup in `backup_dir` in place as the store of the (stopped) node whose data
/// directory is `data_dir`, after checking that its log verifies.
pub fn restore(backup_dir: &Path, config: &NodeConfig) -> Result<Restored, RestoreError> {
    let data_dir = config.data_dir.as_path();
    let source = backup_dir.join("store");
    if !source.is_dir() {
        return Err(RestoreError::NotABackup(backup_dir.to_owned()));
    }
    let socket = config.operator_socket();
    if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
        return Err(RestoreError::NodeRunning(socket));
    }
    let target = data_dir.join("store");
    if target.exists() {
        return Err(RestoreError::StoreExists(target));
    }
    let restored = {
        let backup = Store::open(&source).map_err(RestoreError::Backup)?;
        let log_entries = backup.log_len().map_err(RestoreError::Backup)?;
        let own_keys = crate::identity::keys::all_own_keys(&config.keys.signing_key)?;
        let peers = PeerTable::new(config.peers.clone());
        // Under a roster, peers' keys are in the rosters the backup holds (node.toml's
        // `[[peers]]` then only override addresses): every key any of them listed, so that
        // what members since removed signed verifies too.
        let roster_keys = match &config.federation {
            Some(_) => crate::storage::rosters::load(&backup)
                .map_err(RestoreError::Rosters)?
                .map(|chain| chain.ever)
                .unwrap_or_default(),
            None => Default::default(),
        };
        let own_id = config.node_id.as_str();
        backup
            .verify_log(
                own_id,
                &rogatory_proto::audit::log_origin(config.node_id.as_str()),
                |id| {
                    if id == own_id {
                        own_keys.clone()
                    } else if let Some(keys) = roster_keys.get(id) {
                        keys.clone()
                    } else {
                        peers.public_key(id).into_iter().collect()
                    }
                },
            )
            .map_err(RestoreError::Backup)?
            .map_err(RestoreError::DoesNotVerify)?;
        Restored {
            log_entries,
            checkpoint_size: backup
                .latest_checkpoint()
                .map_err(RestoreError::Backup)?
                .map_or(0, |(size, _)| size),
        }
    };
    let copy_error = |path: &Path| {
        let path = path.to_owned();
        move |source| RestoreError::Copy { path, source }
    };
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(data_dir)
            .map_err(copy_error(data_dir))?;
    }
    // Copied under a temporary name and renamed: a crash never leaves half a store in place.
    let partial = data_dir.join("store.restoring");
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(copy_error(&partial))?;
    }
    copy_dir(&source, &partial)?;
    sync_dir(&partial)?;
    // Before the store is in place: a restored message never lacks a file it references.
    crate::storage::attachments::AttachmentStore::restore_from(data_dir, backup_dir)
        .map_err(RestoreError::Attachments)?;
    let marker = data_dir.join(RESTORED_MARKER);
    write_private(
        &marker,
        format!(
            "restored from {} at {} ms: {} entries, newest checkpoint {}\n",
            backup_dir.display(),
            crate::now_ms(),
            restored.log_entries,
            restored.checkpoint_size
        ),
    )
    .map_err(copy_error(&marker))?;
    std::fs::File::open(&marker)
        .and_then(|file| file.sync_all())
        .map_err(copy_error(&marker))?;
    std::fs::rename(&partial, &target).map_err(copy_error(&target))?;
    sync_dir(data_dir)?;
    Ok(restored)
}

/// Writes a new file readable by the node alone (0600), whatever the data directory's mode.
fn write_private(path: &Path, contents: String) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    std::io::Write::write_all(&mut file, contents.as_bytes())
}

/// Copies a store directory, private to the node: directories 0700, files 0600 (a backup
/// taken before files were created so may hold them 0644; `fs::copy` would keep that).
fn copy_dir(from: &Path, to: &Path) -> Result<(), RestoreError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let error = |path: &Path| {
        let path = path.to_owned();
        move |source| RestoreError::Copy { path, source }
    };
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(to)
        .map_err(error(to))?;
    for entry in std::fs::read_dir(from).map_err(error(from))? {
        let entry = entry.map_err(error(from))?;
        let destination = to.join(entry.file_name());
        if entry.file_type().map_err(error(&entry.path()))?.is_dir() {
            copy_dir(&entry.path(), &destination)?;
        } else {
            std::fs::copy(entry.path(), &destination).map_err(error(&destination))?;
            std::fs::set_permissions(&destination, std::fs::Permissions::from_mode(0o600))
                .map_err(error(&destination))?;
            std::fs::File::open(&destination)
                .and_then(|file| file.sync_all())
                .map_err(error(&destination))?;
        }
    }
    Ok(())
}

fn sync_dir(path: &Path) -> Result<(), RestoreError> {
    std::fs::File::open(path)
        .and_then(|dir| dir.sync_all())
        .map_err(|source| RestoreError::Copy {
            path: path.to_owned(),
            source,
        })
}

/// Whether the node in `data_dir` was restored and not yet confirmed by its peers.
pub fn restore_pending(data_dir: &Path) -> bool {
    data_dir.join(RESTORED_MARKER).exists()
}

/// Every peer agreed with the restored log: the node may sign again.
pub fn confirm_restore(data_dir: &Path) -> std::io::Result<()> {
    std::fs::remove_file(data_dir.join(RESTORED_MARKER))?;
    std::fs::File::open(data_dir).and_then(|dir| dir.sync_all())
}
