//! Twin of `shaders/pre_spike_syn.wgsl`: the synapse update of a group whose
//! weight-update model is written as code strings.

use std::sync::atomic::AtomicU32;

use super::for_each_spike;
use super::synapse_lanes::{AddToPost, Lanes, SynapseCode};
use crate::model::SparseConnectivity;

/// Every presynaptic spike that reaches the synapses now (`pre_spike_words`, one batch
/// entry: the previous timestep's, or further back by the group's axonal delay)
/// runs the model's `pre_spike_syn_code` for each of its synapses whose target lies in
/// the accumulator slice `out`; `addToPost` adds to the target's sum there.
pub(crate) fn pre_spike_syn(
    at: &SynapseCode<'_>,
    connectivity: &SparseConnectivity,
    pre_spike_words: &[AtomicU32],
    out: &mut AddToPost<'_, '_>,
) {
    let Some(function) = &at.code.pre_spike_syn else {
        return;
    };
    let (lo, hi) = (out.lo, out.lo + out.sums.len());
    Lanes::with(|lanes| {
        for_each_spike(pre_spike_words, |pre| {
            let first = connectivity.row_start[pre as usize];
            for (o, &post) in connectivity.row(pre).iter().enumerate() {
                if (lo..hi).contains(&(post as usize)) {
                    lanes.push((first + o as u32, pre, post), function, at, out);
                }
            }
        });
        lanes.run(function, at, out);
    });
}
