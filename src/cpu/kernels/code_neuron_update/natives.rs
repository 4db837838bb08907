//! The native functions code strings call, as the CPU's interpreter runs them, and the
//! lane buffers they keep between calls.

use super::{COMPILED_LANES, CodeSlice, LaneWords, first_lanes};
use crate::interpret::Natives;
use crate::interpret::native::DrawKey;
use crate::model::code::{CompiledNeuron, NativeFn};
use crate::model::random::philox4x32_10;

/// The lane buffers of [`CodeNatives`]: `isyn` is filled or unread, and `draws` and
/// `target` are cleared whenever `drawn` or `targeted` says they may be non-zero.
pub(super) struct NativesMemory {
    pub(super) isyn: LaneWords<COMPILED_LANES>,
    pub(super) draws: [u32; COMPILED_LANES],
    pub(super) target: [u32; COMPILED_LANES],
    /// Whether some lane may have drawn since `draws` was cleared.
    pub(super) drawn: bool,
    /// Whether some lane may have a `target` other than 0.
    pub(super) targeted: bool,
}

/// The native functions of code strings on the CPU: draws keyed on the population, the
/// neuron, the batch entry, the timestep and the draw's number within the timestep.
pub(super) struct CodeNatives<'a, const N: usize> {
    /// What the draws are keyed on, the compiled code's and these natives' alike: the
    /// population's key, the entry, the timestep and the chunk's first neuron (the
    /// others follow).
    pub(super) key: DrawKey,
    /// The model's extra global parameters, natives after [`NativeFn::ALL`].
    extra_global_params: &'a [(String, Vec<f32>)],
    /// Draws each lane has made in this timestep.
    draws: &'a mut [u32; N],
    /// Whether some lane has drawn since `draws` was cleared.
    drawn: &'a mut bool,
    /// Each lane's input `Isyn` (f32 bits): its built-in inputs, then what code
    /// postsynaptic models inject.
    pub(super) isyn: &'a mut [u32; N],
    /// The model's additional input variables' starting values (f32 bits).
    input_starts: Vec<u32>,
    /// Each lane's additional input variables (f32 bits), `[variable][lane]`.
    inputs: Vec<[u32; N]>,
    /// Where each lane's `injectCurrent` adds: 0 for `Isyn`, `k + 1` for input `k`.
    target: &'a mut [u32; N],
    /// Whether some lane's `target` may not be 0.
    targeted: &'a mut bool,
}

impl<'a, const N: usize> CodeNatives<'a, N> {
    /// The natives of one call, on a worker's lane buffers: `target` starts at 0 in
    /// every lane, and `draws` is cleared by [`CodeNatives::begin`].
    pub(super) fn new(
        code: &'a CompiledNeuron,
        at: &CodeSlice,
        memory: &'a mut NativesMemory,
    ) -> Self {
        let NativesMemory {
            isyn,
            draws,
            target,
            drawn,
            targeted,
        } = memory;
        let target = first_lanes::<N>(target);
        if std::mem::take(targeted) {
            target.fill(0);
        }
        CodeNatives {
            key: DrawKey {
                key: code.key,
                entry: at.entry as u32,
                timestep: at.timestep as u32,
                first: 0,
            },
            extra_global_params: &code.extra_global_params,
            draws: first_lanes(draws),
            drawn,
            isyn: first_lanes(isyn),
            input_starts: code
                .additional_inputs
                .iter()
                .map(|(_, x)| x.to_bits())
                .collect(),
            inputs: vec![[0; N]; code.additional_inputs.len()],
            target,
            targeted,
        }
    }

    /// Starts a chunk of neurons from id `first`: none has drawn yet.
    pub(super) fn begin(&mut self, first: u32) {
        self.key.first = first;
        if std::mem::take(self.drawn) {
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

impl<const N: usize> Natives for CodeNatives<'_, N> {
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
                *self.targeted = true;
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
                *self.drawn = true;
                let active = active.iter().enumerate().filter(|(_, on)| **on != 0);
                let k = self.key;
                for (lane, _) in active {
                    let id = k.first.wrapping_add(lane as u32);
                    let counter = [id, k.entry, k.timestep, self.draws[lane]];
                    self.draws[lane] = self.draws[lane].wrapping_add(1);
                    let block = philox4x32_10(counter, k.key);
                    out[lane] = draw.draw(block).unwrap_or(0.0).to_bits();
                }
            }
        }
    }
}
