//! Operators' set-up commands, which work on files and need no running node: `ca create`,
//! `node create` and `node add-peer`.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use rogatory_node::identity::config::{self, NodeConfig, PeerConfig};
use rogatory_node::identity::keys;
use rogatory_node::operations::provision::{self, CA_CERTIFICATE_FILE, CA_KEY_FILE};
use rogatory_proto::ids::NodeId;
use rogatory_proto::signing::fingerprint;
use serde::Serialize;

use super::Outcome;
use crate::failure::UserError;
use crate::i18n::t;
use crate::output::{Format, label_width, print_json, say, wrap};

#[derive(Debug, Serialize)]
struct CaCreated {
    certificate: String,
    private_key: String,
}

/// `rogatory ca create`.
pub fn create_ca(dir: &Path, name: &str, format: Format) -> anyhow::Result<Outcome> {
    let certificate = provision::create_ca(dir, name)
        .with_context(|| t!("setup-ca-cannot-create", dir = dir.display().to_string()))?;
    let private_key = dir.join(CA_KEY_FILE);
    let created = CaCreated {
        certificate: certificate.display().to_string(),
        private_key: private_key.display().to_string(),
    };
    if format.json() {
        print_json(&created)?;
        return Ok(Outcome::Done);
    }
    let dir_text = dir.display().to_string();
    say!(
        "{}",
        t!("setup-ca-created", name = name, dir = dir_text.as_str())
    );
    let labels = [
        t!("setup-ca-label-certificate"),
        t!("setup-ca-label-private-key"),
    ];
    let width = label_width(&labels, 1);
    say!("  {:<width$}{}", labels[0], created.certificate);
    say!("  {:<width$}{}", labels[1], created.private_key);
    say!();
    say!("{}", wrap(&t!("setup-ca-keep-offline"), 90));
    say!("{}", t!("setup-ca-next", dir = dir_text.as_str()));
    say!("{}", t!("setup-ca-demo-only", dir = dir_text.as_str()));
    Ok(Outcome::Done)
}

#[derive(Debug, Serialize)]
struct NodeCreated {
    node_id: String,
    config: String,
    public_key: String,
    fingerprint: String,
    /// The log's verifier key, as `audit verify` prints it.
    log_key: String,
    listen: String,
    /// The `[[peers]]` entry other nodes add to their node.toml.
    peer_entry: String,
}

/// `rogatory node create`.
pub fn create_node(
    id: &str,
    ca_dir: &Path,
    node_dir: &Path,
    listen: SocketAddr,
    address: Option<&str>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let node_id = NodeId::parse(id)
        .map_err(|e| UserError::new(format!("--id: {e}"), t!("setup-node-id-hint")))?;
    let address_given = address.is_some();
    let address = address.map_or_else(|| listen.to_string(), str::to_owned);
    check_address(&address)?;
    if !ca_dir.join(CA_CERTIFICATE_FILE).is_file() {
        return Err(UserError::new(
            t!("setup-no-ca", dir = ca_dir.display().to_string()),
            t!("setup-no-ca-hint"),
        )
        .into());
    }
    let created =
        provision::create_node(ca_dir, node_dir, &node_id, listen, &[]).with_context(|| {
            t!(
                "setup-node-cannot-create",
                node = node_id.to_string(),
                dir = node_dir.display().to_string()
            )
        })?;
    let public_key = keys::encode_public_key(&created.public_key);
    let entry = config::render_peer(&created.as_peer(&address));
    let result = NodeCreated {
        node_id: node_id.to_string(),
        config: created.config_path.display().to_string(),
        public_key: public_key.clone(),
        fingerprint: fingerprint(&created.public_key),
        log_key: crate::output::log_key(node_id.as_str(), created.public_key.as_bytes()),
        listen: listen.to_string(),
        peer_entry: entry.trim().to_owned(),
    };
    if format.json() {
        print_json(&result)?;
        return Ok(Outcome::Done);
    }
    say!(
        "{}",
        t!(
            "setup-node-created",
            node = node_id.to_string(),
            dir = node_dir.display().to_string()
        )
    );
    say!("{}", wrap(&t!("setup-node-demo-only"), 90));
    let labels = [
        t!("setup-node-label-configuration"),
        t!("setup-node-label-public-key"),
        t!("setup-node-label-fingerprint"),
        t!("setup-node-label-listens-on"),
        t!("identity-label-log-key"),
    ];
    let width = label_width(&labels, 1);
    say!("  {:<width$}{}", labels[0], result.config);
    say!("  {:<width$}{public_key}", labels[1]);
    say!("  {:<width$}{}", labels[2], result.fingerprint);
    say!("  {:<width$}{}", labels[4], result.log_key);
    say!("  {:<width$}{listen}", labels[3]);
    say!();
    say!("{}", wrap(&t!("setup-node-give-entry"), 90));
    say!("{entry}");
    say!(
        "({}: rogatory --node THEIR_NODE_DIR node add-peer --id {node_id} --address {address} --public-key {public_key})",
        t!("setup-node-or-they-run")
    );
    if listen.ip().is_unspecified() && !address_given {
        let note = t!("setup-node-every-interface", listen = listen.to_string());
        say!("{}", wrap(&note, 90));
    }
    say!();
    say!("{}", t!("setup-next"));
    let steps = [t!("setup-node-step-add-peers"), t!("setup-node-step-start")];
    let width = label_width(&steps, 1);
    say!(
        "  1. {:<width$}rogatory --node {} node add-peer --id ID --address HOST:PORT --public-key KEY",
        steps[0],
        node_dir.display()
    );
    say!(
        "  2. {:<width$}rogatoryd --config {}",
        steps[1],
        result.config
    );
    Ok(Outcome::Done)
}

#[derive(Debug, Serialize)]
struct PeerAdded {
    config: String,
    node_id: String,
    address: String,
    fingerprint: String,
    restart_required: bool,
}

/// `rogatory node add-peer`.
pub fn add_peer(
    config_path: &Path,
    id: &str,
    address: &str,
    public_key: &str,
    format: Format,
) -> anyhow::Result<Outcome> {
    let node_id = NodeId::parse(id)
        .map_err(|e| UserError::new(format!("--id: {e}"), t!("setup-peer-id-hint")))?;
    check_address(address)?;
    let public_key = keys::decode_public_key(public_key)
        .map_err(|e| UserError::new(format!("--public-key: {e}"), t!("setup-peer-key-hint")))?;
    let peer = PeerConfig {
        node_id,
        address: address.to_owned(),
        public_key,
    };
    NodeConfig::load(config_path)?;
    // Check the file as it will be before touching it, so a refused peer (a duplicate, the
    // node itself) leaves node.toml unchanged.
    let current = std::fs::read_to_string(config_path).with_context(|| {
        t!(
            "setup-cannot-read",
            file = config_path.display().to_string()
        )
    })?;
    let base = config_path.parent().unwrap_or(Path::new("."));
    NodeConfig::parse(
        &format!("{current}{}", config::render_peer(&peer)),
        base,
        config_path,
    )
    .map_err(|e| {
        UserError::new(
            t!("setup-peer-refused", error = e.to_string()),
            t!("setup-peer-refused-hint"),
        )
    })?;
    provision::add_peer(config_path, &peer)?;
    NodeConfig::load(config_path).with_context(|| t!("setup-peer-broke-config"))?;
    let added = PeerAdded {
        config: config_path.display().to_string(),
        node_id: peer.node_id.to_string(),
        address: peer.address.clone(),
        fingerprint: fingerprint(&peer.public_key),
        restart_required: true,
    };
    if format.json() {
        print_json(&added)?;
        return Ok(Outcome::Done);
    }
    say!(
        "{}",
        t!(
            "setup-peer-added",
            node = added.node_id.as_str(),
            address = added.address.as_str(),
            config = added.config.as_str()
        )
    );
    say!(
        "  {} {}",
        t!("setup-node-label-fingerprint"),
        added.fingerprint
    );
    say!("  {}", t!("setup-peer-compare"));
    say!("{}", t!("setup-peer-restart"));
    Ok(Outcome::Done)
}

fn check_address(address: &str) -> anyhow::Result<()> {
    match address.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p != 0) => {
            Ok(())
        }
        _ => Err(UserError::new(
            t!(
                "setup-address-not-host-port",
                address = format!("{address:?}")
            ),
            t!("setup-address-hint"),
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(check_address("de.example.org:7400").is_ok());
        assert!(check_address("127.0.0.1:1").is_ok());
        for bad in ["de.example.org", ":7400", "host:0", "host:http"] {
            assert!(check_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn add_peer_refuses_a_duplicate_without_touching_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = dir.path().join("ca");
        provision::create_ca(&ca, "test CA").expect("ca");
        let listen = "127.0.0.1:7401".parse().expect("addr");
        let tm = NodeId::parse("tm").expect("id");
        let de = NodeId::parse("de").expect("id");
        let tm_node =
            provision::create_node(&ca, &dir.path().join("tm"), &tm, listen, &[]).expect("tm");
        let de_node =
            provision::create_node(&ca, &dir.path().join("de"), &de, listen, &[]).expect("de");
        let key = keys::encode_public_key(&de_node.public_key);
        add_peer(
            &tm_node.config_path,
            "de",
            "127.0.0.1:7403",
            &key,
            Format::Json,
        )
        .expect("added");
        let before = std::fs::read_to_string(&tm_node.config_path).expect("read");
        let err = add_peer(
            &tm_node.config_path,
            "de",
            "127.0.0.1:7403",
            &key,
            Format::Json,
        )
        .expect_err("duplicate");
        assert!(format!("{err:#}").contains("listed twice"), "{err:#}");
        let own = keys::encode_public_key(&tm_node.public_key);
        assert!(
            add_peer(
                &tm_node.config_path,
                "tm",
                "127.0.0.1:7401",
                &own,
                Format::Json
            )
            .is_err()
        );
        assert_eq!(
            std::fs::read_to_string(&tm_node.config_path).expect("read"),
            before
        );
        let config = NodeConfig::load(&tm_node.config_path).expect("parses");
        assert_eq!(config.peers.len(), 1);
    }
}
