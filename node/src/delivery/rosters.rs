//! Keeping the roster current from peers (docs/PROTOCOL.md section 11.5): there is no centre.
//! A node asks each peer `GetRosters` with the serial it holds, at start, every
//! [`POLL_INTERVAL`], after it applied a roster (the question tells the peers it holds a newer
//! one, and they ask back), and when a peer's question said it holds a newer one. What a peer
//! answers is verified as a chain from the roster in force and applied only if it verifies
//! (`node::membership::apply`); a peer cannot make this node apply anything the governors did
//! not sign, only fail to help.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::delivery::link::Links;
use crate::node::Node;
use crate::node::membership::{self, MembershipError};

/// How often every peer is asked for newer rosters when nothing else prompts it.
pub const POLL_INTERVAL: Duration = Duration::from_secs(60);
/// A peer is asked at most this often when it keeps saying it holds a newer roster: a peer
/// lying about its serial costs this node one call per interval, no more.
const MIN_ASK_INTERVAL: Duration = Duration::from_secs(5);
/// `GetRosters` calls to one peer per round: a node far behind catches up in several calls of
/// `MAX_ROSTERS_PER_ANSWER`, up to this many.
const MAX_CALLS_PER_ROUND: usize = 8;

/// Runs until `shutdown`, for a node governed by a roster.
pub async fn keep_current(node: Arc<Node>, links: Arc<dyn Links>, shutdown: CancellationToken) {
    if node.config.federation.is_none() {
        return;
    }
    let mut asked: HashMap<String, tokio::time::Instant> = HashMap::new();
    let mut next_poll = tokio::time::Instant::now();
    let mut heard = std::collections::BTreeSet::new();
    loop {
        let everyone = tokio::time::Instant::now() >= next_poll;
        let peers: Vec<String> = if everyone {
            next_poll = tokio::time::Instant::now() + POLL_INTERVAL;
            heard.clear();
            node.peers.ids()
        } else {
            std::mem::take(&mut heard).into_iter().collect()
        };
        // A peer asked too recently is asked when its interval ends, not forgotten.
        let mut wait_until = next_poll;
        for peer in peers {
            let now = tokio::time::Instant::now();
            if !everyone
                && let Some(last) = asked.get(&peer)
                && now.duration_since(*last) < MIN_ASK_INTERVAL
            {
                wait_until = wait_until.min(*last + MIN_ASK_INTERVAL);
                heard.insert(peer);
                continue;
            }
            asked.insert(peer.clone(), now);
            ask(&node, &*links, &peer).await;
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep_until(wait_until) => {}
            _ = node.membership.wake.notified() => {
                let more = node.membership.take_heard();
                let applied_here = more.is_empty();
                heard.extend(more);
                // Woken with no peer heard of: this node applied a roster; tell everyone.
                if applied_here {
                    next_poll = tokio::time::Instant::now();
                }
            }
        }
    }
}

/// Asks `peer` for rosters newer than the one in force and applies what verifies.
async fn ask(node: &Node, links: &dyn Links, peer: &str) {
    let link = match links.connect(peer) {
        Ok(link) => link,
        Err(error) => {
            tracing::debug!(%peer, %error, "cannot ask for rosters");
            return;
        }
    };
    for _ in 0..MAX_CALLS_PER_ROUND {
        let have = node.membership.serial();
        let answer = match link.rosters(have).await {
            Ok(answer) => answer,
            Err(error) => {
                tracing::debug!(%peer, %error, "cannot ask for rosters");
                return;
            }
        };
        if answer.rosters.is_empty() {
            return;
        }
        match membership::apply(node, answer.rosters, peer).await {
            Ok(applied) => {
                tracing::info!(%peer, serials = ?applied.serials, "newer roster fetched and applied");
                if answer.newest_serial <= applied.in_force {
                    return;
                }
            }
            Err(MembershipError::NotNewer { .. }) => return,
            Err(error) => {
                tracing::warn!(%peer, %error, "a peer offered a roster that was refused");
                return;
            }
        }
    }
}
