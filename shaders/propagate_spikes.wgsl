// Synapse update (twin: cpu::propagate_spikes). Every spike of the previous timestep
// adds the group's weight to each of its CSR row's targets. Workgroup layer z serves
// timestep z of the block: it reads the presynaptic spikes of the timestep before it
// from the ring and adds into the target's accumulator slot z. Weights are fixed-point i32
// so the sum doesn't depend on the order the atomics land in: the same bits on every
// adapter, every run, and on the CPU.

//!include step_params.wgsl

@group(0) @binding(1) var<storage, read> pre_spikes: array<u32>;
@group(0) @binding(2) var<storage, read> row_start: array<u32>;
@group(0) @binding(3) var<storage, read> targets: array<u32>;
@group(0) @binding(4) var<storage, read_write> in_syn_acc: array<atomic<i32>>;

override WORDS_PRE: u32;
// Neurons per batch entry in the target's state: its size padded to whole words.
override POST_STRIDE: u32;
override BATCH: u32;
// Length of the presynaptic population's ring of spike words, and the accumulator's
// timestep slots (after which come their stamps: see exp_curr.wgsl).
override SPIKE_SLOTS: u32;
override BLOCK_STEPS: u32;
// The weight of synapse j: one constant, or per synapse.
//!weight_binding

// Threads of a workgroup (GpuContext::synapse_threads): 64 on GPUs, 16 on software
// adapters, where every thread's scan of the spike words below is a loop over SIMD lanes.
const ROW_THREADS: u32 = {row_threads}u;
// Long rows (PN -> KC, 510 synapses each): the threads of a workgroup share each spiking
// neuron's row. Short rows (KC -> MBON, 10): each thread takes its own words and rows,
// so the many words of a large population are scanned once, not once per thread.
override SHARE_ROWS: bool;

// Workgroup row y serves batch entry y: its spikes ([ring slot][entry][word]) into its
// own accumulator ([slot z][entry * POST_STRIDE + i]). Most words of a timestep are zero
// and cost one load.
@compute @workgroup_size(ROW_THREADS)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let batch = wid.y;
    let slot = wid.z;
    let previous = (((params.step + slot + SPIKE_SLOTS - 1u) % SPIKE_SLOTS) * BATCH + batch) * WORDS_PRE;
    let post_base = (slot * BATCH + batch) * POST_STRIDE;
    // [entry][slot], rounded up to whole vec4s per entry (see exp_curr.wgsl).
    let stamp = BLOCK_STEPS * BATCH * POST_STRIDE + batch * ((BLOCK_STEPS + 3u) / 4u) * 4u + slot;
    if SHARE_ROWS {
        for (var w = wid.x; w < WORDS_PRE; w += nwg.x) {
            var bits = pre_spikes[previous + w];
            if bits != 0u {
                atomicStore(&in_syn_acc[stamp], i32(params.stamp));
            }
            while bits != 0u {
                let pre = w * 32u + countTrailingZeros(bits);
                bits &= bits - 1u;
                let end = row_start[pre + 1u];
                for (var j = row_start[pre] + lid; j < end; j += ROW_THREADS) {
                    atomicAdd(&in_syn_acc[post_base + targets[j]], WEIGHT_OF_SYNAPSE_J);
                }
            }
        }
    } else {
        for (var w = wid.x * ROW_THREADS + lid; w < WORDS_PRE; w += nwg.x * ROW_THREADS) {
            var bits = pre_spikes[previous + w];
            if bits != 0u {
                atomicStore(&in_syn_acc[stamp], i32(params.stamp));
            }
            while bits != 0u {
                let pre = w * 32u + countTrailingZeros(bits);
                bits &= bits - 1u;
                let end = row_start[pre + 1u];
                for (var j = row_start[pre]; j < end; j++) {
                    atomicAdd(&in_syn_acc[post_base + targets[j]], WEIGHT_OF_SYNAPSE_J);
                }
            }
        }
    }
}
