//! `[deadlines]`: the periods a request's steps are given, ordinary and urgent, checked key by
//! key and then together into a `DeadlinePolicy`. What a deadline means for a case is
//! `rogatory_proto::deadlines`'s.

use rogatory_proto::deadlines::{
    DAY_MS, DeadlinePolicy, HOUR_MS, Inconsistency, Milestone, Periods,
};
use serde::Deserialize;

use super::problems::Problems;

// `[deadlines]`: each key range-checked here, then the periods checked together by
// `DeadlinePolicy::new` (order of steps, urgent no longer than ordinary).

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDeadlines {
    acknowledge_days: Option<i64>,
    decide_days: Option<i64>,
    execute_days: Option<i64>,
    urgent_acknowledge_hours: Option<i64>,
    urgent_decide_days: Option<i64>,
    urgent_execute_days: Option<i64>,
}

/// The `[deadlines]` key that sets `milestone`'s period, ordinary or urgent.
fn deadline_key(milestone: Milestone, urgent: bool) -> &'static str {
    match (milestone, urgent) {
        (Milestone::Acknowledge, false) => "deadlines.acknowledge_days",
        (Milestone::Decide, false) => "deadlines.decide_days",
        (Milestone::Execute, false) => "deadlines.execute_days",
        (Milestone::Acknowledge, true) => "deadlines.urgent_acknowledge_hours",
        (Milestone::Decide, true) => "deadlines.urgent_decide_days",
        (Milestone::Execute, true) => "deadlines.urgent_execute_days",
    }
}

impl RawDeadlines {
    /// The node's deadline policy (the default one where the file is silent), or the default
    /// policy with every problem added to `problems`.
    pub(super) fn validate(self, problems: &mut Problems<'_>) -> DeadlinePolicy {
        const YEAR: i64 = 365;
        let before = problems.list.len();
        let mut day = |key: &str, value: Option<i64>, default: i64, max: i64| {
            problems.in_range(key, value.unwrap_or(default), 1..=max, " days") * DAY_MS
        };
        let normal = Periods {
            acknowledge_ms: day("deadlines.acknowledge_days", self.acknowledge_days, 7, YEAR),
            decide_ms: day("deadlines.decide_days", self.decide_days, 30, 5 * YEAR),
            execute_ms: day("deadlines.execute_days", self.execute_days, 90, 10 * YEAR),
        };
        let urgent_decide_ms = day(
            "deadlines.urgent_decide_days",
            self.urgent_decide_days,
            3,
            5 * YEAR,
        );
        let urgent_execute_ms = day(
            "deadlines.urgent_execute_days",
            self.urgent_execute_days,
            14,
            10 * YEAR,
        );
        let urgent = Periods {
            acknowledge_ms: problems.in_range(
                "deadlines.urgent_acknowledge_hours",
                self.urgent_acknowledge_hours.unwrap_or(24),
                1..=YEAR * 24,
                " hours",
            ) * HOUR_MS,
            decide_ms: urgent_decide_ms,
            execute_ms: urgent_execute_ms,
        };
        if problems.list.len() > before {
            return DeadlinePolicy::default();
        }
        DeadlinePolicy::new(normal, urgent).unwrap_or_else(|inconsistencies| {
            for inconsistency in inconsistencies {
                let (key, problem) = match inconsistency {
                    Inconsistency::BeforeEarlierStep {
                        urgent,
                        milestone,
                        earlier,
                    } => (
                        deadline_key(milestone, urgent),
                        format!(
                            "{inconsistency}, so the step would fall due before the one it \
                             follows; make it at least as long as `{}` or shorten that one",
                            deadline_key(earlier, urgent)
                        ),
                    ),
                    Inconsistency::UrgentLonger { milestone } => (
                        deadline_key(milestone, true),
                        format!(
                            "{inconsistency} (`{}`); an urgent request must not get more time \
                             than an ordinary one: shorten it or lengthen `{}`",
                            deadline_key(milestone, false),
                            deadline_key(milestone, false)
                        ),
                    ),
                    other => ("deadlines", other.to_string()),
                };
                problems.add(key, problem);
            }
            DeadlinePolicy::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::tests::sample;
    use super::super::{ConfigError, ConfigProblem, NodeConfig};
    use super::*;

    #[test]
    fn deadlines_default_to_the_documented_periods_and_can_be_configured() {
        let parse = |extra: &str| NodeConfig::parse(&sample(extra), Path::new("/"), Path::new("x"));
        assert_eq!(
            parse("").expect("valid").deadlines,
            DeadlinePolicy::default()
        );
        let config = parse(
            "[deadlines]\nacknowledge_days = 1\ndecide_days = 10\nexecute_days = 60\n\
             urgent_acknowledge_hours = 4\nurgent_decide_days = 1\nurgent_execute_days = 7\n",
        )
        .expect("valid");
        let normal = config.deadlines.periods(false);
        let urgent = config.deadlines.periods(true);
        assert_eq!(
            (normal.acknowledge_ms, normal.decide_ms, normal.execute_ms),
            (DAY_MS, 10 * DAY_MS, 60 * DAY_MS)
        );
        assert_eq!(
            (urgent.acknowledge_ms, urgent.decide_ms, urgent.execute_ms),
            (4 * HOUR_MS, DAY_MS, 7 * DAY_MS)
        );
        // Keys left out keep their defaults.
        let partial = parse("[deadlines]\nexecute_days = 120\n").expect("valid");
        assert_eq!(partial.deadlines.periods(false).execute_ms, 120 * DAY_MS);
        assert_eq!(partial.deadlines.periods(false).acknowledge_ms, 7 * DAY_MS);
        assert_eq!(partial.deadlines.periods(true).acknowledge_ms, DAY_MS);
    }

    #[test]
    fn bad_deadlines_are_refused_each_naming_its_key_and_the_fix() {
        let problems = |extra: &str| -> Vec<ConfigProblem> {
            match NodeConfig::parse(&sample(extra), Path::new("/"), Path::new("x")) {
                Err(ConfigError::Invalid { problems, .. }) => problems,
                other => panic!("expected invalid deadlines for {extra:?}, got {other:?}"),
            }
        };
        // Zero, negative and absurd values: one problem per key, with the allowed range.
        let found = problems(
            "[deadlines]\nacknowledge_days = 0\ndecide_days = -3\nexecute_days = 100000\n\
             urgent_acknowledge_hours = 0\n",
        );
        let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "deadlines.acknowledge_days",
                "deadlines.decide_days",
                "deadlines.execute_days",
                "deadlines.urgent_acknowledge_hours"
            ],
            "{found:?}"
        );
        assert!(
            found[0].problem.contains("between 1 and 365 days"),
            "{found:?}"
        );
        assert!(found[1].problem.contains("-3 is out of range"), "{found:?}");
        // Urgent longer than ordinary.
        let found = problems("[deadlines]\nacknowledge_days = 1\nurgent_acknowledge_hours = 48\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "deadlines.urgent_acknowledge_hours");
        assert!(
            found[0]
                .problem
                .contains("lengthen `deadlines.acknowledge_days`"),
            "{found:?}"
        );
        // A decision due before the acknowledgement.
        let found = problems("[deadlines]\ndecide_days = 5\nurgent_decide_days = 3\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "deadlines.decide_days");
        assert!(
            found[0].problem.contains("`deadlines.acknowledge_days`"),
            "{found:?}"
        );
        // Not a number, and an unknown key: refused by the parser, naming the key.
        let text = sample("[deadlines]\nacknowledge_days = \"a week\"\n");
        let err = NodeConfig::parse(&text, Path::new("/"), Path::new("x")).expect_err("refused");
        assert!(err.to_string().contains("acknowledge_days"), "{err}");
        let text = sample("[deadlines]\nacknowledge_hours = 3\n");
        let err = NodeConfig::parse(&text, Path::new("/"), Path::new("x")).expect_err("refused");
        assert!(err.to_string().contains("acknowledge_hours"), "{err}");
        // From the environment: the problem names the variable.
        let overrides = [(
            "ROGATORY_DEADLINES_URGENT_EXECUTE_DAYS",
            "deadlines.urgent_execute_days",
            "120".to_owned(),
        )];
        let err = NodeConfig::parse_with_overrides(
            &sample(""),
            Path::new("/"),
            Path::new("x"),
            &overrides,
        )
        .expect_err("urgent longer than ordinary");
        let message = err.to_string();
        assert!(
            message.contains("`deadlines.urgent_execute_days`")
                && message.contains("ROGATORY_DEADLINES_URGENT_EXECUTE_DAYS"),
            "{message}"
        );
    }
}
