//! `rogatory federation`: the offline governance commands (files only, no node needed).

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum FederationCommand {
    /// Make a new governor key (on the governor's own machine)
    #[command(
        name = "governor-key",
        long_about = "Make a new governor key: an Ed25519 key that signs rosters, written 0600 to \
                      FILE on this machine (keep it offline: a USB stick in a safe). Prints the \
                      public key to send to whoever writes the genesis roster or the proposal \
                      adding you, and a fingerprint to read to them over the telephone.",
        after_help = "Example:\n  rogatory federation governor-key --out kz-governor.pem --name \
                      \"Kazakhstan, General Prosecutor's Office\""
    )]
    GovernorKey {
        /// The private key file to create (it must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Who holds the key, in plain words, as it will appear in the roster.
        #[arg(long, value_name = "NAME")]
        name: String,
    },

    /// Write the first roster of a federation (unsigned)
    #[command(
        long_about = "Write the federation's first roster (serial 1), unsigned: each governor \
                      then signs it with `rogatory federation sign`. Members come from \
                      --member, or from existing nodes' node.toml files (--member-from-config: \
                      the node itself and its [[peers]]), which migrates a running federation: \
                      the keys they use today stay valid for everything they signed before.",
        after_help = "Examples:\n  rogatory federation genesis --federation casc-mla \
                      --governor \"Kazakhstan, GPO=BASE64KEY\" --governor \"Tajikistan, \
                      GPO=BASE64KEY\" --governor \"Uzbekistan, GPO=BASE64KEY\" --threshold 2 \
                      --ca federation-ca/ca.pem --member-from-config /srv/rogatory/kz/node.toml \
                      --member-name \"kz=KZ,General Prosecutor's Office\" --member-name \
                      \"tj=TJ,General Prosecutor's Office\" --set-address kz=kz.example:7400 \
                      --out roster-1.roster"
    )]
    Genesis(GenesisArgs),

    /// Propose the next roster: add or remove members, rotate or revoke keys, change governors
    #[command(
        long_about = "Write a proposal: the roster after CURRENT (serial + 1, naming CURRENT, \
                      issued now) with the changes asked for, unsigned. It prints the changes in \
                      plain words; send the file to the governors, who each sign it with \
                      `rogatory federation sign`.",
        after_help = "Examples:\n  rogatory federation propose --current roster-3.roster --out \
                      roster-4.proposal --add-member kz.join-request\n  rogatory federation \
                      propose --current roster-4.roster --out roster-5.proposal \
                      --revoke-signing-key tm=BASE64KEY --since 2026-12-01T10:00:00Z --reason \
                      \"stolen laptop\"\n  rogatory federation propose --current roster-5.roster \
                      --out roster-6.proposal --add-signing-key de=BASE64KEY --retire-old-after 7d"
    )]
    Propose(ProposeArgs),

    /// Put a signed roster in force at this node; its peers fetch it from there
    #[command(
        long_about = "Send a roster (or several, in order of serial) to the running node, which \
                      verifies it as the successor of the roster in force (signed by enough \
                      governors, not expired, not older), records it in its audit log and puts \
                      it in force at once: new members become reachable, removed or revoked \
                      ones are cut off. Its peers fetch it from this node within a minute. \
                      Nothing changes if it is refused.",
        after_help = "Example:\n  rogatory federation apply roster-4.proposal"
    )]
    Apply {
        /// The roster file: signed by enough governors (`rogatory federation show` says).
        #[arg(value_name = "ROSTER")]
        file: PathBuf,
    },

    /// Show the roster in force at this node (and save it, for proposing the next)
    #[command(
        long_about = "Show the roster the running node has in force: serial, issue and expiry, \
                      members and governors. With --out, also write it to FILE, the CURRENT \
                      roster that `federation propose` and `federation sign` start from.",
        after_help = "Example:\n  rogatory federation status --out roster-in-force.roster"
    )]
    Status {
        /// Write the roster in force to this file (armored).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },

    /// Add your governor signature to a proposal
    #[command(
        long_about = "Show what a proposal changes and add your signature to it (the file is \
                      replaced atomically). Refuses a key that is no governor of the current or \
                      the proposed roster. Prints how many more signatures are needed.",
        after_help = "Example:\n  rogatory federation sign roster-4.proposal --key \
                      kz-governor.pem --current roster-3.roster"
    )]
    Sign {
        /// The proposal (or genesis) file to sign, replaced in place.
        #[arg(value_name = "PROPOSAL")]
        proposal: PathBuf,
        /// Your governor key (from `rogatory federation governor-key`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The roster in force, which the proposal follows (not needed for a genesis).
        #[arg(long, value_name = "ROSTER")]
        current: Option<PathBuf>,
    },

    /// Show a roster or proposal in plain words, with its signatures
    #[command(
        after_help = "Examples:\n  rogatory federation show roster-3.roster\n  rogatory \
                      federation show roster-4.proposal --current roster-3.roster --json\n\n\
                      Exit code 0: the file is a valid roster or a valid proposal still \
                      collecting signatures; 1: it is not (altered, or breaks a rule)."
    )]
    Show {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The roster in force, which FILE follows (to count the current governors'
        /// signatures and check the changes).
        #[arg(long, value_name = "ROSTER")]
        current: Option<PathBuf>,
    },

    /// What one roster changes from another, in plain words
    #[command(
        after_help = "Example:\n  rogatory federation diff roster-3.roster roster-4.proposal"
    )]
    Diff {
        #[arg(value_name = "OLD")]
        old: PathBuf,
        #[arg(value_name = "NEW")]
        new: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct GenesisArgs {
    /// The federation's name, the same in every roster (for example "casc-mla").
    #[arg(long, value_name = "NAME")]
    pub federation: String,
    /// A governor: their name and base64 public key (from `governor-key`); repeat for each.
    #[arg(long = "governor", value_name = "NAME=PUBLICKEY", required = true)]
    pub governors: Vec<String>,
    /// k: how many governors must sign each roster.
    #[arg(long, value_name = "K")]
    pub threshold: u32,
    /// The federation CA's certificate (PEM); repeat during a CA rotation.
    #[arg(long = "ca", value_name = "CA.pem", required = true)]
    pub cas: Vec<PathBuf>,
    /// A node's node.toml: the node (its id and signing key) and its [[peers]] (ids,
    /// addresses, keys) become members; repeat for several nodes.
    #[arg(long = "member-from-config", value_name = "NODE.toml")]
    pub member_from_config: Vec<PathBuf>,
    /// A member written out: ID,COUNTRY,AUTHORITY,ADDRESS,SIGNING-PUBLIC-KEY (base64).
    #[arg(long = "member", value_name = "ID,COUNTRY,AUTHORITY,ADDRESS,KEY")]
    pub members: Vec<String>,
    /// Country and authority of a member taken from a node.toml (which holds neither).
    #[arg(long = "member-name", value_name = "ID=COUNTRY,AUTHORITY")]
    pub member_names: Vec<String>,
    /// A member's address(es), where node.toml has none (a node's own) or to replace them.
    #[arg(long = "set-address", value_name = "ID=ADDR[,ADDR]")]
    pub set_addresses: Vec<String>,
    /// How long the roster is valid; governors issue the next one before it expires.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub valid_for: u32,
    /// The file to write (it must not exist).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ProposeArgs {
    /// The roster in force.
    #[arg(long, value_name = "ROSTER")]
    pub current: PathBuf,
    /// The proposal file to write (it must not exist).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Add the node of a join request (`rogatory node init` writes it); check its
    /// fingerprints with the node's operator first.
    #[arg(long = "add-member", value_name = "JOIN-REQUEST")]
    pub add_members: Vec<PathBuf>,
    /// Remove a member.
    #[arg(long = "remove-member", value_name = "ID")]
    pub remove_members: Vec<String>,
    /// Replace a member's addresses.
    #[arg(long = "set-addresses", value_name = "ID=ADDR[,ADDR]")]
    pub set_addresses: Vec<String>,
    /// Add a member's new signing key (a rotation): valid from the proposal's issue time.
    #[arg(long = "add-signing-key", value_name = "ID=PUBLICKEY")]
    pub add_signing_keys: Vec<String>,
    /// With --add-signing-key: the member's previous keys stop being valid this long after
    /// the proposal's issue time (messages signed and queued before the switch still verify);
    /// longer than collecting the signatures and applying the roster takes.
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    pub retire_old_after: String,
    /// Revoke a member's signing key as compromised (with --since and --reason).
    #[arg(long = "revoke-signing-key", value_name = "ID=PUBLICKEY")]
    pub revoke_signing_keys: Vec<String>,
    /// With --revoke-signing-key: from when signatures by the key are refused (RFC 3339,
    /// e.g. 2026-12-01T10:00:00Z, or "now").
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// With --revoke-signing-key or --revoke-certificate: why, in plain words.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Revoke a node's TLS certificate (PEM): refused at handshake from the roster on.
    #[arg(long = "revoke-certificate", value_name = "CERT.pem")]
    pub revoke_certificates: Vec<PathBuf>,
    /// Accept node certificates of another CA (a CA rotation).
    #[arg(long = "add-ca", value_name = "CA.pem")]
    pub add_cas: Vec<PathBuf>,
    /// Stop accepting a CA (its revoked certificates leave with it).
    #[arg(long = "remove-ca", value_name = "CA.pem")]
    pub remove_cas: Vec<PathBuf>,
    /// Add a governor.
    #[arg(long = "add-governor", value_name = "NAME=PUBLICKEY")]
    pub add_governors: Vec<String>,
    /// Remove a governor by public key.
    #[arg(long = "remove-governor", value_name = "PUBLICKEY")]
    pub remove_governors: Vec<String>,
    /// The new threshold k.
    #[arg(long, value_name = "K")]
    pub threshold: Option<u32>,
    /// How long the new roster is valid [default: as long as the current one].
    #[arg(long, value_name = "DAYS")]
    pub valid_for: Option<u32>,
}
