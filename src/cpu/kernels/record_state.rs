//! State recording: a slice's sampled neurons' variables copied into the population's
//! samples after its neuron update (twin: the `record_state` piece of
//! `shaders/neuron_update.wgsl`, written by `gpu/kernels/state_recording.rs`).

use std::sync::atomic::{AtomicU32, Ordering};

use crate::model::{BuiltStateRecording, RecordedVar};

/// Where a timestep's sample goes: batch entry `entry` of samples `[entry][sample][var]
/// [neuron]` with room for `max_samples` per entry, in a recording that started at
/// timestep `first_step`.
pub(crate) struct SampleAt {
    pub entry: usize,
    pub timestep: u64,
    pub first_step: u64,
    pub max_samples: usize,
}

/// Writes the sample of timestep `at.timestep`, if it is sampled, of the recorded
/// neurons in `lo..lo + len`: `value(var, i)` gives the bits of variable `var` of the
/// slice's neuron `i` (counted from `lo`).
#[inline]
pub(crate) fn record_state(
    rec: &BuiltStateRecording,
    (lo, len): (usize, usize),
    value: impl Fn(RecordedVar, usize) -> u32,
    at: &SampleAt,
    samples: &[AtomicU32],
) {
    if !at.timestep.is_multiple_of(u64::from(rec.every)) {
        return;
    }
    let row = rec.row_of(at.timestep, at.first_step);
    let n = rec.neurons.len();
    let base = (at.entry * at.max_samples + row) * rec.values_per_sample();
    let first = rec.by_neuron.partition_point(|&(i, _)| (i as usize) < lo);
    let last = rec
        .by_neuron
        .partition_point(|&(i, _)| (i as usize) < lo + len);
    for &(neuron, slot) in &rec.by_neuron[first..last] {
        for (v, &var) in rec.vars.iter().enumerate() {
            let bits = value(var, neuron as usize - lo);
            samples[base + v * n + slot as usize].store(bits, Ordering::Relaxed);
        }
    }
}
