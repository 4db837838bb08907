// Neuron update of one population (twin: cpu::neuron_update), assembled from pieces:
// the neuron model (lif.wgsl), one exp_curr.wgsl per incoming synapse group and one
// current_source.wgsl per current source.
//
// Dispatched as (ceil(N / 256), BATCH): workgroup row y updates batch entry y. State is
// image-major (entry * N + neuron); spike words are [step & 1][entry][word] and the
// recording [recording step][entry][word], so the rows of a run read back in one copy.
//
// A neuron that spikes sets its bit with atomicOr; spikes are rare, so this costs less
// than gathering words in workgroup memory, and needs no barrier (software adapters
// such as lavapipe run barriers as coroutine switches). The words this step writes were
// cleared by the previous step's neuron update; this step clears the ones the next step
// writes, which the synapse update has already read. The recording is cleared on the
// host side, when it is taken or reset.

//!include step_params.wgsl
//!include lif.wgsl
//!include fixed_point.wgsl

override BATCH: u32;

@group(0) @binding(1) var<storage, read_write> v: array<f32>;
@group(0) @binding(2) var<storage, read_write> refrac_time: array<f32>;
// Two timesteps of spike words: this step's (step & 1) and the previous one.
@group(0) @binding(3) var<storage, read_write> spikes: array<atomic<u32>>;
//!recording_binding

override WORDS: u32;

//!pieces

@compute @workgroup_size(256)
fn main(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let i = gid.x;
    let batch = wid.y;
    if i < WORDS {
        atomicStore(&spikes[(((params.step + 1u) & 1u) * BATCH + batch) * WORDS + i], 0u);
    }
    if i < N {
        update_neuron(batch, i);
    }
}

fn update_neuron(batch: u32, i: u32) {
    let j = batch * N + i;
    var isyn = 0.0;
//!inputs
    var v_i = v[j];
    var refrac_time_i = refrac_time[j];
    let spiked = lif_update(&v_i, &refrac_time_i, isyn);
    v[j] = v_i;
    refrac_time[j] = refrac_time_i;
    if spiked {
        let word = i / 32u;
        let bit = 1u << (i % 32u);
        atomicOr(&spikes[((params.step & 1u) * BATCH + batch) * WORDS + word], bit);
//!record
    }
}
