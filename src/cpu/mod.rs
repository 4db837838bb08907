//! The native CPU backend, and the reference the GPU is tested against. Each stage is the
//! twin of the WGSL kernel of the same name in `shaders/`.
//!
//! State is laid out image-major (`[batch][neuron]`) like the GPU's. The work of a run of
//! timesteps is split between threads once, before the step loop (`threads::plan`): with
//! at least as many batch entries as threads each thread simulates whole images,
//! independently; with fewer, each image gets a group of threads, each of which owns a
//! slice of every population (aligned to 32 neurons, so spike words are never shared),
//! and a group's threads meet at a barrier after every timestep. No split changes a
//! result: synaptic input is summed in fixed point, and every other operation is per
//! neuron.

mod barrier;
mod pack;
mod threads;

use std::sync::atomic::{AtomicU32, Ordering};

use crate::model::{
    BuiltNetwork, CurrentSourceId, IfConstants, LifConstants, NeuronConstants, PopulationId,
    SynapseGroupId,
};
use crate::recording::{Recordings, SpikeRecording, words_per_step};
use crate::simulator::{
    Pending, PendingRecordings, SimConfig, SimError, Simulator, StateVar, StepClock,
    check_magnitudes,
};

/// The state of one LIF population, for every batch entry.
pub(crate) struct PopulationState {
    /// `[batch][neuron]`.
    v: Vec<f32>,
    /// `[batch][neuron]`.
    refrac_time: Vec<f32>,
    /// Spike words of the last two timesteps, `[step & 1][batch][word]`: the neuron
    /// update writes this step's slot while the synapse update reads the other one.
    /// Atomics only so threads can share them; every access is a plain relaxed load or
    /// store, ordered by the barrier between timesteps.
    spikes: Vec<AtomicU32>,
    /// Spike bitfield `[batch][recording step][word]`, when recording is on.
    recording: Option<Vec<AtomicU32>>,
    /// Time of each neuron's most recent spike (f32 bits; -inf since the last reset), for
    /// populations that plastic synapses connect.
    last_spike: Option<Vec<AtomicU32>>,
}

/// The postsynaptic state of one synapse group, `[batch][target neuron]`.
pub(crate) struct SynapseState {
    in_syn: Vec<f32>,
    /// This timestep's input in fixed-point units (see `FixedPointWeight`).
    in_syn_acc: Vec<i32>,
    /// `[batch][word]`: nonzero where a neuron of the word may have input in
    /// `in_syn_acc`, so the neuron update reads the accumulator only there.
    acc_dirty: Vec<u8>,
    /// Per-synapse weights (f32 bits, row order), shared by the batch.
    g: Option<Vec<AtomicU32>>,
    /// For plastic groups: synapses by postsynaptic neuron.
    columns: Option<crate::model::connectivity::Columns>,
}

/// A network on the CPU.
pub struct CpuSimulation {
    net: BuiltNetwork,
    batch: usize,
    threads: usize,
    recording_steps: usize,
    populations: Vec<PopulationState>,
    synapses: Vec<SynapseState>,
    /// Per current source, `[batch][neuron]`.
    magnitudes: Vec<Vec<f32>>,
    /// Per population, the synapse groups targeting it, in the order they were added.
    incoming: Vec<Vec<usize>>,
    /// Per population, the current sources injecting into it.
    sources: Vec<Vec<usize>>,
    /// `V`, `RefracTime` and `inSyn` still to be set to their initial values.
    reset_pending: bool,
    clock: StepClock,
}

/// Spike times of neurons that haven't spiked since the last reset: -FLT_MAX, as in GeNN,
/// so that `exp(-(t - st) / tau)` underflows to 0 (the GPU uses the same value: WGSL
/// leaves arithmetic on infinities undefined).
fn never_spiked(n: usize) -> Vec<AtomicU32> {
    (0..n)
        .map(|_| AtomicU32::new((-f32::MAX).to_bits()))
        .collect()
}

fn zeroed_atomics(n: usize) -> Vec<AtomicU32> {
    (0..n).map(|_| AtomicU32::new(0)).collect()
}

impl CpuSimulation {
    pub fn new(net: &BuiltNetwork, config: SimConfig) -> Result<Self, SimError> {
        if config.batch_size == 0 {
            return Err(SimError::ZeroBatch);
        }
        let batch = config.batch_size as usize;
        if let Some(group) = net.synapse_groups.iter().find(|s| s.stdp.is_some())
            && batch > 1
        {
            return Err(SimError::PlasticNeedsBatch1 {
                group: group.name.clone(),
                batch_size: config.batch_size,
            });
        }
        let recording_steps = config.recording_steps as usize;
        let tracked: Vec<bool> = (0..net.populations.len())
            .map(|p| {
                net.synapse_groups
                    .iter()
                    .any(|s| s.stdp.is_some() && (s.pre == p || s.post == p))
            })
            .collect();
        let populations = net
            .populations
            .iter()
            .zip(&tracked)
            .map(|(p, &tracked)| {
                let n = p.size as usize;
                let words = words_per_step(p.size);
                PopulationState {
                    v: vec![p.init.v; n * batch],
                    refrac_time: vec![p.init.refrac_time; n * batch],
                    spikes: zeroed_atomics(2 * batch * words),
                    recording: p
                        .spike_recording
                        .then(|| zeroed_atomics(batch * recording_steps * words)),
                    last_spike: tracked.then(|| never_spiked(n * batch)),
                }
            })
            .collect();
        let synapses = net
            .synapse_groups
            .iter()
            .map(|s| {
                let post = net.populations[s.post].size;
                let n = post as usize * batch;
                SynapseState {
                    in_syn: vec![0.0; n],
                    in_syn_acc: vec![0; n],
                    acc_dirty: vec![0; words_per_step(post) * batch],
                    g: s.synapse_g
                        .as_ref()
                        .map(|g| g.iter().map(|w| AtomicU32::new(w.to_bits())).collect()),
                    columns: s
                        .stdp
                        .map(|_| crate::model::connectivity::Columns::new(&s.connectivity)),
                }
            })
            .collect();
        let magnitudes = net
            .current_sources
            .iter()
            .map(|c| vec![c.initial_magnitude; net.populations[c.target].size as usize * batch])
            .collect();
        let incoming = (0..net.populations.len())
            .map(|p| net.incoming(p).map(|(g, _)| g).collect())
            .collect();
        let sources = (0..net.populations.len())
            .map(|p| net.sources_of(p).map(|(c, _)| c).collect())
            .collect();
        let threads = config.host_threads();
        Ok(CpuSimulation {
            net: net.clone(),
            batch,
            threads,
            recording_steps,
            populations,
            synapses,
            magnitudes,
            incoming,
            sources,
            reset_pending: false,
            clock: StepClock::new(config),
        })
    }

    /// Carries out a pending reset of the state here and now.
    fn apply_reset(&mut self) {
        if std::mem::take(&mut self.reset_pending) {
            for (state, pop) in self.populations.iter_mut().zip(&self.net.populations) {
                state.v.fill(pop.init.v);
                state.refrac_time.fill(pop.init.refrac_time);
            }
            for s in &mut self.synapses {
                s.in_syn.fill(0.0);
                s.in_syn_acc.fill(0);
                s.acc_dirty.fill(0);
            }
        }
    }

    /// Worker threads a run of `steps` timesteps would use.
    pub fn threads_for(&self, steps: u32) -> usize {
        threads::plan(&self.net, self.batch, self.threads, steps).workers()
    }
}

/// A synapse group's weights as the synapse update reads them.
#[derive(Clone, Copy)]
pub(crate) enum Weights<'a> {
    /// One fixed-point weight for every synapse.
    Constant(i32),
    /// Per-synapse `g` (f32 bits, in row order), converted with the group's scale.
    PerSynapse(&'a [AtomicU32], &'a crate::model::FixedPointWeight),
}

impl Weights<'_> {
    #[inline]
    fn fixed(&self, synapse: usize) -> i32 {
        match self {
            Weights::Constant(w) => *w,
            Weights::PerSynapse(g, scale) => scale.to_fixed(load_f32(&g[synapse])),
        }
    }
}

#[inline]
pub(crate) fn load_f32(a: &AtomicU32) -> f32 {
    f32::from_bits(a.load(Ordering::Relaxed))
}

#[inline]
pub(crate) fn store_f32(a: &AtomicU32, v: f32) {
    a.store(v.to_bits(), Ordering::Relaxed);
}

/// Synapse update for one batch entry and one slice `[lo, lo + in_syn_acc.len())` of the
/// target population (twin of `shaders/propagate_spikes.wgsl`): every spike of the
/// previous timestep adds its synapses' fixed-point weights to their targets, and marks
/// the target's word in `acc_dirty` (indexed from the slice's first word; `lo` is a
/// multiple of 32).
pub(crate) fn propagate_spikes(
    connectivity: &crate::model::SparseConnectivity,
    weights: Weights<'_>,
    pre_spike_words: &[AtomicU32],
    lo: usize,
    in_syn_acc: &mut [i32],
    acc_dirty: &mut [u8],
) {
    let whole = lo == 0 && in_syn_acc.len() == connectivity.n_post as usize;
    for (w, word) in pre_spike_words.iter().enumerate() {
        let mut bits = word.load(Ordering::Relaxed);
        while bits != 0 {
            let pre = (w * 32) as u32 + bits.trailing_zeros();
            bits &= bits - 1;
            let first = connectivity.row_start[pre as usize] as usize;
            let row = connectivity.row(pre);
            if let (true, Weights::Constant(weight_fixed)) = (whole, weights) {
                for &post in row {
                    in_syn_acc[post as usize] += weight_fixed;
                    acc_dirty[post as usize / 32] = 1;
                }
            } else {
                for (o, &post) in row.iter().enumerate() {
                    if let Some(i) = (post as usize)
                        .checked_sub(lo)
                        .filter(|&i| i < in_syn_acc.len())
                    {
                        in_syn_acc[i] += weights.fixed(first + o);
                        acc_dirty[i / 32] = 1;
                    }
                }
            }
        }
    }
}

/// STDP learning of one group in the synapse update of the timestep at time `t` (see
/// [`StdpParams`](crate::model::StdpParams)): first every presynaptic spike of the
/// previous timestep updates its row against `st_post`, then every postsynaptic spike its
/// column against `st_pre`. Batch size 1.
#[allow(clippy::too_many_arguments)]
pub(crate) fn learn_stdp(
    rule: &crate::model::StdpConstants,
    connectivity: &crate::model::SparseConnectivity,
    columns: &crate::model::connectivity::Columns,
    g: &[AtomicU32],
    t: f32,
    pre_spike_words: &[AtomicU32],
    post_spike_words: &[AtomicU32],
    st_pre: &[AtomicU32],
    st_post: &[AtomicU32],
) {
    for_each_spike(pre_spike_words, |pre| {
        let first = connectivity.row_start[pre as usize] as usize;
        for (o, &post) in connectivity.row(pre).iter().enumerate() {
            let w = &g[first + o];
            store_f32(
                w,
                rule.update(load_f32(w), t, load_f32(&st_post[post as usize])),
            );
        }
    });
    for_each_spike(post_spike_words, |post| {
        let (a, b) = (
            columns.start[post as usize] as usize,
            columns.start[post as usize + 1] as usize,
        );
        for &syn in &columns.synapses[a..b] {
            let w = &g[syn as usize];
            let pre = columns.pre_of[syn as usize];
            store_f32(
                w,
                rule.update(load_f32(w), t, load_f32(&st_pre[pre as usize])),
            );
        }
    });
}

/// Calls `f` with the index of every set bit of `words`, in order.
#[inline]
pub(crate) fn for_each_spike(words: &[AtomicU32], mut f: impl FnMut(u32)) {
    for (w, word) in words.iter().enumerate() {
        let mut bits = word.load(Ordering::Relaxed);
        while bits != 0 {
            f((w * 32) as u32 + bits.trailing_zeros());
            bits &= bits - 1;
        }
    }
}

/// The 32 neurons of one spike word, one per lane. Every neuron update computes on whole
/// lanes of a known length, so the compiler keeps them in full-width vector registers
/// (with slices of a run-time length it scalarised the input sum and ran out of
/// registers); the partial last word of a population goes through padded lanes.
type Lanes<T = f32> = [T; 32];

/// Up to 32 values as lanes, the rest zero.
#[inline(always)]
fn load_lanes<T: Copy + Default>(src: &[T]) -> Lanes<T> {
    let mut lanes = [T::default(); 32];
    lanes[..src.len()].copy_from_slice(src);
    lanes
}

/// The first `dst.len()` lanes back into `dst`.
#[inline(always)]
fn store_lanes<T: Copy>(dst: &mut [T], lanes: &Lanes<T>) {
    let n = dst.len();
    dst.copy_from_slice(&lanes[..n]);
}

/// The bits of a word's first `len` neurons (1 to 32).
#[inline(always)]
fn word_mask(len: usize) -> u32 {
    u32::MAX >> (32 - len)
}

/// The ExpCurr postsynaptic model of one incoming group over a word of neurons (twin of
/// `shaders/exp_curr.wgsl`): this step's fixed-point input joins `inSyn`, `init * inSyn`
/// is injected, then `inSyn` decays. `in_syn` and `in_syn_acc` hold the word's neurons
/// (at most 32).
#[inline(always)]
fn exp_curr(
    isyn: &mut Lanes,
    in_syn: &mut [f32],
    in_syn_acc: &mut [i32],
    acc_dirty: &mut u8,
    (init, decay, inv_scale): (f32, f32, f32),
) {
    let mut s = load_lanes(in_syn);
    // In most timesteps most words of neurons receive no spike: then the input is 0.0
    // (exactly what converting a zero sum gives), and the accumulator is neither read
    // nor rewritten.
    if std::mem::take(acc_dirty) == 0 {
        for s in &mut s {
            *s += 0.0;
        }
    } else {
        let acc = load_lanes(in_syn_acc);
        in_syn_acc.fill(0);
        for (s, &acc) in s.iter_mut().zip(&acc) {
            *s += fixed_to_f32(acc) * inv_scale;
        }
    }
    for (total, s) in isyn.iter_mut().zip(&mut s) {
        *total += init * *s;
        *s *= decay;
    }
    store_lanes(in_syn, &s);
}

/// LIF update of up to 32 neurons, branch-free so it vectorises; bit `j` of the result
/// is set if neuron `j` spiked. Same arithmetic as [`lif_update`].
#[cfg(test)]
fn lif_word(lif: &LifConstants, v: &mut [f32], refrac_time: &mut [f32], isyn: &[f32]) -> u32 {
    assert!(!v.is_empty(), "a word has at least one neuron");
    let (mut v_lanes, mut r_lanes) = (load_lanes(v), load_lanes(refrac_time));
    // SAFETY: the portable packer needs no CPU extension.
    let bits = unsafe {
        lif_word_packed::<pack::Portable>(lif, &mut v_lanes, &mut r_lanes, &load_lanes(isyn))
    };
    store_lanes(v, &v_lanes);
    store_lanes(refrac_time, &r_lanes);
    bits & word_mask(v.len())
}

/// [`lif_word`] on whole lanes, with the spike word packed by `P`.
///
/// # Safety
/// As [`pack::PackSpikes::pack`]: `P`'s CPU extension must be present.
#[inline(always)]
unsafe fn lif_word_packed<P: pack::PackSpikes>(
    lif: &LifConstants,
    v: &mut Lanes,
    refrac_time: &mut Lanes,
    isyn: &Lanes,
) -> u32 {
    let mut spiked_flags = [0u32; 32];
    for (((v, r), &isyn), flag) in v
        .iter_mut()
        .zip(refrac_time)
        .zip(isyn)
        .zip(&mut spiked_flags)
    {
        let (v_old, r_old) = (*v, *r);
        let integrating = r_old <= 0.0;
        let alpha = (isyn + lif.i_offset) * lif.r_membrane + lif.v_rest;
        let v_new = if integrating {
            alpha - lif.exp_tc * (alpha - v_old)
        } else {
            v_old
        };
        let r_new = if integrating { r_old } else { r_old - lif.dt };
        let spiked = r_new <= 0.0 && v_new >= lif.v_thresh;
        *v = if spiked { lif.v_reset } else { v_new };
        *r = if spiked { lif.tau_refrac } else { r_new };
        *flag = if spiked { u32::MAX } else { 0 };
    }
    // SAFETY: passed on from the caller.
    unsafe { P::pack(&spiked_flags) }
}

/// One incoming ExpCurr group's state over a population slice in one batch entry.
pub(crate) struct ExpCurrSlice<'a> {
    pub in_syn: &'a mut [f32],
    pub in_syn_acc: &'a mut [i32],
    /// One flag per word of the slice; see `SynapseState::acc_dirty`.
    pub acc_dirty: &'a mut [u8],
    /// (init, expDecay, 1 / fixed-point scale)
    pub constants: (f32, f32, f32),
}

/// One population slice's inputs for a timestep: its ExpCurr groups, in the order the
/// groups were added, then its current sources' magnitudes.
pub(crate) struct NeuronInputs<'s, 'a> {
    pub exp_curr: &'s mut [ExpCurrSlice<'a>],
    pub magnitudes: &'s [&'a [f32]],
}

/// Neuron update of one slice of a population in one batch entry (twin of
/// `shaders/neuron_update.wgsl`), 32 neurons at a time: gathers the inputs, integrates,
/// tests the threshold, resets, and stores each word of spikes into `spike_words` and,
/// when recording, `record_words`. The slice starts at a multiple of 32.
///
/// # Safety
/// `P`'s CPU extension must be present (see [`pack::PackSpikes`]).
#[inline(always)]
unsafe fn neuron_update_body<M: NeuronWord, P: pack::PackSpikes>(
    model: &M,
    v: &mut [f32],
    refrac_time: &mut [f32],
    inputs: &mut NeuronInputs<'_, '_>,
    spike_words: &[AtomicU32],
    record_words: Option<&[AtomicU32]>,
) {
    let n = v.len();
    let whole_words = n / 32;
    let store = |w: usize, bits: u32| {
        spike_words[w].store(bits, Ordering::Relaxed);
        if let Some(r) = record_words {
            r[w].store(bits, Ordering::Relaxed);
        }
    };
    // Whole words with a length the compiler knows (plain full-width vectors), then the
    // partial last word.
    for w in 0..whole_words {
        // SAFETY: passed on from the caller.
        let bits =
            unsafe { word_update::<M, P>(model, v, refrac_time, inputs, w * 32, w * 32 + 32) };
        store(w, bits);
    }
    if !n.is_multiple_of(32) {
        // SAFETY: passed on from the caller.
        let bits =
            unsafe { word_update::<M, P>(model, v, refrac_time, inputs, whole_words * 32, n) };
        store(whole_words, bits);
    }
}

/// Inputs and neuron update of neurons `lo..hi` (at most 32); returns their spike word.
///
/// # Safety
/// `P`'s CPU extension must be present (see [`pack::PackSpikes`]).
#[inline(always)]
unsafe fn word_update<M: NeuronWord, P: pack::PackSpikes>(
    model: &M,
    v: &mut [f32],
    refrac_time: &mut [f32],
    inputs: &mut NeuronInputs<'_, '_>,
    lo: usize,
    hi: usize,
) -> u32 {
    let mut isyn: Lanes = [0.0; 32];
    for input in inputs.exp_curr.iter_mut() {
        exp_curr(
            &mut isyn,
            &mut input.in_syn[lo..hi],
            &mut input.in_syn_acc[lo..hi],
            &mut input.acc_dirty[lo / 32],
            input.constants,
        );
    }
    for m in inputs.magnitudes {
        for (total, m) in isyn.iter_mut().zip(load_lanes(&m[lo..hi])) {
            *total += m;
        }
    }
    let (mut v_lanes, mut r_lanes) = (load_lanes(&v[lo..hi]), load_lanes(&refrac_time[lo..hi]));
    // SAFETY: passed on from the caller.
    let bits = unsafe { model.word::<P>(&mut v_lanes, &mut r_lanes, &isyn) };
    store_lanes(&mut v[lo..hi], &v_lanes);
    store_lanes(&mut refrac_time[lo..hi], &r_lanes);
    // Padding lanes may cross the threshold: their bits are not neurons.
    bits & word_mask(hi - lo)
}

/// A neuron model's update of the 32 lanes of one spike word: bit `j` of the result is
/// set if lane `j` spiked. In a population's partial last word the lanes past its end
/// hold zeros and may spike; the caller masks their bits off.
pub(crate) trait NeuronWord {
    /// # Safety
    /// `P`'s CPU extension must be present (see [`pack::PackSpikes`]).
    unsafe fn word<P: pack::PackSpikes>(
        &self,
        v: &mut Lanes,
        refrac_time: &mut Lanes,
        isyn: &Lanes,
    ) -> u32;
}

impl NeuronWord for LifConstants {
    #[inline(always)]
    unsafe fn word<P: pack::PackSpikes>(
        &self,
        v: &mut Lanes,
        refrac_time: &mut Lanes,
        isyn: &Lanes,
    ) -> u32 {
        // SAFETY: passed on from the caller.
        unsafe { lif_word_packed::<P>(self, v, refrac_time, isyn) }
    }
}

impl NeuronWord for IfConstants {
    /// Same arithmetic as [`if_update`]; IF neurons have no `RefracTime`.
    #[inline(always)]
    unsafe fn word<P: pack::PackSpikes>(
        &self,
        v: &mut Lanes,
        _refrac_time: &mut Lanes,
        isyn: &Lanes,
    ) -> u32 {
        let mut spiked_flags = [0u32; 32];
        for ((v, &isyn), flag) in v.iter_mut().zip(isyn).zip(&mut spiked_flags) {
            let v_new = *v + isyn;
            let spiked = v_new >= self.v_thresh;
            *v = if spiked { 0.0 } else { v_new };
            *flag = if spiked { u32::MAX } else { 0 };
        }
        // SAFETY: passed on from the caller.
        unsafe { P::pack(&spiked_flags) }
    }
}

/// The tutorial's IF neuron for one neuron; true if it spiked.
#[inline]
pub fn if_update(c: &IfConstants, v: &mut f32, isyn: f32) -> bool {
    *v += isyn;
    if *v >= c.v_thresh {
        *v = 0.0;
        true
    } else {
        false
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn neuron_update_avx2<M: NeuronWord>(
    model: &M,
    v: &mut [f32],
    refrac_time: &mut [f32],
    inputs: &mut NeuronInputs<'_, '_>,
    spike_words: &[AtomicU32],
    record_words: Option<&[AtomicU32]>,
) {
    // The same code, compiled with 8-wide vectors. No FMA: contraction would change the
    // rounding and the CPU reference must stay the exact, portable arithmetic.
    // SAFETY: AVX2 is enabled here, and this runs only where it was detected.
    unsafe {
        neuron_update_body::<M, pack::Avx2>(
            model,
            v,
            refrac_time,
            inputs,
            spike_words,
            record_words,
        )
    };
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn neuron_update_avx512<M: NeuronWord>(
    model: &M,
    v: &mut [f32],
    refrac_time: &mut [f32],
    inputs: &mut NeuronInputs<'_, '_>,
    spike_words: &[AtomicU32],
    record_words: Option<&[AtomicU32]>,
) {
    // 16-wide vectors and mask registers; as above, no FMA.
    // SAFETY: AVX-512F is enabled here, and this runs only where it was detected.
    unsafe {
        neuron_update_body::<M, pack::Avx512>(
            model,
            v,
            refrac_time,
            inputs,
            spike_words,
            record_words,
        )
    };
}

/// See [`neuron_update_body`]; picks the neuron model's code and the widest vectors this
/// CPU runs.
pub(crate) fn neuron_update(
    neuron: &NeuronConstants,
    v: &mut [f32],
    refrac_time: &mut [f32],
    inputs: &mut NeuronInputs<'_, '_>,
    spike_words: &[AtomicU32],
    record_words: Option<&[AtomicU32]>,
) {
    match neuron {
        NeuronConstants::Lif(c) => {
            neuron_update_for(c, v, refrac_time, inputs, spike_words, record_words)
        }
        NeuronConstants::If(c) => {
            neuron_update_for(c, v, refrac_time, inputs, spike_words, record_words)
        }
    }
}

fn neuron_update_for<M: NeuronWord>(
    model: &M,
    v: &mut [f32],
    refrac_time: &mut [f32],
    inputs: &mut NeuronInputs<'_, '_>,
    spike_words: &[AtomicU32],
    record_words: Option<&[AtomicU32]>,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports AVX-512F, checked just above.
        unsafe { neuron_update_avx512(model, v, refrac_time, inputs, spike_words, record_words) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { neuron_update_avx2(model, v, refrac_time, inputs, spike_words, record_words) };
        return;
    }
    // SAFETY: the portable packer needs no CPU extension.
    unsafe {
        neuron_update_body::<M, pack::Portable>(
            model,
            v,
            refrac_time,
            inputs,
            spike_words,
            record_words,
        )
    };
}

/// A fixed-point input sum as f32, the way `shaders/fixed_point.wgsl` converts it: both
/// halves convert exactly, so the result is one correctly rounded add on every device.
#[inline]
pub fn fixed_to_f32(acc: i32) -> f32 {
    (acc >> 12) as f32 * 4096.0 + (acc & 4095) as f32
}

/// GeNN's LIF sim code, threshold condition and reset for one neuron; true if it spiked.
/// The scalar statement of what `lif_word` computes 32 neurons at a time.
#[inline]
pub fn lif_update(lif: &LifConstants, v: &mut f32, refrac_time: &mut f32, isyn: f32) -> bool {
    if *refrac_time <= 0.0 {
        let alpha = (isyn + lif.i_offset) * lif.r_membrane + lif.v_rest;
        *v = alpha - lif.exp_tc * (alpha - *v);
    } else {
        *refrac_time -= lif.dt;
    }
    if *refrac_time <= 0.0 && *v >= lif.v_thresh {
        *v = lif.v_reset;
        *refrac_time = lif.tau_refrac;
        true
    } else {
        false
    }
}

impl Simulator for CpuSimulation {
    fn description(&self) -> String {
        if self.net.synapse_groups.iter().any(|s| s.stdp.is_some()) {
            return "cpu (1 thread: learning)".to_owned();
        }
        format!(
            "cpu ({} thread{})",
            self.threads,
            if self.threads == 1 { "" } else { "s" }
        )
    }

    fn network(&self) -> &BuiltNetwork {
        &self.net
    }

    fn batch_size(&self) -> u32 {
        self.batch as u32
    }

    fn set_magnitude(&mut self, source: CurrentSourceId, values: &[f32]) -> Result<(), SimError> {
        let c = check_magnitudes(&self.net, self.batch as u32, source, values)?;
        self.magnitudes[c].copy_from_slice(values);
        Ok(())
    }

    fn step_time(&mut self, steps: u32) -> Result<(), SimError> {
        self.clock.check_room(steps)?;
        if steps == 0 {
            return Ok(());
        }
        threads::run(self, steps);
        self.reset_pending = false;
        self.clock.advance(steps);
        Ok(())
    }

    fn reset(&mut self) -> Result<(), SimError> {
        // The recording needs no clearing (each recorded timestep writes its row whole)
        // and the state is reset by the threads of the next run, each its own slices,
        // just before using them.
        for state in &mut self.populations {
            for w in state.spikes.iter_mut() {
                *w.get_mut() = 0;
            }
            for st in state.last_spike.iter_mut().flatten() {
                *st.get_mut() = (-f32::MAX).to_bits();
            }
        }
        self.reset_pending = true;
        self.clock.reset();
        Ok(())
    }

    fn start_take_recording(&mut self) -> Result<PendingRecordings, SimError> {
        let (steps, first_step) = self.clock.take();
        // Copying a large batch's recordings out (and faulting in their new pages) is a
        // tenth of a run's time: share it between the threads.
        let threads = if self.batch >= 8 { self.threads } else { 1 };
        let (batch, recording_steps, dt) = (self.batch, self.recording_steps, self.net.dt);
        let populations = self
            .populations
            .iter_mut()
            .zip(&self.net.populations)
            .map(|(state, pop)| {
                let words = words_per_step(pop.size);
                let stride = recording_steps * words;
                state.recording.as_mut().map(|r| {
                    // `&mut` access, so the copy is a plain (vectorised) one rather than
                    // one atomic load per word.
                    let mut rest = &mut r[..];
                    let images: Vec<&mut [AtomicU32]> = (0..batch)
                        .map(|_| {
                            let (image, tail) = std::mem::take(&mut rest).split_at_mut(stride);
                            rest = tail;
                            image
                        })
                        .collect();
                    // Every recorded row was written whole, so nothing needs clearing.
                    let take = |image: &mut [AtomicU32]| SpikeRecording {
                        population: pop.name.clone(),
                        n_neurons: pop.size,
                        n_steps: steps,
                        dt,
                        first_step,
                        bits: image[..steps as usize * words]
                            .iter_mut()
                            .map(|w| *w.get_mut())
                            .collect(),
                    };
                    crate::parallel::map_items_in_parallel(images, threads, take)
                })
            })
            .collect();
        Ok(PendingRecordings(Pending::Ready(Recordings {
            populations,
        })))
    }

    fn finish_take_recording(
        &mut self,
        pending: PendingRecordings,
    ) -> Result<Recordings, SimError> {
        match pending.0 {
            Pending::Ready(r) => Ok(r),
            Pending::Gpu(_) => Err(SimError::ForeignRecording),
        }
    }

    fn read_state(
        &mut self,
        population: PopulationId,
        var: StateVar,
    ) -> Result<Vec<f32>, SimError> {
        self.apply_reset();
        let p = self
            .populations
            .get(population.index())
            .ok_or(SimError::UnknownPopulation(population.index()))?;
        Ok(match var {
            StateVar::V => p.v.clone(),
            StateVar::RefracTime => p.refrac_time.clone(),
        })
    }

    fn read_in_syn(&mut self, group: SynapseGroupId) -> Result<Vec<f32>, SimError> {
        self.apply_reset();
        self.synapses
            .get(group.index())
            .map(|s| s.in_syn.clone())
            .ok_or(SimError::UnknownSynapseGroup(group.index()))
    }

    fn timestep(&self) -> u64 {
        self.clock.timestep
    }

    fn read_weights(&mut self, group: SynapseGroupId) -> Result<Vec<f32>, SimError> {
        let s = self
            .synapses
            .get(group.index())
            .ok_or(SimError::UnknownSynapseGroup(group.index()))?;
        let g = s.g.as_ref().ok_or_else(|| SimError::NoSynapseWeights {
            group: self.net.synapse_groups[group.index()].name.clone(),
        })?;
        Ok(g.iter().map(load_f32).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_to_f32_rounds_to_nearest_like_a_plain_conversion() {
        for acc in [
            0,
            1,
            -1,
            4095,
            4096,
            -4097,
            53_687_091,
            -53_687_091,
            1 << 30,
            i32::MAX,
            i32::MIN,
            16_777_217,
            1_073_741_823,
        ] {
            assert_eq!(fixed_to_f32(acc), acc as f32, "{acc}");
        }
    }

    #[test]
    fn a_simulation_without_recording_room_takes_empty_recordings() {
        let mut net = crate::model::Network::new(0.1);
        let p = net.add_neuron_population(
            "p",
            40,
            crate::model::NeuronModel::Lif(crate::model::LifParams::TUTORIAL),
        );
        net.set_spike_recording(p, true);
        let built = net.build(0).unwrap();
        let config = SimConfig {
            recording_steps: 0,
            batch_size: 2,
            ..SimConfig::DEFAULT
        };
        let mut sim = CpuSimulation::new(&built, config).unwrap();
        assert!(matches!(
            sim.step_time(1),
            Err(SimError::RecordingFull { .. })
        ));
        let rec = sim.take_recording().unwrap();
        let got = rec.get(p).unwrap();
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|r| r.n_steps == 0 && r.bits.is_empty()));
    }

    #[test]
    fn lif_word_matches_the_scalar_lif_update() {
        let lif = crate::model::LifParams::TUTORIAL.derive(0.1);
        // Neurons around threshold, refractory ones about to come out, and odd lengths.
        for len in [1usize, 7, 31, 32] {
            let mut v: Vec<f32> = (0..len).map(|j| -60.0 + 0.5 * j as f32).collect();
            let mut r: Vec<f32> = (0..len)
                .map(|j| [0.0, 0.05, 0.1, 2.0, -0.1][j % 5])
                .collect();
            let isyn: Vec<f32> = (0..len).map(|j| 0.1 * (j % 9) as f32).collect();
            let (mut v2, mut r2) = (v.clone(), r.clone());
            for _ in 0..50 {
                let bits = lif_word(&lif, &mut v, &mut r, &isyn);
                for j in 0..len {
                    let spiked = lif_update(&lif, &mut v2[j], &mut r2[j], isyn[j]);
                    assert_eq!(bits >> j & 1 == 1, spiked, "neuron {j}");
                }
                assert_eq!(v, v2);
                assert_eq!(r, r2);
            }
        }
    }

    /// Neuron update of every population length (whole, partial, several words), both
    /// models, 0-2 ExpCurr/DeltaCurr groups and 0-2 current sources, against a scalar
    /// neuron-by-neuron statement of the same arithmetic: every bit of V, RefracTime,
    /// inSyn, in_syn_acc, acc_dirty and the spike and recorded words (padding included).
    #[test]
    fn neuron_update_matches_a_scalar_reference_for_every_length() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        let models = [
            NeuronConstants::Lif(crate::model::LifParams::TUTORIAL.derive(0.1)),
            NeuronConstants::If(IfConstants { v_thresh: 1.0 }),
            // Padding lanes (V = 0, no input) cross this threshold every step.
            NeuronConstants::If(IfConstants { v_thresh: -0.5 }),
        ];
        // ExpCurr, then DeltaCurr (init 1, decay 0).
        let constants = [(0.9835, 0.967, 1.0 / 4096.0), (1.0, 0.0, 1.0 / 65536.0)];
        let bits = |x: &[f32]| x.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for n in [1usize, 5, 31, 32, 33, 45, 64, 70, 97] {
            let words = n.div_ceil(32);
            for (model, groups, sources) in models
                .iter()
                .flat_map(|m| (0..=2).flat_map(move |g| (0..=2).map(move |s| (m, g, s))))
            {
                let lif = matches!(model, NeuronConstants::Lif(_));
                let mut v: Vec<f32> = (0..n)
                    .map(|_| {
                        if lif {
                            -70.0 + rand(300) as f32 * 0.1
                        } else {
                            rand(100) as f32 * 0.01
                        }
                    })
                    .collect();
                let mut r: Vec<f32> = (0..n)
                    .map(|_| {
                        if lif {
                            [0.0, 0.05, 0.1, 1.0, -0.1][rand(5) as usize]
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let mut in_syn: Vec<Vec<f32>> = (0..groups)
                    .map(|_| {
                        (0..n)
                            .map(|_| [0.0, -0.0, 0.3, -0.2][rand(4) as usize])
                            .collect()
                    })
                    .collect();
                let mut acc = vec![vec![0i32; n]; groups];
                let mut dirty = vec![vec![0u8; words]; groups];
                let mags: Vec<Vec<f32>> = (0..sources)
                    .map(|_| (0..n).map(|_| rand(40) as f32 * 0.01 - 0.1).collect())
                    .collect();
                let (mut v2, mut r2, mut in_syn2) = (v.clone(), r.clone(), in_syn.clone());
                for step in 0..40 {
                    // Some words receive input this step (possibly summing to 0).
                    for (acc, dirty) in acc.iter_mut().zip(&mut dirty) {
                        for (word, flag) in acc.chunks_mut(32).zip(dirty.iter_mut()) {
                            if rand(3) == 0 {
                                *flag = 1;
                                for a in word {
                                    if rand(2) == 0 {
                                        *a += rand(20_000) as i32 - 8_000;
                                    }
                                }
                            }
                        }
                    }
                    let mut want = vec![0u32; words];
                    for i in 0..n {
                        let mut isyn = 0.0f32;
                        for g in 0..groups {
                            let (init, decay, inv_scale) = constants[g];
                            let input = if dirty[g][i / 32] != 0 {
                                fixed_to_f32(acc[g][i]) * inv_scale
                            } else {
                                0.0
                            };
                            let s = in_syn2[g][i] + input;
                            isyn += init * s;
                            in_syn2[g][i] = s * decay;
                        }
                        for m in &mags {
                            isyn += m[i];
                        }
                        let spiked = match model {
                            NeuronConstants::Lif(c) => lif_update(c, &mut v2[i], &mut r2[i], isyn),
                            NeuronConstants::If(c) => if_update(c, &mut v2[i], isyn),
                        };
                        want[i / 32] |= u32::from(spiked) << (i % 32);
                    }
                    let want_acc: Vec<Vec<i32>> = (0..groups)
                        .map(|g| {
                            (0..n)
                                .map(|i| if dirty[g][i / 32] != 0 { 0 } else { acc[g][i] })
                                .collect()
                        })
                        .collect();
                    let spike_words: Vec<AtomicU32> =
                        (0..words).map(|_| AtomicU32::new(!0)).collect();
                    let record_words: Vec<AtomicU32> =
                        (0..words).map(|_| AtomicU32::new(!0)).collect();
                    let mut slices: Vec<ExpCurrSlice> = in_syn
                        .iter_mut()
                        .zip(&mut acc)
                        .zip(&mut dirty)
                        .zip(constants)
                        .map(
                            |(((in_syn, in_syn_acc), acc_dirty), constants)| ExpCurrSlice {
                                in_syn,
                                in_syn_acc,
                                acc_dirty,
                                constants,
                            },
                        )
                        .collect();
                    let m: Vec<&[f32]> = mags.iter().map(|m| &m[..]).collect();
                    let mut inputs = NeuronInputs {
                        exp_curr: &mut slices,
                        magnitudes: &m,
                    };
                    let rec = Some(&record_words[..]);
                    if step % 2 == 0 {
                        // The widest vectors this CPU has.
                        neuron_update(model, &mut v, &mut r, &mut inputs, &spike_words, rec);
                    } else {
                        // SAFETY: the portable packer needs no CPU extension.
                        unsafe {
                            match model {
                                NeuronConstants::Lif(c) => neuron_update_body::<_, pack::Portable>(
                                    c,
                                    &mut v,
                                    &mut r,
                                    &mut inputs,
                                    &spike_words,
                                    rec,
                                ),
                                NeuronConstants::If(c) => neuron_update_body::<_, pack::Portable>(
                                    c,
                                    &mut v,
                                    &mut r,
                                    &mut inputs,
                                    &spike_words,
                                    rec,
                                ),
                            }
                        }
                    }
                    drop(slices);
                    let what = format!(
                        "n {n}, {model:?}, {groups} groups, {sources} sources, step {step}"
                    );
                    assert_eq!(bits(&v), bits(&v2), "V: {what}");
                    assert_eq!(bits(&r), bits(&r2), "RefracTime: {what}");
                    for g in 0..groups {
                        assert_eq!(bits(&in_syn[g]), bits(&in_syn2[g]), "inSyn {g}: {what}");
                    }
                    assert_eq!(acc, want_acc, "in_syn_acc: {what}");
                    assert!(dirty.iter().flatten().all(|&d| d == 0), "acc_dirty: {what}");
                    let load = |w: &[AtomicU32]| {
                        w.iter()
                            .map(|w| w.load(Ordering::Relaxed))
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(load(&spike_words), want, "spikes: {what}");
                    assert_eq!(load(&record_words), want, "recording: {what}");
                }
            }
        }
    }
}
