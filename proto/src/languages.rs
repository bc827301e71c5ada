//! Languages as people type them: an ISO 639 code (`ru`, `rus`), an English or Russian name
//! (`Russian`, `русский`) or the language's own name (`Deutsch`), all meaning one language.
//!
//! Contact-point directories name their languages however their authors wrote them, and the
//! people searching them type whatever comes to mind; both sides are brought to one ISO 639-1
//! code by [`code`] and compared there ([`same_language`]). The table covers the languages of
//! the Central Asian states, their neighbours, and the EU's major languages; a language outside
//! it still matches by its exact text, case-insensitively.

/// The languages, one a line: its ISO 639-1 code, then every other way of writing it, lower
/// case, separated by spaces (ISO 639-2/T and /B and 639-3 codes, English names, Russian
/// names, its own name).
const LANGUAGES: &[&str] = &[
    "ru rus russian русский russisch",
    "en eng english английский englisch",
    "de deu ger german немецкий deutsch",
    "fr fra fre french французский français francais",
    "kk kaz kazakh казахский қазақ қазақша",
    "ky kir kyrgyz kirghiz kirgiz киргизский кыргызский кыргыз кыргызча",
    "tg tgk tajik tadjik таджикский тоҷикӣ тоҷики",
    "tk tuk turkmen туркменский türkmen türkmençe turkmence",
    "uz uzb uzbek узбекский oʻzbek o'zbek ozbek ўзбек",
    "az aze azerbaijani azeri азербайджанский azərbaycan azerbaycan",
    "hy hye arm armenian армянский հայերեն",
    "ka kat geo georgian грузинский ქართული",
    "tr tur turkish турецкий türkçe turkce",
    "fa fas per persian farsi персидский фарси فارسی",
    "ar ara arabic арабский العربية",
    "zh zho chi chinese mandarin китайский 中文 汉语 漢語",
    "uk ukr ukrainian украинский українська",
    "be bel belarusian белорусский беларуская",
    "pl pol polish польский polski",
    "it ita italian итальянский italiano",
    "es spa spanish испанский español espanol",
];

/// The code a line of [`LANGUAGES`] is for, and the names it gives.
fn language(line: &'static str) -> (&'static str, impl Iterator<Item = &'static str>) {
    let mut words = line.split(' ');
    (words.next().unwrap_or_default(), words)
}

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
        LANGUAGES.iter().find_map(|line| {
            let (code, mut names) = language(line);
            (code == candidate || names.any(|n| n == candidate)).then_some(code)
        })
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
        for line in LANGUAGES {
            let (code, names) = language(line);
            assert!(seen.insert(code), "{code}");
            for name in names {
                assert!(!name.is_empty(), "two spaces in {line:?}");
                assert_eq!(name.to_lowercase(), name);
                assert!(seen.insert(name), "{name} twice");
            }
        }
    }
}
