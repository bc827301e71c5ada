//! Writing a configuration file: the commented one `rogatory node create` and the demo start
//! from, and the `[[peers]]` table added when a peer is introduced. What is written must parse
//! back into the same configuration; reading it is `validate`'s.

use std::net::SocketAddr;
use std::path::Path;

use rogatory_proto::ids::NodeId;

use super::PeerConfig;
use super::limits::DEFAULT_MAX_ENVELOPE_BYTES;
use crate::identity::keys;

/// Renders a configuration file, with comments, for `rogatory node create` and the demo.
pub fn render(
    node_id: &NodeId,
    listen: SocketAddr,
    data_dir: &Path,
    peers: &[PeerConfig],
) -> String {
    let mut out = format!(
        "# Rogatory node configuration for `{node_id}`. Every key is described in\n\
         # config/node.example.toml. Relative paths are relative to this file.\n\n\
         node_id = \"{node_id}\"\n\
         # Federation port: peers connect here with mutual TLS.\n\
         listen = \"{listen}\"\n\
         # The audit log, messages and the operator socket live here.\n\
         data_dir = {data_dir:?}\n\n\
         [keys]\n\
         signing_key = \"keys/signing-key.pem\"\n\
         tls_certificate = \"keys/tls-certificate.pem\"\n\
         tls_key = \"keys/tls-key.pem\"\n\
         federation_ca = \"keys/federation-ca.pem\"\n\n\
         [limits]\n\
         max_envelope_bytes = {DEFAULT_MAX_ENVELOPE_BYTES}\n\
         delivery_timeout_seconds = 30\n\
         delivery_alert_after_seconds = 3600\n\
         max_concurrent_deliveries = 256\n\n\
         # Prometheus metrics over plain HTTP (off unless uncommented; see\n\
         # config/node.example.toml before exposing it beyond this machine).\n\
         # [metrics]\n\
         # listen = \"127.0.0.1:9464\"\n",
        data_dir = data_dir.display().to_string(),
    );
    for peer in peers {
        out.push_str(&render_peer(peer));
    }
    out
}

/// One `[[peers]]` table.
pub fn render_peer(peer: &PeerConfig) -> String {
    format!(
        "\n[[peers]]\nnode_id = \"{}\"\naddress = \"{}\"\npublic_key = \"{}\"\n",
        peer.node_id,
        peer.address,
        keys::encode_public_key(&peer.public_key)
    )
}

#[cfg(test)]
mod tests {
    use super::super::NodeConfig;
    use super::*;

    #[test]
    fn rendered_config_parses_back() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]).verifying_key();
        let peer = PeerConfig {
            node_id: NodeId::parse("de").expect("id"),
            address: "127.0.0.1:7403".into(),
            public_key: key,
        };
        let tm = NodeId::parse("tm").expect("id");
        let text = render(
            &tm,
            "127.0.0.1:7401".parse().expect("addr"),
            Path::new("/d"),
            std::slice::from_ref(&peer),
        );
        let config = NodeConfig::parse(&text, Path::new("/n"), Path::new("x")).expect("valid");
        assert_eq!(config.peers, vec![peer]);
        assert_eq!(
            config.keys.signing_key,
            Path::new("/n/keys/signing-key.pem")
        );
    }
}
