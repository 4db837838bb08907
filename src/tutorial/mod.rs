//! GeNN's insect mushroom-body MNIST tutorial: part 2 ("Adding Kenyon Cells"), 784
//! projection neurons driven by image pixels, 20 000 Kenyon cells, sparse PN -> KC
//! synapses with fixed fan-in and exponential currents; part 3 adds gain control, one
//! giant GABAergic neuron (GGN) that counts KC spikes and inhibits every KC; part 4 adds
//! ten mushroom-body output neurons (MBONs) that learn from a teacher current through
//! symmetric STDP on the KC -> MBON synapses; part 5 classifies with the learned weights
//! (the first MBON to spike is the answer).
//!
//! `networks.rs` builds the networks, `present.rs` shows them images the way the tutorial
//! does, and `model_files.rs` saves and loads a trained model, whose files
//! `manifest.rs` ties together.

mod manifest;
mod model_files;
mod networks;
mod present;

pub use manifest::{MODEL_MANIFEST, ManifestError};
pub use model_files::{
    MODEL_CONNECTIVITY, MODEL_HISTOGRAM, MODEL_WEIGHTS, ModelFileError, TrainedModel, begin_save,
    save_synapses, write_manifest,
};
pub use networks::{
    GainControl, KC_MBON_STDP, MushroomBody, OutputNeurons, mushroom_body,
    mushroom_body_for_testing, mushroom_body_for_training, mushroom_body_with_gain_control,
    pn_params, with_code_string_models,
};
pub use present::{
    StimulusResponse, TutorialError, classify, present, present_all, present_batch,
    present_training,
};

/// Simulation timestep in ms.
pub const DT: f64 = 0.1;
/// Projection neurons: one per MNIST pixel.
pub const NUM_PN: u32 = 784;
/// Kenyon cells.
pub const NUM_KC: u32 = 20_000;
/// How long each image is presented, in ms.
pub const PRESENT_TIME_MS: f64 = 20.0;
/// Timesteps per image.
pub const PRESENT_STEPS: u32 = 200;
/// Weight of each PN -> KC synapse, in nA.
pub const PN_KC_WEIGHT: f64 = 0.2;
/// PN -> KC synaptic time constant in ms.
pub const PN_KC_TAU_SYN: f64 = 3.0;
/// Projection neurons per Kenyon cell.
pub const PN_KC_FAN_IN: u32 = 20;
/// PN refractory period in ms: long enough that each PN spikes at most once per image.
pub const PN_TAU_REFRAC: f64 = 100.0;

/// GGN threshold (part 3): the GGN spikes once per this many KC spikes.
pub const GGN_V_THRESH: f64 = 200.0;
/// Weight of each KC -> GGN synapse (DeltaCurr).
pub const KC_GGN_WEIGHT: f64 = 1.0;
/// Weight of the GGN -> KC synapses: inhibition.
pub const GGN_KC_WEIGHT: f64 = -5.0;
/// GGN -> KC synaptic time constant in ms.
pub const GGN_KC_TAU_SYN: f64 = 5.0;

/// Output neurons, one per digit.
pub const NUM_MBON: u32 = 10;
/// Teacher current into the correct digit's MBON during training, in nA.
pub const TEACHER_CURRENT: f32 = 5.0;
/// KC -> MBON postsynaptic time constant in ms.
pub const KC_MBON_TAU_SYN: f64 = 3.0;
/// GGN `V` at the start of every test image: the published notebook resets it to -60
/// there (0 in training).
pub const TEST_GGN_INITIAL_V: f64 = -60.0;
