// Neuron update of one population (twin: src/cpu/kernels/neuron_update.rs), assembled
// from pieces: the neuron model's (`neuron_model`, from src/model/neuron/, or for a model
// written as code strings its step function, src/gpu/kernels/code_neuron.rs), then per
// incoming synapse group its synaptic input (synaptic_input.wgsl) and postsynaptic model
// (src/model/exp_curr.wgsl, DeltaCurr groups too), and per current source its piece
// (src/model/current_source.wgsl). Inputs are summed in the CPU's order: synapse groups,
// then current sources.
//
// One dispatch covers every timestep of a block (StepParams.steps, at most BLOCK_STEPS):
// each quad's state is loaded once, stays in registers for the block's timesteps and is
// stored once, so a block of twenty timesteps costs little more memory traffic than one.
// Only the synaptic input of each timestep (its own slot of the accumulator) is read per
// timestep.
//
// The 32 neurons of a spike word are updated four at a time (a quad, one `vec4`), by
// INVOCATIONS_PER_WORD invocations (NeuronUpdateStrategy): one, taking all eight quads in
// turn, suits software adapters, where each invocation and each memory access has a
// fixed cost (lavapipe); eight, one quad each, joined by gather_word.wgsl, give a GPU
// neighbouring invocations that read neighbouring `vec4`s. Either way each timestep's
// word is written whole into the spike ring and the recording: nothing to clear.
//
// Dispatched as (ceil(WORDS * INVOCATIONS_PER_WORD / 64), BATCH): workgroup row y
// updates batch entry y. Per neuron state is entry-major with each entry padded to whole
// words (entry * ACC_STRIDE + neuron; the padding neurons are updated but never spike);
// spike words are [ring slot][entry][word] and the recording [recording step][entry]
// [word], so the rows of a run read back in one copy. A population whose state is
// recorded writes each sampled timestep's values of its recorded neurons from the
// registers, after the timestep's update (src/gpu/kernels/state_recording.rs).

{{shared/step_params}}
{{shared/fixed_point}}
{{shared/spike_ring}}
{{shared/accumulator}}
{{neuron_model}}

override N: u32;
override BATCH: u32;
override WORDS: u32;
// Neurons per batch entry in state: N padded to whole words (WORDS * 32).
override ACC_STRIDE: u32;
override INVOCATIONS_PER_WORD: u32;
override SPIKE_SLOTS: u32;

{{state_bindings}}
@group(0) @binding({{binding}}) var<storage, read_write> spikes: array<u32>;
{{recording_binding}}
{{state_recording_binding}}

{{inputs}}
{{gather_word_piece}}

// Invocations of a workgroup (the host's NEURON_WORKGROUP, checked against this).
const WORKGROUP_SIZE: u32 = 64u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let word = gid.x / INVOCATIONS_PER_WORD;
    let quads = 8u / INVOCATIONS_PER_WORD;
    let first_quad = gid.x % INVOCATIONS_PER_WORD * quads;
    let entry = wid.y;
    let steps = params.steps;
    // This invocation's bits of each timestep's word.
    var bits: array<u32, BLOCK_STEPS>;
{{block_inputs}}
    // No early return: invocations sharing a word meet at a barrier.
    if word < WORDS {
        for (var m = first_quad; m < first_quad + quads; m++) {
            let q = (entry * WORDS + word) * 8u + m;
{{load_state}}
{{load_inputs}}
{{load_state_recording}}
            for (var j = 0u; j < steps; j++) {
                var isyn = vec4(0.0);
{{add_inputs}}
{{update}}
{{record_state}}
                bits[j] |= (select(0u, 1u, spiked.x) | select(0u, 2u, spiked.y)
                    | select(0u, 4u, spiked.z) | select(0u, 8u, spiked.w)) << (4u * m);
            }
{{store_state}}
{{store_inputs}}
        }
    }
    // Padding neurons past N never spike.
    let valid = min(N - min(word * 32u, N), 32u);
    let padding = select(0xffffffffu, (1u << valid) - 1u, valid < 32u);
    for (var j = 0u; j < steps; j++) {
        var word_bits = bits[j];
{{gather_word}}
        // One invocation per word writes it.
        if word < WORDS && gid.x % INVOCATIONS_PER_WORD == 0u {
            word_bits &= padding;
            spikes[(ring_slot(j) * BATCH + entry) * WORDS + word] = word_bits;
{{record}}
        }
    }
}
