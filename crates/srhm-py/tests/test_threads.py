"""Threads: results do not depend on the thread count; calls release the GIL."""

import threading

import numpy as np

import srhm


def run_everything():
    params = srhm.Params(levels=3, patch=2, vocab=8, synonyms=8, classes=8, sparsity="a", s0=1)
    rules = srhm.Rules(params, seed=3)
    data = rules.sample(20000, 2000, sampling="rejection")
    tokens = data.train.tokens
    return [
        data.train.tokens, data.test.indices,
        srhm.one_hot(tokens, params.vocab, whitened=True),
        rules.synonym_exchange(tokens, 1, 4), rules.diffeo(tokens, 2, 4),
        rules.classify(tokens),
    ]


def test_the_same_results_with_one_and_two_threads():
    before = srhm.get_num_threads()
    try:
        srhm.set_num_threads(1)
        assert srhm.get_num_threads() == 1
        one = run_everything()
        srhm.set_num_threads(2)
        assert srhm.get_num_threads() == 2
        two = run_everything()
    finally:
        srhm.set_num_threads(before)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_python_threads_run_while_the_generator_works(small):
    rules = srhm.Rules(srhm.Params(levels=3, patch=2, vocab=8, synonyms=8, classes=8,
                                   sparsity="a", s0=1), seed=0)
    results = {}
    worker = threading.Thread(target=lambda: results.setdefault("data", rules.sample(400000)))
    ticks = 0
    worker.start()
    while worker.is_alive():
        ticks += 1  # only runs if the call released the GIL
        worker.join(timeout=0.001)
    assert len(results["data"].train) == 400000
    assert ticks > 5


def test_threads_refusal_names_the_parameter():
    try:
        srhm.set_num_threads(0)
    except srhm.ParameterError as error:
        assert error.param == "threads"
    else:
        raise AssertionError("0 threads accepted")
