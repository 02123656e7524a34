//! What sits between trained networks (`srhm-models`, libtorch) and the observables
//! (`srhm-metrics`, `srhm-scaling`, no libtorch): encoding data for the networks,
//! measuring the sensitivities S_{k,l} and D_{k,l} of every layer to every level's
//! operator, searching the sample complexity P* by training, and running the
//! experiment specs of the figures into a resumable store.

mod error;
mod execute;
mod inputs;
mod one_step;
mod pstar;
mod sensitivity;
mod spec;

pub use error::{Result, RunnerError};
pub use execute::{ExecProgress, ExecSummary, RunStore, Status, execute_runs, run_record};
pub use inputs::InputFormat;
pub use one_step::one_step_records;
pub use pstar::{
    PStarConfig, PStarReport, TrainedPoint, predicted_p_star, scaling_model, search_p_star,
};
pub use sensitivity::{
    BIG_NET_DEPTHS, BigNetProbe, Representation, Representations, SensitivityConfig,
    SensitivityEntry, sensitivities,
};
pub use spec::{
    CODE_VERSION, DataConfig, Experiment, PGrid, Preset, Run, Sources, Spec, Widths, p_values,
};
