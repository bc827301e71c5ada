//! Crash points for the crash-safety tests.
//!
//! A real crash can strike between any two steps; the tests need it to strike between two
//! particular ones (a message durably stored, its receipt not yet sent). Setting the
//! environment variable `ROGATORY_TEST_CRASH_AT` to a point's name makes the process abort
//! there, as abruptly as a power cut. Unset (always, in production) a crash point costs one
//! comparison.

use std::sync::OnceLock;

/// The receiver has stored and fsynced a message and its receipt, and not yet answered.
pub const AFTER_RECEIVE_DURABLE: &str = "after-receive-durable";

/// A roster verified as the successor of the one in force, not yet stored.
pub const ROSTER_VERIFIED: &str = "roster-verified";

/// A roster and its `ROSTER_APPLIED` entry durable, the roster not yet in force in memory.
pub const ROSTER_DURABLE: &str = "roster-durable";

/// A node switching to its next signing key has copied the old key aside and not yet renamed
/// the new one into place (`identity::keys`).
pub const DURING_KEY_SWITCH: &str = "during-key-switch";

/// The environment variable that arms one crash point.
pub const ENVIRONMENT_VARIABLE: &str = "ROGATORY_TEST_CRASH_AT";

/// The environment variable that makes a node answer `DeliverBatch` with `UNIMPLEMENTED`, as
/// a node of a version without it does: for the test of the sender's fallback to `Deliver`.
pub const WITHOUT_DELIVER_BATCH: &str = "ROGATORY_TEST_WITHOUT_DELIVER_BATCH";

/// Whether this process plays a node without `DeliverBatch`.
pub fn without_deliver_batch() -> bool {
    static SET: OnceLock<bool> = OnceLock::new();
    *SET.get_or_init(|| std::env::var_os(WITHOUT_DELIVER_BATCH).is_some())
}

/// The environment variable that makes a node play the release before bound identifiers
/// (docs/PROTOCOL.md section 7): it makes message ids without an author tag and checks neither
/// 5a nor 7o, so that the upgrade tests build a store as that release left it. Debug builds
/// only: a release binary ignores it.
pub const PREVIOUS_RELEASE_IDS: &str = "ROGATORY_TEST_PREVIOUS_RELEASE_IDS";

/// Whether this process plays a node of the release before bound identifiers.
pub fn previous_release_ids() -> bool {
    static SET: OnceLock<bool> = OnceLock::new();
    cfg!(debug_assertions) && *SET.get_or_init(|| std::env::var_os(PREVIOUS_RELEASE_IDS).is_some())
}

fn armed() -> Option<&'static str> {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    ARMED
        .get_or_init(|| std::env::var(ENVIRONMENT_VARIABLE).ok())
        .as_deref()
}

/// Aborts the process if `point` is armed.
pub fn crash_point(point: &str) {
    if armed() == Some(point) {
        eprintln!("rogatoryd: test crash point {point:?} reached; aborting");
        std::process::abort();
    }
}
