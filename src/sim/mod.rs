//! The one API both backends implement, with nothing of either backend in it: load a
//! [`BuiltNetwork`], set inputs, run timesteps, read recordings and state back.
//!
//! A simulation runs a batch of `batch_size` independent copies of the network at once
//! (GeNN's `batch_size`): connectivity is shared, state, inputs and recordings are per
//! batch entry. Per-neuron data passed in or out covers the whole batch, entry-major: the
//! value of neuron `i` in batch entry `e` is at `e * n + i`.

mod checks;
mod clock;
mod error;
mod long_run;
mod pending;
pub mod recording;
pub mod state_recording;
mod synapse_writes;

pub use error::SimError;
pub use long_run::run_recorded;
pub use pending::PendingRecordings;
pub use recording::{Recordings, SpikeRecording, words_per_step};
pub use state_recording::StateRecording;

pub(crate) use checks::{
    check_config, check_magnitudes, group_index, population_index, synapse_var_index,
};
pub(crate) use clock::{StepClock, time_of};
pub(crate) use pending::{Readback, SimulationId};
pub(crate) use synapse_writes::{check_synapse_bits, check_weights, weights_in_code_var};

use crate::model::{BuiltNetwork, CurrentSourceId, PopulationId, SynapseGroupId};

/// Environment variable that picks a GPU adapter by a substring of its name (and, with
/// [`BackendChoice::Auto`](crate::BackendChoice::Auto), asks for the GPU backend).
pub const ADAPTER_ENV: &str = "KENYON_ADAPTER";

/// Neuron state variables that can be read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateVar {
    /// Membrane potential `V`, in mV.
    V,
    /// Remaining refractory time `RefracTime`, in ms.
    RefracTime,
}

impl StateVar {
    /// The variable's name in models.
    pub fn name(self) -> &'static str {
        match self {
            StateVar::V => "V",
            StateVar::RefracTime => "RefracTime",
        }
    }
}

/// Where a population keeps a state variable: a built-in model's `V` or `RefracTime`,
/// or a code-string model's variable number `.0`.
pub(crate) enum VarSlot {
    Builtin(StateVar),
    Code(usize),
}

/// Where population `p` of `net` keeps variable `name`.
pub(crate) fn var_slot(net: &BuiltNetwork, p: usize, name: &str) -> Result<VarSlot, SimError> {
    let pop = &net.populations[p];
    let (found, has) = match &pop.model {
        crate::model::PopulationModel::Builtin(_) => {
            let builtin = [StateVar::V, StateVar::RefracTime];
            let found = builtin.into_iter().find(|v| v.name() == name);
            (found.map(VarSlot::Builtin), "V, RefracTime".to_owned())
        }
        crate::model::PopulationModel::Code(code) => {
            let names: Vec<&str> = code.vars.iter().map(|v| v.name.as_str()).collect();
            (code.var_index(name).map(VarSlot::Code), names.join(", "))
        }
    };
    found.ok_or_else(|| SimError::NoSuchVariable {
        population: pop.name.clone(),
        var: name.to_owned(),
        has,
    })
}

/// Checks that `bits` covers every neuron of population `p` in every batch entry.
pub(crate) fn check_state_length(
    net: &BuiltNetwork,
    p: usize,
    name: &str,
    batch: u32,
    bits: &[u32],
) -> Result<(), SimError> {
    let expected = net.populations[p].size as usize * batch as usize;
    if bits.len() == expected {
        return Ok(());
    }
    Err(SimError::InvalidState {
        population: net.populations[p].name.clone(),
        var: name.to_owned(),
        reason: format!(
            "{} values were given, but it takes {expected} (neurons times batch entries)",
            bits.len()
        ),
    })
}

/// Options that size a simulation's buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimConfig {
    /// Timesteps the spike recording holds before it must be taken (GeNN's
    /// `num_recording_timesteps`). 200 = one 20 ms stimulus at dt = 0.1 ms.
    pub recording_steps: u32,
    /// Independent copies of the network simulated together (GeNN's `batch_size`).
    pub batch_size: u32,
    /// Host threads, 0 = one per available core: the CPU backend's workers, and the
    /// threads that unpack a large batch's recordings on both backends. Results do not
    /// depend on it.
    pub threads: usize,
}

impl SimConfig {
    /// One stimulus of recording, batch size 1, every core.
    pub const DEFAULT: SimConfig = SimConfig {
        recording_steps: 200,
        batch_size: 1,
        threads: 0,
    };

    /// The host threads `threads` asks for: itself, or one per available core for 0.
    pub fn host_threads(&self) -> usize {
        if self.threads == 0 {
            std::thread::available_parallelism().map_or(1, usize::from)
        } else {
            self.threads
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig::DEFAULT
    }
}

/// A network loaded on a backend.
///
/// Time is counted from the last [`reset`](Simulator::reset): timestep `i` has time
/// `i * dt`. Every timestep first propagates the spikes of the previous timestep, then
/// updates every neuron (GeNN's order). Handles from another network are refused with
/// [`SimError::ForeignHandle`].
pub trait Simulator: Send {
    /// Backend and device, for people ("cpu", "gpu: NVIDIA ... (Vulkan)").
    fn description(&self) -> String;
    /// The network this simulation runs.
    fn network(&self) -> &BuiltNetwork;
    /// Copies of the network simulated together.
    fn batch_size(&self) -> u32;
    /// Sets every neuron's `magnitude` of a current source, for every batch entry
    /// (`batch_size * n` values, entry-major).
    fn set_magnitude(&mut self, source: CurrentSourceId, values: &[f32]) -> Result<(), SimError>;
    /// Advances `steps` timesteps, recording spikes of populations with recording on.
    fn step_time(&mut self, steps: u32) -> Result<(), SimError>;
    /// Back to the initial state: `V`, `RefracTime`, every `inSyn`, spikes still to be
    /// delivered (unlike GeNN, see `docs/validation.md`) and the recording; time returns
    /// to 0.
    fn reset(&mut self) -> Result<(), SimError>;
    /// The recordings of the steps run since the last reset or take, per population and
    /// batch entry; empties the recording buffer.
    fn take_recording(&mut self) -> Result<Recordings, SimError> {
        let pending = self.start_take_recording()?;
        self.finish_take_recording(pending)
    }
    /// Timesteps the recording buffers hold before they must be taken
    /// ([`SimConfig::recording_steps`]).
    fn recording_steps(&self) -> u32;
    /// Timesteps recorded since the last reset or take (0 where nothing is recorded).
    fn recorded_steps(&self) -> u32;
    /// Starts [`take_recording`](Simulator::take_recording) without waiting for the data:
    /// on a GPU the copy is queued behind the timesteps already submitted, and later
    /// timesteps can be submitted before [`finish_take_recording`] waits for it, so the
    /// device never idles while the host reads a recording back.
    ///
    /// [`finish_take_recording`]: Simulator::finish_take_recording
    fn start_take_recording(&mut self) -> Result<PendingRecordings, SimError>;
    /// Waits for a recording started by [`start_take_recording`](Simulator::start_take_recording)
    /// on this simulation.
    fn finish_take_recording(&mut self, pending: PendingRecordings)
    -> Result<Recordings, SimError>;
    /// `V` or `RefracTime` of every neuron of a population, for every batch entry.
    fn read_state(
        &mut self,
        population: PopulationId,
        var: StateVar,
    ) -> Result<Vec<f32>, SimError> {
        self.read_var(population, var.name())
    }
    /// The bits of state variable `name` (f32 as `to_bits`, i32 as `as u32`) of every
    /// neuron of a population, for every batch entry.
    fn read_var_bits(&mut self, population: PopulationId, name: &str)
    -> Result<Vec<u32>, SimError>;
    /// Sets state variable `name` of every neuron of a population, for every batch
    /// entry (entry-major), from its bits as [`read_var_bits`](Simulator::read_var_bits)
    /// gives them. Takes effect from the next timestep; a reset returns the variable to
    /// its initial values.
    fn write_var_bits(
        &mut self,
        population: PopulationId,
        name: &str,
        bits: &[u32],
    ) -> Result<(), SimError>;
    /// [`write_var_bits`](Simulator::write_var_bits) from f32 values (GeNN's push,
    /// Brian2's assignment): an integer variable takes each value truncated toward zero.
    /// Values that aren't finite, or don't fit an integer variable, are refused.
    fn write_var(
        &mut self,
        population: PopulationId,
        name: &str,
        values: &[f32],
    ) -> Result<(), SimError> {
        let p = crate::sim::population_index(self.network(), population)?;
        let ty = match &self.network().populations[p].model {
            crate::model::PopulationModel::Code(code) => {
                code.var_index(name).map(|i| code.vars[i].ty)
            }
            crate::model::PopulationModel::Builtin(_) => None,
        };
        let ty = ty.unwrap_or(crate::model::code::VarType::F32);
        let bits = values
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                ty.bits_of(f64::from(x))
                    .ok_or_else(|| SimError::InvalidState {
                        population: self.network().populations[p].name.clone(),
                        var: name.to_owned(),
                        reason: format!("value #{i}, {x}, does not fit its type {}", ty.wgsl()),
                    })
            })
            .collect::<Result<Vec<u32>, _>>()?;
        self.write_var_bits(population, name, &bits)
    }
    /// State variable `name` of every neuron of a population, for every batch entry, as
    /// f32 (an integer variable's values converted).
    fn read_var(&mut self, population: PopulationId, name: &str) -> Result<Vec<f32>, SimError> {
        let p = crate::sim::population_index(self.network(), population)?;
        let bits = self.read_var_bits(population, name)?;
        let ty = match &self.network().populations[p].model {
            crate::model::PopulationModel::Code(code) => {
                code.var_index(name).map(|i| code.vars[i].ty)
            }
            crate::model::PopulationModel::Builtin(_) => None,
        };
        Ok(bits.into_iter().map(|b| bits_to_f32(ty, b)).collect())
    }
    /// The postsynaptic input `inSyn` of every target neuron of a synapse group, for
    /// every batch entry.
    fn read_in_syn(&mut self, group: SynapseGroupId) -> Result<Vec<f32>, SimError>;
    /// Timesteps since the last reset.
    fn timestep(&self) -> u64;
    /// The per-synapse weights `g` of a synapse group (`StaticPulse`, STDP, or the
    /// synapse variable `g` of a code model), in the built connectivity's row order
    /// (for dense connectivity without per-synapse delays, `g[pre * n_post + post]`;
    /// per-synapse delays sort each row by delay: the built group's
    /// `connectivity.targets` and `delays.per_synapse_steps` say which synapse each is).
    fn read_weights(&mut self, group: SynapseGroupId) -> Result<Vec<f32>, SimError>;
    /// The bits of synapse variable `name` of a group whose weight-update model is
    /// written as code strings, per synapse in connectivity row order (shared by the
    /// batch).
    fn read_synapse_var_bits(
        &mut self,
        group: SynapseGroupId,
        name: &str,
    ) -> Result<Vec<u32>, SimError>;
    /// Synapse variable `name` as f32 (an integer variable's values converted).
    fn read_synapse_var(
        &mut self,
        group: SynapseGroupId,
        name: &str,
    ) -> Result<Vec<f32>, SimError> {
        let g = crate::sim::group_index(self.network(), group)?;
        let ty = self.network().synapse_groups[g]
            .code
            .as_ref()
            .and_then(|c| c.var_index(name).map(|i| c.vars[i].ty));
        let bits = self.read_synapse_var_bits(group, name)?;
        Ok(bits.into_iter().map(|b| bits_to_f32(ty, b)).collect())
    }
    /// Sets the per-synapse weights `g` of a synapse group, in the order
    /// [`read_weights`](Simulator::read_weights) gives them (GeNN's push, Brian2's
    /// `S.w = ...`); the batch shares them. Takes effect from the next timestep, and a
    /// reset keeps them, as it keeps learned weights. Refuses the wrong count, values
    /// that aren't finite, and values the group's fixed-point input can't sum as it sums
    /// those it was built with (see `sim::synapse_writes`).
    fn write_weights(&mut self, group: SynapseGroupId, values: &[f32]) -> Result<(), SimError>;
    /// Sets synapse variable `name` of a group whose weight-update model is written as
    /// code strings, from its bits as
    /// [`read_synapse_var_bits`](Simulator::read_synapse_var_bits) gives them, with the
    /// checks of [`write_weights`](Simulator::write_weights) for an f32 variable.
    fn write_synapse_var_bits(
        &mut self,
        group: SynapseGroupId,
        name: &str,
        bits: &[u32],
    ) -> Result<(), SimError>;
    /// [`write_synapse_var_bits`](Simulator::write_synapse_var_bits) from f32 values: an
    /// integer variable takes each value truncated toward zero; values that don't fit
    /// it are refused.
    fn write_synapse_var(
        &mut self,
        group: SynapseGroupId,
        name: &str,
        values: &[f32],
    ) -> Result<(), SimError> {
        let g = crate::sim::group_index(self.network(), group)?;
        let i = crate::sim::synapse_var_index(self.network(), g, name)?;
        let s = &self.network().synapse_groups[g];
        let ty = s
            .code
            .as_ref()
            .map_or(crate::model::code::VarType::F32, |c| c.vars[i].ty);
        let bits = values
            .iter()
            .enumerate()
            .map(|(k, &x)| {
                ty.bits_of(f64::from(x))
                    .ok_or_else(|| SimError::InvalidSynapseValues {
                        group: s.name.clone(),
                        var: name.to_owned(),
                        reason: format!("value #{k}, {x}, does not fit its type {}", ty.wgsl()),
                    })
            })
            .collect::<Result<Vec<u32>, _>>()?;
        self.write_synapse_var_bits(group, name, &bits)
    }
}

/// A variable's bits as f32: an integer variable's value converted, f32 (or unknown)
/// as its bits.
pub(crate) fn bits_to_f32(ty: Option<crate::model::code::VarType>, b: u32) -> f32 {
    use crate::model::code::VarType;
    match ty {
        Some(VarType::I32) => b as i32 as f32,
        Some(VarType::U32) => b as f32,
        _ => f32::from_bits(b),
    }
}
