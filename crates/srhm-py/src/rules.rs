//! `srhm.Rules`: production rules drawn from a seed, the data they generate (`sample`,
//! or datum by datum from stream indices) and the operators acting on those data.
//!
//! A datum is a pure function of (rules seed, sample seed, sampling mode, stream index),
//! exactly as in `srhm generate`: `rules.data(split.indices)` rebuilds `split.tokens`.

use std::sync::Arc;

use ndarray::{Array1, Array3};
use numpy::{
    AllowTypeChange, IntoPyArray, PyArray1, PyArray2, PyArray3, PyArrayLike1, PyArrayLike2,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;
use rayon::prelude::*;
use srhm_grammar::{Datum, Sampler, SamplingMode};
use srhm_transforms::{DiffeoMode, Operator, transform_rows};

use crate::params::Params;
use crate::{errors, threads};

/// The production rules of every level, drawn from `seed`.
#[pyclass(module = "srhm", frozen)]
pub struct Rules {
    inner: Arc<srhm_grammar::Rules>,
}

/// One split of a dataset: `tokens` int32 [n, d] (blank = −1), `labels` int64 [n],
/// `indices` uint64 [n] (each datum's stream index).
#[pyclass(module = "srhm", frozen)]
pub struct Split {
    /// int32 [n, d], blank = −1.
    #[pyo3(get)]
    tokens: Py<PyArray2<i32>>,
    /// int64 [n], in 0..nc (int64: what PyTorch's losses take).
    #[pyo3(get)]
    labels: Py<PyArray1<i64>>,
    /// uint64 [n]: `rules.data(indices, …)` regenerates the rows.
    #[pyo3(get)]
    indices: Py<PyArray1<u64>>,
    len: usize,
}

/// A training and a test split that share no datum, and the sampling mode used.
#[pyclass(module = "srhm", frozen)]
pub struct Dataset {
    /// The training split.
    #[pyo3(get)]
    train: Py<Split>,
    /// The test split.
    #[pyo3(get)]
    test: Py<Split>,
    /// The mode actually used: "permutation", "rejection" or "replacement".
    #[pyo3(get)]
    sampling: &'static str,
}

/// Two arrays returned together (a Python tuple).
type Two<'py, A, B> = (Bound<'py, A>, Bound<'py, B>);

fn mode_name(mode: SamplingMode) -> &'static str {
    match mode {
        SamplingMode::Auto => "auto",
        SamplingMode::Permutation => "permutation",
        SamplingMode::Rejection => "rejection",
        SamplingMode::Replacement => "replacement",
    }
}

/// The CLI's `--sampling` and `--replacement`, as keyword arguments.
fn sampling_mode(py: Python<'_>, sampling: &str, replacement: bool) -> PyResult<SamplingMode> {
    let mode = match sampling {
        "auto" => SamplingMode::Auto,
        "permutation" => SamplingMode::Permutation,
        "rejection" => SamplingMode::Rejection,
        "replacement" => SamplingMode::Replacement,
        other => {
            return Err(errors::invalid(
                py,
                "sampling",
                format!(
                    "must be \"auto\", \"permutation\", \"rejection\" or \"replacement\", got {other:?}"
                ),
            ));
        }
    };
    match (replacement, mode) {
        (false, mode) => Ok(mode),
        (true, SamplingMode::Auto | SamplingMode::Replacement) => Ok(SamplingMode::Replacement),
        (true, other) => Err(errors::invalid(
            py,
            "replacement",
            format!("conflicts with sampling={:?}", mode_name(other)),
        )),
    }
}

/// Labels as int64, what PyTorch's losses take.
fn labels(labels: &[u32]) -> Array1<i64> {
    labels.iter().map(|&l| l as i64).collect()
}

fn split(py: Python<'_>, split: srhm_grammar::Split) -> PyResult<Py<Split>> {
    let len = split.len();
    Py::new(
        py,
        Split {
            tokens: split.tokens.into_pyarray(py).unbind(),
            labels: labels(&split.labels).into_pyarray(py).unbind(),
            indices: Array1::from(split.indices).into_pyarray(py).unbind(),
            len,
        },
    )
}

/// The numbers of training and test data asked for (test defaults to 0).
fn sizes(
    py: Python<'_>,
    train: &Bound<'_, PyAny>,
    test: Option<&Bound<'_, PyAny>>,
) -> PyResult<(usize, usize)> {
    let train = errors::count(py, "train", train)?;
    let test = test.map(|t| errors::count(py, "test", t)).transpose()?;
    Ok((train, test.unwrap_or(0)))
}

impl Rules {
    /// What a sampler needs, checked: the sample seed (the rules seed if None) and mode.
    fn stream(
        &self,
        py: Python<'_>,
        sample_seed: Option<&Bound<'_, PyAny>>,
        sampling: &str,
        replacement: bool,
    ) -> PyResult<(u64, SamplingMode)> {
        let seed = match sample_seed {
            Some(seed) => errors::seed(py, "sample_seed", seed)?,
            None => self.inner.seed(),
        };
        Ok((seed, sampling_mode(py, sampling, replacement)?))
    }

    fn level(&self, py: Python<'_>, level: &Bound<'_, PyAny>) -> PyResult<u32> {
        errors::small(py, "level", level, 0)
    }

    fn transform<'py>(
        &self,
        py: Python<'py>,
        tokens: PyArrayLike2<'py, i32, AllowTypeChange>,
        operator: Operator,
        seed: &Bound<'py, PyAny>,
        keys: Option<PyArrayLike1<'py, u64, AllowTypeChange>>,
    ) -> PyResult<Bound<'py, PyArray2<i32>>> {
        let seed = errors::seed(py, "seed", seed)?;
        let tokens = tokens.as_array();
        let keys: Vec<u64> = match &keys {
            Some(keys) => keys.as_array().to_vec(),
            None => (0..tokens.nrows() as u64).collect(),
        };
        let rules = &*self.inner;
        let moved = threads::run(py, || transform_rows(rules, tokens, &keys, operator, seed))
            .map_err(|e| errors::transform(py, e))?;
        Ok(moved.into_pyarray(py))
    }
}

#[pymethods]
impl Rules {
    #[new]
    #[pyo3(signature = (params, seed=None))]
    fn new(py: Python<'_>, params: &Params, seed: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let seed = seed
            .map(|s| errors::seed(py, "seed", s))
            .transpose()?
            .unwrap_or(0);
        let params = params.inner;
        let inner = threads::run(py, || srhm_grammar::Rules::sample(&params, seed))
            .map_err(|e| errors::grammar(py, e))?;
        Ok(Rules {
            inner: Arc::new(inner),
        })
    }

    /// The parameters the rules were drawn for.
    #[getter]
    fn params(&self) -> Params {
        Params {
            inner: *self.inner.params(),
        }
    }

    /// The seed the rules were drawn from (the CLI's `--seed`).
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.seed()
    }

    /// The productions of the level-`level` symbols (level in 1..=L; level L's parents
    /// are the classes): uint32 [parents, m, s], entry [a, k] the k-th tuple of symbol a.
    fn table<'py>(
        &self,
        py: Python<'py>,
        level: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray3<u32>>> {
        let level = self.level(py, level)?;
        let rules = self
            .inner
            .level(level)
            .map_err(|e| errors::grammar(py, e))?;
        let p = self.inner.params();
        let mut table = Array3::zeros((
            rules.parents() as usize,
            p.synonyms as usize,
            p.patch as usize,
        ));
        for (parent, production, children) in rules.iter() {
            for (k, &child) in children.iter().enumerate() {
                table[[parent as usize, production as usize, k]] = child;
            }
        }
        Ok(table.into_pyarray(py))
    }

    /// Draws `train` training and `test` test data, as `srhm generate` does with the same
    /// seeds: no datum in both splits, no duplicates (unless `replacement`), training sets
    /// nested as `train` grows, the test set independent of `train`.
    /// `sample_seed` defaults to the rules seed (as the CLI's `--sample-seed`).
    #[pyo3(signature = (train, test=None, *, sample_seed=None, sampling="auto", replacement=false))]
    fn sample(
        &self,
        py: Python<'_>,
        train: &Bound<'_, PyAny>,
        test: Option<&Bound<'_, PyAny>>,
        sample_seed: Option<&Bound<'_, PyAny>>,
        sampling: &str,
        replacement: bool,
    ) -> PyResult<Dataset> {
        let (train, test) = sizes(py, train, test)?;
        let (seed, mode) = self.stream(py, sample_seed, sampling, replacement)?;
        let rules = &*self.inner;
        let data = threads::run(py, || {
            Sampler::new(rules, seed, mode).and_then(|sampler| sampler.sample(train, test))
        })
        .map_err(|e| errors::grammar(py, e))?;
        Ok(Dataset {
            train: split(py, data.train)?,
            test: split(py, data.test)?,
            sampling: mode_name(data.mode),
        })
    }

    /// The stream indices `sample` would draw, without rendering tokens: (train, test),
    /// uint64 arrays. With the permutation mode this costs nothing; `data` renders them.
    #[pyo3(signature = (train, test=None, *, sample_seed=None, sampling="auto", replacement=false))]
    fn indices<'py>(
        &self,
        py: Python<'py>,
        train: &Bound<'py, PyAny>,
        test: Option<&Bound<'py, PyAny>>,
        sample_seed: Option<&Bound<'py, PyAny>>,
        sampling: &str,
        replacement: bool,
    ) -> PyResult<Two<'py, PyArray1<u64>, PyArray1<u64>>> {
        let (train, test) = sizes(py, train, test)?;
        let (seed, mode) = self.stream(py, sample_seed, sampling, replacement)?;
        let rules = &*self.inner;
        let (train, test) = threads::run(py, || {
            Sampler::new(rules, seed, mode).and_then(|sampler| sampler.indices(train, test))
        })
        .map_err(|e| errors::grammar(py, e))?;
        Ok((
            Array1::from(train).into_pyarray(py),
            Array1::from(test).into_pyarray(py),
        ))
    }

    /// The datum at stream index `index`: (tokens int32 [d], label). Same stream as
    /// `sample` with the same `sample_seed` and `sampling`.
    #[pyo3(signature = (index, *, sample_seed=None, sampling="auto"))]
    fn datum<'py>(
        &self,
        py: Python<'py>,
        index: &Bound<'py, PyAny>,
        sample_seed: Option<&Bound<'py, PyAny>>,
        sampling: &str,
    ) -> PyResult<(Bound<'py, PyArray1<i32>>, u32)> {
        let index = errors::seed(py, "index", index)?;
        let (seed, mode) = self.stream(py, sample_seed, sampling, false)?;
        let datum = Sampler::new(&self.inner, seed, mode)
            .and_then(|sampler| sampler.datum(index))
            .map_err(|e| errors::grammar(py, e))?;
        Ok((datum.tokens(&self.inner).into_pyarray(py), datum.label()))
    }

    /// The data at the given stream indices: (tokens int32 [n, d], labels int64 [n]).
    #[pyo3(signature = (indices, *, sample_seed=None, sampling="auto"))]
    fn data<'py>(
        &self,
        py: Python<'py>,
        indices: PyArrayLike1<'py, u64, AllowTypeChange>,
        sample_seed: Option<&Bound<'py, PyAny>>,
        sampling: &str,
    ) -> PyResult<Two<'py, PyArray2<i32>, PyArray1<i64>>> {
        let (seed, mode) = self.stream(py, sample_seed, sampling, false)?;
        let indices = indices.as_array().to_vec();
        let rules = &*self.inner;
        let split = threads::run(py, || {
            Sampler::new(rules, seed, mode).and_then(|sampler| sampler.split(indices))
        })
        .map_err(|e| errors::grammar(py, e))?;
        Ok((
            split.tokens.into_pyarray(py),
            labels(&split.labels).into_pyarray(py),
        ))
    }

    /// The tokens (int32 [n, d]) of the data at the given stream indices.
    #[pyo3(signature = (indices, *, sample_seed=None, sampling="auto"))]
    fn tokens<'py>(
        &self,
        py: Python<'py>,
        indices: PyArrayLike1<'py, u64, AllowTypeChange>,
        sample_seed: Option<&Bound<'py, PyAny>>,
        sampling: &str,
    ) -> PyResult<Bound<'py, PyArray2<i32>>> {
        self.data(py, indices, sample_seed, sampling)
            .map(|(tokens, _)| tokens)
    }

    /// The label of each row of `tokens`, read off by parsing the row back to its latent
    /// tree (the Bayes-optimal classifier, which knows the rules). A row that is not a
    /// datum of these rules is a `ValueError` naming the row.
    fn classify<'py>(
        &self,
        py: Python<'py>,
        tokens: PyArrayLike2<'py, i32, AllowTypeChange>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let tokens = tokens.as_array();
        let rules = &*self.inner;
        if tokens.ncols() != rules.params().input_len() {
            return Err(errors::invalid(
                py,
                "tokens",
                format!(
                    "rows have {} tokens, the rules make {}",
                    tokens.ncols(),
                    rules.params().input_len()
                ),
            ));
        }
        let labels = threads::run(py, || {
            tokens
                .outer_iter()
                .into_par_iter()
                .enumerate()
                .map(|(row, tokens)| {
                    Datum::parse(rules, &tokens.to_vec())
                        .map(|datum| datum.label() as i64)
                        .map_err(|e| format!("row {row}: {e}"))
                })
                .collect::<Result<Vec<i64>, String>>()
        })
        .map_err(PyValueError::new_err)?;
        Ok(Array1::from(labels).into_pyarray(py))
    }

    /// p_l: every informative level-`level` production of each row swapped for another
    /// production of the same parent (the levels below redrawn, positions kept); labels
    /// unchanged. Row i uses random stream `keys[i]` of `seed` (default: i); pass the
    /// split's `indices` and the sample seed to get `srhm generate --pairs synonym:l`.
    #[pyo3(signature = (tokens, level, seed, *, keys=None))]
    fn synonym_exchange<'py>(
        &self,
        py: Python<'py>,
        tokens: PyArrayLike2<'py, i32, AllowTypeChange>,
        level: &Bound<'py, PyAny>,
        seed: &Bound<'py, PyAny>,
        keys: Option<PyArrayLike1<'py, u64, AllowTypeChange>>,
    ) -> PyResult<Bound<'py, PyArray2<i32>>> {
        let operator = Operator::synonym(self.level(py, level)?);
        self.transform(py, tokens, operator, seed, keys)
    }

    /// τ_l: every informative level-`level` patch of each row rearranged (a different
    /// arrangement); `mode="redraw-subtree"` also redraws everything below, as the
    /// authors' code does. Keys and seed as in `synonym_exchange`.
    #[pyo3(signature = (tokens, level, seed, *, mode="pure", keys=None))]
    fn diffeo<'py>(
        &self,
        py: Python<'py>,
        tokens: PyArrayLike2<'py, i32, AllowTypeChange>,
        level: &Bound<'py, PyAny>,
        seed: &Bound<'py, PyAny>,
        mode: &str,
        keys: Option<PyArrayLike1<'py, u64, AllowTypeChange>>,
    ) -> PyResult<Bound<'py, PyArray2<i32>>> {
        let mode = match mode {
            "pure" => DiffeoMode::Pure,
            "redraw-subtree" => DiffeoMode::RedrawSubtree,
            other => {
                return Err(errors::invalid(
                    py,
                    "mode",
                    format!("must be \"pure\" or \"redraw-subtree\", got {other:?}"),
                ));
            }
        };
        let operator = Operator::Diffeo {
            level: self.level(py, level)?,
            mode,
        };
        self.transform(py, tokens, operator, seed, keys)
    }

    /// Pickling: rules are rebuilt from their parameters and seed (they are a pure
    /// function of both), so a `DataLoader` worker gets them for a few bytes.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyType>, (Params, u64))> {
        let rules = slf.get();
        Ok((py.get_type::<Rules>(), (rules.params(), rules.inner.seed())))
    }

    fn __repr__(&self) -> String {
        format!(
            "Rules({}, seed={})",
            self.params().__repr__(),
            self.inner.seed()
        )
    }
}

#[pymethods]
impl Split {
    fn __len__(&self) -> usize {
        self.len
    }

    fn __repr__(&self) -> String {
        format!("Split(n={})", self.len)
    }
}

#[pymethods]
impl Dataset {
    fn __repr__(&self) -> String {
        format!(
            "Dataset(train={}, test={}, sampling={:?})",
            self.train.get().len,
            self.test.get().len,
            self.sampling
        )
    }
}
