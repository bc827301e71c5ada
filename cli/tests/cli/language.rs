//! The command line in the reader's language: help, usage errors and the request template in
//! Russian when `--lang ru` or the locale variables ask for it, English otherwise.

use crate::common::{rogatory, rogatory_with_env};

const RUSSIAN: &[(&str, &str)] = &[("LANG", "ru_RU.UTF-8")];

/// The words clap writes itself, which must not show through a Russian page.
const CLAP_ENGLISH: &[&str] = &[
    "Usage:",
    "Options:",
    "Commands:",
    "Arguments:",
    "Print help",
    "[OPTIONS]",
    "[default:",
];

fn assert_russian_page(page: &str) {
    for english in CLAP_ENGLISH {
        assert!(!page.contains(english), "{english:?} in:\n{page}");
    }
    assert!(page.contains("Использование:"), "{page}");
    assert!(page.contains("Параметры:"), "{page}");
}

#[tokio::test]
async fn help_is_russian_when_lang_names_russian() {
    let (code, stdout, stderr) = rogatory_with_env(&["--help"], RUSSIAN).await;
    assert_eq!(code, 0, "{stderr}");
    assert_russian_page(&stdout);
    assert!(
        stdout.contains("просьб об оказании взаимной правовой помощи"),
        "{stdout}"
    );
    assert!(stdout.contains("Команды:"), "{stdout}");
    assert!(stdout.contains("Коды завершения:"), "{stdout}");
    // Command names, flags and example command lines stay as they are typed.
    assert!(
        stdout.contains("rogatory request template > my-request.toml"),
        "{stdout}"
    );
    assert!(stdout.contains("--node <КАТАЛОГ_ИЛИ_КОНФИГ>"), "{stdout}");
}

#[tokio::test]
async fn lang_ru_on_the_command_line_wins_over_the_locale() {
    // `rogatory` runs with LC_ALL=C.UTF-8: --lang decides over it.
    let (code, stdout, stderr) = rogatory(&["--lang", "ru", "request", "send", "--help"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_russian_page(&stdout);
    assert!(
        stdout.contains("Подписать и направить просьбу, описанную в файле просьбы"),
        "{stdout}"
    );
    assert!(stdout.contains("Аргументы:"), "{stdout}");
    assert!(stdout.contains("<ФАЙЛ>"), "{stdout}");
    assert!(stdout.contains("Примеры:"), "{stdout}");
    assert!(
        stdout.contains("rogatory request send my-request.toml --as"),
        "{stdout}"
    );

    let (code, stdout, _) = rogatory(&["--lang=ru", "status", "send", "--help"]).await;
    assert_eq!(code, 0);
    assert_russian_page(&stdout);
    // Each status and refusal ground is explained in Russian, the value itself as typed.
    assert!(stdout.contains("Допустимые значения:"), "{stdout}");
    assert!(
        stdout.contains("- essential-interests: (b) исполнение может нанести ущерб суверенитету"),
        "{stdout}"
    );
}

#[tokio::test]
async fn every_subcommand_help_is_russian() {
    for args in [
        &["request", "send", "-h"][..],
        &["case", "list", "--help"],
        &["case", "reply", "--help"],
        &["inbox", "--help"],
        &["federation", "propose", "--help"],
        &["audit", "verify", "-h"],
        &["help", "request"],
    ] {
        let (code, stdout, stderr) = rogatory_with_env(args, RUSSIAN).await;
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert_russian_page(&stdout);
    }
    let (_, stdout, _) = rogatory_with_env(&["case", "list", "-h"], RUSSIAN).await;
    assert!(
        stdout.contains("Показать справку (подробнее: «--help»)"),
        "{stdout}"
    );
    assert!(stdout.contains("--as-of <ДАТА>"), "{stdout}");
}

#[tokio::test]
async fn help_is_english_by_default_and_when_lc_all_says_c() {
    for env in [
        &[][..],
        &[("LANG", "ru_RU.UTF-8"), ("LC_ALL", "C")],
        &[("LANG", "de_DE.UTF-8")],
    ] {
        let (code, stdout, stderr) = rogatory_with_env(&["request", "send", "--help"], env).await;
        assert_eq!(code, 0, "{env:?}: {stderr}");
        assert!(
            stdout.contains("Usage: rogatory request send [OPTIONS] <FILE>"),
            "{env:?}: {stdout}"
        );
        assert!(
            stdout.contains("Sign and send the request described in a request file"),
            "{env:?}: {stdout}"
        );
        assert!(!stdout.contains("Использование"), "{env:?}: {stdout}");
    }
}

#[tokio::test]
async fn a_russian_usage_error_is_russian_and_exits_64() {
    let (code, stdout, stderr) = rogatory_with_env(&["request", "send"], RUSSIAN).await;
    assert_eq!(code, 64, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("ошибка: не указаны обязательные аргументы:"),
        "{stderr}"
    );
    assert!(stderr.contains("<ФАЙЛ>"), "{stderr}");
    assert!(
        stderr.contains("Использование: rogatory request send [ПАРАМЕТРЫ] <ФАЙЛ>"),
        "{stderr}"
    );
    assert!(stderr.contains("Подробнее: «--help»."), "{stderr}");

    let (code, _, stderr) = rogatory_with_env(&["inbox", "--limt", "3"], RUSSIAN).await;
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains("неизвестный аргумент «--limt»"), "{stderr}");
    assert!(
        stderr.contains("есть похожий аргумент «--limit»"),
        "{stderr}"
    );

    let (code, _, stderr) = rogatory_with_env(&["reqest"], RUSSIAN).await;
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains("неизвестная команда «reqest»"), "{stderr}");

    let (code, _, stderr) = rogatory_with_env(
        &["status", "send", "--refers-to", "X", "--status", "done"],
        RUSSIAN,
    )
    .await;
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains("недопустимое значение «done»"), "{stderr}");
    assert!(stderr.contains("acknowledged"), "{stderr}");

    // The same mistake in English: clap's own message, the same exit code.
    let (code, _, stderr) = rogatory(&["inbox", "--limt", "3"]).await;
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains("unexpected argument '--limt'"), "{stderr}");
}

#[tokio::test]
async fn the_russian_request_template_once_filled_in_passes_the_file_check() {
    let (code, template, stderr) = rogatory_with_env(&["request", "template"], RUSSIAN).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        template.contains("# Просьба об оказании взаимной правовой помощи"),
        "{template}"
    );
    assert!(
        template.contains("#   take-evidence — получение свидетельских показаний"),
        "{template}"
    );
    assert!(
        template.contains("\n[routing.requesting_authority]\n"),
        "{template}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let nowhere = dir.path().join("no-node");
    let nowhere = nowhere.to_str().expect("utf-8");
    let file = dir.path().join("просьба.toml");
    let file = file.to_str().expect("utf-8");
    let send = |contents: String| async move {
        std::fs::write(file, contents).expect("written");
        rogatory(&["--node", nowhere, "request", "send", file]).await
    };

    // Left blank, the file itself is refused, before any node is looked for.
    let (code, _, stderr) = send(template.clone()).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&format!("{file}:")), "{stderr}");
    assert!(!stderr.contains(nowhere), "{stderr}");

    let filled = template
        .replacen("to = \"\"", "to = \"de\"", 1)
        .replacen(
            "legal_basis = []",
            "legal_basis = [\"Конвенция ООН против транснациональной организованной преступности, ст. 18\"]",
            1,
        )
        .replacen(
            "[routing.requesting_authority]\nname = \"\"",
            "[routing.requesting_authority]\nname = \"Генеральная прокуратура Туркменистана\"",
            1,
        )
        .replacen("subject = \"\"", "subject = \"Торговля людьми\"", 1)
        .replacen(
            "summary_of_facts = \"\"\"\n\"\"\"",
            "summary_of_facts = \"\"\"\nЗавербованы в Мары, эксплуатировались в Берлине.\n\"\"\"",
            1,
        )
        .replacen("assistance = []", "assistance = [\"take-evidence\"]", 1)
        .replacen(
            "[[offences]]\ndescription = \"\"",
            "[[offences]]\ndescription = \"Торговля людьми\"",
            1,
        )
        .replacen(
            "[[persons]]\nname = \"\"",
            "[[persons]]\nname = \"А. Атаев\"",
            1,
        );
    // Filled in, the file passes: what fails now is finding the node.
    let (code, _, stderr) = send(filled).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(nowhere), "{stderr}");
    assert!(!stderr.contains(&format!("{file}:")), "{stderr}");
}
