//! Training an ensemble with SGD to the loss threshold, each member stopping on its own,
//! and the test error of trained members.

use std::time::Instant;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};
use srhm_grammar::seeding::stream_seed;
use tch::{Device, Kind, Tensor};

use crate::data::LabelledSet;
use crate::error::{ModelError, Result};
use crate::net::{Architecture, Ensemble, NetConfig};
use crate::sgd::Sgd;

/// How to train (SPEC §4 defaults: SGD momentum 0.9, batch 4, stop at loss 1e-3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Learning rate before the parametrisation's scaling (× H in mean field).
    pub lr: f64,
    pub momentum: f64,
    pub batch: usize,
    /// A member stops once the mean minibatch loss over its last epoch is at most this.
    pub loss_threshold: f64,
    /// A member still above the threshold after this many steps stops, flagged.
    pub max_steps: u64,
    /// Measure the test error every this many steps (None: only at the end).
    pub eval_every: Option<u64>,
    /// Weights + momentum of the members trained together, in bytes; `None`:
    /// [`CPU_GROUP_BYTES`] on the CPU, every member at once on a GPU. Results do not
    /// depend on it, only speed does.
    #[serde(default)]
    pub group_bytes: Option<u64>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            lr: 0.01,
            momentum: 0.9,
            batch: 4,
            loss_threshold: 1e-3,
            max_steps: 1_000_000,
            eval_every: None,
            group_bytes: None,
        }
    }
}

impl TrainConfig {
    /// SPEC §4's learning rate (before the parametrisation's scaling), as the paper's
    /// appendices set it: LCN and CNN by patch size alone, 0.01 for s = 2 and 0.003 for
    /// s ≥ 3 whatever L (Appendix D, E); the FCN by depth, 0.01 for L = 2 and 0.003 for
    /// L ≥ 3 (Appendix F). Cases the paper does not train (s = 1, as image patches are
    /// encoded, or an FCN with L = 1) take 0.01, the rate of the nearest trained case.
    pub fn paper_lr(architecture: Architecture, params: &srhm_grammar::Params) -> f64 {
        let large = match architecture {
            Architecture::Lcn | Architecture::Cnn => params.patch <= 2,
            Architecture::Fcn => params.levels <= 2,
        };
        if large { 0.01 } else { 0.003 }
    }

    pub fn validate(&self) -> Result<()> {
        let positive = |name, x: f64| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(ModelError::invalid(
                    name,
                    format!("must be a positive number, got {x}"),
                ))
            }
        };
        positive("lr", self.lr)?;
        positive("loss_threshold", self.loss_threshold)?;
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(ModelError::invalid(
                "momentum",
                format!("must be in [0, 1), got {}", self.momentum),
            ));
        }
        if self.batch == 0 {
            return Err(ModelError::invalid("batch", "must be at least 1"));
        }
        if self.max_steps == 0 {
            return Err(ModelError::invalid("max_steps", "must be at least 1"));
        }
        if self.eval_every == Some(0) {
            return Err(ModelError::invalid("eval_every", "must be at least 1"));
        }
        Ok(())
    }
}

/// One network of an ensemble: its seed (initialisation and minibatch order), the
/// training set it uses (an index into the sets given to [`train_ensemble`]) and how
/// many of that set's first rows it trains on (training sets are nested prefixes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSpec {
    pub seed: u64,
    pub set: usize,
    pub train_size: usize,
}

/// What one network's training did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberResult {
    pub seed: u64,
    pub train_size: usize,
    pub steps: u64,
    pub epochs: u64,
    /// Mean minibatch loss over the last complete epoch (over the steps so far if none).
    pub train_loss: f64,
    pub test_error: Option<f64>,
    pub hit_step_cap: bool,
    /// (step, test error) every `eval_every` steps.
    pub history: Vec<(u64, f64)>,
    /// Wall time from the start of the training until this member stopped (members
    /// train a few at a time on the CPU, longest first).
    pub wall_s: f64,
}

/// Progress of a training, reported every few steps.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Steps done so far, summed over members.
    pub member_steps: u64,
    /// Members training now.
    pub active: usize,
    /// Members that have stopped, of `members`.
    pub finished: usize,
    pub members: usize,
    /// Mean batch loss of the members that trained at the last step.
    pub mean_loss: f64,
}

struct MemberState {
    offset: i64,
    rng: Xoshiro256PlusPlus,
    order: Vec<i64>,
    cursor: usize,
    epoch_loss: f64,
    epoch_batches: u64,
    result: MemberResult,
    active: bool,
}

impl MemberState {
    /// Books one step's loss; returns whether the member stops here (converged at
    /// the end of an epoch, or at the step cap).
    fn record_step(&mut self, loss: f64, epoch_ended: bool, config: &TrainConfig) -> bool {
        let r = &mut self.result;
        r.steps += 1;
        self.epoch_loss += loss;
        self.epoch_batches += 1;
        if epoch_ended {
            r.epochs += 1;
            r.train_loss = self.epoch_loss / self.epoch_batches as f64;
            self.epoch_loss = 0.0;
            self.epoch_batches = 0;
        }
        let converged = epoch_ended && r.train_loss <= config.loss_threshold;
        let capped = !converged && r.steps >= config.max_steps;
        if converged || capped {
            if r.epochs == 0 {
                r.train_loss = self.epoch_loss / self.epoch_batches as f64;
            }
            r.hit_step_cap = capped;
            self.active = false;
        }
        !self.active
    }

    /// The next `batch` global row indices; reshuffles when the epoch's order runs out.
    /// Returns whether an epoch ended inside this batch.
    fn next_batch(&mut self, batch: usize, out: &mut Vec<i64>) -> bool {
        let mut ended = false;
        for _ in 0..batch {
            if self.cursor == self.order.len() {
                self.order.shuffle(&mut self.rng);
                self.cursor = 0;
                ended = true;
            }
            out.push(self.offset + self.order[self.cursor]);
            self.cursor += 1;
        }
        ended || self.cursor == self.order.len()
    }
}

/// Trains one network per member as a single batched model. Each member draws its own
/// minibatches from its own training set and stops on its own: once the mean loss of
/// an epoch is at most the threshold (or at the step cap) its weights and momentum are
/// frozen while the others go on. Returns the trained ensemble and one result per member.
pub fn train_ensemble(
    net: NetConfig,
    config: &TrainConfig,
    members: &[MemberSpec],
    sets: &[LabelledSet],
    test: Option<&LabelledSet>,
    device: Device,
    progress: &mut dyn FnMut(Progress),
) -> Result<(Ensemble, Vec<MemberResult>)> {
    config.validate()?;
    for (i, m) in members.iter().enumerate() {
        let set = sets.get(m.set).ok_or_else(|| {
            ModelError::invalid(
                "set",
                format!("member {i} uses set {} of {}", m.set, sets.len()),
            )
        })?;
        if m.train_size == 0 || m.train_size > set.len() {
            return Err(ModelError::invalid(
                "train_size",
                format!(
                    "member {i} asks for {} rows of a set of {}",
                    m.train_size,
                    set.len()
                ),
            ));
        }
    }
    let seeds: Vec<u64> = members.iter().map(|m| m.seed).collect();
    let ensemble = Ensemble::new(net, &seeds, device)?;
    let (x_all, y_all) = if sets.len() == 1 {
        (sets[0].x.shallow_clone(), sets[0].y.shallow_clone())
    } else {
        (
            Tensor::cat(&sets.iter().map(|s| &s.x).collect::<Vec<_>>(), 0),
            Tensor::cat(&sets.iter().map(|s| &s.y).collect::<Vec<_>>(), 0),
        )
    };
    let mut offsets = vec![0i64; sets.len()];
    for i in 1..sets.len() {
        offsets[i] = offsets[i - 1] + sets[i - 1].len() as i64;
    }
    let mut states: Vec<MemberState> = members
        .iter()
        .map(|&spec| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(stream_seed(spec.seed, 0x5348_5546, 0));
            let mut order: Vec<i64> = (0..spec.train_size as i64).collect();
            order.shuffle(&mut rng);
            MemberState {
                offset: offsets[spec.set],
                rng,
                order,
                cursor: 0,
                epoch_loss: 0.0,
                epoch_batches: 0,
                result: MemberResult {
                    seed: spec.seed,
                    train_size: spec.train_size,
                    steps: 0,
                    epochs: 0,
                    train_loss: f64::NAN,
                    test_error: None,
                    hit_step_cap: false,
                    history: Vec::new(),
                    wall_s: 0.0,
                },
                active: true,
            }
        })
        .collect();

    let lr = config.lr * net.learning_rate_scale();
    let members = ensemble.members();
    let fit = |bytes: u64| (bytes / member_bytes(&ensemble).max(1)) as usize;
    let slots = match (config.group_bytes, device) {
        (Some(bytes), _) => fit(bytes).clamp(1, members),
        (None, Device::Cpu) => fit(CPU_GROUP_BYTES).clamp(2.min(members), members),
        (None, _) => members,
    };
    let mut pool = Pool {
        slots: balanced(slots, ensemble.members()),
        ensemble: &ensemble,
        states: &mut states,
        config,
        lr,
        x_all: &x_all,
        y_all: &y_all,
        test,
        device,
    };
    pool.train(progress)?;
    if let Some(test) = test {
        let errors = test_errors(&ensemble, test)?;
        for (state, error) in states.iter_mut().zip(errors) {
            state.result.test_error = Some(error);
        }
    }
    Ok((ensemble, states.into_iter().map(|s| s.result).collect()))
}

/// Weights + momentum of the members trained together on the CPU when
/// [`TrainConfig::group_bytes`] is not given (at least two members train together; on a
/// GPU every member trains at once).
///
/// A step at batch 4 is bound by passes over the weights: a working set that stays in
/// cache from step to step runs several times faster per network than a large one
/// streaming from memory, while each batched step also has a fixed cost (≈ 0.3–0.8 ms of
/// small kernels) that more members share. Measured on a 2-core EPYC (1 MiB L2, 32 MiB
/// shared L3), µs per member-step at width 64 by members at once: LCN L = 2, v = 6,
/// s0 = 2 (0.25 MiB of weights + momentum a member) 376, 182, 126, 68, **37**, 80 at
/// 1, 2, 4, 8, 16, 32; the CNN of the same data (0.2 MiB) 303, 147, 109, 73, 46, **34**,
/// 47 at 1 … 48; LCN L = 3, v = 3, s0 = 3 (3.1 MiB) 821, **481**, 677, 1023 at 1, 2, 4,
/// 8; its CNN (0.5 MiB) 996, 449, 279, **233**, 333 at 1 … 16. 4 MiB (at least two
/// members) is at or next to the best of each; the L = 2 CNN would gain ≈ 25% from 6 MiB,
/// which would cost the L = 3 CNN as much. 32 MiB, the previous choice, was 1.3–3.6×
/// slower per network on all but the L = 2 CNN.
pub const CPU_GROUP_BYTES: u64 = 4 << 20;

/// Weights + momentum of one member, in bytes.
fn member_bytes(ensemble: &Ensemble) -> u64 {
    ensemble
        .weights()
        .iter()
        .map(|w| 2 * 4 * w.size()[1..].iter().product::<i64>() as u64)
        .sum()
}

/// `slots` evened out over `members`: as many rounds as `slots` needs, each as full as
/// the others (50 members in slots of 16 become 4 rounds of 13, not 16, 16, 16 and 2).
fn balanced(slots: usize, members: usize) -> usize {
    let rounds = members.div_ceil(slots.max(1));
    members.div_ceil(rounds.max(1))
}

/// Members trained in lock step in a fixed number of slots, a work queue feeding them.
///
/// Members run for very different numbers of steps (a network on P = 50 000 data takes
/// tens of times the steps of one on P = 100), and a batched step costs the same for a
/// stopped member as for a training one. So a member that stops hands its slot to the
/// next one in the queue, longest (largest training set) first, and once the queue is
/// empty the stopped members' slots are dropped: every step is spent on members still
/// training. A member's arithmetic does not depend on its slot or its neighbours, so
/// the results are those of training each network alone.
struct Pool<'a> {
    slots: usize,
    /// The whole ensemble: initial weights of members not yet started, final weights of
    /// those that have stopped.
    ensemble: &'a Ensemble,
    states: &'a mut [MemberState],
    config: &'a TrainConfig,
    lr: f64,
    x_all: &'a Tensor,
    y_all: &'a Tensor,
    test: Option<&'a LabelledSet>,
    device: Device,
}

impl Pool<'_> {
    /// Trains every member until it stops.
    fn train(&mut self, progress: &mut dyn FnMut(Progress)) -> Result<()> {
        let (config, device) = (self.config, self.device);
        let started = Instant::now();
        let total = self.states.len();
        // Longest first: the members that set the wall time start at once.
        let mut queue: Vec<usize> = (0..total).collect();
        queue.sort_by_key(|&i| (std::cmp::Reverse(self.states[i].result.train_size), i));
        let mut queue = queue.into_iter();
        // slot → member
        let mut slots: Vec<usize> = queue.by_ref().take(self.slots).collect();
        let mut work = self.ensemble.select(&as_index(&slots));
        let mut sgd = Sgd::new(&work, self.lr, config.momentum)?;
        let b = config.batch as i64;
        let shape = &self.x_all.size()[1..];
        let mut indices = Vec::with_capacity(slots.len() * config.batch);
        let (mut step, mut member_steps, mut finished) = (0u64, 0u64, 0usize);
        let mut epoch_ended = Vec::with_capacity(slots.len());
        while !slots.is_empty() {
            step += 1;
            let e = slots.len() as i64;
            member_steps += e as u64;
            indices.clear();
            epoch_ended.clear();
            for &m in &slots {
                epoch_ended.push(self.states[m].next_batch(config.batch, &mut indices));
            }
            let index = Tensor::from_slice(&indices).to_device(device);
            let mut batch_shape = vec![e, b];
            batch_shape.extend_from_slice(shape);
            let x = self
                .x_all
                .index_select(0, &index)
                .reshape(batch_shape.as_slice());
            let y = self.y_all.index_select(0, &index).reshape([e, b]);
            let losses = sgd.step(&work, &x, &y);
            let losses: Vec<f64> =
                Vec::<f64>::try_from(losses.to_kind(Kind::Double).to_device(Device::Cpu))
                    .map_err(ModelError::from)?;
            if let (Some(every), Some(test)) = (config.eval_every, self.test) {
                for (slot, &m) in slots.iter().enumerate() {
                    // The member's own step count once this step is booked below.
                    let steps = self.states[m].result.steps + 1;
                    if steps.is_multiple_of(every) {
                        let error = test_errors(&work.member_range(slot, 1), test)?[0];
                        self.states[m].result.history.push((steps, error));
                    }
                }
            }
            let mut stopped = false;
            for slot in 0..slots.len() {
                let m = slots[slot];
                if !self.states[m].record_step(losses[slot], epoch_ended[slot], config) {
                    continue;
                }
                self.states[m].result.wall_s = started.elapsed().as_secs_f64();
                self.ensemble.copy_member(m, &work, slot);
                finished += 1;
                match queue.next() {
                    Some(next) => {
                        work.copy_member(slot, self.ensemble, next);
                        sgd.restart(slot);
                        slots[slot] = next;
                    }
                    // Its slot is dropped below with its momentum: nothing to freeze.
                    None => stopped = true,
                }
            }
            if stopped {
                let keep: Vec<i64> = (0..slots.len())
                    .filter(|&slot| self.states[slots[slot]].active)
                    .map(|slot| slot as i64)
                    .collect();
                let keep_index = Tensor::from_slice(&keep).to_device(device);
                work = work.select(&keep);
                sgd.retain(&keep_index);
                slots = keep.iter().map(|&slot| slots[slot as usize]).collect();
            }
            if step.is_multiple_of(50) || slots.is_empty() {
                progress(Progress {
                    member_steps,
                    active: slots.len(),
                    finished,
                    members: total,
                    mean_loss: losses.iter().sum::<f64>() / losses.len().max(1) as f64,
                });
            }
        }
        Ok(())
    }
}

fn as_index(members: &[usize]) -> Vec<i64> {
    members.iter().map(|&m| m as i64).collect()
}

/// Fraction of misclassified test points, per member (counted exactly, then divided).
pub fn test_errors(ensemble: &Ensemble, test: &LabelledSet) -> Result<Vec<f64>> {
    let n = test.len() as i64;
    let chunk = 4096i64;
    let mut wrong = Tensor::zeros(
        [ensemble.members() as i64],
        (Kind::Int64, ensemble.device()),
    );
    tch::no_grad(|| {
        let mut start = 0;
        while start < n {
            let len = chunk.min(n - start);
            let x = test.x.narrow(0, start, len);
            let y = test.y.narrow(0, start, len);
            let predicted = ensemble.forward(&x).argmax(-1, false);
            wrong += predicted.ne_tensor(&y.unsqueeze(0)).sum_dim_intlist(
                [1i64].as_slice(),
                false,
                Kind::Int64,
            );
            start += len;
        }
    });
    let wrong = Vec::<i64>::try_from(wrong.to_device(Device::Cpu))?;
    Ok(wrong
        .into_iter()
        .map(|w| w as f64 / n.max(1) as f64)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::balanced;

    #[test]
    fn slots_are_evened_out_over_the_rounds_they_need() {
        // 50 members in slots of 16: 4 rounds of 13, not 16, 16, 16 and 2.
        assert_eq!(balanced(16, 50), 13);
        assert_eq!(balanced(2, 50), 2);
        assert_eq!(balanced(50, 50), 50);
        assert_eq!(balanced(64, 50), 50);
        assert_eq!(balanced(3, 5), 3);
        assert_eq!(balanced(1, 1), 1);
        for members in 1..200 {
            for slots in 1..=members {
                let even = balanced(slots, members);
                assert!(even <= slots, "{slots} slots, {members} members: {even}");
                assert_eq!(members.div_ceil(even), members.div_ceil(slots));
            }
        }
    }
}
