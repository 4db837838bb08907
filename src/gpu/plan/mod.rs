//! Planning a simulation without a device: every buffer with its size and contents,
//! every kernel with its WGSL, constants and bindings, and the schedule of blocks, all
//! checked against the adapter's limits. Creating the plan on a device
//! (`resources.rs`) and encoding its timesteps (`encode.rs`) come after.

mod blocks;
mod buffers;
mod limits;
mod synapse_code;

pub(crate) use blocks::{AccumulatorLayout, MAX_BLOCK_STEPS, pad_entries, padded, unpad_entries};
pub(crate) use buffers::{BufferId, BufferSpec};
pub(crate) use limits::Device;

use buffers::{BufferPlan, Init};

use super::encode::STEP_PARAMS_BYTES;
use super::kernels::{
    GroupKernels, KernelSpec, PopulationKernels, Shape, learning, neuron_update, propagate_spikes,
    state_recording,
};
use super::shaders::TemplateError;
use super::{GpuError, GpuTuning};
use crate::model::code::CompiledNeuron;
use crate::model::{BuiltNetwork, BuiltPopulation, NEVER_SPIKED, PopulationModel};
use crate::sim::{SimConfig, check_config, words_per_step};

/// Everything a simulation of a network will create on the device, and how it runs.
pub(crate) struct GpuPlan<'n> {
    /// Batch size, timesteps per block, slots of the spike rings.
    pub shape: Shape,
    /// For feed-forward networks, the order populations run in, each for a whole block
    /// after the synapse groups into it; `None` runs one timestep at a time.
    pub feed_forward: Option<Vec<usize>>,
    /// Bytes between the per-block parameters of consecutive blocks (the uniform
    /// offset alignment), and of the whole buffer (one entry per recording timestep).
    pub step_params: (u64, u64),
    /// The storage buffers.
    pub buffers: Vec<BufferSpec<'n>>,
    /// The kernels of each population.
    pub populations: Vec<PopulationKernels<KernelSpec>>,
    /// The kernels of each synapse group.
    pub groups: Vec<GroupKernels<KernelSpec>>,
    /// Bytes of one full recording of every recorded population.
    pub recording_bytes: u64,
    /// Bytes of the most samples of every population whose state is recorded.
    pub state_recording_bytes: u64,
}

impl<'n> GpuPlan<'n> {
    /// The plan for `net` with `config` on `device`, spreading work as `tuning` says, or
    /// the first thing that does not fit the device.
    pub fn new(
        net: &'n BuiltNetwork,
        config: SimConfig,
        device: Device<'_>,
        tuning: GpuTuning,
    ) -> Result<Self, GpuError> {
        check_config(net, config)?;
        device.check_batch(net, config)?;
        let block_steps = blocks::block_steps(net, config.batch_size, device.binding_limit());
        let shape = Shape {
            batch: config.batch_size,
            block_steps,
        };
        let mut plan = GpuPlan {
            shape,
            feed_forward: net.feed_forward_order(),
            step_params: step_params_bytes(config, &device)?,
            buffers: Vec::new(),
            populations: Vec::new(),
            groups: Vec::new(),
            recording_bytes: 0,
            state_recording_bytes: 0,
        };
        let mut buffers = BufferPlan {
            device,
            specs: Vec::new(),
        };
        plan_inputs(net, shape, &mut buffers)?;
        for p in 0..net.populations.len() {
            let kernels = plan.population(net, p, config, tuning, &mut buffers)?;
            plan.populations.push(kernels);
        }
        for g in 0..net.synapse_groups.len() {
            let kernels = plan_group(net, g, shape, tuning, &mut buffers)?;
            plan.groups.push(kernels);
        }
        plan.buffers = buffers.specs;
        Ok(plan)
    }

    /// Population `p`'s buffers and kernels.
    fn population(
        &mut self,
        net: &'n BuiltNetwork,
        p: usize,
        config: SimConfig,
        tuning: GpuTuning,
        buffers: &mut BufferPlan<'n, '_>,
    ) -> Result<PopulationKernels<KernelSpec>, GpuError> {
        let pop = &net.populations[p];
        let device = buffers.device;
        let (strategy, workgroups) =
            neuron_update::geometry(net, p, tuning.neuron_update, &device)?;
        self.population_buffers(net, p, config, buffers)?;
        let update = neuron_update::spec(net, p, self.shape, strategy, workgroups)
            .map_err(|e| template_error(&format!("neuron_update[{}]", pop.name), e))?;
        let max_storage = device.limits.max_storage_buffers_per_shader_stage;
        if update.storage_buffers() > max_storage {
            return Err(device.over_limit(
                format!("population '{}' (storage buffers per kernel)", pop.name),
                u64::from(update.storage_buffers()),
                u64::from(max_storage),
            ));
        }
        let spike_times = if net.tracks_spike_times(p) {
            Some(self.spike_times(net, p, buffers)?)
        } else {
            None
        };
        Ok(PopulationKernels {
            update,
            spike_times,
        })
    }

    /// Population `p`'s state: `V`, `RefracTime`, their initial values, the spike ring
    /// and, when recording, the recording.
    fn population_buffers(
        &mut self,
        net: &'n BuiltNetwork,
        p: usize,
        config: SimConfig,
        buffers: &mut BufferPlan<'n, '_>,
    ) -> Result<(), GpuError> {
        let pop = &net.populations[p];
        let batch = u64::from(self.shape.batch);
        let words = words_per_step(pop.size) as u64;
        let name = &pop.name;
        if let PopulationModel::Code(code) = &pop.model {
            self.code_state_buffers(code, name, p, buffers)?;
        } else {
            self.builtin_state_buffers(pop, p, buffers)?;
        }
        let ring = u64::from(self.shape.spike_slots(net, p)) * batch * words * 4;
        buffers.add(
            BufferId::Spikes(p),
            format!("{name}.spikes"),
            ring,
            Init::Zeroed,
        )?;
        if pop.spike_recording {
            let bytes = batch * words * 4 * u64::from(config.recording_steps);
            self.recording_bytes += bytes;
            let label = format!("{name}.recording");
            buffers.add(BufferId::Recording(p), label, bytes, Init::Zeroed)?;
        }
        if let Some(rec) = &pop.state_recording {
            let max_samples = rec.max_samples(config.recording_steps);
            let words = state_recording::buffer_words(pop, rec, self.shape.batch, max_samples);
            let samples = words - state_recording::samples_offset(pop.size);
            self.state_recording_bytes += samples * 4;
            let label = format!("{name}.state_recording");
            // The slot table is written when the simulation is created.
            buffers.add(BufferId::StateRecording(p), label, words * 4, Init::Zeroed)?;
        }
        Ok(())
    }

    /// A built-in model's `V` and `RefracTime`, and their initial values.
    fn builtin_state_buffers(
        &mut self,
        pop: &BuiltPopulation,
        p: usize,
        buffers: &mut BufferPlan<'n, '_>,
    ) -> Result<(), GpuError> {
        let state = u64::from(self.shape.batch) * u64::from(padded(pop.size)) * 4;
        let name = &pop.name;
        buffers.add(BufferId::V(p), format!("{name}.V"), state, Init::Zeroed)?;
        buffers.add(
            BufferId::RefracTime(p),
            format!("{name}.RefracTime"),
            state,
            Init::Zeroed,
        )?;
        let v_init = Init::Repeat(pop.init.v);
        buffers.add(
            BufferId::VInit(p),
            format!("{name}.V initial"),
            state,
            v_init,
        )?;
        let refrac_init = Init::Repeat(pop.init.refrac_time);
        let label = format!("{name}.RefracTime initial");
        buffers.add(BufferId::RefracTimeInit(p), label, state, refrac_init)?;
        Ok(())
    }

    /// A code-string model's variables and their initial values: each neuron's in every
    /// batch entry, padding neurons 0.
    fn code_state_buffers(
        &mut self,
        code: &CompiledNeuron,
        name: &str,
        p: usize,
        buffers: &mut BufferPlan<'n, '_>,
    ) -> Result<(), GpuError> {
        for (i, (var, init)) in code.vars.iter().zip(&code.init).enumerate() {
            let stride = padded(init.len() as u32) as usize;
            let mut words = vec![0u32; stride * self.shape.batch as usize];
            for entry in words.chunks_mut(stride) {
                entry[..init.len()].copy_from_slice(init);
            }
            let bytes = words.len() as u64 * 4;
            let label = format!("{name}.{}", var.name);
            buffers.add(BufferId::Var(p, i), label.clone(), bytes, Init::Zeroed)?;
            let label = format!("{label} initial");
            buffers.add(BufferId::VarInit(p, i), label, bytes, Init::OwnedU32(words))?;
        }
        for (k, (egp, values)) in code.extra_global_params.iter().enumerate() {
            // A buffer can't be empty: an empty array is one unread 0.
            let words: Vec<u32> = match values.len() {
                0 => vec![0],
                _ => values.iter().map(|x| x.to_bits()).collect(),
            };
            let (label, bytes) = (format!("{name}.{egp}"), words.len() as u64 * 4);
            let init = Init::OwnedU32(words);
            buffers.add(BufferId::ExtraGlobalParam(p, k), label, bytes, init)?;
        }
        Ok(())
    }

    /// The latest spike times of population `p`, which plastic synapses connect: their
    /// buffers (learning runs at batch size 1: one time per neuron) and kernel.
    fn spike_times(
        &self,
        net: &'n BuiltNetwork,
        p: usize,
        buffers: &mut BufferPlan<'n, '_>,
    ) -> Result<KernelSpec, GpuError> {
        let name = &net.populations[p].name;
        let bytes = u64::from(net.populations[p].size) * 4;
        let never = Init::Repeat(NEVER_SPIKED);
        buffers.add(
            BufferId::LastSpike(p),
            format!("{name}.last_spike"),
            bytes,
            never.clone(),
        )?;
        let label = format!("{name}.last_spike initial");
        buffers.add(BufferId::NeverSpiked(p), label, bytes, never)?;
        learning::spike_times(net, p, self.shape)
            .map_err(|e| template_error(&format!("spike_times[{name}]"), e))
    }
}

/// Blocks whose parameters the parameter buffer holds at least: a run longer than it
/// holds goes in several submissions, so unrecorded runs get room for many.
const MIN_STEP_PARAMS: u32 = 1024;

/// Bytes between consecutive blocks' parameters and of the whole parameter buffer: an
/// entry per timestep of a recorded run (and at least [`MIN_STEP_PARAMS`]), addressed
/// by u32 dynamic offsets.
fn step_params_bytes(config: SimConfig, device: &Device<'_>) -> Result<(u64, u64), GpuError> {
    let stride =
        u64::from(device.limits.min_uniform_buffer_offset_alignment).max(STEP_PARAMS_BYTES);
    let bytes = stride * u64::from(config.recording_steps.max(MIN_STEP_PARAMS));
    let limit = device.limits.max_buffer_size.min(u64::from(u32::MAX));
    if bytes > limit {
        return Err(device.over_limit(
            format!(
                "{} recording timesteps (per-timestep parameters)",
                config.recording_steps
            ),
            bytes,
            limit,
        ));
    }
    Ok((stride, bytes))
}

/// The buffers of the populations' inputs: current sources' magnitudes, synapse groups'
/// `inSyn` and accumulators (one slot per timestep of a block).
fn plan_inputs<'n>(
    net: &'n BuiltNetwork,
    shape: Shape,
    buffers: &mut BufferPlan<'n, '_>,
) -> Result<(), GpuError> {
    let batch = u64::from(shape.batch);
    // A code-string source has no magnitude (its step function does its work).
    for (c, source) in net
        .current_sources
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.code)
    {
        let bytes = batch * u64::from(padded(net.populations[source.target].size)) * 4;
        let init = Init::Repeat(source.initial_magnitude);
        let label = format!("{}.magnitude", source.name);
        buffers.add(BufferId::Magnitude(c), label, bytes, init)?;
    }
    for (g, s) in net.synapse_groups.iter().enumerate() {
        let post = net.populations[s.post].size;
        let bytes = batch * u64::from(padded(post)) * 4;
        buffers.add(
            BufferId::InSyn(g),
            format!("{}.in_syn", s.name),
            bytes,
            Init::Zeroed,
        )?;
        let layout = AccumulatorLayout::new(post, shape.batch, shape.block_steps);
        let label = format!("{}.in_syn_acc", s.name);
        buffers.add(
            BufferId::InSynAcc(g),
            label,
            layout.words(s.weight.width) * 4,
            Init::Zeroed,
        )?;
    }
    Ok(())
}

/// Synapse group `g`'s buffers and kernels.
fn plan_group<'n>(
    net: &'n BuiltNetwork,
    g: usize,
    shape: Shape,
    tuning: GpuTuning,
    buffers: &mut BufferPlan<'n, '_>,
) -> Result<GroupKernels<KernelSpec>, GpuError> {
    let s = &net.synapse_groups[g];
    let name = &s.name;
    let device = buffers.device;
    let conn = &s.connectivity;
    buffers.add_words(
        BufferId::RowStart(g),
        format!("{name}.row_start"),
        &conn.row_start,
    )?;
    buffers.add_words(
        BufferId::Targets(g),
        format!("{name}.targets"),
        &conn.targets,
    )?;
    if !s.delays.class_start.is_empty() {
        // One entry per presynaptic neuron and delay from the shortest to the longest.
        let label = format!("{name}.delay_class_start (per-synapse delays' table)");
        buffers.add_words(BufferId::DelayClassStart(g), label, &s.delays.class_start)?;
    }
    if let Some(weights) = &s.synapse_g {
        let bytes = weights.len() as u64 * 4;
        buffers.add(
            BufferId::Weights(g),
            format!("{name}.g"),
            bytes,
            Init::F32(weights),
        )?;
    }
    let arrival_times = plan_arrival_times(net, g, shape, buffers)?;
    if let Some(code) = &s.code {
        let synapse_code = synapse_code::plan_code_group(net, g, code, (shape, tuning), buffers)?;
        return Ok(GroupKernels {
            propagate: None,
            learning: None,
            synapse_code,
            arrival_times,
            drives_post: s.drives_post,
        });
    }
    let plan = propagate_spikes::plan(net, g, tuning.synapse_threads, &device)?;
    // `plan` has checked the words scanned fit.
    let words = propagate_spikes::scanned_words(net, g).unwrap_or(u32::MAX);
    let workgroups = plan.workgroups(words, device.max_workgroups());
    let propagate = propagate_spikes::spec(net, g, shape, plan, workgroups)
        .map_err(|e| template_error(&format!("propagate_spikes[{name}]"), e))?;
    let learning = match (&s.stdp, s.columns()) {
        (Some(rule), Some(columns)) => {
            let longest = columns.max_column_length();
            let label = |what: &str| format!("{name}.{what}");
            buffers.add_owned_words(
                BufferId::ColumnStart(g),
                label("column_start"),
                columns.start,
            )?;
            let synapses = columns.synapses;
            buffers.add_owned_words(
                BufferId::ColumnSynapses(g),
                label("column_synapses"),
                synapses,
            )?;
            buffers.add_owned_words(BufferId::PreOf(g), label("pre_of"), columns.pre_of)?;
            let kernels = learning::stdp(net, g, (rule, longest), shape, device.max_workgroups())
                .map_err(|e| template_error(&format!("learning[{name}]"), e))?;
            Some(kernels)
        }
        _ => None,
    };
    Ok(GroupKernels {
        propagate: Some(propagate),
        learning,
        synapse_code: (None, None),
        arrival_times,
        drives_post: s.drives_post,
    })
}

/// For delayed plastic group `g`, its own `st_pre` and the kernel that records it.
fn plan_arrival_times<'n>(
    net: &'n BuiltNetwork,
    g: usize,
    shape: Shape,
    buffers: &mut BufferPlan<'n, '_>,
) -> Result<Option<KernelSpec>, GpuError> {
    let s = &net.synapse_groups[g];
    let Some(delay) = s.learning_delay() else {
        return Ok(None);
    };
    let bytes = u64::from(net.populations[s.pre].size) * 4;
    let label = format!("{}.st_pre (arrival times)", s.name);
    buffers.add(BufferId::StPre(g), label, bytes, Init::Repeat(NEVER_SPIKED))?;
    let kernel = learning::arrival_times(net, g, delay, shape)
        .map_err(|e| template_error(&format!("arrival_times[{}]", s.name), e))?;
    Ok(Some(kernel))
}

/// A template mistake in kernel `kernel`: a bug in kenyon.
fn template_error(kernel: &str, e: TemplateError) -> GpuError {
    GpuError::KernelMismatch {
        kernel: kernel.to_owned(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests;
