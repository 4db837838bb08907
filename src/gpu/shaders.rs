//! WGSL sources in `shaders/`, and the assembly of per-population kernels from per-model
//! pieces (the way GeNN generates code from model snippets). Every assembled kernel is
//! validated by naga in the tests below.

use super::NeuronUpdateLayout;
use crate::model::NeuronConstants;

const STEP_PARAMS: &str = include_str!("../../shaders/step_params.wgsl");
const PROPAGATE_SPIKES: &str = include_str!("../../shaders/propagate_spikes.wgsl");
const NEURON_UPDATE: &str = include_str!("../../shaders/neuron_update.wgsl");
const LIF: &str = include_str!("../../shaders/lif.wgsl");
const IF: &str = include_str!("../../shaders/if.wgsl");
const FIXED_POINT: &str = include_str!("../../shaders/fixed_point.wgsl");
const EXP_CURR: &str = include_str!("../../shaders/exp_curr.wgsl");
const CURRENT_SOURCE: &str = include_str!("../../shaders/current_source.wgsl");
const GATHER_WORD: &str = include_str!("../../shaders/gather_word.wgsl");
const STDP: &str = include_str!("../../shaders/stdp.wgsl");
const SPIKE_TIMES: &str = include_str!("../../shaders/spike_times.wgsl");
const LEARN_PRE: &str = include_str!("../../shaders/learn_pre.wgsl");
const LEARN_POST: &str = include_str!("../../shaders/learn_post.wgsl");

/// Replaces `//!include NAME` lines with the named snippet.
fn resolve_includes(source: &str) -> String {
    source
        .lines()
        .map(|line| match line.trim().strip_prefix("//!include ") {
            Some("step_params.wgsl") => STEP_PARAMS.to_owned(),
            Some("fixed_point.wgsl") => FIXED_POINT.to_owned(),
            Some("stdp.wgsl") => STDP.to_owned(),
            Some(other) => panic!("unknown WGSL include {other}"), // a bug in shaders/, caught by tests
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The synapse update kernel, for one constant weight or per-synapse weights, with
/// `threads` threads per workgroup.
pub fn propagate_spikes(per_synapse_weights: bool, threads: u32) -> String {
    let (binding, weight) = if per_synapse_weights {
        (
            "@group(0) @binding(5) var<storage, read> g: array<f32>;\noverride SCALE: f32;",
            // g * 2^k is exact; round() breaks ties to even, as cpu::Weights does.
            "i32(round(g[j] * SCALE))",
        )
    } else {
        ("override WEIGHT: i32;", "WEIGHT")
    };
    resolve_includes(PROPAGATE_SPIKES)
        .replace("//!weight_binding", binding)
        .replace("WEIGHT_OF_SYNAPSE_J", weight)
        .replace("{row_threads}", &threads.to_string())
}

/// The kernel recording each neuron's latest spike time.
pub fn spike_times() -> String {
    resolve_includes(SPIKE_TIMES)
}

/// STDP on presynaptic spikes.
pub fn learn_pre() -> String {
    resolve_includes(LEARN_PRE)
}

/// STDP on postsynaptic spikes.
pub fn learn_post() -> String {
    resolve_includes(LEARN_POST)
}

/// Binding numbers of a neuron-update kernel's buffers, in the order they are bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeuronKernelLayout {
    /// `Some(binding)` when the population records spikes.
    pub recording: Option<u32>,
    /// (in_syn, in_syn_acc) bindings per incoming synapse group.
    pub exp_curr: Vec<(u32, u32)>,
    /// magnitude binding per current source.
    pub current_sources: Vec<u32>,
}

impl NeuronKernelLayout {
    pub fn new(record: bool, n_exp_curr: usize, n_current_sources: usize) -> Self {
        let mut next = 4u32;
        let mut take = || {
            next += 1;
            next - 1
        };
        let recording = record.then(&mut take);
        let exp_curr = (0..n_exp_curr).map(|_| (take(), take())).collect();
        let current_sources = (0..n_current_sources).map(|_| take()).collect();
        NeuronKernelLayout {
            recording,
            exp_curr,
            current_sources,
        }
    }

    /// Number of storage buffers the kernel binds.
    pub fn storage_buffers(&self) -> u32 {
        3 + u32::from(self.recording.is_some())
            + 2 * self.exp_curr.len() as u32
            + self.current_sources.len() as u32
    }
}

/// The neuron update kernel of a population of `neuron`'s model with the given inputs,
/// covering up to `block_steps` timesteps per dispatch. Inputs are summed in the order
/// the CPU twin sums them: synapse groups, then current sources.
pub fn neuron_update(
    layout: &NeuronKernelLayout,
    neuron: &NeuronConstants,
    spread: NeuronUpdateLayout,
    block_steps: u32,
) -> String {
    let model = match neuron {
        NeuronConstants::Lif(_) => LIF,
        NeuronConstants::If(_) => IF,
    };
    let mut pieces = String::new();
    let mut block_inputs = String::new();
    let mut load_inputs = String::new();
    let mut inputs = String::new();
    let mut store_inputs = String::new();
    for (k, &(in_syn, acc)) in layout.exp_curr.iter().enumerate() {
        pieces += &EXP_CURR
            .replace("{k}", &k.to_string())
            .replace("{in_syn_binding}", &in_syn.to_string())
            .replace("{acc_binding}", &acc.to_string());
        block_inputs += &format!("    let inputs_{k} = inputs_of_block_{k}(batch);\n");
        load_inputs += &format!("            var in_syn_q_{k} = in_syn_{k}[q];\n");
        inputs += &format!(
            "                isyn = isyn + exp_curr_{k}(q, j, &in_syn_q_{k}, inputs_{k});\n"
        );
        store_inputs += &format!("            in_syn_{k}[q] = in_syn_q_{k};\n");
    }
    for (k, &binding) in layout.current_sources.iter().enumerate() {
        pieces += &CURRENT_SOURCE
            .replace("{k}", &k.to_string())
            .replace("{binding}", &binding.to_string());
        // A source's magnitude is set between runs, never within a block.
        load_inputs += &format!("            let magnitude_q_{k} = current_source_{k}(q);\n");
        inputs += &format!("                isyn = isyn + magnitude_q_{k};\n");
    }
    let (recording_binding, record) = match layout.recording {
        Some(b) => (
            format!("@group(0) @binding({b}) var<storage, read_write> recording: array<u32>;"),
            "            recording[((params.record_slot + j) * BATCH + batch) * WORDS + word] = word_bits;"
                .to_owned(),
        ),
        None => (String::new(), String::new()),
    };
    // Workgroup memory (and its barrier) only where invocations share a word.
    let (gather_piece, gather) = match spread {
        NeuronUpdateLayout::InvocationPerWord => ("", ""),
        NeuronUpdateLayout::InvocationPerQuad => (
            GATHER_WORD,
            "        word_bits = gather_word(lid, j, word_bits);",
        ),
    };
    resolve_includes(NEURON_UPDATE)
        .replace("{block_steps}", &block_steps.to_string())
        .replace("//!neuron_model", model)
        .replace("//!gather_word_piece", gather_piece)
        .replace("//!gather_word", gather)
        .replace("//!recording_binding", &recording_binding)
        .replace("//!pieces", &pieces)
        .replace("//!block_inputs", block_inputs.trim_end())
        .replace("//!load_inputs", load_inputs.trim_end())
        .replace("//!inputs", inputs.trim_end())
        .replace("//!store_inputs", store_inputs.trim_end())
        .replace("//!record", &record)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Validates `source` with naga, and checks that no float product in it can be fused
    /// into an add (see `product` in step_params.wgsl).
    fn validate(source: &str) {
        let fusable = fusable_products_in(source);
        assert!(
            fusable.is_empty(),
            "float products a driver may fuse into an add (use product/product4): {fusable:?}\n{source}"
        );
    }

    /// Validates `source` with naga (panicking with its message if invalid) and lists
    /// the fusable products of every function and entry point in it.
    fn fusable_products_in(source: &str) -> Vec<String> {
        let module = naga::front::wgsl::parse_str(source)
            .unwrap_or_else(|e| panic!("{}\n{source}", e.emit_to_string(source)));
        let info = naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{}\n{source}", e.emit_to_string(source)));
        let mut fusable = Vec::new();
        for (handle, function) in module.functions.iter() {
            fusable.extend(fusable_products(&module, function, &info[handle]));
        }
        for (i, entry) in module.entry_points.iter().enumerate() {
            fusable.extend(fusable_products(
                &module,
                &entry.function,
                info.get_entry_point(i),
            ));
        }
        fusable
    }

    /// Float multiplies of `function` whose result can reach an add or subtract, where a
    /// SPIR-V driver may fuse the two into one rounding. A product taints what is built
    /// from it without rounding in between (negation, splats, vectors, swizzles, element
    /// access, `select`, scaling by a power of two); a tainted value must not be added,
    /// subtracted, returned, passed to a function or stored anywhere but a storage
    /// buffer. Products by a power of two are exact either way, and a bitcast ends the
    /// taint: that is how `product`/`product4` round.
    fn fusable_products(
        module: &naga::Module,
        function: &naga::Function,
        info: &naga::valid::FunctionInfo,
    ) -> Vec<String> {
        use naga::{BinaryOperator as Op, Expression as E, Statement as S};
        let exprs = &function.expressions;
        let is_float = |h: naga::Handle<E>| {
            info[h].ty.inner_with(&module.types).scalar_kind() == Some(naga::ScalarKind::Float)
        };
        let power_of_two = |h: naga::Handle<E>| {
            let literal = match exprs[h] {
                E::Splat { value, .. } => &exprs[value],
                ref e => e,
            };
            matches!(literal, E::Literal(naga::Literal::F32(x)) if x.abs().log2().fract() == 0.0)
        };
        let name = function.name.as_deref().unwrap_or("?");
        let mut found = Vec::new();
        // Operands come before the expressions that use them, so one pass in order works.
        let mut tainted = vec![false; exprs.len()];
        for (h, e) in exprs.iter() {
            let t = |x: naga::Handle<E>| tainted[x.index()];
            tainted[h.index()] = match *e {
                E::Binary {
                    op: Op::Multiply,
                    left,
                    right,
                } if is_float(h) => {
                    let exact = power_of_two(left) || power_of_two(right);
                    !exact || t(left) || t(right)
                }
                E::Binary {
                    op: Op::Add | Op::Subtract,
                    left,
                    right,
                } => {
                    if t(left) || t(right) {
                        found.push(format!("{name}: an add or subtract of a product ({h:?})"));
                    }
                    false
                }
                E::Unary { expr, .. } | E::Splat { value: expr, .. } => t(expr),
                E::Swizzle { vector, .. } => t(vector),
                E::Access { base, .. } | E::AccessIndex { base, .. } => t(base),
                E::Compose { ref components, .. } => components.iter().any(|&c| t(c)),
                E::Select { accept, reject, .. } => t(accept) || t(reject),
                _ => false,
            };
        }
        if name == "product" || name == "product4" {
            return found;
        }
        let tainted = |h: naga::Handle<E>| tainted[h.index()];
        // Where a pointer points: only storage buffers are out of the compiler's reach.
        let into_storage = |mut p: naga::Handle<E>| loop {
            match exprs[p] {
                E::Access { base, .. } | E::AccessIndex { base, .. } => p = base,
                E::GlobalVariable(g) => {
                    break module.global_variables[g].space
                        == naga::AddressSpace::Storage {
                            access: naga::StorageAccess::LOAD | naga::StorageAccess::STORE,
                        };
                }
                _ => break false,
            }
        };
        fn walk(block: &naga::Block, visit: &mut dyn FnMut(&S)) {
            for statement in block.iter() {
                visit(statement);
                match statement {
                    S::Block(b) => walk(b, visit),
                    S::If { accept, reject, .. } => {
                        walk(accept, visit);
                        walk(reject, visit);
                    }
                    S::Loop {
                        body, continuing, ..
                    } => {
                        walk(body, visit);
                        walk(continuing, visit);
                    }
                    S::Switch { cases, .. } => cases.iter().for_each(|c| walk(&c.body, visit)),
                    _ => {}
                }
            }
        }
        walk(&function.body, &mut |statement| match statement {
            S::Return { value: Some(v) } if tainted(*v) => {
                found.push(format!("{name}: returns a product"));
            }
            S::Call { arguments, .. } if arguments.iter().any(|&a| tainted(a)) => {
                found.push(format!("{name}: passes a product to a function"));
            }
            S::Store { pointer, value } if tainted(*value) && !into_storage(*pointer) => {
                found.push(format!("{name}: keeps a product in a variable"));
            }
            _ => {}
        });
        found
    }

    #[test]
    fn the_fusion_check_finds_products_that_reach_an_add() {
        let kernel = |body: &str| {
            format!(
                "{}\n@group(0) @binding(1) var<storage, read_write> x: array<f32>;\n\
                 var<private> p: f32;\n\
                 fn f(a: f32) -> f32 {{ return a + x[1]; }}\n\
                 @compute @workgroup_size(1) fn main() {{ {body} }}",
                resolve_includes("//!include step_params.wgsl")
            )
        };
        let ok = |body: &str| fusable_products_in(&kernel(body)).is_empty();
        assert!(!ok("x[0] = x[1] * x[2] + x[3];"));
        assert!(!ok("x[0] = x[3] - x[1] * x[2];"));
        assert!(!ok("var p = x[1] * x[2]; x[0] = p + x[3];"));
        assert!(!ok("x[0] = f(x[1] * x[2]);"));
        assert!(!ok("x[0] = select(x[1] * x[2], x[3], x[4] > 0.0) + x[5];"));
        assert!(!ok("x[0] = -(x[1] * x[2]) + x[3];"));
        assert!(!ok("x[0] = (vec2(x[1], x[2]) * x[3]).y + x[4];"));
        assert!(!ok("x[0] = vec4(x[1] * x[2]).x + x[3];"));
        assert!(!ok("x[0] = x[1] * x[2] * 1.0 + x[3];"));
        assert!(!ok(
            "var v = vec2(0.0); v.x = x[1] * x[2]; x[0] = v.x + x[3];"
        ));
        assert!(!ok("p = x[1] * x[2]; x[0] = p + x[3];"));
        assert!(ok("x[0] = product(x[1], x[2]) + x[3];"));
        assert!(ok("x[0] = x[1] * 4096.0 + x[3];"));
        assert!(ok("x[0] = x[1] * x[2];"));
        assert!(ok("x[0] = (x[1] + x[2]) * x[3];"));
    }

    #[test]
    fn learning_kernels_validate() {
        validate(&spike_times());
        validate(&learn_pre());
        validate(&learn_post());
    }

    #[test]
    fn propagate_spikes_validates() {
        for threads in [16, 64] {
            validate(&propagate_spikes(false, threads));
            validate(&propagate_spikes(true, threads));
        }
    }

    #[test]
    fn neuron_update_validates_for_every_combination_of_pieces() {
        let models = [
            NeuronConstants::Lif(crate::model::LifParams::TUTORIAL.derive(0.1)),
            NeuronConstants::If(crate::model::IfConstants { v_thresh: 200.0 }),
        ];
        for model in &models {
            for record in [false, true] {
                for n_exp in 0..3 {
                    for n_cs in 0..3 {
                        let layout = NeuronKernelLayout::new(record, n_exp, n_cs);
                        for spread in [
                            NeuronUpdateLayout::InvocationPerWord,
                            NeuronUpdateLayout::InvocationPerQuad,
                        ] {
                            for block_steps in [1, 10] {
                                validate(&neuron_update(&layout, model, spread, block_steps));
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn bindings_are_numbered_densely() {
        let l = NeuronKernelLayout::new(true, 2, 1);
        assert_eq!(l.recording, Some(4));
        assert_eq!(l.exp_curr, vec![(5, 6), (7, 8)]);
        assert_eq!(l.current_sources, vec![9]);
        assert_eq!(l.storage_buffers(), 9);
    }
}
