//! One SGD-with-momentum step of an ensemble, with the backward pass written out.
//!
//! A step at batch 4 is bound by passes over the weights, not by arithmetic (SPEC §4
//! networks hold millions of weights and see 4 inputs per step). Autograd plus
//! `torch.optim.SGD` makes about eleven passes over every weight per step and allocates
//! a fresh gradient: forward, input gradient, weight gradient, then `buf.mul_(m)`,
//! `buf.add_(g)` and `w.add_(buf, alpha=-lr)`. Here each weight gradient is accumulated
//! straight into the momentum buffer by an in-place `baddbmm_` (after `mul_(m)`), and the
//! buffer is stored pre-multiplied by −lr so the update is a single `w += q`: nine
//! passes, no allocation of weight-sized tensors, and no input gradient for the first
//! layer, which nobody needs. (An allocating `baddbmm` with β = m would save the
//! `mul_` pass on paper, but measured slower: the allocation page-faults, and MKL
//! scales C in a separate pass anyway.) Writing the backward by hand also skips
//! autograd's graph, which is most of the time of small networks.
//!
//! The arithmetic is PyTorch's momentum rule exactly: with buf_t = m·buf_{t−1} + g_t and
//! w_t = w_{t−1} − lr·buf_t, the stored q_t = −lr·buf_t = m·q_{t−1} − lr·g_t.

use tch::{Kind, Tensor};

use crate::error::{ModelError, Result};
use crate::net::{Architecture, Ensemble};

/// Momentum buffers and the per-member mask of a training in progress.
#[derive(Debug)]
pub struct Sgd {
    lr: f64,
    momentum: f64,
    /// −lr × the momentum buffer of every weight, `[E, …]`.
    velocity: Vec<Tensor>,
    /// 1 for members still training, 0 for frozen ones (their gradient is masked).
    mask: Tensor,
}

impl Sgd {
    /// Zero momentum for every member of `ensemble`. `lr` is the actual step size
    /// (the trainer has already applied the parametrisation's scaling).
    pub fn new(ensemble: &Ensemble, lr: f64, momentum: f64) -> Result<Self> {
        if !(lr.is_finite() && lr > 0.0) {
            return Err(ModelError::invalid(
                "lr",
                format!("must be a positive number, got {lr}"),
            ));
        }
        if !(0.0..1.0).contains(&momentum) {
            return Err(ModelError::invalid(
                "momentum",
                format!("must be in [0, 1), got {momentum}"),
            ));
        }
        let velocity = ensemble.weights().iter().map(Tensor::zeros_like).collect();
        let mask = Tensor::ones(
            [ensemble.members() as i64, 1, 1],
            (Kind::Float, ensemble.device()),
        );
        Ok(Sgd {
            lr,
            momentum,
            velocity,
            mask,
        })
    }

    /// Stops updating member `index`: its gradient is masked and its momentum cleared,
    /// so its weights stay exactly as they are while the others train on.
    pub fn freeze(&mut self, index: usize) {
        tch::no_grad(|| {
            let _ = self.mask.get(index as i64).fill_(0.0);
            for q in &self.velocity {
                let _ = q.get(index as i64).zero_();
            }
        });
    }

    /// Starts member `index` afresh (zero momentum, gradient on): the trainer has just
    /// loaded a new network into that slot.
    pub(crate) fn restart(&mut self, index: usize) {
        tch::no_grad(|| {
            let _ = self.mask.get(index as i64).fill_(1.0);
            for q in &self.velocity {
                let _ = q.get(index as i64).zero_();
            }
        });
    }

    /// Keeps the state of members `keep` only, in that order (the trainer drops the
    /// slots of stopped members so that no step is spent on them).
    pub(crate) fn retain(&mut self, keep: &Tensor) {
        tch::no_grad(|| {
            self.mask = self.mask.index_select(0, keep);
            for q in &mut self.velocity {
                *q = q.index_select(0, keep);
            }
        });
    }

    /// One step on inputs `x` `[E, B, d, v]` and labels `y` `[E, B]` (member e trains
    /// on its own batch). Returns each member's mean cross-entropy on its batch
    /// before the update, `[E]`.
    pub fn step(&mut self, ensemble: &Ensemble, x: &Tensor, y: &Tensor) -> Tensor {
        tch::no_grad(|| self.step_inner(ensemble, x, y))
    }

    fn step_inner(&mut self, ensemble: &Ensemble, x: &Tensor, y: &Tensor) -> Tensor {
        let config = *ensemble.config();
        let weights = ensemble.weights();
        let scales = ensemble.scales();
        let levels = config.levels as usize;
        let (e, b) = (x.size()[0], x.size()[1]);
        let h = config.width as i64;
        let layout = Layout::of(config.architecture);

        // Forward, keeping each layer's input patches and output.
        let mut activation = layout.input(x);
        let mut patches = Vec::with_capacity(levels);
        let mut outputs = Vec::with_capacity(levels);
        for (layer, weight) in weights[..levels].iter().enumerate() {
            let p = layout.patches(&activation, config.filter(), e, b);
            let g = p.size()[0];
            let mut a = p.bmm(&weight.view([g, -1, columns(weight)]));
            let _ = a.relu_().g_mul_scalar_(scales[layer]);
            activation = layout.output(&a, e, b, h);
            patches.push(p);
            outputs.push(activation.shallow_clone());
        }
        let positions = layout.positions_dim();
        let pooled = activation.mean_dim([positions].as_slice(), false, Kind::Float);
        let readout = weights.last().expect("readout");
        let readout_scale = *scales.last().expect("readout");
        let logits = pooled.bmm(readout) * readout_scale;

        // Cross-entropy per member and its gradient (masked for frozen members).
        let log_p = logits.log_softmax(-1, Kind::Float);
        let labels = y.view([e, b, 1]);
        let losses = -log_p.gather(2, &labels, false).view([e, b]).mean_dim(
            [1i64].as_slice(),
            false,
            Kind::Float,
        );
        let mut d_logits = log_p.exp();
        let _ = d_logits.scatter_add_(
            2,
            &labels,
            &Tensor::full([e, b, 1], -1.0, (Kind::Float, x.device())),
        );
        let d_logits = d_logits * (&self.mask / b as f64);

        // Backward: every input gradient before the weight it uses is updated.
        let last = self.velocity.len() - 1;
        let mut d_activation = d_logits.bmm(&readout.transpose(1, 2)) * readout_scale;
        let _ = self.velocity[last].g_mul_scalar_(self.momentum).baddbmm_(
            &pooled.transpose(1, 2),
            &(d_logits * (-self.lr * readout_scale)),
        );
        let n_last = activation.size()[positions as usize];
        d_activation = layout.spread(&(d_activation / n_last as f64), &activation);
        for layer in (0..levels).rev() {
            let (g, cols) = (patches[layer].size()[0], columns(&weights[layer]));
            let d_pre = outputs[layer].threshold_backward(&d_activation, 0.0) * scales[layer];
            let d_pre = d_pre.view([g, -1, cols]);
            if layer > 0 {
                let d_patches = d_pre.bmm(&weights[layer].view([g, -1, cols]).transpose(1, 2));
                d_activation = layout.unpatch(&d_patches, &outputs[layer - 1], config.filter());
            }
            let _ = self.velocity[layer]
                .g_mul_scalar_(self.momentum)
                .view([g, -1, cols])
                .baddbmm_(&patches[layer].transpose(1, 2), &(d_pre * -self.lr));
        }
        for (w, q) in weights.iter().zip(&self.velocity) {
            let _ = w.shallow_clone().g_add_(q);
        }
        losses
    }
}

/// Columns of a hidden layer's weight matrices: H for LCN and CNN, positions·H for the
/// FCN (whose one matrix maps every unit below to every unit of the layer).
fn columns(weight: &Tensor) -> i64 {
    *weight.size().last().expect("a weight has a rank")
}

/// Where positions live in the activations of each architecture, so that a layer's
/// patches are `[G, rows, k·C]` matrices for one batched product with its `[G, k·C, H]`
/// weights: LCN keeps positions outermost (`[E, n, B, C]`, G = E·n, one matrix per
/// position), CNN keeps them inside the rows (`[E, B, n, C]`, G = E, patches are a
/// free view). FCN (`[E, B, n, C]`, G = E) takes a sample's whole layer as one row of
/// n·C numbers, and its product `[E, B, n'·H]` is the next layer's `[E, B, n', H]`.
#[derive(Debug, Clone, Copy)]
enum Layout {
    PositionMajor,
    BatchMajor,
    Dense,
}

impl Layout {
    fn of(architecture: Architecture) -> Self {
        match architecture {
            Architecture::Lcn => Layout::PositionMajor,
            Architecture::Cnn => Layout::BatchMajor,
            Architecture::Fcn => Layout::Dense,
        }
    }

    /// `[E, B, d, v]` inputs in this layout.
    fn input(self, x: &Tensor) -> Tensor {
        match self {
            Layout::PositionMajor => x.permute([0, 2, 1, 3]),
            Layout::BatchMajor | Layout::Dense => x.shallow_clone(),
        }
    }

    fn positions_dim(self) -> i64 {
        match self {
            Layout::PositionMajor => 1,
            Layout::BatchMajor | Layout::Dense => 2,
        }
    }

    /// The `[G, rows, k·C]` patch matrices of activations in this layout.
    fn patches(self, a: &Tensor, k: i64, e: i64, b: i64) -> Tensor {
        let size = a.size();
        let c = size[3];
        match self {
            Layout::PositionMajor => {
                let n = size[1] / k;
                a.view([e, n, k, b, c])
                    .permute([0, 1, 3, 2, 4])
                    .contiguous()
                    .view([e * n, b, k * c])
            }
            Layout::BatchMajor => a.contiguous().view([e, -1, k * c]),
            Layout::Dense => a.contiguous().view([e, b, -1]),
        }
    }

    /// The `[G, rows, columns]` product back in this layout, H channels per position.
    fn output(self, a: &Tensor, e: i64, b: i64, h: i64) -> Tensor {
        match self {
            Layout::PositionMajor => a.view([e, -1, b, h]),
            Layout::BatchMajor | Layout::Dense => a.view([e, b, -1, h]),
        }
    }

    /// The gradient of the mean over positions, `[E, B, H]` → shaped like `a`.
    fn spread(self, d_pooled: &Tensor, a: &Tensor) -> Tensor {
        let d = d_pooled.unsqueeze(self.positions_dim());
        d.expand(a.size().as_slice(), false)
    }

    /// The gradient of [`Layout::patches`]: `[G, rows, k·C]` back to the shape of `a`.
    fn unpatch(self, d: &Tensor, a: &Tensor, k: i64) -> Tensor {
        let size = a.size();
        let (e, b, c) = (size[0], size[2], size[3]);
        match self {
            Layout::PositionMajor => {
                let n = size[1] / k;
                d.view([e, n, b, k, c])
                    .permute([0, 1, 3, 2, 4])
                    .contiguous()
                    .view(size.as_slice())
            }
            Layout::BatchMajor | Layout::Dense => d.view(size.as_slice()),
        }
    }
}
