//! Result tables: round trips, varying columns, compaction, and damaged files.

use srhm_store::{Record, Value, compact, read_records, write_records};

fn record(pairs: &[(&str, Value)]) -> Record {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn records_round_trip_with_varying_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.parquet");
    let rows = vec![
        record(&[
            ("model", Value::Text("lcn".into())),
            ("p", Value::Int(1000)),
            ("test_error", Value::Float(0.125)),
            ("hit_step_cap", Value::Bool(false)),
            ("S_3_1", Value::Float(0.5)),
        ]),
        record(&[
            ("model", Value::Text("cnn".into())),
            ("p", Value::Int(30)),
            ("test_error", Value::Int(1)),
        ]),
    ];
    write_records(&path, &rows, false).unwrap();
    let back = read_records(&path).unwrap();
    assert_eq!(back.len(), 2);
    assert_eq!(back[0], rows[0]);
    // Missing cells are nulls; an int column mixed with floats reads as floats.
    assert_eq!(back[1].get("S_3_1"), None);
    assert_eq!(back[1]["test_error"], Value::Float(1.0));
    // Written atomically and never over an existing file unless asked.
    assert!(write_records(&path, &rows, false).is_err());
    write_records(&path, &rows[..1], true).unwrap();
    assert_eq!(read_records(&path).unwrap().len(), 1);
}

#[test]
fn compaction_merges_runs_and_names_damaged_files() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    std::fs::create_dir(&runs).unwrap();
    for i in 0..3 {
        let row = record(&[
            ("index", Value::Int(i)),
            (&format!("only_{i}"), Value::Bool(true)),
        ]);
        write_records(&runs.join(format!("{i}.parquet")), &[row], false).unwrap();
    }
    std::fs::write(runs.join("3.parquet"), b"PAR1 not really").unwrap();
    let table = dir.path().join("table.parquet");
    let (rows, bad) = compact(&runs, &table).unwrap();
    assert_eq!(rows, 3);
    assert_eq!(bad.len(), 1);
    assert!(bad[0].0.ends_with("3.parquet"));
    let merged = read_records(&table).unwrap();
    let indices: Vec<i64> = merged
        .iter()
        .map(|r| match r["index"] {
            Value::Int(i) => i,
            _ => panic!("index is an integer"),
        })
        .collect();
    assert_eq!(indices, [0, 1, 2]);
    assert_eq!(merged[1].get("only_0"), None);
    assert_eq!(merged[1]["only_1"], Value::Bool(true));
}

#[test]
fn compacting_no_runs_writes_nothing_and_keeps_an_older_table() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    let table = dir.path().join("table.parquet");
    // No directory at all, then an empty one: no table, no error.
    assert_eq!(compact(&runs, &table).unwrap().0, 0);
    std::fs::create_dir(&runs).unwrap();
    assert_eq!(compact(&runs, &table).unwrap().0, 0);
    assert!(!table.exists());
    let row = record(&[("index", Value::Int(1))]);
    write_records(&table, &[row], false).unwrap();
    assert_eq!(compact(&runs, &table).unwrap().0, 0);
    assert_eq!(read_records(&table).unwrap().len(), 1);
}
