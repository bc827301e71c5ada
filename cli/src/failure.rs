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
    fn invalid_argument_hint(self) -> &'static str {
        match self {
            Self::Request => crate::request_file::FORMAT_HINT,
            Self::SpontaneousInformation => {
                "spontaneous information needs a non-empty --subject, --text and author (--as); \
                 --purpose is required with --restriction stated-purpose-only, and \
                 --confidential-until YYYY-MM-DD is allowed only with --restriction confidential; \
                 `rogatory inform --help` describes every option"
            }
            Self::Consultation => {
                "a consultation message needs a non-empty --text and author (--as), and \
                 --answers takes the message id of the consultation it answers (`rogatory \
                 inbox` lists them); `rogatory consult --help` describes every option"
            }
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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the node answered {:?}: {}", self.code, self.message)
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

/// Prints `error: <chain>` and, when one applies, `hint: <what to do>` to stderr.
pub fn report(error: &anyhow::Error) {
    // The chain may quote a peer's answer: its lines after the first are indented, so that
    // none can pass for a `hint:` line (`tell!` escapes every other control character).
    tell!("error: {}", chain_text(error).replace('\n', "\n  "));
    if let Some(hint) = hint_for(error) {
        tell!("hint: {hint}");
    }
}

/// The cause chain joined by ": ", like `{:#}`, but without repeating a cause that an outer
/// message already quotes (several error types include their source in their own message).
pub fn chain_text(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
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
            return Some(crate::request_file::FORMAT_HINT.to_owned());
        }
        if let Some(connect) = cause.downcast_ref::<OperatorConnectError>() {
            if connect.detail.contains("ermission denied") {
                return Some(
                    "the socket's mode or group keeps your account out: the node's operator \
                     sets [operator_socket] group and path in node.toml (see \
                     config/node.example.toml) and adds you to that group; log in again \
                     after being added"
                        .to_owned(),
                );
            }
            return Some(
                "start the node with `rogatoryd --config NODE_DIR/node.toml`, or point to a \
                 running one with --node NODE_DIR (or ROGATORY_NODE) or --socket PATH"
                    .to_owned(),
            );
        }
        if let Some(config) = cause.downcast_ref::<ConfigError>() {
            return Some(match config {
                ConfigError::Read { .. } => {
                    "pass --node with the node's directory or its node.toml, or set \
                     ROGATORY_NODE; `rogatory node create` makes a node directory"
                        .to_owned()
                }
                _ => "config/node.example.toml describes every key of node.toml".to_owned(),
            });
        }
        if let Some(ProvisionError::Exists(_)) = cause.downcast_ref::<ProvisionError>() {
            return Some(
                "the existing directory may hold private keys: remove it only if you are sure \
                 it is no longer in use"
                    .to_owned(),
            );
        }
        if let Some(rpc) = cause.downcast_ref::<RpcError>() {
            return match rpc.code {
                Code::NotFound => Some(
                    "`rogatory inbox` and `rogatory outbox` list message ids; `rogatory node \
                     identity` lists the nodes this node can send to"
                        .to_owned(),
                ),
                Code::InvalidArgument => Some(rpc.submitted.map_or_else(
                    || {
                        "the node's message names what it refused; `--help` after the command \
                         describes each option"
                            .to_owned()
                    },
                    |submitted| submitted.invalid_argument_hint().to_owned(),
                )),
                Code::Unavailable => Some(
                    "the node could not store the message; its operator finds the cause in the \
                     node's log (stderr of rogatoryd)"
                        .to_owned(),
                ),
                Code::PermissionDenied => Some(
                    "`rogatory whoami` shows how your node identifies you. The node's operator \
                     maps accounts to names in node.toml under [[contact_points]] (see \
                     config/node.example.toml) and restarts the node"
                        .to_owned(),
                ),
                Code::Unimplemented => Some(
                    "the node runs a different version of Rogatory than this command".to_owned(),
                ),
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
