//! The Rogatory node as a library: `rogatoryd` is a thin binary over [`server::RunningNode`].
//!
//! The node is built in layers; each may use the layers below it and never one above
//! (ARCHITECTURE.md draws them; `node/tests/layers.rs` fails on an import that runs upward).
//! From the top:
//! - [`server`]: starting and stopping a node, wiring the layers' tasks together;
//! - [`transport`]: the gRPC services and clients, the TLS listener, the error-to-status table,
//!   and the links through which delivery reaches peers;
//! - [`operations`]: what operators run and watch: health, the metrics endpoint, reload,
//!   preflight checks, systemd, provisioning, log output;
//! - [`delivery`]: what happens to a message between contact points and peers: sending, the
//!   outbox's lanes and attempts, receiving, witnessing peers' logs, directories; it reaches
//!   peers through `delivery::link`, which the transport implements;
//! - [`node`]: the state the layers above storage share (`Node`), with its counters, health
//!   flags, per-peer admission, witness slots and lane wake-ups;
//! - [`storage`]: the store (the only code that touches sled), cases as stored, evidence
//!   files, backups, disk space;
//! - [`rules`]: what may happen, as plain functions over data: the receiver's checks in
//!   order, witness judgement, lifecycles on records, case parties, attachment references;
//! - [`identity`]: who the node is and whom it trusts: configuration, keys, certificates,
//!   peers, local users, its own directory.
//!
//! [`fault`], [`now_ms`], [`format_time`] and [`error_chain`] are small enough to serve every
//! layer; [`locale`] (the message catalogs people read, in English and Russian) is under all of
//! them too.
#![forbid(unsafe_code)]

pub mod delivery;
pub mod fault;
#[doc(hidden)]
pub mod fuzzing;
pub mod identity;
pub mod locale;
pub mod node;
pub mod operations;
pub mod rules;
pub mod server;
pub mod storage;
pub mod transport;

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

/// A time (seconds since the Unix epoch) as an RFC 3339 UTC date and time, for people to read.
pub fn format_time(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("{seconds} s after the Unix epoch"))
}

/// Milliseconds since the Unix epoch: the one clock reading for log entries, envelopes and
/// delivery scheduling.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
