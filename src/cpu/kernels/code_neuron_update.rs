//! The neuron update of a population whose model is written as code strings: the twin of
//! `shaders/neuron_update.wgsl` with the model's step function spliced in. Inputs are
//! gathered word by word exactly as for the built-in models; the step function runs
//! through the interpreter over chunks of up to [`MAX_LANES`] neurons.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};

use super::neuron_update::{NeuronInputs, gather_isyn, word_mask};
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
/// when recording, `record_words`.
pub(crate) fn code_neuron_update(
    code: &CompiledNeuron,
    vars: &mut [&mut [u32]],
    inputs: &mut NeuronInputs<'_, '_>,
    at: &CodeSlice,
    (spike_words, record_words): (&[AtomicU32], Option<&[AtomicU32]>),
) {
    let n = at.len;
    let t = code_time(at.timestep, at.dt).to_bits();
    let mut isyn = [0u32; MAX_LANES];
    let mut ids = [0u32; MAX_LANES];
    let mut spiked = [0u32; MAX_LANES];
    SCRATCH.with_borrow_mut(|scratch| {
        for start in (0..n).step_by(MAX_LANES) {
            let lanes = MAX_LANES.min(n - start);
            for w in (0..lanes).step_by(32) {
                let (lo, hi) = (start + w, (start + w + 32).min(n));
                let word = gather_isyn(inputs, lo, hi);
                for (out, x) in isyn[w..w + (hi - lo)].iter_mut().zip(word) {
                    *out = x.to_bits();
                }
            }
            for (lane, id) in ids[..lanes].iter_mut().enumerate() {
                *id = (at.lo + start + lane) as u32;
            }
            let mut args: Vec<Arg<'_>> = vars
                .iter_mut()
                .map(|v| Arg::Pointer(&mut v[start..start + lanes]))
                .collect();
            args.extend([
                Arg::Lanes(&isyn[..lanes]),
                Arg::Uniform(t),
                Arg::Lanes(&ids[..lanes]),
                Arg::Uniform(at.entry as u32),
            ]);
            let mut natives = CodeNatives::new(code.key, at, &ids[..lanes]);
            code.program.run(
                &mut args,
                lanes,
                Some(&mut spiked[..lanes]),
                &mut natives,
                scratch,
            );
            store_words(&spiked[..lanes], start, (spike_words, record_words));
        }
    });
}

/// Packs the spike flags of neurons `start..` (0 or 1 per lane) into their words.
fn store_words(
    flags: &[u32],
    start: usize,
    (spike_words, record_words): (&[AtomicU32], Option<&[AtomicU32]>),
) {
    for (k, chunk) in flags.chunks(32).enumerate() {
        let bits = chunk
            .iter()
            .enumerate()
            .fold(0u32, |bits, (lane, &f)| bits | (u32::from(f != 0) << lane));
        let w = start / 32 + k;
        let bits = bits & word_mask(chunk.len());
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
    entry: u32,
    timestep: u32,
    ids: &'a [u32],
    /// Draws each lane has made in this timestep.
    draws: [u32; MAX_LANES],
}

impl<'a> CodeNatives<'a> {
    fn new(key: [u32; 2], at: &CodeSlice, ids: &'a [u32]) -> Self {
        CodeNatives {
            key,
            entry: at.entry as u32,
            timestep: at.timestep as u32,
            ids,
            draws: [0; MAX_LANES],
        }
    }
}

impl Natives for CodeNatives<'_> {
    fn call(&mut self, index: usize, _args: &[&[u32]], active: &[u32], out: &mut [u32]) {
        // Every native is a draw; the interpreter calls only the ones it was given.
        let draw = NativeFn::ALL
            .get(index)
            .copied()
            .unwrap_or(NativeFn::RandUniform);
        for (lane, _) in active.iter().enumerate().filter(|(_, on)| **on != 0) {
            let counter = [self.ids[lane], self.entry, self.timestep, self.draws[lane]];
            self.draws[lane] = self.draws[lane].wrapping_add(1);
            out[lane] = draw
                .draw(philox4x32_10(counter, self.key))
                .unwrap_or(0.0)
                .to_bits();
        }
    }
}
