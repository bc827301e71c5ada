//! `rogatory peers`: can this node reach each peer, and what is waiting for it?

use rogatory_proto::v1::{ListPeersRequest, PeerStatus, Reachability};
use serde::Serialize;

use super::Outcome;
use crate::connection::{NodeTarget, answer};
use crate::i18n::t;
use crate::output::{Format, Table, instant, people_minute, print_json, put, say, shorten};

#[derive(Debug, Serialize)]
pub struct PeerView {
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
    /// Tree size of the newest verified checkpoint of this peer's log (0: none yet).
    witnessed_size: u64,
    /// What this peer was caught doing, if anything (evidence is kept by the node).
    #[serde(skip_serializing_if = "Option::is_none")]
    misbehaviour: Option<String>,
    /// Undelivered messages older than the node's alert horizon.
    overdue: bool,
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
            witnessed_size: p.witnessed_size,
            misbehaviour: Some(p.misbehaviour).filter(|m| !m.is_empty()),
            overdue: p.overdue,
            node_id: p.node_id,
            address: p.address,
        }
    }
}

pub async fn peers(target: &NodeTarget, format: Format) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let response = answer(client.list_peers(ListPeersRequest {}).await, || {
        t!("peers-asking")
    })?;
    let peers: Vec<PeerView> = response.peers.into_iter().map(PeerView::from).collect();
    if format.json() {
        print_json(&peers)?;
        return Ok(Outcome::Done);
    }
    if peers.is_empty() {
        say!("{}", t!("peers-none"));
        return Ok(Outcome::Done);
    }
    print_peer_table(&peers);
    Ok(Outcome::Done)
}

/// The peers as a table, then a loud line for each one caught misbehaving.
pub fn print_peer_table(peers: &[PeerView]) {
    let when = |ms: i64| {
        if ms > 0 {
            people_minute(ms)
        } else {
            "-".to_owned()
        }
    };
    let header = [
        t!("peers-column-node"),
        t!("peers-column-address"),
        t!("peers-column-state"),
        t!("peers-column-last-contact"),
        t!("peers-column-queued"),
        t!("peers-column-oldest-queued"),
        t!("peers-column-next-try"),
        t!("peers-column-log-seen"),
        t!("peers-column-last-error"),
    ];
    let mut table = Table::new(&header.each_ref().map(String::as_str));
    for p in peers {
        table.row(vec![
            p.node_id.clone(),
            p.address.clone(),
            t!(&format!("peers-reachability-{}", p.reachability)),
            when(p.last_contact_at_ms),
            if p.overdue {
                t!("peers-queued-overdue", count = p.queued)
            } else {
                p.queued.to_string()
            },
            when(p.oldest_queued_at_ms),
            when(p.next_attempt_at_ms),
            if p.witnessed_size > 0 {
                p.witnessed_size.to_string()
            } else {
                "-".to_owned()
            },
            shorten(p.last_error.as_deref().unwrap_or(""), 60),
        ]);
    }
    put!("{}", table.render());
    // Warnings first would hide the table; they follow it, loudly.
    for p in peers.iter().filter(|p| p.misbehaviour.is_some()) {
        say!(
            "{}",
            t!(
                "peers-misbehaving",
                node = p.node_id.as_str(),
                what = p.misbehaviour.as_deref().unwrap_or_default()
            )
        );
    }
}
