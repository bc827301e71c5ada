//! The report: what one run found ([`Report`]) and its printing, the table of scenarios, the
//! fixed load, the store committers, failures, ratios and the verdict on each target.
//!
//! It measures nothing; it formats what [`super::run`] collected.

use std::time::Duration;

use super::baselines::CryptoResult;
use super::ledger::Ledger;
use super::machine::MachineInfo;
use super::measure::Failures;
use super::scenarios::{ClosedLoopResult, OpenLoopResult};
use super::watch::CommitterLoad;
use super::{
    DISTURBED_CORES, DRAIN_GRACE, MIN_ACHIEVED_SHARE, OFFERED_RATE, SENDER, Settings, TARGET_P99,
    TARGET_SHARE_OF_CRYPTO, TARGET_THROUGHPUT, UNDELIVERED,
};

#[derive(Debug)]
pub(super) struct Report {
    pub(super) machine: MachineInfo,
    pub(super) payload_bytes: usize,
    pub(super) signature_bytes: usize,
    pub(super) crypto: CryptoResult,
    pub(super) transport: Vec<ClosedLoopResult>,
    pub(super) rogatory: Vec<ClosedLoopResult>,
    pub(super) fixed_load: OpenLoopResult,
    /// Audit-log entries on each node at the end, as a sanity check of the work done.
    pub(super) log_sizes: Vec<(String, u64)>,
    /// Both logs read back at the end: exactly-once, entry by entry.
    pub(super) ledger: Ledger,
    /// The sender's outbox after the last scenario and [`DRAIN_GRACE`]: messages still queued
    /// and attempts in flight. Queued with nothing in flight means stuck.
    pub(super) leftover: Backlog,
}

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Backlog {
    pub(super) queued: u64,
    pub(super) in_flight: u32,
}

pub(super) fn millis(duration: Option<Duration>) -> String {
    duration.map_or_else(
        || "-".to_owned(),
        |d| {
            if d == UNDELIVERED {
                "undelivered".to_owned()
            } else {
                format!("{:.2}", d.as_secs_f64() * 1e3)
            }
        },
    )
}

/// Like [`millis`], with the unit where there is a number.
pub(super) fn with_unit(duration: Option<Duration>) -> String {
    match duration {
        Some(d) if d != UNDELIVERED => format!("{} ms", millis(Some(d))),
        other => millis(other),
    }
}

pub(super) fn cores(elsewhere: Option<f64>) -> String {
    elsewhere.map_or_else(|| "-".to_owned(), |cores| format!("{cores:.2}"))
}

pub(super) fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT MET" }
}

impl Report {
    pub(super) fn print(&self, settings: &Settings) {
        let machine = &self.machine;
        println!();
        println!(
            "=== Rogatory delivery benchmark ({}) ===",
            if settings.quick { "quick" } else { "full" }
        );
        println!(
            "machine: {} CPUs, {}, {} RAM",
            machine.cpus, machine.model, machine.memory
        );
        println!("stores:  {}", machine.store_filesystem);
        println!(
            "disk:    write 4 KiB + fsync p50 {} ms, p99 {} ms ({} probes)",
            millis(machine.fsync.median()),
            millis(machine.fsync.p99()),
            machine.fsync.count()
        );
        if cfg!(debug_assertions) {
            println!("WARNING: built without optimisations; numbers are meaningless");
        }
        println!(
            "payload: signed envelope {} bytes + {}-byte signature; warm-up {:?}, window {:?} \
             per scenario",
            self.payload_bytes, self.signature_bytes, settings.warmup, settings.duration
        );
        println!();
        println!(
            "{:<42} {:>3} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8} {:>9} {:>10}",
            "scenario",
            "K",
            "msgs/s",
            "recv/s",
            "p50 ms",
            "p99 ms",
            "max ms",
            "failures",
            "elsewhere",
            "cpu us/msg"
        );
        let row = |name: &str, result: &ClosedLoopResult| {
            println!(
                "{:<42} {:>3} {:>8.0} {:>7} {:>8} {:>8} {:>8} {:>8} {:>9} {:>10}",
                name,
                result.concurrency,
                result.throughput,
                result
                    .recipient_rate
                    .map_or_else(|| "-".to_owned(), |rate| format!("{rate:.0}")),
                millis(result.latency.median()),
                millis(result.latency.p99()),
                millis(result.latency.max()),
                result.failures.count,
                cores(result.elsewhere),
                result
                    .own_cores
                    .filter(|_| result.throughput > 0.0)
                    .map_or_else(
                        || "-".to_owned(),
                        |own| format!("{:.0}", own * 1e6 / result.throughput)
                    )
            );
        };
        for result in &self.rogatory {
            row("Rogatory end-to-end (SubmitRequest)", result);
        }
        for result in &self.transport {
            row("baseline (a) mTLS unary, no sign/store", result);
        }
        println!(
            "{:<42} {:>3} {:>8.0} {:>7} {:>8} {:>8} {:>8} {:>8} {:>9}",
            format!("baseline (b) crypto only, {} threads", self.crypto.threads),
            "-",
            self.crypto.throughput,
            "-",
            "-",
            "-",
            "-",
            0,
            cores(self.crypto.elsewhere)
        );
        println!(
            "(msgs/s: DELIVERED answers in the window; recv/s: messages the recipient logged in \
             the window; latency: the call's round trip; elsewhere: cores used meanwhile outside \
             the benchmark and its two node processes: other processes, kernel threads \
             (including the I/O done for our fsyncs), hypervisor steal; cpu us/msg: CPU time \
             per message of the benchmark and both nodes together, which a busy machine \
             disturbs far less)"
        );
        let load = &self.fixed_load;
        println!();
        let delivered = load
            .latency
            .sorted
            .iter()
            .filter(|latency| **latency != UNDELIVERED)
            .count();
        println!(
            "fixed load: {} msgs/s offered open-loop over {} cases; {} scheduled in the window, \
             {} of them DELIVERED (the others rank as undelivered in the percentiles)",
            load.offered_rate, load.cases, load.scheduled, delivered
        );
        println!(
            "  achieved {:.0} DELIVERED answers/s (recipient logged {:.0} msgs/s); latency from \
             scheduled send: p50 {}, p99 {}, max {}",
            load.achieved_rate,
            load.recipient_rate,
            with_unit(load.latency.median()),
            with_unit(load.latency.p99()),
            with_unit(load.latency.max())
        );
        println!(
            "  service time from actual send: p50 {}, p99 {}; generator lag p99 {}, max {}; \
             failures {}; elsewhere {} cores",
            with_unit(load.service_time.median()),
            with_unit(load.service_time.p99()),
            with_unit(load.issue_lag.p99()),
            with_unit(load.issue_lag.max()),
            load.failures.count,
            cores(load.elsewhere)
        );
        println!();
        println!(
            "store committers (per node: group commits per second x writes per commit; share of \
             wall time appending commits to the journal with its fdatasync, applying them to \
             sled, and in sled's periodic flush and fsync: near 100% busy, the \
             committer sets the pace)"
        );
        let committers = |loads: &[CommitterLoad]| {
            loads
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        };
        for result in &self.rogatory {
            println!(
                "  K={:<3}       {}",
                result.concurrency,
                committers(&result.committers)
            );
        }
        println!("  fixed load  {}", committers(&load.committers));
        let busiest = self
            .rogatory
            .iter()
            .chain(&self.transport)
            .map(|result| result.elsewhere)
            .chain([self.crypto.elsewhere, load.elsewhere])
            .flatten()
            .fold(0.0_f64, f64::max);
        if busiest > DISTURBED_CORES {
            println!(
                "WARNING: up to {busiest:.2} cores were busy outside the benchmark's processes \
                 during a scenario; unless that was kernel I/O on our behalf, those numbers are disturbed"
            );
        }

        // In a closed loop the submitters had K x window of time in the window.
        let submitter_time =
            |concurrency: usize| Some(settings.duration.as_secs_f64() * concurrency as f64);
        let failures: Vec<(String, &Failures, Option<f64>)> = self
            .rogatory
            .iter()
            .map(|result| {
                (
                    format!("Rogatory K={}", result.concurrency),
                    &result.failures,
                    submitter_time(result.concurrency),
                )
            })
            .chain(self.transport.iter().map(|result| {
                (
                    format!("baseline (a) K={}", result.concurrency),
                    &result.failures,
                    submitter_time(result.concurrency),
                )
            }))
            .chain([("fixed load".to_owned(), &load.failures, None)])
            .filter(|(_, failures, _)| failures.count > 0)
            .collect();
        if !failures.is_empty() {
            println!();
            println!("FAILURES (submissions or calls that did not come back as expected):");
            for (scenario, failure, budget) in failures {
                let waited = failure.waited.as_secs_f64();
                println!(
                    "  {scenario}: {} failed, {:.1} s of waiting in the window{}; e.g. {}",
                    failure.count,
                    waited,
                    budget.map_or_else(String::new, |budget| format!(
                        " ({:.0}% of the submitters' time there)",
                        100.0 * waited / budget
                    )),
                    failure.examples.join(" | ")
                );
            }
        }

        println!();
        let best = self
            .rogatory
            .iter()
            .max_by(|a, b| a.throughput.total_cmp(&b.throughput));
        let share_of_crypto = best.map_or(0.0, |best| best.throughput / self.crypto.throughput);
        if let Some(best) = best {
            let transport = self
                .transport
                .iter()
                .find(|result| result.concurrency == best.concurrency);
            println!(
                "ratios: Rogatory best (K={}, {:.0} msgs/s) / baseline (a) at K={}: {}; / \
                 baseline (b): {:.1}%",
                best.concurrency,
                best.throughput,
                best.concurrency,
                transport.map_or_else(
                    || "-".to_owned(),
                    |t| format!("{:.1}%", 100.0 * best.throughput / t.throughput)
                ),
                100.0 * share_of_crypto
            );
        }
        let best_throughput = best.map_or(0.0, |best| best.throughput);
        let kept_up = load.achieved_rate >= MIN_ACHIEVED_SHARE * f64::from(load.offered_rate)
            && load.failures.count == 0;
        let p99 = load.latency.p99();
        println!(
            "targets: >= {:.0} delivered msgs/s: {:.0}, {} | >= {:.0}% of (b): {:.1}%, {} | p99 < \
             {} ms at {} msgs/s: {}{}, {}",
            TARGET_THROUGHPUT,
            best_throughput,
            verdict(best_throughput >= TARGET_THROUGHPUT),
            100.0 * TARGET_SHARE_OF_CRYPTO,
            100.0 * share_of_crypto,
            verdict(share_of_crypto >= TARGET_SHARE_OF_CRYPTO),
            TARGET_P99.as_millis(),
            load.offered_rate,
            with_unit(p99),
            if load.offered_rate != OFFERED_RATE {
                " (not the target's load: --rate)"
            } else if kept_up {
                ""
            } else {
                " (load not sustained)"
            },
            verdict(
                kept_up
                    && load.offered_rate == OFFERED_RATE
                    && p99.is_some_and(|p99| p99 < TARGET_P99)
            ),
        );
        self.ledger.print();
        let logs: Vec<String> = self
            .log_sizes
            .iter()
            .map(|(id, size)| format!("{id} {size}"))
            .collect();
        println!("audit-log entries at the end: {}", logs.join(", "));
        println!(
            "{}'s outbox after the run (+ up to {:?} to drain): {} queued, {} in flight{}",
            SENDER,
            DRAIN_GRACE,
            self.leftover.queued,
            self.leftover.in_flight,
            if self.leftover.queued > 0 && self.leftover.in_flight == 0 {
                " -- STUCK: queued messages the sender no longer attempts"
            } else {
                ""
            }
        );
    }
}
