//! gRPC transport: the federation listener (mutual TLS), the operator socket, clients for both,
//! and the one place where domain errors become gRPC statuses.

pub mod attachment_stream;
pub mod attachment_upload;
pub mod caller_language;
pub mod connections;
pub mod federation_service;
pub mod operator_client;
pub mod operator_service;
pub mod peer_client;
pub mod status;
pub mod tls_listener;
