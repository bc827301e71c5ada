//! Integration tests: real nodes on loopback, real mutual TLS, real sled directories.
//! One binary (faster to build), one module per concern.

mod attachments;
mod batches;
mod cases;
mod deadlines;
mod directory;
mod directory_operations;
mod disk_full;
mod durability;
mod enrollment;
mod exchange;
mod grpc_surface;
mod hostile_admission;
mod hostile_attachments;
mod hostile_connections;
mod hostile_ids;
mod hostile_local;
mod hostile_strangers;
mod identity;
mod informal;
mod interop;
mod lifecycle;
mod membership;
mod metrics;
mod multi_party;
mod operations;
mod peer_certificate_expiry;
mod rejections;
mod rotation;
mod secrets;
mod store_and_forward;
mod tls;
mod trust;
mod upgrade_ids;
mod witness_race;
mod witnessing;
