//! Axis coordinates, tick positions and tick labels.
//!
//! All drawing happens in *axis space*: the value itself on a linear axis, `log10(value)` on a
//! log axis. plotters' own log coordinate labels ticks with `Debug`-formatted floats
//! (`0.0001`, `100000.0`) and picks minor ticks we cannot control, so the crate supplies its own
//! [`Ranged`] coordinate whose bold key points are our major ticks (labelled) and whose light key
//! points are our minor ticks (grid only).

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};

use crate::Scale;

/// Maps a data value to axis space; `None` when it has no position (NaN, infinite, or
/// non-positive on a log axis).
pub(crate) fn to_axis(scale: Scale, v: f64) -> Option<f64> {
    match scale {
        Scale::Linear => v.is_finite().then_some(v),
        Scale::Log => (v.is_finite() && v > 0.0).then(|| v.log10()),
    }
}

pub(crate) fn from_axis(scale: Scale, t: f64) -> f64 {
    match scale {
        Scale::Linear => t,
        Scale::Log => 10f64.powf(t),
    }
}

/// A 1-D coordinate in axis space with precomputed ticks.
#[derive(Clone, Debug)]
pub(crate) struct AxisCoord {
    pub lo: f64,
    pub hi: f64,
    major: Vec<(f64, String)>,
    minor: Vec<f64>,
}

impl AxisCoord {
    /// `lo..hi` in axis space; `target` is roughly how many labelled ticks fit along the axis.
    pub fn new(scale: Scale, lo: f64, hi: f64, target: usize) -> Self {
        let target = target.clamp(2, 12);
        let (major, minor) = match scale {
            Scale::Linear => linear_ticks(lo, hi, target),
            Scale::Log => log_ticks(lo, hi, target),
        };
        Self {
            lo,
            hi,
            major,
            minor,
        }
    }

    /// An axis without ticks (the short side of the colour bar).
    pub fn bare(lo: f64, hi: f64) -> Self {
        Self {
            lo,
            hi,
            major: Vec::new(),
            minor: Vec::new(),
        }
    }

    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.major.iter().map(|(_, l)| l.as_str())
    }

    /// Major ticks in axis space with their labels.
    pub fn major(&self) -> &[(f64, String)] {
        &self.major
    }

    /// Position of `t` (axis space) as a fraction of the axis length.
    pub fn frac(&self, t: f64) -> f64 {
        (t - self.lo) / (self.hi - self.lo)
    }
}

impl Ranged for AxisCoord {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let f = self.frac(*value);
        (limit.0 as f64 + f * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        let mut pts: Vec<f64> = self.major.iter().map(|(t, _)| *t).collect();
        if hint.weight().allow_light_points() {
            pts.extend(&self.minor);
        }
        pts
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// plotters draws the tick marks but no label text: labels are drawn by `text.rs`, which
/// places glyphs better than plotters does (see there).
impl ValueFormatter<f64> for AxisCoord {
    fn format_ext(&self, _value: &f64) -> String {
        String::new()
    }
}

/// 1, 2 or 5 times a power of ten, close to `raw`.
fn nice_step(raw: f64) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let m = if norm < 1.5 {
        1.0
    } else if norm < 3.0 {
        2.0
    } else if norm < 7.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// Multiples of `step` inside `[lo, hi]` (with a little slack for rounding).
fn multiples(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let eps = step * 1e-9;
    let first = ((lo - eps) / step).ceil() as i64;
    let last = ((hi + eps) / step).floor() as i64;
    if last < first || last - first > 10_000 {
        return Vec::new();
    }
    (first..=last).map(|k| k as f64 * step).collect()
}

fn linear_ticks(lo: f64, hi: f64, target: usize) -> (Vec<(f64, String)>, Vec<f64>) {
    let step = nice_step((hi - lo) / target as f64);
    let majors = multiples(lo, hi, step);
    let mantissa = (step / 10f64.powf(step.log10().floor())).round();
    let minor_step = step / if mantissa == 2.0 { 4.0 } else { 5.0 };
    let minor = multiples(lo, hi, minor_step)
        .into_iter()
        .filter(|m| majors.iter().all(|t| (t - m).abs() > minor_step * 1e-6))
        .collect();
    let max_abs = lo.abs().max(hi.abs());
    let labelled = majors
        .iter()
        .map(|&v| (v, format_linear(v, step, max_abs)))
        .collect();
    (labelled, minor)
}

/// Formats a tick on a linear axis with as many decimals as the tick step needs, switching to
/// `m×10ᵏ` (one exponent for the whole axis) for very large or very small numbers so labels stay
/// short.
fn format_linear(v: f64, step: f64, max_abs: f64) -> String {
    // Rounding can leave -0.0 or 1e-17 where zero was meant.
    let v = if v.abs() < step * 1e-6 { 0.0 } else { v };
    if !(1e-3..1e5).contains(&max_abs) {
        if v == 0.0 {
            return "0".into();
        }
        let e = max_abs.log10().floor() as i32;
        let scale = 10f64.powi(e);
        let decimals = decimals_for(step / scale);
        let m = format!("{:.*}", decimals, v / scale);
        return if m == "1" {
            format!("10{}", superscript(e))
        } else if m == "-1" {
            format!("-10{}", superscript(e))
        } else {
            format!("{m}×10{}", superscript(e))
        };
    }
    format!("{:.*}", decimals_for(step), v)
}

fn decimals_for(step: f64) -> usize {
    (-step.log10() - 1e-9).ceil().max(0.0) as usize
}

fn log_ticks(lo: f64, hi: f64, target: usize) -> (Vec<(f64, String)>, Vec<f64>) {
    let eps = 1e-9;
    let k0 = (lo - eps).ceil() as i32;
    let k1 = (hi + eps).floor() as i32;
    let decades = k1 - k0 + 1;
    if decades >= 3 {
        // Ticks at whole decades, every `stride`-th one when there are too many to label.
        let stride = (decades as usize).div_ceil(target).max(1) as i32;
        let majors: Vec<i32> = (k0..=k1).filter(|k| k.rem_euclid(stride) == 0).collect();
        let minor: Vec<f64> = if stride == 1 {
            (lo.floor() as i32..=hi.floor() as i32)
                .flat_map(|k| (2..=9).map(move |m| k as f64 + (m as f64).log10()))
                .filter(|t| *t >= lo && *t <= hi)
                .collect()
        } else {
            (k0..=k1)
                .filter(|k| k.rem_euclid(stride) != 0)
                .map(f64::from)
                .collect()
        };
        // Plain numbers read faster than powers of ten, but only while they stay short.
        let plain = majors.iter().all(|k| (-2..=3).contains(k));
        let labelled = majors
            .iter()
            .map(|&k| {
                (
                    f64::from(k),
                    if plain {
                        plain_decade(k)
                    } else {
                        power_of_ten(k)
                    },
                )
            })
            .collect();
        return (labelled, minor);
    }

    // Up to three decades: ticks at 1-2-5 (or 1-3, or every digit) times a power of ten.
    let in_range = |mults: &[u32]| -> Vec<f64> {
        (lo.floor() as i32 - 1..=hi.ceil() as i32)
            .flat_map(|k| mults.iter().map(move |&m| k as f64 + (m as f64).log10()))
            .filter(|t| *t >= lo - eps && *t <= hi + eps)
            .collect()
    };
    let max_labels = (target * 3).div_ceil(2);
    let all_digits = in_range(&[1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let mut majors = in_range(&[1, 2, 5]);
    if majors.len() < 3 {
        majors = all_digits.clone();
    } else if majors.len() > max_labels {
        let sparser = in_range(&[1, 3]);
        if sparser.len() >= 3 {
            majors = sparser;
        }
    }
    if majors.len() < 3 {
        // Less than a factor of ~3 between the ends: ordinary linear ticks on the values.
        let (vlo, vhi) = (10f64.powf(lo), 10f64.powf(hi));
        let step = nice_step((vhi - vlo) / target as f64);
        let labelled = multiples(vlo, vhi, step)
            .into_iter()
            .filter(|v| *v > 0.0)
            .map(|v| (v.log10(), format_linear(v, step, vhi)))
            .collect();
        return (labelled, Vec::new());
    }
    if majors.len() > max_labels {
        let keep = majors.len().div_ceil(max_labels);
        majors = majors.into_iter().step_by(keep).collect();
    }
    let minor = all_digits
        .into_iter()
        .filter(|t| majors.iter().all(|m| (m - t).abs() > 1e-9))
        .collect();
    let labelled = majors
        .iter()
        .map(|&t| (t, format_significant(10f64.powf(t))))
        .collect();
    (labelled, minor)
}

fn plain_decade(k: i32) -> String {
    if k >= 0 {
        format!("1{}", "0".repeat(k as usize))
    } else {
        format!("0.{}1", "0".repeat((-k - 1) as usize))
    }
}

fn power_of_ten(k: i32) -> String {
    format!("10{}", superscript(k))
}

/// A value that is (close to) one to three significant digits, e.g. a 1-2-5 tick on a log axis.
pub(crate) fn format_significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let e = v.abs().log10().floor() as i32;
    if !(-4..=5).contains(&e) {
        let m = v / 10f64.powi(e);
        let m = trim_zeros(format!("{m:.2}"));
        return if m == "1" {
            power_of_ten(e)
        } else {
            format!("{m}×10{}", superscript(e))
        };
    }
    let decimals = (2 - e).max(0) as usize;
    trim_zeros(format!("{v:.decimals$}"))
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

pub(crate) fn superscript(k: i32) -> String {
    k.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(c: &AxisCoord) -> Vec<String> {
        c.labels().map(str::to_string).collect()
    }

    #[test]
    fn wide_log_axis_labels_powers_of_ten() {
        let c = AxisCoord::new(Scale::Log, -4.2, 1.3, 8);
        assert_eq!(labels(&c), ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹"]);
    }

    #[test]
    fn moderate_log_axis_uses_plain_numbers() {
        let c = AxisCoord::new(Scale::Log, -1.1, 2.05, 8);
        assert_eq!(labels(&c), ["0.1", "1", "10", "100"]);
    }

    #[test]
    fn many_decades_are_thinned() {
        let c = AxisCoord::new(Scale::Log, 0.0, 20.0, 5);
        assert!(c.major.len() <= 6, "{:?}", labels(&c));
        assert!(c.major.iter().all(|(t, _)| t.fract() == 0.0));
    }

    #[test]
    fn sub_decade_log_axis_uses_1_2_5() {
        let c = AxisCoord::new(Scale::Log, (0.015f64).log10(), (0.6f64).log10(), 8);
        assert_eq!(labels(&c), ["0.02", "0.05", "0.1", "0.2", "0.5"]);
    }

    #[test]
    fn narrow_log_axis_falls_back_to_linear_ticks() {
        let c = AxisCoord::new(Scale::Log, (0.95f64).log10(), (1.3f64).log10(), 6);
        assert!(c.major.len() >= 3, "{:?}", labels(&c));
        assert!(
            labels(&c).contains(&"1.00".to_string()) || labels(&c).contains(&"1.0".to_string())
        );
    }

    #[test]
    fn linear_ticks_have_enough_decimals() {
        let c = AxisCoord::new(Scale::Linear, 0.0, 1.0, 5);
        assert_eq!(labels(&c), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let c = AxisCoord::new(Scale::Linear, -3.0, 250.0, 5);
        assert_eq!(labels(&c), ["0", "50", "100", "150", "200", "250"]);
    }

    #[test]
    fn huge_linear_values_use_a_shared_exponent() {
        let c = AxisCoord::new(Scale::Linear, 0.0, 3.0e6, 4);
        assert_eq!(labels(&c), ["0", "10⁶", "2×10⁶", "3×10⁶"]);
    }

    #[test]
    fn significant_formatting() {
        assert_eq!(format_significant(0.05), "0.05");
        assert_eq!(format_significant(200.0), "200");
        assert_eq!(format_significant(2.0e-7), "2×10⁻⁷");
    }
}
