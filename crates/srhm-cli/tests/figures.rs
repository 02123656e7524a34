//! The figure pipeline end to end: specs → runs → store → PNGs → README, resuming
//! after a real `kill -9`, and damaged result files reported and redone.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use srhm_store::{Value, read_records, record_files};

fn srhm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_srhm"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn is_png(path: &Path) -> bool {
    std::fs::read(path)
        .is_ok_and(|bytes| bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000)
}

#[test]
fn the_smoke_preset_draws_every_figure_and_writes_the_index() {
    let store = tempfile::tempdir().unwrap();
    let output = srhm()
        .args([
            "figures",
            "--preset",
            "smoke",
            "--device",
            "cpu",
            "--threads",
            "2",
        ])
        .arg("--specs")
        .arg(repo().join("paper-figures/specs"))
        .arg("--store")
        .arg(store.path())
        .output()
        .unwrap();
    assert_success(&output);
    let readme = std::fs::read_to_string(store.path().join("README-smoke.md")).unwrap();
    // Every spec is a section of the index.
    for spec in std::fs::read_dir(repo().join("paper-figures/specs")).unwrap() {
        let path = spec.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let title = text
            .lines()
            .find_map(|l| l.strip_prefix("title = \""))
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{} has a one-line title", path.display()));
        assert!(
            readme.contains(&format!("## {title}")),
            "{title} missing from the index"
        );
    }
    // Fig. 4 (panel A at least), Fig. 5 (the heatmap), Fig. 9 (big nets), Fig. 12 and Appendix C's
    // one-step curves always have something to draw.
    for figure in ["fig04", "fig05", "fig09", "fig12", "figC"] {
        let png = store
            .path()
            .join(figure)
            .join(format!("{figure}-smoke.png"));
        assert!(is_png(&png), "{} is not a drawn PNG", png.display());
        assert!(readme.contains(&format!("{figure}/{figure}-smoke.png")));
    }
    // One row per run, every parameter and observable in it, readable by pandas.
    let table = store.path().join("fig04/runs.parquet");
    let rows = read_records(&table).unwrap();
    assert_eq!(rows.len(), 24);
    for column in [
        "model",
        "p",
        "seed",
        "test_error",
        "steps",
        "S_2_1",
        "D_2_1",
        "S_out_1",
        "code_version",
    ] {
        assert!(rows.iter().all(|r| r.contains_key(column)), "no {column}");
    }
    // Appendix C: 2 configurations × 4 P × 2 seeds, no network, its own columns.
    let one_step = read_records(&store.path().join("figC/runs.parquet")).unwrap();
    assert_eq!(one_step.len(), 16);
    for column in [
        "noise_to_signal",
        "expected_noise_to_signal",
        "signal",
        "p",
        "seed",
    ] {
        assert!(
            one_step.iter().all(|r| r.contains_key(column)),
            "no {column}"
        );
    }
    let python = std::env::var_os("SRHM_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv/bin/python"));
    let read = Command::new(python)
        .args(["-c", "import sys, pandas; t = pandas.read_parquet(sys.argv[1]); print(len(t), t['test_error'].between(0, 1).all())"])
        .arg(&table)
        .output()
        .unwrap();
    assert_success(&read);
    assert_eq!(String::from_utf8_lossy(&read.stdout).trim(), "24 True");
    // Redrawing needs no training and gives the same verdicts.
    let again = srhm()
        .args(["figures", "--preset", "smoke", "--plot-only"])
        .arg("--specs")
        .arg(repo().join("paper-figures/specs"))
        .arg("--store")
        .arg(store.path())
        .output()
        .unwrap();
    assert_success(&again);
    assert_eq!(again.stdout, output.stdout);
}

/// A spec of many small independent groups (one per configuration), so that a kill
/// lands between finished runs.
const MANY_GROUPS: &str = r#"
figure = "resume"
title = "resume test"
claim = "none"

[presets.smoke]
models = ["cnn"]
width = 8
seeds = 1
test = 50
max_steps = 1500
p = { values = [40, 80] }
configs = [
    { levels = 2, patch = 2, s0 = 1, vocab = 3 },
    { levels = 2, patch = 2, s0 = 2, vocab = 3 },
    { levels = 2, patch = 2, s0 = 3, vocab = 3 },
    { levels = 2, patch = 2, s0 = 1, vocab = 4 },
    { levels = 2, patch = 2, s0 = 2, vocab = 4 },
    { levels = 2, patch = 2, s0 = 3, vocab = 4 },
    { levels = 2, patch = 2, s0 = 2, vocab = 2 },
    { levels = 2, patch = 2, s0 = 3, vocab = 2 },
]
"#;

fn run_spec(spec: &Path, store: &Path) -> Command {
    let mut command = srhm();
    command
        .args([
            "run",
            "--preset",
            "smoke",
            "--device",
            "cpu",
            "--threads",
            "1",
            "--spec",
        ])
        .arg(spec)
        .arg("--store")
        .arg(store);
    command
}

fn rows_by_hash(dir: &Path) -> Vec<(String, srhm_store::Record)> {
    let mut rows: Vec<(String, srhm_store::Record)> = record_files(dir)
        .unwrap()
        .iter()
        .map(|f| {
            let mut records = read_records(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            assert_eq!(records.len(), 1, "{}", f.display());
            let record = records.remove(0);
            let hash = match &record["hash"] {
                Value::Text(h) => h.clone(),
                other => panic!("hash {other:?}"),
            };
            assert_eq!(f.file_stem().unwrap().to_str().unwrap(), hash);
            (hash, record)
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

#[test]
fn a_killed_run_resumes_without_losing_or_repeating_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("resume.toml");
    std::fs::write(&spec, MANY_GROUPS).unwrap();
    let store = dir.path().join("store");
    let runs_dir = store.join("resume/runs");
    let total = 16;

    let mut child = run_spec(&spec, &store)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while record_files(&runs_dir).unwrap().len() < 2 {
        assert!(Instant::now() < deadline, "no run finished in time");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    let before = rows_by_hash(&runs_dir);
    assert!(
        !before.is_empty() && before.len() < total,
        "{} rows before the kill",
        before.len()
    );
    // No half-written file is left where a result belongs (temporary files are hidden).
    for entry in std::fs::read_dir(&runs_dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            name.ends_with(".parquet") || name.starts_with('.'),
            "{name}"
        );
    }

    let output = run_spec(&spec, &store).output().unwrap();
    assert_success(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{} already done", before.len())),
        "{stderr}"
    );
    let after = rows_by_hash(&runs_dir);
    assert_eq!(after.len(), total, "exactly one row per run");
    for (hash, row) in &before {
        let kept = after
            .iter()
            .find(|(h, _)| h == hash)
            .expect("a row was lost");
        assert_eq!(&kept.1, row, "a finished row changed");
    }
    let indices: std::collections::BTreeSet<i64> = after
        .iter()
        .map(|(_, r)| match r["run_index"] {
            Value::Int(i) => i,
            _ => panic!("run_index"),
        })
        .collect();
    assert_eq!(indices.len(), total);

    // A damaged result is reported by name, kept aside, and its run done again.
    let victim = record_files(&runs_dir).unwrap()[0].clone();
    std::fs::write(&victim, b"PAR1 truncated").unwrap();
    let output = run_spec(&spec, &store).output().unwrap();
    assert_success(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(victim.file_name().unwrap().to_str().unwrap()),
        "{stderr}"
    );
    assert!(stderr.contains("other figures, 1 trained"), "{stderr}");
    assert!(victim.with_extension("parquet.damaged").exists());
    assert_eq!(rows_by_hash(&runs_dir).len(), total);

    // One run alone, by index, as a cluster array task would.
    let alone = dir.path().join("alone");
    let output = run_spec(&spec, &alone)
        .args(["--index", "3"])
        .output()
        .unwrap();
    assert_success(&output);
    let rows = rows_by_hash(&alone.join("resume/runs"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1["run_index"], Value::Int(3));
}

/// A preset that is partly done is drawn as partial: the page says how many runs are done
/// and gives no verdict on a configuration whose grid is incomplete; once archived, the
/// runs are found without their files (a fresh clone of a repository that keeps them).
#[test]
fn a_partial_preset_says_so_and_archived_runs_need_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let specs = dir.path().join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let spec = specs.join("resume.toml");
    let text = MANY_GROUPS.replace(
        "claim = \"none\"",
        "claim = \"none\"\npanels = [\"curves:cnn\"]",
    );
    std::fs::write(&spec, text).unwrap();
    let store = dir.path().join("store");
    // The first configuration complete (runs 0 and 1), the second half done (run 2).
    for index in ["0", "1", "2"] {
        let output = run_spec(&spec, &store)
            .args(["--index", index])
            .output()
            .unwrap();
        assert_success(&output);
    }
    let draw = || {
        let output = srhm()
            .args(["figures", "--preset", "smoke", "--plot-only", "--specs"])
            .arg(&specs)
            .arg("--store")
            .arg(&store)
            .output()
            .unwrap();
        assert_success(&output);
        std::fs::read_to_string(store.join("README-smoke.md")).unwrap()
    };
    let page = draw();
    assert!(
        page.contains("is partial: 3 of 16 runs of resume done"),
        "{page}"
    );
    assert!(page.contains("cnn L=2 s=2 s0=2 v=3 H=8 (1 of 2)"), "{page}");
    assert!(
        page.contains("cnn L=2 s=2 s0=3 v=3 H=8 (none of 2)"),
        "{page}"
    );
    assert!(page.contains("drawn from 2 runs"), "{page}");
    // Archive, then lose the per-run files: the same page.
    let output = run_spec(&spec, &store).arg("--archive").output().unwrap();
    assert_success(&output);
    assert!(String::from_utf8_lossy(&output.stderr).contains("archived 3 of 16 runs"));
    std::fs::remove_dir_all(store.join("resume/runs")).unwrap();
    std::fs::remove_file(store.join("resume/runs.parquet")).unwrap();
    assert_eq!(draw(), page);
}
