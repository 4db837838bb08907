// The tutorial's symmetric STDP update of one weight (twin: StdpConstants::update in stdp.rs):
// g + eta * (exp(-(t - st) / tau) - rho), clipped to [wMin, wMax]. `st` is the partner's
// latest spike time, -FLT_MAX if it hasn't spiked since the reset (exp gives 0 then).
// WGSL's exp and division may differ from the CPU's in the last bits: learned weights
// agree with the CPU's to f32 rounding, not bit for bit.
override TAU: f32;
override RHO: f32;
override ETA: f32;
override W_MIN: f32;
override W_MAX: f32;

fn stdp_update(g: f32, t: f32, st: f32) -> f32 {
    let dw = product(ETA, exp(-(t - st) / TAU) - RHO);
    return clamp(g + dw, W_MIN, W_MAX);
}
