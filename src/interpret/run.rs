//! Executing a compiled program over the lanes.

use super::ops;
use super::program::{Instr, Program, Reg};
use super::{Arg, MAX_LANES, Natives, Scratch};

type Lanes = [u32; MAX_LANES];

/// The destination register mutably and the sources immutably. The compiler never
/// makes an instruction's source its destination.
fn split<const N: usize>(
    regs: &mut [Lanes],
    dst: Reg,
    srcs: [Reg; N],
) -> (&mut Lanes, [&Lanes; N]) {
    let dst = dst as usize;
    let (lo, rest) = regs.split_at_mut(dst);
    let (d, hi) = rest
        .split_first_mut()
        .expect("registers are allocated for every instruction");
    let srcs = srcs.map(|s| {
        let s = s as usize;
        if s < dst { &lo[s] } else { &hi[s - dst - 1] }
    });
    (d, srcs)
}

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
    for (param, arg) in program.params.iter().zip(args.iter()) {
        if !param.read {
            continue;
        }
        let reg = &mut regs[param.reg as usize][..n];
        match arg {
            Arg::Uniform(v) if !param.pointer => reg.fill(*v),
            Arg::Lanes(v) if !param.pointer => reg.copy_from_slice(&v[..n]),
            Arg::Pointer(v) => reg.copy_from_slice(&v[..n]),
            _ => panic!("a ptr parameter takes Arg::Pointer"),
        }
    }
    execute(&program.code, regs, n, natives);
    for (param, arg) in program.params.iter().zip(args.iter_mut()) {
        if let Arg::Pointer(v) = arg {
            v[..n].copy_from_slice(&regs[param.reg as usize][..n]);
        }
    }
    if let (Some(out), Some(reg)) = (result, program.result) {
        out[..n].copy_from_slice(&regs[reg as usize][..n]);
    }
}

/// Runs the code with the widest vectors the CPU has, as the CPU backend's neuron update
/// does. No FMA: the lane loops never fuse, and must not start to.
fn execute(code: &[Instr], regs: &mut [Lanes], n: usize, natives: &mut dyn Natives) {
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
fn execute_avx2(code: &[Instr], regs: &mut [Lanes], n: usize, natives: &mut dyn Natives) {
    execute_lanes(code, regs, n, natives);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn execute_avx512(code: &[Instr], regs: &mut [Lanes], n: usize, natives: &mut dyn Natives) {
    execute_lanes(code, regs, n, natives);
}

#[inline(always)]
fn execute_lanes(code: &[Instr], regs: &mut [Lanes], n: usize, natives: &mut dyn Natives) {
    let mut pc = 0;
    while let Some(instr) = code.get(pc) {
        pc += 1;
        match *instr {
            Instr::Un(op, d, a) => {
                let (d, [a]) = split(regs, d, [a]);
                ops::unary(op, &mut d[..], &a[..]);
            }
            Instr::Bin(op, d, a, b) => {
                let (d, [a, b]) = split(regs, d, [a, b]);
                ops::binary(op, &mut d[..], &a[..], &b[..]);
            }
            Instr::Tern(op, d, srcs) => {
                let (d, [a, b, c]) = split(regs, d, srcs);
                ops::ternary(op, &mut d[..], [&a[..], &b[..], &c[..]]);
            }
            Instr::InsertBits(d, srcs) => {
                let (d, [e, v, o, c]) = split(regs, d, srcs);
                ops::insert_bits(&mut d[..], [&e[..], &v[..], &o[..], &c[..]]);
            }
            Instr::Copy(d, s) => {
                let (d, [s]) = split(regs, d, [s]);
                d[..].copy_from_slice(&s[..]);
            }
            Instr::Store { dst, src, mask } => {
                let (d, [s, m]) = split(regs, dst, [src, mask]);
                ops::store(&mut d[..], &s[..], &m[..]);
            }
            Instr::OrInto { dst, src } => {
                let (d, [s]) = split(regs, dst, [src]);
                for (d, &s) in d[..].iter_mut().zip(&s[..]) {
                    *d |= s;
                }
            }
            Instr::Fill(d, v) => regs[d as usize][..].fill(v),
            Instr::JumpIfNone(m, target) => {
                if ops::none(&regs[m as usize][..n]) {
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
    regs: &mut [Lanes],
    n: usize,
    natives: &mut dyn Natives,
    index: usize,
    args: &[Reg],
    out: Reg,
    mask: Reg,
) {
    let out = out as usize;
    let (lo, rest) = regs.split_at_mut(out);
    let (d, hi) = rest
        .split_first_mut()
        .expect("registers are allocated for every instruction");
    let get = |s: Reg| {
        let s = s as usize;
        if s < out {
            &lo[s][..n]
        } else {
            &hi[s - out - 1][..n]
        }
    };
    let mut slices: [&[u32]; MAX_NATIVE_ARGS] = [&[]; MAX_NATIVE_ARGS];
    for (slot, &a) in slices.iter_mut().zip(args) {
        *slot = get(a);
    }
    let active = get(mask);
    natives.call(index, &slices[..args.len()], active, &mut d[..n]);
}
