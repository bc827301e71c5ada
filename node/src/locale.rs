//! What people read, in their language: the message catalogs (Project Fluent) shared by the
//! `rogatory` CLI and the node's own user-facing text.
//!
//! Catalogs are files translators edit, `node/locales/<language>/<topic>.ftl`, embedded at build
//! time (`build.rs` includes every `.ftl` file it finds). Message ids name the meaning
//! (`case-state-awaiting-answer`), never the English words. Every id exists in every language with
//! the same variables (the unit tests below fail otherwise), and plurals follow CLDR rules through
//! Fluent selectors (`{ $count -> [one] … [few] … *[many] … }`).
//!
//! The protocol keeps its machine values (`take-evidence`); only their display is translated.
//! Text a peer wrote is never passed through a catalog: it is shown as written.
//!
//! Base layer: no other module of the node is used here.

use std::sync::OnceLock;

use fluent_bundle::FluentResource;
use fluent_bundle::concurrent::FluentBundle;
pub use fluent_bundle::{FluentArgs, FluentValue};

/// `(language code, file name, contents)` of every catalog file, from `build.rs`.
const CATALOG_FILES: &[(&str, &str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));

/// A language the catalogs are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Language {
    English,
    Russian,
}

impl Language {
    /// Every language, the fallback (English) first.
    pub const ALL: [Language; 2] = [Language::English, Language::Russian];

    /// The ISO 639-1 code, also the catalog folder's name.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Russian => "ru",
        }
    }

    /// The language a locale name or language tag asks for: `ru`, `ru_RU.UTF-8`, `ru-KZ`, `en`,
    /// `C`, `POSIX`. `None` for languages without catalogs (`de_DE.UTF-8`) and for nonsense.
    pub fn from_tag(tag: &str) -> Option<Language> {
        // A locale name is language[_territory][.codeset][@modifier].
        let language = tag
            .trim()
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match language.as_str() {
            "ru" | "rus" => Some(Language::Russian),
            "en" | "eng" | "c" | "posix" => Some(Language::English),
            _ => None,
        }
    }

    /// The language the process's locale asks for, in POSIX order of precedence: `LC_ALL`, then
    /// `LC_MESSAGES`, then `LANG`; the first one set and not empty decides. English when it names
    /// a language without catalogs, and when none is set.
    pub fn from_environment() -> Language {
        Self::from_variables(|name| std::env::var(name).ok())
    }

    /// [`Language::from_environment`] over any source of variables (for tests).
    pub fn from_variables(get: impl Fn(&str) -> Option<String>) -> Language {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(get)
            .find(|value| !value.trim().is_empty())
            .and_then(|value| Language::from_tag(&value))
            .unwrap_or(Language::English)
    }

    /// This language's catalog.
    pub fn catalog(self) -> &'static Catalog {
        static CATALOGS: [OnceLock<Catalog>; 2] = [OnceLock::new(), OnceLock::new()];
        let slot = match self {
            Language::English => &CATALOGS[0],
            Language::Russian => &CATALOGS[1],
        };
        slot.get_or_init(|| Catalog::load(self))
    }

    /// A calendar date as this language writes it: `2026-12-07` in English (ISO 8601, which
    /// courts across the network read alike), `07.12.2026` in Russian (ДД.ММ.ГГГГ).
    pub fn date(self, ms: i64) -> String {
        let Some(at) = datetime(ms) else {
            return String::from("?");
        };
        let (year, month, day) = (at.year(), u8::from(at.month()), at.day());
        match self {
            Language::English => format!("{year:04}-{month:02}-{day:02}"),
            Language::Russian => format!("{day:02}.{month:02}.{year:04}"),
        }
    }

    /// A date and time (UTC, to the minute) as this language writes it:
    /// `2026-12-07 21:58 UTC`, `07.12.2026 21:58 UTC`.
    pub fn date_time(self, ms: i64) -> String {
        let Some(at) = datetime(ms) else {
            return String::from("?");
        };
        format!("{} {:02}:{:02} UTC", self.date(ms), at.hour(), at.minute())
    }
}

fn datetime(ms: i64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

/// One language's messages.
pub struct Catalog {
    language: Language,
    bundle: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

impl Catalog {
    fn load(language: Language) -> Catalog {
        let tag: unic_langid::LanguageIdentifier = language
            .code()
            .parse()
            .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
        let mut bundle = FluentBundle::new_concurrent(vec![tag]);
        // Terminals and PDFs get the text as is; Unicode isolation marks would show as
        // invisible characters in copied text. Peer-written text never goes through a catalog.
        bundle.set_use_isolating(false);
        for (code, _file, source) in CATALOG_FILES {
            if *code != language.code() {
                continue;
            }
            // The tests refuse a catalog with syntax errors or duplicate ids; at run time the
            // messages that did parse are still served.
            let resource = match FluentResource::try_new((*source).to_owned()) {
                Ok(resource) => resource,
                Err((resource, _errors)) => resource,
            };
            bundle.add_resource_overriding(resource);
        }
        Catalog { language, bundle }
    }

    pub fn language(&self) -> Language {
        self.language
    }

    /// Whether the catalog has the message `id`.
    pub fn has(&self, id: &str) -> bool {
        self.bundle.has_message(id)
    }

    /// Message `id` with its variables. A message missing from this language falls back to
    /// English, and one missing everywhere is shown as its id (the tests keep both from
    /// happening; a person still reads something).
    pub fn text(&self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        if let Some(text) = self.format(id, args) {
            return text;
        }
        if self.language != Language::English
            && let Some(text) = Language::English.catalog().format(id, args)
        {
            return text;
        }
        id.to_owned()
    }

    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
        let pattern = self.bundle.get_message(id)?.value()?;
        let mut errors = Vec::new();
        Some(
            self.bundle
                .format_pattern(pattern, args, &mut errors)
                .into_owned(),
        )
    }
}

/// A value given to a message's variable: text or a number (numbers select plural forms).
pub trait Arg {
    fn to_value(&self) -> FluentValue<'static>;
}

impl Arg for str {
    fn to_value(&self) -> FluentValue<'static> {
        FluentValue::from(self.to_owned())
    }
}

impl Arg for String {
    fn to_value(&self) -> FluentValue<'static> {
        FluentValue::from(self.clone())
    }
}

impl<T: Arg + ?Sized> Arg for &T {
    fn to_value(&self) -> FluentValue<'static> {
        (**self).to_value()
    }
}

macro_rules! number_arg {
    ($($type:ty),*) => {
        $(impl Arg for $type {
            fn to_value(&self) -> FluentValue<'static> {
                FluentValue::from(*self)
            }
        })*
    };
}

number_arg!(i32, i64, u32, u64, usize);

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast;

    use super::*;

    /// Every message of a language: id → the variables it uses.
    fn messages(language: Language) -> BTreeMap<String, BTreeSet<String>> {
        let mut out = BTreeMap::new();
        for (code, file, source) in CATALOG_FILES {
            if *code != language.code() {
                continue;
            }
            let resource = fluent_syntax::parser::parse(*source)
                .unwrap_or_else(|(_, errors)| panic!("{code}/{file} does not parse: {errors:?}"));
            for entry in resource.body {
                if let ast::Entry::Message(message) = entry {
                    let mut variables = BTreeSet::new();
                    if let Some(pattern) = &message.value {
                        pattern_variables(pattern, &mut variables);
                    }
                    for attribute in &message.attributes {
                        pattern_variables(&attribute.value, &mut variables);
                    }
                    let id = message.id.name.to_owned();
                    assert!(
                        out.insert(id.clone(), variables).is_none(),
                        "{code}: message {id} is defined twice (the second time in {file})"
                    );
                }
            }
        }
        out
    }

    fn pattern_variables(pattern: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_variables(expression, out);
            }
        }
    }

    fn expression_variables(expression: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Inline(inline) => inline_variables(inline, out),
            ast::Expression::Select { selector, variants } => {
                inline_variables(selector, out);
                for variant in variants {
                    pattern_variables(&variant.value, out);
                }
            }
        }
    }

    fn inline_variables(inline: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                out.insert(id.name.to_owned());
            }
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for argument in &arguments.positional {
                    inline_variables(argument, out);
                }
                for argument in &arguments.named {
                    inline_variables(&argument.value, out);
                }
            }
            ast::InlineExpression::TermReference {
                arguments: Some(arguments),
                ..
            } => {
                for argument in &arguments.positional {
                    inline_variables(argument, out);
                }
                for argument in &arguments.named {
                    inline_variables(&argument.value, out);
                }
            }
            ast::InlineExpression::Placeable { expression } => {
                expression_variables(expression, out)
            }
            _ => {}
        }
    }

    #[test]
    fn every_message_exists_in_every_language_with_the_same_variables() {
        let english = messages(Language::English);
        assert!(!english.is_empty(), "no English catalog found");
        for language in Language::ALL {
            let other = messages(language);
            let missing: Vec<_> = english
                .keys()
                .filter(|id| !other.contains_key(*id))
                .collect();
            let extra: Vec<_> = other
                .keys()
                .filter(|id| !english.contains_key(*id))
                .collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, not in English {extra:?}",
                language.code()
            );
            for (id, variables) in &english {
                assert_eq!(
                    Some(variables),
                    other.get(id),
                    "{}: message {id} uses other variables than in English",
                    language.code()
                );
            }
        }
    }

    #[test]
    fn every_catalog_file_exists_in_every_language() {
        let files = |language: Language| -> BTreeSet<&str> {
            CATALOG_FILES
                .iter()
                .filter(|(code, _, _)| *code == language.code())
                .map(|(_, file, _)| *file)
                .collect()
        };
        for language in Language::ALL {
            assert_eq!(
                files(Language::English),
                files(language),
                "{}",
                language.code()
            );
        }
        let codes: BTreeSet<&str> = CATALOG_FILES.iter().map(|(code, _, _)| *code).collect();
        let known: BTreeSet<&str> = Language::ALL.iter().map(|l| l.code()).collect();
        assert_eq!(
            codes, known,
            "a catalog folder for a language the code does not know"
        );
    }

    #[test]
    fn the_locale_variables_choose_the_language_in_posix_order() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            }
        };
        assert_eq!(
            Language::from_variables(env(&[("LANG", "ru_RU.UTF-8")])),
            Language::Russian
        );
        assert_eq!(
            Language::from_variables(env(&[("LANG", "ru_RU.UTF-8"), ("LC_ALL", "C")])),
            Language::English
        );
        assert_eq!(
            Language::from_variables(env(&[("LANG", "en_GB.UTF-8"), ("LC_MESSAGES", "ru_KZ")])),
            Language::Russian
        );
        assert_eq!(
            Language::from_variables(env(&[("LC_ALL", ""), ("LANG", "ru")])),
            Language::Russian
        );
        assert_eq!(
            Language::from_variables(env(&[("LANG", "de_DE.UTF-8")])),
            Language::English
        );
        assert_eq!(Language::from_variables(env(&[])), Language::English);
        assert_eq!(Language::from_tag("ru-KZ"), Some(Language::Russian));
        assert_eq!(Language::from_tag("tk_TM"), None);
    }

    #[test]
    fn russian_plurals_follow_cldr() {
        let count = |n: u64| {
            let mut args = FluentArgs::new();
            args.set("count", n.to_value());
            Language::Russian
                .catalog()
                .text("common-messages", Some(&args))
        };
        assert_eq!(count(1), "1 сообщение");
        assert_eq!(count(2), "2 сообщения");
        assert_eq!(count(5), "5 сообщений");
        assert_eq!(count(21), "21 сообщение");
        assert_eq!(count(11), "11 сообщений");
        let mut args = FluentArgs::new();
        args.set("count", 1u64.to_value());
        assert_eq!(
            Language::English
                .catalog()
                .text("common-messages", Some(&args)),
            "1 message"
        );
    }

    #[test]
    fn a_missing_message_falls_back_to_english_then_to_its_id() {
        assert_eq!(
            Language::Russian.catalog().text("no-such-message", None),
            "no-such-message"
        );
    }

    #[test]
    fn dates_are_written_as_each_language_writes_them() {
        // 2026-12-07T21:58:00Z
        let ms = 1_796_680_680_000;
        assert_eq!(Language::English.date(ms), "2026-12-07");
        assert_eq!(Language::Russian.date(ms), "07.12.2026");
        assert_eq!(Language::Russian.date_time(ms), "07.12.2026 21:58 UTC");
    }
}
