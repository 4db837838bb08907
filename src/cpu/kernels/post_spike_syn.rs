//! Twin of `shaders/post_spike_syn.wgsl`: what postsynaptic spikes do to the synapses of
//! a group whose weight-update model is written as code strings.

use std::sync::atomic::AtomicU32;

use super::for_each_spike;
use super::synapse_lanes::{AddToPost, Lanes, SynapseCode};
use crate::model::Columns;

/// Every postsynaptic spike of the previous timestep (`post_spike_words`) runs the model's
/// `post_spike_syn_code` for each synapse into it, after
/// [`pre_spike_syn`](super::pre_spike_syn). Plastic groups only: batch size 1, the whole
/// population on one thread.
pub(crate) fn post_spike_syn(
    at: &SynapseCode<'_>,
    columns: &Columns,
    post_spike_words: &[AtomicU32],
    out: &mut AddToPost<'_, '_>,
) {
    let Some(function) = &at.code.post_spike_syn else {
        return;
    };
    Lanes::with(|lanes| {
        for_each_spike(post_spike_words, |post| {
            let column =
                columns.start[post as usize] as usize..columns.start[post as usize + 1] as usize;
            for &syn in &columns.synapses[column] {
                let pre = columns.pre_of[syn as usize];
                lanes.push((syn, pre, post), function, at, out);
            }
        });
        lanes.run(function, at, out);
    });
}
