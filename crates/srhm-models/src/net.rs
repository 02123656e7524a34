//! The LCN, CNN and FCN of the paper's Eq. 9–10 as batched ensembles: sizes, weight
//! shapes, initialisation, the mean-field multipliers and the forward pass.

use serde::{Deserialize, Serialize};
use srhm_grammar::Params;
use tch::{Device, Kind, Tensor};

use crate::error::{ModelError, Result};

/// The three architectures of SPEC §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    /// Locally connected: filter = stride = s(s0+1), no weight sharing.
    Lcn,
    /// Convolutional: the same filters with weight sharing.
    Cnn,
    /// Fully connected: the authors' `FCN2`, "crafted to have an effective size equal to
    /// the corresponding LCN". Hidden layer k has as many units as the LCN's (H channels ×
    /// d/(s(s0+1))^k positions), each connected to every unit of the layer below.
    Fcn,
}

/// How weights are initialised and scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Parametrisation {
    /// The authors' mean-field convention (the paper's Eq. 9–10): weights N(0,1); hidden
    /// layer k divides its pre-activation by √(channels of the layer below) — √v for the
    /// first layer, √H after — not by √fan-in: the filter size and, for the FCN, the
    /// number of positions below are left out, as in the authors' code. (Dividing by the
    /// whole fan-in would rescale the output by (s(s0+1))^(−L/2), an s0-dependent change
    /// of the effective learning rate.) The readout divides by H; the learning rate is
    /// multiplied by H.
    #[default]
    MeanField,
    /// Weights N(0, 1/fan-in), no multipliers, the learning rate as given.
    Standard,
}

/// One network's architecture and sizes. `levels` hidden layers for L levels of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NetConfig {
    pub architecture: Architecture,
    /// L: number of hidden layers (= levels of the data for LCN/CNN).
    pub levels: u32,
    /// s: informative children per patch.
    pub patch: u32,
    /// s0: blank slots per child.
    pub s0: u32,
    /// v: input channels.
    pub vocab: u32,
    /// nc: outputs.
    pub classes: u32,
    /// H: hidden channels of every hidden layer (for the FCN, units per position).
    pub width: u32,
    pub parametrisation: Parametrisation,
}

/// Shape (without the ensemble dimension) and fan-in of one weight tensor (the fan-in sets
/// the standard parametrisation's initialisation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightShape {
    pub shape: Vec<i64>,
    pub fan_in: i64,
}

impl NetConfig {
    /// The network for data of `params`.
    pub fn for_data(architecture: Architecture, params: &Params, width: u32) -> Self {
        NetConfig {
            architecture,
            levels: params.levels,
            patch: params.patch,
            s0: params.s0(),
            vocab: params.vocab,
            classes: params.classes,
            width,
            parametrisation: Parametrisation::MeanField,
        }
    }

    pub fn validate(&self) -> Result<()> {
        for (name, value) in [
            ("levels", self.levels),
            ("patch", self.patch),
            ("vocab", self.vocab),
            ("classes", self.classes),
            ("width", self.width),
        ] {
            if value == 0 {
                return Err(ModelError::invalid(name, "must be at least 1"));
            }
        }
        if self.filter().checked_pow(self.levels).is_none() {
            return Err(ModelError::invalid(
                "levels",
                "the input length (s(s0+1))^L does not fit in 64 bits",
            ));
        }
        let too_big =
            || ModelError::invalid("width", "one network would hold more than 2^34 weights");
        let count = self.parameter_count_checked().ok_or_else(too_big)?;
        if count > 1 << 34 {
            return Err(too_big());
        }
        Ok(())
    }

    /// Filter size = stride of LCN/CNN layers: s(s0+1).
    pub fn filter(&self) -> i64 {
        self.patch as i64 * (self.s0 as i64 + 1)
    }

    /// Input length d = (s(s0+1))^L.
    pub fn input_len(&self) -> i64 {
        self.filter().pow(self.levels)
    }

    /// Positions of hidden layer `k` (1-based; 0 is the input): d / filter^k, for every
    /// architecture (the FCN's layers have as many units as the LCN's).
    pub fn positions(&self, k: u32) -> i64 {
        self.filter().pow(self.levels - k)
    }

    /// Channels of layer `k` (0 is the input: v; hidden layers: H).
    pub fn channels(&self, k: u32) -> i64 {
        if k == 0 {
            self.vocab as i64
        } else {
            self.width as i64
        }
    }

    /// Weight shapes of one network: hidden layers 1..=L, then the readout.
    ///
    /// LCN layer k: `[positions(k), filter·C, H]`, row t·C + c of position j's matrix
    /// weighting channel c of position j·filter + t below. CNN: one `[filter·C, H]`
    /// matrix. FCN: `[positions(k−1)·C, positions(k)·H]`, row p·C + c for unit (p, c)
    /// below and column j·H + o for unit (j, o) of layer k: the position-major order of
    /// the `[…, positions, channels]` activations, so that flattening one is a view.
    pub fn weight_shapes(&self) -> Vec<WeightShape> {
        let (h, k) = (self.width as i64, self.filter());
        let mut shapes: Vec<WeightShape> = (1..=self.levels)
            .map(|layer| {
                let channels = self.channels(layer - 1);
                match self.architecture {
                    Architecture::Lcn => WeightShape {
                        shape: vec![self.positions(layer), k * channels, h],
                        fan_in: k * channels,
                    },
                    Architecture::Cnn => WeightShape {
                        shape: vec![k * channels, h],
                        fan_in: k * channels,
                    },
                    Architecture::Fcn => {
                        let fan_in = self.positions(layer - 1) * channels;
                        WeightShape {
                            shape: vec![fan_in, self.positions(layer) * h],
                            fan_in,
                        }
                    }
                }
            })
            .collect();
        shapes.push(WeightShape {
            shape: vec![h, self.classes as i64],
            fan_in: h,
        });
        shapes
    }

    fn parameter_count_checked(&self) -> Option<u64> {
        self.weight_shapes().iter().try_fold(0u64, |acc, w| {
            let n = w
                .shape
                .iter()
                .try_fold(1u64, |p, &x| p.checked_mul(x as u64))?;
            acc.checked_add(n)
        })
    }

    /// Trainable numbers in one network.
    pub fn parameter_count(&self) -> u64 {
        self.parameter_count_checked().unwrap_or(u64::MAX)
    }

    /// Factor applied to the user's learning rate (H in the mean-field parametrisation).
    pub fn learning_rate_scale(&self) -> f64 {
        match self.parametrisation {
            Parametrisation::MeanField => self.width as f64,
            Parametrisation::Standard => 1.0,
        }
    }

    /// (standard deviation at initialisation, forward multiplier) of weight `index`.
    fn init_and_scale(&self, index: usize, fan_in: i64) -> (f64, f64) {
        let readout = index == self.levels as usize;
        match (self.parametrisation, readout) {
            (Parametrisation::MeanField, false) => {
                (1.0, 1.0 / (self.channels(index as u32) as f64).sqrt())
            }
            (Parametrisation::MeanField, true) => (1.0, 1.0 / self.width as f64),
            (Parametrisation::Standard, _) => (1.0 / (fan_in as f64).sqrt(), 1.0),
        }
    }
}

/// E independent networks of one [`NetConfig`], weights stacked on a leading dimension.
#[derive(Debug)]
pub struct Ensemble {
    config: NetConfig,
    weights: Vec<Tensor>,
    scales: Vec<f64>,
    device: Device,
}

impl Ensemble {
    /// One network per seed; member e is initialised from `seeds[e]` alone (on the CPU,
    /// then moved), so it equals the network a single run with that seed would build.
    pub fn new(config: NetConfig, seeds: &[u64], device: Device) -> Result<Self> {
        config.validate()?;
        if seeds.is_empty() {
            return Err(ModelError::invalid("ensemble", "needs at least one member"));
        }
        let shapes = config.weight_shapes();
        let mut per_weight: Vec<Vec<Tensor>> = shapes
            .iter()
            .map(|_| Vec::with_capacity(seeds.len()))
            .collect();
        for &seed in seeds {
            tch::manual_seed(seed as i64);
            for (i, w) in shapes.iter().enumerate() {
                let (std, _) = config.init_and_scale(i, w.fan_in);
                per_weight[i]
                    .push(Tensor::randn(w.shape.as_slice(), (Kind::Float, Device::Cpu)) * std);
            }
        }
        let weights = per_weight
            .into_iter()
            .map(|members| {
                Tensor::stack(&members, 0)
                    .to_device(device)
                    .set_requires_grad(true)
            })
            .collect();
        let scales = shapes
            .iter()
            .enumerate()
            .map(|(i, w)| config.init_and_scale(i, w.fan_in).1)
            .collect();
        Ok(Ensemble {
            config,
            weights,
            scales,
            device,
        })
    }

    pub fn config(&self) -> &NetConfig {
        &self.config
    }

    pub fn device(&self) -> Device {
        self.device
    }

    /// Number of networks E.
    pub fn members(&self) -> usize {
        self.weights[0].size()[0] as usize
    }

    /// The trainable tensors, each `[E, …]`: hidden layers 1..=L, then the readout.
    pub fn weights(&self) -> &[Tensor] {
        &self.weights
    }

    /// Members `start..start + len` as an ensemble of their own that shares storage with
    /// this one: training it trains them here.
    pub fn member_range(&self, start: usize, len: usize) -> Ensemble {
        let weights = self
            .weights
            .iter()
            .map(|w| w.detach().narrow(0, start as i64, len as i64))
            .collect();
        Ensemble {
            config: self.config,
            weights,
            scales: self.scales.clone(),
            device: self.device,
        }
    }

    /// Copies of members `members` (in that order) as an ensemble of their own, not
    /// sharing storage: the trainer's working set.
    pub(crate) fn select(&self, members: &[i64]) -> Ensemble {
        let index = Tensor::from_slice(members).to_device(self.device);
        let weights = tch::no_grad(|| {
            self.weights
                .iter()
                .map(|w| w.index_select(0, &index))
                .collect()
        });
        Ensemble {
            config: self.config,
            weights,
            scales: self.scales.clone(),
            device: self.device,
        }
    }

    /// Copies member `from` of `source` into member `to` of this ensemble.
    pub(crate) fn copy_member(&self, to: usize, source: &Ensemble, from: usize) {
        tch::no_grad(|| {
            for (w, s) in self.weights.iter().zip(&source.weights) {
                w.get(to as i64).copy_(&s.get(from as i64));
            }
        });
    }

    /// The forward multiplier of every weight: in mean field 1/√v for the first layer,
    /// 1/√H for the other hidden layers and 1/H for the readout; 1 in standard.
    pub fn scales(&self) -> &[f64] {
        &self.scales
    }

    /// Logits `[E, B, nc]` of inputs `[E, B, d, v]` (each member its own batch) or
    /// `[B, d, v]` (the same batch for every member).
    pub fn forward(&self, x: &Tensor) -> Tensor {
        self.forward_with_hidden(x).0
    }

    /// Logits and the hidden representations f_1..f_L, each `[E, B, positions_k, H]`
    /// (post-ReLU).
    pub fn forward_with_hidden(&self, x: &Tensor) -> (Tensor, Vec<Tensor>) {
        let e = self.members() as i64;
        let x = match x.dim() {
            3 => {
                let size = x.size();
                x.unsqueeze(0).expand([e, size[0], size[1], size[2]], false)
            }
            _ => x.shallow_clone(),
        };
        let size = x.size();
        let b = size[1];
        let (k, h) = (self.config.filter(), self.config.width as i64);
        let mut activation = x;
        let mut hidden = Vec::with_capacity(self.config.levels as usize);
        for layer in 0..self.config.levels as usize {
            let weight = &self.weights[layer];
            let channels = *activation.size().last().expect("rank 4");
            let pre = match self.config.architecture {
                Architecture::Lcn => {
                    let n = self.config.positions(layer as u32 + 1);
                    activation
                        .reshape([e, b, n, k * channels])
                        .permute([0, 2, 1, 3])
                        .reshape([e * n, b, k * channels])
                        .bmm(&weight.reshape([e * n, k * channels, h]))
                        .reshape([e, n, b, h])
                        .permute([0, 2, 1, 3])
                }
                Architecture::Cnn => {
                    let n = self.config.positions(layer as u32 + 1);
                    activation
                        .reshape([e, b * n, k * channels])
                        .bmm(weight)
                        .reshape([e, b, n, h])
                }
                Architecture::Fcn => {
                    let fan_in = weight.size()[1];
                    activation
                        .reshape([e, b, fan_in])
                        .bmm(weight)
                        .reshape([e, b, -1, h])
                }
            };
            activation = (pre * self.scales[layer]).relu();
            hidden.push(activation.shallow_clone());
        }
        let readout = self.weights.last().expect("readout");
        let pooled = activation.mean_dim([2i64].as_slice(), false, Kind::Float);
        let logits = pooled.bmm(readout) * *self.scales.last().expect("readout");
        (logits, hidden)
    }
}
