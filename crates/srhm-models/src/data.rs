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
