//! How a simulation spreads its work over a device's invocations: chosen for the adapter,
//! and never a cause of different spikes.

use super::AdapterSummary;

/// How the neuron update spreads the 32 neurons of a spike word over invocations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NeuronUpdateStrategy {
    /// One invocation per word, eight `vec4`s one after another: few invocations, which
    /// is what software adapters need (each invocation and each access has a fixed cost
    /// on lavapipe).
    InvocationPerWord,
    /// One invocation per `vec4`, eight per word, joined through workgroup memory:
    /// neighbouring invocations read neighbouring `vec4`s, as a GPU's memory wants.
    InvocationPerQuad,
}

/// Invocations per neuron-update workgroup (the kernel declares the same).
pub(crate) const NEURON_WORKGROUP: u32 = 64;

impl NeuronUpdateStrategy {
    /// Invocations that share one spike word.
    pub fn invocations_per_word(self) -> u32 {
        match self {
            NeuronUpdateStrategy::InvocationPerWord => 1,
            NeuronUpdateStrategy::InvocationPerQuad => 8,
        }
    }

    /// Neurons each neuron-update workgroup covers.
    pub fn neurons_per_workgroup(self) -> u32 {
        NEURON_WORKGROUP * 32 / self.invocations_per_word()
    }
}

/// Threads of a synapse-update workgroup on GPUs.
pub const GPU_SYNAPSE_THREADS: u32 = 64;

/// Threads of a synapse-update workgroup on software adapters. Every thread of a
/// workgroup scans the presynaptic spike words, and llvmpipe runs each group of 8
/// threads' loads as a loop over its SIMD lanes, so fewer threads scan them fewer times
/// (`docs/performance.md` has the measurements). Groups with rows long enough for a
/// thread to reach llvmpipe's loop limit get more (see `SynapseUpdatePlan`).
pub const SOFTWARE_SYNAPSE_THREADS: u32 = 16;

/// How a simulation spreads its work over invocations. The spikes don't depend on it:
/// [`GpuTuning::for_adapter`] picks what is fastest there, and tests and benchmarks
/// choose others through [`GpuSimulation::with_tuning`](super::GpuSimulation::with_tuning).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GpuTuning {
    /// How the neuron update spreads each spike word over invocations (a population too
    /// large for one dispatch of one invocation per quad falls back to one per word).
    pub neuron_update: NeuronUpdateStrategy,
    /// Threads per synapse-update workgroup, clamped to the adapter's limits and, on
    /// software adapters, raised for groups whose rows are long enough for a thread to
    /// reach llvmpipe's loop limit.
    pub synapse_threads: u32,
}

impl GpuTuning {
    /// Per word and 16 synapse threads on software adapters; per quad and 64 on GPUs.
    pub fn for_adapter(adapter: &AdapterSummary) -> Self {
        if adapter.is_hardware() {
            GpuTuning {
                neuron_update: NeuronUpdateStrategy::InvocationPerQuad,
                synapse_threads: GPU_SYNAPSE_THREADS,
            }
        } else {
            GpuTuning {
                neuron_update: NeuronUpdateStrategy::InvocationPerWord,
                synapse_threads: SOFTWARE_SYNAPSE_THREADS,
            }
        }
    }
}
