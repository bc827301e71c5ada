//! `rogatory node identity`: who a running node is and whom it trusts, as the node reports it.

use base64::Engine;
use rogatory_proto::v1::IdentityRequest;
use serde::Serialize;

use super::Outcome;
use crate::connection::{NodeTarget, answer};
use crate::output::{Format, Table, count, print_json, put, say};

#[derive(Debug, Serialize)]
struct IdentityView {
    node_id: String,
    fingerprint: String,
    /// Base64 of the 32-byte Ed25519 key, the form node.toml and `node add-peer` take.
    public_key: String,
    listen_address: String,
    data_dir: String,
    log_size: u64,
    peers: Vec<PeerView>,
}

#[derive(Debug, Serialize)]
struct PeerView {
    node_id: String,
    address: String,
    fingerprint: String,
}

pub async fn identity(target: &NodeTarget, format: Format) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let identity = answer(client.identity(IdentityRequest {}).await, || {
        "asking the node for its identity".to_owned()
    })?;
    let view = IdentityView {
        node_id: identity.node_id,
        fingerprint: identity.fingerprint,
        public_key: base64::engine::general_purpose::STANDARD.encode(&identity.public_key),
        listen_address: identity.listen_address,
        data_dir: identity.data_dir,
        log_size: identity.log_size,
        peers: identity
            .peers
            .into_iter()
            .map(|p| PeerView {
                node_id: p.node_id,
                address: p.address,
                fingerprint: p.fingerprint,
            })
            .collect(),
    };
    if format.json() {
        print_json(&view)?;
        return Ok(Outcome::Done);
    }
    say!("Node {}", view.node_id);
    say!("  fingerprint:    {}", view.fingerprint);
    say!("  public key:     {}", view.public_key);
    say!("  federation:     listening on {}", view.listen_address);
    say!("  data directory: {}", view.data_dir);
    say!(
        "  audit log:      {}",
        count(view.log_size, "entry", "entries")
    );
    say!();
    if view.peers.is_empty() {
        say!("No peers yet: add them with `rogatory node add-peer`, then restart the node.");
    } else {
        say!(
            "Peers ({}): this node sends to and accepts messages from these nodes only",
            view.peers.len()
        );
        let mut table = Table::new(&["NODE", "ADDRESS", "FINGERPRINT"]);
        for peer in &view.peers {
            table.row(vec![
                peer.node_id.clone(),
                peer.address.clone(),
                peer.fingerprint.clone(),
            ]);
        }
        put!("{}", table.render());
    }
    say!();
    say!("Other nodes add this one with:");
    say!(
        "  rogatory node add-peer --id {} --address HOST:{} --public-key {}",
        view.node_id,
        view.listen_address
            .rsplit_once(':')
            .map_or("PORT", |(_, port)| port),
        view.public_key
    );
    Ok(Outcome::Done)
}
