//! The tutorial's networks, part by part, with handles to their parts.

use super::*;
use crate::model::library;
use crate::model::{
    Connectivity, CurrentSourceId, CurrentSourceModel, IfParams, LifParams, Network, NeuronModel,
    NeuronPopulation, PopulationId, PostsynapticModel, StdpParams, SynapseGroup, SynapseGroupId,
    WeightUpdateModel,
};

/// The tutorial's KC -> MBON learning rule (part 4), in training mode: KC spikes learn
/// but do not drive the MBONs; only the teacher does.
pub const KC_MBON_STDP: StdpParams = StdpParams {
    tau: 15.0,
    rho: 0.01,
    eta: 0.00002,
    w_min: 0.0,
    w_max: 0.0233,
    g_init: 0.0,
    drive_post: false,
};

/// The tutorial's PNs: standard LIF with a 100 ms refractory period.
pub fn pn_params() -> LifParams {
    LifParams {
        tau_refrac: PN_TAU_REFRAC,
        ..LifParams::TUTORIAL
    }
}

/// A tutorial network with handles to its parts.
#[derive(Clone, Debug)]
pub struct MushroomBody {
    /// Parts 4 and 5's output neurons, when the network has them.
    pub output: Option<OutputNeurons>,
    /// The network.
    pub network: Network,
    /// The projection neurons.
    pub pn: PopulationId,
    /// The Kenyon cells.
    pub kc: PopulationId,
    /// The PNs' input current, one magnitude per pixel.
    pub pn_input: CurrentSourceId,
    /// The PN -> KC synapses.
    pub pn_kc: SynapseGroupId,
    /// Part 3's gain control, when the network has it.
    pub gain_control: Option<GainControl>,
}

/// Parts 4-5's MBONs, their KC synapses and (when training) the teacher current.
#[derive(Clone, Copy, Debug)]
pub struct OutputNeurons {
    /// The ten mushroom-body output neurons.
    pub mbon: PopulationId,
    /// The KC -> MBON synapses (plastic in training).
    pub kc_mbon: SynapseGroupId,
    /// The teacher current, in training.
    pub teacher: Option<CurrentSourceId>,
}

/// Part 3's giant GABAergic neuron and its synapses.
#[derive(Clone, Copy, Debug)]
pub struct GainControl {
    /// The GGN.
    pub ggn: PopulationId,
    /// KC -> GGN synapses.
    pub kc_ggn: SynapseGroupId,
    /// GGN -> KC synapses.
    pub ggn_kc: SynapseGroupId,
}

/// A population with spike recording on.
fn recorded(name: &str, size: u32, model: NeuronModel, initial_v: Option<f64>) -> NeuronPopulation {
    NeuronPopulation {
        name: name.to_owned(),
        size,
        model,
        spike_recording: true,
        initial_v,
    }
}

/// Static synapses of constant weight `g`.
fn static_synapses(
    name: &str,
    (pre, post): (PopulationId, PopulationId),
    g: f64,
    postsynaptic: PostsynapticModel,
    connectivity: Connectivity,
) -> SynapseGroup {
    SynapseGroup {
        name: name.to_owned(),
        pre,
        post,
        weight_update: WeightUpdateModel::StaticPulseConstantWeight { g },
        postsynaptic,
        connectivity,
    }
}

/// Tutorial part 2: PN -> KC, spike recording on for both populations.
pub fn mushroom_body() -> MushroomBody {
    let mut network = Network::new(DT);
    let pn = network.add_population(recorded("pn", NUM_PN, NeuronModel::Lif(pn_params()), None));
    let kc_model = NeuronModel::Lif(LifParams::TUTORIAL);
    let kc = network.add_population(recorded("kc", NUM_KC, kc_model, None));
    let pn_input = network.add_current_source(
        "pn_input",
        pn,
        CurrentSourceModel::Magnitude { initial: 0.0 },
    );
    let pn_kc = network.add_synapse_group(static_synapses(
        "pn_kc",
        (pn, kc),
        PN_KC_WEIGHT,
        PostsynapticModel::ExpCurr { tau: PN_KC_TAU_SYN },
        Connectivity::FixedNumberPreWithReplacement { num: PN_KC_FAN_IN },
    ));
    MushroomBody {
        network,
        pn,
        kc,
        pn_input,
        pn_kc,
        gain_control: None,
        output: None,
    }
}

/// `mb` with each population's built-in LIF or IF model, each synapse group's ExpCurr
/// or DeltaCurr, and its StaticPulse or STDP replaced by the model library's code-string
/// twins ([`library::lif_from`], [`library::integrate_and_fire_from`],
/// [`library::postsynaptic_from`], [`library::static_pulse_from`],
/// [`library::stdp_symmetric_from`]): the same network, simulated through the machinery
/// of user-defined models, and (the tests check) the same spikes. One constant weight
/// stays built in: its 32-bit sums are the built-in model's own.
pub fn with_code_string_models(mut mb: MushroomBody) -> MushroomBody {
    for group in &mut mb.network.synapse_groups {
        group.postsynaptic =
            PostsynapticModel::Code(library::postsynaptic_from(&group.postsynaptic));
        group.weight_update = match &group.weight_update {
            WeightUpdateModel::StaticPulse { g } => {
                WeightUpdateModel::Code(library::static_pulse_from(g))
            }
            WeightUpdateModel::StdpSymmetric(p) => {
                WeightUpdateModel::Code(library::stdp_symmetric_from(p))
            }
            other => other.clone(),
        };
    }
    for pop in &mut mb.network.populations {
        pop.model = match &pop.model {
            NeuronModel::Lif(p) => NeuronModel::Code(library::lif_from(p)),
            NeuronModel::If(p) => NeuronModel::Code(library::integrate_and_fire_from(p)),
            NeuronModel::Code(code) => NeuronModel::Code(code.clone()),
        };
    }
    mb
}

/// Tutorial part 3: part 2 plus gain control. One GGN (IF, `Vthresh` 200, `V` from 0)
/// receives every KC spike (dense, weight 1, DeltaCurr) and inhibits every KC (dense,
/// weight -5, ExpCurr tau 5 ms): once 200 KCs have spiked, all KCs are inhibited. Spike
/// recording is on for the GGN too.
pub fn mushroom_body_with_gain_control() -> MushroomBody {
    with_gain_control(mushroom_body(), None)
}

/// `mb` plus the GGN, starting from `ggn_initial_v` (the model's 0 by default).
fn with_gain_control(mut mb: MushroomBody, ggn_initial_v: Option<f64>) -> MushroomBody {
    let network = &mut mb.network;
    let ggn_model = NeuronModel::If(IfParams {
        v_thresh: GGN_V_THRESH,
    });
    let ggn = network.add_population(recorded("ggn", 1, ggn_model, ggn_initial_v));
    let kc_ggn = network.add_synapse_group(static_synapses(
        "kc_ggn",
        (mb.kc, ggn),
        KC_GGN_WEIGHT,
        PostsynapticModel::DeltaCurr,
        Connectivity::Dense,
    ));
    let ggn_kc = network.add_synapse_group(static_synapses(
        "ggn_kc",
        (ggn, mb.kc),
        GGN_KC_WEIGHT,
        PostsynapticModel::ExpCurr {
            tau: GGN_KC_TAU_SYN,
        },
        Connectivity::Dense,
    ));
    mb.gain_control = Some(GainControl {
        ggn,
        kc_ggn,
        ggn_kc,
    });
    mb
}

/// Tutorial part 4: part 3 plus ten MBONs (standard LIF, spikes recorded) with a teacher
/// current source, and dense KC -> MBON synapses learning by symmetric STDP from `g` = 0
/// (see [`KC_MBON_STDP`]). Present images with
/// [`present_training`](super::present_training), batch size 1.
pub fn mushroom_body_for_training() -> MushroomBody {
    let mut mb = mushroom_body_with_gain_control();
    add_output(
        &mut mb,
        WeightUpdateModel::StdpSymmetric(KC_MBON_STDP),
        true,
    );
    mb
}

/// Adds the ten MBONs (spikes recorded) and dense KC -> MBON synapses with `weights`,
/// and a teacher current source if `teacher`.
fn add_output(mb: &mut MushroomBody, weights: WeightUpdateModel, teacher: bool) {
    let network = &mut mb.network;
    let mbon_model = NeuronModel::Lif(LifParams::TUTORIAL);
    let mbon = network.add_population(recorded("mbon", NUM_MBON, mbon_model, None));
    let teacher = teacher.then(|| {
        network.add_current_source(
            "mbon_teacher",
            mbon,
            CurrentSourceModel::Magnitude { initial: 0.0 },
        )
    });
    let kc_mbon = network.add_synapse_group(SynapseGroup {
        name: "kc_mbon".to_owned(),
        pre: mb.kc,
        post: mbon,
        weight_update: weights,
        postsynaptic: PostsynapticModel::ExpCurr {
            tau: KC_MBON_TAU_SYN,
        },
        connectivity: Connectivity::Dense,
    });
    mb.output = Some(OutputNeurons {
        mbon,
        kc_mbon,
        teacher,
    });
}

/// Tutorial part 5: part 3 with the PN -> KC synapses of a trained network (`pn`, `kc`
/// index lists) and its learned KC -> MBON weights (`kc_mbon_g`, `[kc][mbon]`) as static
/// weights that drive the MBONs; no teacher; the GGN starts each image at -60 as in the
/// published notebook. Classify with [`classify`](super::classify).
pub fn mushroom_body_for_testing(pn: Vec<u32>, kc: Vec<u32>, kc_mbon_g: Vec<f32>) -> MushroomBody {
    let mut mb = mushroom_body();
    mb.network.synapse_groups[mb.pn_kc.index()].connectivity =
        Connectivity::FromList { pre: pn, post: kc };
    let mut mb = with_gain_control(mb, Some(TEST_GGN_INITIAL_V));
    add_output(
        &mut mb,
        WeightUpdateModel::StaticPulse { g: kc_mbon_g },
        false,
    );
    mb
}
