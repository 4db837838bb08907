//! Twin of `shaders/propagate_spikes.wgsl`: the synapse update.

use std::sync::atomic::{AtomicU32, Ordering};

use super::load_f32;
use crate::model::{FixedPointWeight, SparseConnectivity};

/// A synapse group's weights as the synapse update reads them.
#[derive(Clone, Copy)]
pub(crate) enum Weights<'a> {
    /// One fixed-point weight for every synapse (32-bit units).
    Constant(i32),
    /// Per-synapse `g` (f32 bits, in row order), converted to 64-bit units with the
    /// group's scale.
    PerSynapse(&'a [AtomicU32], &'a FixedPointWeight),
}

impl Weights<'_> {
    #[inline]
    fn fixed(&self, synapse: usize) -> i64 {
        match self {
            Weights::Constant(w) => i64::from(*w),
            Weights::PerSynapse(g, scale) => scale.to_fixed64(load_f32(&g[synapse])),
        }
    }
}

/// Synapse update for one batch entry and one slice `[lo, lo + in_syn_acc.len())` of the
/// target population: every spike of the previous timestep adds its synapses' fixed-point
/// weights to their targets, and stamps the target's word in `stamps` (indexed from the
/// slice's first word; `lo` is a multiple of 32), as the GPU stamps accumulator slots.
/// The sums stay within `i64` (and those of constant weights within `i32`) by the
/// headroom of the group's scale, so no add overflows.
pub(crate) fn propagate_spikes(
    connectivity: &SparseConnectivity,
    weights: Weights<'_>,
    pre_spike_words: &[AtomicU32],
    lo: usize,
    in_syn_acc: &mut [i64],
    stamps: &mut [u8],
) {
    let whole = lo == 0 && in_syn_acc.len() == connectivity.n_post as usize;
    for (w, word) in pre_spike_words.iter().enumerate() {
        let mut bits = word.load(Ordering::Relaxed);
        while bits != 0 {
            let pre = (w * 32) as u32 + bits.trailing_zeros();
            bits &= bits - 1;
            let first = connectivity.row_start[pre as usize] as usize;
            let row = connectivity.row(pre);
            if let (true, Weights::Constant(weight_fixed)) = (whole, weights) {
                let weight_fixed = i64::from(weight_fixed);
                for &post in row {
                    in_syn_acc[post as usize] += weight_fixed;
                    stamps[post as usize / 32] = 1;
                }
            } else {
                for (o, &post) in row.iter().enumerate() {
                    if let Some(i) = (post as usize)
                        .checked_sub(lo)
                        .filter(|&i| i < in_syn_acc.len())
                    {
                        in_syn_acc[i] += weights.fixed(first + o);
                        stamps[i / 32] = 1;
                    }
                }
            }
        }
    }
}
