// The tutorial's IF neuron (part 3's GGN), four neurons at once; twin: IfConstants in
// integrate_and_fire.rs beside this file. No leak, no refractory period (RefracTime is
// passed but unused). V += Isyn; spike if V >= Vthresh; then V = 0.
override V_THRESH: f32;

fn neuron_model(v: ptr<function, vec4<f32>>, refrac_time: ptr<function, vec4<f32>>, isyn: vec4<f32>) -> vec4<bool> {
    let v_new = *v + isyn;
    let spiked = v_new >= vec4(V_THRESH);
    *v = select(v_new, vec4(0.0), spiked);
    return spiked;
}
