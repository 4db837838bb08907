//! Where a simulation is in time and in its recording buffer, kept the same way by every
//! backend.

use super::{SimConfig, SimError};

/// The time of timestep `timestep` in ms: `timestep * dt` computed in f64 and rounded to
/// f32, on every backend and in every recording.
pub(crate) fn time_of(timestep: u64, dt: f32) -> f32 {
    (timestep as f64 * f64::from(dt)) as f32
}

/// Where a backend is in time and in its recording buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StepClock {
    /// Timesteps since the last reset.
    pub timestep: u64,
    /// Timesteps in the recording buffer since the last reset or take.
    pub recorded_steps: u32,
    /// Timestep the recording buffer's first row belongs to.
    pub recording_start: u64,
    capacity: u32,
    /// Whether any population records spikes or state; if none does, there is no buffer
    /// to fill and no limit on the timesteps between takes.
    records: bool,
}

impl StepClock {
    /// The clock of a simulation with `config`; `records` says whether any population
    /// records spikes or state.
    pub fn new(config: SimConfig, records: bool) -> Self {
        StepClock {
            timestep: 0,
            recorded_steps: 0,
            recording_start: 0,
            capacity: config.recording_steps,
            records,
        }
    }

    /// Fails if `steps` more timesteps would overflow the recording buffer.
    pub fn check_room(&self, steps: u32) -> Result<(), SimError> {
        if self.records
            && u64::from(self.recorded_steps) + u64::from(steps) > u64::from(self.capacity)
        {
            return Err(SimError::RecordingFull {
                requested: steps,
                recorded: self.recorded_steps,
                capacity: self.capacity,
            });
        }
        Ok(())
    }

    /// Timesteps the recording buffers hold.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    pub fn advance(&mut self, steps: u32) {
        self.timestep += u64::from(steps);
        if self.records {
            self.recorded_steps += steps;
        }
    }

    pub fn reset(&mut self) {
        let config = SimConfig {
            recording_steps: self.capacity,
            ..SimConfig::DEFAULT
        };
        *self = StepClock::new(config, self.records);
    }

    /// The steps recorded and the timestep they start at; the next recording starts now.
    pub fn take(&mut self) -> (u32, u64) {
        let taken = (self.recorded_steps, self.recording_start);
        self.recorded_steps = 0;
        self.recording_start = self.timestep;
        taken
    }
}
