//! Measuring S_{k,l}, D_{k,l} and D/G of trained networks: transformed and paired test
//! inputs, chunked forward passes, one entry per representation and level.

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use srhm_grammar::{Rules, Split};
use srhm_metrics::{Estimate, matched_noise, ratio_of_means};
use srhm_models::tch::{self, Device, Kind, Tensor};
use srhm_models::{BigNet, Ensemble};
use srhm_transforms::{DiffeoMode, Operator, transform_rows};

use crate::error::{Result, RunnerError};
use crate::inputs::InputFormat;

/// How to measure sensitivities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SensitivityConfig {
    /// τ_l moves positions only (pure) or, like the authors' code, redraws below l.
    pub diffeo_mode: DiffeoMode,
    /// Seed of the random operators and of the noise of D/G.
    pub seed: u64,
    /// Test rows per forward pass (memory: rows × E × positions × H floats per layer).
    pub chunk: usize,
}

impl Default for SensitivityConfig {
    fn default() -> Self {
        SensitivityConfig {
            diffeo_mode: DiffeoMode::Pure,
            seed: 0,
            chunk: 512,
        }
    }
}

/// A representation of the network: hidden layer k (1-based), the block at a relative
/// depth (percent, big nets), or the output logits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Representation {
    Hidden(u32),
    Depth(u32),
    Output,
}

impl Representation {
    fn order(&self) -> u32 {
        match self {
            Representation::Hidden(k) | Representation::Depth(k) => *k,
            Representation::Output => u32::MAX,
        }
    }

    /// `1`, `2`, … , `d80` or `out`, as in the keys `S_2_1`, `S_d80_1`, `S_out_1`.
    pub fn key(&self) -> String {
        match self {
            Representation::Hidden(k) => k.to_string(),
            Representation::Depth(p) => format!("d{p}"),
            Representation::Output => "out".into(),
        }
    }
}

/// What sensitivities are measured on: networks (`members` of them, evaluated together)
/// whose representations of an input batch can be read out.
pub trait Representations {
    fn device(&self) -> Device;
    fn members(&self) -> usize;
    /// The representations, in order; the output last.
    fn labels(&self) -> Vec<Representation>;
    /// Every representation of `x`, `[members, rows, features]` each, in `labels` order.
    fn representations(&self, x: &Tensor) -> Vec<Tensor>;
}

impl Representations for Ensemble {
    fn device(&self) -> Device {
        Ensemble::device(self)
    }

    fn members(&self) -> usize {
        Ensemble::members(self)
    }

    fn labels(&self) -> Vec<Representation> {
        (1..=self.config().levels)
            .map(Representation::Hidden)
            .chain([Representation::Output])
            .collect()
    }

    /// f_1..f_L, then the logits.
    fn representations(&self, x: &Tensor) -> Vec<Tensor> {
        let (logits, hidden) = self.forward_with_hidden(x);
        let mut all: Vec<Tensor> = hidden.iter().map(|h| h.flatten(2, -1)).collect();
        all.push(logits);
        all
    }
}

/// A big net read out at relative depths (percent of its blocks), then its output.
pub struct BigNetProbe<'a> {
    pub net: &'a BigNet,
    pub depths: Vec<u32>,
}

/// The relative depths at which big nets are measured: the paper's three rows of
/// Fig. 9, 80% being the depth of Figs 1 and 17.
pub const BIG_NET_DEPTHS: [u32; 3] = [20, 50, 80];

impl Representations for BigNetProbe<'_> {
    fn device(&self) -> Device {
        self.net.device()
    }

    fn members(&self) -> usize {
        1
    }

    fn labels(&self) -> Vec<Representation> {
        self.depths
            .iter()
            .map(|&p| Representation::Depth(p))
            .chain([Representation::Output])
            .collect()
    }

    fn representations(&self, x: &Tensor) -> Vec<Tensor> {
        let blocks: Vec<usize> = self
            .depths
            .iter()
            .map(|&p| self.net.block_at(f64::from(p) / 100.0).unwrap_or(0))
            .collect();
        let (logits, kept) = self.net.forward_with_blocks(x, &blocks);
        kept.into_iter()
            .chain([logits])
            .map(|t| t.unsqueeze(0))
            .collect()
    }
}

/// S, D and D/G of one representation for the operators of one level. `None` where
/// the operator cannot change anything for these parameters (e.g. m = 1, or s0 = 0)
/// or the ratio is undefined, with the reason in `notes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitivityEntry {
    pub representation: Representation,
    pub level: u32,
    /// S_{k,l}: synonym exchange p_l (Eq. 13).
    pub s: Option<Estimate>,
    /// D_{k,l}: diffeomorphism τ_l (Eq. 14).
    pub d: Option<Estimate>,
    /// D_{k,l} / G_{k,l}: τ_l against isotropic noise of the same norm in input space.
    pub dg: Option<Estimate>,
    pub notes: Vec<String>,
}

impl SensitivityEntry {
    /// Its columns: `S_k_l`, `S_k_l_se`, then the same for `D` and `DG` (e.g. `S_2_1`,
    /// `D_out_1_se`), `None` where not measured.
    pub fn columns(&self) -> Vec<(String, Option<f64>)> {
        let suffix = format!("{}_{}", self.representation.key(), self.level);
        [("S", self.s), ("D", self.d), ("DG", self.dg)]
            .into_iter()
            .flat_map(|(name, estimate)| {
                [
                    (format!("{name}_{suffix}"), estimate.map(|e| e.value)),
                    (format!("{name}_{suffix}_se"), estimate.map(|e| e.stderr)),
                ]
            })
            .collect()
    }
}

/// Per-input squared distances gathered over the test set, for every member and
/// representation (L hidden layers, then the output).
struct Distances {
    rows: Vec<Vec<Vec<f64>>>,
}

impl Distances {
    fn new(members: usize, representations: usize) -> Self {
        Distances {
            rows: vec![vec![Vec::new(); representations]; members],
        }
    }

    /// Appends `[E, rows]` distances of representation `r`.
    fn push(&mut self, r: usize, d: &Tensor) -> Result<()> {
        let d = d.to_kind(Kind::Double).to_device(Device::Cpu);
        for (e, member) in self.rows.iter_mut().enumerate() {
            member[r].extend(Vec::<f64>::try_from(d.get(e as i64))?);
        }
        Ok(())
    }
}

/// One operator's transformed test inputs (and, for τ_l, the matched-noise inputs of
/// D/G) with the distances gathered so far.
struct Probe {
    operator: Operator,
    tx: Tensor,
    noisy: Option<Tensor>,
    changed: Distances,
    noised: Distances,
}

fn squared_distance(a: &Tensor, b: &Tensor) -> Tensor {
    (a - b)
        .square()
        .sum_dim_intlist([-1i64].as_slice(), false, Kind::Double)
}

/// Row ranges of at least 2 rows (independent pairs are formed inside a range).
fn chunks(n: usize, chunk: usize) -> Vec<(i64, i64)> {
    let chunk = chunk.max(2);
    let mut ranges = Vec::new();
    let mut start = 0;
    while start < n {
        let mut len = chunk.min(n - start);
        if n - start - len == 1 {
            len += 1;
        }
        ranges.push((start as i64, len as i64));
        start += len;
    }
    ranges
}

/// S_{k,l}, D_{k,l} and D/G for every member of `net`, every representation k (the
/// hidden layers of an ensemble, the chosen depths of a big net) and the output, every
/// level l = 1..L, averaged over the `test` split (one random
/// operator draw per test input; independent pairs are neighbouring test inputs).
/// Returns one list per member, ordered by representation then level.
pub fn sensitivities(
    net: &dyn Representations,
    rules: &Rules,
    test: &Split,
    format: InputFormat,
    config: &SensitivityConfig,
) -> Result<Vec<Vec<SensitivityEntry>>> {
    let params = rules.params();
    if test.len() < 2 {
        return Err(RunnerError::invalid(
            "test",
            format!(
                "sensitivities need at least 2 test inputs, got {}",
                test.len()
            ),
        ));
    }
    let device = net.device();
    let levels = params.levels;
    let members = net.members();
    let labels = net.labels();
    let reps = labels.len();
    let x = format.inputs(test.tokens.view(), params, device)?;
    let ranges = chunks(test.len(), config.chunk);
    // Every operator's transformed inputs first, so that each chunk's f(x) is computed
    // once and serves the independent pairs and every operator.
    let mut probes: Vec<Probe> = Vec::new();
    let mut notes: Vec<Vec<String>> = vec![Vec::new(); levels as usize];
    for level in 1..=levels {
        for operator in [
            Operator::Synonym { level },
            Operator::Diffeo {
                level,
                mode: config.diffeo_mode,
            },
        ] {
            if let Err(e) = operator.check(params) {
                notes[level as usize - 1].push(format!("{}: {e}", operator.column_name()));
                continue;
            }
            let moved = transform_rows(
                rules,
                test.tokens.view(),
                &test.indices,
                operator,
                config.seed,
            )?;
            let tx = format.inputs(moved.view(), params, device)?;
            let noisy = match operator {
                Operator::Diffeo { .. } => Some(noisy_inputs(&x, &tx, config.seed)?),
                Operator::Synonym { .. } => None,
            };
            probes.push(Probe {
                operator,
                tx,
                noisy,
                changed: Distances::new(members, reps),
                noised: Distances::new(members, reps),
            });
        }
    }
    tch::no_grad(|| -> Result<_> {
        let mut apart = Distances::new(members, reps);
        for &(start, len) in &ranges {
            let f = net.representations(&x.narrow(0, start, len));
            for (r, f) in f.iter().enumerate() {
                apart.push(r, &squared_distance(f, &f.roll([1], [1])))?;
            }
            for probe in &mut probes {
                let ft = net.representations(&probe.tx.narrow(0, start, len));
                for (r, (f, ft)) in f.iter().zip(&ft).enumerate() {
                    probe.changed.push(r, &squared_distance(f, ft))?;
                }
                if let Some(noisy) = &probe.noisy {
                    let fn_ = net.representations(&noisy.narrow(0, start, len));
                    for (r, (f, fn_)) in f.iter().zip(&fn_).enumerate() {
                        probe.noised.push(r, &squared_distance(f, fn_))?;
                    }
                }
            }
        }
        let find = |level: u32, diffeo: bool| {
            probes.iter().find(|p| {
                p.operator.level() == level
                    && matches!(p.operator, Operator::Diffeo { .. }) == diffeo
            })
        };
        let mut entries: Vec<Vec<SensitivityEntry>> = vec![Vec::new(); members];
        for level in 1..=levels {
            let (synonym, diffeo) = (find(level, false), find(level, true));
            for (e, member) in entries.iter_mut().enumerate() {
                for (r, &representation) in labels.iter().enumerate() {
                    let mut entry_notes = notes[level as usize - 1].clone();
                    let mut ratio = |num: &[f64], den: &[f64], what: &str| {
                        ratio_of_means(num, den)
                            .map_err(|err| entry_notes.push(format!("{what}: {err}")))
                            .ok()
                    };
                    let against_pairs = &apart.rows[e][r];
                    let s = synonym.and_then(|p| ratio(&p.changed.rows[e][r], against_pairs, "S"));
                    let d = diffeo.and_then(|p| ratio(&p.changed.rows[e][r], against_pairs, "D"));
                    let dg = diffeo
                        .and_then(|p| ratio(&p.changed.rows[e][r], &p.noised.rows[e][r], "D/G"));
                    member.push(SensitivityEntry {
                        representation,
                        level,
                        s,
                        d,
                        dg,
                        notes: entry_notes,
                    });
                }
            }
        }
        for member in &mut entries {
            member.sort_by_key(|e| (e.representation.order(), e.level));
        }
        Ok(entries)
    })
}

/// x + η per row with ‖η‖ = ‖τx − x‖ (see `srhm_metrics::matched_noise`).
fn noisy_inputs(x: &Tensor, tx: &Tensor, seed: u64) -> Result<Tensor> {
    let size = x.size();
    let flat = |t: &Tensor| -> Result<Array2<f32>> {
        let t = t
            .to_device(Device::Cpu)
            .to_kind(Kind::Float)
            .flatten(1, -1)
            .contiguous();
        let (n, f) = (t.size()[0] as usize, t.size()[1] as usize);
        let values = Vec::<f32>::try_from(t.view([-1]))?;
        Ok(Array2::from_shape_vec((n, f), values).expect("shape of a contiguous tensor"))
    };
    let noisy = matched_noise(flat(x)?.view(), flat(tx)?.view(), seed)?;
    Ok(srhm_models::tensor_from_array(&noisy)
        .view(size.as_slice())
        .to_device(x.device()))
}
