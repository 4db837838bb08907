//! Expressions: constants, loads, operators, casts and math builtins.

use naga::{BinaryOperator as B, Expression, Handle, Literal, MathFunction as M, ScalarKind, Span};

use super::Unsupported;
use super::compile::{Alias, Binding, Compiler, Frame, unsupported};
use super::program::{Bin, Instr, Reg, Tern, Un};

/// The four scalar types code strings use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    F,
    S,
    U,
    B,
}

/// The scalar kind of a type, or why it is not one.
pub(super) fn scalar_kind(inner: &naga::TypeInner) -> Result<Kind, String> {
    use naga::TypeInner as T;
    let what = match *inner {
        T::Scalar(s) => match (s.kind, s.width) {
            (ScalarKind::Float, 4) => return Ok(Kind::F),
            (ScalarKind::Sint, 4) => return Ok(Kind::S),
            (ScalarKind::Uint, 4) => return Ok(Kind::U),
            (ScalarKind::Bool, _) => return Ok(Kind::B),
            _ => "only f32, i32, u32 and bool are supported in code strings",
        },
        T::Vector { .. } => "vectors are not supported in code strings",
        T::Matrix { .. } => "matrices are not supported in code strings",
        T::Array { .. } | T::BindingArray { .. } => "arrays are not supported in code strings",
        T::Struct { .. } => "structs are not supported in code strings",
        T::Atomic(_) => "atomics are not supported in code strings",
        T::Image { .. } | T::Sampler { .. } => {
            "textures and samplers are not supported in code strings"
        }
        T::Pointer { .. } | T::ValuePointer { .. } => {
            "only pointers to function-local scalars are supported in code strings"
        }
        _ => "this type is not supported in code strings",
    };
    Err(what.to_owned())
}

fn literal_bits(literal: Literal, span: Span) -> Result<u32, Unsupported> {
    match literal {
        Literal::F32(v) => Ok(v.to_bits()),
        Literal::I32(v) => Ok(v as u32),
        Literal::U32(v) => Ok(v),
        Literal::Bool(v) => Ok(u32::from(v)),
        _ => Err(unsupported(
            span,
            "only f32, i32, u32 and bool are supported in code strings",
        )),
    }
}

/// What a math builtin compiles to.
enum MathOp {
    Un(Un),
    Bin(Bin),
    Tern(Tern),
    InsertBits,
    /// The argument itself (`abs` of a `u32`).
    Same,
}

fn math_op(fun: M, kind: Kind) -> Option<MathOp> {
    use Kind::{F, S, U};
    use MathOp as O;
    let op = match (fun, kind) {
        (M::Abs, F) => O::Un(Un::FAbs),
        (M::Abs, S) => O::Un(Un::SAbs),
        (M::Abs, U) => O::Same,
        (M::Min, F) => O::Bin(Bin::FMin),
        (M::Min, S) => O::Bin(Bin::SMin),
        (M::Min, U) => O::Bin(Bin::UMin),
        (M::Max, F) => O::Bin(Bin::FMax),
        (M::Max, S) => O::Bin(Bin::SMax),
        (M::Max, U) => O::Bin(Bin::UMax),
        (M::Clamp, F) => O::Tern(Tern::FClamp),
        (M::Clamp, S) => O::Tern(Tern::SClamp),
        (M::Clamp, U) => O::Tern(Tern::UClamp),
        (M::Sign, F) => O::Un(Un::FSign),
        (M::Sign, S) => O::Un(Un::SSign),
        (M::CountOneBits, S | U) => O::Un(Un::CountOneBits),
        (M::ReverseBits, S | U) => O::Un(Un::ReverseBits),
        (M::FirstLeadingBit, S) => O::Un(Un::SFirstLeadingBit),
        (M::FirstLeadingBit, U) => O::Un(Un::UFirstLeadingBit),
        (M::FirstTrailingBit, S | U) => O::Un(Un::FirstTrailingBit),
        (M::CountLeadingZeros, S | U) => O::Un(Un::CountLeadingZeros),
        (M::CountTrailingZeros, S | U) => O::Un(Un::CountTrailingZeros),
        (M::ExtractBits, S) => O::Tern(Tern::SExtractBits),
        (M::ExtractBits, U) => O::Tern(Tern::UExtractBits),
        (M::InsertBits, S | U) => O::InsertBits,
        (_, F) => return float_math_op(fun),
        _ => return None,
    };
    Some(op)
}

fn float_math_op(fun: M) -> Option<MathOp> {
    use MathOp as O;
    let op = match fun {
        M::Saturate => O::Un(Un::Saturate),
        M::Floor => O::Un(Un::Floor),
        M::Ceil => O::Un(Un::Ceil),
        M::Round => O::Un(Un::Round),
        M::Trunc => O::Un(Un::Trunc),
        M::Fract => O::Un(Un::Fract),
        M::Sqrt => O::Un(Un::Sqrt),
        M::InverseSqrt => O::Un(Un::InverseSqrt),
        M::Exp => O::Un(Un::Exp),
        M::Exp2 => O::Un(Un::Exp2),
        M::Log => O::Un(Un::Log),
        M::Log2 => O::Un(Un::Log2),
        M::Sin => O::Un(Un::Sin),
        M::Cos => O::Un(Un::Cos),
        M::Tan => O::Un(Un::Tan),
        M::Sinh => O::Un(Un::Sinh),
        M::Cosh => O::Un(Un::Cosh),
        M::Tanh => O::Un(Un::Tanh),
        M::Asin => O::Un(Un::Asin),
        M::Acos => O::Un(Un::Acos),
        M::Atan => O::Un(Un::Atan),
        M::Asinh => O::Un(Un::Asinh),
        M::Acosh => O::Un(Un::Acosh),
        M::Atanh => O::Un(Un::Atanh),
        M::Radians => O::Un(Un::Radians),
        M::Degrees => O::Un(Un::Degrees),
        M::Pow => O::Bin(Bin::Pow),
        M::Atan2 => O::Bin(Bin::Atan2),
        M::Step => O::Bin(Bin::Step),
        M::Mix => O::Tern(Tern::Mix),
        M::SmoothStep => O::Tern(Tern::SmoothStep),
        M::Fma => O::Tern(Tern::Fma),
        _ => return None,
    };
    Some(op)
}

fn binary_op(op: B, kind: Kind) -> Option<Bin> {
    use Kind::{B as Bo, F, S, U};
    let bin = match (op, kind) {
        (B::Add, F) => Bin::FAdd,
        (B::Subtract, F) => Bin::FSub,
        (B::Multiply, F) => Bin::FMul,
        (B::Divide, F) => Bin::FDiv,
        (B::Modulo, F) => Bin::FRem,
        (B::Add, S | U) => Bin::IAdd,
        (B::Subtract, S | U) => Bin::ISub,
        (B::Multiply, S | U) => Bin::IMul,
        (B::Divide, S) => Bin::SDiv,
        (B::Divide, U) => Bin::UDiv,
        (B::Modulo, S) => Bin::SRem,
        (B::Modulo, U) => Bin::URem,
        (B::Equal, F) => Bin::FEq,
        (B::NotEqual, F) => Bin::FNe,
        (B::Less, F) => Bin::FLt,
        (B::LessEqual, F) => Bin::FLe,
        (B::Greater, F) => Bin::FGt,
        (B::GreaterEqual, F) => Bin::FGe,
        (B::Equal, S | U | Bo) => Bin::IEq,
        (B::NotEqual, S | U | Bo) => Bin::INe,
        (B::Less, S) => Bin::SLt,
        (B::LessEqual, S) => Bin::SLe,
        (B::Greater, S) => Bin::SGt,
        (B::GreaterEqual, S) => Bin::SGe,
        (B::Less, U) => Bin::ULt,
        (B::LessEqual, U) => Bin::ULe,
        (B::Greater, U) => Bin::UGt,
        (B::GreaterEqual, U) => Bin::UGe,
        (B::And | B::LogicalAnd, S | U | Bo) => Bin::And,
        (B::InclusiveOr | B::LogicalOr, S | U | Bo) => Bin::Or,
        (B::ExclusiveOr, S | U | Bo) => Bin::Xor,
        (B::ShiftLeft, S | U) => Bin::Shl,
        (B::ShiftRight, S) => Bin::SShr,
        (B::ShiftRight, U) => Bin::UShr,
        _ => return None,
    };
    Some(bin)
}

/// A conversion between kinds; `None` where the bits stay as they are.
fn conversion(from: Kind, to: Kind) -> Option<Un> {
    use Kind::{B as Bo, F, S, U};
    match (from, to) {
        (F, S) => Some(Un::F2S),
        (F, U) => Some(Un::F2U),
        (S, F) => Some(Un::S2F),
        (U, F) => Some(Un::U2F),
        (Bo, F) => Some(Un::B2F),
        (F, Bo) => Some(Un::F2B),
        (S | U, Bo) => Some(Un::I2B),
        _ => None,
    }
}

impl<'m> Compiler<'m> {
    fn kind(&self, fr: &Frame<'m>, h: Handle<Expression>) -> Result<Kind, Unsupported> {
        let inner = fr.finfo[h].ty.inner_with(&self.module.types);
        scalar_kind(inner).map_err(|what| unsupported(fr.function.expressions.get_span(h), what))
    }

    /// The bits of a constant expression of the module's global arena.
    fn const_bits_global(&self, h: Handle<Expression>) -> Result<u32, Unsupported> {
        let arena = &self.module.global_expressions;
        self.const_bits(&arena[h], arena.get_span(h))
    }

    /// The bits of a constant expression of `function`'s arena.
    pub(super) fn const_bits_local(
        &self,
        function: &naga::Function,
        h: Handle<Expression>,
    ) -> Result<u32, Unsupported> {
        let arena = &function.expressions;
        self.const_bits(&arena[h], arena.get_span(h))
    }

    /// The bits of constant expression `e` of either arena (a named constant's value
    /// lives in the global one); `span` places a refusal.
    fn const_bits(&self, e: &Expression, span: Span) -> Result<u32, Unsupported> {
        match *e {
            Expression::Literal(l) => literal_bits(l, span),
            Expression::Constant(c) => self.const_bits_global(self.module.constants[c].init),
            Expression::ZeroValue(ty) => {
                scalar_kind(&self.module.types[ty].inner).map_err(|w| unsupported(span, w))?;
                Ok(0)
            }
            Expression::Override(_) => Err(unsupported(span, OVERRIDES)),
            _ => Err(unsupported(
                span,
                "only scalar constants are supported in code strings",
            )),
        }
    }

    /// The register holding expression `h`'s value.
    pub(super) fn value(
        &mut self,
        fr: &mut Frame<'m>,
        h: Handle<Expression>,
    ) -> Result<Reg, Unsupported> {
        if let Some(r) = fr.exprs[h.index()] {
            if let Some(alias) = fr.aliases.get_mut(&h) {
                self.uses += 1;
                alias.last_use = self.uses;
                if self.versions.get(alias.var as usize) != Some(&alias.version) {
                    self.invalid.push((fr.handle, h));
                }
            }
            return Ok(r);
        }
        let span = fr.function.expressions.get_span(h);
        let r = match fr.function.expressions[h] {
            Expression::Literal(_) | Expression::Constant(_) | Expression::ZeroValue(_) => {
                let bits = self.const_bits_local(fr.function, h)?;
                self.constant(bits)
            }
            Expression::FunctionArgument(i) => match fr.args.get(i as usize) {
                Some(&Binding::Value(r)) => r,
                _ => return Err(unsupported(span, "a pointer used as a value")),
            },
            _ => {
                self.emit(fr, h)?;
                fr.exprs[h.index()]
                    .ok_or_else(|| unsupported(span, "this expression has no value here"))?
            }
        };
        fr.exprs[h.index()] = Some(r);
        Ok(r)
    }

    /// What an argument of an inlined call binds its parameter to.
    pub(super) fn binding(
        &mut self,
        fr: &mut Frame<'m>,
        h: Handle<Expression>,
    ) -> Result<Binding, Unsupported> {
        let inner = fr.finfo[h].ty.inner_with(&self.module.types);
        if let naga::TypeInner::Pointer { .. } = *inner {
            Ok(Binding::Pointer(self.pointer(fr, h)?))
        } else {
            Ok(Binding::Value(self.value(fr, h)?))
        }
    }

    /// The register of the variable a pointer expression points to.
    pub(super) fn pointer(
        &mut self,
        fr: &mut Frame<'m>,
        h: Handle<Expression>,
    ) -> Result<Reg, Unsupported> {
        let span = fr.function.expressions.get_span(h);
        match fr.function.expressions[h] {
            Expression::LocalVariable(l) => fr
                .locals
                .get(l.index())
                .copied()
                .ok_or_else(|| unsupported(span, "an unknown local variable")),
            Expression::FunctionArgument(i) => match fr.args.get(i as usize) {
                Some(&Binding::Pointer(r)) => Ok(r),
                _ => Err(unsupported(span, "a value used as a pointer")),
            },
            Expression::GlobalVariable(_) => Err(unsupported(span, GLOBALS)),
            Expression::Access { .. } | Expression::AccessIndex { .. } => Err(unsupported(
                span,
                "indexing (vectors, arrays, structs) is not supported in code strings",
            )),
            _ => Err(unsupported(
                span,
                "this pointer is not supported in code strings",
            )),
        }
    }

    /// Evaluates an expression of an `Emit` range at its place in the code.
    pub(super) fn emit(
        &mut self,
        fr: &mut Frame<'m>,
        h: Handle<Expression>,
    ) -> Result<(), Unsupported> {
        let span = fr.function.expressions.get_span(h);
        let r = match fr.function.expressions[h] {
            // Pointers are resolved where they are used.
            Expression::LocalVariable(_) => return Ok(()),
            Expression::FunctionArgument(_)
                if matches!(
                    fr.finfo[h].ty.inner_with(&self.module.types),
                    naga::TypeInner::Pointer { .. }
                ) =>
            {
                return Ok(());
            }
            Expression::Literal(_)
            | Expression::Constant(_)
            | Expression::ZeroValue(_)
            | Expression::FunctionArgument(_) => return self.value(fr, h).map(drop),
            Expression::Load { pointer } => self.load(fr, h, pointer)?,
            Expression::Unary { op, expr } => self.unary(fr, h, op, expr)?,
            Expression::Binary { op, left, right } => {
                let kind = self.kind(fr, left)?;
                self.kind(fr, right)?;
                let bin = binary_op(op, kind)
                    .ok_or_else(|| unsupported(span, "this operator is not supported here"))?;
                let (a, b) = (self.value(fr, left)?, self.value(fr, right)?);
                self.bin(bin, a, b)
            }
            Expression::Select {
                condition,
                accept,
                reject,
            } => {
                self.kind(fr, h)?;
                let srcs = [
                    self.value(fr, condition)?,
                    self.value(fr, accept)?,
                    self.value(fr, reject)?,
                ];
                let d = self.register();
                self.push(Instr::Tern(Tern::Select, d, srcs));
                d
            }
            Expression::Math {
                fun,
                arg,
                arg1,
                arg2,
                arg3,
            } => self.math(fr, h, fun, [Some(arg), arg1, arg2, arg3])?,
            Expression::As {
                expr,
                kind: _,
                convert,
            } => self.cast(fr, h, expr, convert)?,
            Expression::Relational {
                fun: naga::RelationalFunction::All | naga::RelationalFunction::Any,
                argument,
            } if self.kind(fr, argument)? == Kind::B => self.value(fr, argument)?,
            ref other => return Err(unsupported(span, unsupported_expression(other))),
        };
        fr.exprs[h.index()] = Some(r);
        Ok(())
    }

    /// A load reads its variable's register, unless an earlier compile found the
    /// variable stored to while the loaded value was still to be used: then it copies.
    fn load(
        &mut self,
        fr: &mut Frame<'m>,
        h: Handle<Expression>,
        pointer: Handle<Expression>,
    ) -> Result<Reg, Unsupported> {
        self.kind(fr, h)?;
        let var = self.pointer(fr, pointer)?;
        if self.copied.contains(&(fr.handle, h)) {
            let r = self.register();
            self.copy(r, var);
            return Ok(r);
        }
        let version = self.versions.get(var as usize).copied().unwrap_or(0);
        let alias = Alias {
            var,
            version,
            last_use: self.uses,
        };
        fr.aliases.insert(h, alias);
        Ok(var)
    }

    fn unary(
        &mut self,
        fr: &mut Frame<'m>,
        h: Handle<Expression>,
        op: naga::UnaryOperator,
        expr: Handle<Expression>,
    ) -> Result<Reg, Unsupported> {
        use naga::UnaryOperator as O;
        let kind = self.kind(fr, expr)?;
        let un = match (op, kind) {
            (O::Negate, Kind::F) => Un::FNeg,
            (O::Negate, Kind::S | Kind::U) => Un::INeg,
            (O::LogicalNot, Kind::B) => Un::LNot,
            (O::BitwiseNot, Kind::S | Kind::U) => Un::Not,
            _ => {
                let span = fr.function.expressions.get_span(h);
                return Err(unsupported(span, "this operator is not supported here"));
            }
        };
        let a = self.value(fr, expr)?;
        Ok(self.un(un, a))
    }

    fn math(
        &mut self,
        fr: &mut Frame<'m>,
        h: Handle<Expression>,
        fun: M,
        args: [Option<Handle<Expression>>; 4],
    ) -> Result<Reg, Unsupported> {
        let span = fr.function.expressions.get_span(h);
        self.kind(fr, h)?;
        let mut regs = [0; 4];
        let mut kind = None;
        for (reg, arg) in regs.iter_mut().zip(args) {
            if let Some(arg) = arg {
                let k = self.kind(fr, arg)?;
                kind.get_or_insert(k);
                *reg = self.value(fr, arg)?;
            }
        }
        let op = kind.and_then(|k| math_op(fun, k)).ok_or_else(|| {
            unsupported(span, format!("`{fun:?}` is not supported in code strings"))
        })?;
        let [a, b, c, e] = regs;
        Ok(match op {
            MathOp::Same => a,
            MathOp::Un(op) => self.un(op, a),
            MathOp::Bin(op) => self.bin(op, a, b),
            MathOp::Tern(op) => {
                let d = self.register();
                self.push(Instr::Tern(op, d, [a, b, c]));
                d
            }
            MathOp::InsertBits => {
                let d = self.register();
                self.push(Instr::InsertBits(d, [a, b, c, e]));
                d
            }
        })
    }

    fn cast(
        &mut self,
        fr: &mut Frame<'m>,
        h: Handle<Expression>,
        expr: Handle<Expression>,
        convert: Option<u8>,
    ) -> Result<Reg, Unsupported> {
        let (from, to) = (self.kind(fr, expr)?, self.kind(fr, h)?);
        let a = self.value(fr, expr)?;
        match convert.and_then(|_| conversion(from, to)) {
            Some(op) => Ok(self.un(op, a)),
            // Bitcasts, same-kind conversions and i32 <-> u32 keep the bits.
            None => Ok(a),
        }
    }
}

const OVERRIDES: &str = "pipeline overrides must be resolved before compiling (or use `const`)";

const GLOBALS: &str = "global variables (private, workgroup, storage, uniform) are not supported \
     in code strings: use parameters or `const`";

fn unsupported_expression(expression: &Expression) -> &'static str {
    match *expression {
        Expression::Override(_) => OVERRIDES,
        Expression::GlobalVariable(_) => GLOBALS,
        Expression::Compose { .. } | Expression::Splat { .. } | Expression::Swizzle { .. } => {
            "vectors are not supported in code strings"
        }
        Expression::Access { .. } | Expression::AccessIndex { .. } => {
            "indexing (vectors, arrays, structs) is not supported in code strings"
        }
        Expression::ImageSample { .. }
        | Expression::ImageLoad { .. }
        | Expression::ImageQuery { .. } => "textures are not supported in code strings",
        Expression::Derivative { .. } => "derivatives are not supported in code strings",
        Expression::AtomicResult { .. } => "atomics are not supported in code strings",
        Expression::ArrayLength(_) => "arrays are not supported in code strings",
        Expression::Relational { .. } => "this relational function is not supported here",
        _ => "this expression is not supported in code strings",
    }
}
