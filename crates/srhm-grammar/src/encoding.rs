//! Turning token arrays into network inputs.
//!
//! Tokens are `[n, d]` i32 with [`BLANK`] for uninformative positions. Encodings are
//! `[n, v, d]` f32 (channels × positions, as 1-D convolutions expect), or
//! `[n, v, side, side]` with the 2-D layout.

use ndarray::{Array3, Array4, ArrayBase, ArrayView2, Axis, Data, Ix3, Zip};
use serde::{Deserialize, Serialize};

use crate::datum::BLANK;
use crate::error::{GrammarError, Result};
use crate::params::{Params, Sparsity};

/// How one position's token becomes a column of v numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// e_token; a blank is the zero column.
    #[default]
    OneHot,
    /// SPEC §2's whitened convention: an informative column is the centred one-hot
    /// scaled to unit norm, √(v/(v−1)) (e_token − 1/v) (zero mean over channels);
    /// every entry of a blank column is −1/√(v−1) (norm √(v/(v−1))).
    /// The authors' code (`all0` + whitening) instead uses 1 on the token's channel
    /// and −1/√(v−1) elsewhere, which is not centred; the blank value is the same.
    /// Exact values: [`whitened_values`].
    Whitened,
}

/// Whether inputs are sequences or square images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Layout {
    #[default]
    #[serde(rename = "1d")]
    OneD,
    /// See [`Layout2d`]; needs s and s0+1 to be perfect squares.
    #[serde(rename = "2d")]
    TwoD,
}

/// The two values of a whitened informative column (on the token's channel, elsewhere)
/// and the value of every entry of a blank column.
pub fn whitened_values(v: u32) -> (f32, f32, f32) {
    let v = v as f64;
    if v <= 1.0 {
        return (1.0, 0.0, 0.0);
    }
    let scale = (v / (v - 1.0)).sqrt();
    let on = scale * (1.0 - 1.0 / v);
    let off = -scale / v;
    let blank = -1.0 / (v - 1.0).sqrt();
    (on as f32, off as f32, blank as f32)
}

/// Column values used by [`Encoding::Whitened`]; see [`whitened_values`].
pub fn whitened_column(token: i32, v: u32) -> Vec<f32> {
    let (on, off, blank) = whitened_values(v);
    (0..v as i32)
        .map(|k| match token {
            BLANK => blank,
            t if t == k => on,
            _ => off,
        })
        .collect()
}

/// Encodes `[n, d]` tokens as `[n, v, d]`. Every token must be [`BLANK`] or in 0..v.
pub fn encode(tokens: ArrayView2<i32>, v: u32, encoding: Encoding) -> Result<Array3<f32>> {
    if v == 0 {
        return Err(GrammarError::invalid("vocab", "must be at least 1"));
    }
    if let Some(((row, position), token)) = tokens
        .indexed_iter()
        .find(|&(_, &t)| t != BLANK && (t < 0 || t as u32 >= v))
    {
        return Err(GrammarError::invalid(
            "tokens",
            format!(
                "token {token} at row {row}, position {position} is neither blank ({BLANK}) nor in 0..{v}"
            ),
        ));
    }
    let (n, d) = tokens.dim();
    let (on, off, blank) = match encoding {
        Encoding::OneHot => (1.0, 0.0, 0.0),
        Encoding::Whitened => whitened_values(v),
    };
    let mut out = Array3::from_elem((n, v as usize, d), off);
    Zip::from(out.axis_iter_mut(Axis(0)))
        .and(tokens.axis_iter(Axis(0)))
        .par_for_each(|mut x, row| {
            for (position, &token) in row.iter().enumerate() {
                if token == BLANK {
                    if blank != off {
                        x.column_mut(position).fill(blank);
                    }
                } else {
                    x[[token as usize, position]] = on;
                }
            }
        });
    Ok(out)
}

/// One-hot `[n, v, d]`, blank = zero column. Every token must be [`BLANK`] or in 0..v.
pub fn one_hot(tokens: ArrayView2<i32>, v: u32) -> Result<Array3<f32>> {
    encode(tokens, v, Encoding::OneHot)
}

/// The 2-D layout of an input, available when s and s0+1 are perfect squares:
/// each patch is a √s × √s grid of sub-patches, each sub-patch a √(s0+1) × √(s0+1)
/// grid of slots (sparsity B uses the same slot geometry; its order is the 1-D slot order),
/// and levels nest like the digits of a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout2d {
    side: usize,
    /// 1-D position → row · side + column.
    cell: Vec<usize>,
}

impl Layout2d {
    pub fn new(params: &Params) -> Result<Self> {
        params.validate()?;
        let root = |x: u32| {
            let r = (x as f64).sqrt().round() as u32;
            (r * r == x).then_some(r as usize)
        };
        let children_side = root(params.patch).ok_or_else(|| {
            GrammarError::invalid(
                "patch",
                format!(
                    "a 2-D layout needs s to be a perfect square, got {}",
                    params.patch
                ),
            )
        })?;
        let sub_side = match params.sparsity {
            Sparsity::None => 1,
            Sparsity::A { s0 } | Sparsity::B { s0 } => root(s0 + 1).ok_or_else(|| {
                GrammarError::invalid(
                    "s0",
                    format!(
                        "a 2-D layout needs s0+1 to be a perfect square, got {}",
                        s0 + 1
                    ),
                )
            })?,
        };
        let patch_side = children_side * sub_side;
        let slots = params.slots_per_patch() as usize;
        let sub_slots = params.s0() as usize + 1;
        let side = patch_side.pow(params.levels);
        let cell = (0..params.input_len())
            .map(|mut position| {
                let (mut row, mut col, mut scale) = (0, 0, 1);
                for _ in 0..params.levels {
                    let slot = position % slots;
                    position /= slots;
                    let (child, offset) = (slot / sub_slots, slot % sub_slots);
                    row += scale * ((child / children_side) * sub_side + offset / sub_side);
                    col += scale * ((child % children_side) * sub_side + offset % sub_side);
                    scale *= patch_side;
                }
                row * side + col
            })
            .collect();
        Ok(Layout2d { side, cell })
    }

    /// Image side length: (√s · √(s0+1))^L.
    pub fn side(&self) -> usize {
        self.side
    }

    /// (row, column) of a 1-D position.
    pub fn cell(&self, position: usize) -> (usize, usize) {
        (
            self.cell[position] / self.side,
            self.cell[position] % self.side,
        )
    }

    /// `[n, v, d]` → `[n, v, side, side]`.
    pub fn apply<S: Data<Elem = f32>>(&self, x: &ArrayBase<S, Ix3>) -> Result<Array4<f32>> {
        let (n, v, d) = x.dim();
        if d != self.cell.len() {
            return Err(GrammarError::invalid(
                "x",
                format!(
                    "input length {d} does not match the layout's {}",
                    self.cell.len()
                ),
            ));
        }
        let mut out = Array4::zeros((n, v, self.side, self.side));
        for ((i, c, p), &value) in x.indexed_iter() {
            let (row, col) = self.cell(p);
            out[[i, c, row, col]] = value;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn whitened_informative_columns_are_centred_unit_vectors() {
        for v in [2u32, 3, 10, 64] {
            let (on, off, blank) = whitened_values(v);
            let sum = on as f64 + (v - 1) as f64 * off as f64;
            let norm2 = (on as f64).powi(2) + (v - 1) as f64 * (off as f64).powi(2);
            assert!(sum.abs() < 1e-6, "v={v}: mean {sum}");
            assert!((norm2 - 1.0).abs() < 1e-6, "v={v}: norm² {norm2}");
            assert!((blank as f64 + 1.0 / ((v - 1) as f64).sqrt()).abs() < 1e-7);
            assert_eq!(whitened_column(1, v)[1], on);
            assert_eq!(whitened_column(BLANK, v), vec![blank; v as usize]);
        }
    }

    #[test]
    fn out_of_range_tokens_are_refused_by_name() {
        let tokens = array![[0, BLANK, 2], [1, 3, BLANK]];
        let err = one_hot(tokens.view(), 3).unwrap_err();
        assert_eq!(err.param(), Some("tokens"));
        assert!(
            err.to_string().contains("token 3 at row 1, position 1"),
            "{err}"
        );
        assert_eq!(
            encode(tokens.view(), 0, Encoding::Whitened)
                .unwrap_err()
                .param(),
            Some("vocab")
        );
        let x = one_hot(tokens.view(), 4).unwrap();
        assert_eq!(x.dim(), (2, 4, 3));
        assert_eq!(x.sum(), 4.0);
    }

    #[test]
    fn two_d_layout_refuses_non_square_patches_and_wrong_lengths() {
        let p = Params::rhm(2, 2, 4, 4, 4);
        assert_eq!(Layout2d::new(&p).unwrap_err().param(), Some("patch"));
        let p = Params {
            sparsity: Sparsity::A { s0: 1 },
            ..Params::rhm(2, 4, 4, 4, 4)
        };
        assert_eq!(Layout2d::new(&p).unwrap_err().param(), Some("s0"));
        let p = Params {
            sparsity: Sparsity::A { s0: 3 },
            ..Params::rhm(1, 4, 4, 4, 4)
        };
        let layout = Layout2d::new(&p).unwrap();
        assert_eq!(layout.side(), 4);
        let wrong = Array3::<f32>::zeros((1, 4, 15));
        assert_eq!(layout.apply(&wrong).unwrap_err().param(), Some("x"));
    }
}
