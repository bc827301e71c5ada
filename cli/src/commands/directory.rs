//! `rogatory directory`: whom to ask at a peer, from the peers' signed contact-point
//! directories (the node fetches, verifies and caches them), and this node's own directory.

use prost::Message;
use rogatory_proto::v1::{
    AssistanceType, ContactPoint, Directory, SearchDirectoryRequest, ShowDirectoryRequest,
};
use serde::Serialize;

use super::Outcome;
use crate::connection::{NodeTarget, answer};
use crate::output::{Format, Time, one_line, print_json, say};
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
    say!("{} — {}", one_line(&c.name), one_line(&c.authority));
    let line = |label: &str, value: &str| {
        if !value.is_empty() {
            say!("  {label:<15} {}", one_line(value));
        }
    };
    line("languages", &c.languages.join(", "));
    line("crimes", &c.crimes.join(", "));
    line("measures", &c.measures.join(", "));
    line("office hours", &c.office_hours);
    line("urgent channel", &c.urgent_channel);
    line("e-mail", &c.email);
    say!(
        "  {:<15} {} (directory published {})",
        "source",
        c.node_id,
        c.published_at
    );
}

pub async fn search(
    target: &NodeTarget,
    request: SearchDirectoryRequest,
    format: Format,
) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let response = answer(client.search_directory(request).await, || {
        "searching the peers' contact-point directories".to_owned()
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
        say!("No contact point matches.");
    }
    for c in &view.matches {
        print_contact(c);
        say!();
    }
    for s in &view.sources {
        match s.origin.as_str() {
            "cache" => say!(
                "{}: from the cache fetched {} (verified again now){}",
                s.node_id,
                s.cached_at
                    .map_or_else(|| "at an unknown time".to_owned(), |t| t.to_string()),
                s.problem
                    .as_deref()
                    .map(|p| format!("; the peer could not be asked: {}", one_line(p)))
                    .unwrap_or_default()
            ),
            "fetched" => say!("{}: fetched now and verified", s.node_id),
            _ => say!(
                "{}: no directory available: {}",
                s.node_id,
                one_line(s.problem.as_deref().unwrap_or("unknown reason"))
            ),
        }
    }
    Ok(Outcome::Done)
}

pub async fn show(target: &NodeTarget, format: Format) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let signed = answer(client.show_directory(ShowDirectoryRequest {}).await, || {
        "asking the node for its contact-point directory".to_owned()
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
        say!(
            "This node publishes no contact points: name a directory file with `directory = \
             \"directory.toml\"` in node.toml (see config/directory.example.toml) and restart it."
        );
    }
    for c in &contacts {
        print_contact(c);
        say!();
    }
    Ok(Outcome::Done)
}
