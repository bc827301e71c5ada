//! `rogatory inform` and `rogatory consult`: the two messages outside the request lifecycle.
//!
//! Spontaneous information (UNTOC art. 18(4)) carries the restrictions on its use; a
//! consultation is one message of an informal exchange between contact points. The node checks
//! the fields, signs, logs and delivers them like requests, and files them under a case, but
//! neither ever has a lifecycle state.

use rogatory_proto::v1::{
    Consultation, SpontaneousInformation, SubmitConsultationRequest,
    SubmitSpontaneousInformationRequest, UseRestriction,
};

use super::Outcome;
use super::submit::{report, settled, submitter};
use crate::args::{ConsultArgs, InformArgs};
use crate::connection::{NodeTarget, answer};
use crate::failure::{Submitted, submitting};
use crate::output::Format;

pub async fn inform(
    target: &NodeTarget,
    args: InformArgs,
    format: Format,
) -> anyhow::Result<Outcome> {
    let submitted_by = submitter(args.name.as_deref());
    let information = SpontaneousInformation {
        subject: args.subject,
        text: args.text,
        restrictions: args
            .restrictions
            .iter()
            .map(|r: &UseRestriction| *r as i32)
            .collect(),
        conditions: args.condition,
        author: submitted_by.clone(),
        purpose: args.purpose,
        confidential_until: args.confidential_until,
    };
    let mut client = target.connect().await?;
    let to = args.to;
    let response = answer(
        client
            .submit_spontaneous_information(SubmitSpontaneousInformationRequest {
                recipient: to.clone(),
                information: Some(information),
                case_id: args.case_id.unwrap_or_default(),
                submitted_by,
                copies_to: args.copy_to,
            })
            .await,
        || crate::i18n::t!("errors-doing-send-information", peer = to.as_str()),
    )
    .map_err(|e| submitting(e, Submitted::SpontaneousInformation))?;
    let record = response
        .message
        .ok_or_else(|| anyhow::anyhow!("the node accepted the message but returned no record"))?;
    report(&settled(&mut client, record).await, format)
}

pub async fn consult(
    target: &NodeTarget,
    args: ConsultArgs,
    format: Format,
) -> anyhow::Result<Outcome> {
    let submitted_by = submitter(args.name.as_deref());
    let consultation = Consultation {
        text: args.text,
        author: submitted_by.clone(),
        refers_to: args.answers.unwrap_or_default(),
        closes_thread: args.close,
        subject: args.subject.unwrap_or_default(),
    };
    let mut client = target.connect().await?;
    // Answering, the node takes the peer from the message answered (and refuses a --to that
    // contradicts it).
    let to = args.to.unwrap_or_default();
    let what = match (to.as_str(), &consultation.refers_to) {
        ("", answered) => crate::i18n::t!("errors-doing-answer-consultation", id = answered),
        (to, _) => crate::i18n::t!("errors-doing-send-consultation", peer = to),
    };
    let response = answer(
        client
            .submit_consultation(SubmitConsultationRequest {
                recipient: to,
                consultation: Some(consultation),
                case_id: args.case_id.unwrap_or_default(),
                submitted_by,
                copies_to: args.copy_to,
            })
            .await,
        || what,
    )
    .map_err(|e| submitting(e, Submitted::Consultation))?;
    let record = response
        .message
        .ok_or_else(|| anyhow::anyhow!("the node accepted the message but returned no record"))?;
    report(&settled(&mut client, record).await, format)
}
