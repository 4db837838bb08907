//! Twin of `shaders/learn_pre.wgsl`: STDP on presynaptic spikes.

use std::sync::atomic::AtomicU32;

use super::{for_each_spike, load_f32, store_f32};
use crate::model::{SparseConnectivity, StdpConstants};

/// Every presynaptic spike of the previous timestep (`pre_spike_words`; of `1 + d`
/// timesteps back for a group of delay `d`) updates its row's weights `g` against their
/// targets' latest spike times `st_post`, in the synapse update
/// of the timestep at time `t` (see [`StdpParams`](crate::model::StdpParams)). Runs before
/// [`learn_post`](super::learn_post). Batch size 1.
pub(crate) fn learn_pre(
    rule: &StdpConstants,
    connectivity: &SparseConnectivity,
    g: &[AtomicU32],
    t: f32,
    pre_spike_words: &[AtomicU32],
    st_post: &[AtomicU32],
) {
    for_each_spike(pre_spike_words, |pre| {
        let first = connectivity.row_start[pre as usize] as usize;
        for (o, &post) in connectivity.row(pre).iter().enumerate() {
            let w = &g[first + o];
            store_f32(
                w,
                rule.update(load_f32(w), t, load_f32(&st_post[post as usize])),
            );
        }
    });
}
