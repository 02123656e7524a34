//! The root package's benches and tests that train networks load libtorch at run time:
//! give them an rpath to it. `.cargo/config.toml` points `LIBTORCH` at the project's
//! `.venv` (made by `cargo xtask setup`); without it nothing here needs libtorch.

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Some(root) = std::env::var_os("LIBTORCH") {
        let lib = std::path::Path::new(&root).join("lib");
        for target in ["benches", "tests"] {
            println!("cargo:rustc-link-arg-{target}=-Wl,-rpath,{}", lib.display());
        }
    }
}
