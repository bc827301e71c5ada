//! `rogatory whoami`: how the node identifies the caller (by the Unix user id of the socket's
//! peer) and whether it lets the caller submit. The node decides; this only shows its answer.

use rogatory_proto::v1::WhoAmIRequest;
use serde::Serialize;

use super::Outcome;
use crate::connection::{NodeTarget, answer};
use crate::i18n::t;
use crate::output::{Format, label_width, print_json, say};

#[derive(Debug, Serialize)]
struct WhoAmIView {
    uid: u32,
    /// Empty if the uid has no account in the node machine's /etc/passwd.
    unix_user: String,
    /// Empty if the uid is no configured contact point.
    contact_point: String,
    contact_points_configured: bool,
    node_account: bool,
    may_submit: bool,
    may_read: bool,
    /// Why the caller may not submit, with the fix; empty if it may.
    refusal: String,
}

pub async fn whoami(target: &NodeTarget, format: Format) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let who = answer(client.who_am_i(WhoAmIRequest {}).await, || {
        t!("whoami-asking")
    })?;
    let view = WhoAmIView {
        uid: who.uid,
        unix_user: who.unix_user,
        contact_point: who.contact_point,
        contact_points_configured: who.contact_points_configured,
        node_account: who.node_account,
        may_submit: who.may_submit,
        may_read: who.may_read,
        refusal: who.refusal,
    };
    if format.json() {
        print_json(&view)?;
        return Ok(Outcome::Done);
    }
    let account = if view.unix_user.is_empty() {
        t!("whoami-uid", uid = view.uid)
    } else {
        t!(
            "whoami-user-and-uid",
            user = view.unix_user.as_str(),
            uid = view.uid
        )
    };
    let node_account = if view.node_account {
        t!("whoami-node-account")
    } else {
        String::new()
    };
    let labels = [
        t!("whoami-label-unix-user"),
        t!("whoami-label-contact-point"),
        t!("whoami-label-submissions"),
        t!("whoami-label-reading"),
    ];
    let width = label_width(&labels, 2);
    let [user_label, contact_label, submissions_label, reading_label] = &labels;
    say!("{user_label:<width$}{account}{node_account}");
    let contact_point = match (
        view.contact_points_configured,
        view.contact_point.is_empty(),
    ) {
        (true, false) => view.contact_point.clone(),
        (true, true) => t!("whoami-contact-point-none"),
        (false, _) => t!("whoami-contact-points-not-configured"),
    };
    say!("{contact_label:<width$}{contact_point}");
    if view.may_submit {
        let name = if view.contact_point.is_empty() {
            t!("whoami-declared-name")
        } else {
            view.contact_point.clone()
        };
        say!(
            "{submissions_label:<width$}{}",
            t!("whoami-submissions-allowed", name = name)
        );
    } else {
        say!(
            "{submissions_label:<width$}{}",
            t!("whoami-submissions-refused", reason = view.refusal.as_str())
        );
    }
    say!(
        "{reading_label:<width$}{}",
        if view.may_read {
            t!("whoami-allowed")
        } else {
            t!("whoami-refused")
        }
    );
    Ok(Outcome::Done)
}
