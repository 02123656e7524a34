"""Type stubs of the Rust extension ``srhm._core`` (re-exported by ``srhm``)."""

from typing import Literal, final

import numpy as np
import numpy.typing as npt

__version__: str
#: Version of the Rust generator (srhm-grammar), recorded in every ``srhm generate`` file.
GENERATOR_VERSION: str
#: Token value of a blank (uninformative) position.
BLANK: int

Sampling = Literal["auto", "permutation", "rejection", "replacement"]
IntArray = npt.ArrayLike

class ParameterError(ValueError):
    """A parameter was refused; ``param`` names it."""

    param: str

@final
class Params:
    """The parameters of an (S)RHM; invalid values raise ``ParameterError``."""

    def __init__(
        self,
        *,
        levels: int,
        patch: int,
        vocab: int,
        synonyms: int,
        classes: int,
        sparsity: Literal["a", "b", "none"] | None = None,
        s0: int | None = None,
    ) -> None: ...
    @property
    def levels(self) -> int: ...
    @property
    def patch(self) -> int: ...
    @property
    def vocab(self) -> int: ...
    @property
    def synonyms(self) -> int: ...
    @property
    def classes(self) -> int: ...
    @property
    def sparsity(self) -> Literal["a", "b"] | None: ...
    @property
    def s0(self) -> int: ...
    @property
    def d(self) -> int:
        """Input length (s(s0+1))^L."""
    @property
    def informative_len(self) -> int: ...
    @property
    def side(self) -> int | None:
        """Side of the 2-D layout, or None when s or s0+1 is not a perfect square."""
    def count(self) -> int:
        """Exact number of distinct data (a Python int, beyond 2^64 too)."""
    def count_per_class(self) -> int: ...
    def arrangements_per_patch(self) -> int: ...
    def to_dict(self) -> dict[str, int | str | None]: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Split:
    """One split: tokens int32 [n, d], labels int64 [n], indices uint64 [n]."""

    @property
    def tokens(self) -> npt.NDArray[np.int32]: ...
    @property
    def labels(self) -> npt.NDArray[np.int64]: ...
    @property
    def indices(self) -> npt.NDArray[np.uint64]: ...
    def __len__(self) -> int: ...

@final
class Dataset:
    """A training and a test split sharing no datum."""

    @property
    def train(self) -> Split: ...
    @property
    def test(self) -> Split: ...
    @property
    def sampling(self) -> Literal["permutation", "rejection", "replacement"]: ...

@final
class Rules:
    """The production rules of every level, drawn from ``seed``."""

    def __init__(self, params: Params, seed: int | None = None) -> None: ...
    @property
    def params(self) -> Params: ...
    @property
    def seed(self) -> int: ...
    def table(self, level: int) -> npt.NDArray[np.uint32]:
        """uint32 [parents, m, s]: the productions of the level-``level`` symbols."""
    def sample(
        self,
        train: int,
        test: int | None = None,
        *,
        sample_seed: int | None = None,
        sampling: Sampling = "auto",
        replacement: bool = False,
    ) -> Dataset: ...
    def indices(
        self,
        train: int,
        test: int | None = None,
        *,
        sample_seed: int | None = None,
        sampling: Sampling = "auto",
        replacement: bool = False,
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]: ...
    def datum(
        self, index: int, *, sample_seed: int | None = None, sampling: Sampling = "auto"
    ) -> tuple[npt.NDArray[np.int32], int]: ...
    def data(
        self, indices: IntArray, *, sample_seed: int | None = None, sampling: Sampling = "auto"
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]: ...
    def tokens(
        self, indices: IntArray, *, sample_seed: int | None = None, sampling: Sampling = "auto"
    ) -> npt.NDArray[np.int32]: ...
    def classify(self, tokens: IntArray) -> npt.NDArray[np.int64]:
        """Each row's label, by parsing it back to its latent tree."""
    def synonym_exchange(
        self, tokens: IntArray, level: int, seed: int, *, keys: IntArray | None = None
    ) -> npt.NDArray[np.int32]: ...
    def diffeo(
        self,
        tokens: IntArray,
        level: int,
        seed: int,
        *,
        mode: Literal["pure", "redraw-subtree"] = "pure",
        keys: IntArray | None = None,
    ) -> npt.NDArray[np.int32]: ...

def one_hot(tokens: IntArray, vocab: int, *, whitened: bool = False) -> npt.NDArray[np.float32]:
    """[n, d] tokens -> float32 [n, v, d]."""

def to_2d(x: npt.NDArray[np.float32], params: Params) -> npt.NDArray[np.float32]:
    """float32 [n, v, d] -> [n, v, side, side]."""

def set_num_threads(threads: int) -> None: ...
def get_num_threads() -> int: ...
