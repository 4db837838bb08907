// A piece of synaptic_input.wgsl: the quad of 64-bit sums whose low words are at
// accumulator vec4 `slot` in f32 (fixed_point.wgsl), cleared where it held anything.
fn take_input_{{k}}(slot: u32) -> vec4<f32> {
    let high = slot + HIGH_WORDS / 4u;
    let lo = in_syn_acc_{{k}}[slot];
    let hi = in_syn_acc_{{k}}[high];
    // Most neurons receive nothing in a timestep: leave their zeros alone.
    if any((lo | hi) != vec4(0u)) {
        in_syn_acc_{{k}}[slot] = vec4(0u);
        in_syn_acc_{{k}}[high] = vec4(0u);
    }
    return wide_fixed_to_f32(lo, hi);
}
