//! `srhm._core`: the Python extension behind the `srhm` package (`python/srhm`).
//!
//! The generator (`srhm-grammar`) and the operators (`srhm-transforms`) as numpy arrays,
//! with nothing of libtorch: a wheel of a few hundred kilobytes.
//!
//! - [`params`]: `Params`, validated like the CLI's flags; exact counts as Python ints.
//! - [`rules`]: `Rules`, sampling (`Dataset`, `Split`), map-style access by stream index,
//!   and the operators (synonym exchange, diffeomorphism).
//! - [`encoding`]: `one_hot` (and whitened) encodings, the 2-D layout.
//! - [`errors`]: every refusal is a `ParameterError` (a `ValueError`) naming the parameter.
//! - [`threads`]: the thread pool every call runs in, with the GIL released.
//!
//! Every result is bit-identical to what `srhm generate` writes for the same seeds: both
//! call the same library functions, and they are deterministic whatever the thread count.

#![deny(missing_docs)]

pub mod encoding;
pub mod errors;
pub mod params;
pub mod rules;
pub mod threads;

use pyo3::prelude::*;

/// The extension module `srhm._core`; `srhm/__init__.py` re-exports it.
#[pymodule]
fn _core(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add("ParameterError", py.get_type::<errors::ParameterError>())?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add("GENERATOR_VERSION", srhm_grammar::VERSION)?;
    module.add("BLANK", srhm_grammar::BLANK)?;
    module.add_class::<params::Params>()?;
    module.add_class::<rules::Rules>()?;
    module.add_class::<rules::Split>()?;
    module.add_class::<rules::Dataset>()?;
    module.add_function(wrap_pyfunction!(encoding::one_hot, module)?)?;
    module.add_function(wrap_pyfunction!(encoding::to_2d, module)?)?;
    module.add_function(wrap_pyfunction!(threads::set_num_threads, module)?)?;
    module.add_function(wrap_pyfunction!(threads::get_num_threads, module)?)?;
    Ok(())
}
