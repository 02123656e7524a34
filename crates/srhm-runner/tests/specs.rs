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

#[test]
fn figure_names_from_a_spec_cannot_reach_outside_the_store() {
    for bad in [
        "../../escaped",
        "/tmp/abs",
        "fig/04",
        ".hidden",
        "",
        "-flag",
        "fig 04",
    ] {
        let spec = BIG.replace("figure = \"big\"", &format!("figure = {bad:?}"));
        let error = load_spec(&spec).unwrap_err();
        assert_eq!(error.param(), Some("figure"), "{bad:?}: {error}");
        assert!(error.to_string().contains("plain name"), "{error}");
    }
    let from = |source: &str| {
        format!(
            "figure = \"fig06\"\ntitle = \"t\"\nclaim = \"c\"\ndata_from = [\"fig04\", {source:?}]\n"
        )
    };
    let error = load_spec(&from("../fig04")).unwrap_err();
    assert_eq!(error.param(), Some("data_from"), "{error}");
    assert!(error.to_string().contains("`../fig04`"), "{error}");
    // The repository's names pass, upper case included (figC).
    load_spec(&from("figC")).unwrap();
    load_spec(&BIG.replace("figure = \"big\"", "figure = \"fig_04-b\"")).unwrap();
}

/// Every spec and preset in the repository expands into its runs: no P beyond the data
/// space (the check refuses it), nothing to clamp, every name unique.
#[test]
fn every_repository_preset_expands_into_runs_that_fit_their_data() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../paper-figures/specs");
    let (mut checked, mut with_presets) = (0, 0);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let spec = srhm_runner::Spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
        if !spec.presets.is_empty() {
            with_presets += 1;
            for name in ["smoke", "quick", "paper"] {
                assert!(
                    spec.presets.contains_key(name),
                    "{} has no {name}",
                    spec.figure
                );
            }
        }
        for preset in spec.presets.keys() {
            let runs = spec.runs(preset).unwrap_or_else(|e| panic!("{e}"));
            assert!(!runs.is_empty(), "{} {preset}", spec.figure);
            let mut names: Vec<String> = runs.iter().map(|r| r.hash()).collect();
            names.sort();
            names.dedup();
            assert_eq!(
                names.len(),
                runs.len(),
                "{} {preset}: repeated runs",
                spec.figure
            );
            for run in &runs {
                if run.experiment.is_training() {
                    let distinct = run.params.count_total_u128().unwrap_or(u128::MAX);
                    assert!(u128::from(run.p) + run.test as u128 <= distinct);
                }
            }
            checked += 1;
        }
    }
    assert!(with_presets >= 7, "only {with_presets} specs with presets");
    assert!(checked >= 3 * with_presets, "{checked} presets");
}

const SMALL: &str = r#"
figure = "small"
title = "small"
claim = "none"

[presets.quick]
models = ["lcn", "cnn"]
width = 8
seeds = 2
test = 100
max_steps = 100
p = { bracket = { below = 8.0, above = 8.0, points = 7 } }
configs = [{ levels = 3, patch = 2, s0 = 2, vocab = 3 }]
"#;

#[test]
fn a_bracket_spans_both_laws_and_both_models_share_it() {
    let runs = load_spec(SMALL).unwrap().runs("quick").unwrap();
    let ps = |model: Architecture| -> Vec<u64> {
        let mut ps: Vec<u64> = runs
            .iter()
            .filter(|r| r.model == ModelKind::Small(model))
            .map(|r| r.p)
            .collect();
        ps.dedup();
        ps
    };
    let (lcn, cnn) = (ps(Architecture::Lcn), ps(Architecture::Cnn));
    assert_eq!(lcn, cnn);
    assert_eq!(lcn.len(), 7);
    // L = 3, s0 = 2, v = m = nc = 3: Eq. 4 = 9·3·27 = 729, Eq. 3 = 2^1.5·27·3·27 ≈ 6185.
    assert_eq!(lcn[0], (729.0f64 / 8.0).round() as u64);
    let top = 2f64.powf(1.5) * 27.0 * 81.0 * 8.0;
    assert!((lcn[6] as f64 - top).abs() <= 1.0, "{} vs {top}", lcn[6]);
    let ratios: Vec<f64> = lcn.windows(2).map(|w| w[1] as f64 / w[0] as f64).collect();
    assert!(
        ratios.iter().all(|r| (r - ratios[0]).abs() < 0.02),
        "{ratios:?}"
    );
}

#[test]
fn a_grid_beyond_the_data_space_is_refused_with_both_counts() {
    // L = 2, s0 = 0, v = 4: 4^4 = 256 distinct data, but the top of the grid alone is 1024.
    let small = SMALL.replace(
        "levels = 3, patch = 2, s0 = 2, vocab = 3",
        "levels = 2, patch = 2, s0 = 0, vocab = 4",
    );
    let error = load_spec(&small).unwrap_err();
    let text = error.to_string();
    assert_eq!(error.param(), Some("preset"), "{text}");
    for part in ["small", "quick", "s0=0 v=4", "256", "1124"] {
        assert!(text.contains(part), "`{part}` missing from: {text}");
    }
    // An explicit cap (and a smaller test set) makes it fit; the cap is the largest P.
    let capped = small.replace("vocab = 4 }", "vocab = 4, p_max = 200, test = 50 }");
    let runs = load_spec(&capped).unwrap().runs("quick").unwrap();
    assert_eq!(runs.iter().map(|r| r.p).max(), Some(200));
    assert!(runs.iter().all(|r| r.test == 50));
}

#[test]
fn the_code_version_names_the_networks_revision() {
    assert!(
        srhm_runner::CODE_VERSION.ends_with(&format!("+nets{}", srhm_models::NETWORKS_REVISION)),
        "{}",
        srhm_runner::CODE_VERSION
    );
}

#[test]
fn a_configuration_s_own_settings_are_validated_by_name() {
    for (own, named) in [
        ("test = 0", "`test`"),
        ("p_max = 0", "`p_max`"),
        ("width = 0", "`width`"),
        ("models = []", "`models`"),
        ("models = [\"fcn\"]", "fcn"),
    ] {
        let text = SMALL.replace("vocab = 3 }", &format!("vocab = 3, {own} }}"));
        let error = load_spec(&text).unwrap_err();
        assert_eq!(error.param(), Some("preset"), "{error}");
        assert!(error.to_string().contains(named), "{own}: {error}");
    }
    // Only the CNN runs a configuration that names it alone.
    let cnn_only = SMALL.replace("vocab = 3 }", "vocab = 3, models = [\"cnn\"] }");
    let runs = load_spec(&cnn_only).unwrap().runs("quick").unwrap();
    assert!(
        runs.iter()
            .all(|r| r.model == ModelKind::Small(Architecture::Cnn))
    );
    assert_eq!(runs.len(), 7 * 2);
    // A configuration's own width replaces the preset's list.
    let widths = SMALL
        .replace("width = 8", "width = [8, 16]")
        .replace("vocab = 3 }", "vocab = 3, width = 32 }");
    let runs = load_spec(&widths).unwrap().runs("quick").unwrap();
    assert!(runs.iter().all(|r| r.width == 32));
    assert_eq!(runs.len(), 2 * 7 * 2);
}
