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

#[inline(always)]
fn map2(d: &mut [u32], a: &[u32], c: &[u32], op: impl Fn(u32, u32) -> u32) {
    for ((d, &a), &c) in d.iter_mut().zip(a).zip(c) {
        *d = op(a, c);
    }
}

#[inline(always)]
fn map2f(d: &mut [u32], a: &[u32], c: &[u32], op: impl Fn(f32, f32) -> f32) {
    map2(d, a, c, |x, y| op(f(x), f(y)).to_bits());
}

#[inline(always)]
fn cmpf(d: &mut [u32], a: &[u32], c: &[u32], op: impl Fn(f32, f32) -> bool) {
    map2(d, a, c, |x, y| b(op(f(x), f(y))));
}

#[inline(always)]
fn cmps(d: &mut [u32], a: &[u32], c: &[u32], op: impl Fn(i32, i32) -> bool) {
    map2(d, a, c, |x, y| b(op(x as i32, y as i32)));
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
pub(super) fn binary(op: Bin, d: &mut [u32], a: &[u32], c: &[u32]) {
    use Bin::*;
    match op {
        FAdd => map2f(d, a, c, |x, y| x + y),
        FSub => map2f(d, a, c, |x, y| x - y),
        FMul => map2f(d, a, c, |x, y| x * y),
        FDiv => map2f(d, a, c, |x, y| x / y),
        FRem => map2f(d, a, c, |x, y| x % y),
        IAdd => map2(d, a, c, u32::wrapping_add),
        ISub => map2(d, a, c, u32::wrapping_sub),
        IMul => map2(d, a, c, u32::wrapping_mul),
        SDiv => map2(d, a, c, math::sdiv),
        UDiv => map2(d, a, c, math::udiv),
        SRem => map2(d, a, c, math::srem),
        URem => map2(d, a, c, math::urem),
        And => map2(d, a, c, |x, y| x & y),
        AndNot => map2(d, a, c, |x, y| x & !y),
        Or => map2(d, a, c, |x, y| x | y),
        Xor => map2(d, a, c, |x, y| x ^ y),
        Shl => map2(d, a, c, math::shl),
        SShr => map2(d, a, c, math::sshr),
        UShr => map2(d, a, c, math::ushr),
        _ => comparison(op, d, a, c),
    }
}

#[inline(always)]
fn comparison(op: Bin, d: &mut [u32], a: &[u32], c: &[u32]) {
    use Bin::*;
    match op {
        FEq => cmpf(d, a, c, |x, y| x == y),
        FNe => cmpf(d, a, c, math::ordered_ne),
        FLt => cmpf(d, a, c, |x, y| x < y),
        FLe => cmpf(d, a, c, |x, y| x <= y),
        FGt => cmpf(d, a, c, |x, y| x > y),
        FGe => cmpf(d, a, c, |x, y| x >= y),
        IEq => map2(d, a, c, |x, y| b(x == y)),
        INe => map2(d, a, c, |x, y| b(x != y)),
        SLt => cmps(d, a, c, |x, y| x < y),
        SLe => cmps(d, a, c, |x, y| x <= y),
        SGt => cmps(d, a, c, |x, y| x > y),
        SGe => cmps(d, a, c, |x, y| x >= y),
        ULt => map2(d, a, c, |x, y| b(x < y)),
        ULe => map2(d, a, c, |x, y| b(x <= y)),
        UGt => map2(d, a, c, |x, y| b(x > y)),
        UGe => map2(d, a, c, |x, y| b(x >= y)),
        FMin => map2f(d, a, c, f32::min),
        FMax => map2f(d, a, c, f32::max),
        SMin => map2(d, a, c, |x, y| (x as i32).min(y as i32) as u32),
        SMax => map2(d, a, c, |x, y| (x as i32).max(y as i32) as u32),
        UMin => map2(d, a, c, u32::min),
        UMax => map2(d, a, c, u32::max),
        Pow => map2f(d, a, c, f32::powf),
        Atan2 => map2f(d, a, c, f32::atan2),
        Step => map2f(d, a, c, math::step),
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
