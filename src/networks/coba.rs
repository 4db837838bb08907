//! Benchmark 1 of Brette et al. (2007): COBA, the Vogels-Abbott network with
//! exponentially decaying synaptic conductances.

use std::sync::{Arc, LazyLock};

use super::{VogelsAbbott, vogels_abbott, vogels_abbott_sized};
use crate::model::code::{CodePostsynaptic, DerivedParam, PostsynapticModelDef, Var, VarInit};
use crate::model::library;
use crate::{Connectivity, LifParams, NeuronModel, PostsynapticModel, WeightUpdateModel};

/// The neurons: C = 200 pF and gL = 10 nS (TauM = C / gL = 20 ms), El = Vreset = -60 mV,
/// Vthresh = -50 mV, 5 ms refractory period (Brette et al. 2007, benchmark 1; Brian's
/// COBA script, R. Brette 2007).
pub const NEURON: LifParams = LifParams {
    c: 0.2,
    tau_m: 20.0,
    v_rest: -60.0,
    v_reset: -60.0,
    v_thresh: -50.0,
    i_offset: 0.0,
    tau_refrac: 5.0,
};

/// Leak conductance, µS: the unit Brian's script writes conductances in.
const G_LEAK: f64 = 0.01;

/// One synapse type: time constant (ms), reversal potential (mV), weight (µS), and the
/// mean and standard deviation (µS) of the conductance each neuron starts with.
struct Synapse {
    tau: f64,
    e_rev: f64,
    weight: f64,
    initial: (f64, f64),
}

/// Excitatory: 5 ms, 0 mV, 6 nS (0.6 gL), starting at (4 +- 1.5) gL.
const EXCITATORY: Synapse = Synapse {
    tau: 5.0,
    e_rev: 0.0,
    weight: 0.6 * G_LEAK,
    initial: (4.0 * G_LEAK, 1.5 * G_LEAK),
};

/// Inhibitory: 10 ms, -80 mV, 67 nS (6.7 gL), starting at (20 +- 12) gL.
const INHIBITORY: Synapse = Synapse {
    tau: 10.0,
    e_rev: -80.0,
    weight: 6.7 * G_LEAK,
    initial: (20.0 * G_LEAK, 12.0 * G_LEAK),
};

/// GeNN's `ExpCond` with the conductance in a variable `g` instead of `inSyn`, so that it
/// can start from a drawn value, as the published script starts `ge` and `gi`: each
/// timestep the weights of the spikes that arrived are added to `g`, `g (E - V)` is
/// injected, and `g` decays by `exp(-dt / tau)`.
pub fn exp_cond_variable() -> Arc<PostsynapticModelDef> {
    static MODEL: LazyLock<Arc<PostsynapticModelDef>> = LazyLock::new(|| {
        Arc::new(PostsynapticModelDef {
            name: "ExpCondVariable".into(),
            params: vec!["tau".into(), "E".into()],
            derived_params: vec![DerivedParam::new("expDecay", |p, dt| {
                (-dt / p["tau"]).exp()
            })],
            vars: vec![Var::f32("g")],
            sim_code: "g += inSyn;
inSyn = 0.0;
injectCurrent(product(g, E - V));
g = product(g, expDecay);"
                .into(),
        })
    });
    MODEL.clone()
}

/// COBA: 3200 excitatory and 800 inhibitory LIF neurons (GeNN's LIF, [`NEURON`]),
/// connected with probability 0.02, through conductances that jump by 6 nS (excitatory,
/// reversal 0 mV, tau 5 ms) or 67 nS (inhibitory, -80 mV, 10 ms) per spike and decay
/// exponentially; `V` starts from N(-65 mV, 5 mV), the excitatory conductance from
/// N(40 nS, 15 nS) and the inhibitory one from N(200 nS, 120 nS), per neuron, as in
/// R. Brette's Brian script of the benchmark (2007). kenyon's units: nF, ms, mV, nA, µS.
pub fn coba() -> VogelsAbbott {
    vogels_abbott("COBA", neuron, synapses)
}

/// COBA scaled to `n_neurons` (four fifths excitatory, rounded down) with a fixed
/// in-degree: every neuron receives exactly `synapses_per_neuron` synapses, four fifths
/// of them (rounded) from excitatory neurons, each presynaptic neuron drawn uniformly with
/// replacement (`FixedNumberPreWithReplacement`). The neurons, synapses, weights and
/// initial state are [`coba()`]'s: with 80 synapses per neuron (64 excitatory and 16
/// inhibitory, what p = 0.02 gives on average at 4000 neurons) every neuron's input is
/// the published network's at any size, so the weights need no scaling. This is how the
/// Brian 2 paper scales the benchmark (Stimberg et al. 2019, eLife 8:e47314, figure 8:
/// "each neuron receiving on average 80 synaptic inputs"). Sizes too small for a group
/// (fewer than 5 neurons or synapses) are refused by `build`.
pub fn coba_scaled(n_neurons: u32, synapses_per_neuron: u32) -> VogelsAbbott {
    let excitatory = (u64::from(n_neurons) * 4 / 5) as u32;
    let from_excitatory = (u64::from(synapses_per_neuron) * 4 + 2) / 5;
    let from_excitatory = from_excitatory as u32;
    let connectivity = |is_excitatory: bool| Connectivity::FixedNumberPreWithReplacement {
        num: if is_excitatory {
            from_excitatory
        } else {
            synapses_per_neuron - from_excitatory
        },
    };
    let sizes = [excitatory, n_neurons - excitatory];
    vogels_abbott_sized("COBA", sizes, neuron, synapses, connectivity)
}

/// Each population's model: [`NEURON`], `V` from N(-65 mV, 5 mV).
fn neuron() -> NeuronModel {
    NeuronModel::Code(library::lif_from(&NEURON).init(
        "V",
        VarInit::Normal {
            mean: -65.0,
            sd: 5.0,
        },
    ))
}

/// Each synapse group's weight and postsynaptic model, by whether it is excitatory.
fn synapses(excitatory: bool) -> (WeightUpdateModel, PostsynapticModel) {
    let s = if excitatory { EXCITATORY } else { INHIBITORY };
    let (mean, sd) = s.initial;
    let postsynaptic = CodePostsynaptic::new(exp_cond_variable())
        .param("tau", s.tau)
        .param("E", s.e_rev)
        .init("g", VarInit::Normal { mean, sd });
    (
        WeightUpdateModel::StaticPulseConstantWeight { g: s.weight },
        PostsynapticModel::Code(postsynaptic),
    )
}
