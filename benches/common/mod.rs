//! What the benches share: the two configurations of the generator bench, and the
//! side-by-side timing of the authors' reference generator (never vendored: its
//! checkout is given by `SRHM_REFERENCE_REPO`, its Python by `SRHM_REFERENCE_PYTHON`).
//!
//! Each bench uses a part of this module.
#![allow(dead_code)]

use std::process::Command;

use srhm_grammar::{Params, Sparsity};

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
