//! Models and trainer on the CPU, at small sizes.

use srhm_grammar::{Params, Rules, Sampler, SamplingMode, Sparsity};
use srhm_models::tch::{Device, Kind, Tensor};
use srhm_models::{
    Architecture, Ensemble, LabelledSet, MemberResult, MemberSpec, NetConfig, Parametrisation, Sgd,
    TrainConfig, train_ensemble,
};

const ARCHITECTURES: [Architecture; 3] = [Architecture::Lcn, Architecture::Cnn, Architecture::Fcn];

fn config(architecture: Architecture, levels: u32, width: u32) -> NetConfig {
    NetConfig {
        architecture,
        levels,
        patch: 2,
        s0: 1,
        vocab: 3,
        classes: 2,
        width,
        parametrisation: Parametrisation::MeanField,
    }
}

fn numel(t: &Tensor) -> i64 {
    t.size().iter().product()
}

#[test]
fn output_and_hidden_shapes_for_every_model_and_level_count() {
    for architecture in ARCHITECTURES {
        for levels in 1..=3 {
            let net = config(architecture, levels, 5);
            let d = net.input_len();
            let ensemble = Ensemble::new(net, &[1, 2], Device::Cpu).unwrap();
            let x = Tensor::rand([2, 3, d, 3], (Kind::Float, Device::Cpu));
            let (logits, hidden) = ensemble.forward_with_hidden(&x);
            assert_eq!(logits.size(), [2, 3, 2], "{architecture:?} L={levels}");
            assert_eq!(hidden.len(), levels as usize);
            for (k, f) in hidden.iter().enumerate() {
                assert_eq!(
                    f.size(),
                    [2, 3, net.positions(k as u32 + 1), 5],
                    "{architecture:?} L={levels} k={k}"
                );
            }
            // A shared batch [B, d, v] is broadcast to every member.
            assert_eq!(ensemble.forward(&x.get(0)).size(), [2, 3, 2]);
        }
    }
}

#[test]
fn parameter_counts_equal_their_closed_forms() {
    for levels in 1..=3u32 {
        for width in [1u32, 7, 64] {
            let (v, nc, k, h) = (3i64, 2i64, 4i64, width as i64);
            // LCN: layer l has k^(L−l) positions, each a (k·C_in) × H matrix.
            let lcn: i64 = (1..=levels as i64)
                .map(|l| k.pow(levels - l as u32) * k * if l == 1 { v } else { h } * h)
                .sum::<i64>()
                + h * nc;
            // CNN: one (k·C_in) × H filter bank per layer.
            let cnn: i64 = k * v * h + (levels as i64 - 1) * k * h * h + h * nc;
            // FCN (FCN2): layer l maps all k^(L−l+1)·C_in units below to k^(L−l)·H units.
            let fcn: i64 = (1..=levels)
                .map(|l| k.pow(levels - l + 1) * if l == 1 { v } else { h } * k.pow(levels - l) * h)
                .sum::<i64>()
                + h * nc;
            for (architecture, expected) in [
                (Architecture::Lcn, lcn),
                (Architecture::Cnn, cnn),
                (Architecture::Fcn, fcn),
            ] {
                let net = config(architecture, levels, width);
                assert_eq!(
                    net.parameter_count() as i64,
                    expected,
                    "{architecture:?} L={levels} H={width}"
                );
                let ensemble = Ensemble::new(net, &[0, 1, 2], Device::Cpu).unwrap();
                let total: i64 = ensemble.weights().iter().map(numel).sum();
                assert_eq!(total, 3 * expected);
            }
        }
    }
}

#[test]
fn cnn_filters_are_shared_and_their_gradient_gathers_every_patch() {
    // A CNN equals the LCN whose per-position filters are copies of the CNN's filter,
    // and the CNN filter's gradient is the sum of those copies' gradients.
    let cnn = Ensemble::new(config(Architecture::Cnn, 2, 6), &[3], Device::Cpu).unwrap();
    let lcn = Ensemble::new(config(Architecture::Lcn, 2, 6), &[4], Device::Cpu).unwrap();
    srhm_models::tch::no_grad(|| {
        for (c, l) in cnn.weights().iter().zip(lcn.weights()) {
            let mut l = l.shallow_clone();
            let source = if l.dim() == 4 {
                c.unsqueeze(1).expand_as(&l)
            } else {
                c.shallow_clone()
            };
            l.copy_(&source);
        }
    });
    let x = Tensor::rand([1, 5, 16, 3], (Kind::Float, Device::Cpu));
    let (out_c, out_l) = (cnn.forward(&x), lcn.forward(&x));
    assert!(out_c.allclose(&out_l, 1e-5, 1e-6, false));
    out_c.sum(Kind::Float).backward();
    out_l.sum(Kind::Float).backward();
    for (c, l) in cnn.weights().iter().zip(lcn.weights()) {
        let gathered = if l.dim() == 4 {
            l.grad()
                .sum_dim_intlist([1i64].as_slice(), false, Kind::Float)
        } else {
            l.grad()
        };
        assert!(
            c.grad().allclose(&gathered, 1e-4, 1e-6, false),
            "layer of shape {:?}",
            c.size()
        );
        assert!(c.grad().abs().sum(Kind::Float).double_value(&[]) > 0.0);
    }
}

/// The same update by autograd and PyTorch's momentum rule (buf = m·buf + g,
/// w −= lr·buf), member by member, with member 1 frozen from the start.
fn reference_steps(net: NetConfig, seeds: &[u64], batches: &[(Tensor, Tensor)]) -> Vec<Tensor> {
    let (lr, momentum) = (0.3, 0.9);
    let ensemble = Ensemble::new(net, seeds, Device::Cpu).unwrap();
    let mut buffers: Vec<Tensor> = ensemble.weights().iter().map(Tensor::zeros_like).collect();
    for (x, y) in batches {
        let logits = ensemble.forward(x);
        let nc = logits.size()[2];
        let mut total = Tensor::zeros([], (Kind::Float, Device::Cpu));
        for e in 0..seeds.len() as i64 {
            if e != 1 {
                total += logits
                    .get(e)
                    .view([-1, nc])
                    .cross_entropy_for_logits(&y.get(e));
            }
        }
        total.backward();
        srhm_models::tch::no_grad(|| {
            for (w, buffer) in ensemble.weights().iter().zip(&mut buffers) {
                *buffer = &*buffer * momentum + w.grad();
                let _ = w.shallow_clone().g_sub_(&(&*buffer * lr));
                let _ = w.grad().zero_();
            }
        });
    }
    ensemble
        .weights()
        .iter()
        .map(|w| w.detach().copy())
        .collect()
}

#[test]
fn the_hand_written_step_equals_autograd_with_pytorch_momentum() {
    for architecture in ARCHITECTURES {
        for levels in 1..=3 {
            for parametrisation in [Parametrisation::MeanField, Parametrisation::Standard] {
                let net = NetConfig {
                    parametrisation,
                    ..config(architecture, levels, 5)
                };
                let seeds = [7, 8, 9];
                let batches: Vec<(Tensor, Tensor)> = (0..4)
                    .map(|_| {
                        (
                            Tensor::rand([3, 4, net.input_len(), 3], (Kind::Float, Device::Cpu)),
                            Tensor::randint(2, [3, 4], (Kind::Int64, Device::Cpu)),
                        )
                    })
                    .collect();
                let expected = reference_steps(net, &seeds, &batches);
                let ensemble = Ensemble::new(net, &seeds, Device::Cpu).unwrap();
                let initial: Vec<Tensor> = ensemble
                    .weights()
                    .iter()
                    .map(|w| w.detach().copy())
                    .collect();
                let mut sgd = Sgd::new(&ensemble, 0.3, 0.9).unwrap();
                sgd.freeze(1);
                for (x, y) in &batches {
                    let losses = sgd.step(&ensemble, x, y);
                    assert_eq!(losses.size(), [3]);
                }
                let case = format!("{architecture:?} L={levels} {parametrisation:?}");
                for ((w, want), before) in ensemble.weights().iter().zip(&expected).zip(&initial) {
                    assert!(
                        w.allclose(want, 1e-4, 1e-5, false),
                        "{case}: weights of shape {:?}",
                        w.size()
                    );
                    assert!(
                        w.get(1).equal(&before.get(1)),
                        "{case}: the frozen member moved"
                    );
                    assert!(
                        !w.get(0).equal(&before.get(0)),
                        "{case}: member 0 did not move"
                    );
                }
            }
        }
    }
}

#[test]
fn on_images_the_cnn_is_a_2d_convolution_with_stride_equal_to_the_filter() {
    // 2 levels of 3×3 patches (s = 1·… as a 9-slot patch): side 9, v = 3 channels.
    let net = NetConfig {
        patch: 1,
        s0: 8,
        ..config(Architecture::Cnn, 2, 4)
    };
    let (r, v, h) = (3i64, 3i64, 4i64);
    let ensemble = Ensemble::new(net, &[5], Device::Cpu).unwrap();
    let images = Tensor::rand([6, v, 9, 9], (Kind::Float, Device::Cpu));
    let ours = ensemble.forward(&srhm_models::image_to_sequence(&images, 3, 2).unwrap());
    // The same network with conv2d: a filter weight for block position i·r + j and input
    // channel c sits at row (i·r + j)·C + c of our [k·C, H] matrix.
    let mut a = images.shallow_clone();
    let weights = ensemble.weights();
    for (layer, w) in weights[..2].iter().enumerate() {
        let c = if layer == 0 { v } else { h };
        let filter = w
            .get(0)
            .view([r, r, c, h])
            .permute([3, 2, 0, 1])
            .contiguous();
        let scale = ensemble.scales()[layer];
        a = (a.conv2d(&filter, None::<Tensor>, [r, r], [0, 0], [1, 1], 1) * scale).relu();
    }
    let pooled = a.mean_dim([2i64, 3].as_slice(), false, Kind::Float);
    let theirs = pooled.mm(&weights[2].get(0)) * ensemble.scales()[2];
    assert!(ours.get(0).allclose(&theirs, 1e-5, 1e-6, false));
    assert!(srhm_models::image_to_sequence(&images, 2, 2).is_err());
}

#[test]
fn block_order_visits_every_pixel_once_with_each_patch_contiguous() {
    let order = srhm_models::block_order(2, 3).unwrap();
    let mut seen = order.clone();
    seen.sort();
    assert_eq!(seen, (0..64).collect::<Vec<i64>>());
    // The first 4 positions are the top-left 2×2 pixels in raster order; the first 16
    // the top-left 4×4 block.
    assert_eq!(&order[..4], &[0, 1, 8, 9]);
    let mut block: Vec<i64> = order[..16].to_vec();
    block.sort();
    let expected: Vec<i64> = (0..4)
        .flat_map(|row| (0..4).map(move |col| row * 8 + col))
        .collect();
    assert_eq!(block, expected);
    assert_eq!(
        srhm_models::block_order(0, 2).unwrap_err().param(),
        Some("patch_side")
    );
}

/// Data of the learning test's model (L=2, s=2, s0=1, v=m=nc=4).
fn learning_data(train: usize, test: usize) -> (Params, LabelledSet, LabelledSet) {
    let params = Params {
        levels: 2,
        patch: 2,
        vocab: 4,
        synonyms: 4,
        classes: 4,
        sparsity: Sparsity::A { s0: 1 },
    };
    let rules = Rules::sample(&params, 0).unwrap();
    let data = Sampler::new(&rules, 0, SamplingMode::Auto)
        .unwrap()
        .sample(train, test)
        .unwrap();
    let set = |s: &srhm_grammar::Split| {
        LabelledSet::from_tokens(s.tokens.view(), &s.labels, 4, Device::Cpu).unwrap()
    };
    (params, set(&data.train), set(&data.test))
}

/// Trains `members` with at most `slots` of them at once (None: all at once).
fn train_in_slots(
    net: NetConfig,
    config: &TrainConfig,
    members: &[MemberSpec],
    sets: &[LabelledSet],
    test: &LabelledSet,
    slots: Option<u64>,
) -> (Ensemble, Vec<MemberResult>) {
    // The trainer counts weights + momentum in f32 per member.
    let per_member = 8 * net.parameter_count();
    let config = TrainConfig {
        group_bytes: slots.map(|s| s * per_member),
        ..*config
    };
    train_ensemble(
        net,
        &config,
        members,
        sets,
        Some(test),
        Device::Cpu,
        &mut |_| {},
    )
    .unwrap()
}

#[test]
fn an_ensemble_trains_exactly_like_separate_runs() {
    let (params, train, test) = learning_data(300, 200);
    let config = TrainConfig {
        lr: 0.05,
        loss_threshold: 0.05,
        max_steps: 3_000,
        ..TrainConfig::default()
    };
    let sizes = [300, 120, 40, 200, 80];
    let members: Vec<MemberSpec> = sizes
        .iter()
        .enumerate()
        .map(|(i, &train_size)| MemberSpec {
            seed: i as u64 + 1,
            set: 0,
            train_size,
        })
        .collect();
    let sets = [train];
    for architecture in [Architecture::Lcn, Architecture::Cnn] {
        let net = NetConfig::for_data(architecture, &params, 16);
        let (together, results) = train_in_slots(net, &config, &members, &sets, &test, None);
        // Each member alone; then one, two and three slots fed by the queue (members
        // move between slots and the stopped ones are dropped): bit for bit the same.
        let mut alone_weights: Vec<Vec<Tensor>> = Vec::new();
        let mut alone_results = Vec::new();
        for member in &members {
            let (ensemble, result) = train_in_slots(net, &config, &[*member], &sets, &test, None);
            alone_weights.push(ensemble.weights().iter().map(|w| w.get(0)).collect());
            alone_results.push(result[0].clone());
        }
        let same = |a: &MemberResult, b: &MemberResult| {
            (
                a.steps,
                a.epochs,
                a.hit_step_cap,
                a.train_loss.to_bits(),
                a.test_error,
            ) == (
                b.steps,
                b.epochs,
                b.hit_step_cap,
                b.train_loss.to_bits(),
                b.test_error,
            )
        };
        for (i, (r, a)) in results.iter().zip(&alone_results).enumerate() {
            assert!(
                same(r, a),
                "{architecture:?} member {i}: {r:?} vs alone {a:?}"
            );
            for (w, v) in together.weights().iter().zip(&alone_weights[i]) {
                assert!(
                    w.get(i as i64).equal(v),
                    "{architecture:?} member {i} weights"
                );
            }
        }
        for slots in [1, 2, 3] {
            let (ensemble, slotted) =
                train_in_slots(net, &config, &members, &sets, &test, Some(slots));
            for (i, (r, a)) in results.iter().zip(&slotted).enumerate() {
                assert!(same(r, a), "{slots} slots, member {i}: {r:?} vs {a:?}");
            }
            for (w, v) in together.weights().iter().zip(ensemble.weights()) {
                assert!(
                    w.equal(v),
                    "{architecture:?}, {slots} slots: weights differ"
                );
            }
        }
        // Members stopped on their own: different step counts.
        assert!(results[0].steps != results[2].steps);
    }
}

#[test]
fn lcn_learns_with_enough_data_and_not_with_too_little() {
    let (params, train, test) = learning_data(2000, 2000);
    let net = NetConfig::for_data(Architecture::Lcn, &params, 64);
    let config = TrainConfig {
        lr: 0.01,
        max_steps: 40_000,
        ..TrainConfig::default()
    };
    let members = [
        MemberSpec {
            seed: 0,
            set: 0,
            train_size: 2000,
        },
        MemberSpec {
            seed: 0,
            set: 0,
            train_size: 100,
        },
    ];
    let (_, results) = train_ensemble(
        net,
        &config,
        &members,
        &[train],
        Some(&test),
        Device::Cpu,
        &mut |_| {},
    )
    .unwrap();
    let (large, small) = (&results[0], &results[1]);
    assert!(!large.hit_step_cap && !small.hit_step_cap, "{results:?}");
    assert!(large.test_error.unwrap() < 0.10, "P=2000: {large:?}");
    assert!(small.test_error.unwrap() > 0.30, "P=100: {small:?}");
}

#[test]
fn bad_configurations_are_refused_by_name() {
    let zero_width = config(Architecture::Lcn, 2, 0);
    assert_eq!(
        Ensemble::new(zero_width, &[0], Device::Cpu)
            .unwrap_err()
            .param(),
        Some("width")
    );
    assert_eq!(
        Ensemble::new(config(Architecture::Cnn, 2, 4), &[], Device::Cpu)
            .unwrap_err()
            .param(),
        Some("ensemble")
    );
    let (params, train, _) = learning_data(20, 0);
    let net = NetConfig::for_data(Architecture::Cnn, &params, 4);
    let sets = [train];
    let run = |config: TrainConfig, member: MemberSpec| {
        train_ensemble(
            net,
            &config,
            &[member],
            &sets,
            None,
            Device::Cpu,
            &mut |_| {},
        )
        .unwrap_err()
        .param()
    };
    let ok = MemberSpec {
        seed: 0,
        set: 0,
        train_size: 20,
    };
    assert_eq!(
        run(
            TrainConfig {
                batch: 0,
                ..TrainConfig::default()
            },
            ok
        ),
        Some("batch")
    );
    assert_eq!(
        run(
            TrainConfig {
                lr: -1.0,
                ..TrainConfig::default()
            },
            ok
        ),
        Some("lr")
    );
    assert_eq!(
        run(
            TrainConfig::default(),
            MemberSpec {
                train_size: 21,
                ..ok
            }
        ),
        Some("train_size")
    );
    assert_eq!(
        run(TrainConfig::default(), MemberSpec { set: 1, ..ok }),
        Some("set")
    );
}
