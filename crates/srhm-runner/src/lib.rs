//! What sits between trained networks (`srhm-models`, libtorch) and the observables
//! (`srhm-metrics`, `srhm-scaling`, no libtorch): encoding data for the networks,
//! measuring the sensitivities S_{k,l} and D_{k,l} of every layer to every level's
//! operator, and searching the sample complexity P* by training.

mod error;
mod inputs;
mod pstar;
mod sensitivity;

pub use error::{Result, RunnerError};
pub use inputs::InputFormat;
pub use pstar::{
    PStarConfig, PStarReport, TrainedPoint, predicted_p_star, scaling_model, search_p_star,
};
pub use sensitivity::{Representation, SensitivityConfig, SensitivityEntry, sensitivities};
