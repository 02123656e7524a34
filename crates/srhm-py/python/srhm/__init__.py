"""The Sparse Random Hierarchy Model (Tomasini & Wyart, ICML 2024) for Python.

The exact generator of SRHM lab, in Rust: rules, sampling without overlap or duplicates,
datum-by-index access, the synonym-exchange and diffeomorphism operators and the one-hot
encodings, all returning numpy arrays, bit-identical to ``srhm generate`` for the same
seeds. ``srhm.torch.SRHMDataset`` wraps it as a PyTorch ``Dataset``.

>>> import srhm
>>> params = srhm.Params(levels=2, patch=2, vocab=4, synonyms=4, classes=4, sparsity="a", s0=1)
>>> rules = srhm.Rules(params, seed=0)
>>> data = rules.sample(train=100, test=20)
>>> data.train.tokens.shape, params.count()
((100, 16), 16384)
>>> srhm.one_hot(data.train.tokens, params.vocab).shape
(100, 4, 16)
"""

from ._core import (
    BLANK,
    GENERATOR_VERSION,
    Dataset,
    ParameterError,
    Params,
    Rules,
    Split,
    __version__,
    get_num_threads,
    one_hot,
    set_num_threads,
    to_2d,
)
from ._files import DatasetFile, read_dataset

__all__ = [
    "BLANK",
    "GENERATOR_VERSION",
    "Dataset",
    "DatasetFile",
    "ParameterError",
    "Params",
    "Rules",
    "Split",
    "__version__",
    "get_num_threads",
    "one_hot",
    "read_dataset",
    "set_num_threads",
    "to_2d",
]
