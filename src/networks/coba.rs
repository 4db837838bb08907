//! Benchmark 1 of Brette et al. (2007): COBA, the Vogels-Abbott network with
//! exponentially decaying synaptic conductances.

use std::sync::{Arc, LazyLock};

use super::{VogelsAbbott, vogels_abbott};
use crate::model::code::{CodePostsynaptic, DerivedParam, PostsynapticModelDef, Var, VarInit};
use crate::model::library;
use crate::{LifParams, NeuronModel, PostsynapticModel, WeightUpdateModel};

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
    let neuron = || {
        NeuronModel::Code(library::lif_from(&NEURON).init(
            "V",
            VarInit::Normal {
                mean: -65.0,
                sd: 5.0,
            },
        ))
    };
    let synapses = |excitatory: bool| {
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
    };
    vogels_abbott("COBA", neuron, synapses)
}
