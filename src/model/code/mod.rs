//! Models written as WGSL code strings, GeNN's way: a neuron model declares parameters,
//! derived parameters (host functions of the parameters and `dt`, computed in f64),
//! state variables and its `sim_code`, `threshold_condition_code` and `reset_code`. A
//! population holds a model with its parameter values and how each variable starts.
//!
//! At build time the code strings are assembled into one WGSL function
//! (`assemble.rs`), which naga parses and validates; a mistake is reported with the
//! model's name, the code string and the line and column in the user's own text
//! (`diagnose.rs`). The GPU splices that function into its neuron update; the CPU runs
//! the same function through [`crate::interpret`], so both compute the same arithmetic.
//! `docs/custom-models.md` is the user's guide.

mod assemble;
mod check;
mod compiled;
mod diagnose;
pub(crate) mod fusion;
mod init;
mod opaque;
mod program;
pub mod rng;
mod synapse;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_synapse;
mod weight_update;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use assemble::CodeString;
pub use compiled::{CompiledNeuron, NativeFn, PostsynapticInput, SourceInput, Target};
pub use diagnose::CodeError;
pub use init::VarInit;
pub use synapse::{CompiledWeightUpdate, SideInput, SynapseFunction, SynapseTarget};
#[cfg(feature = "gpu")]
pub(crate) use synapse::{POST_SPIKE_SYN_FN, PRE_SPIKE_SYN_FN};
pub use weight_update::{CodeWeightUpdate, WeightUpdateModelDef};

/// The type of a state variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarType {
    /// 32-bit float.
    F32,
    /// 32-bit signed integer.
    I32,
    /// 32-bit unsigned integer.
    U32,
}

impl VarType {
    /// The WGSL type's name.
    pub fn wgsl(self) -> &'static str {
        match self {
            VarType::F32 => "f32",
            VarType::I32 => "i32",
            VarType::U32 => "u32",
        }
    }

    /// The bits of `value` in this type (rounded to nearest for f32, truncated toward
    /// zero for integers); `None` where it doesn't fit (out of range or not finite).
    pub fn bits_of(self, value: f64) -> Option<u32> {
        match self {
            VarType::F32 => {
                let x = value as f32;
                x.is_finite().then_some(x.to_bits())
            }
            VarType::I32 => (value.is_finite()
                && value.trunc() >= f64::from(i32::MIN)
                && value.trunc() <= f64::from(i32::MAX))
            .then(|| value.trunc() as i32 as u32),
            VarType::U32 => {
                (value.is_finite() && value.trunc() >= 0.0 && value.trunc() <= f64::from(u32::MAX))
                    .then(|| value.trunc() as u32)
            }
        }
    }
}

/// Whether code may change a variable (GeNN's `VarAccess`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarAccess {
    /// Read and written by the code.
    ReadWrite,
    /// Read only: assigning it is a build error.
    ReadOnly,
}

/// A state variable of a model: one value per neuron and batch entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Var {
    /// The name code strings use.
    pub name: String,
    /// Its type.
    pub ty: VarType,
    /// Whether code may change it.
    pub access: VarAccess,
}

impl Var {
    /// A read-write f32 variable.
    pub fn f32(name: &str) -> Self {
        Var {
            name: name.to_owned(),
            ty: VarType::F32,
            access: VarAccess::ReadWrite,
        }
    }

    /// A read-write variable of type `ty`.
    pub fn new(name: &str, ty: VarType) -> Self {
        Var {
            name: name.to_owned(),
            ty,
            access: VarAccess::ReadWrite,
        }
    }

    /// The same variable, read-only.
    pub fn read_only(self) -> Self {
        Var {
            access: VarAccess::ReadOnly,
            ..self
        }
    }
}

/// A population's parameter values, by name: what derived parameters are computed from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParamValues(BTreeMap<String, f64>);

impl ParamValues {
    /// The value of parameter `name` (NaN if the model has no such parameter: the
    /// derived parameter then fails validation and is named).
    pub fn get(&self, name: &str) -> f64 {
        self.0.get(name).copied().unwrap_or(f64::NAN)
    }
}

impl std::ops::Index<&str> for ParamValues {
    type Output = f64;

    /// The value of parameter `name`; NaN if there is none (see [`ParamValues::get`]).
    fn index(&self, name: &str) -> &f64 {
        self.0.get(name).unwrap_or(&f64::NAN)
    }
}

/// How a derived parameter is computed from the parameters and `dt` (ms), in f64.
pub type DeriveFn = dyn Fn(&ParamValues, f64) -> f64 + Send + Sync;

/// A constant computed on the host from the parameters and the timestep (GeNN's
/// derived parameters), so no backend evaluates transcendental functions for it.
#[derive(Clone)]
pub struct DerivedParam {
    /// The name code strings use.
    pub name: String,
    /// The function.
    pub derive: Arc<DeriveFn>,
}

impl DerivedParam {
    /// A derived parameter `name` computed by `derive(params, dt)`.
    pub fn new(
        name: &str,
        derive: impl Fn(&ParamValues, f64) -> f64 + Send + Sync + 'static,
    ) -> Self {
        DerivedParam {
            name: name.to_owned(),
            derive: Arc::new(derive),
        }
    }
}

impl std::fmt::Debug for DerivedParam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DerivedParam({})", self.name)
    }
}

impl PartialEq for DerivedParam {
    /// Equal when named alike and computed by the same function object.
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && Arc::ptr_eq(&self.derive, &other.derive)
    }
}

/// A neuron model written as code strings (GeNN's `create_neuron_model`).
///
/// In the code, the parameters, derived parameters and variables are in scope by name,
/// with `dt` (ms), `t` (the time of this timestep, ms), `id` (the neuron's index, u32),
/// `batch` (the batch entry, u32) and `Isyn` (this timestep's summed input, f32), and
/// the functions `product(a, b)`, `rand_uniform()`, `rand_normal()` and
/// `rand_exponential()`. `sim_code` updates the variables;
/// `threshold_condition_code` is a `bool` expression tested after it; `reset_code` runs
/// where it holds, and the neuron spikes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct NeuronModelDef {
    /// The model's name, for errors.
    pub name: String,
    /// Parameter names; a population gives each a value.
    pub params: Vec<String>,
    /// Constants derived from the parameters and `dt`.
    pub derived_params: Vec<DerivedParam>,
    /// State variables.
    pub vars: Vec<Var>,
    /// Extra global parameters (GeNN's): arrays of f32 a population gives whole, which
    /// code reads by calling them, `spikeTimes(i)` (0 past the array's end).
    pub extra_global_params: Vec<String>,
    /// Additional input variables (GeNN's `additional_input_vars`): f32 inputs beside
    /// `Isyn`, each starting every timestep at the value given here, that a code
    /// postsynaptic model adds to instead of `Isyn` when it names one as its target
    /// ([`CodePostsynaptic::target`]). Read-only in the code, like `Isyn`.
    pub additional_input_vars: Vec<(String, f64)>,
    /// WGSL statements run every timestep.
    pub sim_code: String,
    /// A WGSL `bool` expression: whether the neuron spikes.
    pub threshold_condition_code: String,
    /// WGSL statements run where the neuron spiked.
    pub reset_code: String,
}

/// A population's neuron model written as code strings: the model, its parameter
/// values and how its variables start.
///
/// ```
/// use kenyon::model::code::{CodeNeuron, VarInit};
/// use kenyon::model::library;
///
/// let lif = CodeNeuron::new(library::lif())
///     .param("C", 0.2).param("TauM", 20.0).param("Vrest", -60.0).param("Vreset", -60.0)
///     .param("Vthresh", -50.0).param("Ioffset", 0.0).param("TauRefrac", 2.0)
///     .init("V", VarInit::Constant(-60.0)).init("RefracTime", VarInit::Constant(0.0));
/// assert_eq!(lif.params["TauM"], 20.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CodeNeuron {
    /// The model.
    pub model: Arc<NeuronModelDef>,
    /// A value for each of the model's parameters.
    pub params: ParamValues,
    /// How each variable starts (and restarts on reset).
    pub var_init: BTreeMap<String, VarInit>,
    /// The values of each extra global parameter.
    pub extra_global_params: BTreeMap<String, Vec<f32>>,
}

impl CodeNeuron {
    /// `model` with no parameter values or initial values given yet.
    pub fn new(model: Arc<NeuronModelDef>) -> Self {
        CodeNeuron {
            model,
            params: ParamValues::default(),
            var_init: BTreeMap::new(),
            extra_global_params: BTreeMap::new(),
        }
    }

    /// Sets extra global parameter `name` to `values`.
    pub fn extra_global_param(mut self, name: &str, values: Vec<f32>) -> Self {
        self.extra_global_params.insert(name.to_owned(), values);
        self
    }

    /// Sets parameter `name` to `value`.
    pub fn param(mut self, name: &str, value: f64) -> Self {
        self.params.0.insert(name.to_owned(), value);
        self
    }

    /// Sets how variable `name` starts.
    pub fn init(mut self, name: &str, init: VarInit) -> Self {
        self.var_init.insert(name.to_owned(), init);
        self
    }
}

/// A postsynaptic model written as a code string (GeNN's `create_postsynaptic_model`).
///
/// Its `sim_code` runs once per target neuron and timestep, before the neuron's own
/// code: `inSyn` holds the group's input (its previous value plus this timestep's
/// summed weights) and keeps what the code leaves in it; `injectCurrent(x)` adds `x` to
/// the neuron's `Isyn`. The code sees its parameters, derived parameters, `dt`, `t`,
/// `id`, `batch`, its own variables, and the target neuron's variables, read-only (`V`
/// for a conductance-based synapse).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PostsynapticModelDef {
    /// The model's name, for errors.
    pub name: String,
    /// Parameter names; a synapse group gives each a value.
    pub params: Vec<String>,
    /// Constants derived from the parameters and `dt`.
    pub derived_params: Vec<DerivedParam>,
    /// State variables, one per target neuron and batch entry: the target population's,
    /// named `"{group}.{variable}"` (read with `Simulator::read_var`).
    pub vars: Vec<Var>,
    /// WGSL statements run every timestep for every target neuron.
    pub sim_code: String,
}

/// A synapse group's postsynaptic model written as a code string, with its parameter
/// values and how its variables start.
#[derive(Clone, Debug, PartialEq)]
pub struct CodePostsynaptic {
    /// The model.
    pub model: Arc<PostsynapticModelDef>,
    /// A value for each of the model's parameters.
    pub params: ParamValues,
    /// How each variable starts (and restarts on reset).
    pub var_init: BTreeMap<String, VarInit>,
    /// The target neuron's additional input variable that `injectCurrent` adds to
    /// (GeNN's `post_target_var`); `None` for `Isyn`.
    pub target: Option<String>,
}

impl CodePostsynaptic {
    /// `model` with no values given yet, injecting into `Isyn`.
    pub fn new(model: Arc<PostsynapticModelDef>) -> Self {
        CodePostsynaptic {
            model,
            params: ParamValues::default(),
            var_init: BTreeMap::new(),
            target: None,
        }
    }

    /// Makes `injectCurrent` add to the target neuron's additional input variable
    /// `name` instead of `Isyn`.
    pub fn target(mut self, name: &str) -> Self {
        self.target = Some(name.to_owned());
        self
    }

    /// Sets parameter `name` to `value`.
    pub fn param(mut self, name: &str, value: f64) -> Self {
        self.params.0.insert(name.to_owned(), value);
        self
    }

    /// Sets how variable `name` starts.
    pub fn init(mut self, name: &str, init: VarInit) -> Self {
        self.var_init.insert(name.to_owned(), init);
        self
    }
}

/// A current source model written as a code string (GeNN's
/// `create_current_source_model`).
///
/// Its `injection_code` runs once per neuron of the target population and timestep,
/// after the postsynaptic models: `injectCurrent(x)` adds `x` to the neuron's `Isyn`. It
/// sees its parameters, derived parameters, variables (one per target neuron and batch
/// entry, readable as `"{source}.{variable}"` with `Simulator::read_var` on the target
/// population), `dt`, `t`, `id`, `batch`, and the random functions.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CurrentSourceModelDef {
    /// The model's name, for errors.
    pub name: String,
    /// Parameter names; a current source gives each a value.
    pub params: Vec<String>,
    /// Constants derived from the parameters and `dt`.
    pub derived_params: Vec<DerivedParam>,
    /// State variables.
    pub vars: Vec<Var>,
    /// WGSL statements run every timestep for every target neuron.
    pub injection_code: String,
}

/// A current source's model written as a code string, with its parameter values and
/// how its variables start.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeCurrentSource {
    /// The model.
    pub model: Arc<CurrentSourceModelDef>,
    /// A value for each of the model's parameters.
    pub params: ParamValues,
    /// How each variable starts (and restarts on reset).
    pub var_init: BTreeMap<String, VarInit>,
}

impl CodeCurrentSource {
    /// `model` with no parameter values or initial values given yet.
    pub fn new(model: Arc<CurrentSourceModelDef>) -> Self {
        CodeCurrentSource {
            model,
            params: ParamValues::default(),
            var_init: BTreeMap::new(),
        }
    }

    /// Sets parameter `name` to `value`.
    pub fn param(mut self, name: &str, value: f64) -> Self {
        self.params.0.insert(name.to_owned(), value);
        self
    }

    /// Sets how variable `name` starts.
    pub fn init(mut self, name: &str, init: VarInit) -> Self {
        self.var_init.insert(name.to_owned(), init);
        self
    }
}
