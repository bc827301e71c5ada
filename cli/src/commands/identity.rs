//! `rogatory node identity`: who a running node is and whom it trusts, as the node reports it.

use base64::Engine;
use rogatory_proto::v1::IdentityRequest;
use serde::Serialize;

use super::Outcome;
use crate::connection::{NodeTarget, answer};
use crate::i18n::t;
use crate::output::{Format, Table, label_width, print_json, put, say};

#[derive(Debug, Serialize)]
struct IdentityView {
    node_id: String,
    fingerprint: String,
    /// Base64 of the 32-byte Ed25519 key, the form node.toml and `node add-peer` take.
    public_key: String,
    /// The same key as its log's verifier key (C2SP signed note): the form `audit verify`
    /// prints and `--peer-keys` files hold.
    log_key: String,
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
        t!("identity-asking")
    })?;
    let log_key = crate::output::log_key(&identity.node_id, &identity.public_key);
    let view = IdentityView {
        log_key,
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
    say!("{}", t!("identity-node", node = view.node_id.as_str()));
    let labels = [
        t!("identity-label-fingerprint"),
        t!("identity-label-public-key"),
        t!("identity-label-log-key"),
        t!("identity-label-federation"),
        t!("identity-label-data-directory"),
        t!("identity-label-audit-log"),
    ];
    let width = label_width(&labels, 1);
    let [
        fingerprint,
        public_key,
        log_key,
        federation,
        data_dir,
        audit_log,
    ] = &labels;
    say!("  {fingerprint:<width$}{}", view.fingerprint);
    say!("  {public_key:<width$}{}", view.public_key);
    say!("  {log_key:<width$}{}", view.log_key);
    say!(
        "  {federation:<width$}{}",
        t!("identity-listening", address = view.listen_address.as_str())
    );
    say!("  {data_dir:<width$}{}", view.data_dir);
    say!(
        "  {audit_log:<width$}{}",
        t!("identity-log-entries", count = view.log_size)
    );
    say!();
    if view.peers.is_empty() {
        say!("{}", t!("identity-no-peers"));
    } else {
        say!("{}", t!("identity-peers", count = view.peers.len()));
        let header = [
            t!("peers-column-node"),
            t!("peers-column-address"),
            t!("identity-column-fingerprint"),
        ];
        let mut table = Table::new(&header.each_ref().map(String::as_str));
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
    say!("{}", t!("identity-add-this-node"));
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
