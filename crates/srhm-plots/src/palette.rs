//! Colours.

/// Tableau's ten categorical colours (matplotlib's `tab10`): chosen to stay distinguishable
/// from each other, including for the common forms of colour blindness, and familiar from the
/// paper's own matplotlib figures.
const TAB10: [(u8, u8, u8); 10] = [
    (0x1f, 0x77, 0xb4),
    (0xff, 0x7f, 0x0e),
    (0x2c, 0xa0, 0x2c),
    (0xd6, 0x27, 0x28),
    (0x94, 0x67, 0xbd),
    (0x8c, 0x56, 0x4b),
    (0xe3, 0x77, 0xc2),
    (0x7f, 0x7f, 0x7f),
    (0xbc, 0xbd, 0x22),
    (0x17, 0xbe, 0xcf),
];

/// The colour of palette index `i` as RGB. Indices past ten reuse the colours; the marker
/// shape changes instead (see [`marker_shape_index`]), so up to forty series stay apart.
pub fn palette_color(i: usize) -> (u8, u8, u8) {
    TAB10[i % TAB10.len()]
}

/// How many distinct colours the palette has.
pub const PALETTE_LEN: usize = TAB10.len();

/// 0 = circle, 1 = square, 2 = triangle, 3 = diamond.
pub(crate) fn marker_shape_index(i: usize) -> usize {
    (i / TAB10.len()) % 4
}

/// Samples of matplotlib's viridis at 0, 0.1, …, 1: perceptually uniform and readable in
/// greyscale, so equal steps in value look like equal steps in colour.
const VIRIDIS: [(u8, u8, u8); 11] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x24, 0x75),
    (0x41, 0x44, 0x87),
    (0x35, 0x5f, 0x8d),
    (0x2a, 0x78, 0x8e),
    (0x21, 0x91, 0x8c),
    (0x22, 0xa8, 0x84),
    (0x44, 0xbf, 0x70),
    (0x7a, 0xd1, 0x51),
    (0xbd, 0xdf, 0x26),
    (0xfd, 0xe7, 0x25),
];

/// Viridis at `f` in `[0, 1]` (clamped), linearly interpolated between the samples.
pub(crate) fn viridis(f: f64) -> (u8, u8, u8) {
    let f = if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) };
    let pos = f * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let t = pos - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |u: u8, v: u8| (u as f64 + t * (v as f64 - u as f64)).round() as u8;
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_and_clamping() {
        assert_eq!(viridis(0.0), VIRIDIS[0]);
        assert_eq!(viridis(1.0), VIRIDIS[10]);
        assert_eq!(viridis(7.0), VIRIDIS[10]);
        assert_eq!(viridis(f64::NAN), VIRIDIS[0]);
    }

    #[test]
    fn palette_has_ten_distinct_colours() {
        let mut c: Vec<_> = (0..PALETTE_LEN).map(palette_color).collect();
        c.sort();
        c.dedup();
        assert_eq!(c.len(), 10);
    }
}
