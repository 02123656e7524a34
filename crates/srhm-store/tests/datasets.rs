//! Dataset files: what is written is read back exactly, across many row groups; the
//! bytes do not depend on the thread count; files of the older list layout still read.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, PrimitiveBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, RecordBatch, StringArray, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use srhm_grammar::encoding::{Encoding, Layout};
use srhm_grammar::{Params, Rules, Sampler, SamplingMode, Sparsity};
use srhm_store::{
    DatasetFile, DatasetMeta, PARAMS_KEY, PairColumn, PairMeta, read_dataset, write_dataset,
};
use srhm_transforms::{Operator, transform_rows};

/// P training and T test data of L = 2, s = 2, v = 10, s0 = 2 (d = 36), with a diffeo pair.
fn dataset(train: usize, test: usize) -> DatasetFile {
    let params = Params {
        sparsity: Sparsity::A { s0: 2 },
        ..Params::rhm(2, 2, 10, 10, 10)
    };
    let rules = Rules::sample(&params, 1).unwrap();
    let data = Sampler::new(&rules, 2, SamplingMode::Auto)
        .unwrap()
        .sample(train, test)
        .unwrap();
    let operator = Operator::diffeo(1);
    let copy = |split: &srhm_grammar::Split| {
        transform_rows(&rules, split.tokens.view(), &split.indices, operator, 2).unwrap()
    };
    let pairs = vec![PairColumn {
        name: operator.column_name(),
        train: copy(&data.train),
        test: copy(&data.test),
    }];
    let meta = DatasetMeta {
        params,
        rules_seed: 1,
        sample_seed: 2,
        sampling: data.mode,
        encoding: Encoding::OneHot,
        layout: Layout::OneD,
        train,
        test,
        input_len: params.input_len(),
        count_total: params.count_total().to_string(),
        generator_version: srhm_grammar::VERSION.to_string(),
        pairs: vec![PairMeta {
            column: operator.column_name(),
            operator,
            seed: 2,
        }],
    };
    DatasetFile {
        meta,
        dataset: data,
        pairs,
    }
}

#[test]
fn a_file_of_several_row_groups_reads_back_exactly() {
    // 150 000 + 70 000 rows: three row groups of training data and two of test data.
    let file = dataset(150_000, 70_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.parquet");
    write_dataset(&path, &file, false).unwrap();
    assert_eq!(read_dataset(&path).unwrap(), file);
}

#[test]
fn the_file_does_not_depend_on_the_thread_count() {
    let file = dataset(140_000, 10);
    let dir = tempfile::tempdir().unwrap();
    let bytes = |threads: usize| {
        let path = dir.path().join(format!("threads-{threads}.parquet"));
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| write_dataset(&path, &file, false))
            .unwrap();
        std::fs::read(&path).unwrap()
    };
    assert_eq!(bytes(1), bytes(3));
}

#[test]
fn files_with_list_token_columns_still_read() {
    // The layout written before token columns became fixed-size lists.
    let file = dataset(300, 20);
    let json = serde_json::to_string(&file.meta).unwrap();
    let list_field = |name: &str| {
        Field::new(
            name,
            DataType::List(Arc::new(Field::new("item", DataType::Int32, false))),
            false,
        )
    };
    let schema = Arc::new(Schema::new_with_metadata(
        vec![
            Field::new("split", DataType::Utf8, false),
            Field::new("index", DataType::UInt64, false),
            Field::new("label", DataType::UInt32, false),
            list_field("tokens"),
            list_field("diffeo_l1"),
        ],
        std::collections::HashMap::from([(PARAMS_KEY.to_string(), json.clone())]),
    ));
    let lists = |tokens: &ndarray::Array2<i32>| -> ArrayRef {
        let mut list = ListBuilder::new(PrimitiveBuilder::<Int32Type>::new())
            .with_field(Field::new("item", DataType::Int32, false));
        for row in tokens.rows() {
            list.values().append_slice(row.as_slice().unwrap());
            list.append(true);
        }
        Arc::new(list.finish())
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.parquet");
    let properties = WriterProperties::builder()
        .set_key_value_metadata(Some(vec![KeyValue::new(PARAMS_KEY.to_string(), json)]))
        .build();
    let out = std::fs::File::create(&path).unwrap();
    let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(properties)).unwrap();
    for (name, split, pair) in [
        ("train", &file.dataset.train, &file.pairs[0].train),
        ("test", &file.dataset.test, &file.pairs[0].test),
    ] {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec![name; split.len()])),
            Arc::new(UInt64Array::from(split.indices.clone())),
            Arc::new(UInt32Array::from(split.labels.clone())),
            lists(&split.tokens),
            lists(pair),
        ];
        writer
            .write(&RecordBatch::try_new(schema.clone(), columns).unwrap())
            .unwrap();
    }
    writer.close().unwrap();
    assert_eq!(read_dataset(&path).unwrap(), file);
}
