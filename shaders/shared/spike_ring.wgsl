// The ring of a population's spike words, [ring slot][entry][word]: one slot per
// timestep of a block, one for the timestep before the block, and one for each timestep
// of the network's longest synaptic delay (SPIKE_SLOTS slots, an override every kernel
// that includes this declares). The host sets params.ring_slot to
// the block's first timestep (counted from the last reset) modulo SPIKE_SLOTS.

// The slot of timestep `j` of the block.
fn ring_slot(j: u32) -> u32 {
    return (params.ring_slot + j) % SPIKE_SLOTS;
}

// The slot of the timestep before timestep `j` of the block: whose spikes the synapse
// update and the learning kernels of timestep `j` read.
fn previous_ring_slot(j: u32) -> u32 {
    return earlier_ring_slot(j, 1u);
}

// The slot of the timestep `back` timesteps before timestep `j` of the block (`back`
// less than SPIKE_SLOTS): whose spikes reach synapses of delay `back - 1` in timestep `j`.
fn earlier_ring_slot(j: u32, back: u32) -> u32 {
    return (params.ring_slot + j + SPIKE_SLOTS - back) % SPIKE_SLOTS;
}
