//! The operators' and auditors' commands in Russian, through the real binary against real
//! nodes: `LANG=ru_RU.UTF-8` (or `--lang ru`) gives Russian headings, labels and words, and no
//! English heading of the same output remains. The English output is covered by the other files.

use crate::common::{rogatory_with_env, start_pair};

const RUSSIAN: &[(&str, &str)] = &[("LANG", "ru_RU.UTF-8")];

/// Runs `rogatory ARGS` in Russian; the exit code must be `code`. Returns stdout.
async fn russian(args: &[&str], code: i32) -> String {
    let (exit, stdout, stderr) = rogatory_with_env(args, RUSSIAN).await;
    assert_eq!(exit, code, "rogatory {args:?}\n{stdout}\n{stderr}");
    stdout
}

fn contains_all(text: &str, phrases: &[&str]) {
    for phrase in phrases {
        assert!(text.contains(phrase), "missing «{phrase}» in\n{text}");
    }
}

fn contains_none(text: &str, phrases: &[&str]) {
    for phrase in phrases {
        assert!(!text.contains(phrase), "English «{phrase}» left in\n{text}");
    }
}

#[tokio::test]
async fn status_peers_whoami_and_identity_speak_russian() {
    let pair = start_pair().await;
    let tm = pair.tm.as_str();

    let status = russian(&["--node", tm, "status"], 0).await;
    contains_all(
        &status,
        &[
            "Узел tm: РАБОТАЕТ",
            "Журнал аудита",
            "контрольная точка",
            "Сертификаты",
            "действителен до",
            "свободно",
            "УЗЕЛ",
            "ПОСЛЕДНЯЯ СВЯЗЬ",
        ],
    );
    contains_none(
        &status,
        &[
            "SERVING",
            "Identity",
            "Uptime",
            "Audit log",
            "Certificates",
            "valid until",
            "LAST CONTACT",
            "QUEUED",
        ],
    );

    let peers = russian(&["--node", tm, "--lang", "ru", "peers"], 0).await;
    contains_all(&peers, &["УЗЕЛ", "АДРЕС", "СОСТОЯНИЕ", "В ОЧЕРЕДИ", "de"]);
    contains_none(
        &peers,
        &["NODE", "ADDRESS", "STATE", "NEXT TRY", "LAST ERROR"],
    );

    let who = russian(&["--node", tm, "whoami"], 0).await;
    contains_all(&who, &["Пользователь Unix:", "Контактное лицо:", "Чтение:"]);
    contains_none(
        &who,
        &["Unix user:", "Contact point:", "Submissions:", "Reading:"],
    );

    let identity = russian(&["--node", tm, "node", "identity"], 0).await;
    contains_all(
        &identity,
        &[
            "Узел tm",
            "отпечаток ключа:",
            "журнал аудита:",
            "ОТПЕЧАТОК КЛЮЧА",
            "Другие узлы добавляют этот узел командой:",
        ],
    );
    contains_none(
        &identity,
        &[
            "fingerprint:",
            "audit log:",
            "FINGERPRINT",
            "Other nodes add",
        ],
    );

    // --json keeps the machine values English whatever the language.
    let json = russian(&["--node", tm, "--json", "status"], 0).await;
    assert!(json.contains("\"health\": \"serving\""), "{json}");

    pair.stop().await;
}
