"""Sampling: the CLI's rows exactly, no overlap, no duplicates, nesting, map-style access."""

import numpy as np
import pyarrow.parquet as pq
import pytest

import srhm
from conftest import generate

FLAGS = ["--levels", 2, "--patch", 2, "--vocab", 4, "--synonyms", 4, "--classes", 4,
         "--sparsity", "a", "--s0", 1]


def cli_rows(path):
    """(train, test) as dicts of numpy arrays, read with pyarrow alone."""
    table = pq.read_table(path).to_pydict()
    out = {}
    for name in ("train", "test"):
        rows = [i for i, split in enumerate(table["split"]) if split == name]
        out[name] = {
            "tokens": np.array([table["tokens"][i] for i in rows], dtype=np.int32),
            "labels": np.array([table["label"][i] for i in rows], dtype=np.int64),
            "indices": np.array([table["index"][i] for i in rows], dtype=np.uint64),
        }
    return out["train"], out["test"]


@pytest.mark.parametrize(
    "cli_flags, options",
    [
        ([], {}),
        (["--sampling", "rejection"], {"sampling": "rejection"}),
        (["--replacement"], {"replacement": True}),
        (["--sample-seed", 99], {"sample_seed": 99}),
    ],
)
def test_rows_equal_srhm_generate_for_the_same_seeds(cli, tmp_path, small, cli_flags, options):
    out = tmp_path / "data.parquet"
    summary = generate(cli, out, *FLAGS, "--seed", 7, "--train", 500, "--test", 80, *cli_flags)
    data = srhm.Rules(small, seed=7).sample(500, 80, **options)
    assert data.sampling == summary["sampling"]
    for split, rows in zip((data.train, data.test), cli_rows(out)):
        np.testing.assert_array_equal(split.tokens, rows["tokens"])
        np.testing.assert_array_equal(split.labels, rows["labels"])
        np.testing.assert_array_equal(split.indices, rows["indices"])


def test_read_dataset_gives_the_files_arrays_pairs_and_parameters(cli, tmp_path, small):
    out = tmp_path / "pairs.parquet"
    generate(cli, out, *FLAGS, "--seed", 3, "--sample-seed", 5, "--train", 300, "--test", 50,
             "--pairs", "synonym:1,diffeo:2", "--diffeo-mode", "redraw-subtree")
    file = srhm.read_dataset(out, verify=True)
    assert file.params == small and (file.rules_seed, file.sample_seed) == (3, 5)
    rules = file.rules()
    data = rules.sample(300, 50, sample_seed=5)
    for split, read in ((data.train, file.train), (data.test, file.test)):
        np.testing.assert_array_equal(read.tokens, split.tokens)
        np.testing.assert_array_equal(read.labels, split.labels)
        np.testing.assert_array_equal(read.indices, split.indices)
        synonym = rules.synonym_exchange(split.tokens, 1, 5, keys=split.indices)
        diffeo = rules.diffeo(split.tokens, 2, 5, mode="redraw-subtree", keys=split.indices)
        np.testing.assert_array_equal(read.pairs["synonym_l1"], synonym)
        np.testing.assert_array_equal(read.pairs["diffeo_l2"], diffeo)
    # verify catches a change
    assert file.train.tokens.flags.writeable
    file.train.tokens[0, np.flatnonzero(file.train.tokens[0] >= 0)[0]] ^= 1
    with pytest.raises(ValueError, match="train tokens differ"):
        file.verify()


@pytest.mark.parametrize("sampling", ["permutation", "rejection"])
def test_no_datum_is_in_both_splits_and_none_twice(small, sampling):
    data = srhm.Rules(small, seed=2).sample(4000, 1000, sampling=sampling)
    train = {tuple(row) for row in data.train.tokens}
    test = {tuple(row) for row in data.test.tokens}
    assert len(train) == 4000 and len(test) == 1000
    assert not train & test


def test_replacement_keeps_duplicates_inside_a_split_but_never_across():
    tiny = srhm.Params(levels=1, patch=2, vocab=3, synonyms=3, classes=3)  # 9 data
    data = srhm.Rules(tiny, seed=0).sample(40, 3, replacement=True)
    train = [tuple(row) for row in data.train.tokens]
    assert len(set(train)) < len(train)
    assert not set(train) & {tuple(row) for row in data.test.tokens}


@pytest.mark.parametrize("sampling", ["auto", "rejection"])
def test_training_sets_are_nested_and_the_test_set_does_not_depend_on_p(small, sampling):
    rules = srhm.Rules(small, seed=4)
    small_p = rules.sample(100, 200, sampling=sampling)
    large_p = rules.sample(1000, 200, sampling=sampling)
    np.testing.assert_array_equal(large_p.train.tokens[:100], small_p.train.tokens)
    np.testing.assert_array_equal(large_p.test.tokens, small_p.test.tokens)


@pytest.mark.parametrize("sampling", ["auto", "rejection"])
def test_datum_data_and_tokens_regenerate_the_sampled_rows(small, sampling):
    rules = srhm.Rules(small, seed=6)
    data = rules.sample(300, 40, sample_seed=8, sampling=sampling)
    train_indices, test_indices = rules.indices(300, 40, sample_seed=8, sampling=sampling)
    np.testing.assert_array_equal(train_indices, data.train.indices)
    np.testing.assert_array_equal(test_indices, data.test.indices)
    for split in (data.train, data.test):
        tokens, labels = rules.data(split.indices, sample_seed=8, sampling=sampling)
        np.testing.assert_array_equal(tokens, split.tokens)
        np.testing.assert_array_equal(labels, split.labels)
        np.testing.assert_array_equal(
            rules.tokens(split.indices[::-1], sample_seed=8, sampling=sampling), split.tokens[::-1]
        )
        row, label = rules.datum(int(split.indices[17]), sample_seed=8, sampling=sampling)
        np.testing.assert_array_equal(row, split.tokens[17])
        assert label == split.labels[17]
    np.testing.assert_array_equal(rules.classify(data.train.tokens), data.train.labels)


def test_sampling_refusals_name_the_parameter(small):
    rules = srhm.Rules(small, seed=0)
    cases = [
        (lambda: rules.sample(small.count(), 1), "train"),  # more than the distinct data
        (lambda: rules.sample(-5), "train"),
        (lambda: rules.sample(10, sampling="sorted"), "sampling"),
        (lambda: rules.sample(10, sampling="permutation", replacement=True), "replacement"),
        (lambda: rules.sample(10, sample_seed=-1), "sample_seed"),
        (lambda: rules.datum(small.count()), "index"),
        (lambda: rules.data([0, small.count()]), "index"),
        (lambda: srhm.Rules(small, seed=2**64), "seed"),
        (lambda: rules.table(3), "level"),
    ]
    for call, param in cases:
        with pytest.raises(srhm.ParameterError) as caught:
            call()
        assert caught.value.param == param, (param, str(caught.value))


def test_rules_are_a_pure_function_of_parameters_and_seed(small):
    first, again, other = (srhm.Rules(small, seed=s) for s in (11, 11, 12))
    for level in (1, 2):
        np.testing.assert_array_equal(first.table(level), again.table(level))
    assert any(not np.array_equal(first.table(l), other.table(l)) for l in (1, 2))
    table = first.table(2)  # the classes' productions: distinct tuples, symbols in 0..v
    assert table.shape == (4, 4, 2) and table.max() < 4
    assert len({tuple(t) for t in table.reshape(-1, 2)}) == 16
