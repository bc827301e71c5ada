//! One module per group of subcommands. Each command takes plain arguments (parsed by
//! `args`), prints its result, and returns an [`Outcome`] that `main` turns into an exit code.

pub mod attention;
pub mod audit;
pub mod case;
pub mod directory;
pub mod enroll;
pub mod federation;
pub mod identity;
pub mod inform;
pub mod mailbox;
pub mod operate;
pub mod peers;
pub mod search;
pub mod setup;
pub mod submit;
pub mod watch;
pub mod whoami;

/// How a command that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything asked for was done.
    Done,
    /// The node accepted and stored the message, but the recipient has not receipted it yet.
    Queued,
    /// The audit log did not verify.
    LogFailed,
    /// `status`: the node is not serving.
    NotServing,
}
