//! When the requested side owes each step of a request, and which steps are late.
//!
//! Three deadlines run from the moment the request was created (its envelope's
//! `created_at_ms`): the requested side should acknowledge it, decide on it (accept, refuse or
//! postpone) and execute it. A node's [`DeadlinePolicy`] holds two sets of periods: one for
//! ordinary requests and a shorter one for requests marked urgent (`MlaRequest.urgency.urgent`).
//! The defaults ([`DEFAULT_PERIODS`], [`URGENT_PERIODS`]) follow EIO practice (Directive
//! 2014/41/EU: acknowledgement within a week, recognition decision within 30 days, execution
//! within 90 days); an urgent request needs hours, not days. A node may configure others (its
//! `[deadlines]` section), so two nodes can disagree on when a request is late: each shows its
//! contact points what is late by its own policy. These numbers are for contact points'
//! attention, not legal time limits: a node shows what is late, it never refuses anything
//! because of it. A request's own `urgency.deadline` (a date the requesting side asks for) is
//! shown beside these deadlines; it does not change them.
//!
//! A deadline is *pending* while the request's state has not reached its step; it is
//! *overdue* once it is pending and its due time has passed. A postponement (UNTOC art.
//! 18(25)) is a decision and pauses execution, so nothing is pending while a request is
//! postponed; a final or executed request owes nothing. Asking for additional information does
//! not stop the clock (as in EIO practice), so a decision can fall due while the requesting
//! side is still preparing its supplement.
//!
//! No I/O and no clock: callers pass `now_ms`, so the node, the CLI and tests agree.

use std::fmt;

use crate::v1::RequestState;

/// One hour in milliseconds.
pub const HOUR_MS: i64 = 60 * 60 * 1000;
/// One day in milliseconds.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// The time the requested side has for each step, counted from the request's creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    pub acknowledge_ms: i64,
    pub decide_ms: i64,
    pub execute_ms: i64,
}

/// Ordinary requests: acknowledge within 7 days, decide within 30, execute within 90.
pub const DEFAULT_PERIODS: Periods = Periods {
    acknowledge_ms: 7 * DAY_MS,
    decide_ms: 30 * DAY_MS,
    execute_ms: 90 * DAY_MS,
};

/// Urgent requests: acknowledge within 24 hours, decide within 3 days, execute within 14.
pub const URGENT_PERIODS: Periods = Periods {
    acknowledge_ms: DAY_MS,
    decide_ms: 3 * DAY_MS,
    execute_ms: 14 * DAY_MS,
};

/// The periods a node applies: one set for ordinary requests, one for urgent ones.
///
/// Build one from configuration with [`DeadlinePolicy::new`], which refuses a policy whose
/// deadlines could not all be met in order (see [`Inconsistency`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlinePolicy {
    normal: Periods,
    urgent: Periods,
}

/// [`DEFAULT_PERIODS`] and [`URGENT_PERIODS`].
pub const DEFAULT_POLICY: DeadlinePolicy = DeadlinePolicy {
    normal: DEFAULT_PERIODS,
    urgent: URGENT_PERIODS,
};

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DEFAULT_POLICY
    }
}

/// Why a pair of period sets is not a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Inconsistency {
    /// A period of zero or less: the step would be late as soon as the request exists.
    #[error("the {}{milestone} period must be longer than zero", urgent_word(*.urgent))]
    NotPositive { urgent: bool, milestone: Milestone },
    /// A step falls due before the step that must come first (a decision before the
    /// acknowledgement, an execution before the decision).
    #[error(
        "the {}{milestone} period is shorter than the {}{earlier} period before it",
        urgent_word(*.urgent),
        urgent_word(*.urgent)
    )]
    BeforeEarlierStep {
        urgent: bool,
        milestone: Milestone,
        earlier: Milestone,
    },
    /// An urgent request would get longer than an ordinary one for this step.
    #[error("the urgent {milestone} period is longer than the ordinary one")]
    UrgentLonger { milestone: Milestone },
}

fn urgent_word(urgent: bool) -> &'static str {
    if urgent { "urgent " } else { "" }
}

impl DeadlinePolicy {
    /// A policy with these periods, or every way in which they are inconsistent.
    pub fn new(normal: Periods, urgent: Periods) -> Result<Self, Vec<Inconsistency>> {
        let mut problems = Vec::new();
        for (is_urgent, periods) in [(false, &normal), (true, &urgent)] {
            let mut earlier: Option<(Milestone, i64)> = None;
            for milestone in Milestone::ALL {
                let period = milestone.period_ms(periods);
                if period <= 0 {
                    problems.push(Inconsistency::NotPositive {
                        urgent: is_urgent,
                        milestone,
                    });
                } else if let Some((before, before_ms)) = earlier
                    && period < before_ms
                {
                    problems.push(Inconsistency::BeforeEarlierStep {
                        urgent: is_urgent,
                        milestone,
                        earlier: before,
                    });
                }
                earlier = Some((milestone, period));
            }
        }
        for milestone in Milestone::ALL {
            if milestone.period_ms(&urgent) > milestone.period_ms(&normal) {
                problems.push(Inconsistency::UrgentLonger { milestone });
            }
        }
        if problems.is_empty() {
            Ok(Self { normal, urgent })
        } else {
            Err(problems)
        }
    }

    /// The periods that apply to a request, urgent or not.
    pub fn periods(&self, urgent: bool) -> Periods {
        if urgent { self.urgent } else { self.normal }
    }

    /// The three deadlines of a request created at `created_at_ms`, in the order they fall due.
    pub fn deadlines(
        &self,
        created_at_ms: i64,
        urgent: bool,
        state: RequestState,
    ) -> [Deadline; 3] {
        let periods = self.periods(urgent);
        Milestone::ALL.map(|milestone| Deadline {
            milestone,
            due_at_ms: created_at_ms.saturating_add(milestone.period_ms(&periods)),
            pending: milestone.pending_in(state),
        })
    }

    /// The earliest pending deadline, if any: what the requested side owes next.
    pub fn next_due(
        &self,
        created_at_ms: i64,
        urgent: bool,
        state: RequestState,
    ) -> Option<Deadline> {
        self.deadlines(created_at_ms, urgent, state)
            .into_iter()
            .find(|d| d.pending)
    }

    /// The pending deadlines that have passed at `now_ms`, earliest first.
    pub fn overdue(
        &self,
        created_at_ms: i64,
        urgent: bool,
        state: RequestState,
        now_ms: i64,
    ) -> Vec<Deadline> {
        self.deadlines(created_at_ms, urgent, state)
            .into_iter()
            .filter(|d| d.overdue_at(now_ms))
            .collect()
    }
}

/// The periods that apply to a request under the default policy.
pub fn periods(urgent: bool) -> Periods {
    DEFAULT_POLICY.periods(urgent)
}

/// A step the requested side owes, in the order they fall due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Milestone {
    Acknowledge,
    Decide,
    Execute,
}

impl Milestone {
    pub const ALL: [Self; 3] = [Self::Acknowledge, Self::Decide, Self::Execute];

    /// The stable name scripts see (`--json`, alert messages).
    pub fn name(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledge",
            Self::Decide => "decide",
            Self::Execute => "execute",
        }
    }

    fn period_ms(self, periods: &Periods) -> i64 {
        match self {
            Self::Acknowledge => periods.acknowledge_ms,
            Self::Decide => periods.decide_ms,
            Self::Execute => periods.execute_ms,
        }
    }

    /// Whether a request in `state` still owes this step. UNSPECIFIED (a record stored before
    /// lifecycles were kept) owes nothing: its state is not known.
    pub fn pending_in(self, state: RequestState) -> bool {
        use RequestState as St;
        let before_decision = matches!(
            state,
            St::Submitted
                | St::Delivered
                | St::Acknowledged
                | St::UnderReview
                | St::AdditionalInformationRequested
                | St::Supplemented
                | St::Consultation
        );
        match self {
            Self::Acknowledge => matches!(state, St::Submitted | St::Delivered),
            Self::Decide => before_decision,
            Self::Execute => {
                before_decision
                    || matches!(
                        state,
                        St::Accepted | St::InExecution | St::PartiallyExecuted
                    )
            }
        }
    }
}

impl fmt::Display for Milestone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One deadline of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub milestone: Milestone,
    /// Milliseconds since the Unix epoch.
    pub due_at_ms: i64,
    /// The request's state has not reached the step yet.
    pub pending: bool,
}

impl Deadline {
    /// Pending and past due at `now_ms` (due at exactly `now_ms` is not yet late).
    pub fn overdue_at(&self, now_ms: i64) -> bool {
        self.pending && now_ms > self.due_at_ms
    }
}

/// [`DeadlinePolicy::deadlines`] under the default policy.
pub fn deadlines(created_at_ms: i64, urgent: bool, state: RequestState) -> [Deadline; 3] {
    DEFAULT_POLICY.deadlines(created_at_ms, urgent, state)
}

/// [`DeadlinePolicy::next_due`] under the default policy.
pub fn next_due(created_at_ms: i64, urgent: bool, state: RequestState) -> Option<Deadline> {
    DEFAULT_POLICY.next_due(created_at_ms, urgent, state)
}

/// [`DeadlinePolicy::overdue`] under the default policy.
pub fn overdue(
    created_at_ms: i64,
    urgent: bool,
    state: RequestState,
    now_ms: i64,
) -> Vec<Deadline> {
    DEFAULT_POLICY.overdue(created_at_ms, urgent, state, now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use RequestState as St;

    /// 2026-01-01T00:00:00Z.
    const T0: i64 = 1_767_225_600_000;

    #[test]
    fn the_defaults_are_the_documented_numbers() {
        assert_eq!(DEFAULT_PERIODS.acknowledge_ms, 604_800_000); // 7 days
        assert_eq!(DEFAULT_PERIODS.decide_ms, 2_592_000_000); // 30 days
        assert_eq!(DEFAULT_PERIODS.execute_ms, 7_776_000_000); // 90 days
        assert_eq!(URGENT_PERIODS.acknowledge_ms, 86_400_000); // 24 hours
        assert_eq!(URGENT_PERIODS.decide_ms, 259_200_000); // 3 days
        assert_eq!(URGENT_PERIODS.execute_ms, 1_209_600_000); // 14 days
    }

    #[test]
    fn due_dates_run_from_creation() {
        let due: Vec<i64> = deadlines(T0, false, St::Delivered)
            .iter()
            .map(|d| d.due_at_ms)
            .collect();
        // 2026-01-08, 2026-01-31, 2026-04-01 (all 00:00Z).
        assert_eq!(
            due,
            [1_767_830_400_000, 1_769_817_600_000, 1_775_001_600_000]
        );
        let urgent: Vec<i64> = deadlines(T0, true, St::Delivered)
            .iter()
            .map(|d| d.due_at_ms)
            .collect();
        // 2026-01-02, 2026-01-04, 2026-01-15.
        assert_eq!(
            urgent,
            [1_767_312_000_000, 1_767_484_800_000, 1_768_435_200_000]
        );
    }

    #[test]
    fn which_steps_are_still_owed_in_each_state() {
        let owed = |state| -> Vec<&str> {
            deadlines(T0, false, state)
                .iter()
                .filter(|d| d.pending)
                .map(|d| d.milestone.name())
                .collect()
        };
        let all = ["acknowledge", "decide", "execute"];
        assert_eq!(owed(St::Submitted), all);
        assert_eq!(owed(St::Delivered), all);
        for state in [
            St::Acknowledged,
            St::UnderReview,
            St::AdditionalInformationRequested,
            St::Supplemented,
            St::Consultation,
        ] {
            assert_eq!(owed(state), ["decide", "execute"], "{state:?}");
        }
        for state in [St::Accepted, St::InExecution, St::PartiallyExecuted] {
            assert_eq!(owed(state), ["execute"], "{state:?}");
        }
        for state in [
            St::Unspecified,
            St::Postponed,
            St::Refused,
            St::Executed,
            St::Withdrawn,
            St::Closed,
        ] {
            assert!(owed(state).is_empty(), "{state:?}");
        }
    }

    #[test]
    fn overdue_means_pending_and_past_due() {
        let ack_due = T0 + 7 * DAY_MS;
        assert!(overdue(T0, false, St::Delivered, ack_due).is_empty());
        let late = overdue(T0, false, St::Delivered, ack_due + 1);
        assert_eq!(
            late,
            [Deadline {
                milestone: Milestone::Acknowledge,
                due_at_ms: ack_due,
                pending: true
            }]
        );
        // Acknowledged in time is not late, even long after.
        assert!(overdue(T0, false, St::Acknowledged, ack_due + 1).is_empty());
        // 31 days on, an unacknowledged request is late twice.
        let late = overdue(T0, false, St::Submitted, T0 + 31 * DAY_MS);
        assert_eq!(
            late.iter().map(|d| d.milestone).collect::<Vec<_>>(),
            [Milestone::Acknowledge, Milestone::Decide]
        );
        // An urgent request is late after a day and an hour.
        let late = overdue(T0, true, St::Delivered, T0 + 25 * HOUR_MS);
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].due_at_ms, T0 + DAY_MS);
        // Executed, closed and withdrawn requests owe nothing.
        for state in [St::Executed, St::Closed, St::Withdrawn, St::Refused] {
            assert!(overdue(T0, true, state, T0 + 365 * DAY_MS).is_empty());
        }
    }

    #[test]
    fn next_due_is_the_earliest_step_still_owed() {
        assert_eq!(
            next_due(T0, false, St::Delivered).map(|d| (d.milestone, d.due_at_ms)),
            Some((Milestone::Acknowledge, T0 + 7 * DAY_MS))
        );
        assert_eq!(
            next_due(T0, true, St::UnderReview).map(|d| (d.milestone, d.due_at_ms)),
            Some((Milestone::Decide, T0 + 3 * DAY_MS))
        );
        assert_eq!(
            next_due(T0, false, St::InExecution).map(|d| (d.milestone, d.due_at_ms)),
            Some((Milestone::Execute, T0 + 90 * DAY_MS))
        );
        assert_eq!(next_due(T0, false, St::Closed), None);
    }

    fn days(acknowledge: i64, decide: i64, execute: i64) -> Periods {
        Periods {
            acknowledge_ms: acknowledge * DAY_MS,
            decide_ms: decide * DAY_MS,
            execute_ms: execute * DAY_MS,
        }
    }

    #[test]
    fn a_configured_policy_moves_every_due_date_and_keeps_urgent_apart() {
        let policy = DeadlinePolicy::new(days(1, 10, 20), days(1, 2, 5)).expect("consistent");
        let due = |urgent| -> Vec<i64> {
            policy
                .deadlines(T0, urgent, St::Delivered)
                .iter()
                .map(|d| d.due_at_ms - T0)
                .collect()
        };
        assert_eq!(due(false), [DAY_MS, 10 * DAY_MS, 20 * DAY_MS]);
        assert_eq!(due(true), [DAY_MS, 2 * DAY_MS, 5 * DAY_MS]);
        // Two days on: late for acknowledgement under this policy, not under the default one.
        let later = T0 + 2 * DAY_MS;
        assert_eq!(
            policy
                .overdue(T0, false, St::Delivered, later)
                .iter()
                .map(|d| d.milestone)
                .collect::<Vec<_>>(),
            [Milestone::Acknowledge]
        );
        assert!(
            DEFAULT_POLICY
                .overdue(T0, false, St::Delivered, later)
                .is_empty()
        );
        assert_eq!(
            policy
                .next_due(T0, false, St::Acknowledged)
                .map(|d| d.due_at_ms),
            Some(T0 + 10 * DAY_MS)
        );
        assert_eq!(DeadlinePolicy::default(), DEFAULT_POLICY);
        assert_eq!(
            DeadlinePolicy::new(DEFAULT_PERIODS, URGENT_PERIODS),
            Ok(DEFAULT_POLICY)
        );
    }

    #[test]
    fn an_inconsistent_policy_is_refused_with_every_reason() {
        use Inconsistency as I;
        use Milestone as M;
        assert_eq!(
            DeadlinePolicy::new(days(0, 30, 90), URGENT_PERIODS),
            Err(vec![
                I::NotPositive {
                    urgent: false,
                    milestone: M::Acknowledge
                },
                I::UrgentLonger {
                    milestone: M::Acknowledge
                }
            ])
        );
        assert_eq!(
            DeadlinePolicy::new(days(7, 5, 90), days(1, -3, 14)),
            Err(vec![
                I::BeforeEarlierStep {
                    urgent: false,
                    milestone: M::Decide,
                    earlier: M::Acknowledge
                },
                I::NotPositive {
                    urgent: true,
                    milestone: M::Decide
                }
            ])
        );
        // Urgent longer than ordinary, for one step only.
        let err = DeadlinePolicy::new(DEFAULT_PERIODS, days(1, 3, 100)).expect_err("refused");
        assert_eq!(
            err,
            [I::UrgentLonger {
                milestone: M::Execute
            }]
        );
        assert_eq!(
            err[0].to_string(),
            "the urgent execute period is longer than the ordinary one"
        );
        // Equal is allowed: a node may treat every request as urgent.
        assert!(DeadlinePolicy::new(URGENT_PERIODS, URGENT_PERIODS).is_ok());
    }
}
