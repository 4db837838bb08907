//! Built-in models, as GeNN defines them: parameters as the user gives them, derived
//! constants computed once on the host in double precision and stored as `f32`, the
//! precision the simulation runs in.

use super::ModelError;

/// GeNN's `LIF` neuron: leaky integrate-and-fire with an absolute refractory period.
///
/// Units follow GeNN: nF, ms, mV, nA.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LifParams {
    /// Membrane capacitance `C` [nF].
    pub c: f64,
    /// Membrane time constant `TauM` [ms].
    pub tau_m: f64,
    /// Resting potential `Vrest` [mV].
    pub v_rest: f64,
    /// Potential after a spike `Vreset` [mV].
    pub v_reset: f64,
    /// Spike threshold `Vthresh` [mV].
    pub v_thresh: f64,
    /// Constant offset current `Ioffset` [nA].
    pub i_offset: f64,
    /// Refractory period `TauRefrac` [ms].
    pub tau_refrac: f64,
}

impl LifParams {
    /// The tutorial's standard LIF parameters (the Kenyon cells').
    pub const TUTORIAL: LifParams = LifParams {
        c: 0.2,
        tau_m: 20.0,
        v_rest: -60.0,
        v_reset: -60.0,
        v_thresh: -50.0,
        i_offset: 0.0,
        tau_refrac: 2.0,
    };

    pub(crate) fn validate(&self, population: &str) -> Result<(), ModelError> {
        let named = [
            ("C", self.c),
            ("TauM", self.tau_m),
            ("Vrest", self.v_rest),
            ("Vreset", self.v_reset),
            ("Vthresh", self.v_thresh),
            ("Ioffset", self.i_offset),
            ("TauRefrac", self.tau_refrac),
        ];
        for (name, value) in named {
            if !value.is_finite() {
                return Err(ModelError::InvalidParameter {
                    owner: population.to_owned(),
                    parameter: name,
                    value,
                    requirement: "a finite number",
                });
            }
        }
        for (name, value) in [("C", self.c), ("TauM", self.tau_m)] {
            if value <= 0.0 {
                return Err(ModelError::InvalidParameter {
                    owner: population.to_owned(),
                    parameter: name,
                    value,
                    requirement: "greater than 0",
                });
            }
        }
        if self.tau_refrac < 0.0 {
            return Err(ModelError::InvalidParameter {
                owner: population.to_owned(),
                parameter: "TauRefrac",
                value: self.tau_refrac,
                requirement: "0 or more",
            });
        }
        Ok(())
    }

    /// Derived constants for timestep `dt` [ms].
    pub fn derive(&self, dt: f64) -> LifConstants {
        LifConstants {
            exp_tc: (-dt / self.tau_m).exp() as f32,
            r_membrane: (self.tau_m / self.c) as f32,
            v_rest: self.v_rest as f32,
            v_reset: self.v_reset as f32,
            v_thresh: self.v_thresh as f32,
            i_offset: self.i_offset as f32,
            tau_refrac: self.tau_refrac as f32,
            dt: dt as f32,
        }
    }
}

/// What a backend needs to step a LIF population, all in the simulation's `f32`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LifConstants {
    /// `ExpTC = exp(-dt / TauM)`.
    pub exp_tc: f32,
    /// `Rmembrane = TauM / C` [MOhm].
    pub r_membrane: f32,
    pub v_rest: f32,
    pub v_reset: f32,
    pub v_thresh: f32,
    pub i_offset: f32,
    pub tau_refrac: f32,
    pub dt: f32,
}

/// The tutorial's integrate-and-fire neuron (part 3's giant GABAergic neuron): no leak,
/// no refractory period. `V += Isyn`; it spikes when `V >= Vthresh` and then `V = 0`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IfParams {
    /// Spike threshold `Vthresh`.
    pub v_thresh: f64,
}

impl IfParams {
    pub(crate) fn validate(&self, population: &str) -> Result<(), ModelError> {
        if !self.v_thresh.is_finite() {
            return Err(ModelError::InvalidParameter {
                owner: population.to_owned(),
                parameter: "Vthresh",
                value: self.v_thresh,
                requirement: "a finite number",
            });
        }
        Ok(())
    }
}

/// What a backend needs to step an IF population.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IfConstants {
    pub v_thresh: f32,
}

/// The neuron models a population can use.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NeuronModel {
    Lif(LifParams),
    If(IfParams),
}

/// A neuron model's constants for one timestep length, as backends use them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NeuronConstants {
    Lif(LifConstants),
    If(IfConstants),
}

/// Initial (and reset) values of a population's state. IF neurons have no
/// `RefracTime`; theirs stays 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NeuronInit {
    pub v: f32,
    pub refrac_time: f32,
}

impl NeuronModel {
    /// The state a population starts in and returns to on reset, as the tutorial
    /// initialises it: LIF `V = Vreset`, `RefracTime = 0`; IF `V = 0`.
    pub fn initial_state(&self) -> NeuronInit {
        match self {
            NeuronModel::Lif(p) => NeuronInit {
                v: p.v_reset as f32,
                refrac_time: 0.0,
            },
            NeuronModel::If(_) => NeuronInit {
                v: 0.0,
                refrac_time: 0.0,
            },
        }
    }

    pub(crate) fn validate(&self, population: &str) -> Result<(), ModelError> {
        match self {
            NeuronModel::Lif(p) => p.validate(population),
            NeuronModel::If(p) => p.validate(population),
        }
    }

    /// Derived constants for timestep `dt` [ms].
    pub fn derive(&self, dt: f64) -> NeuronConstants {
        match self {
            NeuronModel::Lif(p) => NeuronConstants::Lif(p.derive(dt)),
            NeuronModel::If(p) => NeuronConstants::If(IfConstants {
                v_thresh: p.v_thresh as f32,
            }),
        }
    }
}

/// Current source models.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CurrentSourceModel {
    /// The tutorial's custom source, `injectCurrent(magnitude)`: a per-neuron variable
    /// `magnitude` [nA] added to the neuron's input every timestep, settable between
    /// stimuli. All neurons start at `initial`.
    Magnitude { initial: f32 },
}

/// Weight update models.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightUpdateModel {
    /// Every presynaptic spike adds the same `g` to the postsynaptic input.
    StaticPulseConstantWeight { g: f64 },
    /// Every presynaptic spike adds its synapse's own `g`: one weight per synapse, in the
    /// order of the connectivity's rows (for `Dense`, `g[pre * n_post + post]`, GeNN's
    /// dense layout).
    StaticPulse { g: Vec<f32> },
    /// Tutorial part 4's symmetric STDP (see [`StdpParams`]).
    StdpSymmetric(StdpParams),
}

/// The tutorial's symmetric STDP rule on a per-synapse weight `g`. With `st_pre` /
/// `st_post` the time of the most recent spike of the synapse's pre / post neuron (none
/// since the last reset counts as -FLT_MAX, so its term is 0), in the synapse update of
/// timestep `t`:
/// every presynaptic spike of the previous timestep does
/// `g += eta * (exp(-(t - st_post) / tau) - rho)`, then every postsynaptic one
/// `g += eta * (exp(-(t - st_pre) / tau) - rho)`, each clipped to `[w_min, w_max]`.
/// With `drive_post` false (the tutorial's training phase) presynaptic spikes only
/// learn and do not add `g` to the postsynaptic input. Weights are shared by a batch,
/// so simulations with plastic synapses run with batch size 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StdpParams {
    pub tau: f64,
    pub rho: f64,
    pub eta: f64,
    pub w_min: f64,
    pub w_max: f64,
    /// Every synapse's `g` at the start.
    pub g_init: f64,
    pub drive_post: bool,
}

/// [`StdpParams`] as backends use them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StdpConstants {
    pub tau: f32,
    pub rho: f32,
    pub eta: f32,
    pub w_min: f32,
    pub w_max: f32,
}

impl StdpParams {
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

impl StdpConstants {
    /// One update of a weight: `g + eta * (exp(-(t - st) / tau) - rho)`, clipped. The
    /// same f32 operations on every backend (the GPU's `exp` may differ in the last bit).
    #[inline]
    pub fn update(&self, g: f32, t: f32, st: f32) -> f32 {
        let dw = self.eta * ((-(t - st) / self.tau).exp() - self.rho);
        (g + dw).clamp(self.w_min, self.w_max)
    }
}

/// Postsynaptic models.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PostsynapticModel {
    /// Exponentially decaying current with time constant `tau` [ms].
    ExpCurr { tau: f64 },
    /// The whole input of a timestep is injected in that timestep: `Isyn += inSyn;
    /// inSyn = 0`.
    DeltaCurr,
}

impl PostsynapticModel {
    pub fn derive(&self, dt: f64) -> PostsynapticConstants {
        match *self {
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

/// How a synapse group's connectivity is generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connectivity {
    /// For every postsynaptic neuron, `num` presynaptic neurons drawn uniformly with
    /// replacement (duplicates allowed and counted).
    FixedNumberPreWithReplacement { num: u32 },
    /// Every presynaptic neuron connects to every postsynaptic one.
    Dense,
    /// Exactly these synapses, `pre[i] -> post[i]` (e.g. connectivity saved by an earlier
    /// run); their order within each presynaptic row is kept.
    FromList { pre: Vec<u32>, post: Vec<u32> },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_constants_match_genn_formulas() {
        let lif = LifParams::TUTORIAL.derive(0.1);
        assert_eq!(lif.exp_tc, (-0.1f64 / 20.0).exp() as f32);
        assert_eq!(lif.r_membrane, 100.0);
        let delta = PostsynapticModel::DeltaCurr.derive(0.1);
        assert_eq!((delta.init, delta.exp_decay), (1.0, 0.0));
        let ps = PostsynapticModel::ExpCurr { tau: 3.0 }.derive(0.1);
        let d = (-0.1f64 / 3.0).exp();
        assert_eq!(ps.exp_decay, d as f32);
        assert_eq!(ps.init, (3.0 * (1.0 - d) / 0.1) as f32);
        // init is close to 1 for tau >> dt: a pulse of g delivers about g per step at first.
        assert!((ps.init - 0.9835).abs() < 1e-3);
    }

    #[test]
    fn invalid_lif_parameters_are_named() {
        let mut p = LifParams::TUTORIAL;
        p.tau_m = 0.0;
        let err = p.validate("kc").unwrap_err().to_string();
        assert!(err.contains("TauM") && err.contains("kc"), "{err}");
        p = LifParams::TUTORIAL;
        p.v_thresh = f64::NAN;
        assert!(p.validate("kc").is_err());
    }
}
