// Synapse update (twin: src/cpu/kernels/propagate_spikes.rs). Every spike of the
// previous timestep adds the group's weight to each of its CSR row's targets. Workgroup
// layer z serves timestep z of the block: it reads the presynaptic spikes of the timestep
// before it from the ring (spike_ring.wgsl) and adds into the target's accumulator slot z
// (accumulator.wgsl), stamping the slot. Sums are integers (fixed point, i32 for a
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
    let previous = (previous_ring_slot(slot) * BATCH + entry) * WORDS_PRE;
    let post_base = accumulator_index(slot, entry, 0u);
    let stamp = stamp_index(entry, slot);
    if SHARE_ROWS {
        for (var w = wid.x; w < WORDS_PRE; w += nwg.x) {
            var bits = pre_spikes[previous + w];
            if bits != 0u {
                stamp_slot(stamp);
            }
            while bits != 0u {
                let pre = w * 32u + countTrailingZeros(bits);
                bits &= bits - 1u;
                let end = row_start[pre + 1u];
                for (var j = row_start[pre] + lid; j < end; j += ROW_THREADS) {
                    add_weight(post_base + targets[j], j);
                }
            }
        }
    } else {
        for (var w = wid.x * ROW_THREADS + lid; w < WORDS_PRE; w += nwg.x * ROW_THREADS) {
            var bits = pre_spikes[previous + w];
            if bits != 0u {
                stamp_slot(stamp);
            }
            while bits != 0u {
                let pre = w * 32u + countTrailingZeros(bits);
                bits &= bits - 1u;
                let end = row_start[pre + 1u];
                for (var j = row_start[pre]; j < end; j++) {
                    add_weight(post_base + targets[j], j);
                }
            }
        }
    }
}
