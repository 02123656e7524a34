//! `srhm.Params`: L, s, v, m, nc and the sparsity, validated as the CLI validates its
//! flags, with the exact counts of distinct data as Python ints (they pass 2^64 quickly).

use num_bigint::BigUint;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use srhm_grammar::Sparsity;
use srhm_grammar::encoding::Layout2d;

use crate::errors;

/// The parameters of an (S)RHM.
#[pyclass(module = "srhm", frozen, eq, hash)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Params {
    /// The validated parameters.
    pub inner: srhm_grammar::Params,
}

/// `"a"`, `"b"` or `None` (also `"none"`) with `s0`, as the CLI's `--sparsity` and `--s0`.
fn sparsity(
    py: Python<'_>,
    kind: Option<&str>,
    s0: Option<&Bound<'_, PyAny>>,
) -> PyResult<Sparsity> {
    let s0 = s0.map(|s0| errors::small(py, "s0", s0, 0)).transpose()?;
    match (kind.map(str::to_ascii_lowercase).as_deref(), s0) {
        (None | Some("none"), None | Some(0)) => Ok(Sparsity::None),
        (None | Some("none"), Some(_)) => Err(errors::invalid(
            py,
            "s0",
            "only applies with sparsity \"a\" or \"b\"",
        )),
        (Some("a" | "b"), None) => Err(errors::invalid(
            py,
            "s0",
            "is required with sparsity \"a\" or \"b\"",
        )),
        (Some("a"), Some(s0)) => Ok(Sparsity::A { s0 }),
        (Some("b"), Some(s0)) => Ok(Sparsity::B { s0 }),
        (Some(other), _) => Err(errors::invalid(
            py,
            "sparsity",
            format!("must be \"a\", \"b\" or None, got {other:?}"),
        )),
    }
}

#[pymethods]
impl Params {
    #[new]
    #[pyo3(signature = (*, levels, patch, vocab, synonyms, classes, sparsity=None, s0=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        levels: &Bound<'_, PyAny>,
        patch: &Bound<'_, PyAny>,
        vocab: &Bound<'_, PyAny>,
        synonyms: &Bound<'_, PyAny>,
        classes: &Bound<'_, PyAny>,
        sparsity: Option<&str>,
        s0: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let inner = srhm_grammar::Params {
            levels: errors::small(py, "levels", levels, 0)?,
            patch: errors::small(py, "patch", patch, 0)?,
            vocab: errors::small(py, "vocab", vocab, 0)?,
            synonyms: errors::small(py, "synonyms", synonyms, 0)?,
            classes: errors::small(py, "classes", classes, 0)?,
            sparsity: self::sparsity(py, sparsity, s0)?,
        };
        inner.validate().map_err(|e| errors::grammar(py, e))?;
        Ok(Params { inner })
    }

    /// L, the number of levels.
    #[getter]
    fn levels(&self) -> u32 {
        self.inner.levels
    }

    /// s, the children per production.
    #[getter]
    fn patch(&self) -> u32 {
        self.inner.patch
    }

    /// v, the vocabulary size of every level.
    #[getter]
    fn vocab(&self) -> u32 {
        self.inner.vocab
    }

    /// m, the productions (synonyms) per symbol.
    #[getter]
    fn synonyms(&self) -> u32 {
        self.inner.synonyms
    }

    /// nc, the number of classes.
    #[getter]
    fn classes(&self) -> u32 {
        self.inner.classes
    }

    /// `"a"`, `"b"` or `None`.
    #[getter]
    fn sparsity(&self) -> Option<&'static str> {
        match self.inner.sparsity {
            Sparsity::None => None,
            Sparsity::A { .. } => Some("a"),
            Sparsity::B { .. } => Some("b"),
        }
    }

    /// s0, the blank slots per informative child (0 without sparsity).
    #[getter]
    fn s0(&self) -> u32 {
        self.inner.s0()
    }

    /// d, the input length: (s(s0+1))^L tokens.
    #[getter]
    fn d(&self) -> usize {
        self.inner.input_len()
    }

    /// s^L, the informative positions of an input.
    #[getter]
    fn informative_len(&self) -> usize {
        self.inner.informative_len()
    }

    /// Side of the 2-D layout's square images, or None when s or s0+1 is not a square.
    #[getter]
    fn side(&self) -> Option<usize> {
        Layout2d::new(&self.inner).ok().map(|layout| layout.side())
    }

    /// The exact number of distinct data, all classes together.
    fn count(&self) -> BigUint {
        self.inner.count_total()
    }

    /// The exact number of distinct data of one class (the same for every class).
    fn count_per_class(&self) -> BigUint {
        self.inner.count_per_class()
    }

    /// The exact number of ways one patch's s children can sit among its s(s0+1) slots.
    fn arrangements_per_patch(&self) -> BigUint {
        self.inner.arrangements_per_patch()
    }

    /// The keyword arguments that rebuild these parameters.
    #[allow(clippy::wrong_self_convention)] // a Python method: pyo3 takes `&self`
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("levels", self.inner.levels)?;
        dict.set_item("patch", self.inner.patch)?;
        dict.set_item("vocab", self.inner.vocab)?;
        dict.set_item("synonyms", self.inner.synonyms)?;
        dict.set_item("classes", self.inner.classes)?;
        dict.set_item("sparsity", self.sparsity())?;
        dict.set_item("s0", self.inner.s0())?;
        Ok(dict)
    }

    /// Pickling (e.g. into `DataLoader` workers started with "spawn"): rebuilt by keyword.
    fn __getnewargs_ex__<'py>(&self, py: Python<'py>) -> PyResult<((), Bound<'py, PyDict>)> {
        Ok(((), self.to_dict(py)?))
    }

    /// `Params(levels=…, …)`, valid Python that rebuilds them.
    pub fn __repr__(&self) -> String {
        let p = &self.inner;
        let sparsity = match self.sparsity() {
            None => String::new(),
            Some(kind) => format!(", sparsity={kind:?}, s0={}", p.s0()),
        };
        format!(
            "Params(levels={}, patch={}, vocab={}, synonyms={}, classes={}{sparsity})",
            p.levels, p.patch, p.vocab, p.synonyms, p.classes
        )
    }
}
