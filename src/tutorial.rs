//! GeNN's insect mushroom-body MNIST tutorial network: part 2 ("Adding Kenyon Cells"),
//! 784 projection neurons driven by image pixels, 20 000 Kenyon cells, sparse PN -> KC
//! synapses with fixed fan-in and exponential currents; part 3 adds gain control, one
//! giant GABAergic neuron (GGN) that counts KC spikes and inhibits every KC; part 4 adds
//! ten mushroom-body output neurons (MBONs) that learn from a teacher current through
//! symmetric STDP on the KC -> MBON synapses; part 5 classifies with the learned weights
//! (the first MBON to spike is the answer).

use crate::model::{
    Connectivity, CurrentSourceId, CurrentSourceModel, IfParams, LifParams, Network, NeuronModel,
    PopulationId, PostsynapticModel, StdpParams, SynapseGroupId, WeightUpdateModel,
};
use crate::recording::SpikeRecording;
use crate::simulator::{PendingRecordings, SimError, Simulator};

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

/// GGN threshold (part 3): the GGN spikes once per this many KC spikes.
pub const GGN_V_THRESH: f64 = 200.0;
/// Weight of each KC -> GGN synapse (DeltaCurr).
pub const KC_GGN_WEIGHT: f64 = 1.0;
/// Weight of the GGN -> KC synapses: inhibition.
pub const GGN_KC_WEIGHT: f64 = -5.0;
/// GGN -> KC synaptic time constant [ms].
pub const GGN_KC_TAU_SYN: f64 = 5.0;

/// Output neurons, one per digit.
pub const NUM_MBON: u32 = 10;
/// Teacher current into the correct digit's MBON during training [nA].
pub const TEACHER_CURRENT: f32 = 5.0;
/// KC -> MBON postsynaptic time constant [ms].
pub const KC_MBON_TAU_SYN: f64 = 3.0;
/// GGN `V` at the start of every test image: the published notebook resets it to -60
/// there (0 in training).
pub const TEST_GGN_INITIAL_V: f64 = -60.0;

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

/// The network with handles to its parts.
#[derive(Clone, Debug)]
pub struct MushroomBody {
    /// Parts 4 and 5's output neurons, when the network has them.
    pub output: Option<Output>,
    pub network: Network,
    pub pn: PopulationId,
    pub kc: PopulationId,
    pub pn_input: CurrentSourceId,
    pub pn_kc: SynapseGroupId,
    /// Part 3's gain control, when the network has it.
    pub gain_control: Option<GainControl>,
}

/// Parts 4-5's MBONs, their KC synapses and (when training) the teacher current.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    pub mbon: PopulationId,
    pub kc_mbon: SynapseGroupId,
    pub teacher: Option<CurrentSourceId>,
}

/// Part 3's giant GABAergic neuron and its synapses.
#[derive(Clone, Copy, Debug)]
pub struct GainControl {
    pub ggn: PopulationId,
    pub kc_ggn: SynapseGroupId,
    pub ggn_kc: SynapseGroupId,
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
        gain_control: None,
        output: None,
    }
}

/// Tutorial part 3: part 2 plus gain control. One GGN (IF, `Vthresh` 200, `V` from 0)
/// receives every KC spike (dense, weight 1, DeltaCurr) and inhibits every KC (dense,
/// weight -5, ExpCurr tau 5 ms): once 200 KCs have spiked, all KCs are inhibited. Spike
/// recording is on for the GGN too.
pub fn mushroom_body_with_gain_control() -> MushroomBody {
    let mut mb = mushroom_body();
    let network = &mut mb.network;
    let ggn = network.add_neuron_population(
        "ggn",
        1,
        NeuronModel::If(IfParams {
            v_thresh: GGN_V_THRESH,
        }),
    );
    network.set_spike_recording(ggn, true);
    let kc_ggn = network.add_synapse_group(
        "kc_ggn",
        mb.kc,
        ggn,
        WeightUpdateModel::StaticPulseConstantWeight { g: KC_GGN_WEIGHT },
        PostsynapticModel::DeltaCurr,
        Connectivity::Dense,
    );
    let ggn_kc = network.add_synapse_group(
        "ggn_kc",
        ggn,
        mb.kc,
        WeightUpdateModel::StaticPulseConstantWeight { g: GGN_KC_WEIGHT },
        PostsynapticModel::ExpCurr {
            tau: GGN_KC_TAU_SYN,
        },
        Connectivity::Dense,
    );
    mb.gain_control = Some(GainControl {
        ggn,
        kc_ggn,
        ggn_kc,
    });
    mb
}

/// Tutorial part 4: part 3 plus ten MBONs (standard LIF, spikes recorded) with a teacher
/// current source, and dense KC -> MBON synapses learning by symmetric STDP from `g` = 0
/// (see [`KC_MBON_STDP`]). Present images with [`present_training`], batch size 1.
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
    let mbon =
        network.add_neuron_population("mbon", NUM_MBON, NeuronModel::Lif(LifParams::TUTORIAL));
    network.set_spike_recording(mbon, true);
    let teacher = teacher.then(|| {
        network.add_current_source(
            "mbon_teacher",
            mbon,
            CurrentSourceModel::Magnitude { initial: 0.0 },
        )
    });
    let kc_mbon = network.add_synapse_group(
        "kc_mbon",
        mb.kc,
        mbon,
        weights,
        PostsynapticModel::ExpCurr {
            tau: KC_MBON_TAU_SYN,
        },
        Connectivity::Dense,
    );
    mb.output = Some(Output {
        mbon,
        kc_mbon,
        teacher,
    });
}

/// Tutorial part 5: part 3 with the PN -> KC synapses of a trained network (`pn`, `kc`
/// index lists) and its learned KC -> MBON weights (`kc_mbon_g`, `[kc][mbon]`) as static
/// weights that drive the MBONs; no teacher; the GGN starts each image at -60 as in the
/// published notebook. Classify with [`classify`].
pub fn mushroom_body_for_testing(pn: Vec<u32>, kc: Vec<u32>, kc_mbon_g: Vec<f32>) -> MushroomBody {
    let mut mb = mushroom_body_with_gain_control();
    let network = &mut mb.network;
    network.synapse_groups[mb.pn_kc.index()].connectivity =
        Connectivity::FromList { pre: pn, post: kc };
    if let Some(g) = mb.gain_control {
        network.set_initial_v(g.ggn, TEST_GGN_INITIAL_V);
    }
    add_output(
        &mut mb,
        WeightUpdateModel::StaticPulse { g: kc_mbon_g },
        false,
    );
    mb
}

/// Presents one training image with its label: the teacher drives the label's MBON with
/// [`TEACHER_CURRENT`] while the KC -> MBON synapses learn. Learned weights persist.
pub fn present_training(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    input_currents: &[f32],
    label: u8,
) -> Result<StimulusResponse, SimError> {
    if let Some(teacher) = mb.output.and_then(|o| o.teacher) {
        let mut currents = vec![0.0f32; NUM_MBON as usize];
        if let Some(c) = currents.get_mut(usize::from(label)) {
            *c = TEACHER_CURRENT;
        }
        sim.set_magnitude(teacher, &currents)?;
    }
    present(sim, mb, input_currents)
}

/// The tutorial's answer: the MBON that spikes first (the lowest index among those
/// spiking in the same timestep), or `None` if no MBON spikes.
pub fn classify(mbon: &SpikeRecording) -> Option<u32> {
    (0..mbon.n_steps).find_map(|step| {
        mbon.step_words(step)
            .iter()
            .enumerate()
            .find(|(_, w)| **w != 0)
            .map(|(i, w)| i as u32 * 32 + w.trailing_zeros())
    })
}

/// What one stimulus did.
#[derive(Clone, Debug)]
pub struct StimulusResponse {
    pub pn: SpikeRecording,
    pub kc: SpikeRecording,
    /// The GGN's spikes, in a network with gain control.
    pub ggn: Option<SpikeRecording>,
    /// The MBONs' spikes, in a network with output neurons.
    pub mbon: Option<SpikeRecording>,
}

/// Presents one image's input currents for [`PRESENT_STEPS`] timesteps from a reset state,
/// as the tutorial does, and returns the PN and KC recordings. Needs batch size 1.
pub fn present(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    input_currents: &[f32],
) -> Result<StimulusResponse, SimError> {
    let mut responses = present_batch(sim, mb, &[input_currents])?;
    responses.pop().ok_or(SimError::BatchMismatch {
        images: 1,
        batch_size: sim.batch_size(),
    })
}

/// Presents up to `batch_size` images at once, image `k` in batch entry `k`, each from a
/// reset state; entries past the last image get no input and are not returned.
pub fn present_batch(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    inputs: &[&[f32]],
) -> Result<Vec<StimulusResponse>, SimError> {
    let pending = start_batch(sim, mb, inputs)?;
    finish_batch(sim, mb, pending, inputs.len())
}

/// Presents `count` images in batches of the simulation's batch size, reading each batch's
/// recordings back while the next batch runs (on a GPU the device never waits for the
/// host). `input(i)` gives image `i`'s currents; `on_batch(first, responses)` receives
/// each batch's responses in order, image `first + k` in `responses[k]`.
pub fn present_all<E: From<SimError>>(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    count: usize,
    mut input: impl FnMut(usize) -> Result<Vec<f32>, E>,
    mut on_batch: impl FnMut(usize, Vec<StimulusResponse>) -> Result<(), E>,
) -> Result<(), E> {
    let batch = sim.batch_size() as usize;
    let mut in_flight: Option<(PendingRecordings, usize, usize)> = None;
    let mut next = 0;
    while next < count || in_flight.is_some() {
        let started = if next < count {
            let end = (next + batch).min(count);
            let currents = (next..end).map(&mut input).collect::<Result<Vec<_>, E>>()?;
            let refs: Vec<&[f32]> = currents.iter().map(Vec::as_slice).collect();
            let pending = start_batch(sim, mb, &refs)?;
            let first = next;
            next = end;
            Some((pending, first, end - first))
        } else {
            None
        };
        if let Some((pending, first, len)) = in_flight.take() {
            on_batch(first, finish_batch(sim, mb, pending, len)?)?;
        }
        in_flight = started;
    }
    Ok(())
}

fn start_batch(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    inputs: &[&[f32]],
) -> Result<PendingRecordings, SimError> {
    let batch = sim.batch_size() as usize;
    let n = NUM_PN as usize;
    if inputs.is_empty() || inputs.len() > batch {
        return Err(SimError::BatchMismatch {
            images: inputs.len(),
            batch_size: sim.batch_size(),
        });
    }
    let mut magnitudes = vec![0.0f32; batch * n];
    for (entry, currents) in magnitudes.chunks_mut(n).zip(inputs) {
        if currents.len() != n {
            return Err(SimError::WrongImageSize {
                expected: n,
                found: currents.len(),
            });
        }
        entry.copy_from_slice(currents);
    }
    sim.reset()?;
    sim.set_magnitude(mb.pn_input, &magnitudes)?;
    sim.step_time(PRESENT_STEPS)?;
    sim.start_take_recording()
}

fn finish_batch(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    pending: PendingRecordings,
    images: usize,
) -> Result<Vec<StimulusResponse>, SimError> {
    let mut recordings = sim.finish_take_recording(pending)?;
    let mut take = |p: PopulationId| {
        recordings
            .take(p)
            .ok_or(SimError::UnknownPopulation(p.index()))
    };
    let (pn, kc) = (take(mb.pn)?, take(mb.kc)?);
    let mut ggn = match mb.gain_control {
        Some(g) => Some(take(g.ggn)?.into_iter()),
        None => None,
    };
    let mut mbon = match mb.output {
        Some(o) => Some(take(o.mbon)?.into_iter()),
        None => None,
    };
    Ok(pn
        .into_iter()
        .zip(kc)
        .take(images)
        .map(|(pn, kc)| StimulusResponse {
            pn,
            kc,
            ggn: ggn.as_mut().and_then(Iterator::next),
            mbon: mbon.as_mut().and_then(Iterator::next),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_mbon_to_spike_is_the_answer() {
        let mut rec = SpikeRecording::new("mbon", NUM_MBON, 5, 0.1, 0);
        assert_eq!(classify(&rec), None);
        rec.set(3, 7);
        assert_eq!(classify(&rec), Some(7));
        rec.set(2, 4);
        rec.set(2, 1);
        assert_eq!(classify(&rec), Some(1), "ties go to the lowest index");
        rec.set(4, 0);
        assert_eq!(classify(&rec), Some(1));
    }
}
