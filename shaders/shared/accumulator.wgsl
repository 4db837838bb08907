// A synapse group's accumulator: the synaptic input of each target neuron in fixed point
// (fixed_point.wgsl), one slot per timestep of a block. First come the stamps,
// [entry][slot], STAMPS_PER_ENTRY per entry (the block's timesteps rounded up to whole
// vec4s): the synapse update stamps a slot that received any spike with params.stamp,
// unique per block since the last reset, so the neuron update can pass over slots it
// knows to be empty without anything ever being cleared. From ACC_BASE come the sums,
// [slot][entry][neuron], each entry ACC_STRIDE neurons (the target population padded to
// whole words): an i32 each for a constant-weight group; for per-synapse weights the low
// u32 of a 64-bit sum, whose high word lies HIGH_WORDS further on. The host lays the
// buffer out (AccumulatorLayout in src/gpu/plan/blocks.rs) and gives these constants; a
// kernel that includes this declares BATCH and ACC_STRIDE.
const BLOCK_STEPS: u32 = {{block_steps}}u;
override STAMPS_PER_ENTRY: u32;
override ACC_BASE: u32;
override HIGH_WORDS: u32;

// The word of neuron `neuron` of batch entry `entry` in slot `slot` (the low word of a
// 64-bit sum).
fn accumulator_index(slot: u32, entry: u32, neuron: u32) -> u32 {
    return ACC_BASE + (slot * BATCH + entry) * ACC_STRIDE + neuron;
}

// The vec4 of quad `q` (an index into entry-major state: entry * ACC_STRIDE / 4 + quad)
// in slot `slot`.
fn accumulator_quad(slot: u32, q: u32) -> u32 {
    return accumulator_index(slot, 0u, 0u) / 4u + q;
}

// The word of the stamp of batch entry `entry`'s slot `slot`.
fn stamp_index(entry: u32, slot: u32) -> u32 {
    return entry * STAMPS_PER_ENTRY + slot;
}
