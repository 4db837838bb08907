// GeNN's LIF neuron: sim code, threshold condition and reset (twin: cpu::lif_update).
override N: u32;
override EXP_TC: f32;
override R_MEMBRANE: f32;
override V_REST: f32;
override V_RESET: f32;
override V_THRESH: f32;
override I_OFFSET: f32;
override TAU_REFRAC: f32;
override DT: f32;

fn lif_update(v: ptr<function, f32>, refrac_time: ptr<function, f32>, isyn: f32) -> bool {
    if *refrac_time <= 0.0 {
        let alpha = (isyn + I_OFFSET) * R_MEMBRANE + V_REST;
        *v = alpha - EXP_TC * (alpha - *v);
    } else {
        *refrac_time = *refrac_time - DT;
    }
    if *refrac_time <= 0.0 && *v >= V_THRESH {
        *v = V_RESET;
        *refrac_time = TAU_REFRAC;
        return true;
    }
    return false;
}
