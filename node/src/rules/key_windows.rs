//! Which of a member's keys made a signature, and whether that key was valid at the time the
//! signature claims (docs/PROTOCOL.md section 11.3). Used at every site that verifies a peer's
//! or this node's own signature: envelopes (check 5), receipts, checkpoints, cosignatures and
//! the node's own log.
//!
//! The order is fixed: first find the key the signature verifies with, among all the member's
//! keys whatever their window; only then read the time the signed object claims (it is signed
//! data, trusted only once a signature verified) and require that key's window to contain it.
//! So a refusal for a revoked or retired key is signed evidence that the member's key made it.

use ed25519_dalek::VerifyingKey;

use crate::identity::peers::PeerKey;

/// Why a signature dated at some time was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyRefusal {
    /// It verifies with none of the member's keys: forged, altered, or made with a key this
    /// node does not know yet (a rotation in a roster it has not fetched).
    #[error("the signature verifies with none of the signer's known keys")]
    NoKey,
    /// The key was revoked at or before the signature's date.
    #[error("signed at {at_ms} with a key revoked since {since_ms}")]
    Revoked { since_ms: i64, at_ms: i64 },
    /// The key was retired (rotated out) at or before the signature's date.
    #[error("signed at {at_ms} with a key retired since {since_ms}")]
    Retired { since_ms: i64, at_ms: i64 },
    /// The signature's date is before the key's `not_before_ms`.
    #[error("signed at {at_ms} with a key valid only from {from_ms}")]
    NotYetValid { from_ms: i64, at_ms: i64 },
}

impl KeyRefusal {
    /// The `rogatory-reason` token (docs/PROTOCOL.md section 5.2).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NoKey => "bad-signature",
            Self::Revoked { .. } => "key-revoked",
            Self::Retired { .. } => "key-retired",
            Self::NotYetValid { .. } => "key-not-yet-valid",
        }
    }
}

/// The first of `keys` that `verifies` accepts (a signature carries no key id, so each is
/// tried; a rotation's overlap lists two valid ones).
pub fn signing_key(keys: &[PeerKey], verifies: impl Fn(&VerifyingKey) -> bool) -> Option<&PeerKey> {
    keys.iter().find(|key| verifies(&key.public_key))
}

/// Whether `key` was valid at `at_ms`: revoked before retired before not yet valid, as
/// `rogatory_proto::roster::KeyStanding::of`.
pub fn check_window(key: &PeerKey, at_ms: i64) -> Result<(), KeyRefusal> {
    if key.revoked_at_ms != 0 && at_ms >= key.revoked_at_ms {
        Err(KeyRefusal::Revoked {
            since_ms: key.revoked_at_ms,
            at_ms,
        })
    } else if key.retired_at_ms != 0 && at_ms >= key.retired_at_ms {
        Err(KeyRefusal::Retired {
            since_ms: key.retired_at_ms,
            at_ms,
        })
    } else if at_ms < key.not_before_ms {
        Err(KeyRefusal::NotYetValid {
            from_ms: key.not_before_ms,
            at_ms,
        })
    } else {
        Ok(())
    }
}

/// Both steps: the key among `keys` that `verifies` accepts, then the date `dated` reads
/// (called only after a key verified) inside that key's window. Returns the key.
pub fn verify_dated(
    keys: &[PeerKey],
    verifies: impl Fn(&VerifyingKey) -> bool,
    dated: impl FnOnce(&VerifyingKey) -> i64,
) -> Result<VerifyingKey, KeyRefusal> {
    let key = signing_key(keys, verifies).ok_or(KeyRefusal::NoKey)?;
    check_window(key, dated(&key.public_key))?;
    Ok(key.public_key)
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;

    use super::*;

    fn key(seed: u8, not_before_ms: i64, retired_at_ms: i64, revoked_at_ms: i64) -> PeerKey {
        PeerKey {
            public_key: SigningKey::from_bytes(&[seed; 32]).verifying_key(),
            not_before_ms,
            retired_at_ms,
            revoked_at_ms,
        }
    }

    #[test]
    fn a_signature_is_judged_by_the_window_of_the_key_that_made_it() {
        let old = key(1, 0, 2_000, 0);
        let new = key(2, 1_000, 0, 0);
        let keys = [old, new];
        let by = |wanted: PeerKey| move |k: &VerifyingKey| *k == wanted.public_key;
        // The old key during the overlap, and before it.
        assert_eq!(verify_dated(&keys, by(old), |_| 1_500), Ok(old.public_key));
        assert_eq!(verify_dated(&keys, by(old), |_| 10), Ok(old.public_key));
        // The old key at and after its retirement.
        assert_eq!(
            verify_dated(&keys, by(old), |_| 2_000),
            Err(KeyRefusal::Retired {
                since_ms: 2_000,
                at_ms: 2_000
            })
        );
        // The new key before its time.
        assert_eq!(
            verify_dated(&keys, by(new), |_| 999).map_err(|e| e.reason()),
            Err("key-not-yet-valid")
        );
        assert_eq!(verify_dated(&keys, by(new), |_| 5_000), Ok(new.public_key));
        // No key verifies.
        assert_eq!(
            verify_dated(&keys, |_| false, |_| 0),
            Err(KeyRefusal::NoKey)
        );
    }

    #[test]
    fn a_revocation_counts_from_its_time_and_before_a_retirement() {
        let compromised = key(3, 0, 5_000, 3_000);
        let keys = [compromised];
        let any = |_: &VerifyingKey| true;
        assert!(verify_dated(&keys, any, |_| 2_999).is_ok());
        let refused = verify_dated(&keys, any, |_| 3_000).expect_err("revoked");
        assert_eq!(refused.reason(), "key-revoked");
        let refused = verify_dated(&keys, any, |_| 6_000).expect_err("revoked");
        assert_eq!(refused.reason(), "key-revoked");
    }

    #[test]
    fn the_date_is_read_only_after_a_key_verified() {
        let keys = [key(4, 0, 0, 0)];
        let read = std::cell::Cell::new(false);
        let _ = verify_dated(
            &keys,
            |_| false,
            |_| {
                read.set(true);
                0
            },
        );
        assert!(!read.get());
    }
}
