//! `rogatory`: the command line for a Rogatory node's contact points, operators and auditors.
//!
//! It is a thin client: set-up commands write node directories through
//! `rogatory_node::operations::provision`; everything else talks to a running node over its operator socket.
//!
//! Exit codes (also in `rogatory --help`):
//! - 0: success; for `request send` and `status send`, delivered with a signed receipt;
//! - 1: an error, printed as `error: <cause chain>` and often a `hint:` line;
//! - 2: `log verify` or `audit verify` found the audit log does not verify, `audit
//!   check-proof` or `audit check-consistency` found the proof does not hold, or `audit
//!   cross-check` found a bundle that does not verify or a discrepancy between the two;
//! - 3: `request send` / `status send`: stored and signed by the node, not yet delivered;
//! - 4: `status`: the node is not serving (peers' health checks fail; the reasons are listed);
//! - 64: the command line could not be parsed (BSD sysexits EX_USAGE), or `--json` was given
//!   to a command whose output is not JSON.
//!
//! With `--json`, a failure is one JSON object on stderr, `{"error": {"code", "message",
//! "hint"}}`, its code one of `failure::CODES`; the exit code is the same.
#![forbid(unsafe_code)]

mod args;
mod attachments;
mod bundle;
mod commands;
mod connection;
mod demo;
mod failure;
mod help;
mod i18n;
mod output;
mod print;
mod request_file;
mod roster_changes;
mod views;
mod vocabulary;

use std::process::ExitCode;

use rogatory_proto::v1::Direction;

use crate::args::{
    AuditCommand, CaCommand, CaseCommand, Cli, Command, DirectoryCommand, FederationCommand,
    LogCommand, MessageCommand, NodeCommand, RequestCommand, StatusArgs, StatusCommand,
};
use crate::commands::{
    Outcome, attention, audit, case, directory, enroll, identity, inform, mailbox, operate, peers,
    search, setup, submit, watch, whoami,
};
use crate::connection::NodeTarget;
use crate::output::Format;

const EXIT_ERROR: u8 = 1;
const EXIT_LOG_FAILED: u8 = 2;
const EXIT_QUEUED: u8 = 3;
const EXIT_NOT_SERVING: u8 = 4;
/// Kept apart from 2 (clap's default for usage errors), which means a failed log here.
const EXIT_USAGE: u8 = 64;

/// Logs only when asked, so the output of commands (and the demo's nodes) stays readable.
fn init_logging() {
    let filter = ["ROGATORY_LOG", "RUST_LOG"]
        .into_iter()
        .find_map(|var| tracing_subscriber::EnvFilter::try_from_env(var).ok());
    if let Some(filter) = filter {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(rogatory_node::operations::log_output::SafeStderr::new(
                rogatory_node::operations::log_output::LogEncoding::Human,
            ))
            .init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // Settled before parsing, so that help and usage errors speak the same language.
    i18n::set_language(
        i18n::language_argument(std::env::args_os())
            .unwrap_or_else(i18n::Language::from_environment),
    );
    let cli = match help::parse(std::env::args_os()) {
        Ok(cli) => cli,
        Err(error) => {
            // `--json` asked for JSON before the line could be read: errors answer in it.
            let json = std::env::args_os().any(|a| a == "--json");
            if error.is_error() && json {
                failure::report_usage_json(&error.render(), &i18n::t!("errors-usage-hint"));
                return ExitCode::from(EXIT_USAGE);
            }
            error.print();
            return if error.is_error() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if cli.json
        && let Some(what) = not_json(&cli.command)
    {
        failure::report_usage_json(
            &i18n::t!("errors-not-json", command = what),
            &i18n::t!("errors-not-json-hint"),
        );
        return ExitCode::from(EXIT_USAGE);
    }
    init_logging();
    let json = cli.json;
    match run(cli).await {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Queued) => ExitCode::from(EXIT_QUEUED),
        Ok(Outcome::LogFailed) => ExitCode::from(EXIT_LOG_FAILED),
        Ok(Outcome::NotServing) => ExitCode::from(EXIT_NOT_SERVING),
        Err(error) => {
            if json {
                failure::report_json(&error);
            } else {
                failure::report(&error);
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// The commands whose output is not JSON (a file to edit, a shell script), by name; `--json`
/// given to them is refused rather than ignored.
fn not_json(command: &Command) -> Option<&'static str> {
    match command {
        Command::Request(RequestCommand::Template) => Some("request template"),
        Command::Completions { .. } => Some("completions"),
        _ => None,
    }
}

async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let format = if cli.json {
        Format::Json
    } else {
        Format::Human
    };
    let target = NodeTarget {
        node: cli.node,
        socket: cli.socket,
    };
    match cli.command {
        Command::Ca(CaCommand::Create { dir, name }) => setup::create_ca(&dir, &name, format),
        Command::Node(NodeCommand::Create {
            id,
            ca,
            dir,
            listen,
            address,
        }) => setup::create_node(&id, &ca, &dir, listen, address.as_deref(), format),
        Command::Ca(CaCommand::Issue {
            join_request,
            ca,
            roster,
            out,
        }) => enroll::issue(
            &join_request,
            &ca,
            roster.as_deref(),
            out.as_deref(),
            format,
        ),
        Command::Node(NodeCommand::Init {
            id,
            dir,
            listen,
            addresses,
            country,
            authority,
            federation_ca,
        }) => {
            let node = enroll::init_description(&id, &country, &authority, &addresses)?;
            enroll::init(&dir, &node, listen, federation_ca.as_deref(), format)
        }
        Command::Node(NodeCommand::InstallCertificate { dir, response }) => {
            enroll::install_certificate(&dir, &response, format)
        }
        Command::Node(NodeCommand::RenewalRequest {
            dir,
            country,
            authority,
            addresses,
        }) => enroll::renewal_request(
            &dir,
            country.as_deref(),
            authority.as_deref(),
            &addresses,
            format,
        ),
        Command::Node(NodeCommand::AddPeer {
            id,
            address,
            public_key,
        }) => setup::add_peer(&target.config_path(), &id, &address, &public_key, format),
        Command::Node(NodeCommand::Identity) => identity::identity(&target, format).await,
        Command::Federation(FederationCommand::Apply { file }) => {
            commands::federation::node::apply(&target, &file, format).await
        }
        Command::Federation(FederationCommand::Status { out }) => {
            commands::federation::node::status(&target, out.as_deref(), format).await
        }
        Command::Federation(command) => commands::federation::run(command, format),
        Command::Node(NodeCommand::RenewCertificate { ca }) => {
            operate::renew_certificate(&target, &ca, format)
        }
        Command::Node(NodeCommand::RotateKey) => operate::rotate_key(&target, format),
        Command::Node(NodeCommand::Restore { from }) => operate::restore(&target, &from, format),
        Command::Backup { dir } => operate::backup(&target, &dir, format).await,
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "rogatory",
                &mut script,
            );
            // A closed pipe (`| head`) is the reader's choice, not an error. The script is
            // ours, so it needs none of output's escaping.
            #[allow(clippy::disallowed_methods)]
            match std::io::Write::write_all(&mut std::io::stdout(), &script) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(Outcome::Done),
            }
        }
        Command::Man { dir } => operate::man_pages(&dir, format),
        Command::Request(RequestCommand::Template) => Ok(submit::template()),
        Command::Request(RequestCommand::Send { file, name }) => {
            submit::request_send(&target, &file, name.as_deref(), format).await
        }
        Command::Status(StatusArgs { command: None }) => operate::status(&target, format).await,
        Command::Status(StatusArgs {
            command:
                Some(StatusCommand::Send {
                    refers_to,
                    status,
                    ground,
                    note,
                    reference,
                    name,
                }),
        }) => {
            let update = submit::StatusToSend {
                attach: Vec::new(),
                status,
                ground,
                note,
                reference,
            };
            submit::status_send(&target, &refers_to, update, name.as_deref(), format).await
        }
        Command::Case(CaseCommand::List {
            open,
            overdue,
            urgent,
            peer,
            limit,
            as_of,
        }) => {
            let filter = case::ListFilter {
                open,
                overdue,
                urgent,
                peer,
                limit,
                as_of_ms: as_of,
            };
            case::list(&target, filter, format).await
        }
        Command::Case(CaseCommand::Show { case_id, as_of }) => {
            case::show(&target, &case_id, as_of, format).await
        }
        Command::Case(CaseCommand::FetchAttachment {
            case_id,
            sha256,
            out,
        }) => case::fetch_attachment(&target, &case_id, &sha256, &out).await,
        Command::Case(CaseCommand::Reply {
            case_id,
            refers_to,
            status,
            ground,
            note,
            reference,
            name,
            attach,
        }) => {
            let update = submit::StatusToSend {
                attach,
                status,
                ground,
                note,
                reference,
            };
            case::reply(
                &target,
                &case_id,
                refers_to.as_deref(),
                update,
                name.as_deref(),
                format,
            )
            .await
        }
        Command::Search(args) => {
            let args = search::SearchArgs {
                words: args.words,
                peer: args.peer,
                state: args.state,
                assistance: args.assistance,
                direction: args.direction.map(|d| {
                    if d == "in" {
                        rogatory_proto::v1::Direction::Inbox
                    } else {
                        rogatory_proto::v1::Direction::Outbox
                    }
                }),
                kind: args.kind,
                since_ms: args.since,
                // The whole last day: until the next midnight.
                until_ms: args.until.map(|day| day + 86_400_000),
                limit: args.limit,
            };
            search::search(&target, args, format).await
        }
        Command::Inbox(list) if list.new => attention::inbox_new(&target, format).await,
        Command::Inbox(list) => {
            mailbox::show_list(&target, Direction::Inbox, list.limit, format).await
        }
        Command::Outbox(list) if list.new => Err(crate::failure::UserError::new(
            i18n::t!("outbox-new-refused"),
            i18n::t!("outbox-new-hint"),
        )
        .into()),
        Command::Outbox(list) => {
            mailbox::show_list(&target, Direction::Outbox, list.limit, format).await
        }
        Command::Inform(args) => inform::inform(&target, args, format).await,
        Command::Consult(args) => inform::consult(&target, args, format).await,
        Command::Message(MessageCommand::Show { id }) => {
            mailbox::show_message(&target, &id, format).await
        }
        Command::Message(MessageCommand::Print { id, out }) => {
            print::message(&target, &id, &out, format).await
        }
        Command::Case(CaseCommand::Print { case_id, out }) => {
            print::case(&target, &case_id, &out, format).await
        }
        Command::Message(MessageCommand::Read { ids }) => {
            attention::mark_read(&target, ids, None, format).await
        }
        Command::Case(CaseCommand::Read { case_id }) => {
            attention::mark_read(&target, Vec::new(), Some(case_id), format).await
        }
        Command::Watch {
            exec,
            mail,
            sendmail,
        } => {
            let hooks = watch::Hooks {
                exec,
                mail,
                sendmail,
            };
            watch::watch(&target, hooks, format).await
        }
        Command::Attention { within, as_of } => {
            let query = attention::AttentionQuery {
                as_of_ms: as_of,
                within_hours: within,
                reasons: Vec::new(),
            };
            attention::attention(&target, query, format).await
        }
        Command::Peers => peers::peers(&target, format).await,
        Command::Whoami => whoami::whoami(&target, format).await,
        Command::Directory(DirectoryCommand::Search {
            country,
            measure,
            crime,
            language,
            refresh,
        }) => {
            let request = rogatory_proto::v1::SearchDirectoryRequest {
                country: country.unwrap_or_default(),
                measure: measure.map_or(0, |m| m as i32),
                crime: crime.unwrap_or_default(),
                language: language.unwrap_or_default(),
                refresh,
            };
            directory::search(&target, request, format).await
        }
        Command::Directory(DirectoryCommand::Show) => directory::show(&target, format).await,
        Command::Log(LogCommand::Verify) => audit::log_verify(&target, format).await,
        Command::Log(LogCommand::Checkpoint) => audit::log_checkpoint(&target, format).await,
        Command::Audit(AuditCommand::Export { dir }) => audit::export(&target, &dir, format).await,
        Command::Audit(AuditCommand::Verify {
            bundle,
            peer_keys,
            roster: None,
        }) => audit::verify_bundle(&bundle, peer_keys.as_deref(), format),
        Command::Audit(AuditCommand::Verify {
            bundle,
            roster: Some(roster),
            ..
        }) => audit::verify_against_roster(&bundle, &roster, format),
        Command::Audit(AuditCommand::Rosters { bundle, out }) => {
            audit::write_rosters(&bundle, &out, format)
        }
        Command::Audit(AuditCommand::Prove {
            bundle,
            index,
            checkpoint,
            entry_out,
        }) => audit::prove(&bundle, index, checkpoint, entry_out.as_deref(), format),
        Command::Audit(AuditCommand::CheckProof {
            proof,
            key,
            entry_file,
        }) => audit::check_proof(&proof, &key, &entry_file, format),
        Command::Audit(AuditCommand::Consistency { bundle, old, new }) => {
            audit::consistency(&bundle, old, new, format)
        }
        Command::Audit(AuditCommand::CheckConsistency { file, key }) => {
            audit::check_consistency(&file, &key, format)
        }
        Command::Audit(AuditCommand::CrossCheck { a, b }) => audit::cross_check(&a, &b, format),
        Command::Audit(AuditCommand::Entries {
            bundle,
            kinds,
            peer,
            case,
            since,
            until,
            text,
            from,
            limit,
        }) => {
            let filter = rogatory_proto::audit::reading::EntryFilter {
                kinds,
                peer,
                case,
                since_ms: since,
                // The whole of the last day.
                until_ms: until.map(|day| day + 24 * 60 * 60 * 1000),
                text,
            };
            audit::entries(&bundle, &filter, from, limit, format)
        }
        Command::Audit(AuditCommand::Entry { bundle, index }) => {
            audit::entry(&bundle, index, format)
        }
        Command::Audit(AuditCommand::CheckDocument {
            bundle,
            code,
            pdf,
            peer_keys,
        }) => audit::check_document(
            &bundle,
            code.as_deref(),
            pdf.as_deref(),
            peer_keys.as_deref(),
            format,
        ),
        Command::Demo(demo) => demo::run(demo.dir.as_deref(), demo.keep, format).await,
    }
}
