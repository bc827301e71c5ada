//! Paper end to end: `message print` and `case print` through the real binary against real
//! nodes, the PDF's text read back (pdf-extract) and its font dictionaries inspected (lopdf),
//! and `audit check-document` against real audit bundles, by code and by `--pdf`.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::common::{EXAMPLE_REQUEST, json, ok, rogatory, start_pair};

/// The text of a PDF as a reader would copy it.
fn pdf_text(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("read the PDF");
    pdf_extract::extract_text_from_mem(&bytes).expect("the PDF's text extracts")
}

/// Text without white space: a phrase wrapped across lines comes out of the PDF with its line
/// break as nothing, a space or a newline, depending on the extractor.
fn squashed(text: &str) -> String {
    text.split_whitespace().collect()
}

/// Asserts that every phrase is in the PDF's text, wherever its lines were broken.
fn assert_has(pdf: &str, text: &str, phrases: &[&str]) {
    let squashed_text = squashed(text);
    for phrase in phrases {
        assert!(
            squashed_text.contains(&squashed(phrase)),
            "{pdf} lacks {phrase:?}:\n{text}"
        );
    }
}

/// Every font of the PDF with whether its program is embedded (FontFile2, or FontFile3 /
/// FontFile for other font formats) in its descriptor.
fn fonts(path: &Path) -> Vec<(String, bool)> {
    let document = lopdf::Document::load(path).expect("the PDF parses");
    let mut found = Vec::new();
    for object in document.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        let is_descriptor = dict
            .get(b"Type")
            .and_then(|t| t.as_name())
            .is_ok_and(|name| name == b"FontDescriptor");
        if !is_descriptor {
            continue;
        }
        let name = dict
            .get(b"FontName")
            .and_then(|n| n.as_name())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        let embedded = dict.has(b"FontFile2") || dict.has(b"FontFile3") || dict.has(b"FontFile");
        found.push((name, embedded));
    }
    found
}

/// The example request with a Cyrillic witness and subject, and one evidence file.
fn request_with_cyrillic_and_a_file(dir: &Path) -> (std::path::PathBuf, String) {
    let evidence = dir.join("показания-Lindner.pdf");
    std::fs::write(&evidence, b"%PDF-1.4 statement of the witness").expect("write");
    let digest = hex::encode(Sha256::digest(std::fs::read(&evidence).expect("read")));
    let example = std::fs::read_to_string(EXAMPLE_REQUEST).expect("example request");
    let example = example.replace(
        "subject = \"Trafficking in persons for labour exploitation",
        "subject = \"Торговля людьми / Trafficking in persons for labour exploitation",
    );
    let request = dir.join("request.toml");
    std::fs::write(
        &request,
        format!(
            "{example}\n[[persons]]\nname = \"Атаев Довлет Мурадович\"\nrole = \"witness\"\n\
             nationality = \"Туркменистан\"\n\n[[attachments]]\npath = \"показания-Lindner.pdf\"\n\
             media_type = \"application/pdf\"\n"
        ),
    )
    .expect("write");
    (request, digest)
}

/// The verification code `print` reported (one per message printed).
fn codes(printed: &str) -> Vec<String> {
    json(printed)["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_printed_request_shows_every_field_embeds_its_fonts_and_its_code_checks_against_the_log()
{
    let pair = start_pair().await;
    let (tm, de) = (pair.tm.clone(), pair.de.clone());
    let dir = pair.root.path();
    let (request, digest) = request_with_cyrillic_and_a_file(dir);
    let sent = ok(&[
        "--node",
        &tm,
        "request",
        "send",
        request.to_str().expect("utf-8"),
        "--as",
        "Prosecutor A.",
    ])
    .await;
    assert!(sent.contains("DELIVERED"), "{sent}");
    let inbox = json(&ok(&["--node", &de, "--json", "inbox"]).await);
    let message_id = inbox[0]["message_id"].as_str().expect("id").to_owned();

    // Printed on both sides, in English.
    let path = |name: &str| dir.join(name).to_str().expect("utf-8").to_owned();
    let (tm_pdf, de_pdf) = (path("tm.pdf"), path("de.pdf"));
    let printed_tm = ok(&[
        "--node",
        &tm,
        "--json",
        "--lang",
        "en",
        "message",
        "print",
        &message_id,
        "--out",
        &tm_pdf,
    ])
    .await;
    let printed_de = ok(&[
        "--node",
        &de,
        "--json",
        "--lang",
        "en",
        "message",
        "print",
        &message_id,
        "--out",
        &de_pdf,
    ])
    .await;
    let (tm_code, de_code) = (codes(&printed_tm)[0].clone(), codes(&printed_de)[0].clone());
    assert!(tm_code.starts_with("tm-"), "{tm_code}");
    assert!(de_code.starts_with("de-"), "{de_code}");

    for (pdf, code) in [(&tm_pdf, &tm_code), (&de_pdf, &de_code)] {
        let text = pdf_text(Path::new(pdf));
        assert_has(
            pdf,
            &text,
            &[
                "Request for mutual legal assistance",
                "Requesting authority",
                "Prosecutor General's Office of Turkmenistan",
                "Authority conducting the investigation, prosecution or proceedings",
                "Central authority of the requested State",
                "Bundesamt für Justiz",
                "TM-GPO 2025/TIP-0147",
                "Торговля людьми",
                "Criminal Code of Turkmenistan, art. 129/1",
                "Summary of the relevant facts",
                "Атаев Довлет Мурадович",
                "Туркменистан",
                "Aýna Durdyýewa",
                "Purpose of the evidence, information or action sought (art. 18(19))",
                "Did Ms Durdyýewa tell you who held her passport",
                "Aman Berdiyev, Senior Prosecutor",
                "показания-Lindner.pdf",
                &digest,
                &message_id,
                "Verification code",
                code,
                "page 1 of",
            ],
        );
        let fonts = fonts(Path::new(pdf));
        assert!(!fonts.is_empty(), "{pdf} has no font");
        for (name, embedded) in &fonts {
            assert!(embedded, "{pdf}: font {name} is not embedded");
            assert!(name.contains("DejaVuSerif"), "{pdf}: font {name}");
        }
    }
    // The sender's copy names both log positions: its own entry and the receiver's receipt.
    let tm_text = pdf_text(Path::new(&tm_pdf));
    assert_has(
        &tm_pdf,
        &tm_text,
        &[
            "Receipt signed by node de",
            "Entry in the audit log of node tm",
        ],
    );

    // In Russian: the headings and the date convention change; the peer's text does not.
    let ru_pdf = path("ru.pdf");
    ok(&[
        "--node",
        &de,
        "--lang",
        "ru",
        "message",
        "print",
        &message_id,
        "--out",
        &ru_pdf,
    ])
    .await;
    let ru_text = pdf_text(Path::new(&ru_pdf));
    assert_has(
        &ru_pdf,
        &ru_text,
        &[
            "Просьба об оказании взаимной правовой помощи",
            "Орган, обращающийся с просьбой",
            "Резюме соответствующих фактов",
            "Код проверки",
            "стр. 1 из",
            "Атаев Довлет Мурадович",
            "Prosecutor General's Office of Turkmenistan",
            &de_code,
        ],
    );
    let russian_date = ru_text.split_whitespace().any(|word| {
        let parts: Vec<&str> = word.split('.').collect();
        parts.len() == 3
            && parts[0].len() == 2
            && parts[1].len() == 2
            && parts[2].len() == 4
            && word.chars().all(|c| c.is_ascii_digit() || c == '.')
    });
    assert!(russian_date, "no ДД.ММ.ГГГГ date in ru.pdf:\n{ru_text}");

    // An existing file is never written over.
    let (code, _, stderr) = rogatory(&[
        "--node",
        &de,
        "message",
        "print",
        &message_id,
        "--out",
        &de_pdf,
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");

    // Each node's bundle checks its own document, by code and from the PDF.
    let (tm_bundle, de_bundle) = (path("tm-audit"), path("de-audit"));
    ok(&["--node", &tm, "audit", "export", &tm_bundle]).await;
    ok(&["--node", &de, "audit", "export", &de_bundle]).await;
    let checked = ok(&["audit", "check-document", &tm_bundle, &tm_code]).await;
    assert!(checked.contains("Document CHECKED"), "{checked}");
    assert!(checked.contains(&message_id), "{checked}");
    assert!(checked.contains("from node tm to node de"), "{checked}");
    assert!(checked.contains("Торговля людьми"), "{checked}");
    let checked = ok(&["audit", "check-document", &de_bundle, "--pdf", &de_pdf]).await;
    assert!(checked.contains("Document CHECKED"), "{checked}");
    assert!(checked.contains("MESSAGE_RECEIVED"), "{checked}");
    assert!(checked.contains("taken on trust"), "{checked}");
    // tm's key as its operator gives it (the first line of tm's own keys.txt), pinned.
    let tm_key = std::fs::read_to_string(Path::new(&tm_bundle).join("keys.txt")).expect("keys");
    let pinned = path("keys-from-operators.txt");
    std::fs::write(&pinned, tm_key.lines().next().expect("tm's key")).expect("write");
    let checked = ok(&[
        "audit",
        "check-document",
        &de_bundle,
        "--pdf",
        &de_pdf,
        "--peer-keys",
        &pinned,
    ])
    .await;
    assert!(checked.contains("Document CHECKED"), "{checked}");
    assert!(checked.contains("the key is pinned"), "{checked}");
    let checked = json(&ok(&["--json", "audit", "check-document", &tm_bundle, &tm_code]).await);
    assert_eq!(checked[0]["ok"], true, "{checked}");
    assert_eq!(checked[0]["message"]["message_id"], message_id.as_str());
    assert_eq!(
        checked[0]["message"]["entry_kind"],
        "ENTRY_KIND_MESSAGE_SENT"
    );

    // One symbol changed: the code no longer matches the entry it names.
    let last = tm_code.chars().last().expect("code");
    let changed = format!(
        "{}{}",
        &tm_code[..tm_code.len() - 1],
        if last == 'A' { 'B' } else { 'A' }
    );
    let (code, stdout, stderr) = rogatory(&["audit", "check-document", &tm_bundle, &changed]).await;
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(stdout.contains("does NOT check"), "{stdout}");
    assert!(stdout.contains("mistyped"), "{stdout}");
    assert!(stdout.contains(&message_id), "{stdout}");

    // Another node's bundle: said plainly, exit 2.
    let (code, stdout, stderr) = rogatory(&["audit", "check-document", &de_bundle, &tm_code]).await;
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("the code names node tm's audit log, but this bundle is node de's"),
        "{stdout}"
    );

    // A bundle altered after export does not vouch for anything.
    let altered = path("tm-audit-altered");
    std::fs::create_dir(&altered).expect("mkdir");
    for entry in std::fs::read_dir(&tm_bundle).expect("bundle") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), Path::new(&altered).join(entry.file_name())).expect("copy");
        } else {
            std::fs::create_dir(Path::new(&altered).join(entry.file_name())).expect("mkdir");
            for note in std::fs::read_dir(entry.path()).expect("checkpoints") {
                let note = note.expect("note");
                std::fs::copy(
                    note.path(),
                    Path::new(&altered)
                        .join(entry.file_name())
                        .join(note.file_name()),
                )
                .expect("copy");
            }
        }
    }
    let entries = Path::new(&altered).join("entries.bin");
    let mut bytes = std::fs::read(&entries).expect("entries");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&entries, bytes).expect("write");
    let (code, stdout, stderr) = rogatory(&["audit", "check-document", &altered, &tm_code]).await;
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("the audit bundle itself does not verify"),
        "{stdout}"
    );

    // The document de printed, checked against tm's bundle.
    let (code, stdout, _) =
        rogatory(&["audit", "check-document", &tm_bundle, "--pdf", &de_pdf]).await;
    assert_eq!(code, 2, "{stdout}");

    pair.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_printed_case_holds_the_request_its_status_updates_and_consultations_in_order() {
    let pair = start_pair().await;
    let (tm, de) = (pair.tm.clone(), pair.de.clone());
    let dir = pair.root.path();
    crate::common::send_example_request(&tm).await;
    let inbox = json(&ok(&["--node", &de, "--json", "inbox"]).await);
    let case_id = inbox[0]["case_id"].as_str().expect("case").to_owned();
    for (status, note) in [
        (
            "acknowledged",
            "Received by the Federal Office of Justice; file 9-2026.",
        ),
        (
            "under-review",
            "Forwarded to the public prosecutor in Hamburg.",
        ),
        ("accepted", "The hearing of Ms Lindner is set for 12 May."),
    ] {
        ok(&[
            "--node",
            &de,
            "case",
            "reply",
            &case_id,
            "--status",
            status,
            "--note",
            note,
            "--as",
            "B. Schmidt",
        ])
        .await;
    }
    ok(&[
        "--node",
        &tm,
        "consult",
        "--to",
        "de",
        "--case",
        &case_id,
        "--text",
        "Could the hearing be held by videoconference?",
        "--as",
        "A. Nurov",
    ])
    .await;
    let out = dir.join("case.pdf");
    let out_arg = out.to_str().expect("utf-8");
    let printed = ok(&[
        "--node", &tm, "--json", "--lang", "en", "case", "print", &case_id, "--out", out_arg,
    ])
    .await;
    assert_eq!(codes(&printed).len(), 5, "{printed}");
    let text = pdf_text(&out);
    let flat = squashed(&text);
    let at = |needle: &str| {
        flat.find(&squashed(needle))
            .unwrap_or_else(|| panic!("case.pdf lacks {needle:?}:\n{text}"))
    };
    // The contents, then the request, then each update in the order it was made.
    let contents = at("Contents of the case file");
    let request = at("Summary of the relevant facts");
    let first = at("Received by the Federal Office of Justice");
    let second = at("Forwarded to the public prosecutor in Hamburg");
    let third = at("The hearing of Ms Lindner is set for 12 May");
    let consultation = at("Could the hearing be held by videoconference?");
    assert!(contents < request && request < first && first < second && second < third);
    assert!(third < consultation);
    assert_has(
        "case.pdf",
        &text,
        &[
            "B. Schmidt",
            "A. Nurov",
            "Direct consultation between contact points",
            &format!("Case file {case_id}"),
        ],
    );

    // Every message's code in the printed case checks against tm's log.
    let bundle = dir.join("tm-audit");
    let bundle_arg = bundle.to_str().expect("utf-8");
    ok(&["--node", &tm, "audit", "export", bundle_arg]).await;
    let checked = json(
        &ok(&[
            "--json",
            "audit",
            "check-document",
            bundle_arg,
            "--pdf",
            out_arg,
        ])
        .await,
    );
    let verdicts = checked.as_array().expect("verdicts");
    assert_eq!(verdicts.len(), 5, "{checked}");
    assert!(verdicts.iter().all(|v| v["ok"] == true), "{checked}");
    let bodies: Vec<&str> = verdicts
        .iter()
        .map(|v| v["message"]["body"].as_str().expect("body"))
        .collect();
    assert_eq!(
        bodies,
        [
            "mla_request",
            "status_update",
            "status_update",
            "status_update",
            "consultation"
        ]
    );

    // The same case for a Russian reader: the headings change, what people wrote does not.
    let ru = dir.join("дело.pdf");
    let ru_arg = ru.to_str().expect("utf-8");
    ok(&[
        "--node", &tm, "--lang", "ru", "case", "print", &case_id, "--out", ru_arg,
    ])
    .await;
    let ru_text = pdf_text(&ru);
    assert_has(
        "дело.pdf",
        &ru_text,
        &[
            &format!("Материалы дела {case_id}"),
            "Содержание материалов дела",
            "Просьба об оказании взаимной правовой помощи",
            "Сообщение о ходе рассмотрения просьбы",
            "Непосредственная консультация контактных лиц",
            "Сообщаемый статус",
            "Forwarded to the public prosecutor in Hamburg.",
        ],
    );
    let checked = ok(&[
        "--lang",
        "ru",
        "audit",
        "check-document",
        bundle_arg,
        "--pdf",
        ru_arg,
    ])
    .await;
    assert!(checked.contains("Документ ПРОВЕРЕН"), "{checked}");

    pair.stop().await;
}
