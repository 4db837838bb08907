//! Executing a compiled program over the lanes.

use super::ops;
use super::program::{Instr, Program, Reg};
use super::{Arg, MAX_LANES, Natives, Scratch};

type Lanes = [u32; MAX_LANES];

/// Where each register's lanes are: the scratch's registers, except the parameters',
/// which may be the caller's slices themselves (a run over all [`MAX_LANES`] lanes reads
/// and writes them in place, with no copy in or out).
///
/// Soundness rests on [`validate`](super::optimize::validate) (every register named is
/// allocated, and no instruction's destination is also one of its sources) and on the
/// arguments: a `ptr` parameter's slice is borrowed mutably, so nothing else aliases it,
/// and a value parameter's slice is used in place only if no instruction writes its
/// register. So the destination an instruction writes aliases nothing it reads, and no
/// shared slice is written.
struct Regs<'a> {
    base: *mut Lanes,
    first_param: Reg,
    params: &'a [*mut Lanes],
}

impl Regs<'_> {
    #[inline(always)]
    fn at(&self, r: Reg) -> *mut Lanes {
        let p = r.wrapping_sub(self.first_param) as usize;
        match self.params.get(p) {
            Some(&ptr) => ptr,
            // SAFETY: `r` is an allocated register (see above).
            None => unsafe { self.base.add(r as usize) },
        }
    }

    /// The destination mutably and the sources immutably.
    ///
    /// # Safety
    ///
    /// `dst` is not among `srcs`, is not a value parameter read in place, and no other
    /// reference to its lanes lives while the result does: the operands of one
    /// instruction (see above).
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    unsafe fn split<const N: usize>(&self, dst: Reg, srcs: [Reg; N]) -> (&mut Lanes, [&Lanes; N]) {
        // SAFETY: passed on from the caller; the lanes are allocated (see above).
        unsafe { (&mut *self.at(dst), srcs.map(|s| &*self.at(s))) }
    }

    #[inline(always)]
    fn get(&self, r: Reg) -> &Lanes {
        // SAFETY: as in `split`; nothing writes while this is read.
        unsafe { &*self.at(r) }
    }
}

/// Parameters of a program with at most this many run in place; more are copied.
const MAX_IN_PLACE: usize = 16;

pub(super) fn run(
    program: &Program,
    args: &mut [Arg<'_>],
    lanes: usize,
    result: Option<&mut [u32]>,
    natives: &mut dyn Natives,
    scratch: &mut Scratch,
) {
    assert!(
        (1..=MAX_LANES).contains(&lanes),
        "a run covers 1 to {MAX_LANES} lanes, not {lanes}"
    );
    assert_eq!(
        args.len(),
        program.params.len(),
        "one argument per WGSL parameter"
    );
    let n = lanes;
    let regs = &mut scratch.registers;
    if regs.len() < program.registers {
        regs.resize(program.registers, [0; MAX_LANES]);
    }
    // No instruction writes the constants or the entry mask: they stay filled (in
    // every lane) until another program runs in this scratch.
    if scratch.prepared != program.id {
        for &(reg, value) in &program.constants {
            regs[reg as usize].fill(value);
        }
        regs[program.entry as usize].fill(1);
        scratch.prepared = program.id;
    }
    let in_place = n == MAX_LANES && program.params.len() <= MAX_IN_PLACE;
    let first_param = program.params.first().map_or(0, |p| p.reg);
    let count = program.params.len().min(MAX_IN_PLACE);
    let base = regs.as_mut_ptr();
    let params = place_params(program, args, base, n, in_place);
    let regs = Regs {
        base,
        first_param,
        params: &params[..count],
    };
    execute(&program.code, &regs, n, natives);
    if let (Some(out), Some(reg)) = (result, program.result) {
        out[..n].copy_from_slice(&regs.get(reg)[..n]);
    }
    if !in_place {
        for (param, arg) in program.params.iter().zip(args.iter_mut()) {
            if let Arg::Pointer(v) = arg {
                v[..n].copy_from_slice(&regs.get(param.reg)[..n]);
            }
        }
    }
}

/// Where each parameter's lanes are: the caller's slice (`in_place`), or its register,
/// filled from the argument.
fn place_params(
    program: &Program,
    args: &mut [Arg<'_>],
    base: *mut Lanes,
    n: usize,
    in_place: bool,
) -> [*mut Lanes; MAX_IN_PLACE] {
    let mut params = [std::ptr::null_mut(); MAX_IN_PLACE];
    for (i, (param, arg)) in program.params.iter().zip(args.iter_mut()).enumerate() {
        // SAFETY: the parameters' registers are allocated (`validate`).
        let reg = unsafe { base.add(param.reg as usize) };
        let place = match arg {
            Arg::Pointer(v) if in_place => v[..n].as_mut_ptr().cast(),
            Arg::Lanes(v) if in_place && !param.pointer && !param.written => {
                v[..n].as_ptr().cast_mut().cast()
            }
            _ => reg,
        };
        if let Some(slot) = params.get_mut(i) {
            *slot = place;
        }
        if place != reg || !param.read {
            continue;
        }
        // SAFETY: an allocated register, referenced nowhere else now.
        let reg = unsafe { &mut (&mut *reg)[..n] };
        match arg {
            Arg::Uniform(v) if !param.pointer => reg.fill(*v),
            Arg::Lanes(v) if !param.pointer => reg.copy_from_slice(&v[..n]),
            Arg::Pointer(v) => reg.copy_from_slice(&v[..n]),
            _ => panic!("a ptr parameter takes Arg::Pointer"),
        }
    }
    params
}

/// Runs the code with the widest vectors the CPU has, as the CPU backend's neuron update
/// does. No FMA: the lane loops never fuse, and must not start to.
fn execute(code: &[Instr], regs: &Regs<'_>, n: usize, natives: &mut dyn Natives) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports AVX-512F, checked just above.
        unsafe { execute_avx512(code, regs, n, natives) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { execute_avx2(code, regs, n, natives) };
        return;
    }
    execute_lanes(code, regs, n, natives);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn execute_avx2(code: &[Instr], regs: &Regs<'_>, n: usize, natives: &mut dyn Natives) {
    execute_lanes(code, regs, n, natives);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn execute_avx512(code: &[Instr], regs: &Regs<'_>, n: usize, natives: &mut dyn Natives) {
    execute_lanes(code, regs, n, natives);
}

#[inline(always)]
fn execute_lanes(code: &[Instr], regs: &Regs<'_>, n: usize, natives: &mut dyn Natives) {
    let mut pc = 0;
    while let Some(instr) = code.get(pc) {
        pc += 1;
        match *instr {
            Instr::Un(op, d, a) => {
                // SAFETY: one instruction's operands (see `Regs`).
                let (d, [a]) = unsafe { regs.split(d, [a]) };
                ops::unary(op, d, a);
            }
            Instr::Bin(op, d, a, b) => {
                // SAFETY: one instruction's operands (see `Regs`).
                let (d, [a, b]) = unsafe { regs.split(d, [a, b]) };
                ops::binary(op, ops::Plain { d, a, c: b });
            }
            Instr::BinStore {
                op,
                dst,
                a,
                b,
                mask,
            } => {
                // SAFETY: one instruction's operands (see `Regs`).
                let (d, [a, c, m]) = unsafe { regs.split(dst, [a, b, mask]) };
                ops::binary(op, ops::Masked { d, a, c, m });
            }
            Instr::Chain {
                first,
                then,
                swap,
                dst,
                srcs,
            } => {
                // SAFETY: one instruction's operands (see `Regs`).
                let (d, [a, b, c]) = unsafe { regs.split(dst, srcs) };
                ops::chain(first, then, swap, d, [a, b, c]);
            }
            Instr::BinUpdate { op, dst, b, mask } => {
                // SAFETY: one instruction's operands (see `Regs`).
                let (d, [c, m]) = unsafe { regs.split(dst, [b, mask]) };
                ops::binary(op, ops::Update { d, c, m });
            }
            Instr::Tern(op, d, srcs) => {
                // SAFETY: one instruction's operands (see `Regs`).
                let (d, [a, b, c]) = unsafe { regs.split(d, srcs) };
                ops::ternary(op, d, [a, b, c]);
            }
            Instr::InsertBits(d, srcs) => {
                // SAFETY: one instruction's operands (see `Regs`).
                let (d, [e, v, o, c]) = unsafe { regs.split(d, srcs) };
                ops::insert_bits(d, [e, v, o, c]);
            }
            Instr::Copy(d, s) => {
                // SAFETY: one instruction's operands (see `Regs`).
                let (d, [s]) = unsafe { regs.split(d, [s]) };
                d.copy_from_slice(s);
            }
            Instr::Store { dst, src, mask } => {
                // SAFETY: one instruction's operands (see `Regs`).
                let (d, [s, m]) = unsafe { regs.split(dst, [src, mask]) };
                ops::store(d, s, m);
            }
            Instr::OrInto { dst, src } => {
                // SAFETY: one instruction's operands (see `Regs`).
                let (d, [s]) = unsafe { regs.split(dst, [src]) };
                for (d, &s) in d.iter_mut().zip(s) {
                    *d |= s;
                }
            }
            // SAFETY: one instruction's operands (see `Regs`).
            Instr::Fill(d, v) => unsafe { regs.split(d, []) }.0.fill(v),
            Instr::JumpIfNone(m, target) => {
                if ops::none(&regs.get(m)[..n]) {
                    pc = target;
                }
            }
            Instr::Jump(target) => pc = target,
            Instr::Native {
                index,
                ref args,
                out,
                mask,
            } => call_native(regs, n, natives, index, args, out, mask),
        }
    }
}

/// Natives take at most this many arguments (the compiler refuses more), so their
/// slices fit in an array on the stack.
pub(super) const MAX_NATIVE_ARGS: usize = 8;

fn call_native(
    regs: &Regs<'_>,
    n: usize,
    natives: &mut dyn Natives,
    index: usize,
    args: &[Reg],
    out: Reg,
    mask: Reg,
) {
    let mut slices: [&[u32]; MAX_NATIVE_ARGS] = [&[]; MAX_NATIVE_ARGS];
    for (slot, &a) in slices.iter_mut().zip(args) {
        *slot = &regs.get(a)[..n];
    }
    // SAFETY: one instruction's operands (see `Regs`).
    let (d, [active]) = unsafe { regs.split(out, [mask]) };
    natives.call(index, &slices[..args.len()], &active[..n], &mut d[..n]);
}
