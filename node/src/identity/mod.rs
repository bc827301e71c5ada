//! Who the node is and whom it trusts: its configuration, its signing key and TLS material,
//! its peers, and the local users allowed on its operator socket. The bottom layer: it uses
//! no other layer of the node.

pub mod config;
pub mod directory;
pub mod enrollment;
pub mod keys;
pub mod peers;
pub mod pki;
pub mod secret_file;
pub mod tls;
pub mod trust;
pub mod users;
