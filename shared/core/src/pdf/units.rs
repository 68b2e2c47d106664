//! The one place floats appear in remit-core: printpdf takes coordinates and colours as `f32`.
//! Layout is done in integer micrometres (and money never comes near here); these functions
//! convert at the boundary only.
#![allow(
    clippy::float_arithmetic,
    clippy::cast_precision_loss,
    reason = "printpdf's API is f32; the values are page coordinates and colours, never money"
)]

use printpdf::{Color, Mm, Pt, Rgb};

/// Micrometres on the page (1 mm = 1000).
pub type Um = i64;

pub const fn mm(v: i64) -> Um {
    v * 1000
}

pub fn to_mm(um: Um) -> Mm {
    Mm(um as f32 / 1000.0)
}

pub fn to_pt(um: Um) -> Pt {
    to_mm(um).into()
}

/// A font size given in tenths of a point.
pub fn size_pt(tenths: i64) -> Pt {
    Pt(tenths as f32 / 10.0)
}

pub fn rgb(r: u8, g: u8, b: u8) -> Color {
    Color::Rgb(Rgb::new(f32::from(r) / 255.0, f32::from(g) / 255.0, f32::from(b) / 255.0, None))
}

/// An image's print resolution so that `px` pixels span `width` on the page.
pub fn dpi_for(px: usize, width: Um) -> f32 {
    (px as f32) * 25.4 / (width as f32 / 1000.0)
}
