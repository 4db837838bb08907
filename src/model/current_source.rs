//! Current source models. The WGSL piece of `Magnitude` is `current_source.wgsl` beside
//! this file; on the CPU its current is the magnitude itself, added to a neuron's input.

use super::ModelError;

/// How a current source injects current.
#[derive(Clone, Debug, PartialEq)]
pub enum CurrentSourceModel {
    /// The tutorial's custom source, `injectCurrent(magnitude)`: a per-neuron variable
    /// `magnitude` (nA) added to the neuron's input every timestep, settable between
    /// stimuli. All neurons start at `initial`.
    Magnitude {
        /// Every neuron's magnitude at the start, in nA.
        initial: f32,
    },
    /// A model written as a code string (see [`crate::model::code`]). Its target
    /// population runs its neuron model as code strings too (a built-in LIF or IF as the
    /// library's twin, with the same spikes).
    Code(super::code::CodeCurrentSource),
}

impl CurrentSourceModel {
    /// The WGSL piece of current source `k` (after `{{k}}` is filled in): it declares the
    /// source's `magnitude_{k}` buffer and defines `current_source_{k}`.
    pub const WGSL: &'static str = include_str!("current_source.wgsl");

    /// Checks the parameters; `owner` names the current source in errors.
    pub(crate) fn validate(&self, owner: &str) -> Result<(), ModelError> {
        match self {
            CurrentSourceModel::Magnitude { initial } => {
                ModelError::check_finite(owner, &[("magnitude", f64::from(*initial))])
            }
            CurrentSourceModel::Code(code) => Ok(code.check(owner)?),
        }
    }

    /// Every neuron's magnitude at the start (0 for a code-string source, which has none).
    pub fn initial_magnitude(&self) -> f32 {
        match self {
            CurrentSourceModel::Magnitude { initial } => *initial,
            CurrentSourceModel::Code(_) => 0.0,
        }
    }
}
