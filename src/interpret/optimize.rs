//! Peephole passes over a compiled function's code: each removes an instruction that
//! only moves lanes from one register to another, without changing any lane's result.
//!
//! - A temporary computed only to be copied into a variable is computed into the
//!   variable.
//! - A variable copied from a pointer parameter at the start and back at the end (as
//!   `var V = *p; ...; *p = V;`) lives in the parameter's register.
//! - A fill (a local's initial value) that a full write overwrites before anything reads
//!   it goes.
//! - Two `f32` operations (`+ - *`), the second using only the first's result, run in
//!   one pass (each still rounded).
//! - An operation whose result is only stored to a variable under a mask stores it
//!   itself, in the same pass over the lanes.

use super::ops;
use super::program::{Instr, Program, Reg};

/// Runs the passes over `program`'s code; `fixed` are registers whose meaning is fixed
/// outside the code (constants, the entry mask, parameters, the result).
pub(super) fn optimize(program: &mut Program) {
    let mut fixed: Vec<Reg> = program.constants.iter().map(|&(r, _)| r).collect();
    fixed.push(program.entry);
    fixed.extend(program.params.iter().map(|p| p.reg));
    fixed.extend(program.result);
    let mut o = Optimizer {
        code: std::mem::take(&mut program.code),
        removed: Vec::new(),
        fixed,
    };
    o.removed = vec![false; o.code.len()];
    o.compute_into_variables();
    for p in program.params.iter().filter(|p| p.pointer) {
        o.coalesce(p.reg);
    }
    o.dead_fills();
    o.fuse_chains();
    o.fuse_stores();
    program.code = o.compact();
}

struct Optimizer {
    code: Vec<Instr>,
    removed: Vec<bool>,
    fixed: Vec<Reg>,
}

impl Optimizer {
    /// The kept instructions, with their indices.
    fn kept(&self) -> impl Iterator<Item = (usize, &Instr)> {
        self.code
            .iter()
            .enumerate()
            .filter(|&(i, _)| !self.removed[i])
    }

    /// How many times the kept code names `r`.
    fn mentions(&self, r: Reg) -> usize {
        self.kept().map(|(_, instr)| instr.mentions(r)).sum()
    }

    /// Whether some kept jump lands at `at`.
    fn is_target(&self, at: usize) -> bool {
        self.kept().any(|(_, instr)| instr.target() == Some(at))
    }

    /// Whether every kept jump is at an index in `from..to` and lands in `from..=to`:
    /// no jump leaves or enters the range or skips its ends.
    fn jumps_within(&self, from: usize, to: usize) -> bool {
        self.kept().all(|(k, instr)| match instr.target() {
            Some(t) => from < k && k < to && from < t && t <= to,
            None => true,
        })
    }

    fn rename(&mut self, from: Reg, to: Reg) {
        for (i, instr) in self.code.iter_mut().enumerate() {
            if !self.removed[i] {
                instr.visit(&mut |r| {
                    if *r == from {
                        *r = to;
                    }
                });
            }
        }
    }

    /// `t = a op b; v = t` with `t` used nowhere else becomes `v = a op b`.
    fn compute_into_variables(&mut self) {
        for i in 1..self.code.len() {
            let Instr::Copy(v, t) = self.code[i] else {
                continue;
            };
            let producer = i - 1;
            if self.removed[producer]
                || self.code[producer].overwrites() != Some(t)
                || self.code[producer].mentions(v) != 0
                || self.fixed.contains(&t)
                || self.mentions(t) != 2
                || self.is_target(i)
            {
                continue;
            }
            self.code[producer].visit(&mut |r| {
                if *r == t {
                    *r = v;
                }
            });
            self.removed[i] = true;
        }
    }

    /// `v = p` first and `p = v` last, with every jump between them and `p` used
    /// nowhere else: `v` becomes `p`.
    fn coalesce(&mut self, p: Reg) {
        let uses: Vec<usize> = self
            .kept()
            .filter(|(_, instr)| instr.mentions(p) > 0)
            .map(|(k, _)| k)
            .collect();
        let &[first, last] = uses.as_slice() else {
            return;
        };
        let (Instr::Copy(v, a), Instr::Copy(b, w)) = (&self.code[first], &self.code[last]) else {
            return;
        };
        let v = *v;
        if *a != p || *b != p || *w != v || self.fixed.contains(&v) {
            return;
        }
        let outside = self
            .kept()
            .any(|(k, instr)| (k < first || k > last) && instr.mentions(v) > 0);
        if outside || !self.jumps_within(first, last) {
            return;
        }
        self.removed[first] = true;
        self.removed[last] = true;
        self.rename(v, p);
    }

    /// Removes `Fill(r)` when the next instruction naming `r` overwrites it in every
    /// lane and always runs after the fill.
    fn dead_fills(&mut self) {
        for i in 0..self.code.len() {
            let Instr::Fill(r, _) = self.code[i] else {
                continue;
            };
            if self.removed[i] {
                continue;
            }
            let next = self
                .kept()
                .find(|&(k, instr)| k > i && instr.mentions(r) > 0)
                .map(|(k, instr)| (k, instr.overwrites() == Some(r) && instr.mentions(r) == 1));
            if let Some((k, true)) = next
                && self.jumps_within_or_outside(i, k)
            {
                self.removed[i] = true;
            }
        }
    }

    /// Whether every kept jump either stays in `from..=to` (from and to inside), or has
    /// both ends outside it.
    fn jumps_within_or_outside(&self, from: usize, to: usize) -> bool {
        self.kept().all(|(k, instr)| match instr.target() {
            Some(t) => {
                let inside = |x: usize| from < x && x <= to;
                if from < k && k < to {
                    inside(t)
                } else {
                    !inside(t)
                }
            }
            None => true,
        })
    }

    /// `t = a op b; d = t op' c` (or `c op' t`) on `f32`s, with `t` used nowhere else,
    /// becomes one instruction.
    fn fuse_chains(&mut self) {
        for i in 1..self.code.len() {
            let (Instr::Bin(first, t, a, b), Instr::Bin(then, d, x, y)) =
                (&self.code[i - 1], &self.code[i])
            else {
                continue;
            };
            let (first, then, t, a, b, d, x, y) = (*first, *then, *t, *a, *b, *d, *x, *y);
            let (swap, c) = match (x == t, y == t) {
                (true, false) => (false, y),
                (false, true) => (true, x),
                _ => continue,
            };
            if !ops::chains(first)
                || !ops::chains(then)
                || self.removed[i - 1]
                || self.removed[i]
                || self.fixed.contains(&t)
                || self.mentions(t) != 2
                || self.is_target(i)
                || [a, b, c].contains(&d)
            {
                continue;
            }
            self.code[i - 1] = Instr::Chain {
                first,
                then,
                swap,
                dst: d,
                srcs: [a, b, c],
            };
            self.removed[i] = true;
        }
    }

    /// `t = a op b; d = t` under a mask, with `t` used nowhere else, becomes one
    /// instruction: `d = a op b` in the mask's lanes (`d = d op b` where `a` is `d`).
    fn fuse_stores(&mut self) {
        for i in 1..self.code.len() {
            let Instr::Store { dst, src, mask } = self.code[i] else {
                continue;
            };
            let Instr::Bin(op, t, a, b) = self.code[i - 1] else {
                continue;
            };
            if self.removed[i - 1]
                || self.removed[i]
                || t != src
                || self.fixed.contains(&t)
                || self.mentions(t) != 2
                || self.is_target(i)
                || b == dst
                || mask == dst
            {
                continue;
            }
            self.code[i - 1] = if a == dst {
                Instr::BinUpdate { op, dst, b, mask }
            } else {
                Instr::BinStore {
                    op,
                    dst,
                    a,
                    b,
                    mask,
                }
            };
            self.removed[i] = true;
        }
    }

    /// The kept code, with the jumps pointing at the same places.
    fn compact(self) -> Vec<Instr> {
        let mut index = Vec::with_capacity(self.code.len() + 1);
        let mut kept = 0;
        for &removed in &self.removed {
            index.push(kept);
            kept += usize::from(!removed);
        }
        index.push(kept);
        self.code
            .into_iter()
            .zip(self.removed)
            .filter(|&(_, removed)| !removed)
            .map(|(instr, _)| match instr {
                Instr::JumpIfNone(m, t) => Instr::JumpIfNone(m, index[t]),
                Instr::Jump(t) => Instr::Jump(index[t]),
                other => other,
            })
            .collect()
    }
}

/// Checks what running the code relies on: every register named is allocated, no
/// instruction names the register it writes twice (its sources never alias its
/// destination), the parameters have consecutive registers, and jumps land in the code.
///
/// # Panics
///
/// If the compiler broke one of these: a bug, caught before any run.
pub(super) fn validate(program: &Program) {
    let registers = program.registers;
    for instr in &program.code {
        instr.clone().visit(&mut |r| {
            assert!((*r as usize) < registers, "register {r} of {instr:?}");
        });
        if let Some(d) = instr.writes() {
            assert_eq!(instr.mentions(d), 1, "{instr:?} reads its destination");
        }
        if let Some(t) = instr.target() {
            assert!(t <= program.code.len(), "{instr:?} jumps out of the code");
        }
    }
    for (i, p) in program.params.iter().enumerate() {
        assert_eq!(p.reg as usize, program.params[0].reg as usize + i);
    }
    let named = program.constants.iter().map(|c| c.0);
    for r in named.chain([program.entry]).chain(program.result) {
        assert!((r as usize) < registers, "register {r} past the last");
    }
}
