//! `srhm sweep` without a cluster: the scripts it would submit (`--dry-run`), the
//! status of a store filled by `srhm run`, and refusals. The real Slurm test is
//! `tests/slurm/single_node.sh` (run by `cargo xtask test`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn spec(name: &str) -> String {
    repo()
        .join("paper-figures/specs")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn srhm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_srhm"))
        .args(args)
        // No cluster answers: MaxArraySize is Slurm's default, no task is queued.
        .env_remove("SLURM_CONF")
        .output()
        .expect("the srhm binary runs")
}

/// `srhm sweep --spec SPEC --preset PRESET --store STORE` followed by `extra`.
fn sweep_args<'a>(
    spec: &'a str,
    preset: &'a str,
    store: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "sweep", "--spec", spec, "--preset", preset, "--store", store,
    ];
    args.extend_from_slice(extra);
    args
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_dry_run_prints_one_array_per_max_array_size_window() {
    let store = tempfile::tempdir().unwrap();
    let store = store.path().to_str().unwrap();
    // Appendix C's paper preset has 1 500 runs: ids 0–1000 then 1001–1499 with an offset.
    let out = stdout(&srhm(&sweep_args(
        &spec("figC.toml"),
        "paper",
        store,
        &[
            "--slurm",
            "--dry-run",
            "--partition",
            "gpu",
            "--time",
            "30:00",
            "--max-concurrent",
            "50",
            "--sbatch-arg=--account=lab",
            "--device",
            "cpu",
        ],
    )));
    let arrays: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("#SBATCH --array="))
        .collect();
    assert_eq!(
        arrays,
        ["#SBATCH --array=0-1000%50", "#SBATCH --array=0-498%50"]
    );
    for line in [
        "index=$((SLURM_ARRAY_TASK_ID + 0))",
        "index=$((SLURM_ARRAY_TASK_ID + 1001))",
        "#SBATCH --partition=gpu",
        "#SBATCH --time=30:00",
        "#SBATCH --account=lab",
    ] {
        assert!(out.lines().any(|l| l == line), "no `{line}` in\n{out}");
    }
    let exec = out.lines().find(|l| l.starts_with("exec ")).unwrap();
    for word in [
        "run",
        "--preset paper",
        "--index \"$index\"",
        "--device cpu",
        "figC.toml",
    ] {
        assert!(exec.contains(word), "{exec}");
    }
    // A dry run submits nothing and records nothing.
    assert!(!Path::new(store).join("figC/slurm/sweeps.jsonl").exists());
}

#[test]
fn status_counts_what_the_store_holds_and_submission_skips_it() {
    let store = tempfile::tempdir().unwrap();
    let store = store.path().to_str().unwrap();
    let fig = spec("figC.toml");
    let status = || {
        let out = stdout(&srhm(&sweep_args(
            &fig,
            "smoke",
            store,
            &["--status", "--json"],
        )));
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let before = status();
    assert_eq!(before["runs"], 16);
    assert_eq!(before["counts"]["missing"], 16);
    assert_eq!(before["counts"]["done"], 0);
    // Two runs done by hand (what array tasks do), one file damaged.
    for index in ["3", "7"] {
        stdout(&srhm(&[
            "run", "--spec", &fig, "--preset", "smoke", "--store", store, "--index", index,
        ]));
    }
    let list = stdout(&srhm(&[
        "run", "--spec", &fig, "--preset", "smoke", "--store", store, "--list",
    ]));
    let hash = list
        .lines()
        .nth(7)
        .unwrap()
        .split('\t')
        .nth(1)
        .unwrap()
        .to_string();
    std::fs::write(
        Path::new(store).join(format!("figC/runs/{hash}.parquet")),
        b"not parquet",
    )
    .unwrap();
    let after = status();
    assert_eq!(after["counts"]["done"], 1);
    assert_eq!(after["counts"]["damaged"], 1);
    assert_eq!(after["counts"]["missing"], 14);
    assert_eq!(after["damaged"], serde_json::json!([7]));
    let text = stdout(&srhm(&sweep_args(&fig, "smoke", store, &["--status"])));
    assert!(
        text.contains("16 runs: 1 done, 0 running, 0 pending, 0 failed, 1 damaged, 14 missing"),
        "{text}"
    );
    // The dry run would submit every run but the one done.
    let out = stdout(&srhm(&sweep_args(
        &fig,
        "smoke",
        store,
        &["--slurm", "--dry-run"],
    )));
    assert!(
        out.lines().any(|l| l == "#SBATCH --array=0-2,4-15"),
        "{out}"
    );
}

#[test]
fn bad_sweeps_are_refused_by_flag() {
    let store = tempfile::tempdir().unwrap();
    let store = store.path().to_str().unwrap();
    let refused = |args: &[&str], needle: &str| {
        let output = srhm(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    };
    let fig = spec("fig04.toml");
    for (flag, value) in [
        ("--time", "2h"),
        ("--max-concurrent", "0"),
        ("--partition", "a b"),
        ("--sbatch-arg", "account=x"),
    ] {
        let args = sweep_args(&fig, "smoke", store, &["--slurm", "--dry-run", flag, value]);
        refused(&args, flag);
    }
    refused(&["sweep", "--spec", &fig, "--store", store], "--slurm");
    refused(
        &[
            "sweep", "--spec", &fig, "--store", store, "--slurm", "--status",
        ],
        "--status",
    );
    refused(
        &sweep_args(&spec("fig05.toml"), "smoke", store, &["--status"]),
        "fig04",
    );
    refused(&sweep_args(&fig, "nope", store, &["--status"]), "nope");
}
