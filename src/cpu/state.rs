//! The CPU backend's state: every array a run of timesteps reads and writes, laid out
//! entry-major (`[batch entry][neuron]`) like the GPU's.

use std::sync::atomic::AtomicU32;

use crate::model::{
    AccumulatorWidth, BuiltNetwork, BuiltPopulation, BuiltSynapseGroup, Columns, NEVER_SPIKED,
    PopulationModel,
};
use crate::sim::words_per_step;

/// The state of one population, for every batch entry.
pub(crate) struct PopulationState {
    /// `[entry][neuron]`.
    pub v: Vec<f32>,
    /// `[entry][neuron]`.
    pub refrac_time: Vec<f32>,
    /// For a model written as code strings, its variables' bits `[variable][entry]
    /// [neuron]` (and no `V` or `RefracTime` above: those are variables here, if the
    /// model has them).
    pub vars: Vec<Vec<u32>>,
    /// Spike words of the last `BuiltNetwork::spike_slots` timesteps, `[timestep %
    /// slots][entry][word]`: the neuron update writes this timestep's slot while the
    /// synapse update reads older ones (the one before, and further back by each
    /// group's delays). Atomics only so threads can share them; every access is a plain
    /// relaxed load or store, ordered by the barrier between timesteps.
    pub spikes: Vec<AtomicU32>,
    /// Spike words `[entry][recording step][word]`, when recording is on.
    pub recording: Option<Vec<AtomicU32>>,
    /// State samples `[entry][sample][var][neuron]` (`sim::state_recording`), when
    /// the population's state is recorded: as many samples per entry as
    /// `recording_steps` timesteps can hold.
    pub state_recording: Option<Vec<AtomicU32>>,
    /// Time of each neuron's most recent spike (f32 bits; [`NEVER_SPIKED`] since the
    /// last reset), for populations that plastic synapses connect.
    pub last_spike: Option<Vec<AtomicU32>>,
}

impl PopulationState {
    /// Population `p` of `net` in its initial state, for `batch` entries and
    /// `recording_steps` timesteps of recording.
    pub fn new(net: &BuiltNetwork, p: usize, batch: usize, recording_steps: usize) -> Self {
        let pop = &net.populations[p];
        let tracked = net.tracks_spike_times(p);
        let slots = net.spike_slots(p) as usize;
        let n = pop.size as usize;
        let words = words_per_step(pop.size);
        let (builtin, vars) = match &pop.model {
            PopulationModel::Builtin(_) => (n * batch, Vec::new()),
            PopulationModel::Code(code) => (0, code.init.iter().map(|i| i.repeat(batch)).collect()),
        };
        PopulationState {
            v: vec![pop.init.v; builtin],
            refrac_time: vec![pop.init.refrac_time; builtin],
            vars,
            spikes: zeroed_atomics(slots * batch * words),
            recording: pop
                .spike_recording
                .then(|| zeroed_atomics(batch * recording_steps * words)),
            state_recording: pop.state_recording.as_ref().map(|rec| {
                let samples = rec.max_samples(recording_steps as u32) as usize;
                zeroed_atomics(batch * samples * rec.values_per_sample())
            }),
            last_spike: tracked.then(|| never_spiked(n * batch)),
        }
    }

    /// Back to the initial `V` and `RefracTime`, or a code model's initial variables.
    pub fn reset_state(&mut self, pop: &BuiltPopulation) {
        self.v.fill(pop.init.v);
        self.refrac_time.fill(pop.init.refrac_time);
        if let PopulationModel::Code(code) = &pop.model {
            for (var, init) in self.vars.iter_mut().zip(&code.init) {
                for entry in var.chunks_mut(init.len()) {
                    entry.copy_from_slice(init);
                }
            }
        }
    }

    /// Clears what the reset clears at once: spikes still to be delivered and spike
    /// times. `V` and `RefracTime` are reset by the threads of the next run.
    pub fn clear_spikes(&mut self) {
        for w in self.spikes.iter_mut() {
            *w.get_mut() = 0;
        }
        for st in self.last_spike.iter_mut().flatten() {
            *st.get_mut() = NEVER_SPIKED.to_bits();
        }
    }
}

/// The postsynaptic state of one synapse group, `[entry][target neuron]`.
pub(crate) struct SynapseState {
    /// `inSyn`.
    pub in_syn: Vec<f32>,
    /// This timestep's input in fixed-point units (see `FixedPointWeight`), as wide as
    /// the group's accumulator.
    pub in_syn_acc: Sums,
    /// `[entry][word]`: nonzero where the synapse update stamped a word as having input
    /// in `in_syn_acc`, so the neuron update reads the accumulator only there.
    pub stamps: Vec<u8>,
    /// Per-synapse weights (f32 bits, row order), shared by the batch.
    pub g: Option<Vec<AtomicU32>>,
    /// For plastic groups, the synapses by postsynaptic neuron.
    pub columns: Option<Columns>,
    /// A code model's synapse variables (bits, `[variable][synapse]` in row order),
    /// shared by the batch; a reset leaves them, as it leaves `g`.
    pub vars: Vec<Vec<AtomicU32>>,
    /// For a plastic group with a delay, its own `st_pre`: when each presynaptic
    /// neuron's latest spike reached its synapses (see `BuiltSynapseGroup::learning_delay`;
    /// f32 bits, [`NEVER_SPIKED`] since the last reset).
    pub st_pre: Option<Vec<AtomicU32>>,
}

impl SynapseState {
    /// Group `group` into a population of `post_size`, for `batch` entries.
    pub fn new(group: &BuiltSynapseGroup, post_size: u32, batch: usize) -> Self {
        let n = post_size as usize * batch;
        SynapseState {
            in_syn: vec![0.0; n],
            in_syn_acc: match group.weight.width {
                AccumulatorWidth::Bits32 => Sums::Narrow(vec![0; n]),
                AccumulatorWidth::Bits64 => Sums::Wide(vec![0; n]),
            },
            stamps: vec![0; words_per_step(post_size) * batch],
            g: group
                .synapse_g
                .as_ref()
                .map(|g| g.iter().map(|w| AtomicU32::new(w.to_bits())).collect()),
            columns: group.columns(),
            vars: group.code.as_ref().map_or_else(Vec::new, |c| {
                c.init
                    .iter()
                    .map(|bits| bits.iter().map(|&b| AtomicU32::new(b)).collect())
                    .collect()
            }),
            st_pre: group
                .learning_delay()
                .map(|_| never_spiked(group.connectivity.n_pre as usize)),
        }
    }

    /// Back to no input.
    pub fn reset(&mut self) {
        self.in_syn.fill(0.0);
        match &mut self.in_syn_acc {
            Sums::Narrow(sums) => sums.fill(0),
            Sums::Wide(sums) => sums.fill(0),
        }
        self.stamps.fill(0);
    }

    /// No presynaptic spike arrived since the reset (with the populations' spikes).
    pub fn clear_arrivals(&mut self) {
        for st in self.st_pre.iter_mut().flatten() {
            *st.get_mut() = NEVER_SPIKED.to_bits();
        }
    }
}

/// Bytes the CPU backend allocates for `net` with `batch` entries and
/// `recording_steps` of recording: every array above, the copy of the network the
/// simulation keeps, and the current sources' magnitudes. Computed in u128, so no
/// network or configuration can overflow it.
pub(crate) fn state_bytes(net: &BuiltNetwork, batch: u32, recording_steps: u32) -> u128 {
    let batch = u128::from(batch);
    let words = |size: u32| words_per_step(size) as u128;
    let populations: u128 = net
        .populations
        .iter()
        .enumerate()
        .map(|(p, pop)| {
            let n = u128::from(pop.size);
            let recording = if pop.spike_recording {
                batch * u128::from(recording_steps) * words(pop.size)
            } else {
                0
            };
            let state_samples = pop.state_recording.as_ref().map_or(0, |rec| {
                let samples = u128::from(rec.max_samples(recording_steps));
                batch * samples * rec.values_per_sample() as u128
            });
            let spike_times = if net.tracks_spike_times(p) {
                n * batch
            } else {
                0
            };
            // V and RefracTime, or a code model's variables and their initial values.
            let state = match &pop.model {
                PopulationModel::Builtin(_) => 2 * n * batch,
                PopulationModel::Code(code) => code.vars.len() as u128 * n * (batch + 1),
            };
            let ring = u128::from(net.spike_slots(p)) * batch * words(pop.size);
            4 * (state + ring + recording + state_samples + spike_times)
        })
        .sum();
    let synapses: u128 = net
        .synapse_groups
        .iter()
        .map(|s| {
            let post = net.populations[s.post].size;
            let synapses = s.connectivity.len() as u128;
            // The network's copy of the synapses (and where each row's delays start) and,
            // per synapse, weights and columns.
            let rows = u128::from(s.connectivity.n_pre) + 1 + s.delays.class_start.len() as u128;
            let connectivity = 4 * (synapses + rows);
            let weights = if s.synapse_g.is_some() {
                8 * synapses
            } else {
                0
            };
            // A code model's variables, and the network's copy of their initial values.
            let code_vars = s
                .code
                .as_ref()
                .map_or(0, |c| 8 * c.vars.len() as u128 * synapses);
            let columns = if s.is_plastic() { 8 * synapses } else { 0 };
            // A delayed plastic group's own st_pre.
            let st_pre = s
                .learning_delay()
                .map_or(0, |_| 4 * u128::from(s.connectivity.n_pre));
            // inSyn and its sums (at most 8 bytes each).
            12 * u128::from(post) * batch
                + words(post) * batch
                + connectivity
                + weights
                + code_vars
                + columns
                + st_pre
        })
        .sum();
    let magnitudes: u128 = net
        .current_sources
        .iter()
        .map(|c| 4 * u128::from(net.populations[c.target].size) * batch)
        .sum();
    populations + synapses + magnitudes
}

/// A synapse group's fixed-point sums, `[entry][target neuron]`: `i32` for a
/// constant-weight group (`AccumulatorWidth::Bits32`), `i64` for per-synapse weights.
pub(crate) enum Sums {
    Narrow(Vec<i32>),
    Wide(Vec<i64>),
}

fn never_spiked(n: usize) -> Vec<AtomicU32> {
    (0..n)
        .map(|_| AtomicU32::new(NEVER_SPIKED.to_bits()))
        .collect()
}

fn zeroed_atomics(n: usize) -> Vec<AtomicU32> {
    (0..n).map(|_| AtomicU32::new(0)).collect()
}

/// A recording buffer's words as plain `u32`s, for a plain (vectorised) copy rather than
/// one atomic load per word.
pub(crate) fn plain_words(words: &mut [AtomicU32]) -> &[u32] {
    // SAFETY: AtomicU32 has the size, alignment and bit validity of u32, and the
    // exclusive borrow rules out any atomic access while the plain view lives.
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u32>(), words.len()) }
}
