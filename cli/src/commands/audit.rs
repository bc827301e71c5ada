//! `rogatory log verify`: has the node's audit log been altered?

use rogatory_proto::v1::{VerifyLogRequest, VerifyLogResponse};
use serde::Serialize;

use super::Outcome;
use crate::connection::{Client, NodeTarget, answer};
use crate::output::{Format, count, print_json};

/// The verdict on one audit log.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub ok: bool,
    pub entries: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_index: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

impl From<VerifyLogResponse> for Verdict {
    fn from(r: VerifyLogResponse) -> Self {
        Self {
            ok: r.ok,
            entries: r.entries,
            head_hash: Some(r.head_hash).filter(|h| r.ok && !h.is_empty()),
            failed_index: (!r.ok).then_some(r.failed_index),
            failure: (!r.ok).then_some(r.failure),
        }
    }
}

impl Verdict {
    /// "audit log OK: 6 entries, head …" or "audit log FAILED at entry 4: …".
    pub fn sentence(&self) -> String {
        if self.ok {
            format!(
                "audit log OK: {}, head {}",
                count(self.entries, "entry", "entries"),
                self.head_hash.as_deref().unwrap_or("(empty log)")
            )
        } else {
            format!(
                "audit log FAILED at entry {}: {}",
                self.failed_index.unwrap_or(0),
                self.failure.as_deref().unwrap_or("")
            )
        }
    }
}

/// Asks the node to verify its whole log.
pub async fn verify(client: &mut Client) -> anyhow::Result<Verdict> {
    let response = answer(client.verify_log(VerifyLogRequest {}).await, || {
        "asking the node to verify its audit log".to_owned()
    })?;
    Ok(response.into())
}

pub async fn log_verify(target: &NodeTarget, format: Format) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let verdict = verify(&mut client).await?;
    if format.json() {
        print_json(&verdict)?;
    } else {
        println!("{}", verdict.sentence());
    }
    Ok(if verdict.ok {
        Outcome::Done
    } else {
        Outcome::LogFailed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_sentences() {
        let ok = Verdict::from(VerifyLogResponse {
            ok: true,
            entries: 1,
            head_hash: "ab".into(),
            ..Default::default()
        });
        assert_eq!(ok.sentence(), "audit log OK: 1 entry, head ab");
        let failed = Verdict::from(VerifyLogResponse {
            ok: false,
            entries: 9,
            failed_index: 4,
            failure: "previous_hash does not match entry 3".into(),
            ..Default::default()
        });
        assert_eq!(
            failed.sentence(),
            "audit log FAILED at entry 4: previous_hash does not match entry 3"
        );
        assert_eq!(failed.head_hash, None);
    }
}
