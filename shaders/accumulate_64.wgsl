// A piece of propagate_spikes.wgsl: a per-synapse-weight group's accumulator, a 64-bit
// two's-complement sum per target neuron in two words (accumulator.wgsl), and its
// weights, converted to fixed point as each is added (twin: FixedPointWeight::to_fixed64).
@group(0) @binding({{binding}}) var<storage, read_write> in_syn_acc: array<atomic<u32>>;
@group(0) @binding({{binding}}) var<storage, read> g: array<f32>;
override SCALE: f32;

fn stamp_slot(stamp: u32) {
    atomicStore(&in_syn_acc[stamp], params.stamp);
}

// Adds synapse j's weight to the 64-bit sum whose low word is accumulator word `i`. The
// low word's add returns what it held, so whether it wrapped is known, and its carry goes
// into the high word with the weight's own high word: adds modulo 2^64, which don't
// depend on the order the atomics land in.
fn add_weight(i: u32, j: u32) {
    // g * 2^k is exact and round() breaks ties to even, as the CPU's to_fixed64; the
    // scale keeps |units| below 2^62.
    let units = round(g[j] * SCALE);
    let magnitude = abs(units);
    // Both exact: a power of two's product, and what is left of an f32 below 2^32.
    let high = floor(magnitude * 0x1p-32f);
    let low = u32(magnitude - high * 0x1p32f);
    var w_lo = low;
    var w_hi = u32(high);
    if units < 0.0 {
        w_lo = 0u - low;
        w_hi = ~w_hi + select(0u, 1u, low == 0u);
    }
    let old = atomicAdd(&in_syn_acc[i], w_lo);
    let carry = select(0u, 1u, old + w_lo < old);
    atomicAdd(&in_syn_acc[i + HIGH_WORDS], w_hi + carry);
}
