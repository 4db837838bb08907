// ExpCurr input of incoming synapse group {k} (twin: cpu::exp_curr): this timestep's
// fixed-point input joins inSyn, init * inSyn is injected, then inSyn decays. `q`
// indexes four neurons of one batch entry (see neuron_update.wgsl); inSyn stays in
// `in_syn` (loaded and stored by the neuron update) for the timesteps of a block, and
// timestep `j` of the block reads its own slot of the accumulator ([slot][q]), unless
// its stamp (after the slots: [entry][slot], four slots' stamps to a vec4) says that no
// spike reached the slot this block: in most timesteps of the tutorial no PN spikes at all.
@group(0) @binding({in_syn_binding}) var<storage, read_write> in_syn_{k}: array<vec4<f32>>;
@group(0) @binding({acc_binding}) var<storage, read_write> in_syn_acc_{k}: array<vec4<i32>>;
override INIT_{k}: f32;
override EXP_DECAY_{k}: f32;
override INV_SCALE_{k}: f32;

// Which timesteps of this block have a stamped slot: bit j for timestep j. The stamps
// of a batch entry's slots lie together, four to a vec4: every invocation reads them all,
// and on llvmpipe each read is a loop over the SIMD lanes, so a quarter as many reads.
fn inputs_of_block_{k}(batch: u32) -> u32 {
    let first = BLOCK_STEPS * BATCH * WORDS * 8u + batch * ((BLOCK_STEPS + 3u) / 4u);
    var mask = 0u;
    for (var s = 0u; s * 4u < params.steps; s++) {
        let hit = vec4<u32>(in_syn_acc_{k}[first + s]) == vec4(params.stamp);
        mask |= (select(0u, 1u, hit.x) | select(0u, 2u, hit.y) | select(0u, 4u, hit.z)
            | select(0u, 8u, hit.w)) << (4u * s);
    }
    // Slots past the block's end hold older stamps, never this block's; masked anyway.
    return mask & ((1u << params.steps) - 1u);
}

fn exp_curr_{k}(q: u32, j: u32, in_syn: ptr<function, vec4<f32>>, inputs: u32) -> vec4<f32> {
    var acc = vec4(0);
    if (inputs & (1u << j)) != 0u {
        let slot = j * BATCH * WORDS * 8u + q;
        acc = in_syn_acc_{k}[slot];
        // Most neurons receive nothing in a timestep: leave their zeros alone.
        if any(acc != vec4(0)) {
            in_syn_acc_{k}[slot] = vec4(0);
        }
    }
    let joined = *in_syn + product4(fixed_to_f32(acc), vec4(INV_SCALE_{k}));
    // Rounded on its own: the next timestep adds to it.
    *in_syn = product4(joined, vec4(EXP_DECAY_{k}));
    return product4(vec4(INIT_{k}), joined);
}
