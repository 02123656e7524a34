//! Sensitivities of trained networks, end to end on the CPU.

use srhm_grammar::{Params, Rules, Sampler, SamplingMode, Sparsity};
use srhm_models::tch::Device;
use srhm_models::{Architecture, MemberSpec, NetConfig, TrainConfig, train_ensemble};
use srhm_runner::{InputFormat, Representation, SensitivityConfig, sensitivities};

fn params(synonyms: u32) -> Params {
    Params {
        levels: 2,
        patch: 2,
        vocab: 4,
        synonyms,
        classes: 4,
        sparsity: Sparsity::A { s0: 1 },
    }
}

#[test]
fn a_trained_lcn_has_sensitivities_between_zero_and_about_two() {
    let params = params(4);
    let rules = Rules::sample(&params, 0).unwrap();
    let data = Sampler::new(&rules, 0, SamplingMode::Auto)
        .unwrap()
        .sample(1500, 600)
        .unwrap();
    let format = InputFormat::default();
    let train = format
        .labelled(
            data.train.tokens.view(),
            &data.train.labels,
            &params,
            Device::Cpu,
        )
        .unwrap();
    let config = TrainConfig {
        lr: 0.01,
        max_steps: 20_000,
        ..TrainConfig::default()
    };
    let members = [
        MemberSpec {
            seed: 0,
            set: 0,
            train_size: 1500,
        },
        MemberSpec {
            seed: 1,
            set: 0,
            train_size: 40,
        },
    ];
    let net = NetConfig::for_data(Architecture::Lcn, &params, 32);
    let (ensemble, _) = train_ensemble(
        net,
        &config,
        &members,
        &[train],
        None,
        Device::Cpu,
        &mut |_| {},
    )
    .unwrap();
    let measured = sensitivities(
        &ensemble,
        &rules,
        &data.test,
        format,
        &SensitivityConfig::default(),
    )
    .unwrap();
    assert_eq!(measured.len(), 2);
    for m in &measured {
        for e in m {
            eprintln!(
                "{:?} l={} S={:?} D={:?}",
                e.representation,
                e.level,
                e.s.map(|x| x.value),
                e.d.map(|x| x.value)
            );
        }
    }
    for member in &measured {
        // (L hidden layers + output) × L levels, hidden layers first.
        assert_eq!(member.len(), 3 * 2);
        assert_eq!(member[0].representation, Representation::Hidden(1));
        assert_eq!(member[5].representation, Representation::Output);
        for entry in member {
            for estimate in [entry.s, entry.d, entry.dg] {
                let e = estimate.unwrap_or_else(|| panic!("missing: {entry:?}"));
                assert!((0.0..=2.5).contains(&e.value), "{entry:?}");
                assert!(e.stderr >= 0.0 && e.stderr < 0.5, "{entry:?}");
                assert_eq!(e.n, 600);
            }
        }
    }
    // The network that learnt the task is far less sensitive to synonyms at its
    // output than the one that saw 40 examples.
    assert_eq!(
        (measured[0][4].representation, measured[0][4].level),
        (Representation::Output, 1)
    );
    let s_out = |m: usize| measured[m][4].s.unwrap().value;
    assert!(s_out(0) < 0.5 * s_out(1), "{} vs {}", s_out(0), s_out(1));
}

#[test]
fn operators_that_change_nothing_are_reported_not_measured() {
    // m = 1: no synonym can be exchanged, so S is absent with a reason; D is measured.
    let params = params(1);
    let rules = Rules::sample(&params, 3).unwrap();
    let data = Sampler::new(&rules, 3, SamplingMode::Auto)
        .unwrap()
        .sample(10, 20)
        .unwrap();
    let net = NetConfig::for_data(Architecture::Cnn, &params, 8);
    let ensemble = srhm_models::Ensemble::new(net, &[0], Device::Cpu).unwrap();
    let measured = sensitivities(
        &ensemble,
        &rules,
        &data.test,
        InputFormat::default(),
        &SensitivityConfig::default(),
    )
    .unwrap();
    for entry in &measured[0] {
        assert!(entry.s.is_none());
        assert!(entry.d.is_some());
        assert!(
            entry.notes.iter().any(|n| n.contains("synonym")),
            "{entry:?}"
        );
    }
}
