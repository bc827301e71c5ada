//! Operating the contact-point directory: `rogatoryd --check-config` (and a start) refuse a bad
//! directory file with exit 64, naming the file and the problem; SIGHUP re-signs an edited file
//! and peers fetching see the new entry at once, while a bad edit changes nothing; peers'
//! cached copies are refreshed in the background, and a failed refresh keeps the old copy.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result};
use prost::Message;
use rogatory_node::delivery::directory::{cache_path, keep_fresh, refresh_peers};
use rogatory_node::delivery::link::Links;
use rogatory_node::operations::reload::Reloader;
use rogatory_node::transport::peer_client::PeerLinks;
use rogatory_proto::v1::{Directory, EntryKind, LogEntry, SearchDirectoryRequest, SignedDirectory};
use rogatory_tests::{Federation, TIMEOUT, rogatoryd_binary};
use tokio_util::sync::CancellationToken;

const ONE_DESK: &str = r#"
[[contact_point]]
name = "Referat II B 4"
authority = "Bundesamt für Justiz"
measures = ["trace-proceeds"]
"#;

const TWO_DESKS: &str = r#"
[[contact_point]]
name = "Referat II B 4"
authority = "Bundesamt für Justiz"
measures = ["trace-proceeds"]

[[contact_point]]
name = "Night duty prosecutor"
authority = "Generalstaatsanwaltschaft Berlin"
measures = ["trace-proceeds"]
urgent_channel = "+49 30 000 000"
"#;

/// `de` publishes `directory.toml` from its node directory.
fn de_publishes(id: &str, text: String) -> String {
    if id == "de" {
        format!("directory = \"directory.toml\"\n{text}")
    } else {
        text
    }
}

fn directory_file(federation: &Federation, id: &str) -> Result<std::path::PathBuf> {
    Ok(federation.node(id)?.dir.join("directory.toml"))
}

/// `rogatoryd --config` for `node` (with `extra` arguments), run to completion.
async fn run_daemon(
    federation: &Federation,
    node: &str,
    extra: &[&str],
) -> Result<(Option<i32>, String)> {
    let output = tokio::time::timeout(
        TIMEOUT,
        tokio::process::Command::new(rogatoryd_binary()?)
            .arg("--config")
            .arg(&federation.node(node)?.created.config_path)
            .args(extra)
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .context("rogatoryd did not exit")??;
    Ok((
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

/// The names of the contact points `tm` finds for `de`, fetched now.
async fn names_seen_by_tm(federation: &Federation) -> Result<Vec<String>> {
    let response = federation
        .operator("tm")
        .await?
        .search_directory(SearchDirectoryRequest {
            country: "de".into(),
            refresh: true,
            ..Default::default()
        })
        .await?
        .into_inner();
    let mut names: Vec<String> = response
        .matches
        .into_iter()
        .filter_map(|m| m.contact_point.map(|p| p.name))
        .collect();
    names.sort();
    Ok(names)
}

/// The names in `tm`'s cached copy of `de`'s directory, if it has one.
fn names_cached_by_tm(federation: &Federation) -> Result<Option<Vec<String>>> {
    let data_dir = federation.node("tm")?.config()?.data_dir;
    let Ok(bytes) = std::fs::read(cache_path(&data_dir, "de")) else {
        return Ok(None);
    };
    let signed = SignedDirectory::decode(bytes.as_slice())?;
    let directory = Directory::decode(signed.payload.as_slice())?;
    let mut names: Vec<String> = directory
        .contact_points
        .into_iter()
        .map(|p| p.name)
        .collect();
    names.sort();
    Ok(Some(names))
}

#[tokio::test]
async fn a_bad_directory_file_is_refused_by_check_config_and_at_start_with_exit_64() -> Result<()> {
    let mistakes = [
        (
            "a contact point without an authority",
            "[[contact_point]]\nname = \"Desk\"\n",
            "authority",
        ),
        (
            "an empty name",
            "[[contact_point]]\nname = \"\"\nauthority = \"Ministry of Justice\"\n",
            "contact_point.name",
        ),
        (
            "an unknown measure",
            "[[contact_point]]\nname = \"Desk\"\nauthority = \"MoJ\"\nmeasures = [\"teleport\"]\n",
            "teleport",
        ),
    ];
    for (what, text, names) in mistakes {
        let federation = Federation::create_with(&["tm", "de"], de_publishes)?;
        let file = directory_file(&federation, "de")?;
        std::fs::write(&file, text)?;
        for extra in [&["--check-config"][..], &[]] {
            let (code, stderr) = run_daemon(&federation, "de", extra).await?;
            assert_eq!(code, Some(64), "{what} {extra:?}: stderr:\n{stderr}");
            for needle in ["`directory`", &file.display().to_string(), names] {
                assert!(
                    stderr.contains(needle),
                    "{what} {extra:?}: stderr lacks {needle:?}:\n{stderr}"
                );
            }
        }
        // Refused before anything was written: no store was created.
        let data_dir = federation.node("de")?.config()?.data_dir;
        assert!(!data_dir.join("store").exists(), "{what}");
    }
    // A good file passes.
    let federation = Federation::create_with(&["tm", "de"], de_publishes)?;
    std::fs::write(directory_file(&federation, "de")?, ONE_DESK)?;
    let (code, stderr) = run_daemon(&federation, "de", &["--check-config"]).await?;
    assert_eq!(code, Some(0), "{stderr}");
    Ok(())
}

#[tokio::test]
async fn sighup_re_signs_an_edited_directory_and_peers_see_it_while_a_bad_edit_changes_nothing()
-> Result<()> {
    let mut federation = Federation::create_with(&["tm", "de"], de_publishes)?;
    let file = directory_file(&federation, "de")?;
    std::fs::write(&file, ONE_DESK)?;
    federation.start_node("tm").await?;
    federation.spawn_process("de", &[]).await?;
    assert_eq!(names_seen_by_tm(&federation).await?, ["Referat II B 4"]);

    let pid = federation
        .node("de")?
        .process
        .as_ref()
        .and_then(|child| child.id())
        .context("de has no process")?;
    let hangup = || async {
        let sent = tokio::process::Command::new("kill")
            .arg("-HUP")
            .arg(pid.to_string())
            .status()
            .await?;
        anyhow::ensure!(sent.success(), "kill -HUP failed");
        Ok::<_, anyhow::Error>(())
    };

    std::fs::write(&file, TWO_DESKS)?;
    hangup().await?;
    federation
        .eventually("tm to see de's new contact point", || async {
            let names = names_seen_by_tm(&federation).await?;
            Ok((names.len() == 2).then_some(()))
        })
        .await?;
    assert_eq!(
        names_seen_by_tm(&federation).await?,
        ["Night duty prosecutor", "Referat II B 4"]
    );
    federation
        .eventually("de to log the re-signed directory", || async {
            let log = federation.process_log("de");
            Ok(log
                .contains("contact-point directory re-signed and published: 2 contact points (was 1), added Night duty prosecutor")
                .then_some(()))
        })
        .await?;

    // A broken edit: refused, logged, and the directory of the last good file stays served.
    std::fs::write(&file, "[[contact_point]]\nname = \"Desk\"\n")?;
    hangup().await?;
    federation
        .eventually("de to log the refused directory", || async {
            let log = federation.process_log("de");
            Ok(log
                .contains("the directory file was not published (the old directory stays in use)")
                .then_some(()))
        })
        .await?;
    assert_eq!(
        names_seen_by_tm(&federation).await?,
        ["Night duty prosecutor", "Referat II B 4"]
    );
    federation.stop_all().await
}

#[tokio::test]
async fn peers_directories_are_refreshed_in_the_background_and_a_failure_keeps_the_old_copy()
-> Result<()> {
    let mut federation = Federation::create_with(&["tm", "de"], de_publishes)?;
    let file = directory_file(&federation, "de")?;
    std::fs::write(&file, ONE_DESK)?;
    federation.start_node("tm").await?;
    federation.start_node("de").await?;
    assert_eq!(
        names_cached_by_tm(&federation)?,
        None,
        "nothing fetched yet"
    );

    // tm's refresher, with a short interval instead of the configured hours.
    let tm = std::sync::Arc::clone(
        &federation
            .node("tm")?
            .running
            .as_ref()
            .context("tm runs")?
            .node,
    );
    let stop = CancellationToken::new();
    // The links the running node's own refresher uses: gRPC over mutual TLS.
    let links: std::sync::Arc<dyn Links> =
        std::sync::Arc::new(PeerLinks::new(std::sync::Arc::clone(&tm)));
    let refresher = tokio::spawn(keep_fresh(
        std::sync::Arc::clone(&tm),
        std::sync::Arc::clone(&links),
        Duration::from_millis(50),
        stop.clone(),
    ));
    federation
        .eventually("tm to cache de's directory unasked", || async {
            Ok(names_cached_by_tm(&federation)?.filter(|names| names.len() == 1))
        })
        .await?;

    // de's operator edits the file and reloads; tm's next round picks it up.
    std::fs::write(&file, TWO_DESKS)?;
    let de = federation.node("de")?;
    let running = de.running.as_ref().context("de runs")?;
    let report = Reloader::new(&running.node.config)
        .reload(&running.node, &de.created.config_path)
        .await?;
    assert!(
        report.applied.iter().any(|c| c.contains("re-signed")),
        "{report:?}"
    );
    // Recorded in de's audit log.
    let logged = running
        .node
        .store
        .log_entries_from(0, 100_000)?
        .into_iter()
        .filter_map(|(_, bytes)| LogEntry::decode(bytes.as_slice()).ok())
        .any(|entry| {
            entry.kind == EntryKind::ConfigChange as i32
                && entry
                    .detail
                    .contains("contact-point directory re-signed and published")
        });
    assert!(
        logged,
        "no CONFIG_CHANGE entry for the directory in de's log"
    );
    federation
        .eventually("tm to refresh de's directory unasked", || async {
            Ok(names_cached_by_tm(&federation)?.filter(|names| names.len() == 2))
        })
        .await?;
    stop.cancel();
    tokio::time::timeout(TIMEOUT, refresher).await??;

    // de is down: a round fails for de, and the copy tm holds stays.
    federation.stop_node("de").await?;
    let outcomes = refresh_peers(&tm, &*links).await;
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].0, "de");
    assert!(outcomes[0].1.is_err(), "{:?}", outcomes[0].1);
    assert_eq!(
        names_cached_by_tm(&federation)?,
        Some(vec![
            "Night duty prosecutor".to_owned(),
            "Referat II B 4".to_owned()
        ])
    );
    drop(tm);
    federation.stop_all().await
}
