// Neuron update of one population (twin: cpu::neuron_update), assembled from pieces:
// the neuron model (lif.wgsl), one exp_curr.wgsl per incoming synapse group and one
// current_source.wgsl per current source. Spikes are gathered per workgroup in shared
// memory and written as whole words, so no global atomics or clearing are needed.

//!include step_params.wgsl
//!include lif.wgsl
//!include fixed_point.wgsl

@group(0) @binding(1) var<storage, read_write> v: array<f32>;
@group(0) @binding(2) var<storage, read_write> refrac_time: array<f32>;
// Two timesteps of spike words: this step's (step & 1) and the previous one.
@group(0) @binding(3) var<storage, read_write> spikes: array<u32>;
//!recording_binding

override WORDS: u32;
const WORKGROUP: u32 = 256u;
const WORKGROUP_WORDS: u32 = WORKGROUP / 32u;

var<workgroup> spike_words: array<atomic<u32>, WORKGROUP_WORDS>;

//!pieces

@compute @workgroup_size(256)
fn main(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    if lid < WORKGROUP_WORDS {
        atomicStore(&spike_words[lid], 0u);
    }
    workgroupBarrier();
    let i = gid.x;
    if i < N {
        var isyn = 0.0;
//!inputs
        var v_i = v[i];
        var refrac_time_i = refrac_time[i];
        let spiked = lif_update(&v_i, &refrac_time_i, isyn);
        v[i] = v_i;
        refrac_time[i] = refrac_time_i;
        if spiked {
            atomicOr(&spike_words[lid / 32u], 1u << (lid % 32u));
        }
    }
    workgroupBarrier();
    let word = wid.x * WORKGROUP_WORDS + lid;
    if lid < WORKGROUP_WORDS && word < WORDS {
        let bits = atomicLoad(&spike_words[lid]);
        spikes[(params.step & 1u) * WORDS + word] = bits;
//!record
    }
}
