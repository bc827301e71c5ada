//! Paper for the file and the court: `rogatory message print ID --out FILE.pdf` and `rogatory
//! case print CASE --out FILE.pdf`.
//!
//! Thin: the message or case comes from the node's `ShowMessage` / `ShowCase` and the signing
//! keys' fingerprints from `Identity`, as for `message show`. [`content`] decides what the
//! document says (in the reader's language), [`layout`] where each line goes on A4 pages,
//! [`pdf`] writes it with embedded fonts. Each message carries a document code
//! ([`rogatory_proto::document_code`]) that `rogatory audit check-document` checks against
//! the node's audit bundle.

pub mod content;
pub mod layout;
pub mod pdf;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use rogatory_node::now_ms;
use rogatory_proto::document_code::DocumentCode;
use rogatory_proto::v1::{IdentityRequest, ShowCaseRequest, ShowMessageRequest};
use serde::Serialize;

use crate::commands::Outcome;
use crate::connection::{Client, NodeTarget, answer};
use crate::failure::UserError;
use crate::i18n::t;
use crate::output::{Format, print_json, say};

/// What `print` reports, for people and for `--json`.
#[derive(Debug, Serialize)]
struct PrintedView {
    file: String,
    pages: usize,
    /// The document code of each message printed, in order.
    codes: Vec<String>,
}

/// What is printed: one message, or every message of a case (oldest first), named as typed.
#[derive(Debug, Clone, Copy)]
enum Printed<'a> {
    Message(&'a str),
    Case(&'a str),
}

/// `rogatory message print ID --out FILE.pdf`.
pub async fn message(
    target: &NodeTarget,
    message_id: &str,
    out: &Path,
    format: Format,
) -> anyhow::Result<Outcome> {
    print(target, Printed::Message(message_id), out, format).await
}

/// `rogatory case print CASE --out FILE.pdf`: every message of the case, oldest first.
pub async fn case(
    target: &NodeTarget,
    case_id: &str,
    out: &Path,
    format: Format,
) -> anyhow::Result<Outcome> {
    print(target, Printed::Case(case_id), out, format).await
}

async fn print(
    target: &NodeTarget,
    printed: Printed<'_>,
    out: &Path,
    format: Format,
) -> anyhow::Result<Outcome> {
    check_out(out)?;
    let mut client = target.connect().await?;
    let context = context(&mut client).await?;
    let document = match printed {
        Printed::Message(message_id) => {
            let record = answer(
                client
                    .show_message(ShowMessageRequest {
                        message_id: message_id.to_owned(),
                    })
                    .await,
                || t!("errors-doing-look-up-message", id = message_id),
            )?;
            content::message(&record, &context)
        }
        Printed::Case(case_id) => {
            let thread = answer(
                client
                    .show_case(ShowCaseRequest {
                        case_id: case_id.to_owned(),
                        as_of_ms: 0,
                    })
                    .await,
                || t!("errors-doing-look-up-case", id = case_id),
            )?;
            content::case(&thread, &context)
        }
    };
    write(&document, out, format)
}

/// The file is a new `.pdf`: a printed document is never written over another.
fn check_out(out: &Path) -> anyhow::Result<()> {
    let file = out.display().to_string();
    let is_pdf = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    if !is_pdf {
        return Err(UserError::new(
            t!("print-not-pdf", file = file.clone()),
            t!("print-not-pdf-hint"),
        )
        .into());
    }
    if out.exists() {
        return Err(UserError::new(
            t!("print-file-exists", file = file),
            t!("print-file-exists-hint"),
        )
        .into());
    }
    Ok(())
}

/// Who prints, and the signing keys' fingerprints as this node holds them.
async fn context(client: &mut Client) -> anyhow::Result<content::Context> {
    let identity = answer(client.identity(IdentityRequest {}).await, || {
        t!("errors-doing-ask-identity")
    })?;
    let mut fingerprints: BTreeMap<String, String> = identity
        .peers
        .iter()
        .map(|peer| (peer.node_id.clone(), peer.fingerprint.clone()))
        .collect();
    fingerprints.insert(identity.node_id.clone(), identity.fingerprint.clone());
    Ok(content::Context {
        node_id: identity.node_id,
        fingerprints,
        printed_at_ms: now_ms(),
    })
}

fn write(document: &content::Document, out: &Path, format: Format) -> anyhow::Result<Outcome> {
    let fonts = pdf::Fonts::load()?;
    let reference = content::peer_text(&document.reference);
    let footer = |page: usize, pages: usize| {
        t!(
            "print-footer",
            document = reference.clone(),
            page = page,
            pages = pages
        )
    };
    let pages = layout::lay_out(&document.blocks, &layout::A4, &fonts, &footer);
    let bytes = pdf::render(
        &pages,
        layout::A4.width,
        layout::A4.height,
        &document.title,
        crate::i18n::language().code(),
    )?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .with_context(|| t!("errors-cannot-create", path = out.display().to_string()))?;
    file.write_all(&bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| t!("errors-cannot-write", path = out.display().to_string()))?;
    let codes = document
        .blocks
        .iter()
        .filter_map(|block| match block {
            layout::Block::Code(code) => DocumentCode::parse(code).ok().map(|c| c.to_string()),
            _ => None,
        })
        .collect();
    let view = PrintedView {
        file: out.display().to_string(),
        pages: pages.len(),
        codes,
    };
    if format.json() {
        print_json(&view)?;
    } else {
        say!(
            "{}",
            t!(
                "print-written",
                file = view.file.clone(),
                pages = view.pages
            )
        );
        for code in &view.codes {
            say!("  {}: {code}", t!("print-code"));
        }
    }
    Ok(Outcome::Done)
}
