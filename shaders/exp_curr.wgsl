// ExpCurr input of incoming synapse group {k} (twin: cpu::exp_curr): this step's
// fixed-point input joins inSyn, init * inSyn is injected, then inSyn decays. `q`
// indexes four neurons of one batch entry (see neuron_update.wgsl).
@group(0) @binding({in_syn_binding}) var<storage, read_write> in_syn_{k}: array<vec4<f32>>;
@group(0) @binding({acc_binding}) var<storage, read_write> in_syn_acc_{k}: array<vec4<i32>>;
override INIT_{k}: f32;
override EXP_DECAY_{k}: f32;
override INV_SCALE_{k}: f32;

fn exp_curr_{k}(q: u32) -> vec4<f32> {
    let acc = in_syn_acc_{k}[q];
    // Most neurons receive nothing in a timestep: leave their zeros alone.
    if any(acc != vec4(0)) {
        in_syn_acc_{k}[q] = vec4(0);
    }
    let in_syn = in_syn_{k}[q] + product4(fixed_to_f32(acc), vec4(INV_SCALE_{k}));
    in_syn_{k}[q] = in_syn * EXP_DECAY_{k};
    return product4(vec4(INIT_{k}), in_syn);
}
