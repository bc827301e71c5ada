//! Laid-out pages written as a PDF with krilla: the two DejaVu Serif faces vendored in
//! `cli/fonts/` (licence beside them) embedded as subsets, so Cyrillic and Latin render the
//! same on any reader without a system font. The fonts' own metrics measure text for
//! [`super::layout`].

use std::sync::Arc;

use anyhow::Context;
use krilla::Document;
use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};

use super::layout::{Measure, Page, Style};

static SERIF: &[u8] = include_bytes!("../../fonts/DejaVuSerif.ttf");
static SERIF_BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSerif-Bold.ttf");

/// The vendored faces, parsed for measuring.
pub struct Fonts {
    regular: ttf_parser::Face<'static>,
    bold: ttf_parser::Face<'static>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fonts(DejaVu Serif)")
    }
}

impl Fonts {
    pub fn load() -> anyhow::Result<Fonts> {
        let face = |bytes: &'static [u8]| {
            ttf_parser::Face::parse(bytes, 0).context("the vendored font does not parse")
        };
        Ok(Fonts {
            regular: face(SERIF)?,
            bold: face(SERIF_BOLD)?,
        })
    }
}

impl Measure for Fonts {
    fn width(&self, text: &str, size: f32, style: Style) -> f32 {
        let face = match style {
            Style::Regular => &self.regular,
            Style::Bold => &self.bold,
        };
        let units: u32 = text
            .chars()
            .map(|c| {
                let glyph = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
                u32::from(face.glyph_hor_advance(glyph).unwrap_or(0))
            })
            .sum();
        units as f32 * size / f32::from(face.units_per_em())
    }
}

fn krilla_font(bytes: &'static [u8]) -> anyhow::Result<Font> {
    let data: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(bytes);
    Font::new(data.into(), 0).context("the vendored font does not load")
}

/// The PDF of `pages`, with `title` and `language` (a BCP 47 tag) in its metadata.
pub fn render(
    pages: &[Page],
    width: f32,
    height: f32,
    title: &str,
    language: &str,
) -> anyhow::Result<Vec<u8>> {
    let (regular, bold) = (krilla_font(SERIF)?, krilla_font(SERIF_BOLD)?);
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language(language.to_owned())
            .creator("rogatory".to_owned()),
    );
    for page in pages {
        let mut pdf_page = document.start_page_with(PageSettings::new(width, height));
        let mut surface = pdf_page.surface();
        for line in &page.lines {
            let font = match line.style {
                Style::Regular => regular.clone(),
                Style::Bold => bold.clone(),
            };
            surface.draw_text(
                Point::from_xy(line.x, line.baseline),
                font,
                line.size,
                &line.text,
                false,
                TextDirection::LeftToRight,
            );
        }
        surface.finish();
        pdf_page.finish();
    }
    document
        .finish()
        .map_err(|e| anyhow::anyhow!("{}: {e:?}", crate::i18n::t!("print-cannot-write-pdf")))
}
