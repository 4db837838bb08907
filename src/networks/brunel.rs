//! Brunel (2000), "Dynamics of sparsely connected networks of excitatory and inhibitory
//! spiking neurons", J Comput Neurosci 8:183-208: model A (identical excitatory and
//! inhibitory neurons, delta synapses), with parameters and construction as NEST's
//! `pynest/examples/brunel_delta_nest.py` (nest/nest-simulator) writes it, but for the
//! reset potential, which is the paper's 10 mV (the NEST script resets to 0 mV).
//!
//! Parameters (the script's names):
//! - `order` = 2500: NE = 4 order = 10 000 excitatory and NI = order = 2500 inhibitory
//!   neurons, dt = 0.1 ms.
//! - `epsilon` = 0.1: each neuron draws CE = 0.1 NE = 1000 excitatory and CI = 0.1 NI =
//!   250 inhibitory presynaptic neurons, uniformly with replacement (NEST's
//!   `fixed_indegree`, autapses and multapses allowed: `FixedNumberPreWithReplacement`).
//! - Neurons: NEST's `iaf_psc_delta` with E_L = 0 mV, tau_m = 20 ms, threshold theta =
//!   20 mV, V_reset = 10 mV (Brunel 2000; the script: 0 mV), t_ref = 2 ms, V_m = 0 mV at
//!   the start. Input arriving during the refractory period is lost (NEST's default).
//! - Synapses: a spike moves the target's potential by J = 0.1 mV (excitatory) or
//!   -g J = -0.5 mV (inhibitory, g = 5), D = 1.5 ms after it: a spike in timestep `t`
//!   reaches its targets in timestep `t + 15` (kenyon's delay of 14 steps, counted beyond
//!   the one timestep every synapse takes).
//! - External drive: eta = 2, nu_thr = theta / (J CE tau_m) = 10 Hz, nu_ext = eta nu_thr
//!   = 20 Hz; every neuron receives its own Poisson spike train of rate CE nu_ext =
//!   20 kHz (the script's `poisson_generator` of rate `p_rate`, connected to every
//!   neuron), each spike moving it by J.
//!
//! kenyon has no Poisson generator device; [`poisson_input`] is one as a current source:
//! each timestep it draws, per neuron, the number `n` of external spikes from
//! Poisson(CE nu_ext dt) = Poisson(2) (inverting its CDF, tabulated on the host, with one
//! `rand_uniform()`), and injects `n J`, which the neuron adds to `V` as it adds the
//! recurrent input. That is what NEST's `poisson_generator` sends (one event of
//! multiplicity `n` per step and target); the draws differ (Philox here, NEST's own
//! generator there), not their distribution. The external drive has no delay (NEST's
//! 1.5 ms only shifts a stationary Poisson train).

use std::sync::{Arc, LazyLock};

use super::BenchmarkNetwork;
use crate::model::SynapticDelay;
use crate::model::code::{CodeCurrentSource, CodeNeuron, CurrentSourceModelDef};
use crate::model::code::{DerivedParam, NeuronModelDef, Var, VarInit};
use crate::{Connectivity, CurrentSourceModel, Network, NeuronModel, PostsynapticModel};
use crate::{SynapseGroup, WeightUpdateModel};

/// NEST's `order` in the published network: 10 000 + 2500 neurons.
pub const ORDER: u32 = 2500;
/// Connection probability `epsilon`: the in-degrees are 10 % of each population.
pub const EPSILON: f64 = 0.1;
/// Excitatory synaptic efficacy J, mV.
pub const J: f64 = 0.1;
/// Relative strength of inhibition g: inhibitory synapses are -g J.
pub const G: f64 = 5.0;
/// External rate relative to the threshold rate, eta.
pub const ETA: f64 = 2.0;
/// Membrane time constant, ms.
pub const TAU_M: f64 = 20.0;
/// Firing threshold theta, mV (rest at 0 mV).
pub const THETA: f64 = 20.0;
/// Reset potential, mV (Brunel 2000).
pub const V_RESET: f64 = 10.0;
/// Absolute refractory period, ms.
pub const T_REF: f64 = 2.0;
/// Transmission delay D, ms: 15 timesteps from the spike to its arrival.
pub const DELAY_MS: f64 = 1.5;

/// The network of Brunel (2000), model A, at NEST's `order` 2500: 10 000 excitatory and
/// 2500 inhibitory neurons (see the [module documentation](self)).
pub fn brunel() -> BenchmarkNetwork {
    brunel_of_order(ORDER)
}

/// The network with NEST's `order` (at least 1): 4 `order` excitatory and `order`
/// inhibitory neurons, in-degrees CE = 0.4 `order` and CI = 0.1 `order` (at least 1),
/// and the external rate eta nu_thr following CE. Smaller orders are for tests; only
/// 2500 is the published network.
pub fn brunel_of_order(order: u32) -> BenchmarkNetwork {
    let order = order.max(1);
    let (n_exc, n_inh) = (4 * order, order);
    let c_e = ((EPSILON * f64::from(n_exc)) as u32).max(1);
    let c_i = ((EPSILON * f64::from(n_inh)) as u32).max(1);
    let nu_thr_hz = THETA / (J * f64::from(c_e) * TAU_M) * 1000.0;
    let external_hz = ETA * nu_thr_hz * f64::from(c_e);
    let mut network = Network::new(super::DT);
    let neuron = || NeuronModel::Code(lif_delta());
    let excitatory = network.add_neuron_population("excitatory", n_exc, neuron());
    let inhibitory = network.add_neuron_population("inhibitory", n_inh, neuron());
    let delay = SynapticDelay::axonal(delay_steps());
    for (pre, pre_name, num, g) in [(excitatory, "e", c_e, J), (inhibitory, "i", c_i, -G * J)] {
        for (post, post_name) in [(excitatory, "e"), (inhibitory, "i")] {
            let group = network.add_synapse_group(SynapseGroup {
                name: format!("{pre_name}{post_name}"),
                pre,
                post,
                weight_update: WeightUpdateModel::StaticPulseConstantWeight { g },
                postsynaptic: PostsynapticModel::DeltaCurr,
                connectivity: Connectivity::FixedNumberPreWithReplacement { num },
            });
            network
                .set_synaptic_delay(group, delay.clone())
                .expect("the group was just added to this network");
        }
    }
    for (population, name) in [(excitatory, "external_e"), (inhibitory, "external_i")] {
        let drive = poisson_input(external_hz, J, super::DT);
        network.add_current_source(name, population, CurrentSourceModel::Code(drive));
        network
            .set_spike_recording(population, true)
            .expect("the population was just added to this network");
    }
    BenchmarkNetwork {
        name: "Brunel",
        source: "Brunel 2000, model A",
        network,
        excitatory,
        inhibitory,
        sizes: [n_exc, n_inh],
    }
}

/// kenyon's delay of D = 1.5 ms: 14 timesteps beyond the one every synapse takes.
pub fn delay_steps() -> u32 {
    (DELAY_MS / super::DT).round() as u32 - 1
}

/// NEST's `iaf_psc_delta` with E_L = 0 and no constant current, as a code string:
/// each timestep outside the refractory period `V = exp(-dt / tau_m) V + Isyn`, `Isyn`
/// the jumps (mV) of the input arriving in it; `V >= theta` spikes and resets `V`, and
/// the next `round(t_ref / dt)` timesteps leave `V` and drop their input. The
/// refractory period is counted in whole timesteps (`RefracSteps`, exact in f32), as
/// NEST counts it. Parameters TauM, Vthresh, Vreset, TauRefrac; variables V (mV) and
/// RefracSteps.
pub fn lif_delta_model() -> Arc<NeuronModelDef> {
    static MODEL: LazyLock<Arc<NeuronModelDef>> = LazyLock::new(|| {
        Arc::new(NeuronModelDef {
            name: "LIFDelta".into(),
            params: ["TauM", "Vthresh", "Vreset", "TauRefrac"]
                .map(String::from)
                .to_vec(),
            derived_params: vec![
                DerivedParam::new("ExpTC", |p, dt| (-dt / p["TauM"]).exp()),
                DerivedParam::new("RefracTimesteps", |p, dt| (p["TauRefrac"] / dt).round()),
            ],
            vars: vec![Var::f32("V"), Var::f32("RefracSteps")],
            extra_global_params: vec![],
            additional_input_vars: vec![],
            sim_code: "\
if (RefracSteps <= 0.0) {
    V = product(ExpTC, V) + Isyn;
} else {
    RefracSteps -= 1.0;
}"
            .into(),
            threshold_condition_code: "V >= Vthresh".into(),
            reset_code: "V = Vreset;\nRefracSteps = RefracTimesteps;".into(),
        })
    });
    MODEL.clone()
}

/// [`lif_delta_model`] with Brunel's parameters, starting at `V` = 0 mV.
pub fn lif_delta() -> CodeNeuron {
    CodeNeuron::new(lif_delta_model())
        .param("TauM", TAU_M)
        .param("Vthresh", THETA)
        .param("Vreset", V_RESET)
        .param("TauRefrac", T_REF)
        .init("V", VarInit::Constant(0.0))
        .init("RefracSteps", VarInit::Constant(0.0))
}

/// Independent Poisson spike trains of `rate_hz` into every target neuron, each spike
/// injecting `weight`, as a current source at timestep `dt` (ms): each timestep it
/// draws the number of spikes `n` ~ Poisson(`rate_hz dt / 1000`) by inverting the CDF
/// with one `rand_uniform()` and injects `n weight`. The CDF is tabulated on the host
/// (derived parameters `cdf0`, `cdf1`, ...) up to the count whose tail is below the
/// uniform's resolution (2^-24), so the draw is exact but for that resolution.
/// Parameters `rate` (Hz) and `weight`.
pub fn poisson_input(rate_hz: f64, weight: f64, dt: f64) -> CodeCurrentSource {
    let lambda = rate_hz * dt / 1000.0;
    let terms = poisson_cdf(lambda).len();
    let mut code = String::from("let u = rand_uniform();\nvar n = 0.0;\n");
    let mut derived_params = Vec::with_capacity(terms);
    for k in 0..terms {
        code.push_str(&format!("n += select(0.0, 1.0, u >= cdf{k});\n"));
        derived_params.push(DerivedParam::new(&format!("cdf{k}"), move |p, dt| {
            poisson_cdf(p["rate"] * dt / 1000.0)
                .get(k)
                .copied()
                .unwrap_or(1.0)
        }));
    }
    code.push_str("injectCurrent(product(n, weight));");
    let model = Arc::new(CurrentSourceModelDef {
        name: "PoissonInput".into(),
        params: vec!["rate".into(), "weight".into()],
        derived_params,
        vars: vec![],
        injection_code: code,
    });
    CodeCurrentSource::new(model)
        .param("rate", rate_hz)
        .param("weight", weight)
}

/// The CDF of Poisson(`lambda`) at 0, 1, ... up to the first count whose tail is below
/// 2^-25 (where an f32 uniform in [0, 1) can no longer exceed it).
pub fn poisson_cdf(lambda: f64) -> Vec<f64> {
    let mut cdf = Vec::new();
    let (mut term, mut sum) = ((-lambda).exp(), 0.0);
    for k in 0..1000 {
        sum += term;
        cdf.push(sum);
        if 1.0 - sum < 2f64.powi(-25) {
            break;
        }
        term *= lambda / f64::from(k + 1);
    }
    cdf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_parameters() {
        let net = brunel();
        assert_eq!(net.sizes, [10_000, 2500]);
        assert_eq!(delay_steps(), 14);
        assert_eq!(net.network.synaptic_delay(0).axonal_steps, 14);
    }

    #[test]
    fn poisson_cdf_of_two() {
        let cdf = poisson_cdf(2.0);
        assert!((cdf[0] - (-2.0f64).exp()).abs() < 1e-15);
        assert!((cdf[2] - 5.0 * (-2.0f64).exp()).abs() < 1e-15);
        assert!(1.0 - cdf[cdf.len() - 1] < 2f64.powi(-25));
        assert!(cdf.len() < 20);
    }
}
