//! What operators type: the federation CA, creating and enrolling nodes, keys and peers, the
//! node's log, and the demo.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum CaCommand {
    /// Create the federation CA, which certifies every node's TLS identity
    #[command(
        long_about = "Create the federation CA, which certifies every node's TLS identity.\n\n\
                      One CA serves the whole federation. Its certificate goes to every node; \
                      its private key signs node certificates and must stay offline.",
        after_help = "Example:\n  rogatory ca create --dir ./federation-ca --name \"CASC \
                      network CA\""
    )]
    Create {
        /// Directory to create the CA in (created if missing; an existing CA is never replaced).
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The CA's name, shown in certificates.
        #[arg(long, value_name = "NAME", default_value = "Rogatory federation CA")]
        name: String,
    },

    /// Issue a node certificate from a join request (no private key involved)
    #[command(
        long_about = "Issue a node certificate from a join request (from `rogatory node init` \
                      or `rogatory node renewal-request`).\n\n\
                      The request's signature (by the signing key it carries) and its \
                      certificate signing request are verified; the request is shown with the \
                      fingerprints to compare with the node's operator by telephone. The CA \
                      sets the certificate's contents itself (only the node id as DNS name). \
                      The output file holds only public material: the node certificate, then \
                      the CA certificate.",
        after_help = "Examples:\n  rogatory ca issue kz-join-request.txt --ca ./federation-ca \
                      --out kz.certificate.pem\n  rogatory ca issue tm-renewal-request.txt --ca \
                      ./federation-ca --roster federation.roster"
    )]
    Issue {
        /// The join request file (armored text, `ROGATORY JOIN REQUEST`).
        #[arg(value_name = "JOIN-REQUEST")]
        join_request: PathBuf,
        /// The federation CA's directory (from `rogatory ca create`).
        #[arg(long, value_name = "CA_DIR")]
        ca: PathBuf,
        /// The federation's roster file (as node.toml names it): issue only if the request's signing
        /// key is the one the roster lists for its node (a renewal must come from a member).
        #[arg(long, value_name = "FILE")]
        roster: Option<PathBuf>,
        /// Where to write the response [default: <node id>.certificate.pem]; never overwritten.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// Demo and tests only: a node directory with keys made where the CA key is
    #[command(
        long_about = "Create a node directory: keys, a certificate from the CA, and node.toml.\n\n\
                      For the demo and tests only: it makes the node's private keys on the \
                      machine that holds the CA key, so the CA holder has seen them. A real \
                      node runs `rogatory node init` on its own machine instead.",
        after_help = "Example:\n  rogatory node create --id tm --ca ./federation-ca --dir \
                            /srv/rogatory/tm --listen 0.0.0.0:7400 --address tm.example.org:7400\n\n\
                            For a real federation: rogatory node init --help"
    )]
    Create {
        /// The node's id: lowercase letters, digits and '-', e.g. the country code "tm".
        #[arg(long, value_name = "ID")]
        id: String,
        /// The federation CA's directory (from `rogatory ca create`).
        #[arg(long, value_name = "DIR")]
        ca: PathBuf,
        /// Where to create the node (must not already hold a node).
        #[arg(long = "dir", value_name = "NODE_DIR")]
        dir: PathBuf,
        /// Address and port the node listens on for other nodes, e.g. 0.0.0.0:7400.
        #[arg(long, value_name = "ADDR")]
        listen: SocketAddr,
        /// How other nodes reach this one, HOST:PORT [default: the --listen address].
        #[arg(long, value_name = "HOST:PORT")]
        address: Option<String>,
    },

    /// Make this node's keys here and a join request for the CA holder
    #[command(
        long_about = "Make a node directory on the node's own machine: the signing key and \
                      the TLS key (0600; they never leave this machine), node.toml, and \
                      DIR/join-request.txt: the node's id, country, authority and addresses, \
                      its signing public key and a certificate signing request for its TLS \
                      key, signed by the signing key. Send the request to the federation's CA \
                      holder (e-mail is fine) and read them the printed fingerprints by \
                      telephone; install the certificate they send back with `rogatory node \
                      install-certificate`. Nothing existing is overwritten.",
        after_help = "Example:\n  rogatory node init --id kz --dir /srv/rogatory/kz --listen \
                      0.0.0.0:7400 --address rogatory.prokuror.kz:7400 --country KZ --authority \
                      \"Prosecutor General's Office\""
    )]
    Init {
        /// The node's id: lowercase letters, digits and '-', e.g. the country code "kz".
        #[arg(long, value_name = "ID")]
        id: String,
        /// Where to create the node (must not already hold a node).
        #[arg(long = "dir", value_name = "DIR")]
        dir: PathBuf,
        /// Address and port the node listens on for other nodes, e.g. 0.0.0.0:7400.
        #[arg(long, value_name = "ADDR")]
        listen: SocketAddr,
        /// How other nodes reach this one, HOST:PORT (repeat for several).
        #[arg(long = "address", value_name = "HOST:PORT", required = true)]
        addresses: Vec<String>,
        /// The state's ISO 3166-1 alpha-2 code, in capitals, e.g. KZ.
        #[arg(long, value_name = "CC")]
        country: String,
        /// The authority that runs the node, as it should appear to other members.
        #[arg(long, value_name = "NAME")]
        authority: String,
        /// The federation CA certificate, if you already have it: a certificate response from
        /// any other CA is then refused.
        #[arg(long, value_name = "FILE")]
        federation_ca: Option<PathBuf>,
    },

    /// Put the certificate from `rogatory ca issue` in place (checked first)
    #[command(
        long_about = "Put the certificate from `rogatory ca issue` in place.\n\n\
                      The response is checked before anything is written: it certifies this \
                      node's TLS key (or its pending renewal key), names this node, is signed \
                      by the CA certificate in it (the one this node already trusts, if any), \
                      and is valid now. A certificate for the pending renewal key replaces key \
                      and certificate together. A running node takes it on SIGHUP.",
        after_help = "Example:\n  rogatory node install-certificate --dir /srv/rogatory/kz \
                      kz.certificate.pem\n  systemctl reload rogatoryd"
    )]
    InstallCertificate {
        /// The node's directory (holding node.toml).
        #[arg(long = "dir", value_name = "DIR")]
        dir: PathBuf,
        /// The response file (node certificate then CA certificate, PEM).
        #[arg(value_name = "RESPONSE")]
        response: PathBuf,
    },

    /// Make a new TLS key here and a renewal request for the CA holder
    #[command(
        long_about = "Make a new TLS key on this machine (pending: the node keeps using its \
                      current key) and DIR/renewal-request.txt, a join request marked as a \
                      renewal and signed by the node's signing key. The CA holder runs \
                      `rogatory ca issue` on it; `rogatory node install-certificate` then \
                      switches key and certificate together, and SIGHUP applies them. Country, \
                      authority and addresses default to those of DIR/join-request.txt.",
        after_help = "Example:\n  rogatory node renewal-request --dir /srv/rogatory/kz"
    )]
    RenewalRequest {
        /// The node's directory (holding node.toml).
        #[arg(long = "dir", value_name = "DIR")]
        dir: PathBuf,
        /// The state's ISO 3166-1 alpha-2 code [default: from the earlier join request].
        #[arg(long, value_name = "CC")]
        country: Option<String>,
        /// The authority's name [default: from the earlier join request].
        #[arg(long, value_name = "NAME")]
        authority: Option<String>,
        /// HOST:PORT where other nodes reach this one [default: from the earlier join request].
        #[arg(long = "address", value_name = "HOST:PORT")]
        addresses: Vec<String>,
    },

    /// Add another node as a peer of this node (--node); restart the node afterwards
    #[command(
        after_help = "Example:\n  rogatory --node /srv/rogatory/tm node add-peer --id de \
                            --address de.example.org:7400 --public-key \
                            q3n0...base64...=\n\nThe peer's operator gets the key from \
                            `rogatory node create` or `rogatory node identity`; compare the \
                            fingerprints by phone."
    )]
    AddPeer {
        /// The peer's node id.
        #[arg(long, value_name = "ID")]
        id: String,
        /// Where the peer listens, HOST:PORT.
        #[arg(long, value_name = "HOST:PORT")]
        address: String,
        /// The peer's message-signing public key (base64).
        #[arg(long, value_name = "BASE64")]
        public_key: String,
    },

    /// Show the running node's id, keys, address and peers
    #[command(after_help = "Example:\n  rogatory --node /srv/rogatory/tm node identity")]
    Identity,

    /// Issue a new TLS key and certificate for this node from the federation CA
    #[command(
        long_about = "Issue a new TLS key and certificate for this node (--node) from the \
                      federation CA, and put them in place of the old ones.\n\n\
                      For the demo and tests only: it needs the CA key on the node's machine. \
                      A real node runs `rogatory node renewal-request` instead, and no private \
                      key moves.\n\n\
                      The node's identity and signing key do not change, so peers need no \
                      change. A running node uses the new certificate for new connections after \
                      SIGHUP (`systemctl reload rogatoryd`).",
        after_help = "Example:\n  rogatory --node /srv/rogatory/tm node renew-certificate --ca \
                      ./federation-ca\n  systemctl reload rogatoryd"
    )]
    RenewCertificate {
        /// The federation CA's directory (from `rogatory ca create`).
        #[arg(long, value_name = "DIR")]
        ca: PathBuf,
    },

    /// Make this node's next signing key; it signs with it once a roster names it
    #[command(
        long_about = "Write a new signing key beside this node's key (--node; the file \
                      `<signing_key>.next`, mode 0600) and print its public key and fingerprint. \
                      The node goes on signing with its key until a roster in force lists the \
                      new one; then it switches by itself, without restart, and its old key \
                      stays valid for what it signed in its time. Only a node governed by a \
                      roster ([federation] roster in node.toml) can rotate.",
        after_help = "Example:\n  rogatory --node /srv/rogatory/tm/node.toml node rotate-key\n  \
                      rogatory federation propose --current roster.pem --add-signing-key \
                      tm=<KEY> --retire-old-after 7d --out proposal.pem\n  (k governors: \
                      rogatory federation sign ...)\n  rogatory --node /srv/rogatory/tm \
                      federation apply proposal.pem"
    )]
    RotateKey,

    /// Put a backup in place as this (stopped) node's store
    #[command(
        long_about = "Put a backup (from `rogatory backup`) in place as the store of this \
                      node (--node), which must be stopped and must not hold a store (move the \
                      old one away first).\n\n\
                      The backup's audit log is verified first. On its next start the node asks \
                      every peer which checkpoint of its log it holds, and signs nothing until \
                      each one is contained in the restored log: if peers hold more than the \
                      backup, the node stays NOT SERVING and `rogatory status` says what was \
                      lost.",
        after_help = "Example:\n  systemctl stop rogatoryd\n  mv /srv/rogatory/tm/data/store \
                      /srv/rogatory/tm/data/store.broken\n  rogatory --node /srv/rogatory/tm \
                      node restore --from /srv/backups/tm-2026-11-27\n  systemctl start \
                      rogatoryd"
    )]
    Restore {
        /// The backup directory written by `rogatory backup`.
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Verify the node's audit log, entry by entry, from the first to the last
    #[command(
        long_about = "Verify the node's audit log, entry by entry, from the first to the last.\n\n\
                      Every entry is chained to the previous one by its hash, and entries about \
                      messages carry the signed bytes and signatures, which are checked again.",
        after_help = "Example:\n  rogatory --node /srv/rogatory/tm log verify\n\nExit code 0: \
                      the log verifies. Exit code 2: it does not (the entry and reason are \
                      printed)."
    )]
    Verify,
    /// Print the node's newest signed checkpoint and which peers cosigned it
    #[command(
        long_about = "Print the node's newest signed checkpoint: a C2SP signed note committing \
                      the node to the first N entries of its audit log (their Merkle root), \
                      signed with the node's key and cosigned by the peers that witnessed it.\n\n\
                      Anyone holding the node's public key can check it; keep a copy to hold \
                      the node to its history later.",
        after_help = "Example:\n  rogatory --node /srv/rogatory/tm log checkpoint > tm.checkpoint"
    )]
    Checkpoint,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's files in DIR/run-<time> instead of a temporary directory.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Keep the temporary directory instead of deleting it at the end.
    #[arg(long)]
    pub keep: bool,
}
