//! `rogatory search`: find cases by the words of their messages (subject, facts, persons'
//! names, offences, national references, consultations, authorities, peers), in Cyrillic or
//! Latin, with filters. The node answers from its search index (the `Search` RPC); this module
//! turns flags into the request and the answer into a list.

use rogatory_proto::v1::{
    AssistanceType, Direction, RequestState, SearchField, SearchHit, SearchRequest, SearchResponse,
};
use serde::Serialize;

use super::Outcome;
use crate::connection::{NodeTarget, answer};
use crate::i18n::t;
use crate::output::{Format, Table, minute, print_json, put, say, shorten};
use crate::views::{ReferenceView, references_text};
use crate::vocabulary::{label_of, name_of};

/// What `rogatory search` was asked.
#[derive(Debug, Clone, Default)]
pub struct SearchArgs {
    pub words: Vec<String>,
    pub peer: Option<String>,
    pub state: Option<RequestState>,
    pub assistance: Option<AssistanceType>,
    /// Only messages in this direction (`--direction in|out`).
    pub direction: Option<Direction>,
    /// Only messages of this kind (`SearchMatch.kind`: request, status-update, ...).
    pub kind: Option<String>,
    /// Days, as ms since the epoch at 00:00 UTC; `until` is the day after the last one shown.
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub limit: u32,
}

/// `--since`, `--until`: a day (YYYY-MM-DD, UTC), as ms since the epoch at 00:00 UTC.
pub fn parse_day(text: &str) -> Result<i64, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day =
        time::Date::parse(text.trim(), &format).map_err(|_| t!("search-bad-day", text = text))?;
    Ok(day.midnight().assume_utc().unix_timestamp() * 1000)
}

/// One message that matched.
#[derive(Debug, Clone, Serialize)]
pub struct MatchView {
    pub message_id: String,
    pub kind: String,
    pub created_at: String,
    /// Where the words were found: "title", "facts", "person", "offence", "reference",
    /// "text", "authority", "peer".
    pub fields: Vec<String>,
}

/// One case that matched.
#[derive(Debug, Clone, Serialize)]
pub struct HitView {
    pub case_id: String,
    pub title: String,
    pub own_reference: String,
    pub peer_references: Vec<ReferenceView>,
    pub peers: Vec<String>,
    /// Where the case's newest request stands; absent if it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    pub last_match_at: String,
    pub matches: Vec<MatchView>,
}

impl From<&SearchHit> for HitView {
    fn from(hit: &SearchHit) -> Self {
        Self {
            case_id: hit.case_id.clone(),
            title: hit.title.clone(),
            own_reference: hit.own_reference.clone(),
            peer_references: ReferenceView::all(&hit.peer_references),
            peers: hit.peers.clone(),
            state: (hit.state != 0).then(|| name_of::<RequestState>(hit.state)),
            last_match_at: minute(hit.last_match_at_ms),
            matches: hit
                .matches
                .iter()
                .map(|m| MatchView {
                    message_id: m.message_id.clone(),
                    kind: m.kind.clone(),
                    created_at: minute(m.created_at_ms),
                    fields: m.fields.iter().map(|f| field_name(*f)).collect(),
                })
                .collect(),
        }
    }
}

fn field_name(field: i32) -> String {
    SearchField::try_from(field)
        .map(|f| {
            f.as_str_name()
                .trim_start_matches("SEARCH_FIELD_")
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// The whole answer, for `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct SearchView {
    pub cases: Vec<HitView>,
    /// More cases matched than the limit allowed.
    pub more: bool,
    /// A word began too many indexed words to read them all: the answer may miss cases.
    pub truncated: bool,
}

impl From<&SearchResponse> for SearchView {
    fn from(response: &SearchResponse) -> Self {
        Self {
            cases: response.cases.iter().map(HitView::from).collect(),
            more: response.more,
            truncated: response.truncated,
        }
    }
}

pub async fn search(
    target: &NodeTarget,
    args: SearchArgs,
    format: Format,
) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let query = args.words.join(" ");
    let response = answer(
        client
            .search(SearchRequest {
                query: query.clone(),
                peer: args.peer.clone().unwrap_or_default(),
                direction: args.direction.map_or(0, |d| d as i32),
                state: args.state.map_or(0, |s| s as i32),
                assistance: args.assistance.map_or(0, |a| a as i32),
                since_ms: args.since_ms.unwrap_or(0),
                until_ms: args.until_ms.unwrap_or(0),
                kind: args.kind.clone().unwrap_or_default(),
                limit: args.limit,
            })
            .await,
        || t!("search-doing", query = query.as_str()),
    )?;
    let view = SearchView::from(&response);
    if format.json() {
        print_json(&view)?;
        return Ok(Outcome::Done);
    }
    if view.cases.is_empty() {
        say!("{}", t!("search-none"));
        return Ok(Outcome::Done);
    }
    let headings = [
        t!("search-heading-last-match"),
        t!("search-heading-case"),
        t!("search-heading-with"),
        t!("search-heading-state"),
        t!("search-heading-found-in"),
        t!("search-heading-references"),
        t!("search-heading-title"),
    ];
    let mut table = Table::new(&headings.iter().map(String::as_str).collect::<Vec<_>>());
    for (hit, response) in view.cases.iter().zip(&response.cases) {
        let mut fields: Vec<i32> = response
            .matches
            .iter()
            .flat_map(|m| m.fields.iter().copied())
            .collect();
        fields.sort_unstable();
        fields.dedup();
        let fields: Vec<String> = fields
            .into_iter()
            .map(|f| t!(&format!("search-field-{}", field_name(f))))
            .collect();
        table.row(vec![
            hit.last_match_at.clone(),
            crate::views::shown_id(&response.short_case_id, &hit.case_id),
            hit.peers.join(", "),
            if response.state == 0 {
                String::new()
            } else {
                label_of::<RequestState>(response.state)
            },
            fields.join(", "),
            shorten(
                &references_text(&hit.own_reference, &hit.peer_references),
                32,
            ),
            shorten(&hit.title, 48),
        ]);
    }
    put!("{}", table.render());
    say!("{}", t!("search-found", count = view.cases.len()));
    if view.truncated {
        say!("{}", t!("search-truncated"));
    }
    if view.more {
        say!("{}", t!("search-more"));
    }
    say!("{}", t!("search-hint-show"));
    Ok(Outcome::Done)
}
