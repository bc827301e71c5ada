//! A request file with several mistakes: every one is reported in one run, at its line and
//! under the key path the file writes, before any node is contacted.

use crate::common::rogatory;

const FIVE_MISTAKES: &str = r#"to = "de"

[routing]
legal_basis = ["UNTOC art. 18"]

[routing.requesting_authority]
name = ""

[substance]
subjekt = "Trafficking in persons"
subject = "Trafficking in persons"
summary_of_facts = "Recruited in Mary, exploited in Berlin."
assistance = ["take-evidence", "interrogation"]

[handling]
confidential = "yes"

[urgency]
deadline = "next week"

[[persons]]
name = "A. Atayev"
"#;

#[tokio::test]
async fn five_mistakes_in_a_request_file_are_all_reported_with_their_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("request.toml");
    std::fs::write(&file, FIVE_MISTAKES).expect("written");
    let nowhere = dir.path().join("no-node");
    let file = file.to_str().expect("utf-8");
    let (code, stdout, stderr) = rogatory(&[
        "--node",
        nowhere.to_str().expect("utf-8"),
        "request",
        "send",
        file,
    ])
    .await;
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let expected = [
        format!("{file}:7: [routing.requesting_authority] name: must not be empty"),
        format!("{file}:10: [substance] subjekt: unknown key; did you mean `subject`?"),
        format!("{file}:13: [substance] assistance: unknown assistance type \"interrogation\""),
        format!("{file}:16: [handling] confidential: expected true or false, found text"),
        format!("{file}:19: [urgency] deadline: \"next week\" is not a date"),
        format!("{file}:21: [[persons]] role: missing; it is required"),
    ];
    let mut at = 0;
    for line in &expected {
        let found = stderr[at..]
            .find(line.as_str())
            .unwrap_or_else(|| panic!("{line:?} (in this order) in:\n{stderr}"));
        at += found + line.len();
    }
    assert!(stderr.contains("has 6 problems"), "{stderr}");
    assert!(
        stderr.contains("take-evidence, "),
        "accepted values listed: {stderr}"
    );
    assert!(stderr.contains("rogatory request template"), "{stderr}");
    assert!(
        !stderr.contains("operator socket"),
        "checked before connecting: {stderr}"
    );
}

#[tokio::test]
async fn a_russian_reader_gets_every_problem_in_russian_at_the_same_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("просьба.toml");
    std::fs::write(&file, FIVE_MISTAKES).expect("written");
    let nowhere = dir.path().join("no-node");
    let file = file.to_str().expect("utf-8");
    let (code, stdout, stderr) = crate::common::rogatory_with_env(
        &[
            "--node",
            nowhere.to_str().expect("utf-8"),
            "request",
            "send",
            file,
        ],
        &[("LANG", "ru_RU.UTF-8")],
    )
    .await;
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    for line in [
        format!("в файле просьбы {file} найдено 6 ошибок, по строкам:"),
        format!("{file}:7: [routing.requesting_authority] name: не может быть пустым"),
        format!(
            "{file}:10: [substance] subjekt: неизвестный ключ; возможно, имелся в виду `subject`?"
        ),
        format!("{file}:16: [handling] confidential: ожидается true или false, а не текст"),
        format!("{file}:21: [[persons]] role: отсутствует; это обязательное поле"),
    ] {
        assert!(stderr.contains(&line), "{line:?} in:\n{stderr}");
    }
}
