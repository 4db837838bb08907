//! A population's neuron model compiled from its code strings: checked declaration,
//! derived parameters, initial values, the assembled WGSL, and the CPU's program of it.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::assemble::{
    self, Assembled, Code, Constant, Constants, CurrentSource, Postsynaptic, Snippet, StateVar,
};
use super::check::declaration_error;
use super::program::{self, Prelude};
use super::rng::{self, Stream};
use super::synapse::SideInput;
use super::{CodeCurrentSource, CodeError, CodeNeuron, CodePostsynaptic, DerivedParam};
use super::{ParamValues, Var, VarInit};
use crate::interpret::LaneProgram;

/// Functions code strings can call that each backend provides natively.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NativeFn {
    /// `rand_uniform()`: uniform in [0, 1), a multiple of 2^-24.
    RandUniform,
    /// `rand_normal()`: standard normal (mean 0, standard deviation 1).
    RandNormal,
    /// `rand_exponential()`: exponential with mean 1.
    RandExponential,
    /// `injectCurrent(x)`: adds `x` to the neuron's input (postsynaptic models).
    InjectCurrent,
    /// `kenyon_isyn()`: the neuron's summed input, `Isyn`.
    Isyn,
    /// `kenyon_inject_target(k)`: where `injectCurrent` adds from now on: `Isyn` for 0,
    /// additional input variable `k - 1` otherwise.
    InjectTarget,
    /// `kenyon_input(k)`: additional input variable `k`.
    Input,
}

impl NativeFn {
    /// Every native function, in the order the CPU's program numbers them.
    pub const ALL: [NativeFn; 7] = [
        NativeFn::RandUniform,
        NativeFn::RandNormal,
        NativeFn::RandExponential,
        NativeFn::InjectCurrent,
        NativeFn::Isyn,
        NativeFn::InjectTarget,
        NativeFn::Input,
    ];

    /// Its name in code strings.
    pub fn name(self) -> &'static str {
        match self {
            NativeFn::RandUniform => "rand_uniform",
            NativeFn::RandNormal => "rand_normal",
            NativeFn::RandExponential => "rand_exponential",
            NativeFn::InjectCurrent => "injectCurrent",
            NativeFn::Isyn => "kenyon_isyn",
            NativeFn::InjectTarget => "kenyon_inject_target",
            NativeFn::Input => "kenyon_input",
        }
    }

    /// Its stub in the CPU's prelude, which the interpreter replaces with native code.
    pub(crate) fn stub(self) -> &'static str {
        match self {
            NativeFn::RandUniform => "fn rand_uniform() -> f32 { return 0.0; }",
            NativeFn::RandNormal => "fn rand_normal() -> f32 { return 0.0; }",
            NativeFn::RandExponential => "fn rand_exponential() -> f32 { return 0.0; }",
            NativeFn::InjectCurrent => "fn injectCurrent(x: f32) {}",
            NativeFn::Isyn => "fn kenyon_isyn() -> f32 { return 0.0; }",
            NativeFn::InjectTarget => "fn kenyon_inject_target(k: u32) {}",
            NativeFn::Input => "fn kenyon_input(k: u32) -> f32 { return 0.0; }",
        }
    }

    /// The draw from one Philox block of the neuron's counter (see `model::code::rng`):
    /// every draw takes a block of its own. `None` for the natives that are no draw.
    pub fn draw(self, block: [u32; 4]) -> Option<f32> {
        use crate::model::random::{exponential_f32, normal_f32, uniform_f32};
        match self {
            NativeFn::RandUniform => Some(uniform_f32(block[0])),
            NativeFn::RandNormal => Some(normal_f32(block[0], block[1])),
            NativeFn::RandExponential => Some(exponential_f32(block[0])),
            NativeFn::InjectCurrent | NativeFn::Isyn | NativeFn::InjectTarget | NativeFn::Input => {
                None
            }
        }
    }
}

/// A neuron model compiled for one population.
pub struct CompiledNeuron {
    /// The model's name.
    pub model: String,
    /// Its variables, in declaration order.
    pub vars: Vec<Var>,
    /// Each variable's initial bits per neuron, in declaration order.
    pub init: Vec<Vec<u32>>,
    /// The Philox key of the population's draws while simulating.
    pub key: [u32; 2],
    /// The timestep in ms, as the code sees it (`dt`).
    pub dt: f32,
    /// The step function as the CPU runs it (see `assemble.rs`).
    pub function: String,
    /// The same function as the GPU runs it: its float constants written so that no
    /// shader compiler folds them (see `opaque.rs`).
    pub gpu_function: String,
    /// The step function compiled for the CPU.
    pub program: Arc<LaneProgram>,
    /// The incoming synapse groups (by index in the network) whose postsynaptic models
    /// are code strings, in the order the function takes their inputs.
    pub postsynaptic_groups: Vec<usize>,
    /// The extra global parameters, by name, in declaration order: natives after
    /// [`NativeFn::ALL`] on the CPU, read-only storage buffers on the GPU.
    pub extra_global_params: Vec<(String, Vec<f32>)>,
    /// The additional input variables and the value each starts every timestep at.
    pub additional_inputs: Vec<(String, f32)>,
}

impl std::fmt::Debug for CompiledNeuron {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledNeuron")
            .field("model", &self.model)
            .field("vars", &self.vars)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl PartialEq for CompiledNeuron {
    /// Equal when the same code runs from the same initial state.
    fn eq(&self, other: &Self) -> bool {
        self.model == other.model
            && self.vars == other.vars
            && self.init == other.init
            && self.key == other.key
            && self.function == other.function
            && self.postsynaptic_groups == other.postsynaptic_groups
            && self.extra_global_params == other.extra_global_params
            && self.additional_inputs == other.additional_inputs
    }
}

/// An incoming synapse group whose postsynaptic model is a code string.
pub struct PostsynapticInput<'a> {
    /// The group's index in the network.
    pub group: usize,
    /// The group's name: its variables are `"{name}.{variable}"` of the population.
    pub name: String,
    /// How errors name it ("synapse group 'pn_kc'").
    pub owner: String,
    /// Its model and parameter values.
    pub model: &'a CodePostsynaptic,
}

/// A current source into the population whose model is a code string.
pub struct SourceInput<'a> {
    /// How errors name it ("current source 'noise'"), and its name.
    pub owner: String,
    /// Its name: its variables are `"{name}.{variable}"` of the population.
    pub name: String,
    /// Its model, parameter values and initial values.
    pub model: &'a CodeCurrentSource,
}

impl PostsynapticInput<'_> {
    /// Which of `inputs` (the neuron's additional input variables) the model injects
    /// into, if not `Isyn`.
    fn target_index(&self, inputs: &[(String, f64)]) -> Result<Option<u32>, CodeError> {
        let Some(target) = &self.model.target else {
            return Ok(None);
        };
        match inputs.iter().position(|(name, _)| name == target) {
            Some(i) => Ok(Some(i as u32)),
            None => Err(declaration_error(
                &self.owner,
                &format!("postsynaptic model '{}'", self.model.model.name),
                format!(
                    "its target {target} is not an additional input variable of the population's neuron model (it has: {})",
                    match inputs.len() {
                        0 => "none".to_owned(),
                        _ => inputs
                            .iter()
                            .map(|(n, _)| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    }
                ),
            )),
        }
    }

    /// Appends the model's variables to `vars` (named `"{group}.{variable}"`) and their
    /// initial values to `init`; returns its constants.
    fn add_vars(
        &self,
        at: &Target<'_>,
        vars: &mut Vec<Var>,
        init: &mut Vec<Vec<u32>>,
    ) -> Result<Vec<(String, f32)>, CodeError> {
        let m = &self.model.model;
        let label = format!("postsynaptic model '{}'", m.name);
        let fail = |e: String| declaration_error(&self.owner, &label, e);
        append_vars(at, &self.name, &m.vars, &self.model.var_init, vars, init).map_err(fail)?;
        constants(&m.params, &m.derived_params, &self.model.params, at.dt).map_err(fail)
    }
}

impl SourceInput<'_> {
    /// Appends the source's variables to `vars` (named `"{source}.{variable}"`) and their
    /// initial values to `init`; returns its constants.
    fn add_vars(
        &self,
        at: &Target<'_>,
        vars: &mut Vec<Var>,
        init: &mut Vec<Vec<u32>>,
    ) -> Result<Vec<(String, f32)>, CodeError> {
        let m = &self.model.model;
        let label = format!("current source model '{}'", m.name);
        let fail = |e: String| declaration_error(&self.owner, &label, e);
        append_vars(at, &self.name, &m.vars, &self.model.var_init, vars, init).map_err(fail)?;
        constants(&m.params, &m.derived_params, &self.model.params, at.dt).map_err(fail)
    }
}

/// Appends the variables `declared` by a part of a population's step function (a
/// postsynaptic model, current source or weight update model's side) to the
/// population's `vars`, named `"{prefix}.{variable}"`, and their initial values, drawn as
/// `inits` says, to `init`.
pub(crate) fn append_vars(
    at: &Target<'_>,
    prefix: &str,
    declared: &[Var],
    inits: &BTreeMap<String, VarInit>,
    vars: &mut Vec<Var>,
    init: &mut Vec<Vec<u32>>,
) -> Result<(), String> {
    for var in declared {
        let values = inits[&var.name]
            .values(var.ty, at.size, at.seed, at.population, init.len())
            .map_err(|e| format!("variable {}: {e}", var.name))?;
        init.push(values);
        vars.push(Var {
            name: format!("{prefix}.{}", var.name),
            ..var.clone()
        });
    }
    Ok(())
}

/// Where a population's model is compiled: its name in errors, size, and place in the
/// network.
pub struct Target<'a> {
    /// How errors name it ("neuron population 'kc'").
    pub owner: &'a str,
    /// Neurons.
    pub size: u32,
    /// The timestep in ms.
    pub dt: f64,
    /// The seed of its random numbers.
    pub seed: u64,
    /// Its index in the network.
    pub population: usize,
}

impl CompiledNeuron {
    /// Compiles `code`, with the postsynaptic models of `inputs`, for `at`.
    pub fn new(
        code: &CodeNeuron,
        inputs: &[PostsynapticInput<'_>],
        sources: &[SourceInput<'_>],
        sides: &[SideInput<'_>],
        at: &Target<'_>,
    ) -> Result<Self, CodeError> {
        code.check(at.owner)?;
        for input in inputs {
            input.model.check(&input.owner)?;
        }
        for source in sources {
            source.model.check(&source.owner)?;
        }
        let model = &code.model;
        let label = format!("neuron model '{}'", model.name);
        let fail = |message: String| declaration_error(at.owner, &label, message);
        let mut init = initial_values(code, at).map_err(fail)?;
        let mut all_vars = model.vars.clone();
        let mut source_constants = Vec::new();
        for source in sources {
            source_constants.push(source.add_vars(at, &mut all_vars, &mut init)?);
        }
        let mut side_constants = Vec::new();
        for side in sides {
            side_constants.push(side.add_vars(at, &mut all_vars, &mut init)?);
        }
        let neuron_constants =
            constants(&model.params, &model.derived_params, &code.params, at.dt).map_err(fail)?;
        let mut psm_constants = Vec::new();
        let mut psm_targets = Vec::new();
        for input in inputs {
            psm_constants.push(input.add_vars(at, &mut all_vars, &mut init)?);
            psm_targets.push(input.target_index(&model.additional_input_vars)?);
        }
        let parts = Sources {
            code,
            label: &label,
            owner: at.owner,
            inputs,
            sources,
            sides,
            neuron_constants: &neuron_constants,
            psm_constants: &psm_constants,
            psm_targets: &psm_targets,
            source_constants: &source_constants,
            side_constants: &side_constants,
        };
        let assembled = parts.assemble(None, Constants::Literal);
        let egps = &model.extra_global_params;
        let prelude = Prelude::neuron(egps);
        let (program, gpu_code) = program::compile(&assembled, &prelude)?;
        let gpu = parts.assemble(Some(&gpu_code), Constants::Opaque);
        program::check_gpu_text(at.owner, &label, &gpu, &prelude)?;
        Ok(CompiledNeuron {
            model: model.name.clone(),
            vars: all_vars,
            init,
            key: rng::key(at.seed, at.population, Stream::Simulation),
            dt: at.dt as f32,
            function: assembled.function,
            gpu_function: gpu.function,
            program: Arc::new(program),
            postsynaptic_groups: inputs.iter().map(|i| i.group).collect(),
            extra_global_params: egps
                .iter()
                .map(|name| (name.clone(), code.extra_global_params[name].clone()))
                .collect(),
            additional_inputs: model
                .additional_input_vars
                .iter()
                .map(|(name, x)| (name.clone(), *x as f32))
                .collect(),
        })
    }

    /// Index of variable `name`.
    pub fn var_index(&self, name: &str) -> Option<usize> {
        self.vars.iter().position(|v| v.name == name)
    }
}

/// The initial bits of the neuron model's own variables, in declaration order.
fn initial_values(code: &CodeNeuron, at: &Target<'_>) -> Result<Vec<Vec<u32>>, String> {
    code.model
        .vars
        .iter()
        .enumerate()
        .map(|(i, var)| {
            code.var_init[&var.name]
                .values(var.ty, at.size, at.seed, at.population, i)
                .map_err(|e| format!("variable {}: {e}", var.name))
        })
        .collect()
}

/// What the step function is assembled from.
struct Sources<'a> {
    code: &'a CodeNeuron,
    label: &'a str,
    owner: &'a str,
    inputs: &'a [PostsynapticInput<'a>],
    sources: &'a [SourceInput<'a>],
    sides: &'a [SideInput<'a>],
    neuron_constants: &'a [(String, f32)],
    psm_constants: &'a [Vec<(String, f32)>],
    psm_targets: &'a [Option<u32>],
    source_constants: &'a [Vec<(String, f32)>],
    side_constants: &'a [Vec<(String, f32)>],
}

impl Sources<'_> {
    /// The step function, from the user's code strings or (for the GPU) `rewritten`
    /// ones in `Assembled::placed` order, with constants written as `style` says.
    fn assemble(&self, rewritten: Option<&[String]>, style: Constants) -> Assembled {
        let model = &self.code.model;
        let psm_labels: Vec<String> = self
            .inputs
            .iter()
            .map(|i| format!("postsynaptic model '{}'", i.model.model.name))
            .collect();
        let source_labels: Vec<String> = self
            .sources
            .iter()
            .map(|s| format!("current source model '{}'", s.model.model.name))
            .collect();
        // In the order the function places them (`Assembled::placed`).
        let mut texts: Vec<&str> = self
            .inputs
            .iter()
            .map(|i| i.model.model.sim_code.as_str())
            .chain(
                self.sources
                    .iter()
                    .map(|s| s.model.model.injection_code.as_str()),
            )
            .collect();
        texts.extend([
            model.sim_code.as_str(),
            model.threshold_condition_code.as_str(),
            model.reset_code.as_str(),
        ]);
        texts.extend(self.sides.iter().flat_map(SideInput::texts));
        let side_labels: Vec<String> = self.sides.iter().map(SideInput::label).collect();
        if let Some(rewritten) = rewritten {
            texts = rewritten.iter().map(String::as_str).collect();
        }
        let snippet = |owner, model, text| Snippet { owner, model, text };
        let (n, m) = (self.inputs.len(), self.sources.len());
        let code = Code {
            additional_inputs: model
                .additional_input_vars
                .iter()
                .map(|(name, _)| name.as_str())
                .collect(),
            postsynaptic: self
                .inputs
                .iter()
                .enumerate()
                .map(|(k, input)| Postsynaptic {
                    constants: named(&self.psm_constants[k]),
                    target: self.psm_targets[k],
                    vars: input.model.model.vars.iter().map(state_var).collect(),
                    code: snippet(&input.owner, &psm_labels[k], texts[k]),
                })
                .collect(),
            current_sources: self
                .sources
                .iter()
                .enumerate()
                .map(|(k, source)| CurrentSource {
                    constants: named(&self.source_constants[k]),
                    vars: source.model.model.vars.iter().map(state_var).collect(),
                    code: snippet(&source.owner, &source_labels[k], texts[n + k]),
                })
                .collect(),
            sim: snippet(self.owner, self.label, texts[n + m]),
            threshold: snippet(self.owner, self.label, texts[n + m + 1]),
            reset: snippet(self.owner, self.label, texts[n + m + 2]),
            synapse_sides: self
                .sides
                .iter()
                .enumerate()
                .map(|(k, side)| {
                    let at = n + m + 3 + 2 * k;
                    let texts = [texts[at], texts[at + 1]];
                    side.assembled(&self.side_constants[k], &side_labels[k], texts)
                })
                .collect(),
        };
        let vars: Vec<StateVar<'_>> = model.vars.iter().map(state_var).collect();
        assemble::neuron_step(&named(self.neuron_constants), &vars, &code, style)
    }
}

/// A variable as the assembler takes it.
pub(crate) fn state_var(v: &Var) -> StateVar<'_> {
    StateVar {
        name: &v.name,
        ty: v.ty.wgsl(),
        access: v.access,
    }
}

/// `(name, value)` pairs as the assembler takes them.
pub(crate) fn named(constants: &[(String, f32)]) -> Vec<Constant<'_>> {
    constants
        .iter()
        .map(|(name, value)| Constant {
            name,
            value: *value,
        })
        .collect()
}

/// A model's constants: parameters, derived parameters and `dt`, in f32.
pub(crate) fn constants(
    params: &[String],
    derived_params: &[DerivedParam],
    values: &ParamValues,
    dt: f64,
) -> Result<Vec<(String, f32)>, String> {
    let mut constants = Vec::new();
    let mut add = |name: &str, value: f64, what: &str| {
        let x = value as f32;
        if !value.is_finite() || !x.is_finite() {
            return Err(format!(
                "{what} {name} = {value}: it must be a finite number within single precision's range"
            ));
        }
        constants.push((name.to_owned(), x));
        Ok(())
    };
    for name in params {
        add(name, values.get(name), "parameter")?;
    }
    for derived in derived_params {
        add(
            &derived.name,
            (derived.derive)(values, dt),
            "derived parameter",
        )?;
    }
    add("dt", dt, "timestep")?;
    Ok(constants)
}
