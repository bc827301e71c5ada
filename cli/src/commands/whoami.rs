//! `rogatory whoami`: how the node identifies the caller (by the Unix user id of the socket's
//! peer) and whether it lets the caller submit. The node decides; this only shows its answer.

use rogatory_proto::v1::WhoAmIRequest;
use serde::Serialize;

use super::Outcome;
use crate::connection::{NodeTarget, answer};
use crate::output::{Format, print_json, say};

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
        "asking the node who it takes you to be".to_owned()
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
        format!("uid {}", view.uid)
    } else {
        format!("{} (uid {})", view.unix_user, view.uid)
    };
    let node_account = if view.node_account {
        ", the account the node runs as"
    } else {
        ""
    };
    say!("Unix user:      {account}{node_account}");
    let contact_point = match (
        view.contact_points_configured,
        view.contact_point.is_empty(),
    ) {
        (true, false) => view.contact_point.clone(),
        (true, true) => "none: this account is not among the node's [[contact_points]]".into(),
        (false, _) => {
            "not configured on this node: what you send carries the name you give with --as \
             (default: your Unix account), recorded as declared"
                .into()
        }
    };
    say!("Contact point:  {contact_point}");
    if view.may_submit {
        let name = if view.contact_point.is_empty() {
            "the name you declare".to_owned()
        } else {
            view.contact_point.clone()
        };
        say!("Submissions:    allowed, attributed to {name}");
    } else {
        say!("Submissions:    refused: {}", view.refusal);
    }
    say!(
        "Reading:        {}",
        if view.may_read { "allowed" } else { "refused" }
    );
    Ok(Outcome::Done)
}
