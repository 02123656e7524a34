//! Slurm job arrays for independent, index-addressed runs: the sbatch script of an
//! array whose task i runs a command with index i (+ an offset past MaxArraySize),
//! submission, and what the scheduler knows about each task (the queue through
//! `squeue`, ended tasks through `sacct` or the `jobcomp/filetxt` file). No
//! libtorch and nothing of the SRHM: the CLI's `srhm sweep` decides *which* runs.

mod array;
mod error;
mod query;
mod script;

pub use array::{compress, expand};
pub use error::{Result, SlurmError};
pub use query::{
    TaskRecord, cancel, config, history, max_array_size, parse_job_id, parse_jobcomp,
    parse_pipe_table, queue, submit,
};
pub use script::{SbatchOptions, render, shell_quote};
