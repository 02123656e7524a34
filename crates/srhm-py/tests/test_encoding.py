"""Encodings: one-hot and whitened shapes and values, the 2-D layout."""

import numpy as np
import pytest

import srhm


def test_one_hot_has_one_one_per_informative_position_and_zero_columns_for_blanks(small):
    tokens = srhm.Rules(small, seed=0).sample(64).train.tokens
    x = srhm.one_hot(tokens, small.vocab)
    assert x.shape == (64, small.vocab, small.d) and x.dtype == np.float32
    np.testing.assert_array_equal(x.sum(axis=1), (tokens >= 0).astype(np.float32))
    np.testing.assert_array_equal(np.where(tokens >= 0, x.argmax(axis=1), -1), tokens)
    assert set(np.unique(x)) == {0.0, 1.0}


def test_whitened_columns_are_centred_with_the_stated_norms(small):
    tokens = srhm.Rules(small, seed=0).sample(32).train.tokens
    v = small.vocab
    x = srhm.one_hot(tokens, v, whitened=True)
    informative = np.broadcast_to((tokens >= 0)[:, None, :], x.shape)
    columns = np.moveaxis(x, 1, 2)[tokens >= 0]
    np.testing.assert_allclose(columns.sum(axis=1), 0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(columns, axis=1), 1, rtol=1e-6)
    # a blank column: every entry -1/sqrt(v-1), so its norm is sqrt(v/(v-1))
    np.testing.assert_allclose(x[~informative], -1 / np.sqrt(v - 1), rtol=1e-6)


def test_one_hot_accepts_any_integer_array_like_and_refuses_foreign_tokens():
    np.testing.assert_array_equal(srhm.one_hot([[0, -1, 2]], 3)[0], [[1, 0, 0], [0, 0, 0], [0, 0, 1]])
    with pytest.raises(srhm.ParameterError) as caught:
        srhm.one_hot(np.array([[0, 3]]), 3)
    assert caught.value.param == "tokens"
    with pytest.raises(srhm.ParameterError) as caught:
        srhm.one_hot(np.array([[0, 1]]), 0)
    assert caught.value.param == "vocab"


def test_the_2d_layout_moves_every_column_to_its_own_cell():
    params = srhm.Params(levels=2, patch=4, vocab=4, synonyms=4, classes=4, sparsity="a", s0=3)
    tokens = srhm.Rules(params, seed=1).sample(8).train.tokens
    x = srhm.one_hot(tokens, params.vocab)
    images = srhm.to_2d(x, params)
    assert images.shape == (8, 4, params.side, params.side) and params.side**2 == params.d
    np.testing.assert_array_equal(np.sort(images.reshape(8, 4, -1), axis=2), np.sort(x, axis=2))
    with pytest.raises(srhm.ParameterError) as caught:
        srhm.to_2d(x[:, :, :16], srhm.Params(levels=2, patch=2, vocab=4, synonyms=4, classes=4))
    assert caught.value.param == "patch"
