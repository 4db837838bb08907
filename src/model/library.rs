//! The model library: neuron, postsynaptic, current-source and weight-update models
//! written as code strings, in the same form a user writes (see
//! `docs/custom-models.md`). The built-in LIF and IF models keep hand-written
//! fast paths ([`NeuronModel::Lif`](super::NeuronModel::Lif), `If`); the tests hold those
//! to the entries here, spike for spike.

use std::sync::{Arc, LazyLock};

use super::code::{CodeCurrentSource, CurrentSourceModelDef, PostsynapticModelDef};
use super::code::{CodeNeuron, CodePostsynaptic, DerivedParam, NeuronModelDef, Var, VarInit};
use super::code::{CodeWeightUpdate, WeightUpdateModelDef};

/// GeNN's `LIF`: leaky integrate-and-fire with an absolute refractory period.
/// Parameters `C` (nF), `TauM` (ms), `Vrest`, `Vreset`, `Vthresh` (mV), `Ioffset` (nA),
/// `TauRefrac` (ms); variables `V` (mV), `RefracTime` (ms).
pub fn lif() -> Arc<NeuronModelDef> {
    static MODEL: LazyLock<Arc<NeuronModelDef>> = LazyLock::new(|| {
        Arc::new(NeuronModelDef {
            name: "LIF".into(),
            params: [
                "C",
                "TauM",
                "Vrest",
                "Vreset",
                "Vthresh",
                "Ioffset",
                "TauRefrac",
            ]
            .map(String::from)
            .to_vec(),
            derived_params: vec![
                DerivedParam::new("ExpTC", |p, dt| (-dt / p["TauM"]).exp()),
                DerivedParam::new("Rmembrane", |p, _| p["TauM"] / p["C"]),
            ],
            vars: vec![Var::f32("V"), Var::f32("RefracTime")],
            extra_global_params: vec![],
            additional_input_vars: vec![],
            sim_code: "\
if (RefracTime <= 0.0) {
    let alpha = product(Isyn + Ioffset, Rmembrane) + Vrest;
    V = alpha - product(ExpTC, alpha - V);
} else {
    RefracTime -= dt;
}"
            .into(),
            threshold_condition_code: "RefracTime <= 0.0 && V >= Vthresh".into(),
            reset_code: "V = Vreset;\nRefracTime = TauRefrac;".into(),
        })
    });
    MODEL.clone()
}

/// [`lif`] with the built-in model's parameters and initial state: the same population
/// as `NeuronModel::Lif(params)`.
pub fn lif_from(params: &super::LifParams) -> CodeNeuron {
    CodeNeuron::new(lif())
        .param("C", params.c)
        .param("TauM", params.tau_m)
        .param("Vrest", params.v_rest)
        .param("Vreset", params.v_reset)
        .param("Vthresh", params.v_thresh)
        .param("Ioffset", params.i_offset)
        .param("TauRefrac", params.tau_refrac)
        .init("V", VarInit::Constant(f64::from(params.v_reset as f32)))
        .init("RefracTime", VarInit::Constant(0.0))
}

/// The tutorial's integrate-and-fire neuron: `V += Isyn`, spiking at `Vthresh` and then
/// back to 0. Parameter `Vthresh`; variable `V`.
pub fn integrate_and_fire() -> Arc<NeuronModelDef> {
    static MODEL: LazyLock<Arc<NeuronModelDef>> = LazyLock::new(|| {
        Arc::new(NeuronModelDef {
            name: "IF".into(),
            params: vec!["Vthresh".into()],
            derived_params: vec![],
            vars: vec![Var::f32("V")],
            extra_global_params: vec![],
            additional_input_vars: vec![],
            sim_code: "V += Isyn;".into(),
            threshold_condition_code: "V >= Vthresh".into(),
            reset_code: "V = 0.0;".into(),
        })
    });
    MODEL.clone()
}

/// [`integrate_and_fire`] as `NeuronModel::If(params)` is.
pub fn integrate_and_fire_from(params: &super::IfParams) -> CodeNeuron {
    CodeNeuron::new(integrate_and_fire())
        .param("Vthresh", params.v_thresh)
        .init("V", VarInit::Constant(0.0))
}

/// Izhikevich's update, shared by [`izhikevich`] and [`izhikevich_variable`].
const IZHIKEVICH_SIM_CODE: &str = "\
if (V >= 30.0) {
    V = c;
    U += d;
}
// Two half steps of V for stability, as Izhikevich and GeNN do.
V += product(0.5 * (product(product(0.04, V), V) + product(5.0, V) + 140.0 - U + Isyn), dt);
V += product(0.5 * (product(product(0.04, V), V) + product(5.0, V) + 140.0 - U + Isyn), dt);
U += product(product(a, product(b, V) - U), dt);";

/// Izhikevich's (2003) simple model: `V' = 0.04 V^2 + 5 V + 140 - U + Isyn`,
/// `U' = a (b V - U)`, and where `V` reaches 30 mV, `V = c`, `U += d` on the next step (as
/// GeNN's `Izhikevich`: `V` is integrated in two half steps, and the neuron spikes where
/// `V >= 29.99`). Parameters `a`, `b`, `c`, `d`; variables `V` (mV) and `U`.
pub fn izhikevich() -> Arc<NeuronModelDef> {
    static MODEL: LazyLock<Arc<NeuronModelDef>> = LazyLock::new(|| {
        Arc::new(NeuronModelDef {
            name: "Izhikevich".into(),
            params: ["a", "b", "c", "d"].map(String::from).to_vec(),
            derived_params: vec![],
            vars: vec![Var::f32("V"), Var::f32("U")],
            extra_global_params: vec![],
            additional_input_vars: vec![],
            sim_code: IZHIKEVICH_SIM_CODE.into(),
            threshold_condition_code: "V >= 29.99".into(),
            reset_code: String::new(),
        })
    });
    MODEL.clone()
}

/// [`izhikevich`] with `a`, `b`, `c` and `d` read-only variables, one value per neuron
/// (GeNN's `IzhikevichVariable`), as Izhikevich's 2003 network draws them.
pub fn izhikevich_variable() -> Arc<NeuronModelDef> {
    static MODEL: LazyLock<Arc<NeuronModelDef>> = LazyLock::new(|| {
        let mut model = NeuronModelDef::clone(&izhikevich());
        model.name = "IzhikevichVariable".into();
        model.params.clear();
        for name in ["a", "b", "c", "d"] {
            model.vars.push(Var::f32(name).read_only());
        }
        Arc::new(model)
    });
    MODEL.clone()
}

/// A Poisson spike source: each timestep a neuron spikes with probability
/// `rate * dt` (GeNN's `PoissonNew` in the limit of small `rate * dt`; exact as a
/// Bernoulli process on the timestep grid). Variable `rate` (Hz, read-only, one per
/// neuron); no parameters. Its draws come from `rand_uniform()`, keyed on the neuron,
/// batch entry and timestep, so every backend gives the same spikes.
pub fn poisson() -> Arc<NeuronModelDef> {
    static MODEL: LazyLock<Arc<NeuronModelDef>> = LazyLock::new(|| {
        Arc::new(NeuronModelDef {
            name: "Poisson".into(),
            params: vec![],
            derived_params: vec![DerivedParam::new("DT_S", |_, dt| dt / 1000.0)],
            vars: vec![Var::f32("rate").read_only()],
            extra_global_params: vec![],
            additional_input_vars: vec![],
            sim_code: String::new(),
            threshold_condition_code: "rand_uniform() < rate * DT_S".into(),
            reset_code: String::new(),
        })
    });
    MODEL.clone()
}

/// One population of every model in the library, with parameters that make it spike
/// under moderate input: what the tests that cover every model use.
pub fn examples() -> Vec<CodeNeuron> {
    vec![
        lif_from(&super::LifParams::TUTORIAL),
        integrate_and_fire_from(&super::IfParams { v_thresh: 1.0 }),
        izhikevich_regular_spiking(),
        CodeNeuron::new(poisson()).init("rate", VarInit::Constant(50.0)),
    ]
}

/// Izhikevich's regular-spiking cortical neuron (a = 0.02, b = 0.2, c = -65, d = 8),
/// starting at rest (`V = -65`, `U = b V = -13`).
pub fn izhikevich_regular_spiking() -> CodeNeuron {
    CodeNeuron::new(izhikevich())
        .param("a", 0.02)
        .param("b", 0.2)
        .param("c", -65.0)
        .param("d", 8.0)
        .init("V", VarInit::Constant(-65.0))
        .init("U", VarInit::Constant(-13.0))
}

/// GeNN's `ExpCurr` postsynaptic model as a code string: `inSyn` (the input, summed
/// weights) is injected scaled by `init = tau (1 - expDecay) / dt`, then decays by
/// `expDecay = exp(-dt / tau)` per timestep. Parameter `tau` (ms). The same arithmetic
/// as the built-in `PostsynapticModel::ExpCurr`.
pub fn exp_curr() -> Arc<PostsynapticModelDef> {
    static MODEL: LazyLock<Arc<PostsynapticModelDef>> = LazyLock::new(|| {
        Arc::new(PostsynapticModelDef {
            name: "ExpCurr".into(),
            params: vec!["tau".into()],
            derived_params: vec![
                DerivedParam::new("expDecay", |p, dt| (-dt / p["tau"]).exp()),
                DerivedParam::new("init", |p, dt| {
                    p["tau"] * (1.0 - (-dt / p["tau"]).exp()) / dt
                }),
            ],
            sim_code: "injectCurrent(product(init, inSyn));\ninSyn = product(inSyn, expDecay);"
                .into(),
            ..PostsynapticModelDef::default()
        })
    });
    MODEL.clone()
}

/// GeNN's `DeltaCurr` as a code string: the whole input of a timestep is injected in
/// that timestep.
pub fn delta_curr() -> Arc<PostsynapticModelDef> {
    static MODEL: LazyLock<Arc<PostsynapticModelDef>> = LazyLock::new(|| {
        Arc::new(PostsynapticModelDef {
            name: "DeltaCurr".into(),
            sim_code: "injectCurrent(inSyn);\ninSyn = 0.0;".into(),
            ..PostsynapticModelDef::default()
        })
    });
    MODEL.clone()
}

/// GeNN's `ExpCond`: a conductance-based synapse with an exponentially decaying
/// conductance. `inSyn` is the conductance (µS, summed weights); it injects
/// `inSyn (E - V)`, with `V` the target neuron's membrane potential, then decays by
/// `exp(-dt / tau)`. Parameters `tau` (ms) and `E` (reversal potential, mV).
pub fn exp_cond() -> Arc<PostsynapticModelDef> {
    static MODEL: LazyLock<Arc<PostsynapticModelDef>> = LazyLock::new(|| {
        Arc::new(PostsynapticModelDef {
            name: "ExpCond".into(),
            params: vec!["tau".into(), "E".into()],
            derived_params: vec![DerivedParam::new("expDecay", |p, dt| {
                (-dt / p["tau"]).exp()
            })],
            sim_code: "injectCurrent(product(inSyn, E - V));\ninSyn = product(inSyn, expDecay);"
                .into(),
            ..PostsynapticModelDef::default()
        })
    });
    MODEL.clone()
}

/// GeNN's alpha-shaped current (its `AlphaCurr` example): a spike of weight `w` in
/// timestep 0 leaves `x = w e t / tau exp(-t / tau)`, `t = k dt`, after timestep `k`, and
/// `x` is injected in the timestep after. Parameter `tau` (ms); variable `x`.
pub fn alpha_curr() -> Arc<PostsynapticModelDef> {
    static MODEL: LazyLock<Arc<PostsynapticModelDef>> = LazyLock::new(|| {
        Arc::new(PostsynapticModelDef {
            name: "AlphaCurr".into(),
            params: vec!["tau".into()],
            derived_params: vec![
                DerivedParam::new("expDecay", |p, dt| (-dt / p["tau"]).exp()),
                // dt expDecay e / tau: what this timestep's inSyn adds to x.
                DerivedParam::new("rise", |p, dt| {
                    dt * (-dt / p["tau"]).exp() * std::f64::consts::E / p["tau"]
                }),
            ],
            vars: vec![Var::f32("x")],
            sim_code: "injectCurrent(x);
x = product(inSyn, rise) + product(x, expDecay);
inSyn = product(inSyn, expDecay);"
                .into(),
        })
    });
    MODEL.clone()
}

/// The code-string twin of a built-in postsynaptic model (itself, if it is one).
pub fn postsynaptic_from(model: &super::PostsynapticModel) -> CodePostsynaptic {
    match model {
        super::PostsynapticModel::ExpCurr { tau } => {
            CodePostsynaptic::new(exp_curr()).param("tau", *tau)
        }
        super::PostsynapticModel::DeltaCurr => CodePostsynaptic::new(delta_curr()),
        super::PostsynapticModel::Code(code) => code.clone(),
    }
}

/// The tutorial's current source as a code string: `injectCurrent(magnitude)`, with
/// `magnitude` (nA) a variable per neuron and batch entry, set between stimuli with
/// `Simulator::write_var(target, "{source}.magnitude", ...)`. The built-in
/// `CurrentSourceModel::Magnitude` is the same source, set with `set_magnitude`.
pub fn magnitude() -> Arc<CurrentSourceModelDef> {
    static MODEL: LazyLock<Arc<CurrentSourceModelDef>> = LazyLock::new(|| {
        Arc::new(CurrentSourceModelDef {
            name: "Magnitude".into(),
            vars: vec![Var::f32("magnitude")],
            injection_code: "injectCurrent(magnitude);".into(),
            ..CurrentSourceModelDef::default()
        })
    });
    MODEL.clone()
}

/// [`magnitude`] with every neuron starting at `initial`, as
/// `CurrentSourceModel::Magnitude { initial }`.
pub fn magnitude_from(initial: f32) -> CodeCurrentSource {
    CodeCurrentSource::new(magnitude()).init("magnitude", VarInit::Constant(f64::from(initial)))
}

/// GeNN's `SpikeSourceArray`: each neuron spikes at given times. The times of all
/// neurons lie in the extra global parameter `spikeTimes`, neuron by neuron, each
/// neuron's in ascending order from `startSpike` to `endSpike` (u32 variables); a neuron
/// spikes in the first timestep whose time `t` reaches its next time, at most once per
/// timestep. Build one with [`spike_source_array_from`].
pub fn spike_source_array() -> Arc<NeuronModelDef> {
    static MODEL: LazyLock<Arc<NeuronModelDef>> = LazyLock::new(|| {
        Arc::new(NeuronModelDef {
            name: "SpikeSourceArray".into(),
            vars: vec![
                Var::new("startSpike", super::code::VarType::U32),
                Var::new("endSpike", super::code::VarType::U32).read_only(),
            ],
            extra_global_params: vec!["spikeTimes".into()],
            additional_input_vars: vec![],
            threshold_condition_code: "startSpike != endSpike && t >= spikeTimes(startSpike)"
                .into(),
            reset_code: "startSpike += 1u;".into(),
            ..NeuronModelDef::default()
        })
    });
    MODEL.clone()
}

/// A [`spike_source_array`] population whose neuron `i` spikes at `times[i]` (ms, sorted
/// here).
pub fn spike_source_array_from(times: &[Vec<f32>]) -> CodeNeuron {
    let (mut start, mut end, mut all) = (Vec::new(), Vec::new(), Vec::new());
    for neuron in times {
        let mut sorted = neuron.clone();
        sorted.sort_by(f32::total_cmp);
        start.push(all.len() as f64);
        all.extend(sorted);
        end.push(all.len() as f64);
    }
    CodeNeuron::new(spike_source_array())
        .init("startSpike", VarInit::Values(start))
        .init("endSpike", VarInit::Values(end))
        .extra_global_param("spikeTimes", all)
}

/// GeNN's `StaticPulse`: every presynaptic spike adds the synapse's read-only weight `g`
/// to its target's input.
pub fn static_pulse() -> Arc<WeightUpdateModelDef> {
    static MODEL: LazyLock<Arc<WeightUpdateModelDef>> = LazyLock::new(|| {
        Arc::new(WeightUpdateModelDef {
            name: "StaticPulse".into(),
            vars: vec![Var::f32("g").read_only()],
            pre_spike_syn_code: "addToPost(g);".into(),
            ..Default::default()
        })
    });
    MODEL.clone()
}

/// [`static_pulse`] with one weight per synapse, in the order the connectivity lists
/// them: the same group as `WeightUpdateModel::StaticPulse { g }`.
pub fn static_pulse_from(g: &[f32]) -> CodeWeightUpdate {
    CodeWeightUpdate::new(static_pulse()).init(
        "g",
        VarInit::Values(g.iter().map(|&w| f64::from(w)).collect()),
    )
}

/// The tutorial's symmetric STDP (part 4, see [`StdpParams`](super::StdpParams)):
/// parameters `tau` (ms), `rho`, `eta`, `wMin`, `wMax`; variable `g`. A presynaptic
/// spike does `g += eta * (exp(-(t - st_post) / tau) - rho)`, a postsynaptic one the
/// same with `st_pre`, each clipped to `[wMin, wMax]`. With `drive_post`, a presynaptic
/// spike first adds `g` to its target's input (the tutorial's training doesn't).
pub fn stdp_symmetric(drive_post: bool) -> Arc<WeightUpdateModelDef> {
    fn model(drive_post: bool) -> Arc<WeightUpdateModelDef> {
        let update = |st: &str| {
            format!(
                "let dw = product(eta, exp(-(t - {st}) / tau) - rho);\ng = clamp(g + dw, wMin, wMax);"
            )
        };
        let drive = if drive_post { "addToPost(g);\n" } else { "" };
        Arc::new(WeightUpdateModelDef {
            name: "STDPSymmetric".into(),
            params: ["tau", "rho", "eta", "wMin", "wMax"]
                .map(String::from)
                .to_vec(),
            vars: vec![Var::f32("g")],
            pre_spike_syn_code: format!("{drive}{}", update("st_post")),
            post_spike_syn_code: update("st_pre"),
            ..Default::default()
        })
    }
    static LEARNING: LazyLock<Arc<WeightUpdateModelDef>> = LazyLock::new(|| model(false));
    static DRIVING: LazyLock<Arc<WeightUpdateModelDef>> = LazyLock::new(|| model(true));
    match drive_post {
        true => DRIVING.clone(),
        false => LEARNING.clone(),
    }
}

/// [`stdp_symmetric`] with the built-in rule's parameters: the same group as
/// `WeightUpdateModel::StdpSymmetric(params)`.
pub fn stdp_symmetric_from(params: &super::StdpParams) -> CodeWeightUpdate {
    CodeWeightUpdate::new(stdp_symmetric(params.drive_post))
        .param("tau", params.tau)
        .param("rho", params.rho)
        .param("eta", params.eta)
        .param("wMin", params.w_min)
        .param("wMax", params.w_max)
        .init("g", VarInit::Constant(params.g_init))
        .max_add_to_post(
            params
                .w_min
                .abs()
                .max(params.w_max.abs())
                .max(f64::MIN_POSITIVE),
        )
}

/// Additive STDP with traces (Song, Miller and Abbott 2000, in Brian2's classic form):
/// parameters `tauPlus`, `tauMinus` (ms), `Aplus`, `Aminus`, `wMin`, `wMax`; variable
/// `g`; a presynaptic trace `preTrace` and a postsynaptic one `postTrace`. Each trace
/// decays by `exp(-dt / tau)` every timestep (a derived parameter) and grows by 1 at
/// its neuron's spike. A presynaptic spike adds `g` to its target's input, then
/// depresses `g` by `Aminus * postTrace` (not below `wMin`); a postsynaptic spike
/// potentiates it by `Aplus * preTrace` (not above `wMax`). The traces are read in the
/// synapse update after the spike's timestep, so they include that spike's own step.
pub fn stdp_additive() -> Arc<WeightUpdateModelDef> {
    static MODEL: LazyLock<Arc<WeightUpdateModelDef>> = LazyLock::new(|| {
        Arc::new(WeightUpdateModelDef {
            name: "STDPAdditive".into(),
            params: ["tauPlus", "tauMinus", "Aplus", "Aminus", "wMin", "wMax"]
                .map(String::from)
                .to_vec(),
            derived_params: vec![
                DerivedParam::new("decayPlus", |p, dt| (-dt / p["tauPlus"]).exp()),
                DerivedParam::new("decayMinus", |p, dt| (-dt / p["tauMinus"]).exp()),
            ],
            vars: vec![Var::f32("g")],
            pre_vars: vec![Var::f32("preTrace")],
            post_vars: vec![Var::f32("postTrace")],
            pre_spike_syn_code: "addToPost(g);\ng = max(wMin, g - product(Aminus, postTrace));"
                .into(),
            post_spike_syn_code: "g = min(wMax, g + product(Aplus, preTrace));".into(),
            pre_dynamics_code: "preTrace = product(preTrace, decayPlus);".into(),
            pre_spike_code: "preTrace += 1.0;".into(),
            post_dynamics_code: "postTrace = product(postTrace, decayMinus);".into(),
            post_spike_code: "postTrace += 1.0;".into(),
        })
    });
    MODEL.clone()
}
