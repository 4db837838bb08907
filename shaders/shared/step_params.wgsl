// Per-block parameters, one entry per block of timesteps of a submission, bound with a
// dynamic offset so a whole stimulus is encoded once and submitted once (the host's
// twin: StepParams in src/gpu/encode.rs). A block is one timestep, or several where the
// network is feed-forward (docs/architecture.md): each kernel then covers all of the
// block's timesteps in one dispatch.
struct StepParams {
    // The block's first timestep since the last reset, its low and high words (each
    // kernel takes it modulo the length of the ring of spike words it reads: see
    // spike_ring.wgsl).
    timestep_lo: u32,
    timestep_hi: u32,
    // Row of the recording buffer the block's first timestep's spikes go to.
    record_slot: u32,
    // Time of the block's first timestep and of the one before it [ms], as the CPU
    // computes them (timestep * dt in f64, rounded to f32): what learning rules read.
    time: f32,
    previous_time: f32,
    // Always 0, but no shader compiler can know it: see `product`.
    zero: u32,
    // Timesteps in this block.
    steps: u32,
    // Different in every block since the last reset (its first timestep, plus one): the
    // synapse update stamps each timestep slot that received any spike with it, so the
    // neuron update can pass over accumulators it knows to be empty.
    stamp: u32,
}

@group(0) @binding({{binding}}) var<uniform> params: StepParams;

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
