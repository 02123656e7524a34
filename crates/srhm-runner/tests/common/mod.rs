//! What the runner's test files share.

use srhm_runner::{RunnerError, Spec};

/// A spec from its TOML text, through a file as users give it.
pub fn load_spec(text: &str) -> Result<Spec, RunnerError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.toml");
    std::fs::write(&path, text).unwrap();
    Spec::load(&path)
}
