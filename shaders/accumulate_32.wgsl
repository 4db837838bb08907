// A piece of propagate_spikes.wgsl: a constant-weight group's accumulator, an i32 per
// target neuron (accumulator.wgsl), and its one weight in fixed-point units.
@group(0) @binding({{binding}}) var<storage, read_write> in_syn_acc: array<atomic<i32>>;
override WEIGHT: i32;

fn stamp_slot(stamp: u32) {
    atomicStore(&in_syn_acc[stamp], i32(params.stamp));
}

// Adds synapse j's weight to accumulator word `i`.
fn add_weight(i: u32, j: u32) {
    atomicAdd(&in_syn_acc[i], WEIGHT);
}
