// Joins a spike word from the invocations that share it (NeuronUpdateLayout::
// InvocationPerQuad): each brings the bits of its own quads, and each gets the whole word
// back. Workgroup memory starts at zero in every workgroup (WGSL guarantees it), and
// each slot serves one word once.
var<workgroup> word_bits: array<atomic<u32>, 64>;

fn gather_word(lid: u32, bits: u32) -> u32 {
    let slot = lid / INVOCATIONS_PER_WORD;
    atomicOr(&word_bits[slot], bits);
    workgroupBarrier();
    return atomicLoad(&word_bits[slot]);
}
