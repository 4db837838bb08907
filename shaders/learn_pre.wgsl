// STDP on presynaptic spikes (twin: src/cpu/kernels/learn_pre.rs): every spike of the
// previous timestep (AXONAL_DELAY timesteps further back for a delayed group: those that
// reach its synapses now) updates its row's weights against their targets' latest spike
// times (the rule: src/model/stdp.wgsl). Each weight belongs to one row, so no two
// threads touch it. Batch size 1; one thread per word of presynaptic spikes.

{{shared/step_params}}
{{shared/spike_ring}}
{{stdp}}

@group(0) @binding({{binding}}) var<storage, read> pre_spikes: array<u32>;
@group(0) @binding({{binding}}) var<storage, read> row_start: array<u32>;
@group(0) @binding({{binding}}) var<storage, read> targets: array<u32>;
@group(0) @binding({{binding}}) var<storage, read_write> g: array<f32>;
@group(0) @binding({{binding}}) var<storage, read> last_spike_post: array<f32>;

override WORDS_PRE: u32;
override AXONAL_DELAY: u32;
override SPIKE_SLOTS: u32;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let w = gid.x;
    if w >= WORDS_PRE {
        return;
    }
    var bits = pre_spikes[earlier_ring_slot(0u, 1u + AXONAL_DELAY) * WORDS_PRE + w];
    while bits != 0u {
        let pre = w * 32u + countTrailingZeros(bits);
        bits &= bits - 1u;
        for (var j = row_start[pre]; j < row_start[pre + 1u]; j++) {
            g[j] = stdp_update(g[j], params.time, last_spike_post[targets[j]]);
        }
    }
}
