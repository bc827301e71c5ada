//! Search keys: how the words of a message and of a query are normalised so that they find each
//! other across case, script and transliteration (no I/O; shared by the node's index and any
//! client that wants to show why something matched).
//!
//! A text is cut into words (runs of letters and digits; an apostrophe inside a word, as in
//! Uzbek `Oʻrinov`, stays part of it). Each word becomes one **key**:
//!
//! 1. Unicode lowercase.
//! 2. Cyrillic to Latin, letter by letter, after the Russian passport scheme with `ё` → `yo`,
//!    `й` → `y`, `х` → `kh`, `ц` → `ts`, `ж` → `zh`, `ъ`, `ь` dropped, and the letters of the
//!    Central-Asian alphabets (Kazakh `ә ғ қ ң ө ұ ү һ і`, Uzbek `ў қ ғ ҳ`, Tajik `ӣ ӯ ҷ ҳ`,
//!    Turkmen `җ ң ө ү`) to their nearest Latin; Latin letters with diacritics to the plain letter
//!    or digraph they stand for in Turkmen, Uzbek, Kazakh and German Latin (`ç` → `ch`, `ş` → `sh`,
//!    `ž` → `zh`, `ý` → `y`, `ä` → `a`, `ß` → `ss`, ...). Uzbek `oʻ` (the Latin for `ў`) becomes
//!    `u`, as Russian renders `ў`; `gʻ` becomes `g`; other apostrophes are dropped.
//! 3. The usual variants of the same sound are folded: `shch`, `sch` → `sh`; `dzh`, `dj`,
//!    `zh` → `j`; `kh`, `x` → `h` (`x` is Uzbek Latin for `х`, so `Aleksandr` and `Alexander`
//!    do not meet); `gh` → `g`; `ts`, `tz` → `c`; `q` → `k`; `w` → `v`; `ph` → `f`; `ck` → `k`.
//! 4. Glides: a `y` before a vowel is dropped (`ya`, `ye`, `yo`, `yu` → `a`, `e`, `o`, `u`),
//!    any other `y` becomes `i` (`Aybek` = `Aibek`, `Vasiliy` = `Vasilii`).
//! 5. Runs of one letter become one (`Abbasov` = `Abasov`, `ii` → `i`).
//! 6. An `i` before a vowel is dropped (`Iusupov` = `Yusupov`, `Ilias` = `Ilyas`,
//!    `Aliev` = `Aliyev`).
//!
//! So `Атаев`, `Ataev`, `Atayev`, `ATAEV` and Turkmen `Ataýew` are all `ataev`; `Юсупов`,
//! `Yusupov` and `Iusupov` are `usupov`; `Ходжаев`, `Khodzhaev`, `Khodjaev` and `Xojayev` are
//! `hojaev`. Keys are for matching, never shown: they join some names that differ (`Mirzoev`
//! and `Mirziyoyev` both give `mirzoev`), which a search tolerates. Not folded: German `j` for a
//! glide (`Jusupow`), `ё` written `e` (`Fedorov` against `Фёдоров`), `o`/`u` variants.
//!
//! A query word matches every key that begins with the query's key (prefix matching: `Атае`
//! finds `Атаев`). A query word whose last letter may be the first half of a digraph or a glide
//! (`k` of `kh`, `d` of `dzh`, a final `i` or `y`, ...) drops it from its key when more than
//! [`MIN_KEY_CHARS`] letters remain, so a prefix cut there still finds the word.

/// Keys are cut to this many bytes: longer words (hashes, pasted identifiers) are still found
/// by their beginning, and no index key grows without bound.
pub const MAX_KEY_BYTES: usize = 48;

/// Words whose key is shorter than this are not indexed (single letters, initials such as
/// the `А` of `А. Нуров`): they would find almost everything.
pub const MIN_KEY_CHARS: usize = 2;

/// The keys of every word of `text`, each once, in order of first appearance.
pub fn keys(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in words(text) {
        let key = key(&word);
        if key.chars().count() >= MIN_KEY_CHARS && !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

/// One word of a query and its key; it matches every indexed key that begins with its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    /// The word as typed.
    pub word: String,
    pub key: String,
}

impl QueryWord {
    /// Whether the indexed `key` matches this word.
    pub fn matches(&self, key: &str) -> bool {
        key.starts_with(&self.key)
    }
}

/// The words of a query, each once (a word that normalises to nothing, such as a lone
/// punctuation mark or a single letter, is left out).
pub fn query(text: &str) -> Vec<QueryWord> {
    let mut out: Vec<QueryWord> = Vec::new();
    for word in words(text) {
        let latin = transliterate(&word.to_lowercase());
        let mut key = fold(&latin);
        // The last letter may be the first half of a digraph or a glide the full word folds
        // differently (`Ak` of `Akhmedov` is `ah...`): match without it.
        let open_ended = latin.chars().last().is_some_and(|c| {
            matches!(c, 'k' | 'z' | 'd' | 't' | 's' | 'c' | 'g' | 'p' | 'y' | 'i')
        });
        if open_ended && key.chars().count() > MIN_KEY_CHARS {
            key.pop();
        }
        if key.chars().count() < MIN_KEY_CHARS || out.iter().any(|q| q.key == key) {
            continue;
        }
        out.push(QueryWord { word, key });
    }
    out
}

/// The key of one word (see the module header).
pub fn key(word: &str) -> String {
    let mut key = fold(&transliterate(&word.to_lowercase()));
    if key.len() > MAX_KEY_BYTES {
        let mut end = MAX_KEY_BYTES;
        while !key.is_char_boundary(end) {
            end -= 1;
        }
        key.truncate(end);
    }
    key
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʻ' | 'ʼ' | '‘' | '`')
}

/// The words of `text`: runs of letters and digits, with apostrophes between letters kept.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let inside = is_apostrophe(c)
            && !current.is_empty()
            && chars.peek().is_some_and(|next| next.is_alphanumeric());
        if c.is_alphanumeric() || inside {
            current.push(c);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Lowercase Cyrillic and accented Latin to plain Latin letters; apostrophes resolved.
fn transliterate(lower: &str) -> String {
    let mut out = String::with_capacity(lower.len());
    let mut chars = lower.chars().peekable();
    while let Some(c) = chars.next() {
        // Uzbek Latin oʻ (Cyrillic ў) and gʻ (ғ).
        if (c == 'o' || c == 'g') && chars.peek().is_some_and(|n| is_apostrophe(*n)) {
            chars.next();
            out.push(if c == 'o' { 'u' } else { 'g' });
            continue;
        }
        let latin: &str = match c {
            'а' | 'ә' | 'ə' | 'ä' | 'á' | 'à' | 'â' | 'ā' | 'å' => "a",
            'б' => "b",
            'в' => "v",
            'г' | 'ғ' | 'ґ' | 'ğ' => "g",
            'д' => "d",
            'е' | 'э' | 'é' | 'è' | 'ê' | 'ë' | 'ē' => "e",
            'ё' => "yo",
            'ж' | 'ž' => "zh",
            'з' => "z",
            'и' | 'і' | 'ӣ' | 'ı' | 'í' | 'ì' | 'î' | 'ï' | 'ī' => "i",
            'й' | 'ы' | 'ý' | 'ÿ' => "y",
            'к' | 'қ' => "k",
            'л' => "l",
            'м' => "m",
            'н' | 'ң' | 'ñ' | 'ň' => "n",
            'о' | 'ө' | 'ö' | 'ó' | 'ò' | 'ô' | 'ō' | 'ø' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' | 'ұ' | 'ү' | 'ў' | 'ӯ' | 'ü' | 'ú' | 'ù' | 'û' | 'ū' => "u",
            'ф' => "f",
            'х' | 'ҳ' | 'һ' => "kh",
            'ц' => "ts",
            'ч' | 'ç' | 'č' => "ch",
            'ш' | 'ş' | 'š' => "sh",
            'щ' => "shch",
            'ъ' | 'ь' => "",
            'ю' => "yu",
            'я' => "ya",
            'җ' | 'ҷ' => "j",
            'є' => "ye",
            'ї' => "yi",
            'ß' => "ss",
            c if is_apostrophe(c) => "",
            c => {
                out.push(c);
                continue;
            }
        };
        out.push_str(latin);
    }
    out
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// Steps 3 to 6 of the module header, on a lowercase Latin word.
fn fold(latin: &str) -> String {
    // 3. Digraphs and letters with the same sound, longest first.
    const SAME_SOUND: &[(&str, &str)] = &[
        ("shch", "sh"),
        ("tsch", "ch"),
        ("dzh", "j"),
        ("sch", "sh"),
        ("dj", "j"),
        ("zh", "j"),
        ("kh", "h"),
        ("gh", "g"),
        ("ts", "c"),
        ("tz", "c"),
        ("ph", "f"),
        ("ck", "k"),
        ("x", "h"),
        ("q", "k"),
        ("w", "v"),
    ];
    let mut merged = String::with_capacity(latin.len());
    let mut rest = latin;
    'outer: while !rest.is_empty() {
        for (from, to) in SAME_SOUND {
            if let Some(after) = rest.strip_prefix(from) {
                merged.push_str(to);
                rest = after;
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            merged.push(c);
        }
        rest = chars.as_str();
    }
    // 4. y: a glide before a vowel, else the vowel i.
    let chars: Vec<char> = merged.chars().collect();
    let mut glided = String::with_capacity(merged.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == 'y' {
            if chars.get(i + 1).is_some_and(|n| is_vowel(*n)) {
                continue;
            }
            glided.push('i');
        } else {
            glided.push(c);
        }
    }
    // 5. Runs of one letter.
    let mut single: Vec<char> = Vec::with_capacity(glided.len());
    for c in glided.chars() {
        if single.last() != Some(&c) || c.is_numeric() {
            single.push(c);
        }
    }
    // 6. i before a vowel.
    let mut out = String::with_capacity(single.len());
    for (i, &c) in single.iter().enumerate() {
        if c == 'i' && single.get(i + 1).is_some_and(|n| is_vowel(*n) && *n != 'i') {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(words: &[&str]) {
        let first = key(words[0]);
        for word in words {
            assert_eq!(key(word), first, "{word} against {}", words[0]);
        }
    }

    #[test]
    fn central_asian_surnames_meet_across_scripts_and_transliterations() {
        same(&["Атаев", "Ataev", "Atayev", "ATAEV", "Ataýew"]);
        same(&["Юсупов", "Yusupov", "Iusupov", "YUSUPOV"]);
        same(&["Ходжаев", "Khodzhaev", "Khodjaev", "Xojayev", "Hojaev"]);
        same(&["Алиев", "Aliev", "Aliyev", "Əliyev"]);
        same(&["Джумаев", "Dzhumaev", "Djumaev", "Jumayev", "Jumaýew"]);
        same(&["Чарыев", "Charyev", "Çaryýew"]);
        same(&["Ильяс", "Ilyas", "Ilias"]);
        same(&["Айбек", "Aybek", "Aibek"]);
        same(&["Василий", "Vasiliy", "Vasilii", "Vasily"]);
        same(&["Цой", "Tsoy", "Tsoi"]);
        same(&["Қосимов", "Косимов", "Qosimov", "Kosimov"]);
        same(&["Ўринов", "Уринов", "Oʻrinov", "O'rinov", "Urinov"]);
        same(&["Ғафуров", "Гафуров", "Gʻafurov", "Gafurov", "Ghafurov"]);
        same(&["Рахмонов", "Rakhmonov", "Rahmonov", "Raxmonov"]);
        same(&["Бердымухамедов", "Berdimuhamedov", "Berdymukhamedov"]);
        same(&["Назарбаев", "Nazarbayev", "Nazarbaev"]);
        same(&["Евгений", "Yevgeniy", "Evgenii"]);
        same(&["Яхъяев", "Yakhyaev", "Yahyayev"]);
        same(&["Нұрсұлтан", "Нурсултан", "Nursultan"]);
        same(&["Müller", "Muller", "MÜLLER"]);
    }

    #[test]
    fn different_names_stay_apart() {
        for (a, b) in [
            ("Атаев", "Аталиев"),
            ("Юсупов", "Юнусов"),
            ("Каримов", "Карымшаков"),
            ("Ходжаев", "Худойбердиев"),
        ] {
            assert_ne!(key(a), key(b), "{a} and {b}");
        }
    }

    #[test]
    fn words_are_cut_at_punctuation_and_keys_repeat_once() {
        assert_eq!(keys("УД-115/2026, УД"), ["ud", "115", "2026"]);
        assert_eq!(keys("А. Нуров"), ["nurov"], "a lone initial is not a key");
        assert_eq!(keys("Oʻrinov's"), ["urinovs"]);
        assert!(keys(" ,.;— ").is_empty());
    }

    #[test]
    fn a_query_word_finds_the_words_it_begins_in_either_script() {
        let matches = |query_text: &str, word: &str| {
            let words = query(query_text);
            assert_eq!(words.len(), 1, "{query_text}");
            words[0].matches(&key(word))
        };
        assert!(matches("Атае", "Атаев"));
        assert!(matches("Atae", "Атаев"));
        assert!(matches("Atay", "Атаев"), "a final y may be a glide");
        assert!(matches("Akh", "Ахмедов"));
        assert!(matches("Ah", "Akhmedov"));
        assert!(matches("Ходж", "Khodjaev"), "a final ж may begin дж");
        assert!(matches("мошенничеств", "Мошенничество"));
        assert!(!matches("Атаев", "Аталиев"));
        assert!(
            query("а . Б").is_empty(),
            "single letters are no query words"
        );
        assert_eq!(query("Атаев ataev").len(), 1, "one key once");
    }

    #[test]
    fn keys_are_bounded() {
        let long = "а".repeat(200);
        assert!(key(&long).len() <= MAX_KEY_BYTES);
        let cyrillic = "ж".repeat(100);
        assert!(key(&cyrillic).len() <= MAX_KEY_BYTES);
    }
}
