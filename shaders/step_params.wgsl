// Per-timestep parameters, one entry per timestep of a submission, bound with a
// dynamic offset so a whole stimulus is encoded once and submitted once.
struct StepParams {
    // Timesteps since the last reset: its parity picks the spike slot written this step
    // (step & 1) and the one read by the synapse update (the previous step's).
    step: u32,
    // Row of the recording buffer this timestep's spikes go to.
    record_slot: u32,
    // Time of this timestep and of the previous one [ms], as the CPU computes them
    // (timestep * dt in f64, rounded to f32): what learning rules read.
    time: f32,
    previous_time: f32,
    // Always 0, but no shader compiler can know it: see `product`.
    zero: u32,
}

@group(0) @binding(0) var<uniform> params: StepParams;

// a * b, rounded to f32 on its own as the CPU twins compute it. SPIR-V lets a driver fuse
// a multiply into the add or subtract that uses it (one rounding instead of two; NVIDIA's
// does), which moves a result by an ulp and a neuron near threshold to another timestep.
// The product's bits go through an OR with a zero the compiler can't see, so it has to
// round them first. Every float product that feeds an add must come from here: the
// shader tests check it.
fn product(a: f32, b: f32) -> f32 {
    return bitcast<f32>(bitcast<u32>(a * b) | params.zero);
}

fn product4(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
    return bitcast<vec4<f32>>(bitcast<vec4<u32>>(a * b) | vec4(params.zero));
}
