//! `rogatory log verify`: has the node's audit log been altered? `rogatory log checkpoint`:
//! what has the node signed that it holds, and who witnessed it?

use rogatory_proto::v1::{LatestCheckpointRequest, VerifyLogRequest, VerifyLogResponse};
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

#[derive(Debug, Serialize)]
struct CheckpointView {
    size: u64,
    note: String,
    cosigned_by: Vec<String>,
}

/// Prints the node's newest signed checkpoint (the note verbatim, so it can be saved as is).
pub async fn log_checkpoint(target: &NodeTarget, format: Format) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let latest = answer(
        client.latest_checkpoint(LatestCheckpointRequest {}).await,
        || "asking the node for its newest checkpoint".to_owned(),
    )?;
    if format.json() {
        print_json(&CheckpointView {
            size: latest.size,
            note: latest.note,
            cosigned_by: latest.cosigned_by,
        })?;
        return Ok(Outcome::Done);
    }
    if latest.note.is_empty() {
        eprintln!("The node has not signed a checkpoint yet; it does so within seconds of start.");
        return Ok(Outcome::Done);
    }
    print!("{}", latest.note);
    eprintln!(
        "(covers {}; cosigned by {})",
        count(latest.size, "entry", "entries"),
        if latest.cosigned_by.is_empty() {
            "no peer yet".to_owned()
        } else {
            latest.cosigned_by.join(", ")
        }
    );
    Ok(Outcome::Done)
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
