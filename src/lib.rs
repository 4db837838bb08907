//! kenyon: spiking neural networks on any GPU through WebGPU, with a native CPU backend
//! that is also the reference the GPU is tested against.
//!
//! Describe a [`Network`] (populations, current sources, synapse groups: plain data),
//! [`build`](Network::build) it (validation, connectivity, derived constants), [`load`] it
//! on a backend ([`CpuSimulation`] or, with the `gpu` feature, `GpuSimulation`, both
//! [`Simulator`]s), run timesteps and read the spike recordings back. [`tutorial`] builds
//! GeNN's mushroom-body MNIST networks. [`interpret`] runs WGSL functions on the CPU with
//! the GPU's arithmetic, for models written as code strings.
//!
//! ```
//! use kenyon::{BackendChoice, Connectivity, CurrentSourceModel, LifParams, Network};
//! use kenyon::{NeuronModel, PostsynapticModel, SimConfig, SynapseGroup, WeightUpdateModel};
//!
//! let mut net = Network::new(0.1); // dt in ms
//! let input = net.add_neuron_population("input", 100, NeuronModel::Lif(LifParams::TUTORIAL));
//! let output = net.add_neuron_population("output", 50, NeuronModel::Lif(LifParams::TUTORIAL));
//! net.set_spike_recording(output, true)?;
//! let drive = net.add_current_source("drive", input, CurrentSourceModel::Magnitude { initial: 0.3 });
//! net.add_synapse_group(SynapseGroup {
//!     name: "input_output".into(),
//!     pre: input,
//!     post: output,
//!     weight_update: WeightUpdateModel::StaticPulseConstantWeight { g: 0.5 },
//!     postsynaptic: PostsynapticModel::ExpCurr { tau: 3.0 },
//!     connectivity: Connectivity::FixedNumberPreWithReplacement { num: 10 },
//! });
//! let mut sim = kenyon::load(&net.build(1)?, BackendChoice::Cpu, None, SimConfig::default())?;
//! sim.set_magnitude(drive, &vec![0.3; 100])?;
//! sim.step_time(200)?;
//! let spikes = sim.take_recording()?.take_one(output, 0).expect("recording is on");
//! let (times_ms, ids) = spikes.decode();
//! assert_eq!(times_ms.len(), ids.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod cpu;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod interpret;
pub mod io;
mod load;
mod memory;
pub mod model;
pub mod networks;
pub(crate) mod parallel;
pub mod plot;
pub mod sim;
pub mod tutorial;
#[cfg(feature = "view")]
pub mod view;

pub use cpu::CpuSimulation;
#[cfg(feature = "gpu")]
pub use gpu::{GpuContext, GpuSimulation};
pub use load::{BackendChoice, load};
pub use model::{
    BuiltNetwork, Connectivity, CurrentSourceId, CurrentSourceModel, IfParams, LifParams,
    ModelError, Network, NeuronModel, PerSynapseDelays, PopulationId, PostsynapticModel,
    StdpParams, SynapseGroup, SynapseGroupId, SynapticDelay, WeightUpdateModel,
};
pub use sim::{
    PendingRecordings, Recordings, SimConfig, SimError, Simulator, SpikeRecording, StateRecording,
    StateVar, run_recorded,
};

// The README's examples are compiled and run with the doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

// So are the guide's to writing models.
#[cfg(doctest)]
#[doc = include_str!("../docs/custom-models.md")]
struct CustomModelsDoctests;
