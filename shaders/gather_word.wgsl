// A piece of neuron_update.wgsl: joins a spike word from the invocations that share it
// (NeuronUpdateStrategy::InvocationPerQuad): each brings the bits of its own quads, and
// each gets the whole word back. Workgroup memory starts at zero in every workgroup (WGSL guarantees it), and
// each slot serves one word of one timestep of the block once. Only this strategy uses it:
// eight invocations per word, so a workgroup covers an eighth as many words.
const WORDS_PER_WORKGROUP: u32 = WORKGROUP_SIZE / 8u;
var<workgroup> shared_words: array<atomic<u32>, WORDS_PER_WORKGROUP * BLOCK_STEPS>;

fn gather_word(lid: u32, j: u32, bits: u32) -> u32 {
    let slot = j * WORDS_PER_WORKGROUP + lid / INVOCATIONS_PER_WORD;
    atomicOr(&shared_words[slot], bits);
    workgroupBarrier();
    return atomicLoad(&shared_words[slot]);
}
