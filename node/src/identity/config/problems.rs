//! What is wrong with a configuration: [`ConfigProblem`] (one key, one fix), [`ConfigError`]
//! (what `NodeConfig::load` returns), and `Problems`, the list validation adds to so that every
//! problem is reported at once. Which keys are checked, and how, belongs to the sections.

use std::path::PathBuf;

/// One thing wrong with a configuration: the key and what is wrong with it (with the fix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub key: String,
    pub problem: String,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.key, self.problem)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("configuration file {path}: {}", list_problems(.problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<ConfigProblem>,
    },
}

fn list_problems(problems: &[ConfigProblem]) -> String {
    match problems {
        [one] => one.to_string(),
        many => {
            let mut out = format!("{} problems:", many.len());
            for problem in many {
                out.push_str(&format!("\n  - {problem}"));
            }
            out
        }
    }
}

/// Problems found so far; a problem in an overridden key names the variable that set it.
pub(super) struct Problems<'a> {
    pub(super) list: Vec<ConfigProblem>,
    pub(super) overrides: &'a [(&'a str, &'a str, String)],
}

impl Problems<'_> {
    pub(super) fn add(&mut self, key: &str, problem: impl Into<String>) {
        let mut problem = problem.into();
        if let Some((var, _, _)) = self.overrides.iter().find(|(_, k, _)| *k == key) {
            problem.push_str(&format!(
                " (this value comes from environment variable {var})"
            ));
        }
        self.list.push(ConfigProblem {
            key: key.to_owned(),
            problem,
        });
    }

    /// `value` if it is within `range`, else a problem naming the range.
    pub(super) fn in_range<T: PartialOrd + std::fmt::Display + Copy>(
        &mut self,
        key: &str,
        value: T,
        range: std::ops::RangeInclusive<T>,
        unit: &str,
    ) -> T {
        if !range.contains(&value) {
            self.add(
                key,
                format!(
                    "{value} is out of range: must be between {} and {}{unit}",
                    range.start(),
                    range.end()
                ),
            );
        }
        value
    }
}
