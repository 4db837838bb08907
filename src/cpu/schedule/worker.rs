//! What one thread does in a run of timesteps: the step loop over its own pieces of the
//! state. Everything a thread touches mutably was split off with safe borrows before the
//! loop started (`split.rs`), so the loop allocates nothing and takes no locks; spike words
//! are shared as atomics.

use std::sync::atomic::{AtomicU32, AtomicU64};

use super::barrier::SpinBarrier;
use crate::cpu::kernels::{
    AddToPost, CodeSlice, ExpCurrSlice, NeuronInputs, SampleAt, SumsMut, SynapseCode, Weights,
    code_neuron_update, learn_post, learn_pre, neuron_update, post_spike_syn, pre_spike_syn,
    propagate_spikes, record_state, spike_times,
};
use crate::interpret::native::NativeLanes;
use crate::model::{BuiltNetwork, BuiltSynapseGroup, Columns, PopulationModel, RecordedVar};
use crate::sim::{time_of, words_per_step};

/// One population slice in one batch entry.
pub(super) struct PopulationSlice<'a> {
    pub entry: usize,
    /// First neuron (a multiple of 32).
    pub lo: usize,
    /// Neurons in the slice.
    pub len: usize,
    /// A built-in model's state (empty for a code-string model).
    pub v: &'a mut [f32],
    pub refrac_time: &'a mut [f32],
    /// A code-string model's variables (none for a built-in model).
    pub vars: Vec<&'a mut [u32]>,
}

/// What every thread reads.
pub(super) struct Shared<'a> {
    pub net: &'a BuiltNetwork,
    pub batch: usize,
    pub recording_steps: usize,
    pub spikes: Vec<&'a [AtomicU32]>,
    /// Per population, the timesteps its ring of spike words holds.
    pub spike_slots: Vec<u64>,
    pub recording: Vec<Option<&'a [AtomicU32]>>,
    /// Per population whose state is recorded, its samples (`PopulationState`).
    pub state_recording: Vec<Option<&'a [AtomicU32]>>,
    /// Per synapse group, its position among its target population's incoming groups.
    pub position_in_post: Vec<usize>,
    /// Per synapse group, its per-synapse weights (f32 bits).
    pub synapse_g: Vec<Option<&'a [AtomicU32]>>,
    /// Per plastic synapse group, its synapses by postsynaptic neuron.
    pub columns: Vec<Option<&'a Columns>>,
    /// Per population, the time of each neuron's latest spike, where tracked.
    pub last_spike: Vec<Option<&'a [AtomicU32]>>,
    /// Per plastic synapse group with a delay, its own `st_pre` (`SynapseState::st_pre`).
    pub delayed_st_pre: Vec<Option<&'a [AtomicU32]>>,
    /// Per synapse group written as code strings, its synapse variables.
    pub synapse_vars: Vec<&'a [Vec<AtomicU32>]>,
    /// Per synapse group, where its pre- and postsynaptic variables are among its
    /// populations' (see `BuiltNetwork::synapse_side_vars`).
    pub side_vars: Vec<(Vec<usize>, Vec<usize>)>,
    /// Per synapse group, the first `addToPost` input beyond its range.
    pub add_to_post_overflow: &'a [AtomicU64],
    /// Per population written as code strings, its step function as machine code.
    pub compiled: &'a [Option<NativeLanes>],
}

impl Shared<'_> {
    /// The ring slot of population `p`'s spikes of the timestep `back` timesteps before
    /// `timestep` (`back` less than the ring's length; the ring of a fresh or reset
    /// simulation holds no spikes, so timesteps before the first read as silent).
    fn slot(&self, p: usize, timestep: u64, back: u32) -> usize {
        let slots = self.spike_slots[p];
        ((timestep + slots - u64::from(back)) % slots) as usize
    }

    /// The spike words of population `p`'s ring slot `slot` in `entry`.
    fn spike_words(&self, p: usize, slot: usize, entry: usize) -> &[AtomicU32] {
        let words = words_per_step(self.net.populations[p].size);
        let at = (slot * self.batch + entry) * words;
        &self.spikes[p][at..at + words]
    }

    /// Group `g`'s `st_pre`, where tracked: its own for a delayed plastic group (the
    /// arrivals of its presynaptic spikes), else its presynaptic population's.
    fn st_pre(&self, g: usize) -> Option<&[AtomicU32]> {
        let pre = self.net.synapse_groups[g].pre;
        self.delayed_st_pre[g].or(self.last_spike[pre])
    }

    /// The spike words of population `p` of the timestep before `timestep`, in `entry`.
    fn previous_spike_words(&self, p: usize, timestep: u64, entry: usize) -> &[AtomicU32] {
        self.earlier_spike_words(p, timestep, 1, entry)
    }

    /// The spike words of population `p` of the timestep `back` timesteps before
    /// `timestep`, in `entry`: those that reach synapses of delay `back - 1` now.
    fn earlier_spike_words(
        &self,
        p: usize,
        timestep: u64,
        back: u32,
        entry: usize,
    ) -> &[AtomicU32] {
        self.spike_words(p, self.slot(p, timestep, back), entry)
    }
}

/// One thread's share of the state: pieces indexed `[population][task]`, where a task
/// is one (batch entry, slice) pair.
pub(super) struct Worker<'a> {
    pub populations: Vec<Vec<PopulationSlice<'a>>>,
    /// `[post population][task][incoming group]`.
    pub exp_curr: Vec<Vec<Vec<ExpCurrSlice<'a>>>>,
    /// `[population][task][current source]`.
    pub magnitudes: Vec<Vec<Vec<&'a [f32]>>>,
}

/// The tasks a worker runs in one go, and the run of timesteps.
#[derive(Clone)]
pub(super) struct Run {
    /// Timestep of the run's first step.
    pub start: u64,
    /// Recording row of the run's first step.
    pub first_slot: usize,
    pub steps: u32,
}

impl Worker<'_> {
    /// Number of (batch entry, slice) tasks this worker has.
    pub fn tasks(&self) -> usize {
        self.populations.first().map_or(0, Vec::len)
    }

    /// Sets the state of task `task` to its initial values.
    pub fn reset(&mut self, net: &BuiltNetwork, task: usize) {
        for (p, pop) in net.populations.iter().enumerate() {
            let slice = &mut self.populations[p][task];
            slice.v.fill(pop.init.v);
            slice.refrac_time.fill(pop.init.refrac_time);
            if let PopulationModel::Code(code) = &pop.model {
                let (lo, hi) = (slice.lo, slice.lo + slice.len);
                for (var, init) in slice.vars.iter_mut().zip(&code.init) {
                    var.copy_from_slice(&init[lo..hi]);
                }
            }
            for input in &mut self.exp_curr[p][task] {
                input.in_syn.fill(0.0);
                input.in_syn_acc.clear();
                input.stamps.fill(0);
            }
        }
    }

    /// The run's timesteps for tasks `tasks`, waiting at `barrier` after each.
    pub fn run(
        &mut self,
        shared: &Shared<'_>,
        run: &Run,
        tasks: std::ops::Range<usize>,
        barrier: Option<&SpinBarrier>,
    ) {
        for k in 0..run.steps {
            let timestep = run.start + u64::from(k);
            self.step(shared, timestep, run.first_slot + k as usize, tasks.clone());
            if let Some(barrier) = barrier {
                barrier.wait();
            }
        }
    }

    /// One timestep of tasks `tasks` (indices into this worker's pieces).
    fn step(
        &mut self,
        shared: &Shared<'_>,
        timestep: u64,
        record_slot: usize,
        tasks: std::ops::Range<usize>,
    ) {
        // Plastic synapses need the time of every neuron's latest spike: record the
        // previous timestep's (batch size 1, one thread).
        if timestep > 0 {
            let t_previous = time_of(timestep - 1, shared.net.dt);
            for (p, st) in shared.last_spike.iter().enumerate() {
                if let Some(st) = st {
                    spike_times(shared.previous_spike_words(p, timestep, 0), st, t_previous);
                }
            }
            // A delayed plastic group's presynaptic spikes, as they reach its synapses.
            for (g, group) in shared.net.synapse_groups.iter().enumerate() {
                if let (Some(st), Some(delay)) = (shared.delayed_st_pre[g], group.learning_delay())
                {
                    let arriving = shared.earlier_spike_words(group.pre, timestep, 1 + delay, 0);
                    spike_times(arriving, st, t_previous);
                }
            }
        }
        let t = time_of(timestep, shared.net.dt);
        for (g, group) in shared.net.synapse_groups.iter().enumerate() {
            if group.code.is_some() {
                self.code_synapse_update(shared, g, timestep, t, tasks.clone());
                continue;
            }
            self.synapse_update(shared, g, group, timestep, tasks.clone());
            learn(shared, g, group, timestep, t);
        }
        for (p, pop) in shared.net.populations.iter().enumerate() {
            let words = words_per_step(pop.size);
            let current = shared.slot(p, timestep, 0);
            for ((slice, exp_curr), magnitudes) in self.populations[p][tasks.clone()]
                .iter_mut()
                .zip(&mut self.exp_curr[p][tasks.clone()])
                .zip(&self.magnitudes[p][tasks.clone()])
            {
                let first = slice.lo / 32;
                let n_words = slice.len.div_ceil(32);
                let at = (current * shared.batch + slice.entry) * words + first;
                let record_words = shared.recording[p].map(|r| {
                    let at = (slice.entry * shared.recording_steps + record_slot) * words + first;
                    &r[at..at + n_words]
                });
                let mut inputs = NeuronInputs {
                    exp_curr,
                    magnitudes,
                };
                let spike_words = &shared.spikes[p][at..at + n_words];
                match &pop.model {
                    PopulationModel::Builtin(neuron) => neuron_update(
                        neuron,
                        slice.v,
                        slice.refrac_time,
                        &mut inputs,
                        spike_words,
                        record_words,
                    ),
                    PopulationModel::Code(code) => {
                        let at = CodeSlice {
                            entry: slice.entry,
                            lo: slice.lo,
                            len: slice.len,
                            timestep,
                            dt: shared.net.dt,
                        };
                        let out = (spike_words, record_words);
                        let code = (&**code, shared.compiled[p].as_ref());
                        code_neuron_update(code, &mut slice.vars, &mut inputs, &at, out);
                    }
                }
                sample_state(shared, p, slice, timestep, record_slot);
            }
        }
    }

    /// Synapse update of group `g` in timestep `timestep`: the spikes of the timestep
    /// before, and further back by its delays, into this thread's slices of its targets.
    fn synapse_update(
        &mut self,
        shared: &Shared<'_>,
        g: usize,
        group: &BuiltSynapseGroup,
        timestep: u64,
        tasks: std::ops::Range<usize>,
    ) {
        if !group.drives_post {
            return;
        }
        let weights = weights_of(shared, g, group);
        let k = shared.position_in_post[g];
        for (slice, inputs) in self.populations[group.post][tasks.clone()]
            .iter()
            .zip(&mut self.exp_curr[group.post][tasks])
        {
            let input = &mut inputs[k];
            // Delay min_steps + class: the spikes of 1 + that many timesteps back.
            let spikes_of_class = |class: u32| {
                let back = 1 + group.delays.min_steps + class;
                shared.earlier_spike_words(group.pre, timestep, back, slice.entry)
            };
            let synapses = (&group.connectivity, &group.delays);
            let sums = (&mut input.in_syn_acc, &mut *input.stamps);
            propagate_spikes(synapses, weights, spikes_of_class, slice.lo, sums);
        }
    }
}

impl Worker<'_> {
    /// Synapse update of group `g`, whose weight-update model is written as code strings:
    /// its presynaptic spikes' code into this thread's slices of its target, then (plastic
    /// groups: batch size 1, one thread) its postsynaptic spikes' code.
    fn code_synapse_update(
        &mut self,
        shared: &Shared<'_>,
        g: usize,
        timestep: u64,
        t: f32,
        tasks: std::ops::Range<usize>,
    ) {
        let group = &shared.net.synapse_groups[g];
        let Some(code) = &group.code else { return };
        let k = shared.position_in_post[g];
        let (pre_vars, post_vars) = &shared.side_vars[g];
        for task in tasks {
            let entry = self.populations[group.post][task].entry;
            let at = SynapseCode {
                code,
                vars: shared.synapse_vars[g],
                pre_vars: whole_vars(&self.populations[group.pre], entry, pre_vars),
                post_vars: whole_vars(&self.populations[group.post], entry, post_vars),
                // Tracked for a plastic group on either population: read by plastic
                // groups only, whatever else the populations are connected to.
                st_pre: shared.st_pre(g).filter(|_| code.plastic),
                st_post: shared.last_spike[group.post].filter(|_| code.plastic),
                t,
            };
            let input = &mut self.exp_curr[group.post][task][k];
            let SumsMut::Wide(sums) = &mut input.in_syn_acc else {
                continue;
            };
            let mut out = AddToPost {
                sums,
                stamps: input.stamps,
                lo: self.populations[group.post][task].lo,
                scale: &group.weight,
                overflow: &shared.add_to_post_overflow[g],
            };
            // Validation leaves code groups an axonal delay only: one class.
            let back = 1 + group.delays.min_steps;
            let pre_spikes = shared.earlier_spike_words(group.pre, timestep, back, entry);
            pre_spike_syn(&at, &group.connectivity, pre_spikes, &mut out);
            if let Some(columns) = shared.columns[g] {
                let post_spikes = shared.previous_spike_words(group.post, timestep, entry);
                post_spike_syn(&at, columns, post_spikes, &mut out);
            }
        }
    }
}

/// Population `p`'s sample of timestep `timestep` (its recording row `record_slot`) of
/// the recorded neurons in `slice`, where its state is recorded and the timestep sampled.
fn sample_state(
    shared: &Shared<'_>,
    p: usize,
    slice: &PopulationSlice<'_>,
    timestep: u64,
    record_slot: usize,
) {
    let (Some(samples), Some(rec)) = (
        shared.state_recording[p],
        &shared.net.populations[p].state_recording,
    ) else {
        return;
    };
    let at = SampleAt {
        entry: slice.entry,
        timestep,
        first_step: timestep - record_slot as u64,
        max_samples: rec.max_samples(shared.recording_steps as u32) as usize,
    };
    let value = |var, i: usize| match var {
        RecordedVar::V => slice.v[i].to_bits(),
        RecordedVar::RefracTime => slice.refrac_time[i].to_bits(),
        RecordedVar::Code(k) => slice.vars[k][i],
    };
    record_state(rec, (slice.lo, slice.len), value, &at, samples);
}

/// Variables `vars` of a population's whole state in batch entry `entry`, from the slices
/// this worker holds: a group with pre- or postsynaptic variables is plastic, so one
/// thread holds every population whole. Empty where no slice covers the population.
fn whole_vars<'s>(
    slices: &'s [PopulationSlice<'_>],
    entry: usize,
    vars: &[usize],
) -> Vec<&'s [u32]> {
    let Some(slice) = slices.iter().find(|s| s.entry == entry && s.lo == 0) else {
        return Vec::new();
    };
    vars.iter()
        .filter_map(|&i| slice.vars.get(i).map(|v| &v[..]))
        .filter(|v| v.len() == slice.len)
        .collect()
}

fn weights_of<'a>(shared: &Shared<'a>, g: usize, group: &'a BuiltSynapseGroup) -> Weights<'a> {
    match shared.synapse_g[g] {
        Some(g) => Weights::PerSynapse(g, &group.weight),
        None => Weights::Constant(group.weight.weight_fixed),
    }
}

/// STDP of group `g` in the synapse update of the timestep at time `t`: presynaptic
/// spikes first, then postsynaptic ones (batch size 1, one thread).
fn learn(shared: &Shared<'_>, g: usize, group: &BuiltSynapseGroup, timestep: u64, t: f32) {
    let (Some(rule), Some(columns), Some(weights)) =
        (&group.stdp, shared.columns[g], shared.synapse_g[g])
    else {
        return;
    };
    let (Some(st_pre), Some(st_post)) = (shared.st_pre(g), shared.last_spike[group.post]) else {
        return;
    };
    let back = 1 + group.learning_delay().unwrap_or(0);
    let pre_spikes = shared.earlier_spike_words(group.pre, timestep, back, 0);
    learn_pre(rule, &group.connectivity, weights, t, pre_spikes, st_post);
    let post_spikes = shared.previous_spike_words(group.post, timestep, 0);
    learn_post(rule, columns, weights, t, post_spikes, st_pre);
}
