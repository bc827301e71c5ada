//! Rogatory's wire format and the code both sides of a signature need.
//!
//! This crate holds the generated protobuf types, the signing and verification of envelopes
//! and receipts ([`signing`]), message identifiers ([`ids`]) and the audit-log entry hashing a
//! verifier needs ([`log`]). It does no I/O: a node, the CLI and an offline auditor share it.
#![forbid(unsafe_code)]

pub mod audit;
pub mod checkpoint;
pub mod deadlines;
pub mod document_code;
pub mod evidence;
pub mod ids;
pub mod join;
pub mod languages;
pub mod lifecycle;
pub mod log;
pub mod merkle;
pub mod note;
pub mod roster;
pub mod search_text;
pub mod signing;
pub mod terminal;
pub mod threads;

/// Generated types of the `rogatory.v1` protobuf package.
#[allow(missing_docs, missing_debug_implementations, clippy::all)]
pub mod v1 {
    tonic::include_proto!("rogatory.v1");
}

/// The encoded `FileDescriptorSet` of all Rogatory protos, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/rogatory_descriptor.bin"));
