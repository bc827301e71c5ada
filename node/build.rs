//! Embeds the message catalogs (`locales/<language>/<topic>.ftl`) in the library, so the CLI and
//! the daemon carry their translations and need no files at run time. Every `.ftl` file found is
//! included: a new topic needs no list to be edited.
//!
//! Paths are written relative to the package (the watched ones) or through
//! `env!("CARGO_MANIFEST_DIR")` (the embedded ones), never as this checkout's absolute path: a
//! build directory copied to another checkout must embed and watch that checkout's catalogs.

use std::fmt::Write as _;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    println!("cargo:rerun-if-changed=locales");
    let mut languages: Vec<_> = std::fs::read_dir(&root)?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|entry| entry.path().is_dir())
        .collect();
    languages.sort_by_key(|entry| entry.file_name());
    let mut out = String::from("&[\n");
    for language in languages {
        let code = language.file_name().to_string_lossy().into_owned();
        println!("cargo:rerun-if-changed=locales/{code}");
        let mut files: Vec<_> = std::fs::read_dir(language.path())?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "ftl"))
            .collect();
        files.sort();
        for file in files {
            let name = file
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let relative = format!("locales/{code}/{name}");
            println!("cargo:rerun-if-changed={relative}");
            writeln!(
                out,
                "    ({code:?}, {name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {:?}))),",
                format!("/{relative}")
            )?;
        }
    }
    out.push_str("]\n");
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out_dir.join("catalog_files.rs"), out)?;
    Ok(())
}
