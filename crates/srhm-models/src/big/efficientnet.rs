//! 1-D EfficientNet-B0 (Tan & Le 2019): a strided stem, inverted-residual MBConv
//! blocks with squeeze-and-excitation and swish, a 1-tap head to 1280 channels;
//! dropout before the classifier and drop-connect on the residual branches in training.

use tch::Tensor;
use tch::nn::{self, ModuleT};

use super::layers::{Activation, Block, ConvBn, ConvSpec, scaled};

/// B0's stages: (expansion, kernel, stride, output channels at width 64, repeats).
pub const STAGES: [(i64, i64, i64, i64, usize); 7] = [
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
];
pub const STEM: i64 = 32;
pub const HEAD: i64 = 1280;
/// Squeeze-and-excitation bottleneck, as a fraction of the block's input channels.
pub const SE_RATIO: f64 = 0.25;
/// Probability of dropping a residual branch, growing linearly to this at the last block.
pub const DROP_CONNECT: f64 = 0.2;

/// Squeeze-and-excitation: channel weights from the globally pooled activations.
#[derive(Debug)]
struct SqueezeExcite {
    reduce: nn::Conv1D,
    expand: nn::Conv1D,
}

impl SqueezeExcite {
    fn forward(&self, x: &Tensor) -> Tensor {
        let s = x
            .adaptive_avg_pool1d([1])
            .apply(&self.reduce)
            .silu()
            .apply(&self.expand)
            .sigmoid();
        x * s
    }
}

#[derive(Debug)]
struct MbConv {
    expand: Option<ConvBn>,
    depthwise: ConvBn,
    se: SqueezeExcite,
    project: ConvBn,
    residual: bool,
    drop: f64,
}

pub struct MbSpec {
    pub input: i64,
    pub output: i64,
    pub expansion: i64,
    pub kernel: i64,
    pub stride: i64,
    pub drop: f64,
}

/// Hidden and squeeze channels of a block.
pub fn mb_channels(spec: &MbSpec) -> (i64, i64) {
    (
        spec.input * spec.expansion,
        ((spec.input as f64 * SE_RATIO) as i64).max(1),
    )
}

impl MbConv {
    fn new(path: nn::Path, spec: MbSpec) -> Self {
        let (hidden, squeeze) = mb_channels(&spec);
        let conv = |name: &str, input, output, kernel, stride, groups, activation| {
            ConvBn::new(
                &path / name,
                ConvSpec::new(input, output, kernel, activation)
                    .stride(stride)
                    .groups(groups),
            )
        };
        let one = |name: &str, i, o| nn::conv1d(&path / name, i, o, 1, Default::default());
        MbConv {
            expand: (spec.expansion != 1)
                .then(|| conv("expand", spec.input, hidden, 1, 1, 1, Activation::Swish)),
            depthwise: conv(
                "depthwise",
                hidden,
                hidden,
                spec.kernel,
                spec.stride,
                hidden,
                Activation::Swish,
            ),
            se: SqueezeExcite {
                reduce: one("se_reduce", hidden, squeeze),
                expand: one("se_expand", squeeze, hidden),
            },
            project: conv("project", hidden, spec.output, 1, 1, 1, Activation::None),
            residual: spec.stride == 1 && spec.input == spec.output,
            drop: spec.drop,
        }
    }
}

impl ModuleT for MbConv {
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let h = match &self.expand {
            Some(e) => e.forward_t(x, train),
            None => x.shallow_clone(),
        };
        let h = self.se.forward(&self.depthwise.forward_t(&h, train));
        let y = self.project.forward_t(&h, train);
        if !self.residual {
            return y;
        }
        if train && self.drop > 0.0 {
            // Drop-connect: each example's branch is dropped with probability `drop`,
            // kept ones rescaled so the expectation is unchanged.
            let keep = 1.0 - self.drop;
            let mask = Tensor::rand([y.size()[0], 1, 1], (y.kind(), y.device()))
                .lt(keep)
                .to_kind(y.kind());
            x + y * mask / keep
        } else {
            x + y
        }
    }
}

/// Every MBConv block's spec at `width` (64 = B0).
pub fn block_specs(width: u32) -> Vec<MbSpec> {
    let total: usize = STAGES.iter().map(|s| s.4).sum();
    let mut channels = scaled(STEM, width, 64);
    let mut specs = Vec::new();
    for &(expansion, kernel, stride, output, repeats) in &STAGES {
        let output = scaled(output, width, 64);
        for i in 0..repeats {
            specs.push(MbSpec {
                input: channels,
                output,
                expansion,
                kernel,
                stride: if i == 0 { stride } else { 1 },
                drop: DROP_CONNECT * specs.len() as f64 / total as f64,
            });
            channels = output;
        }
    }
    specs
}

/// The stem, every MBConv block and the head, and the channels they end with.
pub fn blocks(path: &nn::Path, input: i64, width: u32) -> (Vec<Block>, i64) {
    let stem = scaled(STEM, width, 64);
    let mut blocks: Vec<Block> = vec![(
        "stem".into(),
        Box::new(ConvBn::new(
            path / "stem",
            ConvSpec::new(input, stem, 3, Activation::Swish).stride(2),
        )),
    )];
    let specs = block_specs(width);
    let last = specs.last().map_or(stem, |s| s.output);
    for (i, spec) in specs.into_iter().enumerate() {
        let name = format!("block{i}");
        let block = MbConv::new(path / &name, spec);
        blocks.push((name, Box::new(block)));
    }
    let head = scaled(HEAD, width, 64);
    blocks.push((
        "head".into(),
        Box::new(ConvBn::new(
            path / "head",
            ConvSpec::new(last, head, 1, Activation::Swish),
        )),
    ));
    (blocks, head)
}

/// Dropout before the classifier.
pub const DROPOUT: f64 = 0.2;
