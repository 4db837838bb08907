//! The compiled form: typed instructions over lane registers.

/// A register: an index into [`Scratch`](super::Scratch)'s lane arrays.
pub(super) type Reg = u32;

/// One-operand lane operations (`d = f(a)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Un {
    FNeg,
    INeg,
    /// Bitwise complement.
    Not,
    /// Logical not of a 0/1 bool.
    LNot,
    FAbs,
    SAbs,
    Floor,
    Ceil,
    Round,
    Trunc,
    Fract,
    FSign,
    SSign,
    Saturate,
    Sqrt,
    InverseSqrt,
    Exp,
    Exp2,
    Log,
    Log2,
    Sin,
    Cos,
    Tan,
    Sinh,
    Cosh,
    Tanh,
    Asin,
    Acos,
    Atan,
    Asinh,
    Acosh,
    Atanh,
    Radians,
    Degrees,
    CountOneBits,
    ReverseBits,
    SFirstLeadingBit,
    UFirstLeadingBit,
    FirstTrailingBit,
    CountLeadingZeros,
    CountTrailingZeros,
    /// f32 to i32, truncating and saturating.
    F2S,
    /// f32 to u32, truncating and saturating.
    F2U,
    S2F,
    U2F,
    /// bool (0/1) to f32.
    B2F,
    /// f32 to bool: `x != 0.0`, true for NaN.
    F2B,
    /// Integer to bool: `x != 0`.
    I2B,
}

/// Two-operand lane operations (`d = f(a, b)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bin {
    FAdd,
    FSub,
    FMul,
    FDiv,
    FRem,
    IAdd,
    ISub,
    IMul,
    SDiv,
    UDiv,
    SRem,
    URem,
    And,
    /// `a & !b` on 0/1 bools (a mask minus another).
    AndNot,
    Or,
    Xor,
    Shl,
    SShr,
    UShr,
    FEq,
    FNe,
    FLt,
    FLe,
    FGt,
    FGe,
    IEq,
    INe,
    SLt,
    SLe,
    SGt,
    SGe,
    ULt,
    ULe,
    UGt,
    UGe,
    FMin,
    FMax,
    SMin,
    SMax,
    UMin,
    UMax,
    Pow,
    Atan2,
    Step,
}

/// Three-operand lane operations (`d = f(a, b, c)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tern {
    /// `if a != 0 { b } else { c }`.
    Select,
    FClamp,
    SClamp,
    UClamp,
    Mix,
    SmoothStep,
    Fma,
    SExtractBits,
    UExtractBits,
}

/// One instruction. Operands never alias the destination (the compiler allocates a
/// fresh register for every value), except where an instruction says so.
#[derive(Debug, Clone)]
pub(super) enum Instr {
    Un(Un, Reg, Reg),
    Bin(Bin, Reg, Reg, Reg),
    /// `dst = a op b` in the lanes of `mask`: an operation fused with the masked store
    /// of its result.
    BinStore {
        op: Bin,
        dst: Reg,
        a: Reg,
        b: Reg,
        mask: Reg,
    },
    /// `dst = then(first(a, b), c)` (`then(c, first(a, b))` when `swap`), for `f32`
    /// `+ - *` only: two operations in one pass, each rounded as written.
    Chain {
        first: Bin,
        then: Bin,
        swap: bool,
        dst: Reg,
        srcs: [Reg; 3],
    },
    /// `dst = dst op b` in the lanes of `mask`.
    BinUpdate {
        op: Bin,
        dst: Reg,
        b: Reg,
        mask: Reg,
    },
    Tern(Tern, Reg, [Reg; 3]),
    /// `insertBits(e, newbits, offset, count)`.
    InsertBits(Reg, [Reg; 4]),
    Copy(Reg, Reg),
    /// `d = if mask != 0 { src } else { d }`: a store under a partial mask.
    Store {
        dst: Reg,
        src: Reg,
        mask: Reg,
    },
    /// `d |= src`: gathers lanes leaving a loop or switch.
    OrInto {
        dst: Reg,
        src: Reg,
    },
    Fill(Reg, u32),
    /// Jumps to the target when no lane of the mask is set.
    JumpIfNone(Reg, usize),
    Jump(usize),
    Native {
        index: usize,
        args: Box<[Reg]>,
        out: Reg,
        mask: Reg,
    },
}

/// How a parameter of the compiled function reaches its register.
#[derive(Debug, Clone)]
pub(super) struct Param {
    pub reg: Reg,
    pub pointer: bool,
    /// Whether the code reads it (an unread value parameter is not copied in).
    pub read: bool,
    /// Whether the code writes it (then a value parameter's lanes are copied in, never
    /// written to the caller's slice in place).
    pub written: bool,
}

/// A compiled function.
#[derive(Debug, Clone)]
pub(super) struct Program {
    /// Tells a [`Scratch`](super::Scratch) whether its constants are this program's.
    pub id: u64,
    pub code: Vec<Instr>,
    pub registers: usize,
    /// Registers filled with one value in every lane before the code runs.
    pub constants: Vec<(Reg, u32)>,
    /// The entry mask: 1 in lanes `0..lanes`.
    pub entry: Reg,
    pub params: Vec<Param>,
    pub result: Option<Reg>,
}

/// A number no other program compiled by this process has.
pub(super) fn next_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Instr {
    /// Whether the instruction reads register `r`.
    pub(super) fn reads(&self, r: Reg) -> bool {
        match *self {
            Instr::Un(_, _, a) | Instr::Copy(_, a) | Instr::JumpIfNone(a, _) => a == r,
            Instr::Bin(_, _, a, b) => a == r || b == r,
            Instr::BinStore {
                dst, a, b, mask, ..
            } => [dst, a, b, mask].contains(&r),
            Instr::BinUpdate { dst, b, mask, .. } => [dst, b, mask].contains(&r),
            Instr::Chain { srcs, .. } => srcs.contains(&r),
            Instr::Tern(_, _, srcs) => srcs.contains(&r),
            Instr::InsertBits(_, srcs) => srcs.contains(&r),
            Instr::Store { dst, src, mask } => dst == r || src == r || mask == r,
            Instr::OrInto { dst, src } => dst == r || src == r,
            Instr::Fill(..) | Instr::Jump(_) => false,
            Instr::Native { ref args, mask, .. } => mask == r || args.contains(&r),
        }
    }

    /// Calls `f` on every register the instruction names, read or written.
    pub(super) fn visit(&mut self, f: &mut impl FnMut(&mut Reg)) {
        match self {
            Instr::Un(_, d, a) | Instr::Copy(d, a) => [d, a].into_iter().for_each(f),
            Instr::Bin(_, d, a, b) => [d, a, b].into_iter().for_each(f),
            Instr::BinStore {
                dst, a, b, mask, ..
            } => [dst, a, b, mask].into_iter().for_each(f),
            Instr::BinUpdate { dst, b, mask, .. } => [dst, b, mask].into_iter().for_each(f),
            Instr::Chain { dst, srcs, .. } => std::iter::once(dst).chain(srcs).for_each(f),
            Instr::Tern(_, d, srcs) => std::iter::once(d).chain(srcs).for_each(f),
            Instr::InsertBits(d, srcs) => std::iter::once(d).chain(srcs).for_each(f),
            Instr::Store { dst, src, mask } => [dst, src, mask].into_iter().for_each(f),
            Instr::OrInto { dst, src } => [dst, src].into_iter().for_each(f),
            Instr::Fill(d, _) | Instr::JumpIfNone(d, _) => f(d),
            Instr::Jump(_) => {}
            Instr::Native {
                args, out, mask, ..
            } => args.iter_mut().chain([out, mask]).for_each(f),
        }
    }

    /// How many times the instruction names register `r`.
    pub(super) fn mentions(&self, r: Reg) -> usize {
        let mut n = 0;
        self.clone().visit(&mut |&mut x| n += usize::from(x == r));
        n
    }

    /// The register the instruction writes (in some lanes or all).
    pub(super) fn writes(&self) -> Option<Reg> {
        match *self {
            Instr::Store { dst, .. }
            | Instr::OrInto { dst, .. }
            | Instr::BinStore { dst, .. }
            | Instr::BinUpdate { dst, .. } => Some(dst),
            Instr::Native { out, .. } => Some(out),
            _ => self.overwrites(),
        }
    }

    /// The register the instruction writes in every lane, whatever the mask.
    pub(super) fn overwrites(&self) -> Option<Reg> {
        match *self {
            Instr::Un(_, d, _)
            | Instr::Bin(_, d, ..)
            | Instr::Tern(_, d, _)
            | Instr::InsertBits(d, _)
            | Instr::Copy(d, _)
            | Instr::Fill(d, _)
            | Instr::Chain { dst: d, .. } => Some(d),
            _ => None,
        }
    }

    /// Where the instruction may jump.
    pub(super) fn target(&self) -> Option<usize> {
        match *self {
            Instr::JumpIfNone(_, t) | Instr::Jump(t) => Some(t),
            _ => None,
        }
    }
}
