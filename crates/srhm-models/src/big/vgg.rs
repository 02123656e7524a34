//! 1-D VGG11 and VGG16 (Simonyan & Zisserman 2015, with batch norm): 3-tap
//! convolutions, max pooling between stages, one linear layer after global pooling.

use tch::Tensor;
use tch::nn::{self, ModuleT};

use super::layers::{Activation, Block, ConvBn, ConvSpec, halve, scaled};

/// Channels of every convolution (at width 64) and whether a max pool follows it.
pub fn plan(depth: u32) -> Vec<(i64, bool)> {
    let stages: &[&[i64]] = match depth {
        11 => &[&[64], &[128], &[256, 256], &[512, 512], &[512, 512]],
        _ => &[
            &[64, 64],
            &[128, 128],
            &[256, 256, 256],
            &[512, 512, 512],
            &[512, 512, 512],
        ],
    };
    stages
        .iter()
        .flat_map(|stage| {
            stage
                .iter()
                .enumerate()
                .map(move |(i, &c)| (c, i + 1 == stage.len()))
        })
        .collect()
}

/// One convolution of the plan, with the pooling that ends its stage.
#[derive(Debug)]
struct VggLayer {
    conv: ConvBn,
    pool: bool,
}

impl ModuleT for VggLayer {
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let y = self.conv.forward_t(x, train);
        if self.pool { halve(&y) } else { y }
    }
}

/// The blocks (one per convolution) and the channels they end with.
pub fn blocks(path: &nn::Path, depth: u32, input: i64, width: u32) -> (Vec<Block>, i64) {
    let mut blocks: Vec<Block> = Vec::new();
    let mut channels = input;
    for (i, (c, pool)) in plan(depth).into_iter().enumerate() {
        let output = scaled(c, width, 64);
        let name = format!("conv{i}");
        let conv = ConvBn::new(
            path / &name,
            ConvSpec::new(channels, output, 3, Activation::Relu).with_bias(),
        );
        blocks.push((name, Box::new(VggLayer { conv, pool })));
        channels = output;
    }
    (blocks, channels)
}
