//! Cutting a simulation's state into what each thread of a run owns (its slices of every
//! population in its batch entries) and what all threads share, with safe borrows.

use std::sync::atomic::AtomicU32;

use super::worker::{PopulationSlice, Shared, Worker};
use crate::cpu::CpuSimulation;
use crate::cpu::kernels::{ExpCurrSlice, SumsMut};
use crate::cpu::state::{PopulationState, Sums, SynapseState};
use crate::model::{BuiltNetwork, Columns};
use crate::sim::words_per_step;

/// `[array][entry][slice]` pieces, each taken by the one worker that owns it.
type Pieces<'a, T> = Vec<Vec<Vec<Option<&'a mut [T]>>>>;

/// Neuron boundaries of `parts` slices of a population of `n`, on word boundaries.
pub(super) fn slice_bounds(n: usize, parts: usize) -> Vec<usize> {
    let words = n.div_ceil(32);
    (0..=parts)
        .map(|k| (words * k / parts * 32).min(n))
        .collect()
}

/// `data` (`[entry][n]`) cut into `[entry][slice]` pieces at `bounds`.
fn cut<'a, T>(data: &'a mut [T], n: usize, bounds: &[usize]) -> Vec<Vec<Option<&'a mut [T]>>> {
    data.chunks_mut(n)
        .map(|mut entry| {
            bounds
                .windows(2)
                .map(|w| {
                    let (piece, rest) = std::mem::take(&mut entry).split_at_mut(w[1] - w[0]);
                    entry = rest;
                    Some(piece)
                })
                .collect()
        })
        .collect()
}

/// Piece `[entry][slice]` of an array's pieces, or an empty one where the array is empty.
fn take<'a, T>(pieces: &mut [Vec<Option<&'a mut [T]>>], entry: usize, slice: usize) -> &'a mut [T] {
    pieces
        .get_mut(entry)
        .and_then(|e| e[slice].take())
        .unwrap_or_default()
}

/// Pieces from [`cut`] as [`SumsMut`].
fn wrap<'a, T>(
    pieces: Vec<Vec<Option<&'a mut [T]>>>,
    width: impl Fn(&'a mut [T]) -> SumsMut<'a>,
) -> Vec<Vec<Option<SumsMut<'a>>>> {
    let entry = |e: Vec<Option<&'a mut [T]>>| e.into_iter().map(|p| p.map(&width)).collect();
    pieces.into_iter().map(entry).collect()
}

/// The populations' arrays: `V` and `RefracTime` cut at the slice bounds, and what every
/// thread reads whole.
struct PopulationPieces<'a> {
    v: Pieces<'a, f32>,
    refrac_time: Pieces<'a, f32>,
    /// `[population][variable][entry][slice]`.
    vars: Vec<Pieces<'a, u32>>,
    spikes: Vec<&'a [AtomicU32]>,
    recording: Vec<Option<&'a [AtomicU32]>>,
    state_recording: Vec<Option<&'a [AtomicU32]>>,
    last_spike: Vec<Option<&'a [AtomicU32]>>,
}

impl<'a> PopulationPieces<'a> {
    fn cut(
        populations: &'a mut [PopulationState],
        net: &BuiltNetwork,
        bounds: &[Vec<usize>],
    ) -> Self {
        let mut pieces = PopulationPieces {
            v: Vec::new(),
            refrac_time: Vec::new(),
            vars: Vec::new(),
            spikes: Vec::new(),
            recording: Vec::new(),
            state_recording: Vec::new(),
            last_spike: Vec::new(),
        };
        for ((state, pop), bounds) in populations.iter_mut().zip(&net.populations).zip(bounds) {
            let n = pop.size as usize;
            pieces.v.push(cut(&mut state.v, n, bounds));
            pieces
                .refrac_time
                .push(cut(&mut state.refrac_time, n, bounds));
            let vars = state.vars.iter_mut().map(|var| cut(var, n, bounds));
            pieces.vars.push(vars.collect());
            pieces.spikes.push(&state.spikes[..]);
            pieces.recording.push(state.recording.as_deref());
            pieces
                .state_recording
                .push(state.state_recording.as_deref());
            pieces.last_spike.push(state.last_spike.as_deref());
        }
        pieces
    }
}

/// The synapse groups' arrays, cut at their target's slice bounds, and their weights,
/// which every thread reads whole.
struct SynapsePieces<'a> {
    in_syn: Pieces<'a, f32>,
    in_syn_acc: Vec<Vec<Vec<Option<SumsMut<'a>>>>>,
    stamps: Pieces<'a, u8>,
    g: Vec<Option<&'a [AtomicU32]>>,
    columns: Vec<Option<&'a Columns>>,
    vars: Vec<&'a [Vec<AtomicU32>]>,
    st_pre: Vec<Option<&'a [AtomicU32]>>,
}

impl<'a> SynapsePieces<'a> {
    fn cut(synapses: &'a mut [SynapseState], net: &BuiltNetwork, bounds: &[Vec<usize>]) -> Self {
        let mut pieces = SynapsePieces {
            in_syn: Vec::new(),
            in_syn_acc: Vec::new(),
            stamps: Vec::new(),
            g: Vec::new(),
            columns: Vec::new(),
            vars: Vec::new(),
            st_pre: Vec::new(),
        };
        for (state, group) in synapses.iter_mut().zip(&net.synapse_groups) {
            let n = net.populations[group.post].size as usize;
            let bounds = &bounds[group.post];
            pieces.in_syn.push(cut(&mut state.in_syn, n, bounds));
            pieces.in_syn_acc.push(match &mut state.in_syn_acc {
                Sums::Narrow(sums) => wrap(cut(sums, n, bounds), SumsMut::Narrow),
                Sums::Wide(sums) => wrap(cut(sums, n, bounds), SumsMut::Wide),
            });
            let word_bounds: Vec<usize> = bounds.iter().map(|b| b.div_ceil(32)).collect();
            let words = words_per_step(n as u32);
            pieces
                .stamps
                .push(cut(&mut state.stamps, words, &word_bounds));
            pieces.g.push(state.g.as_deref());
            pieces.columns.push(state.columns.as_ref());
            pieces.vars.push(&state.vars[..]);
            pieces.st_pre.push(state.st_pre.as_deref());
        }
        pieces
    }

    /// Group `g`'s piece of entry `entry`, slice `slice`, as the neuron update takes it.
    fn take(
        &mut self,
        net: &BuiltNetwork,
        g: usize,
        entry: usize,
        slice: usize,
    ) -> ExpCurrSlice<'a> {
        let group = &net.synapse_groups[g];
        ExpCurrSlice {
            in_syn: self.in_syn[g][entry][slice].take().unwrap_or_default(),
            in_syn_acc: self.in_syn_acc[g][entry][slice].take().unwrap_or_default(),
            stamps: self.stamps[g][entry][slice].take().unwrap_or_default(),
            postsynaptic: group.postsynaptic,
            inv_scale: group.weight.inv_scale,
            code: group.code_postsynaptic,
        }
    }
}

/// What a worker needs to take its pieces.
struct Owners<'s, 'a> {
    net: &'a BuiltNetwork,
    bounds: &'s [Vec<usize>],
    incoming: &'a [Vec<usize>],
    sources: &'a [Vec<usize>],
    magnitudes: &'a [Vec<f32>],
}

impl<'a> Owners<'_, 'a> {
    /// The pieces of slice `slice` of batch entries `entries`.
    fn worker(
        &self,
        populations: &mut PopulationPieces<'a>,
        synapses: &mut SynapsePieces<'a>,
        entries: std::ops::Range<usize>,
        slice: usize,
    ) -> Worker<'a> {
        let mut worker = Worker {
            populations: Vec::new(),
            exp_curr: Vec::new(),
            magnitudes: Vec::new(),
        };
        for (p, pop) in self.net.populations.iter().enumerate() {
            let n = pop.size as usize;
            let (lo, hi) = (self.bounds[p][slice], self.bounds[p][slice + 1]);
            let vars = &mut populations.vars[p];
            let tasks = entries.clone().map(|entry| PopulationSlice {
                entry,
                lo,
                len: hi - lo,
                vars: vars
                    .iter_mut()
                    .map(|var| var[entry][slice].take().unwrap_or_default())
                    .collect(),
                // A code-string model has no `V` or `RefracTime` arrays to cut.
                v: take(&mut populations.v[p], entry, slice),
                refrac_time: take(&mut populations.refrac_time[p], entry, slice),
            });
            worker.populations.push(tasks.collect());
            let inputs = entries.clone().map(|entry| {
                self.incoming[p]
                    .iter()
                    .map(|&g| synapses.take(self.net, g, entry, slice))
                    .collect()
            });
            worker.exp_curr.push(inputs.collect());
            let mags = entries.clone().map(|entry| {
                self.sources[p]
                    .iter()
                    .map(|&c| &self.magnitudes[c][entry * n + lo..entry * n + hi])
                    .collect()
            });
            worker.magnitudes.push(mags.collect());
        }
        worker
    }
}

/// The state of `sim` cut for a run by `groups` groups of `slices` threads each: what
/// every thread shares, and each worker's own pieces, in worker order. Worker `w` is
/// slice `w % slices` of group `w / slices`, whose batch entries are a contiguous run.
pub(super) fn split(
    sim: &mut CpuSimulation,
    groups: usize,
    slices: usize,
) -> (Shared<'_>, Vec<Worker<'_>>) {
    let CpuSimulation {
        net,
        batch,
        recording_steps,
        populations,
        synapses,
        magnitudes,
        incoming,
        sources,
        add_to_post_overflow,
        compiled,
        ..
    } = sim;
    let batch = *batch;
    let bounds: Vec<Vec<usize>> = net
        .populations
        .iter()
        .map(|p| slice_bounds(p.size as usize, slices))
        .collect();
    let mut population_pieces = PopulationPieces::cut(populations, net, &bounds);
    let mut synapse_pieces = SynapsePieces::cut(synapses, net, &bounds);
    let owners = Owners {
        net,
        bounds: &bounds,
        incoming,
        sources,
        magnitudes,
    };
    let workers = (0..groups * slices)
        .map(|w| {
            let group = w / slices;
            let entries = batch * group / groups..batch * (group + 1) / groups;
            owners.worker(
                &mut population_pieces,
                &mut synapse_pieces,
                entries,
                w % slices,
            )
        })
        .collect();
    let mut position_in_post = vec![0; net.synapse_groups.len()];
    for groups in incoming.iter() {
        for (k, &g) in groups.iter().enumerate() {
            position_in_post[g] = k;
        }
    }
    let shared = Shared {
        net,
        batch,
        recording_steps: *recording_steps,
        spikes: population_pieces.spikes,
        spike_slots: (0..net.populations.len())
            .map(|p| u64::from(net.spike_slots(p)))
            .collect(),
        recording: population_pieces.recording,
        state_recording: population_pieces.state_recording,
        position_in_post,
        synapse_g: synapse_pieces.g,
        columns: synapse_pieces.columns,
        last_spike: population_pieces.last_spike,
        delayed_st_pre: synapse_pieces.st_pre,
        synapse_vars: synapse_pieces.vars,
        side_vars: (0..net.synapse_groups.len())
            .map(|g| net.synapse_side_vars(g))
            .collect(),
        add_to_post_overflow,
        compiled,
    };
    (shared, workers)
}

#[cfg(test)]
mod tests {
    use super::*;

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
