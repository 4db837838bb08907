// Adding to a 64-bit two's-complement sum of an accumulator (accumulator.wgsl), whose
// including kernel binds it as `in_syn_acc: array<atomic<u32>>`: the low word's add
// returns what it held, so whether it wrapped is known, and its carry goes into the high
// word with the value's own high word: adds modulo 2^64, which don't depend on the order
// the atomics land in (twin: FixedPointWeight::to_fixed64 and the CPU's wrapping adds).

// Adds `units`, a whole number of magnitude below 2^62 held in an f32, to the sum whose
// low word is accumulator word `i`.
fn add_fixed64(i: u32, units: f32) {
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
