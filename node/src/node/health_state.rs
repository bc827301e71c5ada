//! What the health task, the checkpointer and the services share about the node's health.

use std::sync::atomic::{AtomicI64, Ordering};

/// What the health task and the checkpointer share.
#[derive(Debug)]
pub struct HealthState {
    /// When the checkpointer last completed a round without error (ms since epoch).
    last_checkpoint_round_ms: AtomicI64,
    /// When the node started (ms since epoch), for uptime.
    pub started_at_ms: i64,
    /// The bound federation address, once the node listens.
    listening: std::sync::OnceLock<String>,
    /// Where confirming a restore stands (see `backup`), while it is pending.
    restore: std::sync::Mutex<Option<String>>,
    /// A restore awaits its peers' confirmation: deliveries are refused (retryably) meanwhile,
    /// so the node never issues a receipt naming a log position a lost entry once had.
    restore_pending: std::sync::atomic::AtomicBool,
}

impl Default for HealthState {
    fn default() -> Self {
        let now = crate::now_ms();
        Self {
            last_checkpoint_round_ms: AtomicI64::new(now),
            started_at_ms: now,
            listening: std::sync::OnceLock::new(),
            restore: std::sync::Mutex::new(None),
            restore_pending: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl HealthState {
    pub fn checkpoint_round_succeeded(&self) {
        self.last_checkpoint_round_ms
            .store(crate::now_ms(), Ordering::SeqCst);
    }

    pub fn last_checkpoint_round_ms(&self) -> i64 {
        self.last_checkpoint_round_ms.load(Ordering::SeqCst)
    }

    pub fn set_restore_state(&self, state: Option<String>) {
        match self.restore.lock() {
            Ok(mut guard) => *guard = state,
            Err(poisoned) => *poisoned.into_inner() = state,
        }
    }

    pub fn restore_state(&self) -> Option<String> {
        match self.restore.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn set_restore_pending(&self, pending: bool) {
        self.restore_pending.store(pending, Ordering::SeqCst);
    }

    pub fn restore_pending(&self) -> bool {
        self.restore_pending.load(Ordering::SeqCst)
    }

    pub fn set_listening(&self, address: String) {
        let _ = self.listening.set(address);
    }

    pub fn listening(&self) -> Option<String> {
        self.listening.get().cloned()
    }
}
