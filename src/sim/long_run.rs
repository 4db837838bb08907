//! Runs longer than the recording buffers: [`run_recorded`] steps in chunks of the
//! buffers' capacity, takes the recordings as it goes (each take's copy overlapping the
//! next chunk on a GPU) and concatenates them, spikes and state, into one result.

use super::{Recordings, SimError, Simulator, words_per_step};
use crate::model::BuiltNetwork;

/// Runs `steps` timesteps of `sim`, however many its recording buffers hold, and returns
/// the recordings of every timestep since the last take or reset (those recorded before
/// the call, then these), per population and batch entry, as one
/// [`take_recording`](Simulator::take_recording) of a buffer large enough would.
///
/// The concatenated recordings are sized before anything runs, and refused with
/// [`SimError::RecordingsTooLarge`] where they wouldn't fit in memory.
///
/// ```
/// use kenyon::{BackendChoice, LifParams, Network, NeuronModel, SimConfig, run_recorded};
///
/// let mut net = Network::new(0.1);
/// let p = net.add_neuron_population("p", 10, NeuronModel::Lif(LifParams::TUTORIAL));
/// net.set_spike_recording(p, true)?;
/// net.record_state(p, &["V"], &[0, 1], 10)?;
/// let mut sim = kenyon::load(&net.build(1)?, BackendChoice::Cpu, None, SimConfig::default())?;
/// let recordings = run_recorded(sim.as_mut(), 10_000)?; // 1 s, 50 recording buffers
/// assert_eq!(recordings.get(p).map(|r| r[0].n_steps), Some(10_000));
/// assert_eq!(recordings.state_of(p).map(|r| r[0].samples()), Some(1_000));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_recorded<S: Simulator + ?Sized>(
    sim: &mut S,
    steps: u64,
) -> Result<Recordings, SimError> {
    let recorded = sim.recorded_steps();
    let first_step = sim.timestep() - u64::from(recorded);
    let total = u64::from(recorded) + steps;
    check_fits(sim.network(), sim.batch_size(), first_step, total)?;
    let capacity = u64::from(sim.recording_steps());
    let records = sim.network().records();
    if records && capacity == 0 && steps > 0 {
        // No buffer to take the recordings in chunks through.
        return Err(SimError::RecordingFull {
            requested: steps.min(u64::from(u32::MAX)) as u32,
            recorded: 0,
            capacity: 0,
        });
    }
    let chunk_of = |left: u64, room: u64| {
        // A network that records nothing has no buffer to fill.
        let room = if records { room } else { u64::from(u32::MAX) };
        left.min(room) as u32
    };
    let first = chunk_of(steps, capacity - u64::from(recorded));
    sim.step_time(first)?;
    let mut left = steps - u64::from(first);
    let mut pending = sim.start_take_recording()?;
    let mut all: Option<Recordings> = None;
    loop {
        // The next chunk runs while the last one's recordings come back.
        let chunk = chunk_of(left, capacity);
        if chunk > 0 {
            sim.step_time(chunk)?;
            left -= u64::from(chunk);
        }
        let taken = sim.finish_take_recording(pending)?;
        match &mut all {
            Some(all) => all.append(taken),
            None => all = Some(taken.reserved(sim.network(), first_step, total)),
        }
        if chunk == 0 {
            break;
        }
        pending = sim.start_take_recording()?;
    }
    // At least one take was finished above.
    all.ok_or(SimError::ForeignRecording)
}

/// Refuses recordings of `total` timesteps from `first_step` that wouldn't fit in memory
/// (or in a recording's count of timesteps).
fn check_fits(net: &BuiltNetwork, batch: u32, first_step: u64, total: u64) -> Result<(), SimError> {
    let batch = u128::from(batch);
    let mut needed: u128 = 0;
    for pop in &net.populations {
        if pop.spike_recording {
            needed += 4 * batch * words_per_step(pop.size) as u128 * u128::from(total);
        }
        if let Some(rec) = &pop.state_recording {
            let samples = rec.samples_over(first_step, total);
            // The values, and each sample's timestep.
            let per_sample = 4 * rec.values_per_sample() as u128 + 8;
            needed += batch * per_sample * u128::from(samples);
        }
    }
    let too_long = total > u64::from(u32::MAX) && net.records();
    match crate::memory::check_fits(needed) {
        Err(available) => Err(SimError::RecordingsTooLarge {
            steps: total,
            needed,
            available,
        }),
        Ok(()) if too_long => Err(SimError::RecordingsTooLarge {
            steps: total,
            needed,
            available: crate::memory::available_bytes().unwrap_or(u64::MAX),
        }),
        Ok(()) => Ok(()),
    }
}
