//! The tutorial's symmetric STDP rule (part 4). Its WGSL piece is `stdp.wgsl` beside this
//! file, used by the learning kernels.

use super::ModelError;

/// The spike time of a neuron that hasn't spiked since the last reset: -FLT_MAX, as in
/// GeNN, so that `exp(-(t - st) / tau)` underflows to 0 (WGSL leaves arithmetic on
/// infinities undefined, so not -inf).
pub const NEVER_SPIKED: f32 = -f32::MAX;

/// The tutorial's symmetric STDP rule on a per-synapse weight `g`. With `st_pre` /
/// `st_post` the time of the most recent spike of the synapse's pre / post neuron
/// ([`NEVER_SPIKED`] if none since the last reset, so its term is 0), in the synapse
/// update of timestep `t`:
/// every presynaptic spike of the previous timestep does
/// `g += eta * (exp(-(t - st_post) / tau) - rho)`, then every postsynaptic one
/// `g += eta * (exp(-(t - st_pre) / tau) - rho)`, each clipped to `[w_min, w_max]`.
/// With `drive_post` false (the tutorial's training phase) presynaptic spikes only
/// learn and do not add `g` to the postsynaptic input. Weights are shared by a batch,
/// so simulations with plastic synapses run with batch size 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StdpParams {
    /// Time constant `tau` in ms.
    pub tau: f64,
    /// Depression offset `rho`.
    pub rho: f64,
    /// Learning rate `eta`.
    pub eta: f64,
    /// Lower weight bound `wMin`.
    pub w_min: f64,
    /// Upper weight bound `wMax`.
    pub w_max: f64,
    /// Every synapse's `g` at the start.
    pub g_init: f64,
    /// Whether presynaptic spikes also add `g` to the postsynaptic input.
    pub drive_post: bool,
}

impl StdpParams {
    /// Checks the parameters of synapse group `group`'s rule.
    pub(crate) fn validate(&self, group: &str) -> Result<(), ModelError> {
        let owner = &format!("synapse group '{group}'");
        ModelError::check_finite(
            owner,
            &[
                ("tau", self.tau),
                ("rho", self.rho),
                ("eta", self.eta),
                ("wMin", self.w_min),
                ("wMax", self.w_max),
                ("g", self.g_init),
            ],
        )?;
        if self.tau <= 0.0 {
            return Err(ModelError::InvalidParameter {
                owner: owner.to_owned(),
                parameter: "tau",
                value: self.tau,
                requirement: "greater than 0",
            });
        }
        if !(self.w_min <= self.g_init && self.g_init <= self.w_max) {
            return Err(ModelError::InvalidSynapses {
                group: group.to_owned(),
                reason: format!(
                    "initial g = {} must lie in [wMin, wMax] = [{}, {}]",
                    self.g_init, self.w_min, self.w_max
                ),
            });
        }
        Ok(())
    }

    /// The rule's constants as backends use them.
    pub fn derive(&self) -> StdpConstants {
        StdpConstants {
            tau: self.tau as f32,
            rho: self.rho as f32,
            eta: self.eta as f32,
            w_min: self.w_min as f32,
            w_max: self.w_max as f32,
        }
    }
}

/// [`StdpParams`] as backends use them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StdpConstants {
    /// `tau` in ms.
    pub tau: f32,
    /// `rho`.
    pub rho: f32,
    /// `eta`.
    pub eta: f32,
    /// `wMin`.
    pub w_min: f32,
    /// `wMax`.
    pub w_max: f32,
}

impl StdpConstants {
    /// The WGSL piece: the override constants [`wgsl_constants`](Self::wgsl_constants)
    /// names and `fn stdp_update(g: f32, t: f32, st: f32) -> f32`.
    pub const WGSL: &'static str = include_str!("stdp.wgsl");

    /// The values of the WGSL piece's override constants.
    pub fn wgsl_constants(&self) -> Vec<(&'static str, f32)> {
        vec![
            ("TAU", self.tau),
            ("RHO", self.rho),
            ("ETA", self.eta),
            ("W_MIN", self.w_min),
            ("W_MAX", self.w_max),
        ]
    }

    /// One update of a weight: `g + eta * (exp(-(t - st) / tau) - rho)`, clipped. The
    /// same f32 operations on every backend (the GPU's `exp` may differ in the last bit).
    #[inline]
    pub fn update(&self, g: f32, t: f32, st: f32) -> f32 {
        let dw = self.eta * ((-(t - st) / self.tau).exp() - self.rho);
        (g + dw).clamp(self.w_min, self.w_max)
    }
}
