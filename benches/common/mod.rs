//! What the benches share: the two configurations of the generator bench, and the
//! side-by-side timing of the authors' reference generator (never vendored: its
//! checkout is given by `SRHM_REFERENCE_REPO`, its Python by `SRHM_REFERENCE_PYTHON`).
//!
//! Each bench uses a part of this module.
#![allow(dead_code)]

use std::process::Command;

use std::path::Path;

use srhm_grammar::{Params, Rules, Sampler, SamplingMode, Sparsity};
use srhm_models::LabelledSet;
use srhm_models::tch::Device;

/// Data per measured call.
pub const P: usize = 10_000;

/// The model of the training and sensitivity benches (SPEC §4's bench size), and the
/// first configuration of the generator bench: L=2, s=2, s0=2, v=m=nc=10.
pub fn l2_s0_2_v10() -> Params {
    Params {
        levels: 2,
        patch: 2,
        vocab: 10,
        synonyms: 10,
        classes: 10,
        sparsity: Sparsity::A { s0: 2 },
    }
}

/// (name, parameters) of the two configurations of the generator bench.
pub fn configs() -> [(&'static str, Params); 2] {
    [
        ("L2_s2_s0-2_v10", l2_s0_2_v10()),
        (
            "L3_s2_s0-1_v8",
            Params {
                levels: 3,
                patch: 2,
                vocab: 8,
                synonyms: 8,
                classes: 8,
                sparsity: Sparsity::A { s0: 1 },
            },
        ),
    ]
}

pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Median wall time of `f` over `repeats` calls, in seconds.
pub fn time_median(repeats: usize, mut f: impl FnMut(usize)) -> f64 {
    median(
        (0..repeats)
            .map(|i| {
                let start = std::time::Instant::now();
                f(i);
                start.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// The reference checkout, if the user asked for the side-by-side comparison.
pub fn reference_repo() -> Option<String> {
    let repo = std::env::var("SRHM_REFERENCE_REPO").ok();
    if repo.is_none() {
        println!("(set SRHM_REFERENCE_REPO to time the paper's reference generator side by side)");
    }
    repo
}

/// Samples per second of the reference on `params` (optionally making transformed
/// data with `operator`, e.g. "diffeo:1"), or None with the reason printed.
pub fn reference_rate(repo: &str, params: &Params, operator: Option<&str>) -> Option<f64> {
    let python = std::env::var("SRHM_REFERENCE_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/reference/time_reference_generator.py"
    );
    let args = [
        params.levels,
        params.patch,
        params.s0(),
        params.vocab,
        params.synonyms,
        params.classes,
    ]
    .map(|x| x.to_string());
    let output = Command::new(&python)
        .arg(script)
        .arg(repo)
        .args(args)
        .args([P.to_string(), "3".into()])
        .args(operator)
        .output();
    match output {
        Ok(o) if o.status.success() => serde_json::from_slice::<serde_json::Value>(&o.stdout)
            .ok()
            .and_then(|v| v["samples_per_s"].as_f64()),
        Ok(o) => {
            eprintln!("reference failed: {}", String::from_utf8_lossy(&o.stderr));
            None
        }
        Err(e) => {
            eprintln!("could not run {python}: {e}");
            None
        }
    }
}

/// One line of the side-by-side table.
pub fn print_row(name: &str, ours: f64, reference: Option<f64>) {
    match reference {
        Some(r) => println!("{name:<24} {ours:>12.0} {r:>16.0} {:>7.0}x", ours / r),
        None => println!("{name:<24} {ours:>12.0} {:>16} {:>8}", "failed", "-"),
    }
}

pub fn print_header(what: &str) {
    println!("\nside by side, {what}, P = {P}, median wall time:");
    println!(
        "{:<24} {:>12} {:>16} {:>8}",
        "config", "ours (1/s)", "reference (1/s)", "ratio"
    );
}

/// Runs `benches/reference/<script>` with `args` on `.venv`'s Python (or `SRHM_PYTHON`)
/// and parses the JSON object it prints, or says why not.
pub fn reference_json(script: &str, args: &[String]) -> Result<serde_json::Value, String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var_os("SRHM_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join(".venv/bin/python"));
    let output = Command::new(&python)
        .arg(root.join("benches/reference").join(script))
        .args(args)
        .output()
        .map_err(|e| format!("could not run {}: {e}", python.display()))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())
}

/// `rows` training data of `params` (the rules and sample of seed 0): the trainer's
/// one-hot set, and the raw int32 tokens (−1 blank) then labels that
/// `train_step_reference.py` reads.
pub fn labelled_data(params: &Params, rows: usize) -> (LabelledSet, Vec<i32>) {
    let rules = Rules::sample(params, 0).unwrap();
    let train = Sampler::new(&rules, 0, SamplingMode::Auto)
        .unwrap()
        .sample(rows, 0)
        .unwrap()
        .train;
    let set = LabelledSet::from_tokens(
        train.tokens.view(),
        &train.labels,
        params.vocab,
        Device::Cpu,
    )
    .unwrap();
    let mut raw: Vec<i32> = train.tokens.iter().copied().collect();
    raw.extend(train.labels.iter().map(|&l| l as i32));
    (set, raw)
}

/// How `train_step_reference.py` trains (seed 0; `members` 0: one `nn.Module`).
pub struct EagerSteps {
    pub model: &'static str,
    pub width: u32,
    pub lr: f64,
    pub threads: i32,
    pub members: usize,
    pub check_steps: usize,
    pub time_steps: usize,
    pub repeats: usize,
    pub fused: bool,
}

/// What the eager reference measured: its (first) network's losses over the check
/// steps, and µs per step.
pub struct EagerTiming {
    pub losses: Vec<f64>,
    pub us_per_step: f64,
}

/// Runs the PyTorch-eager training step on the data file of `rows` rows of `params`, or
/// says why not.
pub fn eager_train_step(
    data_file: &Path,
    rows: usize,
    params: &Params,
    run: &EagerSteps,
) -> Result<EagerTiming, String> {
    let mut args: Vec<String> = vec![
        data_file.to_string_lossy().into_owned(),
        rows.to_string(),
        params.input_len().to_string(),
    ];
    for (flag, value) in [
        ("--model", run.model.to_string()),
        ("--lr", run.lr.to_string()),
        ("--width", run.width.to_string()),
        ("--threads", run.threads.to_string()),
        ("--levels", params.levels.to_string()),
        ("--patch", params.patch.to_string()),
        ("--s0", params.s0().to_string()),
        ("--vocab", params.vocab.to_string()),
        ("--classes", params.classes.to_string()),
        ("--seed", "0".to_string()),
        ("--members", run.members.to_string()),
        ("--check-steps", run.check_steps.to_string()),
        ("--time-steps", run.time_steps.to_string()),
        ("--repeats", run.repeats.to_string()),
    ] {
        args.extend([flag.to_string(), value]);
    }
    if run.fused {
        args.push("--fused".into());
    }
    let json = reference_json("train_step_reference.py", &args)?;
    Ok(EagerTiming {
        losses: json["losses"]
            .as_array()
            .ok_or("no losses")?
            .iter()
            .filter_map(|l| l.as_f64())
            .collect(),
        us_per_step: json["us_per_step"].as_f64().ok_or("no timing")?,
    })
}
