//! Neuron models. Each is one Rust file and one WGSL file beside it: its parameters, the
//! constants derived from them, its update for the CPU (one neuron, and the 32 lanes of a
//! spike word) and the WGSL piece the GPU's neuron update calls, with the table of values
//! for that piece's override constants. The `neuron_models!` registry lists them: one line
//! per model (beside its `mod` line) makes it a variant of [`NeuronModel`] and
//! [`NeuronConstants`], and both backends pick it up from there. `docs/adding-a-model.md`
//! walks through adding one.

mod integrate_and_fire;
mod lif;

use super::ModelError;
use super::code::CodeNeuron;

/// The 32 neurons of one spike word, one value per lane: the unit every model's CPU code
/// computes on. With a length the compiler knows, the lanes stay in full-width vector
/// registers; a population's partial last word goes through padded lanes.
pub type Lanes<T = f32> = [T; 32];

/// Initial (and reset) values of a population's state. Models without a refractory
/// period leave `refrac_time` at 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NeuronInit {
    /// Membrane potential `V` in mV.
    pub v: f32,
    /// Remaining refractory time `RefracTime` in ms.
    pub refrac_time: f32,
}

/// A neuron model's parameters, as the user gives them.
pub trait NeuronParams: Copy + std::fmt::Debug + PartialEq {
    /// What backends need: the constants derived from the parameters for one timestep.
    type Constants: NeuronUpdate;
    /// Checks the parameters; `owner` names the population in errors.
    fn validate(&self, owner: &str) -> Result<(), ModelError>;
    /// The constants for timestep `dt` (ms), computed in f64 and stored as f32, the
    /// precision the simulation runs in.
    fn derive(&self, dt: f64) -> Self::Constants;
    /// The state a population starts in and returns to on reset.
    fn initial_state(&self) -> NeuronInit;
    /// Parameters that make the model spike under moderate input: what the tests that
    /// cover every registered model use.
    fn example() -> Self;
}

/// A neuron model's update, written once for each backend in the model's own files.
///
/// The state of a neuron is `V` and `RefracTime`; `isyn` is the sum of its inputs in this
/// timestep. Both forms must give the same bits: the CPU's tests hold
/// [`update_lanes`](NeuronUpdate::update_lanes) to [`update`](NeuronUpdate::update) and the
/// GPU's tests hold the WGSL piece to the CPU, spike for spike. Products that feed an add
/// are rounded on their own in WGSL (`product`, `product4`), as Rust computes them.
pub trait NeuronUpdate: Copy + std::fmt::Debug + PartialEq + Send + Sync {
    /// The WGSL piece: it declares the override constants that
    /// [`wgsl_constants`](NeuronUpdate::wgsl_constants) names and defines
    /// `fn neuron_model(v: ptr<function, vec4<f32>>, refrac_time: ptr<function,
    /// vec4<f32>>, isyn: vec4<f32>) -> vec4<bool>`, the update of four neurons.
    const WGSL: &'static str;
    /// The values of the WGSL piece's override constants, by name.
    fn wgsl_constants(&self) -> Vec<(&'static str, f32)>;
    /// One neuron's update, threshold test and reset; true if it spiked.
    fn update(&self, v: &mut f32, refrac_time: &mut f32, isyn: f32) -> bool;
    /// The same arithmetic on the 32 lanes of a spike word, branch-free so it vectorises;
    /// returns each lane's spike flag (all ones where it spiked, else 0). Implementations
    /// are `#[inline(always)]`: the CPU backend compiles them into its AVX2 and AVX-512
    /// neuron updates.
    fn update_lanes(&self, v: &mut Lanes, refrac_time: &mut Lanes, isyn: &Lanes) -> Lanes<u32>;
}

/// Code that runs for whichever model a population has, compiled once per model (the CPU
/// backend's neuron update is one).
pub trait NeuronVisitor {
    /// What the code returns.
    type Output;
    /// Runs the code for `model`.
    fn visit<M: NeuronUpdate>(self, model: &M) -> Self::Output;
}

/// Registers neuron models: each line `Variant(module::Params)` re-exports the model's
/// module, adds a variant to [`NeuronModel`] (holding the parameters) and to
/// [`NeuronConstants`] (holding their derived constants), and routes every per-model call
/// to the model's own code. (The module's `mod` line stays outside, where rustfmt sees it.)
macro_rules! neuron_models {
    ($( $(#[$doc:meta])* $variant:ident($module:ident :: $params:ident) ),* $(,)?) => {
        $( pub use $module::*; )*

        /// The neuron models a population can use: the built-in ones, with hand-written
        /// code for each backend, and models written as code strings.
        #[derive(Clone, Debug, PartialEq)]
        pub enum NeuronModel {
            $( $(#[$doc])* $variant($params), )*
            /// A model written as WGSL code strings (see [`crate::model::code`]), with
            /// its parameter values and initial values.
            Code(CodeNeuron),
        }

        /// A neuron model's constants for one timestep length, as backends use them.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum NeuronConstants {
            $( $(#[$doc])* $variant(<$params as NeuronParams>::Constants), )*
        }

        impl NeuronModel {
            /// Checks the parameters; `owner` names the population in errors.
            pub(crate) fn validate(&self, owner: &str) -> Result<(), ModelError> {
                match self {
                    $( Self::$variant(p) => p.validate(owner), )*
                    Self::Code(code) => Ok(code.check(owner)?),
                }
            }

            /// A built-in model's derived constants for timestep `dt` (ms); `None` for a
            /// model written as code strings, which is compiled when the network is
            /// built.
            pub fn derive(&self, dt: f64) -> Option<NeuronConstants> {
                match self {
                    $( Self::$variant(p) => Some(NeuronConstants::$variant(p.derive(dt))), )*
                    Self::Code(_) => None,
                }
            }

            /// A built-in model's derived constants for timestep `dt`, or the code
            /// strings of one that has them.
            pub(crate) fn derive_or_code(&self, dt: f64) -> Result<NeuronConstants, &CodeNeuron> {
                match self {
                    $( Self::$variant(p) => Ok(NeuronConstants::$variant(p.derive(dt))), )*
                    Self::Code(code) => Err(code),
                }
            }

            /// The state a built-in model's population starts in and returns to on
            /// reset, as the tutorial initialises it (for code strings, `V` and
            /// `RefracTime` 0: their variables start as the population says).
            pub fn initial_state(&self) -> NeuronInit {
                match self {
                    $( Self::$variant(p) => p.initial_state(), )*
                    Self::Code(_) => NeuronInit { v: 0.0, refrac_time: 0.0 },
                }
            }

            /// One example of every registered model (see [`NeuronParams::example`]),
            /// then of every model in the code-string library
            /// ([`library::examples`](crate::model::library::examples)).
            pub fn examples() -> Vec<NeuronModel> {
                let mut examples = vec![ $( Self::$variant(<$params as NeuronParams>::example()), )* ];
                examples.extend(crate::model::library::examples().into_iter().map(Self::Code));
                examples
            }
        }

        impl NeuronConstants {
            /// Runs `visitor` for this model.
            pub fn visit<V: NeuronVisitor>(&self, visitor: V) -> V::Output {
                match self { $( Self::$variant(c) => visitor.visit(c), )* }
            }

            /// The model's WGSL piece (see [`NeuronUpdate::WGSL`]).
            pub fn wgsl(&self) -> &'static str {
                match self { $( Self::$variant(_) => <<$params as NeuronParams>::Constants as NeuronUpdate>::WGSL, )* }
            }

            /// The values of the WGSL piece's override constants.
            pub fn wgsl_constants(&self) -> Vec<(&'static str, f32)> {
                match self { $( Self::$variant(c) => c.wgsl_constants(), )* }
            }

            /// One neuron's update (see [`NeuronUpdate::update`]).
            pub fn update(&self, v: &mut f32, refrac_time: &mut f32, isyn: f32) -> bool {
                match self { $( Self::$variant(c) => c.update(v, refrac_time, isyn), )* }
            }
        }
    };
}

neuron_models! {
    /// GeNN's `LIF`: leaky integrate-and-fire with an absolute refractory period.
    Lif(lif::LifParams),
    /// The tutorial's integrate-and-fire neuron (part 3's giant GABAergic neuron).
    If(integrate_and_fire::IfParams),
}
