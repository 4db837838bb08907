//! The adapter's limits, and the checks every buffer and dispatch of a plan passes.

use super::blocks::{MAX_BLOCK_STEPS, accumulator_slot_bytes, padded};
use crate::gpu::kernels::Shape;
use crate::gpu::{AdapterSummary, GpuError};
use crate::model::BuiltNetwork;
use crate::sim::{SimConfig, words_per_step};

/// The adapter a plan is made for: its limits and what it is.
#[derive(Clone, Copy)]
pub(crate) struct Device<'a> {
    pub limits: &'a wgpu::Limits,
    pub adapter: &'a AdapterSummary,
}

impl Device<'_> {
    /// The largest storage buffer a kernel can bind whole.
    pub fn binding_limit(&self) -> u64 {
        self.limits
            .max_storage_buffer_binding_size
            .min(self.limits.max_buffer_size)
    }

    /// Workgroups a dispatch may have along one dimension.
    pub fn max_workgroups(&self) -> u32 {
        self.limits.max_compute_workgroups_per_dimension
    }

    /// `what` needs `needed` where the adapter allows `limit`.
    pub fn over_limit(&self, what: String, needed: u64, limit: u64) -> GpuError {
        GpuError::OverLimit {
            what,
            needed,
            limit,
            adapter: self.adapter.name.clone(),
        }
    }

    /// Refuses a batch size some buffer or dispatch can't hold, naming the largest batch
    /// that every one of them holds (and the one that limits it), so that one retry fits.
    pub fn check_batch(&self, net: &BuiltNetwork, config: SimConfig) -> Result<(), GpuError> {
        let batch = u64::from(config.batch_size);
        // A single entry over the limit is the network's problem, not the batch's: the
        // buffer checks of the plan name it.
        let tightest = self
            .per_entry_sizes(net, config)
            .into_iter()
            .filter(|&(_, bytes, limit)| bytes > 0 && bytes <= limit)
            .min_by_key(|&(_, bytes, limit)| limit / bytes);
        match tightest {
            Some((what, bytes, limit)) if bytes * batch > limit => {
                let max_batch = (limit / bytes).min(u64::from(u32::MAX)) as u32;
                Err(GpuError::BatchTooLarge {
                    batch: config.batch_size,
                    max_batch,
                    what,
                    needed: bytes * batch,
                    limit,
                    adapter: self.adapter.name.clone(),
                })
            }
            _ => Ok(()),
        }
    }

    /// (what, size per batch entry, limit) of everything a batch multiplies.
    fn per_entry_sizes(&self, net: &BuiltNetwork, config: SimConfig) -> Vec<(String, u64, u64)> {
        let binding_limit = self.binding_limit();
        let steps = u64::from(config.recording_steps);
        let mut per_entry = Vec::new();
        let mut recording_total = 0;
        for (p, pop) in net.populations.iter().enumerate() {
            // The longest ring any block length gives.
            let longest_block = Shape {
                batch: config.batch_size,
                block_steps: MAX_BLOCK_STEPS,
            };
            let spike_slots = u64::from(longest_block.spike_slots(net, p));
            let words = words_per_step(pop.size) as u64 * 4;
            per_entry.push((
                format!(
                    "the spike words of population '{}' kept for {spike_slots} timesteps \
                     (its block and the longest synaptic delay leaving it, bytes)",
                    pop.name
                ),
                words * spike_slots,
                binding_limit,
            ));
            per_entry.push((
                format!("the state of population '{}' (bytes)", pop.name),
                u64::from(padded(pop.size)) * 4,
                binding_limit,
            ));
            if pop.spike_recording {
                per_entry.push((
                    format!(
                        "the spike recording of population '{}' ({steps} timesteps, bytes)",
                        pop.name
                    ),
                    words * steps,
                    binding_limit,
                ));
                recording_total += words * steps;
            }
            if let Some(rec) = &pop.state_recording {
                let samples = u64::from(rec.max_samples(config.recording_steps));
                let bytes = samples * rec.values_per_sample() as u64 * 4;
                per_entry.push((
                    format!(
                        "the state recording of population '{}' ({samples} samples of {} \
                         values, bytes)",
                        pop.name,
                        rec.values_per_sample()
                    ),
                    bytes,
                    binding_limit,
                ));
                recording_total += bytes;
            }
        }
        for s in &net.synapse_groups {
            per_entry.push((
                format!(
                    "the synaptic input accumulator of synapse group '{}' (bytes)",
                    s.name
                ),
                accumulator_slot_bytes(net.populations[s.post].size, 1, s.weight.width),
                binding_limit,
            ));
        }
        per_entry.push((
            "the read-back buffer of all recordings (bytes)".to_owned(),
            recording_total,
            self.limits.max_buffer_size,
        ));
        per_entry.push((
            "one dispatch (workgroups per dimension, one row per batch entry)".to_owned(),
            1,
            u64::from(self.max_workgroups()),
        ));
        per_entry
    }
}
