//! Who may use the operator socket: `[[contact_points]]` (local accounts mapped to the names
//! submissions are recorded under) and `[operator_socket]` (its path, group and mode). Looking
//! accounts and groups up is `users`'s; serving the socket is not the configuration's.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::problems::Problems;
use crate::identity::users::{self, ContactPoint};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawContactPoint {
    name: Option<String>,
    unix_user: Option<String>,
    uid: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOperatorSocket {
    path: Option<PathBuf>,
    group: Option<String>,
    mode: Option<u32>,
}

/// Where the operator socket is and who may open it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSocket {
    /// Default `<data_dir>/operator.sock`. The data directory is 0700, so a socket shared with
    /// a group must live elsewhere.
    pub path: PathBuf,
    /// The group given the socket (name, gid), so that several accounts can use it.
    pub group: Option<(String, u32)>,
    /// 0o600, or 0o660 for a group socket.
    pub mode: u32,
}

/// The socket's modes the node accepts: the owner only, or owner and group. Never others:
/// whoever opens the socket can read every message of the node.
const SOCKET_MODES: [u32; 2] = [0o600, 0o660];

/// `[[contact_points]]`: each with a name and exactly one of `unix_user` and `uid`, no name or
/// uid twice.
pub(super) fn validate_contact_points(
    raw: Vec<RawContactPoint>,
    problems: &mut Problems<'_>,
) -> Vec<ContactPoint> {
    let mut points: Vec<ContactPoint> = Vec::with_capacity(raw.len());
    // Every name and uid seen, with its entry, even in entries with other problems.
    let mut names: Vec<(usize, String)> = Vec::new();
    let mut uids: Vec<(usize, u32)> = Vec::new();
    for (i, point) in raw.into_iter().enumerate() {
        let key = |field: &str| format!("contact_points[{i}].{field}");
        let name = match point.name.as_deref().map(str::trim) {
            None | Some("") => {
                problems.add(
                    &key("name"),
                    "is missing: give the person's name as peers and the audit log should show \
                     it, such as name = \"Aylar Berdiyeva\"",
                );
                None
            }
            Some(name) if name.len() > rogatory_proto::signing::MAX_SHORT_FIELD_BYTES => {
                problems.add(
                    &key("name"),
                    format!(
                        "is longer than {} bytes, the limit of a message's author field",
                        rogatory_proto::signing::MAX_SHORT_FIELD_BYTES
                    ),
                );
                None
            }
            Some(name) if name.chars().any(char::is_control) => {
                problems.add(&key("name"), "contains control characters");
                None
            }
            Some(name) => {
                if let Some((first, _)) = names.iter().find(|(_, n)| n == name) {
                    problems.add(
                        &key("name"),
                        format!(
                            "{name:?} is listed twice (also as contact_points[{first}]); each \
                             person has one entry"
                        ),
                    );
                }
                names.push((i, name.to_owned()));
                Some(name.to_owned())
            }
        };
        let uid = match (&point.unix_user, point.uid) {
            (Some(_), Some(uid)) => {
                problems.add(
                    &key("uid"),
                    "both unix_user and uid are given: keep exactly one of them",
                );
                uids.push((i, uid));
                None
            }
            (None, None) => {
                problems.add(
                    &key("unix_user"),
                    "the entry names no account: add unix_user = \"LOGIN\" or uid = N",
                );
                None
            }
            (None, Some(uid)) => Some(uid),
            (Some(user), None) => {
                let uid = users::uid_of(user);
                if uid.is_none() {
                    problems.add(
                        &key("unix_user"),
                        format!(
                            "no account {user:?} in /etc/passwd; create it, or give its uid \
                             with uid = N instead (accounts from a directory service are not \
                             in /etc/passwd)"
                        ),
                    );
                }
                uid
            }
        };
        if let Some(uid) = uid {
            if let Some((first, _)) = uids.iter().find(|(_, u)| *u == uid) {
                let field = if point.uid.is_some() {
                    "uid"
                } else {
                    "unix_user"
                };
                problems.add(
                    &key(field),
                    format!(
                        "uid {uid} is already the account of contact_points[{first}]; one \
                         account acts for one person"
                    ),
                );
            }
            uids.push((i, uid));
        }
        if let (Some(name), Some(uid)) = (name, uid) {
            points.push(ContactPoint {
                name,
                uid,
                unix_user: point.unix_user,
            });
        }
    }
    points
}

/// `[operator_socket]`: its path, group and mode.
pub(super) fn validate_operator_socket(
    raw: RawOperatorSocket,
    data_dir: &Path,
    resolve: &dyn Fn(PathBuf) -> PathBuf,
    problems: &mut Problems<'_>,
) -> OperatorSocket {
    let path = raw
        .path
        .map_or_else(|| operator_socket_path(data_dir), resolve);
    let group = raw.group.and_then(|group| match users::gid_of(&group) {
        Some(gid) => Some((group, gid)),
        None => {
            problems.add(
                "operator_socket.group",
                format!("no group {group:?} in /etc/group; create it (groupadd {group}) first"),
            );
            None
        }
    });
    let default_mode = if group.is_some() { 0o660 } else { 0o600 };
    let mode = raw.mode.unwrap_or(default_mode);
    if !SOCKET_MODES.contains(&mode) {
        problems.add(
            "operator_socket.mode",
            format!(
                "{mode:#o} is not allowed: write mode = 0o600 (the node's account only) or \
                 mode = 0o660 (and its group), in octal"
            ),
        );
    }
    if mode & 0o070 != 0 && path.starts_with(data_dir) {
        problems.add(
            "operator_socket.path",
            format!(
                "{} is inside the data directory, which only the node's account may enter \
                 (0700), so the group could not reach it: set path to a socket in a directory \
                 the group can enter, such as \"/run/rogatory/operator.sock\"",
                path.display()
            ),
        );
    }
    OperatorSocket { path, group, mode }
}

/// Where a node with this data directory serves its operator API.
pub fn operator_socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("operator.sock")
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::super::{ConfigError, NodeConfig};
    use super::*;

    fn problem_keys(extra: &str) -> Vec<(String, String)> {
        match NodeConfig::parse(&sample(extra), Path::new("/"), Path::new("x")) {
            Err(ConfigError::Invalid { problems, .. }) => {
                problems.into_iter().map(|p| (p.key, p.problem)).collect()
            }
            other => panic!("expected an invalid configuration, got {other:?}"),
        }
    }

    #[test]
    fn contact_points_map_accounts_to_names() {
        let text = sample(
            "[[contact_points]]\nname = \"Aylar Berdiyeva\"\nuid = 1001\n\
             [[contact_points]]\nname = \"Root Operator\"\nunix_user = \"root\"\n",
        );
        let config = NodeConfig::parse(&text, Path::new("/"), Path::new("x")).expect("valid");
        assert_eq!(
            config.contact_points,
            [
                ContactPoint {
                    name: "Aylar Berdiyeva".into(),
                    uid: 1001,
                    unix_user: None
                },
                ContactPoint {
                    name: "Root Operator".into(),
                    uid: 0,
                    unix_user: Some("root".into())
                },
            ]
        );
        assert_eq!(config.operator.mode, 0o600);
        assert_eq!(config.operator.group, None);
        assert_eq!(config.operator_socket(), Path::new("/data/operator.sock"));
    }

    #[test]
    fn contact_point_problems_name_their_keys() {
        let problems = problem_keys(
            "[[contact_points]]\nname = \"A\"\nunix_user = \"root\"\nuid = 0\n\
             [[contact_points]]\nname = \"B\"\n\
             [[contact_points]]\nname = \"A\"\nuid = 7\n\
             [[contact_points]]\nname = \"C\"\nuid = 7\n\
             [[contact_points]]\nuid = 8\n\
             [[contact_points]]\nname = \"D\"\nunix_user = \"no-such-user-here\"\n",
        );
        let keys: Vec<&str> = problems.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "contact_points[0].uid",
                "contact_points[1].unix_user",
                "contact_points[2].name",
                "contact_points[3].uid",
                "contact_points[4].name",
                "contact_points[5].unix_user",
            ],
            "{problems:?}"
        );
        assert!(problems[0].1.contains("exactly one"), "{problems:?}");
        assert!(problems[2].1.contains("listed twice"), "{problems:?}");
        assert!(problems[3].1.contains("uid 7"), "{problems:?}");
        assert!(problems[5].1.contains("/etc/passwd"), "{problems:?}");
    }

    #[test]
    fn a_group_socket_lives_outside_the_data_directory_with_a_safe_mode() {
        let parse = |extra: &str| NodeConfig::parse(&sample(extra), Path::new("/"), Path::new("x"));
        let shared =
            parse("[operator_socket]\ngroup = \"root\"\npath = \"/run/rogatory/op.sock\"\n")
                .expect("valid");
        assert_eq!(shared.operator.mode, 0o660);
        assert_eq!(shared.operator.group, Some(("root".into(), 0)));
        assert_eq!(shared.operator_socket(), Path::new("/run/rogatory/op.sock"));

        let inside = problem_keys("[operator_socket]\ngroup = \"root\"\n");
        assert_eq!(inside[0].0, "operator_socket.path", "{inside:?}");
        let open = problem_keys("[operator_socket]\nmode = 0o666\npath = \"/run/op.sock\"\n");
        assert_eq!(open[0].0, "operator_socket.mode", "{open:?}");
        let decimal = problem_keys("[operator_socket]\nmode = 660\n");
        assert!(decimal[0].1.contains("octal"), "{decimal:?}");
        let no_group = problem_keys("[operator_socket]\ngroup = \"no-such-group-here\"\n");
        assert_eq!(no_group[0].0, "operator_socket.group", "{no_group:?}");
    }
}
