// The ring of a population's spike words, [ring slot][entry][word]: one slot per
// timestep of a block, one for the timestep before the block, and one for each timestep
// of the longest synaptic delay of the groups leaving the population (SPIKE_SLOTS slots,
// an override every kernel that includes this declares: the length of the one ring it
// reads or writes). Timestep k since the last reset is in slot k modulo SPIKE_SLOTS.

// The slot of the block's first timestep: its two words (params.timestep_lo and _hi)
// modulo SPIKE_SLOTS. A ring is at most 2^16 slots long (asserted beside `Shape` in
// src/gpu/kernels/mod.rs), so no product or sum below passes 2^32.
fn block_ring_slot() -> u32 {
    // 2^32 modulo SPIKE_SLOTS.
    let high_word = (0xffffffffu % SPIKE_SLOTS + 1u) % SPIKE_SLOTS;
    let high = (params.timestep_hi % SPIKE_SLOTS) * high_word;
    return (high + params.timestep_lo % SPIKE_SLOTS) % SPIKE_SLOTS;
}

// The slot of timestep `j` of the block.
fn ring_slot(j: u32) -> u32 {
    return (block_ring_slot() + j) % SPIKE_SLOTS;
}

// The slot of the timestep before timestep `j` of the block: whose spikes the synapse
// update and the learning kernels of timestep `j` read.
fn previous_ring_slot(j: u32) -> u32 {
    return earlier_ring_slot(j, 1u);
}

// The slot of the timestep `back` timesteps before timestep `j` of the block (`back`
// less than SPIKE_SLOTS): whose spikes reach synapses of delay `back - 1` in timestep `j`.
fn earlier_ring_slot(j: u32, back: u32) -> u32 {
    return (block_ring_slot() + j + SPIKE_SLOTS - back) % SPIKE_SLOTS;
}
