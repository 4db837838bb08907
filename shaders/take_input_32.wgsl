// A piece of synaptic_input.wgsl: the quad of 32-bit sums at accumulator vec4 `slot` in
// f32 (fixed_point.wgsl), cleared where it held anything.
fn take_input_{{k}}(slot: u32) -> vec4<f32> {
    let acc = in_syn_acc_{{k}}[slot];
    // Most neurons receive nothing in a timestep: leave their zeros alone.
    if any(acc != vec4(0)) {
        in_syn_acc_{{k}}[slot] = vec4(0);
    }
    return fixed_to_f32(acc);
}
