//! Text layout on top of plotters' ab_glyph rasteriser.
//!
//! plotters 0.3.7 draws a string with ab_glyph but places each glyph's ink at the pen position,
//! ignoring the glyph's left side bearing, so narrow letters crowd their left neighbour
//! ("sl ope" for "slope"); it also rounds the baseline differently for glyphs above and below
//! it when the size is odd. Both are invisible at large sizes and ugly in small panels. So text
//! is laid out here: the metrics of the embedded font are read from its own tables (advance and
//! bearing per glyph), every glyph is drawn on its own at the right position through plotters,
//! and sizes are even pixel counts.

use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::FontTransform;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::PlotError;
use crate::error::render_err;
use crate::font::{DEJAVU_SANS, FAMILY};
use crate::output::Area;

/// Horizontal metrics of the embedded font, in font units.
struct Metrics {
    /// ab_glyph scales so that ascent − descent equals the requested pixel size.
    height: f64,
    ascent: f64,
    descent: f64,
    cap: f64,
    advance: Vec<u16>,
    lsb: Vec<i16>,
    cmap: Cmap4,
}

/// A format-4 (BMP) character map: enough for every character a figure needs.
struct Cmap4 {
    table: &'static [u8],
    seg_count: usize,
}

fn u16_at(b: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(o)?, *b.get(o + 1)?]))
}

fn i16_at(b: &[u8], o: usize) -> Option<i16> {
    u16_at(b, o).map(|v| v as i16)
}

fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(o)?,
        *b.get(o + 1)?,
        *b.get(o + 2)?,
        *b.get(o + 3)?,
    ]))
}

fn table(font: &'static [u8], tag: &[u8; 4]) -> Option<&'static [u8]> {
    let n = u16_at(font, 4)? as usize;
    (0..n).find_map(|i| {
        let rec = 12 + 16 * i;
        (font.get(rec..rec + 4)? == tag).then_some(())?;
        let off = u32_at(font, rec + 8)? as usize;
        let len = u32_at(font, rec + 12)? as usize;
        font.get(off..off + len)
    })
}

impl Cmap4 {
    fn parse(cmap: &'static [u8]) -> Option<Self> {
        let n = u16_at(cmap, 2)? as usize;
        for i in 0..n {
            let rec = 4 + 8 * i;
            let (platform, encoding) = (u16_at(cmap, rec)?, u16_at(cmap, rec + 2)?);
            let off = u32_at(cmap, rec + 4)? as usize;
            if platform == 3 && encoding == 1 && u16_at(cmap, off)? == 4 {
                let len = u16_at(cmap, off + 2)? as usize;
                let table = cmap.get(off..off + len)?;
                return Some(Self {
                    table,
                    seg_count: u16_at(table, 6)? as usize / 2,
                });
            }
        }
        None
    }

    fn glyph(&self, c: char) -> u16 {
        self.lookup(c as u32).unwrap_or(0)
    }

    fn lookup(&self, c: u32) -> Option<u16> {
        if c > 0xFFFF {
            return None;
        }
        let t = self.table;
        let n = self.seg_count;
        let (ends, starts, deltas, offsets) = (14, 16 + 2 * n, 16 + 4 * n, 16 + 6 * n);
        let seg = (0..n).find(|&i| u16_at(t, ends + 2 * i).is_some_and(|e| u32::from(e) >= c))?;
        let start = u32::from(u16_at(t, starts + 2 * seg)?);
        if start > c {
            return None;
        }
        let delta = u16_at(t, deltas + 2 * seg)?;
        let range_offset = u16_at(t, offsets + 2 * seg)? as usize;
        let g = if range_offset == 0 {
            c as u16
        } else {
            let addr = offsets + 2 * seg + range_offset + 2 * (c - start) as usize;
            match u16_at(t, addr)? {
                0 => return Some(0),
                g => g,
            }
        };
        Some(g.wrapping_add(delta))
    }
}

impl Metrics {
    fn parse(font: &'static [u8]) -> Option<Self> {
        let head = table(font, b"head")?;
        let hhea = table(font, b"hhea")?;
        let hmtx = table(font, b"hmtx")?;
        let maxp = table(font, b"maxp")?;
        let units = f64::from(u16_at(head, 18)?);
        let (mut ascent, mut descent) = (i16_at(hhea, 4)?, i16_at(hhea, 6)?);
        let mut cap = (units * 0.73) as i16;
        if let Some(os2) = table(font, b"OS/2") {
            // Same choice as ttf-parser (and so ab_glyph): typographic metrics when the font
            // asks for them.
            if u16_at(os2, 62)? & (1 << 7) != 0 {
                ascent = i16_at(os2, 68)?;
                descent = i16_at(os2, 70)?;
            }
            if u16_at(os2, 0)? >= 2 {
                cap = i16_at(os2, 88)?;
            }
        }
        let n_long = u16_at(hhea, 34)? as usize;
        let n_glyphs = u16_at(maxp, 4)? as usize;
        let mut advance = Vec::with_capacity(n_glyphs);
        let mut lsb = Vec::with_capacity(n_glyphs);
        for g in 0..n_glyphs {
            if g < n_long {
                advance.push(u16_at(hmtx, 4 * g)?);
                lsb.push(i16_at(hmtx, 4 * g + 2)?);
            } else {
                advance.push(*advance.last()?);
                lsb.push(i16_at(hmtx, 4 * n_long + 2 * (g - n_long))?);
            }
        }
        Some(Self {
            height: f64::from(ascent) - f64::from(descent),
            ascent: f64::from(ascent),
            descent: f64::from(descent),
            cap: f64::from(cap),
            advance,
            lsb,
            cmap: Cmap4::parse(table(font, b"cmap")?)?,
        })
    }

    fn glyph(&self, c: char) -> (f64, f64) {
        let g = self.cmap.glyph(c) as usize;
        let g = if g < self.advance.len() { g } else { 0 };
        (f64::from(self.advance[g]), f64::from(self.lsb[g]))
    }
}

fn metrics() -> Result<&'static Metrics, PlotError> {
    static M: OnceLock<Option<Metrics>> = OnceLock::new();
    M.get_or_init(|| Metrics::parse(DEJAVU_SANS))
        .as_ref()
        .ok_or_else(|| PlotError::Render("the embedded font's metrics could not be read".into()))
}

/// A text size in pixels, rounded to an even number (see the module comment).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Px(pub f64);

impl Px {
    pub fn new(px: f64) -> Self {
        Px(((px / 2.0).round() * 2.0).max(8.0))
    }
}

/// Width of `text` in pixels.
pub(crate) fn width(text: &str, size: Px) -> Result<f64, PlotError> {
    let m = metrics()?;
    let k = size.0 / m.height;
    Ok(text.chars().map(|c| m.glyph(c).0 * k).sum())
}

/// How a string sits relative to its anchor point. `h` is along the reading direction, `v`
/// across it: `Top` puts the ascender line on the anchor, `Center` the middle of the capitals
/// (so digits centre on a tick) and `Bottom` the descender line.
#[derive(Clone, Copy)]
pub(crate) struct Anchor {
    pub h: HPos,
    pub v: VPos,
}

pub(crate) const fn anchor(h: HPos, v: VPos) -> Anchor {
    Anchor { h, v }
}

/// Draws `text` with its anchor at `at`, given in the image's absolute pixels (as plotters'
/// `backend_coord` returns them). `upright == false` rotates the text to read bottom to top,
/// for vertical axis titles.
pub(crate) fn draw(
    area: &Area<'_>,
    text: &str,
    size: Px,
    color: RGBColor,
    at: (i32, i32),
    a: Anchor,
    upright: bool,
) -> Result<(), PlotError> {
    let m = metrics()?;
    let k = size.0 / m.height;
    let total = width(text, size)?;
    let start = match a.h {
        HPos::Left => 0.0,
        HPos::Center => -total / 2.0,
        HPos::Right => -total,
    };
    // Offset from the anchor to the baseline, across the reading direction (downwards when
    // upright, rightwards when rotated).
    let baseline = match a.v {
        VPos::Top => m.ascent * k,
        VPos::Center => m.cap * k / 2.0,
        VPos::Bottom => m.descent * k,
    };
    let (bx, by) = area.get_base_pixel();
    let base_style = (FAMILY, size.0)
        .into_font()
        .color(&color)
        .pos(Pos::new(HPos::Left, VPos::Top));
    let style = if upright {
        base_style
    } else {
        base_style.transform(FontTransform::Rotate270)
    };
    // plotters' ab_glyph puts the baseline `size / 2` below (or, rotated, right of) the point
    // it is given and the ink's left edge on it.
    let half = (size.0 / 2.0) as i32;
    let mut pen = start;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let (adv, lsb) = m.glyph(c);
        if !c.is_whitespace() {
            let ink = pen.round() as i32 + (lsb * k).floor() as i32;
            let (x, y) = if upright {
                (at.0 + ink, at.1 + baseline.round() as i32 - half)
            } else {
                (at.0 + baseline.round() as i32 - half, at.1 - ink)
            };
            area.draw_text(c.encode_utf8(&mut buf), &style, (x - bx, y - by))
                .map_err(render_err)?;
        }
        pen += adv * k;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_font_metrics_parse() {
        let m = metrics().unwrap();
        assert!(m.height > 0.0 && m.ascent > 0.0 && m.descent < 0.0);
        // Characters figures use must map to real glyphs, not .notdef.
        for c in "0123456789.,−-×·→≈εσ⁰¹²³⁴⁵⁶⁷⁸⁹⁻ Pslope[]".chars() {
            assert_ne!(m.cmap.glyph(c), 0, "no glyph for {c:?}");
        }
        // Narrow letters have a wider bearing than round ones: the reason this module exists.
        assert!(m.glyph('l').1 > m.glyph('o').1);
    }

    #[test]
    fn widths_match_plotters_own_measure() {
        crate::font::ensure_registered().unwrap();
        for px in [12.0, 18.0, 26.0] {
            let text = "0123456789 test error";
            let ours = width(text, Px::new(px)).unwrap();
            let (theirs, _) = plotters::style::FontDesc::new(
                plotters::style::FontFamily::Name(FAMILY),
                Px::new(px).0,
                plotters::style::FontStyle::Normal,
            )
            .box_size(text)
            .unwrap();
            assert!(
                (ours - theirs as f64).abs() <= 1.5,
                "{px}px: ours {ours}, plotters {theirs}"
            );
        }
    }
}
