//! How a run of timesteps is shared between threads, and the step loop each one runs.
//!
//! Everything a thread touches mutably (its slices of `V`, `RefracTime`, `inSyn`) is
//! split off with safe borrows before the loop starts, so the loop itself allocates
//! nothing and takes no locks; spike words are shared as atomics.

use std::sync::atomic::AtomicU32;

use super::barrier::{PoisonOnPanic, SpinBarrier};
use super::{
    CpuSimulation, ExpCurrSlice, NeuronInputs, Weights, for_each_spike, learn_stdp, neuron_update,
    propagate_spikes, store_f32,
};
use crate::model::BuiltNetwork;
use crate::recording::words_per_step;

/// Below this many neuron updates a run stays on the calling thread: starting threads
/// costs more than it saves.
const MIN_PARALLEL_WORK: u64 = 1_000_000;
/// Below this many neurons in a slice of one image, slicing populations costs more in
/// barriers than it saves.
const MIN_NEURONS_PER_THREAD: u64 = 4_096;

/// How a run is split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Plan {
    /// All on the calling thread.
    Single,
    /// `groups` groups of `slices` threads. Each group simulates whole batch entries,
    /// one at a time through every timestep where it has one thread; with several, each
    /// of its threads updates a slice of every population, and they meet at the group's
    /// barrier after each timestep. Groups never wait for each other.
    Split { groups: usize, slices: usize },
}

impl Plan {
    pub fn workers(self) -> usize {
        match self {
            Plan::Single => 1,
            Plan::Split { groups, slices } => groups * slices,
        }
    }
}

pub(super) fn plan(net: &BuiltNetwork, batch: usize, threads: usize, steps: u32) -> Plan {
    let neurons: u64 = net.populations.iter().map(|p| u64::from(p.size)).sum();
    let work = neurons * batch as u64 * u64::from(steps);
    // Learning writes weights and spike times that every slice reads: one thread.
    let plastic = net.synapse_groups.iter().any(|s| s.stdp.is_some());
    if plastic || threads <= 1 || batch == 0 || work < MIN_PARALLEL_WORK {
        return Plan::Single;
    }
    if batch >= threads {
        return Plan::Split {
            groups: threads,
            slices: 1,
        };
    }
    // Fewer images than threads: one group per image, and the threads left over slice
    // its populations, as far as each slice still pays for its barrier. Where that
    // leaves threads idle (batch 9 of 16) and the network is big enough for every image
    // to be cut into a slice per thread, all threads slice every image together instead.
    let max_slices = (neurons / MIN_NEURONS_PER_THREAD).max(1) as usize;
    let slices = (threads / batch).min(max_slices);
    if batch * slices < threads && max_slices >= threads {
        return Plan::Split {
            groups: 1,
            slices: threads,
        };
    }
    if batch * slices <= 1 {
        Plan::Single
    } else {
        Plan::Split {
            groups: batch,
            slices,
        }
    }
}

/// Neuron boundaries of `parts` slices of a population of `n`, on word boundaries.
fn slice_bounds(n: usize, parts: usize) -> Vec<usize> {
    let words = n.div_ceil(32);
    (0..=parts)
        .map(|k| (words * k / parts * 32).min(n))
        .collect()
}

/// `data` (`[batch][n]`) cut into `[batch][slice]` pieces at `bounds`.
fn split<'a, T>(data: &'a mut [T], n: usize, bounds: &[usize]) -> Vec<Vec<Option<&'a mut [T]>>> {
    data.chunks_mut(n)
        .map(|mut image| {
            bounds
                .windows(2)
                .map(|w| {
                    let (piece, rest) = std::mem::take(&mut image).split_at_mut(w[1] - w[0]);
                    image = rest;
                    Some(piece)
                })
                .collect()
        })
        .collect()
}

/// One population slice in one batch entry.
struct PopulationSlice<'a> {
    image: usize,
    /// First neuron (a multiple of 32).
    lo: usize,
    v: &'a mut [f32],
    refrac_time: &'a mut [f32],
}

/// What every thread reads.
struct Shared<'a> {
    net: &'a BuiltNetwork,
    batch: usize,
    recording_steps: usize,
    spikes: Vec<&'a [AtomicU32]>,
    recording: Vec<Option<&'a [AtomicU32]>>,
    /// Per synapse group, its position among its target population's incoming groups.
    position_in_post: Vec<usize>,
    /// Per synapse group, its per-synapse weights (f32 bits).
    synapse_g: Vec<Option<&'a [AtomicU32]>>,
    /// Per plastic synapse group, its synapses by postsynaptic neuron.
    columns: Vec<Option<&'a crate::model::connectivity::Columns>>,
    /// Per population, the time of each neuron's latest spike, where tracked.
    last_spike: Vec<Option<&'a [AtomicU32]>>,
}

/// One thread's share of the state: pieces indexed `[population][task]`.
struct Worker<'a> {
    populations: Vec<Vec<PopulationSlice<'a>>>,
    /// `[post population][task][incoming group]`.
    exp_curr: Vec<Vec<Vec<ExpCurrSlice<'a>>>>,
    /// `[population][task][current source]`.
    magnitudes: Vec<Vec<Vec<&'a [f32]>>>,
}

impl Worker<'_> {
    /// Sets the state of task `task` to its initial values.
    fn reset(&mut self, net: &BuiltNetwork, task: usize) {
        for (p, pop) in net.populations.iter().enumerate() {
            let slice = &mut self.populations[p][task];
            slice.v.fill(pop.init.v);
            slice.refrac_time.fill(pop.init.refrac_time);
            for input in &mut self.exp_curr[p][task] {
                input.in_syn.fill(0.0);
                input.in_syn_acc.fill(0);
                input.acc_dirty.fill(0);
            }
        }
    }

    /// `steps` timesteps of tasks `tasks` from timestep `start` (recording row
    /// `first_slot`), waiting at `barrier` after each.
    fn run(
        &mut self,
        shared: &Shared<'_>,
        start: u64,
        first_slot: usize,
        steps: u32,
        tasks: std::ops::Range<usize>,
        barrier: Option<&SpinBarrier>,
    ) {
        for k in 0..steps {
            self.step(
                shared,
                start + u64::from(k),
                first_slot + k as usize,
                tasks.clone(),
            );
            if let Some(b) = barrier {
                b.wait();
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
        let current = (timestep & 1) as usize;
        let previous = current ^ 1;
        let net = shared.net;
        // Plastic synapses need the time of every neuron's latest spike: record the
        // previous timestep's (batch size 1, one thread).
        if timestep > 0 {
            let t_previous = (((timestep - 1) as f64) * f64::from(net.dt)) as f32;
            for (p, st) in shared.last_spike.iter().enumerate() {
                if let Some(st) = st {
                    let words = words_per_step(net.populations[p].size);
                    let spikes = &shared.spikes[p][previous * words..previous * words + words];
                    for_each_spike(spikes, |i| store_f32(&st[i as usize], t_previous));
                }
            }
        }
        let t = ((timestep as f64) * f64::from(net.dt)) as f32;
        // Synapse update: the previous timestep's spikes, into this thread's targets.
        for (g, group) in net.synapse_groups.iter().enumerate() {
            let words_pre = words_per_step(net.populations[group.pre].size);
            let k = shared.position_in_post[g];
            let weights = match shared.synapse_g[g] {
                Some(g) => Weights::PerSynapse(g, &group.weight),
                None => Weights::Constant(group.weight.weight_fixed),
            };
            if group.drives_post {
                for (slice, inputs) in self.populations[group.post][tasks.clone()]
                    .iter()
                    .zip(&mut self.exp_curr[group.post][tasks.clone()])
                {
                    let at = (previous * shared.batch + slice.image) * words_pre;
                    let input = &mut inputs[k];
                    propagate_spikes(
                        &group.connectivity,
                        weights,
                        &shared.spikes[group.pre][at..at + words_pre],
                        slice.lo,
                        input.in_syn_acc,
                        input.acc_dirty,
                    );
                }
            }
            if let (Some(rule), Some(columns), Weights::PerSynapse(g_syn, _)) =
                (&group.stdp, shared.columns[g], weights)
            {
                let words_post = words_per_step(net.populations[group.post].size);
                let (Some(st_pre), Some(st_post)) =
                    (shared.last_spike[group.pre], shared.last_spike[group.post])
                else {
                    continue;
                };
                learn_stdp(
                    rule,
                    &group.connectivity,
                    columns,
                    g_syn,
                    t,
                    &shared.spikes[group.pre][previous * words_pre..(previous + 1) * words_pre],
                    &shared.spikes[group.post][previous * words_post..(previous + 1) * words_post],
                    st_pre,
                    st_post,
                );
            }
        }
        for (p, pop) in net.populations.iter().enumerate() {
            let words = words_per_step(pop.size);
            for ((slice, exp_curr), magnitudes) in self.populations[p][tasks.clone()]
                .iter_mut()
                .zip(&mut self.exp_curr[p][tasks.clone()])
                .zip(&self.magnitudes[p][tasks.clone()])
            {
                let first = slice.lo / 32;
                let n_words = slice.v.len().div_ceil(32);
                let at = (current * shared.batch + slice.image) * words + first;
                let spike_words = &shared.spikes[p][at..at + n_words];
                let record_words = shared.recording[p].map(|r| {
                    let at = (slice.image * shared.recording_steps + record_slot) * words + first;
                    &r[at..at + n_words]
                });
                neuron_update(
                    &pop.neuron,
                    slice.v,
                    slice.refrac_time,
                    &mut NeuronInputs {
                        exp_curr,
                        magnitudes,
                    },
                    spike_words,
                    record_words,
                );
            }
        }
    }
}

/// Runs `steps` timesteps of `sim`, starting at its clock.
pub(super) fn run(sim: &mut CpuSimulation, steps: u32) {
    let plan = plan(&sim.net, sim.batch, sim.threads, steps);
    let workers = plan.workers();
    let batch = sim.batch;
    let (groups, slices) = match plan {
        Plan::Single => (1, 1),
        Plan::Split { groups, slices } => (groups, slices),
    };
    // Which (batch entry, slice) tasks each worker gets: worker w is slice w % slices of
    // group w / slices, whose batch entries are a contiguous run.
    let tasks: Vec<Vec<(usize, usize)>> = (0..workers)
        .map(|w| {
            let (group, slice) = (w / slices, w % slices);
            (batch * group / groups..batch * (group + 1) / groups)
                .map(|b| (b, slice))
                .collect()
        })
        .collect();

    let CpuSimulation {
        net,
        recording_steps,
        populations,
        synapses,
        magnitudes,
        incoming,
        sources,
        reset_pending,
        clock,
        ..
    } = sim;
    let reset = *reset_pending;
    let net: &BuiltNetwork = net;
    let bounds: Vec<Vec<usize>> = net
        .populations
        .iter()
        .map(|p| slice_bounds(p.size as usize, slices))
        .collect();

    let mut spikes = Vec::new();
    let mut recording = Vec::new();
    let mut last_spike = Vec::new();
    let mut v_pieces = Vec::new();
    let mut refrac_pieces = Vec::new();
    for (state, pop) in populations.iter_mut().zip(&net.populations) {
        let n = pop.size as usize;
        let b = &bounds[spikes.len()];
        v_pieces.push(split(&mut state.v, n, b));
        refrac_pieces.push(split(&mut state.refrac_time, n, b));
        spikes.push(&state.spikes[..]);
        recording.push(state.recording.as_deref());
        last_spike.push(state.last_spike.as_deref());
    }
    let mut synapse_g = Vec::new();
    let mut columns = Vec::new();
    let mut in_syn_pieces = Vec::new();
    let mut acc_pieces = Vec::new();
    let mut dirty_pieces = Vec::new();
    for (state, group) in synapses.iter_mut().zip(&net.synapse_groups) {
        synapse_g.push(state.g.as_deref());
        columns.push(state.columns.as_ref());
        let n = net.populations[group.post].size as usize;
        in_syn_pieces.push(split(&mut state.in_syn, n, &bounds[group.post]));
        acc_pieces.push(split(&mut state.in_syn_acc, n, &bounds[group.post]));
        let word_bounds: Vec<usize> = bounds[group.post].iter().map(|b| b.div_ceil(32)).collect();
        dirty_pieces.push(split(
            &mut state.acc_dirty,
            words_per_step(n as u32),
            &word_bounds,
        ));
    }
    let mut position_in_post = vec![0; net.synapse_groups.len()];
    for groups in incoming.iter() {
        for (k, &g) in groups.iter().enumerate() {
            position_in_post[g] = k;
        }
    }

    let mut thread_state: Vec<Worker<'_>> = Vec::with_capacity(workers);
    for tasks in &tasks {
        let mut worker = Worker {
            populations: Vec::new(),
            exp_curr: Vec::new(),
            magnitudes: Vec::new(),
        };
        for (p, pop) in net.populations.iter().enumerate() {
            let n = pop.size as usize;
            let mut slices = Vec::new();
            let mut exp_curr = Vec::new();
            let mut mags = Vec::new();
            for &(b, s) in tasks {
                let (lo, hi) = (bounds[p][s], bounds[p][s + 1]);
                slices.push(PopulationSlice {
                    image: b,
                    lo,
                    v: v_pieces[p][b][s].take().unwrap_or_default(),
                    refrac_time: refrac_pieces[p][b][s].take().unwrap_or_default(),
                });
                exp_curr.push(
                    incoming[p]
                        .iter()
                        .map(|&g| {
                            let group = &net.synapse_groups[g];
                            ExpCurrSlice {
                                in_syn: in_syn_pieces[g][b][s].take().unwrap_or_default(),
                                in_syn_acc: acc_pieces[g][b][s].take().unwrap_or_default(),
                                acc_dirty: dirty_pieces[g][b][s].take().unwrap_or_default(),
                                constants: (
                                    group.postsynaptic.init,
                                    group.postsynaptic.exp_decay,
                                    group.weight.inv_scale,
                                ),
                            }
                        })
                        .collect(),
                );
                mags.push(
                    sources[p]
                        .iter()
                        .map(|&c| &magnitudes[c][b * n + lo..b * n + hi])
                        .collect(),
                );
            }
            worker.populations.push(slices);
            worker.exp_curr.push(exp_curr);
            worker.magnitudes.push(mags);
        }
        thread_state.push(worker);
    }

    let shared = Shared {
        net,
        batch,
        recording_steps: *recording_steps,
        spikes,
        recording,
        position_in_post,
        synapse_g,
        columns,
        last_spike,
    };
    let start = clock.timestep;
    let first_slot = clock.recorded_steps as usize;
    let barriers: Vec<SpinBarrier> = if slices > 1 {
        (0..groups).map(|_| SpinBarrier::new(slices)).collect()
    } else {
        Vec::new()
    };
    let run_worker = &|(w, mut worker): (usize, Worker<'_>)| {
        let n_tasks = worker.populations.first().map_or(0, Vec::len);
        match barriers.get(w / slices) {
            // Sliced populations: every thread of the group finishes a timestep before
            // any starts the next.
            Some(b) => {
                let _guard = PoisonOnPanic(b);
                if reset {
                    for task in 0..n_tasks {
                        worker.reset(net, task);
                    }
                }
                worker.run(&shared, start, first_slot, steps, 0..n_tasks, Some(b));
            }
            // Whole images: one image at a time through every timestep, so only that
            // image's state is in cache.
            None => {
                for task in 0..n_tasks {
                    if reset {
                        worker.reset(net, task);
                    }
                    worker.run(&shared, start, first_slot, steps, task..task + 1, None);
                }
            }
        }
    };
    std::thread::scope(|scope| {
        let mut all = thread_state.into_iter().enumerate();
        let first = all.next();
        for worker in all {
            scope.spawn(move || run_worker(worker));
        }
        if let Some(worker) = first {
            run_worker(worker);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_take_whole_images_and_slice_only_what_pays_for_a_barrier() {
        // The tutorial network: 20 784 neurons, room for five slices of 4 096.
        let built = crate::tutorial::mushroom_body().network.build(1).unwrap();
        let split = |groups, slices| Plan::Split { groups, slices };
        for (batch, threads, want) in [
            (1, 1, Plan::Single),
            (1, 2, split(1, 2)),
            (8, 2, split(2, 1)),
            (64, 16, split(16, 1)),
            (8, 16, split(8, 2)),
            (3, 16, split(3, 5)),
            (1, 16, split(1, 5)),
            (5, 8, split(5, 1)),
        ] {
            assert_eq!(
                plan(&built, batch, threads, 200),
                want,
                "{batch} x {threads}"
            );
        }
        // Too little work to start threads for: one timestep of one image.
        assert_eq!(plan(&built, 1, 16, 1), Plan::Single);
        // A network of 80 000 neurons can give each of 16 threads a slice of every
        // image: batch 9, which would leave 7 threads idle as one group per image, is
        // sliced by all 16; batch 2 still gets a group of 8 per image.
        let mut big = crate::model::Network::new(0.1);
        big.add_neuron_population(
            "big",
            80_000,
            crate::model::NeuronModel::Lif(crate::model::LifParams::TUTORIAL),
        );
        let big = big.build(1).unwrap();
        assert_eq!(plan(&big, 9, 16, 200), split(1, 16));
        assert_eq!(plan(&big, 2, 16, 200), split(2, 8));
        assert_eq!(plan(&big, 16, 16, 200), split(16, 1));
    }

    #[test]
    fn slices_cover_the_population_on_word_boundaries() {
        assert_eq!(slice_bounds(20_000, 2), vec![0, 9984, 20_000]);
        assert_eq!(slice_bounds(70, 3), vec![0, 32, 64, 70]);
        assert_eq!(slice_bounds(5, 1), vec![0, 5]);
        for n in [1, 31, 32, 33, 1000] {
            for parts in 1..5 {
                let b = slice_bounds(n, parts);
                assert_eq!((b[0], b[parts]), (0, n));
                assert!(b.windows(2).all(|w| w[0] <= w[1] && w[0] % 32 == 0));
            }
        }
    }
}
