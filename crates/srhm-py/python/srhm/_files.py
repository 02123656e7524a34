"""Reading the Parquet files that ``srhm generate`` writes (needs pyarrow)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._core import Params, Rules

#: Key of the JSON parameters in a dataset file's metadata (srhm-store's PARAMS_KEY).
PARAMS_KEY = b"srhm.params"


@dataclass(frozen=True)
class FileSplit:
    """One split of a dataset file, as numpy arrays (the dtypes of ``Split``)."""

    tokens: np.ndarray  #: int32 [n, d], blank = -1
    labels: np.ndarray  #: int64 [n]
    indices: np.ndarray  #: uint64 [n], each row's stream index
    pairs: dict[str, np.ndarray] = field(default_factory=dict)  #: column -> int32 [n, d]

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class DatasetFile:
    """What an ``srhm generate`` file holds: both splits and how they were made."""

    params: Params
    rules_seed: int
    sample_seed: int
    sampling: str  #: "permutation", "rejection" or "replacement"
    train: FileSplit
    test: FileSplit
    meta: dict[str, Any]  #: the file's whole ``srhm.params`` record

    def rules(self) -> Rules:
        """The rules the file's data were drawn from."""
        return Rules(self.params, seed=self.rules_seed)

    def verify(self) -> None:
        """Regenerates every row (and transformed copy) from the seeds and raises
        ``ValueError`` naming the first split and column that differ."""
        rules = self.rules()
        for name, split in (("train", self.train), ("test", self.test)):
            tokens, labels = rules.data(
                split.indices, sample_seed=self.sample_seed, sampling=self.sampling
            )
            if not np.array_equal(tokens, split.tokens):
                raise ValueError(f"{name} tokens differ from the generator's")
            if not np.array_equal(labels, split.labels):
                raise ValueError(f"{name} labels differ from the generator's")
            for pair in self.meta.get("pairs", []):
                operator = pair["operator"]
                kind, level = operator["kind"], operator["level"]
                keys = {"keys": split.indices}
                if kind == "synonym":
                    moved = rules.synonym_exchange(split.tokens, level, pair["seed"], **keys)
                else:
                    mode = operator.get("mode", "pure")
                    moved = rules.diffeo(split.tokens, level, pair["seed"], mode=mode, **keys)
                if not np.array_equal(moved, split.pairs[pair["column"]]):
                    raise ValueError(f"{name} column {pair['column']} differs from the operator's")


def _params(meta: dict[str, Any]) -> Params:
    sparsity = meta["sparsity"]
    kind = sparsity["kind"]
    return Params(
        levels=meta["levels"],
        patch=meta["patch"],
        vocab=meta["vocab"],
        synonyms=meta["synonyms"],
        classes=meta["classes"],
        sparsity=None if kind == "none" else kind,
        s0=sparsity.get("s0"),
    )


def _tokens(column, n: int, d: int) -> np.ndarray:
    """A list<int32> (or fixed_size_list) column as an int32 [n, d] array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    flat = pc.list_flatten(column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column)
    values = np.array(flat.to_numpy(zero_copy_only=False), dtype=np.int32)  # a writable copy
    if values.size != n * d:
        raise ValueError(f"a token column holds {values.size} values, expected {n} rows of {d}")
    return values.reshape(n, d)


def read_dataset(path: str | os.PathLike[str], *, verify: bool = False) -> DatasetFile:
    """Reads a file written by ``srhm generate``: both splits as numpy arrays, the
    transformed columns (``--pairs``) in each split's ``pairs``, and the parameters.
    With ``verify=True`` every row is regenerated from the seeds and compared."""
    try:
        import pyarrow.parquet as pq
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "srhm.read_dataset needs pyarrow: pip install 'srhm[parquet]' (or pyarrow)"
        ) from error
    table = pq.read_table(os.fspath(path))
    metadata = table.schema.metadata or {}
    if PARAMS_KEY not in metadata:
        raise ValueError(f"{os.fspath(path)} is not a dataset file of SRHM lab (no srhm.params)")
    meta = json.loads(metadata[PARAMS_KEY])
    params = _params(meta)
    d = int(meta["input_len"])
    split_column = np.asarray(table.column("split").to_numpy(zero_copy_only=False))
    pair_columns = [pair["column"] for pair in meta.get("pairs", [])]

    def part(name: str) -> FileSplit:
        rows = np.flatnonzero(split_column == name)
        sub = table.take(rows)
        n = len(rows)
        return FileSplit(
            tokens=_tokens(sub.column("tokens"), n, d),
            labels=sub.column("label").to_numpy().astype(np.int64),
            indices=sub.column("index").to_numpy().astype(np.uint64),
            pairs={column: _tokens(sub.column(column), n, d) for column in pair_columns},
        )

    file = DatasetFile(
        params=params,
        rules_seed=int(meta["rules_seed"]),
        sample_seed=int(meta["sample_seed"]),
        sampling=meta["sampling"],
        train=part("train"),
        test=part("test"),
        meta=meta,
    )
    if verify:
        file.verify()
    return file
