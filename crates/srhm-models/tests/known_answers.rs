//! Known answers of the networks' forward pass: tiny networks with hand-set weights whose
//! outputs are worked out by hand from the paper's Eq. 9–10, and random networks against
//! the authors' formulas (`models/lcn.py`, `cnn2.py`, `fcn2.py` of
//! UmbertoTomasini/sparse_hierarchy_model) written out here in plain tensor operations on
//! the authors' own weight layouts, then mapped to ours.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use srhm_grammar::{Params, Sparsity};
use srhm_models::tch::{self, Device, Kind, Tensor};
use srhm_models::{Architecture, Ensemble, NetConfig, Parametrisation, TrainConfig};

const SQRT2: f64 = std::f64::consts::SQRT_2;

fn tiny(architecture: Architecture) -> NetConfig {
    // L = 2, s = 2, s0 = 0: filter 2, d = 4; v = H = nc = 2.
    NetConfig {
        architecture,
        levels: 2,
        patch: 2,
        s0: 0,
        vocab: 2,
        classes: 2,
        width: 2,
        parametrisation: Parametrisation::MeanField,
    }
}

/// A matrix from its rows, as f32.
fn rows(values: &[&[f32]]) -> Tensor {
    let flat: Vec<f32> = values.iter().flat_map(|r| r.iter().copied()).collect();
    Tensor::from_slice(&flat).view([values.len() as i64, values[0].len() as i64])
}

/// Overwrites member 0's weights (each given without the ensemble dimension).
fn set_weights(ensemble: &Ensemble, values: &[Tensor]) {
    assert_eq!(ensemble.weights().len(), values.len());
    tch::no_grad(|| {
        for (w, v) in ensemble.weights().iter().zip(values) {
            let size = w.size();
            let mut target = w.get(0);
            target.copy_(&v.to_kind(Kind::Float).view(&size[1..]));
        }
    });
}

/// The tiny networks' input: tokens 0, 1, 1, 0 one-hot over v = 2, `[1, d, v]`
/// (position p, channel c): (1,0) (0,1) (0,1) (1,0).
fn tiny_input() -> Tensor {
    Tensor::from_slice(&[1f32, 0., 0., 1., 0., 1., 1., 0.]).view([1, 4, 2])
}

fn assert_values(got: &Tensor, want: &[f64], what: &str) {
    let got = Vec::<f64>::try_from(got.to_kind(Kind::Double).flatten(0, -1)).unwrap();
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-6 * (1.0 + w.abs()),
            "{what}: {got:?} vs {want:?}"
        );
    }
}

#[test]
fn a_hand_set_lcn_gives_the_hand_computed_output() {
    let ensemble = Ensemble::new(tiny(Architecture::Lcn), &[0], Device::Cpu).unwrap();
    // Layer 1, one [k·v = 4, H = 2] matrix per output position j; row t·v + c weighs
    // channel c of input position 2j + t. Patch 0 = (1,0,0,1): rows 0 and 3 are on;
    // patch 1 = (0,1,1,0): rows 1 and 2.
    let layer1 = Tensor::stack(
        &[
            rows(&[&[1., 0.], &[0., 1.], &[2., 1.], &[3., -1.]]),
            rows(&[&[1., 1.], &[2., -2.], &[-1., 3.], &[0., 0.]]),
        ],
        0,
    );
    // Position 0: (1+3, 0−1) = (4, −1); /√v = /√2 → ReLU: (2√2, 0).
    // Position 1: (2−1, −2+3) = (1, 1); /√2 → (1/√2, 1/√2).
    // Layer 2, one position, patch (2√2, 0, 1/√2, 1/√2):
    //   channel 0: 2√2·1 + 0·5 + (1/√2)·2 + (1/√2)·2 = 4√2; /√H = /√2 → 4;
    //   channel 1: −2√2 + 0 + 1/√2 − 4/√2 < 0 → 0.
    let layer2 = rows(&[&[1., -1.], &[5., 5.], &[2., 1.], &[2., -4.]]).unsqueeze(0);
    // Readout: (4·(1, −1/2) + 0·(3, 3)) / H = (2, −1).
    let readout = rows(&[&[1., -0.5], &[3., 3.]]);
    set_weights(&ensemble, &[layer1, layer2, readout]);
    let (logits, hidden) = ensemble.forward_with_hidden(&tiny_input());
    assert_values(
        &hidden[0],
        &[2.0 * SQRT2, 0.0, 1.0 / SQRT2, 1.0 / SQRT2],
        "LCN f1",
    );
    assert_values(&hidden[1], &[4.0, 0.0], "LCN f2");
    assert_values(&logits, &[2.0, -1.0], "LCN logits");
    // (Dividing by √fan-in instead, √(k·v) = 2 then √(k·H) = 2, would give (1, −1/2).)
}

#[test]
fn a_hand_set_cnn_gives_the_hand_computed_output() {
    let ensemble = Ensemble::new(tiny(Architecture::Cnn), &[0], Device::Cpu).unwrap();
    // One [4, 2] filter bank per layer, shared by the positions.
    let layer1 = rows(&[&[1., 0.], &[0., 1.], &[2., 1.], &[3., -1.]]);
    // Position 0, patch (1,0,0,1): (1+3, 0−1) = (4, −1) → /√2, ReLU: (2√2, 0).
    // Position 1, patch (0,1,1,0): (0+2, 1+1) = (2, 2) → (√2, √2).
    let layer2 = rows(&[&[1., -1.], &[5., 5.], &[1., 1.], &[1., -2.]]);
    // Patch (2√2, 0, √2, √2): channel 0: 2√2 + √2 + √2 = 4√2 → /√2: 4;
    // channel 1: −2√2 + √2 − 2√2 < 0 → 0.
    let readout = rows(&[&[0.5, 1.], &[-7., 9.]]);
    // (4·(1/2, 1) + 0) / 2 = (1, 2).
    set_weights(&ensemble, &[layer1, layer2, readout]);
    let (logits, hidden) = ensemble.forward_with_hidden(&tiny_input());
    assert_values(&hidden[0], &[2.0 * SQRT2, 0.0, SQRT2, SQRT2], "CNN f1");
    assert_values(&hidden[1], &[4.0, 0.0], "CNN f2");
    assert_values(&logits, &[1.0, 2.0], "CNN logits");
}

#[test]
fn a_hand_set_fcn_gives_the_hand_computed_output() {
    let net = tiny(Architecture::Fcn);
    // FCN2: layer 1 has the LCN's 2 positions × H units, each seeing all d·v = 8 inputs.
    assert_eq!((net.positions(1), net.positions(2)), (2, 1));
    let ensemble = Ensemble::new(net, &[0], Device::Cpu).unwrap();
    // Layer 1: [d·v = 8, 2·H = 4]; row p·v + c for input (position p, channel c), column
    // j·H + o for unit (position j, channel o). The input (1,0)(0,1)(0,1)(1,0) switches
    // on rows 0, 3, 5, 6; the rows of 9s multiply zeros.
    let layer1 = rows(&[
        &[1., 0., 2., -1.],
        &[9., 9., 9., 9.],
        &[9., 9., 9., 9.],
        &[1., 1., 0., -1.],
        &[9., 9., 9., 9.],
        &[0., -3., 1., 1.],
        &[2., 1., 3., 0.],
        &[9., 9., 9., 9.],
    ]);
    // Column sums over rows 0, 3, 5, 6: (4, −1, 6, −1); /√v = /√2, ReLU:
    // f1 = position 0: (2√2, 0), position 1: (3√2, 0). Position 1 draws on input
    // positions 0 and 1, which an LCN's position 1 never sees.
    // Layer 2: [2·H = 4, 1·H = 2] on (2√2, 0, 3√2, 0): channel 0: 2√2 + 6√2 = 8√2,
    // channel 1: −2√2 + 3√2 = √2; /√H = /√2 → f2 = (8, 1).
    let layer2 = rows(&[&[1., -1.], &[7., 7.], &[2., 1.], &[7., 7.]]);
    // Readout: (8·(1, 0) + 1·(−2, 4)) / 2 = (3, 2).
    let readout = rows(&[&[1., 0.], &[-2., 4.]]);
    set_weights(&ensemble, &[layer1, layer2, readout]);
    let (logits, hidden) = ensemble.forward_with_hidden(&tiny_input());
    assert_eq!(hidden[0].size(), [1, 1, 2, 2]);
    assert_values(&hidden[0], &[2.0 * SQRT2, 0.0, 3.0 * SQRT2, 0.0], "FCN f1");
    assert_values(&hidden[1], &[8.0, 1.0], "FCN f2");
    assert_values(&logits, &[3.0, 2.0], "FCN logits");
}

#[test]
fn mean_field_divides_by_the_channels_below_and_standard_by_nothing() {
    for architecture in [Architecture::Lcn, Architecture::Cnn, Architecture::Fcn] {
        let mut net = NetConfig {
            levels: 3,
            vocab: 3,
            width: 5,
            s0: 2,
            ..tiny(architecture)
        };
        let ensemble = Ensemble::new(net, &[0], Device::Cpu).unwrap();
        let want = [1.0 / 3f64.sqrt(), 1.0 / 5f64.sqrt(), 1.0 / 5f64.sqrt(), 0.2];
        for (got, want) in ensemble.scales().iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{architecture:?}");
        }
        assert_eq!(net.learning_rate_scale(), 5.0);
        net.parametrisation = Parametrisation::Standard;
        let ensemble = Ensemble::new(net, &[0], Device::Cpu).unwrap();
        assert!(ensemble.scales().iter().all(|&s| s == 1.0));
        assert_eq!(net.learning_rate_scale(), 1.0);
    }
}

#[test]
fn the_paper_learning_rates_follow_the_architecture() {
    let params = |levels, patch| Params {
        levels,
        patch,
        vocab: 8,
        synonyms: 8,
        classes: 8,
        sparsity: Sparsity::A { s0: 1 },
    };
    for (architecture, levels, patch, want) in [
        // LCN and CNN by patch size alone (Appendix D, E).
        (Architecture::Lcn, 2, 2, 0.01),
        (Architecture::Lcn, 3, 2, 0.01),
        (Architecture::Lcn, 2, 3, 0.003),
        (Architecture::Lcn, 3, 4, 0.003),
        (Architecture::Cnn, 3, 2, 0.01),
        (Architecture::Cnn, 2, 3, 0.003),
        // FCN by depth alone (Appendix F).
        (Architecture::Fcn, 2, 2, 0.01),
        (Architecture::Fcn, 2, 3, 0.01),
        (Architecture::Fcn, 3, 2, 0.003),
        (Architecture::Fcn, 4, 2, 0.003),
    ] {
        assert_eq!(
            TrainConfig::paper_lr(architecture, &params(levels, patch)),
            want,
            "{architecture:?} L={levels} s={patch}"
        );
    }
}

/// A hidden layer of ours, `[B, n, C]`, in the authors' layout: `[B, C, n]` for their
/// LCN and CNN; for FCN2 the flat `[B, C·n]`, channel-major, as their `x.flatten(1)`.
fn to_authors(architecture: Architecture, f: &Tensor) -> Tensor {
    let f = f.permute([0, 2, 1]);
    match architecture {
        Architecture::Fcn => f.flatten(1, -1),
        _ => f,
    }
}

/// An authors' hidden layer back in our `[B, n, H]`. FCN2's flat output unit o·n + j is
/// read as channel o at position j (the channel-major order in which their first layer
/// reads its input; any fixed reading gives the same network function).
fn from_authors(architecture: Architecture, y: &Tensor, h: i64) -> Tensor {
    match architecture {
        Architecture::Fcn => y.view([y.size()[0], h, -1]).permute([0, 2, 1]),
        _ => y.permute([0, 2, 1]),
    }
}

/// One hidden layer as the authors' code computes it (ReLU included), in f64, on their
/// layouts: `y` from [`to_authors`], `w` in their weight shape, `cin` input channels.
fn authors_layer(architecture: Architecture, y: &Tensor, w: &Tensor, cin: i64, k: i64) -> Tensor {
    let (b, cout) = (y.size()[0], w.size()[0]);
    let pre = match architecture {
        // NonOverlappingLocallyConnected1d: w [cout, cin, n·k]; output position j sums
        // channel c at input position j·k + t against w[o, c, j·k + t].
        Architecture::Lcn => {
            let n = y.size()[2] / k;
            Tensor::einsum(
                "bcjt,ocjt->boj",
                &[y.view([b, cin, n, k]), w.view([cout, cin, n, k])],
                None::<i64>,
            )
        }
        // NonOverlappingConv1d: w [cout, cin, 1, k], the same at every position.
        Architecture::Cnn => {
            let n = y.size()[2] / k;
            Tensor::einsum(
                "bcjt,oct->boj",
                &[y.view([b, cin, n, k]), w.view([cout, cin, k])],
                None::<i64>,
            )
        }
        // Linear1d: w [cout·n_out, cin·n_in], a dense product on the flat vector.
        Architecture::Fcn => y.mm(&w.tr()),
    };
    // Eq. 9: divided by √(channels below), whatever the filter size or positions.
    (pre / (cin as f64).sqrt()).relu()
}

/// The authors' readout: mean over the positions left (LCN, CNN; one for d = k^L; FCN2
/// has none), times beta `[H, nc]`, divided by H (Eq. 10).
fn authors_readout(architecture: Architecture, y: &Tensor, beta: &Tensor) -> Tensor {
    let pooled = match architecture {
        Architecture::Fcn => y.shallow_clone(),
        _ => y.mean_dim([-1i64].as_slice(), false, Kind::Double),
    };
    pooled.mm(beta) / beta.size()[0] as f64
}

/// Random weights of unit scale (as N(0,1)): multiples of 1/8 in [−2, 2), from `rng`
/// rather than libtorch's global generator, which the other tests reseed concurrently,
/// so the test is deterministic. Being exact in f32, our network holds the very numbers
/// the f64 reference computes with, and on one-hot inputs the first layer's sums are
/// exact too: what is left of the gap is the rounding of the later layers' sums.
fn uniform(rng: &mut Xoshiro256PlusPlus, shape: &[i64]) -> Tensor {
    let n = shape.iter().product::<i64>() as usize;
    let values: Vec<f64> = (0..n)
        .map(|_| f64::from(rng.random_range(-16i32..16)) / 8.0)
        .collect();
    Tensor::from_slice(&values).view(shape)
}

/// The authors' hidden weight of `layer` (1-based), random in their shape, and the same
/// numbers in ours.
fn authors_weight(net: &NetConfig, layer: u32, rng: &mut Xoshiro256PlusPlus) -> (Tensor, Tensor) {
    let (k, h) = (net.filter(), net.width as i64);
    let cin = net.channels(layer - 1);
    let (n_in, n_out) = (net.positions(layer - 1), net.positions(layer));
    match net.architecture {
        Architecture::Lcn => {
            let w = uniform(rng, &[h, cin, n_out * k]);
            // Ours [n, k·C, H], row t·C + c of position j = w[o, c, j·k + t].
            let ours =
                w.view([h, cin, n_out, k])
                    .permute([2, 3, 1, 0])
                    .reshape([n_out, k * cin, h]);
            (w, ours)
        }
        Architecture::Cnn => {
            let w = uniform(rng, &[h, cin, 1, k]);
            let ours = w.view([h, cin, k]).permute([2, 1, 0]).reshape([k * cin, h]);
            (w, ours)
        }
        Architecture::Fcn => {
            let w = uniform(rng, &[h * n_out, cin * n_in]);
            // Ours [n_in·C, n_out·H], row p·C + c, column j·H + o = w[o·n_out + j, c·n_in + p].
            let ours = w
                .view([h, n_out, cin, n_in])
                .permute([3, 2, 1, 0])
                .reshape([n_in * cin, n_out * h]);
            (w, ours)
        }
    }
}

/// Asserts ‖ours − theirs‖ ≤ tolerance · ‖theirs‖ (Frobenius norms).
fn assert_gap(ours: &Tensor, theirs: &Tensor, tolerance: f64, what: &str) {
    let gap = (ours.to_kind(Kind::Double) - theirs)
        .norm()
        .double_value(&[]);
    let relative = gap / theirs.norm().double_value(&[]).max(1e-300);
    assert!(relative <= tolerance, "{what}: relative gap {relative:e}");
}

#[test]
fn the_forward_equals_the_authors_formulas_on_their_weight_layouts() {
    let (v, h, nc, b) = (3i64, 4i64, 3i64, 3i64);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let mut cases = 0;
    for architecture in [Architecture::Lcn, Architecture::Cnn, Architecture::Fcn] {
        for levels in 1..=3u32 {
            for patch in [2u32, 3] {
                for s0 in 0..=3u32 {
                    let net = NetConfig {
                        architecture,
                        levels,
                        patch,
                        s0,
                        vocab: v as u32,
                        classes: nc as u32,
                        width: h as u32,
                        parametrisation: Parametrisation::MeanField,
                    };
                    let d = net.input_len();
                    // Every case is fast: the largest, d = 12³ = 1728, has an FCN
                    // first layer of 5184 × 576 weights (the whole test: ~0.2 s).
                    assert!(d <= 1728);
                    let case = format!("{architecture:?} L={levels} s={patch} s0={s0}");
                    let ensemble = Ensemble::new(net, &[0], Device::Cpu).unwrap();
                    let (theirs, ours): (Vec<Tensor>, Vec<Tensor>) = (1..=levels)
                        .map(|l| authors_weight(&net, l, &mut rng))
                        .unzip();
                    let beta = uniform(&mut rng, &[h, nc]);
                    let mut ours = ours;
                    ours.push(beta.shallow_clone());
                    set_weights(&ensemble, &ours);
                    // Inputs as the data's: one-hot tokens, blanks (−1) as zero columns.
                    let tokens: Vec<i64> = (0..b * d).map(|_| rng.random_range(-1..v)).collect();
                    let x = (Tensor::from_slice(&tokens).view([b, d]) + 1)
                        .one_hot(v + 1)
                        .narrow(2, 1, v)
                        .to_kind(Kind::Float);
                    let (logits, hidden) = ensemble.forward_with_hidden(&x);
                    let (logits, hidden): (Tensor, Vec<Tensor>) =
                        (logits.get(0), hidden.iter().map(|f| f.get(0)).collect());
                    // Layer by layer: each of ours equals the authors' layer applied to
                    // our layer below, to 1e-6 (one layer's float32 rounding; measured
                    // ≤ 3.9e-7). End to end, the authors' whole network from the input:
                    // rounding compounds over the layers, so 1e-6 per layer (measured
                    // ≤ 6.7e-7 at the logits).
                    let end_tolerance = 1e-6 * (levels + 1) as f64;
                    let x = x.to_kind(Kind::Double);
                    let mut below = x.shallow_clone();
                    let mut end_to_end = to_authors(architecture, &x);
                    for (layer, w) in theirs.iter().enumerate() {
                        let cin = net.channels(layer as u32);
                        let ours = &hidden[layer];
                        let what = format!("{case}: f{}", layer + 1);
                        let local = authors_layer(
                            architecture,
                            &to_authors(architecture, &below),
                            w,
                            cin,
                            net.filter(),
                        );
                        let local = from_authors(architecture, &local, h);
                        assert_eq!(ours.size(), local.size(), "{what}");
                        assert_gap(ours, &local, 1e-6, &what);
                        end_to_end = authors_layer(architecture, &end_to_end, w, cin, net.filter());
                        let whole = from_authors(architecture, &end_to_end, h);
                        assert_gap(ours, &whole, end_tolerance, &format!("{what} end to end"));
                        below = ours.to_kind(Kind::Double);
                    }
                    let local =
                        authors_readout(architecture, &to_authors(architecture, &below), &beta);
                    assert_gap(&logits, &local, 1e-6, &format!("{case}: logits"));
                    let whole = authors_readout(architecture, &end_to_end, &beta);
                    assert_gap(
                        &logits,
                        &whole,
                        end_tolerance,
                        &format!("{case}: logits end to end"),
                    );
                    cases += 1;
                }
            }
        }
    }
    // 3 architectures × L 1..3 × s 2, 3 × s0 0..3.
    assert_eq!(cases, 72);
}
