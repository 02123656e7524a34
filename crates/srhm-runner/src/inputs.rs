//! How tokens become network inputs: encoding (one-hot or whitened) and layout (1-D or
//! images read through square patches).

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use srhm_grammar::Params;
use srhm_grammar::encoding::{Encoding, Layout, Layout2d, encode};
use srhm_models::tch::{Device, Tensor};
use srhm_models::{LabelledSet, encode_inputs, image_to_sequence, tensor_from_array};

use crate::error::Result;

/// How tokens become network inputs: the encoding (one-hot or whitened) and the layout
/// (sequences, or images read with √s·√(s0+1)-sided square patches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputFormat {
    pub encoding: Encoding,
    pub layout: Layout,
}

impl InputFormat {
    /// `[N, d, v]` network inputs of `[N, d]` tokens, on `device`.
    pub fn inputs(
        &self,
        tokens: ArrayView2<i32>,
        params: &Params,
        device: Device,
    ) -> Result<Tensor> {
        if *self == InputFormat::default() {
            return Ok(encode_inputs(tokens, params.vocab, device)?);
        }
        let encoded = encode(tokens, params.vocab, self.encoding)?;
        let x = match self.layout {
            Layout::OneD => tensor_from_array(&encoded).permute([0, 2, 1]).contiguous(),
            Layout::TwoD => {
                let images = Layout2d::new(params)?.apply(&encoded)?;
                let patch_side = ((params.patch * (params.s0() + 1)) as f64).sqrt().round();
                image_to_sequence(
                    &tensor_from_array(&images),
                    patch_side as usize,
                    params.levels,
                )?
            }
        };
        Ok(x.to_device(device))
    }

    /// Inputs and labels of `[N, d]` tokens.
    pub fn labelled(
        &self,
        tokens: ArrayView2<i32>,
        labels: &[u32],
        params: &Params,
        device: Device,
    ) -> Result<LabelledSet> {
        if tokens.nrows() != labels.len() {
            return Err(crate::error::RunnerError::invalid(
                "labels",
                format!("{} labels for {} rows", labels.len(), tokens.nrows()),
            ));
        }
        let x = self.inputs(tokens, params, device)?;
        let y = Tensor::from_slice(&labels.iter().map(|&l| l as i64).collect::<Vec<_>>());
        Ok(LabelledSet {
            x,
            y: y.to_device(device),
        })
    }
}
