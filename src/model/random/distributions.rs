//! Normal and exponential draws from Philox words, bit for bit the same on every backend.
//!
//! WGSL leaves the precision of `log`, `exp`, `sqrt`, `cos`, `sin` and even of f32
//! division to the driver, so none of them is used: only f32 add, subtract and multiply
//! (each correctly rounded everywhere, provided no driver fuses a multiply into an add:
//! the WGSL twin rounds every such product through `product`), comparisons, selects,
//! exact int-to-float conversions (of integers below 2^24), bitcasts and integer
//! operations, in one fixed order. No intermediate value is subnormal, so a device that
//! flushes subnormals to zero computes the same bits. The WGSL twin is
//! `shaders/shared/random_distributions.wgsl`.
//!
//! How a draw consumes Philox output: each draw (one call of `rand_normal()` or
//! `rand_exponential()` in a model's code) takes one Philox block of four words, `b`.
//! An exponential draw is `exponential_f32(b[0])`; a normal draw is
//! `normal_f32(b[0], b[1])`, Box-Muller's radius from `b[0]` and angle from `b[1]`.
//! `normal_pair_f32(b[0], b[1])` gives that normal and a second, independent one (the
//! sine half of Box-Muller) for callers that want two from a block. Words `b[2]` and
//! `b[3]` are left for draws that need more.
//!
//! - [`open_uniform_f32`]: U in (0, 1) from 31 bits, `x | 1` scaled by 2^-32 (the middle
//!   of a bin of two), its low bits cut to f32's 24; from 2^-32 to 1 - 2^-24, so the
//!   logarithm is finite and non-zero.
//! - [`ln_f32`]: the exponent and mantissa split with integer operations so that
//!   U = 2^k (1 + f) with 1 + f in [sqrt(1/2), sqrt(2)) (f = m - 1 is exact), then
//!   ln U = k ln 2 + f - f^2/2 + f^3 P(f), P a degree-6 minimax polynomial (relative
//!   error 3e-8) in Horner's order.
//! - [`sqrt_f32`]: the bit-trick estimate of 1/sqrt(s) (0x5f3759df, within 3.5%), two
//!   Newton steps (within 5e-6), then r = s y corrected by one Newton step of the square
//!   root itself, r + (y/2)(s - r^2), which squares the error away; no division.
//! - [`cos_sin_f32`]: the angle 2 pi a / 2^26, a the top 26 bits of the word, measured
//!   from the nearest quarter turn with integer operations, leaves (pi/4) z with
//!   z = d / 2^23 in [-1, 1) exact; sin by z S(z^2) and cos by C(z^2), minimax
//!   polynomials of degree 3 and 4 in z^2 (relative errors 3e-9 and 6e-11); the quarter
//!   turn swaps them and flips sign bits.
//!
//! Measured against f64 (the tests bound each): ln, sqrt, cos and sin within 1.2e-7,
//! 9e-8, 1.4e-7 and 1.4e-7 relative; an exponential draw within 1.1e-7 of -ln U, and a
//! normal within 2.6e-7 of Box-Muller in f64 of the same U and angle.

use std::f32::consts::{FRAC_PI_4, LN_2};

/// The bits of sqrt(1/2) in f32: mantissas from here up to sqrt(2) keep their exponent.
const SQRT_HALF_BITS: u32 = 0x3f35_04f3;
/// P of ln(1 + f) = f - f^2/2 + f^3 P(f) on [sqrt(1/2) - 1, sqrt(2) - 1], lowest order
/// first.
const LN_P: [f32; 7] = [
    0.3333391,
    -0.25001338,
    0.19963063,
    -0.16577585,
    0.14914767,
    -0.14267486,
    0.08700436,
];
/// S of sin((pi/4) z) = z S(z^2) on z in [-1, 1], lowest order first (the fit's first
/// coefficient is pi/4 rounded to f32).
const SIN_S: [f32; 4] = [FRAC_PI_4, -0.080745436, 0.002490001, -3.5950452e-05];
/// C of cos((pi/4) z) = C(z^2) on z in [-1, 1], lowest order first.
const COS_C: [f32; 5] = [1.0, -0.30842513, 0.015854323, -0.0003259365, 3.5287617e-06];

/// A uniform number in (0, 1) for logarithms: `x | 1` times 2^-32, the middle of the bin
/// of `x >> 1` (31 bits), with the bits below f32's 24 cut off. Built from its exponent
/// and mantissa with integer operations, so no conversion rounds; always normal.
pub fn open_uniform_f32(x: u32) -> f32 {
    let n = x | 1;
    let zeros = n.leading_zeros();
    let mantissa = ((n << zeros) >> 8) & 0x7f_ffff;
    f32::from_bits(((126 - zeros) << 23) | mantissa)
}

/// The natural logarithm of a positive normal `u` (within 2 ulp of the truth, see the
/// module doc). Zero, subnormals, infinities and NaN are outside its domain.
pub fn ln_f32(u: f32) -> f32 {
    // Moving the mantissa's range from [1, 2) to [sqrt(1/2), sqrt(2)) keeps ln(1 + f)
    // small and avoids cancelling k ln 2 against it when u is just below 1.
    let bits = u.to_bits().wrapping_add(0x3f80_0000 - SQRT_HALF_BITS);
    let k = (bits >> 23) as i32 - 127;
    let f = f32::from_bits((bits & 0x7f_ffff) + SQRT_HALF_BITS) - 1.0;
    let mut p = LN_P[6];
    p = LN_P[5] + f * p;
    p = LN_P[4] + f * p;
    p = LN_P[3] + f * p;
    p = LN_P[2] + f * p;
    p = LN_P[1] + f * p;
    p = LN_P[0] + f * p;
    p = -0.5 + f * p;
    let log1p = f + f * f * p;
    k as f32 * LN_2 + log1p
}

/// The square root of `s`, positive and normal, or zero (within 1 ulp).
pub fn sqrt_f32(s: f32) -> f32 {
    let y = f32::from_bits(0x5f37_59df - (s.to_bits() >> 1));
    let half = 0.5 * s;
    let y = y * (1.5 - half * y * y);
    let y = y * (1.5 - half * y * y);
    let r = s * y;
    r + 0.5 * y * (s - r * r)
}

/// cos and sin of 2 pi a / 2^26, a the top 26 bits of `x`.
pub fn cos_sin_f32(x: u32) -> [f32; 2] {
    // Measured from the nearest quarter turn: a = quadrant 2^24 + d, d in [-2^23, 2^23).
    let a = x.wrapping_add(1 << 29) >> 6;
    let quadrant = a >> 24;
    let d = (a & 0xff_ffff) as i32 - (1 << 23);
    let z = d as f32 * (1.0 / 8_388_608.0);
    let w = z * z;
    let mut s = SIN_S[3];
    s = SIN_S[2] + w * s;
    s = SIN_S[1] + w * s;
    s = SIN_S[0] + w * s;
    let sin = z * s;
    let mut c = COS_C[4];
    c = COS_C[3] + w * c;
    c = COS_C[2] + w * c;
    c = COS_C[1] + w * c;
    let cos = COS_C[0] + w * c;
    // The angle is quadrant (pi/2) + (pi/4) z: odd quadrants swap sine and cosine, and
    // the sign bits follow the quadrant.
    let odd = quadrant & 1 == 1;
    let (cos, sin) = if odd { (sin, cos) } else { (cos, sin) };
    [
        f32::from_bits(cos.to_bits() ^ (((quadrant + 1) & 2) << 30)),
        f32::from_bits(sin.to_bits() ^ ((quadrant & 2) << 30)),
    ]
}

/// An exponential number of mean 1: -ln U, U = `open_uniform_f32(x)`; from 6e-8 to
/// 22.2 (32 ln 2).
pub fn exponential_f32(x: u32) -> f32 {
    -ln_f32(open_uniform_f32(x))
}

/// Two independent standard normal numbers by Box-Muller: the radius
/// sqrt(-2 ln U) from `u0` (U = `open_uniform_f32(u0)`, so at most 6.66) times the
/// cosine and the sine of the angle from `u1` (`cos_sin_f32`).
pub fn normal_pair_f32(u0: u32, u1: u32) -> [f32; 2] {
    let radius = sqrt_f32(-2.0 * ln_f32(open_uniform_f32(u0)));
    cos_sin_f32(u1).map(|t| radius * t)
}

/// A standard normal number: the first of [`normal_pair_f32`].
pub fn normal_f32(u0: u32, u1: u32) -> f32 {
    normal_pair_f32(u0, u1)[0]
}

/// Words at the edges of the draws' arithmetic: zero and all ones, powers of two and
/// their neighbours, the quarter and eighth turns of the angle and their neighbours, and
/// the words whose uniform's mantissa sits at sqrt(1/2), where the logarithm's reduction
/// changes its exponent.
#[cfg(test)]
pub(crate) fn edge_words() -> Vec<u32> {
    let mut words = vec![0, 1, 2, 3, u32::MAX, u32::MAX - 1, u32::MAX - 2];
    for k in 0..32 {
        let p = 1u32 << k;
        words.extend([p, p - 1, p.wrapping_add(1), !p]);
    }
    for eighth in 0..8u32 {
        let turn = eighth << 29;
        for offset in [1, 63, 64, 65, 127, 128] {
            words.extend([turn.wrapping_add(offset), turn.wrapping_sub(offset)]);
        }
    }
    for zeros in 0..24 {
        for mantissa in [0xb5_04f2u32, 0xb5_04f3, 0xb5_04f4] {
            words.push((mantissa << 8) >> zeros);
        }
    }
    words.sort_unstable();
    words.dedup();
    words
}

#[cfg(test)]
mod tests;
