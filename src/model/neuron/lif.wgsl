// GeNN's LIF neuron: sim code, threshold condition and reset, for four neurons at once;
// twin: LifConstants::update_lanes (and update, for one neuron) in lif.rs beside this
// file. `select` keeps each lane's arithmetic exactly that of the scalar `if`: the branch
// not taken is computed but not used.
override EXP_TC: f32;
override R_MEMBRANE: f32;
override V_REST: f32;
override V_RESET: f32;
override V_THRESH: f32;
override I_OFFSET: f32;
override TAU_REFRAC: f32;
override DT: f32;

fn neuron_model(v: ptr<function, vec4<f32>>, refrac_time: ptr<function, vec4<f32>>, isyn: vec4<f32>) -> vec4<bool> {
    let integrating = *refrac_time <= vec4(0.0);
    let alpha = product4(isyn + I_OFFSET, vec4(R_MEMBRANE)) + V_REST;
    let v_new = select(*v, alpha - product4(vec4(EXP_TC), alpha - *v), integrating);
    let refrac_new = select(*refrac_time - DT, *refrac_time, integrating);
    let spiked = (refrac_new <= vec4(0.0)) & (v_new >= vec4(V_THRESH));
    *v = select(v_new, vec4(V_RESET), spiked);
    *refrac_time = select(refrac_new, vec4(TAU_REFRAC), spiked);
    return spiked;
}
