// The ring of a population's spike words, [ring slot][entry][word]: one slot per
// timestep of a block and one for the timestep before the block (SPIKE_SLOTS slots, an
// override every kernel that includes this declares). The host sets params.ring_slot to
// the block's first timestep (counted from the last reset) modulo SPIKE_SLOTS.

// The slot of timestep `j` of the block.
fn ring_slot(j: u32) -> u32 {
    return (params.ring_slot + j) % SPIKE_SLOTS;
}

// The slot of the timestep before timestep `j` of the block: whose spikes the synapse
// update and the learning kernels of timestep `j` read.
fn previous_ring_slot(j: u32) -> u32 {
    return (params.ring_slot + j + SPIKE_SLOTS - 1u) % SPIKE_SLOTS;
}
