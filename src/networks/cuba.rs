//! Benchmark 2 of Brette et al. (2007): CUBA, the Vogels-Abbott network with
//! exponentially decaying synaptic currents.

use super::{VogelsAbbott, vogels_abbott};
use crate::model::code::VarInit;
use crate::model::library;
use crate::{LifParams, NeuronModel, PostsynapticModel, WeightUpdateModel};

/// The neurons: TauM = 20 ms, El = -49 mV (above threshold: the leak alone drives them),
/// Vreset = -60 mV, Vthresh = -50 mV, 5 ms refractory period (Brette et al. 2007,
/// benchmark 2; Brian2's `examples/CUBA.py`). Brian writes the synaptic currents as
/// voltages (`dv/dt = (ge + gi - (v - El)) / taum`); with C = 1 nF the membrane's
/// resistance is TauM / C = 20 MΩ, and a jump of `w` mV in `ge` is one of `w / 20` nA.
pub const NEURON: LifParams = LifParams {
    c: 1.0,
    tau_m: 20.0,
    v_rest: -49.0,
    v_reset: -60.0,
    v_thresh: -50.0,
    i_offset: 0.0,
    tau_refrac: 5.0,
};

/// Excitatory weight: 60 * 0.27 / 10 = 1.62 mV, as a current (nA).
const WEIGHT_EXCITATORY: f64 = 60.0 * 0.27 / 10.0 / 20.0;
/// Inhibitory weight: -20 * 4.5 / 10 = -9 mV, as a current (nA).
const WEIGHT_INHIBITORY: f64 = -20.0 * 4.5 / 10.0 / 20.0;

/// CUBA: 3200 excitatory and 800 inhibitory LIF neurons (GeNN's LIF, [`NEURON`]),
/// connected with probability 0.02, through exponentially decaying currents (GeNN's
/// `ExpCurr`: tau 5 ms excitatory, 10 ms inhibitory) that jump by 1.62 mV and -9 mV
/// (as voltages, 0.081 nA and -0.45 nA) per spike; `V` starts uniform in
/// [-60 mV, -50 mV) per neuron, the currents at 0, as Brian2's `examples/CUBA.py`.
pub fn cuba() -> VogelsAbbott {
    let neuron = || {
        NeuronModel::Code(library::lif_from(&NEURON).init(
            "V",
            VarInit::Uniform {
                min: -60.0,
                max: -50.0,
            },
        ))
    };
    let synapses = |excitatory: bool| {
        let (g, tau) = if excitatory {
            (WEIGHT_EXCITATORY, 5.0)
        } else {
            (WEIGHT_INHIBITORY, 10.0)
        };
        (
            WeightUpdateModel::StaticPulseConstantWeight { g },
            PostsynapticModel::ExpCurr { tau },
        )
    };
    vogels_abbott("CUBA", neuron, synapses)
}
