//! 1-D ResNet18 and ResNet34 (He et al. 2016, the CIFAR-style stem of Petrini et al.
//! 2021: one 3-tap convolution, no initial pooling): basic blocks of two 3-tap
//! convolutions with an identity or 1-tap projection shortcut.

use tch::Tensor;
use tch::nn::{self, ModuleT};

use super::layers::{Activation, Block, ConvBn, ConvSpec, scaled};

/// Basic blocks per stage; stages have 64, 128, 256, 512 channels (at width 64).
pub fn stages(depth: u32) -> [usize; 4] {
    match depth {
        18 => [2, 2, 2, 2],
        _ => [3, 4, 6, 3],
    }
}

#[derive(Debug)]
struct BasicBlock {
    first: ConvBn,
    second: ConvBn,
    shortcut: Option<ConvBn>,
}

impl BasicBlock {
    fn new(path: nn::Path, input: i64, output: i64, stride: i64) -> Self {
        let conv = |name: &str, input, kernel, stride, activation| {
            ConvBn::new(
                &path / name,
                ConvSpec::new(input, output, kernel, activation).stride(stride),
            )
        };
        BasicBlock {
            first: conv("first", input, 3, stride, Activation::Relu),
            second: conv("second", output, 3, 1, Activation::None),
            shortcut: (stride != 1 || input != output)
                .then(|| conv("shortcut", input, 1, stride, Activation::None)),
        }
    }
}

impl ModuleT for BasicBlock {
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let y = self
            .second
            .forward_t(&self.first.forward_t(x, train), train);
        let skip = match &self.shortcut {
            Some(s) => s.forward_t(x, train),
            None => x.shallow_clone(),
        };
        (y + skip).relu()
    }
}

/// The stem and every basic block, and the channels they end with.
pub fn blocks(path: &nn::Path, depth: u32, input: i64, width: u32) -> (Vec<Block>, i64) {
    let mut channels = scaled(64, width, 64);
    let mut blocks: Vec<Block> = vec![(
        "stem".into(),
        Box::new(ConvBn::new(
            path / "stem",
            ConvSpec::new(input, channels, 3, Activation::Relu),
        )),
    )];
    for (stage, &count) in stages(depth).iter().enumerate() {
        let output = scaled(64 << stage, width, 64);
        for i in 0..count {
            let stride = if stage > 0 && i == 0 { 2 } else { 1 };
            let name = format!("stage{stage}_{i}");
            let block = BasicBlock::new(path / &name, channels, output, stride);
            blocks.push((name, Box::new(block)));
            channels = output;
        }
    }
    (blocks, channels)
}
