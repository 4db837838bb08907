//! The CPU's kernel stages, each the twin of the WGSL kernel of the same name in
//! `shaders/`: the same arithmetic in the same order, so both backends give the same
//! spikes.

mod code_neuron_update;
mod learn_post;
mod learn_pre;
mod neuron_update;
mod pack;
mod post_spike_syn;
mod pre_spike_syn;
mod propagate_spikes;
mod record_state;
mod spike_times;
mod synapse_lanes;

pub(crate) use code_neuron_update::{CodeSlice, code_neuron_update, compile_step_function};
pub(crate) use learn_post::learn_post;
pub(crate) use learn_pre::learn_pre;
pub(crate) use neuron_update::{ExpCurrSlice, NeuronInputs, neuron_update};
pub(crate) use post_spike_syn::post_spike_syn;
pub(crate) use pre_spike_syn::pre_spike_syn;
pub(crate) use propagate_spikes::{SumsMut, Weights, propagate_spikes};
pub(crate) use record_state::{SampleAt, record_state};
pub(crate) use spike_times::spike_times;
pub(crate) use synapse_lanes::{AddToPost, SynapseCode};

use std::sync::atomic::{AtomicU32, Ordering};

/// An f32 kept in an atomic (weights and spike times threads share).
#[inline]
pub(crate) fn load_f32(a: &AtomicU32) -> f32 {
    f32::from_bits(a.load(Ordering::Relaxed))
}

/// Stores an f32 into an atomic (see [`load_f32`]).
#[inline]
pub(crate) fn store_f32(a: &AtomicU32, v: f32) {
    a.store(v.to_bits(), Ordering::Relaxed);
}

/// Calls `f` with the index of every set bit of `words`, in order.
#[inline]
pub(crate) fn for_each_spike(words: &[AtomicU32], mut f: impl FnMut(u32)) {
    for (w, word) in words.iter().enumerate() {
        let mut bits = word.load(Ordering::Relaxed);
        while bits != 0 {
            f((w * 32) as u32 + bits.trailing_zeros());
            bits &= bits - 1;
        }
    }
}
