//! The lanes of a code weight-update model's synapse function on the CPU: synapses
//! gathered up to [`MAX_LANES`] at a time (across rows or columns, so short rows fill
//! the lanes too), their variables and their neurons' values loaded, the function run
//! through the interpreter, read-write variables stored back, and `addToPost` summed
//! into the group's 64-bit fixed-point accumulator as the GPU's atomics sum it.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::interpret::{Arg, MAX_LANES, Natives, Scratch};
use crate::model::code::{CompiledWeightUpdate, SynapseFunction, VarAccess};
use crate::model::{FixedPointWeight, NEVER_SPIKED};

/// What a code group's synapse functions read and write in one batch entry.
pub(crate) struct SynapseCode<'a> {
    pub code: &'a CompiledWeightUpdate,
    /// The synapse variables, `[variable][synapse]` (row order), shared by the batch.
    pub vars: &'a [Vec<AtomicU32>],
    /// The presynaptic side's variables, each the whole population's in this entry.
    pub pre_vars: Vec<&'a [u32]>,
    /// The postsynaptic side's variables, likewise.
    pub post_vars: Vec<&'a [u32]>,
    /// Latest spike times (f32 bits), where tracked (plastic groups).
    pub st_pre: Option<&'a [AtomicU32]>,
    pub st_post: Option<&'a [AtomicU32]>,
    /// The time of this timestep.
    pub t: f32,
}

/// A group's fixed-point accumulator slice `[lo, lo + sums.len())` of one entry, with its
/// stamps (see `propagate_spikes`), and where an out-of-range input is reported.
pub(crate) struct AddToPost<'a, 's> {
    pub sums: &'s mut [i64],
    pub stamps: &'s mut [u8],
    pub lo: usize,
    pub scale: &'a FixedPointWeight,
    /// The bits of the first input out of range, with bit 32 set (0: none).
    pub overflow: &'a AtomicU64,
}

/// Synapses waiting for a run of the function: index, presynaptic and postsynaptic
/// neuron of each lane.
pub(crate) struct Lanes {
    pub len: usize,
    pub synapse: [u32; MAX_LANES],
    pub pre: [u32; MAX_LANES],
    pub post: [u32; MAX_LANES],
    /// Working memory: one lane array per argument.
    values: Vec<[u32; MAX_LANES]>,
    scratch: Scratch,
}

thread_local! {
    /// One per worker thread, so the step loop allocates nothing once warm.
    static LANES: RefCell<Lanes> = RefCell::new(Lanes {
        len: 0,
        synapse: [0; MAX_LANES],
        pre: [0; MAX_LANES],
        post: [0; MAX_LANES],
        values: Vec::new(),
        scratch: Scratch::new(),
    });
}

impl Lanes {
    /// Calls `f` with the thread's lanes, empty.
    pub fn with<R>(f: impl FnOnce(&mut Lanes) -> R) -> R {
        LANES.with_borrow_mut(|lanes| {
            lanes.len = 0;
            f(lanes)
        })
    }

    /// Adds a synapse; runs `function` first if the lanes are full.
    #[inline]
    pub fn push(
        &mut self,
        (synapse, pre, post): (u32, u32, u32),
        function: &SynapseFunction,
        at: &SynapseCode<'_>,
        out: &mut AddToPost<'_, '_>,
    ) {
        if self.len == MAX_LANES {
            self.run(function, at, out);
        }
        self.synapse[self.len] = synapse;
        self.pre[self.len] = pre;
        self.post[self.len] = post;
        self.len += 1;
    }

    /// Runs `function` over the waiting synapses and empties the lanes.
    pub fn run(
        &mut self,
        function: &SynapseFunction,
        at: &SynapseCode<'_>,
        out: &mut AddToPost<'_, '_>,
    ) {
        let n = std::mem::take(&mut self.len);
        if n == 0 {
            return;
        }
        let code = at.code;
        let (n_vars, n_pre, n_post) = (code.vars.len(), at.pre_vars.len(), at.post_vars.len());
        // Synapse variables, then pre, post, id_pre, id_post, st_pre, st_post.
        self.values
            .resize(n_vars + n_pre + n_post + 2, [0; MAX_LANES]);
        let (vars, rest) = self.values.split_at_mut(n_vars);
        let (pre_values, rest) = rest.split_at_mut(n_pre);
        let (post_values, st) = rest.split_at_mut(n_post);
        for (lanes, var) in vars.iter_mut().zip(at.vars) {
            for (l, &s) in lanes[..n].iter_mut().zip(&self.synapse[..n]) {
                *l = var[s as usize].load(Ordering::Relaxed);
            }
        }
        gather(pre_values, &at.pre_vars, &self.pre[..n]);
        gather(post_values, &at.post_vars, &self.post[..n]);
        let never = NEVER_SPIKED.to_bits();
        for (lanes, (times, ids)) in st
            .iter_mut()
            .zip([(at.st_pre, &self.pre), (at.st_post, &self.post)])
        {
            for (l, &i) in lanes[..n].iter_mut().zip(&ids[..n]) {
                *l = times.map_or(never, |st| st[i as usize].load(Ordering::Relaxed));
            }
        }
        let mut args: Vec<Arg<'_>> = Vec::with_capacity(n_vars + n_pre + n_post + 5);
        args.extend(vars.iter_mut().map(|v| Arg::Pointer(&mut v[..n])));
        args.extend(
            pre_values
                .iter()
                .chain(post_values.iter())
                .map(|v| Arg::Lanes(&v[..n])),
        );
        args.push(Arg::Uniform(at.t.to_bits()));
        args.push(Arg::Lanes(&self.pre[..n]));
        args.push(Arg::Lanes(&self.post[..n]));
        args.extend(st.iter().map(|v| Arg::Lanes(&v[..n])));
        let mut natives = AddToPostNative {
            post: &self.post,
            out,
            max: at.code.max_add_to_post as f32,
            added: [0.0; MAX_LANES],
        };
        function
            .program
            .run(&mut args, n, None, &mut natives, &mut self.scratch);
        drop(args);
        for ((lanes, var), decl) in vars.iter().zip(at.vars).zip(&code.vars) {
            if decl.access == VarAccess::ReadWrite {
                for (&l, &s) in lanes[..n].iter().zip(&self.synapse[..n]) {
                    var[s as usize].store(l, Ordering::Relaxed);
                }
            }
        }
    }
}

/// Each lane's value of each of `vars` at its neuron `ids`.
fn gather(values: &mut [[u32; MAX_LANES]], vars: &[&[u32]], ids: &[u32]) {
    for (lanes, var) in values.iter_mut().zip(vars) {
        for (l, &i) in lanes.iter_mut().zip(ids) {
            *l = var[i as usize];
        }
    }
}

/// `addToPost(x)`: `x` in fixed point into the lane's target's sum, or reported where
/// it would take the synapse's `|x|` of this timestep past the group's bound (or is not
/// finite): so no neuron's sum passes its fan-in times the bound, which the scale holds.
struct AddToPostNative<'l, 'a, 's> {
    post: &'l [u32; MAX_LANES],
    out: &'l mut AddToPost<'a, 's>,
    max: f32,
    /// Each lane's `|x|` added so far, summed in f32 as the GPU sums it.
    added: [f32; MAX_LANES],
}

impl Natives for AddToPostNative<'_, '_, '_> {
    fn call(&mut self, _: usize, args: &[&[u32]], active: &[u32], _: &mut [u32]) {
        let Some(x) = args.first() else { return };
        let out = &mut *self.out;
        for (lane, _) in active.iter().enumerate().filter(|(_, on)| **on != 0) {
            let value = f32::from_bits(x[lane]);
            // NaN and infinities fail too, as the GPU's `!(total <= MAX_ADD)`.
            let total = self.added[lane] + value.abs();
            let within = total <= self.max;
            if within {
                self.added[lane] = total;
            } else {
                let report = (1u64 << 32) | u64::from(x[lane]);
                let _ =
                    out.overflow
                        .compare_exchange(0, report, Ordering::Relaxed, Ordering::Relaxed);
                continue;
            }
            let Some(i) = (self.post[lane] as usize)
                .checked_sub(out.lo)
                .filter(|&i| i < out.sums.len())
            else {
                continue;
            };
            // Adds modulo 2^64, as the GPU's two words do.
            out.sums[i] = out.sums[i].wrapping_add(out.scale.to_fixed64(value));
            out.stamps[i / 32] = 1;
        }
    }
}
