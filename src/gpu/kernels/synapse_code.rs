//! The synapse-code kernels of a group whose weight-update model is written as code
//! strings: on presynaptic spikes (`shaders/pre_spike_syn.wgsl`) and on postsynaptic ones
//! (`shaders/post_spike_syn.wgsl`). Both run the model's synapse function
//! (`model::code::synapse`) for one synapse at a time through `kenyon_synapse`, which this
//! module writes: it loads the synapse's variables into locals, passes its neurons'
//! variables and latest spike times, and stores back what the function may change.

use super::propagate_spikes::{SynapseUpdatePlan, SynapseUpdateStrategy};
use super::{KernelSpec, Shape, bindings, constants};
use crate::gpu::plan::{AccumulatorLayout, BufferId, padded};
use crate::gpu::shaders::{self, TemplateError};
use crate::model::code::{
    CompiledWeightUpdate, POST_SPIKE_SYN_FN, PRE_SPIKE_SYN_FN, Var, VarAccess,
};
use crate::model::{BuiltNetwork, NEVER_SPIKED, PopulationModel};
use crate::sim::words_per_step;

/// Where the synapse function goes in the finished kernel: put in after the template is
/// finished, so nothing in users' code is read as a placeholder.
const SYNAPSE_FUNCTION_MARKER: &str = "// kenyon: the model's synapse function\n";

/// Threads of a postsynaptic synapse-code workgroup (post_spike_syn.wgsl declares the
/// same).
pub(crate) const POST_WORKGROUP: u32 = 64;

/// A mistake of kenyon's own in assembling a synapse-code kernel.
#[derive(Debug)]
pub(crate) enum PieceError {
    Template(TemplateError),
    /// A side's variable the population doesn't hold.
    MissingVar(String),
}

impl From<TemplateError> for PieceError {
    fn from(e: TemplateError) -> Self {
        PieceError::Template(e)
    }
}

impl std::fmt::Display for PieceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PieceError::Template(e) => e.fmt(f),
            PieceError::MissingVar(v) => write!(f, "no population variable '{v}'"),
        }
    }
}

/// What both kernels of a group share: `{{synapse}}` (bindings, spike times and
/// `kenyon_synapse`) and `{{add_to_post}}`, with their bindings and constants.
struct SynapsePiece {
    wgsl: String,
    bindings: Vec<(String, BufferId)>,
    constants: Vec<(String, f64)>,
    block_steps: String,
}

/// The code model of group `g` (only called for groups that have one).
fn code_of(net: &BuiltNetwork, g: usize) -> &CompiledWeightUpdate {
    match &net.synapse_groups[g].code {
        Some(code) => code,
        None => unreachable!("synapse-code kernels are planned for code groups only"),
    }
}

/// The buffer of the variable of population `p` that holds side variable `var` of
/// group `group`.
fn side_buffer(
    net: &BuiltNetwork,
    p: usize,
    group: &str,
    var: &Var,
) -> Result<BufferId, PieceError> {
    let name = format!("{group}.{}", var.name);
    match &net.populations[p].model {
        PopulationModel::Code(code) => code.var_index(&name).map(|i| BufferId::Var(p, i)),
        PopulationModel::Builtin(_) => None,
    }
    .ok_or(PieceError::MissingVar(name))
}

/// The piece of group `g` calling synapse function `function`.
fn piece(
    net: &BuiltNetwork,
    g: usize,
    function: &str,
    shape: Shape,
) -> Result<SynapsePiece, PieceError> {
    let s = &net.synapse_groups[g];
    let code = code_of(net, g);
    let mut wgsl = String::new();
    let mut binds = Vec::new();
    let (mut load, mut args, mut store) = (String::new(), String::new(), String::new());
    for (i, v) in code.vars.iter().enumerate() {
        let (access, writes) = match v.access {
            VarAccess::ReadWrite => ("read_write", true),
            VarAccess::ReadOnly => ("read", false),
        };
        wgsl += &format!(
            "@group(0) @binding({{{{binding}}}}) var<storage, {access}> kenyon_syn_var_{i}: array<{}>;\n",
            v.ty.wgsl()
        );
        binds.push((format!("kenyon_syn_var_{i}"), BufferId::SynapseVar(g, i)));
        load += &format!("    var kenyon_v{i} = kenyon_syn_var_{i}[j];\n");
        args += &format!("&kenyon_v{i}, ");
        if writes {
            store += &format!("    kenyon_syn_var_{i}[j] = kenyon_v{i};\n");
        }
    }
    // The neurons' variables, read-only: an entry's neurons lie padded(size) apart.
    for (side, p, vars) in [
        ("pre", s.pre, &code.pre_vars),
        ("post", s.post, &code.post_vars),
    ] {
        let stride = padded(net.populations[p].size);
        for (i, v) in vars.iter().enumerate() {
            let name = format!("kenyon_{side}_var_{i}");
            wgsl += &format!(
                "@group(0) @binding({{{{binding}}}}) var<storage, read> {name}: array<{}>;\n",
                v.ty.wgsl()
            );
            binds.push((name.clone(), side_buffer(net, p, &s.name, v)?));
            args += &format!("{name}[entry * {stride}u + {side}], ");
        }
    }
    let st_pre = super::learning::st_pre(net, g);
    wgsl += &spike_times(s.is_plastic(), st_pre, s.post, &mut binds);
    wgsl += &format!(
        "
// Runs the synapse function for synapse j (row order) of neuron `pre` onto `post`.
fn kenyon_synapse(entry: u32, pre: u32, post: u32, j: u32) {{
    kenyon_add_at = accumulator_index(0u, entry, post);
    kenyon_added = 0.0;
{load}    {function}({args}params.time, pre, post, kenyon_st_pre(pre), kenyon_st_post(post));
{store}}}

{SYNAPSE_FUNCTION_MARKER}"
    );
    binds.push(("in_syn_acc".to_owned(), BufferId::InSynAcc(g)));
    binds.push(("overflow".to_owned(), BufferId::AddToPostOverflow(g)));
    Ok(SynapsePiece {
        wgsl,
        bindings: binds,
        constants: piece_constants(net, g, code, shape),
        block_steps: shape.block_steps.to_string(),
    })
}

/// The constants of add_to_post.wgsl and of the accumulator both kernels share.
fn piece_constants(
    net: &BuiltNetwork,
    g: usize,
    code: &CompiledWeightUpdate,
    shape: Shape,
) -> Vec<(String, f64)> {
    let s = &net.synapse_groups[g];
    // f32::MAX bounds every finite input where the bound itself is beyond f32.
    let max_add = (code.max_add_to_post as f32).min(f32::MAX);
    let post = net.populations[s.post].size;
    let mut consts = constants([
        ("SCALE", 1.0 / f64::from(s.weight.inv_scale)),
        ("MAX_ADD", f64::from(max_add)),
        ("ACC_STRIDE", f64::from(padded(post))),
        ("BATCH", f64::from(shape.batch)),
    ]);
    let layout = AccumulatorLayout::new(post, shape.batch, shape.block_steps);
    consts.extend(constants(layout.wgsl_constants()));
    consts
}

/// The kernel `template` of group `g` with `piece`, its own `values`, bindings and
/// constants, and the synapse function `function` spliced in last.
fn finish_kernel(
    template: &str,
    piece: SynapsePiece,
    values: &[(&str, &str)],
    mut kernel: KernelSpec,
    function: &str,
) -> Result<KernelSpec, PieceError> {
    // Networks with code groups are never feed-forward: blocks are one timestep, and
    // the kernels use slot 0.
    let mut all = vec![
        ("add_to_post", shaders::ADD_TO_POST),
        ("synapse", &piece.wgsl),
        ("block_steps", &piece.block_steps),
    ];
    all.extend_from_slice(values);
    let source = shaders::finish(template, &all)?;
    // Users' code goes in last, where no placeholder is looked for.
    kernel.source = source.replacen(SYNAPSE_FUNCTION_MARKER, function, 1);
    kernel.bindings.extend(piece.bindings);
    kernel.constants.extend(piece.constants);
    Ok(kernel)
}

/// The kernel running code group `g`'s synapse function on presynaptic spikes, its work
/// shared as `plan` says (propagate_spikes.wgsl's plan), dispatched with `workgroups`
/// along x; `None` if the model has no such code.
pub(crate) fn pre_spike_syn(
    net: &BuiltNetwork,
    g: usize,
    shape: Shape,
    plan: SynapseUpdatePlan,
    workgroups: u32,
) -> Result<Option<KernelSpec>, PieceError> {
    let Some(function) = &code_of(net, g).pre_spike_syn else {
        return Ok(None);
    };
    let s = &net.synapse_groups[g];
    let piece = piece(net, g, PRE_SPIKE_SYN_FN, shape)?;
    let share = plan.strategy == SynapseUpdateStrategy::SharedRows;
    let kernel = KernelSpec {
        label: format!("pre_spike_syn[{}]", s.name),
        source: String::new(),
        constants: constants([
            ("SHARE_ROWS", if share { 1.0 } else { 0.0 }),
            (
                "WORDS_PRE",
                f64::from(words_per_step(net.populations[s.pre].size) as u32),
            ),
            // Validation leaves code groups an axonal delay only: one class.
            ("AXONAL_DELAY", f64::from(s.delays.min_steps)),
            ("SPIKE_SLOTS", f64::from(shape.spike_slots(net, s.pre))),
        ]),
        bindings: bindings(&[
            ("params", BufferId::StepParams),
            ("pre_spikes", BufferId::Spikes(s.pre)),
            ("row_start", BufferId::RowStart(g)),
            ("targets", BufferId::Targets(g)),
        ]),
        workgroups,
        threads: plan.threads,
    };
    let threads = plan.threads.to_string();
    let values = [("row_threads", threads.as_str())];
    finish_kernel(
        shaders::PRE_SPIKE_SYN,
        piece,
        &values,
        kernel,
        &function.gpu_function,
    )
    .map(Some)
}

/// The kernel running plastic code group `g`'s synapse function on postsynaptic spikes,
/// dispatched with `workgroups` along x; `None` if the model has no such code.
pub(crate) fn post_spike_syn(
    net: &BuiltNetwork,
    g: usize,
    shape: Shape,
    workgroups: u32,
) -> Result<Option<KernelSpec>, PieceError> {
    let Some(function) = &code_of(net, g).post_spike_syn else {
        return Ok(None);
    };
    let s = &net.synapse_groups[g];
    let piece = piece(net, g, POST_SPIKE_SYN_FN, shape)?;
    let words_post = words_per_step(net.populations[s.post].size) as u32;
    let kernel = KernelSpec {
        label: format!("post_spike_syn[{}]", s.name),
        source: String::new(),
        constants: constants([
            ("WORDS_POST", words_post),
            ("SPIKE_SLOTS", shape.spike_slots(net, s.post)),
        ]),
        bindings: bindings(&[
            ("params", BufferId::StepParams),
            ("post_spikes", BufferId::Spikes(s.post)),
            ("column_start", BufferId::ColumnStart(g)),
            ("column_synapses", BufferId::ColumnSynapses(g)),
            ("pre_of", BufferId::PreOf(g)),
        ]),
        workgroups,
        threads: POST_WORKGROUP,
    };
    finish_kernel(
        shaders::POST_SPIKE_SYN,
        piece,
        &[],
        kernel,
        &function.gpu_function,
    )
    .map(Some)
}

/// The most loop iterations one thread of post_spike_syn.wgsl runs in a timestep of
/// `workgroups` workgroups, whatever spikes (not counting the model's own loops): every
/// word, one per spike in them, and each spike's share of its column.
pub(crate) fn post_loop_iterations(words_post: u32, longest: u32, workgroups: u32) -> u64 {
    let threads = u64::from(workgroups.max(1)) * u64::from(POST_WORKGROUP);
    let words = u64::from(words_post);
    words + words * 32 * (1 + u64::from(longest).div_ceil(threads))
}

/// The latest spike times of the neurons: a plastic group's populations track them
/// (spike_times.wgsl; `st_pre`, a delayed group's own arrivals); a static group's never
/// spiked, as far as its code can tell.
fn spike_times(
    plastic: bool,
    st_pre: BufferId,
    post: usize,
    binds: &mut Vec<(String, BufferId)>,
) -> String {
    if !plastic {
        let never = NEVER_SPIKED.to_bits();
        return format!(
            "fn kenyon_st_pre(i: u32) -> f32 {{\n    return bitcast<f32>({never}u);\n}}\n\
             fn kenyon_st_post(i: u32) -> f32 {{\n    return bitcast<f32>({never}u);\n}}\n"
        );
    }
    binds.push(("last_spike_pre".to_owned(), st_pre));
    binds.push(("last_spike_post".to_owned(), BufferId::LastSpike(post)));
    "@group(0) @binding({{binding}}) var<storage, read> last_spike_pre: array<f32>;
@group(0) @binding({{binding}}) var<storage, read> last_spike_post: array<f32>;
fn kenyon_st_pre(i: u32) -> f32 {
    return last_spike_pre[i];
}
fn kenyon_st_post(i: u32) -> f32 {
    return last_spike_post[i];
}
"
    .to_owned()
}
