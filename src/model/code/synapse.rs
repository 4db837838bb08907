//! A synapse group's weight-update model compiled from its code strings: the synapse
//! functions the synapse update runs for each synapse of a spike (`pre_spike_syn_code`,
//! `post_spike_syn_code`), its synapse variables' initial values, and its pre- and
//! postsynaptic sides, which the populations' step functions run (`SideInput`).
//!
//! A synapse function, as the CPU runs it:
//!
//! ```text
//! fn kenyon_pre_spike_syn(kenyon_var_0: ptr<function, f32>, ...,   // synapse variables
//!                         kenyon_pre_0: f32, ..., kenyon_post_0: f32, ...,
//!                         t: f32, id_pre: u32, id_post: u32, st_pre: f32, st_post: f32) {
//!     const tauPlus: f32 = 20.0f;         // parameters, derived parameters, dt
//!     var g: f32 = *kenyon_var_0;         // `let` for read-only variables
//!     let preTrace: f32 = kenyon_pre_0;   // pre- and postsynaptic variables, read-only
//!     { <pre_spike_syn_code> }            // addToPost(x) adds x to the target's input
//!     *kenyon_var_0 = g;
//! }
//! ```

use std::sync::Arc;

use super::assemble::{Assembled, CodeString, Constant, Constants, Placed, opaque_f32};
use super::assemble::{SynapseSide, f32_literal};
use super::check::declaration_error;
use super::compiled::{Target, append_vars, constants, named, state_var};
use super::program::{self, Prelude};
use super::rng::{self, Stream};
use super::{CodeError, CodeWeightUpdate, Var, VarAccess, VarInit};
use crate::interpret::LaneProgram;

/// The presynaptic spikes' synapse function.
pub(crate) const PRE_SPIKE_SYN_FN: &str = "kenyon_pre_spike_syn";
/// The postsynaptic spikes' synapse function.
pub(crate) const POST_SPIKE_SYN_FN: &str = "kenyon_post_spike_syn";

/// One synapse function, for both backends.
pub struct SynapseFunction {
    /// As the CPU runs it.
    pub function: String,
    /// As the GPU runs it: its float constants written so that no shader compiler folds
    /// them.
    pub gpu_function: String,
    /// Compiled for the CPU; its one native is `addToPost` (presynaptic spikes' only).
    pub program: Arc<LaneProgram>,
}

/// A weight-update model compiled for one synapse group.
pub struct CompiledWeightUpdate {
    /// The model's name.
    pub model: String,
    /// The synapse variables, in declaration order.
    pub vars: Vec<Var>,
    /// Each synapse variable's initial bits, per synapse in the connectivity's row order.
    pub init: Vec<Vec<u32>>,
    /// The presynaptic variables: the presynaptic population holds them, named
    /// `"{group}.{variable}"`.
    pub pre_vars: Vec<Var>,
    /// The postsynaptic variables, held the same way by the postsynaptic population.
    pub post_vars: Vec<Var>,
    /// What a presynaptic spike does to each of its synapses, if anything.
    pub pre_spike_syn: Option<SynapseFunction>,
    /// What a postsynaptic spike does to each synapse into it, if anything.
    pub post_spike_syn: Option<SynapseFunction>,
    /// Whether the group changes state its batch shares (batch size 1).
    pub plastic: bool,
    /// The largest sum of `|x|` over one synapse's `addToPost(x)` calls in a timestep.
    pub max_add_to_post: f64,
}

impl std::fmt::Debug for CompiledWeightUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledWeightUpdate")
            .field("model", &self.model)
            .field("vars", &self.vars)
            .field("plastic", &self.plastic)
            .finish_non_exhaustive()
    }
}

impl PartialEq for CompiledWeightUpdate {
    /// Equal when the same code runs from the same initial state.
    fn eq(&self, other: &Self) -> bool {
        let text = |f: &Option<SynapseFunction>| f.as_ref().map(|f| f.function.clone());
        self.model == other.model
            && self.vars == other.vars
            && self.init == other.init
            && self.pre_vars == other.pre_vars
            && self.post_vars == other.post_vars
            && text(&self.pre_spike_syn) == text(&other.pre_spike_syn)
            && text(&self.post_spike_syn) == text(&other.post_spike_syn)
            && self.max_add_to_post.to_bits() == other.max_add_to_post.to_bits()
    }
}

/// Where a synapse group's model is compiled.
pub struct SynapseTarget<'a> {
    /// How errors name it ("synapse group 'kc_mbon'").
    pub owner: &'a str,
    /// Its index in the network.
    pub group: usize,
    /// The timestep in ms.
    pub dt: f64,
    /// The seed of its initial values.
    pub seed: u64,
    /// Its synapses' count.
    pub synapses: usize,
    /// Puts one value per synapse, in the description's order, in row order.
    pub in_row_order: &'a dyn Fn(&[f64]) -> Vec<f64>,
}

impl CompiledWeightUpdate {
    /// Compiles `code` for the group `at`.
    pub fn new(code: &CodeWeightUpdate, at: &SynapseTarget<'_>) -> Result<Self, CodeError> {
        code.check(at.owner)?;
        let model = &code.model;
        let label = format!("weight update model '{}'", model.name);
        let fail = |message: String| declaration_error(at.owner, &label, message);
        let key = rng::key(at.seed, at.group, Stream::SynapseInit);
        let size = u32::try_from(at.synapses)
            .map_err(|_| fail("the group has more than 2^32 - 1 synapses".to_owned()))?;
        let mut init = Vec::new();
        for (i, var) in model.vars.iter().enumerate() {
            let values = match &code.var_init[&var.name] {
                VarInit::Values(v) if v.len() == at.synapses => {
                    VarInit::Values((at.in_row_order)(v))
                }
                other => other.clone(),
            };
            let bits = values
                .values_keyed(var.ty, (size, "a group of", "synapses"), key, i)
                .map_err(|e| fail(format!("variable {}: {e}", var.name)))?;
            init.push(bits);
        }
        let plastic = model.is_plastic();
        let max_add_to_post = match code.max_add_to_post {
            Some(x) => x,
            None if plastic => {
                return Err(fail(
                    "a plastic group must say how large its addToPost inputs can be: give .max_add_to_post(x), the largest |x| of one addToPost(x)".to_owned(),
                ));
            }
            None => largest_f32(&model.vars, &init),
        };
        let consts =
            constants(&model.params, &model.derived_params, &code.params, at.dt).map_err(fail)?;
        let parts = SynapseCode {
            code,
            owner: at.owner,
            label: &label,
            constants: &named(&consts),
        };
        Ok(CompiledWeightUpdate {
            model: model.name.clone(),
            vars: model.vars.clone(),
            init,
            pre_vars: model.pre_vars.clone(),
            post_vars: model.post_vars.clone(),
            pre_spike_syn: parts.function(true)?,
            post_spike_syn: parts.function(false)?,
            plastic,
            max_add_to_post,
        })
    }

    /// Index of synapse variable `name`.
    pub fn var_index(&self, name: &str) -> Option<usize> {
        self.vars.iter().position(|v| v.name == name)
    }
}

/// The largest magnitude among the f32 variables' initial values.
fn largest_f32(vars: &[Var], init: &[Vec<u32>]) -> f64 {
    vars.iter()
        .zip(init)
        .filter(|(v, _)| v.ty == super::VarType::F32)
        .flat_map(|(_, bits)| bits.iter())
        .fold(0.0f64, |m, &b| m.max(f64::from(f32::from_bits(b).abs())))
}

/// What a synapse function is assembled from.
struct SynapseCode<'a> {
    code: &'a CodeWeightUpdate,
    owner: &'a str,
    label: &'a str,
    constants: &'a [Constant<'a>],
}

impl SynapseCode<'_> {
    /// The synapse function of presynaptic spikes (`pre`) or postsynaptic ones, if the
    /// model has code for them.
    fn function(&self, pre: bool) -> Result<Option<SynapseFunction>, CodeError> {
        let m = &self.code.model;
        let (name, which, text) = match pre {
            true => (
                PRE_SPIKE_SYN_FN,
                CodeString::PreSpikeSyn,
                &m.pre_spike_syn_code,
            ),
            false => (
                POST_SPIKE_SYN_FN,
                CodeString::PostSpikeSyn,
                &m.post_spike_syn_code,
            ),
        };
        if text.trim().is_empty() {
            return Ok(None);
        }
        // Only a presynaptic spike adds to its target's input (as in GeNN).
        let prelude = match pre {
            true => Prelude {
                function: name,
                text: format!("{SYNAPSE_PRELUDE}fn addToPost(x: f32) {{}}\n"),
                natives: vec!["addToPost".to_owned()],
            },
            false => Prelude {
                function: name,
                text: SYNAPSE_PRELUDE.to_owned(),
                natives: Vec::new(),
            },
        };
        let assembled = self.assemble(name, which, text, Constants::Literal);
        let (program, gpu_code) = program::compile(&assembled, &prelude)?;
        let gpu = self.assemble(name, which, &gpu_code[0], Constants::Opaque);
        program::check_gpu_text(self.owner, self.label, &gpu, &prelude)?;
        Ok(Some(SynapseFunction {
            function: assembled.function,
            gpu_function: gpu.function,
            program: Arc::new(program),
        }))
    }

    fn assemble(&self, name: &str, which: CodeString, text: &str, style: Constants) -> Assembled {
        let m = &self.code.model;
        let mut f = format!("fn {name}(");
        for (i, v) in m.vars.iter().enumerate() {
            f += &format!("kenyon_var_{i}: ptr<function, {}>, ", v.ty.wgsl());
        }
        for (i, v) in m.pre_vars.iter().enumerate() {
            f += &format!("kenyon_pre_{i}: {}, ", v.ty.wgsl());
        }
        for (i, v) in m.post_vars.iter().enumerate() {
            f += &format!("kenyon_post_{i}: {}, ", v.ty.wgsl());
        }
        f += "t: f32, id_pre: u32, id_post: u32, st_pre: f32, st_post: f32) {\n";
        for c in self.constants {
            f += &match style {
                Constants::Literal => {
                    format!("    const {}: f32 = {};\n", c.name, f32_literal(c.value))
                }
                Constants::Opaque => {
                    format!("    let {}: f32 = {};\n", c.name, opaque_f32(c.value))
                }
            };
        }
        for (i, v) in m.vars.iter().enumerate() {
            let binding = match v.access {
                VarAccess::ReadWrite => "var",
                VarAccess::ReadOnly => "let",
            };
            f += &format!(
                "    {binding} {}: {} = *kenyon_var_{i};\n",
                v.name,
                v.ty.wgsl()
            );
        }
        for (side, vars) in [("pre", &m.pre_vars), ("post", &m.post_vars)] {
            for (i, v) in vars.iter().enumerate() {
                f += &format!("    let {}: {} = kenyon_{side}_{i};\n", v.name, v.ty.wgsl());
            }
        }
        f += "    {\n";
        let placed = Placed {
            which,
            owner: self.owner.to_owned(),
            model: self.label.to_owned(),
            at: f.len(),
            text: text.to_owned(),
        };
        f += text;
        f += "\n    }\n";
        for (i, v) in m.vars.iter().enumerate() {
            if v.access == VarAccess::ReadWrite {
                f += &format!("    *kenyon_var_{i} = {};\n", v.name);
            }
        }
        f += "}\n";
        Assembled {
            function: f,
            placed: vec![placed],
        }
    }
}

/// The CPU's prelude of a synapse function: `product` unguarded (and, for presynaptic
/// spikes, a stub of `addToPost`, which the backend runs natively).
const SYNAPSE_PRELUDE: &str = "fn product(a: f32, b: f32) -> f32 { return a * b; }\n";

/// A synapse group's weight-update model seen from one of its populations: the side's
/// variables join the population's (named `"{group}.{variable}"`) and its dynamics and
/// spike code run in the population's step function.
pub struct SideInput<'a> {
    /// How errors name the group ("synapse group 'kc_mbon'").
    pub owner: String,
    /// The group's name.
    pub group: String,
    /// Whether the population is the group's presynaptic one.
    pub pre: bool,
    /// The group's model and values.
    pub model: &'a CodeWeightUpdate,
}

impl SideInput<'_> {
    /// The side's variables, dynamics code and spike code.
    fn parts(&self) -> (&[Var], &str, &str) {
        let m = &self.model.model;
        match self.pre {
            true => (&m.pre_vars, &m.pre_dynamics_code, &m.pre_spike_code),
            false => (&m.post_vars, &m.post_dynamics_code, &m.post_spike_code),
        }
    }

    /// How many variables the side adds to its population.
    pub fn var_count(&self) -> usize {
        self.parts().0.len()
    }

    /// Whether the side has anything for its population to run.
    pub fn is_empty(&self) -> bool {
        let (vars, dynamics, spike) = self.parts();
        vars.is_empty() && dynamics.trim().is_empty() && spike.trim().is_empty()
    }

    /// The model's kind and name, for errors.
    pub fn label(&self) -> String {
        format!("weight update model '{}'", self.model.model.name)
    }

    /// Its code strings: dynamics, then spike.
    pub fn texts(&self) -> [&str; 2] {
        let (_, dynamics, spike) = self.parts();
        [dynamics, spike]
    }

    /// Appends the side's variables to `vars` (named `"{group}.{variable}"`) and their
    /// initial values to `init`; returns its constants.
    pub(crate) fn add_vars(
        &self,
        at: &Target<'_>,
        vars: &mut Vec<Var>,
        init: &mut Vec<Vec<u32>>,
    ) -> Result<Vec<(String, f32)>, CodeError> {
        let m = &self.model.model;
        let label = self.label();
        let fail = |e: String| declaration_error(&self.owner, &label, e);
        let (side_vars, _, _) = self.parts();
        let inits = match self.pre {
            true => &self.model.pre_var_init,
            false => &self.model.post_var_init,
        };
        append_vars(at, &self.group, side_vars, inits, vars, init).map_err(fail)?;
        constants(&m.params, &m.derived_params, &self.model.params, at.dt).map_err(fail)
    }

    /// The side as the assembler takes it, with `texts` its code strings.
    pub(crate) fn assembled<'a>(
        &'a self,
        constants: &'a [(String, f32)],
        label: &'a str,
        texts: [&'a str; 2],
    ) -> SynapseSide<'a> {
        let (vars, _, _) = self.parts();
        let snippet = |text| super::assemble::Snippet {
            owner: &self.owner,
            model: label,
            text,
        };
        SynapseSide {
            constants: named(constants),
            vars: vars.iter().map(state_var).collect(),
            dynamics: snippet(texts[0]),
            spike: snippet(texts[1]),
            pre: self.pre,
        }
    }
}
