//! Errors as Python sees them: a refusal that names a parameter is a `ParameterError`
//! (a subclass of `ValueError`) whose `param` attribute is that name; any other refusal
//! (e.g. a row that is not a datum of the rules) is a plain `ValueError`.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyInt;
use srhm_grammar::GrammarError;
use srhm_transforms::TransformError;

pyo3::create_exception!(
    srhm,
    ParameterError,
    PyValueError,
    "A parameter was refused; `param` names it (as the CLI names the flag)."
);

/// A `ParameterError` about `param`, with `param` set on the exception.
pub fn parameter_error(py: Python<'_>, param: &str, message: impl Into<String>) -> PyErr {
    let error = ParameterError::new_err(message.into());
    // Setting an attribute on a fresh exception instance cannot fail in practice; if it
    // did, the message still names the parameter.
    let _ = error.value(py).setattr("param", param);
    error
}

/// `invalid parameter `param`: reason`, the wording of the Rust crates and the CLI.
pub fn invalid(py: Python<'_>, param: &str, reason: impl std::fmt::Display) -> PyErr {
    parameter_error(py, param, format!("invalid parameter `{param}`: {reason}"))
}

/// A generator error as Python sees it.
pub fn grammar(py: Python<'_>, error: GrammarError) -> PyErr {
    match error.param() {
        Some(param) => parameter_error(py, param, error.to_string()),
        None => PyValueError::new_err(error.to_string()),
    }
}

/// An operator error as Python sees it.
pub fn transform(py: Python<'_>, error: TransformError) -> PyErr {
    match error.param() {
        Some(param) => parameter_error(py, param, error.to_string()),
        None => PyValueError::new_err(error.to_string()),
    }
}

/// A whole number in `lo..=hi` from a Python object: an int outside the range is a
/// `ParameterError` naming `param`, anything but an int a `TypeError` naming it
/// (pyo3's own conversion would say "can't convert negative int" without the name).
pub fn integer(
    py: Python<'_>,
    param: &str,
    value: &Bound<'_, PyAny>,
    lo: u64,
    hi: u64,
) -> PyResult<u64> {
    if !value.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "parameter `{param}` must be an int, got {}",
            value.get_type().name()?
        )));
    }
    match value.extract::<i128>() {
        Ok(n) if n >= lo as i128 && n <= hi as i128 => Ok(n as u64),
        _ => Err(invalid(
            py,
            param,
            format!("must be in {lo}..={hi}, got {value}"),
        )),
    }
}

/// [`integer`] for sizes and counts that live in `u32`.
pub fn small(py: Python<'_>, param: &str, value: &Bound<'_, PyAny>, lo: u32) -> PyResult<u32> {
    integer(py, param, value, lo as u64, u32::MAX as u64).map(|n| n as u32)
}

/// A seed: any int in 0..2^64.
pub fn seed(py: Python<'_>, param: &str, value: &Bound<'_, PyAny>) -> PyResult<u64> {
    integer(py, param, value, 0, u64::MAX)
}

/// A number of data: any int in 0..=usize::MAX.
pub fn count(py: Python<'_>, param: &str, value: &Bound<'_, PyAny>) -> PyResult<usize> {
    integer(py, param, value, 0, usize::MAX as u64).map(|n| n as usize)
}
