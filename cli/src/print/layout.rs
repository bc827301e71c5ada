//! Blocks of text laid out on A4 pages: wrapped to the column they stand in, split across
//! pages line by line, every page numbered "page N of M". Knows nothing of PDF (see
//! [`super::pdf`]) nor of what the text says (see [`super::content`]); measures text through
//! [`Measure`], so the tests can use a fixed-width stand-in.

/// The weight a line is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Regular,
    Bold,
}

/// The width of a text as set in a style and size, in points.
pub trait Measure {
    fn width(&self, text: &str, size: f32, style: Style) -> f32;
}

/// What a document is made of, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The document's title, centred.
    Title(String),
    /// A line under the title, centred.
    Subtitle(String),
    /// A section heading; kept on the page of the lines that follow it.
    Heading(String),
    /// A label and its value, side by side; the value wraps in its column.
    Field { label: String, value: String },
    /// Text across the whole width.
    Text(String),
    /// Smaller text across the whole width: a hash on one line, a note.
    Small(String),
    /// The verification code: large, on a line of its own.
    Code(String),
    /// A little vertical space.
    Gap,
    /// The next block starts a new page.
    PageBreak,
}

/// One line of text placed on a page: `x` from the left edge, `baseline` from the top.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub x: f32,
    pub baseline: f32,
    pub size: f32,
    pub style: Style,
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub lines: Vec<Line>,
}

/// A page's size and margins, in points (1/72 inch).
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    pub width: f32,
    pub height: f32,
    pub left: f32,
    pub right: f32,
    pub top: f32,
    pub bottom: f32,
    /// The label column of a [`Block::Field`].
    pub label_width: f32,
}

/// A4 with margins of 25 mm on the left (for binding into a file) and 20 mm elsewhere.
pub const A4: Geometry = Geometry {
    width: 595.28,
    height: 841.89,
    left: 70.87,
    right: 56.69,
    top: 56.69,
    bottom: 70.0,
    label_width: 165.0,
};

const TITLE_SIZE: f32 = 14.0;
const SUBTITLE_SIZE: f32 = 9.0;
const HEADING_SIZE: f32 = 11.0;
const BODY_SIZE: f32 = 10.0;
const SMALL_SIZE: f32 = 8.5;
const CODE_SIZE: f32 = 15.0;
const FOOTER_SIZE: f32 = 8.0;
/// Line spacing as a multiple of the type size.
const LEADING: f32 = 1.3;
/// Space between the label column and the value column.
const COLUMN_GAP: f32 = 10.0;
/// How far a value under its label (a label too long for its column) is indented.
const STACKED_INDENT: f32 = 14.0;
/// A heading moves to the next page unless this many body lines fit under it.
const KEEP_WITH_HEADING: f32 = 3.0;

/// Lays `blocks` out on pages and numbers them: `footer(n, m)` is the text at the foot of page
/// `n` of `m`.
pub fn lay_out(
    blocks: &[Block],
    geometry: &Geometry,
    measure: &dyn Measure,
    footer: &dyn Fn(usize, usize) -> String,
) -> Vec<Page> {
    let mut writer = Writer {
        geometry,
        measure,
        pages: vec![Page::default()],
        y: geometry.top,
    };
    let text_width = geometry.width - geometry.left - geometry.right;
    for block in blocks {
        match block {
            Block::Title(text) => writer.centred(text, TITLE_SIZE, Style::Bold),
            Block::Subtitle(text) => writer.centred(text, SUBTITLE_SIZE, Style::Regular),
            Block::Heading(text) => {
                writer.y += BODY_SIZE * 0.6;
                let needed = HEADING_SIZE * LEADING + KEEP_WITH_HEADING * BODY_SIZE * LEADING;
                if writer.y + needed > writer.limit() {
                    writer.new_page();
                }
                for line in wrap(text, text_width, HEADING_SIZE, Style::Bold, measure) {
                    writer.line(geometry.left, line, HEADING_SIZE, Style::Bold);
                }
                writer.y += BODY_SIZE * 0.2;
            }
            Block::Field { label, value } => writer.field(label, value),
            Block::Text(text) => {
                for line in wrap(text, text_width, BODY_SIZE, Style::Regular, measure) {
                    writer.line(geometry.left, line, BODY_SIZE, Style::Regular);
                }
            }
            Block::Small(text) => {
                for line in wrap(text, text_width, SMALL_SIZE, Style::Regular, measure) {
                    writer.line(geometry.left, line, SMALL_SIZE, Style::Regular);
                }
            }
            Block::Code(code) => {
                writer.y += BODY_SIZE * 0.3;
                writer.line(geometry.left, code.clone(), CODE_SIZE, Style::Bold);
                writer.y += BODY_SIZE * 0.3;
            }
            Block::Gap => writer.y += BODY_SIZE * 0.8,
            Block::PageBreak => {
                if !writer.current().lines.is_empty() {
                    writer.new_page();
                }
            }
        }
    }
    let mut pages = writer.pages;
    if pages.len() > 1 && pages.last().is_some_and(|p| p.lines.is_empty()) {
        pages.pop();
    }
    let total = pages.len();
    for (n, page) in pages.iter_mut().enumerate() {
        let text = footer(n + 1, total);
        let x = (geometry.width - measure.width(&text, FOOTER_SIZE, Style::Regular)) / 2.0;
        page.lines.push(Line {
            x: x.max(geometry.left),
            baseline: geometry.height - geometry.bottom / 2.0,
            size: FOOTER_SIZE,
            style: Style::Regular,
            text,
        });
    }
    pages
}

struct Writer<'a> {
    geometry: &'a Geometry,
    measure: &'a dyn Measure,
    pages: Vec<Page>,
    /// The top of the next line, from the page's top edge.
    y: f32,
}

impl Writer<'_> {
    fn limit(&self) -> f32 {
        self.geometry.height - self.geometry.bottom
    }

    fn current(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = self.geometry.top;
    }

    /// Places one line at `x`, on a new page if it does not fit on this one.
    fn line(&mut self, x: f32, text: String, size: f32, style: Style) {
        let height = size * LEADING;
        if self.y + height > self.limit() && !self.current().lines.is_empty() {
            self.new_page();
        }
        let baseline = self.y + size;
        self.current().lines.push(Line {
            x,
            baseline,
            size,
            style,
            text,
        });
        self.y += height;
    }

    fn centred(&mut self, text: &str, size: f32, style: Style) {
        let g = self.geometry;
        let width = g.width - g.left - g.right;
        for line in wrap(text, width, size, style, self.measure) {
            let x = g.left + (width - self.measure.width(&line, size, style)).max(0.0) / 2.0;
            self.line(x, line, size, style);
        }
    }

    /// A label and its value: side by side when the label fits on one line of its column,
    /// else the label on a line of its own and the value indented under it. Placed row by row,
    /// so that a long value continues on the next page.
    fn field(&mut self, label: &str, value: &str) {
        let g = self.geometry;
        let height = BODY_SIZE * LEADING;
        let side_by_side = self.measure.width(label, BODY_SIZE, Style::Bold) <= g.label_width
            && !label.contains('\n');
        let value_x = if side_by_side {
            g.left + g.label_width + COLUMN_GAP
        } else {
            g.left + STACKED_INDENT
        };
        let value_width = g.width - g.right - value_x;
        let values = wrap(value, value_width, BODY_SIZE, Style::Regular, self.measure);
        if side_by_side {
            // A label is not left alone at the foot of a page.
            if self.y + height > self.limit() {
                self.new_page();
            }
            let baseline = self.y + BODY_SIZE;
            self.current().lines.push(Line {
                x: g.left,
                baseline,
                size: BODY_SIZE,
                style: Style::Bold,
                text: label.to_owned(),
            });
        } else {
            let text_width = g.width - g.left - g.right;
            let labels = wrap(label, text_width, BODY_SIZE, Style::Bold, self.measure);
            // The label stays with the first line of its value.
            if self.y + height * (labels.len() + 1) as f32 > self.limit() {
                self.new_page();
            }
            for line in labels {
                self.line(g.left, line, BODY_SIZE, Style::Bold);
            }
        }
        for value in values {
            self.line(value_x, value, BODY_SIZE, Style::Regular);
        }
        self.y += BODY_SIZE * 0.25;
    }
}

/// `text` broken into lines no wider than `width`: at its own line breaks, then between
/// words, and inside a word only when the word alone is wider than the line. Runs of spaces
/// are kept inside a line and dropped where it breaks; an empty paragraph stays an empty line.
pub fn wrap(text: &str, width: f32, size: f32, style: Style, measure: &dyn Measure) -> Vec<String> {
    let fits = |line: &str| measure.width(line, size, style) <= width;
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let paragraph = paragraph.trim_end();
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if fits(&candidate) {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word starts a line; a word wider than the whole line is cut.
            let mut rest = word;
            while !fits(rest) {
                let cut = longest_fitting_prefix(rest, &fits);
                lines.push(rest[..cut].to_owned());
                rest = &rest[cut..];
            }
            line = rest.to_owned();
        }
        lines.push(line);
    }
    lines
}

/// The byte length of the longest prefix of `word` that fits, at least one character.
fn longest_fitting_prefix(word: &str, fits: &dyn Fn(&str) -> bool) -> usize {
    let mut cut = word.chars().next().map_or(word.len(), char::len_utf8);
    for (at, c) in word.char_indices().skip(1) {
        if !fits(&word[..at]) {
            break;
        }
        cut = at;
        if !fits(&word[..at + c.len_utf8()]) {
            break;
        }
        cut = at + c.len_utf8();
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character half the type size wide.
    struct Fixed;

    impl Measure for Fixed {
        fn width(&self, text: &str, size: f32, _: Style) -> f32 {
            text.chars().count() as f32 * size * 0.5
        }
    }

    #[test]
    fn wrapping_breaks_between_words_and_keeps_paragraphs() {
        // 10 characters of size 10 fill 50 points.
        let lines = wrap(
            "Атаев Мурат and Atayev\n\nend",
            50.0,
            10.0,
            Style::Regular,
            &Fixed,
        );
        assert_eq!(lines, ["Атаев", "Мурат and", "Atayev", "", "end"]);
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_and_nothing_is_lost() {
        let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let lines = wrap(
            &format!("SHA-256 {hash}"),
            100.0,
            10.0,
            Style::Regular,
            &Fixed,
        );
        assert!(
            lines
                .iter()
                .all(|l| Fixed.width(l, 10.0, Style::Regular) <= 100.0)
        );
        assert_eq!(lines[0], "SHA-256");
        assert_eq!(lines[1..].concat(), hash);
        assert_eq!(lines[1].chars().count(), 20);
    }

    #[test]
    fn long_fields_continue_on_numbered_pages() {
        let facts: String = (0..1500).map(|n| format!("fact{n} ")).collect();
        let blocks = [
            Block::Title("Request".into()),
            Block::Heading("Facts".into()),
            Block::Field {
                label: "Summary of the relevant facts".into(),
                value: facts.clone(),
            },
            Block::Code("tm-1-AAAA-BBBB-CCCC-DDDD".into()),
        ];
        let footer = |n: usize, m: usize| format!("page {n} of {m}");
        let pages = lay_out(&blocks, &A4, &Fixed, &footer);
        assert!(pages.len() >= 2, "{} pages", pages.len());
        let total = pages.len();
        for (n, page) in pages.iter().enumerate() {
            let foot = page.lines.last().expect("footer");
            assert_eq!(foot.text, format!("page {} of {total}", n + 1));
            for line in &page.lines[..page.lines.len() - 1] {
                assert!(line.baseline <= A4.height - A4.bottom, "{line:?}");
                assert!(line.baseline > A4.top, "{line:?}");
                let right = line.x + Fixed.width(&line.text, line.size, line.style);
                assert!(right <= A4.width - A4.right + 0.01, "{line:?}");
            }
        }
        // Every word of the value is printed once, in order, across the pages.
        let printed: Vec<String> = pages
            .iter()
            .flat_map(|p| p.lines.iter())
            .filter(|l| l.style == Style::Regular && l.text.starts_with("fact"))
            .map(|l| l.text.clone())
            .collect();
        assert_eq!(printed.join(" ").trim(), facts.trim());
        let last = pages.last().expect("pages");
        assert!(last.lines.iter().any(|l| l.text.starts_with("tm-1-")));
    }

    #[test]
    fn a_label_too_long_for_its_column_stands_above_its_value() {
        let long = "Орган, осуществляющий расследование, уголовное преследование или судебное \
                    разбирательство";
        let blocks = [
            Block::Field {
                label: "Язык просьбы".into(),
                value: "ru".into(),
            },
            Block::Field {
                label: long.into(),
                value: "Прокуратура города Ашхабада".into(),
            },
        ];
        let pages = lay_out(&blocks, &A4, &Fixed, &|_, _| String::new());
        let lines = &pages[0].lines;
        // Short: label and value on one baseline, the value in its column.
        assert_eq!(lines[0].baseline, lines[1].baseline);
        assert_eq!(lines[1].x, A4.left + A4.label_width + COLUMN_GAP);
        // Long: the label's lines across the page, then the value indented under them.
        let label_lines: Vec<&Line> = lines[2..]
            .iter()
            .filter(|l| l.style == Style::Bold)
            .collect();
        let value = lines[2..]
            .iter()
            .find(|l| l.style == Style::Regular)
            .expect("value");
        assert!(label_lines.iter().all(|l| l.x == A4.left));
        let joined: Vec<&str> = label_lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined.join(" "), long);
        assert!(label_lines.iter().all(|l| l.baseline < value.baseline));
        assert_eq!(value.x, A4.left + STACKED_INDENT);
        assert_eq!(value.text, "Прокуратура города Ашхабада");
    }

    #[test]
    fn a_heading_is_not_left_at_the_foot_of_a_page() {
        let mut blocks: Vec<Block> = (0..53).map(|n| Block::Text(format!("line {n}"))).collect();
        blocks.push(Block::Heading("Attachments".into()));
        blocks.push(Block::Text("statement.pdf".into()));
        let pages = lay_out(&blocks, &A4, &Fixed, &|_, _| String::new());
        assert_eq!(pages.len(), 2);
        assert!(pages[1].lines.iter().any(|l| l.text == "Attachments"));
        assert!(pages[1].lines.iter().any(|l| l.text == "statement.pdf"));
    }

    #[test]
    fn a_page_break_starts_a_new_page_once() {
        let blocks = [
            Block::Text("one".into()),
            Block::PageBreak,
            Block::PageBreak,
            Block::Text("two".into()),
            Block::PageBreak,
        ];
        let pages = lay_out(&blocks, &A4, &Fixed, &|n, m| format!("{n}/{m}"));
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[1].lines.last().map(|l| l.text.as_str()), Some("2/2"));
    }
}
