//! `rogatoryd`: the Rogatory node daemon.
//!
//! Exit codes: 0 after a clean stop; 64 if the configuration is invalid (nothing was bound);
//! 1 if the node could not start or failed while running.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use rogatory_node::config::NodeConfig;
use rogatory_node::server::RunningNode;

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

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ROGATORY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    init_logging(args.log_format);
    let config = match NodeConfig::load(&args.config) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("rogatoryd: {}", rogatory_node::error_chain(&error));
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if args.check_config {
        return match rogatory_node::node::Node::open(config) {
            Ok(node) => {
                println!("configuration of node {} is valid", node.id());
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("rogatoryd: {}", rogatory_node::error_chain(&error));
                ExitCode::from(EXIT_CONFIG)
            }
        };
    }
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
        wait_for_signal().await;
        tracing::info!("stop requested; finishing in-flight calls");
        shutdown.cancel();
    });
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

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; stop the node with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
}
