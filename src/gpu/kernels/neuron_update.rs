//! The neuron update of a population (`shaders/neuron_update.wgsl`), assembled from the
//! population's neuron model and one piece per input.

use super::code_neuron::{STEP_FUNCTION_MARKER, model_piece};
use super::{KernelSpec, Shape, bindings, constants};
use crate::gpu::GpuError;
use crate::gpu::plan::{AccumulatorLayout, BufferId, Device, padded};
use crate::gpu::shaders::{self, TemplateError};
use crate::gpu::tuning::{NEURON_WORKGROUP, NeuronUpdateStrategy};
use crate::model::{AccumulatorWidth, BuiltNetwork, CurrentSourceModel, PostsynapticConstants};
use crate::sim::words_per_step;

/// The strategy population `p`'s neuron update uses and its workgroups along x: the one
/// `preferred`, unless the population is too large for one dispatch of it, when one
/// invocation per word covers eight times as many neurons.
pub(crate) fn geometry(
    net: &BuiltNetwork,
    p: usize,
    preferred: NeuronUpdateStrategy,
    device: &Device<'_>,
) -> Result<(NeuronUpdateStrategy, u32), GpuError> {
    let pop = &net.populations[p];
    let words = words_per_step(pop.size) as u64;
    let max_workgroups = u64::from(device.max_workgroups());
    let workgroups_for = |strategy: NeuronUpdateStrategy| {
        (words * u64::from(strategy.invocations_per_word())).div_ceil(u64::from(NEURON_WORKGROUP))
    };
    let strategy = if workgroups_for(preferred) <= max_workgroups {
        preferred
    } else {
        NeuronUpdateStrategy::InvocationPerWord
    };
    let workgroups = workgroups_for(strategy);
    if workgroups > max_workgroups {
        return Err(device.over_limit(
            format!("population '{}' ({} neurons)", pop.name, pop.size),
            workgroups,
            max_workgroups,
        ));
    }
    // At most the dispatch limit, checked just above, so it fits a u32.
    Ok((strategy, workgroups as u32))
}

/// The WGSL the pieces of a population's inputs add to the neuron update, in the CPU's
/// order: synapse groups, then current sources.
#[derive(Default)]
struct Inputs {
    pieces: String,
    block_inputs: String,
    load_inputs: String,
    add_inputs: String,
    store_inputs: String,
}

/// The neuron update of population `p`, with `strategy` and `workgroups` from
/// [`geometry`].
pub(crate) fn spec(
    net: &BuiltNetwork,
    p: usize,
    shape: Shape,
    strategy: NeuronUpdateStrategy,
    workgroups: u32,
) -> Result<KernelSpec, TemplateError> {
    let pop = &net.populations[p];
    let mut kernel = KernelSpec {
        label: format!("neuron_update[{}]", pop.name),
        source: String::new(),
        constants: constants([
            ("N", pop.size),
            ("WORDS", words_per_step(pop.size) as u32),
            ("BATCH", shape.batch),
            ("ACC_STRIDE", padded(pop.size)),
            ("INVOCATIONS_PER_WORD", strategy.invocations_per_word()),
            ("SPIKE_SLOTS", shape.spike_slots(net, p)),
        ]),
        bindings: bindings(&[("params", BufferId::StepParams)]),
        workgroups,
        threads: NEURON_WORKGROUP,
    };
    let model = model_piece(net, p);
    kernel.bindings.extend(model.bindings);
    kernel
        .bindings
        .push(("spikes".to_owned(), BufferId::Spikes(p)));
    kernel.constants.extend(model.constants);
    let layout = AccumulatorLayout::new(pop.size, shape.batch, shape.block_steps);
    kernel.constants.extend(constants(layout.wgsl_constants()));
    let inputs = add_inputs(net, p, &mut kernel)?;
    let state = super::state_recording::piece(pop, p);
    kernel.constants.extend(state.constants);
    kernel.bindings.extend(state.bindings);
    let (recording_binding, record) = if pop.spike_recording {
        kernel
            .bindings
            .push(("recording".to_owned(), BufferId::Recording(p)));
        (
            "@group(0) @binding({{binding}}) var<storage, read_write> recording: array<u32>;",
            "            recording[((params.record_slot + j) * BATCH + entry) * WORDS + word] = word_bits;",
        )
    } else {
        ("", "")
    };
    // Workgroup memory (and its barrier) only where invocations share a word.
    let (gather_piece, gather) = match strategy {
        NeuronUpdateStrategy::InvocationPerWord => ("", ""),
        NeuronUpdateStrategy::InvocationPerQuad => (
            shaders::GATHER_WORD,
            "        word_bits = gather_word(lid, j, word_bits);",
        ),
    };
    let block_steps = shape.block_steps.to_string();
    let mut values: Vec<(&str, &str)> = model.values.iter().map(|(k, v)| (*k, &v[..])).collect();
    values.extend([
        ("block_steps", &block_steps[..]),
        ("recording_binding", recording_binding),
        ("inputs", &inputs.pieces),
        ("gather_word_piece", gather_piece),
        ("block_inputs", inputs.block_inputs.trim_end()),
        ("load_inputs", inputs.load_inputs.trim_end()),
        ("add_inputs", inputs.add_inputs.trim_end()),
        ("store_inputs", inputs.store_inputs.trim_end()),
        ("gather_word", gather),
        ("record", record),
        ("state_recording_binding", &state.binding),
        ("load_state_recording", &state.load),
        ("record_state", &state.record),
    ]);
    let source = shaders::finish(shaders::NEURON_UPDATE, &values)?;
    // Users' code goes in last, where no placeholder is looked for.
    kernel.source = match model.step_function {
        Some(function) => source.replacen(STEP_FUNCTION_MARKER, &function, 1),
        None => source,
    };
    Ok(kernel)
}

/// The pieces, constants and bindings of population `p`'s inputs, added to `kernel`.
fn add_inputs(
    net: &BuiltNetwork,
    p: usize,
    kernel: &mut KernelSpec,
) -> Result<Inputs, TemplateError> {
    let mut inputs = Inputs::default();
    for (k, (g, group)) in net.incoming(p).enumerate() {
        let k_text = k.to_string();
        inputs.pieces += &shaders::fill(PostsynapticConstants::WGSL, &[("k", &k_text)])?;
        let (word, take_input) = match group.weight.width {
            AccumulatorWidth::Bits32 => ("i32", shaders::TAKE_INPUT_32),
            AccumulatorWidth::Bits64 => ("u32", shaders::TAKE_INPUT_64),
        };
        inputs.pieces += &shaders::fill(
            shaders::SYNAPTIC_INPUT,
            &[("take_input", take_input), ("word", word), ("k", &k_text)],
        )?;
        inputs.block_inputs += &format!("    let inputs_{k} = inputs_of_block_{k}(entry);\n");
        inputs.load_inputs += &format!("            var in_syn_q_{k} = in_syn_{k}[q];\n");
        inputs.add_inputs += &if group.code_postsynaptic {
            // The model's step function takes the input and inSyn (code_neuron.rs).
            format!(
                "                let kenyon_input_q_{k} = synaptic_input_{k}(q, j, inputs_{k});\n"
            )
        } else {
            format!(
                "                isyn = isyn + exp_curr_{k}(&in_syn_q_{k}, synaptic_input_{k}(q, j, inputs_{k}));\n"
            )
        };
        inputs.store_inputs += &format!("            in_syn_{k}[q] = in_syn_q_{k};\n");
        kernel
            .constants
            .extend(constants(group.postsynaptic.wgsl_constants(k)));
        kernel
            .constants
            .push((format!("INV_SCALE_{k}"), f64::from(group.weight.inv_scale)));
        kernel
            .bindings
            .push((format!("in_syn_{k}"), BufferId::InSyn(g)));
        kernel
            .bindings
            .push((format!("in_syn_acc_{k}"), BufferId::InSynAcc(g)));
    }
    for (k, (c, _)) in net.sources_of(p).enumerate() {
        inputs.pieces += &shaders::fill(CurrentSourceModel::WGSL, &[("k", &k.to_string())])?;
        // A source's magnitude is set between runs, never within a block.
        inputs.load_inputs +=
            &format!("            let magnitude_q_{k} = current_source_{k}(q);\n");
        inputs.add_inputs += &format!("                isyn = isyn + magnitude_q_{k};\n");
        kernel
            .bindings
            .push((format!("magnitude_{k}"), BufferId::Magnitude(c)));
    }
    Ok(inputs)
}
