//! The language this run of `rogatory` speaks, and `t!`, which gives a catalog message in it.
//!
//! The language is `--lang` if given, else the locale variables (`LC_ALL`, `LC_MESSAGES`,
//! `LANG`, in that order), else English; `main` settles it once before anything is printed.
//! The catalogs themselves are the node library's (`rogatory_node::locale`), shared with the
//! node's own user-facing text.

use std::sync::OnceLock;

pub use rogatory_node::locale::{Arg, FluentArgs, Language};

static LANGUAGE: OnceLock<Language> = OnceLock::new();

/// Settles the language for this run; the first call wins.
pub fn set_language(language: Language) {
    let _ = LANGUAGE.set(language);
}

/// The language of this run (from the environment if `main` has not settled it).
pub fn language() -> Language {
    *LANGUAGE.get_or_init(Language::from_environment)
}

/// The `--lang` value on a command line, read before clap parses it so that help and usage
/// errors come in that language too. `None` if absent or not a language with catalogs.
pub fn language_argument<I, S>(args: I) -> Option<Language>
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg.as_ref().to_string_lossy().into_owned();
        if arg == "--" {
            return None;
        }
        if arg == "--lang" {
            return args
                .next()
                .and_then(|value| Language::from_tag(&value.as_ref().to_string_lossy()));
        }
        if let Some(value) = arg.strip_prefix("--lang=") {
            return Language::from_tag(value);
        }
    }
    None
}

/// Message `id` in this run's language, without variables.
pub fn text(id: &str) -> String {
    language().catalog().text(id, None)
}

/// Message `id` in this run's language, with its variables.
pub fn text_with(id: &str, args: &FluentArgs<'_>) -> String {
    language().catalog().text(id, Some(args))
}

/// `t!("message-id")` or `t!("message-id", count = n, peer = peer_id)`: the catalog message in
/// this run's language, as a `String`. Variables take text (`&str`, `String`) or integers.
macro_rules! t {
    ($id:expr) => {
        $crate::i18n::text($id)
    };
    ($id:expr, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = $crate::i18n::FluentArgs::new();
        $(args.set(stringify!($name), $crate::i18n::Arg::to_value(&$value));)+
        $crate::i18n::text_with($id, &args)
    }};
}
pub(crate) use t;

/// `t_in!(language, "message-id", name = value, …)`: [`t!`] in a given language, for text that
/// must stay English whatever the reader's language (a sentence inside `--json`).
#[allow(unused_macros)]
macro_rules! t_in {
    ($language:expr, $id:expr) => {
        $language.catalog().text($id, None)
    };
    ($language:expr, $id:expr, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = $crate::i18n::FluentArgs::new();
        $(args.set(stringify!($name), $crate::i18n::Arg::to_value(&$value));)+
        $language.catalog().text($id, Some(&args))
    }};
}
#[allow(unused_imports)]
pub(crate) use t_in;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lang_argument_is_found_before_parsing() {
        assert_eq!(
            language_argument(["rogatory", "inbox", "--lang", "ru"]),
            Some(Language::Russian)
        );
        assert_eq!(
            language_argument(["rogatory", "--lang=en", "inbox"]),
            Some(Language::English)
        );
        assert_eq!(language_argument(["rogatory", "inbox"]), None);
        assert_eq!(language_argument(["rogatory", "--", "--lang", "ru"]), None);
    }

    #[test]
    fn t_gives_the_message_with_its_variables() {
        let text = Language::Russian.catalog().text("common-messages", None);
        assert!(text.contains("сообщ"), "{text}");
        assert_eq!(
            t!("no-such-message-anywhere", count = 3u64),
            "no-such-message-anywhere"
        );
    }
}
