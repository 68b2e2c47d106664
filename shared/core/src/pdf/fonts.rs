//! The fonts of the invoice PDF: DejaVu Sans and Sans Bold, shipped in `assets/fonts` (free
//! licence, see its LICENSE), subset to the characters a document uses so a one-page invoice
//! is tens of kilobytes rather than a megabyte. Text is measured here in integers, from the
//! fonts' own advance widths, for right-aligned amounts and wrapped descriptions.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use allsorts::binary::read::ReadScope;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};
use allsorts::tables::OpenTypeFont;
use printpdf::ParsedFont;

use super::units::Um;
use crate::error::{Error, Result};

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

fn pdf_error(what: impl std::fmt::Display) -> Error {
    Error::invalid("pdf", what.to_string())
}

/// A whole font, parsed once per process: for measuring and for finding glyphs to keep.
pub struct Face {
    bytes: &'static [u8],
    parsed: ParsedFont,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face").field("units_per_em", &self.parsed.units_per_em).finish()
    }
}

fn load(bytes: &'static [u8]) -> Result<Face> {
    let mut warnings = Vec::new();
    let parsed =
        ParsedFont::from_bytes(bytes, 0, &mut warnings).ok_or_else(|| pdf_error("the shipped font does not parse"))?;
    Ok(Face { bytes, parsed })
}

static FACES: OnceLock<std::result::Result<(Face, Face), String>> = OnceLock::new();

/// The regular and bold faces.
pub fn faces() -> Result<&'static (Face, Face)> {
    FACES
        .get_or_init(|| Ok((load(REGULAR).map_err(|e| e.to_string())?, load(BOLD).map_err(|e| e.to_string())?)))
        .as_ref()
        .map_err(pdf_error)
}

impl Face {
    fn glyph(&self, c: char) -> u16 {
        self.parsed.lookup_glyph_index(u32::from(c)).unwrap_or(0)
    }

    /// The width of `text` at `size` tenths of a point, in micrometres. (No kerning: printpdf
    /// draws one glyph per character with its advance, exactly what is summed here.)
    pub fn width(&self, text: &str, size: i64) -> Um {
        let units: i64 = text.chars().map(|c| i64::from(self.parsed.get_glyph_width(self.glyph(c)).unwrap_or(0))).sum();
        let upm = i64::from(self.parsed.units_per_em.max(1));
        // units/upm em × size/10 pt × 25400/72 µm per pt.
        units * size * 25_400 / (upm * 10 * 72)
    }

    /// The font cut down to `chars` (plus the missing-glyph box), ready to embed.
    pub fn subset(&self, chars: &BTreeSet<char>) -> Result<ParsedFont> {
        let mut glyphs: Vec<u16> = std::iter::once(0).chain(chars.iter().map(|c| self.glyph(*c))).collect();
        glyphs.sort_unstable();
        glyphs.dedup();
        let font = ReadScope::new(self.bytes).read::<OpenTypeFont<'_>>().map_err(pdf_error)?;
        let provider = font.table_provider(0).map_err(pdf_error)?;
        let bytes = subset(&provider, &glyphs, &SubsetProfile::Minimal, CmapTarget::Unicode).map_err(pdf_error)?;
        let mut warnings = Vec::new();
        ParsedFont::from_bytes(&bytes, 0, &mut warnings).ok_or_else(|| pdf_error("the font subset does not parse"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_grow_with_text_and_size() {
        let (regular, bold) = faces().unwrap();
        let w = regular.width("6,600.00", 100);
        assert!(w > 10_000 && w < 20_000, "8 characters at 10 pt are a bit over a centimetre, got {w}");
        assert!((regular.width("6,600.00", 200) - 2 * w).abs() <= 1, "twice the size, twice the width");
        assert!(bold.width("Total", 100) > regular.width("Total", 100));
        assert_eq!(regular.width("", 100), 0);
    }

    #[test]
    fn a_subset_is_small_and_keeps_its_characters() {
        let (regular, _) = faces().unwrap();
        let chars: BTreeSet<char> = "Invoice 123 €".chars().collect();
        let sub = regular.subset(&chars).unwrap();
        assert!(sub.original_bytes.len() < 30_000, "{} bytes", sub.original_bytes.len());
        assert!(sub.lookup_glyph_index(u32::from('€')).is_some_and(|g| g != 0));
    }
}
