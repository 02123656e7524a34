//! The rayon pool every call runs in, and the GIL released around it.
//!
//! The pool is the package's own (not rayon's global one) so that its size can change
//! (`srhm.set_num_threads`) and so that it survives `fork`: a forked process (a PyTorch
//! `DataLoader` worker) inherits the pool's bookkeeping but none of its threads, and a
//! call into that pool would wait forever. The pool therefore remembers the process that
//! built it, and a call from another process builds a fresh one.

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::errors;

struct Pool {
    process: u32,
    /// 0 = rayon's default (`RAYON_NUM_THREADS`, else one per CPU).
    requested: usize,
    pool: Arc<ThreadPool>,
}

static POOL: Mutex<Option<Pool>> = Mutex::new(None);

fn build(requested: usize) -> Arc<ThreadPool> {
    Arc::new(
        ThreadPoolBuilder::new()
            .num_threads(requested)
            .thread_name(|i| format!("srhm-{i}"))
            .build()
            .expect("spawning the thread pool's threads"),
    )
}

/// The pool of this process, built on first use (or after a fork).
fn pool() -> Arc<ThreadPool> {
    let mut slot = POOL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let process = std::process::id();
    match slot.as_ref() {
        Some(pool) if pool.process == process => pool.pool.clone(),
        other => {
            let requested = other.map_or(0, |pool| pool.requested);
            if let Some(stale) = slot.take().filter(|pool| pool.process != process) {
                // Its threads live in the parent: dropping it would signal threads that
                // do not exist here.
                std::mem::forget(stale.pool);
            }
            let pool = build(requested);
            *slot = Some(Pool {
                process,
                requested,
                pool: pool.clone(),
            });
            pool
        }
    }
}

/// Runs `work` in the package's pool with the GIL released, so that other Python
/// threads (a `DataLoader`'s, a training loop's) go on meanwhile.
pub fn run<T: Send>(py: Python<'_>, work: impl FnOnce() -> T + Send) -> T {
    py.detach(|| pool().install(work))
}

/// Sets the number of threads the package's calls use (1 = sequential; results do not
/// depend on it). The default is `RAYON_NUM_THREADS` if set, else one per CPU.
#[pyfunction]
pub fn set_num_threads(py: Python<'_>, threads: &Bound<'_, PyAny>) -> PyResult<()> {
    let threads = errors::integer(py, "threads", threads, 1, 4096)? as usize;
    let mut slot = POOL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    *slot = Some(Pool {
        process: std::process::id(),
        requested: threads,
        pool: build(threads),
    });
    Ok(())
}

/// The number of threads the package's calls use.
#[pyfunction]
pub fn get_num_threads() -> usize {
    pool().current_num_threads()
}
