//! Spike recordings: one bit per neuron per timestep, the layout both backends write.
//!
//! Timestep `s` of a recording occupies words `s * words_per_step(n) ..` and neuron `i`
//! is bit `i % 32` of word `i / 32` in it, as in GeNN's recording buffers. A whole
//! stimulus of 20 000 neurons is 200 x 625 words (500 KB), read back in one copy.

use super::state_recording::StateRecording;
use super::time_of;
use crate::model::{BuiltNetwork, BuiltPopulation, NetworkId, PopulationId};

/// Words one timestep of `n_neurons` takes.
pub fn words_per_step(n_neurons: u32) -> usize {
    n_neurons.div_ceil(32) as usize
}

/// The spikes one population emitted over a run of timesteps.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeRecording {
    /// The population's name.
    pub population: String,
    /// Neurons in the population.
    pub n_neurons: u32,
    /// Timesteps recorded.
    pub n_steps: u32,
    /// Timestep in ms.
    pub dt: f32,
    /// Timestep index (counted from the last reset) of the first recorded step.
    pub first_step: u64,
    /// `n_steps` rows of `words_per_step(n_neurons)` spike words.
    pub bits: Vec<u32>,
}

impl SpikeRecording {
    /// An empty recording of `n_steps` timesteps.
    pub fn new(population: &str, n_neurons: u32, n_steps: u32, dt: f32, first_step: u64) -> Self {
        SpikeRecording {
            population: population.to_owned(),
            n_neurons,
            n_steps,
            dt,
            first_step,
            bits: vec![0; words_per_step(n_neurons) * n_steps as usize],
        }
    }

    /// The words of timestep `step` (relative to the recording's start).
    pub fn step_words(&self, step: u32) -> &[u32] {
        let w = words_per_step(self.n_neurons);
        &self.bits[step as usize * w..(step as usize + 1) * w]
    }

    /// Marks a spike of `neuron` in timestep `step` (relative to the recording's start).
    pub fn set(&mut self, step: u32, neuron: u32) {
        let w = words_per_step(self.n_neurons);
        self.bits[step as usize * w + neuron as usize / 32] |= 1 << (neuron % 32);
    }

    /// Whether `neuron` spiked in timestep `step` (relative to the recording's start).
    pub fn spiked(&self, step: u32, neuron: u32) -> bool {
        self.step_words(step)[neuron as usize / 32] & (1 << (neuron % 32)) != 0
    }

    /// Spike times (ms since the last reset) and neuron ids, ordered by time then id,
    /// as GeNN's `spike_recording_data`. Timestep `i` has time `i * dt`.
    pub fn decode(&self) -> (Vec<f32>, Vec<u32>) {
        let mut times = Vec::new();
        let mut ids = Vec::new();
        let w = words_per_step(self.n_neurons);
        for step in 0..self.n_steps {
            let t = time_of(self.first_step + u64::from(step), self.dt);
            for (wi, &word) in self.step_words(step).iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let bit = bits.trailing_zeros();
                    times.push(t);
                    ids.push((wi * 32) as u32 + bit);
                    bits &= bits - 1;
                }
            }
            debug_assert_eq!(self.step_words(step).len(), w);
        }
        (times, ids)
    }

    /// Total number of spikes.
    pub fn spike_count(&self) -> u64 {
        self.bits.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// How many distinct neurons spiked at least once ("N KC active").
    pub fn active_neurons(&self) -> u32 {
        let w = words_per_step(self.n_neurons);
        let mut any = vec![0u32; w];
        for chunk in self.bits.chunks_exact(w) {
            for (a, &b) in any.iter_mut().zip(chunk) {
                *a |= b;
            }
        }
        any.iter().map(|x| x.count_ones()).sum()
    }

    /// Spike count of every neuron.
    pub fn counts_per_neuron(&self) -> Vec<u32> {
        let mut counts = vec![0u32; self.n_neurons as usize];
        let (_, ids) = self.decode();
        for id in ids {
            counts[id as usize] += 1;
        }
        counts
    }
}

/// What [`Simulator::take_recording`](crate::Simulator::take_recording) returns: for
/// every population with spike recording on, one [`SpikeRecording`] per batch entry, and
/// for every population whose state is recorded, one [`StateRecording`] per entry. Two
/// are equal when their spikes and samples are.
#[derive(Clone, Debug)]
pub struct Recordings {
    /// Indexed by population, then batch entry; `None` where recording is off.
    pub populations: Vec<Option<Vec<SpikeRecording>>>,
    /// State samples, indexed by population, then batch entry; `None` where no state is
    /// recorded.
    pub state: Vec<Option<Vec<StateRecording>>>,
    /// The network the recordings are of: a handle of another gets nothing.
    network: NetworkId,
}

impl PartialEq for Recordings {
    fn eq(&self, other: &Self) -> bool {
        self.populations == other.populations && self.state == other.state
    }
}

impl Recordings {
    /// The recordings of a run of `network`, indexed by population then batch entry.
    pub(crate) fn new(network: NetworkId, populations: Vec<Option<Vec<SpikeRecording>>>) -> Self {
        Recordings {
            state: vec![None; populations.len()],
            populations,
            network,
        }
    }

    /// These recordings with `state`'s samples (indexed by population, then entry).
    pub(crate) fn with_state(mut self, state: Vec<Option<Vec<StateRecording>>>) -> Self {
        self.state = state;
        self
    }

    /// The state samples of `population`, one recording per batch entry (`None` where
    /// its state isn't recorded, or for a handle of another network).
    pub fn state_of(&self, population: PopulationId) -> Option<&[StateRecording]> {
        (population.network() == self.network)
            .then(|| self.state.get(population.index()))
            .flatten()?
            .as_deref()
    }

    /// Moves the state samples of `population` out, one recording per batch entry.
    pub fn take_state(&mut self, population: PopulationId) -> Option<Vec<StateRecording>> {
        (population.network() == self.network)
            .then(|| self.state.get_mut(population.index()))
            .flatten()?
            .take()
    }

    /// Appends `later`, the recordings of the timesteps right after these.
    pub(crate) fn append(&mut self, later: Recordings) {
        for (mine, theirs) in self.populations.iter_mut().zip(later.populations) {
            let (Some(mine), Some(theirs)) = (mine, theirs) else {
                continue;
            };
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.bits.extend(b.bits);
                a.n_steps += b.n_steps;
            }
        }
        for (mine, theirs) in self.state.iter_mut().zip(later.state) {
            let (Some(mine), Some(theirs)) = (mine, theirs) else {
                continue;
            };
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.append(b);
            }
        }
    }

    /// These recordings with room for the spikes and state samples of `total`
    /// timesteps from `first_step` in all, as `net` records them (sized and checked
    /// against memory by the caller): appending the rest then never reallocates.
    pub(crate) fn reserved(mut self, net: &BuiltNetwork, first_step: u64, total: u64) -> Self {
        for rec in self.populations.iter_mut().flatten().flatten() {
            let words = words_per_step(rec.n_neurons) * total as usize;
            rec.bits.reserve_exact(words.saturating_sub(rec.bits.len()));
        }
        for (pop, state) in net.populations.iter().zip(&mut self.state) {
            let (Some(spec), Some(entries)) = (&pop.state_recording, state) else {
                continue;
            };
            let samples = spec.samples_over(first_step, total) as usize;
            for rec in entries {
                let values = samples * spec.values_per_sample();
                rec.bits
                    .reserve_exact(values.saturating_sub(rec.bits.len()));
                rec.timesteps
                    .reserve_exact(samples.saturating_sub(rec.timesteps.len()));
            }
        }
        self
    }

    /// The recordings of `population`, one per batch entry (`None` where recording is
    /// off, or for a handle of another network).
    pub fn get(&self, population: PopulationId) -> Option<&[SpikeRecording]> {
        self.slot(population)?.as_deref()
    }

    /// Moves the recordings of `population` out, one per batch entry.
    pub fn take(&mut self, population: PopulationId) -> Option<Vec<SpikeRecording>> {
        self.slot_mut(population)?.take()
    }

    /// Moves the recording of `population` in batch entry `entry` out.
    pub fn take_one(&mut self, population: PopulationId, entry: usize) -> Option<SpikeRecording> {
        let all = self.slot_mut(population)?.as_mut()?;
        (entry < all.len())
            .then(|| std::mem::replace(&mut all[entry], SpikeRecording::new("", 0, 0, 0.0, 0)))
    }

    fn slot(&self, population: PopulationId) -> Option<&Option<Vec<SpikeRecording>>> {
        (population.network() == self.network)
            .then(|| self.populations.get(population.index()))
            .flatten()
    }

    fn slot_mut(&mut self, population: PopulationId) -> Option<&mut Option<Vec<SpikeRecording>>> {
        (population.network() == self.network)
            .then(|| self.populations.get_mut(population.index()))
            .flatten()
    }
}

/// How a backend's recording buffer orders a population's rows of spike words.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RowOrder {
    /// `[entry][step][word]`, each entry's rows `entry_stride` words apart (the CPU's:
    /// each thread writes its own entries).
    EntryMajor {
        /// Words from one entry's first row to the next entry's.
        entry_stride: usize,
    },
    /// `[step][entry][word]` (the GPU's: a run's rows of every entry read back in one
    /// copy).
    #[cfg_attr(not(feature = "gpu"), allow(dead_code))]
    StepMajor,
}

/// What a backend's recordings of one run share: `steps` timesteps from `first_step`
/// (timestep `dt`), `batch` entries, unpacked on up to `host_threads` threads.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TakenRun {
    /// Timesteps recorded.
    pub steps: u32,
    /// The timestep (since the last reset) of the first.
    pub first_step: u64,
    /// Timestep in ms.
    pub dt: f32,
    /// Batch entries.
    pub batch: usize,
    /// Host threads to unpack a large batch on.
    pub host_threads: usize,
}

/// Population `pop`'s recorded rows of a run (`run.steps` of them per batch entry, in
/// `order`) cut into one recording per entry.
///
/// Copying a large batch's recordings out, into new pages, costs as much as simulating
/// it: from batch 8 up the entries are shared between the host threads.
pub(crate) fn unpack(
    rows: &[u32],
    order: RowOrder,
    pop: &BuiltPopulation,
    run: TakenRun,
) -> Vec<SpikeRecording> {
    let words = words_per_step(pop.size);
    let steps = run.steps as usize;
    let threads = if run.batch >= 8 { run.host_threads } else { 1 };
    let unpack_entry = |entry: usize| {
        let bits = match order {
            RowOrder::EntryMajor { entry_stride } => {
                let first = entry * entry_stride;
                rows[first..first + steps * words].to_vec()
            }
            RowOrder::StepMajor => {
                let mut bits = Vec::with_capacity(steps * words);
                for step in 0..steps {
                    let row = (step * run.batch + entry) * words;
                    bits.extend_from_slice(&rows[row..row + words]);
                }
                bits
            }
        };
        SpikeRecording {
            population: pop.name.clone(),
            n_neurons: pop.size,
            n_steps: run.steps,
            dt: run.dt,
            first_step: run.first_step,
            bits,
        }
    };
    crate::parallel::map_in_parallel(run.batch, threads, unpack_entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_and_decoding_round_trip() {
        let n = 70; // three words per step, the last one partial
        let mut rec = SpikeRecording::new("p", n, 5, 0.1, 0);
        let spikes = [(0u32, 0u32), (0, 31), (0, 32), (2, 69), (4, 5), (4, 64)];
        for &(s, i) in &spikes {
            rec.set(s, i);
        }
        assert_eq!(words_per_step(n), 3);
        assert_eq!(rec.bits.len(), 15);
        assert_eq!(rec.bits[0], 1 | (1 << 31));
        assert_eq!(rec.bits[1], 1);
        assert_eq!(rec.bits[2 * 3 + 2], 1 << 5);
        let (times, ids) = rec.decode();
        assert_eq!(ids, vec![0, 31, 32, 69, 5, 64]);
        let expected: Vec<f32> = spikes
            .iter()
            .map(|&(s, _)| (f64::from(s) * f64::from(0.1f32)) as f32)
            .collect();
        assert_eq!(times, expected);
        for &(s, i) in &spikes {
            assert!(rec.spiked(s, i));
        }
        assert!(!rec.spiked(1, 0));
        assert_eq!(rec.spike_count(), 6);
        assert_eq!(rec.active_neurons(), 6);
        rec.set(3, 0);
        assert_eq!(rec.spike_count(), 7);
        assert_eq!(rec.active_neurons(), 6);
        assert_eq!(rec.counts_per_neuron()[0], 2);
    }

    #[test]
    fn decode_counts_time_from_the_first_recorded_step() {
        let mut rec = SpikeRecording::new("p", 1, 2, 0.5, 10);
        rec.set(1, 0);
        assert_eq!(rec.decode(), (vec![5.5], vec![0]));
    }
}
