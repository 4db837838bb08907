//! kenyon: spiking neural networks on any GPU through WebGPU, with a native CPU backend
//! that is also the reference the GPU is tested against.
//!
//! Describe a [`model::Network`], [`build`](model::Network::build) it (validation,
//! connectivity, derived constants), load it on a backend ([`cpu::CpuSimulation`] or
//! [`gpu::GpuSimulation`], both [`Simulator`]s), run timesteps and read the spike
//! recordings back. [`tutorial`] builds GeNN's mushroom-body MNIST network.

pub mod cpu;
pub mod gpu;
pub mod mnist;
pub mod model;
pub mod npy;
pub mod output;
pub(crate) mod parallel;
pub mod plot;
pub mod recording;
pub mod simulator;
pub mod tutorial;

pub use recording::{Recordings, SpikeRecording};
pub use simulator::{PendingRecordings, SimConfig, SimError, Simulator, StateVar};
