//! The neuron update of a population whose model is written as code strings: the twin of
//! `shaders/neuron_update.wgsl` with the model's step function spliced in. Inputs are
//! gathered word by word exactly as for the built-in models; the step function runs
//! through the interpreter over chunks of up to [`MAX_LANES`] neurons.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};

use super::neuron_update::{NeuronInputs, gather_isyn, take_input, word_mask};
use super::pack::{self, PackSpikes};
use crate::interpret::{Arg, MAX_LANES, Natives, Scratch};
use crate::model::code::{CompiledNeuron, NativeFn};
use crate::model::random::philox4x32_10;

/// Where a slice of a population is in the simulation.
pub(crate) struct CodeSlice {
    /// Its batch entry.
    pub entry: usize,
    /// Its first neuron (a multiple of 32).
    pub lo: usize,
    /// Its neurons.
    pub len: usize,
    /// This timestep, counted from the last reset.
    pub timestep: u64,
    /// The timestep's length in ms.
    pub dt: f32,
}

/// The time code strings see as `t`: the timestep (as u32, wrapping) converted to f32
/// times `dt`, one rounding each, as the GPU computes it.
pub(crate) fn code_time(timestep: u64, dt: f32) -> f32 {
    (timestep as u32) as f32 * dt
}

thread_local! {
    /// The interpreter's working memory, one per worker thread.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

/// Runs `code`'s step function for every neuron of a slice (`vars` are its variables'
/// pieces, all of the slice's length), stores the spike words into `spike_words` and,
/// when recording, `record_words`. The gathering and packing around the interpreter run
/// with the widest vectors this CPU has (the interpreter picks its own).
pub(crate) fn code_neuron_update(
    code: &CompiledNeuron,
    vars: &mut [&mut [u32]],
    inputs: &mut NeuronInputs<'_, '_>,
    at: &CodeSlice,
    words: (&[AtomicU32], Option<&[AtomicU32]>),
) {
    // The thread's scratch first: the code using it must not be in a closure, which
    // would not be compiled with the vector extensions below.
    SCRATCH.with_borrow_mut(|scratch| {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F, checked just above.
            unsafe { update_avx512(code, vars, inputs, at, words, scratch) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { update_avx2(code, vars, inputs, at, words, scratch) };
            return;
        }
        // SAFETY: the portable packer needs no CPU extension.
        unsafe { update::<pack::Portable>(code, vars, inputs, at, words, scratch) };
    });
}

/// No FMA, as everywhere in the CPU backend.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn update_avx2(
    code: &CompiledNeuron,
    vars: &mut [&mut [u32]],
    inputs: &mut NeuronInputs<'_, '_>,
    at: &CodeSlice,
    words: (&[AtomicU32], Option<&[AtomicU32]>),
    scratch: &mut Scratch,
) {
    // SAFETY: AVX2 is enabled here, and this runs only where it was detected.
    unsafe { update::<pack::Avx2>(code, vars, inputs, at, words, scratch) };
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn update_avx512(
    code: &CompiledNeuron,
    vars: &mut [&mut [u32]],
    inputs: &mut NeuronInputs<'_, '_>,
    at: &CodeSlice,
    words: (&[AtomicU32], Option<&[AtomicU32]>),
    scratch: &mut Scratch,
) {
    // SAFETY: AVX-512F is enabled here, and this runs only where it was detected.
    unsafe { update::<pack::Avx512>(code, vars, inputs, at, words, scratch) };
}

/// A step function's arguments live on the stack when there are at most this many.
const STACK_ARGS: usize = 16;

/// # Safety
/// `P`'s CPU extension must be present (see [`PackSpikes`]).
#[inline(always)]
unsafe fn update<P: PackSpikes>(
    code: &CompiledNeuron,
    vars: &mut [&mut [u32]],
    inputs: &mut NeuronInputs<'_, '_>,
    at: &CodeSlice,
    words: (&[AtomicU32], Option<&[AtomicU32]>),
    scratch: &mut Scratch,
) {
    let n = at.len;
    let t = code_time(at.timestep, at.dt).to_bits();
    let mut ids = [0u32; MAX_LANES];
    let mut spiked = [0u32; MAX_LANES];
    let mut natives = CodeNatives::new(code, at);
    // This chunk's input of each group with a code postsynaptic model.
    let code_groups = inputs.exp_curr.iter().filter(|i| i.code).count();
    let mut psm_inputs = vec![[0u32; MAX_LANES]; code_groups];
    let count = vars.len() + 2 * code_groups + 3;
    for start in (0..n).step_by(MAX_LANES) {
        let lanes = MAX_LANES.min(n - start);
        gather(inputs, &mut natives.isyn, &mut psm_inputs, start, n);
        let first = (at.lo + start) as u32;
        for (lane, id) in ids.iter_mut().enumerate() {
            *id = first.wrapping_add(lane as u32);
        }
        natives.begin(first);
        let pointers = vars
            .iter_mut()
            .map(|v| Arg::Pointer(&mut v[start..start + lanes]));
        let in_syn = inputs
            .exp_curr
            .iter_mut()
            .filter(|i| i.code)
            .zip(&psm_inputs)
            .flat_map(|(i, input)| {
                let in_syn: &mut [u32] =
                    bytemuck::cast_slice_mut(&mut i.in_syn[start..start + lanes]);
                [Arg::Pointer(in_syn), Arg::Lanes(&input[..lanes])]
            });
        let rest = [
            Arg::Uniform(t),
            Arg::Lanes(&ids[..lanes]),
            Arg::Uniform(at.entry as u32),
        ];
        let out = Some(&mut spiked[..lanes]);
        let given = pointers.chain(in_syn).chain(rest);
        if count <= STACK_ARGS {
            // Unused places hold uniforms; only the first `count` are passed.
            let mut args = [const { Arg::Uniform(0) }; STACK_ARGS];
            for (arg, given) in args.iter_mut().zip(given) {
                *arg = given;
            }
            let program = &code.program;
            program.run(&mut args[..count], lanes, out, &mut natives, scratch);
        } else {
            let mut args: Vec<Arg<'_>> = given.collect();
            code.program
                .run(&mut args, lanes, out, &mut natives, scratch);
        }
        // SAFETY: passed on from the caller.
        unsafe { store_words::<P>(&mut spiked, start, lanes, words) };
    }
}

/// The built-in inputs of neurons `start..` (up to [`MAX_LANES`] of the slice's `n`)
/// summed into `isyn`, and the input of each group with a code postsynaptic model in
/// `psm_inputs` (which its code adds to `inSyn`), as f32 bits.
#[inline(always)]
fn gather(
    inputs: &mut NeuronInputs<'_, '_>,
    isyn: &mut [u32; MAX_LANES],
    psm_inputs: &mut [[u32; MAX_LANES]],
    start: usize,
    n: usize,
) {
    let lanes = MAX_LANES.min(n - start);
    for w in (0..lanes).step_by(32) {
        let lo = start + w;
        // A whole word with a length the compiler knows (its copies inlined), as in
        // the built-in update, or the partial last word.
        let word = if lo + 32 <= n {
            gather_isyn(inputs, lo, lo + 32)
        } else {
            gather_isyn(inputs, lo, n)
        };
        // All 32 places (those past `n` are lanes not run): a length the compiler knows.
        for (out, x) in isyn[w..w + 32].iter_mut().zip(word) {
            *out = x.to_bits();
        }
        let hi = (lo + 32).min(n);
        let code = inputs.exp_curr.iter_mut().filter(|i| i.code);
        for (input, out) in code.zip(psm_inputs.iter_mut()) {
            // As the built-in update: no stamp, no input (0.0), and the sums untouched.
            let word = if std::mem::take(&mut input.stamps[lo / 32]) == 0 {
                [0.0; 32]
            } else {
                take_input(&mut input.in_syn_acc, lo, hi, input.inv_scale)
            };
            for (out, x) in out[w..w + 32].iter_mut().zip(word) {
                *out = x.to_bits();
            }
        }
    }
}

/// Packs the spike flags of neurons `start..start + lanes` (0 or 1 per lane, in the
/// first `lanes` places of `flags`) into their words.
///
/// # Safety
/// `P`'s CPU extension must be present (see [`PackSpikes`]).
#[inline(always)]
unsafe fn store_words<P: PackSpikes>(
    flags: &mut [u32; MAX_LANES],
    start: usize,
    lanes: usize,
    (spike_words, record_words): (&[AtomicU32], Option<&[AtomicU32]>),
) {
    // All ones where a flag is set, as every packer takes them (all places: a length the
    // compiler knows; the words' masks drop those past `lanes`).
    for f in flags.iter_mut() {
        *f = 0u32.wrapping_sub(u32::from(*f != 0));
    }
    for (k, word) in flags.as_chunks::<32>().0.iter().enumerate() {
        let len = lanes.saturating_sub(32 * k).min(32);
        if len == 0 {
            break;
        }
        // SAFETY: passed on from the caller.
        let bits = unsafe { P::pack(word) } & word_mask(len);
        let w = start / 32 + k;
        spike_words[w].store(bits, Ordering::Relaxed);
        if let Some(r) = record_words {
            r[w].store(bits, Ordering::Relaxed);
        }
    }
}

/// The native functions of code strings on the CPU: draws keyed on the population, the
/// neuron, the batch entry, the timestep and the draw's number within the timestep.
struct CodeNatives<'a> {
    key: [u32; 2],
    /// The model's extra global parameters, natives after [`NativeFn::ALL`].
    extra_global_params: &'a [(String, Vec<f32>)],
    entry: u32,
    timestep: u32,
    /// The id of the chunk's first neuron (the others follow).
    first: u32,
    /// Draws each lane has made in this timestep.
    draws: [u32; MAX_LANES],
    /// Whether some lane has drawn since `draws` was cleared.
    drawn: bool,
    /// Each lane's input `Isyn` (f32 bits): its built-in inputs, then what code
    /// postsynaptic models inject.
    isyn: [u32; MAX_LANES],
    /// The model's additional input variables' starting values (f32 bits).
    input_starts: Vec<u32>,
    /// Each lane's additional input variables (f32 bits), `[variable][lane]`.
    inputs: Vec<[u32; MAX_LANES]>,
    /// Where each lane's `injectCurrent` adds: 0 for `Isyn`, `k + 1` for input `k`.
    target: [u32; MAX_LANES],
}

impl<'a> CodeNatives<'a> {
    fn new(code: &'a CompiledNeuron, at: &CodeSlice) -> Self {
        CodeNatives {
            key: code.key,
            extra_global_params: &code.extra_global_params,
            entry: at.entry as u32,
            timestep: at.timestep as u32,
            first: 0,
            draws: [0; MAX_LANES],
            drawn: false,
            isyn: [0; MAX_LANES],
            input_starts: code
                .additional_inputs
                .iter()
                .map(|(_, x)| x.to_bits())
                .collect(),
            inputs: vec![[0; MAX_LANES]; code.additional_inputs.len()],
            target: [0; MAX_LANES],
        }
    }

    /// Starts a chunk of neurons from id `first`: none has drawn yet.
    fn begin(&mut self, first: u32) {
        self.first = first;
        if std::mem::take(&mut self.drawn) {
            self.draws.fill(0);
        }
        for (input, &start) in self.inputs.iter_mut().zip(&self.input_starts) {
            input.fill(start);
        }
    }

    /// `injectCurrent(x)` where some lane may add to an additional input variable.
    fn inject_into_targets(&mut self, x: &[u32], active: &[u32]) {
        for (lane, _) in active.iter().enumerate().filter(|(_, on)| **on != 0) {
            let sum = match self.target[lane] {
                0 => &mut self.isyn[lane],
                k => match self.inputs.get_mut(k as usize - 1) {
                    Some(input) => &mut input[lane],
                    None => continue,
                },
            };
            *sum = (f32::from_bits(*sum) + f32::from_bits(x[lane])).to_bits();
        }
    }
}

impl Natives for CodeNatives<'_> {
    fn call(&mut self, index: usize, args: &[&[u32]], active: &[u32], out: &mut [u32]) {
        let Some(&native) = NativeFn::ALL.get(index) else {
            // An extra global parameter: its value at the index, 0 past its end.
            let values = self
                .extra_global_params
                .get(index - NativeFn::ALL.len())
                .map_or(&[][..], |(_, v)| &v[..]);
            let Some(at) = args.first() else { return };
            for (lane, _) in active.iter().enumerate().filter(|(_, on)| **on != 0) {
                out[lane] = values.get(at[lane] as usize).map_or(0, |x| x.to_bits());
            }
            return;
        };
        match native {
            // Every lane computed and the inactive ones left as they were, branch-free,
            // so the loops vectorise: these run for every neuron in every timestep.
            NativeFn::InjectCurrent if !self.inputs.is_empty() => {
                let Some(x) = args.first() else { return };
                self.inject_into_targets(x, active);
            }
            NativeFn::InjectTarget => {
                let Some(k) = args.first() else { return };
                for ((target, &k), &on) in self.target.iter_mut().zip(*k).zip(active) {
                    if on != 0 {
                        *target = k;
                    }
                }
            }
            NativeFn::Input => {
                let Some(k) = args.first() else { return };
                for (lane, _) in active.iter().enumerate().filter(|(_, on)| **on != 0) {
                    out[lane] = self.inputs.get(k[lane] as usize).map_or(0, |i| i[lane]);
                }
            }
            NativeFn::InjectCurrent => {
                let Some(x) = args.first() else { return };
                let lanes = active.len();
                for ((isyn, &x), &on) in self.isyn[..lanes].iter_mut().zip(*x).zip(active) {
                    let sum = (f32::from_bits(*isyn) + f32::from_bits(x)).to_bits();
                    let keep = on.wrapping_sub(1);
                    *isyn = (sum & !keep) | (*isyn & keep);
                }
            }
            NativeFn::Isyn => {
                let lanes = active.len();
                out[..lanes].copy_from_slice(&self.isyn[..lanes]);
            }
            draw => {
                self.drawn = true;
                let active = active.iter().enumerate().filter(|(_, on)| **on != 0);
                for (lane, _) in active {
                    let id = self.first.wrapping_add(lane as u32);
                    let counter = [id, self.entry, self.timestep, self.draws[lane]];
                    self.draws[lane] = self.draws[lane].wrapping_add(1);
                    let block = philox4x32_10(counter, self.key);
                    out[lane] = draw.draw(block).unwrap_or(0.0).to_bits();
                }
            }
        }
    }
}
