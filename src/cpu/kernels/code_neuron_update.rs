//! The neuron update of a population whose model is written as code strings: the twin of
//! `shaders/neuron_update.wgsl` with the model's step function spliced in. The step
//! function runs as machine code over chunks of `COMPILED_LANES` neurons where it was
//! compiled (`interpret::native`), else through the interpreter over chunks of
//! [`MAX_LANES`]. Built-in inputs are gathered word by word exactly as for the built-in
//! models, except where the compiled code takes them itself, with the same arithmetic
//! (`LaneSums::FromExpCurr`).

mod natives;

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};

use natives::{CodeNatives, NativesMemory};

use super::neuron_update::{ExpCurrSlice, NeuronInputs, gather_isyn, take_input, word_mask};
use super::pack::{self, PackSpikes};
use super::propagate_spikes::SumsMut;
use crate::interpret::native::{
    Distribution, LaneNative, LaneSums, MAX_EXP_CURR_INPUTS, NativeLanes, NotCompiled, ParamKind,
};
use crate::interpret::{Arg, MAX_LANES, Scratch};
use crate::model::code::{CompiledNeuron, NativeFn};

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

/// A worker thread's working memory: the interpreter's, and the lane buffers, kept
/// between calls so that no call clears them (some 20 KiB per population and timestep,
/// a tenth of a small network's step).
struct ThreadScratch {
    interpreter: Scratch,
    lanes: Box<LaneBuffers>,
}

thread_local! {
    static SCRATCH: RefCell<ThreadScratch> = RefCell::new(ThreadScratch {
        interpreter: Scratch::new(),
        lanes: Box::new(LaneBuffers::EMPTY),
    });
}

/// The per-lane buffers of [`update`], [`COMPILED_LANES`] long (interpreted chunks use
/// their first [`MAX_LANES`]). Their contents carry over from call to call, harmlessly:
/// `ids` and `spiked` are written for every lane before they are read, and
/// [`NativesMemory`] says how its buffers are.
struct LaneBuffers {
    ids: LaneWords<COMPILED_LANES>,
    spiked: LaneWords<COMPILED_LANES>,
    natives: NativesMemory,
}

impl LaneBuffers {
    const EMPTY: Self = LaneBuffers {
        ids: LaneWords([0; COMPILED_LANES]),
        spiked: LaneWords([0; COMPILED_LANES]),
        natives: NativesMemory {
            isyn: LaneWords([0; COMPILED_LANES]),
            draws: [0; COMPILED_LANES],
            target: [0; COMPILED_LANES],
            drawn: false,
            targeted: false,
        },
    };
}

/// The first `N` lanes of a buffer (aligned as the buffer is).
fn first_lanes<const N: usize>(words: &mut [u32; COMPILED_LANES]) -> &mut [u32; N] {
    const { assert!(N <= COMPILED_LANES) };
    words
        .first_chunk_mut::<N>()
        .expect("N is at most COMPILED_LANES")
}

/// Runs `code`'s step function for every neuron of a slice (`vars` are its variables'
/// pieces, all of the slice's length), stores the spike words into `spike_words` and,
/// when recording, `record_words`. The gathering and packing around the interpreter run
/// with the widest vectors this CPU has (the interpreter picks its own).
pub(crate) fn code_neuron_update(
    (code, compiled): (&CompiledNeuron, Option<&NativeLanes>),
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
            unsafe { update_avx512((code, compiled), vars, inputs, at, words, scratch) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { update_avx2((code, compiled), vars, inputs, at, words, scratch) };
            return;
        }
        // SAFETY: the portable packer needs no CPU extension.
        unsafe {
            update_chunks::<pack::Portable>((code, compiled), vars, inputs, at, words, scratch)
        };
    });
}

/// No FMA, as everywhere in the CPU backend.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn update_avx2(
    code: (&CompiledNeuron, Option<&NativeLanes>),
    vars: &mut [&mut [u32]],
    inputs: &mut NeuronInputs<'_, '_>,
    at: &CodeSlice,
    words: (&[AtomicU32], Option<&[AtomicU32]>),
    scratch: &mut ThreadScratch,
) {
    // SAFETY: AVX2 is enabled here, and this runs only where it was detected.
    unsafe { update_chunks::<pack::Avx2>(code, vars, inputs, at, words, scratch) };
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn update_avx512(
    code: (&CompiledNeuron, Option<&NativeLanes>),
    vars: &mut [&mut [u32]],
    inputs: &mut NeuronInputs<'_, '_>,
    at: &CodeSlice,
    words: (&[AtomicU32], Option<&[AtomicU32]>),
    scratch: &mut ThreadScratch,
) {
    // SAFETY: AVX-512F is enabled here, and this runs only where it was detected.
    unsafe { update_chunks::<pack::Avx512>(code, vars, inputs, at, words, scratch) };
}

/// Neurons per run of a compiled step function: more than the interpreter's
/// [`MAX_LANES`], so the per-run costs (the arguments, the call) are spread thinner.
const COMPILED_LANES: usize = 1024;

/// [`update`] in chunks of [`COMPILED_LANES`] neurons for compiled code, of
/// [`MAX_LANES`] for the interpreter.
///
/// # Safety
/// `P`'s CPU extension must be present (see [`PackSpikes`]).
#[inline(always)]
unsafe fn update_chunks<P: PackSpikes>(
    code: (&CompiledNeuron, Option<&NativeLanes>),
    vars: &mut [&mut [u32]],
    inputs: &mut NeuronInputs<'_, '_>,
    at: &CodeSlice,
    words: (&[AtomicU32], Option<&[AtomicU32]>),
    scratch: &mut ThreadScratch,
) {
    let compiled = code.1.filter(|c| IsynFrom::fits(inputs, c));
    let code = (code.0, compiled);
    // SAFETY: passed on from the caller.
    unsafe {
        match compiled {
            Some(_) => update::<P, COMPILED_LANES>(code, vars, inputs, at, words, scratch),
            None => update::<P, MAX_LANES>(code, vars, inputs, at, words, scratch),
        }
    }
}

/// One word per lane, aligned to a cache line: the compiled code's vector loads and
/// stores, and the gathering's, then never straddle two.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(crate) struct LaneWords<const N: usize>(pub [u32; N]);

impl<const N: usize> LaneWords<N> {
    const ZERO: Self = LaneWords([0; N]);
}

impl<const N: usize> std::ops::Deref for LaneWords<N> {
    type Target = [u32; N];
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<const N: usize> std::ops::DerefMut for LaneWords<N> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// The step function compiled to machine code, where it can be (see
/// `interpret::native`): its arguments as [`update`] passes them, each code
/// postsynaptic group's input converted from its fixed-point sums (`sums`: whether they
/// are 64-bit, and the group's `inv_scale`) by the compiled code itself, `Isyn` and
/// `injectCurrent` as the one lane sum (`CodeNatives::isyn` where it is given), and the
/// draws drawn as
/// `CodeNatives` draws them. Additional input variables and extra global parameters stay
/// with the interpreter.
///
/// `built_in_inputs` says where `Isyn` starts: filled in before each run and read back
/// (`LaneSums::Given`), at 0.0 inside the compiled code where every input is code
/// (`FromZero`), or at the built-in postsynaptic models' current, which the compiled code
/// takes from their sums itself (`FromExpCurr`); in the last two nothing is filled or
/// read back.
pub(crate) fn compile_step_function(
    code: &CompiledNeuron,
    built_in_inputs: LaneSums,
    sums: &[(bool, f32)],
) -> Result<NativeLanes, NotCompiled> {
    use ParamKind::{Lanes, Uniform};
    let mut kinds = vec![Lanes; code.vars.len()];
    for &(wide, inv_scale) in sums {
        let inv_scale = inv_scale.to_bits();
        // `inSyn` starts at 0.0 and only the neuron update writes it: a model that sets
        // it to 0.0 every timestep (GeNN's `inSyn = 0;`) leaves it to the constant.
        let in_syn = ParamKind::Steady { start: 0 };
        kinds.extend([in_syn, ParamKind::FixedPoint { wide, inv_scale }]);
    }
    kinds.extend([Uniform, Lanes, Uniform]);
    let natives: Vec<LaneNative> = NativeFn::ALL
        .iter()
        .map(|native| match native {
            NativeFn::Isyn => LaneNative::ReadSum(0),
            NativeFn::RandUniform => LaneNative::Draw(Distribution::Uniform),
            NativeFn::RandNormal => LaneNative::Draw(Distribution::Normal),
            NativeFn::RandExponential => LaneNative::Draw(Distribution::Exponential),
            NativeFn::InjectCurrent if code.additional_inputs.is_empty() => LaneNative::AddToSum(0),
            _ => LaneNative::Unsupported,
        })
        .chain(
            code.extra_global_params
                .iter()
                .map(|_| LaneNative::Unsupported),
        )
        .collect();
    NativeLanes::compile(&code.program, &kinds, &natives, built_in_inputs)
}

/// A step function's arguments live on the stack when there are at most this many.
const STACK_ARGS: usize = 16;

/// # Safety
/// `P`'s CPU extension must be present (see [`PackSpikes`]).
#[inline(always)]
unsafe fn update<P: PackSpikes, const N: usize>(
    (code, compiled): (&CompiledNeuron, Option<&NativeLanes>),
    vars: &mut [&mut [u32]],
    inputs: &mut NeuronInputs<'_, '_>,
    at: &CodeSlice,
    words: (&[AtomicU32], Option<&[AtomicU32]>),
    scratch: &mut ThreadScratch,
) {
    let n = at.len;
    let t = code_time(at.timestep, at.dt).to_bits();
    let ThreadScratch { interpreter, lanes } = scratch;
    let LaneBuffers {
        ids,
        spiked,
        natives,
    } = &mut **lanes;
    let (ids, spiked) = (first_lanes::<N>(ids), first_lanes::<N>(spiked));
    let mut natives = CodeNatives::<N>::new(code, at, natives);
    // This chunk's input of each group with a code postsynaptic model.
    let code_groups = inputs.exp_curr.iter().filter(|i| i.code).count();
    // (None where the compiled code converts the fixed-point sums itself.)
    let from_sums = compiled.is_some();
    let mut psm_inputs = vec![LaneWords::<N>::ZERO; if from_sums { 0 } else { code_groups }];
    let count = vars.len() + 2 * code_groups + 3;
    let reads_id = code.program.reads(count - 2);
    let isyn_from = IsynFrom::of(inputs, compiled);
    for start in (0..n).step_by(N) {
        let lanes = N.min(n - start);
        gather(inputs, natives.isyn, &mut psm_inputs, (start, n), isyn_from);
        let first = (at.lo + start) as u32;
        if reads_id {
            for (lane, id) in ids.iter_mut().enumerate() {
                *id = first.wrapping_add(lane as u32);
            }
        }
        natives.begin(first);
        let rest = [
            Arg::Uniform(t),
            Arg::Lanes(&ids[..lanes]),
            Arg::Uniform(at.entry as u32),
        ];
        // Unused places hold uniforms; only the first `count` are passed.
        let mut stack = [const { Arg::Uniform(0) }; STACK_ARGS];
        let mut heap = Vec::new();
        let args = match count <= STACK_ARGS {
            true => &mut stack[..count],
            false => {
                heap.resize_with(count, || Arg::Uniform(0));
                &mut heap[..]
            }
        };
        let mut built_in: [&mut [u32]; 2 * MAX_EXP_CURR_INPUTS] =
            std::array::from_fn(|_| &mut [][..]);
        let taken = isyn_from == IsynFrom::CompiledExpCurr;
        let given = (&mut built_in[..], taken);
        let chunk = (start, lanes);
        let taken = chunk_args(vars, inputs.exp_curr, &psm_inputs, chunk, rest, args, given);
        let out = Some(&mut spiked[..lanes]);
        match compiled {
            Some(compiled) => {
                let key = natives.key;
                match isyn_from {
                    IsynFrom::CompiledExpCurr => {
                        compiled.run(args, lanes, out, &mut built_in[..taken], &key)
                    }
                    _ => compiled.run(args, lanes, out, &mut [&mut natives.isyn[..lanes]], &key),
                }
            }
            None => code
                .program
                .run(args, lanes, out, &mut natives, interpreter),
        }
        // SAFETY: passed on from the caller.
        unsafe { store_words::<P, N>(spiked, start, lanes, words) };
    }
}

/// One chunk's arguments into `args`, in the step function's order: its variables, each
/// code postsynaptic group's `inSyn` and input, then `rest` (`t`, the ids, the entry).
/// Where the compiled code takes the built-in inputs itself (`built_in.1`), each
/// built-in group's `inSyn` and fixed-point sums go into `built_in.0`, in order; returns
/// how many slices went there.
fn chunk_args<'a, const N: usize>(
    vars: &'a mut [&mut [u32]],
    inputs: &'a mut [ExpCurrSlice<'_>],
    psm_inputs: &'a [LaneWords<N>],
    (start, lanes): (usize, usize),
    rest: [Arg<'a>; 3],
    args: &mut [Arg<'a>],
    (built_in, take_built_in): (&mut [&'a mut [u32]], bool),
) -> usize {
    let mut args = args.iter_mut();
    let mut put = |arg| {
        if let Some(slot) = args.next() {
            *slot = arg;
        }
    };
    for v in vars.iter_mut() {
        put(Arg::Pointer(&mut v[start..start + lanes]));
    }
    let (mut k, mut taken) = (0, 0);
    for i in inputs.iter_mut() {
        let in_syn: &mut [u32] = bytemuck::cast_slice_mut(&mut i.in_syn[start..start + lanes]);
        if i.code {
            put(Arg::Pointer(in_syn));
            put(match psm_inputs.get(k) {
                Some(input) => Arg::Lanes(&input[..lanes]),
                None => Arg::Pointer(take_sums(&mut i.in_syn_acc, i.stamps, start, lanes)),
            });
            k += 1;
        } else if take_built_in && taken + 2 <= built_in.len() {
            built_in[taken] = in_syn;
            built_in[taken + 1] = take_sums(&mut i.in_syn_acc, i.stamps, start, lanes);
            taken += 2;
        }
    }
    for arg in rest {
        put(arg);
    }
    taken
}

/// Where `Isyn` starts each timestep, decided once per slice.
#[derive(Clone, Copy, PartialEq, Eq)]
enum IsynFrom {
    /// The built-in inputs, gathered word by word.
    BuiltIn,
    /// 0.0, what summing no input gives, filled in.
    Zero,
    /// 0.0 inside the compiled code (`LaneSums::FromZero`): nothing to fill.
    CompiledCode,
    /// The built-in inputs, taken inside the compiled code (`LaneSums::FromExpCurr`):
    /// nothing to gather.
    CompiledExpCurr,
}

impl IsynFrom {
    /// For a slice run by `compiled` code (that [`IsynFrom::fits`] its inputs) or the
    /// interpreter.
    fn of(inputs: &NeuronInputs<'_, '_>, compiled: Option<&NativeLanes>) -> IsynFrom {
        match compiled {
            Some(c) if c.exp_curr_inputs().is_some() => IsynFrom::CompiledExpCurr,
            Some(c) if c.sums_from_zero() => IsynFrom::CompiledCode,
            _ if has_built_in(inputs) => IsynFrom::BuiltIn,
            _ => IsynFrom::Zero,
        }
    }

    /// Whether `compiled` was compiled for a slice with `inputs` (always so: both are
    /// the network's; else the interpreter runs the slice).
    fn fits(inputs: &NeuronInputs<'_, '_>, compiled: &NativeLanes) -> bool {
        match compiled.exp_curr_inputs() {
            Some(taken) => {
                let built_in = inputs.exp_curr.iter().filter(|i| !i.code).count();
                inputs.magnitudes.is_empty() && built_in == taken.len()
            }
            None => !compiled.sums_from_zero() || !has_built_in(inputs),
        }
    }
}

/// Whether a slice has input the neuron update gathers: an incoming group whose
/// postsynaptic model is built in, or a built-in current source.
fn has_built_in(inputs: &NeuronInputs<'_, '_>) -> bool {
    !inputs.magnitudes.is_empty() || inputs.exp_curr.iter().any(|i| !i.code)
}

/// The built-in inputs of neurons `start..` (up to `N` of the slice's `n`)
/// summed into `isyn`, and the input of each group with a code postsynaptic model in
/// `psm_inputs` (which its code adds to `inSyn`), as f32 bits.
#[inline(always)]
fn gather<const N: usize>(
    inputs: &mut NeuronInputs<'_, '_>,
    isyn: &mut [u32; N],
    psm_inputs: &mut [LaneWords<N>],
    (start, n): (usize, usize),
    isyn_from: IsynFrom,
) {
    if matches!(
        isyn_from,
        IsynFrom::CompiledCode | IsynFrom::CompiledExpCurr
    ) {
        // Nothing to gather: the compiled code starts `Isyn` itself and reads every
        // group's sums itself.
        debug_assert!(psm_inputs.is_empty());
        return;
    }
    let lanes = N.min(n - start);
    for w in (0..lanes).step_by(32) {
        let lo = start + w;
        // All 32 places (those past `n` are lanes not run): a length the compiler knows.
        let out: &mut [u32; 32] = (&mut isyn[w..w + 32]).try_into().expect("32 lanes");
        if isyn_from == IsynFrom::Zero {
            *out = [0; 32];
        } else if isyn_from == IsynFrom::BuiltIn {
            // A whole word with a length the compiler knows (its copies inlined), as in
            // the built-in update, or the partial last word.
            let word = if lo + 32 <= n {
                gather_isyn(inputs, lo, lo + 32)
            } else {
                gather_isyn(inputs, lo, n)
            };
            // A cast, not `map`, which is not inlined here: its result, written to the
            // stack word by word and read back whole, stalled the load (a third of
            // CUBA's update).
            *out = bytemuck::cast::<[f32; 32], [u32; 32]>(word);
        }
        let hi = (lo + 32).min(n);
        let code = inputs.exp_curr.iter_mut().filter(|i| i.code);
        for (input, out) in code.zip(psm_inputs.iter_mut()) {
            let out: &mut [u32; 32] = (&mut out[w..w + 32]).try_into().expect("32 lanes");
            // As the built-in update: no stamp, no input (0.0), and the sums untouched.
            // Stored in place, not chosen as a value first: a word built on the stack
            // and copied stalls the copy's load.
            if std::mem::take(&mut input.stamps[lo / 32]) == 0 {
                *out = [0; 32];
            } else {
                let word = take_input(&mut input.in_syn_acc, lo, hi, input.inv_scale);
                for (out, x) in out.iter_mut().zip(word) {
                    *out = x.to_bits();
                }
            }
        }
    }
}

/// The fixed-point sums of neurons `start..start + lanes` of a group (as words), for
/// compiled code that converts and clears them itself (`ParamKind::FixedPoint`,
/// `LaneSums::FromExpCurr`); their words' stamps cleared, as taking them does.
fn take_sums<'a>(
    sums: &'a mut SumsMut<'_>,
    stamps: &mut [u8],
    start: usize,
    lanes: usize,
) -> &'a mut [u32] {
    stamps[start / 32..(start + lanes).div_ceil(32)].fill(0);
    match sums {
        SumsMut::Narrow(sums) => bytemuck::cast_slice_mut(&mut sums[start..start + lanes]),
        SumsMut::Wide(sums) => bytemuck::cast_slice_mut(&mut sums[start..start + lanes]),
    }
}

/// Packs the spike flags of neurons `start..start + lanes` (0 or 1 per lane, in the
/// first `lanes` places of `flags`) into their words.
///
/// # Safety
/// `P`'s CPU extension must be present (see [`PackSpikes`]).
#[inline(always)]
unsafe fn store_words<P: PackSpikes, const N: usize>(
    flags: &[u32; N],
    start: usize,
    lanes: usize,
    (spike_words, record_words): (&[AtomicU32], Option<&[AtomicU32]>),
) {
    // Flags are 0 or 1 (a WGSL `bool`), as every packer takes them; the words' masks
    // drop the places past `lanes`.
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
