//! The WebGPU backend: WGSL kernels from `shaders/` and the models' pieces, one
//! submission per run of timesteps for the whole batch, recordings read back once at its
//! end.
//!
//! A simulation is planned without a device (`plan/`, with one builder per kernel stage in
//! `kernels/` and the WGSL assembly in `shaders/`), then created on it once
//! (`resources.rs`): buffers sized for the batch, pipelines, bind groups, the initial state
//! to reset from. A run of timesteps only writes its per-block parameters and records
//! dispatches (`encode.rs`); a reset is two buffer copies and a few clears, queued into
//! the next submission; recordings come back through a small pool of read-back buffers
//! (`readback.rs`). `docs/architecture.md` describes the blocks of timesteps, stamps and
//! strategies.

mod context;
mod encode;
mod error;
mod kernels;
mod plan;
#[cfg(test)]
mod random_twin;
mod readback;
mod resources;
mod shaders;
mod state_samples;
#[cfg(test)]
pub(crate) mod test_kernel;
mod tuning;

pub use context::{ADAPTER_ENV, AdapterSummary, GpuContext, hardware_adapter, list_adapters};
pub use error::GpuError;
pub use tuning::{GPU_SYNAPSE_THREADS, GpuTuning, NeuronUpdateStrategy, SOFTWARE_SYNAPSE_THREADS};

use kernels::{GroupKernels, PopulationKernels, Shape};
use plan::{BufferId, Device, GpuPlan, pad_entries, padded, unpad_entries};
use resources::{Buffers, Dispatch};

use crate::model::{BuiltNetwork, CurrentSourceId, PopulationId, SynapseGroupId};
use crate::sim::{
    PendingRecordings, Recordings, SimConfig, SimError, SimulationId, Simulator, StateVar,
    StepClock, check_magnitudes, group_index, population_index,
};
use crate::sim::{VarSlot, check_state_length, var_slot};

/// A network on a GPU.
pub struct GpuSimulation {
    ctx: GpuContext,
    net: BuiltNetwork,
    id: SimulationId,
    tuning: GpuTuning,
    shape: Shape,
    /// For feed-forward networks, the order populations run in, each for a whole block
    /// after the synapse groups into it; `None` runs one timestep at a time.
    feed_forward: Option<Vec<usize>>,
    buffers: Buffers,
    /// Bytes between consecutive blocks' parameters.
    step_stride: u64,
    /// Blocks whose parameters the parameter buffer holds: the most one submission runs.
    step_params_blocks: u32,
    /// Host copy of the per-block parameters, reused by every run.
    step_params_host: Vec<u8>,
    populations: Vec<PopulationKernels<Dispatch>>,
    groups: Vec<GroupKernels<Dispatch>>,
    /// Bytes of one full recording of every recorded population.
    recording_bytes: u64,
    /// Bytes of the most samples of every population whose state is recorded.
    state_recording_bytes: u64,
    /// Host threads that unpack a large batch's recordings (`SimConfig::threads`).
    host_threads: usize,
    /// Read-back buffers for recordings not in flight.
    free_readbacks: Vec<wgpu::Buffer>,
    /// Commands (a reset) queued for the start of the next submission.
    queued: Option<wgpu::CommandEncoder>,
    clock: StepClock,
}

impl GpuSimulation {
    /// Loads `net` onto the device of `ctx`, spreading work as is best for its adapter
    /// ([`GpuTuning::for_adapter`]) and checking every buffer against its limits.
    pub fn new(ctx: GpuContext, net: &BuiltNetwork, config: SimConfig) -> Result<Self, GpuError> {
        let tuning = GpuTuning::for_adapter(ctx.adapter());
        GpuSimulation::with_tuning(ctx, net, config, tuning)
    }

    /// [`new`](GpuSimulation::new) with work spread as `tuning` says: for tests and
    /// benchmarks of the strategies (the spikes don't depend on it).
    pub fn with_tuning(
        ctx: GpuContext,
        net: &BuiltNetwork,
        config: SimConfig,
        tuning: GpuTuning,
    ) -> Result<Self, GpuError> {
        let device = Device {
            limits: ctx.limits(),
            adapter: ctx.adapter(),
        };
        let plan = GpuPlan::new(net, config, device, tuning)?;
        let buffers = Buffers::create(&ctx, &plan.buffers, plan.step_params.1);
        let create = |spec: kernels::KernelSpec| Dispatch::create(&ctx, &spec, &buffers);
        let populations = plan
            .populations
            .into_iter()
            .map(|k| k.try_map(create))
            .collect::<Result<_, _>>()?;
        let groups = plan
            .groups
            .into_iter()
            .map(|k| k.try_map(create))
            .collect::<Result<_, _>>()?;
        ctx.check_errors()?;
        let mut sim = GpuSimulation {
            net: net.clone(),
            id: SimulationId::unique(),
            tuning,
            shape: plan.shape,
            feed_forward: plan.feed_forward,
            buffers,
            step_stride: plan.step_params.0,
            step_params_blocks: (plan.step_params.1 / plan.step_params.0) as u32,
            step_params_host: Vec::new(),
            populations,
            groups,
            recording_bytes: plan.recording_bytes,
            state_recording_bytes: plan.state_recording_bytes,
            host_threads: config.host_threads(),
            free_readbacks: Vec::new(),
            queued: None,
            clock: StepClock::new(config, net.records()),
            ctx,
        };
        // The state buffers start at zero: the first submission sets them.
        sim.queue_reset()?;
        sim.write_state_tables()?;
        Ok(sim)
    }

    /// The adapter this simulation runs on.
    pub fn adapter(&self) -> &AdapterSummary {
        self.ctx.adapter()
    }

    /// The device this simulation runs on.
    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    /// Population `population`'s recording buffer on the device, the words from one
    /// recorded timestep's row to the next (batch entries are interleaved: entry 0's
    /// row starts each), and the timesteps recorded since the last reset or take: what
    /// the viewer draws from without reading the recording back.
    #[cfg(feature = "view")]
    pub(crate) fn recording_rows(
        &self,
        population: PopulationId,
    ) -> Result<(wgpu::Buffer, u32, u32), SimError> {
        let p = population_index(&self.net, population)?;
        let words = crate::sim::words_per_step(self.net.populations[p].size) as u32;
        let buffer = self.buffers.get(BufferId::Recording(p))?.clone();
        Ok((buffer, words * self.shape.batch, self.clock.recorded_steps))
    }

    /// How this simulation spreads its work.
    pub fn tuning(&self) -> GpuTuning {
        self.tuning
    }

    /// Writes `words` at the start of a buffer, after anything queued (a queued reset
    /// runs before, not after, the write).
    fn write_words(&mut self, id: BufferId, words: &[u32]) -> Result<(), SimError> {
        self.flush_queued()?;
        let buffer = self.buffers.get(id)?;
        self.ctx
            .queue()
            .write_buffer(buffer, 0, bytemuck::cast_slice(words));
        Ok(())
    }

    /// Every neuron's value of a state buffer of a population of `n`, without padding.
    fn read_padded(&mut self, id: BufferId, n: u32) -> Result<Vec<f32>, SimError> {
        let values = self.read_f32(id, u64::from(padded(n)) * u64::from(self.shape.batch))?;
        Ok(unpad_entries(&values, n as usize))
    }
}

impl Simulator for GpuSimulation {
    fn description(&self) -> String {
        format!("gpu: {}", self.ctx.adapter())
    }

    fn network(&self) -> &BuiltNetwork {
        &self.net
    }

    fn batch_size(&self) -> u32 {
        self.shape.batch
    }

    fn set_magnitude(&mut self, source: CurrentSourceId, values: &[f32]) -> Result<(), SimError> {
        let c = check_magnitudes(&self.net, self.shape.batch, source, values)?;
        let n = self.net.populations[self.net.current_sources[c].target].size as usize;
        // Staged now, copied at the start of the next submission: after every run
        // already submitted, so a batch in flight keeps its own input.
        let buffer = self.buffers.get(BufferId::Magnitude(c))?;
        let padded = pad_entries(values, n, 0.0);
        self.ctx
            .queue()
            .write_buffer(buffer, 0, bytemuck::cast_slice(&padded));
        Ok(())
    }

    fn step_time(&mut self, steps: u32) -> Result<(), SimError> {
        self.clock.check_room(steps)?;
        // A run longer than the parameter buffer holds (where nothing is recorded, and
        // so nothing limits a run) goes in several submissions.
        let most = self.step_params_blocks.max(1) * self.shape.block_steps;
        let mut left = steps;
        while left > 0 {
            let run = left.min(most);
            self.encode_run(run)?;
            self.clock.advance(run);
            left -= run;
        }
        Ok(())
    }

    fn reset(&mut self) -> Result<(), SimError> {
        self.queue_reset()?;
        self.clock.reset();
        self.write_state_phases(0)?;
        Ok(())
    }

    fn recording_steps(&self) -> u32 {
        self.clock.capacity()
    }

    fn recorded_steps(&self) -> u32 {
        self.clock.recorded_steps
    }

    fn start_take_recording(&mut self) -> Result<PendingRecordings, SimError> {
        let (steps, first_step) = self.clock.take();
        let pending = self.start_readback(steps, first_step)?;
        // The next recording starts now; the copy above was submitted first.
        self.write_state_phases(self.clock.recording_start)?;
        Ok(pending)
    }

    fn finish_take_recording(
        &mut self,
        pending: PendingRecordings,
    ) -> Result<Recordings, SimError> {
        self.finish_readback(pending)
    }

    fn read_var_bits(
        &mut self,
        population: PopulationId,
        name: &str,
    ) -> Result<Vec<u32>, SimError> {
        let p = population_index(&self.net, population)?;
        let id = match var_slot(&self.net, p, name)? {
            VarSlot::Builtin(StateVar::V) => BufferId::V(p),
            VarSlot::Builtin(StateVar::RefracTime) => BufferId::RefracTime(p),
            VarSlot::Code(i) => BufferId::Var(p, i),
        };
        let values = self.read_padded(id, self.net.populations[p].size)?;
        Ok(values.into_iter().map(f32::to_bits).collect())
    }

    fn write_var_bits(
        &mut self,
        population: PopulationId,
        name: &str,
        bits: &[u32],
    ) -> Result<(), SimError> {
        let p = population_index(&self.net, population)?;
        let id = match var_slot(&self.net, p, name)? {
            VarSlot::Builtin(StateVar::V) => BufferId::V(p),
            VarSlot::Builtin(StateVar::RefracTime) => BufferId::RefracTime(p),
            VarSlot::Code(i) => BufferId::Var(p, i),
        };
        check_state_length(&self.net, p, name, self.shape.batch, bits)?;
        // A queued reset would run after the write (it is submitted later) and undo it.
        self.flush_queued()?;
        let n = self.net.populations[p].size as usize;
        let values: Vec<f32> = bits.iter().map(|&b| f32::from_bits(b)).collect();
        let padded = pad_entries(&values, n, 0.0);
        let buffer = self.buffers.get(id)?;
        self.ctx
            .queue()
            .write_buffer(buffer, 0, bytemuck::cast_slice(&padded));
        Ok(())
    }

    fn read_in_syn(&mut self, group: SynapseGroupId) -> Result<Vec<f32>, SimError> {
        let g = group_index(&self.net, group)?;
        let post = self.net.synapse_groups[g].post;
        self.read_padded(BufferId::InSyn(g), self.net.populations[post].size)
    }

    fn timestep(&self) -> u64 {
        self.clock.timestep
    }

    fn read_weights(&mut self, group: SynapseGroupId) -> Result<Vec<f32>, SimError> {
        let g = group_index(&self.net, group)?;
        if crate::sim::weights_in_code_var(&self.net, g)? {
            return self.read_synapse_var(group, "g");
        }
        let n = self.net.synapse_groups[g].connectivity.len() as u64;
        self.read_f32(BufferId::Weights(g), n)
    }

    fn read_synapse_var_bits(
        &mut self,
        group: SynapseGroupId,
        name: &str,
    ) -> Result<Vec<u32>, SimError> {
        let g = group_index(&self.net, group)?;
        let i = crate::sim::synapse_var_index(&self.net, g, name)?;
        let n = self.net.synapse_groups[g].connectivity.len() as u64;
        self.read_u32(BufferId::SynapseVar(g, i), n)
    }

    fn write_weights(&mut self, group: SynapseGroupId, values: &[f32]) -> Result<(), SimError> {
        let g = group_index(&self.net, group)?;
        if let Some(bits) = crate::sim::check_weights(&self.net, g, values)? {
            return self.write_synapse_var_bits(group, "g", &bits);
        }
        self.write_words(BufferId::Weights(g), bytemuck::cast_slice(values))
    }

    fn write_synapse_var_bits(
        &mut self,
        group: SynapseGroupId,
        name: &str,
        bits: &[u32],
    ) -> Result<(), SimError> {
        let g = group_index(&self.net, group)?;
        let i = crate::sim::check_synapse_bits(&self.net, g, name, bits)?;
        self.write_words(BufferId::SynapseVar(g, i), bits)
    }
}
