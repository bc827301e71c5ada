//! The arithmetic of a measurement: sorted latency samples and their percentiles
//! ([`Stats`]), calls that failed with a few examples ([`Failures`]), and the measured window
//! of a scenario after its warm-up ([`Window`]).
//!
//! Plain data; it runs nothing and talks to no node.

use std::time::Duration;

use tokio::time::Instant;

use super::{FAILURE_EXAMPLES, Settings};

/// Sorted latency samples, for percentiles.
#[derive(Debug, Default)]
pub(super) struct Stats {
    pub(super) sorted: Vec<Duration>,
}

impl Stats {
    pub(super) fn new(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        Self { sorted: samples }
    }

    pub(super) fn count(&self) -> usize {
        self.sorted.len()
    }

    /// Nearest-rank percentile; `None` without samples.
    fn percentile(&self, percent: f64) -> Option<Duration> {
        if self.sorted.is_empty() {
            return None;
        }
        let rank = (percent / 100.0 * self.sorted.len() as f64).ceil() as usize;
        self.sorted
            .get(rank.clamp(1, self.sorted.len()) - 1)
            .copied()
    }

    pub(super) fn median(&self) -> Option<Duration> {
        self.percentile(50.0)
    }

    pub(super) fn p99(&self) -> Option<Duration> {
        self.percentile(99.0)
    }

    pub(super) fn max(&self) -> Option<Duration> {
        self.sorted.last().copied()
    }
}

/// Calls that did not end as they should, with a few examples of why.
#[derive(Debug, Default)]
pub(super) struct Failures {
    pub(super) count: u64,
    /// Time the failed calls took inside the measurement window. In a closed loop a submitter
    /// waiting for a failure submits nothing else, so this is submitter time lost to failures.
    pub(super) waited: Duration,
    pub(super) examples: Vec<String>,
}

impl Failures {
    pub(super) fn note(&mut self, error: String, waited: Duration) {
        self.count += 1;
        self.waited += waited;
        if self.examples.len() < FAILURE_EXAMPLES && !self.examples.contains(&error) {
            self.examples.push(error);
        }
    }

    pub(super) fn absorb(&mut self, other: Failures) {
        self.count += other.count;
        self.waited += other.waited;
        for example in other.examples {
            if self.examples.len() < FAILURE_EXAMPLES && !self.examples.contains(&example) {
                self.examples.push(example);
            }
        }
    }
}

/// The measured part of a scenario: after the warm-up, before the end.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub(super) from: Instant,
    pub(super) to: Instant,
}

impl Window {
    pub(super) fn starting_at(start: Instant, settings: &Settings) -> Self {
        let from = start + settings.warmup;
        Self {
            from,
            to: from + settings.duration,
        }
    }

    pub(super) fn contains(&self, moment: Instant) -> bool {
        moment >= self.from && moment < self.to
    }

    pub(super) fn seconds(&self) -> f64 {
        (self.to - self.from).as_secs_f64()
    }

    /// How much of the span from `start` to `end` lies inside the window.
    pub(super) fn overlap(&self, start: Instant, end: Instant) -> Duration {
        end.min(self.to)
            .saturating_duration_since(start.max(self.from))
    }
}
