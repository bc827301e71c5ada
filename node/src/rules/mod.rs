//! What may happen: plain functions and types over messages and records, free of gRPC and
//! sled, testable without a node: the receiver's checks in the order of PROTOCOL.md section 5.2
//! (`receiving`), the judgement of a peer's checkpoint (`witness`), what lifecycles and cases
//! mean for a record, case parties, attachment references. Uses only `identity` below it (and `rogatory_proto`, where
//! the rules shared with peers and auditors live).

pub mod attachments;
pub mod attention;
pub mod case_index;
pub mod cases;
pub mod disk_reserve;
pub mod key_windows;
pub mod multiparty;
pub mod receiving;
pub mod search;
pub mod titles;
pub mod witness;
