//! From naga IR to a [`Program`]: statements and control flow. Expressions are in
//! `expr.rs`.
//!
//! Control flow is compiled to active masks. Mask registers are never changed in
//! place, except the ones a construct owns: a branch's or a case's own mask (set to
//! the lanes that reach its end, so the construct can join them), and a loop's or a
//! switch's gathered `break` and `continue` lanes. A `break`, `continue` or `return`
//! hands the current lanes to its target and leaves the rest of its block under the
//! all-zero constant.

use std::collections::{HashMap, HashSet};

use naga::{Block, Handle, Span, Statement};

use super::program::{Bin, Instr, Param, Program, Reg, Un};
use super::run::MAX_NATIVE_ARGS;
use super::{Unsupported, expr, flow};

/// The lanes that run the code being compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Mask {
    pub reg: Reg,
    /// Statically every lane (`0..lanes`) of the run: stores need no select.
    pub full: bool,
}

/// What a parameter of an inlined function stands for.
#[derive(Debug, Clone, Copy)]
pub(super) enum Binding {
    Value(Reg),
    /// The register of the variable the pointer points to.
    Pointer(Reg),
}

/// Where `break` and `continue` hand their lanes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    Loop { brk: Reg, cont: Reg },
    Switch { brk: Reg },
}

/// One function being inlined.
pub(super) struct Frame<'m> {
    pub function: &'m naga::Function,
    pub finfo: &'m naga::valid::FunctionInfo,
    pub args: Vec<Binding>,
    pub locals: Vec<Reg>,
    pub exprs: Vec<Option<Reg>>,
    pub mask: Mask,
    /// The mask the function was entered with.
    pub entry: Mask,
    /// Where `return` writes; `None` until the one `return` of a function whose value
    /// is simply the returned expression's register.
    pub result: Option<Reg>,
    pub targets: Vec<Target>,
    pub handle: Handle<naga::Function>,
    pub aliases: HashMap<Handle<naga::Expression>, Alias>,
}

pub(super) struct Compiler<'m> {
    pub module: &'m naga::Module,
    pub info: &'m naga::valid::ModuleInfo,
    natives: &'m [&'m str],
    pub code: Vec<Instr>,
    registers: u32,
    constants: HashMap<u32, Reg>,
    /// The all-zero constant: the mask of code no lane reaches.
    pub zero: Reg,
    /// The functions being inlined, innermost last (WGSL forbids recursion, but a
    /// module that slipped past validation must not hang the compiler).
    inlining: Vec<Handle<naga::Function>>,
    /// Per register, how many stores to it have been compiled so far.
    pub versions: Vec<u32>,
    /// Counts uses of loaded values, to tell which happened inside a loop.
    pub uses: u64,
    /// The loads that copy their variable (the others alias its register).
    pub copied: &'m HashSet<LoadId>,
    /// Aliasing loads found used after a store to their variable.
    pub invalid: Vec<LoadId>,
}

/// A load expression of a function (shared by every place the function is inlined).
pub(super) type LoadId = (Handle<naga::Function>, Handle<naga::Expression>);

/// A load that reads its variable's register instead of a copy.
#[derive(Debug, Clone, Copy)]
pub(super) struct Alias {
    pub var: Reg,
    /// The variable's version when loaded: the value is stale once it moves on.
    pub version: u32,
    /// When it was last used (`Compiler::uses`).
    pub last_use: u64,
}

pub(super) fn unsupported(span: Span, what: impl Into<String>) -> Unsupported {
    Unsupported {
        span,
        what: what.into(),
    }
}

pub(super) fn compile(
    module: &naga::Module,
    info: &naga::valid::ModuleInfo,
    name: &str,
    natives: &[&str],
) -> Result<Program, Unsupported> {
    let (handle, _) = module
        .functions
        .iter()
        .find(|(_, f)| f.name.as_deref() == Some(name))
        .ok_or_else(|| unsupported(Span::default(), format!("no function named `{name}`")))?;
    // Loads read their variable's register until that proves wrong; then the compile
    // starts over with those loads copying. Each round copies more, so this ends.
    let mut copied = HashSet::new();
    loop {
        let mut c = Compiler {
            module,
            info,
            natives,
            code: Vec::new(),
            registers: 0,
            constants: HashMap::new(),
            zero: 0,
            inlining: Vec::new(),
            versions: Vec::new(),
            uses: 0,
            copied: &copied,
            invalid: Vec::new(),
        };
        let program = c.top(handle)?;
        if c.invalid.is_empty() {
            return Ok(program);
        }
        let invalid = c.invalid;
        copied.extend(invalid);
    }
}

impl Compiler<'_> {
    /// Compiles function `handle` as the program's entry.
    fn top(&mut self, handle: Handle<naga::Function>) -> Result<Program, Unsupported> {
        let module = self.module;
        let function = &module.functions[handle];
        let span = module.functions.get_span(handle);
        self.zero = self.constant(0);
        let entry = self.register();
        let mut params = Vec::new();
        let mut bindings = Vec::new();
        for arg in &function.arguments {
            let pointer = self.parameter_is_pointer(arg.ty, span)?;
            let reg = self.register();
            params.push(Param {
                reg,
                pointer,
                read: true,
                written: true,
            });
            bindings.push(if pointer {
                Binding::Pointer(reg)
            } else {
                Binding::Value(reg)
            });
        }
        let mask = Mask {
            reg: entry,
            full: true,
        };
        let result = self.function(handle, bindings, mask)?;
        let mut constants: Vec<(Reg, u32)> = self.constants.iter().map(|(&v, &r)| (r, v)).collect();
        constants.sort_unstable();
        let result = function.result.as_ref().and(result);
        let mut program = Program {
            id: super::program::next_id(),
            code: std::mem::take(&mut self.code),
            registers: self.registers as usize,
            constants,
            entry,
            params,
            result,
        };
        super::optimize::optimize(&mut program);
        for p in &mut program.params {
            let code = &program.code;
            p.read = p.pointer || result == Some(p.reg) || code.iter().any(|i| i.reads(p.reg));
            p.written = p.pointer || code.iter().any(|i| i.writes() == Some(p.reg));
        }
        super::optimize::validate(&program);
        Ok(program)
    }
}

impl<'m> Compiler<'m> {
    pub fn register(&mut self) -> Reg {
        self.registers += 1;
        self.versions.push(0);
        self.registers - 1
    }

    /// A register holding `bits` in every lane, one per distinct value.
    pub fn constant(&mut self, bits: u32) -> Reg {
        if let Some(&r) = self.constants.get(&bits) {
            return r;
        }
        let r = self.register();
        self.constants.insert(bits, r);
        r
    }

    pub fn push(&mut self, instr: Instr) {
        self.code.push(instr);
    }

    pub fn copy(&mut self, dst: Reg, src: Reg) {
        if dst != src {
            self.push(Instr::Copy(dst, src));
        }
    }

    /// `dst = src` in the lanes of `mask`.
    pub fn store(&mut self, dst: Reg, src: Reg, mask: Mask) {
        if mask.full {
            self.copy(dst, src);
        } else if dst != src {
            self.push(Instr::Store {
                dst,
                src,
                mask: mask.reg,
            });
        }
    }

    pub fn bin(&mut self, op: Bin, a: Reg, b: Reg) -> Reg {
        let d = self.register();
        self.push(Instr::Bin(op, d, a, b));
        d
    }

    pub fn un(&mut self, op: Un, a: Reg) -> Reg {
        let d = self.register();
        self.push(Instr::Un(op, d, a));
        d
    }

    fn parameter_is_pointer(
        &self,
        ty: Handle<naga::Type>,
        span: Span,
    ) -> Result<bool, Unsupported> {
        match self.module.types[ty].inner {
            naga::TypeInner::Pointer {
                base,
                space: naga::AddressSpace::Function,
            } => {
                expr::scalar_kind(&self.module.types[base].inner)
                    .map_err(|what| unsupported(span, what))?;
                Ok(true)
            }
            ref inner => {
                expr::scalar_kind(inner).map_err(|what| unsupported(span, what))?;
                Ok(false)
            }
        }
    }

    /// Inlines function `handle` under `mask`; returns the register of its result.
    pub fn function(
        &mut self,
        handle: Handle<naga::Function>,
        args: Vec<Binding>,
        mask: Mask,
    ) -> Result<Option<Reg>, Unsupported> {
        let module = self.module;
        let function = &module.functions[handle];
        let span = module.functions.get_span(handle);
        if self.inlining.contains(&handle) {
            return Err(unsupported(span, "recursion is not supported"));
        }
        self.inlining.push(handle);
        let mut locals = Vec::new();
        let assigned = flow::assigned_first(&function.body, function);
        for (lh, local) in function.local_variables.iter() {
            let at = function.local_variables.get_span(lh);
            expr::scalar_kind(&module.types[local.ty].inner).map_err(|w| unsupported(at, w))?;
            let reg = self.register();
            match local.init {
                Some(init) => {
                    let bits = self.const_bits_local(function, init)?;
                    self.push(Instr::Fill(reg, bits));
                }
                None if assigned.contains(&lh) => {}
                None => self.push(Instr::Fill(reg, 0)),
            }
            locals.push(reg);
        }
        let single_return = flow::count_returns(&function.body) == 1;
        let result = match function.result {
            Some(_) if !single_return => Some(self.register()),
            _ => None,
        };
        let mut frame = Frame {
            function,
            finfo: &self.info[handle],
            args,
            locals,
            exprs: vec![None; function.expressions.len()],
            mask,
            entry: mask,
            result,
            targets: Vec::new(),
            handle,
            aliases: HashMap::new(),
        };
        self.block(&mut frame, &function.body)?;
        self.inlining.pop();
        Ok(frame.result)
    }

    pub fn block(&mut self, fr: &mut Frame<'m>, block: &'m Block) -> Result<(), Unsupported> {
        for (statement, &span) in block.span_iter() {
            self.statement(fr, statement, span)?;
        }
        Ok(())
    }

    fn statement(
        &mut self,
        fr: &mut Frame<'m>,
        statement: &'m Statement,
        span: Span,
    ) -> Result<(), Unsupported> {
        match *statement {
            Statement::Emit(ref range) => {
                for h in range.clone() {
                    self.emit(fr, h)?;
                }
            }
            Statement::Block(ref block) => self.block(fr, block)?,
            Statement::If {
                condition,
                ref accept,
                ref reject,
            } => self.if_else(fr, condition, accept, reject)?,
            Statement::Switch {
                selector,
                ref cases,
            } => self.switch(fr, selector, cases)?,
            Statement::Loop {
                ref body,
                ref continuing,
                break_if,
            } => self.looping(fr, body, continuing, break_if)?,
            Statement::Break => self.leave(fr, span, false)?,
            Statement::Continue => self.leave(fr, span, true)?,
            Statement::Return { value } => self.ret(fr, value)?,
            Statement::Store { pointer, value } => {
                let dst = self.pointer(fr, pointer)?;
                let src = self.value(fr, value)?;
                self.store(dst, src, fr.mask);
                if let Some(v) = self.versions.get_mut(dst as usize) {
                    *v += 1;
                }
            }
            Statement::Call {
                function,
                ref arguments,
                result,
            } => self.call(fr, function, arguments, result, span)?,
            _ => return Err(unsupported(span, unsupported_statement(statement))),
        }
        Ok(())
    }

    /// `break` (`continue` when `cont`): the current lanes go to the innermost target.
    fn leave(&mut self, fr: &mut Frame<'m>, span: Span, cont: bool) -> Result<(), Unsupported> {
        let target = fr.targets.iter().rev().find_map(|t| match (*t, cont) {
            (Target::Loop { cont, .. }, true) => Some(cont),
            (Target::Loop { brk, .. } | Target::Switch { brk }, false) => Some(brk),
            (Target::Switch { .. }, true) => None,
        });
        let Some(dst) = target else {
            return Err(unsupported(span, "`break` or `continue` outside a loop"));
        };
        self.push(Instr::OrInto {
            dst,
            src: fr.mask.reg,
        });
        fr.mask = Mask {
            reg: self.zero,
            full: false,
        };
        Ok(())
    }

    fn ret(
        &mut self,
        fr: &mut Frame<'m>,
        value: Option<Handle<naga::Expression>>,
    ) -> Result<(), Unsupported> {
        if let Some(value) = value {
            let v = self.value(fr, value)?;
            match fr.result {
                Some(dst) => self.store(dst, v, fr.mask),
                // The function's only `return`, and every lane that entered is here.
                None if fr.mask == fr.entry => fr.result = Some(v),
                None => {
                    let dst = self.register();
                    self.store(dst, v, fr.mask);
                    fr.result = Some(dst);
                }
            }
        }
        fr.mask = Mask {
            reg: self.zero,
            full: false,
        };
        Ok(())
    }

    fn call(
        &mut self,
        fr: &mut Frame<'m>,
        function: Handle<naga::Function>,
        arguments: &[Handle<naga::Expression>],
        result: Option<Handle<naga::Expression>>,
        span: Span,
    ) -> Result<(), Unsupported> {
        let name = self.module.functions[function].name.as_deref();
        let native = self.natives.iter().position(|&n| Some(n) == name);
        let out = if let Some(index) = native {
            if arguments.len() > MAX_NATIVE_ARGS {
                let what = format!("a host function takes at most {MAX_NATIVE_ARGS} arguments");
                return Err(unsupported(span, what));
            }
            let mut args = Vec::with_capacity(arguments.len());
            for &a in arguments {
                args.push(self.value(fr, a)?);
            }
            let out = self.register();
            self.push(Instr::Native {
                index,
                args: args.into(),
                out,
                mask: fr.mask.reg,
            });
            Some(out)
        } else {
            let mut bindings = Vec::with_capacity(arguments.len());
            for &a in arguments {
                bindings.push(self.binding(fr, a)?);
            }
            self.function(function, bindings, fr.mask)?
        };
        if let Some(result) = result {
            let out = out.ok_or_else(|| unsupported(span, "a call whose result is missing"))?;
            fr.exprs[result.index()] = Some(out);
        }
        Ok(())
    }
}

fn unsupported_statement(statement: &Statement) -> &'static str {
    match *statement {
        Statement::Kill => "`discard` is not supported in code strings",
        Statement::ControlBarrier(_) | Statement::MemoryBarrier(_) => {
            "barriers are not supported in code strings"
        }
        Statement::Atomic { .. } => "atomics are not supported in code strings",
        Statement::ImageStore { .. } | Statement::ImageAtomic { .. } => {
            "textures are not supported in code strings"
        }
        Statement::WorkGroupUniformLoad { .. } => {
            "workgroup variables are not supported in code strings"
        }
        Statement::SubgroupBallot { .. }
        | Statement::SubgroupGather { .. }
        | Statement::SubgroupCollectiveOperation { .. } => {
            "subgroup operations are not supported in code strings"
        }
        _ => "this statement is not supported in code strings",
    }
}
