//! The command line as clap parses it: every subcommand, option and help text.
//!
//! Help is written for someone new to Rogatory: a prosecutor acting as contact point, an
//! operator running a node, an auditor. Each command's `after_help` shows examples.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

// One file per role: contact points' commands, operators', auditors', and the federation's
// governance (the top-level tree and the global options stay here).
mod audit;
mod cases;
mod federation;
mod operate;
pub use audit::AuditCommand;
pub use cases::{
    CaseCommand, ConsultArgs, DirectoryCommand, InformArgs, ListArgs, MessageCommand,
    RequestCommand, SearchArgs, StatusArgs, StatusCommand,
};
pub use federation::{FederationCommand, GenesisArgs, ProposeArgs};
pub use operate::{CaCommand, DemoArgs, LogCommand, NodeCommand};

const ABOUT: &str = "Send and track mutual legal assistance (MLA) requests between countries' \
                     Rogatory nodes";

const LONG_ABOUT: &str = "\
Send and track mutual legal assistance (MLA) requests between countries' Rogatory nodes.

Each country runs a node (rogatoryd). Nodes exchange signed messages over mutual TLS; the \
receiving node answers every message with a signed receipt, and every node keeps a \
tamper-evident audit log. This command talks to your own node through its operator socket.

  Contact points:  request, case, status, inbox, outbox, message, whoami
  Operators:       status, ca, node, peers, backup, completions, man
  Governors:       federation (the roster: who is in the federation, with which keys)
  Auditors:        log, audit
  Try it out:      demo (three nodes on this machine, no set-up needed)

Commands that talk to a node find it with --node (a node directory or its node.toml; default: \
the current directory) or --socket.";

const AFTER_HELP: &str = "\
Examples:
  rogatory demo                                     see a request travel from tm to de
  rogatory request template > my-request.toml       start a new request
  rogatory --node /srv/rogatory/tm request send my-request.toml --as \"A. Berdiyev\"
  rogatory --node /srv/rogatory/tm inbox
  rogatory --node /srv/rogatory/tm case list --open --overdue
  rogatory --node /srv/rogatory/tm log verify

Exit codes:
  0   success (for send commands: delivered, with a signed receipt)
  1   error (the message says what went wrong; nothing was sent unless it says so)
  2   `log verify`, `audit verify`, `audit check-proof`, `audit check-consistency`: the log or
      proof did not verify; `audit cross-check`: a bundle did not verify or the two disagree
  3   `request send` / `status send`: accepted and stored by your node, but not yet delivered
  4   `status`: the node is not serving (the reasons are listed)
  64  the command line itself is wrong (unknown option, missing argument), or --json given to
      a command whose output is not JSON (`request template`, `completions`)

With --json, a failure prints one JSON object on stderr, with the same exit code:
  {\"error\": {\"code\": \"not-found\", \"message\": \"...\", \"hint\": \"...\"}}
Its code is one of: usage, invalid-argument, request-file-invalid (with \"problems\": line,
key, message), not-found, ambiguous-id, not-allowed-now, already-exists, permission-denied,
node-config-missing, node-config-invalid, node-unreachable, node-unavailable,
version-mismatch, node-error, file-error, failed. Every time in JSON is RFC 3339 UTC with
milliseconds (2026-12-07T21:58:28.123Z).";

/// `--lang`: a language the catalogs are written in.
fn parse_language(text: &str) -> Result<crate::i18n::Language, String> {
    crate::i18n::Language::from_tag(text)
        .ok_or_else(|| crate::i18n::t!("errors-no-translation", text = text))
}

#[derive(Debug, Parser)]
#[command(
    name = "rogatory",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
)]
pub struct Cli {
    /// The node to talk to: its directory (holding node.toml) or its node.toml.
    #[arg(
        long,
        global = true,
        env = "ROGATORY_NODE",
        value_name = "DIR_OR_CONFIG",
        default_value = ".",
        display_order = 100
    )]
    pub node: PathBuf,

    /// The node's operator socket, if not the one --node's configuration names (by default
    /// <data_dir>/operator.sock); for contact points who cannot read node.toml.
    #[arg(long, global = true, value_name = "PATH", display_order = 101)]
    pub socket: Option<PathBuf>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true, display_order = 102)]
    pub json: bool,

    /// The language to speak: en or ru (default: from LC_ALL, LC_MESSAGES or LANG, else en).
    #[arg(
        long,
        global = true,
        value_name = "LANGUAGE",
        value_parser = parse_language,
        display_order = 103
    )]
    pub lang: Option<crate::i18n::Language>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write and send formal MLA requests [contact points]
    #[command(subcommand, display_order = 1)]
    Request(RequestCommand),

    /// Is my node all right? [operators]; `status send`: tell the other side where a request
    /// stands [contact points]
    #[command(
        display_order = 2,
        long_about = "Without a subcommand: one screen that answers \"is my node all right?\" \
                      [operators]. Problems come first: why the node is not serving (peers' \
                      health checks fail) and warnings (certificates near expiry, peers \
                      unreachable, overdue messages, low disk, misbehaving peers); then \
                      identity, uptime, addresses, audit log and last checkpoint, certificate \
                      dates, disk space and each peer.\n\n\
                      `status send`: tell the other side where a request stands [contact \
                      points].",
        after_help = "Examples:\n  rogatory --node /srv/rogatory/tm status\n  rogatory --node \
                      /srv/rogatory/tm status --json     (for monitoring scripts)\n\n\
                      Exit code 0: serving (warnings may be listed). Exit code 4: not serving.",
        args_conflicts_with_subcommands = true
    )]
    Status(StatusArgs),

    /// Case threads: requests, replies and deadlines, grouped by case [contact points]
    #[command(subcommand, display_order = 2)]
    Case(CaseCommand),

    /// Find cases by words: names, subjects, facts, case numbers, in Cyrillic or Latin
    /// [contact points]
    #[command(
        display_order = 2,
        long_about = "Find cases by the words of their messages.\n\n\
                      Searched: the subject of requests, consultations and spontaneous \
                      information, the summary of facts, the names of persons, offences and \
                      their legal provisions, both sides' national case numbers, the text of \
                      consultations, information and status notes, the names of authorities, \
                      and the parties' node ids. A case is listed when it holds every word \
                      given. Case and script do not matter: Атаев, Ataev, Atayev and ATAEV \
                      find each other, as do the usual spellings of Central-Asian names \
                      (Юсупов, Yusupov, Iusupov; Ходжаев, Khodjaev, Xojayev). A word finds \
                      every word it begins: Атае finds Атаев.\n\n\
                      The newest match comes first, with the case's title, its case numbers, \
                      the other party, where its request stands and where the words were \
                      found.",
        after_help = "Examples:\n  rogatory search Атаев\n  rogatory search Ataev fraud --peer de\n  \
                      rogatory search 115/2026\n  rogatory search Юсуп --state under-review \
                      --since 2026-01-01\n  rogatory search трафик --type take-evidence --json"
    )]
    Search(SearchArgs),

    /// Messages your node received, newest first [contact points]
    #[command(
        display_order = 3,
        after_help = "Examples:\n  rogatory inbox\n  rogatory inbox --limit 10 --json"
    )]
    Inbox(ListArgs),

    /// Messages your node sent, newest first, with their delivery state [contact points]
    #[command(
        display_order = 4,
        after_help = "Examples:\n  rogatory outbox\n\nA message in state `queued` was signed \
                      and stored but the recipient has not confirmed receiving it."
    )]
    Outbox(ListArgs),

    /// Show one message in full [contact points, auditors]
    #[command(subcommand, display_order = 5)]
    Message(MessageCommand),

    /// Send spontaneous information (UNTOC art. 18(4)) with restrictions on its use, outside
    /// any request [contact points]
    #[command(
        display_order = 5,
        long_about = "Send information the other state did not ask for (UNTOC art. 18(4)), \
                      with the restrictions on its use that you impose (18(5)). It is filed \
                      under a case (a new one unless --case is given) but has no lifecycle: \
                      nobody acknowledges, accepts or refuses it, and no status update may \
                      refer to it.",
        after_help = "Examples:\n  rogatory inform --to de --subject \"Cash couriers\" --text \
                      \"Two couriers left on 3 March.\" --restriction confidential \
                      --confidential-until 2026-12-31 --restriction no-onward-transmission\n\n\
                      Exit code 0: delivered. Exit code 3: stored and signed but not yet \
                      delivered; do not send it again."
    )]
    Inform(InformArgs),

    /// Send an informal consultation message to another state's contact point [contact points]
    #[command(
        display_order = 5,
        long_about = "Direct consultation: an informal message between contact points, for \
                      instance before a formal request is drafted. Messages are filed under a \
                      case (a new one unless --case or --answers is given); a formal request \
                      later sent with `case_id` of that case follows them in `rogatory case \
                      show`. Consultations have no lifecycle; the case's consultation thread \
                      is open, answered (another party replied) or closed by a party \
                      (--close).",
        after_help = "Examples:\n  rogatory consult --to de --text \"Would you need a court \
                      order for bank records?\"\n  rogatory consult --to tm --answers \
                      01J... --text \"Yes, a court order.\"\n  rogatory consult --to tm --case \
                      tm-01J... --close --text \"Thank you; nothing further.\""
    )]
    Consult(ConsultArgs),

    /// Create the federation's certificate authority [operators]
    #[command(subcommand, display_order = 6)]
    Ca(CaCommand),

    /// Create a node, add peers, show a node's identity [operators]
    #[command(subcommand, display_order = 7)]
    Node(NodeCommand),

    /// Govern the federation's roster with files: governor keys, genesis, proposals, signatures
    /// [governors]
    #[command(subcommand, display_order = 7)]
    Federation(FederationCommand),

    /// Write a consistent backup of the running node into a new directory [operators]
    #[command(
        display_order = 9,
        long_about = "Write a consistent backup of the running node into a new directory.\n\n\
                      The node itself writes the snapshot (one point of its log; writes pause \
                      meanwhile), so DIR is a path on the node's machine. The backup holds the \
                      store (audit log, messages, checkpoints); keep the node's keys directory \
                      backed up separately and securely. Restore with `rogatory node restore`.",
        after_help = "Example:\n  rogatory --node /srv/rogatory/tm backup \
                      /srv/backups/tm-2026-11-27"
    )]
    Backup {
        /// The directory to create (it must not exist yet).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },

    /// Print shell completions for bash, zsh, fish, elvish or powershell [operators]
    #[command(
        display_order = 13,
        after_help = "Examples:\n  rogatory completions bash > /etc/bash_completion.d/rogatory\n  \
                      rogatory completions zsh > \"${fpath[1]}/_rogatory\""
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Write the manual pages (rogatory.1 and one per subcommand) into a directory [operators]
    #[command(
        display_order = 14,
        after_help = "Example:\n  rogatory man --dir /usr/local/share/man/man1"
    )]
    Man {
        /// Where to write the pages (created if missing).
        #[arg(long, value_name = "DIR", default_value = ".")]
        dir: PathBuf,
    },

    /// Each peer: reachable or not, last contact, messages waiting for it [operators]
    #[command(
        display_order = 8,
        after_help = "Example:\n  rogatory --node /srv/rogatory/tm peers\n\nA peer is `unknown` \
                      until this node has exchanged a message with it since it started."
    )]
    Peers,

    /// Who your node takes you to be, and whether you may send in its name [contact points]
    #[command(
        name = "whoami",
        display_order = 8,
        long_about = "Who your node takes you to be, and whether you may send in its name.\n\n\
                      The node identifies whoever opens its operator socket by Unix user id \
                      (the kernel tells it). With [[contact_points]] in its configuration, it \
                      sends what you submit under the name configured for your account and \
                      refuses submissions from unlisted accounts; without them, it records the \
                      name you declare with --as, marked as declared, with your uid.",
        after_help = "Examples:\n  rogatory whoami\n  rogatory --socket \
                      /run/rogatory/operator.sock whoami --json\n\n\
                      Exit code 0 whether or not you may submit; 1 if the node cannot be \
                      reached."
    )]
    Whoami,

    /// What needs you: deadlines passed, undelivered messages, what awaits your answer,
    /// deadlines near, messages new to you [contact points]
    #[command(
        display_order = 2,
        long_about = "What needs you, most urgent first, grouped by reason: deadlines passed \
                      (yours to meet or the other side's to chase), messages not delivered \
                      for longer than the node's alert horizon or refused, requests and \
                      consultations awaiting your side's answer, deadlines within the horizon \
                      (48 hours unless --within), and received messages you have not seen. \
                      Each line names the case, the other party, the deadline and the start \
                      of the message id. \"New\" is per contact point (per Unix account \
                      without [[contact_points]]): `message show`, `case show`, `message \
                      read` and `case read` mark messages read. Delivery reports never count.",
        after_help = "Examples:\n  rogatory attention\n  rogatory attention --within 72\n  \
                      rogatory attention --as-of 2026-03-01 --json"
    )]
    Attention {
        /// Count a deadline as near within this many hours [default: 48].
        #[arg(long, value_name = "HOURS")]
        within: Option<u32>,
        /// Judge deadlines as of this time instead of now: a day (2026-03-01, meaning 00:00
        /// UTC) or an RFC 3339 date and time (2026-03-01T09:30:00Z).
        #[arg(long, value_name = "DATE", value_parser = crate::commands::case::parse_as_of)]
        as_of: Option<i64>,
    },

    /// Be told as things happen: messages received, status changes, deliveries, deadlines
    /// [contact points]
    #[command(
        display_order = 2,
        long_about = "Print your node's events as they happen, one line each (--json: one \
                      JSON object per line), until the node stops or you press Ctrl-C: a \
                      message received, a status change, a delivery, a message undelivered \
                      past the node's alert horizon, a deadline within 48 hours or passed \
                      (checked every minute). If you fall far behind, you are told how many \
                      events you missed: run `rogatory attention`.\n\n\
                      --exec runs a shell command per event with the event in its environment: \
                      ROGATORY_EVENT (the kind), ROGATORY_CASE, ROGATORY_MESSAGE, \
                      ROGATORY_PEER, ROGATORY_DUE (a deadline, RFC 3339, else empty) and \
                      ROGATORY_AT. --mail pipes a notice to your machine's mail transfer \
                      agent (`sendmail -t`; another with --sendmail). Neither ever carries \
                      what a message says: only its kind, case, id, peer and times. Read the \
                      message itself with `rogatory message show`.",
        after_help = "Examples:\n  rogatory watch\n  rogatory watch --json\n  rogatory watch \
                      --exec 'notify-send \"Rogatory: $ROGATORY_EVENT in $ROGATORY_CASE\"'\n  \
                      rogatory watch --mail prosecutor@example.org"
    )]
    Watch {
        /// Run this shell command for each event, the event in ROGATORY_* variables.
        #[arg(long, value_name = "COMMAND")]
        exec: Option<String>,
        /// Mail a notice of each event (no message content) to this address.
        #[arg(long, value_name = "ADDRESS")]
        mail: Option<String>,
        /// The MTA to pipe notices to, called with -t.
        #[arg(long, value_name = "PATH", requires = "mail", default_value = crate::commands::watch::DEFAULT_SENDMAIL)]
        sendmail: String,
    },

    /// Whom do I ask? Peers' signed contact-point directories [contact points]
    #[command(subcommand, display_order = 8)]
    Directory(DirectoryCommand),

    /// Check the node's audit log [auditors]
    #[command(subcommand, display_order = 9)]
    Log(LogCommand),

    /// Export the node's audit log as a bundle and check bundles offline [auditors]
    #[command(subcommand, display_order = 10)]
    Audit(AuditCommand),

    /// Run a small federation (tm, uz, de) on this machine and send a request through it
    #[command(
        display_order = 11,
        long_about = "Run a small federation on this machine and send a request through it.\n\n\
                      Three nodes start on loopback: Turkmenistan (tm), Uzbekistan (uz) and \
                      Germany (de). tm's contact point sends de a request for evidence in a \
                      trafficking-in-persons case (config/requests/trafficking-evidence.toml); \
                      de receipts it, finds it in its inbox and answers with status updates; \
                      then every node's audit log is verified. Nothing leaves this machine.",
        after_help = "Examples:\n  rogatory demo\n  rogatory demo --keep\n  rogatory demo --dir \
                      ./demo-runs      (each run gets its own run-<time> directory)"
    )]
    Demo(DemoArgs),
}

#[cfg(test)]
mod tests {
    use super::cases::{GROUND_HELP, RESTRICTION_HELP, STATUS_HELP};
    use super::*;
    use crate::vocabulary;
    use clap::CommandFactory;
    use rogatory_proto::v1::{RefusalGround, RequestStatus, UseRestriction};

    #[test]
    fn help_lists_every_json_error_code() {
        let listed: String = AFTER_HELP.split_whitespace().collect::<Vec<_>>().join(" ");
        for (code, _) in crate::failure::CODES {
            assert!(listed.contains(code), "{code} is not in `rogatory --help`");
        }
    }

    #[test]
    fn clap_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn status_help_covers_every_status() {
        let names: Vec<String> = STATUS_HELP.iter().map(|(n, _)| (*n).to_owned()).collect();
        assert_eq!(names, vocabulary::all_names::<RequestStatus>());
        let names: Vec<String> = GROUND_HELP.iter().map(|(n, _)| (*n).to_owned()).collect();
        assert_eq!(names, vocabulary::all_names::<RefusalGround>());
        let names: Vec<&str> = RESTRICTION_HELP.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, vocabulary::all_names::<UseRestriction>());
    }

    #[test]
    fn status_parses() {
        let cli = Cli::try_parse_from([
            "rogatory",
            "status",
            "send",
            "--refers-to",
            "X",
            "--status",
            "in-execution",
        ])
        .expect("parses");
        match cli.command {
            Command::Status(StatusArgs {
                command: Some(StatusCommand::Send { status, .. }),
            }) => {
                assert_eq!(status, RequestStatus::InExecution);
            }
            other => panic!("{other:?}"),
        }
        let cli = Cli::try_parse_from([
            "rogatory",
            "status",
            "send",
            "--refers-to",
            "X",
            "--status",
            "refused",
            "--ground",
            "contrary-to-legal-system",
        ])
        .expect("parses");
        assert!(matches!(
            cli.command,
            Command::Status(StatusArgs {
                command: Some(StatusCommand::Send {
                    ground: Some(RefusalGround::ContraryToLegalSystem),
                    ..
                }),
            })
        ));
        // Without a subcommand: the node's own status.
        let cli = Cli::try_parse_from(["rogatory", "status", "--json"]).expect("parses");
        assert!(matches!(
            cli.command,
            Command::Status(StatusArgs { command: None })
        ));
        assert!(
            Cli::try_parse_from([
                "rogatory",
                "status",
                "send",
                "--refers-to",
                "X",
                "--status",
                "done"
            ])
            .is_err()
        );
    }
}
