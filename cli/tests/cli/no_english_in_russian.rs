//! No English in Russian output: every read command a contact point, operator or auditor uses,
//! run with `--lang ru` through the real binary against real nodes, is checked word by word
//! against the English catalogs. A word of an English catalog value that shows up in the
//! Russian output is a label or sentence someone forgot to put in the catalogs.
//!
//! What may legitimately stay Latin is left out before the check: ids, hashes and numbers
//! (any word with a digit), node ids (two letters), commands and flags the reader types
//! (in backticks, or starting with `--`), paths and addresses (anything with a `/`), and the
//! short [`ALLOWED`] list. The data the test sends is itself Russian, so no English comes from
//! the peers' text.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{json, ok, rogatory, rogatory_with_env, start_pair};

/// Latin words a Russian reader is meant to see: names of standards and formats, and the
/// product's own names.
const ALLOWED: &[&str] = &[
    "sha",        // SHA-256, the hash every document names
    "utc",        // the time zone of every time shown
    "pdf",        // the printed document's format
    "rogatory",   // the program's name
    "rogatoryd",  // the node's program
    "untoc",      // the Convention's abbreviation where a value keeps it
    "uid",        // the Unix user id the node knows its caller by
    "tls",        // the name of the node's TLS certificate, as `status` lists it
    "federation", // the federation CA certificate's name and subject, as `status` lists them
];

/// Every word (three letters or more) of every English catalog message, lowercased.
fn english_words() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../node/locales/en");
    let mut words = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("the English catalogs") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("catalog");
        for line in text.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with('#') || trimmed.is_empty() {
                continue;
            }
            // A message's value, or a continuation or variant line of one.
            let value = match line.split_once(" = ") {
                Some((id, value)) if !line.starts_with(' ') && !id.contains(' ') => value,
                _ => trimmed
                    .trim_start_matches('*')
                    .split_once(']')
                    .filter(|_| trimmed.trim_start_matches('*').starts_with('['))
                    .map_or(trimmed, |(_, rest)| rest),
            };
            for word in latin_words(&without_placeables(value)) {
                words.insert(word);
            }
        }
    }
    for allowed in ALLOWED {
        words.remove(*allowed);
    }
    words
}

/// The text with `{ … }` placeables removed (a selector's opening brace runs to the line's end).
fn without_placeables(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The Latin words of `text` a reader would read as language: not inside backticks, not in a
/// flag, path or address, without digits, three letters or more; lowercased.
fn latin_words(text: &str) -> Vec<String> {
    let mut outside_code = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 0 {
            outside_code.push_str(part);
            outside_code.push(' ');
        }
    }
    // A command written out where backticks cannot be (on paper): `rogatory` and the
    // lowercase words that follow it.
    let mut in_command = false;
    outside_code
        .split_whitespace()
        .filter(|chunk| {
            let word = chunk.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
            if word == "rogatory" {
                in_command = !chunk.ends_with(')');
                return false;
            }
            let still = in_command
                && !word.is_empty()
                && word.chars().all(|c| c.is_ascii_lowercase() || c == '-');
            in_command = still && !chunk.ends_with(')');
            !still
        })
        .filter(|chunk| !chunk.contains('/') && !chunk.starts_with("--") && !chunk.contains('@'))
        .filter(|chunk| !is_file_name(chunk))
        .flat_map(|chunk| chunk.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|word| word.len() >= 3 && !word.chars().any(|c| c.is_ascii_digit()))
        .filter(|word| word.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_ascii_lowercase)
        .collect()
}

/// `keys.txt`, `node.toml`: a dot with a letter after it.
fn is_file_name(chunk: &str) -> bool {
    chunk
        .as_bytes()
        .windows(2)
        .any(|pair| pair[0] == b'.' && pair[1].is_ascii_alphabetic())
}

/// The English catalog words in `text`.
fn leaks(text: &str, english: &BTreeSet<String>) -> BTreeSet<String> {
    latin_words(text)
        .into_iter()
        .filter(|word| english.contains(word))
        .collect()
}

/// A Russian request, as a Russian-speaking prosecutor's office writes it.
const RUSSIAN_REQUEST: &str = r#"
to = "de"

[routing]
national_reference = "ГП ТМ 2025/ТЛ-0147"
legal_basis = ["Конвенция ООН против транснациональной организованной преступности, ст. 18"]

[routing.requesting_authority]
name = "Генеральная прокуратура Туркменистана, отдел международно-правового сотрудничества"
contact = "Ашхабад, Туркменистан"

[routing.requested_authority]
name = "Федеральное ведомство юстиции Германии"
contact = "Бонн, Германия"

[substance]
subject = "Торговля людьми в целях эксплуатации труда"
stage = "investigation"
summary_of_facts = "В марте 2024 года потерпевшая была завербована в Ашхабаде и вывезена в Гамбург."
assistance = ["take-evidence", "records"]
purpose = "Доказательства по уголовному делу ГП ТМ 2025/ТЛ-0147."
questions = ["Когда вы познакомились с потерпевшей?"]

[handling]
confidential = true
language = "ru"
signed_by = "Старший прокурор А. Бердыев"

[urgency]
urgent = true
reasons = "Свидетель покидает Германию."
deadline = "2026-07-01"

[[offences]]
description = "Торговля людьми, совершённая организованной группой"
legal_provision = "УК Туркменистана, ст. 129/1"

[[persons]]
name = "Керим Мырадов"
role = "suspect"
nationality = "Туркменистан"
location = "Ашхабад"
"#;

/// `rogatory --lang ru ARGS`: its stdout, the exit code being `code`.
async fn russian(args: &[&str], code: i32) -> String {
    let mut all = vec!["--lang", "ru"];
    all.extend_from_slice(args);
    let (exit, stdout, stderr) = rogatory_with_env(&all, &[("LC_ALL", "C.UTF-8")]).await;
    assert_eq!(exit, code, "rogatory {all:?}\n{stdout}\n{stderr}");
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn russian_readers_see_no_english_word_in_what_they_read() {
    let english = english_words();
    let pair = start_pair().await;
    let (tm, de) = (pair.tm.clone(), pair.de.clone());
    let request_file = pair.root.path().join("просьба.toml");
    std::fs::write(&request_file, RUSSIAN_REQUEST).expect("request file");
    let request_file = request_file.to_str().expect("utf-8");

    let mut outputs: Vec<(String, String)> = Vec::new();
    let sent = russian(
        &[
            "--node",
            &tm,
            "request",
            "send",
            request_file,
            "--as",
            "Старший прокурор А. Бердыев",
        ],
        0,
    )
    .await;
    outputs.push(("request send".into(), sent));
    let inbox = json(&ok(&["--node", &de, "--json", "inbox"]).await);
    let request_id = inbox[0]["message_id"].as_str().expect("id").to_owned();
    let case_id = inbox[0]["case_id"].as_str().expect("case").to_owned();
    let status = russian(
        &[
            "--node",
            &de,
            "status",
            "send",
            "--refers-to",
            &request_id,
            "--status",
            "acknowledged",
            "--note",
            "Просьба передана в прокуратуру Гамбурга.",
            "--reference",
            "Az. 12/26",
            "--as",
            "Контактное лицо Б. Шмидт",
        ],
        0,
    )
    .await;
    outputs.push(("status send".into(), status));
    let outbox = json(&ok(&["--node", &de, "--json", "outbox"]).await);
    let update_id = outbox[0]["message_id"].as_str().expect("id").to_owned();

    // Outside the request's lifecycle: information sent without a request, with its use
    // restrictions, and a consultation between the contact points.
    let informed = russian(
        &[
            "--node",
            &de,
            "inform",
            "--to",
            "tm",
            "--subject",
            "Курьеры с наличными",
            "--text",
            "Два курьера выехали 3 марта.",
            "--restriction",
            "stated-purpose-only",
            "--purpose",
            "расследование по делу о торговле людьми",
            "--restriction",
            "confidential",
            "--confidential-until",
            "2026-12-31",
            "--as",
            "Контактное лицо Б. Шмидт",
        ],
        0,
    )
    .await;
    outputs.push(("inform".into(), informed));
    let consulted = russian(
        &[
            "--node",
            &tm,
            "consult",
            "--to",
            "de",
            "--text",
            "Нужны ли вам заверенные переводы?",
            "--as",
            "Старший прокурор А. Бердыев",
        ],
        0,
    )
    .await;
    outputs.push(("consult".into(), consulted));
    let tm_inbox = json(&ok(&["--node", &tm, "--json", "inbox"]).await);
    let information_id = tm_inbox[0]["message_id"].as_str().expect("id").to_owned();
    let information_case = tm_inbox[0]["case_id"].as_str().expect("case").to_owned();
    let de_inbox = json(&ok(&["--node", &de, "--json", "inbox"]).await);
    let consultation_id = de_inbox[0]["message_id"].as_str().expect("id").to_owned();

    let reads: Vec<(&str, Vec<&str>)> = vec![
        (
            "message show (information)",
            vec!["--node", &tm, "message", "show", &information_id],
        ),
        (
            "message show (consultation)",
            vec!["--node", &de, "message", "show", &consultation_id],
        ),
        (
            "case show (information)",
            vec!["--node", &tm, "case", "show", &information_case],
        ),
        (
            "message show (request, tm)",
            vec!["--node", &tm, "message", "show", &request_id],
        ),
        (
            "message show (request, de)",
            vec!["--node", &de, "message", "show", &request_id],
        ),
        (
            "message show (status, tm)",
            vec!["--node", &tm, "message", "show", &update_id],
        ),
        (
            "case show (tm)",
            vec!["--node", &tm, "case", "show", &case_id],
        ),
        (
            "case show (de)",
            vec!["--node", &de, "case", "show", &case_id],
        ),
        ("case list", vec!["--node", &tm, "case", "list"]),
        ("inbox", vec!["--node", &de, "inbox"]),
        ("outbox", vec!["--node", &tm, "outbox"]),
        ("attention (tm)", vec!["--node", &tm, "attention"]),
        ("attention (de)", vec!["--node", &de, "attention"]),
        ("directory show", vec!["--node", &tm, "directory", "show"]),
        (
            "directory search",
            vec!["--node", &tm, "directory", "search"],
        ),
        ("status", vec!["--node", &tm, "status"]),
        ("peers", vec!["--node", &tm, "peers"]),
        ("search", vec!["--node", &de, "search", "Мырадов"]),
    ];
    for (name, args) in reads {
        outputs.push((name.to_owned(), russian(&args, 0).await));
    }

    // An auditor's check of the node's exported log.
    let deadline = Instant::now() + Duration::from_secs(60);
    while json(&ok(&["--node", &tm, "--json", "log", "checkpoint"]).await)["size"] == 0 {
        assert!(Instant::now() < deadline, "no checkpoint");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let bundle = pair.root.path().join("bundle");
    let bundle = bundle.to_str().expect("utf-8");
    ok(&["--node", &tm, "audit", "export", bundle]).await;
    outputs.push((
        "audit verify".into(),
        russian(&["audit", "verify", bundle], 0).await,
    ));

    // The auditor's other checks: the two nodes' logs against each other, and one entry's
    // inclusion proof checked without the bundle.
    let de_bundle = pair.root.path().join("de-bundle");
    let de_bundle = de_bundle.to_str().expect("utf-8");
    ok(&["--node", &de, "audit", "export", de_bundle]).await;
    outputs.push((
        "audit cross-check".into(),
        russian(&["audit", "cross-check", bundle, de_bundle], 0).await,
    ));
    let entry = pair.root.path().join("entry.bin");
    let entry = entry.to_str().expect("utf-8");
    let proof = ok(&[
        "audit",
        "prove",
        bundle,
        "--index",
        "0",
        "--entry-out",
        entry,
    ])
    .await;
    let proof_file = pair.root.path().join("entry.proof");
    std::fs::write(&proof_file, proof).expect("proof file");
    let keys = std::fs::read_to_string(Path::new(bundle).join("keys.txt")).expect("keys.txt");
    let tm_key = keys.lines().next().expect("the node's key");
    outputs.push((
        "audit check-proof".into(),
        russian(
            &[
                "audit",
                "check-proof",
                proof_file.to_str().expect("utf-8"),
                "--key",
                tm_key,
                "--entry-file",
                entry,
            ],
            0,
        )
        .await,
    ));

    // Paper: the case file and the request as printed for a Russian reader, and the check of
    // the printed case file against the audit bundle.
    for (what, args) in [
        ("case print", vec!["case", "print", case_id.as_str()]),
        (
            "message print",
            vec!["message", "print", request_id.as_str()],
        ),
    ] {
        let pdf = pair
            .root
            .path()
            .join(format!("{}.pdf", what.replace(' ', "-")));
        let pdf_arg = pdf.to_str().expect("utf-8");
        let mut all = vec!["--node", tm.as_str()];
        all.extend(args);
        all.extend(["--out", pdf_arg]);
        outputs.push((what.to_owned(), russian(&all, 0).await));
        let bytes = std::fs::read(&pdf).expect("the PDF");
        let text = pdf_extract::extract_text_from_mem(&bytes).expect("the PDF's text");
        outputs.push((format!("{what} (PDF)"), text));
        outputs.push((
            format!("audit check-document ({what})"),
            russian(&["audit", "check-document", bundle, "--pdf", pdf_arg], 0).await,
        ));
    }

    let leaked: Vec<String> = outputs
        .iter()
        .filter_map(|(name, text)| {
            let words = leaks(text, &english);
            (!words.is_empty()).then(|| format!("{name}: {words:?}\n{text}"))
        })
        .collect();
    assert!(
        leaked.is_empty(),
        "English left in Russian output:\n\n{}",
        leaked.join("\n\n")
    );

    // `--json` is the same whatever the reader's language: machine values and English.
    let case_json = json(&russian(&["--node", &tm, "--json", "case", "show", &case_id], 0).await);
    assert_eq!(
        case_json["requests"][0]["state"], "acknowledged",
        "{case_json}"
    );
    let receipt = case_json["timeline"][0]["receipt"]
        .as_str()
        .expect("receipt");
    assert!(receipt.starts_with("de stored it at "), "{case_json}");

    // `case show` opens with what identifies the case: the title and both sides' references,
    // then parties, state and what is due, before the requests and the thread.
    let case = &outputs
        .iter()
        .find(|(name, _)| name == "case show (tm)")
        .expect("case show")
        .1;
    assert!(
        case.starts_with("Торговля людьми в целях эксплуатации труда\n"),
        "{case}"
    );
    let at = |needle: &str| {
        case.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} in:\n{case}"))
    };
    assert!(
        at("ГП ТМ 2025/ТЛ-0147; de: Az. 12/26") < at("стороны:"),
        "{case}"
    );
    assert!(at("стороны:") < at("состояние:"), "{case}");
    assert!(at("состояние:") < at("далее:"), "{case}");
    assert!(at("далее:") < at("Просьбы (сроки на"), "{case}");
    assert!(at("Просьбы (сроки на") < at("Ход дела (UTC)"), "{case}");
    pair.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_show_and_message_show_lead_with_the_title_and_references_in_english() {
    let pair = start_pair().await;
    let (tm, de) = (pair.tm.clone(), pair.de.clone());
    crate::common::send_example_request(&tm).await;
    let inbox = json(&ok(&["--node", &de, "--json", "inbox"]).await);
    let request_id = inbox[0]["message_id"].as_str().expect("id").to_owned();
    let case_id = inbox[0]["case_id"].as_str().expect("case").to_owned();
    let (code, _, stderr) = rogatory(&[
        "--node",
        &de,
        "status",
        "send",
        "--refers-to",
        &request_id,
        "--status",
        "acknowledged",
        "--reference",
        "StA HH 12/26",
    ])
    .await;
    assert_eq!(code, 0, "{stderr}");

    let case = ok(&["--node", &de, "case", "show", &case_id]).await;
    let title = "Trafficking in persons for labour exploitation: recruited in Turkmenistan, \
                 exploited in Hamburg";
    assert!(case.starts_with(&format!("{title}\n")), "{case}");
    let at = |needle: &str| {
        case.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} in:\n{case}"))
    };
    assert!(at("  case:") < at("  references:"), "{case}");
    assert!(
        case.contains("references:   StA HH 12/26; tm: TM-GPO 2025/TIP-0147"),
        "{case}"
    );
    assert!(at("  references:") < at("  parties:      tm, de"), "{case}");
    assert!(
        at("  parties:") < at("  state:        acknowledged"),
        "{case}"
    );
    assert!(at("  state:") < at("  next:         decide by"), "{case}");
    assert!(at("  next:") < at("Requests (deadlines as of"), "{case}");
    assert!(
        at("Requests (deadlines as of") < at("Timeline (UTC)"),
        "{case}"
    );

    // A status update names its request's title and the references near the top.
    let outbox = json(&ok(&["--node", &de, "--json", "outbox"]).await);
    let update_id = outbox[0]["message_id"].as_str().expect("id").to_owned();
    let update = ok(&["--node", &tm, "message", "show", &update_id]).await;
    assert!(
        update.starts_with("Status update from de to tm\n  title:"),
        "{update}"
    );
    assert!(update.contains(title), "{update}");
    assert!(
        update.contains("references:       TM-GPO 2025/TIP-0147; de: StA HH 12/26"),
        "{update}"
    );
    pair.stop().await;
}

#[test]
fn the_guard_reads_catalog_words_and_skips_ids_commands_and_paths() {
    let english = english_words();
    assert!(english.contains("request") && english.contains("overdue"));
    assert!(!english.contains("sha"));
    let text =
        "Дело tm-01J0ABCDEF `rogatory case show ДЕЛО` /tmp/x/data --as-of 12ab SHA-256 keys.txt";
    assert!(leaks(text, &english).is_empty());
    // On paper, a command has no backticks: it runs from `rogatory` to its first non-word.
    let paper =
        "выгрузка (rogatory audit export), проверить: rogatory audit check-document ВЫГРУЗКА";
    assert!(leaks(paper, &english).is_empty());
    assert_eq!(
        leaks("(rogatory audit export) audit", &english),
        BTreeSet::from(["audit".to_owned()])
    );
    assert_eq!(
        leaks("состояние: OVERDUE, next attempt", &english),
        ["attempt", "next", "overdue"]
            .into_iter()
            .map(String::from)
            .collect()
    );
}

#[tokio::test]
async fn a_refusal_without_its_ground_is_refused_in_the_readers_language() {
    let args = [
        "--node",
        "/nonexistent",
        "status",
        "send",
        "--refers-to",
        "01J0000000000000000000000A",
        "--status",
        "refused",
    ];
    let (code, _, english) = rogatory(&args).await;
    assert_eq!(code, 1, "{english}");
    assert!(
        english.contains("a refusal must name its ground"),
        "{english}"
    );
    let mut russian_args = vec!["--lang", "ru"];
    russian_args.extend(args);
    let (code, _, russian) = rogatory(&russian_args).await;
    assert_eq!(code, 1, "{russian}");
    assert!(
        russian.contains("в отказе должно быть указано его основание"),
        "{russian}"
    );
    assert!(!russian.contains("must name"), "{russian}");
}
