//! Choosing where to train (`auto`, `cpu`, `cuda`) and naming the device in results.

use serde::{Deserialize, Serialize};
use tch::Device;

/// Where to run: `Auto` takes the first CUDA device when libtorch sees one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    #[default]
    Auto,
    Cpu,
    Cuda,
}

/// The tch device for a choice; `Cuda` without a visible GPU is an error naming `device`.
pub fn resolve_device(choice: DeviceChoice) -> crate::Result<Device> {
    match choice {
        DeviceChoice::Cpu => Ok(Device::Cpu),
        DeviceChoice::Auto => Ok(Device::cuda_if_available()),
        DeviceChoice::Cuda if tch::Cuda::is_available() => Ok(Device::Cuda(0)),
        DeviceChoice::Cuda => Err(crate::ModelError::invalid(
            "device",
            "CUDA was asked for but libtorch sees no GPU (is the binary linked with libtorch_cuda?)",
        )),
    }
}

/// A short name for results files: "cpu" or "cuda:N".
pub fn device_name(device: Device) -> String {
    match device {
        Device::Cpu => "cpu".into(),
        Device::Cuda(i) => format!("cuda:{i}"),
        other => format!("{other:?}").to_lowercase(),
    }
}
