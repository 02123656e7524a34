//! Repository chores, in Rust so they run wherever cargo does (rust-analyzer's xtask pattern).
//!
//! - `cargo xtask setup`: the project-local Python environment (`.venv`) and the `srhm`
//!   Python package built from `crates/srhm-py` into it, idempotent.
//! - `cargo xtask test`: setup, then every test of the workspace (nextest + doc tests),
//!   the Python package's (pytest), then the Slurm test (`cargo xtask test-slurm`).
//! - `cargo xtask test-slurm`: `srhm sweep` against a real single-node Slurm
//!   (`tests/slurm/single_node.sh`; installs Debian's Slurm and munge if missing).
//! - `cargo xtask figures [--preset quick|smoke|paper] [--only …] [--plot-only]`: setup,
//!   then every figure of the paper (`srhm figures`), results and PNGs in `paper-figures/`.
//! - `cargo xtask srhm ARGS…`: setup, then the release `srhm` binary with ARGS.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use sha2::{Digest, Sha256};

#[derive(Parser)]
#[command(name = "xtask", about = "SRHM lab repository tasks")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Create the project-local .venv with the pinned Python packages and the `srhm` package
    /// built from crates/srhm-py (idempotent, quiet when done; rebuilt when its sources change).
    Setup,
    /// Run setup, then every test: `cargo nextest run --workspace`, the doc tests, the
    /// Python package's tests (pytest), and the Slurm test (when run as root, who may install Debian's Slurm, or with
    /// `--slurm`; otherwise it is skipped with one line saying so).
    Test {
        /// Run the real-Slurm test even when not root (Slurm and munge already installed).
        #[arg(long)]
        slurm: bool,
        /// Extra arguments passed to `cargo nextest run` (e.g. a test filter); with any,
        /// only nextest runs.
        #[arg(trailing_var_arg = true)]
        nextest_args: Vec<String>,
    },
    /// Resolve xtask/python-requirements.txt on this platform and write every package of
    /// the resolved set with its wheel's SHA-256 into xtask/python-requirements.lock, which
    /// setup installs with --require-hashes on the same platform.
    Lock,
    /// `srhm sweep` against a real single-node Slurm started for the test (needs root;
    /// installs Debian's slurmctld, slurmd, slurm-client and munge if missing).
    TestSlurm,
    /// Run setup, then every figure of the paper: `srhm figures` (release build) with
    /// these arguments, e.g. `--preset quick`, `--only fig04,fig06`, `--plot-only`.
    Figures {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run setup, build `srhm` in release mode and run it with these arguments.
    Srhm {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let root = workspace_root();
    match cli.command {
        Task::Setup => setup(&root).map(|_| ()),
        Task::Test {
            slurm,
            nextest_args,
        } => test(&root, slurm, &nextest_args),
        Task::TestSlurm => test_slurm(&root),
        Task::Lock => lock(&root),
        Task::Srhm { args } => srhm(&root, &args),
        Task::Figures { args } => {
            let mut all = vec!["figures".to_string()];
            all.extend(args);
            srhm(&root, &all)
        }
    }
}

/// Setup, then the release `srhm` binary with `args`, from the repository root.
fn srhm(root: &Path, args: &[String]) -> Result<()> {
    setup(root)?;
    run(Command::new(cargo())
        .current_dir(root)
        .args(["run", "--release", "--quiet", "--bin", "srhm", "--"])
        .args(args))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

/// Makes `.venv` hold exactly the pinned requirements and the `srhm` package of this
/// checkout; returns its Python.
fn setup(root: &Path) -> Result<PathBuf> {
    let python = python_requirements(root)?;
    python_package(root, &python)?;
    Ok(python)
}

/// Makes `.venv` hold exactly the pinned requirements; returns its Python.
/// A stamp file records the requirements it was built from, so a second call is a no-op.
fn python_requirements(root: &Path) -> Result<PathBuf> {
    let venv = root.join(".venv");
    let python = venv.join("bin").join("python");
    let requirements_path = root.join("xtask").join("python-requirements.txt");
    let requirements = std::fs::read_to_string(&requirements_path)
        .with_context(|| format!("reading {}", requirements_path.display()))?;
    let lock_path = root.join("xtask").join(LOCK);
    let lock = std::fs::read_to_string(&lock_path).ok();
    let stamp = venv.join(".srhm-requirements");
    if python.exists()
        && venv.join(LIBTORCH_LINK).exists()
        && std::fs::read_to_string(&stamp)
            .is_ok_and(|done| done == requirements || Some(&done) == lock.as_ref())
    {
        return Ok(python);
    }
    eprintln!("xtask setup: setting up {}", venv.display());
    if !python.exists() {
        let host_python = ["python3", "python"]
            .into_iter()
            .find(|p| {
                Command::new(p)
                    .arg("--version")
                    .output()
                    .is_ok_and(|o| o.status.success())
            })
            .context(
                "no python3 on PATH: install Python 3.10 or newer (with venv and pip), then rerun",
            )?;
        run(Command::new(host_python).args(["-m", "venv"]).arg(&venv)).context(
            "creating the virtual environment failed (on Debian: apt-get install python3-venv)",
        )?;
    }
    let here = platform(&python)?;
    let locked = lock.filter(|lock| lock_platform(lock) == Some(here.as_str()));
    let mut pip = pip_install(&python);
    match &locked {
        Some(_) => {
            eprintln!("xtask setup: installing {}", lock_path.display());
            pip.args(["--require-hashes", "--no-deps", "-r"])
                .arg(&lock_path)
        }
        None => {
            eprintln!(
                "xtask setup: {} is not for this platform ({here}): installing the top-level \
                 pins of {} and whatever they resolve to",
                lock_path.display(),
                requirements_path.display()
            );
            pip.arg("-r").arg(&requirements_path)
        }
    };
    run(&mut pip).context("pip could not install the pinned packages: check that PyPI is reachable, then rerun `cargo xtask setup`")?;
    link_libtorch(&venv, &python)?;
    std::fs::write(&stamp, locked.as_ref().unwrap_or(&requirements))?;
    Ok(python)
}

/// `python -m pip install`, quiet.
fn pip_install(python: &Path) -> Command {
    let mut pip = Command::new(python);
    pip.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]);
    pip
}

/// The lock file beside python-requirements.txt.
const LOCK: &str = "python-requirements.lock";

/// `cp311-linux-x86_64`: what a lock is valid for (its wheels are for one interpreter,
/// OS and architecture).
fn platform(python: &Path) -> Result<String> {
    let output = Command::new(python)
        .args([
            "-c",
            "import sys, platform; print(f'cp{sys.version_info[0]}{sys.version_info[1]}-{sys.platform}-{platform.machine()}')",
        ])
        .output()
        .context("running the venv's python")?;
    if !output.status.success() {
        bail!("the venv's python does not run: remove .venv and rerun `cargo xtask setup`");
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The platform a lock names on its `# platform: …` line.
fn lock_platform(lock: &str) -> Option<&str> {
    lock.lines()
        .find_map(|line| line.strip_prefix("# platform: "))
        .map(str::trim)
}

/// `cargo xtask lock`: resolves the requirements with pip (`--dry-run --report`, nothing
/// installed) and writes the whole set with hashes.
fn lock(root: &Path) -> Result<()> {
    let python = python_requirements(root)?;
    let requirements = root.join("xtask").join("python-requirements.txt");
    let report = tempfile_path(root, "pip-report.json");
    run(pip_install(&python)
        .args(["--dry-run", "--ignore-installed", "--report"])
        .arg(&report)
        .arg("-r")
        .arg(&requirements))
    .context("pip could not resolve the requirements")?;
    let text = std::fs::read_to_string(&report)?;
    std::fs::remove_file(&report)?;
    let report: serde_json::Value = serde_json::from_str(&text).context("reading pip's report")?;
    let mut packages: Vec<(String, String, String)> = report["install"]
        .as_array()
        .context("pip's report has no `install` list")?
        .iter()
        .map(|item| {
            let name = item["metadata"]["name"].as_str().unwrap_or_default();
            let version = item["metadata"]["version"].as_str().unwrap_or_default();
            let hash = item["download_info"]["archive_info"]["hashes"]["sha256"]
                .as_str()
                .with_context(|| format!("no sha256 for {name} in pip's report"))?;
            Ok((name.to_lowercase(), version.to_string(), hash.to_string()))
        })
        .collect::<Result<_>>()?;
    packages.sort();
    let mut lock = format!(
        "# Every package of python-requirements.txt's resolved set, with its wheel's SHA-256.\n\
         # Made by `cargo xtask lock`; `cargo xtask setup` installs it with --require-hashes\n\
         # on this platform and the top-level pins of python-requirements.txt elsewhere.\n\
         # platform: {}\n",
        platform(&python)?
    );
    for (name, version, hash) in &packages {
        lock.push_str(&format!("{name}=={version} \\\n    --hash=sha256:{hash}\n"));
    }
    let path = root.join("xtask").join(LOCK);
    std::fs::write(&path, lock)?;
    eprintln!(
        "xtask lock: {} packages in {}",
        packages.len(),
        path.display()
    );
    Ok(())
}

/// A scratch file under `target/`.
fn tempfile_path(root: &Path, name: &str) -> PathBuf {
    let dir = target_dir(root);
    let _ = std::fs::create_dir_all(&dir);
    dir.join(name)
}

/// The sources the `srhm` Python package is built from (the crates it depends on included).
const PACKAGE_SOURCES: [&str; 5] = [
    "Cargo.lock",
    "Cargo.toml",
    "crates/srhm-py",
    "crates/srhm-grammar",
    "crates/srhm-transforms",
];

/// Builds the `srhm` wheel from `crates/srhm-py` with maturin (release, abi3) and installs
/// it into `.venv`, unless the stamp says the installed one was built from these very
/// sources (a digest of every file under [`PACKAGE_SOURCES`]).
fn python_package(root: &Path, python: &Path) -> Result<()> {
    let stamp = root.join(".venv").join(".srhm-package");
    let digest = sources_digest(root, &PACKAGE_SOURCES)?;
    if std::fs::read_to_string(&stamp).is_ok_and(|done| done == digest) {
        return Ok(());
    }
    eprintln!("xtask setup: building the srhm Python package (crates/srhm-py) into .venv");
    let wheels = target_dir(root).join("wheels");
    if wheels.exists() {
        for entry in std::fs::read_dir(&wheels)? {
            let path = entry?.path();
            if is_srhm_wheel(&path) {
                std::fs::remove_file(&path)?;
            }
        }
    }
    run(Command::new(python)
        .current_dir(root)
        .args(["-m", "maturin", "build", "--release", "--quiet"])
        .arg("--manifest-path")
        .arg(root.join("crates/srhm-py/Cargo.toml"))
        .arg("--interpreter")
        .arg(python)
        .arg("--out")
        .arg(&wheels))
    .context("maturin could not build the srhm Python package")?;
    let wheel = std::fs::read_dir(&wheels)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| is_srhm_wheel(path))
        .with_context(|| format!("maturin wrote no srhm wheel into {}", wheels.display()))?;
    run(pip_install(python)
        .args(["--force-reinstall", "--no-deps"])
        .arg(&wheel))
    .context("pip could not install the srhm wheel")?;
    std::fs::write(&stamp, digest)?;
    Ok(())
}

/// A wheel of the `srhm` package (maturin names them `srhm-<version>-…whl`).
fn is_srhm_wheel(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "whl")
        && path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("srhm-"))
}

/// SHA-256 over the relative paths and contents of every file under `paths` (sorted;
/// `target` folders and dotfiles skipped), in hex.
fn sources_digest(root: &Path, paths: &[&str]) -> Result<String> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
        for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') || name == "target" || name == "__pycache__" {
                continue;
            }
            if path.is_dir() {
                walk(&path, files)?;
            } else {
                files.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    for path in paths {
        let path = root.join(path);
        if path.is_dir() {
            walk(&path, &mut files)?;
        } else {
            files.push(path);
        }
    }
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(
            file.strip_prefix(root)
                .unwrap_or(&file)
                .to_string_lossy()
                .as_bytes(),
        );
        hasher.update([0]);
        hasher.update(std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?);
        hasher.update([0]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// `.venv/libtorch` → the installed torch package: a path that does not depend on the
/// Python version, which `.cargo/config.toml` gives tch's build as `LIBTORCH`.
const LIBTORCH_LINK: &str = "libtorch";

/// The torch version tch 0.24 is built against.
const TORCH_VERSION: &str = "2.11.0";

fn link_libtorch(venv: &Path, python: &Path) -> Result<()> {
    let output = Command::new(python)
        .args([
            "-c",
            "import os, torch; print(torch.__version__); print(os.path.dirname(torch.__file__))",
        ])
        .output()
        .context("running the venv's python")?;
    if !output.status.success() {
        bail!(
            "the venv's torch does not import: {}\nremove .venv and rerun `cargo xtask setup`",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout.lines();
    let (version, dir) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
    if version.split('+').next() != Some(TORCH_VERSION) {
        bail!(
            "the venv has torch {version}, tch 0.24 needs {TORCH_VERSION}: remove .venv and rerun `cargo xtask setup`"
        );
    }
    let link = venv.join(LIBTORCH_LINK);
    if link.symlink_metadata().is_ok() {
        std::fs::remove_file(&link).with_context(|| format!("replacing {}", link.display()))?;
    }
    // Relative when torch sits inside the venv, so that the checkout can move.
    let target = Path::new(dir);
    let target = target.strip_prefix(venv).unwrap_or(target);
    std::os::unix::fs::symlink(target, &link)
        .with_context(|| format!("linking {}", link.display()))?;
    Ok(())
}

fn test(root: &Path, slurm: bool, nextest_args: &[String]) -> Result<()> {
    let python = setup(root)?;
    let cargo = cargo();
    let has_nextest = Command::new(&cargo)
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_nextest {
        eprintln!("xtask test: installing cargo-nextest");
        run(Command::new(&cargo).args(["install", "--locked", "cargo-nextest"]))?;
    }
    run(Command::new(&cargo)
        .current_dir(root)
        .env("SRHM_PYTHON", &python)
        // srhm-py is tested through Python (below): built by cargo alone it would link libpython.
        .args([
            "nextest",
            "run",
            "--workspace",
            "--exclude",
            "srhm-py",
            "--no-fail-fast",
        ])
        .args(nextest_args))?;
    // Doc tests of every crate, with the package selection nextest used: selecting only
    // the crates that have examples unifies fewer features (syn, serde, …) and rebuilt
    // most dependencies (193 s on a fresh clone here, against 100 s for this; what is
    // rebuilt still is torch-sys's shim, whose build script's anyhow is built apart when
    // no binary needs anyhow).
    run(Command::new(&cargo)
        .current_dir(root)
        .env("SRHM_PYTHON", &python)
        .args(["test", "--doc", "--workspace", "--exclude", "srhm-py"]))?;
    if nextest_args.is_empty() {
        // The Python package against the CLI nextest has just built (rows must be equal).
        run(Command::new(&python)
            .current_dir(root)
            .env("SRHM", target_dir(root).join("debug/srhm"))
            .args([
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "crates/srhm-py/tests",
            ]))?;
        if slurm || is_root() {
            test_slurm(root)?;
        } else {
            eprintln!(
                "xtask test: skipped the real-Slurm test: it installs and starts Debian's Slurm \
                 and munge, which needs root (run `cargo xtask test-slurm` as root, or \
                 `cargo xtask test --slurm` where they are installed)"
            );
        }
    }
    Ok(())
}

/// Whether this process runs as root (`id -u` is 0); anything unclear counts as not.
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The Slurm test on the test profile's `srhm` (nextest has built it already; the
/// release one would cost a second full build).
fn test_slurm(root: &Path) -> Result<()> {
    let cargo = cargo();
    run(Command::new(&cargo)
        .current_dir(root)
        .args(["build", "--quiet", "-p", "srhm-cli", "--bin", "srhm"]))?;
    run(Command::new("bash")
        .current_dir(root)
        .arg(root.join("tests/slurm/single_node.sh"))
        .env("SRHM", target_dir(root).join("debug/srhm")))
}

/// Cargo's target folder (`CARGO_TARGET_DIR`, relative to the root, or `target`).
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root.join(t) })
        .unwrap_or_else(|| root.join("target"))
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("could not start {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed lock holds every top-level pin at its version (rerun `cargo xtask
    /// lock` after changing python-requirements.txt), each with a hash, and names its platform.
    #[test]
    fn the_lock_matches_the_top_level_pins() {
        let root = workspace_root();
        let read = |name: &str| std::fs::read_to_string(root.join("xtask").join(name)).unwrap();
        let (requirements, lock) = (read("python-requirements.txt"), read(LOCK));
        assert!(lock_platform(&lock).is_some_and(|p| p.starts_with("cp")));
        let locked: Vec<&str> = lock
            .lines()
            .filter_map(|line| line.strip_suffix(" \\"))
            .collect();
        assert_eq!(locked.len(), lock.matches("--hash=sha256:").count());
        for pin in requirements
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            assert!(
                locked.contains(&pin.trim()),
                "{pin} is not in the lock: run `cargo xtask lock`"
            );
        }
    }
}
