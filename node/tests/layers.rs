//! The node's layers, checked: every `crate::` path in `node/src` must point to the same layer
//! or one below it, and gRPC and sled stay in the layers that own them (ARCHITECTURE.md,
//! "Layers"). A new upward import fails this test; so does a listed exception that is no
//! longer needed, so the list below only ever shrinks.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Bottom to top. A file under `node/src/<layer>/` belongs to that layer; `lib.rs` and
/// `fault.rs` (with `now_ms`, `format_time`, `error_chain`) are the base under all of them;
/// `node.rs` and `node/` (the state the layers above storage share) sit on storage; the wiring
/// (`server.rs`, `fuzzing.rs`, `bin/`) sits above all of them.
const LAYERS: &[&str] = &[
    "base",
    "identity",
    "rules",
    "storage",
    "node",
    "delivery",
    "operations",
    "transport",
    "wiring",
];

/// The crates whose types belong to one room only, and the files (path prefixes under
/// `node/src`) allowed to name them.
const OWNED_CRATES: &[(&str, &[&str])] = &[
    ("sled", &["storage/store"]),
    ("tonic", &["transport/", "server.rs"]),
    ("tower", &["transport/", "server.rs"]),
    ("http", &["transport/", "server.rs"]),
    (
        "hyper",
        &["transport/", "server.rs", "operations/metrics.rs"],
    ),
];

/// Imports that run upward (file, the module it names), tolerated while being paid off. Empty
/// since the move into layers was finished; do not add to it: move the code to its layer.
const KNOWN_UPWARD: &[(&str, &str)] = &[];

fn layer_of_file(relative: &str) -> &'static str {
    match relative.split('/').next().unwrap_or_default() {
        "lib.rs" | "fault.rs" | "locale.rs" => "base",
        "node.rs" | "node" => "node",
        "server.rs" | "fuzzing.rs" | "bin" => "wiring",
        folder => LAYERS
            .iter()
            .find(|layer| **layer == folder)
            .copied()
            .unwrap_or_else(|| panic!("{relative}: not in a layer folder; see ARCHITECTURE.md")),
    }
}

/// The layer a top-level module of the crate belongs to.
fn layer_of_module(module: &str) -> Option<&'static str> {
    match module {
        "fault" | "locale" | "now_ms" | "error_chain" | "format_time" => Some("base"),
        "node" => Some("node"),
        "server" | "fuzzing" => Some("wiring"),
        other => LAYERS.iter().find(|layer| **layer == other).copied(),
    }
}

fn rank(layer: &str) -> usize {
    LAYERS.iter().position(|l| *l == layer).expect("a layer")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read node/src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without `//` comments (doc comments name other modules freely).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first path segment after each `crate::`, including each item of `crate::{a, b::c}`.
fn crate_modules(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let needle = format!("{prefix}::");
    let mut rest = code;
    while let Some(at) = rest.find(&needle) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + needle.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 || (depth == 1 && c == ',') {
                    items.push(std::mem::take(&mut item));
                    if depth == 0 {
                        break;
                    }
                } else {
                    item.push(c);
                }
            }
            for item in items {
                let head = leading_ident(item.trim_start());
                if !head.is_empty() && head != "self" {
                    found.insert(head.to_owned());
                }
            }
        } else {
            found.insert(leading_ident(rest).to_owned());
        }
    }
    found
}

fn leading_ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

fn names_crate(code: &str, krate: &str) -> bool {
    let needle = format!("{krate}::");
    code.match_indices(&needle).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    })
}

#[test]
fn imports_run_downward_and_owned_crates_stay_in_their_rooms() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut upward = BTreeSet::new();
    let mut misplaced = Vec::new();
    for file in &files {
        let relative = file
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .into_owned();
        let layer = layer_of_file(&relative);
        let code = code_of(&std::fs::read_to_string(file).expect("read"));
        let prefix = if relative.starts_with("bin/") {
            "rogatory_node"
        } else {
            "crate"
        };
        for module in crate_modules(&code, prefix) {
            let Some(target) = layer_of_module(&module) else {
                misplaced.push(format!(
                    "{relative}: names crate::{module}, which is in no layer"
                ));
                continue;
            };
            if rank(target) > rank(layer) {
                upward.insert((relative.clone(), module));
            }
        }
        for (krate, rooms) in OWNED_CRATES {
            if names_crate(&code, krate) && !rooms.iter().any(|room| relative.starts_with(room)) {
                upward.insert((relative.clone(), (*krate).to_owned()));
            }
        }
    }
    let known: BTreeSet<(String, String)> = KNOWN_UPWARD
        .iter()
        .map(|(file, module)| ((*file).to_owned(), (*module).to_owned()))
        .collect();
    let new: Vec<_> = upward.difference(&known).collect();
    let paid: Vec<_> = known.difference(&upward).collect();
    assert!(misplaced.is_empty(), "{misplaced:#?}");
    assert!(
        new.is_empty(),
        "imports that run upward or name a crate outside its room (move the code to its layer; \
         ARCHITECTURE.md says what each layer may use): {new:#?}"
    );
    assert!(
        paid.is_empty(),
        "these exceptions are paid off: remove them from KNOWN_UPWARD: {paid:#?}"
    );
}
