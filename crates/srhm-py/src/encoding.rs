//! `srhm.one_hot` and `srhm.to_2d`: tokens to network inputs, float32, as the CLI and
//! the trainer encode them (`srhm_grammar::encoding`).

use numpy::{AllowTypeChange, IntoPyArray, PyArray3, PyArray4, PyArrayLike2, PyReadonlyArray3};
use pyo3::prelude::*;
use srhm_grammar::encoding::{Encoding, Layout2d, encode};

use crate::params::Params;
use crate::{errors, threads};

/// One-hot `[n, v, d]` float32 of `[n, d]` tokens (blank = −1 → a zero column); with
/// `whitened=True` the centred, unit-norm columns of SPEC §2 (blank = −1/√(v−1)).
/// Every token must be −1 or in 0..v.
#[pyfunction]
#[pyo3(signature = (tokens, vocab, *, whitened=false))]
pub fn one_hot<'py>(
    py: Python<'py>,
    tokens: PyArrayLike2<'py, i32, AllowTypeChange>,
    vocab: &Bound<'py, PyAny>,
    whitened: bool,
) -> PyResult<Bound<'py, PyArray3<f32>>> {
    let vocab = errors::small(py, "vocab", vocab, 1)?;
    let encoding = if whitened {
        Encoding::Whitened
    } else {
        Encoding::OneHot
    };
    let tokens = tokens.as_array();
    let x =
        threads::run(py, || encode(tokens, vocab, encoding)).map_err(|e| errors::grammar(py, e))?;
    Ok(x.into_pyarray(py))
}

/// `[n, v, d]` inputs laid out as `[n, v, side, side]` images (the CLI's `--layout 2d`):
/// needs s and s0+1 to be perfect squares.
#[pyfunction]
pub fn to_2d<'py>(
    py: Python<'py>,
    x: PyReadonlyArray3<'py, f32>,
    params: &Params,
) -> PyResult<Bound<'py, PyArray4<f32>>> {
    let layout = Layout2d::new(&params.inner).map_err(|e| errors::grammar(py, e))?;
    let x = x.as_array();
    let images = threads::run(py, || layout.apply(&x)).map_err(|e| errors::grammar(py, e))?;
    Ok(images.into_pyarray(py))
}
