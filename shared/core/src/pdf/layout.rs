//! Page layout of the invoice PDF, in integer micrometres from the top-left corner (printpdf
//! measures from the bottom; `Canvas` converts).

use std::collections::BTreeSet;

use printpdf::{
    FontId, Line as PdfLine, LinePoint, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions,
    Point, RawImage, RawImageData, RawImageFormat, Rect, TextItem, XObjectId, XObjectTransform,
};

use super::fonts::{Face, faces};
use super::units::{Um, dpi_for, mm, rgb, size_pt, to_mm, to_pt};
use super::{PdfInvoice, Seller, format_money};
use crate::error::{Error, Result};

/// Every fixed word the layout prints, so the font subset holds their characters.
pub const LABELS: &str = "INVOICE DRAFT Invoice number Issue date Due date PO number Reference BILL TO Description \
    Quantity Qty Unit price Tax Amount Subtotal Discount Total Paid Amount due Payment Pay online Notes Terms Page of \
    (continued) Tax ID VAT % 0123456789.,-:/()$";

const PAGE_W: Um = mm(210);
const PAGE_H: Um = mm(297);
const LEFT: Um = mm(18);
const RIGHT: Um = mm(192);
/// Content stops here; the footer sits below.
const BOTTOM: Um = mm(297 - 22);

const COL_QTY: Um = mm(127);
const COL_PRICE: Um = mm(153);
const COL_TAX: Um = mm(167);
const DESC_WIDTH: Um = mm(92);

const BODY: i64 = 90; // 9 pt, in tenths
const SMALL: i64 = 75;
const LINE: Um = 4_600; // baseline to baseline at 9 pt

fn pdf_error(what: impl std::fmt::Display) -> Error {
    Error::invalid("pdf", what.to_string())
}

/// A PNG logo, decoded to raw pixels (printpdf writes them compressed).
pub fn decode_logo(base64_png: &str) -> Result<RawImage> {
    let bytes = base64_decode(base64_png).ok_or_else(|| pdf_error("logo_png_base64 is not base64"))?;
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| pdf_error(format!("logo: {e}")))?;
    let size = reader.output_buffer_size().ok_or_else(|| pdf_error("logo too large"))?;
    if size > 16 * 1024 * 1024 {
        return Err(pdf_error("logo too large: at most 16 MB of pixels"));
    }
    let mut buf = vec![0u8; size];
    let info = reader.next_frame(&mut buf).map_err(|e| pdf_error(format!("logo: {e}")))?;
    buf.truncate(info.buffer_size());
    let data_format = match info.color_type {
        png::ColorType::Rgb => RawImageFormat::RGB8,
        png::ColorType::Rgba => RawImageFormat::RGBA8,
        png::ColorType::Grayscale => RawImageFormat::R8,
        png::ColorType::GrayscaleAlpha => RawImageFormat::RG8,
        png::ColorType::Indexed => return Err(pdf_error("logo: palette PNGs are not supported")),
    };
    let width = usize::try_from(info.width).map_err(pdf_error)?;
    let height = usize::try_from(info.height).map_err(pdf_error)?;
    Ok(RawImage { pixels: RawImageData::U8(buf), width, height, data_format, tag: Vec::new() })
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in text.bytes().filter(|b| !b.is_ascii_whitespace() && *b != b'=') {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

struct Canvas<'a> {
    regular: &'a Face,
    bold: &'a Face,
    regular_id: FontId,
    bold_id: FontId,
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    y: Um,
}

impl Canvas<'_> {
    fn face(&self, bold: bool) -> &Face {
        if bold { self.bold } else { self.regular }
    }

    /// Text with its baseline at `y` from the top.
    fn text(&mut self, bold: bool, size: i64, x: Um, y: Um, s: &str) {
        if s.is_empty() {
            return;
        }
        let font = if bold { self.bold_id.clone() } else { self.regular_id.clone() };
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont { font: PdfFontHandle::External(font), size: size_pt(size) },
            Op::SetTextCursor { pos: Point { x: to_pt(x), y: to_pt(PAGE_H - y) } },
            Op::ShowText { items: vec![TextItem::Text(s.to_owned())] },
            Op::EndTextSection,
        ]);
    }

    fn text_right(&mut self, bold: bool, size: i64, right: Um, y: Um, s: &str) {
        let w = self.face(bold).width(s, size);
        self.text(bold, size, right - w, y, s);
    }

    fn colour(&mut self, r: u8, g: u8, b: u8) {
        self.ops.push(Op::SetFillColor { col: rgb(r, g, b) });
    }

    fn rect(&mut self, x: Um, top: Um, w: Um, h: Um, (r, g, b): (u8, u8, u8)) {
        self.colour(r, g, b);
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                x: to_pt(x),
                y: to_pt(PAGE_H - top - h),
                width: to_pt(w),
                height: to_pt(h),
                mode: Some(PaintMode::Fill),
                winding_order: None,
            },
        });
        self.colour(0, 0, 0);
    }

    fn rule(&mut self, x1: Um, x2: Um, y: Um, thickness: Um, grey: u8) {
        self.ops.push(Op::SetOutlineColor { col: rgb(grey, grey, grey) });
        self.ops.push(Op::SetOutlineThickness { pt: to_pt(thickness) });
        let at = |x: Um| LinePoint { p: Point { x: to_pt(x), y: to_pt(PAGE_H - y) }, bezier: false };
        self.ops.push(Op::DrawLine { line: PdfLine { points: vec![at(x1), at(x2)], is_closed: false } });
    }

    /// Breaks `text` into lines no wider than `width` (words, then characters for very long ones).
    fn wrap(&self, bold: bool, size: i64, text: &str, width: Um) -> Vec<String> {
        let face = self.face(bold);
        let mut lines = Vec::new();
        for paragraph in text.lines() {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
                if face.width(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // A word wider than the column is cut where it must be.
                for ch in word.chars() {
                    let mut next = line.clone();
                    next.push(ch);
                    if face.width(&next, size) > width && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        next = ch.to_string();
                    }
                    line = next;
                }
            }
            lines.push(line);
        }
        if lines.is_empty() {
            lines.push(String::new());
        }
        lines
    }

    fn new_page(&mut self) {
        let done = std::mem::take(&mut self.ops);
        self.pages.push(done);
        self.colour(0, 0, 0);
        self.y = mm(20);
    }

    /// Makes room for `height` more, starting a new page when the current one is full.
    fn ensure(&mut self, height: Um) -> bool {
        if self.y + height > BOTTOM {
            self.new_page();
            return true;
        }
        false
    }
}

fn header(
    c: &mut Canvas<'_>,
    inv: &PdfInvoice,
    seller: &Seller,
    logo: Option<&(XObjectId, usize, usize)>,
) -> Result<()> {
    let mut left_y = mm(20);
    if let Some((id, px_w, px_h)) = logo {
        // At most 40 × 18 mm, keeping the logo's proportions.
        let max_w = mm(40);
        let max_h = mm(18);
        let w_by_h = i64::try_from(*px_w).unwrap_or(1) * max_h / i64::try_from((*px_h).max(1)).unwrap_or(1);
        let width = w_by_h.min(max_w).max(1);
        let height = width * i64::try_from(*px_h).unwrap_or(1) / i64::try_from((*px_w).max(1)).unwrap_or(1);
        c.ops.push(Op::UseXobject {
            id: id.clone(),
            transform: XObjectTransform {
                translate_x: Some(to_pt(LEFT)),
                translate_y: Some(to_pt(PAGE_H - mm(14) - height)),
                dpi: Some(dpi_for(*px_w, width)),
                ..Default::default()
            },
        });
        left_y = mm(14) + height + mm(6);
    }
    c.text(true, 130, LEFT, left_y, &seller.name);
    left_y += mm(5);
    let contact: Vec<String> = seller
        .address
        .iter()
        .cloned()
        .chain([&seller.email, &seller.phone, &seller.website].into_iter().flatten().cloned())
        .chain(seller.tax_id.iter().map(|t| format!("Tax ID {t}")))
        .collect();
    for line in contact {
        c.text(false, SMALL + 5, LEFT, left_y, &line);
        left_y += mm(4);
    }

    let title = if inv.number.is_some() { "INVOICE" } else { "INVOICE DRAFT" };
    c.text_right(true, 200, RIGHT, mm(24), title);
    let mut facts: Vec<(&str, String)> = Vec::new();
    if let Some(n) = &inv.number {
        facts.push(("Invoice number", n.clone()));
    }
    facts.push(("Issue date", inv.issue_date.clone()));
    facts.push(("Due date", inv.due_date.clone()));
    if let Some(po) = &inv.po_number {
        facts.push(("PO number", po.clone()));
    }
    if let Some(r) = &inv.reference {
        facts.push(("Reference", r.clone()));
    }
    let mut right_y = mm(33);
    for (label, value) in facts {
        c.colour(90, 90, 90);
        c.text(false, BODY, mm(128), right_y, label);
        c.colour(0, 0, 0);
        c.text_right(true, BODY, RIGHT, right_y, &value);
        right_y += mm(5);
    }

    let mut y = left_y.max(right_y) + mm(6);
    c.colour(110, 110, 110);
    c.text(true, SMALL, LEFT, y, "BILL TO");
    c.colour(0, 0, 0);
    y += mm(5);
    c.text(true, 105, LEFT, y, &inv.customer.name);
    if let Some(e) = &inv.customer.email {
        y += mm(5);
        c.text(false, BODY, LEFT, y, e);
    }
    let due = format!("Amount due {}", format_money(&inv.amount_due, inv.currency)?);
    c.rect(mm(128), y - mm(7), RIGHT - mm(128), mm(10), (238, 242, 247));
    c.text_right(true, 110, RIGHT - mm(3), y, &due);
    c.y = y + mm(10);
    Ok(())
}

fn table_header(c: &mut Canvas<'_>) {
    c.rect(LEFT, c.y, RIGHT - LEFT, mm(8), (33, 54, 87));
    c.colour(255, 255, 255);
    let base = c.y + mm(5) + 500;
    c.text(true, BODY, LEFT + mm(2), base, "Description");
    c.text_right(true, BODY, COL_QTY, base, "Qty");
    c.text_right(true, BODY, COL_PRICE, base, "Unit price");
    c.text_right(true, BODY, COL_TAX, base, "Tax");
    c.text_right(true, BODY, RIGHT - mm(2), base, "Amount");
    c.colour(0, 0, 0);
    c.y += mm(8);
}

fn lines(c: &mut Canvas<'_>, inv: &PdfInvoice) -> Result<()> {
    table_header(c);
    for (i, line) in inv.line_items.iter().enumerate() {
        let wrapped = c.wrap(false, BODY, &line.description, DESC_WIDTH);
        let height = LINE * i64::try_from(wrapped.len()).unwrap_or(1) + mm(3);
        if c.ensure(height) {
            table_header(c);
        }
        if i % 2 == 1 {
            c.rect(LEFT, c.y, RIGHT - LEFT, height, (247, 248, 250));
        }
        let mut y = c.y + mm(2) + LINE - 1_200;
        let qty = match &line.unit {
            Some(u) if !u.is_empty() => format!("{} {u}", line.quantity),
            _ => line.quantity.clone(),
        };
        c.text_right(false, BODY, COL_QTY, y, &qty);
        c.text_right(false, BODY, COL_PRICE, y, &format_money(&line.unit_price_rounded(inv)?, inv.currency)?);
        c.text_right(false, BODY, COL_TAX, y, &format!("{}%", line.tax_rate));
        c.text_right(false, BODY, RIGHT - mm(2), y, &format_money(&line.amount, inv.currency)?);
        for text in &wrapped {
            c.text(false, BODY, LEFT + mm(2), y, text);
            y += LINE;
        }
        c.y += height;
    }
    c.rule(LEFT, RIGHT, c.y, 300, 160);
    c.y += mm(4);
    Ok(())
}

impl super::Line {
    /// A unit price may carry more decimals than the currency (0.125); it is printed as given
    /// when it does, and padded to the currency's digits when it has fewer.
    fn unit_price_rounded(&self, inv: &PdfInvoice) -> Result<String> {
        let digits = self.unit_price.split_once('.').map_or(0, |(_, f)| f.len());
        let exp = usize::try_from(inv.currency.exponent()).unwrap_or(2);
        if digits > exp {
            return Ok(self.unit_price.clone());
        }
        let padded = match self.unit_price.split_once('.') {
            Some((w, f)) => format!("{w}.{f:0<exp$}"),
            None if exp > 0 => format!("{}.{}", self.unit_price, "0".repeat(exp)),
            None => self.unit_price.clone(),
        };
        Ok(padded)
    }
}

fn totals(c: &mut Canvas<'_>, inv: &PdfInvoice) -> Result<()> {
    let money = |v: &str| format_money(v, inv.currency);
    let mut rows: Vec<(String, String, bool)> = vec![("Subtotal".into(), money(&inv.subtotal)?, false)];
    if let Some(d) = inv.discount_total.as_deref().filter(|d| d.bytes().any(|b| (b'1'..=b'9').contains(&b))) {
        rows.push(("Discount".into(), format!("-{}", money(d)?), false));
    }
    for t in &inv.tax_breakdown {
        let label = if t.category == "standard" {
            format!("Tax {}%", t.rate)
        } else {
            format!("Tax {}% ({})", t.rate, t.category.replace('_', " "))
        };
        rows.push((label, money(&t.tax)?, false));
    }
    if inv.tax_breakdown.is_empty() {
        rows.push(("Tax".into(), money(&inv.tax)?, false));
    }
    rows.push(("Total".into(), money(&inv.total)?, true));
    let paid = inv.amount_paid.as_deref().filter(|p| p.bytes().any(|b| (b'1'..=b'9').contains(&b)));
    if let Some(p) = paid {
        rows.push(("Paid".into(), format!("-{}", money(p)?), false));
    }
    let height = LINE * i64::try_from(rows.len() + 3).unwrap_or(8) + mm(10);
    c.ensure(height);
    let label_x = mm(120);
    for (label, value, strong) in rows {
        if strong {
            c.rule(label_x, RIGHT, c.y - mm(3) - 300, 300, 120);
        }
        c.text(strong, BODY, label_x, c.y + 1_000, &label);
        c.text_right(strong, BODY, RIGHT - mm(2), c.y + 1_000, &value);
        c.y += LINE + 600;
    }
    c.rect(label_x - mm(2), c.y - mm(1), RIGHT - label_x + mm(2), mm(9), (33, 54, 87));
    c.colour(255, 255, 255);
    c.text(true, 100, label_x, c.y + mm(5), "Amount due");
    c.text_right(true, 100, RIGHT - mm(2), c.y + mm(5), &money(&inv.amount_due)?);
    c.colour(0, 0, 0);
    c.y += mm(14);
    Ok(())
}

fn block(c: &mut Canvas<'_>, title: &str, body: &str) {
    let wrapped = c.wrap(false, BODY, body, RIGHT - LEFT);
    c.ensure(mm(7) + LINE);
    c.colour(110, 110, 110);
    c.text(true, SMALL, LEFT, c.y, title);
    c.colour(0, 0, 0);
    c.y += mm(5);
    for line in wrapped {
        c.ensure(LINE);
        c.text(false, BODY, LEFT, c.y, &line);
        c.y += LINE;
    }
    c.y += mm(4);
}

fn footer(ops: &mut Vec<Op>, c: &Canvas<'_>, seller: &Seller, inv: &PdfInvoice, page: usize, pages: usize) {
    let mut f = Canvas {
        regular: c.regular,
        bold: c.bold,
        regular_id: c.regular_id.clone(),
        bold_id: c.bold_id.clone(),
        pages: Vec::new(),
        ops: Vec::new(),
        y: 0,
    };
    f.rule(LEFT, RIGHT, PAGE_H - mm(16), 200, 200);
    f.colour(110, 110, 110);
    let who = match (&inv.number, &seller.tax_id) {
        (Some(n), Some(t)) => format!("{} · Tax ID {t} · {n}", seller.name),
        (Some(n), None) => format!("{} · {n}", seller.name),
        (None, _) => seller.name.clone(),
    };
    f.text(false, SMALL, LEFT, PAGE_H - mm(11), &who);
    f.text_right(false, SMALL, RIGHT, PAGE_H - mm(11), &format!("Page {page} of {pages}"));
    if page > 1 {
        let title = inv.number.as_ref().map_or_else(|| "Invoice draft".to_owned(), |n| format!("Invoice {n}"));
        f.text(true, BODY, LEFT, mm(12), &title);
        f.text_right(false, SMALL, RIGHT, mm(12), "(continued)");
    }
    ops.extend(f.ops);
}

/// Lays out and saves the document.
pub fn render(inv: &PdfInvoice, seller: &Seller, logo: Option<RawImage>, chars: &BTreeSet<char>) -> Result<Vec<u8>> {
    let (regular, bold) = faces()?;
    let (sub_regular, sub_bold): (ParsedFont, ParsedFont) = (regular.subset(chars)?, bold.subset(chars)?);
    let title = inv.number.clone().unwrap_or_else(|| "Invoice draft".to_owned());
    let mut doc = PdfDocument::new(&title);
    let regular_id = doc.add_font(&sub_regular);
    let bold_id = doc.add_font(&sub_bold);
    let logo = logo.map(|img| (doc.add_image(&img), img.width, img.height));
    let mut c = Canvas { regular, bold, regular_id, bold_id, pages: Vec::new(), ops: Vec::new(), y: 0 };
    c.colour(0, 0, 0);
    header(&mut c, inv, seller, logo.as_ref())?;
    lines(&mut c, inv)?;
    totals(&mut c, inv)?;
    if let Some(p) = &seller.payment_instructions {
        block(&mut c, "PAYMENT", p);
    }
    if let Some(link) = &inv.links.public {
        block(&mut c, "PAY ONLINE", link);
    }
    if let Some(n) = inv.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        block(&mut c, "NOTES", n);
    }
    if let Some(t) = inv.terms.as_deref().filter(|t| !t.trim().is_empty()) {
        block(&mut c, "TERMS", t);
    }
    let last = std::mem::take(&mut c.ops);
    c.pages.push(last);
    let count = c.pages.len();
    let mut pages = Vec::with_capacity(count);
    for (i, mut ops) in std::mem::take(&mut c.pages).into_iter().enumerate() {
        footer(&mut ops, &c, seller, inv, i + 1, count);
        pages.push(PdfPage::new(to_mm(PAGE_W), to_mm(PAGE_H), ops));
    }
    let mut warnings = Vec::new();
    let bytes = doc.with_pages(pages).save(&save_options(), &mut warnings);
    Ok(bytes)
}

/// printpdf's "optimize" deflates every stream at the highest level, which cost more than all
/// the rest of rendering together (profiled: three quarters of the time). A subset font and a
/// page of text are small uncompressed, so the PDF is written as is.
fn save_options() -> PdfSaveOptions {
    PdfSaveOptions { optimize: false, ..PdfSaveOptions::default() }
}
