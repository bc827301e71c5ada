//! `rogatory search` through the real binary against real nodes: a Latin name typed in
//! Cyrillic, case numbers, `--json` with whole ids, Russian output, and short ids typed back.

use crate::common::{json, ok, send_example_request, start_pair};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_a_name_in_the_other_script_on_both_nodes_in_english_and_russian() {
    let pair = start_pair().await;
    let (tm, de) = (pair.tm.clone(), pair.de.clone());
    send_example_request(&tm).await;

    // The example request names "Rustam Hojayev" and "Kerim Myradov", in Latin.
    for node in [&tm, &de] {
        let found = ok(&["--node", node, "search", "Ходжаев"]).await;
        assert!(found.contains("Trafficking in persons"), "{found}");
        assert!(
            found.contains("persons"),
            "the field it was found in: {found}"
        );
        assert!(found.contains("1 case found."), "{found}");
    }
    let by_reference = ok(&["--node", &de, "search", "TIP-0147"]).await;
    assert!(
        by_reference.contains("TM-GPO 2025/TIP-0147"),
        "{by_reference}"
    );

    // --json keeps whole ids and machine values.
    let answer = json(&ok(&["--node", &de, "--json", "search", "Мырад", "--peer", "tm"]).await);
    let case_id = answer["cases"][0]["case_id"]
        .as_str()
        .expect("case id")
        .to_owned();
    assert!(case_id.starts_with("tm-") && case_id.len() > 20, "{answer}");
    assert_eq!(answer["cases"][0]["state"], "delivered", "{answer}");
    let fields = answer["cases"][0]["matches"][0]["fields"]
        .as_array()
        .expect("fields");
    assert!(fields.iter().any(|f| f == "person"), "{answer}");

    // In Russian: headings, the state and the count in good Russian.
    let russian = ok(&["--node", &de, "--lang", "ru", "search", "Myradov"]).await;
    assert!(russian.contains("ПРЕДМЕТ"), "{russian}");
    assert!(russian.contains("Найдено 1 дело."), "{russian}");
    assert!(russian.contains("лица"), "{russian}");
    let none = ok(&["--node", &de, "--lang", "ru", "search", "Каримов"]).await;
    assert!(none.contains("Дел не найдено."), "{none}");
    let english_none = ok(&["--node", &de, "search", "Karimov", "--since", "2001-01-01"]).await;
    assert!(english_none.contains("No case matches."), "{english_none}");

    // Lists show short ids, and any unique beginning of an id is taken back.
    let cases = ok(&["--node", &de, "case", "list"]).await;
    assert!(
        !cases.contains(&case_id),
        "the whole id is not shown: {cases}"
    );
    let shown = ok(&["--node", &de, "--json", "case", "show", &case_id[..12]]).await;
    assert_eq!(json(&shown)["case_id"], case_id.as_str(), "{shown}");
    pair.stop().await;
}
