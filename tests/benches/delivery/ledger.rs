//! The exactly-once check: both nodes' logs read back through `Operator.ExportLog` after the
//! run, entries counted per message and per kind, and each log's `Operator.VerifyLog` answer.
//!
//! It reads finished logs; it does not watch a scenario while it runs.

use anyhow::Result;
use prost::Message;
use rogatory_tests::Federation;

use super::{FAILURE_EXAMPLES, RECIPIENT, SENDER};

/// Both nodes' logs read back through `Operator.ExportLog` after the run, to check the
/// exactly-once claim over every message of every scenario, and `Operator.VerifyLog` on each.
#[derive(Debug, Default)]
pub(super) struct Ledger {
    /// Entries per kind on each node.
    kinds: Vec<(String, std::collections::BTreeMap<String, u64>)>,
    /// Messages whose entries are not exactly: one `MESSAGE_SENT` and one `RECEIPT_OBTAINED`
    /// on the sender, one `MESSAGE_RECEIVED` and one `RECEIPT_ISSUED` on the recipient; with
    /// the counts found (sent, obtained, received, issued). At most a few kept.
    anomalies: Vec<(String, [u32; 4])>,
    anomaly_count: usize,
    /// Each node's `VerifyLog` answer: entries verified, or the failure.
    verified: Vec<(String, Result<u64, String>)>,
}

impl Ledger {
    pub(super) async fn read(federation: &Federation) -> Result<Self> {
        use rogatory_proto::v1::export_chunk::Chunk;
        use rogatory_proto::v1::{EntryKind, ExportLogRequest, LogEntry, VerifyLogRequest};
        let mut ledger = Ledger::default();
        let mut per_message: std::collections::HashMap<String, [u32; 4]> =
            std::collections::HashMap::new();
        for id in [SENDER, RECIPIENT] {
            let mut operator = federation.operator(id).await?;
            let mut stream = operator.export_log(ExportLogRequest {}).await?.into_inner();
            let mut kinds = std::collections::BTreeMap::new();
            while let Some(chunk) = stream.message().await? {
                let Some(Chunk::Entry(entry)) = chunk.chunk else {
                    continue;
                };
                let entry = LogEntry::decode(entry.entry.as_slice())?;
                let kind = EntryKind::try_from(entry.kind).unwrap_or(EntryKind::Unspecified);
                *kinds.entry(kind.as_str_name().to_owned()).or_insert(0) += 1;
                let slot = match (id, kind) {
                    (SENDER, EntryKind::MessageSent) => 0,
                    (SENDER, EntryKind::ReceiptObtained) => 1,
                    (RECIPIENT, EntryKind::MessageReceived) => 2,
                    (RECIPIENT, EntryKind::ReceiptIssued) => 3,
                    _ => continue,
                };
                per_message.entry(entry.message_id).or_default()[slot] += 1;
            }
            ledger.kinds.push((id.to_owned(), kinds));
            let verified = operator.verify_log(VerifyLogRequest {}).await?.into_inner();
            ledger.verified.push((
                id.to_owned(),
                if verified.ok {
                    Ok(verified.entries)
                } else {
                    Err(format!(
                        "entry {}: {}",
                        verified.failed_index, verified.failure
                    ))
                },
            ));
        }
        let mut anomalies: Vec<(String, [u32; 4])> = per_message
            .into_iter()
            .filter(|(_, counts)| *counts != [1, 1, 1, 1])
            .collect();
        anomalies.sort();
        ledger.anomaly_count = anomalies.len();
        anomalies.truncate(FAILURE_EXAMPLES);
        ledger.anomalies = anomalies;
        Ok(ledger)
    }

    pub(super) fn print(&self) {
        for (id, kinds) in &self.kinds {
            let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
            println!("{id}'s log by kind: {}", kinds.join(", "));
        }
        for (id, verified) in &self.verified {
            match verified {
                Ok(entries) => println!("{id}'s log verifies ({entries} entries)"),
                Err(failure) => println!("{id}'s log DOES NOT VERIFY: {failure}"),
            }
        }
        if self.anomaly_count == 0 {
            println!(
                "exactly once: every message sent once, received once, receipted once on each side"
            );
        } else {
            println!(
                "NOT EXACTLY ONCE: {} messages (sent, receipt obtained, received, receipt issued): {:?}",
                self.anomaly_count, self.anomalies
            );
        }
    }
}
