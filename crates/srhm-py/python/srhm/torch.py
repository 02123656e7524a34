"""``SRHMDataset``: SRHM data as a map-style PyTorch ``Dataset``, encoded on the fly.

The dataset holds only the stream index of each datum (8 bytes, drawn exactly as
``Rules.sample`` draws them: no overlap between splits, no duplicates, nested training
sets); ``dataset[i]`` regenerates datum i and its one-hot encoding, deterministically,
in any process: it works with ``DataLoader(num_workers > 0)``. Batches go through
``__getitems__`` (one call into Rust per batch, where PyTorch supports it).

>>> import srhm, srhm.torch
>>> rules = srhm.Rules(srhm.Params(levels=2, patch=2, vocab=4, synonyms=4, classes=4), seed=0)
>>> train, test = srhm.torch.SRHMDataset.splits(rules, train=200, test=50)
>>> x, y = train[0]
>>> tuple(x.shape), y.dtype
((4, 4), torch.int64)
"""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np
import torch

from ._core import Rules, one_hot, to_2d

__all__ = ["SRHMDataset"]


class SRHMDataset(torch.utils.data.Dataset):
    """``(x, y)`` pairs: x float32 [v, d] (or [v, side, side] with ``layout="2d"``), y int64.

    ``SRHMDataset(rules, train=P, test=T, split="train")`` is the training split of
    ``rules.sample(P, T)`` with the same keyword arguments (``split="test"`` the test
    split); ``SRHMDataset.splits`` gives both at once.
    """

    def __init__(
        self,
        rules: Rules,
        train: int,
        test: int = 0,
        *,
        split: Literal["train", "test"] = "train",
        sample_seed: int | None = None,
        sampling: str = "auto",
        replacement: bool = False,
        whitened: bool = False,
        layout: Literal["1d", "2d"] = "1d",
        indices: np.ndarray | None = None,
    ) -> None:
        if split not in ("train", "test"):
            raise ValueError(f'invalid parameter `split`: must be "train" or "test", got {split!r}')
        if layout not in ("1d", "2d"):
            raise ValueError(f'invalid parameter `layout`: must be "1d" or "2d", got {layout!r}')
        if layout == "2d" and rules.params.side is None:
            raise ValueError(
                "invalid parameter `layout`: a 2-D layout needs s and s0+1 to be perfect squares"
            )
        if indices is None:
            train_indices, test_indices = rules.indices(
                train, test, sample_seed=sample_seed, sampling=sampling, replacement=replacement
            )
            indices = train_indices if split == "train" else test_indices
        self.rules = rules
        self.indices = np.ascontiguousarray(indices, dtype=np.uint64)
        self.split = split
        self.sample_seed = rules.seed if sample_seed is None else sample_seed
        # Replacement keeps the random stream; a datum's index alone fixes it.
        self.sampling = "replacement" if replacement else sampling
        self.whitened = whitened
        self.layout = layout

    @classmethod
    def splits(cls, rules: Rules, train: int, test: int, **options) -> tuple["SRHMDataset", "SRHMDataset"]:
        """The training and the test split of ``rules.sample(train, test, ...)``; the
        stream indices are drawn once for both."""
        keys = ("sample_seed", "sampling", "replacement")
        draw = {k: options[k] for k in keys if k in options}
        train_indices, test_indices = rules.indices(train, test, **draw)
        return (
            cls(rules, train, test, split="train", indices=train_indices, **options),
            cls(rules, train, test, split="test", indices=test_indices, **options),
        )

    def __len__(self) -> int:
        return len(self.indices)

    def batch(self, positions: Sequence[int] | np.ndarray | slice) -> tuple[torch.Tensor, torch.Tensor]:
        """Items ``positions`` as two tensors: x float32 [n, v, ...], y int64 [n]."""
        tokens, labels = self.rules.data(
            self.indices[positions], sample_seed=self.sample_seed, sampling=self.sampling
        )
        x = one_hot(tokens, self.rules.params.vocab, whitened=self.whitened)
        if self.layout == "2d":
            x = to_2d(x, self.rules.params)
        return torch.from_numpy(x), torch.from_numpy(labels)

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The whole split as two tensors (for full-batch training)."""
        return self.batch(slice(None))

    def __getitem__(self, position: int) -> tuple[torch.Tensor, torch.Tensor]:
        if not -len(self) <= position < len(self):
            raise IndexError(f"position {position} out of range for {len(self)} data")
        x, y = self.batch([position])
        return x[0], y[0]

    def __getitems__(self, positions: list[int]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        x, y = self.batch(np.asarray(positions, dtype=np.int64))
        return list(zip(x.unbind(0), y.unbind(0)))

    def __repr__(self) -> str:
        return f"SRHMDataset({self.rules!r}, split={self.split!r}, n={len(self)})"
