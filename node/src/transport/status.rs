//! The one table that turns domain errors into gRPC statuses.
//!
//! Peers get the rejection reason (it concerns their own message) and, in the trailer
//! `rogatory-reason`, a stable token for programs. Internal failures are logged here and
//! reported to peers only as `UNAVAILABLE`, without detail.
//!
//! What the Operator API's refusals say is `operations::refusals`' sentences, rendered here in
//! the caller's language (`caller_language`); on the federation port, English.

use tonic::{Code, Status};

use crate::delivery::inbound::InboundError;
use crate::delivery::outbound::SubmitError;
use crate::delivery::witness::WitnessError;
use crate::identity::users::AccessError;
use crate::operations::refusals::{self, Sentence};
use crate::rules::attachments::Refusal;
use crate::rules::key_windows::KeyRefusal;
use crate::rules::receiving::Rejection;
use crate::storage::attachments::AttachmentError;
use crate::storage::ids::IdError;
use crate::storage::store::StoreError;

/// Trailer metadata key carrying the machine-readable rejection reason.
pub const REASON_KEY: &str = "rogatory-reason";

/// The status code for each rejection (docs/PROTOCOL.md, "Receiving checks").
pub fn rejection_code(rejection: &Rejection) -> Code {
    match rejection {
        Rejection::UnknownPeer { .. } => Code::PermissionDenied,
        Rejection::Malformed(_) => Code::InvalidArgument,
        Rejection::SenderMismatch { .. } => Code::Unauthenticated,
        Rejection::WrongRecipient { .. } => Code::FailedPrecondition,
        Rejection::BadSignature { .. } => Code::InvalidArgument,
        Rejection::UnknownKey { .. } => Code::Unavailable,
        Rejection::KeyNotValid { refusal, .. } => match refusal {
            KeyRefusal::Revoked { .. } => Code::PermissionDenied,
            _ => Code::FailedPrecondition,
        },
        Rejection::UnboundMessageId { .. } => Code::InvalidArgument,
        Rejection::ReplayConflict { .. } => Code::AlreadyExists,
        Rejection::BadTimestamp { .. } => Code::FailedPrecondition,
        Rejection::TooLarge { .. } => Code::ResourceExhausted,
        Rejection::OutOfOrder { .. } => Code::Aborted,
        Rejection::InvalidTransition { .. } => Code::FailedPrecondition,
        Rejection::OutsideLifecycle { .. } => Code::FailedPrecondition,
        Rejection::UnknownParty { .. } => Code::FailedPrecondition,
        Rejection::PartiesMismatch { .. } => Code::FailedPrecondition,
        Rejection::UnboundCaseId { .. } => Code::FailedPrecondition,
        Rejection::CaseNotOpened { .. } => Code::Aborted,
        Rejection::BadReport(_) => Code::InvalidArgument,
        Rejection::NothingToClose { .. } => Code::FailedPrecondition,
        Rejection::DiskFull(_) => Code::ResourceExhausted,
        Rejection::Attachments(refusal) => match refusal {
            Refusal::BadReference { .. } => Code::InvalidArgument,
            Refusal::TooLarge { .. } => Code::ResourceExhausted,
            Refusal::Missing { .. } => Code::FailedPrecondition,
        },
    }
}

/// Trailer metadata key telling an uploader where the node expects the next chunk.
pub const DURABLE_OFFSET_KEY: &str = "rogatory-durable-offset";

/// Attachment transfers (docs/PROTOCOL.md section 5.7).
pub fn from_attachment(error: AttachmentError) -> Status {
    let reason = error.reason();
    match error {
        AttachmentError::NotFound => {
            with_reason(Code::NotFound, "no such attachment here".into(), reason)
        }
        AttachmentError::Busy => with_reason(Code::Aborted, error.to_string(), reason),
        AttachmentError::Offset { expected, .. } => {
            let mut status = with_reason(Code::FailedPrecondition, error.to_string(), reason);
            if let Ok(value) = expected.to_string().parse() {
                status.metadata_mut().insert(DURABLE_OFFSET_KEY, value);
            }
            status
        }
        AttachmentError::Overrun { .. } => with_reason(Code::OutOfRange, error.to_string(), reason),
        AttachmentError::HashMismatch { .. } | AttachmentError::BadChunk(_) => {
            with_reason(Code::InvalidArgument, error.to_string(), reason)
        }
        AttachmentError::TooLarge { .. } | AttachmentError::Quota { .. } => {
            with_reason(Code::ResourceExhausted, error.to_string(), reason)
        }
        AttachmentError::TooSlow { durable_offset, .. } => {
            let mut status = with_reason(Code::DeadlineExceeded, error.to_string(), reason);
            if let Ok(value) = durable_offset.to_string().parse() {
                status.metadata_mut().insert(DURABLE_OFFSET_KEY, value);
            }
            status
        }
        AttachmentError::ReaderTooSlow { .. } => {
            with_reason(Code::DeadlineExceeded, error.to_string(), reason)
        }
        AttachmentError::Io { ref source, .. }
            if crate::storage::disk_space::is_out_of_space(source) =>
        {
            tracing::warn!(error = %crate::error_chain(&error), "attachment storage full");
            with_reason(
                Code::ResourceExhausted,
                "the disk holding this node's data directory is full: retry later".into(),
                DISK_FULL,
            )
        }
        AttachmentError::Io { .. } | AttachmentError::Task(_) => {
            tracing::error!(error = %crate::error_chain(&error), "attachment storage failure");
            with_reason(
                Code::Unavailable,
                "the node cannot store attachments right now; retry later".into(),
                "unavailable",
            )
        }
        AttachmentError::Store(error) => internal(&error),
    }
}

/// `sentence` in the language of the call being answered.
fn said(sentence: &Sentence) -> String {
    sentence.render(super::caller_language::current())
}

fn with_reason(code: Code, message: String, reason: &str) -> Status {
    let mut status = Status::new(code, message);
    if let Ok(value) = reason.parse() {
        status.metadata_mut().insert(REASON_KEY, value);
    }
    status
}

pub fn from_inbound(error: InboundError) -> Status {
    match error {
        InboundError::Rejected(rejection) => with_reason(
            rejection_code(&rejection),
            rejection.to_string(),
            rejection.reason(),
        ),
        InboundError::Store(error) => internal(&error),
    }
}

/// The reason token of refusals for want of disk space (a retry later, not a refusal of the
/// message itself).
pub const DISK_FULL: &str = "disk-full";

/// New work refused because the disk is below the node's reserve (`disk_space`).
pub fn disk_full(error: &crate::storage::disk_space::DiskFull) -> Status {
    with_reason(
        Code::ResourceExhausted,
        said(&refusals::disk_full(error)),
        DISK_FULL,
    )
}

/// A storage failure: the peer should retry later; the operator reads the details in the log.
/// A commit that found the disk full is `RESOURCE_EXHAUSTED`, `disk-full`: nothing of it was
/// kept, and the same write succeeds once space returns.
pub fn internal(error: &StoreError) -> Status {
    if let StoreError::NoSpace { .. } = error {
        tracing::warn!(%error, "storage full");
        return with_reason(
            Code::ResourceExhausted,
            said(&Sentence::new("refusal-disk-full")),
            DISK_FULL,
        );
    }
    tracing::error!(%error, "storage failure");
    with_reason(
        Code::Unavailable,
        said(&Sentence::new("refusal-store-unavailable")),
        "unavailable",
    )
}

/// An id a user typed that stands for no single id (`storage::ids`): `NOT_FOUND` if nothing
/// begins with it, `FAILED_PRECONDITION` naming the candidates if several do.
pub fn from_id(error: &IdError) -> Status {
    match error {
        IdError::NotFound { .. } => Status::not_found(said(&refusals::id(error))),
        IdError::Ambiguous { .. } => Status::failed_precondition(said(&refusals::id(error))),
        IdError::Store(store) => internal(store),
    }
}

/// The node is handling as many deliveries as it allows; the sender should back off and retry.
pub fn busy() -> Status {
    with_reason(
        Code::Unavailable,
        "this node is busy; retry later with backoff".into(),
        "busy",
    )
}

/// The node was restored from a backup and has not yet confirmed with its peers that its log
/// still extends what they hold; the sender should retry later.
pub fn restoring() -> Status {
    with_reason(
        Code::Unavailable,
        "this node was restored from a backup and is confirming its log with its peers; retry \
         later with backoff"
            .into(),
        "restoring",
    )
}

/// A `DeliverBatch` with no envelope or more than [`crate::delivery::inbound::MAX_BATCH`]: nothing in it
/// was looked at.
pub fn bad_batch(count: usize) -> Status {
    with_reason(
        Code::InvalidArgument,
        format!(
            "a batch holds 1 to {} envelopes, this one {count}; send them in several batches",
            crate::delivery::inbound::MAX_BATCH
        ),
        "malformed",
    )
}

/// A request whose body did not arrive whole within `after`. No reason token: to the sender
/// it is a transport failure, like any other call that outlived its deadline.
pub fn request_too_slow(after: std::time::Duration) -> Status {
    Status::deadline_exceeded(format!(
        "the request did not arrive whole within {} s",
        after.as_secs()
    ))
}

/// The reason token a status carries, if any.
pub fn reason_of(status: &Status) -> String {
    status
        .metadata()
        .get(REASON_KEY)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A call naming more ids than it may (`limit`): nothing in it was done.
pub fn too_many_ids(count: usize, limit: usize) -> Status {
    with_reason(
        Code::InvalidArgument,
        format!("{count} message ids in one call; at most {limit}: send them in several calls"),
        "too-many-ids",
    )
}

/// The reason token of a watch stream refused for the watchers a user or the node holds.
pub const TOO_MANY_WATCHERS: &str = "too-many-watchers";

/// A new watch stream over the limits (`node::events`): `RESOURCE_EXHAUSTED`; one of the
/// caller's streams, or the node's, must end first.
pub fn watch_refused(refused: &crate::node::events::WatchRefused) -> Status {
    with_reason(
        Code::ResourceExhausted,
        refused.to_string(),
        TOO_MANY_WATCHERS,
    )
}

/// A caller whose certificate names no peer of this node.
pub fn not_a_peer(message: &str) -> Status {
    with_reason(Code::PermissionDenied, message.to_owned(), "unknown-peer")
}

/// Trailer metadata key telling a witness's caller which size of its log the witness holds.
pub const WITNESS_SIZE_KEY: &str = "rogatory-witnessed-size";

pub fn from_witness(error: WitnessError) -> Status {
    match error {
        WitnessError::Invalid(_) => {
            with_reason(Code::InvalidArgument, error.to_string(), "bad-checkpoint")
        }
        WitnessError::SizeMismatch { held } => {
            let mut status =
                with_reason(Code::FailedPrecondition, error.to_string(), "witness-size");
            if let Ok(value) = held.to_string().parse() {
                status.metadata_mut().insert(WITNESS_SIZE_KEY, value);
            }
            status
        }
        WitnessError::Misbehaving(_) => with_reason(
            Code::FailedPrecondition,
            error.to_string(),
            "inconsistent-checkpoint",
        ),
        WitnessError::Store(error) => internal(&error),
    }
}

pub fn from_submit(error: SubmitError) -> Status {
    let text = said(&refusals::submit(&error));
    match error {
        SubmitError::UnknownRecipient(_) => Status::not_found(text),
        SubmitError::UnknownMessage(_) => Status::not_found(text),
        SubmitError::Invalid(_)
        | SubmitError::Missing(_)
        | SubmitError::InvalidField { .. }
        | SubmitError::InvalidMessage(_)
        | SubmitError::UnboundCaseId { .. } => Status::invalid_argument(text),
        SubmitError::Transition(_)
        | SubmitError::OutsideLifecycle(..)
        | SubmitError::Parties(_) => Status::failed_precondition(text),
        SubmitError::DiskFull(error) => disk_full(&error),
        SubmitError::Store(error) => internal(&error),
    }
}

/// A local caller on the operator socket who may not do what it asked (users.rs). The message
/// names the caller's account and the configuration entry that would allow it.
pub fn from_access(error: &AccessError) -> Status {
    let reason = match error {
        AccessError::Unidentified => "unidentified-caller",
        AccessError::NotAContactPoint { .. } => "not-a-contact-point",
        AccessError::NameMismatch { .. } => "name-mismatch",
        AccessError::NotAnOperator { .. } => "not-an-operator",
    };
    with_reason(
        Code::PermissionDenied,
        said(&refusals::access(error)),
        reason,
    )
}

/// A message id the node holds no message under.
pub fn no_such_message(id: &str) -> Status {
    Status::not_found(said(&refusals::no_such_message(id)))
}

/// A case id the node holds no case under.
pub fn no_such_case(id: &str) -> Status {
    Status::not_found(said(&refusals::no_such_case(id)))
}

/// A submission whose attachments are not (all) in this node's store: the files must be
/// stored, verified, before a message that binds them is signed.
pub fn unstored(refusal: crate::rules::attachments::Refusal) -> Status {
    use crate::rules::attachments::Refusal;
    let text = said(&refusals::unstored(&refusal));
    match refusal {
        Refusal::BadReference { .. } => Status::invalid_argument(text),
        Refusal::TooLarge { .. } => Status::resource_exhausted(text),
        Refusal::Missing { .. } => Status::failed_precondition(text),
    }
}

/// A roster the operator asked the node to apply and that it did not.
pub fn roster_not_applied(error: crate::node::membership::MembershipError) -> Status {
    use crate::node::membership::MembershipError as E;
    let text = said(&Sentence::english(
        "refusal-roster-not-applied",
        crate::error_chain(&error),
    ));
    match error {
        E::NoRoster | E::NotNewer { .. } => Status::failed_precondition(text),
        E::Refused(_) | E::Empty | E::Trust(_) => Status::invalid_argument(text),
        E::Store(store) => internal(&store),
        E::File { .. } | E::Stored(_) => Status::internal(text),
    }
}

/// A backup directory given relative to who knows where: the node writes on its own machine.
pub fn backup_path_relative() -> Status {
    Status::invalid_argument(said(&Sentence::new("refusal-backup-path-relative")))
}

/// A backup the node could not write where it was asked to.
pub fn backup_not_written(error: StoreError) -> Status {
    match error {
        StoreError::BackupTarget { .. } => Status::failed_precondition(said(&Sentence::english(
            "refusal-backup-not-written",
            crate::error_chain(&error),
        ))),
        other => internal(&other),
    }
}

/// A directory search the node could not make.
pub fn from_directory_search(error: crate::delivery::directory::PeerDirectoryError) -> Status {
    use crate::delivery::directory::PeerDirectoryError as E;
    match &error {
        E::UnknownPeer { peer } => Status::not_found(said(&refusals::unknown_peer(peer))),
        _ => Status::internal(said(&Sentence::english(
            "refusal-directory-unavailable",
            crate::error_chain(&error),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::operations::refusals;

    /// The sources that decide a `rogatory-reason` token: this table and every `reason()`.
    const SOURCES: &[(&str, &str)] = &[
        ("transport/status.rs", include_str!("status.rs")),
        ("rules/receiving.rs", include_str!("../rules/receiving.rs")),
        (
            "rules/key_windows.rs",
            include_str!("../rules/key_windows.rs"),
        ),
        (
            "rules/attachments.rs",
            include_str!("../rules/attachments.rs"),
        ),
        (
            "storage/attachments/error.rs",
            include_str!("../storage/attachments/error.rs"),
        ),
    ];

    fn is_token(text: &str) -> bool {
        !text.is_empty()
            && text
                .split('-')
                .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase()))
    }

    fn literals(code: &str) -> impl Iterator<Item = &str> {
        code.split('"').skip(1).step_by(2)
    }

    /// Every token the node can emit, read from the code: in this file every kebab-case
    /// literal but the metadata keys and catalog ids, elsewhere those inside `fn reason`.
    fn emitted_tokens() -> BTreeSet<String> {
        let mut tokens = BTreeSet::new();
        for (file, source) in SOURCES {
            let code = source.split("#[cfg(test)]").next().unwrap_or_default();
            if *file == "transport/status.rs" {
                let keys = [
                    super::REASON_KEY,
                    super::DURABLE_OFFSET_KEY,
                    super::WITNESS_SIZE_KEY,
                ];
                tokens.extend(
                    literals(code)
                        .filter(|l| is_token(l) && !keys.contains(l) && !l.starts_with("refusal-"))
                        .map(str::to_owned),
                );
                continue;
            }
            for body in code.split("fn reason(").skip(1) {
                let body = body.split("\n    }\n").next().unwrap_or_default();
                tokens.extend(literals(body).filter(|l| is_token(l)).map(str::to_owned));
            }
        }
        tokens
    }

    #[test]
    fn every_reason_token_the_node_emits_has_a_headline_in_every_language() {
        let tokens = emitted_tokens();
        for expected in [
            "bad-signature",
            "key-revoked",
            "attachments-missing",
            "attachment-quota",
        ] {
            assert!(
                tokens.contains(expected),
                "{expected} not found in {tokens:?}"
            );
        }
        for expected in ["not-a-contact-point", "disk-full", "busy", "witness-size"] {
            assert!(
                tokens.contains(expected),
                "{expected} not found in {tokens:?}"
            );
        }
        let missing: Vec<_> = tokens
            .iter()
            .filter(|token| !refusals::has_headline(token))
            .collect();
        assert!(
            missing.is_empty(),
            "reason tokens without a reason-<token> message in node/locales/*/refusals.ftl: \
             {missing:?}"
        );
    }
}
