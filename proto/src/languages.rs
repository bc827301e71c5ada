//! Languages as people type them: an ISO 639 code (`ru`, `rus`), an English or Russian name
//! (`Russian`, `русский`) or the language's own name (`Deutsch`), all meaning one language.
//!
//! Contact-point directories name their languages however their authors wrote them, and the
//! people searching them type whatever comes to mind; both sides are brought to one ISO 639-1
//! code by [`code`] and compared there ([`same_language`]). The table covers the languages of
//! the Central Asian states, their neighbours, and the EU's major languages; a language outside
//! it still matches by its exact text, case-insensitively.

/// One language: its ISO 639-1 code and every other way of writing it, lower case.
struct Language {
    code: &'static str,
    /// ISO 639-2/T and /B and 639-3 codes, English names, Russian names, its own name.
    names: &'static [&'static str],
}

const LANGUAGES: &[Language] = &[
    Language {
        code: "ru",
        names: &["rus", "russian", "русский", "russisch"],
    },
    Language {
        code: "en",
        names: &["eng", "english", "английский", "englisch"],
    },
    Language {
        code: "de",
        names: &["deu", "ger", "german", "немецкий", "deutsch"],
    },
    Language {
        code: "fr",
        names: &[
            "fra",
            "fre",
            "french",
            "французский",
            "français",
            "francais",
        ],
    },
    Language {
        code: "kk",
        names: &["kaz", "kazakh", "казахский", "қазақ", "қазақша"],
    },
    Language {
        code: "ky",
        names: &[
            "kir",
            "kyrgyz",
            "kirghiz",
            "kirgiz",
            "киргизский",
            "кыргызский",
            "кыргыз",
            "кыргызча",
        ],
    },
    Language {
        code: "tg",
        names: &["tgk", "tajik", "tadjik", "таджикский", "тоҷикӣ", "тоҷики"],
    },
    Language {
        code: "tk",
        names: &[
            "tuk",
            "turkmen",
            "туркменский",
            "türkmen",
            "türkmençe",
            "turkmence",
        ],
    },
    Language {
        code: "uz",
        names: &[
            "uzb",
            "uzbek",
            "узбекский",
            "oʻzbek",
            "o'zbek",
            "ozbek",
            "ўзбек",
        ],
    },
    Language {
        code: "az",
        names: &[
            "aze",
            "azerbaijani",
            "azeri",
            "азербайджанский",
            "azərbaycan",
            "azerbaycan",
        ],
    },
    Language {
        code: "hy",
        names: &["hye", "arm", "armenian", "армянский", "հայերեն"],
    },
    Language {
        code: "ka",
        names: &["kat", "geo", "georgian", "грузинский", "ქართული"],
    },
    Language {
        code: "tr",
        names: &["tur", "turkish", "турецкий", "türkçe", "turkce"],
    },
    Language {
        code: "fa",
        names: &[
            "fas",
            "per",
            "persian",
            "farsi",
            "персидский",
            "фарси",
            "فارسی",
        ],
    },
    Language {
        code: "ar",
        names: &["ara", "arabic", "арабский", "العربية"],
    },
    Language {
        code: "zh",
        names: &[
            "zho",
            "chi",
            "chinese",
            "mandarin",
            "китайский",
            "中文",
            "汉语",
            "漢語",
        ],
    },
    Language {
        code: "uk",
        names: &["ukr", "ukrainian", "украинский", "українська"],
    },
    Language {
        code: "be",
        names: &["bel", "belarusian", "белорусский", "беларуская"],
    },
    Language {
        code: "pl",
        names: &["pol", "polish", "польский", "polski"],
    },
    Language {
        code: "it",
        names: &["ita", "italian", "итальянский", "italiano"],
    },
    Language {
        code: "es",
        names: &["spa", "spanish", "испанский", "español", "espanol"],
    },
];

/// Words around a language's name that do not change which language it is.
const FILLER: &[&str] = &[
    "language",
    "язык",
    "языке",
    "sprache",
    "tili",
    "тили",
    "тілі",
];

/// The ISO 639-1 code of the language `text` names, if the table knows it: `Russian`,
/// `русский язык`, `RUS`, `ru`, `ru-RU` and `uz-Latn` (a tag's first subtag) all resolve.
pub fn code(text: &str) -> Option<&'static str> {
    let lower = text.trim().to_lowercase();
    let words: Vec<&str> = lower
        .split_whitespace()
        .filter(|word| !FILLER.contains(word))
        .collect();
    let name = words.join(" ");
    if name.is_empty() {
        return None;
    }
    let by_name = |candidate: &str| {
        LANGUAGES
            .iter()
            .find(|l| l.code == candidate || l.names.contains(&candidate))
            .map(|l| l.code)
    };
    by_name(&name).or_else(|| {
        // A language tag: the primary subtag names the language.
        let primary = name.split(['-', '_']).next().unwrap_or_default();
        (primary != name && primary.is_ascii()).then(|| by_name(primary))?
    })
}

/// Whether `listed` (as a directory entry writes a language) and `typed` (as a searcher
/// writes it) name the same language.
pub fn same_language(listed: &str, typed: &str) -> bool {
    match (code(listed), code(typed)) {
        (Some(a), Some(b)) => a == b,
        _ => listed.trim().to_lowercase() == typed.trim().to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_in_english_russian_and_the_language_itself_agree() {
        for typed in [
            "ru",
            "rus",
            "RUS",
            "Russian",
            "русский",
            "Русский язык",
            "ru-RU",
        ] {
            assert_eq!(code(typed), Some("ru"), "{typed}");
        }
        for typed in ["de", "deu", "ger", "German", "немецкий", "Deutsch", "de-AT"] {
            assert_eq!(code(typed), Some("de"), "{typed}");
        }
        for (typed, expected) in [
            ("Kyrgyz", "ky"),
            ("кыргызский", "ky"),
            ("Tajik", "tg"),
            ("таджикский", "tg"),
            ("Turkmen", "tk"),
            ("tuk", "tk"),
            ("uz-Latn", "uz"),
            ("узбекский", "uz"),
            ("Kazakh", "kk"),
            ("казахский", "kk"),
            ("Azeri", "az"),
            ("armenian", "hy"),
            ("грузинский", "ka"),
            ("Turkish", "tr"),
            ("Farsi", "fa"),
            ("арабский", "ar"),
            ("Chinese", "zh"),
            ("French", "fr"),
            ("английский", "en"),
        ] {
            assert_eq!(code(typed), Some(expected), "{typed}");
        }
        assert_eq!(code("Klingon"), None);
        assert_eq!(code(""), None);
        assert_eq!(code("язык"), None);
    }

    #[test]
    fn a_listed_language_is_found_however_it_is_typed() {
        assert!(same_language("ru", "русский"));
        assert!(same_language("Russian", "rus"));
        assert!(same_language("de", "Deutsch"));
        assert!(!same_language("ru", "uz"));
        assert!(!same_language("uk", "ru"));
        // Outside the table: exact text, any case.
        assert!(same_language("Karakalpak", "karakalpak"));
        assert!(!same_language("Karakalpak", "kaa-x"));
    }

    #[test]
    fn every_name_is_lower_case_and_belongs_to_one_language() {
        let mut seen = std::collections::HashSet::new();
        for language in LANGUAGES {
            assert!(seen.insert(language.code), "{}", language.code);
            for name in language.names {
                assert_eq!(name.to_lowercase(), *name);
                assert!(seen.insert(name), "{name} twice");
            }
        }
    }
}
