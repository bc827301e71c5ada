//! What contact points type: sending requests, status updates, information and consultations,
//! reading the mailbox, cases and messages, searching, and the directory of contact points;
//! with the value parsers that show protocol values (statuses, grounds, restrictions) in words.

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Subcommand};
use rogatory_proto::v1::{RefusalGround, RequestState, RequestStatus, UseRestriction};

use crate::vocabulary;

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

/// Status names as typed, with a word on each for `--help`.
pub(super) const STATUS_HELP: [(&str, &str); 13] = [
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
pub(super) const GROUND_HELP: [(&str, &str); 4] = [
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

pub(super) const RESTRICTION_HELP: &[(&str, &str)] = &[
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
