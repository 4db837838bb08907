// Synapse update (twin: src/cpu/kernels/propagate_spikes.rs). Every spike of the
// previous timestep adds the group's weight to each of its CSR row's targets; with a
// delay, the spikes of that many timesteps further back. Workgroup layer z serves
// timestep z of the block: it reads the presynaptic spikes from the ring
// (spike_ring.wgsl) and adds into the target's accumulator slot z (accumulator.wgsl),
// stamping the slot. Per-synapse delays sort each row by delay: row_start then holds
// where each row's synapses of each delay start, [pre * DELAY_CLASSES + class], and the
// spike words scanned are those of every delay class, class after class. Sums are integers (fixed point, i32 for a
// constant weight, 64 bits for per-synapse weights) so they don't depend on the order
// the atomics land in: the same bits on every adapter, every run, and on the CPU.

{{shared/step_params}}
{{shared/spike_ring}}
{{shared/accumulator}}

@group(0) @binding({{binding}}) var<storage, read> pre_spikes: array<u32>;
@group(0) @binding({{binding}}) var<storage, read> row_start: array<u32>;
@group(0) @binding({{binding}}) var<storage, read> targets: array<u32>;

override WORDS_PRE: u32;
// Neurons per batch entry in the target's state: its size padded to whole words.
override ACC_STRIDE: u32;
override BATCH: u32;
// Length of the presynaptic population's ring of spike words.
override SPIKE_SLOTS: u32;
// The group's shortest delay, and how many delays from it its synapses have (1 unless
// delays are per synapse): synapses of class c wait MIN_DELAY + c timesteps.
override MIN_DELAY: u32;
override DELAY_CLASSES: u32;
// The accumulator, the weights and how synapse j's is added: one constant weight
// (accumulate_32.wgsl), or per synapse (StaticPulse, STDP: accumulate_64.wgsl).
{{accumulate}}

// Threads of a workgroup (GpuTuning::synapse_threads, raised where rows are long on
// software adapters): 64 on GPUs, 16 on software adapters, where every thread's scan of
// the spike words below is a loop over SIMD lanes.
const ROW_THREADS: u32 = {{row_threads}}u;
// SynapseUpdateStrategy. Long rows (PN -> KC, 510 synapses each): the threads of a
// workgroup share each spiking neuron's row. Short rows (KC -> MBON, 10): each thread
// takes its own words and rows, so the many words of a large population are scanned
// once, not once per thread.
override SHARE_ROWS: bool;

// Workgroup row y serves batch entry y: its spikes ([ring slot][entry][word]) into its
// own part of the accumulator. Most words of a timestep are zero and cost one load.
@compute @workgroup_size(ROW_THREADS)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let entry = wid.y;
    let slot = wid.z;
    let post_base = accumulator_index(slot, entry, 0u);
    let stamp = stamp_index(entry, slot);
    let words = DELAY_CLASSES * WORDS_PRE;
    if SHARE_ROWS {
        for (var v = wid.x; v < words; v += nwg.x) {
            let c = class_of(v);
            let w = v - c * WORDS_PRE;
            var bits = pre_spikes[spike_word(slot, c, entry) + w];
            if bits != 0u {
                stamp_slot(stamp);
            }
            while bits != 0u {
                let pre = w * 32u + countTrailingZeros(bits);
                bits &= bits - 1u;
                let row = pre * DELAY_CLASSES + c;
                let end = row_start[row + 1u];
                for (var j = row_start[row] + lid; j < end; j += ROW_THREADS) {
                    add_weight(post_base + targets[j], j);
                }
            }
        }
    } else {
        for (var v = wid.x * ROW_THREADS + lid; v < words; v += nwg.x * ROW_THREADS) {
            let c = class_of(v);
            let w = v - c * WORDS_PRE;
            var bits = pre_spikes[spike_word(slot, c, entry) + w];
            if bits != 0u {
                stamp_slot(stamp);
            }
            while bits != 0u {
                let pre = w * 32u + countTrailingZeros(bits);
                bits &= bits - 1u;
                let row = pre * DELAY_CLASSES + c;
                let end = row_start[row + 1u];
                for (var j = row_start[row]; j < end; j++) {
                    add_weight(post_base + targets[j], j);
                }
            }
        }
    }
}

// The delay class of scanned word `v` (0 without per-synapse delays, where the division
// is compiled away).
fn class_of(v: u32) -> u32 {
    return select(0u, v / WORDS_PRE, DELAY_CLASSES > 1u);
}

// The first spike word of batch entry `entry` in the timestep whose spikes reach the
// synapses of delay class `c` in timestep `slot` of the block.
fn spike_word(slot: u32, c: u32, entry: u32) -> u32 {
    return (earlier_ring_slot(slot, 1u + MIN_DELAY + c) * BATCH + entry) * WORDS_PRE;
}
