//! The lane loops: one `match` on the operation, then a plain loop the compiler
//! vectorises.

use super::math::{self, b, f};
use super::program::{Bin, Tern, Un};

#[inline(always)]
fn map1(d: &mut [u32], a: &[u32], op: impl Fn(u32) -> u32) {
    for (d, &a) in d.iter_mut().zip(a) {
        *d = op(a);
    }
}

#[inline(always)]
fn map1f(d: &mut [u32], a: &[u32], op: impl Fn(f32) -> f32) {
    map1(d, a, |x| op(f(x)).to_bits());
}

/// Where a two-operand operation's lanes come from and go: the operation's loop is
/// the driver's, so one table of operations serves every form of the instruction.
pub(super) trait Lanes2: Sized {
    fn map(self, op: impl Fn(u32, u32) -> u32);

    #[inline(always)]
    fn mapf(self, op: impl Fn(f32, f32) -> f32) {
        self.map(|x, y| op(f(x), f(y)).to_bits());
    }

    #[inline(always)]
    fn cmpf(self, op: impl Fn(f32, f32) -> bool) {
        self.map(|x, y| b(op(f(x), f(y))));
    }

    #[inline(always)]
    fn cmps(self, op: impl Fn(i32, i32) -> bool) {
        self.map(|x, y| b(op(x as i32, y as i32)));
    }
}

/// `d = a op c`.
pub(super) struct Plain<'a> {
    pub d: &'a mut [u32],
    pub a: &'a [u32],
    pub c: &'a [u32],
}

impl Lanes2 for Plain<'_> {
    #[inline(always)]
    fn map(self, op: impl Fn(u32, u32) -> u32) {
        for ((d, &a), &c) in self.d.iter_mut().zip(self.a).zip(self.c) {
            *d = op(a, c);
        }
    }
}

/// `d = a op c` in the lanes of mask `m` (an operation and the masked store of its
/// result, in one pass).
pub(super) struct Masked<'a> {
    pub d: &'a mut [u32],
    pub a: &'a [u32],
    pub c: &'a [u32],
    pub m: &'a [u32],
}

impl Lanes2 for Masked<'_> {
    #[inline(always)]
    fn map(self, op: impl Fn(u32, u32) -> u32) {
        let lanes = self.d.iter_mut().zip(self.a).zip(self.c).zip(self.m);
        for (((d, &a), &c), &m) in lanes {
            *d = select(m, op(a, c), *d);
        }
    }
}

/// `d = d op c` in the lanes of mask `m` (as `x -= dt` under a branch).
pub(super) struct Update<'a> {
    pub d: &'a mut [u32],
    pub c: &'a [u32],
    pub m: &'a [u32],
}

impl Lanes2 for Update<'_> {
    #[inline(always)]
    fn map(self, op: impl Fn(u32, u32) -> u32) {
        for ((d, &c), &m) in self.d.iter_mut().zip(self.c).zip(self.m) {
            *d = select(m, op(*d, c), *d);
        }
    }
}

#[inline(always)]
fn map3(d: &mut [u32], [a, b, c]: [&[u32]; 3], op: impl Fn(u32, u32, u32) -> u32) {
    for (((d, &a), &b), &c) in d.iter_mut().zip(a).zip(b).zip(c) {
        *d = op(a, b, c);
    }
}

#[inline(always)]
fn map3f(d: &mut [u32], args: [&[u32]; 3], op: impl Fn(f32, f32, f32) -> f32) {
    map3(d, args, |x, y, z| op(f(x), f(y), f(z)).to_bits());
}

#[inline(always)]
pub(super) fn unary(op: Un, d: &mut [u32], a: &[u32]) {
    use Un::*;
    match op {
        FNeg => map1(d, a, |x| x ^ 0x8000_0000),
        INeg => map1(d, a, u32::wrapping_neg),
        Not => map1(d, a, |x| !x),
        LNot => map1(d, a, |x| x ^ 1),
        FAbs => map1(d, a, |x| x & 0x7fff_ffff),
        SAbs => map1(d, a, |x| (x as i32).wrapping_abs() as u32),
        Floor => map1f(d, a, f32::floor),
        Ceil => map1f(d, a, f32::ceil),
        Round => map1f(d, a, f32::round_ties_even),
        Trunc => map1f(d, a, f32::trunc),
        Fract => map1f(d, a, math::fract),
        FSign => map1f(d, a, math::fsign),
        SSign => map1(d, a, |x| (x as i32).signum() as u32),
        Saturate => map1f(d, a, |x| math::fclamp(x, 0.0, 1.0)),
        Sqrt => map1f(d, a, f32::sqrt),
        InverseSqrt => map1f(d, a, |x| 1.0 / x.sqrt()),
        _ => transcendental(op, d, a),
    }
}

#[inline(always)]
fn transcendental(op: Un, d: &mut [u32], a: &[u32]) {
    use Un::*;
    match op {
        Exp => map1f(d, a, f32::exp),
        Exp2 => map1f(d, a, f32::exp2),
        Log => map1f(d, a, f32::ln),
        Log2 => map1f(d, a, f32::log2),
        Sin => map1f(d, a, f32::sin),
        Cos => map1f(d, a, f32::cos),
        Tan => map1f(d, a, f32::tan),
        Sinh => map1f(d, a, f32::sinh),
        Cosh => map1f(d, a, f32::cosh),
        Tanh => map1f(d, a, f32::tanh),
        Asin => map1f(d, a, f32::asin),
        Acos => map1f(d, a, f32::acos),
        Atan => map1f(d, a, f32::atan),
        Asinh => map1f(d, a, f32::asinh),
        Acosh => map1f(d, a, f32::acosh),
        Atanh => map1f(d, a, f32::atanh),
        Radians => map1f(d, a, |x| x * (std::f32::consts::PI / 180.0)),
        Degrees => map1f(d, a, |x| x * (180.0 / std::f32::consts::PI)),
        _ => bits_and_conversions(op, d, a),
    }
}

#[inline(always)]
fn bits_and_conversions(op: Un, d: &mut [u32], a: &[u32]) {
    use Un::*;
    match op {
        CountOneBits => map1(d, a, u32::count_ones),
        ReverseBits => map1(d, a, u32::reverse_bits),
        SFirstLeadingBit => map1(d, a, math::s_first_leading_bit),
        UFirstLeadingBit => map1(d, a, math::u_first_leading_bit),
        FirstTrailingBit => map1(d, a, math::first_trailing_bit),
        CountLeadingZeros => map1(d, a, u32::leading_zeros),
        CountTrailingZeros => map1(d, a, u32::trailing_zeros),
        F2S => map1(d, a, math::f2s),
        F2U => map1(d, a, math::f2u),
        S2F => map1(d, a, |x| (x as i32 as f32).to_bits()),
        U2F => map1(d, a, |x| (x as f32).to_bits()),
        B2F => map1(d, a, |x| if x != 0 { 1.0f32.to_bits() } else { 0 }),
        F2B => map1(d, a, |x| b(f(x) != 0.0)),
        I2B => map1(d, a, |x| b(x != 0)),
        _ => unreachable!("every unary operation has a lane loop"),
    }
}

#[inline(always)]
pub(super) fn binary(op: Bin, l: impl Lanes2) {
    use Bin::*;
    match op {
        FAdd => l.mapf(|x, y| x + y),
        FSub => l.mapf(|x, y| x - y),
        FMul => l.mapf(|x, y| x * y),
        FDiv => l.mapf(|x, y| x / y),
        FRem => l.mapf(|x, y| x % y),
        IAdd => l.map(u32::wrapping_add),
        ISub => l.map(u32::wrapping_sub),
        IMul => l.map(u32::wrapping_mul),
        SDiv => l.map(math::sdiv),
        UDiv => l.map(math::udiv),
        SRem => l.map(math::srem),
        URem => l.map(math::urem),
        And => l.map(|x, y| x & y),
        AndNot => l.map(|x, y| x & !y),
        Or => l.map(|x, y| x | y),
        Xor => l.map(|x, y| x ^ y),
        Shl => l.map(math::shl),
        SShr => l.map(math::sshr),
        UShr => l.map(math::ushr),
        _ => comparison(op, l),
    }
}

#[inline(always)]
fn comparison(op: Bin, l: impl Lanes2) {
    use Bin::*;
    match op {
        FEq => l.cmpf(|x, y| x == y),
        FNe => l.cmpf(math::ordered_ne),
        FLt => l.cmpf(|x, y| x < y),
        FLe => l.cmpf(|x, y| x <= y),
        FGt => l.cmpf(|x, y| x > y),
        FGe => l.cmpf(|x, y| x >= y),
        IEq => l.map(|x, y| b(x == y)),
        INe => l.map(|x, y| b(x != y)),
        SLt => l.cmps(|x, y| x < y),
        SLe => l.cmps(|x, y| x <= y),
        SGt => l.cmps(|x, y| x > y),
        SGe => l.cmps(|x, y| x >= y),
        ULt => l.map(|x, y| b(x < y)),
        ULe => l.map(|x, y| b(x <= y)),
        UGt => l.map(|x, y| b(x > y)),
        UGe => l.map(|x, y| b(x >= y)),
        FMin => l.mapf(math::fmin),
        FMax => l.mapf(math::fmax),
        SMin => l.map(|x, y| (x as i32).min(y as i32) as u32),
        SMax => l.map(|x, y| (x as i32).max(y as i32) as u32),
        UMin => l.map(u32::min),
        UMax => l.map(u32::max),
        Pow => l.mapf(f32::powf),
        Atan2 => l.mapf(f32::atan2),
        Step => l.mapf(math::step),
        _ => unreachable!("every binary operation has a lane loop"),
    }
}

#[inline(always)]
pub(super) fn ternary(op: Tern, d: &mut [u32], args: [&[u32]; 3]) {
    use Tern::*;
    match op {
        Select => map3(d, args, select),
        FClamp => map3f(d, args, math::fclamp),
        SClamp => map3(d, args, math::sclamp),
        UClamp => map3(d, args, math::uclamp),
        Mix => map3f(d, args, math::mix),
        SmoothStep => map3f(d, args, math::smoothstep),
        Fma => map3f(d, args, f32::mul_add),
        SExtractBits => map3(d, args, math::s_extract_bits),
        UExtractBits => map3(d, args, math::u_extract_bits),
    }
}

#[inline(always)]
pub(super) fn insert_bits(d: &mut [u32], [e, n, o, c]: [&[u32]; 4]) {
    let lanes = d.iter_mut().zip(e).zip(n).zip(o).zip(c);
    for ((((d, &e), &n), &o), &c) in lanes {
        *d = math::insert_bits(e, n, o, c);
    }
}

/// `if c != 0 { t } else { e }` in bit operations: LLVM keeps a plain `if` of a value
/// read from memory as a scalar conditional move, and this vectorises.
#[inline(always)]
fn select(c: u32, t: u32, e: u32) -> u32 {
    let all = 0u32.wrapping_sub(u32::from(c != 0));
    (t & all) | (e & !all)
}

/// `d = if mask != 0 { s } else { d }`, written as a select so it vectorises.
#[inline(always)]
pub(super) fn store(d: &mut [u32], s: &[u32], mask: &[u32]) {
    for ((d, &s), &m) in d.iter_mut().zip(s).zip(mask) {
        *d = select(m, s, *d);
    }
}

/// Whether no lane of the mask is set (a fold, not an early exit, so it vectorises).
#[inline(always)]
pub(super) fn none(mask: &[u32]) -> bool {
    mask.iter().fold(0, |acc, &m| acc | m) == 0
}

/// Whether [`chain`] fuses operation `op`.
pub(super) fn chains(op: Bin) -> bool {
    matches!(op, Bin::FAdd | Bin::FSub | Bin::FMul)
}

/// `d = then(first(a, b), c)` (`then(c, first(a, b))` when `swap`), two roundings, for
/// the operations [`chains`] fuses.
#[inline(always)]
pub(super) fn chain(first: Bin, then: Bin, swap: bool, d: &mut [u32], srcs: [&[u32]; 3]) {
    match first {
        Bin::FAdd => chain_then(|x, y| x + y, then, swap, d, srcs),
        Bin::FSub => chain_then(|x, y| x - y, then, swap, d, srcs),
        Bin::FMul => chain_then(|x, y| x * y, then, swap, d, srcs),
        _ => unreachable!("only f32 + - * chain"),
    }
}

#[inline(always)]
fn chain_then(
    first: impl Fn(f32, f32) -> f32,
    then: Bin,
    swap: bool,
    d: &mut [u32],
    srcs: [&[u32]; 3],
) {
    match then {
        Bin::FAdd => chain_loop(d, srcs, first, |x, y| x + y, swap),
        Bin::FSub => chain_loop(d, srcs, first, |x, y| x - y, swap),
        Bin::FMul => chain_loop(d, srcs, first, |x, y| x * y, swap),
        _ => unreachable!("only f32 + - * chain"),
    }
}

#[inline(always)]
fn chain_loop(
    d: &mut [u32],
    srcs: [&[u32]; 3],
    first: impl Fn(f32, f32) -> f32,
    then: impl Fn(f32, f32) -> f32,
    swap: bool,
) {
    if swap {
        map3f(d, srcs, |a, b, c| then(c, first(a, b)));
    } else {
        map3f(d, srcs, |a, b, c| then(first(a, b), c));
    }
}
