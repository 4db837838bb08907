//! The one API both backends implement: load a [`BuiltNetwork`], set inputs, run
//! timesteps, read recordings and state back.
//!
//! A simulation runs a batch of `batch_size` independent copies of the network at once
//! (GeNN's `batch_size`): connectivity is shared, state, inputs and recordings are per
//! image. Per-neuron data passed in or out covers the whole batch, image-major: the value
//! of neuron `i` in batch entry `b` is at `b * n + i`.

use crate::model::{BuiltNetwork, CurrentSourceId, PopulationId, SynapseGroupId};
use crate::recording::Recordings;

/// Why a simulation call failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("current source #{0} does not exist in this network")]
    UnknownCurrentSource(usize),
    #[error("population #{0} does not exist in this network")]
    UnknownPopulation(usize),
    #[error("synapse group #{0} does not exist in this network")]
    UnknownSynapseGroup(usize),
    #[error(
        "current source '{source_name}' needs {expected} magnitudes (neurons x batch size) but {found} were given"
    )]
    WrongLength {
        source_name: String,
        expected: usize,
        found: usize,
    },
    #[error("batch size must be at least 1")]
    ZeroBatch,
    #[error(
        "an image has {found} pixels but the network has {expected} projection neurons (one per pixel of a 28 x 28 image)"
    )]
    WrongImageSize { expected: usize, found: usize },
    #[error("{images} images were given to a simulation of batch size {batch_size}")]
    BatchMismatch { images: usize, batch_size: u32 },
    #[error(
        "synapse group '{group}' is plastic: its weights are shared by the batch, so learning runs with batch size 1, not {batch_size}"
    )]
    PlasticNeedsBatch1 { group: String, batch_size: u32 },
    #[error("synapse group '{group}' has one constant weight, not per-synapse weights")]
    NoSynapseWeights { group: String },
    #[error("this pending recording was started by a different simulation")]
    ForeignRecording,
    #[error(
        "{requested} more timesteps would overflow the recording buffer ({recorded} of {capacity} steps used): call take_recording() first or build with a larger recording_steps"
    )]
    RecordingFull {
        requested: u32,
        recorded: u32,
        capacity: u32,
    },
    #[error(transparent)]
    Gpu(#[from] crate::gpu::GpuError),
}

/// Neuron state variables that can be read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateVar {
    /// Membrane potential `V` [mV].
    V,
    /// Remaining refractory time `RefracTime` [ms].
    RefracTime,
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
/// updates every neuron (GeNN's order).
pub trait Simulator {
    /// Backend and device, for people ("cpu", "gpu: NVIDIA ... (Vulkan)").
    fn description(&self) -> String;
    fn network(&self) -> &BuiltNetwork;
    /// Copies of the network simulated together.
    fn batch_size(&self) -> u32;
    /// Sets every neuron's `magnitude` of a current source, for every batch entry
    /// (`batch_size * n` values, image-major).
    fn set_magnitude(&mut self, source: CurrentSourceId, values: &[f32]) -> Result<(), SimError>;
    /// Advances `steps` timesteps, recording spikes of populations with recording on.
    fn step_time(&mut self, steps: u32) -> Result<(), SimError>;
    /// Back to the initial state: `V`, `RefracTime`, every `inSyn`, spikes still to be
    /// delivered (unlike GeNN, see the README) and the recording; time returns to 0.
    fn reset(&mut self) -> Result<(), SimError>;
    /// The recordings of the steps run since the last reset or take, per population and
    /// batch entry; empties the recording buffer.
    fn take_recording(&mut self) -> Result<Recordings, SimError> {
        let pending = self.start_take_recording()?;
        self.finish_take_recording(pending)
    }
    /// Starts [`take_recording`](Simulator::take_recording) without waiting for the data:
    /// on a GPU the copy is queued behind the timesteps already submitted, and later
    /// timesteps can be submitted before [`finish_take_recording`] waits for it, so the
    /// device never idles while the host reads a recording back.
    ///
    /// [`finish_take_recording`]: Simulator::finish_take_recording
    fn start_take_recording(&mut self) -> Result<PendingRecordings, SimError>;
    /// Waits for a recording started by [`start_take_recording`](Simulator::start_take_recording).
    fn finish_take_recording(&mut self, pending: PendingRecordings)
    -> Result<Recordings, SimError>;
    /// A state variable of every neuron of a population, for every batch entry.
    fn read_state(&mut self, population: PopulationId, var: StateVar)
    -> Result<Vec<f32>, SimError>;
    /// The postsynaptic input `inSyn` of every target neuron of a synapse group, for
    /// every batch entry.
    fn read_in_syn(&mut self, group: SynapseGroupId) -> Result<Vec<f32>, SimError>;
    /// Timesteps since the last reset.
    fn timestep(&self) -> u64;
    /// The per-synapse weights `g` of a synapse group (`StaticPulse` or STDP), in
    /// connectivity row order (for dense connectivity, `g[pre * n_post + post]`).
    fn read_weights(&mut self, group: SynapseGroupId) -> Result<Vec<f32>, SimError>;
}

/// A recording on its way back from the device; see
/// [`Simulator::start_take_recording`].
#[must_use = "a pending recording holds a read-back buffer until it is finished"]
pub struct PendingRecordings(pub(crate) Pending);

pub(crate) enum Pending {
    Ready(Recordings),
    Gpu(crate::gpu::PendingReadback),
}

pub(crate) fn check_magnitudes(
    net: &BuiltNetwork,
    batch_size: u32,
    source: CurrentSourceId,
    values: &[f32],
) -> Result<usize, SimError> {
    let cs = net
        .current_sources
        .get(source.index())
        .ok_or(SimError::UnknownCurrentSource(source.index()))?;
    let expected = net.populations[cs.target].size as usize * batch_size as usize;
    if values.len() != expected {
        return Err(SimError::WrongLength {
            source_name: cs.name.clone(),
            expected,
            found: values.len(),
        });
    }
    Ok(source.index())
}

/// Which backend to load a network on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    /// A hardware GPU if there is one (or if an adapter is named), else the CPU.
    Auto,
    Gpu,
    Cpu,
}

/// Loads `net` on the chosen backend. `adapter` picks a GPU adapter by name substring
/// (default: `KENYON_ADAPTER`, else the best one).
pub fn load(
    net: &BuiltNetwork,
    choice: BackendChoice,
    adapter: Option<&str>,
    config: SimConfig,
) -> Result<Box<dyn Simulator>, SimError> {
    let env_adapter = std::env::var(crate::gpu::ADAPTER_ENV)
        .ok()
        .filter(|s| !s.is_empty());
    let use_gpu = match choice {
        BackendChoice::Gpu => true,
        BackendChoice::Cpu => false,
        BackendChoice::Auto => {
            adapter.is_some() || env_adapter.is_some() || crate::gpu::hardware_adapter().is_some()
        }
    };
    if config.batch_size == 0 {
        return Err(SimError::ZeroBatch);
    }
    if use_gpu {
        let ctx = crate::gpu::GpuContext::new(adapter)?;
        Ok(Box::new(crate::gpu::GpuSimulation::new(ctx, net, config)?))
    } else {
        Ok(Box::new(crate::cpu::CpuSimulation::new(net, config)?))
    }
}

/// Where a backend is in time and in its recording buffer, kept the same way by both.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StepClock {
    /// Timesteps since the last reset.
    pub timestep: u64,
    /// Timesteps in the recording buffer since the last reset or take.
    pub recorded_steps: u32,
    /// Timestep the recording buffer's first row belongs to.
    pub recording_start: u64,
    capacity: u32,
}

impl StepClock {
    pub fn new(config: SimConfig) -> Self {
        StepClock {
            timestep: 0,
            recorded_steps: 0,
            recording_start: 0,
            capacity: config.recording_steps,
        }
    }

    /// Fails if `steps` more timesteps would overflow the recording buffer.
    pub fn check_room(&self, steps: u32) -> Result<(), SimError> {
        if u64::from(self.recorded_steps) + u64::from(steps) > u64::from(self.capacity) {
            return Err(SimError::RecordingFull {
                requested: steps,
                recorded: self.recorded_steps,
                capacity: self.capacity,
            });
        }
        Ok(())
    }

    pub fn advance(&mut self, steps: u32) {
        self.timestep += u64::from(steps);
        self.recorded_steps += steps;
    }

    pub fn reset(&mut self) {
        *self = StepClock::new(SimConfig {
            recording_steps: self.capacity,
            ..SimConfig::DEFAULT
        });
    }

    /// The steps recorded and the timestep they start at; the next recording starts now.
    pub fn take(&mut self) -> (u32, u64) {
        let taken = (self.recorded_steps, self.recording_start);
        self.recorded_steps = 0;
        self.recording_start = self.timestep;
        taken
    }
}
