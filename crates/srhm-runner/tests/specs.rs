//! Specs with big nets: defaults, refusals, and run names that do not move.

mod common;

use common::load_spec;
use srhm_models::{Architecture, BigArchitecture, ModelKind, Precision};

const BIG: &str = r#"
figure = "big"
title = "big"
claim = "none"

[presets.smoke]
models = ["vgg11", "lcn"]
width = 8
seeds = 1
test = 50
max_steps = 100
p = { values = [20, 40] }
configs = [{ levels = 2, patch = 2, s0 = 1, vocab = 3 }]
"#;

#[test]
fn big_nets_and_small_ones_share_a_preset_each_with_its_default_learning_rate() {
    let runs = load_spec(BIG).unwrap().runs("smoke").unwrap();
    assert_eq!(runs.len(), 4);
    let big: Vec<_> = runs
        .iter()
        .filter(|r| r.model == ModelKind::Big(BigArchitecture::Vgg11))
        .collect();
    assert_eq!(big.len(), 2);
    assert!(
        big.iter().all(|r| r.train.lr == 1e-4),
        "SPEC §4: big nets at lr 1e-4"
    );
    let lcn = runs
        .iter()
        .find(|r| r.model == ModelKind::Small(Architecture::Lcn))
        .unwrap();
    assert_eq!(lcn.train.lr, 0.01);
    assert_eq!(big[0].model_name(), "vgg11");
    // The model serialises as its bare name and f32 precision is left out, so the names
    // (hashes) of runs stored before big nets existed are unchanged.
    let json = serde_json::to_string(lcn).unwrap();
    assert!(json.contains("\"model\":\"lcn\"") && !json.contains("precision"));
    let mut mixed = lcn.clone();
    mixed.precision = Precision::Mixed;
    assert_ne!(mixed.hash(), lcn.hash());
}

#[test]
fn big_nets_have_no_predicted_p_star_to_scale_a_grid_by() {
    let factors = BIG.replace("p = { values = [20, 40] }", "p = { factors = [0.5, 2.0] }");
    let error = load_spec(&factors).unwrap_err();
    assert_eq!(error.param(), Some("preset"), "{error}");
    assert!(error.to_string().contains("vgg11"), "{error}");
    let unknown = BIG.replace("\"vgg11\"", "\"vgg19\"");
    assert_eq!(load_spec(&unknown).unwrap_err().param(), Some("spec"));
}
