//! The refusal of new work below the disk reserve: what a receiver answers at check 6a of
//! docs/PROTOCOL.md section 5.2, and a submission or an upload meets on a short disk. Measuring
//! the free space is `storage::disk_space`; this is the refusal alone, so that the rejections in
//! `rules` can carry it.

/// New work refused: the disk holding the data directory has too little free space.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the disk holding this node's data directory is full ({} MiB free{}; the node keeps {} MiB \
     for its audit log): retry later",
    free / MIB,
    if *incoming > 0 { format!(", {} MiB more asked for", incoming.div_ceil(MIB)) } else { String::new() },
    reserve / MIB
)]
pub struct DiskFull {
    pub free: u64,
    pub reserve: u64,
    /// The bytes the refused work would have added (0 when only the reserve was checked).
    pub incoming: u64,
}

const MIB: u64 = 1024 * 1024;
