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
                size: (self.recording_bytes + self.state_recording_bytes + self.overflow_bytes())
                    .max(4),
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
        // Then the state samples, then the code groups' overflow reports, cleared once
        // copied: each is reported once, by finish_readback.
        offset = self.copy_state_samples(&mut encoder, &buffer, offset, (steps, first_step))?;
        for g in self.overflow_groups() {
            let report = self.buffers.get(BufferId::AddToPostOverflow(g))?;
            encoder.copy_buffer_to_buffer(report, 0, &buffer, offset, OVERFLOW_BYTES);
            encoder.clear_buffer(report, 0, None);
            offset += OVERFLOW_BYTES;
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
        let taken = (p.steps, p.first_step);
        let sampled: u64 = self
            .sampled_bytes(p.steps, p.first_step)
            .iter()
            .map(|s| s.1)
            .sum();
        let reports = self.overflow_bytes();
        let result = map_and_read(
            &self.ctx,
            &p.buffer,
            (total + sampled + reports).max(4),
            p.submission,
            &p.mapped,
            |view| {
                let (recorded, rest) = view.split_at(total as usize);
                let (samples, reports) = rest.split_at(sampled as usize);
                let words: Vec<u32> = bytemuck::pod_collect_to_vec(reports);
                let recordings = self.unpack_recordings(recorded, p.steps, p.first_step);
                let state = self.unpack_state_samples(samples, taken);
                (recordings, state, self.overflow_error(&words))
            },
        );
        self.free_readbacks.push(p.buffer);
        let (recordings, state, overflow) = result?;
        overflow.map_or(Ok(()), Err)?;
        Ok(Recordings::new(self.net.description.id(), recordings).with_state(state))
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
        for &(id, bytes) in sources.iter().filter(|(_, bytes)| *bytes > 0) {
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

    /// The first `n` words of buffer `id`, or the first overflow report of a code
    /// group's synapse code since the last, which is cleared.
    pub(super) fn read_u32(&mut self, id: BufferId, n: u64) -> Result<Vec<u32>, SimError> {
        let groups = self.overflow_groups();
        let mut sources = vec![(id, n * 4)];
        sources.extend(
            groups
                .iter()
                .map(|&g| (BufferId::AddToPostOverflow(g), OVERFLOW_BYTES)),
        );
        let bytes = self.read_buffers(&sources)?;
        let reports: Vec<u32> = bytes[1..]
            .iter()
            .flat_map(|b| bytemuck::pod_collect_to_vec::<u8, u32>(b))
            .collect();
        if let Some(e) = self.overflow_error(&reports) {
            // Cleared before any later submission runs: reported once.
            for (g, report) in groups.iter().zip(reports.chunks_exact(2)) {
                if report[0] != 0 {
                    let buffer = self.buffers.get(BufferId::AddToPostOverflow(*g))?;
                    self.ctx.queue().write_buffer(buffer, 0, &[0u8; 8]);
                }
            }
            return Err(e);
        }
        Ok(bytemuck::pod_collect_to_vec(&bytes[0]))
    }

    /// The first `n` f32s of buffer `id` (see [`read_u32`](Self::read_u32)).
    pub(super) fn read_f32(&mut self, id: BufferId, n: u64) -> Result<Vec<f32>, SimError> {
        let words = self.read_u32(id, n)?;
        Ok(words.into_iter().map(f32::from_bits).collect())
    }

    /// The groups whose synapse code reports an `addToPost` beyond its bound.
    fn overflow_groups(&self) -> Vec<usize> {
        let groups = self.net.synapse_groups.iter().enumerate();
        groups
            .filter(|(_, s)| s.code.is_some())
            .map(|(g, _)| g)
            .collect()
    }

    /// Bytes of every such group's report.
    fn overflow_bytes(&self) -> u64 {
        self.overflow_groups().len() as u64 * OVERFLOW_BYTES
    }

    /// The error of the first group whose report (`[flag, bits]` each, in the order of
    /// [`overflow_groups`](Self::overflow_groups)) is set.
    fn overflow_error(&self, reports: &[u32]) -> Option<SimError> {
        self.overflow_groups()
            .into_iter()
            .zip(reports.chunks_exact(2))
            .find(|(_, report)| report[0] != 0)
            .map(|(g, report)| {
                let s = &self.net.synapse_groups[g];
                SimError::AddToPostOutOfRange {
                    group: s.name.clone(),
                    value: f32::from_bits(report[1]),
                    max: s.code.as_ref().map_or(0.0, |c| c.max_add_to_post),
                }
            })
    }
}

/// Bytes of a code group's overflow report: a flag and the value's bits.
const OVERFLOW_BYTES: u64 = 8;

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
