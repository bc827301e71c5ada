//! The rosters this node has put in force, by serial (docs/PROTOCOL.md section 11.7). Each is
//! written in the same batch as its `ROSTER_APPLIED` log entry, so the two are durable
//! together and a crash leaves the node on the old roster or the new one.

use super::batch::Batch;
use super::{Store, StoreError};

/// `meta` keys: this prefix, then the serial as 8 bytes big-endian (so a scan is in order).
const ROSTER_PREFIX: &[u8] = b"roster/";

fn roster_key(serial: u64) -> Vec<u8> {
    let mut key = ROSTER_PREFIX.to_vec();
    key.extend_from_slice(&serial.to_be_bytes());
    key
}

impl Batch<'_> {
    /// Stores roster `serial` (an encoded `SignedRoster`).
    pub fn put_roster(&mut self, serial: u64, signed_roster: &[u8]) {
        self.meta.push((roster_key(serial), signed_roster.to_vec()));
    }
}

impl Store {
    /// The encoded `SignedRoster`s stored with a serial above `after`, oldest first, at most
    /// `limit` of them.
    pub fn rosters_after(&self, after: u64, limit: usize) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut out = Vec::new();
        let Some(first) = after.checked_add(1) else {
            return Ok(out);
        };
        for item in self.trees()?.meta.range(roster_key(first)..) {
            let (key, value) = item?;
            if !key.starts_with(ROSTER_PREFIX) || out.len() == limit {
                break;
            }
            if key.len() != ROSTER_PREFIX.len() + 8 {
                return Err(StoreError::Corrupt {
                    what: "roster key".into(),
                    reason: "not a serial".into(),
                });
            }
            out.push(value.to_vec());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_serial() {
        assert!(roster_key(2) < roster_key(10));
        assert!(roster_key(255) < roster_key(256));
        assert!(roster_key(u64::MAX).starts_with(ROSTER_PREFIX));
    }
}
