//! `rogatory directory`: whom to ask at a peer, from the peers' signed contact-point
//! directories (the node fetches, verifies and caches them), and this node's own directory.

use prost::Message;
use rogatory_proto::v1::{
    AssistanceType, ContactPoint, Directory, SearchDirectoryRequest, ShowDirectoryRequest,
};
use serde::Serialize;

use super::Outcome;
use crate::connection::{NodeTarget, answer};
use crate::i18n::t;
use crate::output::{Format, Time, label_width, one_line, people_minute, print_json, say};
use crate::vocabulary;

#[derive(Debug, Serialize)]
struct ContactView {
    /// The peer whose signed directory lists this contact point.
    node_id: String,
    published_at: Time,
    name: String,
    authority: String,
    languages: Vec<String>,
    crimes: Vec<String>,
    measures: Vec<String>,
    /// The measures as numbers, for their names in the reader's language.
    #[serde(skip)]
    measure_numbers: Vec<i32>,
    office_hours: String,
    urgent_channel: String,
    email: String,
}

#[derive(Debug, Serialize)]
struct SourceView {
    node_id: String,
    /// "fetched", "cache" or "unavailable".
    origin: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    published_at: Option<Time>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cached_at: Option<Time>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

#[derive(Debug, Serialize)]
struct SearchView {
    matches: Vec<ContactView>,
    sources: Vec<SourceView>,
}

fn contact(node_id: String, published_at_ms: i64, point: ContactPoint) -> ContactView {
    ContactView {
        node_id,
        published_at: Time(published_at_ms),
        measure_numbers: point.measures.clone(),
        measures: point
            .measures
            .iter()
            .map(|&m| vocabulary::name_of::<AssistanceType>(m))
            .collect(),
        name: point.name,
        authority: point.authority,
        languages: point.languages,
        crimes: point.crimes,
        office_hours: point.office_hours,
        urgent_channel: point.urgent_channel,
        email: point.email,
    }
}

fn print_contact(c: &ContactView) {
    // Every field of a peer's directory is one line here, whatever it holds.
    // The peer's own words are shown as written; only the labels and the measures' names are
    // in the reader's language.
    say!("{} — {}", one_line(&c.name), one_line(&c.authority));
    let labels = [
        t!("directory-label-languages"),
        t!("directory-label-crimes"),
        t!("directory-label-measures"),
        t!("directory-label-office-hours"),
        t!("directory-label-urgent-channel"),
        t!("directory-label-email"),
        t!("directory-label-source"),
    ];
    // At least 15 wide, as the English layout always was.
    let width = label_width(&labels, 0).max(15);
    let line = |label: &str, value: &str| {
        if !value.is_empty() {
            say!("  {label:<width$} {}", one_line(value));
        }
    };
    // English keeps the names `--measure` takes; other languages name the measures in words.
    let measures: Vec<String> = match crate::i18n::language() {
        crate::i18n::Language::English => c.measures.clone(),
        _ => c
            .measure_numbers
            .iter()
            .map(|&m| vocabulary::label_of::<AssistanceType>(m))
            .collect(),
    };
    line(&labels[0], &c.languages.join(", "));
    line(&labels[1], &c.crimes.join(", "));
    line(&labels[2], &measures.join(", "));
    line(&labels[3], &c.office_hours);
    line(&labels[4], &c.urgent_channel);
    line(&labels[5], &c.email);
    say!(
        "  {:<width$} {}",
        labels[6],
        t!(
            "directory-source",
            node = c.node_id.as_str(),
            published = people_minute(c.published_at.0)
        )
    );
}

pub async fn search(
    target: &NodeTarget,
    request: SearchDirectoryRequest,
    format: Format,
) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let response = answer(client.search_directory(request).await, || {
        t!("directory-searching")
    })?;
    let view = SearchView {
        matches: response
            .matches
            .into_iter()
            .map(|m| {
                contact(
                    m.node_id,
                    m.published_at_ms,
                    m.contact_point.unwrap_or_default(),
                )
            })
            .collect(),
        sources: response
            .sources
            .into_iter()
            .map(|s| SourceView {
                node_id: s.node_id,
                origin: s.origin,
                published_at: (s.published_at_ms > 0).then_some(Time(s.published_at_ms)),
                cached_at: (s.cached_at_ms > 0).then_some(Time(s.cached_at_ms)),
                problem: Some(s.problem).filter(|p| !p.is_empty()),
            })
            .collect(),
    };
    if format.json() {
        print_json(&view)?;
        return Ok(Outcome::Done);
    }
    if view.matches.is_empty() {
        say!("{}", t!("directory-no-match"));
    }
    for c in &view.matches {
        print_contact(c);
        say!();
    }
    for s in &view.sources {
        match s.origin.as_str() {
            "cache" => say!(
                "{}{}",
                t!(
                    "directory-from-cache",
                    node = s.node_id.as_str(),
                    cached = match s.cached_at {
                        Some(time) => people_minute(time.0),
                        None => t!("directory-unknown-time"),
                    }
                ),
                s.problem
                    .as_deref()
                    .map(|p| t!(
                        "directory-peer-not-asked",
                        problem = one_line(p).into_owned()
                    ))
                    .unwrap_or_default()
            ),
            "fetched" => say!("{}", t!("directory-fetched", node = s.node_id.as_str())),
            _ => say!(
                "{}",
                t!(
                    "directory-unavailable",
                    node = s.node_id.as_str(),
                    problem = match s.problem.as_deref() {
                        Some(problem) => one_line(problem).into_owned(),
                        None => t!("directory-unknown-reason"),
                    }
                )
            ),
        }
    }
    Ok(Outcome::Done)
}

pub async fn show(target: &NodeTarget, format: Format) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let signed = answer(client.show_directory(ShowDirectoryRequest {}).await, || {
        t!("directory-asking")
    })?;
    let directory = Directory::decode(signed.payload.as_slice())?;
    let contacts: Vec<ContactView> = directory
        .contact_points
        .into_iter()
        .map(|p| contact(directory.node_id.clone(), directory.published_at_ms, p))
        .collect();
    if format.json() {
        print_json(&contacts)?;
        return Ok(Outcome::Done);
    }
    if contacts.is_empty() {
        say!("{}", t!("directory-none-published"));
    }
    for c in &contacts {
        print_contact(c);
        say!();
    }
    Ok(Outcome::Done)
}
