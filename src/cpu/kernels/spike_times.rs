//! Twin of `shaders/spike_times.wgsl`: the latest spike time of every neuron of a
//! population that plastic synapses connect.

use std::sync::atomic::AtomicU32;

use super::{for_each_spike, store_f32};

/// The spikes of the previous timestep (`spike_words`) set their neurons' latest spike
/// time (`last_spike`, f32 bits) to that timestep's, `t_previous`; for a delayed plastic
/// group's own `st_pre`, the spikes arriving now do. Batch size 1.
pub(crate) fn spike_times(spike_words: &[AtomicU32], last_spike: &[AtomicU32], t_previous: f32) {
    for_each_spike(spike_words, |i| {
        store_f32(&last_spike[i as usize], t_previous)
    });
}
