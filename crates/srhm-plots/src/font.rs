//! The one font every figure uses, compiled into the binary.
//!
//! plotters' default text path (`ttf` feature) asks fontconfig/FreeType for a system font, which
//! makes rendering depend on what is installed: a CI container without fonts panics or draws
//! nothing, and two machines draw different glyphs. With the `ab_glyph` feature plotters
//! rasterises a font we hand it, so shipping DejaVu Sans here makes every PNG identical everywhere
//! and needs no system library.

use std::sync::OnceLock;

use crate::PlotError;

/// DejaVu Sans (Bitstream Vera licence, see `fonts/LICENSE-DejaVu`). It covers Greek letters,
/// superscript digits (for `10⁻³` tick labels), `×`, `·`, `≈` and arrows used in notes.
pub(crate) static DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// The family name text styles use. It is plotters' own name for its generic sans-serif family,
/// so text plotters draws with its defaults (none of ours, but harmless) finds the font too.
pub(crate) const FAMILY: &str = "sans-serif";

static REGISTERED: OnceLock<bool> = OnceLock::new();

/// Registers the embedded font with plotters, once per process. Must run before any text is
/// measured or drawn: without it plotters' ab_glyph backend fails every text operation.
pub(crate) fn ensure_registered() -> Result<(), PlotError> {
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, plotters::style::FontStyle::Normal, DEJAVU_SANS)
            .is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(PlotError::Render(
            "the embedded DejaVu Sans font could not be parsed".into(),
        ))
    }
}
