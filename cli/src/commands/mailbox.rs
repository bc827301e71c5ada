//! Reading messages: `rogatory inbox`, `rogatory outbox` and `rogatory message show`.

use rogatory_proto::v1::{Direction, ListMessagesRequest, ShowMessageRequest};

use super::Outcome;
use crate::connection::{Client, NodeTarget, answer};
use crate::i18n::t;
use crate::output::{Format, Table, minute, print_json, put, say, shorten};
use crate::views::{MessageDetail, MessageSummary};

/// Messages received (inbox) or sent (outbox), newest first.
pub async fn list(
    client: &mut Client,
    direction: Direction,
    limit: u32,
) -> anyhow::Result<Vec<MessageSummary>> {
    let response = answer(
        client
            .list_messages(ListMessagesRequest {
                direction: direction as i32,
                limit,
            })
            .await,
        || {
            t!(if direction == Direction::Inbox {
                "errors-doing-list-inbox"
            } else {
                "errors-doing-list-outbox"
            })
        },
    )?;
    Ok(response
        .messages
        .iter()
        .map(MessageSummary::from_record)
        .collect())
}

pub async fn show_list(
    target: &NodeTarget,
    direction: Direction,
    limit: u32,
    format: Format,
) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let messages = list(&mut client, direction, limit).await?;
    if format.json() {
        print_json(&messages)?;
        return Ok(Outcome::Done);
    }
    if messages.is_empty() {
        if direction == Direction::Inbox {
            say!("{}", t!("mailbox-inbox-empty"));
        } else {
            say!("{}", t!("mailbox-outbox-empty"));
        }
        return Ok(Outcome::Done);
    }
    let peer = if direction == Direction::Inbox {
        t!("mailbox-heading-from")
    } else {
        t!("mailbox-heading-to")
    };
    let mut table = Table::new(&[
        &t!("mailbox-heading-time"),
        &t!("mailbox-heading-message"),
        &peer,
        &t!("mailbox-heading-case"),
        &t!("mailbox-heading-kind"),
        &t!("mailbox-heading-state"),
        &t!("mailbox-heading-request-state"),
        &t!("search-heading-references"),
        &t!("mailbox-heading-about"),
    ]);
    for m in &messages {
        table.row(vec![
            minute(m.created_at_ms),
            m.short_id.clone(),
            m.peer_text(),
            m.short_case_id.clone(),
            m.kind_text(),
            m.state_text(),
            m.lifecycle_text(),
            shorten(&m.references_text(), 32),
            m.about_text(),
        ]);
    }
    put!("{}", table.render());
    // Why each undelivered message waits: the STATE column has only the state's word.
    let waiting: Vec<(String, String)> = messages
        .iter()
        .flat_map(|m| {
            m.waiting_lines()
                .into_iter()
                .map(|line| (m.message_id.clone(), line))
        })
        .collect();
    if !waiting.is_empty() {
        say!();
        say!("{}", t!("delivery-waiting-heading"));
        for (id, line) in waiting {
            say!("  {}", t!("mailbox-waiting", id = id, line = line));
        }
        say!();
    }
    say!("{}", t!("mailbox-hint-show"));
    Ok(Outcome::Done)
}

pub async fn show_message(
    target: &NodeTarget,
    message_id: &str,
    format: Format,
) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let record = answer(
        client
            .show_message(ShowMessageRequest {
                message_id: message_id.to_owned(),
            })
            .await,
        || t!("errors-doing-look-up-message", id = message_id),
    )?;
    let mut detail = MessageDetail::from_record(&record);
    // A status update: where its request stands now, which later updates may have changed.
    if let Some(update) = &detail.status_update {
        let request = client
            .show_message(ShowMessageRequest {
                message_id: update.refers_to.clone(),
            })
            .await;
        if let Ok(request) = request {
            let request = MessageSummary::from_record(&request.into_inner());
            detail.request_now = request.request_state;
        }
    }
    if format.json() {
        print_json(&detail)?;
    } else {
        put!("{}", detail.render());
    }
    Ok(Outcome::Done)
}
