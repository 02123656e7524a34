//! Parquet files of SRHM lab.
//!
//! A dataset file has one row per datum: `split` ("train"/"test"), `index` (u64, the
//! stream index that regenerates the datum and its latent tree), `label` (u32) and
//! `tokens` (fixed-size list of d i32, blank = −1, positions 0..d−1). The generator parameters,
//! seeds and conventions are stored as JSON in the file's key-value metadata under
//! [`PARAMS_KEY`], so a file is self-describing.
//!
//! Files are written atomically: into a temporary file beside the target, renamed
//! into place only when complete, so an interrupted or failed write leaves nothing.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, FixedSizeListArray, Int32Array, ListArray, StringArray, UInt32Array,
    UInt64Array,
};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use ndarray::Array2;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, compute_leaves};
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use srhm_grammar::encoding::{Encoding, Layout};
use srhm_grammar::{Dataset, Params, SamplingMode, Split};
use srhm_transforms::Operator;
use thiserror::Error;

mod records;
pub use records::{Record, Value, compact, read_records, record_files, write_records};

/// Key of the JSON parameters in a dataset file's key-value metadata.
pub const PARAMS_KEY: &str = "srhm.params";

/// Rows per Parquet row group (and per Arrow batch while writing): bounds the
/// writer's extra memory and lets readers stream large files.
const ROWS_PER_GROUP: usize = 1 << 16;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("`{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}`: {source}")]
    Parquet {
        path: PathBuf,
        #[source]
        source: ParquetError,
    },
    #[error("`{path}`: {source}")]
    Arrow {
        path: PathBuf,
        #[source]
        source: ArrowError,
    },
    #[error("`{path}` is not a dataset file of SRHM lab: {reason}")]
    NotADataset { path: PathBuf, reason: String },
}

impl StoreError {
    /// The file this error is about.
    pub fn path(&self) -> &Path {
        match self {
            StoreError::Io { path, .. }
            | StoreError::Parquet { path, .. }
            | StoreError::Arrow { path, .. }
            | StoreError::NotADataset { path, .. } => path,
        }
    }
}

/// Everything needed to regenerate a dataset file, stored with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetMeta {
    #[serde(flatten)]
    pub params: Params,
    pub rules_seed: u64,
    pub sample_seed: u64,
    /// The sampling mode actually used (it fixes how an index maps to a datum).
    pub sampling: SamplingMode,
    /// The encoding the producer intends for these tokens.
    pub encoding: Encoding,
    pub layout: Layout,
    pub train: usize,
    pub test: usize,
    /// d, the number of tokens per row.
    pub input_len: usize,
    /// Exact number of distinct data of these parameters, in decimal.
    pub count_total: String,
    /// Version of srhm-grammar that wrote the file.
    pub generator_version: String,
    /// Transformed copies stored beside `tokens`, one column each.
    #[serde(default)]
    pub pairs: Vec<PairMeta>,
}

/// How a column of transformed data was made: `operator` applied to each row's
/// datum with the random stream (`seed`, the row's `index`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairMeta {
    pub column: String,
    pub operator: Operator,
    pub seed: u64,
}

/// A column of transformed data: row i of `train` (`test`) is the transformed copy of
/// row i of the dataset's training (test) split, in the same encoding as `tokens`.
#[derive(Debug, Clone, PartialEq)]
pub struct PairColumn {
    pub name: String,
    pub train: Array2<i32>,
    pub test: Array2<i32>,
}

/// Everything a dataset file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetFile {
    pub meta: DatasetMeta,
    pub dataset: Dataset,
    pub pairs: Vec<PairColumn>,
}

/// The columns every dataset file has, in order; transformed copies follow.
pub const BASE_COLUMNS: [&str; 4] = ["split", "index", "label", "tokens"];

/// The Arrow schema of a dataset file with rows of `d` tokens, carrying `params_json`
/// under [`PARAMS_KEY`]. The writer also puts it in the Parquet file's own key-value
/// metadata, so the parameters are found both there and in the schema that pyarrow and
/// pandas rebuild.
pub fn dataset_schema(params_json: String, d: usize, pair_columns: &[&str]) -> SchemaRef {
    let metadata = std::collections::HashMap::from([(PARAMS_KEY.to_string(), params_json)]);
    let mut fields = vec![
        Field::new("split", DataType::Utf8, false),
        Field::new("index", DataType::UInt64, false),
        Field::new("label", DataType::UInt32, false),
        token_field("tokens", d),
    ];
    fields.extend(pair_columns.iter().map(|name| token_field(name, d)));
    Arc::new(Schema::new_with_metadata(fields, metadata))
}

/// A token column: `fixed_size_list<int32, d>`, which numpy reshapes to [n, d] without
/// copying and which Parquet stores like a list (readers that ignore the Arrow schema
/// see `list<int32>`).
fn token_field(name: &str, d: usize) -> Field {
    Field::new(
        name,
        DataType::FixedSizeList(Arc::new(token_item()), d as i32),
        false,
    )
}

fn token_item() -> Field {
    Field::new("item", DataType::Int32, false)
}

/// How dataset files are encoded, chosen by measurement (`srhm generate` of 2 M rows of
/// 36 tokens, L = 2, v = 10, s0 = 2, on a 2-core machine; see the crate README): Snappy,
/// and no dictionary but for `split`. Dictionary-encoding the tokens made the file 35 %
/// smaller (31 MB instead of 48 MB) but the write 40 % slower (1.56 s instead of 1.1 s);
/// no compression made it 7× larger for no gain in time.
fn writer_properties(json: &str) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_dictionary_enabled(false)
        .set_column_dictionary_enabled(ColumnPath::from("split"), true)
        .set_max_row_group_row_count(Some(ROWS_PER_GROUP))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            PARAMS_KEY.to_string(),
            json.to_string(),
        )]))
        .build()
}

/// Writes a dataset (and its transformed copies) to `path` atomically.
/// Fails if `path` exists unless `overwrite`.
///
/// Row groups are encoded and compressed in parallel (rayon), a window of them at a time,
/// and written in order: the file is the same whatever the thread count.
pub fn write_dataset(path: &Path, file: &DatasetFile, overwrite: bool) -> Result<(), StoreError> {
    let invalid = |reason: String| StoreError::NotADataset {
        path: path.into(),
        reason,
    };
    let (dataset, pairs) = (&file.dataset, &file.pairs);
    let d = file.meta.input_len;
    for pair in pairs {
        if BASE_COLUMNS.contains(&pair.name.as_str()) {
            return Err(invalid(format!(
                "a transformed column may not be called `{}`",
                pair.name
            )));
        }
        if pair.train.dim() != dataset.train.tokens.dim()
            || pair.test.dim() != dataset.test.tokens.dim()
        {
            return Err(invalid(format!(
                "column `{}` does not have the shape of `tokens`",
                pair.name
            )));
        }
    }
    for split in [&dataset.train, &dataset.test] {
        if split.tokens.ncols() != d && !split.is_empty() {
            return Err(invalid(format!(
                "rows have {} tokens, the metadata says {d}",
                split.tokens.ncols()
            )));
        }
    }
    let json = serde_json::to_string(&file.meta).expect("metadata serialises");
    let parquet = |source| StoreError::Parquet {
        path: path.into(),
        source,
    };
    let names: Vec<&str> = pairs.iter().map(|p| p.name.as_str()).collect();
    let schema = dataset_schema(json.clone(), d, &names);
    // Every row group of the file: (split name, split, its transformed copies, rows).
    let mut groups = Vec::new();
    for (name, split, copies) in [
        (
            "train",
            &dataset.train,
            pairs.iter().map(|p| &p.train).collect::<Vec<_>>(),
        ),
        (
            "test",
            &dataset.test,
            pairs.iter().map(|p| &p.test).collect::<Vec<_>>(),
        ),
    ] {
        for start in (0..split.len()).step_by(ROWS_PER_GROUP) {
            let rows = start..(start + ROWS_PER_GROUP).min(split.len());
            groups.push((name, split, copies.clone(), rows));
        }
    }
    write_atomic(path, overwrite, |out| {
        // ArrowWriter writes the Arrow schema into the file's metadata (so readers get the
        // fixed-size lists back); its lower level encodes column chunks independently.
        let (mut writer, factory) =
            ArrowWriter::try_new(out, schema.clone(), Some(writer_properties(&json)))
                .map_err(parquet)?
                .into_serialized_writer()
                .map_err(parquet)?;
        let window = 4 * rayon::current_num_threads().max(1);
        for (first, chunk) in groups.chunks(window).enumerate() {
            let encoded: Vec<Vec<ArrowColumnChunk>> = chunk
                .par_iter()
                .enumerate()
                .map(|(k, (name, split, copies, rows))| {
                    let mut columns: Vec<ArrayRef> = vec![
                        Arc::new(StringArray::from(vec![*name; rows.len()])),
                        Arc::new(UInt64Array::from(split.indices[rows.clone()].to_vec())),
                        Arc::new(UInt32Array::from(split.labels[rows.clone()].to_vec())),
                        token_list(&split.tokens, rows.clone()),
                    ];
                    columns.extend(copies.iter().map(|tokens| token_list(tokens, rows.clone())));
                    let mut writers = factory
                        .create_column_writers(first * window + k)
                        .map_err(parquet)?;
                    let mut next = writers.iter_mut();
                    for (column, field) in columns.iter().zip(schema.fields()) {
                        for leaf in compute_leaves(field, column).map_err(parquet)? {
                            next.next()
                                .expect("one writer per leaf")
                                .write(&leaf)
                                .map_err(parquet)?;
                        }
                    }
                    writers
                        .into_iter()
                        .map(|w| w.close().map_err(parquet))
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<_, _>>()?;
            for columns in encoded {
                let mut row_group = writer.next_row_group().map_err(parquet)?;
                for column in columns {
                    column
                        .append_to_row_group(&mut row_group)
                        .map_err(parquet)?;
                }
                row_group.close().map_err(parquet)?;
            }
        }
        writer.close().map_err(parquet)?;
        Ok(())
    })
}

/// Rows `rows` of `[n, d]` tokens as a `fixed_size_list<int32, d>` column.
fn token_list(tokens: &Array2<i32>, rows: std::ops::Range<usize>) -> ArrayRef {
    let d = tokens.ncols();
    let block = tokens.slice(ndarray::s![rows, ..]);
    let values: Vec<i32> = match block.as_slice() {
        Some(slice) => slice.to_vec(),
        None => block.iter().copied().collect(),
    };
    Arc::new(
        FixedSizeListArray::try_new(
            Arc::new(token_item()),
            d as i32,
            Arc::new(Int32Array::from(values)),
            None,
        )
        .expect("values fill whole rows"),
    )
}

/// Reads only the metadata of a dataset file written by [`write_dataset`].
pub fn read_meta(path: &Path) -> Result<DatasetMeta, StoreError> {
    let builder = open_reader(path)?;
    meta_of(path, &builder)
}

fn open_reader(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>, StoreError> {
    let file = File::open(path).map_err(|source| StoreError::Io {
        path: path.into(),
        source,
    })?;
    ParquetRecordBatchReaderBuilder::try_new(file).map_err(|source| StoreError::Parquet {
        path: path.into(),
        source,
    })
}

fn meta_of(
    path: &Path,
    builder: &ParquetRecordBatchReaderBuilder<File>,
) -> Result<DatasetMeta, StoreError> {
    let not_dataset = |reason: String| StoreError::NotADataset {
        path: path.into(),
        reason,
    };
    let json = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|kv| kv.key == PARAMS_KEY))
        .and_then(|kv| kv.value.clone())
        .ok_or_else(|| not_dataset(format!("no `{PARAMS_KEY}` metadata")))?;
    serde_json::from_str(&json)
        .map_err(|e| not_dataset(format!("bad `{PARAMS_KEY}` metadata: {e}")))
}

/// Rows of one split while reading: indices, labels, then the flattened tokens of
/// `tokens` and of every transformed column.
#[derive(Default)]
struct SplitRows {
    indices: Vec<u64>,
    labels: Vec<u32>,
    columns: Vec<Vec<i32>>,
}

/// Reads a dataset file written by [`write_dataset`], checking its shape against its metadata.
pub fn read_dataset(path: &Path) -> Result<DatasetFile, StoreError> {
    let not_dataset = |reason: String| StoreError::NotADataset {
        path: path.into(),
        reason,
    };
    let builder = open_reader(path)?;
    let meta = meta_of(path, &builder)?;
    let reader = builder.build().map_err(|source| StoreError::Parquet {
        path: path.into(),
        source,
    })?;
    let d = meta.input_len;
    let token_columns: Vec<&str> = std::iter::once("tokens")
        .chain(meta.pairs.iter().map(|p| p.column.as_str()))
        .collect();
    let mut parts: [SplitRows; 2] = Default::default();
    for part in &mut parts {
        part.columns = vec![Vec::new(); token_columns.len()];
    }
    let mut row = 0usize;
    for batch in reader {
        let batch = batch.map_err(|source| StoreError::Arrow {
            path: path.into(),
            source,
        })?;
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .cloned()
                .ok_or_else(|| not_dataset(format!("no column `{name}`")))
        };
        let wrong_type = |name: &str| not_dataset(format!("column `{name}` has the wrong type"));
        let splits = column("split")?;
        let splits = splits
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| wrong_type("split"))?;
        let indices = column("index")?;
        let indices = indices
            .as_any()
            .downcast_ref::<UInt64Array>()
            .ok_or_else(|| wrong_type("index"))?;
        let labels = column("label")?;
        let labels = labels
            .as_any()
            .downcast_ref::<UInt32Array>()
            .ok_or_else(|| wrong_type("label"))?;
        let lists = token_columns
            .iter()
            .map(|&name| {
                let array = column(name)?;
                let any = array.as_any();
                if let Some(fixed) = any.downcast_ref::<FixedSizeListArray>() {
                    Ok(TokenColumn::Fixed(fixed.clone()))
                } else if let Some(list) = any.downcast_ref::<ListArray>() {
                    // Files written before fixed-size lists (srhm-store < 0.1.1).
                    Ok(TokenColumn::List(list.clone()))
                } else {
                    Err(wrong_type(name))
                }
            })
            .collect::<Result<Vec<TokenColumn>, _>>()?;
        if splits.null_count() + indices.null_count() + labels.null_count() > 0
            || lists.iter().any(|l| l.null_count() > 0)
        {
            return Err(not_dataset(format!(
                "null values in rows {row}..{}",
                row + batch.num_rows()
            )));
        }
        for i in 0..batch.num_rows() {
            let part = match splits.value(i) {
                "train" => &mut parts[0],
                "test" => &mut parts[1],
                other => return Err(not_dataset(format!("row {row}: split {other:?}"))),
            };
            part.indices.push(indices.value(i));
            part.labels.push(labels.value(i));
            for ((list, name), out) in lists.iter().zip(&token_columns).zip(&mut part.columns) {
                let values = list.value(i);
                let values = values
                    .as_any()
                    .downcast_ref::<Int32Array>()
                    .ok_or_else(|| wrong_type(name))?;
                if values.len() != d || values.null_count() > 0 {
                    return Err(not_dataset(format!(
                        "row {row}, column `{name}`: {} tokens, expected {d}",
                        values.len()
                    )));
                }
                out.extend_from_slice(values.values());
            }
            row += 1;
        }
    }
    let [train, test] = parts.map(|part| {
        let n = part.labels.len();
        let columns: Vec<Array2<i32>> = part
            .columns
            .into_iter()
            .map(|c| Array2::from_shape_vec((n, d), c).expect("lengths checked"))
            .collect();
        (part.indices, part.labels, columns)
    });
    if train.1.len() != meta.train || test.1.len() != meta.test {
        return Err(not_dataset(format!(
            "{} train and {} test rows, metadata says {} and {}",
            train.1.len(),
            test.1.len(),
            meta.train,
            meta.test
        )));
    }
    let (mut train_columns, mut test_columns) = (train.2.into_iter(), test.2.into_iter());
    let split = |indices, labels, tokens| Split {
        indices,
        labels,
        tokens,
    };
    let dataset = Dataset {
        train: split(
            train.0,
            train.1,
            train_columns.next().expect("tokens column"),
        ),
        test: split(test.0, test.1, test_columns.next().expect("tokens column")),
        mode: meta.sampling,
    };
    let pairs = meta
        .pairs
        .iter()
        .zip(train_columns.zip(test_columns))
        .map(|(pair, (train, test))| PairColumn {
            name: pair.column.clone(),
            train,
            test,
        })
        .collect();
    Ok(DatasetFile {
        meta,
        dataset,
        pairs,
    })
}

/// A token column as read: fixed-size lists, or the lists of older files.
enum TokenColumn {
    Fixed(FixedSizeListArray),
    List(ListArray),
}

impl TokenColumn {
    fn null_count(&self) -> usize {
        match self {
            TokenColumn::Fixed(a) => a.null_count(),
            TokenColumn::List(a) => a.null_count(),
        }
    }

    fn value(&self, row: usize) -> ArrayRef {
        match self {
            TokenColumn::Fixed(a) => a.value(row),
            TokenColumn::List(a) => a.value(row),
        }
    }
}

/// Checks that `path` can be written (its directory exists; it does not exist
/// unless `overwrite`) before any expensive work starts.
pub fn check_writable(path: &Path, overwrite: bool) -> Result<(), StoreError> {
    let io = |kind: std::io::ErrorKind, msg: &str| StoreError::Io {
        path: path.into(),
        source: std::io::Error::new(kind, msg.to_string()),
    };
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Err(io(
            std::io::ErrorKind::NotFound,
            "its directory does not exist",
        ));
    }
    if path.is_dir() {
        return Err(io(std::io::ErrorKind::IsADirectory, "is a directory"));
    }
    if path.exists() && !overwrite {
        return Err(io(
            std::io::ErrorKind::AlreadyExists,
            "already exists (pass --force to replace it)",
        ));
    }
    Ok(())
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes a file through `write` into a temporary file in the same directory and
/// renames it into place; on any failure the temporary file is removed (by
/// `tempfile`'s drop), so the target is either complete or absent.
pub fn write_atomic(
    path: &Path,
    overwrite: bool,
    write: impl FnOnce(&mut (dyn Write + Send)) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    check_writable(path, overwrite)?;
    let io = |source| StoreError::Io {
        path: path.into(),
        source,
    };
    let temp = tempfile::Builder::new()
        .prefix(".srhm-")
        .suffix(".tmp")
        // tempfile's default 0600 would make the finished file private; data files are
        // meant to be shared (the umask still applies).
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .tempfile_in(parent_dir(path))
        .map_err(io)?;
    let mut writer = BufWriter::new(temp);
    write(&mut writer)?;
    writer.flush().map_err(io)?;
    let temp = writer.into_inner().map_err(|e| io(e.into_error()))?;
    temp.as_file().sync_all().map_err(io)?;
    if overwrite {
        temp.persist(path).map_err(|e| io(e.error))?;
    } else {
        temp.persist_noclobber(path).map_err(|e| io(e.error))?;
    }
    // Make the rename itself durable.
    if let Ok(dir) = File::open(parent_dir(path)) {
        let _ = dir.sync_all();
    }
    Ok(())
}
