//! Blocks of timesteps: how many timesteps one dispatch covers, and the accumulator room
//! that costs.

use crate::model::BuiltNetwork;

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

/// Bytes of one timestep slot of a synapse group's accumulator (accumulator.wgsl) for a
/// batch: an i32 per target neuron, and room for a stamp per batch entry (a `vec4`
/// counted, where the stamps take an i32 each, four to a `vec4`: a little more than
/// needed).
pub(crate) fn accumulator_slot_bytes(post_size: u32, batch: u32) -> u64 {
    (u64::from(padded(post_size)) * 4 + 16) * u64::from(batch)
}

/// Timesteps per block for `net` at batch size `batch`: [`MAX_BLOCK_STEPS`] for
/// feed-forward networks within the accumulator budget and each buffer's limit, else 1.
pub(crate) fn block_steps(net: &BuiltNetwork, batch: u32, binding_limit: u64) -> u32 {
    if net.feed_forward_order().is_none() {
        return 1;
    }
    let slot_bytes = |post: usize| accumulator_slot_bytes(net.populations[post].size, batch);
    let all_slots: u64 = net.synapse_groups.iter().map(|s| slot_bytes(s.post)).sum();
    let largest_slot = net
        .synapse_groups
        .iter()
        .map(|s| slot_bytes(s.post))
        .max()
        .unwrap_or(0);
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
