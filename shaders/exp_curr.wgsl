// ExpCurr input of incoming synapse group {k} (twin: cpu::exp_curr): this step's
// fixed-point input joins inSyn, init * inSyn is injected, then inSyn decays. `j`
// indexes the batch entry's copy of the neuron (batch * N + neuron).
@group(0) @binding({in_syn_binding}) var<storage, read_write> in_syn_{k}: array<f32>;
@group(0) @binding({acc_binding}) var<storage, read_write> in_syn_acc_{k}: array<i32>;
override INIT_{k}: f32;
override EXP_DECAY_{k}: f32;
override INV_SCALE_{k}: f32;

fn exp_curr_{k}(j: u32) -> f32 {
    let acc = in_syn_acc_{k}[j];
    in_syn_acc_{k}[j] = 0;
    let in_syn = in_syn_{k}[j] + fixed_to_f32(acc) * INV_SCALE_{k};
    in_syn_{k}[j] = in_syn * EXP_DECAY_{k};
    return INIT_{k} * in_syn;
}
