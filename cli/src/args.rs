//! The command line as clap parses it: every subcommand, option and help text.
//!
//! Help is written for someone new to Rogatory: a prosecutor acting as contact point, an
//! operator running a node, an auditor. Each command's `after_help` shows examples.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use rogatory_proto::v1::{RefusalGround, RequestState, RequestStatus, UseRestriction};

use crate::vocabulary;

mod federation;
pub use federation::{FederationCommand, GenesisArgs, ProposeArgs};

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

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Show at most this many messages (the node's default is 100).
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    pub limit: u32,
    /// Inbox only: only the messages you have not seen (`message show`, `case show`) or
    /// marked read (`message read`, `case read`).
    #[arg(long)]
    pub new: bool,
}

#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// Print a commented request file to fill in
    #[command(after_help = "Example:\n  rogatory request template > my-request.toml")]
    Template,

    /// Sign and send the request described in a request file
    #[command(
        long_about = "Sign and send the request described in a request file.\n\n\
                      The file is checked before anything is sent: an unknown key, a wrong \
                      value or a missing required field is reported with its line. Your node \
                      then signs the request, records it in its audit log and delivers it; the \
                      receiving node answers with a signed receipt.",
        after_help = "Examples:\n  rogatory request send my-request.toml --as \"A. Berdiyev, \
                      prosecutor\"\n  rogatory --node /srv/rogatory/tm request send \
                      config/requests/trafficking-evidence.toml\n\nExit code 0: delivered, \
                      with a signed receipt. Exit code 3: stored and signed by your node but not \
                      yet delivered (see `rogatory outbox`); do not send it again."
    )]
    Send {
        /// The request file (TOML); `rogatory request template` shows the format.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Your name, recorded in the audit log as the person who submitted it [default: the
        /// node names you: your contact-point name, else your Unix account].
        #[arg(long = "as", value_name = "NAME")]
        name: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct InformArgs {
    /// Node id of the receiving state's node.
    #[arg(long, value_name = "PEER")]
    pub to: String,
    /// Opening a multi-party case (a joint investigation team): another party's node that
    /// receives a copy; repeat for several. Later messages of the case go to every party.
    #[arg(long = "copy-to", value_name = "PEER")]
    pub copy_to: Vec<String>,
    /// What the information is about.
    #[arg(long)]
    pub subject: String,
    /// The information itself.
    #[arg(long)]
    pub text: String,
    /// A restriction on its use; repeat for several.
    #[arg(long = "restriction", value_name = "RESTRICTION", value_parser = restriction_parser())]
    pub restrictions: Vec<UseRestriction>,
    /// The purpose it may be used for (required with stated-purpose-only).
    #[arg(long, default_value = "")]
    pub purpose: String,
    /// With the confidential restriction: the date (YYYY-MM-DD) until which it stays
    /// confidential.
    #[arg(long, value_name = "DATE", default_value = "")]
    pub confidential_until: String,
    /// Further conditions on its use, free text.
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub condition: String,
    /// File it under this case [default: a new case].
    #[arg(long = "case", value_name = "ID")]
    pub case_id: Option<String>,
    /// Your name, recorded as its author and in the audit log [default: the node names you:
    /// your contact-point name, else your Unix account].
    #[arg(long = "as", value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The words to find (every one of them), in Cyrillic or Latin.
    #[arg(value_name = "WORDS")]
    pub words: Vec<String>,
    /// Only messages exchanged with this peer (its node id, e.g. de).
    #[arg(long, value_name = "NODE_ID")]
    pub peer: Option<String>,
    /// Only requests now in this state, and the messages about them (e.g. under-review).
    #[arg(long, value_name = "STATE", value_parser = vocabulary::parse::<RequestState>)]
    pub state: Option<RequestState>,
    /// Only requests asking this kind of assistance, and the messages about them (e.g.
    /// take-evidence).
    #[arg(long = "type", value_name = "ASSISTANCE", value_parser = parse_measure)]
    pub assistance: Option<rogatory_proto::v1::AssistanceType>,
    /// Only messages received (in) or sent (out) by this node; the words may be in any
    /// message of the case.
    #[arg(long, value_name = "DIRECTION", value_parser = ["in", "out"])]
    pub direction: Option<String>,
    /// Only messages of this kind; the words may be in any message of the case.
    #[arg(long, value_name = "KIND", value_parser = ["request", "status-update", "consultation", "information"])]
    pub kind: Option<String>,
    /// Only messages created on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DAY", value_parser = crate::commands::search::parse_day)]
    pub since: Option<i64>,
    /// Only messages created on or before this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DAY", value_parser = crate::commands::search::parse_day)]
    pub until: Option<i64>,
    /// Show at most this many cases (the node's default is 20).
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct ConsultArgs {
    /// Node id of the other state's node [default with --answers: the node that message was
    /// exchanged with].
    #[arg(long, value_name = "PEER", required_unless_present = "answers")]
    pub to: Option<String>,
    /// Opening a multi-party case (a joint investigation team): another party's node that
    /// receives a copy; repeat for several. Later messages of the case go to every party.
    #[arg(long = "copy-to", value_name = "PEER")]
    pub copy_to: Vec<String>,
    /// The message.
    #[arg(long)]
    pub text: String,
    /// What it is about, shown as its title in lists [default with --answers: the subject of
    /// the message it answers].
    #[arg(long)]
    pub subject: Option<String>,
    /// File it under this case [default: the case of --answers, else a new case].
    #[arg(long = "case", value_name = "ID")]
    pub case_id: Option<String>,
    /// The consultation message this one answers.
    #[arg(long, value_name = "MESSAGE_ID")]
    pub answers: Option<String>,
    /// Close the case's consultation thread with this message: the other parties see it
    /// closed by you (a later message opens it again). Needs --case or --answers.
    #[arg(long)]
    pub close: bool,
    /// Your name, recorded as its author and in the audit log [default: the node names you:
    /// your contact-point name, else your Unix account].
    #[arg(long = "as", value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(subcommand)]
    pub command: Option<StatusCommand>,
}

#[derive(Debug, Subcommand)]
pub enum StatusCommand {
    /// Send a status update on a request, e.g. that you acknowledged or accepted it
    #[command(
        long_about = "Send a status update on a request.\n\n\
                      The update goes to the other party of the request, in the same case, and \
                      moves the request along its lifecycle. Only the requested side \
                      acknowledges, assesses (under-review, additional-information-requested, \
                      consultation, accepted, postponed, refused) and executes (in-execution, \
                      partially-executed, executed); only the requesting side supplements, \
                      withdraws, and closes an executed request. Your node refuses an update \
                      that is not allowed from where the request stands and names what is \
                      allowed; `rogatory message show REQUEST_ID` shows where it stands.\n\n\
                      A refusal needs --ground (UNTOC art. 18(21)) and the reasons in --note \
                      (art. 18(23)). Bank secrecy alone is no ground (art. 18(8)).",
        after_help = "Examples:\n  rogatory status send --refers-to 01JZ3K6W8Y2C9D0E1F2G3H4J5K \
                      --status acknowledged\n  rogatory status send --refers-to \
                      01JZ3K6W8Y2C9D0E1F2G3H4J5K --status refused --ground essential-interests \
                      --note \"Reasons: ...\"\n\n\
                      Exit code 0: delivered. Exit code 3: stored but not yet delivered."
    )]
    Send {
        /// The message id of the request (`rogatory inbox` lists them).
        #[arg(long, value_name = "MESSAGE_ID")]
        refers_to: String,
        /// The new status.
        #[arg(long, value_name = "STATUS", value_parser = status_parser())]
        status: RequestStatus,
        /// The ground of a refusal (UNTOC art. 18(21)); required with `--status refused` and
        /// only then.
        #[arg(long, value_name = "GROUND", value_parser = ground_parser())]
        ground: Option<RefusalGround>,
        /// An explanation for the other side (the reasons for a refusal, what is missing, ...);
        /// required with `--status refused`.
        #[arg(long, value_name = "TEXT", default_value = "")]
        note: String,
        /// Your own reference for the request in your national system (file or case number),
        /// sent to the other side once; the case keeps it for later updates.
        #[arg(long, value_name = "REF")]
        reference: Option<String>,
        /// Your name, recorded as the update's author [default: the node names you: your
        /// contact-point name, else your Unix account].
        #[arg(long = "as", value_name = "NAME")]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Your node's cases, most recent activity first, with what is due next
    #[command(
        long_about = "Your node's cases, most recent activity first.\n\n\
                      A case is every message with one case id: the requests, both sides' \
                      status updates and their receipts. For each case: the other parties, \
                      where each request stands, the next deadline and whether one has \
                      passed. Deadlines run from the request's creation; by default: \
                      acknowledge within 7 days (urgent: 24 hours), decide within 30 days \
                      (urgent: 3 days), execute within 90 days (urgent: 14 days); the node's \
                      `[deadlines]` section may set others. They are reminders, not legal time \
                      limits: nothing is refused when one passes. Overdue is judged as of now \
                      by the node's clock, or as of --as-of; the output says which.",
        after_help = "Examples:\n  rogatory case list\n  rogatory case list --open --overdue\n  \
                      rogatory case list --overdue --as-of 2026-03-01\n  \
                      rogatory case list --urgent --peer de\n  rogatory case list --json"
    )]
    List {
        /// Only cases with a request that is not refused, withdrawn or closed.
        #[arg(long)]
        open: bool,
        /// Only cases with a request past one of its deadlines.
        #[arg(long)]
        overdue: bool,
        /// Only cases with an urgent request.
        #[arg(long)]
        urgent: bool,
        /// Only cases shared with this peer (its node id, e.g. de).
        #[arg(long, value_name = "NODE_ID")]
        peer: Option<String>,
        /// Show at most this many cases (the node's default is 100).
        #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
        limit: u32,
        /// Judge deadlines as of this time instead of now: a day (2026-03-01, meaning 00:00 UTC)
        /// or an RFC 3339 date and time (2026-03-01T09:30:00Z, 2026-03-01T11:30:00+02:00).
        #[arg(long, value_name = "DATE", value_parser = crate::commands::case::parse_as_of)]
        as_of: Option<i64>,
    },

    /// A case's whole thread: its requests with their deadlines, and every message in order
    #[command(
        long_about = "A case's whole thread.\n\n\
                      First each request of the case: where it stands and its deadlines \
                      (settled, pending or OVERDUE). Then the timeline, oldest first: when, from \
                      which node to which, who (the request's signatory or the update's \
                      author), what (the request, or the status reported, with its ground and \
                      note) and the receipt that proves the other node stored it.",
        after_help = "Examples:\n  rogatory case show tm-2026-0001\n  rogatory case show \
                      tm-2026-0001 --json\n  rogatory case show tm-2026-0001 --as-of 2026-03-01"
    )]
    Show {
        /// The case id (`rogatory case list` lists them).
        #[arg(value_name = "CASE_ID")]
        case_id: String,
        /// Judge deadlines as of this time instead of now: a day (2026-03-01, meaning 00:00 UTC)
        /// or an RFC 3339 date and time (2026-03-01T09:30:00Z).
        #[arg(long, value_name = "DATE", value_parser = crate::commands::case::parse_as_of)]
        as_of: Option<i64>,
    },

    /// Mark every message of a case read: none is new for you any more
    #[command(after_help = "Example:\n  rogatory case read tm-2026-0001")]
    Read {
        /// The case id (`rogatory case list` lists them).
        #[arg(value_name = "CASE_ID")]
        case_id: String,
    },

    /// Reply in a case: send a status update on its open request
    #[command(
        long_about = "Reply in a case: send a status update on its open request.\n\n\
                      The same as `rogatory status send`, aimed at the case's request so you \
                      need not copy its message id. If the case has several open requests, \
                      name one with --refers-to. The lifecycle rules are those of `status \
                      send`: the requested side acknowledges, assesses and executes; the \
                      requesting side supplements, withdraws and closes. A refusal needs \
                      --ground (UNTOC art. 18(21)) and the reasons in --note (art. 18(23)).",
        after_help = "Examples:\n  rogatory case reply tm-2026-0001 --status acknowledged --as \
                      \"B. Schmidt\"\n  rogatory case reply tm-2026-0001 --status \
                      additional-information-requested --note \"Please send the bank's \
                      address.\"\n  rogatory case reply tm-2026-0001 --status supplemented \
                      --note \"Address: ...\"\n  rogatory case reply tm-2026-0001 --refers-to \
                      01JZ3K6W8Y2C9D0E1F2G3H4J5K --status refused --ground essential-interests \
                      --note \"Reasons: ...\"\n\n\
                      Exit code 0: delivered. Exit code 3: stored but not yet delivered."
    )]
    Reply {
        /// The case id (`rogatory case list` lists them).
        #[arg(value_name = "CASE_ID")]
        case_id: String,
        /// The request the reply is about, if the case has several open ones.
        #[arg(long, value_name = "MESSAGE_ID")]
        refers_to: Option<String>,
        /// The new status.
        #[arg(long, value_name = "STATUS", value_parser = status_parser())]
        status: RequestStatus,
        /// The ground of a refusal (UNTOC art. 18(21)); required with `--status refused` and
        /// only then.
        #[arg(long, value_name = "GROUND", value_parser = ground_parser())]
        ground: Option<RefusalGround>,
        /// An explanation for the other side; required with `--status refused`.
        #[arg(long, value_name = "TEXT", default_value = "")]
        note: String,
        /// Your own reference for the request in your national system (file or case number),
        /// sent to the other side once; the case keeps it for later updates.
        #[arg(long, value_name = "REF")]
        reference: Option<String>,
        /// Your name, recorded as the update's author [default: the node names you: your
        /// contact-point name, else your Unix account].
        #[arg(long = "as", value_name = "NAME")]
        name: Option<String>,
        /// An evidence file to send with the reply; repeat for several. Each is uploaded to
        /// your node (resuming an interrupted upload) and bound into the signed update by its
        /// SHA-256; the other node issues its receipt only once every file arrived intact.
        #[arg(long = "attach", value_name = "FILE")]
        attach: Vec<std::path::PathBuf>,
    },

    /// Save an attachment of a case to a file, checking its SHA-256
    #[command(
        long_about = "Save an attachment of a case to a file.\n\n\
                      The file comes out of your node's attachment store: files your node sent, \
                      and files a peer sent with a request or reply in the case (the peer's \
                      message was receipted only after each file's SHA-256 matched). The hash \
                      is checked again as the file is written; it is written to FILE.part and \
                      renamed to FILE only if it matches. An existing FILE is never \
                      overwritten.",
        after_help = "Example:\n  rogatory case fetch-attachment tm-2026-0001 \
                      9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 --out \
                      statement.pdf"
    )]
    FetchAttachment {
        /// The case id (`rogatory case list` lists them).
        #[arg(value_name = "CASE_ID")]
        case_id: String,
        /// The attachment's SHA-256, 64 hex digits (`rogatory case show` lists them).
        #[arg(value_name = "SHA256")]
        sha256: String,
        /// Where to write the file.
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },

    /// Print a case as a PDF: every request, reply and consultation in order, with verification
    #[command(
        long_about = "Print a case as a PDF for the paper file or a court: a list of its \
                      messages, then each one in full, oldest first (a request laid out as a \
                      letter of request, in the order of UNTOC art. 18(15); status updates, \
                      consultations and information with their authors), each with its \
                      attachments (name, size, SHA-256) and a verification block: the sending \
                      and receiving nodes, the signing key's fingerprint, the receipt's time \
                      and log positions, and a verification code for `rogatory audit \
                      check-document`. Headings in your language (--lang); what people wrote \
                      is printed as written. FILE must not exist.",
        after_help = "Example:\n  rogatory case print tm-2026-0001 --out tm-2026-0001.pdf\n  \
                      rogatory --lang ru case print tm-2026-0001 --out дело.pdf"
    )]
    Print {
        /// The case id (`rogatory case list` lists them).
        #[arg(value_name = "CASE_ID")]
        case_id: String,
        /// The PDF file to write (a new file ending in .pdf).
        #[arg(long, value_name = "FILE.pdf")]
        out: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum MessageCommand {
    /// Show a message: envelope, request or status update, and the signed receipt
    #[command(after_help = "Example:\n  rogatory message show 01JZ3K6W8Y2C9D0E1F2G3H4J5K")]
    Show {
        /// The message id (`rogatory inbox` and `rogatory outbox` list them).
        #[arg(value_name = "MESSAGE_ID")]
        id: String,
    },

    /// Print a message as a PDF: the formal document, its attachments and its verification
    #[command(
        long_about = "Print a message as a PDF for the paper file or a court. A request is laid \
                      out as a letter of request, in the order of UNTOC art. 18(15); every \
                      message lists its attachments (name, size, SHA-256) and ends with a \
                      verification block: the sending and receiving nodes, the signing key's \
                      fingerprint, the receipt's time and log positions, and a verification \
                      code with which anyone holding the document and this node's audit bundle \
                      can check it (`rogatory audit check-document`). Headings in your \
                      language (--lang); what people wrote is printed as written. FILE must \
                      not exist.",
        after_help = "Example:\n  rogatory message print 01JZ3K6W8Y2C9D0E1F2G3H4J5K --out request.pdf"
    )]
    Print {
        /// The message id (`rogatory inbox` and `rogatory outbox` list them).
        #[arg(value_name = "MESSAGE_ID")]
        id: String,
        /// The PDF file to write (a new file ending in .pdf).
        #[arg(long, value_name = "FILE.pdf")]
        out: std::path::PathBuf,
    },
    /// Mark messages read: they are no longer new for you (`rogatory attention`, `inbox --new`)
    #[command(after_help = "Example:\n  rogatory message read 01JZ3K6W8Y2C9D0E1F2G3H4J5K")]
    Read {
        /// The message ids.
        #[arg(value_name = "MESSAGE_ID", required = true)]
        ids: Vec<String>,
    },
}

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

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Read a bundle's log: one line per entry (who sent what to whom, when), with filters
    #[command(
        long_about = "Read what a node's audit log records, offline, from its bundle (from \
                      `rogatory audit export`): one line per entry with its index, time, kind, \
                      peer, case, and what it concerns (the message's kind and subject, who \
                      submitted it, the reason of a refusal). Filters combine: every one given \
                      must hold.\n\n\
                      Reading proves nothing: `rogatory audit verify` proves the bundle intact \
                      and signed; run it first. `rogatory audit entry BUNDLE N` shows one entry \
                      in full.",
        after_help = "Examples:\n  rogatory audit entries ./tm-audit-2026 --kind message-sent \
                      --peer de\n  rogatory audit entries ./tm-audit-2026 --case tm-01J --since \
                      2026-01-01\n  rogatory audit entries ./tm-audit-2026 --text Atayev --json"
    )]
    Entries {
        /// The bundle directory (from `rogatory audit export`).
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        /// Only entries of this kind; repeat for several.
        #[arg(
            long = "kind",
            value_name = "KIND",
            value_parser = clap::builder::PossibleValuesParser::new(
                rogatory_proto::audit::reading::KIND_NAMES
            )
        )]
        kinds: Vec<String>,
        /// Only entries concerning this peer (its node id).
        #[arg(long, value_name = "NODE_ID")]
        peer: Option<String>,
        /// Only entries of this case (its id or the beginning of it).
        #[arg(long, value_name = "CASE")]
        case: Option<String>,
        /// Only entries made on or after this day (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "DAY", value_parser = crate::commands::search::parse_day)]
        since: Option<i64>,
        /// Only entries made on or before this day (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "DAY", value_parser = crate::commands::search::parse_day)]
        until: Option<i64>,
        /// Only entries whose subject, text, ids or peer hold every one of these words
        /// (Cyrillic or Latin, beginnings of words).
        #[arg(long, value_name = "WORDS")]
        text: Option<String>,
        /// Start at this entry index.
        #[arg(long, value_name = "INDEX", default_value_t = 0)]
        from: u64,
        /// Show at most this many entries (how many more matched is said).
        #[arg(long, value_name = "N", default_value_t = crate::commands::audit::ENTRIES_LIMIT)]
        limit: usize,
    },

    /// Show one entry of a bundle in full, its signed message decoded
    #[command(
        long_about = "Show one entry of an audit bundle in full: every field, its hash and the \
                      previous entry's, the signature, and the signed message or receipt it \
                      holds, decoded.",
        after_help = "Example:\n  rogatory audit entry ./tm-audit-2026 42"
    )]
    Entry {
        /// The bundle directory (from `rogatory audit export`).
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        /// The entry's index (from `rogatory audit entries`).
        #[arg(value_name = "INDEX")]
        index: u64,
    },

    /// Write the node's whole audit log, checkpoints and keys into a bundle directory
    #[command(
        long_about = "Write the node's whole audit log, its signed checkpoints and the public keys \
                      needed to check them into a new directory (a bundle), through the node's \
                      operator socket.\n\n\
                      The bundle is self-contained: `rogatory audit verify` checks it on any \
                      machine, without the node. It holds BUNDLE (a short manifest), keys.txt \
                      (C2SP verifier keys: the node's, then its peers'), entries.bin (every entry \
                      exactly as stored, each after a 4-byte big-endian length) and \
                      checkpoints/<size>.note (the signed checkpoints, with cosignatures). The \
                      directory must be new or empty.",
        after_help = "Example:\n  rogatory --node /srv/rogatory/tm audit export ./tm-audit-2025-07"
    )]
    Export {
        /// Directory to write the bundle to (created if missing; must be empty).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },

    /// Check a bundle offline: chain, signatures, receipts, checkpoints, cosignatures
    #[command(
        long_about = "Check an audit bundle offline, entry by entry: the hash chain, every \
                      signature, that every receipt obtained acknowledges a message the log sent \
                      (the same bytes, to the same peer), that every receipt issued points at \
                      the entry that recorded the message, and that every signed checkpoint \
                      (and each known peer's cosignature on it) commits to the entries as they \
                      are. Entries after the newest checkpoint are counted, not refused.\n\n\
                      The keys come from the bundle's keys.txt, which the node wrote: compare the \
                      node's key, printed at the end, with the one its operator gives you out of \
                      band, and pin the peers' keys (and the node's) with --peer-keys FILE, keys \
                      obtained from each peer's operator. Without it the report names every key \
                      taken on trust from the bundle; with it, a key in keys.txt that differs \
                      from the pinned one fails the bundle.\n\n\
                      With --roster FILE (a roster history from the governors, genesis first), \
                      no key is taken from the bundle: every signature (envelopes, receipts, \
                      checkpoints, cosignatures) is checked against the keys the roster history \
                      says its signer held at the signature's date. The history is FILE's, \
                      extended by the rosters the log records as applied where they verify as \
                      successors. Every signature by a revoked, retired, not yet valid or \
                      unknown key, or by a node that was not a member then, is named, and so is \
                      every recorded roster that does not verify or forks from the history.",
        after_help = "Examples:\n  rogatory audit verify ./tm-audit-2025-07\n  rogatory audit verify \
                      ./tm-audit-2025-07 --roster federation-rosters.txt\n\nExit code 0: the \
                      bundle verifies. Exit code 2: it does not (the first failing entry and the \
                      reason are printed)."
    )]
    Verify {
        /// The bundle directory (from `rogatory audit export`).
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        /// Verifier keys obtained independently of the bundle, one a line in the format of
        /// keys.txt (`rogatory/<node>+<hash>+<key>`, as `rogatory node identity` prints them):
        /// they replace the bundle's own, and a bundle that disagrees with them fails.
        #[arg(long, value_name = "FILE", conflicts_with = "roster")]
        peer_keys: Option<PathBuf>,
        /// A roster history obtained from the governors (armored rosters, genesis first): every
        /// signature is checked against the keys it says each node held at the signature's
        /// date, instead of the bundle's keys.txt.
        #[arg(long, value_name = "FILE")]
        roster: Option<PathBuf>,
    },

    /// Write the rosters a node's log says it applied, as one roster history file
    #[command(
        long_about = "Write the rosters the bundle's log records as applied (ROSTER_APPLIED \
                      entries), oldest first, armored, into a new file: a roster history as \
                      `rogatory audit verify --roster` reads it. \
                      The rosters are written as the node recorded them and are not trusted for \
                      that: compare the printed genesis SHA-256 with the governors by telephone \
                      before using the file to judge anything.",
        after_help = "Example:\n  rogatory audit rosters ./tm-audit-2025-07 --out tm-rosters.txt\n  \
                      rogatory audit verify ./de-audit-2025-07 --roster tm-rosters.txt"
    )]
    Rosters {
        /// The bundle directory.
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        /// The file to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },

    /// Print a C2SP tlog-proof that one entry is in a signed checkpoint
    #[command(
        long_about = "Print a C2SP tlog-proof (c2sp.org/tlog-proof) that entry N of the bundle's \
                      log is included in one of the node's signed checkpoints: the Merkle \
                      inclusion proof, computed from the bundle's entries, followed by the \
                      checkpoint with its cosignatures. The bundle is verified first; no proof \
                      is written from a bundle that does not verify.",
        after_help = "Examples:\n  rogatory audit prove ./tm-audit-2025-07 --index 4 > entry-4.proof\n  \
                      rogatory audit prove ./tm-audit-2025-07 --index 4 --checkpoint 12 \
                      --entry-out entry-4.bin > entry-4.proof"
    )]
    Prove {
        /// The bundle directory.
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        /// The entry to prove.
        #[arg(long, value_name = "N")]
        index: u64,
        /// The tree size of the checkpoint to prove against [default: the newest covering N].
        #[arg(long, value_name = "SIZE")]
        checkpoint: Option<u64>,
        /// Also write the entry's exact bytes to FILE (what `check-proof --entry-file` takes).
        #[arg(long, value_name = "FILE")]
        entry_out: Option<PathBuf>,
    },

    /// Check a tlog-proof of an entry against the log's verifier key
    #[command(
        long_about = "Check a C2SP tlog-proof: that its checkpoint is signed by the log's key \
                      and that the entry (its exact bytes) is at the proof's index in the tree \
                      the checkpoint commits to.",
        after_help = "Example:\n  rogatory audit check-proof entry-4.proof --key \
                      rogatory/tm+d718e31a+AepK... --entry-file entry-4.bin\n\nThe key is the \
                      first line of the bundle's keys.txt; get it from the node's operator. Exit \
                      code 0: the proof holds. Exit code 2: it does not."
    )]
    CheckProof {
        /// The tlog-proof file (from `rogatory audit prove`).
        #[arg(value_name = "PROOF_FILE")]
        proof: PathBuf,
        /// The log's C2SP verifier key, `rogatory/<node>+<key id>+<key>`.
        #[arg(long, value_name = "VERIFIER_KEY")]
        key: String,
        /// The entry's exact bytes (from `rogatory audit prove --entry-out`).
        #[arg(long, value_name = "FILE")]
        entry_file: PathBuf,
    },

    /// Print a proof that the node's log at one checkpoint extends its log at an older one
    #[command(
        long_about = "Print a consistency proof (RFC 9162 2.1.4) between two of the node's signed \
                      checkpoints in the bundle, of OLD and NEW entries: the proof hashes, \
                      computed from the bundle's entries, followed by both checkpoint notes \
                      verbatim. Whoever holds the two checkpoints and the node's key can then \
                      check that the node only appended between them. The bundle is verified \
                      first; the format is in docs/AUDIT-FORMAT.md section 16.1.",
        after_help = "Example:\n  rogatory audit consistency ./tm-audit-2025-07 4 12 > tm-4-12.proof"
    )]
    Consistency {
        /// The bundle directory.
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        /// The size of the older checkpoint (a file checkpoints/OLD.note in the bundle).
        #[arg(value_name = "OLD")]
        old: u64,
        /// The size of the newer checkpoint.
        #[arg(value_name = "NEW")]
        new: u64,
    },

    /// Check a consistency proof between two checkpoints against the log's verifier key
    #[command(
        long_about = "Check a consistency proof file (from `rogatory audit consistency`): both \
                      checkpoints are signed by the log's key and are of that log, and the newer \
                      tree extends the older one.",
        after_help = "Example:\n  rogatory audit check-consistency tm-4-12.proof --key \
                      rogatory/tm+d718e31a+AepK...\n\nExit code 0: the proof holds. Exit code \
                      2: it does not."
    )]
    CheckConsistency {
        /// The consistency proof file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The log's C2SP verifier key, `rogatory/<node>+<key id>+<key>`.
        #[arg(long, value_name = "VERIFIER_KEY")]
        key: String,
    },

    /// Compare two nodes' bundles: each one's receipts against the other's log, and their keys
    #[command(
        long_about = "Compare the audit bundles of two nodes that exchanged messages. Both are \
                      verified first. Then every receipt one node obtained from the other must \
                      point (log_index, log_entry_hash) at a MESSAGE_RECEIVED entry of the \
                      other's log holding exactly the acknowledged envelope bytes, and each \
                      bundle's keys.txt must give the other node the key that node signs with. \
                      Every disagreement is listed with the message, the receipt's claimed \
                      position and what the other log holds there.",
        after_help = "Example:\n  rogatory audit cross-check ./tm-audit-2025-07 ./de-audit-2025-07\n\n\
                      Exit code 0: no discrepancy. Exit code 2: a bundle does not verify, or the \
                      two disagree."
    )]
    CrossCheck {
        /// The first node's bundle directory.
        #[arg(value_name = "A")]
        a: PathBuf,
        /// The second node's bundle directory.
        #[arg(value_name = "B")]
        b: PathBuf,
    },

    /// Check a printed document against the node's audit bundle, by its verification code
    #[command(
        long_about = "Check a document printed by `rogatory message print` or `case print` \
                      against the audit bundle of the node that printed it. The bundle is \
                      verified first, as by `audit verify`. The verification code names a \
                      position in that node's log and is derived from the exact signed message \
                      recorded there (docs/AUDIT-FORMAT.md section 18): the check finds the \
                      entry, compares, and shows what the log records (message, sender, \
                      receiver, subject, times, the signing key's fingerprint), to compare with \
                      the paper. With --pdf the codes are read from the document's text, every \
                      one is checked, and each message and its signing key's fingerprint must \
                      appear in the document.",
        after_help = "Examples:\n  rogatory audit check-document ./tm-audit tm-42-K94A-0YAJ-5YW5-9K3V\n  \
                      rogatory audit check-document ./tm-audit --pdf request.pdf\n\n\
                      Exit code 0: the document checks. Exit code 2: it does not, or the bundle \
                      does not verify."
    )]
    CheckDocument {
        /// The audit bundle of the node that printed the document (`rogatory audit export`).
        #[arg(value_name = "BUNDLE")]
        bundle: PathBuf,
        /// The verification code printed on the document, e.g. tm-42-K94A-0YAJ-5YW5-9K3V.
        #[arg(value_name = "CODE", required_unless_present = "pdf")]
        code: Option<String>,
        /// Read the codes from this PDF (printed by rogatory) instead.
        #[arg(long, value_name = "FILE.pdf", conflicts_with = "code")]
        pdf: Option<PathBuf>,
        /// Keys obtained from each node's operator, one verifier key a line as in keys.txt,
        /// to hold the bundle's keys against (as for `audit verify --peer-keys`).
        #[arg(long, value_name = "FILE")]
        peer_keys: Option<PathBuf>,
    },
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

/// Status names as typed, with a word on each for `--help`.
const STATUS_HELP: [(&str, &str); 13] = [
    (
        "acknowledged",
        "the request arrived and a contact point has taken it in hand",
    ),
    ("under-review", "the request is being examined"),
    (
        "additional-information-requested",
        "more information is needed to execute it (UNTOC art. 18(16))",
    ),
    (
        "consultation",
        "conditions are proposed or consultation is needed (art. 18(26))",
    ),
    ("accepted", "the request will be executed"),
    (
        "postponed",
        "execution is postponed, e.g. for ongoing proceedings (art. 18(25))",
    ),
    (
        "refused",
        "refused; name the ground with --ground (art. 18(21)) and the reasons in --note (18(23))",
    ),
    ("in-execution", "the measures are being carried out"),
    ("partially-executed", "part of the assistance was provided"),
    (
        "executed",
        "the assistance was provided and the results transmitted",
    ),
    (
        "withdrawn",
        "the requesting side no longer needs the assistance",
    ),
    (
        "closed",
        "the requesting side closes an executed request: the assistance was received",
    ),
    (
        "supplemented",
        "the requesting side sent the additional information, or its answer to proposed \
         conditions",
    ),
];

/// Refusal grounds as typed (UNTOC art. 18(21) a-d), with a word on each for `--help`.
const GROUND_HELP: [(&str, &str); 4] = [
    (
        "not-in-conformity",
        "(a) the request does not conform to the provisions of art. 18",
    ),
    (
        "essential-interests",
        "(b) execution is likely to prejudice sovereignty, security, ordre public or other \
         essential interests",
    ),
    (
        "prohibited-by-domestic-law",
        "(c) domestic law would prohibit the action for a similar offence under its own \
         jurisdiction",
    ),
    (
        "contrary-to-legal-system",
        "(d) granting it would be contrary to the legal system relating to mutual legal \
         assistance",
    ),
];

fn ground_parser() -> impl TypedValueParser<Value = RefusalGround> {
    PossibleValuesParser::new(
        GROUND_HELP
            .iter()
            .map(|(name, help)| PossibleValue::new(*name).help(*help)),
    )
    .try_map(|name| vocabulary::parse::<RefusalGround>(&name))
}

fn restriction_parser() -> impl TypedValueParser<Value = UseRestriction> {
    PossibleValuesParser::new(
        RESTRICTION_HELP
            .iter()
            .map(|(name, help)| PossibleValue::new(*name).help(*help)),
    )
    .try_map(|name| vocabulary::parse::<UseRestriction>(&name))
}

const RESTRICTION_HELP: &[(&str, &str)] = &[
    (
        "stated-purpose-only",
        "only for the purpose given with --purpose",
    ),
    (
        "no-evidence-without-consent",
        "not to be used as evidence without your prior consent",
    ),
    (
        "no-onward-transmission",
        "not to be passed on to a third state or international body",
    ),
    (
        "confidential",
        "to be kept confidential (until --confidential-until, if given)",
    ),
];

fn status_parser() -> impl TypedValueParser<Value = RequestStatus> {
    PossibleValuesParser::new(
        STATUS_HELP
            .iter()
            .map(|(name, help)| PossibleValue::new(*name).help(*help)),
    )
    .try_map(|name| vocabulary::parse::<RequestStatus>(&name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

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

#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Contact points of peers matching the filters, from their verified signed directories
    #[command(
        after_help = "Examples:\n  rogatory directory search --country uz --measure \
                      trace-proceeds\n  rogatory directory search --crime corruption \
                      --language en --refresh\n\nThe node answers from its cache of verified \
                      directories; --refresh fetches them from the peers now. `asset-tracing` is \
                      accepted for trace-proceeds."
    )]
    Search {
        /// Only this peer (its node id, usually the country code)
        #[arg(long, value_name = "ID")]
        country: Option<String>,
        /// Only contact points handling this measure (an assistance type, e.g. trace-proceeds)
        #[arg(long, value_name = "MEASURE", value_parser = parse_measure)]
        measure: Option<rogatory_proto::v1::AssistanceType>,
        /// Only contact points whose crimes mention this text
        #[arg(long, value_name = "TEXT")]
        crime: Option<String>,
        /// Only contact points working in this language (e.g. en)
        #[arg(long, value_name = "LANG")]
        language: Option<String>,
        /// Fetch the peers' directories now instead of answering from the cache
        #[arg(long)]
        refresh: bool,
    },
    /// This node's own signed directory, as peers see it
    #[command(after_help = "Example:\n  rogatory directory show")]
    Show,
}

fn parse_measure(text: &str) -> Result<rogatory_proto::v1::AssistanceType, String> {
    let text = match text.trim() {
        "asset-tracing" | "asset-recovery" => "trace-proceeds",
        other => other,
    };
    vocabulary::parse(text)
}
