//! The Rogatory node as a library: `rogatoryd` is a thin binary over [`server::RunningNode`].
//!
//! Map of the crate (see ARCHITECTURE.md for the invariants):
//! - [`config`], [`peers`], [`keys`], [`pki`], [`tls`], [`secret_file`]: who the node is and
//!   whom it trusts;
//! - [`store`]: the only code that touches sled (audit log, messages, durability);
//! - [`inbound`], [`outbound`], [`delivery`]: what happens to a message, free of gRPC types;
//! - [`attachments`]: evidence files, content-addressed beside the store, and their transfer;
//! - [`cases`]: requests' lifecycles, kept on their records as updates are stored;
//! - [`transport`]: the gRPC services and clients, and the error-to-status table;
//! - [`users`]: who is calling on the operator socket (contact points by Unix uid);
//! - [`metrics`]: Prometheus counters and the `/metrics` endpoint;
//! - [`server`]: starting and stopping a node.
#![forbid(unsafe_code)]

pub mod admission;
pub mod attachments;
pub mod backup;
pub mod cases;
pub mod checkpoints;
pub mod config;
pub mod delivery;
pub mod directory;
pub mod disk_space;
pub mod fault;
#[doc(hidden)]
pub mod fuzzing;
pub mod health;
pub mod inbound;
pub mod keys;
pub mod log_output;
pub mod metrics;
pub mod multiparty;
pub mod node;
pub mod outbound;
pub mod outbox;
pub mod peers;
pub mod pki;
pub mod preflight;
pub mod provision;
pub mod reload;
pub mod secret_file;
pub mod server;
pub mod store;
pub mod systemd;
pub mod tls;
pub mod transport;
pub mod users;
pub mod witness;

/// An error and all its causes on one line, each cause once (TLS and transport errors hide the
/// useful part in a source; some messages already quote their cause).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if cause_text.contains(&text) {
            text = cause_text;
        } else if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Milliseconds since the Unix epoch: the one clock reading for log entries, envelopes and
/// delivery scheduling.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
