//! The networks of the paper on libtorch (tch): LCN, CNN and FCN (the authors' FCN2) with
//! ReLU, width H and a linear readout, in the mean-field (the paper's Eq. 9–10) or the
//! standard parametrisation; and the trainer
//! (SGD with momentum, cross-entropy, stop at a training-loss threshold).
//!
//! Every model is an **ensemble**: E independent networks held as one set of tensors with
//! a leading ensemble dimension, so that E trainings run as batched matrix products.
//! A single network is the ensemble E = 1.
//!
//! Activations are channel-last inside the models (`[E, B, positions, channels]`): a
//! non-overlapping patch of k positions is then a contiguous block of k·C numbers.
//! Inputs follow SPEC §2's `[B, v, d]` one-hot convention at the API ([`encode_inputs`]).
//!
//! The big nets of Fig. 9 (1-D VGG11/16, ResNet18/34, EfficientNet-B0, [`BigNet`]) are
//! ordinary single networks with batch norm, trained by autograd ([`train_big`]).

mod big;
mod data;
mod device;
mod error;
mod net;
mod sgd;
mod train;

pub use big::{
    BigArchitecture, BigConfig, BigNet, BigTrainConfig, ModelKind, Precision, big_test_error,
    train_big,
};
pub use data::{LabelledSet, block_order, encode_inputs, image_to_sequence, tensor_from_array};
pub use device::{DeviceChoice, device_name, resolve_device};
pub use error::{ModelError, Result};
pub use net::{Architecture, Ensemble, NetConfig, Parametrisation};
pub use sgd::Sgd;
pub use train::{
    CPU_GROUP_BYTES, MemberResult, MemberSpec, Progress, TrainConfig, test_errors, train_ensemble,
};

/// Re-exported so that callers need not depend on tch's version themselves.
pub use tch;

/// Revision of what the networks compute and how they train (architectures,
/// parametrisation, initialisation, the SGD step, default learning rates). Bumped
/// whenever a network's function or its training changes, so that results of an older
/// revision are never mixed with new ones: it is part of every run's hash.
///
/// 2: mean field divides by √(channels below) as the paper's Eq. 9 (was √fan-in); the
/// FCN is the authors' FCN2 (LCN-sized dense layers, was H units); default learning
/// rates by architecture (LCN/CNN by s, FCN by L).
pub const NETWORKS_REVISION: u32 = 2;
