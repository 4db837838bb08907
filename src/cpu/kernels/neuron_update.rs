//! Twin of `shaders/neuron_update.wgsl`: the neuron update, 32 neurons (one spike word)
//! at a time, on fixed 32-lane arrays the compiler keeps in vector registers. The model's
//! own arithmetic is in its file under `src/model/neuron/`; this stage gathers the inputs,
//! calls it, and packs and stores the spike words.

use std::sync::atomic::{AtomicU32, Ordering};

use super::pack::{self, PackSpikes};
use super::propagate_spikes::SumsMut;
use crate::model::neuron::{Lanes, NeuronConstants, NeuronUpdate, NeuronVisitor};
use crate::model::{PostsynapticConstants, fixed_to_f32, wide_fixed_to_f32};

/// One incoming synapse group's state over a population slice in one batch entry.
pub(crate) struct ExpCurrSlice<'a> {
    /// `inSyn` of the slice's neurons.
    pub in_syn: &'a mut [f32],
    /// This timestep's input in fixed-point units.
    pub in_syn_acc: SumsMut<'a>,
    /// One stamp per word of the slice: nonzero where the synapse update put input in
    /// `in_syn_acc`.
    pub stamps: &'a mut [u8],
    /// The group's postsynaptic model.
    pub postsynaptic: PostsynapticConstants,
    /// `1 / fixed-point scale` of the group's weights.
    pub inv_scale: f32,
    /// Whether the group's postsynaptic model is a code string, which the target's step
    /// function runs (`code_neuron_update.rs`), not the built-in update here.
    pub code: bool,
}

/// One population slice's inputs for a timestep: its synapse groups, in the order they
/// were added, then its current sources' magnitudes.
pub(crate) struct NeuronInputs<'s, 'a> {
    pub exp_curr: &'s mut [ExpCurrSlice<'a>],
    pub magnitudes: &'s [&'a [f32]],
}

/// Neuron update of one slice of a population in one batch entry: gathers the inputs,
/// runs the neuron model, and stores each word of spikes into `spike_words` and, when
/// recording, `record_words`. The slice starts at a multiple of 32. Runs the model's code
/// with the widest vectors this CPU has.
pub(crate) fn neuron_update(
    neuron: &NeuronConstants,
    v: &mut [f32],
    refrac_time: &mut [f32],
    inputs: &mut NeuronInputs<'_, '_>,
    spike_words: &[AtomicU32],
    record_words: Option<&[AtomicU32]>,
) {
    neuron.visit(Slice {
        v,
        refrac_time,
        inputs,
        spike_words,
        record_words,
    });
}

/// What one call of the neuron update works on.
struct Slice<'c, 's, 'a> {
    v: &'c mut [f32],
    refrac_time: &'c mut [f32],
    inputs: &'c mut NeuronInputs<'s, 'a>,
    spike_words: &'c [AtomicU32],
    record_words: Option<&'c [AtomicU32]>,
}

impl NeuronVisitor for Slice<'_, '_, '_> {
    type Output = ();

    fn visit<M: NeuronUpdate>(self, model: &M) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F, checked just above.
            unsafe { update_avx512(model, self) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { update_avx2(model, self) };
            return;
        }
        // SAFETY: the portable packer needs no CPU extension.
        unsafe { update_slice::<M, pack::Portable>(model, self) };
    }
}

/// The update compiled with 8-wide vectors. No FMA: contraction would change the rounding
/// and the CPU reference must stay the exact, portable arithmetic.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn update_avx2<M: NeuronUpdate>(model: &M, slice: Slice<'_, '_, '_>) {
    // SAFETY: AVX2 is enabled here, and this runs only where it was detected.
    unsafe { update_slice::<M, pack::Avx2>(model, slice) };
}

/// The update compiled with 16-wide vectors and mask registers; as above, no FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn update_avx512<M: NeuronUpdate>(model: &M, slice: Slice<'_, '_, '_>) {
    // SAFETY: AVX-512F is enabled here, and this runs only where it was detected.
    unsafe { update_slice::<M, pack::Avx512>(model, slice) };
}

/// The update of a slice, word by word: whole words with a length the compiler knows
/// (plain full-width vectors), then the partial last word.
///
/// # Safety
/// `P`'s CPU extension must be present (see [`PackSpikes`]).
#[inline(always)]
unsafe fn update_slice<M: NeuronUpdate, P: PackSpikes>(model: &M, s: Slice<'_, '_, '_>) {
    let n = s.v.len();
    let whole_words = n / 32;
    let store = |w: usize, bits: u32| {
        s.spike_words[w].store(bits, Ordering::Relaxed);
        if let Some(r) = s.record_words {
            r[w].store(bits, Ordering::Relaxed);
        }
    };
    for w in 0..whole_words {
        // SAFETY: passed on from the caller.
        let bits = unsafe {
            word_update::<M, P>(model, s.v, s.refrac_time, s.inputs, w * 32, w * 32 + 32)
        };
        store(w, bits);
    }
    if !n.is_multiple_of(32) {
        // SAFETY: passed on from the caller.
        let bits = unsafe {
            word_update::<M, P>(model, s.v, s.refrac_time, s.inputs, whole_words * 32, n)
        };
        store(whole_words, bits);
    }
}

/// Inputs and neuron update of neurons `lo..hi` (at most 32); returns their spike word.
///
/// # Safety
/// `P`'s CPU extension must be present (see [`PackSpikes`]).
#[inline(always)]
unsafe fn word_update<M: NeuronUpdate, P: PackSpikes>(
    model: &M,
    v: &mut [f32],
    refrac_time: &mut [f32],
    inputs: &mut NeuronInputs<'_, '_>,
    lo: usize,
    hi: usize,
) -> u32 {
    let isyn = gather_isyn(inputs, lo, hi);
    let (mut v_lanes, mut r_lanes) = (load_lanes(&v[lo..hi]), load_lanes(&refrac_time[lo..hi]));
    let spiked_flags = model.update_lanes(&mut v_lanes, &mut r_lanes, &isyn);
    // SAFETY: passed on from the caller.
    let bits = unsafe { P::pack(&spiked_flags) };
    store_lanes(&mut v[lo..hi], &v_lanes);
    store_lanes(&mut refrac_time[lo..hi], &r_lanes);
    // Padding lanes may cross the threshold: their bits are not neurons.
    bits & word_mask(hi - lo)
}

/// The summed input `Isyn` of neurons `lo..hi` (at most 32) in this timestep: each
/// incoming group's through its postsynaptic model, then the current sources'.
#[inline(always)]
pub(crate) fn gather_isyn(inputs: &mut NeuronInputs<'_, '_>, lo: usize, hi: usize) -> Lanes {
    let mut isyn: Lanes = [0.0; 32];
    for input in inputs.exp_curr.iter_mut().filter(|i| !i.code) {
        exp_curr(&mut isyn, input, lo, hi);
    }
    for m in inputs.magnitudes {
        for (total, m) in isyn.iter_mut().zip(load_lanes(&m[lo..hi])) {
            *total += m;
        }
    }
    isyn
}

/// One incoming group's input to neurons `lo..hi` (at most 32): this timestep's
/// fixed-point input, converted, goes through the group's postsynaptic model into
/// `isyn`.
#[inline(always)]
fn exp_curr(isyn: &mut Lanes, input: &mut ExpCurrSlice<'_>, lo: usize, hi: usize) {
    let in_syn = &mut input.in_syn[lo..hi];
    let mut s = load_lanes(in_syn);
    // In most timesteps most words of neurons receive no spike: then the input is 0.0
    // (exactly what converting a zero sum gives), and the accumulator is neither read
    // nor rewritten.
    if std::mem::take(&mut input.stamps[lo / 32]) == 0 {
        input.postsynaptic.update_lanes(isyn, &mut s, &[0.0; 32]);
    } else {
        let converted = take_input(&mut input.in_syn_acc, lo, hi, input.inv_scale);
        input.postsynaptic.update_lanes(isyn, &mut s, &converted);
    }
    store_lanes(in_syn, &s);
}

/// The sums of neurons `lo..hi` as the nearest f32 (ties to even), times `inv_scale`;
/// clears them.
#[inline(always)]
pub(crate) fn take_input(sums: &mut SumsMut<'_>, lo: usize, hi: usize, inv_scale: f32) -> Lanes {
    let mut converted: Lanes = [0.0; 32];
    match sums {
        SumsMut::Narrow(sums) => {
            let sums = &mut sums[lo..hi];
            for (x, &acc) in converted.iter_mut().zip(&load_lanes(sums)) {
                *x = fixed_to_f32(acc) * inv_scale;
            }
            sums.fill(0);
        }
        SumsMut::Wide(sums) => {
            let sums = &mut sums[lo..hi];
            for (x, &acc) in converted.iter_mut().zip(&load_lanes(sums)) {
                *x = wide_fixed_to_f32(acc) * inv_scale;
            }
            sums.fill(0);
        }
    }
    converted
}

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
pub(crate) fn word_mask(len: usize) -> u32 {
    u32::MAX >> (32 - len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IfConstants;
    use crate::model::neuron::NeuronParams;

    /// The neuron update of a slice with the portable packer, whatever the CPU has.
    struct Portable<'c, 's, 'a>(Slice<'c, 's, 'a>);

    impl NeuronVisitor for Portable<'_, '_, '_> {
        type Output = ();

        fn visit<M: NeuronUpdate>(self, model: &M) {
            // SAFETY: the portable packer needs no CPU extension.
            unsafe { update_slice::<M, pack::Portable>(model, self.0) };
        }
    }

    /// LIF update of up to 32 neurons through the lanes and the portable packer.
    fn lif_word(
        lif: &crate::model::LifConstants,
        v: &mut [f32],
        refrac_time: &mut [f32],
        isyn: &[f32],
    ) -> u32 {
        assert!(!v.is_empty(), "a word has at least one neuron");
        let (mut v_lanes, mut r_lanes) = (load_lanes(v), load_lanes(refrac_time));
        let flags = lif.update_lanes(&mut v_lanes, &mut r_lanes, &load_lanes(isyn));
        // SAFETY: the portable packer needs no CPU extension.
        let bits = unsafe { pack::Portable::pack(&flags) };
        store_lanes(v, &v_lanes);
        store_lanes(refrac_time, &r_lanes);
        bits & word_mask(v.len())
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
                    let spiked = lif.update(&mut v2[j], &mut r2[j], isyn[j]);
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
    /// inSyn, in_syn_acc, stamps and the spike and recorded words (padding included).
    #[test]
    fn neuron_update_matches_a_scalar_reference_for_every_length() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        let mut models = vec![
            NeuronConstants::Lif(crate::model::LifParams::TUTORIAL.derive(0.1)),
            NeuronConstants::If(IfConstants { v_thresh: 1.0 }),
            // Padding lanes (V = 0, no input) cross this threshold every step.
            NeuronConstants::If(IfConstants { v_thresh: -0.5 }),
        ];
        // And every registered model, as the registry's example.
        models.extend(
            crate::model::NeuronModel::examples()
                .iter()
                .filter_map(|m| m.derive(0.1)),
        );
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
                let mut acc = vec![vec![0i64; n]; groups];
                let mut stamps = vec![vec![0u8; words]; groups];
                let mags: Vec<Vec<f32>> = (0..sources)
                    .map(|_| (0..n).map(|_| rand(40) as f32 * 0.01 - 0.1).collect())
                    .collect();
                let (mut v2, mut r2, mut in_syn2) = (v.clone(), r.clone(), in_syn.clone());
                for step in 0..40 {
                    // Some words receive input this step (possibly summing to 0); odd
                    // groups have 64-bit sums, even ones 32-bit.
                    for (g, (acc, stamps)) in acc.iter_mut().zip(&mut stamps).enumerate() {
                        for (word, flag) in acc.chunks_mut(32).zip(stamps.iter_mut()) {
                            if rand(3) == 0 {
                                *flag = 1;
                                for a in word {
                                    match rand(6) {
                                        0..=2 => *a += rand(20_000) as i64 - 8_000,
                                        // Sums of a 64-bit accumulator, beyond i32.
                                        3 if g % 2 == 1 => {
                                            *a += (rand(1 << 40) as i64 - (1 << 39)) << 20
                                        }
                                        _ => {}
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
                            let input = if stamps[g][i / 32] != 0 {
                                acc[g][i] as f32 * inv_scale
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
                        let spiked = model.update(&mut v2[i], &mut r2[i], isyn);
                        want[i / 32] |= u32::from(spiked) << (i % 32);
                    }
                    let want_acc: Vec<Vec<i64>> = (0..groups)
                        .map(|g| {
                            (0..n)
                                .map(|i| if stamps[g][i / 32] != 0 { 0 } else { acc[g][i] })
                                .collect()
                        })
                        .collect();
                    let spike_words: Vec<AtomicU32> =
                        (0..words).map(|_| AtomicU32::new(!0)).collect();
                    let record_words: Vec<AtomicU32> =
                        (0..words).map(|_| AtomicU32::new(!0)).collect();
                    let mut narrow: Vec<Vec<i32>> = acc
                        .iter()
                        .map(|a| a.iter().map(|&a| a as i32).collect())
                        .collect();
                    let sums =
                        narrow
                            .iter_mut()
                            .zip(&mut acc)
                            .enumerate()
                            .map(|(g, (narrow, wide))| {
                                if g % 2 == 0 {
                                    SumsMut::Narrow(narrow)
                                } else {
                                    SumsMut::Wide(wide)
                                }
                            });
                    let mut slices: Vec<ExpCurrSlice> = in_syn
                        .iter_mut()
                        .zip(sums)
                        .zip(&mut stamps)
                        .zip(constants)
                        .map(
                            |(((in_syn, in_syn_acc), stamps), (init, exp_decay, inv_scale))| {
                                ExpCurrSlice {
                                    in_syn,
                                    in_syn_acc,
                                    stamps,
                                    postsynaptic: PostsynapticConstants { exp_decay, init },
                                    inv_scale,
                                    code: false,
                                }
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
                        let slice = Slice {
                            v: &mut v,
                            refrac_time: &mut r,
                            inputs: &mut inputs,
                            spike_words: &spike_words,
                            record_words: rec,
                        };
                        model.visit(Portable(slice));
                    }
                    drop(slices);
                    for g in (0..groups).step_by(2) {
                        acc[g] = narrow[g].iter().map(|&a| i64::from(a)).collect();
                    }
                    let what = format!(
                        "n {n}, {model:?}, {groups} groups, {sources} sources, step {step}"
                    );
                    assert_eq!(bits(&v), bits(&v2), "V: {what}");
                    assert_eq!(bits(&r), bits(&r2), "RefracTime: {what}");
                    for g in 0..groups {
                        assert_eq!(bits(&in_syn[g]), bits(&in_syn2[g]), "inSyn {g}: {what}");
                    }
                    assert_eq!(acc, want_acc, "in_syn_acc: {what}");
                    assert!(stamps.iter().flatten().all(|&d| d == 0), "stamps: {what}");
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
