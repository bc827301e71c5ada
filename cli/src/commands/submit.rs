//! Sending: `rogatory request send`, `rogatory status send` and `rogatory request template`.
//!
//! The node signs, logs and delivers; these commands check what they can first (so a bad file
//! fails before any connection), then report the delivery state the node returns.

use std::path::{Path, PathBuf};

use rogatory_proto::v1::{
    DeliveryState, MessageRecord, RefusalGround, RequestState, RequestStatus, ShowMessageRequest,
    StatusUpdate, SubmitRequestRequest, SubmitStatusUpdateRequest,
};
use tonic::Code;

use super::Outcome;
use crate::attachments;
use crate::connection::{Client, NodeTarget, answer};
use crate::failure::{self, RpcError, UserError};
use crate::i18n::t;
use crate::output::{Format, print_json, put, say, wrap};
use crate::request_file::{self, Submission};
use crate::views::MessageDetail;
use crate::vocabulary;

/// The name the user declares: `--as`, else none. The node knows who is calling (by Unix uid)
/// and fills in the contact point's configured name, or the caller's account name; a declared
/// name that differs from a configured one is refused.
pub fn submitter(name: Option<&str>) -> String {
    name.map(str::to_owned).unwrap_or_default()
}

/// Submits a request; the returned record says whether it was delivered.
pub async fn submit_request(
    client: &mut Client,
    submission: Submission,
    submitted_by: &str,
) -> anyhow::Result<MessageRecord> {
    let to = submission.to.to_string();
    let response = answer(
        client
            .submit_request(SubmitRequestRequest {
                recipient: to.clone(),
                request: Some(submission.request),
                case_id: submission.case_id,
                submitted_by: submitted_by.to_owned(),
                copies_to: submission.copy_to.iter().map(ToString::to_string).collect(),
            })
            .await,
        || t!("errors-doing-submit-request", peer = to.as_str()),
    )
    .map_err(|e| failure::submitting(e, failure::Submitted::Request))?;
    response
        .message
        .ok_or_else(|| anyhow::anyhow!("the node accepted the request but returned no record"))
}

/// What a contact point reports about a request.
#[derive(Debug, Clone)]
pub struct StatusToSend {
    pub status: RequestStatus,
    /// Only for a refusal, and required for it.
    pub ground: Option<RefusalGround>,
    pub note: String,
    /// Evidence files to send with the update (`--attach`), uploaded to the node first.
    pub attach: Vec<PathBuf>,
    /// This side's national reference for the request (`--reference`), if given now.
    pub reference: Option<String>,
}

impl StatusToSend {
    /// What the lifecycle requires of an update whatever the request's state (a refusal names
    /// its ground and gives reasons; nothing else names a ground), checked before any
    /// connection. Whether the update may follow the request's current state, only the node
    /// knows.
    fn check(&self) -> Result<(), UserError> {
        let refusal = self.status == RequestStatus::Refused;
        let grounds = || vocabulary::all_names::<RefusalGround>().join(", ");
        match (refusal, self.ground) {
            (true, None) => Err(UserError::new(
                t!("send-refusal-needs-ground"),
                t!("send-refusal-needs-ground-hint", grounds = grounds()),
            )),
            (false, Some(ground)) => Err(UserError::new(
                t!(
                    "send-ground-only-for-refusal",
                    ground = vocabulary::name(ground)
                ),
                t!("send-ground-only-for-refusal-hint"),
            )),
            (true, Some(_)) if self.note.trim().is_empty() => Err(UserError::new(
                t!("send-refusal-needs-reasons"),
                t!("send-refusal-needs-reasons-hint"),
            )),
            _ => Ok(()),
        }
    }
}

/// Submits a status update about request `refers_to`.
pub async fn submit_status(
    client: &mut Client,
    refers_to: &str,
    update: &StatusToSend,
    submitted_by: &str,
) -> anyhow::Result<MessageRecord> {
    // Stored and verified on the node before the update that binds them is signed.
    let attachments = attachments::upload_all(client, &update.attach).await?;
    let response = answer(
        client
            .submit_status_update(SubmitStatusUpdateRequest {
                refers_to: refers_to.to_owned(),
                update: Some(StatusUpdate {
                    refers_to: refers_to.to_owned(),
                    status: update.status as i32,
                    note: update.note.clone(),
                    author: submitted_by.to_owned(),
                    ground: update.ground.map_or(0, |g| g as i32),
                    // The node sets it: the head of the request's thread when it signs.
                    previous: String::new(),
                    attachments,
                    national_reference: update.reference.clone().unwrap_or_default(),
                }),
                submitted_by: submitted_by.to_owned(),
            })
            .await,
        || t!("errors-doing-submit-update", id = refers_to),
    )?;
    response
        .message
        .ok_or_else(|| anyhow::anyhow!("the node accepted the update but returned no record"))
}

pub async fn request_send(
    target: &NodeTarget,
    file: &Path,
    name: Option<&str>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let submission = request_file::load(file)?;
    let mut client = target.connect().await?;
    // The node signs a request only once it holds every file the request binds.
    for (path, reference) in submission
        .attachment_paths
        .iter()
        .zip(&submission.request.attachments)
    {
        attachments::upload(&mut client, path, reference).await?;
    }
    let record = submit_request(&mut client, submission, &submitter(name)).await?;
    report(&settled(&mut client, record).await, format)
}

pub async fn status_send(
    target: &NodeTarget,
    refers_to: &str,
    update: StatusToSend,
    name: Option<&str>,
    format: Format,
) -> anyhow::Result<Outcome> {
    update.check()?;
    let mut client = target.connect().await?;
    let record = submit_status(&mut client, refers_to, &update, &submitter(name))
        .await
        .map_err(|error| match error.downcast_ref::<RpcError>() {
            // The lifecycle does not allow it now: nothing was signed or sent.
            Some(rpc) if rpc.code == Code::FailedPrecondition => UserError::new(
                t!("send-not-sent", reason = rpc.message.as_str()),
                t!("send-not-sent-hint", id = refers_to),
            )
            .coded("not-allowed-now")
            .into(),
            _ => error,
        })?;
    report(&settled(&mut client, record).await, format)
}

pub fn template() -> Outcome {
    put!("{}", request_file::template());
    Outcome::Done
}

/// How long a send waits for the first attempt on each copy of a multi-party message: the
/// node answers after its first attempt to the recipient and tries the copies alongside, so
/// their outcome can lag by one attempt. Bounded so that a peer that hangs does not hold the
/// command; a copy still in flight then is reported as sending (exit code 3).
const COPY_SETTLE: std::time::Duration = std::time::Duration::from_secs(10);
/// How often the node is asked meanwhile.
const COPY_POLL: std::time::Duration = std::time::Duration::from_millis(200);

/// `record` once each of its copies has had its first delivery attempt (or [`COPY_SETTLE`]
/// has passed), as the node holds it then.
pub async fn settled(client: &mut Client, mut record: MessageRecord) -> MessageRecord {
    let unsettled = |record: &MessageRecord| {
        record.copies.iter().any(|c| {
            c.receipt.is_none()
                && c.state == DeliveryState::Queued as i32
                && (c.sending || c.attempts == 0)
        })
    };
    let deadline = tokio::time::Instant::now() + COPY_SETTLE;
    while unsettled(&record) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(COPY_POLL).await;
        let shown = client
            .show_message(ShowMessageRequest {
                message_id: record.message_id.clone(),
            })
            .await;
        match shown {
            Ok(answer) => record = answer.into_inner(),
            // The send itself succeeded; what the node said then is reported.
            Err(_) => break,
        }
    }
    record
}

/// Prints what happened to a submitted message, party by party in a multi-party case; a
/// message that some addressee has not receipted yet is a distinct outcome (exit code 3).
pub fn report(record: &MessageRecord, format: Format) -> anyhow::Result<Outcome> {
    let detail = MessageDetail::from_record(record);
    let s = &detail.summary;
    let outcome = if s.delivered_to_all() {
        Outcome::Done
    } else {
        Outcome::Queued
    };
    if format.json() {
        print_json(&detail)?;
        return Ok(outcome);
    }
    let what = match (&detail.request, &detail.status_update) {
        (Some(_), _) => t!("send-what-request"),
        (_, Some(update)) => t!(
            "send-what-status",
            status = crate::views::term_text::<RequestStatus>(&update.status)
        ),
        _ if detail.information.is_some() => t!("send-what-information"),
        _ if detail.consultation.is_some() => t!("send-what-consultation"),
        _ => t!("send-what-other"),
    };
    // Labels line up at 18 columns in English; other languages' labels run longer.
    let width = if crate::i18n::language() == crate::i18n::Language::English {
        18
    } else {
        22
    };
    let label = |id: &str| {
        let label = format!("{}:", t!(id));
        let width = width.max(label.chars().count() + 1);
        format!("{label:<width$}")
    };
    say!(
        "{}",
        t!(
            "send-heading",
            what = what,
            id = s.message_id.as_str(),
            to = s.recipient.as_str()
        )
    );
    say!("  {}{}", label("send-field-case"), s.case_id);
    if !s.parties.is_empty() {
        // A multi-party case: where each addressee's copy stands.
        say!("  {}{}", label("send-field-copies"), s.copies_to.join(", "));
        let party_width = s.parties.iter().map(|p| p.party.len()).max().unwrap_or(0);
        let delivery = t!("delivery-label");
        for (i, party) in s.parties.iter().filter(|p| p.state != "sender").enumerate() {
            let label = if i == 0 { delivery.as_str() } else { "" };
            let state = match &party.received_at {
                Some(at) => t!("delivery-received-at", time = at.as_str()),
                None => format!(
                    "{}: {}",
                    crate::views::state_label(&party.state),
                    party.reason()
                ),
            };
            say!(
                "  {label:<w$} {:<party_width$}  {state}",
                party.party,
                w = width - 1
            );
        }
    }
    if let Some(information) = &detail.information {
        let restrictions = label("send-field-use-restrictions");
        for (i, line) in information.restriction_lines().iter().enumerate() {
            let label = if i == 0 {
                restrictions.clone()
            } else {
                " ".repeat(restrictions.chars().count())
            };
            say!("  {label}{line}");
        }
    }
    if let Some(update) = &detail.status_update {
        say!("  {}{}", label("send-field-about"), update.refers_to);
        if let Some(state) = &s.request_state {
            say!(
                "  {}{}",
                label("send-field-request-now"),
                crate::views::term_text::<RequestState>(state)
            );
        }
    }
    say!(
        "  {}{}",
        label("send-field-own-log"),
        t!("send-own-log", index = s.log_index)
    );
    let waiting: Vec<&str> = s
        .parties
        .iter()
        .filter(|p| p.waiting())
        .map(|p| p.party.as_str())
        .collect();
    match (&detail.receipt, outcome) {
        (Some(receipt), _) if s.delivered() => {
            say!("  {}{}", label("send-field-state"), t!("send-delivered"));
            say!(
                "  {}{}",
                label("send-field-receipt"),
                t!(
                    "send-receipt",
                    node = receipt.receiver.as_str(),
                    time = receipt.received_at.as_str(),
                    index = receipt.log_index
                )
            );
            say!(
                "  {}{}",
                label("send-field-envelope-sha"),
                receipt.envelope_sha256
            );
            if !waiting.is_empty() {
                let names = waiting.join(", ");
                say!(
                    "  {}",
                    t!("delivery-not-yet-received", parties = names.as_str())
                );
                say!();
                let advice = t!("delivery-copies-advice", parties = names.as_str());
                say!("{}", wrap(&advice, 90));
            }
        }
        _ => {
            say!(
                "  {}{}",
                label("send-field-state"),
                t!("send-queued", node = s.recipient.as_str())
            );
            say!(
                "  {}{}",
                label("send-field-last-error"),
                s.last_error.as_deref().map_or_else(
                    || t!("send-no-error"),
                    // A peer's refusal: its reason's headline in the reader's language.
                    |error| rogatory_node::operations::refusals::delivery_error(
                        error,
                        crate::i18n::language()
                    )
                )
            );
            let retry = match &s.next_attempt_at {
                Some(at) => t!("send-retry-at", time = at.as_str()),
                None => t!("send-no-retry"),
            };
            say!();
            let advice = t!(
                "send-queued-advice",
                retry = retry,
                node = s.recipient.as_str()
            );
            say!("{}", wrap(&advice, 90));
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_send(status: RequestStatus, ground: Option<RefusalGround>, note: &str) -> StatusToSend {
        StatusToSend {
            attach: Vec::new(),
            status,
            ground,
            note: note.into(),
            reference: None,
        }
    }

    #[test]
    fn grounds_and_reasons_are_checked_before_connecting() {
        let ground = Some(RefusalGround::NotInConformity);
        assert!(
            to_send(RequestStatus::Refused, ground, "Reasons.")
                .check()
                .is_ok()
        );
        assert!(to_send(RequestStatus::Accepted, None, "").check().is_ok());
        let err = to_send(RequestStatus::Refused, None, "Reasons.")
            .check()
            .expect_err("no ground");
        assert!(err.to_string().contains("must name its ground"), "{err}");
        let err = to_send(RequestStatus::Refused, ground, " ")
            .check()
            .expect_err("no reasons");
        assert!(err.to_string().contains("must give its reasons"), "{err}");
        let err = to_send(RequestStatus::Accepted, ground, "")
            .check()
            .expect_err("ground without refusal");
        assert!(
            err.to_string()
                .contains("--ground not-in-conformity is only for --status refused"),
            "{err}"
        );
    }
}
