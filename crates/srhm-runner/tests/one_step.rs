//! Specs of the one-step analysis (Appendix C): expansion into runs, refusals, the
//! records and their storage.

mod common;

use common::load_spec;
use srhm_models::tch::Device;
use srhm_runner::{Experiment, RunStore, execute_runs, one_step_records};
use srhm_store::Value;

const SPEC: &str = r#"
figure = "onestep"
title = "one step"
claim = "none"
panels = ["one-step-curves"]

[presets.smoke]
experiment = "one-step"
seeds = 3
p = { factors = [0.5, 1.0, 4.0] }
configs = [
    { levels = 2, patch = 2, s0 = 0, vocab = 3 },
    { levels = 2, patch = 2, s0 = 1, vocab = 3 },
]
"#;

fn float(record: &srhm_store::Record, name: &str) -> f64 {
    record.get(name).and_then(Value::as_f64).unwrap()
}

#[test]
fn a_one_step_preset_expands_on_multiples_of_nc_m_to_the_l_times_the_sparsity_factor() {
    let runs = load_spec(SPEC).unwrap().runs("smoke").unwrap();
    assert_eq!(runs.len(), 2 * 3 * 3);
    assert!(runs.iter().all(|r| r.experiment == Experiment::OneStep));
    // nc·m^L·(s0+1)^L = 3·9·1 = 27 and 3·9·4 = 108.
    let ps = |s0: u32| {
        let mut ps: Vec<u64> = runs
            .iter()
            .filter(|r| r.params.s0() == s0)
            .map(|r| r.p)
            .collect();
        ps.dedup();
        ps
    };
    assert_eq!(ps(0), vec![14, 27, 108]);
    assert_eq!(ps(1), vec![54, 108, 432]);
    // One-step runs are named apart from trainings; trainings' JSON (and so their
    // hashes, the names of stored results) does not mention the experiment.
    let json = serde_json::to_string(&runs[0]).unwrap();
    assert!(json.contains("\"experiment\":\"one-step\""));
    let mut training = runs[0].clone();
    training.experiment = Experiment::Training;
    assert!(
        !serde_json::to_string(&training)
            .unwrap()
            .contains("experiment")
    );
    assert_ne!(training.hash(), runs[0].hash());
}

#[test]
fn a_one_step_preset_with_training_settings_is_refused_by_name() {
    for extra in [
        "models = [\"lcn\"]",
        "width = 64",
        "test = 100",
        "max_steps = 10",
    ] {
        let text = SPEC.replace(
            "experiment = \"one-step\"",
            &format!("experiment = \"one-step\"\n{extra}"),
        );
        let error = load_spec(&text).unwrap_err();
        assert_eq!(error.param(), Some("preset"), "{extra}: {error}");
    }
    let training = SPEC.replace("experiment = \"one-step\"", "models = [\"lcn\"]");
    let error = load_spec(&training).unwrap_err();
    assert_eq!(error.param(), Some("preset"), "{error}");
}

#[test]
fn records_are_nested_in_p_and_their_noise_is_the_expected_one() {
    let runs: Vec<_> = load_spec(SPEC)
        .unwrap()
        .runs("smoke")
        .unwrap()
        .into_iter()
        .enumerate()
        .collect();
    let seed_runs: Vec<_> = runs
        .iter()
        .filter(|(_, r)| r.seed == 1 && r.params.s0() == 1)
        .cloned()
        .collect();
    let together = one_step_records(&seed_runs, "onestep").unwrap();
    for (i, run) in seed_runs.iter().enumerate() {
        let alone = one_step_records(std::slice::from_ref(run), "onestep").unwrap();
        assert_eq!(float(&alone[0], "noise"), float(&together[i], "noise"));
        assert_eq!(float(&alone[0], "p") as u64, run.1.p);
    }
    for record in &together {
        let ratio = float(record, "noise_to_signal");
        let expected = float(record, "expected_noise_to_signal");
        assert!((0.5..2.0).contains(&(ratio / expected)), "{record:?}");
        let variance = float(record, "variance_per_datum");
        let p = float(record, "p");
        assert!((float(record, "expected_noise") - (variance / p).sqrt()).abs() < 1e-12);
    }
    let mixed = [runs[0].clone(), runs[runs.len() - 1].clone()];
    assert_eq!(
        one_step_records(&mixed, "onestep").unwrap_err().param(),
        Some("runs")
    );
}

/// The smoke preset's runs with their indices, as `execute_runs` takes them.
fn indexed_smoke_runs() -> Vec<(usize, srhm_runner::Run)> {
    let spec = load_spec(SPEC).unwrap();
    spec.runs("smoke")
        .unwrap()
        .into_iter()
        .enumerate()
        .collect()
}

#[test]
fn one_step_runs_go_to_the_store_and_are_not_redone() {
    let runs = indexed_smoke_runs();
    let root = tempfile::tempdir().unwrap();
    let store = RunStore::new(root.path(), "onestep");
    let first = execute_runs(&store, &runs, Device::Cpu, &mut |_| {}).unwrap();
    assert_eq!(first.trained, runs.len());
    let again = execute_runs(&store, &runs, Device::Cpu, &mut |_| {}).unwrap();
    assert_eq!((again.already_done, again.trained), (runs.len(), 0));
    let (rows, damaged) = srhm_store::compact(&store.runs_dir(), &store.table_path()).unwrap();
    assert_eq!((rows, damaged.len()), (runs.len(), 0));
}

/// The archive keeps a preset's finished runs in one table: with `runs/` gone (a fresh
/// clone), they are done, identical, and nothing is redone; an unreadable archive is left
/// as it is and its runs count as missing.
#[test]
fn archived_runs_are_done_without_their_files() {
    let runs = indexed_smoke_runs();
    let root = tempfile::tempdir().unwrap();
    let store = RunStore::new(root.path(), "onestep");
    // Half the runs done: the archive holds exactly those.
    let half = runs.len() / 2;
    execute_runs(&store, &runs[..half], Device::Cpu, &mut |_| {}).unwrap();
    let plain: Vec<_> = runs.iter().map(|(_, r)| r.clone()).collect();
    assert_eq!(store.write_archive("smoke", &plain).unwrap(), half);
    let before: Vec<_> = plain
        .iter()
        .map(|r| match store.status(r) {
            srhm_runner::Status::Done(record) => Some(record),
            _ => None,
        })
        .collect();
    std::fs::remove_dir_all(store.runs_dir()).unwrap();
    let fresh = RunStore::new(root.path(), "onestep");
    for (run, was) in plain.iter().zip(&before) {
        match (fresh.status(run), was) {
            (srhm_runner::Status::Done(record), Some(was)) => assert_eq!(&record, was),
            (srhm_runner::Status::Missing, None) => {}
            (status, was) => panic!("{status:?} for a run that was {was:?}"),
        }
    }
    let rest = execute_runs(&fresh, &runs, Device::Cpu, &mut |_| {}).unwrap();
    assert_eq!((rest.already_done, rest.trained), (half, runs.len() - half));
    // Archiving again takes runs from both places.
    assert_eq!(fresh.write_archive("smoke", &plain).unwrap(), runs.len());
    assert!(fresh.write_archive("../escape", &plain).is_err());
    // A damaged archive is reported and kept, never rewritten.
    let archive = fresh.archive_dir().join("smoke.parquet");
    std::fs::write(&archive, b"not parquet").unwrap();
    std::fs::remove_dir_all(fresh.runs_dir()).unwrap();
    let damaged = RunStore::new(root.path(), "onestep");
    assert!(matches!(
        damaged.status(&plain[0]),
        srhm_runner::Status::Missing
    ));
    assert_eq!(std::fs::read(&archive).unwrap(), b"not parquet");
}
