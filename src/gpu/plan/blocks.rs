//! Blocks of timesteps: how many timesteps one dispatch covers, and the accumulator room
//! that costs.

use crate::model::{AccumulatorWidth, BuiltNetwork};

/// Most timesteps one dispatch of a feed-forward network covers. Each neuron's state
/// is read and written once per block instead of once per timestep, and there are a
/// twentieth as many dispatches: what software adapters (where every memory access is a
/// per-lane loop) and small batches on GPUs (where the dispatches themselves cost most)
/// both gain from.
pub(crate) const MAX_BLOCK_STEPS: u32 = 20;

/// Bytes all synapse groups' accumulators together may take for blocks (one slot per
/// timestep of a block): larger batches get shorter blocks rather than more memory.
const BLOCK_ACCUMULATOR_BYTES: u64 = 256 << 20;

// A block's timesteps are bits of a u32 (the stamp mask of synaptic_input.wgsl, which
// shifts by the block's length).
const _: () = assert!(MAX_BLOCK_STEPS < 32);

/// Neurons per batch entry in GPU state: the population padded to whole spike words, so
/// each invocation of the neuron update owns a word and reads whole `vec4`s.
pub(crate) fn padded(size: u32) -> u32 {
    size.div_ceil(32) * 32
}

/// 32-bit words per target neuron of an accumulator of `width`.
fn words_per_sum(width: AccumulatorWidth) -> u64 {
    match width {
        AccumulatorWidth::Bits32 => 1,
        AccumulatorWidth::Bits64 => 2,
    }
}

/// Bytes one timestep slot of a synapse group's accumulator costs for a batch, as the
/// block and batch budgets count it: an i32 (or two words, for 64-bit sums) per target
/// neuron, and a `vec4` of stamps per batch entry (a little more than
/// [`AccumulatorLayout`] takes, which the tests check).
pub(crate) fn accumulator_slot_bytes(post_size: u32, batch: u32, width: AccumulatorWidth) -> u64 {
    (u64::from(padded(post_size)) * 4 * words_per_sum(width) + 16) * u64::from(batch)
}

/// A synapse group's accumulator for blocks of `block_steps` timesteps, in 32-bit words,
/// as `shaders/shared/accumulator.wgsl` addresses it: the stamps, [`stamps_per_entry`] per
/// entry, then from [`slot_base`] `block_steps` slots of `batch` entries of `acc_stride`
/// neurons, and for 64-bit sums as many again for their high words. Every layout
/// constant is the same for both widths, so groups of either width into one population
/// share them.
///
/// [`stamps_per_entry`]: AccumulatorLayout::stamps_per_entry
/// [`slot_base`]: AccumulatorLayout::slot_base
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AccumulatorLayout {
    /// Neurons per entry: the target population padded to whole words.
    pub acc_stride: u32,
    pub batch: u32,
    pub block_steps: u32,
}

impl AccumulatorLayout {
    /// The accumulator of groups into a population of `post_size` neurons.
    pub fn new(post_size: u32, batch: u32, block_steps: u32) -> Self {
        AccumulatorLayout {
            acc_stride: padded(post_size),
            batch,
            block_steps,
        }
    }

    /// Where the slots start, after the stamps (the kernels' `ACC_BASE`).
    pub fn slot_base(self) -> u64 {
        u64::from(self.batch) * u64::from(self.stamps_per_entry())
    }

    /// Words of all slots of one word per neuron: how far a 64-bit sum's high word lies
    /// from its low word (the kernels' `HIGH_WORDS`).
    pub fn high_words(self) -> u64 {
        u64::from(self.block_steps) * u64::from(self.batch) * u64::from(self.acc_stride)
    }

    /// Stamps per batch entry (the kernels' `STAMPS_PER_ENTRY`): the block's timesteps
    /// rounded up to whole `vec4`s, so an entry's stamps read as `vec4`s.
    pub fn stamps_per_entry(self) -> u32 {
        self.block_steps.div_ceil(4) * 4
    }

    /// Words of the whole accumulator of sums of `width`.
    pub fn words(self, width: AccumulatorWidth) -> u64 {
        self.slot_base() + self.high_words() * words_per_sum(width)
    }

    /// The constants the kernels read the layout from.
    pub fn wgsl_constants(self) -> [(&'static str, f64); 3] {
        [
            ("STAMPS_PER_ENTRY", f64::from(self.stamps_per_entry())),
            ("ACC_BASE", self.slot_base() as f64),
            ("HIGH_WORDS", self.high_words() as f64),
        ]
    }
}

/// Timesteps per block for `net` at batch size `batch`: [`MAX_BLOCK_STEPS`] for
/// feed-forward networks within the accumulator budget and each buffer's limit, else 1.
pub(crate) fn block_steps(net: &BuiltNetwork, batch: u32, binding_limit: u64) -> u32 {
    if net.feed_forward_order().is_none() {
        return 1;
    }
    let slot_bytes = |s: &crate::model::BuiltSynapseGroup| {
        accumulator_slot_bytes(net.populations[s.post].size, batch, s.weight.width)
    };
    let all_slots: u64 = net.synapse_groups.iter().map(slot_bytes).sum();
    let largest_slot = net.synapse_groups.iter().map(slot_bytes).max().unwrap_or(0);
    let fits = |steps: u32| {
        all_slots * u64::from(steps) <= BLOCK_ACCUMULATOR_BYTES
            && largest_slot * u64::from(steps) <= binding_limit
    };
    (1..=MAX_BLOCK_STEPS).rev().find(|&k| fits(k)).unwrap_or(1)
}

/// `values` (`[entry][n]`) with each entry padded with `fill` to `padded(n)`.
pub(crate) fn pad_entries(values: &[f32], n: usize, fill: f32) -> Vec<f32> {
    let stride = padded(n as u32) as usize;
    let mut out = Vec::with_capacity(values.len() / n.max(1) * stride);
    for entry in values.chunks(n.max(1)) {
        out.extend_from_slice(entry);
        out.resize(out.len() + stride - entry.len(), fill);
    }
    out
}

/// The inverse of [`pad_entries`].
pub(crate) fn unpad_entries(values: &[f32], n: usize) -> Vec<f32> {
    let stride = padded(n as u32) as usize;
    values
        .chunks(stride.max(1))
        .flat_map(|entry| &entry[..n.min(entry.len())])
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_planned_accumulator_holds_every_slot_and_stamp_the_kernels_address() {
        let widths = [AccumulatorWidth::Bits32, AccumulatorWidth::Bits64];
        for post in [1, 31, 32, 33, 1000, 20_000] {
            for (batch, width) in [1, 3, 64, 1024]
                .into_iter()
                .flat_map(|b| widths.map(|w| (b, w)))
            {
                for block_steps in 1..=MAX_BLOCK_STEPS {
                    let layout = AccumulatorLayout::new(post, batch, block_steps);
                    let planned =
                        accumulator_slot_bytes(post, batch, width) * u64::from(block_steps);
                    assert!(layout.words(width) * 4 <= planned, "{layout:?}");
                    // The stamps of an entry hold its slots' and end where the sums
                    // start; sums and their high words are whole vec4s.
                    assert!(layout.stamps_per_entry() >= block_steps);
                    assert_eq!(layout.slot_base() % 4, 0, "{layout:?}");
                    assert_eq!(layout.high_words() % 4, 0, "{layout:?}");
                    let last = layout.slot_base() + layout.high_words() - 1;
                    let high = match width {
                        AccumulatorWidth::Bits32 => 0,
                        AccumulatorWidth::Bits64 => layout.high_words(),
                    };
                    assert_eq!(last + high + 1, layout.words(width), "{layout:?}");
                }
            }
        }
    }

    #[test]
    fn feed_forward_networks_run_in_blocks_that_fit_the_accumulator_budget() {
        let unlimited = u64::MAX;
        let tutorial = crate::tutorial::mushroom_body().network.build(1).unwrap();
        assert_eq!(block_steps(&tutorial, 1, unlimited), MAX_BLOCK_STEPS);
        assert_eq!(block_steps(&tutorial, 64, unlimited), MAX_BLOCK_STEPS);
        // 20 000 KCs at batch 1024: 78 MiB per slot, so three slots fit 256 MiB.
        assert_eq!(block_steps(&tutorial, 1024, unlimited), 3);
        // The binding limit counts the stamps too.
        let slot = (20_000 * 4 + 16) * 64;
        assert_eq!(block_steps(&tutorial, 64, 2 * slot), 2);
        assert_eq!(block_steps(&tutorial, 64, 2 * slot - 1), 1);
        // The gain-control network's KC <-> GGN loop runs one timestep at a time.
        let looped = crate::tutorial::mushroom_body_with_gain_control()
            .network
            .build(1)
            .unwrap();
        assert_eq!(block_steps(&looped, 1, unlimited), 1);
    }
}
