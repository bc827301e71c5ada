//! What the node keeps: the store (journal, committer, log and its Merkle view, message records
//! and indexes, the outbox queue; the only code that touches sled), evidence files beside it,
//! backups and restores, the stored rosters read back as a chain, and the free space they all
//! draw on. Uses `rules` and `identity`.

pub mod attachments;
pub mod attention;
pub mod backup;
pub mod cases;
pub mod disk_space;
pub mod ids;
pub mod rosters;
pub mod search;
pub mod store;
