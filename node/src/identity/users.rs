//! Who is calling on the operator socket, and what that caller may do.
//!
//! The kernel tells the node the Unix user id of the process at the other end of the operator
//! socket (`SO_PEERCRED`); this module maps that uid to a configured `[[contact_points]]` entry
//! and decides whether the caller may submit (sign messages in the node's name, upload
//! attachments) or only read. With contact points configured, a submission is attributed to the
//! mapped name and nothing else; without them, the node keeps the name the client declares but
//! records that it is declared, and by which uid.
//!
//! It also reads the local account databases (`/etc/passwd`, `/etc/group`) to resolve names
//! given in the configuration. Accounts known only to a directory service (LDAP, SSSD) are not
//! in those files: configure them with `uid = N`. This module knows nothing of gRPC; the
//! transport hands it a uid and maps its [`AccessError`] to a status.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// One `[[contact_points]]` entry, its account resolved to a uid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPoint {
    /// As shown to peers (author fields) and in the audit log.
    pub name: String,
    pub uid: u32,
    /// The account name the configuration gave, if it gave one (for messages only).
    pub unix_user: Option<String>,
}

/// Why a caller may not do what it asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessError {
    /// The socket gave no peer credentials (not a Unix socket, or an unusual kernel).
    #[error("the node cannot tell which Unix user is calling, so it accepts no submission")]
    Unidentified,
    /// Contact points are configured and this uid is none of them.
    #[error(
        "Unix user {account} is not a contact point of this node: add a [[contact_points]] \
         entry with `unix_user = \"{user}\"` (or `uid = {uid}`) and the person's name to the \
         node's configuration, then restart the node",
        account = account(*uid, unix_user.as_deref()),
        user = unix_user.as_deref().unwrap_or("NAME")
    )]
    NotAContactPoint { uid: u32, unix_user: Option<String> },
    /// The client declared a name other than the one the node maps its uid to.
    #[error(
        "this node attributes what Unix user {account} submits to contact point {name:?}, \
         not to {declared:?}: leave out --as (or give --as {name:?})",
        account = account(*uid, unix_user.as_deref())
    )]
    NameMismatch {
        uid: u32,
        unix_user: Option<String>,
        name: String,
        declared: String,
    },
    /// An operator action (a backup) asked by someone other than the node's own account or
    /// root: contact points read and submit, they do not copy the whole store.
    #[error(
        "only the node's operator (the account rogatoryd runs as, or root) may do this; Unix \
         user {account} may not",
        account = account(*uid, unix_user.as_deref())
    )]
    NotAnOperator { uid: u32, unix_user: Option<String> },
}

fn account(uid: u32, unix_user: Option<&str>) -> String {
    match unix_user {
        Some(user) => format!("{user:?} (uid {uid})"),
        None => format!("uid {uid}"),
    }
}

/// The node's users: its configured contact points and the account it runs as.
#[derive(Debug, Clone)]
pub struct Users {
    contact_points: Vec<ContactPoint>,
    /// The account rogatoryd runs as: it may always read, like before contact points existed,
    /// but submits only if it is itself a contact point.
    node_uid: u32,
}

impl Users {
    pub fn new(contact_points: Vec<ContactPoint>, node_uid: u32) -> Self {
        Self {
            contact_points,
            node_uid,
        }
    }

    /// The users of a node configured with `contact_points`, running as the current process.
    pub fn of_this_process(contact_points: Vec<ContactPoint>) -> Self {
        Self::new(contact_points, rustix::process::getuid().as_raw())
    }

    /// Who a caller with this uid (None: unknown) is.
    pub fn identify(&self, uid: Option<u32>) -> Caller {
        Caller {
            uid,
            unix_user: uid.and_then(user_name),
            contact_point: uid.and_then(|uid| {
                self.contact_points
                    .iter()
                    .find(|point| point.uid == uid)
                    .map(|point| point.name.clone())
            }),
            configured: !self.contact_points.is_empty(),
            node_account: uid == Some(self.node_uid),
        }
    }
}

/// One caller on the operator socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub uid: Option<u32>,
    /// The uid's account name in /etc/passwd, if it has one there.
    pub unix_user: Option<String>,
    /// The contact point the uid maps to.
    pub contact_point: Option<String>,
    /// Whether the node has `[[contact_points]]` at all.
    pub configured: bool,
    /// Whether the caller runs as the node's own account.
    pub node_account: bool,
}

impl Caller {
    /// The submitter to record for a submission whose client declared `declared` (may be
    /// empty), or why the caller may not submit.
    pub fn submitter(&self, declared: &str) -> Result<Submitter, AccessError> {
        let uid = self.uid.ok_or(AccessError::Unidentified)?;
        let declared = declared.trim();
        if !self.configured {
            // Before contact points: the client's word, or the account name if it gave none.
            let (name, how) = if declared.is_empty() {
                (
                    self.unix_user
                        .clone()
                        .unwrap_or_else(|| format!("uid {uid}")),
                    "Unix account",
                )
            } else {
                (declared.to_owned(), "declared")
            };
            return Ok(Submitter {
                attribution: format!("{name:?} ({how}; uid {uid})"),
                name,
                mapped: false,
            });
        }
        let Some(name) = &self.contact_point else {
            return Err(AccessError::NotAContactPoint {
                uid,
                unix_user: self.unix_user.clone(),
            });
        };
        if !declared.is_empty() && declared != name {
            return Err(self.mismatch(uid, name, declared));
        }
        Ok(Submitter {
            attribution: format!("{name} (uid {uid})"),
            name: name.clone(),
            mapped: true,
        })
    }

    /// Whether the caller may read the node's messages, cases and status: anyone who can open
    /// the socket when no contact points are configured; else the node's own account and the
    /// contact points.
    pub fn may_read(&self) -> Result<(), AccessError> {
        if !self.configured || self.node_account || self.contact_point.is_some() {
            return Ok(());
        }
        match self.uid {
            None => Err(AccessError::Unidentified),
            Some(uid) => Err(AccessError::NotAContactPoint {
                uid,
                unix_user: self.unix_user.clone(),
            }),
        }
    }

    /// Whether the caller may take operator actions (a backup, which copies every case of
    /// every contact point and writes where it is told): the node's own account and root only,
    /// contact points or not.
    pub fn may_operate(&self) -> Result<(), AccessError> {
        match self.uid {
            None => Err(AccessError::Unidentified),
            Some(_) if self.node_account => Ok(()),
            Some(0) => Ok(()),
            Some(uid) => Err(AccessError::NotAnOperator {
                uid,
                unix_user: self.unix_user.clone(),
            }),
        }
    }

    /// Whose read marks the caller keeps (`message show`, `message read`, the attention list):
    /// its contact point, else `uid:N` (a node without `[[contact_points]]`, or the node's own
    /// account); `None` for a caller the socket did not identify.
    pub fn reader(&self) -> Option<String> {
        match (&self.contact_point, self.uid) {
            (Some(name), _) => Some(name.clone()),
            (None, Some(uid)) => Some(format!("uid:{uid}")),
            (None, None) => None,
        }
    }

    /// Who did an operator action, for the node's log and audit entries.
    pub fn describe(&self) -> String {
        let account = match self.uid {
            Some(uid) => account(uid, self.unix_user.as_deref()),
            None => "an unidentified caller".to_owned(),
        };
        match &self.contact_point {
            Some(name) => format!("{name} ({account})"),
            None => account,
        }
    }

    fn mismatch(&self, uid: u32, name: &str, declared: &str) -> AccessError {
        AccessError::NameMismatch {
            uid,
            unix_user: self.unix_user.clone(),
            name: name.to_owned(),
            declared: declared.to_owned(),
        }
    }
}

/// Who a submission is attributed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitter {
    /// The name put in the message's author field.
    pub name: String,
    /// How the audit log names the submitter: `Aylar Berdiyeva (uid 1001)` for a contact point,
    /// `"X" (declared; uid 1000)` for a name the client declared.
    pub attribution: String,
    /// Whether the name comes from `[[contact_points]]` (else from the client).
    mapped: bool,
}

impl Submitter {
    /// Fills a body's author field with the submitter's name, or refuses a different one when
    /// the name comes from the configuration. A declared name leaves a client's author alone,
    /// as before contact points existed.
    pub fn fill_author(&self, author: &mut String, caller: &Caller) -> Result<(), AccessError> {
        let given = author.trim();
        if given.is_empty() {
            *author = self.name.clone();
            return Ok(());
        }
        if self.mapped && given != self.name {
            let uid = caller.uid.ok_or(AccessError::Unidentified)?;
            return Err(caller.mismatch(uid, &self.name, given));
        }
        Ok(())
    }
}

impl fmt::Display for Submitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.attribution)
    }
}

/// The uid of a local account, from /etc/passwd.
pub fn uid_of(user: &str) -> Option<u32> {
    find_id(&passwd()?, |name, _| name == user)
}

/// The gid of a local group, from /etc/group.
pub fn gid_of(group: &str) -> Option<u32> {
    let groups = std::fs::read_to_string("/etc/group").ok()?;
    find_id(&groups, |name, _| name == group)
}

/// The account name of a uid, from /etc/passwd.
pub fn user_name(uid: u32) -> Option<String> {
    let passwd = passwd()?;
    passwd.lines().find_map(|line| {
        let (name, id) = fields(line)?;
        (id == uid).then(|| name.to_owned())
    })
}

/// /etc/passwd as last read, read again only when the file changed: the operator socket asks
/// for the caller's account name on every call, and a busy node answers thousands a second.
fn passwd() -> Option<Arc<str>> {
    static PASSWD: CachedFile<'static> = CachedFile::new("/etc/passwd");
    PASSWD.text()
}

/// A small text file's contents, read again only when its inode, modification time or length
/// changes (account tools replace the file or rewrite it).
#[derive(Debug)]
struct CachedFile<'a> {
    path: &'a str,
    read: Mutex<Option<(FileStamp, Arc<str>)>>,
}

/// Inode, modification time (seconds, nanoseconds) and length of a file.
type FileStamp = (u64, i64, i64, u64);

impl<'a> CachedFile<'a> {
    const fn new(path: &'a str) -> Self {
        Self {
            path,
            read: Mutex::new(None),
        }
    }

    fn text(&self) -> Option<Arc<str>> {
        use std::os::unix::fs::MetadataExt;
        let stamp = std::fs::metadata(self.path)
            .map(|meta| (meta.ino(), meta.mtime(), meta.mtime_nsec(), meta.len()))
            .ok()?;
        let mut read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((cached, text)) = read.as_ref()
            && *cached == stamp
        {
            return Some(Arc::clone(text));
        }
        let text: Arc<str> = std::fs::read_to_string(self.path).ok()?.into();
        *read = Some((stamp, Arc::clone(&text)));
        Some(text)
    }
}

/// The id (third field) of the first `name:x:id:...` line that `wanted` accepts.
fn find_id(database: &str, wanted: impl Fn(&str, u32) -> bool) -> Option<u32> {
    database.lines().find_map(|line| {
        let (name, id) = fields(line)?;
        wanted(name, id).then_some(id)
    })
}

/// Name and id of a passwd or group line; None for comments and malformed lines.
fn fields(line: &str) -> Option<(&str, u32)> {
    if line.starts_with('#') {
        return None;
    }
    let mut parts = line.split(':');
    let name = parts.next().filter(|n| !n.is_empty())?;
    let id = parts.nth(1)?.parse().ok()?;
    Some((name, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> Users {
        Users::new(
            vec![ContactPoint {
                name: "Aylar Berdiyeva".into(),
                uid: 1001,
                unix_user: Some("aberdiyeva".into()),
            }],
            999,
        )
    }

    #[test]
    fn a_mapped_uid_submits_under_its_name_only() {
        let caller = users().identify(Some(1001));
        let submitter = caller.submitter("").expect("mapped");
        assert_eq!(submitter.name, "Aylar Berdiyeva");
        assert_eq!(submitter.attribution, "Aylar Berdiyeva (uid 1001)");
        assert!(caller.submitter("Aylar Berdiyeva").is_ok());
        let refused = caller.submitter("Someone Else").expect_err("mismatch");
        assert!(matches!(refused, AccessError::NameMismatch { .. }));
        assert!(refused.to_string().contains("Someone Else"), "{refused}");

        let mut author = String::new();
        submitter.fill_author(&mut author, &caller).expect("filled");
        assert_eq!(author, "Aylar Berdiyeva");
        let mut other = "Someone Else".to_owned();
        assert!(submitter.fill_author(&mut other, &caller).is_err());
        assert_eq!(other, "Someone Else");
    }

    #[test]
    fn an_unmapped_uid_may_not_submit_nor_read_but_the_node_account_reads() {
        let users = users();
        let stranger = users.identify(Some(1002));
        let refused = stranger.submitter("Aylar Berdiyeva").expect_err("unmapped");
        let message = refused.to_string();
        assert!(message.contains("uid 1002"), "{message}");
        assert!(message.contains("[[contact_points]]"), "{message}");
        assert!(stranger.may_read().is_err());

        let node = users.identify(Some(999));
        assert!(node.may_read().is_ok());
        assert!(node.submitter("").is_err());
        assert!(node.may_operate().is_ok());
        assert!(users.identify(Some(0)).may_operate().is_ok());
        // A contact point reads and submits but does not operate the node.
        let contact_point = users.identify(Some(1001));
        assert!(contact_point.may_read().is_ok());
        assert!(matches!(
            contact_point.may_operate(),
            Err(AccessError::NotAnOperator { uid: 1001, .. })
        ));
        assert!(stranger.may_operate().is_err());
        assert!(users.identify(None).may_operate().is_err());
        // Root is no contact point unless configured as one.
        assert!(users.identify(Some(0)).submitter("").is_err());
        assert!(users.identify(None).submitter("").is_err());
    }

    #[test]
    fn without_contact_points_the_declared_name_is_kept_and_marked() {
        let users = Users::new(Vec::new(), 999);
        let caller = users.identify(Some(1000));
        let submitter = caller.submitter("X").expect("declared");
        assert_eq!(submitter.name, "X");
        assert_eq!(submitter.attribution, "\"X\" (declared; uid 1000)");
        let mut author = "Y".to_owned();
        submitter.fill_author(&mut author, &caller).expect("kept");
        assert_eq!(author, "Y");
        assert!(caller.may_read().is_ok());
        assert!(
            caller
                .submitter("")
                .expect("named")
                .attribution
                .contains("uid 1000")
        );
    }

    #[test]
    fn account_databases_are_parsed_strictly() {
        let passwd = "# comment\nroot:x:0:0:root:/root:/bin/sh\nbad line\n\
                      aberdiyeva:x:1001:1001::/home/a:/bin/sh\nnoid:x::1::/:/bin/sh\n";
        assert_eq!(find_id(passwd, |name, _| name == "aberdiyeva"), Some(1001));
        assert_eq!(find_id(passwd, |name, _| name == "root"), Some(0));
        assert_eq!(find_id(passwd, |name, _| name == "noid"), None);
        assert_eq!(find_id(passwd, |name, _| name == "bad line"), None);
    }

    #[test]
    fn a_cached_file_is_read_again_once_it_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("passwd");
        let path = path.to_str().expect("utf-8 path");
        let file = CachedFile::new(path);
        assert!(file.text().is_none(), "no file yet");
        std::fs::write(path, "root:x:0:0::/root:/bin/sh\n").expect("write");
        let first = file.text().expect("read");
        assert_eq!(&*first, "root:x:0:0::/root:/bin/sh\n");
        // Unchanged: the same text, not read again.
        assert!(Arc::ptr_eq(&first, &file.text().expect("read")));
        // Replaced, as account tools do: a new inode.
        let next = dir.path().join("passwd.new");
        std::fs::write(
            &next,
            "root:x:0:0::/root:/bin/sh\nana:x:1001:1001::/:/bin/sh\n",
        )
        .expect("write");
        std::fs::rename(&next, path).expect("rename");
        assert!(file.text().expect("read").contains("ana:x:1001"));
        assert_eq!(user_name(0).as_deref(), Some("root"));
        assert_eq!(user_name(u32::MAX - 7), None);
    }
}
