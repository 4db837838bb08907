//! A population's neuron model compiled from its code strings: checked declaration,
//! derived parameters, initial values, the assembled WGSL, and the CPU's program of it.

use std::sync::Arc;

use super::assemble::{self, Assembled, Code, Constant, Constants, STEP_FN, StateVar};
use super::diagnose::SourceMap;
use super::opaque;
use super::rng::{self, Stream};
use super::{CodeError, CodeNeuron, NeuronModelDef, Var};
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
}

impl NativeFn {
    /// Every native function, in the order the CPU's program numbers them.
    pub const ALL: [NativeFn; 3] = [
        NativeFn::RandUniform,
        NativeFn::RandNormal,
        NativeFn::RandExponential,
    ];

    /// Its name in code strings.
    pub fn name(self) -> &'static str {
        match self {
            NativeFn::RandUniform => "rand_uniform",
            NativeFn::RandNormal => "rand_normal",
            NativeFn::RandExponential => "rand_exponential",
        }
    }

    /// The draw from one Philox block of the neuron's counter (see `model::code::rng`):
    /// every draw takes a block of its own.
    pub fn draw(self, block: [u32; 4]) -> f32 {
        use crate::model::random::{exponential_f32, normal_f32, uniform_f32};
        match self {
            NativeFn::RandUniform => uniform_f32(block[0]),
            NativeFn::RandNormal => normal_f32(block[0], block[1]),
            NativeFn::RandExponential => exponential_f32(block[0]),
        }
    }
}

/// Names code strings see that a model can't declare.
const BUILT_IN_NAMES: [&str; 10] = [
    "dt",
    "t",
    "id",
    "batch",
    "Isyn",
    "product",
    "rand_uniform",
    "rand_normal",
    "rand_exponential",
    "kenyon_spiked",
];

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
    }
}

impl CompiledNeuron {
    /// Compiles `code` for population number `population` (`owner`, `size` neurons) at
    /// timestep `dt`, drawing initial values from `seed`.
    pub fn new(
        code: &CodeNeuron,
        owner: &str,
        size: u32,
        dt: f64,
        seed: u64,
        population: usize,
    ) -> Result<Self, CodeError> {
        code.check(owner)?;
        let model = &code.model;
        let constants = constants(code, owner, dt)?;
        let init = model
            .vars
            .iter()
            .enumerate()
            .map(|(i, var)| {
                code.var_init[&var.name]
                    .values(var.ty, size, seed, population, i)
                    .map_err(|e| {
                        declaration_error(owner, model, format!("variable {}: {e}", var.name))
                    })
            })
            .collect::<Result<_, _>>()?;
        let vars: Vec<StateVar<'_>> = model
            .vars
            .iter()
            .map(|v| StateVar {
                name: &v.name,
                ty: v.ty.wgsl(),
                access: v.access,
            })
            .collect();
        let named: Vec<Constant<'_>> = constants
            .iter()
            .map(|(name, value)| Constant {
                name,
                value: *value,
            })
            .collect();
        let code_strings = Code {
            sim: &model.sim_code,
            threshold: &model.threshold_condition_code,
            reset: &model.reset_code,
        };
        let assembled = assemble::neuron_step(&named, &vars, &code_strings, Constants::Literal);
        let (program, gpu_code) = compile(owner, model, &assembled)?;
        let gpu = assemble::neuron_step(
            &named,
            &vars,
            &Code {
                sim: &gpu_code[0],
                threshold: &gpu_code[1],
                reset: &gpu_code[2],
            },
            Constants::Opaque,
        );
        check_gpu_text(owner, model, &gpu)?;
        Ok(CompiledNeuron {
            model: model.name.clone(),
            vars: model.vars.clone(),
            init,
            key: rng::key(seed, population, Stream::Simulation),
            dt: dt as f32,
            function: assembled.function,
            gpu_function: gpu.function,
            program: Arc::new(program),
        })
    }

    /// Index of variable `name`.
    pub fn var_index(&self, name: &str) -> Option<usize> {
        self.vars.iter().position(|v| v.name == name)
    }
}

/// The step function's constants: parameters, derived parameters and `dt`, in f32.
fn constants(code: &CodeNeuron, owner: &str, dt: f64) -> Result<Vec<(String, f32)>, CodeError> {
    let model = &code.model;
    let mut constants = Vec::new();
    let mut add = |name: &str, value: f64, what: &str| {
        let x = value as f32;
        if !value.is_finite() || !x.is_finite() {
            return Err(declaration_error(
                owner,
                model,
                format!(
                    "{what} {name} = {value}: it must be a finite number within single precision's range"
                ),
            ));
        }
        constants.push((name.to_owned(), x));
        Ok(())
    };
    for name in &model.params {
        add(name, code.params.get(name), "parameter")?;
    }
    for derived in &model.derived_params {
        add(
            &derived.name,
            (derived.derive)(&code.params, dt),
            "derived parameter",
        )?;
    }
    add("dt", dt, "timestep")?;
    Ok(constants)
}

/// Parses, validates and lints the step function and compiles it for the CPU; also
/// returns the code strings with their float literals made opaque for the GPU.
fn compile(
    owner: &str,
    model: &NeuronModelDef,
    assembled: &Assembled,
) -> Result<(LaneProgram, Vec<String>), CodeError> {
    let prelude = assemble::cpu_prelude();
    let source = format!("{prelude}{}", assembled.function);
    let map = SourceMap {
        owner,
        model: &model.name,
        assembled,
        offset: prelude.len(),
    };
    let module = naga::front::wgsl::parse_str(&source).map_err(|e| map.parse_error(&e))?;
    let info = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::empty(),
    )
    .validate(&module)
    .map_err(|e| map.validation_error(&e))?;
    check_shape(&module, &map)?;
    let (handle, function) = module
        .functions
        .iter()
        .find(|(_, f)| f.name.as_deref() == Some(STEP_FN))
        .ok_or_else(|| map.error("the step function is missing", &[]))?;
    if let Some((span, _)) = super::fusion::fusable_products(&module, function, &info[handle])
        .into_iter()
        .next()
    {
        return Err(map.error(
            "a float product feeds an add, subtract or variable: write it as product(a, b), which rounds it on its own on every GPU as the CPU does (drivers may fuse a multiply into an add)",
            &[span],
        ));
    }
    let natives: Vec<&str> = NativeFn::ALL.iter().map(|n| n.name()).collect();
    let program = LaneProgram::compile(&module, &info, STEP_FN, &natives).map_err(|u| {
        map.error(
            &format!("the CPU backend can't run this: {}", u.what),
            &[u.span],
        )
    })?;
    let gpu_code = opaque::opaque_literals(assembled, function, prelude.len());
    Ok((program, gpu_code))
}

/// Checks that the code strings added nothing outside the step function (a `}` that
/// closes it early and a function or global after it): what the GPU splices into its
/// kernel must be the step function alone.
fn check_shape(module: &naga::Module, map: &SourceMap<'_>) -> Result<(), CodeError> {
    let expected = NativeFn::ALL.len() + 2;
    let stray = module
        .functions
        .iter()
        .find(|(_, f)| {
            let name = f.name.as_deref().unwrap_or("");
            name != STEP_FN && name != "product" && !NativeFn::ALL.iter().any(|n| n.name() == name)
        })
        .map(|(h, _)| module.functions.get_span(h));
    let extra = module.functions.len() != expected
        || !module.global_variables.is_empty()
        || !module.constants.is_empty()
        || !module.overrides.is_empty()
        || !module.entry_points.is_empty()
        || module
            .types
            .iter()
            .any(|(_, t)| matches!(t.inner, naga::TypeInner::Struct { .. }));
    if stray.is_some() || extra {
        let spans: Vec<naga::Span> = stray.into_iter().collect();
        return Err(map.error(
            "code strings hold statements (and the threshold an expression) of one function: this one ends that function and declares something outside it",
            &spans,
        ));
    }
    Ok(())
}

/// Checks that the GPU's text of the function is valid WGSL: a float literal where WGSL
/// wants a constant expression (a `const` in the code) can't be made opaque.
fn check_gpu_text(owner: &str, model: &NeuronModelDef, gpu: &Assembled) -> Result<(), CodeError> {
    let prelude = assemble::gpu_check_prelude();
    let source = format!("{prelude}{}", gpu.function);
    let fail = |detail: String| {
        declaration_error(
            owner,
            model,
            format!(
                "the code can't be given to GPUs with its float literals made opaque to their compilers (does a `const` in it use a float literal? write `let`): {detail}"
            ),
        )
    };
    let module =
        naga::front::wgsl::parse_str(&source).map_err(|e| fail(e.emit_to_string(&source)))?;
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::empty(),
    )
    .validate(&module)
    .map_err(|e| fail(e.emit_to_string(&source)))?;
    Ok(())
}

/// An error in the model's declaration rather than its code.
fn declaration_error(owner: &str, model: &NeuronModelDef, message: String) -> CodeError {
    CodeError {
        owner: owner.to_owned(),
        model: model.name.clone(),
        code_string: None,
        line: 0,
        column: 0,
        message,
        excerpt: String::new(),
    }
}

impl CodeNeuron {
    /// Checks the declaration and that every parameter and variable has a value and
    /// nothing else does; `owner` names the population.
    pub(crate) fn check(&self, owner: &str) -> Result<(), CodeError> {
        let model = &self.model;
        let fail = |message: String| Err(declaration_error(owner, model, message));
        let mut seen: Vec<&str> = Vec::new();
        let declared = model
            .params
            .iter()
            .map(String::as_str)
            .chain(model.derived_params.iter().map(|d| d.name.as_str()))
            .chain(model.vars.iter().map(|v| v.name.as_str()));
        for name in declared {
            if !is_identifier(name) {
                return fail(format!(
                    "'{name}' is not a WGSL identifier: use letters, digits and _, not starting with a digit"
                ));
            }
            if naga::keywords::wgsl::RESERVED.contains(&name) {
                return fail(format!(
                    "'{name}' is a WGSL keyword or reserved word: rename it"
                ));
            }
            if naga::keywords::wgsl::BUILTIN_IDENTIFIERS.contains(&name) {
                return fail(format!(
                    "'{name}' is the name of a WGSL type or built-in function: rename it"
                ));
            }
            if BUILT_IN_NAMES.contains(&name)
                || name.starts_with("kenyon_")
                || name.starts_with("__")
            {
                return fail(format!(
                    "'{name}' is a name kenyon gives code strings (or reserves): rename it"
                ));
            }
            if seen.contains(&name) {
                return fail(format!("'{name}' is declared twice"));
            }
            seen.push(name);
        }
        for name in &model.params {
            if !self.params.0.contains_key(name) {
                return fail(format!(
                    "parameter {name} has no value: give it one with .param(\"{name}\", value)"
                ));
            }
        }
        if let Some(name) = self.params.0.keys().find(|n| !model.params.contains(n)) {
            return fail(format!(
                "a value is given for {name}, which is not a parameter of the model (it has: {})",
                model.params.join(", ")
            ));
        }
        for var in &model.vars {
            if !self.var_init.contains_key(&var.name) {
                return fail(format!(
                    "variable {} has no initial value: give it one with .init(\"{}\", ...)",
                    var.name, var.name
                ));
            }
        }
        if let Some(name) = self
            .var_init
            .keys()
            .find(|n| !model.vars.iter().any(|v| &v.name == *n))
        {
            return fail(format!(
                "an initial value is given for {name}, which is not a variable of the model"
            ));
        }
        Ok(())
    }
}

/// Whether `name` is a WGSL identifier (ASCII).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_"
}
