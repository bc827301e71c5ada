//! What needs me: `rogatory attention`, `rogatory inbox --new`, `rogatory message read` and
//! `rogatory case read`.
//!
//! The node decides what needs the caller (its contact point, or its uid without contact
//! points) and in which order (`Attention`); this module groups the items by reason and prints
//! them. Every word goes through the catalogs (`node/locales/*/attention.ftl`); machine values
//! stay English in `--json`.

use rogatory_proto::v1::{
    AttentionItem, AttentionReason, AttentionRequest, AttentionResponse, MarkReadRequest,
    RequestState, ThreadState,
};
use serde::Serialize;

use super::Outcome;
use crate::connection::{NodeTarget, answer};
use crate::i18n::t;
use crate::output::{Format, minute, one_line, print_json, put, say, shorten};
use crate::vocabulary::{label_of, name_of};

/// Characters of a message id shown in lists: a ULID's first ten are its millisecond, the
/// next two tell apart messages of the same millisecond in practice; `--json` has the whole id.
const SHORT_ID_CHARS: usize = 12;

/// One item of the list, as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct AttentionView {
    /// "deadline-past", "delivery-problem", "awaiting-answer", "deadline-near" or "new".
    pub reason: String,
    pub case_id: String,
    pub message_id: String,
    pub peer: String,
    /// "request", "status-update", "consultation" or "spontaneous-information".
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub milestone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_state: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    pub created_at: String,
    pub urgent: bool,
}

impl From<&AttentionItem> for AttentionView {
    fn from(i: &AttentionItem) -> Self {
        Self {
            reason: name_of::<AttentionReason>(i.reason),
            case_id: i.case_id.clone(),
            message_id: i.message_id.clone(),
            peer: i.peer.clone(),
            kind: i.kind.clone(),
            subject: i.subject.clone(),
            due_at: (i.due_at_ms > 0).then(|| minute(i.due_at_ms)),
            milestone: i.milestone.clone(),
            request_state: (i.request_state != 0).then(|| name_of::<RequestState>(i.request_state)),
            thread_state: (i.thread_state != 0).then(|| name_of::<ThreadState>(i.thread_state)),
            detail: i.detail.clone(),
            created_at: minute(i.created_at_ms),
            urgent: i.urgent,
        }
    }
}

/// The whole list, as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct AttentionList {
    /// Whose unread marks count: a contact point, or uid:N.
    pub reader: String,
    /// The time deadlines were judged against.
    pub as_of: String,
    pub horizon_hours: i64,
    pub items: Vec<AttentionView>,
}

/// What `attention` asks the node.
#[derive(Debug, Clone, Default)]
pub struct AttentionQuery {
    pub as_of_ms: Option<i64>,
    /// How far ahead a deadline counts as near; the node's default (48 h) if `None`.
    pub within_hours: Option<u32>,
    /// Only these reasons; all if empty.
    pub reasons: Vec<AttentionReason>,
}

async fn fetch(target: &NodeTarget, query: &AttentionQuery) -> anyhow::Result<AttentionResponse> {
    let mut client = target.connect().await?;
    answer(
        client
            .attention(AttentionRequest {
                as_of_ms: query.as_of_ms.unwrap_or(0),
                horizon_ms: query.within_hours.map_or(0, |h| i64::from(h) * 3_600_000),
                reasons: query.reasons.iter().map(|r| *r as i32).collect(),
            })
            .await,
        || t!("attention-asking"),
    )
}

fn short(id: &str) -> String {
    id.chars().take(SHORT_ID_CHARS).collect()
}

/// One line of an item: case, peer, what it is, its deadline, a short id.
fn line(item: &AttentionItem) -> String {
    let peer = if item.peer.is_empty() {
        String::new()
    } else {
        t!("attention-peer", peer = one_line(&item.peer).into_owned())
    };
    let mut what = t!(&format!("attention-kind-{}", item.kind));
    if !item.subject.is_empty() {
        what = format!("{what} «{}»", shorten(&one_line(&item.subject), 48));
    }
    if item.request_state != 0 {
        what = format!("{what} ({})", label_of::<RequestState>(item.request_state));
    } else if item.thread_state != 0 {
        what = format!("{what} ({})", label_of::<ThreadState>(item.thread_state));
    }
    let mut parts = vec![item.case_id.clone(), peer, what];
    if item.due_at_ms > 0 {
        parts.push(t!(
            "attention-due",
            milestone = t!(&format!("attention-milestone-{}", item.milestone)),
            due = minute(item.due_at_ms)
        ));
    }
    if !item.detail.is_empty() {
        parts.push(shorten(&one_line(&item.detail), 60));
    }
    if item.urgent {
        parts.push(t!("attention-urgent"));
    }
    parts.push(short(&item.message_id));
    parts.retain(|p| !p.is_empty());
    format!("  {}", parts.join("  "))
}

/// The heading of a group of items with `reason`.
fn heading(reason: i32, count: usize, horizon_hours: i64) -> String {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    match AttentionReason::try_from(reason) {
        Ok(AttentionReason::DeadlineNear) => {
            t!(
                "attention-reason-heading-deadline-near",
                count = count,
                hours = horizon_hours
            )
        }
        Ok(AttentionReason::DeadlinePast) => {
            t!("attention-reason-heading-deadline-past", count = count)
        }
        Ok(AttentionReason::DeliveryProblem) => {
            t!("attention-reason-heading-delivery-problem", count = count)
        }
        Ok(AttentionReason::AwaitingAnswer) => {
            t!("attention-reason-heading-awaiting-answer", count = count)
        }
        _ => t!("attention-reason-heading-new", count = count),
    }
}

/// `rogatory attention`: everything that needs the caller, grouped by reason, most urgent first.
pub async fn attention(
    target: &NodeTarget,
    query: AttentionQuery,
    format: Format,
) -> anyhow::Result<Outcome> {
    let response = fetch(target, &query).await?;
    let horizon_hours = response.horizon_ms / 3_600_000;
    if format.json() {
        print_json(&AttentionList {
            reader: response.reader.clone(),
            as_of: minute(response.now_ms),
            horizon_hours,
            items: response.items.iter().map(AttentionView::from).collect(),
        })?;
        return Ok(Outcome::Done);
    }
    let as_of = minute(response.now_ms);
    if response.items.is_empty() {
        say!(
            "{}",
            t!(
                "attention-nothing",
                reader = response.reader.clone(),
                now = as_of
            )
        );
        return Ok(Outcome::Done);
    }
    let mut out = t!(
        "attention-heading",
        reader = response.reader.clone(),
        now = as_of
    );
    out.push('\n');
    // The node sorted the items by reason: each group is a run.
    for group in response.items.chunk_by(|a, b| a.reason == b.reason) {
        out.push('\n');
        out.push_str(&heading(group[0].reason, group.len(), horizon_hours));
        out.push('\n');
        for item in group {
            out.push_str(&line(item));
            out.push('\n');
        }
    }
    put!("{out}");
    say!("{}", t!("attention-hint"));
    Ok(Outcome::Done)
}

/// `rogatory inbox --new`: the received messages the caller has not seen, newest first.
pub async fn inbox_new(target: &NodeTarget, format: Format) -> anyhow::Result<Outcome> {
    let query = AttentionQuery {
        reasons: vec![AttentionReason::New],
        ..Default::default()
    };
    let mut response = fetch(target, &query).await?;
    response
        .items
        .sort_by_key(|i| std::cmp::Reverse((i.created_at_ms, i.message_id.clone())));
    if format.json() {
        let items: Vec<AttentionView> = response.items.iter().map(AttentionView::from).collect();
        print_json(&items)?;
        return Ok(Outcome::Done);
    }
    if response.items.is_empty() {
        say!(
            "{}",
            t!("inbox-new-nothing", reader = response.reader.clone())
        );
        return Ok(Outcome::Done);
    }
    let mut out = String::new();
    for item in &response.items {
        out.push_str(&format!("{}{}\n", minute(item.created_at_ms), line(item)));
    }
    put!("{out}");
    say!("{}", t!("inbox-new-hint"));
    Ok(Outcome::Done)
}

/// `rogatory message read ID...` and `rogatory case read CASE`: marks messages read by the
/// caller, so they are no longer new for it.
pub async fn mark_read(
    target: &NodeTarget,
    message_ids: Vec<String>,
    case_id: Option<String>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let response = answer(
        client
            .mark_read(MarkReadRequest {
                message_ids,
                case_id: case_id.unwrap_or_default(),
            })
            .await,
        || t!("attention-marking"),
    )?;
    if format.json() {
        print_json(&serde_json::json!({ "marked": response.marked }))?;
    } else {
        say!(
            "{}",
            t!("attention-marked", count = i64::from(response.marked))
        );
    }
    Ok(Outcome::Done)
}
