// The synaptic input of incoming synapse group {{k}}, a piece of neuron_update.wgsl: this
// timestep's fixed-point sum from the group's accumulator (accumulator.wgsl), in f32,
// for the group's postsynaptic model (exp_curr_{{k}}). Its words are i32 sums or the u32
// words of 64-bit ones, which take_input_{{k}} (take_input_32.wgsl or _64.wgsl) reads. Timestep `j` of the block reads
// its own slot, unless the slot's stamp says that no spike reached it this block: in
// most timesteps of the tutorial no PN spikes at all. Twin: `exp_curr` in
// src/cpu/kernels/neuron_update.rs, whose stamps are per word.
@group(0) @binding({{binding}}) var<storage, read_write> in_syn_acc_{{k}}: array<vec4<{{word}}>>;
override INV_SCALE_{{k}}: f32;

// Which timesteps of this block have a stamped slot: bit j for timestep j. The stamps
// of a batch entry's slots lie together, four to a vec4: every invocation reads them all,
// and on llvmpipe each read is a loop over the SIMD lanes, so a quarter as many reads.
fn inputs_of_block_{{k}}(entry: u32) -> u32 {
    let first = stamp_index(entry, 0u) / 4u;
    var mask = 0u;
    for (var s = 0u; s * 4u < params.steps; s++) {
        let hit = vec4<u32>(in_syn_acc_{{k}}[first + s]) == vec4(params.stamp);
        mask |= (select(0u, 1u, hit.x) | select(0u, 2u, hit.y) | select(0u, 4u, hit.z)
            | select(0u, 8u, hit.w)) << (4u * s);
    }
    // Slots past the block's end hold older stamps, never this block's; masked anyway.
    return mask & ((1u << params.steps) - 1u);
}

{{take_input}}

// The input of quad `q` (see neuron_update.wgsl) in timestep `j`, given the block's
// stamped timesteps `inputs`; clears what it read.
fn synaptic_input_{{k}}(q: u32, j: u32, inputs: u32) -> vec4<f32> {
    var sum = vec4(0.0);
    if (inputs & (1u << j)) != 0u {
        sum = take_input_{{k}}(accumulator_quad(j, q));
    }
    return product4(sum, vec4(INV_SCALE_{{k}}));
}
