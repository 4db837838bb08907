//! Twin of `shaders/learn_post.wgsl`: STDP on postsynaptic spikes.

use std::sync::atomic::AtomicU32;

use super::{for_each_spike, load_f32, store_f32};
use crate::model::{Columns, StdpConstants};

/// Every postsynaptic spike of the previous timestep (`post_spike_words`) updates its
/// column's weights `g` against their sources' latest spike times `st_pre`, in the synapse
/// update of the timestep at time `t`, after [`learn_pre`](super::learn_pre). Batch size 1.
pub(crate) fn learn_post(
    rule: &StdpConstants,
    columns: &Columns,
    g: &[AtomicU32],
    t: f32,
    post_spike_words: &[AtomicU32],
    st_pre: &[AtomicU32],
) {
    for_each_spike(post_spike_words, |post| {
        let column =
            columns.start[post as usize] as usize..columns.start[post as usize + 1] as usize;
        for &syn in &columns.synapses[column] {
            let w = &g[syn as usize];
            let pre = columns.pre_of[syn as usize];
            store_f32(
                w,
                rule.update(load_f32(w), t, load_f32(&st_pre[pre as usize])),
            );
        }
    });
}
