//! Case threads for contact points: `rogatory case list`, `case show` and `case reply`.
//!
//! A case is every message the node holds with one case id: the requests, the status updates
//! of both sides and their receipts. The node groups them and evaluates each request's
//! deadlines (`rogatory_proto::deadlines`); this module shows them. `case reply` is
//! `status send` aimed at the case's open request, so a contact point need not copy ids.

use rogatory_proto::v1::{
    CaseRequest, CaseSummary, CaseThread, Direction, ListCasesRequest, RequestState,
    ShowCaseRequest, ThreadState, ThreadSummary,
};
use serde::Serialize;

use super::Outcome;
use super::submit::{self, StatusToSend};
use crate::connection::{NodeTarget, answer};
use crate::failure::UserError;
use crate::i18n::{Language, t};
use crate::output::{
    Format, Table, Time, minute, one_line, people_minute, print_json, put, say, shorten, wrap,
};
use crate::views::{MessageDetail, term_text};
use crate::vocabulary::name_of;

/// Which cases `case list` shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub open: bool,
    pub overdue: bool,
    pub urgent: bool,
    pub peer: Option<String>,
    pub limit: u32,
    /// Judge deadlines as of this time (ms since the epoch) instead of the node's clock.
    pub as_of_ms: Option<i64>,
}

/// `--as-of`: a day (`2026-03-01`, meaning 00:00 UTC) or an RFC 3339 date and time with its
/// offset (`2026-03-01T09:30:00Z`, `2026-03-01T11:30:00+02:00`), as ms since the epoch.
/// Anything else is refused with what to write (clap names the flag).
pub fn parse_as_of(text: &str) -> Result<i64, String> {
    let not_a_date = || {
        format!(
            "{}; {}",
            t!("errors-date-not-a-date", text = text),
            t!("errors-date-forms")
        )
    };
    let invalid = |problem: String| {
        format!(
            "{}; {}",
            t!("errors-date-invalid", text = text, problem = problem),
            t!("errors-date-forms")
        )
    };
    let value: toml::value::Datetime = text.trim().parse().map_err(|_| not_a_date())?;
    let Some(date) = value.date else {
        return Err(format!(
            "{}; {}",
            t!("errors-date-no-day", text = text),
            t!("errors-date-forms")
        ));
    };
    let (time, offset_minutes) = match (value.time, value.offset) {
        (None, None) => (time::Time::MIDNIGHT, 0),
        (Some(t), Some(offset)) => (
            time::Time::from_hms_nano(t.hour, t.minute, t.second, t.nanosecond)
                .map_err(|e| invalid(e.to_string()))?,
            match offset {
                toml::value::Offset::Z => 0,
                toml::value::Offset::Custom { minutes } => minutes,
            },
        ),
        (Some(_), None) => return Err(t!("errors-date-no-zone", text = text)),
        (None, Some(_)) => return Err(not_a_date()),
    };
    let month = time::Month::try_from(date.month).map_err(|e| invalid(e.to_string()))?;
    let day = time::Date::from_calendar_date(i32::from(date.year), month, date.day)
        .map_err(|e| invalid(e.to_string()))?;
    let offset = time::UtcOffset::from_whole_seconds(i32::from(offset_minutes) * 60)
        .map_err(|e| invalid(e.to_string()))?;
    let at = time::PrimitiveDateTime::new(day, time).assume_offset(offset);
    let ms = at.unix_timestamp_nanos() / 1_000_000;
    match i64::try_from(ms) {
        Ok(ms) if ms > 0 => Ok(ms),
        _ => Err(t!("errors-date-before-epoch", text = text)),
    }
}

/// One deadline of a request.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineView {
    /// "acknowledge", "decide" or "execute".
    pub milestone: String,
    pub due_at: Time,
    /// The request has not reached this step yet.
    pub pending: bool,
    pub overdue: bool,
}

/// A request of a case: where it stands and what is due.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRequestView {
    pub message_id: String,
    /// "sent" (this node is the requesting side) or "received".
    pub direction: &'static str,
    pub sender: String,
    pub recipient: String,
    pub created_at: Time,
    pub subject: String,
    pub state: String,
    pub urgent: bool,
    /// The requester's own deadline, as written in the request.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub requested_deadline: String,
    pub open: bool,
    pub overdue: bool,
    pub deadlines: Vec<DeadlineView>,
}

impl From<&CaseRequest> for CaseRequestView {
    fn from(r: &CaseRequest) -> Self {
        Self {
            message_id: r.message_id.clone(),
            direction: direction_word(r.direction),
            sender: r.sender.clone(),
            recipient: r.recipient.clone(),
            created_at: Time(r.created_at_ms),
            subject: r.subject.clone(),
            state: name_of::<RequestState>(r.state),
            urgent: r.urgent,
            requested_deadline: r.requested_deadline.clone(),
            open: r.open,
            overdue: r.overdue,
            deadlines: r
                .deadlines
                .iter()
                .map(|d| DeadlineView {
                    milestone: d.milestone.clone(),
                    due_at: Time(d.due_at_ms),
                    pending: d.pending,
                    overdue: d.overdue,
                })
                .collect(),
        }
    }
}

impl CaseRequestView {
    /// "acknowledge by 2026-01-08T00:00Z (OVERDUE)", or "nothing due".
    fn next_due_text(&self) -> String {
        match self.deadlines.iter().find(|d| d.pending) {
            Some(d) => due_text(&d.milestone, d.due_at, d.overdue),
            None => t!("case-nothing-due"),
        }
    }
}

/// A deadline's step ("acknowledge", "decide", "execute") in the reader's language.
fn milestone_text(milestone: &str) -> String {
    match milestone {
        "acknowledge" | "decide" | "execute" => t!(&format!("case-milestone-{milestone}")),
        other => other.to_owned(),
    }
}

/// "decide by 2026-01-08T00:00Z", with "(OVERDUE)" once it has passed.
fn due_text(milestone: &str, at: Time, overdue: bool) -> String {
    let (what, at) = (milestone_text(milestone), people_minute(at.0));
    if overdue {
        t!("case-due-overdue", what = what, at = at)
    } else {
        t!("case-due", what = what, at = at)
    }
}

/// `label:` padded to `width` characters, with at least one space before the value.
fn padded(label: &str, width: usize) -> String {
    let label = format!("{label}:");
    let width = width.max(label.chars().count() + 1);
    format!("{label:<width$}")
}

/// The width of a label column: `english` in English, `other` in longer-worded languages.
fn label_column(english: usize, other: usize) -> usize {
    if crate::i18n::language() == crate::i18n::Language::English {
        english
    } else {
        other
    }
}

fn direction_word(direction: i32) -> &'static str {
    if direction == Direction::Outbox as i32 {
        "sent"
    } else {
        "received"
    }
}

/// A case's consultation and spontaneous-information thread: open, answered or closed by a
/// party.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadView {
    /// "consultation" or "spontaneous-information": what opened it.
    pub kind: String,
    /// "open", "answered" or "closed".
    pub state: String,
    pub opened_by: String,
    pub last_by: String,
    pub last_at: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub closed_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    pub messages: u32,
}

impl From<&ThreadSummary> for ThreadView {
    fn from(t: &ThreadSummary) -> Self {
        Self {
            kind: t.kind.clone(),
            state: name_of::<ThreadState>(t.state),
            opened_by: t.opened_by.clone(),
            last_by: t.last_by.clone(),
            last_at: minute(t.last_at_ms),
            closed_by: t.closed_by.clone(),
            closed_at: (t.closed_at_ms > 0).then(|| minute(t.closed_at_ms)),
            messages: t.messages,
        }
    }
}

impl ThreadView {
    /// "consultation answered", "consultation closed by de".
    pub fn text(&self) -> String {
        let state = crate::vocabulary::parse::<ThreadState>(&self.state)
            .map_or_else(|_| self.state.clone(), crate::vocabulary::label);
        let kind = crate::i18n::t!(&format!("case-thread-kind-{}", self.kind));
        if self.closed_by.is_empty() {
            crate::i18n::t!("case-thread-state", kind = kind, state = state)
        } else {
            crate::i18n::t!(
                "case-thread-closed-by",
                kind = kind,
                state = state,
                party = self.closed_by.clone()
            )
        }
    }
}

/// One line of `case list`.
#[derive(Debug, Clone, Serialize)]
pub struct CaseSummaryView {
    pub case_id: String,
    /// The shortest unambiguous beginning of the case id, for text output.
    #[serde(skip)]
    pub short_case_id: String,
    /// What the case is about: its first request's subject, else its first consultation's or
    /// information's.
    pub title: String,
    /// This node's national reference for the case; empty if none.
    pub own_reference: String,
    /// The other parties' national references.
    pub peer_references: Vec<crate::views::ReferenceView>,
    pub peers: Vec<String>,
    pub open: bool,
    pub urgent: bool,
    pub overdue: bool,
    pub messages: u32,
    pub last_activity: Time,
    /// The earliest pending deadline of the case, e.g. "decide".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_due: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_due_at: Option<Time>,
    pub requests: Vec<CaseRequestView>,
    /// The time `overdue` was decided against (the node's clock, or `--as-of`).
    pub overdue_as_of: Time,
    /// The consultation and spontaneous-information thread, if the case has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread: Option<ThreadView>,
}

impl CaseSummaryView {
    fn judged_at(mut self, as_of_ms: i64) -> Self {
        self.overdue_as_of = Time(as_of_ms);
        self
    }
}

impl From<&CaseSummary> for CaseSummaryView {
    fn from(c: &CaseSummary) -> Self {
        Self {
            case_id: c.case_id.clone(),
            short_case_id: crate::views::shown_id(&c.short_case_id, &c.case_id),
            title: c.title.clone(),
            own_reference: c.own_reference.clone(),
            peer_references: crate::views::ReferenceView::all(&c.peer_references),
            peers: c.peers.clone(),
            open: c.open,
            urgent: c.urgent,
            overdue: c.overdue,
            messages: c.messages,
            last_activity: Time(c.last_activity_at_ms),
            next_due: Some(c.next_due.clone()).filter(|n| !n.is_empty()),
            next_due_at: (c.next_due_at_ms > 0).then_some(Time(c.next_due_at_ms)),
            requests: c.requests.iter().map(CaseRequestView::from).collect(),
            overdue_as_of: Time(0),
            thread: c.thread.as_ref().map(ThreadView::from),
        }
    }
}

pub async fn list(
    target: &NodeTarget,
    filter: ListFilter,
    format: Format,
) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let response = answer(
        client
            .list_cases(ListCasesRequest {
                open_only: filter.open,
                overdue_only: filter.overdue,
                urgent_only: filter.urgent,
                peer: filter.peer.clone().unwrap_or_default(),
                limit: filter.limit,
                as_of_ms: filter.as_of_ms.unwrap_or(0),
                after: String::new(),
            })
            .await,
        || t!("errors-doing-list-cases"),
    )?;
    let as_of = as_of_text(response.now_ms);
    let cases: Vec<CaseSummaryView> = response
        .cases
        .iter()
        .map(|c| CaseSummaryView::from(c).judged_at(response.now_ms))
        .collect();
    let clock = deadline_clock(filter.as_of_ms);
    if format.json() {
        print_json(&cases)?;
        return Ok(Outcome::Done);
    }
    if cases.is_empty() {
        say!(
            "{}",
            t!(
                "case-list-none",
                at = as_of.as_str(),
                clock = clock.as_str()
            )
        );
        return Ok(Outcome::Done);
    }
    let mut table = Table::new(&[
        &t!("case-heading-last-activity"),
        &t!("search-heading-case"),
        &t!("search-heading-with"),
        &t!("case-heading-requests"),
        &t!("case-heading-next-due"),
        &t!("case-heading-flags"),
        &t!("search-heading-references"),
        &t!("search-heading-title"),
    ]);
    for case in &cases {
        let mut requests: Vec<String> = case
            .requests
            .iter()
            .map(|r| term_text::<RequestState>(&r.state))
            .collect();
        requests.extend(case.thread.as_ref().map(ThreadView::text));
        let next = match (&case.next_due, &case.next_due_at) {
            (Some(what), Some(at)) => due_text(what, *at, false),
            _ => String::new(),
        };
        let flags: Vec<String> = [
            (case.overdue, "case-flag-overdue"),
            (case.urgent, "case-flag-urgent"),
            (!case.open, "case-flag-closed"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, id)| t!(id))
        .collect();
        table.row(vec![
            case.last_activity.to_string(),
            case.short_case_id.clone(),
            case.peers.join(", "),
            requests.join(", "),
            next,
            flags.join(" "),
            shorten(
                &crate::views::references_text(&case.own_reference, &case.peer_references),
                32,
            ),
            shorten(&case.title, 48),
        ]);
    }
    put!("{}", table.render());
    say!(
        "{}",
        t!(
            "case-list-as-of",
            at = as_of.as_str(),
            clock = clock.as_str()
        )
    );
    say!("{}", t!("search-hint-show"));
    Ok(Outcome::Done)
}

/// Which clock deadlines were judged by, for the line that says so.
fn deadline_clock(as_of_ms: Option<i64>) -> String {
    if as_of_ms.is_some() {
        t!("case-clock-as-of")
    } else {
        t!("case-clock-node")
    }
}

/// The time deadlines were judged against: to the minute, or to the millisecond when it is not
/// on a minute (an `--as-of` with seconds).
fn as_of_text(ms: i64) -> String {
    if crate::i18n::language() != crate::i18n::Language::English {
        return people_minute(ms);
    }
    if ms % 60_000 == 0 {
        minute(ms)
    } else {
        crate::output::instant(ms)
    }
}

/// One event of a case's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub time: String,
    #[serde(skip)]
    time_ms: i64,
    pub message_id: String,
    /// "sent" or "received", from this node's point of view.
    pub direction: &'static str,
    pub from: String,
    pub to: String,
    /// The person: a request's signatory, a status update's author.
    pub who: String,
    /// "request", "status", "information" or "consultation".
    pub kind: &'static str,
    /// A request's subject, or the status a status update reports.
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refers_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ground: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Spontaneous information: the restrictions on its use, as sentences (in English: `--json`
    /// is the same whatever the reader's language).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub restrictions: Vec<String>,
    /// The same in the reader's language, for the text.
    #[serde(skip)]
    restrictions_told: Vec<String>,
    /// Evidence files bound into the message (`case fetch-attachment` saves them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::views::AttachmentView>,
    /// The state the update led to (or for a request, where it stands now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub superseded: bool,
    /// Delivery: "delivered", "received", "queued", ...
    pub delivery: String,
    /// "de stored it at ..., its log entry 3"; empty if there is no receipt yet.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub receipt: String,
    /// The same in the reader's language, for the text.
    #[serde(skip)]
    receipt_told: String,
    /// Multi-party case: every party and whether it has received the message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<crate::views::PartyDelivery>,
}

/// `case show`: the requests with their deadlines, and every message oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub case_id: String,
    /// What the case is about, as the node titles its messages (the request's subject).
    pub title: String,
    /// This node's national reference for the case; empty if none.
    pub own_reference: String,
    /// The other parties' national references.
    pub peer_references: Vec<crate::views::ReferenceView>,
    /// Every party the case's messages went between, in order of first appearance.
    pub parties: Vec<String>,
    /// The time deadlines were judged against (the node's clock, or `--as-of`).
    pub deadlines_as_of: Time,
    #[serde(skip)]
    deadlines_clock: String,
    /// The requests whose requester asked for the request itself to be kept confidential.
    #[serde(skip)]
    confidential: Vec<String>,
    pub requests: Vec<CaseRequestView>,
    pub timeline: Vec<TimelineEntry>,
    /// The consultation and spontaneous-information thread, if the case has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread: Option<ThreadView>,
}

impl CaseView {
    /// `as_of_ms`: the `--as-of` the thread was asked for, if any.
    fn from_thread(thread: &CaseThread, as_of_ms: Option<i64>) -> Self {
        // Delivery reports say who received what; they show in `parties`, not as events.
        let timeline = thread
            .messages
            .iter()
            .filter(|record| MessageDetail::from_record(record).summary.kind != "delivery-report")
            .map(|record| {
                let detail = MessageDetail::from_record(record);
                let s = &detail.summary;
                let restrictions_in = |language| {
                    detail
                        .information
                        .as_ref()
                        .map(|i| i.restriction_lines_in(language))
                        .unwrap_or_default()
                };
                let restrictions = restrictions_in(Language::English);
                let restrictions_told = restrictions_in(crate::i18n::language());
                let (who, kind, what, note, ground, refers_to) = match (
                    &detail.request,
                    &detail.status_update,
                    &detail.information,
                    &detail.consultation,
                ) {
                    (_, _, Some(i), _) => (
                        i.author.clone(),
                        "information",
                        i.subject.clone(),
                        i.text.clone(),
                        None,
                        None,
                    ),
                    (_, _, _, Some(c)) => (
                        c.author.clone(),
                        "consultation",
                        String::new(),
                        c.text.clone(),
                        None,
                        c.refers_to.clone(),
                    ),
                    (Some(request), _, _, _) => (
                        request.signed_by.clone(),
                        "request",
                        request.subject.clone(),
                        String::new(),
                        None,
                        None,
                    ),
                    (_, Some(update), _, _) => (
                        update.author.clone(),
                        "status",
                        update.status.clone(),
                        update.note.clone(),
                        update.ground.clone(),
                        Some(update.refers_to.clone()),
                    ),
                    _ => (
                        String::new(),
                        "request",
                        s.problem.clone().unwrap_or_default(),
                        String::new(),
                        None,
                        None,
                    ),
                };
                let attachments = match (&detail.request, &detail.status_update) {
                    (Some(request), _) => request.attachments.clone(),
                    (_, Some(update)) => update.attachments.clone(),
                    _ => Vec::new(),
                };
                let receipt_in = |language: Language| {
                    detail.receipt.as_ref().map_or_else(String::new, |r| {
                        crate::i18n::t_in!(
                            language,
                            "case-receipt",
                            node = r.receiver.as_str(),
                            time = r.received_at.as_str(),
                            index = r.log_index
                        )
                    })
                };
                let (receipt, receipt_told) = (
                    receipt_in(Language::English),
                    receipt_in(crate::i18n::language()),
                );
                TimelineEntry {
                    time: s.created_at.clone(),
                    time_ms: s.created_at_ms,
                    message_id: s.message_id.clone(),
                    direction: direction_word(record.direction),
                    from: s.sender.clone(),
                    to: s.recipient.clone(),
                    who,
                    kind,
                    what,
                    refers_to,
                    ground,
                    note,
                    restrictions,
                    restrictions_told,
                    attachments,
                    state: s.request_state.clone(),
                    superseded: s.superseded,
                    delivery: s.state.clone(),
                    receipt,
                    receipt_told,
                    parties: s.parties.clone(),
                }
            })
            .collect();
        // The node titles every message of a case alike; the first that has a title or a
        // reference speaks for the case.
        let first = |has: fn(&rogatory_proto::v1::MessageRecord) -> bool| {
            thread.messages.iter().find(|m| has(m))
        };
        let title = first(|m| !m.title.is_empty()).map_or_else(String::new, |m| m.title.clone());
        let own_reference = first(|m| !m.own_reference.is_empty())
            .map_or_else(String::new, |m| m.own_reference.clone());
        let peer_references = first(|m| !m.peer_references.is_empty()).map_or_else(Vec::new, |m| {
            crate::views::ReferenceView::all(&m.peer_references)
        });
        let mut parties: Vec<String> = Vec::new();
        for message in &thread.messages {
            let copies = MessageDetail::from_record(message).summary.copies_to;
            for party in [&message.sender, &message.recipient]
                .into_iter()
                .chain(&copies)
            {
                if !party.is_empty() && !parties.contains(party) {
                    parties.push(party.clone());
                }
            }
        }
        Self {
            case_id: thread.case_id.clone(),
            title,
            own_reference,
            peer_references,
            parties,
            deadlines_as_of: Time(thread.now_ms),
            deadlines_clock: deadline_clock(as_of_ms),
            confidential: thread
                .messages
                .iter()
                .map(MessageDetail::from_record)
                .filter(|d| d.request.as_ref().is_some_and(|r| r.confidential))
                .map(|d| d.summary.message_id)
                .collect(),
            requests: thread.requests.iter().map(CaseRequestView::from).collect(),
            timeline,
            thread: thread.thread.as_ref().map(ThreadView::from),
        }
    }

    /// The text `case show` prints: first what identifies the case (its title, both sides'
    /// references, the parties, where it stands and what is due next), then each request with
    /// its deadlines, then every message oldest first.
    fn render(&self) -> String {
        let mut out = if self.title.is_empty() {
            t!("case-show-untitled", case = self.case_id.as_str())
        } else {
            one_line(&self.title).into_owned()
        };
        out.push('\n');
        let width = label_column(14, 19);
        let mut field = |label: &str, value: &str| {
            if !value.is_empty() {
                out.push_str(&format!("  {}{value}\n", padded(&t!(label), width)));
            }
        };
        field("case-field-case", &self.case_id);
        field(
            "case-field-references",
            &crate::views::references_text(&self.own_reference, &self.peer_references),
        );
        field("case-field-parties", &self.parties.join(", "));
        let states: Vec<String> = self
            .requests
            .iter()
            .map(|r| term_text::<RequestState>(&r.state))
            .collect();
        field("case-field-state", &states.join(", "));
        let next = self
            .requests
            .iter()
            .flat_map(|r| &r.deadlines)
            .filter(|d| d.pending)
            .min_by_key(|d| d.due_at.0);
        if let Some(d) = next {
            field(
                "case-field-next",
                &due_text(&d.milestone, d.due_at, d.overdue),
            );
        }
        let requested: Vec<&str> = self
            .requests
            .iter()
            .map(|r| r.requested_deadline.as_str())
            .filter(|d| !d.is_empty())
            .collect();
        field("case-field-requested-deadline", &requested.join(", "));
        if let Some(thread) = &self.thread {
            out.push_str(&t!(
                "case-thread-line",
                thread = thread.text(),
                party = thread.last_by.clone(),
                at = thread.last_at.clone()
            ));
            out.push('\n');
        }
        if !self.requests.is_empty() {
            out.push('\n');
            out.push_str(&t!(
                "case-requests-heading",
                at = as_of_text(self.deadlines_as_of.0),
                clock = self.deadlines_clock.as_str()
            ));
            out.push('\n');
        }
        let width = label_column(11, 18);
        let label = |id: &str| padded(&t!(id), width);
        // Each request leads with what its reader acts on; who sent it and its id come last.
        for r in &self.requests {
            let flags: String = [
                (
                    self.confidential.contains(&r.message_id),
                    format!("  {}", t!("show-confidential-label")),
                ),
                (r.urgent, format!("  {}", t!("show-urgent"))),
            ]
            .into_iter()
            .filter_map(|(on, word)| on.then_some(word))
            .collect();
            out.push_str(&format!("  {}{flags}\n", shorten(&r.subject, 70)));
            out.push_str(&format!(
                "    {}{}\n",
                label("case-field-state"),
                term_text::<RequestState>(&r.state)
            ));
            let this_node = t!("show-this-node");
            let (requesting, requested) = if r.direction == "sent" {
                (this_node.as_str(), r.recipient.as_str())
            } else {
                (r.sender.as_str(), this_node.as_str())
            };
            if let Some(act) = crate::views::next_to_act(&r.state, requesting, requested) {
                out.push_str(&format!("    {}{act}\n", label("case-field-to-act")));
            }
            out.push_str(&format!(
                "    {}{}\n",
                label("case-field-next"),
                r.next_due_text()
            ));
            if !r.requested_deadline.is_empty() {
                out.push_str(&format!(
                    "    {}{}\n",
                    padded(&t!("case-field-requested-deadline"), 0),
                    r.requested_deadline
                ));
            }
            let milestone_width = label_column(12, 22);
            for d in &r.deadlines {
                let mark = match (d.pending, d.overdue) {
                    (_, true) => t!("case-deadline-overdue"),
                    (true, false) => t!("case-deadline-pending"),
                    (false, false) => t!("case-deadline-settled"),
                };
                out.push_str(&format!(
                    "    {:<milestone_width$} {}\n",
                    milestone_text(&d.milestone),
                    t!(
                        "case-deadline-due",
                        at = people_minute(d.due_at.0),
                        mark = mark
                    )
                ));
            }
            out.push_str(&format!(
                "    {}{}\n",
                label("case-field-request"),
                t!(
                    "case-request-route",
                    from = r.sender.as_str(),
                    to = r.recipient.as_str(),
                    id = r.message_id.as_str()
                )
            ));
        }
        out.push('\n');
        out.push_str(&t!("case-timeline-heading"));
        out.push('\n');
        let width = label_column(9, 15);
        let label = |id: &str| padded(&t!(id), width);
        for e in &self.timeline {
            let what = match e.kind {
                "request" => t!("case-event-request", subject = shorten(&e.what, 50)),
                "information" => t!("case-event-information", subject = shorten(&e.what, 40)),
                "consultation" => t!("case-event-consultation"),
                _ => {
                    let status = term_text::<rogatory_proto::v1::RequestStatus>(&e.what);
                    match &e.state {
                        Some(state) if e.superseded => t!(
                            "case-event-status-superseded",
                            status = status,
                            state = term_text::<RequestState>(state)
                        ),
                        _ => t!("case-event-status", status = status),
                    }
                }
            };
            // With several requests in the case, say which one an update is about.
            let what = match &e.refers_to {
                Some(id) if e.kind == "consultation" => {
                    t!("case-event-answers", what = what, id = id.as_str())
                }
                Some(id) if self.requests.len() > 1 => {
                    t!("case-event-re", what = what, id = id.as_str())
                }
                _ => what,
            };
            let who = if e.who.is_empty() {
                String::new()
            } else {
                format!(
                    "  {}",
                    t!("case-event-by", who = one_line(&e.who).into_owned())
                )
            };
            out.push_str(&format!(
                "  {}  {} → {}  {what}{who}\n",
                if crate::i18n::language() == crate::i18n::Language::English {
                    e.time.clone()
                } else {
                    people_minute(e.time_ms)
                },
                e.from,
                e.to
            ));
            if let Some(ground) = &e.ground {
                let ground = term_text::<rogatory_proto::v1::RefusalGround>(ground);
                out.push_str(&format!("      {}{ground}\n", label("case-event-ground")));
            }
            let restricted = padded(&t!("case-event-restricted"), 0);
            for (i, restriction) in e.restrictions_told.iter().enumerate() {
                let label = if i == 0 {
                    restricted.clone()
                } else {
                    " ".repeat(restricted.chars().count())
                };
                // A peer's purpose or conditions stay on their line.
                out.push_str(&format!("      {label}{}\n", one_line(restriction)));
            }
            for attachment in &e.attachments {
                out.push_str(&format!(
                    "      {}{}\n",
                    label("case-event-file"),
                    attachment.line()
                ));
            }
            if !e.note.is_empty() {
                let indent = format!("\n      {}", " ".repeat(width));
                let note = wrap(&e.note, 80).replace('\n', &indent);
                out.push_str(&format!("      {}{note}\n", label("case-event-note")));
            }
            if !e.parties.is_empty() {
                let parties: Vec<String> = e.parties.iter().map(|p| p.text()).collect();
                out.push_str(&format!(
                    "      {}{}\n",
                    label("case-event-parties"),
                    parties.join("; ")
                ));
            } else if e.receipt_told.is_empty() {
                let delivery = if crate::i18n::language() == crate::i18n::Language::English {
                    e.delivery.clone()
                } else {
                    crate::views::state_label(&e.delivery)
                };
                out.push_str(&format!(
                    "      {}{delivery}\n",
                    label("case-event-delivery")
                ));
            } else {
                out.push_str(&format!(
                    "      {}{}\n",
                    label("case-event-receipt"),
                    e.receipt_told
                ));
            }
            out.push_str(&format!(
                "      {}{}\n",
                label("case-event-id"),
                e.message_id
            ));
        }
        out
    }
}

async fn fetch(
    target: &NodeTarget,
    case_id: &str,
    as_of_ms: Option<i64>,
) -> anyhow::Result<CaseThread> {
    let mut client = target.connect().await?;
    answer(
        client
            .show_case(ShowCaseRequest {
                case_id: case_id.to_owned(),
                as_of_ms: as_of_ms.unwrap_or(0),
            })
            .await,
        || t!("errors-doing-look-up-case", id = case_id),
    )
}

pub async fn show(
    target: &NodeTarget,
    case_id: &str,
    as_of_ms: Option<i64>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let view = CaseView::from_thread(&fetch(target, case_id, as_of_ms).await?, as_of_ms);
    if format.json() {
        print_json(&view)?;
    } else {
        put!("{}", view.render());
    }
    Ok(Outcome::Done)
}

/// The request a reply in this case is about: `refers_to` if given (it must be one of the
/// case's requests), else the case's only open request.
fn reply_target(
    case_id: &str,
    requests: &[CaseRequest],
    refers_to: Option<&str>,
) -> Result<String, UserError> {
    if let Some(id) = refers_to {
        // Any unique beginning of the request's id, as everywhere ids are typed.
        let named: Vec<&CaseRequest> = requests
            .iter()
            .filter(|r| r.message_id.starts_with(&id.to_ascii_uppercase()) || r.message_id == id)
            .collect();
        return if let [only] = named.as_slice() {
            Ok(only.message_id.clone())
        } else {
            Err(UserError::new(
                t!("case-reply-not-in-case", id = id, case = case_id),
                t!("case-reply-not-in-case-hint", case = case_id),
            ))
        };
    }
    let open: Vec<&CaseRequest> = requests.iter().filter(|r| r.open).collect();
    match open.as_slice() {
        [only] => Ok(only.message_id.clone()),
        [] => Err(UserError::new(
            t!("case-reply-none-open", case = case_id),
            t!("case-reply-none-open-hint", case = case_id),
        )
        .coded("not-allowed-now")),
        several => Err(UserError::new(
            t!(
                "case-reply-several-open",
                case = case_id,
                count = several.len(),
                ids = several
                    .iter()
                    .map(|r| r.message_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            t!("case-reply-several-open-hint"),
        )
        .coded("ambiguous-id")),
    }
}

pub async fn reply(
    target: &NodeTarget,
    case_id: &str,
    refers_to: Option<&str>,
    update: StatusToSend,
    name: Option<&str>,
    format: Format,
) -> anyhow::Result<Outcome> {
    let thread = fetch(target, case_id, None).await?;
    let request = reply_target(&thread.case_id, &thread.requests, refers_to)?;
    submit::status_send(target, &request, update, name, format).await
}

/// `rogatory case fetch-attachment`: the file out of the node's store, its hash re-checked.
pub async fn fetch_attachment(
    target: &NodeTarget,
    case_id: &str,
    sha256: &str,
    out: &std::path::Path,
) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let size =
        crate::attachments::fetch(&mut client, case_id, &sha256.to_ascii_lowercase(), out).await?;
    say!(
        "{}",
        t!(
            "case-attachment-saved",
            file = out.display().to_string(),
            size = size,
            sha = sha256.to_ascii_lowercase()
        )
    );
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(id: &str, open: bool) -> CaseRequest {
        CaseRequest {
            message_id: id.into(),
            open,
            ..Default::default()
        }
    }

    #[test]
    fn a_reply_goes_to_the_single_open_request_or_needs_refers_to() {
        let a = "01J0000000000000000000000A";
        let b = "01J0000000000000000000000B";
        assert_eq!(
            reply_target("c", &[request(a, false), request(b, true)], None).expect("one open"),
            b
        );
        let err =
            reply_target("c", &[request(a, true), request(b, true)], None).expect_err("two open");
        assert!(err.to_string().contains("2 open requests"), "{err}");
        assert_eq!(
            reply_target("c", &[request(a, true), request(b, true)], Some(a)).expect("named"),
            a
        );
        let err = reply_target("c", &[request(a, false)], None).expect_err("none open");
        assert!(err.to_string().contains("no open request"), "{err}");
        let err = reply_target("c", &[request(a, true)], Some(b)).expect_err("not in case");
        assert!(err.to_string().contains("not a request of case c"), "{err}");
    }

    #[test]
    fn as_of_takes_a_day_or_an_rfc3339_time_and_refuses_anything_else() {
        // 2026-03-01T00:00:00Z.
        const DAY: i64 = 1_772_323_200_000;
        assert_eq!(parse_as_of("2026-03-01"), Ok(DAY));
        assert_eq!(parse_as_of("2026-03-01T09:30:00Z"), Ok(DAY + 34_200_000));
        assert_eq!(
            parse_as_of("2026-03-01T11:30:00+02:00"),
            Ok(DAY + 34_200_000)
        );
        assert_eq!(
            parse_as_of("2026-03-01T09:30:00.250Z"),
            Ok(DAY + 34_200_250)
        );
        for (bad, says) in [
            ("tomorrow", "is not a date"),
            ("01/03/2026", "is not a date"),
            ("2026-02-30", "is not a date"),
            ("2026-03-01T09:30:00", "no time zone"),
            ("09:30:00", "has no date"),
            ("1969-12-31", "before 1970"),
        ] {
            let err = parse_as_of(bad).expect_err(bad);
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
