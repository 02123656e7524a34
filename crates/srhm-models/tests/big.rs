//! The big nets on the CPU at tiny widths: a training step lowers the loss on a fixed
//! batch, training reaches the threshold on a learnable set, refusals name the parameter.

use srhm_models::tch::nn::{self, OptimizerConfig};
use srhm_models::tch::{Device, Kind, Tensor};
use srhm_models::{
    BigArchitecture, BigConfig, BigNet, BigTrainConfig, LabelledSet, Precision, big_test_error,
    train_big,
};

fn batch() -> LabelledSet {
    srhm_models::tch::manual_seed(3);
    // 8 one-hot inputs of length 16 over 3 tokens, 4 classes.
    let tokens = Tensor::randint(3, [8, 16], (Kind::Int64, Device::Cpu));
    LabelledSet {
        x: tokens.one_hot(3).to_kind(Kind::Float),
        y: Tensor::from_slice(&[0i64, 1, 2, 3, 0, 1, 2, 3]),
    }
}

fn config(architecture: BigArchitecture, width: u32) -> BigConfig {
    BigConfig {
        architecture,
        vocab: 3,
        classes: 4,
        width,
    }
}

fn loss(net: &BigNet, set: &LabelledSet) -> f64 {
    // The same dropout and drop-connect masks for the loss before and after the step.
    srhm_models::tch::manual_seed(11);
    net.forward_t(&set.x, true)
        .cross_entropy_for_logits(&set.y)
        .double_value(&[])
}

#[test]
fn one_step_lowers_the_loss_on_a_fixed_batch() {
    let set = batch();
    for architecture in BigArchitecture::ALL {
        let config = config(architecture, 8);
        let net = BigNet::new(config, 0, Device::Cpu).unwrap();
        let mut sgd = nn::Sgd::default().build(net.var_store(), 1e-4).unwrap(); // SPEC §4's lr
        // The step and both measurements see the same dropout and drop-connect masks.
        let before = loss(&net, &set);
        sgd.zero_grad();
        srhm_models::tch::manual_seed(11);
        net.forward_t(&set.x, true)
            .cross_entropy_for_logits(&set.y)
            .backward();
        sgd.step();
        let after = loss(&net, &set);
        assert!(after < before, "{architecture:?}: {before} → {after}");
    }
}

#[test]
fn train_big_takes_steps_of_the_batch_asked_for() {
    let set = batch();
    let config = config(BigArchitecture::Vgg11, 4);
    let mut net = BigNet::new(config, 0, Device::Cpu).unwrap();
    let train = BigTrainConfig {
        batch: 3,
        max_steps: 5,
        ..BigTrainConfig::default()
    };
    let result = train_big(&mut net, &train, &set, 8, 0, &mut |_, _| {}).unwrap();
    // 8 points in batches of 3: 3 steps per epoch; the cap stops it in the second.
    assert_eq!(
        (result.steps, result.epochs, result.hit_step_cap),
        (5, 1, true)
    );
}

#[test]
fn training_memorises_a_small_set_and_stops_at_the_threshold() {
    let set = batch();
    let config = config(BigArchitecture::Resnet18, 8);
    let mut net = BigNet::new(config, 0, Device::Cpu).unwrap();
    let train = BigTrainConfig {
        lr: 0.01,
        max_steps: 3000,
        ..BigTrainConfig::default()
    };
    let result = train_big(&mut net, &train, &set, 8, 0, &mut |_, _| {}).unwrap();
    assert!(!result.hit_step_cap, "{result:?}");
    assert!(result.train_loss <= 1e-2);
    // Memorised: no mistake on its own training set in eval mode.
    assert_eq!(big_test_error(&net, &set).unwrap(), 0.0);
}

#[test]
fn bad_settings_are_refused_by_name() {
    let set = batch();
    let config = config(BigArchitecture::Vgg11, 4);
    let bad = BigConfig { width: 0, ..config };
    assert_eq!(
        BigNet::new(bad, 0, Device::Cpu).unwrap_err().param(),
        Some("width")
    );
    let mut net = BigNet::new(config, 0, Device::Cpu).unwrap();
    let cases = [
        (
            BigTrainConfig {
                lr: 0.0,
                ..Default::default()
            },
            8,
            "lr",
        ),
        (
            BigTrainConfig {
                batch: 0,
                ..Default::default()
            },
            8,
            "batch",
        ),
        (
            BigTrainConfig {
                precision: Precision::Mixed,
                ..Default::default()
            },
            8,
            "precision",
        ),
        (BigTrainConfig::default(), 9, "train_size"),
    ];
    for (train, size, param) in cases {
        let error = train_big(&mut net, &train, &set, size, 0, &mut |_, _| {}).unwrap_err();
        assert_eq!(error.param(), Some(param));
    }
    assert_eq!(
        "vgg19".parse::<BigArchitecture>().unwrap_err().param(),
        Some("model")
    );
}
