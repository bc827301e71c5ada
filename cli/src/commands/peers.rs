//! `rogatory peers`: can this node reach each peer, and what is waiting for it?

use rogatory_proto::v1::{ListPeersRequest, PeerStatus, Reachability};
use serde::Serialize;

use super::Outcome;
use crate::connection::{NodeTarget, answer};
use crate::output::{Format, Table, instant, minute, print_json, shorten};

#[derive(Debug, Serialize)]
struct PeerView {
    node_id: String,
    address: String,
    /// "reachable", "unreachable", or "unknown" before the first exchange since the node started.
    reachability: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_contact_at: Option<String>,
    #[serde(skip)]
    last_contact_at_ms: i64,
    /// Messages for this peer not yet delivered.
    queued: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    oldest_queued_message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    oldest_queued_at: Option<String>,
    #[serde(skip)]
    oldest_queued_at_ms: i64,
    in_flight: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_attempt_at: Option<String>,
    #[serde(skip)]
    next_attempt_at_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
}

fn time(ms: i64) -> Option<String> {
    (ms > 0).then(|| instant(ms))
}

impl From<PeerStatus> for PeerView {
    fn from(p: PeerStatus) -> Self {
        Self {
            reachability: match Reachability::try_from(p.reachability) {
                Ok(Reachability::Reachable) => "reachable",
                Ok(Reachability::Unreachable) => "unreachable",
                _ => "unknown",
            },
            last_contact_at: time(p.last_contact_at_ms),
            last_contact_at_ms: p.last_contact_at_ms,
            queued: p.queue_depth,
            oldest_queued_message_id: Some(p.oldest_queued_message_id).filter(|id| !id.is_empty()),
            oldest_queued_at: time(p.oldest_queued_at_ms),
            oldest_queued_at_ms: p.oldest_queued_at_ms,
            in_flight: p.in_flight,
            next_attempt_at: time(p.next_attempt_at_ms),
            next_attempt_at_ms: p.next_attempt_at_ms,
            last_error: Some(p.last_error).filter(|e| !e.is_empty()),
            node_id: p.node_id,
            address: p.address,
        }
    }
}

pub async fn peers(target: &NodeTarget, format: Format) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let response = answer(client.list_peers(ListPeersRequest {}).await, || {
        "asking the node about its peers".to_owned()
    })?;
    let peers: Vec<PeerView> = response.peers.into_iter().map(PeerView::from).collect();
    if format.json() {
        print_json(&peers)?;
        return Ok(Outcome::Done);
    }
    if peers.is_empty() {
        println!("This node has no peers: add them with `rogatory node add-peer`.");
        return Ok(Outcome::Done);
    }
    let when = |ms: i64| if ms > 0 { minute(ms) } else { "-".to_owned() };
    let mut table = Table::new(&[
        "NODE",
        "ADDRESS",
        "STATE",
        "LAST CONTACT (UTC)",
        "QUEUED",
        "OLDEST QUEUED",
        "NEXT TRY",
        "LAST ERROR",
    ]);
    for p in &peers {
        table.row(vec![
            p.node_id.clone(),
            p.address.clone(),
            p.reachability.to_owned(),
            when(p.last_contact_at_ms),
            p.queued.to_string(),
            when(p.oldest_queued_at_ms),
            when(p.next_attempt_at_ms),
            shorten(p.last_error.as_deref().unwrap_or(""), 60),
        ]);
    }
    print!("{}", table.render());
    Ok(Outcome::Done)
}
