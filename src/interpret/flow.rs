//! `if`, `switch` and `loop` as masks, and what the compiler needs to know about a
//! block before compiling it.

use std::collections::HashSet;

use naga::{Block, Expression, Handle, Statement};

use super::Unsupported;
use super::compile::{Compiler, Frame, Mask, Target};
use super::program::{Bin, Instr, Reg, Un};

impl<'m> Compiler<'m> {
    /// A `JumpIfNone` whose target is set by [`Self::land`].
    fn skip_if_none(&mut self, mask: Reg) -> usize {
        self.push(Instr::JumpIfNone(mask, usize::MAX));
        self.code.len() - 1
    }

    /// Points the jump at `at` to the next instruction.
    fn land(&mut self, at: usize) {
        let here = self.code.len();
        if let Some(Instr::JumpIfNone(_, target) | Instr::Jump(target)) = self.code.get_mut(at) {
            *target = here;
        }
    }

    /// Compiles `block` under the lanes of `own` (a register this construct owns),
    /// skipped when it has none; leaves in `own` the lanes that reach the block's end.
    fn guarded(
        &mut self,
        fr: &mut Frame<'m>,
        own: Reg,
        block: &'m Block,
    ) -> Result<(), Unsupported> {
        let skip = self.skip_if_none(own);
        fr.mask = Mask {
            reg: own,
            full: false,
        };
        self.block(fr, block)?;
        self.copy(own, fr.mask.reg);
        self.land(skip);
        Ok(())
    }

    pub(super) fn if_else(
        &mut self,
        fr: &mut Frame<'m>,
        condition: Handle<Expression>,
        accept: &'m Block,
        reject: &'m Block,
    ) -> Result<(), Unsupported> {
        if self.short_circuit(fr, condition, accept, reject)? {
            return Ok(());
        }
        let c = self.value(fr, condition)?;
        let before = fr.mask;
        let exits = (escapes(accept, false, false), escapes(reject, false, false));
        // A branch that joins nothing may run under the condition itself.
        let then_mask = if before.full && !exits.0 {
            c
        } else {
            self.bin(Bin::And, before.reg, c)
        };
        self.guarded(fr, then_mask, accept)?;
        let else_mask = if reject.is_empty() && !exits.0 {
            None
        } else if before.full {
            Some(self.un(Un::LNot, c))
        } else {
            Some(self.bin(Bin::AndNot, before.reg, c))
        };
        if let Some(else_mask) = else_mask
            && !reject.is_empty()
        {
            self.guarded(fr, else_mask, reject)?;
        }
        fr.mask = match else_mask {
            Some(else_mask) if exits.0 || exits.1 => Mask {
                reg: self.bin(Bin::Or, then_mask, else_mask),
                full: false,
            },
            _ => before,
        };
        Ok(())
    }

    /// naga lowers `a && b` to `if a { t = b; } else { t = false; }` over a temporary
    /// `t` (and `a || b` to `if a { t = true; } else { t = b; }`): compiled as the
    /// lane-wise `t = a & b` (`a | b`), evaluating `b` in every lane. Exact: `b`'s
    /// expressions are pure (calls are statements, not in the pattern) and total.
    fn short_circuit(
        &mut self,
        fr: &mut Frame<'m>,
        condition: Handle<Expression>,
        accept: &'m Block,
        reject: &'m Block,
    ) -> Result<bool, Unsupported> {
        let exprs = &fr.function.expressions;
        let literal = |h: Handle<Expression>, v: bool| matches!(exprs[h], Expression::Literal(naga::Literal::Bool(b)) if b == v);
        let (op, computed, (pointer, b)) = match (stores_one(accept), stores_one(reject)) {
            (Some(a), Some(r)) if a.0 == r.0 && literal(r.1, false) && only_store(reject) => {
                (Bin::And, accept, a)
            }
            (Some(a), Some(r)) if a.0 == r.0 && literal(a.1, true) && only_store(accept) => {
                (Bin::Or, reject, r)
            }
            _ => return Ok(false),
        };
        if !matches!(exprs[pointer], Expression::LocalVariable(_)) {
            return Ok(false);
        }
        let c = self.value(fr, condition)?;
        for statement in computed.iter() {
            if let Statement::Emit(ref range) = *statement {
                for h in range.clone() {
                    self.emit(fr, h)?;
                }
            }
        }
        let b = self.value(fr, b)?;
        let v = self.bin(op, c, b);
        let dst = self.pointer(fr, pointer)?;
        self.store(dst, v, fr.mask);
        if let Some(version) = self.versions.get_mut(dst as usize) {
            *version += 1;
        }
        Ok(true)
    }

    pub(super) fn looping(
        &mut self,
        fr: &mut Frame<'m>,
        body: &'m Block,
        continuing: &'m Block,
        break_if: Option<Handle<Expression>>,
    ) -> Result<(), Unsupported> {
        let before: Vec<(Handle<Expression>, u32)> = fr
            .aliases
            .iter()
            .map(|(&h, a)| (h, self.versions.get(a.var as usize).copied().unwrap_or(0)))
            .collect();
        let uses_before = self.uses;
        let alive = self.register();
        self.copy(alive, fr.mask.reg);
        let brk = self.register();
        self.push(Instr::Fill(brk, 0));
        let cont = self.register();
        let has_continue = contains_continue(body);
        let head = self.code.len();
        let exit = self.skip_if_none(alive);
        if has_continue {
            self.push(Instr::Fill(cont, 0));
        }
        fr.targets.push(Target::Loop { brk, cont });
        fr.mask = Mask {
            reg: alive,
            full: false,
        };
        self.block(fr, body)?;
        self.copy(alive, fr.mask.reg);
        if has_continue {
            self.push(Instr::OrInto {
                dst: alive,
                src: cont,
            });
        }
        fr.mask.reg = alive;
        self.block(fr, continuing)?;
        if let Some(condition) = break_if {
            let c = self.value(fr, condition)?;
            let leaving = self.bin(Bin::And, fr.mask.reg, c);
            self.push(Instr::OrInto {
                dst: brk,
                src: leaving,
            });
            fr.mask.reg = self.bin(Bin::AndNot, fr.mask.reg, c);
        }
        self.copy(alive, fr.mask.reg);
        fr.targets.pop();
        self.push(Instr::Jump(head));
        self.land(exit);
        fr.mask = Mask {
            reg: brk,
            full: false,
        };
        self.check_loop_aliases(fr, &before, uses_before);
        Ok(())
    }

    /// A load from before a loop used in it is stale in the next iteration if the loop
    /// stores to its variable, wherever the store is.
    fn check_loop_aliases(
        &mut self,
        fr: &Frame<'m>,
        before: &[(Handle<Expression>, u32)],
        uses_before: u64,
    ) {
        for &(h, version) in before {
            if let Some(a) = fr.aliases.get(&h)
                && a.last_use > uses_before
                && self.versions.get(a.var as usize) != Some(&version)
            {
                self.invalid.push((fr.handle, h));
            }
        }
    }

    pub(super) fn switch(
        &mut self,
        fr: &mut Frame<'m>,
        selector: Handle<Expression>,
        cases: &'m [naga::SwitchCase],
    ) -> Result<(), Unsupported> {
        let s = self.value(fr, selector)?;
        let before = fr.mask;
        let mut matches = Vec::with_capacity(cases.len());
        let mut any = self.zero;
        for case in cases {
            let value = match case.value {
                naga::SwitchValue::I32(v) => Some(v as u32),
                naga::SwitchValue::U32(v) => Some(v),
                naga::SwitchValue::Default => None,
            };
            let m = value.map(|v| {
                let v = self.constant(v);
                self.bin(Bin::IEq, s, v)
            });
            if let Some(m) = m {
                any = self.bin(Bin::Or, any, m);
            }
            matches.push(m);
        }
        let brk = self.register();
        self.push(Instr::Fill(brk, 0));
        let mut falling: Option<Reg> = None;
        for (case, m) in cases.iter().zip(matches) {
            let own = match m {
                Some(m) => self.bin(Bin::And, before.reg, m),
                None => self.bin(Bin::AndNot, before.reg, any),
            };
            if let Some(f) = falling {
                self.push(Instr::OrInto { dst: own, src: f });
            }
            fr.targets.push(Target::Switch { brk });
            self.guarded(fr, own, &case.body)?;
            fr.targets.pop();
            if case.fall_through {
                falling = Some(own);
            } else {
                self.push(Instr::OrInto { dst: brk, src: own });
                falling = None;
            }
        }
        fr.mask = Mask {
            reg: brk,
            full: false,
        };
        Ok(())
    }
}

/// Whether some lanes may leave `block` other than by its end: a `return`, or a
/// `break`/`continue` whose target is outside the block.
pub(super) fn escapes(block: &Block, in_breakable: bool, in_loop: bool) -> bool {
    block.iter().any(|s| match *s {
        Statement::Return { .. } | Statement::Kill => true,
        Statement::Break => !in_breakable,
        Statement::Continue => !in_loop,
        Statement::Block(ref b) => escapes(b, in_breakable, in_loop),
        Statement::If {
            ref accept,
            ref reject,
            ..
        } => escapes(accept, in_breakable, in_loop) || escapes(reject, in_breakable, in_loop),
        Statement::Switch { ref cases, .. } => {
            cases.iter().any(|c| escapes(&c.body, true, in_loop))
        }
        Statement::Loop {
            ref body,
            ref continuing,
            ..
        } => escapes(body, true, true) || escapes(continuing, true, true),
        _ => false,
    })
}

/// Whether a `continue` in `block` targets the loop whose body it is.
fn contains_continue(block: &Block) -> bool {
    escapes_by(block, &|s| matches!(s, Statement::Continue))
}

/// Whether a statement matching `hit` occurs in `block`, outside nested loops.
fn escapes_by(block: &Block, hit: &dyn Fn(&Statement) -> bool) -> bool {
    block.iter().any(|s| {
        hit(s)
            || match *s {
                Statement::Block(ref b) => escapes_by(b, hit),
                Statement::If {
                    ref accept,
                    ref reject,
                    ..
                } => escapes_by(accept, hit) || escapes_by(reject, hit),
                Statement::Switch { ref cases, .. } => {
                    cases.iter().any(|c| escapes_by(&c.body, hit))
                }
                _ => false,
            }
    })
}

/// How many `return` statements the block holds, at any depth.
pub(super) fn count_returns(block: &Block) -> usize {
    block
        .iter()
        .map(|s| match *s {
            Statement::Return { .. } => 1,
            Statement::Block(ref b) => count_returns(b),
            Statement::If {
                ref accept,
                ref reject,
                ..
            } => count_returns(accept) + count_returns(reject),
            Statement::Switch { ref cases, .. } => {
                cases.iter().map(|c| count_returns(&c.body)).sum()
            }
            Statement::Loop {
                ref body,
                ref continuing,
                ..
            } => count_returns(body) + count_returns(continuing),
            _ => 0,
        })
        .sum()
}

/// The local variables without initialiser that the function's first straight-line
/// statements store to before anything reads them: they need no zero fill.
pub(super) fn assigned_first(
    body: &Block,
    function: &naga::Function,
) -> HashSet<Handle<naga::LocalVariable>> {
    let mut assigned = HashSet::new();
    let mut read = HashSet::new();
    for statement in body.iter() {
        match *statement {
            Statement::Emit(ref range) => {
                for h in range.clone() {
                    if let Expression::Load { pointer } = function.expressions[h]
                        && let Expression::LocalVariable(l) = function.expressions[pointer]
                    {
                        read.insert(l);
                    }
                }
            }
            Statement::Store { pointer, .. } => {
                if let Expression::LocalVariable(l) = function.expressions[pointer]
                    && !read.contains(&l)
                {
                    assigned.insert(l);
                }
            }
            _ => break,
        }
    }
    assigned
}

/// The pointer and value of a block that only emits expressions and then stores one of
/// them: `[Emit.., Store]`.
fn stores_one(block: &Block) -> Option<(Handle<Expression>, Handle<Expression>)> {
    let (last, rest) = block.split_last()?;
    if !rest.iter().all(|s| matches!(s, Statement::Emit(_))) {
        return None;
    }
    match *last {
        Statement::Store { pointer, value } => Some((pointer, value)),
        _ => None,
    }
}

/// Whether the block is a lone `Store` (of a literal).
fn only_store(block: &Block) -> bool {
    block.len() == 1
}
