//! The operators', auditors' and governors' commands in Russian, through the real binary against
//! real nodes: `LANG=ru_RU.UTF-8` (or `--lang ru`) gives Russian headings, labels and words, and
//! no English heading of the same output remains. The English output is covered by the other
//! files.

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

    let directory = russian(&["--node", tm, "directory", "show"], 0).await;
    contains_all(&directory, &["Этот узел не публикует контактных лиц"]);
    contains_none(&directory, &["publishes no contact points"]);

    // --json keeps the machine values English whatever the language.
    let json = russian(&["--node", tm, "--json", "status"], 0).await;
    assert!(json.contains("\"health\": \"serving\""), "{json}");

    pair.stop().await;
}

#[tokio::test]
async fn the_auditors_verdicts_speak_russian_and_keep_their_exit_codes() {
    let pair = start_pair().await;
    let tm = pair.tm.as_str();

    let verdict = russian(&["--node", tm, "log", "verify"], 0).await;
    contains_all(&verdict, &["журнал аудита ПРОВЕРЕН", "вершина"]);
    contains_none(&verdict, &["audit log OK", "entries", "head"]);

    let bundle = pair.root.path().join("bundle");
    let bundle = bundle.to_str().expect("utf-8");
    let exported = russian(&["--node", tm, "audit", "export", bundle], 0).await;
    contains_all(
        &exported,
        &[
            "пакет аудита узла tm записан",
            "ключи для проверки",
            "проверка без узла: rogatory audit verify",
        ],
    );
    contains_none(&exported, &["wrote audit bundle", "check it offline"]);

    let verified = russian(&["audit", "verify", bundle], 0).await;
    contains_all(
        &verified,
        &[
            "пакет ПРОВЕРЕН",
            "контрольн",
            "узел tm подписывает ключом",
            "ключи, принятые на веру из keys.txt пакета",
        ],
    );
    contains_none(
        &verified,
        &[
            "bundle OK",
            "signs with",
            "taken on trust",
            "after the latest",
        ],
    );
    // The JSON verdict stays English for machines.
    let json = russian(&["--json", "audit", "verify", bundle], 0).await;
    assert!(json.contains("\"ok\": true"), "{json}");

    // An altered bundle: the Russian verdict names the failure, exit code 5 as in English.
    let entries = std::path::Path::new(bundle).join("entries.bin");
    let mut bytes = std::fs::read(&entries).expect("entries.bin");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&entries, bytes).expect("altered");
    let (english_code, _, _) = crate::common::rogatory(&["audit", "verify", bundle]).await;
    let failed = russian(&["audit", "verify", bundle], english_code).await;
    assert_ne!(english_code, 0);
    contains_all(&failed, &["пакет НЕ ПРОШЁЛ ПРОВЕРКУ"]);
    contains_none(&failed, &["bundle FAILED"]);

    pair.stop().await;
}

#[tokio::test]
async fn ca_create_node_init_and_ca_issue_speak_russian() {
    let root = tempfile::tempdir().expect("tempdir");
    let path = |name: &str| root.path().join(name).to_str().expect("utf-8").to_owned();
    let (ca, node) = (path("ca"), path("kz"));

    let created = russian(&["ca", "create", "--dir", &ca], 0).await;
    contains_all(
        &created,
        &[
            "Удостоверяющий центр федерации",
            "закрытый ключ (секретный):",
            "Храните закрытый ключ вне сети",
        ],
    );
    contains_none(
        &created,
        &["Created the federation CA", "private key (secret)"],
    );

    let port = rogatory_tests::free_port().expect("port").to_string();
    let initialised = russian(
        &[
            "node",
            "init",
            "--id",
            "kz",
            "--dir",
            &node,
            "--listen",
            &port,
            "--address",
            "kz.example.org:7400",
            "--country",
            "KZ",
            "--authority",
            "Генеральная прокуратура Республики Казахстан",
        ],
        0,
    )
    .await;
    contains_all(
        &initialised,
        &[
            "Узел kz инициализирован",
            "запрос на присоединение:",
            "отпечаток ключа подписи:",
            "отпечаток ключа TLS:",
            "Далее: отправьте",
        ],
    );
    contains_none(
        &initialised,
        &["Initialised node", "join request:", "fingerprint:", "Next:"],
    );

    let request = std::path::Path::new(&node).join("join-request.txt");
    let response = path("kz.certificate.pem");
    let issued = russian(
        &[
            "ca",
            "issue",
            request.to_str().expect("utf-8"),
            "--ca",
            &ca,
            "--out",
            &response,
        ],
        0,
    )
    .await;
    contains_all(
        &issued,
        &[
            "Запрос на присоединение проверен (первый запрос на присоединение):",
            "страна:",
            "орган:",
            // The request's own words are shown as written.
            "Генеральная прокуратура Республики Казахстан",
            "отпечаток ключа подписи:",
            "Позвоните оператору узла",
            "действителен до",
        ],
    );
    contains_none(
        &issued,
        &[
            "Join request verified",
            "country:",
            "valid until",
            "Call the",
        ],
    );
}

#[tokio::test]
async fn governors_read_a_roster_and_its_signatures_in_russian() {
    use crate::federation::{genesis, governors, path};

    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path();
    crate::common::provision(dir);
    let governors = governors(dir).await;
    let roster_1 = genesis(dir, &governors).await;

    let made = russian(
        &[
            "federation",
            "governor-key",
            "--out",
            &path(dir, "ru-governor.pem"),
            "--name",
            "Генеральная прокуратура",
        ],
        0,
    )
    .await;
    contains_all(
        &made,
        &[
            "Ключ управляющего Генеральная прокуратура создан",
            "отпечаток ключа:",
        ],
    );
    contains_none(&made, &["Made the governor key", "fingerprint:"]);

    let first = russian(
        &[
            "federation",
            "sign",
            &roster_1,
            "--key",
            &path(dir, "kz-governor.pem"),
        ],
        0,
    )
    .await;
    contains_all(
        &first,
        &[
            "подпись от имени управляющего KZ governor",
            "Ваша подпись добавлена",
            "1 из 2 необходимых подписей управляющих, названных в этом составе",
            "нужна ещё 1 подпись, от:",
            "Не готов",
        ],
    );
    contains_none(&first, &["more needed", "needed signatures", "Not ready"]);

    let shown = russian(&["federation", "show", &roster_1], 0).await;
    contains_all(
        &shown,
        &[
            "Состав 1 федерации \"test-federation\"",
            "Участники (2):",
            "ключ подписи",
            "действителен",
            "Управляющие: следующий состав должны подписать 2 из 3:",
            "Удостоверяющие центры:",
        ],
    );
    contains_none(
        &shown,
        &[
            "Members (",
            "Governors:",
            "Certificate authorities:",
            "signing key",
        ],
    );

    let second = russian(
        &[
            "federation",
            "sign",
            &roster_1,
            "--key",
            &path(dir, "tj-governor.pem"),
        ],
        0,
    )
    .await;
    contains_all(
        &second,
        &["2 из 2 необходимых подписей", "Готов к применению"],
    );
    contains_none(&second, &["Ready to apply"]);
}
