//! Private files: written 0600 from the first byte, refused when group or world can read them.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SecretFileError {
    #[error("cannot read private key file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "private key file {path} is readable by group or others (mode {mode:o}); \
         run `chmod 600 {path}` and make sure only the node's user owns it"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("cannot write private key file {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("refusing to overwrite existing private key file {0}; move it away first")]
    Exists(PathBuf),
}

/// Reads a private file after checking that only its owner can read it.
pub fn read_private(path: &Path) -> Result<Vec<u8>, SecretFileError> {
    let read_error = |source| SecretFileError::Read {
        path: path.to_owned(),
        source,
    };
    let metadata = fs::metadata(path).map_err(read_error)?;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(SecretFileError::TooOpen {
            path: path.to_owned(),
            mode,
        });
    }
    fs::read(path).map_err(read_error)
}

/// Creates a new file with `mode` from its first byte (never overwriting), writes `contents`
/// and syncs it to disk.
pub fn write_new(path: &Path, contents: &[u8], mode: u32) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Creates a new private file with mode 0600 (never briefly wider) and syncs it to disk.
pub fn write_private(path: &Path, contents: &[u8]) -> Result<(), SecretFileError> {
    let write_error = |source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            SecretFileError::Exists(path.to_owned())
        } else {
            SecretFileError::Write {
                path: path.to_owned(),
                source,
            }
        }
    };
    write_new(path, contents, 0o600).map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_0600_and_refused_when_opened_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("key.pem");
        write_private(&path, b"secret").expect("written");
        let mode = fs::metadata(&path).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(read_private(&path).expect("readable"), b"secret");

        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = read_private(&path).expect_err("refused");
        assert!(err.to_string().contains("chmod 600"), "{err}");
        assert!(!err.to_string().contains("secret"));

        assert!(matches!(
            write_private(&path, b"other"),
            Err(SecretFileError::Exists(_))
        ));
    }
}
