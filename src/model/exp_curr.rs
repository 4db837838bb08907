//! Postsynaptic models: GeNN's `ExpCurr` and `DeltaCurr`, which share one update. Its WGSL
//! piece is `exp_curr.wgsl` beside this file.

use super::ModelError;
use super::neuron::Lanes;

/// How a synapse group's input turns into current in its target neurons.
#[derive(Clone, Debug, PartialEq)]
pub enum PostsynapticModel {
    /// Exponentially decaying current with time constant `tau` in ms.
    ExpCurr {
        /// Decay time constant in ms.
        tau: f64,
    },
    /// The whole input of a timestep is injected in that timestep: `Isyn += inSyn;
    /// inSyn = 0`.
    DeltaCurr,
    /// A model written as a WGSL code string (see [`crate::model::code`]), with its
    /// parameter values. Its target population runs its neuron model as code strings
    /// too (a built-in LIF or IF as the library's twin, with the same spikes).
    Code(super::code::CodePostsynaptic),
}

impl PostsynapticModel {
    /// Checks the parameters; `owner` names the synapse group in errors.
    pub(crate) fn validate(&self, owner: &str) -> Result<(), ModelError> {
        match *self {
            PostsynapticModel::Code(ref code) => Ok(code.check(owner)?),
            PostsynapticModel::ExpCurr { tau } if !(tau.is_finite() && tau > 0.0) => {
                Err(ModelError::InvalidParameter {
                    owner: owner.to_owned(),
                    parameter: "tau",
                    value: tau,
                    requirement: "a finite number greater than 0",
                })
            }
            _ => Ok(()),
        }
    }

    /// Derived constants for timestep `dt` (ms). A model written as code strings has
    /// none (its constants are compiled into its target's neuron update): the built-in
    /// update is given constants that inject nothing, and is not run.
    pub fn derive(&self, dt: f64) -> PostsynapticConstants {
        match *self {
            PostsynapticModel::Code(_) => PostsynapticConstants {
                exp_decay: 0.0,
                init: 0.0,
            },
            PostsynapticModel::ExpCurr { tau } => {
                let exp_decay = (-dt / tau).exp();
                PostsynapticConstants {
                    exp_decay: exp_decay as f32,
                    init: (tau * (1.0 - exp_decay) / dt) as f32,
                }
            }
            // ExpCurr's update with these constants is DeltaCurr bit for bit: `1 * s` is
            // `s`, and `s * 0` is zero, so both backends need only the one update.
            PostsynapticModel::DeltaCurr => PostsynapticConstants {
                exp_decay: 0.0,
                init: 1.0,
            },
        }
    }
}

/// A postsynaptic model's derived constants, for the ExpCurr update both models use:
/// `inSyn += input; Isyn += init * inSyn; inSyn *= expDecay`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PostsynapticConstants {
    /// `expDecay = exp(-dt / tau)`: how much of `inSyn` survives one timestep.
    pub exp_decay: f32,
    /// `init = tau (1 - expDecay) / dt`: scales `inSyn` into the injected current so a
    /// pulse of weight `g` delivers charge `g * tau` whatever `dt` is.
    pub init: f32,
}

impl PostsynapticConstants {
    /// The WGSL piece of incoming group `k` (after `{{k}}` is filled in): it declares
    /// the group's `in_syn_{k}` buffer and the override constants that
    /// [`wgsl_constants`](Self::wgsl_constants) names, and defines `exp_curr_{k}`.
    pub const WGSL: &'static str = include_str!("exp_curr.wgsl");

    /// The values of the WGSL piece's override constants for incoming group `k`.
    pub fn wgsl_constants(&self, k: usize) -> Vec<(String, f32)> {
        vec![
            (format!("INIT_{k}"), self.init),
            (format!("EXP_DECAY_{k}"), self.exp_decay),
        ]
    }

    /// One timestep over the 32 lanes of a spike word (twin of `exp_curr.wgsl`): this
    /// timestep's synaptic `input` joins `in_syn`, `init * inSyn` is added to `isyn`, then
    /// `in_syn` decays.
    #[inline(always)]
    pub fn update_lanes(&self, isyn: &mut Lanes, in_syn: &mut Lanes, input: &Lanes) {
        for ((total, s), &x) in isyn.iter_mut().zip(in_syn).zip(input) {
            let joined = *s + x;
            *total += self.init * joined;
            *s = joined * self.exp_decay;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_constants_match_genn_formulas() {
        let delta = PostsynapticModel::DeltaCurr.derive(0.1);
        assert_eq!((delta.init, delta.exp_decay), (1.0, 0.0));
        let ps = PostsynapticModel::ExpCurr { tau: 3.0 }.derive(0.1);
        let d = (-0.1f64 / 3.0).exp();
        assert_eq!(ps.exp_decay, d as f32);
        assert_eq!(ps.init, (3.0 * (1.0 - d) / 0.1) as f32);
        // init is close to 1 for tau >> dt: a pulse of g delivers about g per step at first.
        assert!((ps.init - 0.9835).abs() < 1e-3);
    }
}
