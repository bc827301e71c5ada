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
use crate::output::{Format, print_json, say, wrap};

#[derive(Debug, Serialize)]
struct CaCreated {
    certificate: String,
    private_key: String,
}

/// `rogatory ca create`.
pub fn create_ca(dir: &Path, name: &str, format: Format) -> anyhow::Result<Outcome> {
    let certificate = provision::create_ca(dir, name)
        .with_context(|| format!("cannot create a federation CA in {}", dir.display()))?;
    let private_key = dir.join(CA_KEY_FILE);
    let created = CaCreated {
        certificate: certificate.display().to_string(),
        private_key: private_key.display().to_string(),
    };
    if format.json() {
        print_json(&created)?;
        return Ok(Outcome::Done);
    }
    say!("Created the federation CA \"{name}\" in {}", dir.display());
    say!(
        "  certificate (public, goes to every node): {}",
        created.certificate
    );
    say!(
        "  private key (secret):                     {}",
        created.private_key
    );
    say!();
    say!(
        "{}",
        wrap(
            "Keep the private key offline (an encrypted USB stick in a safe, not a server): \
             whoever holds it can create nodes that every member of the federation will accept.",
            90
        )
    );
    say!(
        "Next: each member runs `rogatory node init` on its own machine and sends you its join \
         request; you run: rogatory ca issue JOIN-REQUEST --ca {}",
        dir.display()
    );
    say!(
        "(For the demo and tests only: rogatory node create --id ID --ca {} --dir NODE_DIR \
         --listen 0.0.0.0:7400)",
        dir.display()
    );
    Ok(Outcome::Done)
}

#[derive(Debug, Serialize)]
struct NodeCreated {
    node_id: String,
    config: String,
    public_key: String,
    fingerprint: String,
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
    let node_id = NodeId::parse(id).map_err(|e| {
        UserError::new(
            format!("--id: {e}"),
            "use the country's code in lowercase, e.g. \"tm\", \"uz\" or \"de\"",
        )
    })?;
    let address_given = address.is_some();
    let address = address.map_or_else(|| listen.to_string(), str::to_owned);
    check_address(&address)?;
    if !ca_dir.join(CA_CERTIFICATE_FILE).is_file() {
        return Err(UserError::new(
            format!("--ca: {} holds no federation CA", ca_dir.display()),
            "pass the directory `rogatory ca create` made (it holds federation-ca.pem and \
             federation-ca-key.pem)",
        )
        .into());
    }
    let created = provision::create_node(ca_dir, node_dir, &node_id, listen, &[])
        .with_context(|| format!("cannot create node {node_id} in {}", node_dir.display()))?;
    let public_key = keys::encode_public_key(&created.public_key);
    let entry = config::render_peer(&created.as_peer(&address));
    let result = NodeCreated {
        node_id: node_id.to_string(),
        config: created.config_path.display().to_string(),
        public_key: public_key.clone(),
        fingerprint: fingerprint(&created.public_key),
        listen: listen.to_string(),
        peer_entry: entry.trim().to_owned(),
    };
    if format.json() {
        print_json(&result)?;
        return Ok(Outcome::Done);
    }
    say!("Created node {node_id} in {}", node_dir.display());
    say!(
        "{}",
        wrap(
            "For the demo and tests only: this made the node's private keys where the CA key \
             is. A real node runs `rogatory node init` on its own machine.",
            90
        )
    );
    say!("  configuration: {}", result.config);
    say!("  public key:    {public_key}");
    say!("  fingerprint:   {}", result.fingerprint);
    say!("  listens on:    {listen}");
    say!();
    say!(
        "{}",
        wrap(
            "Give the operator of every other node this entry for their node.toml, and compare \
             the fingerprint with them by phone or in person:",
            90
        )
    );
    say!("{entry}");
    say!(
        "(or they run: rogatory --node THEIR_NODE_DIR node add-peer --id {node_id} --address {address} --public-key {public_key})"
    );
    if listen.ip().is_unspecified() && !address_given {
        let note = format!(
            "Note: {listen} means \"every interface\"; peers need a reachable host name. Replace \
             it in the entry, or run this command with --address HOST:PORT."
        );
        say!("{}", wrap(&note, 90));
    }
    say!();
    say!("Next:");
    say!(
        "  1. add each other node as a peer: rogatory --node {} node add-peer --id ID --address HOST:PORT --public-key KEY",
        node_dir.display()
    );
    say!(
        "  2. start the node:                rogatoryd --config {}",
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
    let node_id = NodeId::parse(id).map_err(|e| {
        UserError::new(
            format!("--id: {e}"),
            "use the peer's node id as its operator gave it",
        )
    })?;
    check_address(address)?;
    let public_key = keys::decode_public_key(public_key).map_err(|e| {
        UserError::new(
            format!("--public-key: {e}"),
            "copy the key exactly from the peer's `rogatory node create` or `rogatory node \
             identity` output",
        )
    })?;
    let peer = PeerConfig {
        node_id,
        address: address.to_owned(),
        public_key,
    };
    NodeConfig::load(config_path)?;
    // Check the file as it will be before touching it, so a refused peer (a duplicate, the
    // node itself) leaves node.toml unchanged.
    let current = std::fs::read_to_string(config_path)
        .with_context(|| format!("cannot read {}", config_path.display()))?;
    let base = config_path.parent().unwrap_or(Path::new("."));
    NodeConfig::parse(
        &format!("{current}{}", config::render_peer(&peer)),
        base,
        config_path,
    )
    .map_err(|e| {
        UserError::new(
            format!("the peer cannot be added, node.toml was not changed: {e}"),
            "`rogatory node identity` lists the current peers; to change a peer's address or \
             key, edit its [[peers]] entry in node.toml",
        )
    })?;
    provision::add_peer(config_path, &peer)?;
    NodeConfig::load(config_path).context("node.toml no longer parses after adding the peer")?;
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
        "Added peer {} at {} to {}",
        added.node_id,
        added.address,
        added.config
    );
    say!("  fingerprint: {}", added.fingerprint);
    say!("  Compare this fingerprint with the peer's operator before relying on the peer.");
    say!(
        "Restart the node for the change to take effect: rogatoryd reads node.toml only at start."
    );
    Ok(Outcome::Done)
}

fn check_address(address: &str) -> anyhow::Result<()> {
    match address.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p != 0) => {
            Ok(())
        }
        _ => Err(UserError::new(
            format!("address {address:?} is not HOST:PORT"),
            "write a host name or IP address and a port, e.g. de.example.org:7400",
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
