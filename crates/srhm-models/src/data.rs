//! Labelled inputs on a device: one-hot (or whitened) tokens as `[P, d, v]` tensors.

use ndarray::ArrayView2;
use srhm_grammar::BLANK;
use tch::{Device, Kind, Tensor};

use crate::error::{ModelError, Result};

/// Inputs and labels on a device: `x` is `[P, d, v]` f32 (channel-last), `y` is `[P]` i64.
#[derive(Debug)]
pub struct LabelledSet {
    pub x: Tensor,
    pub y: Tensor,
}

impl LabelledSet {
    pub fn len(&self) -> usize {
        self.y.size()[0] as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One-hot encodes `[P, d]` tokens (blank = zero column) with their labels.
    pub fn from_tokens(
        tokens: ArrayView2<i32>,
        labels: &[u32],
        vocab: u32,
        device: Device,
    ) -> Result<Self> {
        if tokens.nrows() != labels.len() {
            return Err(ModelError::invalid(
                "labels",
                format!("{} labels for {} rows", labels.len(), tokens.nrows()),
            ));
        }
        let x = encode_inputs(tokens, vocab, device)?;
        let y = Tensor::from_slice(&labels.iter().map(|&l| l as i64).collect::<Vec<_>>())
            .to_device(device);
        Ok(LabelledSet { x, y })
    }
}

/// One-hot `[P, d, v]` (channel-last) of `[P, d]` tokens, blank = all-zero. The
/// channel-first `[P, v, d]` of SPEC §2 is `.permute([0, 2, 1])` of it.
pub fn encode_inputs(tokens: ArrayView2<i32>, vocab: u32, device: Device) -> Result<Tensor> {
    if let Some(&bad) = tokens
        .iter()
        .find(|&&t| t != BLANK && (t < 0 || t as u32 >= vocab))
    {
        return Err(ModelError::invalid(
            "tokens",
            format!("token {bad} is neither blank nor in 0..{vocab}"),
        ));
    }
    let (p, d) = tokens.dim();
    let flat: Vec<i64> = tokens
        .iter()
        .map(|&t| if t == BLANK { vocab as i64 } else { t as i64 })
        .collect();
    // One extra class for blanks, dropped afterwards: blank columns become zero.
    let index = Tensor::from_slice(&flat)
        .view([p as i64, d as i64])
        .to_device(device);
    let one_hot = index.one_hot(vocab as i64 + 1).to_kind(Kind::Float);
    Ok(one_hot.narrow(2, 0, vocab as i64).contiguous())
}

/// The pixel (row · side + column) at each position of the sequence that a network of
/// `levels` layers with `patch_side` × `patch_side` filters (stride = filter) reads from
/// a `side` × `side` image, side = patch_side^levels: every layer's patches are
/// contiguous blocks (like the digits of a number in base patch_side, rows and columns
/// interleaved), each patch in raster order. A 1-D network on the reordered sequence is
/// the 2-D network on the image: its filter weight for block position i·patch_side + j
/// is the 2-D filter's weight at row i, column j.
pub fn block_order(patch_side: usize, levels: u32) -> Result<Vec<i64>> {
    if patch_side == 0 {
        return Err(ModelError::invalid("patch_side", "must be at least 1"));
    }
    if levels == 0 {
        return Err(ModelError::invalid("levels", "must be at least 1"));
    }
    let side = patch_side
        .checked_pow(levels)
        .filter(|&s| s.checked_mul(s).is_some_and(|n| n <= 1 << 26))
        .ok_or_else(|| ModelError::invalid("levels", "the image would exceed 2^26 pixels"))?;
    Ok((0..side * side)
        .map(|position| {
            // Base-(patch_side²) digits of the position, least significant first: the
            // place inside the finest patch, then that patch's place in the next, ...
            let (mut row, mut col, mut rest) = (0, 0, position);
            let mut scale = 1;
            for _ in 0..levels {
                let within = rest % (patch_side * patch_side);
                rest /= patch_side * patch_side;
                row += scale * (within / patch_side);
                col += scale * (within % patch_side);
                scale *= patch_side;
            }
            (row * side + col) as i64
        })
        .collect())
}

/// Images `[N, v, side, side]` (channel-first, as SPEC §2 lays out 2-D data) as the
/// `[N, d, v]` sequences the networks read (see [`block_order`]).
pub fn image_to_sequence(images: &Tensor, patch_side: usize, levels: u32) -> Result<Tensor> {
    let order = block_order(patch_side, levels)?;
    let size = images.size();
    let side = (patch_side as i64).pow(levels);
    if size.len() != 4 || size[2] != side || size[3] != side {
        return Err(ModelError::invalid(
            "images",
            format!("expected [N, v, {side}, {side}], got {size:?}"),
        ));
    }
    let index = Tensor::from_slice(&order).to_device(images.device());
    Ok(images
        .reshape([size[0], size[1], side * side])
        .index_select(2, &index)
        .permute([0, 2, 1])
        .contiguous())
}

/// An f32 array of any rank as a CPU tensor of the same shape.
pub fn tensor_from_array<D: ndarray::Dimension>(array: &ndarray::Array<f32, D>) -> Tensor {
    let shape: Vec<i64> = array.shape().iter().map(|&n| n as i64).collect();
    match array.as_slice() {
        Some(values) => Tensor::from_slice(values).view(shape.as_slice()),
        None => {
            let values: Vec<f32> = array.iter().copied().collect();
            Tensor::from_slice(&values).view(shape.as_slice())
        }
    }
}
