//! How a failure reaches the user: the whole error chain on one line, then a hint saying what
//! to do next.
//!
//! Hints are chosen here, in one table, from the typed causes found in the chain, so commands
//! only attach context and never print errors themselves. So are the stable codes that name
//! each kind of failure in `--json` error objects ([`code_for`]; listed in `rogatory --help`).

use std::fmt;

use rogatory_node::identity::config::ConfigError;
use rogatory_node::operations::provision::ProvisionError;
use rogatory_node::transport::operator_client::OperatorConnectError;
use tonic::Code;

use crate::i18n::t;
use crate::output::tell;

/// A problem with what the user asked for, with the fix.
#[derive(Debug)]
pub struct UserError {
    message: String,
    hint: String,
    /// The stable code of `--json` error objects; "invalid-argument" unless set.
    code: &'static str,
}

impl UserError {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: hint.into(),
            code: "invalid-argument",
        }
    }

    /// The same error under another stable code (one of [`CODES`]).
    pub fn coded(mut self, code: &'static str) -> Self {
        debug_assert!(CODES.iter().any(|(c, _)| *c == code), "{code}");
        self.code = code;
        self
    }
}

/// Every code a `--json` error object can carry, with what it means; `rogatory --help` lists
/// them. Codes are stable: scripts match on them, so one is never renamed or reused.
pub const CODES: &[(&str, &str)] = &[
    ("usage", "the command line is wrong (exit code 64)"),
    ("invalid-argument", "a value given is not valid"),
    (
        "request-file-invalid",
        "the request file has problems (listed in `problems`)",
    ),
    ("not-found", "no such message, case or peer"),
    ("ambiguous-id", "more than one thing matches; say which"),
    (
        "not-allowed-now",
        "not allowed where the case or request stands",
    ),
    ("already-exists", "it exists already"),
    (
        "permission-denied",
        "your account may not do this on this node",
    ),
    (
        "node-config-missing",
        "no node configuration where --node points",
    ),
    (
        "node-config-invalid",
        "the node's configuration is not valid",
    ),
    (
        "node-unreachable",
        "the node's operator socket does not answer",
    ),
    (
        "node-unavailable",
        "the node could not do it now (see its log)",
    ),
    (
        "version-mismatch",
        "the node runs another version of Rogatory",
    ),
    ("node-error", "the node failed in another way"),
    ("file-error", "a local file could not be read or written"),
    ("failed", "anything else"),
];

impl UserError {
    /// The same error with `cause` after its message.
    pub fn with_cause(mut self, cause: &str) -> Self {
        self.message = format!("{}: {cause}", self.message);
        self
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// A call to the node's operator API that the node answered with an error.
#[derive(Debug)]
pub struct RpcError {
    pub code: Code,
    pub message: String,
    /// What the call submitted, if it submitted a message: an INVALID_ARGUMENT answer names a
    /// field of it, and the hint says how the command sets that field.
    pub submitted: Option<Submitted>,
}

/// A message a command asks the node to sign and send; see [`RpcError::submitted`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    /// `request send`: the fields come from the request file.
    Request,
    /// `inform`: the fields come from its options.
    SpontaneousInformation,
    /// `consult`: the fields come from its options.
    Consultation,
}

impl Submitted {
    /// What to do when the node refused a field of this message (INVALID_ARGUMENT).
    fn invalid_argument_hint(self) -> String {
        match self {
            Self::Request => t!("errors-hint-request-format"),
            Self::SpontaneousInformation => t!("errors-hint-inform-fields"),
            Self::Consultation => t!("errors-hint-consult-fields"),
        }
    }
}

/// Marks the node's answer in `error` (if it is one) as the answer to submitting `submitted`,
/// so a refused field gets the hint for the command that set it.
pub fn submitting(mut error: anyhow::Error, submitted: Submitted) -> anyhow::Error {
    if let Some(rpc) = error.downcast_mut::<RpcError>() {
        rpc.submitted = Some(submitted);
    }
    error
}

impl fmt::Display for RpcError {
    /// The node's answer in the reader's language: the node wrote `message` in the language
    /// the call asked for (`accept-language`); the frame around it is the CLI's.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&t!(
            "errors-node-answered",
            code = format!("{:?}", self.code),
            message = self.message.as_str()
        ))
    }
}

impl std::error::Error for RpcError {}

impl From<tonic::Status> for RpcError {
    fn from(status: tonic::Status) -> Self {
        Self {
            code: status.code(),
            message: status.message().to_owned(),
            submitted: None,
        }
    }
}

/// The stable code naming the kind of `error` (one of [`CODES`]): the first cause, outermost
/// first, that has one.
pub fn code_for(error: &anyhow::Error) -> &'static str {
    error
        .chain()
        .find_map(|cause| {
            if cause
                .downcast_ref::<crate::request_file::InvalidRequestFile>()
                .is_some()
            {
                return Some("request-file-invalid");
            }
            if let Some(user) = cause.downcast_ref::<UserError>() {
                return Some(user.code);
            }
            if let Some(connect) = cause.downcast_ref::<OperatorConnectError>() {
                return Some(if connect.detail.contains("ermission denied") {
                    "permission-denied"
                } else {
                    "node-unreachable"
                });
            }
            if let Some(config) = cause.downcast_ref::<ConfigError>() {
                return Some(match config {
                    ConfigError::Read { .. } => "node-config-missing",
                    _ => "node-config-invalid",
                });
            }
            if let Some(ProvisionError::Exists(_)) = cause.downcast_ref::<ProvisionError>() {
                return Some("already-exists");
            }
            if let Some(rpc) = cause.downcast_ref::<RpcError>() {
                return Some(match rpc.code {
                    Code::NotFound => "not-found",
                    Code::InvalidArgument | Code::OutOfRange => "invalid-argument",
                    Code::FailedPrecondition => "not-allowed-now",
                    Code::AlreadyExists => "already-exists",
                    Code::PermissionDenied | Code::Unauthenticated => "permission-denied",
                    Code::Unavailable | Code::ResourceExhausted | Code::DeadlineExceeded => {
                        "node-unavailable"
                    }
                    Code::Unimplemented => "version-mismatch",
                    _ => "node-error",
                });
            }
            cause.downcast_ref::<std::io::Error>().map(|_| "file-error")
        })
        .unwrap_or("failed")
}

/// `--json`: the failure as one JSON object on one line of stderr,
/// `{"error": {"code": ..., "message": ..., "hint": ...}}`, with `problems` (line, key,
/// message) for a request file.
pub fn report_json(error: &anyhow::Error) {
    let mut object = serde_json::json!({
        "code": code_for(error),
        "message": chain_text(error),
        "hint": hint_for(error),
    });
    if let Some(file) = error
        .chain()
        .find_map(|c| c.downcast_ref::<crate::request_file::InvalidRequestFile>())
    {
        object["problems"] = serde_json::json!(file.problems);
    }
    print_error_object(object);
}

/// A command line that `--json` asked for but that cannot be parsed or obeyed (exit 64).
pub fn report_usage_json(message: &str, hint: &str) {
    print_error_object(serde_json::json!({
        "code": "usage",
        "message": message.trim(),
        "hint": hint,
    }));
}

fn print_error_object(object: serde_json::Value) {
    let value = serde_json::json!({ "error": object });
    let text = serde_json::to_string(&value).unwrap_or_default();
    tell!("{}", rogatory_proto::terminal::escape_json(&text));
}

/// Prints `error: <chain>` and, when one applies, `hint: <what to do>` to stderr (the
/// prefixes in the reader's language: `ошибка:`, `подсказка:`).
pub fn report(error: &anyhow::Error) {
    // The chain may quote a peer's answer: its lines after the first are indented, so that
    // none can pass for a `hint:` line (`tell!` escapes every other control character).
    let text = chain_text(error).replace('\n', "\n  ");
    tell!("{}", t!("errors-error-line", text = text));
    if let Some(hint) = hint_for(error) {
        tell!("{}", t!("errors-hint-line", hint = hint));
    }
}

/// What a cause says in the reader's language, for the causes whose text comes from a library
/// or the node crate rather than from a command: the node's answer, an unreachable socket, a
/// node configuration that would not load, an operating-system error. `None`: its own text.
fn localized(cause: &(dyn std::error::Error + 'static)) -> Option<String> {
    if let Some(connect) = cause.downcast_ref::<OperatorConnectError>() {
        return Some(t!(
            "errors-node-unreachable",
            path = connect.path.display().to_string(),
            detail = os_error_text(&connect.detail)
        ));
    }
    if let Some(config) = cause.downcast_ref::<ConfigError>() {
        return Some(match config {
            ConfigError::Read { path, .. } => t!(
                "errors-config-unreadable",
                path = path.display().to_string()
            ),
            ConfigError::Parse { path, message } => t!(
                "errors-config-malformed",
                path = path.display().to_string(),
                detail = message.trim_end()
            ),
            ConfigError::Invalid { path, problems } if problems.len() == 1 => t!(
                "errors-config-invalid-one",
                path = path.display().to_string(),
                problem = problems[0].to_string()
            ),
            ConfigError::Invalid { path, problems } => {
                let mut text = t!(
                    "errors-config-invalid",
                    path = path.display().to_string(),
                    count = problems.len()
                );
                for problem in problems {
                    text.push_str(&format!("\n  - {problem}"));
                }
                text
            }
        });
    }
    if let Some(io) = cause.downcast_ref::<std::io::Error>() {
        return io_error_text(io);
    }
    None
}

/// An operating-system error as the reader's language says it, for the kinds a person meets
/// (no such file, no permission, refused connection); `None` in English and for other kinds
/// (the system's own words).
fn io_error_text(error: &std::io::Error) -> Option<String> {
    use std::io::ErrorKind;
    if crate::i18n::language() == crate::i18n::Language::English {
        return None;
    }
    Some(match error.kind() {
        ErrorKind::NotFound => t!("errors-os-not-found"),
        ErrorKind::PermissionDenied => t!("errors-os-permission-denied"),
        ErrorKind::ConnectionRefused => t!("errors-os-connection-refused"),
        ErrorKind::AlreadyExists => t!("errors-os-already-exists"),
        ErrorKind::IsADirectory => t!("errors-os-is-a-directory"),
        ErrorKind::NotADirectory => t!("errors-os-not-a-directory"),
        ErrorKind::StorageFull => t!("errors-os-storage-full"),
        _ => return None,
    })
}

/// The `detail` of an unreachable socket (the text of an `io::Error`, `… (os error 111)`) in
/// the reader's language when it names a system error [`io_error_text`] knows.
fn os_error_text(detail: &str) -> String {
    detail
        .rsplit_once("(os error ")
        .and_then(|(_, code)| code.strip_suffix(')'))
        .and_then(|code| code.parse::<i32>().ok())
        .and_then(|code| io_error_text(&std::io::Error::from_raw_os_error(code)))
        .unwrap_or_else(|| detail.to_owned())
}

/// The cause chain joined by ": ", like `{:#}`, but without repeating a cause that an outer
/// message already quotes (several error types include their source in their own message).
pub fn chain_text(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = localized(cause).unwrap_or_else(|| cause.to_string());
        if text.ends_with(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// The first hint that applies to a cause in the chain, outermost first.
pub fn hint_for(error: &anyhow::Error) -> Option<String> {
    error.chain().find_map(|cause| {
        if let Some(user) = cause.downcast_ref::<UserError>() {
            return Some(user.hint.clone());
        }
        if cause
            .downcast_ref::<crate::request_file::InvalidRequestFile>()
            .is_some()
        {
            return Some(t!("errors-hint-request-format"));
        }
        if let Some(connect) = cause.downcast_ref::<OperatorConnectError>() {
            if connect.detail.contains("ermission denied") {
                return Some(t!("errors-hint-socket-permission"));
            }
            return Some(t!("errors-hint-start-node"));
        }
        if let Some(config) = cause.downcast_ref::<ConfigError>() {
            return Some(match config {
                ConfigError::Read { .. } => t!("errors-hint-config-missing"),
                _ => t!("errors-hint-config-keys"),
            });
        }
        if let Some(ProvisionError::Exists(_)) = cause.downcast_ref::<ProvisionError>() {
            return Some(t!("errors-hint-directory-exists"));
        }
        if let Some(rpc) = cause.downcast_ref::<RpcError>() {
            return match rpc.code {
                Code::NotFound => Some(t!("errors-hint-not-found")),
                Code::InvalidArgument => Some(rpc.submitted.map_or_else(
                    || t!("errors-hint-invalid-argument"),
                    Submitted::invalid_argument_hint,
                )),
                Code::Unavailable => Some(t!("errors-hint-node-unavailable")),
                Code::PermissionDenied => Some(t!("errors-hint-permission-denied")),
                Code::Unimplemented => Some(t!("errors-hint-version-mismatch")),
                _ => None,
            };
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn hint_is_found_under_context() {
        let error = Err::<(), _>(UserError::new("bad", "do this"))
            .context("outer")
            .expect_err("error");
        assert_eq!(format!("{error:#}"), "outer: bad");
        assert_eq!(hint_for(&error).as_deref(), Some("do this"));
    }

    #[test]
    fn quoted_sources_are_not_repeated() {
        #[derive(Debug)]
        struct Quoting(std::io::Error);
        impl fmt::Display for Quoting {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "cannot read x: {}", self.0)
            }
        }
        impl std::error::Error for Quoting {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let error = anyhow::Error::from(Quoting(std::io::Error::other("gone"))).context("loading");
        assert_eq!(chain_text(&error), "loading: cannot read x: gone");
    }

    #[test]
    fn rpc_errors_show_code_and_message() {
        let error = anyhow::Error::from(RpcError::from(tonic::Status::not_found("no message X")))
            .context("showing message X");
        assert_eq!(
            format!("{error:#}"),
            "showing message X: the node answered NotFound: no message X"
        );
        assert!(hint_for(&error).is_some());
    }

    #[test]
    fn permission_denied_points_to_whoami_and_the_configuration() {
        let error = anyhow::Error::from(RpcError::from(tonic::Status::permission_denied(
            "Unix user \"x\" (uid 7) is not a contact point of this node",
        )))
        .context("submitting the request to de");
        let hint = hint_for(&error).expect("a hint");
        assert!(hint.contains("rogatory whoami"), "{hint}");
        assert!(hint.contains("[[contact_points]]"), "{hint}");
    }

    #[test]
    fn a_refused_field_gets_the_hint_of_the_command_that_set_it() {
        let refused = || {
            Err::<(), _>(RpcError::from(tonic::Status::invalid_argument(
                "spontaneous_information.purpose: required",
            )))
            .context("sending")
            .expect_err("error")
        };
        let hint = |error| hint_for(&error).expect("a hint");
        let inform = hint(submitting(refused(), Submitted::SpontaneousInformation));
        assert!(inform.contains("rogatory inform --help"), "{inform}");
        assert!(!inform.contains("request template"), "{inform}");
        let consult = hint(submitting(refused(), Submitted::Consultation));
        assert!(consult.contains("rogatory consult --help"), "{consult}");
        let request = hint(submitting(refused(), Submitted::Request));
        assert!(request.contains("rogatory request template"), "{request}");
        let other = hint(refused());
        assert!(!other.contains("request template"), "{other}");
        // Marking an error that is not the node's answer changes nothing.
        let local = submitting(anyhow::anyhow!("no socket"), Submitted::Consultation);
        assert_eq!(hint_for(&local), None);
    }
}
