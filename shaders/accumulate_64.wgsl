// A piece of propagate_spikes.wgsl: a per-synapse-weight group's accumulator, a 64-bit
// two's-complement sum per target neuron in two words (accumulator.wgsl), and its
// weights, converted to fixed point as each is added (twin: FixedPointWeight::to_fixed64).
@group(0) @binding({{binding}}) var<storage, read_write> in_syn_acc: array<atomic<u32>>;
@group(0) @binding({{binding}}) var<storage, read> g: array<f32>;
override SCALE: f32;

fn stamp_slot(stamp: u32) {
    atomicStore(&in_syn_acc[stamp], params.stamp);
}

// Adds synapse j's weight to the 64-bit sum whose low word is accumulator word `i`
// (shared/add_fixed64.wgsl). g * 2^k is exact and round() breaks ties to even, as the
// CPU's to_fixed64; the scale keeps |units| below 2^62.
fn add_weight(i: u32, j: u32) {
    add_fixed64(i, round(g[j] * SCALE));
}

{{shared/add_fixed64}}
