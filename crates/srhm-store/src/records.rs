//! Tables of experiment results: rows of named scalar values (numbers, text, flags)
//! whose columns vary between experiments (a run at L = 3 has S_3_1, one at L = 2
//! does not). One Parquet file per run, written atomically, so an interrupted sweep
//! loses only the runs in flight; `compact` merges them into one table for readers.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};

use crate::{StoreError, write_atomic};

/// One cell of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl Value {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(x) => Some(*x),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    fn data_type(&self) -> DataType {
        match self {
            Value::Bool(_) => DataType::Boolean,
            Value::Int(_) => DataType::Int64,
            Value::Float(_) => DataType::Float64,
            Value::Text(_) => DataType::Utf8,
        }
    }
}

/// A row: column name → value; a missing column is a null.
pub type Record = BTreeMap<String, Value>;

fn parquet_error(path: &Path) -> impl Fn(parquet::errors::ParquetError) -> StoreError + '_ {
    move |source| StoreError::Parquet {
        path: path.into(),
        source,
    }
}

fn arrow_error(path: &Path) -> impl Fn(arrow_schema::ArrowError) -> StoreError + '_ {
    move |source| StoreError::Arrow {
        path: path.into(),
        source,
    }
}

/// The column types of `records`; a column holding ints and floats becomes float.
fn schema_of(path: &Path, records: &[Record]) -> Result<Vec<(String, DataType)>, StoreError> {
    let mut types: BTreeMap<&str, DataType> = BTreeMap::new();
    for record in records {
        for (name, value) in record {
            let t = value.data_type();
            match types.get(name.as_str()) {
                None => {
                    types.insert(name, t);
                }
                Some(existing) if *existing == t => {}
                Some(DataType::Int64 | DataType::Float64)
                    if matches!(t, DataType::Int64 | DataType::Float64) =>
                {
                    types.insert(name, DataType::Float64);
                }
                Some(existing) => {
                    return Err(StoreError::NotADataset {
                        path: path.into(),
                        reason: format!("column `{name}` holds both {existing} and {t}"),
                    });
                }
            }
        }
    }
    Ok(types.into_iter().map(|(n, t)| (n.to_string(), t)).collect())
}

/// Writes `records` as one Parquet table, atomically (complete or absent).
pub fn write_records(path: &Path, records: &[Record], overwrite: bool) -> Result<(), StoreError> {
    let columns = schema_of(path, records)?;
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, t)| Field::new(name, t.clone(), true))
            .collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = columns
        .iter()
        .map(|(name, t)| -> ArrayRef {
            let cells = records.iter().map(|r| r.get(name));
            match t {
                DataType::Boolean => {
                    let mut b = BooleanBuilder::new();
                    cells.for_each(|c| match c {
                        Some(Value::Bool(v)) => b.append_value(*v),
                        _ => b.append_null(),
                    });
                    Arc::new(b.finish())
                }
                DataType::Int64 => {
                    let mut b = Int64Builder::new();
                    cells.for_each(|c| match c {
                        Some(Value::Int(v)) => b.append_value(*v),
                        _ => b.append_null(),
                    });
                    Arc::new(b.finish())
                }
                DataType::Float64 => {
                    let mut b = Float64Builder::new();
                    cells.for_each(|c| match c.and_then(Value::as_f64) {
                        Some(v) => b.append_value(v),
                        None => b.append_null(),
                    });
                    Arc::new(b.finish())
                }
                _ => {
                    let mut b = StringBuilder::new();
                    cells.for_each(|c| match c {
                        Some(Value::Text(v)) => b.append_value(v),
                        _ => b.append_null(),
                    });
                    Arc::new(b.finish())
                }
            }
        })
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(arrow_error(path))?;
    write_atomic(path, overwrite, |out| {
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let mut writer =
            ArrowWriter::try_new(out, schema, Some(props)).map_err(parquet_error(path))?;
        writer.write(&batch).map_err(parquet_error(path))?;
        writer.close().map_err(parquet_error(path))?;
        Ok(())
    })
}

/// Reads a table written by [`write_records`] (or by anyone, for the column types it
/// knows: booleans, 64-bit integers and floats, text).
pub fn read_records(path: &Path) -> Result<Vec<Record>, StoreError> {
    let file = File::open(path).map_err(|source| StoreError::Io {
        path: path.into(),
        source,
    })?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(parquet_error(path))?
        .build()
        .map_err(parquet_error(path))?;
    let mut records = Vec::new();
    for batch in reader {
        let batch = batch.map_err(arrow_error(path))?;
        let schema = batch.schema();
        let start = records.len();
        records.resize_with(start + batch.num_rows(), Record::new);
        for (field, column) in schema.fields().iter().zip(batch.columns()) {
            let rows = &mut records[start..];
            let name = field.name();
            let unsupported = || StoreError::NotADataset {
                path: path.into(),
                reason: format!("column `{name}` has type {}", field.data_type()),
            };
            macro_rules! fill {
                ($array:ty, $variant:expr) => {{
                    let array = column
                        .as_any()
                        .downcast_ref::<$array>()
                        .ok_or_else(unsupported)?;
                    for (i, row) in rows.iter_mut().enumerate() {
                        if array.is_valid(i) {
                            row.insert(name.clone(), $variant(array.value(i)));
                        }
                    }
                }};
            }
            match field.data_type() {
                DataType::Boolean => fill!(BooleanArray, Value::Bool),
                DataType::Int64 => fill!(Int64Array, Value::Int),
                DataType::Float64 => fill!(Float64Array, Value::Float),
                DataType::Utf8 => fill!(StringArray, |s: &str| Value::Text(s.to_string())),
                _ => return Err(unsupported()),
            }
        }
    }
    Ok(records)
}

/// Every `*.parquet` file directly in `dir`, sorted by name.
pub fn record_files(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(StoreError::Io {
                path: dir.into(),
                source,
            });
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    files.sort();
    Ok(files)
}

/// Merges every per-run file of `dir` into one table at `out` (replaced atomically).
/// Files that cannot be read are returned by name, not skipped silently. With no
/// readable run nothing is written (a table needs a row; an older table is kept).
pub fn compact(dir: &Path, out: &Path) -> Result<(usize, Vec<(PathBuf, StoreError)>), StoreError> {
    let mut all = Vec::new();
    let mut bad = Vec::new();
    for file in record_files(dir)? {
        match read_records(&file) {
            Ok(records) => all.extend(records),
            Err(e) => bad.push((file, e)),
        }
    }
    if !all.is_empty() {
        write_records(out, &all, true)?;
    }
    Ok((all.len(), bad))
}
