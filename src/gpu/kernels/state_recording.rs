//! State recording's piece of the neuron update (`shaders/neuron_update.wgsl`; twin:
//! `cpu/kernels/record_state.rs`): after each timestep's update, a sampled timestep's
//! values of the quad's recorded neurons are written from the registers the block keeps
//! them in, so blocks of timesteps keep working. No loop is added: the quad's four
//! neurons and the variables are written out one by one.
//!
//! A population's buffer (`BufferId::StateRecording`) is [`HEADER_WORDS`] words (the
//! first: the phase, the first sampled row of the recording since the last take or
//! reset, written by the host), then each padded neuron's position among the recorded
//! ones (`BuiltStateRecording::slot_table`), then the samples `[sample][entry][var]
//! [neuron]` from [`samples_offset`].

use super::constants;
use crate::gpu::plan::{BufferId, padded};
use crate::model::{BuiltPopulation, BuiltStateRecording, RecordedVar};

/// Words before the slot table: the phase, and padding.
pub(crate) const HEADER_WORDS: u32 = 4;

/// Where the samples of a population of `size` neurons start, in words.
pub(crate) fn samples_offset(size: u32) -> u64 {
    u64::from(HEADER_WORDS) + u64::from(padded(size))
}

/// Words of population `pop`'s buffer for `max_samples` samples of `batch` entries.
pub(crate) fn buffer_words(
    pop: &BuiltPopulation,
    rec: &BuiltStateRecording,
    batch: u32,
    max_samples: u32,
) -> u64 {
    samples_offset(pop.size)
        + u64::from(max_samples) * u64::from(batch) * rec.values_per_sample() as u64
}

/// The WGSL pieces (binding, per-quad load, per-timestep record), constants and binding
/// of population `p`'s state recording; empty pieces where it has none.
pub(crate) struct Piece {
    pub binding: String,
    pub load: String,
    pub record: String,
    pub constants: Vec<(String, f64)>,
    pub bindings: Vec<(String, BufferId)>,
}

/// The piece of population `p`, `pop`.
pub(crate) fn piece(pop: &BuiltPopulation, p: usize) -> Piece {
    let Some(rec) = &pop.state_recording else {
        return Piece {
            binding: String::new(),
            load: String::new(),
            record: String::new(),
            constants: Vec::new(),
            bindings: Vec::new(),
        };
    };
    let binding =
        "@group(0) @binding({{binding}}) var<storage, read_write> state_recording: array<u32>;
override STATE_EVERY: u32;
override STATE_NEURONS: u32;
override STATE_VALUES: u32;
override STATE_SAMPLES: u32;"
            .to_owned();
    let load = format!(
        "            let state_phase = state_recording[0];
            let state_table = {HEADER_WORDS}u + (word * 8u + m) * 4u;
            let state_slots_q = vec4(state_recording[state_table], state_recording[state_table + 1u],
                state_recording[state_table + 2u], state_recording[state_table + 3u]);"
    );
    let mut record = String::from(
        "                let state_row = params.record_slot + j;
                if state_row >= state_phase && (state_row - state_phase) % STATE_EVERY == 0u {
                    let state_base = STATE_SAMPLES
                        + ((state_row - state_phase) / STATE_EVERY * BATCH + entry) * STATE_VALUES;
",
    );
    for lane in ["x", "y", "z", "w"] {
        record += &format!("                    if state_slots_q.{lane} != 0xffffffffu {{\n");
        for (v, var) in rec.vars.iter().enumerate() {
            let local = match var {
                RecordedVar::V => "v_q".to_owned(),
                RecordedVar::RefracTime => "refrac_time_q".to_owned(),
                RecordedVar::Code(i) => format!("kenyon_state_{i}_q"),
            };
            record += &format!(
                "                        state_recording[state_base + {v}u * STATE_NEURONS + state_slots_q.{lane}] = bitcast<u32>({local}.{lane});\n"
            );
        }
        record += "                    }\n";
    }
    record += "                }";
    Piece {
        binding,
        load,
        record,
        constants: constants([
            ("STATE_EVERY", rec.every as f64),
            ("STATE_NEURONS", rec.neurons.len() as f64),
            ("STATE_VALUES", rec.values_per_sample() as f64),
            ("STATE_SAMPLES", samples_offset(pop.size) as f64),
        ]),
        bindings: vec![("state_recording".to_owned(), BufferId::StateRecording(p))],
    }
}
