// STDP on postsynaptic spikes (twin: src/cpu/kernels/learn_post.rs), after learn_pre:
// every postsynaptic spike of the previous timestep updates the weights of its column
// (its incoming synapses) against their sources' latest spike times (the rule:
// src/model/stdp.wgsl). Each weight belongs to one column, and the threads split a column
// between them. Batch size 1.

{{shared/step_params}}
{{shared/spike_ring}}
{{stdp}}

@group(0) @binding({{binding}}) var<storage, read> post_spikes: array<u32>;
@group(0) @binding({{binding}}) var<storage, read> column_start: array<u32>;
@group(0) @binding({{binding}}) var<storage, read> column_synapses: array<u32>;
@group(0) @binding({{binding}}) var<storage, read> pre_of: array<u32>;
@group(0) @binding({{binding}}) var<storage, read_write> g: array<f32>;
@group(0) @binding({{binding}}) var<storage, read> last_spike_pre: array<f32>;

override WORDS_POST: u32;
override SPIKE_SLOTS: u32;

@compute @workgroup_size(64)
fn main(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let threads = nwg.x * 64u;
    let previous = previous_ring_slot(0u) * WORDS_POST;
    for (var w = 0u; w < WORDS_POST; w++) {
        var bits = post_spikes[previous + w];
        while bits != 0u {
            let post = w * 32u + countTrailingZeros(bits);
            bits &= bits - 1u;
            for (var k = column_start[post] + gid.x; k < column_start[post + 1u]; k += threads) {
                let syn = column_synapses[k];
                g[syn] = stdp_update(g[syn], params.time, last_spike_pre[pre_of[syn]]);
            }
        }
    }
}
