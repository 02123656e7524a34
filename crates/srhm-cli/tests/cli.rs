//! End-to-end tests of the `srhm` binary: files it writes, and how it refuses bad input.
//! Command lines are written as strings (split on spaces) so each test reads like a shell line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use srhm_grammar::{Rules, Sampler, Sparsity};
use srhm_store::{DatasetFile, PARAMS_KEY, read_dataset};
use srhm_transforms::{DiffeoMode, Operator, transform_datum};

/// A small model: L=2, s=2, v=m=4, nc=3 (3 · 4^3 = 192 distinct data without sparsity).
const SMALL: &str = "--levels 2 --patch 2 --vocab 4 --synonyms 4 --classes 3 --seed 7";

/// Runs `srhm` with the words of `line`, then `extra` arguments as they are.
fn srhm(line: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_srhm"))
        .args(line.split_whitespace())
        .args(extra)
        .output()
        .expect("the srhm binary runs")
}

/// `srhm generate` of the small model with `line` and `--out out`.
fn generate(out: &Path, line: &str) -> Output {
    srhm(
        &format!("generate {SMALL} {line}"),
        &["--out", out.to_str().unwrap()],
    )
}

fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn generate_writes_a_dataset_whose_rows_regenerate_from_their_index() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data.parquet");
    let output = generate(&out, "--sparsity a --s0 1 --train 300 --test 50");
    assert_success(&output);
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["train"], 300);
    assert_eq!(summary["input_len"], 16);

    let DatasetFile {
        meta,
        dataset: data,
        ..
    } = read_dataset(&out).unwrap();
    assert_eq!(meta.params.sparsity, Sparsity::A { s0: 1 });
    assert_eq!((meta.rules_seed, meta.sample_seed), (7, 7));
    assert_eq!((data.train.len(), data.test.len()), (300, 50));
    assert_eq!(meta.count_total, meta.params.count_total().to_string());
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&out).unwrap().permissions());
    assert_eq!(
        mode & 0o044,
        0o044,
        "data files are readable by group and others: {mode:o}"
    );
    let rules = Rules::sample(&meta.params, meta.rules_seed).unwrap();
    let sampler = Sampler::new(&rules, meta.sample_seed, meta.sampling).unwrap();
    for split in [&data.train, &data.test] {
        for (row, &index) in split.indices.iter().enumerate() {
            let datum = sampler.datum(index).unwrap();
            assert_eq!(datum.label(), split.labels[row]);
            assert_eq!(datum.tokens(&rules), split.tokens.row(row).to_vec());
        }
    }
}

fn python() -> PathBuf {
    let path = std::env::var_os("SRHM_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"));
    assert!(
        path.exists(),
        "{} does not exist: run `cargo xtask setup` (or `cargo xtask test`), which installs pyarrow and pandas",
        path.display()
    );
    path
}

#[test]
fn pandas_and_pyarrow_read_the_file_and_its_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data.parquet");
    assert_success(&generate(
        &out,
        "--sparsity b --s0 2 --train 40 --test 10 --pairs diffeo:1",
    ));
    let script = r#"
import json, sys
import pandas as pd, pyarrow.parquet as pq
path, key = sys.argv[1], sys.argv[2]
table = pq.read_table(path)
params = json.loads(table.schema.metadata[key.encode()])
assert json.loads(pq.ParquetFile(path).metadata.metadata[key.encode()]) == params
frame = pd.read_parquet(path)
d = params["input_len"]
assert list(frame.columns) == ["split", "index", "label", "tokens", "diffeo_l1"], frame.columns
assert str(table.schema.field("index").type) == "uint64"
assert str(table.schema.field("label").type) == "uint32"
for column in ["tokens", "diffeo_l1"]:
    # fixed-size lists: numpy gets [n, d] without copying
    assert str(table.schema.field(column).type) == f"fixed_size_list<item: int32 not null>[{d}]", table.schema.field(column).type
    assert table.column(column).combine_chunks().flatten().to_numpy().reshape(-1, d).shape == (50, d)
    assert all(len(t) == d for t in frame[column])
assert (frame["split"] == "train").sum() == 40 and (frame["split"] == "test").sum() == 10
informative = [sum(1 for x in t if x != -1) for t in frame["tokens"]]
assert set(informative) == {params["patch"] ** params["levels"]}, set(informative)
assert all(0 <= x < params["vocab"] for t in frame["tokens"] for x in t if x != -1)
assert params["sparsity"] == {"kind": "b", "s0": 2}, params["sparsity"]
assert params["pairs"][0]["column"] == "diffeo_l1"
print(json.dumps({"rows": len(frame), "d": d, "classes": params["classes"]}))
"#;
    let result = Command::new(python())
        .args(["-c", script, out.to_str().unwrap(), PARAMS_KEY])
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "python: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    assert_eq!(seen["rows"], 50);
    assert_eq!(seen["d"], 36);
    assert_eq!(seen["classes"], 3);
}

/// `srhm <line>` (with `--out <tmp>` for `generate`) must fail with exit code 2 and one
/// line naming `needle`, leaving no file behind.
fn assert_refused(line: &str, needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.parquet");
    let out_flag = ["--out", out.to_str().unwrap()];
    let output = srhm(
        line,
        if line.starts_with("generate") {
            &out_flag
        } else {
            &[]
        },
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{line}: {stderr}");
    assert!(
        stderr.contains(needle),
        "{line}: `{needle}` not in {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{line}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{line}: {stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{line} left {left:?}");
}

#[test]
fn bad_parameters_are_refused_with_the_flag_named() {
    let model = |v: u32, m: u32, nc: u32, levels: u32| {
        format!(
            "generate --levels {levels} --patch 2 --vocab {v} --synonyms {m} --classes {nc} --train 10"
        )
    };
    assert_refused(&model(4, 5, 3, 2), "--synonyms");
    assert_refused(&model(4, 4, 5, 2), "--classes");
    assert_refused(&model(4, 4, 3, 0), "--levels");
    assert_refused(&model(4, 4, 3, 40), "--levels");
    let small = format!("generate {SMALL} --train 10");
    for (extra, needle) in [
        ("--sparsity a", "--s0"),
        ("--s0 2", "--s0"),
        ("--layout 2d", "--patch"),
        ("--sparsity bogus --s0 1", "--sparsity"),
        ("--test abc", "--test"),
        ("--test 100000000000", "--train"),
        ("--replacement --sampling rejection", "--sampling"),
        ("--pairs diffeo:1", "--s0"),
        ("--pairs synonym:3", "--pairs"),
        ("--pairs swap:1", "--pairs"),
    ] {
        assert_refused(&format!("{small} {extra}"), needle);
    }
    assert_refused(
        &format!("{} --pairs synonym:1", model(4, 1, 3, 2)),
        "--synonyms",
    );
}

#[test]
fn asking_for_more_data_than_exist_prints_the_count() {
    assert_refused(&format!("generate {SMALL} --train 150 --test 50"), "192");
}

#[test]
fn bad_output_paths_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing_dir = dir.path().join("no/such/dir/out.parquet");
    let output = generate(&missing_dir, "--train 10");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no/such/dir"));

    let existing = dir.path().join("taken.parquet");
    std::fs::write(&existing, b"precious").unwrap();
    let output = generate(&existing, "--train 10");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--force"));
    assert_eq!(
        std::fs::read(&existing).unwrap(),
        b"precious",
        "an existing file must not be touched"
    );

    assert_success(&generate(&existing, "--train 10 --force"));
    assert!(read_dataset(&existing).is_ok());
}

#[test]
fn with_replacement_and_whitened_encoding_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data.parquet");
    // 192 distinct data, 500 asked: only possible with replacement.
    assert_success(&generate(
        &out,
        "--train 500 --test 20 --replacement --encoding whitened",
    ));
    let file = read_dataset(&out).unwrap();
    assert_eq!(file.meta.sampling, srhm_grammar::SamplingMode::Replacement);
    assert_eq!(
        file.meta.encoding,
        srhm_grammar::encoding::Encoding::Whitened
    );
    assert_eq!(file.dataset.train.len(), 500);
}

#[test]
fn info_prints_exact_counts() {
    let output = srhm(
        "info --levels 3 --patch 2 --vocab 8 --synonyms 8 --classes 8 --sparsity a --s0 1",
        &[],
    );
    assert_success(&output);
    let info: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // Per node: m · (s0+1)^s = 8 · 4 = 32 choices; 7 productions per datum; 8 classes.
    assert_eq!(info["count_total"], (32u128.pow(7) * 8).to_string());
    assert_eq!(info["input_len"], 64);
    assert_eq!(info["informative_len"], 8);
}

#[test]
fn pairs_add_one_transformed_column_per_operator() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pairs.parquet");
    assert_success(&generate(
        &out,
        "--sparsity a --s0 1 --train 60 --test 20 --pairs synonym:1,diffeo:2,diffeo:1 --diffeo-mode redraw-subtree",
    ));
    let file = read_dataset(&out).unwrap();
    let names: Vec<&str> = file.pairs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["synonym_l1", "diffeo_l2", "diffeo_l1"]);
    assert_eq!(
        file.meta.pairs[1].operator,
        Operator::Diffeo {
            level: 2,
            mode: DiffeoMode::RedrawSubtree
        }
    );
    let rules = Rules::sample(&file.meta.params, file.meta.rules_seed).unwrap();
    let sampler = Sampler::new(&rules, file.meta.sample_seed, file.meta.sampling).unwrap();
    for (pair, pair_meta) in file.pairs.iter().zip(&file.meta.pairs) {
        for (split, copies) in [
            (&file.dataset.train, &pair.train),
            (&file.dataset.test, &pair.test),
        ] {
            for (row, &index) in split.indices.iter().enumerate() {
                let datum = sampler.datum(index).unwrap();
                let expected =
                    transform_datum(&rules, &datum, pair_meta.operator, pair_meta.seed, index)
                        .unwrap();
                assert_eq!(
                    copies.row(row).to_vec(),
                    expected.tokens(&rules),
                    "{} row {row}",
                    pair.name
                );
                assert_eq!(expected.label(), split.labels[row]);
            }
        }
    }
}

/// Training runs on tiny data: width 8, few steps.
const TINY_TRAIN: &str = "--model cnn --width 8 --max-steps 200 --device cpu --threads 1";

fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    assert_success(output);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_train_line_names_every_seed_and_alone_reproduces_its_network() {
    let run = |extra: &str| {
        json_lines(&srhm(
            &format!(
                "train {} --sparsity a --s0 1 --train 30 --test 20 {TINY_TRAIN} {extra}",
                SMALL.replace("--seed 7", "")
            ),
            &[],
        ))
    };
    let first = run("--seed 5 --sample-seed 9 --net-seed 3");
    let line = &first[0];
    assert_eq!(
        (
            &line["rules_seed"],
            &line["sample_seed"],
            &line["net_seed"],
            &line["seed"]
        ),
        (&5.into(), &9.into(), &3.into(), &3.into())
    );
    assert_eq!(line["sampling"], "permutation");
    // Everything needed to train it again is in the line.
    let again = run(&format!(
        "--seed {} --sample-seed {} --net-seed {} --sampling {}",
        line["rules_seed"],
        line["sample_seed"],
        line["net_seed"],
        line["sampling"].as_str().unwrap()
    ));
    assert_eq!(again[0]["train_loss"], line["train_loss"]);
    assert_eq!(again[0]["test_error"], line["test_error"]);
    let other = run("--seed 5 --sample-seed 10 --net-seed 3");
    assert_ne!(other[0]["train_loss"], line["train_loss"]);
}

#[test]
fn train_prints_one_json_line_per_network() {
    let lines = json_lines(&srhm(
        &format!(
            "train {SMALL} --sparsity a --s0 1 --train-sizes 20,40 --test 30 --ensemble 2 {TINY_TRAIN}"
        ),
        &[],
    ));
    assert_eq!(lines.len(), 4);
    let keys = [
        "model",
        "params",
        "train_size",
        "seed",
        "steps",
        "epochs",
        "train_loss",
        "test_error",
        "wall_s",
        "device",
        "hit_step_cap",
    ];
    for line in &lines {
        for key in keys {
            assert!(line.get(key).is_some(), "no `{key}` in {line}");
        }
        assert_eq!(line["model"], "cnn");
        assert_eq!(line["device"], "cpu");
        assert_eq!(line["params"]["vocab"], 4);
        let error = line["test_error"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&error));
    }
    let sizes_and_seeds: Vec<(u64, u64)> = lines
        .iter()
        .map(|l| {
            (
                l["train_size"].as_u64().unwrap(),
                l["seed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(sizes_and_seeds, [(20, 0), (20, 1), (40, 0), (40, 1)]);
}

#[test]
fn train_reads_a_generated_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data.parquet");
    assert_success(&generate(&out, "--sparsity b --s0 1 --train 50 --test 20"));
    let lines = json_lines(&srhm(
        &format!("train --train 30 {TINY_TRAIN} --data"),
        &[out.to_str().unwrap()],
    ));
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["train_size"], 30);
    assert_eq!(lines[0]["test_size"], 20);
    assert_eq!(lines[0]["params"]["sparsity"]["kind"], "b");
}

#[test]
fn train_reports_sensitivities_of_every_layer_to_every_level() {
    let lines = json_lines(&srhm(
        &format!(
            "train {SMALL} --sparsity a --s0 1 --train 40 --test 30 --sensitivities --diffeo-mode redraw-subtree {TINY_TRAIN}"
        ),
        &[],
    ));
    assert_eq!(lines[0]["diffeo_mode"], "redraw-subtree");
    for k in ["1", "2", "out"] {
        for l in [1, 2] {
            for name in ["S", "D", "DG"] {
                let key = format!("{name}_{k}_{l}");
                let value = lines[0][&key]
                    .as_f64()
                    .unwrap_or_else(|| panic!("no {key}"));
                assert!((0.0..5.0).contains(&value), "{key} = {value}");
                assert!(lines[0][format!("{key}_se")].as_f64().unwrap() >= 0.0);
            }
        }
    }
    assert!(lines[0].get("S_3_1").is_none());
    assert_refused(
        &format!("train {SMALL} --train 20 --sensitivities --model lcn"),
        "--test",
    );
}

#[test]
fn pstar_searches_and_reports_every_point() {
    let lines = json_lines(&srhm(
        &format!(
            "pstar {SMALL} --sparsity a --s0 1 --model cnn --width 8 --seeds 2 --test 60 \
             --max-steps 300 --max-evaluations 4 --threads 1 --device cpu"
        ),
        &[],
    ));
    let report = &lines[0];
    // Eq. 4 with C1 = 1: (s0+1)² · nc · m^L = 4 · 3 · 16.
    assert_eq!(report["prediction"], 192.0);
    assert_eq!(report["threshold"], 0.1);
    let points = report["points"].as_array().unwrap();
    assert!((1..=4).contains(&points.len()), "{report}");
    assert_eq!(points[0]["p"], 192, "starts at the prediction");
    for point in points {
        assert_eq!(point["values"].as_array().unwrap().len(), 2);
    }
    // Either a P* inside its interval, or a reason why there is none.
    match report["p_star"].as_f64() {
        Some(p) => {
            let (lo, hi) = (
                report["p_star_lo"].as_f64().unwrap(),
                report["p_star_hi"].as_f64().unwrap(),
            );
            assert!(lo <= p && p <= hi, "{report}");
        }
        None => assert!(report["reason"].is_string(), "{report}"),
    }
    assert_refused(&format!("pstar {SMALL} --model lcn --seeds 0"), "--seeds");
    assert_refused(
        &format!("pstar {SMALL} --model lcn --observable S9"),
        "--observable",
    );
    assert_refused(
        "pstar --levels 1 --patch 2 --vocab 4 --synonyms 4 --classes 3 --model lcn --observable S2",
        "--observable",
    );
}

#[test]
fn train_takes_whitened_images() {
    // s = 4 and s0 + 1 = 4 are squares: 16×16 images read with 4×4 patches.
    let lines = json_lines(&srhm(
        &format!(
            "train --levels 2 --patch 4 --vocab 3 --synonyms 3 --classes 3 --sparsity a --s0 3 \
             --train 30 --test 10 --layout 2d --encoding whitened {TINY_TRAIN}"
        ),
        &[],
    ));
    assert_eq!(lines.len(), 1);
    assert_eq!(
        (&lines[0]["layout"], &lines[0]["encoding"]),
        (&"2d".into(), &"whitened".into())
    );
    assert_refused(
        &format!("train {SMALL} --train 20 --layout 2d --model lcn"),
        "--patch",
    );
}

#[test]
fn bad_training_flags_are_refused() {
    let base = format!("train {SMALL} --train 20");
    for (extra, needle) in [
        ("--model xyz", "--model"),
        ("--model lcn --ensemble 0", "--ensemble"),
        ("--model lcn --width 0", "--width"),
        ("--model lcn --batch 0", "--batch"),
        ("--model lcn --lr 0", "--lr"),
        ("--model lcn --train-sizes 0", "--train"),
        ("--model lcn --device cuda", "--device"),
    ] {
        assert_refused(&format!("{base} {extra}"), needle);
    }
    assert_refused("train --model lcn --levels 2 --data x.parquet", "--data");
    assert_refused(
        "train --model lcn --data /no/such/file.parquet",
        "/no/such/file.parquet",
    );
}

#[test]
fn train_takes_every_big_net_on_the_device_auto_finds() {
    for model in ["vgg11", "vgg16", "resnet18", "resnet34", "efficientnet-b0"] {
        let lines = json_lines(&srhm(
            &format!(
                "train {SMALL} --sparsity a --s0 1 --train 24 --test 12 --model {model} --width 4 \
                 --max-steps 20 --ensemble 2 --device auto --sensitivities"
            ),
            &[],
        ));
        assert_eq!(lines.len(), 2, "{model}: one line per network");
        for (seed, line) in lines.iter().enumerate() {
            assert_eq!(line["model"], model);
            assert_eq!(line["seed"], seed as u64);
            assert_eq!(line["lr"], 1e-4, "SPEC §4's learning rate for big nets");
            assert_eq!(line["loss_threshold"], 1e-2);
            // No GPU here: auto falls back to the CPU.
            assert_eq!(line["device"], "cpu");
            assert!(line["parameters"].as_u64().unwrap() > 0);
            assert!(line["test_error"].as_f64().unwrap() <= 1.0);
            for key in [
                "S_d20_1", "S_d50_1", "S_d80_1", "D_d80_1", "S_out_1", "D_out_2",
            ] {
                assert!(line[key].as_f64().is_some(), "{model}: no {key}");
            }
        }
    }
    assert_refused(
        &format!("train {SMALL} --train 20 --model vgg11 --mixed-precision --device cpu"),
        "--mixed-precision",
    );
    assert_refused(&format!("pstar {SMALL} --model resnet18"), "--model");
}
