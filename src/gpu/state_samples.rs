//! State recording on the GPU, host side: each recorded population's slot table and
//! phase (written when the simulation is created, and the phase again at every take and
//! reset), and its samples read back with the spikes. The layout and the kernel's piece
//! are in `kernels/state_recording.rs`.

use super::kernels::state_recording::{HEADER_WORDS, samples_offset};
use super::plan::{BufferId, padded};
use super::{GpuError, GpuSimulation};
use crate::sim::recording::RowOrder;
use crate::sim::state_recording::{StateRecording, TakenSamples, unpack_state};

impl GpuSimulation {
    /// Writes every recorded population's header and slot table, for a recording that
    /// starts at timestep 0.
    pub(super) fn write_state_tables(&mut self) -> Result<(), GpuError> {
        for (p, pop) in self.net.populations.iter().enumerate() {
            let Some(rec) = &pop.state_recording else {
                continue;
            };
            let mut words = vec![0u32; HEADER_WORDS as usize];
            words.extend(rec.slot_table(padded(pop.size)));
            let buffer = self.buffers.get(BufferId::StateRecording(p))?;
            self.ctx
                .queue()
                .write_buffer(buffer, 0, bytemuck::cast_slice(&words));
        }
        Ok(())
    }

    /// Writes every recorded population's phase for a recording that starts at
    /// `first_step`: after every submission so far, before any later one.
    pub(super) fn write_state_phases(&mut self, first_step: u64) -> Result<(), GpuError> {
        for (p, pop) in self.net.populations.iter().enumerate() {
            if let Some(rec) = &pop.state_recording {
                let phase = rec.phase(first_step);
                let buffer = self.buffers.get(BufferId::StateRecording(p))?;
                self.ctx
                    .queue()
                    .write_buffer(buffer, 0, bytemuck::bytes_of(&phase));
            }
        }
        Ok(())
    }

    /// Bytes of the samples of every recorded population in the `steps` timesteps from
    /// `first_step`, for the whole batch, each population's `(index, bytes)` in order.
    pub(super) fn sampled_bytes(&self, steps: u32, first_step: u64) -> Vec<(usize, u64)> {
        let pops = self.net.populations.iter().enumerate();
        pops.filter_map(|(p, pop)| {
            let rec = pop.state_recording.as_ref()?;
            let samples = u64::from(rec.samples_in(first_step, steps));
            let values = rec.values_per_sample() as u64;
            Some((p, samples * u64::from(self.shape.batch) * values * 4))
        })
        .collect()
    }

    /// Queues the copy of the samples of the `steps` timesteps from `first_step` into
    /// `readback` from `offset`; returns the offset after them.
    pub(super) fn copy_state_samples(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        readback: &wgpu::Buffer,
        mut offset: u64,
        (steps, first_step): (u32, u64),
    ) -> Result<u64, GpuError> {
        for (p, bytes) in self.sampled_bytes(steps, first_step) {
            if bytes > 0 {
                let from = samples_offset(self.net.populations[p].size) * 4;
                let buffer = self.buffers.get(BufferId::StateRecording(p))?;
                encoder.copy_buffer_to_buffer(buffer, from, readback, offset, bytes);
            }
            offset += bytes;
        }
        Ok(offset)
    }

    /// The read-back samples (as [`copy_state_samples`](Self::copy_state_samples)
    /// placed them), one recording per batch entry of each recorded population.
    pub(super) fn unpack_state_samples(
        &self,
        view: &[u8],
        (steps, first_step): (u32, u64),
    ) -> Vec<Option<Vec<StateRecording>>> {
        let words: &[u32] = bytemuck::cast_slice(view);
        let mut state = vec![None; self.net.populations.len()];
        let mut at = 0usize;
        for (p, bytes) in self.sampled_bytes(steps, first_step) {
            let pop = &self.net.populations[p];
            let Some(rec) = &pop.state_recording else {
                continue;
            };
            let rows = &words[at..at + bytes as usize / 4];
            at += rows.len();
            let taken = TakenSamples {
                first_step,
                samples: rec.samples_in(first_step, steps),
                batch: self.shape.batch as usize,
                dt: self.net.dt,
            };
            state[p] = Some(unpack_state(rows, RowOrder::StepMajor, pop, rec, taken));
        }
        state
    }
}
