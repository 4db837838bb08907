//! The wgpu backend: WGSL kernels from `shaders/`, one submission per run of timesteps
//! for the whole batch, recordings read back once at its end.
//!
//! Everything is created once in [`GpuSimulation::new`]: buffers sized for the batch,
//! pipelines, bind groups, the initial state to reset from. A run of timesteps only
//! writes its per-block parameters and records dispatches; a reset is two buffer copies
//! and a few clears, recorded into the next submission.
//!
//! Feed-forward networks (no synapse group closes a loop, none is plastic) run in blocks
//! of up to `MAX_BLOCK_STEPS` (20) timesteps: population by population in feed-forward
//! order, the synapse groups into a population add every timestep of the block into
//! their own accumulator slot, then one dispatch updates the population through the
//! whole block with its state in registers. The spikes are those of the timestep-by-
//! timestep order, since a timestep's input only ever comes from spikes of the timestep
//! before. Other networks run one timestep per block. Recordings come back through a
//! small pool of read-back buffers, so a recording can be copied out while the next
//! batch already runs (see [`Simulator::start_take_recording`]).

mod context;
pub mod shaders;

pub use context::{
    ADAPTER_ENV, AdapterSummary, GPU_SYNAPSE_THREADS, GpuContext, NeuronUpdateLayout,
    SOFTWARE_SYNAPSE_THREADS, hardware_adapter, list_adapters, synapse_threads_for,
};

use wgpu::util::DeviceExt;

use crate::model::{BuiltNetwork, CurrentSourceId, PopulationId, SynapseGroupId};
use crate::recording::{Recordings, SpikeRecording, words_per_step};
use crate::simulator::{
    Pending, PendingRecordings, SimConfig, SimError, Simulator, StateVar, StepClock,
    check_magnitudes,
};
use shaders::NeuronKernelLayout;

/// Why the GPU backend failed.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error(
        "no GPU adapter found: install a Vulkan, Metal or DX12 driver (on Linux without a GPU, Mesa's lavapipe: apt-get install mesa-vulkan-drivers), or use the CPU backend (--backend cpu)"
    )]
    NoAdapter,
    #[error("no adapter's name contains '{filter}'; available adapters: {}", if available.is_empty() { "none".to_owned() } else { available.join("; ") })]
    AdapterNotFound {
        filter: String,
        available: Vec<String>,
    },
    #[error("could not open a device on adapter '{adapter}': {reason}")]
    RequestDevice { adapter: String, reason: String },
    #[error(
        "{what} needs {needed}, but adapter '{adapter}' allows at most {limit}: use a smaller network or the CPU backend"
    )]
    OverLimit {
        what: String,
        needed: u64,
        limit: u64,
        adapter: String,
    },
    #[error(
        "batch size {batch} is too large for adapter '{adapter}': {what} would need {needed}, at most {limit} are allowed; use --batch {max_batch} or less"
    )]
    BatchTooLarge {
        batch: u32,
        max_batch: u32,
        what: String,
        needed: u64,
        limit: u64,
        adapter: String,
    },
    #[error("batch size must be at least 1")]
    ZeroBatch,
    #[error(
        "synapse group '{group}' is plastic: its weights are shared by the batch, so learning runs with batch size 1, not {batch_size}"
    )]
    PlasticNeedsBatch1 { group: String, batch_size: u32 },
    #[error("kernel '{kernel}' failed to compile on this adapter: {reason}")]
    Pipeline { kernel: String, reason: String },
    #[error("wgpu error: {0}")]
    Wgpu(String),
    #[error("reading results back from the GPU failed: {0}")]
    Readback(String),
}

struct GpuPopulation {
    v: wgpu::Buffer,
    refrac_time: wgpu::Buffer,
    /// Initial `V` and `RefracTime` of the whole batch, copied over the state on reset.
    v_init: wgpu::Buffer,
    refrac_time_init: wgpu::Buffer,
    /// A ring of spike words: the timesteps of a block and the one before it.
    spikes: wgpu::Buffer,
    recording: Option<wgpu::Buffer>,
    /// The neuron update.
    update: Dispatch,
    /// For populations that plastic synapses connect: each neuron's latest spike time,
    /// its reset value, and the kernel that records them.
    spike_times: Option<SpikeTimes>,
}

struct SpikeTimes {
    last_spike: wgpu::Buffer,
    never: wgpu::Buffer,
    pass: Dispatch,
}

/// A pipeline with its bind group and workgroup count.
struct Dispatch {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    workgroups: u32,
}

struct GpuSynapseGroup {
    /// Per-synapse weights, for groups that have them.
    weights: Option<wgpu::Buffer>,
    in_syn: wgpu::Buffer,
    in_syn_acc: wgpu::Buffer,
    /// The synapse update.
    propagate: Dispatch,
    drives_post: bool,
    /// STDP on presynaptic, then postsynaptic spikes.
    learning: Option<(Dispatch, Dispatch)>,
}

/// Mirrors `StepParams` in shaders/step_params.wgsl.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct StepParams {
    step: u32,
    record_slot: u32,
    time: f32,
    previous_time: f32,
    /// Always 0: the shaders' opaque zero that keeps products from being fused.
    zero: u32,
    /// Timesteps in this block.
    steps: u32,
    /// Unique per block since the last reset: see step_params.wgsl.
    stamp: u32,
}

/// A network on a GPU.
pub struct GpuSimulation {
    ctx: GpuContext,
    net: BuiltNetwork,
    batch: u32,
    step_params: wgpu::Buffer,
    step_stride: u64,
    /// Host copy of the per-step parameters, reused by every run.
    step_params_host: Vec<u8>,
    populations: Vec<GpuPopulation>,
    groups: Vec<GpuSynapseGroup>,
    /// Timesteps one dispatch covers (see [`block_steps`]).
    block_steps: u32,
    /// For feed-forward networks, the order populations are simulated in, each for a
    /// whole block after the synapse groups into it; `None` runs one timestep at a time.
    feed_forward: Option<Vec<usize>>,
    magnitudes: Vec<wgpu::Buffer>,
    /// Bytes of one full recording of every recorded population.
    recording_bytes: u64,
    /// Host threads that unpack a large batch's recordings (`SimConfig::threads`).
    host_threads: usize,
    /// Read-back buffers for recordings not in flight.
    free_readbacks: Vec<wgpu::Buffer>,
    /// Commands (a reset) to run before the next run of timesteps.
    pending: Option<wgpu::CommandEncoder>,
    /// Tells pending recordings which simulation they belong to.
    id: u64,
    clock: StepClock,
}

/// A recording being copied to a read-back buffer; see
/// [`Simulator::start_take_recording`].
pub struct PendingReadback {
    owner: u64,
    buffer: wgpu::Buffer,
    submission: wgpu::SubmissionIndex,
    mapped: std::sync::mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>,
    steps: u32,
    first_step: u64,
}

static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The neuron model's override constants, named as in its WGSL piece.
fn neuron_constants(neuron: &crate::model::NeuronConstants) -> Vec<(String, f64)> {
    use crate::model::NeuronConstants;
    let named: Vec<(&str, f32)> = match neuron {
        NeuronConstants::Lif(c) => vec![
            ("EXP_TC", c.exp_tc),
            ("R_MEMBRANE", c.r_membrane),
            ("V_REST", c.v_rest),
            ("V_RESET", c.v_reset),
            ("V_THRESH", c.v_thresh),
            ("I_OFFSET", c.i_offset),
            ("TAU_REFRAC", c.tau_refrac),
            ("DT", c.dt),
        ],
        NeuronConstants::If(c) => vec![("V_THRESH", c.v_thresh)],
    };
    named
        .into_iter()
        .map(|(k, v)| (k.to_owned(), f64::from(v)))
        .collect()
}

/// Invocations per neuron-update workgroup; each updates one word (32 neurons).
const NEURON_WORKGROUP: u32 = 64;

/// Threads of a spike-time or learning workgroup (their kernels declare the same).
const SYNAPSE_WORKGROUP: u32 = 64;

/// Mean row length from which a synapse group's rows are shared by the threads of a
/// workgroup; shorter rows are handled whole by one thread.
const SHARED_ROW_LENGTH: u32 = 32;

/// Words of presynaptic spikes each synapse-update workgroup scans when it shares rows. Spikes are sparse
/// (most words are zero), so one workgroup serves many words; fewer, busier workgroups
/// also cost software adapters far less.
const SPIKE_WORDS_PER_WORKGROUP: u32 = 32;

/// Most timesteps one dispatch of a feed-forward network covers. Each neuron's state
/// is read and written once per block instead of once per timestep, and there are a
/// twentieth as many dispatches: what software adapters (where every memory access is a
/// per-lane loop) and small batches on GPUs (where the dispatches themselves cost most)
/// both gain from.
const MAX_BLOCK_STEPS: u32 = 20;

/// Bytes all synapse groups' accumulators together may take for blocks (one slot per
/// timestep of a block): larger batches get shorter blocks rather than more memory.
const BLOCK_ACCUMULATOR_BYTES: u64 = 256 << 20;

// A block's timesteps are bits of a u32 (the stamp mask of exp_curr.wgsl, which shifts
// by the block's length).
const _: () = assert!(MAX_BLOCK_STEPS < 32);

/// Bytes of one timestep slot of a synapse group's accumulator for a batch: an i32 per
/// target neuron, and room for a stamp per batch entry (a `vec4` counted, where the
/// stamps take an i32 each, four to a `vec4`: see exp_curr.wgsl).
fn accumulator_slot_bytes(post_size: u32, batch: u32) -> u64 {
    (u64::from(padded(post_size)) * 4 + 16) * u64::from(batch)
}

/// Timesteps per block for `net` at batch size `batch`: [`MAX_BLOCK_STEPS`] for
/// feed-forward networks within the accumulator budget and each buffer's limit, else 1.
fn block_steps(net: &BuiltNetwork, batch: u32, binding_limit: u64) -> u32 {
    if net.feed_forward_order().is_none() {
        return 1;
    }
    let slot_bytes = |post: usize| accumulator_slot_bytes(net.populations[post].size, batch);
    let all_slots: u64 = net.synapse_groups.iter().map(|s| slot_bytes(s.post)).sum();
    let largest_slot = net
        .synapse_groups
        .iter()
        .map(|s| slot_bytes(s.post))
        .max()
        .unwrap_or(0);
    let fits = |steps: u32| {
        all_slots * u64::from(steps) <= BLOCK_ACCUMULATOR_BYTES
            && largest_slot * u64::from(steps) <= binding_limit
    };
    (1..=MAX_BLOCK_STEPS).rev().find(|&k| fits(k)).unwrap_or(1)
}

/// llvmpipe ends an invocation's loops after this many iterations of all its loops
/// together, silently (gallivm's `LP_MAX_TGSI_LOOP_ITERATIONS`, a guard against endless
/// loops): a synapse update that needed more would drop input.
const SOFTWARE_LOOP_LIMIT: u64 = 65_535;

/// How a synapse group's update is run: whether the threads of a workgroup share each
/// spiking neuron's row, and how many threads a workgroup has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SynapsePlan {
    share_rows: bool,
    threads: u32,
}

impl SynapsePlan {
    /// Workgroups along x: each shares the rows of 32 spike words, or each thread takes
    /// its own word.
    fn workgroups(self, words_pre: u32, max_workgroups: u32) -> u32 {
        let per_workgroup = if self.share_rows {
            SPIKE_WORDS_PER_WORKGROUP
        } else {
            self.threads
        };
        words_pre.div_ceil(per_workgroup).min(max_workgroups)
    }

    /// The most loop iterations one thread of propagate_spikes.wgsl can run in a
    /// timestep, whatever spikes: its words, one per spike in them, and each spike's
    /// (share of its) row.
    fn loop_iterations(self, words_pre: u32, max_row: u32, max_workgroups: u32) -> u64 {
        let workgroups = u64::from(self.workgroups(words_pre, max_workgroups).max(1));
        let words = u64::from(words_pre);
        let max_row = u64::from(max_row);
        if self.share_rows {
            let words = words.div_ceil(workgroups);
            words + words * 32 * (1 + max_row.div_ceil(u64::from(self.threads)))
        } else {
            let words = words.div_ceil(workgroups * u64::from(self.threads));
            words * (1 + 32 * (1 + max_row))
        }
    }
}

/// The synapse update's plan for a group with `n_synapses` synapses from `n_pre`
/// presynaptic neurons in rows of at most `max_row`: rows shared from a mean length of
/// [`SHARED_ROW_LENGTH`], with `threads` threads per workgroup. On a software adapter
/// (`loop_limit`), long rows are shared whatever the mean, and the workgroup grows (up to
/// `max_threads`) until no thread can reach llvmpipe's loop limit; `None` if none fits.
#[allow(clippy::too_many_arguments)]
fn synapse_plan(
    n_synapses: u64,
    n_pre: u32,
    max_row: u32,
    threads: u32,
    max_threads: u32,
    max_workgroups: u32,
    loop_limit: Option<u64>,
) -> Option<SynapsePlan> {
    let words_pre = words_per_step(n_pre) as u32;
    let share_rows = n_synapses >= u64::from(n_pre) * u64::from(SHARED_ROW_LENGTH);
    let mut plan = SynapsePlan {
        share_rows,
        threads,
    };
    let Some(limit) = loop_limit else {
        return Some(plan);
    };
    let fits =
        |plan: SynapsePlan| plan.loop_iterations(words_pre, max_row, max_workgroups) <= limit;
    if !plan.share_rows && !fits(plan) {
        plan.share_rows = true;
    }
    while !fits(plan) && plan.threads * 2 <= max_threads {
        plan.threads *= 2;
    }
    fits(plan).then_some(plan)
}

impl NeuronUpdateLayout {
    /// Neurons each neuron-update workgroup covers.
    pub fn neurons_per_workgroup(self) -> u32 {
        NEURON_WORKGROUP * 32 / self.invocations_per_word()
    }
}

/// Neurons per batch entry in GPU state: the population padded to whole spike words, so
/// each invocation of the neuron update owns a word and reads whole `vec4`s.
fn padded(size: u32) -> u32 {
    size.div_ceil(32) * 32
}

/// `values` (`[batch][n]`) with each entry padded with `fill` to `padded(n)`.
fn pad_entries(values: &[f32], n: usize, fill: f32) -> Vec<f32> {
    let stride = padded(n as u32) as usize;
    let mut out = Vec::with_capacity(values.len() / n.max(1) * stride);
    for entry in values.chunks(n.max(1)) {
        out.extend_from_slice(entry);
        out.resize(out.len() + stride - entry.len(), fill);
    }
    out
}

/// The inverse of [`pad_entries`].
fn unpad_entries(values: &[f32], n: usize) -> Vec<f32> {
    let stride = padded(n as u32) as usize;
    values
        .chunks(stride.max(1))
        .flat_map(|entry| &entry[..n.min(entry.len())])
        .copied()
        .collect()
}

/// A storage buffer bound to a kernel.
struct Bound<'b> {
    binding: u32,
    buffer: &'b wgpu::Buffer,
    /// The kernel only reads it.
    read_only: bool,
}

impl<'b> Bound<'b> {
    fn read(binding: u32, buffer: &'b wgpu::Buffer) -> Self {
        Bound {
            binding,
            buffer,
            read_only: true,
        }
    }

    fn read_write(binding: u32, buffer: &'b wgpu::Buffer) -> Self {
        Bound {
            binding,
            buffer,
            read_only: false,
        }
    }
}

fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

fn step_params_entry() -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding: 0,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: true,
            min_binding_size: wgpu::BufferSize::new(std::mem::size_of::<StepParams>() as u64),
        },
        count: None,
    }
}

impl GpuSimulation {
    /// Loads `net` onto the device of `ctx`, checking every buffer against its limits.
    pub fn new(ctx: GpuContext, net: &BuiltNetwork, config: SimConfig) -> Result<Self, GpuError> {
        let b = Builder { ctx: &ctx };
        let limits = &ctx.limits;
        if config.batch_size == 0 {
            return Err(GpuError::ZeroBatch);
        }
        let batch = config.batch_size;
        b.check_batch(net, config)?;
        let block_steps = block_steps(net, batch, b.binding_limit());
        let feed_forward = net.feed_forward_order();
        let spike_slots = block_steps + 1;
        // The learning kernels read the previous timestep's spikes as slot (step + 1) & 1.
        debug_assert!(net.synapse_groups.iter().all(|s| s.stdp.is_none()) || spike_slots == 2);
        let step_stride = u64::from(limits.min_uniform_buffer_offset_alignment)
            .max(std::mem::size_of::<StepParams>() as u64);
        // At most one block per timestep of a run; dynamic offsets are u32.
        let step_params_bytes = step_stride * u64::from(config.recording_steps.max(1));
        let step_params_limit = limits.max_buffer_size.min(u64::from(u32::MAX));
        if step_params_bytes > step_params_limit {
            return Err(b.over_limit(
                format!(
                    "{} recording timesteps (per-timestep parameters)",
                    config.recording_steps
                ),
                step_params_bytes,
                step_params_limit,
            ));
        }
        let step_params = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("step_params"),
            size: step_params_bytes,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let batched = |n: u32| u64::from(n) * u64::from(batch);
        let magnitudes = net
            .current_sources
            .iter()
            .map(|c| {
                let n = batched(padded(net.populations[c.target].size)) as usize;
                b.storage(
                    &format!("{}.magnitude", c.name),
                    n as u64 * 4,
                    Some(bytemuck::cast_slice(&vec![c.initial_magnitude; n])),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;

        let mut in_syn = Vec::new();
        for s in &net.synapse_groups {
            let n = batched(padded(net.populations[s.post].size)) * 4;
            let slot = accumulator_slot_bytes(net.populations[s.post].size, batch);
            in_syn.push((
                b.storage(&format!("{}.in_syn", s.name), n, None)?,
                // One slot per timestep of a block.
                b.storage(
                    &format!("{}.in_syn_acc", s.name),
                    slot * u64::from(block_steps),
                    None,
                )?,
            ));
        }

        let mut populations = Vec::new();
        let mut recording_bytes = 0u64;
        for (p, pop) in net.populations.iter().enumerate() {
            let words = words_per_step(pop.size) as u64;
            let max_workgroups = u64::from(limits.max_compute_workgroups_per_dimension);
            let workgroups_for = |spread: NeuronUpdateLayout| {
                (words * u64::from(spread.invocations_per_word()))
                    .div_ceil(u64::from(NEURON_WORKGROUP))
            };
            // A population too large for one invocation per quad falls back to one per
            // word, which covers eight times as many neurons per dispatch.
            let spread = if workgroups_for(ctx.neuron_update) <= max_workgroups {
                ctx.neuron_update
            } else {
                NeuronUpdateLayout::InvocationPerWord
            };
            let workgroups = workgroups_for(spread);
            if workgroups > max_workgroups {
                return Err(b.over_limit(
                    format!("population '{}' ({} neurons)", pop.name, pop.size),
                    workgroups,
                    max_workgroups,
                ));
            }
            let n = batched(padded(pop.size)) as usize;
            let n_bytes = n as u64 * 4;
            let v = b.storage(&format!("{}.V", pop.name), n_bytes, None)?;
            let refrac_time = b.storage(&format!("{}.RefracTime", pop.name), n_bytes, None)?;
            let v_init = b.storage(
                &format!("{}.V initial", pop.name),
                n_bytes,
                Some(bytemuck::cast_slice(&vec![pop.init.v; n])),
            )?;
            let refrac_time_init = b.storage(
                &format!("{}.RefracTime initial", pop.name),
                n_bytes,
                Some(bytemuck::cast_slice(&vec![pop.init.refrac_time; n])),
            )?;
            let spikes = b.storage(
                &format!("{}.spikes", pop.name),
                u64::from(spike_slots) * batched(words as u32) * 4,
                None,
            )?;
            let recording = if pop.spike_recording {
                let bytes = batched(words as u32) * 4 * u64::from(config.recording_steps);
                recording_bytes += bytes;
                Some(b.storage(&format!("{}.recording", pop.name), bytes, None)?)
            } else {
                None
            };
            let incoming: Vec<(usize, _)> = net.incoming(p).collect();
            let sources: Vec<(usize, _)> = net.sources_of(p).collect();
            let layout =
                NeuronKernelLayout::new(recording.is_some(), incoming.len(), sources.len());
            if layout.storage_buffers() > limits.max_storage_buffers_per_shader_stage {
                return Err(b.over_limit(
                    format!("population '{}' (storage buffers per kernel)", pop.name),
                    u64::from(layout.storage_buffers()),
                    u64::from(limits.max_storage_buffers_per_shader_stage),
                ));
            }
            let mut bound = vec![
                Bound::read_write(1, &v),
                Bound::read_write(2, &refrac_time),
                Bound::read_write(3, &spikes),
            ];
            if let (Some(binding), Some(buffer)) = (layout.recording, recording.as_ref()) {
                bound.push(Bound::read_write(binding, buffer));
            }
            let mut constants: Vec<(String, f64)> = vec![
                ("N".into(), f64::from(pop.size)),
                ("WORDS".into(), words as f64),
                ("BATCH".into(), f64::from(batch)),
                (
                    "INVOCATIONS_PER_WORD".into(),
                    f64::from(spread.invocations_per_word()),
                ),
                ("SPIKE_SLOTS".into(), f64::from(spike_slots)),
            ];
            constants.extend(neuron_constants(&pop.neuron));
            for (k, ((g, group), &(b_in_syn, b_acc))) in
                incoming.iter().zip(&layout.exp_curr).enumerate()
            {
                bound.push(Bound::read_write(b_in_syn, &in_syn[*g].0));
                bound.push(Bound::read_write(b_acc, &in_syn[*g].1));
                constants.push((format!("INIT_{k}"), f64::from(group.postsynaptic.init)));
                constants.push((
                    format!("EXP_DECAY_{k}"),
                    f64::from(group.postsynaptic.exp_decay),
                ));
                constants.push((format!("INV_SCALE_{k}"), f64::from(group.weight.inv_scale)));
            }
            for ((c, _), &binding) in sources.iter().zip(&layout.current_sources) {
                bound.push(Bound::read(binding, &magnitudes[*c]));
            }
            let constants_ref: Vec<(&str, f64)> =
                constants.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            let name = format!("neuron_update[{}]", pop.name);
            let (pipeline, bind_group) = b.kernel(
                &name,
                &shaders::neuron_update(&layout, &pop.neuron, spread, block_steps),
                &constants_ref,
                &step_params,
                &bound,
            )?;
            let tracked = net
                .synapse_groups
                .iter()
                .any(|s| s.stdp.is_some() && (s.pre == p || s.post == p));
            let spike_times = if tracked {
                let never = vec![-f32::MAX; pop.size as usize];
                let last_spike = b.storage(
                    &format!("{}.last_spike", pop.name),
                    n_bytes,
                    Some(bytemuck::cast_slice(&never)),
                )?;
                let never = b.storage(
                    &format!("{}.last_spike initial", pop.name),
                    n_bytes,
                    Some(bytemuck::cast_slice(&never)),
                )?;
                let name = format!("spike_times[{}]", pop.name);
                let (pipeline, bind_group) = b.kernel(
                    &name,
                    &shaders::spike_times(),
                    &[("WORDS", words as f64)],
                    &step_params,
                    &[Bound::read(1, &spikes), Bound::read_write(2, &last_spike)],
                )?;
                Some(SpikeTimes {
                    last_spike,
                    never,
                    pass: Dispatch {
                        pipeline,
                        bind_group,
                        workgroups: (words as u32).div_ceil(SYNAPSE_WORKGROUP),
                    },
                })
            } else {
                None
            };
            populations.push(GpuPopulation {
                v,
                refrac_time,
                v_init,
                refrac_time_init,
                spikes,
                recording,
                update: Dispatch {
                    pipeline,
                    bind_group,
                    // At most the dispatch limit (checked above), so it fits a u32.
                    workgroups: workgroups as u32,
                },
                spike_times,
            });
        }

        let mut groups = Vec::new();
        for (s, (in_syn, in_syn_acc)) in net.synapse_groups.iter().zip(in_syn) {
            if s.stdp.is_some() && batch > 1 {
                return Err(GpuError::PlasticNeedsBatch1 {
                    group: s.name.clone(),
                    batch_size: batch,
                });
            }
            let conn = &s.connectivity;
            let row_start = b.storage(
                &format!("{}.row_start", s.name),
                conn.row_start.len() as u64 * 4,
                Some(bytemuck::cast_slice(&conn.row_start)),
            )?;
            let targets = b.storage(
                &format!("{}.targets", s.name),
                conn.targets.len() as u64 * 4,
                Some(bytemuck::cast_slice(&conn.targets)),
            )?;
            let weights = match &s.synapse_g {
                Some(g) => Some(b.storage(
                    &format!("{}.g", s.name),
                    g.len() as u64 * 4,
                    Some(bytemuck::cast_slice(g)),
                )?),
                None => None,
            };
            let n_pre = net.populations[s.pre].size;
            let words_pre = words_per_step(n_pre) as u32;
            let max_row = conn.max_row_length();
            let max_threads = limits
                .max_compute_invocations_per_workgroup
                .min(limits.max_compute_workgroup_size_x)
                .max(1);
            let loop_limit = (!ctx.adapter.is_hardware()).then_some(SOFTWARE_LOOP_LIMIT);
            let plan = synapse_plan(
                conn.len() as u64,
                n_pre,
                max_row,
                ctx.synapse_threads.clamp(1, max_threads),
                max_threads,
                limits.max_compute_workgroups_per_dimension,
                loop_limit,
            )
            .ok_or_else(|| {
                b.over_limit(
                    format!(
                        "synapse group '{}' (rows of up to {} synapses: loop iterations of \
                         one synapse-update thread on a software adapter, which stops loops \
                         silently past its limit; use the CPU backend or a hardware GPU)",
                        s.name, max_row
                    ),
                    SynapsePlan {
                        share_rows: true,
                        threads: max_threads,
                    }
                    .loop_iterations(
                        words_pre,
                        max_row,
                        limits.max_compute_workgroups_per_dimension,
                    ),
                    SOFTWARE_LOOP_LIMIT,
                )
            })?;
            let mut constants = vec![
                ("SHARE_ROWS", if plan.share_rows { 1.0 } else { 0.0 }),
                ("WORDS_PRE", f64::from(words_pre)),
                (
                    "POST_STRIDE",
                    f64::from(padded(net.populations[s.post].size)),
                ),
                ("BATCH", f64::from(batch)),
                ("SPIKE_SLOTS", f64::from(spike_slots)),
                ("BLOCK_STEPS", f64::from(block_steps)),
            ];
            if weights.is_some() {
                constants.push(("SCALE", 1.0 / f64::from(s.weight.inv_scale)));
            } else {
                constants.push(("WEIGHT", f64::from(s.weight.weight_fixed)));
            }
            let name = format!("propagate_spikes[{}]", s.name);
            let mut bound = vec![
                Bound::read(1, &populations[s.pre].spikes),
                Bound::read(2, &row_start),
                Bound::read(3, &targets),
                Bound::read_write(4, &in_syn_acc),
            ];
            if let Some(w) = &weights {
                bound.push(Bound::read(5, w));
            }
            let (pipeline, bind_group) = b.kernel(
                &name,
                &shaders::propagate_spikes(weights.is_some(), plan.threads),
                &constants,
                &step_params,
                &bound,
            )?;
            let learning = match (&s.stdp, &weights) {
                (Some(rule), Some(g)) => Some(b.learning(
                    s,
                    rule,
                    g,
                    (&row_start, &targets),
                    &step_params,
                    &populations[s.pre],
                    &populations[s.post],
                    words_pre,
                    words_per_step(net.populations[s.post].size) as u32,
                )?),
                _ => None,
            };
            groups.push(GpuSynapseGroup {
                drives_post: s.drives_post,
                learning,
                weights,
                in_syn,
                in_syn_acc,
                propagate: Dispatch {
                    pipeline,
                    bind_group,
                    workgroups: plan
                        .workgroups(words_pre, limits.max_compute_workgroups_per_dimension),
                },
            });
        }
        ctx.check_errors()?;
        let mut sim = GpuSimulation {
            ctx,
            net: net.clone(),
            batch,
            step_params,
            step_stride,
            step_params_host: Vec::new(),
            populations,
            groups,
            block_steps,
            feed_forward,
            magnitudes,
            recording_bytes,
            host_threads: config.host_threads(),
            free_readbacks: Vec::new(),
            pending: None,
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            clock: StepClock::new(config),
        };
        sim.record_reset();
        Ok(sim)
    }

    /// The adapter this simulation runs on.
    pub fn adapter(&self) -> &AdapterSummary {
        &self.ctx.adapter
    }

    /// Records one timestep of a network that is not feed-forward (one-step blocks).
    fn record_timestep(&self, pass: &mut wgpu::ComputePass<'_>, offset: &[u32]) {
        // Synapse update first: it reads the previous step's spikes, which the neuron
        // update of this step then overwrites in the other slot.
        for t in self
            .populations
            .iter()
            .filter_map(|p| p.spike_times.as_ref())
        {
            t.pass.record(pass, offset, 1, 1);
        }
        for g in &self.groups {
            if g.drives_post {
                g.propagate.record(pass, offset, self.batch, 1);
            }
            // Presynaptic learning, then postsynaptic: one order on every run.
            if let Some((pre, post)) = &g.learning {
                pre.record(pass, offset, 1, 1);
                post.record(pass, offset, 1, 1);
            }
        }
        for p in &self.populations {
            p.update.record(pass, offset, self.batch, 1);
        }
    }

    fn encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    /// Records a reset into the commands the next submission starts with.
    fn record_reset(&mut self) {
        let mut encoder = self.pending.take().unwrap_or_else(|| self.encoder("reset"));
        for gpu in &self.populations {
            encoder.copy_buffer_to_buffer(&gpu.v_init, 0, &gpu.v, 0, None);
            encoder.copy_buffer_to_buffer(&gpu.refrac_time_init, 0, &gpu.refrac_time, 0, None);
            encoder.clear_buffer(&gpu.spikes, 0, None);
        }
        for g in &self.groups {
            encoder.clear_buffer(&g.in_syn, 0, None);
            encoder.clear_buffer(&g.in_syn_acc, 0, None);
        }
        for t in self
            .populations
            .iter()
            .filter_map(|p| p.spike_times.as_ref())
        {
            encoder.copy_buffer_to_buffer(&t.never, 0, &t.last_spike, 0, None);
        }
        self.pending = Some(encoder);
    }

    /// Submits any recorded reset on its own.
    fn flush_pending(&mut self) -> Result<(), GpuError> {
        if let Some(encoder) = self.pending.take() {
            self.ctx.queue.submit([encoder.finish()]);
            self.ctx.check_errors()?;
        }
        Ok(())
    }

    /// Copies `bytes` bytes of each buffer to the host in one submission.
    fn read_buffers(&mut self, sources: &[(&wgpu::Buffer, u64)]) -> Result<Vec<Vec<u8>>, GpuError> {
        self.flush_pending()?;
        let total: u64 = sources.iter().map(|(_, b)| *b).sum();
        if total == 0 {
            return Ok(sources.iter().map(|_| Vec::new()).collect());
        }
        let staging = self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: total,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = self.encoder("readback");
        let mut offset = 0;
        for (buffer, bytes) in sources {
            encoder.copy_buffer_to_buffer(buffer, 0, &staging, offset, *bytes);
            offset += bytes;
        }
        let submission = self.ctx.queue.submit([encoder.finish()]);
        let (tx, rx) = std::sync::mpsc::channel();
        staging
            .slice(..total)
            .map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
        map_and_read(&self.ctx, &staging, total, submission, &rx, |view| {
            let mut out = Vec::with_capacity(sources.len());
            let mut offset = 0usize;
            for (_, bytes) in sources {
                out.push(view[offset..offset + *bytes as usize].to_vec());
                offset += *bytes as usize;
            }
            out
        })
    }

    fn read_f32(&mut self, buffer: &wgpu::Buffer, n: u64) -> Result<Vec<f32>, SimError> {
        let bytes = self.read_buffers(&[(buffer, n * 4)])?;
        Ok(bytemuck::pod_collect_to_vec(&bytes[0]))
    }
}

/// Waits for `submission`, then hands the mapped first `bytes` of `staging` to `read`.
/// The buffer is unmapped on every path, or it would stay mapped and every later
/// read-back through it would fail.
fn map_and_read<T>(
    ctx: &GpuContext,
    staging: &wgpu::Buffer,
    bytes: u64,
    submission: wgpu::SubmissionIndex,
    mapped: &std::sync::mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>,
    read: impl FnOnce(&[u8]) -> T,
) -> Result<T, GpuError> {
    let waited = ctx.wait_for(submission);
    let mapped = mapped
        .recv()
        .map_err(|e| GpuError::Readback(e.to_string()))
        .and_then(|r| r.map_err(|e| GpuError::Readback(e.to_string())));
    let was_mapped = mapped.is_ok();
    let out = mapped.and_then(|()| {
        let view = staging
            .slice(..bytes)
            .get_mapped_range()
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        Ok(read(&view))
    });
    if was_mapped {
        staging.unmap();
    }
    waited?;
    out
}

impl Dispatch {
    /// Records the kernel over `rows` workgroup rows (batch entries) and `layers`
    /// workgroup layers (timesteps of a block, for the synapse update).
    fn record(&self, pass: &mut wgpu::ComputePass<'_>, offset: &[u32], rows: u32, layers: u32) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, offset);
        pass.dispatch_workgroups(self.workgroups, rows, layers);
    }
}

/// Creates buffers and pipelines; kept apart so `GpuSimulation::new` reads as a summary.
struct Builder<'a> {
    ctx: &'a GpuContext,
}

impl<'a> Builder<'a> {
    /// Refuses a batch size some buffer or dispatch can't hold, naming the largest that
    /// fits.
    fn check_batch(&self, net: &BuiltNetwork, config: SimConfig) -> Result<(), GpuError> {
        let limits = &self.ctx.limits;
        let binding_limit = self.binding_limit();
        let steps = u64::from(config.recording_steps);
        // (what, bytes per batch entry, limit)
        let mut per_entry: Vec<(String, u64, u64)> = Vec::new();
        let mut recording_total = 0;
        for pop in &net.populations {
            let words = words_per_step(pop.size) as u64 * 4;
            per_entry.push((
                format!("the state of population '{}' (bytes)", pop.name),
                u64::from(padded(pop.size)) * 4,
                binding_limit,
            ));
            if pop.spike_recording {
                per_entry.push((
                    format!(
                        "the spike recording of population '{}' ({steps} timesteps, bytes)",
                        pop.name
                    ),
                    words * steps,
                    binding_limit,
                ));
                recording_total += words * steps;
            }
        }
        for s in &net.synapse_groups {
            per_entry.push((
                format!(
                    "the synaptic input accumulator of synapse group '{}' (bytes)",
                    s.name
                ),
                accumulator_slot_bytes(net.populations[s.post].size, 1),
                binding_limit,
            ));
        }
        per_entry.push((
            "the read-back buffer of all recordings (bytes)".to_owned(),
            recording_total,
            limits.max_buffer_size,
        ));
        per_entry.push((
            "one dispatch (workgroups per dimension, one row per batch entry)".to_owned(),
            1,
            u64::from(limits.max_compute_workgroups_per_dimension),
        ));
        let batch = u64::from(config.batch_size);
        for (what, bytes, limit) in per_entry {
            // A single entry over the limit is the network's problem, not the batch's:
            // the buffer checks below name it.
            if bytes > 0 && bytes <= limit && bytes * batch > limit {
                let max_batch = (limit / bytes).min(u64::from(u32::MAX)) as u32;
                return Err(GpuError::BatchTooLarge {
                    batch: config.batch_size,
                    max_batch,
                    what,
                    needed: bytes * batch,
                    limit,
                    adapter: self.ctx.adapter.name.clone(),
                });
            }
        }
        Ok(())
    }

    /// The largest storage buffer a kernel can bind whole.
    fn binding_limit(&self) -> u64 {
        let limits = &self.ctx.limits;
        limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size)
    }

    fn over_limit(&self, what: String, needed: u64, limit: u64) -> GpuError {
        GpuError::OverLimit {
            what,
            needed,
            limit,
            adapter: self.ctx.adapter.name.clone(),
        }
    }

    fn storage(
        &self,
        label: &str,
        bytes: u64,
        contents: Option<&[u8]>,
    ) -> Result<wgpu::Buffer, GpuError> {
        let limit = self.binding_limit();
        if bytes > limit {
            return Err(self.over_limit(format!("buffer '{label}' ({bytes} bytes)"), bytes, limit));
        }
        // Zero-sized bindings are invalid; the smallest buffer holds one word.
        let size = bytes.max(4);
        let usage = wgpu::BufferUsages::STORAGE
            | wgpu::BufferUsages::COPY_DST
            | wgpu::BufferUsages::COPY_SRC;
        Ok(match contents {
            Some(data) if !data.is_empty() => {
                self.ctx
                    .device
                    .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some(label),
                        contents: data,
                        usage,
                    })
            }
            _ => self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage,
                mapped_at_creation: false,
            }),
        })
    }

    /// The two STDP kernels of plastic group `s`, whose weights are `g` and whose CSR
    /// rows are already on the device as `(row_start, targets)`.
    #[allow(clippy::too_many_arguments)]
    fn learning(
        &self,
        s: &crate::model::BuiltSynapseGroup,
        rule: &crate::model::StdpConstants,
        g: &wgpu::Buffer,
        (row_start, targets): (&wgpu::Buffer, &wgpu::Buffer),
        step_params: &wgpu::Buffer,
        pre: &GpuPopulation,
        post: &GpuPopulation,
        words_pre: u32,
        words_post: u32,
    ) -> Result<(Dispatch, Dispatch), GpuError> {
        let (Some(pre_times), Some(post_times)) = (&pre.spike_times, &post.spike_times) else {
            return Err(GpuError::Wgpu(format!(
                "synapse group '{}': spike times of its populations are missing",
                s.name
            )));
        };
        let conn = &s.connectivity;
        let rule_constants = [
            ("TAU", f64::from(rule.tau)),
            ("RHO", f64::from(rule.rho)),
            ("ETA", f64::from(rule.eta)),
            ("W_MIN", f64::from(rule.w_min)),
            ("W_MAX", f64::from(rule.w_max)),
        ];
        let name = format!("learn_pre[{}]", s.name);
        let mut constants = rule_constants.to_vec();
        constants.push(("WORDS_PRE", f64::from(words_pre)));
        let (pipeline, bind_group) = self.kernel(
            &name,
            &shaders::learn_pre(),
            &constants,
            step_params,
            &[
                Bound::read(1, &pre.spikes),
                Bound::read(2, row_start),
                Bound::read(3, targets),
                Bound::read_write(4, g),
                Bound::read(5, &post_times.last_spike),
            ],
        )?;
        let learn_pre = Dispatch {
            pipeline,
            bind_group,
            workgroups: words_pre.div_ceil(SYNAPSE_WORKGROUP),
        };

        let columns = crate::model::connectivity::Columns::new(conn);
        let column_start = self.storage(
            &format!("{}.column_start", s.name),
            columns.start.len() as u64 * 4,
            Some(bytemuck::cast_slice(&columns.start)),
        )?;
        let column_synapses = self.storage(
            &format!("{}.column_synapses", s.name),
            columns.synapses.len() as u64 * 4,
            Some(bytemuck::cast_slice(&columns.synapses)),
        )?;
        let pre_of = self.storage(
            &format!("{}.pre_of", s.name),
            columns.pre_of.len() as u64 * 4,
            Some(bytemuck::cast_slice(&columns.pre_of)),
        )?;
        let longest = columns
            .start
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or(0);
        let name = format!("learn_post[{}]", s.name);
        let mut constants = rule_constants.to_vec();
        constants.push(("WORDS_POST", f64::from(words_post)));
        let (pipeline, bind_group) = self.kernel(
            &name,
            &shaders::learn_post(),
            &constants,
            step_params,
            &[
                Bound::read(1, &post.spikes),
                Bound::read(2, &column_start),
                Bound::read(3, &column_synapses),
                Bound::read(4, &pre_of),
                Bound::read_write(5, g),
                Bound::read(6, &pre_times.last_spike),
            ],
        )?;
        let learn_post = Dispatch {
            pipeline,
            bind_group,
            workgroups: longest
                .div_ceil(SYNAPSE_WORKGROUP)
                .clamp(1, self.ctx.limits.max_compute_workgroups_per_dimension),
        };
        Ok((learn_pre, learn_post))
    }

    /// A kernel's pipeline and bind group: the per-step parameters at binding 0, then
    /// `bound`, each buffer's layout entry and resource from one description.
    fn kernel(
        &self,
        name: &str,
        source: &str,
        constants: &[(&str, f64)],
        step_params: &wgpu::Buffer,
        bound: &[Bound<'_>],
    ) -> Result<(wgpu::ComputePipeline, wgpu::BindGroup), GpuError> {
        let mut entries = vec![step_params_entry()];
        entries.extend(bound.iter().map(|b| storage_entry(b.binding, b.read_only)));
        let (pipeline, layout) = self.pipeline(name, source, &entries, constants)?;
        let resources: Vec<(u32, &wgpu::Buffer)> =
            bound.iter().map(|b| (b.binding, b.buffer)).collect();
        let bind_group = self.bind_group(name, &layout, step_params, &resources);
        Ok((pipeline, bind_group))
    }

    fn bind_group(
        &self,
        name: &str,
        layout: &wgpu::BindGroupLayout,
        step_params: &wgpu::Buffer,
        resources: &[(u32, &wgpu::Buffer)],
    ) -> wgpu::BindGroup {
        let mut entries = vec![wgpu::BindGroupEntry {
            binding: 0,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: step_params,
                offset: 0,
                size: wgpu::BufferSize::new(std::mem::size_of::<StepParams>() as u64),
            }),
        }];
        entries.extend(
            resources
                .iter()
                .map(|(binding, buffer)| wgpu::BindGroupEntry {
                    binding: *binding,
                    resource: buffer.as_entire_binding(),
                }),
        );
        self.ctx
            .device
            .create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(name),
                layout,
                entries: &entries,
            })
    }

    fn pipeline(
        &self,
        name: &str,
        source: &str,
        entries: &[wgpu::BindGroupLayoutEntry],
        constants: &[(&str, f64)],
    ) -> Result<(wgpu::ComputePipeline, wgpu::BindGroupLayout), GpuError> {
        let device = &self.ctx.device;
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(name),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(name),
            entries,
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(name),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(name),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("main"),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants,
                zero_initialize_workgroup_memory: true,
            },
            cache: None,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(GpuError::Pipeline {
                kernel: name.to_owned(),
                reason: e.to_string(),
            });
        }
        Ok((pipeline, layout))
    }
}

impl Simulator for GpuSimulation {
    fn description(&self) -> String {
        format!("gpu: {}", self.ctx.adapter)
    }

    fn network(&self) -> &BuiltNetwork {
        &self.net
    }

    fn batch_size(&self) -> u32 {
        self.batch
    }

    fn set_magnitude(&mut self, source: CurrentSourceId, values: &[f32]) -> Result<(), SimError> {
        let c = check_magnitudes(&self.net, self.batch, source, values)?;
        let n = self.net.populations[self.net.current_sources[c].target].size as usize;
        // Staged now, copied at the start of the next submission: after every run
        // already submitted, so a batch in flight keeps its own input.
        self.ctx.queue.write_buffer(
            &self.magnitudes[c],
            0,
            bytemuck::cast_slice(&pad_entries(values, n, 0.0)),
        );
        Ok(())
    }

    fn step_time(&mut self, steps: u32) -> Result<(), SimError> {
        self.clock.check_room(steps)?;
        if steps == 0 {
            return Ok(());
        }
        // One StepParams per block at aligned offsets, written once for the run.
        let block = self.block_steps;
        let blocks = steps.div_ceil(block);
        let stride = self.step_stride as usize;
        let spike_slots = u64::from(block) + 1;
        let params = &mut self.step_params_host;
        params.clear();
        params.resize(stride * blocks as usize, 0);
        for b in 0..blocks {
            let first = b * block;
            let timestep = self.clock.timestep + u64::from(first);
            let dt = f64::from(self.net.dt);
            let p = StepParams {
                step: (timestep % spike_slots) as u32,
                record_slot: self.clock.recorded_steps + first,
                time: (timestep as f64 * dt) as f32,
                previous_time: ((timestep as f64 - 1.0) * dt) as f32,
                zero: 0,
                steps: block.min(steps - first),
                // Equal stamps of blocks 2^32 timesteps apart only cost a needless read.
                stamp: (timestep as u32).wrapping_add(1),
            };
            let at = b as usize * stride;
            params[at..at + std::mem::size_of::<StepParams>()]
                .copy_from_slice(bytemuck::bytes_of(&p));
        }
        self.ctx.queue.write_buffer(&self.step_params, 0, params);
        let mut encoder = self
            .pending
            .take()
            .unwrap_or_else(|| self.encoder("timesteps"));
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("timesteps"),
                timestamp_writes: None,
            });
            for b in 0..blocks {
                let offset = [b * self.step_stride as u32];
                let steps_here = block.min(steps - b * block);
                match &self.feed_forward {
                    // Each population runs the whole block once the groups into it have
                    // added every timestep's input from earlier populations' spikes.
                    // (Feed-forward networks have no plastic groups, so no learning or
                    // spike-time kernels.)
                    Some(order) => {
                        for &p in order {
                            for (g, s) in self.groups.iter().zip(&self.net.synapse_groups) {
                                if s.post == p && g.drives_post {
                                    g.propagate
                                        .record(&mut pass, &offset, self.batch, steps_here);
                                }
                            }
                            self.populations[p]
                                .update
                                .record(&mut pass, &offset, self.batch, 1);
                        }
                    }
                    None => self.record_timestep(&mut pass, &offset),
                }
            }
        }
        self.ctx.queue.submit([encoder.finish()]);
        self.ctx.check_errors()?;
        self.clock.advance(steps);
        Ok(())
    }

    fn reset(&mut self) -> Result<(), SimError> {
        self.record_reset();
        self.clock.reset();
        Ok(())
    }

    fn start_take_recording(&mut self) -> Result<PendingRecordings, SimError> {
        let (steps, first_step) = self.clock.take();
        let buffer = self.free_readbacks.pop().unwrap_or_else(|| {
            self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("recording readback"),
                size: self.recording_bytes.max(4),
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        });
        // Rows [0, steps) of every recording are contiguous ([step][entry][word]).
        let mut encoder = self
            .pending
            .take()
            .unwrap_or_else(|| self.encoder("recording readback"));
        let mut offset = 0;
        for (gpu, pop) in self.populations.iter().zip(&self.net.populations) {
            if let Some(r) = &gpu.recording {
                let bytes =
                    words_per_step(pop.size) as u64 * 4 * u64::from(self.batch) * u64::from(steps);
                // No clearing: every recorded timestep writes its row whole.
                if bytes > 0 {
                    encoder.copy_buffer_to_buffer(r, 0, &buffer, offset, bytes);
                }
                offset += bytes;
            }
        }
        let submission = self.ctx.queue.submit([encoder.finish()]);
        let (tx, rx) = std::sync::mpsc::channel();
        buffer
            .slice(..offset.max(4))
            .map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
        self.ctx.check_errors()?;
        Ok(PendingRecordings(Pending::Gpu(PendingReadback {
            owner: self.id,
            buffer,
            submission,
            mapped: rx,
            steps,
            first_step,
        })))
    }

    fn finish_take_recording(
        &mut self,
        pending: PendingRecordings,
    ) -> Result<Recordings, SimError> {
        let p = match pending.0 {
            Pending::Gpu(p) if p.owner == self.id => p,
            _ => return Err(SimError::ForeignRecording),
        };
        let (steps, first_step, batch) = (p.steps, p.first_step, self.batch as usize);
        let layout: Vec<(String, u32, bool)> = self
            .net
            .populations
            .iter()
            .zip(&self.populations)
            .map(|(pop, gpu)| (pop.name.clone(), pop.size, gpu.recording.is_some()))
            .collect();
        let total: u64 = layout
            .iter()
            .filter(|l| l.2)
            .map(|l| words_per_step(l.1) as u64 * 4 * batch as u64 * u64::from(steps))
            .sum();
        let dt = self.net.dt;
        // Unpacking a large batch's recordings (hundreds of MB at batch 1024, into new
        // pages) costs as much as simulating it: share it between threads.
        let threads = if batch >= 8 { self.host_threads } else { 1 };
        let result = map_and_read(
            &self.ctx,
            &p.buffer,
            total.max(4),
            p.submission,
            &p.mapped,
            |view| {
                let words: &[u32] = bytemuck::cast_slice(&view[..total as usize]);
                let mut at = 0usize;
                layout
                    .iter()
                    .map(|(name, size, recorded)| {
                        if !recorded {
                            return None;
                        }
                        // This population's rows: [step][entry][word].
                        let w = words_per_step(*size);
                        let rows = &words[at..at + steps as usize * batch * w];
                        at += rows.len();
                        let unpack = |b: usize| {
                            let mut bits = Vec::with_capacity(steps as usize * w);
                            for step in 0..steps as usize {
                                let row = (step * batch + b) * w;
                                bits.extend_from_slice(&rows[row..row + w]);
                            }
                            SpikeRecording {
                                population: name.clone(),
                                n_neurons: *size,
                                n_steps: steps,
                                dt,
                                first_step,
                                bits,
                            }
                        };
                        Some(crate::parallel::map_in_parallel(batch, threads, unpack))
                    })
                    .collect()
            },
        );
        self.free_readbacks.push(p.buffer);
        Ok(Recordings {
            populations: result?,
        })
    }

    fn read_state(
        &mut self,
        population: PopulationId,
        var: StateVar,
    ) -> Result<Vec<f32>, SimError> {
        let p = population.index();
        let gpu = self
            .populations
            .get(p)
            .ok_or(SimError::UnknownPopulation(p))?;
        let buffer = match var {
            StateVar::V => gpu.v.clone(),
            StateVar::RefracTime => gpu.refrac_time.clone(),
        };
        let n = self.net.populations[p].size;
        let padded_values = self.read_f32(&buffer, u64::from(padded(n)) * u64::from(self.batch))?;
        Ok(unpad_entries(&padded_values, n as usize))
    }

    fn read_in_syn(&mut self, group: SynapseGroupId) -> Result<Vec<f32>, SimError> {
        let g = group.index();
        let gpu = self.groups.get(g).ok_or(SimError::UnknownSynapseGroup(g))?;
        let buffer = gpu.in_syn.clone();
        let n = self.net.populations[self.net.synapse_groups[g].post].size;
        let padded_values = self.read_f32(&buffer, u64::from(padded(n)) * u64::from(self.batch))?;
        Ok(unpad_entries(&padded_values, n as usize))
    }

    fn timestep(&self) -> u64 {
        self.clock.timestep
    }

    fn read_weights(&mut self, group: SynapseGroupId) -> Result<Vec<f32>, SimError> {
        let g = group.index();
        let gpu = self.groups.get(g).ok_or(SimError::UnknownSynapseGroup(g))?;
        let Some(buffer) = gpu.weights.clone() else {
            return Err(SimError::NoSynapseWeights {
                group: self.net.synapse_groups[g].name.clone(),
            });
        };
        let n = self.net.synapse_groups[g].connectivity.len() as u64;
        self.read_f32(&buffer, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_synapse_updates_stay_under_llvmpipes_loop_limit() {
        let limit = Some(SOFTWARE_LOOP_LIMIT);
        let plan = |n_synapses, n_pre, max_row, loop_limit| {
            synapse_plan(n_synapses, n_pre, max_row, 16, 1024, 65_535, loop_limit)
        };
        let shared = |threads| {
            Some(SynapsePlan {
                share_rows: true,
                threads,
            })
        };
        // The tutorial's PN -> KC rows (about 510, at most some 600) fit 16 threads:
        // 25 words, 800 spikes, 1 + 38 iterations each.
        assert_eq!(plan(400_000, 784, 600, limit), shared(16));
        let tutorial = shared(16).unwrap().loop_iterations(25, 600, 65_535);
        assert!(tutorial <= SOFTWARE_LOOP_LIMIT, "{tutorial}");
        // Dense 1024 -> 2000: 1024 spikes of rows of 2000 need 64 threads.
        assert_eq!(plan(2_048_000, 1024, 2000, limit), shared(64));
        assert!(shared(32).unwrap().loop_iterations(32, 2000, 65_535) > SOFTWARE_LOOP_LIMIT);
        // GPUs have no such limit.
        assert_eq!(plan(2_048_000, 1024, 2000, None), shared(16));
        // Short rows on average, one of them long: shared on a software adapter, by
        // enough threads for 1024 spikes of rows of 10 000.
        let own = SynapsePlan {
            share_rows: false,
            threads: 16,
        };
        assert_eq!(plan(20_000, 10_000, 10, limit), Some(own));
        assert_eq!(plan(30_000, 10_000, 10_000, limit), shared(256));
        assert_eq!(plan(30_000, 10_000, 10_000, None), Some(own));
        // Rows no workgroup can cover within the limit are refused.
        assert_eq!(plan(u64::from(u32::MAX), 1024, 100_000_000, limit), None);
    }

    #[test]
    fn feed_forward_networks_run_in_blocks_that_fit_the_accumulator_budget() {
        let unlimited = u64::MAX;
        let tutorial = crate::tutorial::mushroom_body().network.build(1).unwrap();
        assert_eq!(block_steps(&tutorial, 1, unlimited), MAX_BLOCK_STEPS);
        assert_eq!(block_steps(&tutorial, 64, unlimited), MAX_BLOCK_STEPS);
        // 20 000 KCs at batch 1024: 78 MiB per slot, so three slots fit 256 MiB.
        assert_eq!(block_steps(&tutorial, 1024, unlimited), 3);
        // The binding limit counts the stamps too.
        let slot = (20_000 * 4 + 16) * 64;
        assert_eq!(block_steps(&tutorial, 64, 2 * slot), 2);
        assert_eq!(block_steps(&tutorial, 64, 2 * slot - 1), 1);
        // The gain-control network's KC <-> GGN loop runs one timestep at a time.
        let looped = crate::tutorial::mushroom_body_with_gain_control()
            .network
            .build(1)
            .unwrap();
        assert_eq!(block_steps(&looped, 1, unlimited), 1);
    }
}
