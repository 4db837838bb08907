//! Current source models. The WGSL piece of `Magnitude` is `current_source.wgsl` beside
//! this file; on the CPU its current is the magnitude itself, added to a neuron's input.

use super::ModelError;

/// How a current source injects current.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CurrentSourceModel {
    /// The tutorial's custom source, `injectCurrent(magnitude)`: a per-neuron variable
    /// `magnitude` (nA) added to the neuron's input every timestep, settable between
    /// stimuli. All neurons start at `initial`.
    Magnitude {
        /// Every neuron's magnitude at the start, in nA.
        initial: f32,
    },
}

impl CurrentSourceModel {
    /// The WGSL piece of current source `k` (after `{{k}}` is filled in): it declares the
    /// source's `magnitude_{k}` buffer and defines `current_source_{k}`.
    pub const WGSL: &'static str = include_str!("current_source.wgsl");

    /// Checks the parameters; `owner` names the current source in errors.
    pub(crate) fn validate(&self, owner: &str) -> Result<(), ModelError> {
        let CurrentSourceModel::Magnitude { initial } = *self;
        ModelError::check_finite(owner, &[("magnitude", f64::from(initial))])
    }

    /// Every neuron's magnitude at the start.
    pub fn initial_magnitude(&self) -> f32 {
        let CurrentSourceModel::Magnitude { initial } = *self;
        initial
    }
}
