//! Big convolutional networks on 1-D inputs (SPEC §4, Fig. 9): VGG11, VGG16,
//! ResNet18, ResNet34 and EfficientNet-B0, taking the v one-hot channels of any input
//! length d (global average pooling before the classifier; pooling stops at length
//! 1). Standard (PyTorch) initialisation, batch norm; trained one network at a time
//! by [`train_big`] with autograd and SGD with momentum. Every block's output is a
//! named representation, so sensitivities can be measured at any relative depth.

mod efficientnet;
mod layers;
mod resnet;
mod train;
mod vgg;

use serde::{Deserialize, Serialize};
use tch::nn::{self, ModuleT};
use tch::{Device, Kind, Tensor};

use crate::error::{ModelError, Result};

pub use train::{BigTrainConfig, Precision, big_test_error, train_big};

/// The big nets of Fig. 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BigArchitecture {
    #[serde(rename = "vgg11")]
    Vgg11,
    #[serde(rename = "vgg16")]
    Vgg16,
    #[serde(rename = "resnet18")]
    Resnet18,
    #[serde(rename = "resnet34")]
    Resnet34,
    #[serde(rename = "efficientnet-b0")]
    EfficientnetB0,
}

impl BigArchitecture {
    pub const ALL: [BigArchitecture; 5] = [
        BigArchitecture::Vgg11,
        BigArchitecture::Vgg16,
        BigArchitecture::Resnet18,
        BigArchitecture::Resnet34,
        BigArchitecture::EfficientnetB0,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BigArchitecture::Vgg11 => "vgg11",
            BigArchitecture::Vgg16 => "vgg16",
            BigArchitecture::Resnet18 => "resnet18",
            BigArchitecture::Resnet34 => "resnet34",
            BigArchitecture::EfficientnetB0 => "efficientnet-b0",
        }
    }

    /// The width of the published network: 64, the first-stage channels of VGG and
    /// ResNet; EfficientNet-B0 (stem of 32 channels) is scaled by width/64 too, so one
    /// width means the same relative size for every net. Other widths scale every channel.
    pub fn standard_width(self) -> u32 {
        64
    }
}

impl std::str::FromStr for BigArchitecture {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self> {
        BigArchitecture::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| {
                ModelError::invalid(
                    "model",
                    format!(
                        "`{s}` is not one of vgg11, vgg16, resnet18, resnet34, efficientnet-b0"
                    ),
                )
            })
    }
}

/// Any network of the lab: one of SPEC §4's three (trained as batched ensembles) or a
/// big net (trained one at a time). Serialised as its name alone (`"lcn"`, `"vgg11"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ModelKind {
    Small(crate::Architecture),
    Big(BigArchitecture),
}

impl ModelKind {
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Small(crate::Architecture::Lcn) => "lcn",
            ModelKind::Small(crate::Architecture::Cnn) => "cnn",
            ModelKind::Small(crate::Architecture::Fcn) => "fcn",
            ModelKind::Big(big) => big.name(),
        }
    }
}

/// A big net's sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BigConfig {
    pub architecture: BigArchitecture,
    /// v: input channels.
    pub vocab: u32,
    /// nc: outputs.
    pub classes: u32,
    /// Channel scale: [`BigArchitecture::standard_width`] gives the published network.
    pub width: u32,
}

impl BigConfig {
    pub fn validate(&self) -> Result<()> {
        for (name, value) in [
            ("vocab", self.vocab),
            ("classes", self.classes),
            ("width", self.width),
        ] {
            if value == 0 {
                return Err(ModelError::invalid(name, "must be at least 1"));
            }
        }
        Ok(())
    }
}

/// One big net: its blocks in order (every block's output is a representation), the
/// classifier after global average pooling, and its parameters.
pub struct BigNet {
    config: BigConfig,
    vs: nn::VarStore,
    names: Vec<String>,
    blocks: Vec<Box<dyn ModuleT>>,
    classifier: nn::Linear,
    dropout: f64,
}

impl std::fmt::Debug for BigNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BigNet")
            .field("config", &self.config)
            .field("blocks", &self.blocks.len())
            .finish()
    }
}

impl BigNet {
    /// A freshly initialised network; `seed` fixes its initial weights, the same on
    /// every device (they are drawn on the CPU, then moved).
    pub fn new(config: BigConfig, seed: u64, device: Device) -> Result<Self> {
        config.validate()?;
        tch::manual_seed(seed as i64);
        let mut vs = nn::VarStore::new(Device::Cpu);
        let root = vs.root();
        let input = i64::from(config.vocab);
        let (blocks, channels) = match config.architecture {
            BigArchitecture::Vgg11 => vgg::blocks(&root, 11, input, config.width),
            BigArchitecture::Vgg16 => vgg::blocks(&root, 16, input, config.width),
            BigArchitecture::Resnet18 => resnet::blocks(&root, 18, input, config.width),
            BigArchitecture::Resnet34 => resnet::blocks(&root, 34, input, config.width),
            BigArchitecture::EfficientnetB0 => efficientnet::blocks(&root, input, config.width),
        };
        let classifier = nn::linear(
            &root / "classifier",
            channels,
            i64::from(config.classes),
            Default::default(),
        );
        let (names, blocks): (Vec<String>, Vec<Box<dyn ModuleT>>) = blocks.into_iter().unzip();
        vs.set_device(device);
        let dropout = match config.architecture {
            BigArchitecture::EfficientnetB0 => efficientnet::DROPOUT,
            _ => 0.0,
        };
        Ok(BigNet {
            config,
            vs,
            names,
            blocks,
            classifier,
            dropout,
        })
    }

    pub fn config(&self) -> &BigConfig {
        &self.config
    }

    pub fn device(&self) -> Device {
        self.vs.device()
    }

    pub fn var_store(&self) -> &nn::VarStore {
        &self.vs
    }

    pub fn var_store_mut(&mut self) -> &mut nn::VarStore {
        &mut self.vs
    }

    /// Blocks whose outputs are representations (convolutions for VGG; stem, basic
    /// blocks for ResNet; stem, MBConv blocks and head for EfficientNet).
    pub fn depth(&self) -> usize {
        self.blocks.len()
    }

    /// Every block's name, in order: `conv0`… (VGG), `stem`, `stage0_0`… (ResNet),
    /// `stem`, `block0`…, `head` (EfficientNet).
    pub fn block_names(&self) -> &[String] {
        &self.names
    }

    /// The block called `name`.
    pub fn block_named(&self, name: &str) -> Result<usize> {
        self.names.iter().position(|n| n == name).ok_or_else(|| {
            ModelError::invalid(
                "layer",
                format!(
                    "{} has no block `{name}` (it has {})",
                    self.config.architecture.name(),
                    self.names.join(", ")
                ),
            )
        })
    }

    /// The block (0-based) at `fraction` of the depth: the first block whose relative
    /// depth (i + 1)/depth reaches it. 0.8 is the paper's choice for Figs 1 and 17.
    pub fn block_at(&self, fraction: f64) -> Result<usize> {
        if !(fraction > 0.0 && fraction <= 1.0) {
            return Err(ModelError::invalid(
                "depth",
                format!("relative depth {fraction} is not in (0, 1]"),
            ));
        }
        Ok(((fraction * self.depth() as f64).ceil() as usize).clamp(1, self.depth()) - 1)
    }

    pub fn parameter_count(&self) -> u64 {
        self.vs
            .trainable_variables()
            .iter()
            .map(|t| t.numel() as u64)
            .sum()
    }

    /// Logits of `x`, one-hot channel-last `[N, d, v]` as [`crate::encode_inputs`] makes.
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        self.forward_blocks(x, train, &[]).0
    }

    /// Logits and the outputs of the blocks listed in `keep` (0-based, each flattened
    /// to `[N, features]`), in eval mode.
    pub fn forward_with_blocks(&self, x: &Tensor, keep: &[usize]) -> (Tensor, Vec<Tensor>) {
        self.forward_blocks(x, false, keep)
    }

    fn forward_blocks(&self, x: &Tensor, train: bool, keep: &[usize]) -> (Tensor, Vec<Tensor>) {
        let mut h = x.permute([0, 2, 1]).to_kind(Kind::Float);
        let mut kept: Vec<Tensor> = (0..keep.len()).map(|_| Tensor::new()).collect();
        for (i, block) in self.blocks.iter().enumerate() {
            h = block.forward_t(&h, train);
            for (slot, _) in keep.iter().enumerate().filter(|(_, k)| **k == i) {
                kept[slot] = h.flatten(1, -1);
            }
        }
        let pooled = h.adaptive_avg_pool1d([1]).flatten(1, -1);
        let logits = pooled.dropout(self.dropout, train).apply(&self.classifier);
        (logits, kept)
    }
}

#[cfg(test)]
pub(crate) use efficientnet::{HEAD, MbSpec, STEM, block_specs, mb_channels};
#[cfg(test)]
pub(crate) use resnet::stages;
#[cfg(test)]
pub(crate) use vgg::plan;

#[cfg(test)]
mod tests {
    use super::*;

    fn net(architecture: BigArchitecture, width: u32) -> BigNet {
        let config = BigConfig {
            architecture,
            vocab: 3,
            classes: 5,
            width,
        };
        BigNet::new(config, 1, Device::Cpu).unwrap()
    }

    /// Closed forms from the channel plans: every convolution k·cin/groups·cout (+ cout
    /// with bias), every batch norm 2·c, the classifier c·nc + nc.
    fn closed_form(architecture: BigArchitecture, v: i64, nc: i64, width: u32) -> i64 {
        let bn = |c: i64| 2 * c;
        let conv = |k: i64, cin: i64, cout: i64| k * cin * cout;
        match architecture {
            BigArchitecture::Vgg11 | BigArchitecture::Vgg16 => {
                let depth = if architecture == BigArchitecture::Vgg11 {
                    11
                } else {
                    16
                };
                let mut cin = v;
                let mut total = 0;
                for (c, _) in plan(depth) {
                    let c = layers::scaled(c, width, 64);
                    total += conv(3, cin, c) + c + bn(c);
                    cin = c;
                }
                total + cin * nc + nc
            }
            BigArchitecture::Resnet18 | BigArchitecture::Resnet34 => {
                let depth = if architecture == BigArchitecture::Resnet18 {
                    18
                } else {
                    34
                };
                let mut cin = layers::scaled(64, width, 64);
                let mut total = conv(3, v, cin) + bn(cin);
                for (stage, &count) in stages(depth).iter().enumerate() {
                    let c = layers::scaled(64 << stage, width, 64);
                    for i in 0..count {
                        total += conv(3, cin, c) + bn(c) + conv(3, c, c) + bn(c);
                        if (stage > 0 && i == 0) || cin != c {
                            total += conv(1, cin, c) + bn(c);
                        }
                        cin = c;
                    }
                }
                total + cin * nc + nc
            }
            BigArchitecture::EfficientnetB0 => {
                let stem = layers::scaled(STEM, width, 64);
                let mut total = conv(3, v, stem) + bn(stem);
                let specs: Vec<MbSpec> = block_specs(width);
                for spec in &specs {
                    let (h, sq) = mb_channels(spec);
                    if spec.expansion != 1 {
                        total += conv(1, spec.input, h) + bn(h);
                    }
                    total += spec.kernel * h + bn(h); // depthwise: one filter per channel
                    total += h * sq + sq + sq * h + h; // squeeze-excitation, with biases
                    total += conv(1, h, spec.output) + bn(spec.output);
                }
                let head = layers::scaled(HEAD, width, 64);
                total += conv(1, specs.last().unwrap().output, head) + bn(head);
                total + head * nc + nc
            }
        }
    }

    #[test]
    fn parameter_counts_match_the_channel_plans() {
        for architecture in BigArchitecture::ALL {
            for width in [4, architecture.standard_width()] {
                let n = net(architecture, width);
                assert_eq!(
                    n.parameter_count() as i64,
                    closed_form(architecture, 3, 5, width),
                    "{architecture:?} at width {width}"
                );
            }
        }
        // Depths: 8 and 13 convolutions; stem + 8 or 16 basic blocks; stem + 16 MBConv + head.
        let depths: Vec<usize> = BigArchitecture::ALL
            .iter()
            .map(|&a| net(a, 4).depth())
            .collect();
        assert_eq!(depths, [8, 13, 9, 17, 18]);
    }

    #[test]
    fn any_input_length_gives_logits_and_the_blocks_asked_for() {
        for architecture in BigArchitecture::ALL {
            let n = net(architecture, 4);
            let at80 = n.block_at(0.8).unwrap();
            for d in [1, 16, 27, 64] {
                let x = Tensor::rand([6, d, 3], (Kind::Float, Device::Cpu));
                let (logits, kept) = n.forward_with_blocks(&x, &[0, at80, n.depth() - 1]);
                assert_eq!(logits.size(), [6, 5], "{architecture:?} d={d}");
                assert_eq!(kept.len(), 3);
                assert!(kept.iter().all(|k| k.size()[0] == 6 && k.size()[1] > 0));
                assert_eq!(n.forward_t(&x, true).size(), [6, 5]);
            }
            assert_eq!(n.block_at(1.0).unwrap(), n.depth() - 1);
            assert_eq!(n.block_names().len(), n.depth());
            let last = n.block_names().last().unwrap().clone();
            assert_eq!(n.block_named(&last).unwrap(), n.depth() - 1);
            assert_eq!(n.block_named("nope").unwrap_err().param(), Some("layer"));
            assert_eq!(n.block_at(0.0).unwrap_err().param(), Some("depth"));
        }
    }
}
