//! Building blocks shared by the 1-D big nets: convolution + batch norm + activation,
//! pooling that never shrinks a length below 1.

use tch::Tensor;
use tch::nn::{self, ModuleT};

/// A named block of a big net: its output is a representation.
pub type Block = (String, Box<dyn ModuleT>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    None,
    Relu,
    /// x·σ(x) (EfficientNet's swish).
    Swish,
}

impl Activation {
    pub fn apply(self, x: Tensor) -> Tensor {
        match self {
            Activation::None => x,
            Activation::Relu => x.relu(),
            Activation::Swish => x.silu(),
        }
    }
}

/// conv1d (no bias unless asked) → batch norm → activation.
#[derive(Debug)]
pub struct ConvBn {
    conv: nn::Conv1D,
    bn: nn::BatchNorm,
    activation: Activation,
}

pub struct ConvSpec {
    pub input: i64,
    pub output: i64,
    pub kernel: i64,
    pub stride: i64,
    pub groups: i64,
    pub bias: bool,
    pub activation: Activation,
}

impl ConvSpec {
    /// Stride 1, one group, no bias (batch norm follows).
    pub fn new(input: i64, output: i64, kernel: i64, activation: Activation) -> Self {
        ConvSpec {
            input,
            output,
            kernel,
            stride: 1,
            groups: 1,
            bias: false,
            activation,
        }
    }

    pub fn stride(self, stride: i64) -> Self {
        ConvSpec { stride, ..self }
    }

    pub fn groups(self, groups: i64) -> Self {
        ConvSpec { groups, ..self }
    }

    pub fn with_bias(self) -> Self {
        ConvSpec { bias: true, ..self }
    }
}

impl ConvBn {
    pub fn new(path: nn::Path, spec: ConvSpec) -> Self {
        let config = nn::ConvConfig {
            stride: spec.stride,
            padding: spec.kernel / 2,
            groups: spec.groups,
            bias: spec.bias,
            ..Default::default()
        };
        ConvBn {
            conv: nn::conv1d(&path / "conv", spec.input, spec.output, spec.kernel, config),
            bn: nn::batch_norm1d(&path / "bn", spec.output, Default::default()),
            activation: spec.activation,
        }
    }
}

impl ModuleT for ConvBn {
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        self.activation
            .apply(x.apply(&self.conv).apply_t(&self.bn, train))
    }
}

/// Halves the length by max pooling (kernel = stride = 2) while it is at least 2, so
/// that a network built for long inputs also takes short ones.
pub fn halve(x: &Tensor) -> Tensor {
    if x.size()[2] >= 2 {
        x.max_pool1d([2], [2], [0], [1], false)
    } else {
        x.shallow_clone()
    }
}

/// Channels of a plan scaled by `width / base`, at least 1.
pub fn scaled(channels: i64, width: u32, base: u32) -> i64 {
    ((channels as f64 * f64::from(width) / f64::from(base)).round() as i64).max(1)
}
