//! A node's disk filling up: a small real file system (tmpfs) mounted on its data directory,
//! and a file that fills it to a chosen point.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

const MIB: u64 = 1024 * 1024;

/// A tmpfs of a few MiB mounted on a directory; unmounted when dropped. Mounting needs root
/// (or CAP_SYS_ADMIN), which the test machines and CI have: a refusal fails the test, it does
/// not skip it.
#[derive(Debug)]
pub struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    /// Mounts a tmpfs of `megabytes` MiB, mode 0700, on `path` (created if absent).
    pub fn mount(path: &Path, megabytes: u64) -> Result<Self> {
        std::fs::create_dir_all(path)?;
        let status = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={megabytes}m,mode=0700"),
                "tmpfs",
            ])
            .arg(path)
            .status()
            .context("cannot run mount")?;
        if !status.success() {
            bail!(
                "cannot mount a {megabytes} MiB tmpfs on {} ({status}): this test needs root or \
                 CAP_SYS_ADMIN to give the node a small real file system",
                path.display()
            );
        }
        Ok(Self {
            path: path.to_owned(),
        })
    }

    /// Free bytes, as the node reads them.
    pub fn free(&self) -> Result<u64> {
        Ok(rogatory_node::storage::disk_space::measure(&self.path)?.0)
    }

    /// Writes a file in the file system until only `free` bytes are left (within a page);
    /// returns its path. Removing it gives the space back.
    pub fn fill_leaving(&self, free: u64) -> Result<PathBuf> {
        let path = self.path.join("filler");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        let chunk = vec![0x5a_u8; 64 * 1024];
        loop {
            let left = self.free()?;
            if left <= free {
                break;
            }
            let n = usize::try_from((left - free).min(chunk.len() as u64))?;
            std::io::Write::write_all(&mut file, &chunk[..n])?;
        }
        file.sync_all()?;
        Ok(path)
    }

    /// Mebibytes, for messages.
    pub fn mib(bytes: u64) -> u64 {
        bytes / MIB
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazy: a node's files may still be open in a task being dropped.
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .status();
    }
}
