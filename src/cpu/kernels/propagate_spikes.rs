//! Twin of `shaders/propagate_spikes.wgsl`: the synapse update.

use std::sync::atomic::{AtomicU32, Ordering};

use super::load_f32;
use crate::model::{BuiltDelays, FixedPointWeight, SparseConnectivity};

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

/// A slice of a synapse group's fixed-point sums (see `cpu::state::Sums`).
pub(crate) enum SumsMut<'a> {
    Narrow(&'a mut [i32]),
    Wide(&'a mut [i64]),
}

impl Default for SumsMut<'_> {
    fn default() -> Self {
        SumsMut::Narrow(&mut [])
    }
}

impl SumsMut<'_> {
    /// Back to no input.
    pub fn clear(&mut self) {
        match self {
            SumsMut::Narrow(sums) => sums.fill(0),
            SumsMut::Wide(sums) => sums.fill(0),
        }
    }
}

/// An integer a sum is kept in.
trait FixedSum: Copy + std::ops::AddAssign {
    fn from_units(units: i64) -> Self;
}

impl FixedSum for i32 {
    /// Only constant weights are summed in `i32`, in units that fit it.
    #[inline]
    fn from_units(units: i64) -> i32 {
        units as i32
    }
}

impl FixedSum for i64 {
    #[inline]
    fn from_units(units: i64) -> i64 {
        units
    }
}

/// Synapse update for one batch entry and one slice `[lo, lo + in_syn_acc.len())` of the
/// target population: every spike that reaches the group's synapses in this timestep
/// adds their fixed-point weights to their targets, and stamps the target's word in
/// `stamps` (indexed from the slice's first word; `lo` is a multiple of 32), as the GPU
/// stamps accumulator slots. `spikes_of_class(c)` gives the presynaptic spike words of
/// the timestep whose spikes reach the synapses of delay class `c` now (the one before
/// this, for no delay). The sums stay within their integers by the headroom of the
/// group's scale, so no add overflows.
pub(crate) fn propagate_spikes<'s>(
    synapses: (&SparseConnectivity, &BuiltDelays),
    weights: Weights<'_>,
    spikes_of_class: impl Fn(u32) -> &'s [AtomicU32],
    lo: usize,
    (in_syn_acc, stamps): (&mut SumsMut<'_>, &mut [u8]),
) {
    for class in 0..synapses.1.classes {
        let words = spikes_of_class(class);
        let at = (lo, class);
        match in_syn_acc {
            SumsMut::Narrow(sums) => add_spikes(synapses, weights, words, at, sums, stamps),
            SumsMut::Wide(sums) => add_spikes(synapses, weights, words, at, sums, stamps),
        }
    }
}

/// [`propagate_spikes`] of the synapses of delay class `class` into sums of one width.
fn add_spikes<T: FixedSum>(
    (connectivity, delays): (&SparseConnectivity, &BuiltDelays),
    weights: Weights<'_>,
    pre_spike_words: &[AtomicU32],
    (lo, class): (usize, u32),
    in_syn_acc: &mut [T],
    stamps: &mut [u8],
) {
    let whole = lo == 0 && in_syn_acc.len() == connectivity.n_post as usize;
    for (w, word) in pre_spike_words.iter().enumerate() {
        let mut bits = word.load(Ordering::Relaxed);
        while bits != 0 {
            let pre = (w * 32) as u32 + bits.trailing_zeros();
            bits &= bits - 1;
            let synapses = delays.synapses(connectivity, pre, class);
            let first = synapses.start;
            let row = &connectivity.targets[synapses];
            if let (true, Weights::Constant(weight_fixed)) = (whole, weights) {
                let weight_fixed = T::from_units(i64::from(weight_fixed));
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
                        in_syn_acc[i] += T::from_units(weights.fixed(first + o));
                        stamps[i / 32] = 1;
                    }
                }
            }
        }
    }
}
