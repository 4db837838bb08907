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
}

@group(0) @binding(0) var<uniform> params: StepParams;
