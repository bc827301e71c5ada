//! Hostile peers: federation members (or strangers on the network) doing what the protocol
//! forbids, one module per kind of attack.

pub mod admission;
pub mod attachments;
pub mod connections;
pub mod disk;
pub mod ids;
pub mod local;
pub mod strangers;
pub mod witness_race;
