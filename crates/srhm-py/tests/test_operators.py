"""Operators: keep the label, change what they must and nothing else, deterministic."""

import numpy as np
import pytest

import srhm


@pytest.fixture
def rules():
    params = srhm.Params(levels=2, patch=2, vocab=6, synonyms=6, classes=6, sparsity="a", s0=1)
    return srhm.Rules(params, seed=3)


def informative(tokens):
    """Each row's informative tokens in order (blanks dropped)."""
    return [row[row >= 0] for row in tokens]


@pytest.mark.parametrize("level", [1, 2])
def test_synonym_exchange_keeps_label_and_positions_and_changes_every_level_l_production(rules, level):
    tokens = rules.sample(500).train.tokens
    moved = rules.synonym_exchange(tokens, level, 0)
    np.testing.assert_array_equal(rules.classify(moved), rules.classify(tokens))
    np.testing.assert_array_equal(moved >= 0, tokens >= 0)  # positions kept
    # Every level-l production changed, and no two parents share a production: the s^level
    # informative tokens below each level-(l+1) node differ.
    block = 2**level
    for before, after in zip(informative(tokens), informative(moved)):
        for k in range(0, len(before), block):
            assert not np.array_equal(before[k:k + block], after[k:k + block])


@pytest.mark.parametrize("mode", ["pure", "redraw-subtree"])
def test_diffeo_keeps_label_and_moves_every_level_1_patch(rules, mode):
    tokens = rules.sample(500).train.tokens
    moved = rules.diffeo(tokens, 1, 0, mode=mode)
    np.testing.assert_array_equal(rules.classify(moved), rules.classify(tokens))
    slots = 4  # s(s0+1) slots per level-1 patch
    for row_before, row_after in zip(tokens, moved):
        for start in range(0, len(row_before), slots):
            before, after = row_before[start:start + slots], row_after[start:start + slots]
            if (before >= 0).any():
                assert not np.array_equal(before >= 0, after >= 0)
                # pure τ_1 moves level-1 tokens without changing them (their order too)
                np.testing.assert_array_equal(before[before >= 0], after[after >= 0])


def test_pure_diffeo_at_the_top_level_keeps_every_feature(rules):
    tokens = rules.sample(300).train.tokens
    moved = rules.diffeo(tokens, 2, 1)
    for before, after in zip(informative(tokens), informative(moved)):
        np.testing.assert_array_equal(before, after)
    assert not np.array_equal(moved >= 0, tokens >= 0)


def test_operators_are_deterministic_in_seed_and_keys(rules):
    data = rules.sample(200).train
    tokens, keys = data.tokens, data.indices
    for op in (rules.synonym_exchange, rules.diffeo):
        np.testing.assert_array_equal(op(tokens, 1, 5), op(tokens, 1, 5))
        assert not np.array_equal(op(tokens, 1, 5), op(tokens, 1, 6))
        # a datum gets the same transformation whatever rows surround it
        np.testing.assert_array_equal(
            op(tokens, 1, 5, keys=keys)[50:60], op(tokens[50:60], 1, 5, keys=keys[50:60])
        )


def test_operator_refusals_name_the_parameter(rules):
    tokens = rules.sample(10).train.tokens
    no_synonyms = srhm.Rules(srhm.Params(levels=2, patch=2, vocab=4, synonyms=1, classes=4), seed=0)
    no_sparsity = srhm.Rules(srhm.Params(levels=2, patch=2, vocab=4, synonyms=4, classes=4), seed=0)
    cases = [
        (lambda: rules.synonym_exchange(tokens, 0, 0), "level"),
        (lambda: rules.diffeo(tokens, 3, 0), "level"),
        (lambda: rules.diffeo(tokens, 1, 0, mode="warp"), "mode"),
        (lambda: rules.diffeo(tokens[:, :8], 1, 0), "tokens"),
        (lambda: rules.diffeo(tokens, 1, 0, keys=[1, 2]), "keys"),
        (lambda: no_synonyms.synonym_exchange(no_synonyms.sample(3).train.tokens, 1, 0), "synonyms"),
        (lambda: no_sparsity.diffeo(no_sparsity.sample(5).train.tokens, 1, 0), "s0"),
    ]
    for call, param in cases:
        with pytest.raises(srhm.ParameterError) as caught:
            call()
        assert caught.value.param == param, (param, str(caught.value))
    broken = tokens.copy()
    broken[3] = -1
    with pytest.raises(ValueError, match="row 3"):
        rules.synonym_exchange(broken, 1, 0)
    with pytest.raises(ValueError, match="row 3"):
        rules.classify(broken)
