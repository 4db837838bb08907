// Latest spike time of every neuron of a population that plastic synapses connect
// (twin: src/cpu/kernels/spike_times.rs): the previous timestep's spikes set their
// neurons' time to that timestep's. For a delayed plastic group's own st_pre, the spikes
// that reach its synapses now (AXONAL_DELAY timesteps later) do. Batch size 1. One
// thread per spike word.

{{shared/step_params}}
{{shared/spike_ring}}

@group(0) @binding({{binding}}) var<storage, read> spikes: array<u32>;
@group(0) @binding({{binding}}) var<storage, read_write> last_spike: array<f32>;

override WORDS: u32;
override AXONAL_DELAY: u32;
override SPIKE_SLOTS: u32;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let w = gid.x;
    if w >= WORDS {
        return;
    }
    var bits = spikes[earlier_ring_slot(0u, 1u + AXONAL_DELAY) * WORDS + w];
    while bits != 0u {
        last_spike[w * 32u + countTrailingZeros(bits)] = params.previous_time;
        bits &= bits - 1u;
    }
}
