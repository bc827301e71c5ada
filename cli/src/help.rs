//! The command line's help, usage lines and usage errors in the reader's language.
//!
//! The English text lives where clap reads it: the doc comments and attributes of `args.rs`.
//! `node/locales/en/help.ftl` is generated from that tree (the test below fails when the file
//! differs, and rewrites it with `ROGATORY_BLESS=1`), so translators work from a file and the
//! catalogs' test demands a translation of every new command. For another language, every text
//! of the `clap::Command` tree is replaced by its catalog message, whose id is derived from the
//! command path and argument id (`help-request-send-arg-file`), and clap's own words (headings,
//! `--help`, `[default: …]`, its error messages) are given in that language too.
//!
//! Not responsible for what commands print once parsed (`t!` in each command).

use clap::builder::StyledStr;
use clap::error::{ContextKind, ContextValue, ErrorFormatter, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};

use crate::args::Cli;
use crate::i18n::Language;

/// `t!` for a given language (the help is built before, and apart from, the run's language in
/// tests).
macro_rules! tr {
    ($language:expr, $id:expr) => {
        $language.catalog().text($id, None)
    };
    ($language:expr, $id:expr, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = crate::i18n::FluentArgs::new();
        $(args.set(stringify!($name), crate::i18n::Arg::to_value(&$value));)+
        $language.catalog().text($id, Some(&args))
    }};
}

/// The id of every help message starts with this.
const PREFIX: &str = "help";

/// A command line that did not parse: a usage error, or help or the version to show.
pub enum NotParsed {
    English(clap::Error),
    Translated(clap::error::Error<TranslatedErrors>),
}

impl NotParsed {
    /// Prints the help, version or error (to stdout or stderr, as clap decides).
    pub fn print(&self) {
        let _ = match self {
            NotParsed::English(error) => error.print(),
            NotParsed::Translated(error) => error.print(),
        };
    }

    /// The help, version or error as plain text.
    pub fn render(&self) -> String {
        match self {
            NotParsed::English(error) => error.render().to_string(),
            NotParsed::Translated(error) => error.render().to_string(),
        }
    }

    /// Whether this is an error (else help or the version was asked for).
    pub fn is_error(&self) -> bool {
        match self {
            NotParsed::English(error) => error.use_stderr(),
            NotParsed::Translated(error) => error.use_stderr(),
        }
    }
}

/// Parses the command line, with help and usage errors in this run's language.
pub fn parse<I, T>(args: I) -> Result<Cli, NotParsed>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let language = crate::i18n::language();
    if language == Language::English {
        return clap::Parser::try_parse_from(args).map_err(NotParsed::English);
    }
    let mut command = translated(Cli::command(), language);
    command
        .try_get_matches_from_mut(args)
        .and_then(|matches| Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command)))
        .map_err(|error| NotParsed::Translated(error.apply()))
}

/// The message id of a command's texts: `help` for `rogatory` itself, `help-request-send`.
fn command_id(path: &[&str]) -> String {
    let mut id = String::from(PREFIX);
    for name in path {
        id.push('-');
        id.push_str(name);
    }
    id
}

/// The message id of an argument's help: `help-request-send-arg-file`.
fn arg_id(command: &str, arg: &Arg) -> String {
    format!("{command}-arg-{}", sanitize(arg.get_id().as_str()))
}

/// The message id of a value name (`FILE`, `DIR`), shared by every argument using it.
fn placeholder_id(value_name: &str) -> String {
    format!("{PREFIX}-placeholder-{}", sanitize(value_name))
}

/// The message id of one possible value's explanation: `help-choice-status-refused`.
fn choice_id(arg: &Arg, value: &str) -> String {
    format!(
        "{PREFIX}-choice-{}-{}",
        sanitize(arg.get_id().as_str()),
        sanitize(value)
    )
}

/// A Fluent identifier from a name: lowercase letters, digits, `-` and `_`.
fn sanitize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// Every text of the tree with its message id, in the tree's order: the English source.
#[cfg(test)]
fn texts(command: &Command) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut placeholders = Vec::new();
    let mut choices = Vec::new();
    collect(command, &[], &mut out, &mut placeholders, &mut choices);
    out.extend(placeholders);
    out.extend(choices);
    let mut seen = std::collections::BTreeMap::new();
    out.retain(|(id, text)| match seen.insert(id.clone(), text.clone()) {
        None => true,
        Some(earlier) => {
            assert_eq!(
                &earlier, text,
                "{id} stands for two different texts; give them different value names"
            );
            false
        }
    });
    out
}

#[cfg(test)]
fn collect(
    command: &Command,
    path: &[&str],
    out: &mut Vec<(String, String)>,
    placeholders: &mut Vec<(String, String)>,
    choices: &mut Vec<(String, String)>,
) {
    let id = command_id(path);
    let texts = [
        ("", command.get_about()),
        ("-long", command.get_long_about()),
        ("-before", command.get_before_help()),
        ("-after", command.get_after_help()),
        ("-after-long", command.get_after_long_help()),
    ];
    for (suffix, text) in texts {
        if let Some(text) = text {
            out.push((format!("{id}{suffix}"), text.to_string()));
        }
    }
    for arg in command.get_arguments() {
        let arg_id = arg_id(&id, arg);
        if let Some(help) = arg.get_help() {
            out.push((arg_id.clone(), help.to_string()));
        }
        if let Some(help) = arg.get_long_help() {
            out.push((format!("{arg_id}-long"), help.to_string()));
        }
        let names = arg
            .get_value_names()
            .filter(|_| arg.get_action().takes_values());
        for name in names.unwrap_or_default() {
            placeholders.push((placeholder_id(name), name.to_string()));
        }
        for value in possible_values(arg) {
            if let Some(help) = value.get_help() {
                choices.push((choice_id(arg, value.get_name()), help.to_string()));
            }
        }
    }
    for sub in command.get_subcommands() {
        let mut path = path.to_vec();
        path.push(sub.get_name());
        collect(sub, &path, out, placeholders, choices);
    }
}

/// The values an argument accepts, if it lists them (flags list none).
fn possible_values(arg: &Arg) -> Vec<clap::builder::PossibleValue> {
    if !arg.get_action().takes_values() {
        return Vec::new();
    }
    arg.get_possible_values()
        .into_iter()
        .filter(|value| !value.is_hide_set())
        .collect()
}

/// The tree with every text in this run's language.
fn translated(command: Command, language: Language) -> Command {
    let mut command = translate(command, &[], language);
    command.build();
    translate_usage(translate_help_subcommands(command, language), language)
}

/// clap writes `[OPTIONS]` into usage lines itself: each built command's usage line, with that
/// word in this run's language, replaces clap's.
fn translate_usage(mut command: Command, language: Language) -> Command {
    let usage = command.render_usage().to_string();
    let usage = usage.trim_start();
    let usage = usage.strip_prefix("Usage:").unwrap_or(usage).trim();
    let usage = usage.replace(
        "[OPTIONS]",
        &format!("[{}]", tr!(language, "usage-options-placeholder")),
    );
    command = command.override_usage(usage);
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(&name, |sub| translate_usage(sub, language));
    }
    command
}

fn translate(mut command: Command, path: &[&str], language: Language) -> Command {
    let id = command_id(path);
    let text = |suffix: &str| tr!(language, &format!("{id}{suffix}"));
    if command.get_about().is_some() {
        command = command.about(text(""));
    }
    if command.get_long_about().is_some() {
        command = command.long_about(text("-long"));
    }
    if command.get_before_help().is_some() {
        command = command.before_help(text("-before"));
    }
    if command.get_after_help().is_some() {
        command = command.after_help(text("-after"));
    }
    if command.get_after_long_help().is_some() {
        command = command.after_long_help(text("-after-long"));
    }
    let args: Vec<String> = command
        .get_arguments()
        .map(|arg| arg.get_id().as_str().to_owned())
        .collect();
    for name in &args {
        command = command.mut_arg(name, |arg| translate_arg(arg, &id, language));
    }
    let long_help = command.get_long_about().is_some()
        || command.get_after_long_help().is_some()
        || command
            .get_arguments()
            .any(|arg| !arg.is_hide_set() && arg.get_long_help().is_some());
    let (help, help_long) = if long_help {
        (
            tr!(language, "usage-help-flag-summary"),
            tr!(language, "usage-help-flag-long"),
        )
    } else {
        (
            tr!(language, "usage-help-flag"),
            tr!(language, "usage-help-flag"),
        )
    };
    command = command.disable_help_flag(true).arg(
        Arg::new("help")
            .short('h')
            .long("help")
            .action(ArgAction::Help)
            // Last, as clap places its own (999 is clap's order for arguments without one).
            .display_order(999)
            .help(help)
            .long_help(help_long),
    );
    if path.is_empty() {
        command = command.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .display_order(999)
                .help(tr!(language, "usage-version-flag")),
        );
    }
    if command.has_subcommands() {
        command = command.subcommand_value_name(tr!(language, "usage-command-placeholder"));
    }
    let template = template(&command, language);
    command = command.help_template(template);
    let subcommands: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in &subcommands {
        let mut sub_path = path.to_vec();
        sub_path.push(name);
        command = command.mut_subcommand(name, |sub| translate(sub, &sub_path, language));
    }
    command
}

fn translate_arg(mut arg: Arg, command: &str, language: Language) -> Arg {
    let id = arg_id(command, &arg);
    let mut notes = Vec::new();
    if arg.get_action().takes_values()
        && !arg.is_hide_default_value_set()
        && !arg.get_default_values().is_empty()
    {
        let values: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|value| value.to_string_lossy().into_owned())
            .collect();
        // An empty default is an optional text left out, not a value to tell.
        if values.iter().any(|value| !value.is_empty()) {
            notes.push(tr!(
                language,
                "usage-default-value",
                value = values.join(", ")
            ));
        }
        arg = arg.hide_default_value(true);
    }
    let values = possible_values(&arg);
    let mut value_list = String::new();
    if !values.is_empty() && !arg.is_hide_possible_values_set() {
        let names: Vec<&str> = values.iter().map(|value| value.get_name()).collect();
        notes.push(tr!(
            language,
            "usage-possible-values",
            values = names.join(", ")
        ));
        if values.iter().any(|value| value.get_help().is_some()) {
            value_list = format!("\n\n{}", tr!(language, "usage-possible-values-heading"));
            for value in &values {
                value_list.push_str(&format!("\n- {}", value.get_name()));
                if value.get_help().is_some() {
                    value_list.push_str(&format!(
                        ": {}",
                        tr!(language, &choice_id(&arg, value.get_name()))
                    ));
                }
            }
        }
        arg = arg.hide_possible_values(true);
    }
    let short = arg
        .get_help()
        .map(|_| tr!(language, &id))
        .unwrap_or_default();
    let long = arg
        .get_long_help()
        .map(|_| tr!(language, &format!("{id}-long")));
    let with_notes = |text: &str| {
        let mut text = text.to_owned();
        for note in &notes {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(note);
        }
        text
    };
    if !short.is_empty() || !notes.is_empty() {
        arg = arg.help(with_notes(&short));
    }
    if long.is_some() || !value_list.is_empty() {
        let long = long.unwrap_or(short);
        let text = if value_list.is_empty() {
            with_notes(&long)
        } else {
            // The list of values replaces the inline one, as clap's long help does.
            let mut text = long;
            if let Some(default) = notes.first().filter(|_| notes.len() > 1) {
                text.push(' ');
                text.push_str(default);
            }
            text + &value_list
        };
        arg = arg.long_help(text);
    }
    if let Some(names) = arg
        .get_value_names()
        .filter(|_| arg.get_action().takes_values())
    {
        let names: Vec<String> = names
            .iter()
            .map(|name| tr!(language, &placeholder_id(name)))
            .collect();
        arg = arg.value_names(names);
    }
    arg
}

/// The help page's layout with the headings in this run's language (clap's own template
/// writes them in English).
fn template(command: &Command, language: Language) -> String {
    let styles = command.get_styles();
    let header = styles.get_header();
    let usage = styles.get_usage();
    let mut template = format!(
        "{{before-help}}{{about-with-newline}}\n{usage}{}{usage:#} {{usage}}",
        tr!(language, "usage-heading")
    );
    let mut section = |heading: String, tag: &str| {
        template.push_str(&format!("\n\n{header}{heading}{header:#}\n{{{tag}}}"));
    };
    if command.has_subcommands() {
        section(tr!(language, "usage-commands-heading"), "subcommands");
    }
    if command.get_positionals().any(|arg| !arg.is_hide_set()) {
        section(tr!(language, "usage-arguments-heading"), "positionals");
    }
    // Every command has options: --help, and the global ones.
    section(tr!(language, "usage-options-heading"), "options");
    template.push_str("{after-help}");
    template
}

/// clap adds a `help` subcommand beside every command's subcommands when it builds the tree.
fn translate_help_subcommands(mut command: Command, language: Language) -> Command {
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        if name == "help" {
            command = command.mut_subcommand("help", |help| {
                let help = help.about(tr!(language, "usage-help-command"));
                if help.get_arguments().any(|arg| arg.get_id() == "subcommand") {
                    help.mut_arg("subcommand", |arg| {
                        arg.help(tr!(language, "usage-help-command-argument"))
                            .value_name(tr!(language, "usage-command-placeholder"))
                    })
                } else {
                    help
                }
            });
        } else {
            command =
                command.mut_subcommand(&name, |sub| translate_help_subcommands(sub, language));
        }
    }
    command
}

/// What separates quoted names in one message: `', '` in English, `», «` in Russian.
fn quote_separator(language: Language) -> String {
    tr!(language, "usage-quote-separator")
}

/// clap's usage errors in this run's language: the common ones word by word, the others by
/// their kind.
pub struct TranslatedErrors;

impl ErrorFormatter for TranslatedErrors {
    fn format_error(error: &clap::error::Error<Self>) -> StyledStr {
        let language = crate::i18n::language();
        let styles = clap::builder::Styles::default();
        let (bold, literal) = (styles.get_error(), styles.get_literal());
        let string = |kind| match error.get(kind) {
            Some(ContextValue::String(value)) => Some(value.clone()),
            _ => None,
        };
        let strings = |kind| match error.get(kind) {
            Some(ContextValue::Strings(values)) => values.clone(),
            Some(ContextValue::String(value)) => vec![value.clone()],
            _ => Vec::new(),
        };
        let argument = string(ContextKind::InvalidArg).unwrap_or_default();
        let value = string(ContextKind::InvalidValue).unwrap_or_default();
        let mut message = match error.kind() {
            ErrorKind::UnknownArgument => tr!(
                language,
                "usage-error-unknown-argument",
                argument = argument
            ),
            ErrorKind::InvalidSubcommand => tr!(
                language,
                "usage-error-unknown-command",
                command = string(ContextKind::InvalidSubcommand).unwrap_or_default()
            ),
            ErrorKind::InvalidValue if value.is_empty() => {
                tr!(language, "usage-error-value-missing", argument = argument)
            }
            ErrorKind::InvalidValue => {
                tr!(
                    language,
                    "usage-error-invalid-value",
                    argument = argument,
                    value = value
                )
            }
            ErrorKind::ValueValidation => {
                let reason = std::error::Error::source(error)
                    .map(|source| source.to_string())
                    .unwrap_or_default();
                tr!(
                    language,
                    "usage-error-value-refused",
                    argument = argument,
                    value = value,
                    reason = reason
                )
            }
            ErrorKind::MissingRequiredArgument => {
                let mut text = tr!(language, "usage-error-missing-arguments");
                for argument in strings(ContextKind::InvalidArg) {
                    text.push_str(&format!("\n  {argument}"));
                }
                text
            }
            ErrorKind::MissingSubcommand => tr!(
                language,
                "usage-error-missing-command",
                command = string(ContextKind::InvalidSubcommand).unwrap_or_default()
            ),
            ErrorKind::ArgumentConflict => {
                let others = strings(ContextKind::PriorArg);
                if others.is_empty() || others == [argument.clone()] {
                    tr!(
                        language,
                        "usage-error-repeated-argument",
                        argument = argument
                    )
                } else {
                    tr!(
                        language,
                        "usage-error-conflicting-arguments",
                        argument = argument,
                        others = others.join(&quote_separator(language))
                    )
                }
            }
            ErrorKind::TooManyValues => {
                tr!(
                    language,
                    "usage-error-unexpected-value",
                    argument = argument,
                    value = value
                )
            }
            _ => tr!(language, "usage-error-other"),
        };
        let valid = strings(ContextKind::ValidValue);
        if !valid.is_empty() {
            message.push_str(&format!(
                "\n  {}",
                tr!(language, "usage-possible-values", values = valid.join(", "))
            ));
        }
        let valid = strings(ContextKind::ValidSubcommand);
        if !valid.is_empty() && error.kind() == ErrorKind::MissingSubcommand {
            message.push_str(&format!(
                "\n  {}",
                tr!(
                    language,
                    "usage-possible-commands",
                    values = valid.join(", ")
                )
            ));
        }
        for (kind, id) in [
            (
                ContextKind::SuggestedSubcommand,
                "usage-error-similar-command",
            ),
            (ContextKind::SuggestedArg, "usage-error-similar-argument"),
            (ContextKind::SuggestedValue, "usage-error-similar-value"),
        ] {
            let similar = strings(kind);
            if !similar.is_empty() {
                message.push_str(&format!(
                    "\n\n  {}",
                    tr!(
                        language,
                        id,
                        count = similar.len(),
                        similar = similar.join(&quote_separator(language))
                    )
                ));
            }
        }
        if error.kind() == ErrorKind::UnknownArgument
            && argument.starts_with('-')
            && error.get(ContextKind::Suggested).is_some()
        {
            message.push_str(&format!(
                "\n\n  {}",
                tr!(language, "usage-error-value-with-dash", argument = argument)
            ));
        }
        let mut out = StyledStr::new();
        use std::fmt::Write as _;
        let _ = write!(
            out,
            "{bold}{}{bold:#} {message}",
            tr!(language, "usage-error")
        );
        if let Some(ContextValue::StyledStr(usage)) = error.get(ContextKind::Usage) {
            // clap writes the usage line with its English heading.
            let usage = usage.to_string();
            let usage = usage.trim_start().strip_prefix("Usage:").unwrap_or(&usage);
            let _ = write!(out, "\n\n{}{}", tr!(language, "usage-heading"), usage);
        }
        let _ = writeln!(
            out,
            "\n\n{}",
            tr!(
                language,
                "usage-error-try-help",
                help = format!("{literal}--help{literal:#}")
            )
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the English source of the help catalog is kept, relative to this crate.
    const ENGLISH_CATALOG: &str = "../node/locales/en/help.ftl";
    const RUSSIAN_CATALOG: &str = "../node/locales/ru/help.ftl";

    /// `node/locales/en/help.ftl` as the clap tree says it should be.
    fn english_catalog() -> String {
        let mut out = String::from(
            "# The command line's help in English, GENERATED from cli/src/args.rs (the doc comments\n\
             # and attributes there are the source): do not edit. Regenerate with\n\
             #   ROGATORY_BLESS=1 cargo test -p rogatory-cli help::\n\
             # and translate what changed in the other languages' help.ftl.\n",
        );
        for (id, text) in texts(&Cli::command()) {
            out.push('\n');
            out.push_str(&fluent_entry(&id, &text));
        }
        out
    }

    /// One Fluent message whose value is exactly `text`: continuation lines indented, blank
    /// lines kept, and the characters Fluent reads as syntax written as string literals.
    fn fluent_entry(id: &str, text: &str) -> String {
        let lines: Vec<&str> = text.split('\n').collect();
        let indent = |line: &str| line.len() - line.trim_start_matches(' ').len();
        // Fluent strips the indentation all lines share; one line without any keeps the rest.
        let shared = lines
            .iter()
            .filter(|line| !line.trim().is_empty())
            .map(|line| indent(line))
            .min()
            .unwrap_or(0);
        let mut out = format!("{id} =");
        if lines.len() == 1 && shared == 0 {
            out.push(' ');
            out.push_str(&fluent_line(text));
            out.push('\n');
            return out;
        }
        out.push('\n');
        for line in lines {
            if line.trim().is_empty() {
                out.push('\n');
                continue;
            }
            out.push_str("    ");
            if shared > 0 && indent(line) == shared {
                out.push_str(&format!("{{\"{}\"}}", " ".repeat(shared)));
                out.push_str(&fluent_line(&line[shared..]));
            } else {
                out.push_str(&fluent_line(line));
            }
            out.push('\n');
        }
        out
    }

    fn fluent_line(line: &str) -> String {
        let mut out = String::new();
        let first = line.len() - line.trim_start().len();
        for (at, c) in line.char_indices() {
            match c {
                // Fluent drops the spaces before a placeable that starts a line: they go
                // inside it.
                '{' | '}' | '[' | '*' | '.' if at == first => {
                    out = format!("{{\"{}{c}\"}}", &line[..first]);
                }
                ' ' if at < first => {}
                '{' | '}' => out.push_str(&format!("{{\"{c}\"}}")),
                _ => out.push(c),
            }
        }
        if out.is_empty() || first == line.len() {
            return line.to_owned();
        }
        if !line[first..].starts_with(['{', '}', '[', '*', '.']) {
            out.insert_str(0, &line[..first]);
        }
        out
    }

    #[test]
    fn the_english_help_catalog_is_generated_from_the_command_tree() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(ENGLISH_CATALOG);
        let expected = english_catalog();
        if std::env::var_os("ROGATORY_BLESS").is_some() {
            std::fs::write(&path, &expected).expect("write the English help catalog");
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "node/locales/en/help.ftl differs from the help in cli/src/args.rs: regenerate it \
             with `ROGATORY_BLESS=1 cargo test -p rogatory-cli help::`, then translate the \
             changed messages in node/locales/ru/help.ftl"
        );
    }

    #[test]
    fn every_help_text_has_a_russian_translation() {
        let russian = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(RUSSIAN_CATALOG),
        )
        .unwrap_or_default();
        let missing: Vec<String> = texts(&Cli::command())
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| !russian.contains(&format!("\n{id} =")))
            .collect();
        assert!(
            missing.is_empty(),
            "node/locales/ru/help.ftl has no translation of {missing:?}: translate them from \
             node/locales/en/help.ftl (regenerated by `ROGATORY_BLESS=1 cargo test -p \
             rogatory-cli help::`)"
        );
    }

    #[test]
    fn every_help_text_survives_the_catalog_exactly() {
        // Blank lines, indented examples, braces and brackets: what clap shows in English is
        // what the catalog gives back.
        let catalog = Language::English.catalog();
        for (id, text) in texts(&Cli::command()) {
            assert_eq!(catalog.text(&id, None), text, "{id}");
        }
        for (text, ending) in [
            (
                "Examples:\n  rogatory demo\n\n  rogatory demo --keep",
                "keep",
            ),
            ("  indented\n  both", "both"),
            ("[contact points] {braces}\n.dot\n*star", "star"),
            ("JSON:\n  {\"error\": {}}\nend", "end"),
        ] {
            let entry = fluent_entry("message", text);
            let resource = fluent_bundle::FluentResource::try_new(entry.clone())
                .unwrap_or_else(|_| panic!("{entry}"));
            let mut bundle = fluent_bundle::FluentBundle::default();
            bundle.set_use_isolating(false);
            bundle.add_resource(resource).expect("one message");
            let pattern = bundle
                .get_message("message")
                .and_then(|m| m.value())
                .expect("a value");
            let mut errors = Vec::new();
            let back = bundle.format_pattern(pattern, None, &mut errors);
            assert_eq!(back, text, "{entry}");
            assert!(back.ends_with(ending));
        }
    }

    fn russian_help(args: &[&str]) -> String {
        let mut command = translated(Cli::command(), Language::Russian);
        match command.try_get_matches_from_mut(args) {
            Err(error) => error.apply::<TranslatedErrors>().to_string(),
            Ok(_) => panic!("{args:?} parsed"),
        }
    }

    #[test]
    fn russian_help_has_no_english_headings_or_flags() {
        for args in [
            &["rogatory", "--help"][..],
            &["rogatory", "request", "send", "--help"],
            &["rogatory", "status", "send", "-h"],
            &["rogatory", "case", "list", "--help"],
        ] {
            let help = russian_help(args);
            for english in [
                "Usage:",
                "Options:",
                "Commands:",
                "Arguments:",
                "Print help",
                "[default:",
                "possible values",
            ] {
                assert!(!help.contains(english), "{args:?}: {english}\n{help}");
            }
            assert!(help.contains("Использование:"), "{help}");
        }
    }
}
