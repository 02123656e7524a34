//! The `srhm` binary (and this crate's tests) load libtorch at run time: an rpath to the
//! libtorch torch-sys linked, and on a CUDA build of libtorch an explicit link to
//! libtorch_cuda so that the GPU is seen (tch's own link flags do not reach binaries).

fn main() {
    let lib = std::env::var("DEP_TCH_LIBTORCH_LIB")
        .expect("torch-sys tells its dependents where libtorch is (run `cargo xtask setup` first)");
    for target in ["bins", "tests"] {
        println!("cargo:rustc-link-arg-{target}=-Wl,-rpath,{lib}");
    }
    if std::path::Path::new(&lib).join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg-bins=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
