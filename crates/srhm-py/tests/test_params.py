"""Params: validation that names the parameter, exact counts (brute force, formula)."""

import math
import pickle

import numpy as np
import pytest

import srhm

GOOD = dict(levels=2, patch=2, vocab=4, synonyms=4, classes=4)


@pytest.mark.parametrize(
    "change, param",
    [
        (dict(levels=0), "levels"),
        (dict(patch=0), "patch"),
        (dict(vocab=0), "vocab"),
        (dict(synonyms=0), "synonyms"),
        (dict(classes=0), "classes"),
        (dict(synonyms=5), "synonyms"),  # m > v^(s-1)
        (dict(levels=-1), "levels"),
        (dict(vocab=2**40), "vocab"),
        (dict(sparsity="c", s0=1), "sparsity"),
        (dict(sparsity="a"), "s0"),
        (dict(s0=2), "s0"),
        (dict(sparsity="b", s0=-3), "s0"),
        (dict(levels=12, sparsity="a", s0=4), "levels"),  # d beyond the supported maximum
    ],
)
def test_invalid_values_raise_a_value_error_naming_the_parameter(change, param):
    with pytest.raises(srhm.ParameterError) as caught:
        srhm.Params(**{**GOOD, **change})
    assert isinstance(caught.value, ValueError)
    assert caught.value.param == param
    assert f"`{param}`" in str(caught.value)


def test_a_value_of_the_wrong_type_is_a_type_error_naming_the_parameter():
    with pytest.raises(TypeError, match="`vocab`"):
        srhm.Params(**{**GOOD, "vocab": 4.0})
    with pytest.raises(TypeError):
        srhm.Params(2, 2, 4, 4, 4)  # keyword-only, as the CLI's named flags


def formula(p: srhm.Params) -> int:
    """nc · (m · A)^(productions per datum), A the arrangements of one patch."""
    s, s0 = p.patch, p.s0
    arrangements = {None: 1, "a": (s0 + 1) ** s, "b": math.comb(s * (s0 + 1), s)}[p.sparsity]
    productions = sum(s**k for k in range(p.levels))
    return p.classes * (p.synonyms * arrangements) ** productions


@pytest.mark.parametrize(
    "kw",
    [
        dict(levels=1, patch=2, vocab=3, synonyms=3, classes=3),
        dict(levels=2, patch=2, vocab=2, synonyms=2, classes=2),
        dict(levels=1, patch=2, vocab=3, synonyms=2, classes=2, sparsity="a", s0=1),
        dict(levels=1, patch=2, vocab=3, synonyms=2, classes=2, sparsity="b", s0=1),
        dict(levels=2, patch=2, vocab=2, synonyms=2, classes=2, sparsity="b", s0=1),
    ],
)
def test_counts_equal_the_distinct_data_a_brute_force_draw_finds(kw):
    params = srhm.Params(**kw)
    total = params.count()
    assert total == formula(params) and total < 4000
    rules = srhm.Rules(params, seed=1)
    # Drawing with replacement 40x the count misses a datum with chance total·e^-40.
    draw = rules.sample(40 * total, sampling="replacement").train
    rows = {tuple(row) for row in draw.tokens}
    assert len(rows) == total
    per_class = np.bincount(rules.classify(np.array(sorted(rows))), minlength=params.classes)
    assert list(per_class) == [params.count_per_class()] * params.classes
    # The permutation stream enumerates the whole space: every datum exactly once.
    everything = rules.sample(total, sampling="permutation").train.tokens
    assert {tuple(row) for row in everything} == rows


def test_counts_are_exact_python_ints_beyond_2_to_the_64():
    params = srhm.Params(levels=3, patch=3, vocab=20, synonyms=20, classes=20, sparsity="b", s0=2)
    assert params.count() > 2**64
    assert params.count() == formula(params)
    assert params.count() == params.classes * params.count_per_class()
    assert params.arrangements_per_patch() == math.comb(9, 3)
    assert params.d == 9**3 and params.informative_len == 27


def test_params_round_trip_through_repr_pickle_and_dict_and_hash_by_value(small):
    assert eval(repr(small), {"Params": srhm.Params}) == small
    assert pickle.loads(pickle.dumps(small)) == small
    assert srhm.Params(**small.to_dict()) == small
    assert len({small, srhm.Params(**small.to_dict())}) == 1
    assert small.side is None
    square = srhm.Params(levels=2, patch=4, vocab=4, synonyms=4, classes=4, sparsity="a", s0=3)
    assert square.side == 16 and square.d == 256
