//! What operators run and watch: health and its warnings, Prometheus metrics, SIGHUP reloads,
//! the checks before start, systemd notifications, creating nodes and CAs, and where log
//! lines go.

pub mod enroll;
pub mod health;
pub mod log_output;
pub mod metrics;
pub mod preflight;
pub mod provision;
pub mod refusals;
pub mod reload;
pub mod systemd;
pub mod watch;
