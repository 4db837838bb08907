//! The kernels of a simulation as plain data, one builder per kernel stage: the
//! assembled WGSL, the values of its override constants, which buffer each of its
//! bindings is, and how many workgroups it runs. Nothing here touches a device, so the
//! shader tests check every kernel of a plan against naga without one.

mod code_neuron;
pub(crate) mod learning;
pub(crate) mod neuron_update;
pub(crate) mod propagate_spikes;
pub(crate) mod state_recording;
pub(crate) mod synapse_code;

use super::plan::BufferId;
use super::shaders::reflect::Reflection;
use crate::model::BuiltNetwork;

/// What every kernel of a simulation shares.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape {
    /// Batch entries.
    pub batch: u32,
    /// Timesteps per block (see `plan::blocks`).
    pub block_steps: u32,
}

// `shaders/shared/spike_ring.wgsl` multiplies two slot numbers in a u32.
const _: () = assert!(super::plan::MAX_BLOCK_STEPS + 1 + crate::model::MAX_DELAY_STEPS <= 1 << 16);

impl Shape {
    /// Slots of population `p`'s ring of spike words: a block's timesteps, the one
    /// before them, and one per timestep of the longest delay of the synapse groups
    /// leaving it.
    pub fn spike_slots(self, net: &BuiltNetwork, p: usize) -> u32 {
        self.block_steps + 1 + net.longest_delay_from(p)
    }
}

/// `(name, value)` pairs as a kernel's constants.
pub(crate) fn constants<N: ToString, V: Into<f64>>(
    named: impl IntoIterator<Item = (N, V)>,
) -> Vec<(String, f64)> {
    named
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.into()))
        .collect()
}

/// `(variable, buffer)` pairs as a kernel's bindings.
pub(crate) fn bindings(named: &[(&str, BufferId)]) -> Vec<(String, BufferId)> {
    named
        .iter()
        .map(|(name, id)| ((*name).to_owned(), *id))
        .collect()
}

/// One kernel of a simulation, ready to be created on a device.
#[derive(Clone, Debug)]
pub(crate) struct KernelSpec {
    /// "neuron_update[kc]": the stage and the population or group it serves.
    pub label: String,
    /// The finished WGSL.
    pub source: String,
    /// Every override constant's value, by name.
    pub constants: Vec<(String, f64)>,
    /// The buffer bound to each of the kernel's WGSL variables.
    pub bindings: Vec<(String, BufferId)>,
    /// Workgroups along x (y is the batch entry, z a block's timestep, where used).
    pub workgroups: u32,
    /// Threads of a workgroup along x, as the host counted them to size `workgroups`.
    pub threads: u32,
}

impl KernelSpec {
    /// Checks the kernel against what its WGSL declares: a buffer for every binding and
    /// a binding for every buffer, a value for every override and an override for every
    /// value.
    pub fn check(&self, reflection: &Reflection) -> Result<(), String> {
        let mut declared: Vec<&str> = reflection
            .bindings
            .iter()
            .map(|b| b.name.as_str())
            .collect();
        let mut bound: Vec<&str> = self
            .bindings
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        declared.sort_unstable();
        bound.sort_unstable();
        if declared != bound {
            return Err(format!(
                "the WGSL binds {declared:?} but kenyon binds {bound:?}"
            ));
        }
        let mut overrides: Vec<&str> = reflection.overrides.iter().map(String::as_str).collect();
        let mut given: Vec<&str> = self
            .constants
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        overrides.sort_unstable();
        given.sort_unstable();
        if overrides != given {
            return Err(format!(
                "the WGSL declares the constants {overrides:?} but kenyon gives {given:?}"
            ));
        }
        if reflection.workgroup_size != [self.threads, 1, 1] {
            return Err(format!(
                "the WGSL's workgroups are {:?} threads, kenyon counted with {}",
                reflection.workgroup_size, self.threads
            ));
        }
        Ok(())
    }

    /// The number of storage buffers the kernel binds.
    pub fn storage_buffers(&self) -> u32 {
        self.bindings
            .iter()
            .filter(|(_, id)| *id != BufferId::StepParams)
            .count() as u32
    }
}

/// The kernels of one population, as specs or as created dispatches.
#[derive(Debug)]
pub(crate) struct PopulationKernels<K> {
    /// The neuron update.
    pub update: K,
    /// For populations that plastic synapses connect: the kernel that records the latest
    /// spike times.
    pub spike_times: Option<K>,
}

/// The kernels of one synapse group, as specs or as created dispatches.
#[derive(Debug)]
pub(crate) struct GroupKernels<K> {
    /// The synapse update of a built-in weight-update model.
    pub propagate: Option<K>,
    /// STDP on presynaptic, then postsynaptic spikes.
    pub learning: Option<(K, K)>,
    /// A weight-update model written as code strings: its synapse code on presynaptic
    /// spikes, then on postsynaptic ones, where it has any.
    pub synapse_code: (Option<K>, Option<K>),
    /// For a delayed plastic group: the kernel recording when its presynaptic spikes
    /// arrive (its own `st_pre`), run with the populations' spike times, before any
    /// learning.
    pub arrival_times: Option<K>,
    /// Whether the synapse update runs (plastic groups in training need not drive).
    pub drives_post: bool,
}

impl<K> PopulationKernels<K> {
    /// The same kernels through `f`.
    pub fn try_map<L, E>(
        self,
        mut f: impl FnMut(K) -> Result<L, E>,
    ) -> Result<PopulationKernels<L>, E> {
        Ok(PopulationKernels {
            update: f(self.update)?,
            spike_times: self.spike_times.map(&mut f).transpose()?,
        })
    }
}

impl<K> GroupKernels<K> {
    /// The same kernels through `f`.
    pub fn try_map<L, E>(self, mut f: impl FnMut(K) -> Result<L, E>) -> Result<GroupKernels<L>, E> {
        Ok(GroupKernels {
            propagate: self.propagate.map(&mut f).transpose()?,
            learning: match self.learning {
                Some((pre, post)) => Some((f(pre)?, f(post)?)),
                None => None,
            },
            synapse_code: (
                self.synapse_code.0.map(&mut f).transpose()?,
                self.synapse_code.1.map(&mut f).transpose()?,
            ),
            arrival_times: self.arrival_times.map(&mut f).transpose()?,
            drives_post: self.drives_post,
        })
    }
}
