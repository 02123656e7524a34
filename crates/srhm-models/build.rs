//! Tests and benches of this crate load libtorch at run time: give them an
//! rpath to the libtorch that torch-sys linked (tch's own link flags do not reach
//! downstream binaries). See `srhm-models/README.md`.

fn main() {
    let lib = std::env::var("DEP_TCH_LIBTORCH_LIB")
        .expect("torch-sys tells its dependents where libtorch is (run `cargo xtask setup` first)");
    // Every linked target of this package: integration tests and the unit tests of the lib.
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
}
