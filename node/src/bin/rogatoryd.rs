//! `rogatoryd`: the Rogatory node daemon.
//!
//! Signals: SIGTERM and SIGINT stop the node gracefully (in-flight calls finish under a 5 s
//! deadline); SIGHUP reloads the TLS certificate, the contact-point directory file and the log
//! level from the configuration file and names any other change that needs a restart. Under systemd (`Type=notify`) the node
//! reports readiness, reloads and stopping.
//!
//! Exit codes: 0 after a clean stop (or a valid `--check-config`); 64 if the configuration or
//! a file it names is invalid (nothing was bound; every problem is listed); 1 if the node could
//! not start (a port in use, a store that will not open) or failed while running.

use std::path::PathBuf;
use std::process::ExitCode;

use std::io::IsTerminal;
use std::sync::Arc;

use clap::{Parser, ValueEnum};
use rogatory_node::identity::config::NodeConfig;
use rogatory_node::node::Node;
use rogatory_node::operations::log_output::{LogEncoding, SafeStderr};
use rogatory_node::operations::preflight::{self, Purpose, Severity};
use rogatory_node::server::RunningNode;
use rogatory_node::{operations::reload, operations::systemd};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry, fmt, reload as log_reload};

/// mimalloc rather than the C library's allocator: every message allocates and frees its
/// envelope, entries and protobuf fields several times over on several threads, where glibc's
/// malloc took about a tenth of the node's CPU (profiled on 2026-11-29). Built without
/// transparent huge pages (`no_thp`): with them an idle node held 68 MB resident, not 16 MB.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Configuration errors (BSD sysexits EX_USAGE), so service managers do not restart in a loop.
const EXIT_CONFIG: u8 = 64;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Human,
    Json,
}

/// The Rogatory node: exchanges signed mutual legal assistance messages with peer nodes over
/// mutual TLS and keeps a tamper-evident audit log.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The node's configuration file (see config/node.example.toml).
    #[arg(long, short, env = "ROGATORY_CONFIG")]
    config: PathBuf,
    /// Log output: human-readable lines or JSON objects (one per line).
    #[arg(long, value_enum, default_value = "human", env = "ROGATORY_LOG_FORMAT")]
    log_format: LogFormat,
    /// Check the configuration, keys and certificates, then exit without serving.
    #[arg(long)]
    check_config: bool,
}

/// Changes the log filter of the running daemon (SIGHUP applies the file's `log_level`).
type LogLevelHandle = log_reload::Handle<EnvFilter, Registry>;

/// Logs to stderr. ROGATORY_LOG, when set, wins over the configuration's `log_level`.
fn init_logging(format: LogFormat) -> LogLevelHandle {
    let filter = EnvFilter::try_from_env("ROGATORY_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let (filter, handle) = log_reload::Layer::new(filter);
    let output = match format {
        LogFormat::Human => fmt::layer()
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(SafeStderr::new(LogEncoding::Human))
            .boxed(),
        LogFormat::Json => fmt::layer()
            .json()
            .with_writer(SafeStderr::new(LogEncoding::Json))
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(output)
        .init();
    handle
}

fn apply_log_level(handle: &LogLevelHandle, level: Option<&str>) {
    if std::env::var_os("ROGATORY_LOG").is_some() {
        return;
    }
    // Validated when the configuration was parsed.
    if let Ok(filter) = EnvFilter::try_new(level.unwrap_or("info")) {
        if let Err(error) = handle.reload(filter) {
            tracing::warn!(%error, "cannot change the log level");
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let log_level = init_logging(args.log_format);
    let config = match NodeConfig::load(&args.config) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("rogatoryd: {}", rogatory_node::error_chain(&error));
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let purpose = if args.check_config {
        Purpose::CheckOnly
    } else {
        Purpose::Start
    };
    let findings = preflight::check(&config, purpose);
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    for finding in &findings {
        if args.check_config || finding.severity == Severity::Error {
            eprintln!("rogatoryd: {finding}");
        } else {
            tracing::warn!(key = %finding.key, "{}", finding.problem);
        }
    }
    if errors > 0 {
        eprintln!(
            "rogatoryd: {} in the files {} names; config/node.example.toml explains every key",
            if errors == 1 {
                "1 problem".to_owned()
            } else {
                format!("{errors} problems")
            },
            args.config.display()
        );
        return ExitCode::from(EXIT_CONFIG);
    }
    if args.check_config {
        println!(
            "configuration of node {} is valid{}",
            config.node_id,
            match findings.len() {
                0 => String::new(),
                1 => " (1 warning above)".to_owned(),
                n => format!(" ({n} warnings above)"),
            }
        );
        return ExitCode::SUCCESS;
    }
    apply_log_level(&log_level, config.log_level.as_deref());
    // Installed before the node answers anyone, so a signal sent as soon as it does is handled
    // rather than killing the process.
    let (Ok(terminate), Ok(interrupt), Ok(hangup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        eprintln!("rogatoryd: cannot install signal handlers");
        return ExitCode::FAILURE;
    };
    let running = match RunningNode::start(config).await {
        Ok(running) => running,
        Err(error) => {
            eprintln!(
                "rogatoryd: cannot start: {}",
                rogatory_node::error_chain(&error)
            );
            return ExitCode::FAILURE;
        }
    };
    let shutdown = running.shutdown_token();
    tokio::spawn(async move {
        wait_for_stop_signal(terminate, interrupt).await;
        tracing::info!("stop requested; finishing in-flight calls");
        systemd::notify("STOPPING=1");
        shutdown.cancel();
    });
    tokio::spawn(reload_on_hangup(
        hangup,
        running.shutdown_token(),
        Arc::clone(&running.node),
        args.config.clone(),
        log_level,
    ));
    systemd::notify(&format!(
        "READY=1\nSTATUS=serving on {}",
        running.federation_address
    ));
    match running.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!(
                "rogatoryd: stopping failed: {}",
                rogatory_node::error_chain(&error)
            );
            ExitCode::FAILURE
        }
    }
}

async fn wait_for_stop_signal(mut terminate: Signal, mut interrupt: Signal) {
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
}

/// Each SIGHUP re-reads the configuration file; see `rogatory_node::operations::reload`.
/// Ends (letting go of the node, so the stop can release its store) when the node stops.
async fn reload_on_hangup(
    mut hangup: Signal,
    shutdown: CancellationToken,
    node: Arc<Node>,
    config_path: PathBuf,
    log_level: LogLevelHandle,
) {
    let mut reloader = reload::Reloader::new(&node.config);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            received = hangup.recv() => if received.is_none() { return },
        }
        systemd::notify(&format!(
            "RELOADING=1\nMONOTONIC_USEC={}",
            systemd::monotonic_usec()
        ));
        match reloader.reload(&node, &config_path).await {
            Ok(report) => {
                apply_log_level(&log_level, report.log_level.as_deref());
                if report.applied.is_empty() && report.needs_restart.is_empty() {
                    tracing::info!("configuration reloaded: nothing changed");
                }
                for change in &report.applied {
                    tracing::info!("configuration reloaded: {change}");
                }
                for key in &report.needs_restart {
                    tracing::warn!(
                        key = %key,
                        "configuration changed but not applied: restart the node for it to take \
                         effect"
                    );
                }
            }
            Err(error) => tracing::error!(
                "configuration not reloaded, nothing changed: {}",
                rogatory_node::error_chain(&error)
            ),
        }
        systemd::notify("READY=1");
    }
}
