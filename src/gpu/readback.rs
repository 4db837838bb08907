//! Reading results back: recordings through a small pool of read-back buffers (so a
//! recording can be copied out while the next batch already runs), and state on demand.

use std::sync::mpsc::Receiver;

use super::plan::BufferId;
use super::{GpuContext, GpuError, GpuSimulation};
use crate::sim::recording::{RowOrder, TakenRun, unpack};
use crate::sim::{
    PendingRecordings, Readback, Recordings, SimError, SpikeRecording, words_per_step,
};

/// A recording being copied into a read-back buffer.
pub(super) struct InFlight {
    buffer: wgpu::Buffer,
    submission: wgpu::SubmissionIndex,
    mapped: Receiver<Result<(), wgpu::BufferAsyncError>>,
    steps: u32,
    first_step: u64,
}

impl GpuSimulation {
    /// Queues the copy of the recorded rows of every recording into a read-back buffer
    /// and its mapping, behind everything submitted so far.
    pub(super) fn start_readback(
        &mut self,
        steps: u32,
        first_step: u64,
    ) -> Result<PendingRecordings, GpuError> {
        let buffer = self.free_readbacks.pop().unwrap_or_else(|| {
            self.ctx.device().create_buffer(&wgpu::BufferDescriptor {
                label: Some("recording readback"),
                size: self.recording_bytes.max(4),
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        });
        // Rows [0, steps) of every recording are contiguous ([step][entry][word]).
        let mut encoder = self
            .queued
            .take()
            .unwrap_or_else(|| self.encoder("recording readback"));
        let mut offset = 0;
        for (p, pop) in self.net.populations.iter().enumerate() {
            if pop.spike_recording {
                let bytes = self.recorded_bytes(pop.size, steps);
                // No clearing: every recorded timestep writes its row whole.
                if bytes > 0 {
                    let recording = self.buffers.get(BufferId::Recording(p))?;
                    encoder.copy_buffer_to_buffer(recording, 0, &buffer, offset, bytes);
                }
                offset += bytes;
            }
        }
        let submission = self.ctx.queue().submit([encoder.finish()]);
        let (tx, rx) = std::sync::mpsc::channel();
        buffer
            .slice(..offset.max(4))
            .map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
        self.ctx.check_errors()?;
        let in_flight = InFlight {
            buffer,
            submission,
            mapped: rx,
            steps,
            first_step,
        };
        Ok(PendingRecordings {
            owner: self.id,
            readback: Readback::InFlight(Box::new(in_flight)),
        })
    }

    /// Waits for a recording this simulation started and unpacks it per batch entry.
    pub(super) fn finish_readback(
        &mut self,
        pending: PendingRecordings,
    ) -> Result<Recordings, SimError> {
        let in_flight = match pending.readback {
            Readback::InFlight(data) if pending.owner == self.id => data.downcast::<InFlight>(),
            _ => return Err(SimError::ForeignRecording),
        };
        let Ok(p) = in_flight else {
            return Err(SimError::ForeignRecording);
        };
        let total: u64 = self
            .net
            .populations
            .iter()
            .filter(|pop| pop.spike_recording)
            .map(|pop| self.recorded_bytes(pop.size, p.steps))
            .sum();
        let result = map_and_read(
            &self.ctx,
            &p.buffer,
            total.max(4),
            p.submission,
            &p.mapped,
            |view| self.unpack_recordings(&view[..total as usize], p.steps, p.first_step),
        );
        self.free_readbacks.push(p.buffer);
        Ok(Recordings::new(self.net.description.id(), result?))
    }

    /// Bytes of `steps` recorded rows of a population of `size` for the whole batch.
    fn recorded_bytes(&self, size: u32, steps: u32) -> u64 {
        words_per_step(size) as u64 * 4 * u64::from(self.shape.batch) * u64::from(steps)
    }

    /// The read-back rows of every recorded population, one recording per batch entry.
    fn unpack_recordings(
        &self,
        view: &[u8],
        steps: u32,
        first_step: u64,
    ) -> Vec<Option<Vec<SpikeRecording>>> {
        let words: &[u32] = bytemuck::cast_slice(view);
        let run = TakenRun {
            steps,
            first_step,
            dt: self.net.dt,
            batch: self.shape.batch as usize,
            host_threads: self.host_threads,
        };
        let mut at = 0usize;
        self.net
            .populations
            .iter()
            .map(|pop| {
                if !pop.spike_recording {
                    return None;
                }
                // This population's rows: [step][entry][word].
                let rows = &words[at..at + steps as usize * run.batch * words_per_step(pop.size)];
                at += rows.len();
                Some(unpack(rows, RowOrder::StepMajor, pop, run))
            })
            .collect()
    }

    /// Copies the first `bytes` bytes of each buffer to the host in one submission.
    fn read_buffers(&mut self, sources: &[(BufferId, u64)]) -> Result<Vec<Vec<u8>>, GpuError> {
        self.flush_queued()?;
        let total: u64 = sources.iter().map(|(_, b)| *b).sum();
        if total == 0 {
            return Ok(sources.iter().map(|_| Vec::new()).collect());
        }
        let staging = self.ctx.device().create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: total,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = self.encoder("readback");
        let mut offset = 0;
        for &(id, bytes) in sources {
            encoder.copy_buffer_to_buffer(self.buffers.get(id)?, 0, &staging, offset, bytes);
            offset += bytes;
        }
        let submission = self.ctx.queue().submit([encoder.finish()]);
        let (tx, rx) = std::sync::mpsc::channel();
        staging
            .slice(..total)
            .map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
        map_and_read(&self.ctx, &staging, total, submission, &rx, |view| {
            let mut out = Vec::with_capacity(sources.len());
            let mut offset = 0usize;
            for (_, bytes) in sources {
                out.push(view[offset..offset + *bytes as usize].to_vec());
                offset += *bytes as usize;
            }
            out
        })
    }

    /// The first `n` f32s of buffer `id`.
    pub(super) fn read_f32(&mut self, id: BufferId, n: u64) -> Result<Vec<f32>, GpuError> {
        let bytes = self.read_buffers(&[(id, n * 4)])?;
        Ok(bytemuck::pod_collect_to_vec(&bytes[0]))
    }
}

/// Waits for `submission`, then hands the mapped first `bytes` of `staging` to `read`.
/// The buffer is unmapped on every path, or it would stay mapped and every later
/// read-back through it would fail.
fn map_and_read<T>(
    ctx: &GpuContext,
    staging: &wgpu::Buffer,
    bytes: u64,
    submission: wgpu::SubmissionIndex,
    mapped: &Receiver<Result<(), wgpu::BufferAsyncError>>,
    read: impl FnOnce(&[u8]) -> T,
) -> Result<T, GpuError> {
    let waited = ctx.wait_for(submission);
    let mapped = mapped
        .recv()
        .map_err(|e| GpuError::Readback(e.to_string()))
        .and_then(|r| r.map_err(|e| GpuError::Readback(e.to_string())));
    let was_mapped = mapped.is_ok();
    let out = mapped.and_then(|()| {
        let view = staging
            .slice(..bytes)
            .get_mapped_range()
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        Ok(read(&view))
    });
    if was_mapped {
        staging.unmap();
    }
    waited?;
    out
}
