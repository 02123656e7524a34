//! Root package: owns the cross-crate tests in `tests/` and the benches in `benches/`.
