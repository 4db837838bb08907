// A weight-update model's synapse code on postsynaptic spikes (twin: the CPU's), after
// pre_spike_syn.wgsl: every postsynaptic spike of the previous timestep runs the group's
// kenyon_post_spike_syn for each synapse of its column (its incoming synapses), as
// learn_post.wgsl walks them. Each synapse belongs to one column, and the threads split a
// column between them. Plastic groups only: batch size 1, one timestep per block.

{{shared/step_params}}
{{shared/spike_ring}}
{{shared/accumulator}}

@group(0) @binding({{binding}}) var<storage, read> post_spikes: array<u32>;
@group(0) @binding({{binding}}) var<storage, read> column_start: array<u32>;
@group(0) @binding({{binding}}) var<storage, read> column_synapses: array<u32>;
@group(0) @binding({{binding}}) var<storage, read> pre_of: array<u32>;

override WORDS_POST: u32;
override ACC_STRIDE: u32;
override BATCH: u32;
override SPIKE_SLOTS: u32;

{{add_to_post}}

{{synapse}}

@compute @workgroup_size(64)
fn main(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let threads = nwg.x * 64u;
    let previous = previous_ring_slot(0u) * WORDS_POST;
    for (var w = 0u; w < WORDS_POST; w++) {
        var bits = post_spikes[previous + w];
        // addToPost here adds to the spiking neuron's own input.
        if bits != 0u && gid.x == 0u {
            stamp_slot(stamp_index(0u, 0u));
        }
        while bits != 0u {
            let post = w * 32u + countTrailingZeros(bits);
            bits &= bits - 1u;
            for (var k = column_start[post] + gid.x; k < column_start[post + 1u]; k += threads) {
                let syn = column_synapses[k];
                kenyon_synapse(0u, pre_of[syn], post, syn);
            }
        }
    }
}
