//! The neuron model's part of a population's neuron update (`shaders/neuron_update.wgsl`):
//! a built-in model's WGSL piece with its `V` and `RefracTime`, or a model written as
//! code strings, whose step function (`model::code`) runs for each neuron of a quad with
//! the model's own variables.

use crate::gpu::plan::BufferId;
use crate::model::code::CompiledNeuron;
use crate::model::{BuiltNetwork, NeuronConstants, PopulationModel};

/// Where the step function goes in the finished kernel: put in after the template is
/// finished, so nothing in users' code is read as a placeholder.
pub(crate) const STEP_FUNCTION_MARKER: &str = "// kenyon: the model's step function\n";

/// The neuron model's placeholders of the neuron update, its bindings and constants.
pub(crate) struct ModelPiece {
    /// `(placeholder, text)` pairs.
    pub values: Vec<(&'static str, String)>,
    pub bindings: Vec<(String, BufferId)>,
    pub constants: Vec<(String, f64)>,
    /// The step function, for [`STEP_FUNCTION_MARKER`].
    pub step_function: Option<String>,
}

/// The model piece of population `p` of `net`.
pub(crate) fn model_piece(net: &BuiltNetwork, p: usize) -> ModelPiece {
    match &net.populations[p].model {
        PopulationModel::Builtin(neuron) => builtin(neuron, p),
        PopulationModel::Code(code) => {
            // Each code postsynaptic model's group, as the kernel numbers its inputs.
            let incoming: Vec<usize> = net.incoming(p).map(|(g, _)| g).collect();
            let inputs: Vec<usize> = code
                .postsynaptic_groups
                .iter()
                .filter_map(|g| incoming.iter().position(|i| i == g))
                .collect();
            code_strings(code, p, &inputs)
        }
    }
}

fn builtin(neuron: &NeuronConstants, p: usize) -> ModelPiece {
    let values = [
        ("neuron_model", neuron.wgsl()),
        (
            "state_bindings",
            "@group(0) @binding({{binding}}) var<storage, read_write> v: array<vec4<f32>>;\n\
             @group(0) @binding({{binding}}) var<storage, read_write> refrac_time: array<vec4<f32>>;",
        ),
        (
            "load_state",
            "            var v_q = v[q];\n            var refrac_time_q = refrac_time[q];",
        ),
        (
            "update",
            "                let spiked = neuron_model(&v_q, &refrac_time_q, isyn);",
        ),
        (
            "store_state",
            "            v[q] = v_q;\n            refrac_time[q] = refrac_time_q;",
        ),
    ];
    ModelPiece {
        values: values.map(|(k, v)| (k, v.to_owned())).to_vec(),
        bindings: vec![
            ("v".to_owned(), BufferId::V(p)),
            ("refrac_time".to_owned(), BufferId::RefracTime(p)),
        ],
        constants: neuron
            .wgsl_constants()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), f64::from(value)))
            .collect(),
        step_function: None,
    }
}

/// `inputs`: the kernel's numbers (`k`) of the incoming groups whose postsynaptic models
/// are code strings, in the order the step function takes them.
fn code_strings(code: &CompiledNeuron, p: usize, inputs: &[usize]) -> ModelPiece {
    let mut bindings = String::new();
    let (mut load, mut store) = (String::new(), String::new());
    let (mut lane_in, mut lane_out, mut args) = (String::new(), String::new(), String::new());
    for (i, var) in code.vars.iter().enumerate() {
        let ty = var.ty.wgsl();
        bindings += &format!(
            "@group(0) @binding({{{{binding}}}}) var<storage, read_write> kenyon_state_{i}: array<vec4<{ty}>>;\n"
        );
        load += &format!("            var kenyon_state_{i}_q = kenyon_state_{i}[q];\n");
        store += &format!("            kenyon_state_{i}[q] = kenyon_state_{i}_q;\n");
        lane_in += &format!("                    var kenyon_s{i} = kenyon_state_{i}_q.{{lane}};\n");
        lane_out += &format!("                    kenyon_state_{i}_q.{{lane}} = kenyon_s{i};\n");
        args += &format!("&kenyon_s{i}, ");
    }
    // Extra global parameters: read-only arrays, read through a function of their name
    // that gives 0 past the end, as the CPU's native does.
    let mut egp_functions = String::new();
    for (k, (name, values)) in code.extra_global_params.iter().enumerate() {
        bindings += &format!(
            "@group(0) @binding({{{{binding}}}}) var<storage, read> kenyon_egp_{k}: array<f32>;\n"
        );
        let (len, last) = (values.len(), values.len().max(1) - 1);
        egp_functions += &format!(
            "fn {name}(i: u32) -> f32 {{\n    return select(0.0, kenyon_egp_{k}[min(i, {last}u)], i < {len}u);\n}}\n\n"
        );
    }
    // Each code postsynaptic model's inSyn goes through a local too, with its input.
    for k in inputs {
        lane_in += &format!("                    var kenyon_in_syn{k} = in_syn_q_{k}.{{lane}};\n");
        lane_out += &format!("                    in_syn_q_{k}.{{lane}} = kenyon_in_syn{k};\n");
        args += &format!("&kenyon_in_syn{k}, kenyon_input_q_{k}.{{lane}}, ");
    }
    let update = update(code, &lane_in, &lane_out, &args);
    let prelude = prelude(code, &egp_functions);
    ModelPiece {
        values: vec![
            ("neuron_model", prelude),
            ("state_bindings", bindings.trim_end().to_owned()),
            ("load_state", load.trim_end().to_owned()),
            ("update", update),
            ("store_state", store.trim_end().to_owned()),
        ],
        bindings: (0..code.vars.len())
            .map(|i| (format!("kenyon_state_{i}"), BufferId::Var(p, i)))
            .chain(
                (0..code.extra_global_params.len())
                    .map(|k| (format!("kenyon_egp_{k}"), BufferId::ExtraGlobalParam(p, k))),
            )
            .collect(),
        constants: vec![("KENYON_DT".to_owned(), f64::from(code.dt))],
        step_function: Some(code.gpu_function.clone()),
    }
}

/// The update of a quad in timestep `j` of the block: each of its neurons given the
/// lanes' locals (`lane_in`, `lane_out`, with `{lane}` for the component) and the step
/// function's arguments (`args`).
fn update(code: &CompiledNeuron, lane_in: &str, lane_out: &str, args: &str) -> String {
    // Every timestep, each additional input variable starts at its value.
    let input_starts: String = code
        .additional_inputs
        .iter()
        .enumerate()
        .map(|(k, (_, x))| {
            format!(
                "                    kenyon_input_acc[{k}] = bitcast<f32>({:#010x}u);\n",
                x.to_bits()
            )
        })
        .collect();
    // The quad's four neurons one after the other, each with a constant component
    // (a software adapter spills a vector indexed at run time to memory); WGSL has no
    // pointer to a component, so each goes through a local. Padding neurons past N run
    // no code, as on the CPU, which has none: a loop written for real states could
    // otherwise run on forever in a padding neuron's zeros.
    let mut update = String::from(
        "                let kenyon_timestep = params.stamp - 1u + j;
                let kenyon_t = product(f32(kenyon_timestep), KENYON_DT);
                var spiked = vec4(false);
",
    );
    for (l, lane) in ["x", "y", "z", "w"].into_iter().enumerate() {
        update += &format!(
            "                if word * 32u + m * 4u + {l}u < N {{
{}                    kenyon_rng = vec3(word * 32u + m * 4u + {l}u, entry, kenyon_timestep);
                    kenyon_draw = 0u;
                    kenyon_isyn_acc = isyn.{lane};
                    kenyon_target = 0u;
{input_starts}
                    spiked.{lane} = kenyon_neuron_step({args}kenyon_t, word * 32u + m * 4u + {l}u, entry);
{}                }}
",
            lane_in.replace("{lane}", lane),
            lane_out.replace("{lane}", lane),
            args = args.replace("{lane}", lane),
            input_starts = input_starts,
        );
    }
    update
}

/// The WGSL the step function needs before it: the random draws from Philox, the
/// opaque float constants, the input accumulators behind `injectCurrent`, `Isyn` and the
/// additional input variables, and the extra global parameters' functions.
fn prelude(code: &CompiledNeuron, egp_functions: &str) -> String {
    format!(
        "{{{{shared/philox}}}}
{{{{shared/random_distributions}}}}
override KENYON_DT: f32;
// The counter of this neuron's draws in this timestep: (neuron, batch entry, timestep)
// and the draw's number (model::code::rng).
var<private> kenyon_rng: vec3<u32>;
var<private> kenyon_draw: u32;
const KENYON_KEY = vec2<u32>({}u, {}u);

// A float constant of the model's code, hidden from the shader compiler so that it can't
// reassociate arithmetic around it (model::code::opaque).
fn kenyon_f32(bits: u32) -> f32 {{
    return bitcast<f32>(bits | params.zero);
}}

// The neuron's input in this timestep: its built-in inputs, then what code
// postsynaptic models inject (NativeFn::InjectCurrent and NativeFn::Isyn on the CPU).
var<private> kenyon_isyn_acc: f32;
// The model's additional input variables, and where injectCurrent adds: 0 for Isyn, k + 1
// for input k (NativeFn::InjectTarget and NativeFn::Input on the CPU).
var<private> kenyon_input_acc: array<f32, {inputs_len}>;
var<private> kenyon_target: u32;

fn injectCurrent(x: f32) {{
    if kenyon_target == 0u {{
        kenyon_isyn_acc = kenyon_isyn_acc + x;
    }} else {{
        kenyon_input_acc[kenyon_target - 1u] = kenyon_input_acc[kenyon_target - 1u] + x;
    }}
}}

fn kenyon_isyn() -> f32 {{
    return kenyon_isyn_acc;
}}

fn kenyon_inject_target(k: u32) {{
    kenyon_target = k;
}}

fn kenyon_input(k: u32) -> f32 {{
    return kenyon_input_acc[k];
}}

{egp_functions}// Each draw takes a Philox block of its own, as on the CPU (NativeFn::draw).
fn kenyon_next_block() -> vec4<u32> {{
    let block = philox4x32_10(vec4(kenyon_rng, kenyon_draw), KENYON_KEY);
    kenyon_draw += 1u;
    return block;
}}

fn rand_uniform() -> f32 {{
    return uniform_f32(kenyon_next_block().x);
}}

fn rand_normal() -> f32 {{
    let block = kenyon_next_block();
    return normal_f32(block.x, block.y);
}}

fn rand_exponential() -> f32 {{
    return exponential_f32(kenyon_next_block().x);
}}

{STEP_FUNCTION_MARKER}",
        code.key[0],
        code.key[1],
        inputs_len = code.additional_inputs.len().max(1),
    )
}
