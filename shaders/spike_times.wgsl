// Latest spike time of every neuron of a population that plastic synapses connect
// (twin: the start of cpu::threads::Worker::step): the previous timestep's spikes set
// their neurons' time to that timestep's. Batch size 1. One thread per spike word.

//!include step_params.wgsl

@group(0) @binding(1) var<storage, read> spikes: array<u32>;
@group(0) @binding(2) var<storage, read_write> last_spike: array<f32>;

override WORDS: u32;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let w = gid.x;
    if w >= WORDS {
        return;
    }
    var bits = spikes[((params.step + 1u) & 1u) * WORDS + w];
    while bits != 0u {
        last_spike[w * 32u + countTrailingZeros(bits)] = params.previous_time;
        bits &= bits - 1u;
    }
}
