//! Encoding runs of timesteps and resets: the per-block parameters, and the dispatches of
//! each block in the order the network allows.

use super::GpuSimulation;
use super::plan::BufferId;
use crate::model::PopulationModel;
use crate::sim::time_of;

/// The host's twin of `StepParams` in `shaders/shared/step_params.wgsl`: the parameters
/// of one block of timesteps.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct StepParams {
    /// The block's first timestep since the last reset, its low and high words: each
    /// kernel takes it modulo the length of the spike ring it reads (see
    /// `shaders/shared/spike_ring.wgsl`).
    timestep_lo: u32,
    timestep_hi: u32,
    /// Recording row of the block's first timestep.
    record_slot: u32,
    /// Time of the block's first timestep.
    time: f32,
    /// Time of the timestep before it (only read where a spike of it exists).
    previous_time: f32,
    /// Always 0: the shaders' opaque zero that keeps products from being fused.
    zero: u32,
    /// Timesteps in this block.
    steps: u32,
    /// Unique per block since the last reset: see `shaders/shared/accumulator.wgsl`.
    stamp: u32,
}

/// Bytes of one block's parameters.
pub(crate) const STEP_PARAMS_BYTES: u64 = std::mem::size_of::<StepParams>() as u64;

impl GpuSimulation {
    /// Encodes and submits `steps` timesteps from the simulation's clock, after any
    /// queued reset: one parameter entry per block, written once, and one compute pass.
    pub(super) fn encode_run(&mut self, steps: u32) -> Result<(), super::GpuError> {
        let blocks = self.write_step_params(steps)?;
        let mut encoder = self
            .queued
            .take()
            .unwrap_or_else(|| self.encoder("timesteps"));
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("timesteps"),
                timestamp_writes: None,
            });
            let block = self.shape.block_steps;
            for k in 0..blocks {
                let offset = [k * self.step_stride as u32];
                let steps_here = block.min(steps - k * block);
                match &self.feed_forward {
                    Some(order) => self.record_block(&mut pass, &offset, order, steps_here),
                    None => self.record_timestep(&mut pass, &offset),
                }
            }
        }
        self.ctx.queue().submit([encoder.finish()]);
        self.ctx.check_errors()
    }

    /// Writes the parameters of the blocks of a run of `steps` timesteps; returns how
    /// many blocks there are.
    fn write_step_params(&mut self, steps: u32) -> Result<u32, super::GpuError> {
        let block = self.shape.block_steps;
        let blocks = steps.div_ceil(block);
        let stride = self.step_stride as usize;
        let dt = self.net.dt;
        let params = &mut self.step_params_host;
        params.clear();
        params.resize(stride * blocks as usize, 0);
        for k in 0..blocks {
            let first = k * block;
            let timestep = self.clock.timestep + u64::from(first);
            let p = StepParams {
                timestep_lo: timestep as u32,
                timestep_hi: (timestep >> 32) as u32,
                record_slot: self.clock.recorded_steps + first,
                time: time_of(timestep, dt),
                previous_time: time_of(timestep.saturating_sub(1), dt),
                zero: 0,
                steps: block.min(steps - first),
                // Equal stamps of blocks 2^32 timesteps apart only cost a needless read.
                stamp: (timestep as u32).wrapping_add(1),
            };
            let at = k as usize * stride;
            params[at..at + std::mem::size_of::<StepParams>()]
                .copy_from_slice(bytemuck::bytes_of(&p));
        }
        let buffer = self.buffers.get(BufferId::StepParams)?;
        self.ctx.queue().write_buffer(buffer, 0, params);
        Ok(blocks)
    }

    /// Records one block of a feed-forward network: each population runs the whole block
    /// once the groups into it have added every timestep's input from earlier
    /// populations' spikes. (Feed-forward networks have no plastic groups, so no learning
    /// or spike-time kernels.)
    fn record_block(
        &self,
        pass: &mut wgpu::ComputePass<'_>,
        offset: &[u32],
        order: &[usize],
        steps: u32,
    ) {
        for &p in order {
            for (g, s) in self.groups.iter().zip(&self.net.synapse_groups) {
                if let (true, Some(propagate)) = (s.post == p && g.drives_post, &g.propagate) {
                    propagate.record(pass, offset, self.shape.batch, steps);
                }
            }
            self.populations[p]
                .update
                .record(pass, offset, self.shape.batch, 1);
        }
    }

    /// Records one timestep of a network that is not feed-forward (one-step blocks).
    fn record_timestep(&self, pass: &mut wgpu::ComputePass<'_>, offset: &[u32]) {
        // Synapse update first: it reads earlier timesteps' spikes, whose slots the
        // neuron update of this timestep doesn't write.
        for t in self
            .populations
            .iter()
            .filter_map(|p| p.spike_times.as_ref())
            .chain(self.groups.iter().filter_map(|g| g.arrival_times.as_ref()))
        {
            t.record(pass, offset, 1, 1);
        }
        for g in &self.groups {
            if let (true, Some(propagate)) = (g.drives_post, &g.propagate) {
                propagate.record(pass, offset, self.shape.batch, 1);
            }
            // Presynaptic learning, then postsynaptic: one order on every run.
            if let Some((pre, post)) = &g.learning {
                pre.record(pass, offset, 1, 1);
                post.record(pass, offset, 1, 1);
            }
            // Code groups likewise; only static ones (code on presynaptic spikes only)
            // run batches.
            let (pre, post) = &g.synapse_code;
            if let Some(pre) = pre {
                pre.record(pass, offset, self.shape.batch, 1);
            }
            if let Some(post) = post {
                post.record(pass, offset, 1, 1);
            }
        }
        for p in &self.populations {
            p.update.record(pass, offset, self.shape.batch, 1);
        }
    }

    pub(super) fn encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.ctx
            .device()
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    /// Queues a reset into the commands the next submission starts with: the state from
    /// its initial copies, the spike rings, `inSyn`, accumulators and spike times.
    pub(super) fn queue_reset(&mut self) -> Result<(), super::GpuError> {
        let mut encoder = self.queued.take().unwrap_or_else(|| self.encoder("reset"));
        let buffers = &self.buffers;
        for (p, pop) in self.net.populations.iter().enumerate() {
            let copies = match &pop.model {
                PopulationModel::Builtin(_) => vec![
                    (BufferId::VInit(p), BufferId::V(p)),
                    (BufferId::RefracTimeInit(p), BufferId::RefracTime(p)),
                ],
                PopulationModel::Code(code) => (0..code.vars.len())
                    .map(|i| (BufferId::VarInit(p, i), BufferId::Var(p, i)))
                    .collect(),
            };
            for (init, state) in copies {
                encoder.copy_buffer_to_buffer(buffers.get(init)?, 0, buffers.get(state)?, 0, None);
            }
            encoder.clear_buffer(buffers.get(BufferId::Spikes(p))?, 0, None);
        }
        for g in 0..self.net.synapse_groups.len() {
            encoder.clear_buffer(buffers.get(BufferId::InSyn(g))?, 0, None);
            encoder.clear_buffer(buffers.get(BufferId::InSynAcc(g))?, 0, None);
        }
        for (p, kernels) in self.populations.iter().enumerate() {
            if kernels.spike_times.is_some() {
                let (never, last) = (BufferId::NeverSpiked(p), BufferId::LastSpike(p));
                encoder.copy_buffer_to_buffer(buffers.get(never)?, 0, buffers.get(last)?, 0, None);
            }
        }
        // A delayed plastic group's own st_pre, as long as its presynaptic population.
        for (g, kernels) in self.groups.iter().enumerate() {
            if kernels.arrival_times.is_some() {
                let pre = self.net.synapse_groups[g].pre;
                let bytes = u64::from(self.net.populations[pre].size) * 4;
                let (never, st_pre) = (BufferId::NeverSpiked(pre), BufferId::StPre(g));
                let (never, st_pre) = (buffers.get(never)?, buffers.get(st_pre)?);
                encoder.copy_buffer_to_buffer(never, 0, st_pre, 0, bytes);
            }
        }
        self.queued = Some(encoder);
        Ok(())
    }

    /// Submits any queued reset on its own.
    pub(super) fn flush_queued(&mut self) -> Result<(), super::GpuError> {
        if let Some(encoder) = self.queued.take() {
            self.ctx.queue().submit([encoder.finish()]);
            self.ctx.check_errors()?;
        }
        Ok(())
    }
}
