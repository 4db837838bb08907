// STDP on presynaptic spikes (twin: the first half of cpu::learn_stdp): every spike of
// the previous timestep updates its row's weights against their targets' latest spike
// times. Each weight belongs to one row, so no two threads touch it. Batch size 1; one
// thread per word of presynaptic spikes.

//!include step_params.wgsl
//!include stdp.wgsl

@group(0) @binding(1) var<storage, read> pre_spikes: array<u32>;
@group(0) @binding(2) var<storage, read> row_start: array<u32>;
@group(0) @binding(3) var<storage, read> targets: array<u32>;
@group(0) @binding(4) var<storage, read_write> g: array<f32>;
@group(0) @binding(5) var<storage, read> last_spike_post: array<f32>;

override WORDS_PRE: u32;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let w = gid.x;
    if w >= WORDS_PRE {
        return;
    }
    var bits = pre_spikes[((params.step + 1u) & 1u) * WORDS_PRE + w];
    while bits != 0u {
        let pre = w * 32u + countTrailingZeros(bits);
        bits &= bits - 1u;
        for (var j = row_start[pre]; j < row_start[pre + 1u]; j++) {
            g[j] = stdp_update(g[j], params.time, last_spike_post[targets[j]]);
        }
    }
}
