//! GeNN's insect mushroom-body MNIST tutorial network (part 2, "Adding Kenyon Cells"):
//! 784 projection neurons driven by image pixels, 20 000 Kenyon cells, sparse PN -> KC
//! synapses with fixed fan-in and exponential currents.

use crate::model::{
    Connectivity, CurrentSourceId, CurrentSourceModel, LifParams, Network, NeuronModel,
    PopulationId, PostsynapticModel, SynapseGroupId, WeightUpdateModel,
};
use crate::recording::SpikeRecording;
use crate::simulator::{SimError, Simulator};

/// Simulation timestep [ms].
pub const DT: f64 = 0.1;
/// Projection neurons: one per MNIST pixel.
pub const NUM_PN: u32 = 784;
/// Kenyon cells.
pub const NUM_KC: u32 = 20_000;
/// How long each image is presented [ms].
pub const PRESENT_TIME_MS: f64 = 20.0;
/// Timesteps per image.
pub const PRESENT_STEPS: u32 = 200;
/// Weight of each PN -> KC synapse [nA].
pub const PN_KC_WEIGHT: f64 = 0.2;
/// PN -> KC synaptic time constant [ms].
pub const PN_KC_TAU_SYN: f64 = 3.0;
/// Projection neurons per Kenyon cell.
pub const PN_KC_FAN_IN: u32 = 20;
/// PN refractory period [ms]: long enough that each PN spikes at most once per image.
pub const PN_TAU_REFRAC: f64 = 100.0;

/// The tutorial's PNs: standard LIF with a 100 ms refractory period.
pub fn pn_params() -> LifParams {
    LifParams {
        tau_refrac: PN_TAU_REFRAC,
        ..LifParams::TUTORIAL
    }
}

/// The network with handles to its parts.
#[derive(Clone, Debug)]
pub struct MushroomBody {
    pub network: Network,
    pub pn: PopulationId,
    pub kc: PopulationId,
    pub pn_input: CurrentSourceId,
    pub pn_kc: SynapseGroupId,
}

/// Tutorial part 2: PN -> KC, spike recording on for both populations.
pub fn mushroom_body() -> MushroomBody {
    let mut network = Network::new(DT);
    let pn = network.add_neuron_population("pn", NUM_PN, NeuronModel::Lif(pn_params()));
    let kc = network.add_neuron_population("kc", NUM_KC, NeuronModel::Lif(LifParams::TUTORIAL));
    network.set_spike_recording(pn, true);
    network.set_spike_recording(kc, true);
    let pn_input = network.add_current_source(
        "pn_input",
        pn,
        CurrentSourceModel::Magnitude { initial: 0.0 },
    );
    let pn_kc = network.add_synapse_group(
        "pn_kc",
        pn,
        kc,
        WeightUpdateModel::StaticPulseConstantWeight { g: PN_KC_WEIGHT },
        PostsynapticModel::ExpCurr { tau: PN_KC_TAU_SYN },
        Connectivity::FixedNumberPreWithReplacement { num: PN_KC_FAN_IN },
    );
    MushroomBody {
        network,
        pn,
        kc,
        pn_input,
        pn_kc,
    }
}

/// What one stimulus did.
#[derive(Clone, Debug)]
pub struct StimulusResponse {
    pub pn: SpikeRecording,
    pub kc: SpikeRecording,
}

/// Presents one image's input currents for [`PRESENT_STEPS`] timesteps from a reset state,
/// as the tutorial does, and returns the PN and KC recordings.
pub fn present(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    input_currents: &[f32],
) -> Result<StimulusResponse, SimError> {
    sim.reset()?;
    sim.set_magnitude(mb.pn_input, input_currents)?;
    sim.step_time(PRESENT_STEPS)?;
    let mut recordings = sim.take_recording()?;
    let mut take = |p: PopulationId| {
        recordings
            .get_mut(p.index())
            .and_then(Option::take)
            .ok_or(SimError::UnknownPopulation(p.index()))
    };
    Ok(StimulusResponse {
        pn: take(mb.pn)?,
        kc: take(mb.kc)?,
    })
}
