//! One lane's arithmetic where WGSL (as naga's SPIR-V output and Vulkan implement it)
//! differs from Rust's operators, on the scalars' bits.

#[inline(always)]
pub(super) fn f(x: u32) -> f32 {
    f32::from_bits(x)
}

#[inline(always)]
pub(super) fn b(x: bool) -> u32 {
    u32::from(x)
}

/// naga guards integer `/` and `%`: a divisor of 0, or `i32::MIN / -1`, becomes 1.
#[inline(always)]
fn s_divisor(a: i32, d: i32) -> i32 {
    if d == 0 || (a == i32::MIN && d == -1) {
        1
    } else {
        d
    }
}

#[inline(always)]
pub(super) fn sdiv(a: u32, d: u32) -> u32 {
    let (a, d) = (a as i32, d as i32);
    a.wrapping_div(s_divisor(a, d)) as u32
}

/// naga lowers signed `%` to `a - d * (a / d)` with the guarded divisor: a truncated
/// remainder, 0 for the guarded cases.
#[inline(always)]
pub(super) fn srem(a: u32, d: u32) -> u32 {
    let (a, d) = (a as i32, d as i32);
    a.wrapping_rem(s_divisor(a, d)) as u32
}

#[inline(always)]
pub(super) fn udiv(a: u32, d: u32) -> u32 {
    a / if d == 0 { 1 } else { d }
}

#[inline(always)]
pub(super) fn urem(a: u32, d: u32) -> u32 {
    a % if d == 0 { 1 } else { d }
}

/// WGSL takes shift amounts modulo the bit width.
#[inline(always)]
pub(super) fn shl(a: u32, s: u32) -> u32 {
    a << (s & 31)
}

#[inline(always)]
pub(super) fn sshr(a: u32, s: u32) -> u32 {
    ((a as i32) >> (s & 31)) as u32
}

#[inline(always)]
pub(super) fn ushr(a: u32, s: u32) -> u32 {
    a >> (s & 31)
}

/// naga clamps to the range both types hold (`[-2^31, 2^31 - 128]`) before converting,
/// then Rust's `as` truncates. The clamp is `max` then `min`, which sends NaN to the
/// lower bound, as lavapipe does (WGSL leaves NaN to the driver).
#[inline(always)]
pub(super) fn f2s(x: u32) -> u32 {
    (fclamp(f(x), -2_147_483_648.0, 2_147_483_520.0) as i32) as u32
}

#[inline(always)]
pub(super) fn f2u(x: u32) -> u32 {
    fclamp(f(x), 0.0, 4_294_967_040.0) as u32
}

/// naga's `!=` on floats is SPIR-V's ordered `FOrdNotEqual`: false when either is NaN
/// (Rust's `!=` is true then).
// Clippy's `a != b` is the unordered comparison this is not.
#[allow(clippy::double_comparisons)]
#[inline(always)]
pub(super) fn ordered_ne(a: f32, b: f32) -> bool {
    a < b || a > b
}

/// GLSL's `sign`: 0 for both zeros (and NaN), else ±1.
#[inline(always)]
pub(super) fn fsign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// GLSL's `FMax` leaves NaN operands and the order of zeros to the driver. This is the
/// other operand for a NaN and `x` for equal ones (`-0.0` and `0.0` too), written out
/// rather than Rust's `f32::max`, whose zeros differ between CPUs, so the compiled
/// lanes (`native/`) compute it alike everywhere. x86's lowering of Rust's `max` agrees.
#[inline(always)]
pub(super) fn fmax(x: f32, y: f32) -> f32 {
    if x.is_nan() || y > x { y } else { x }
}

/// As [`fmax`]: the other operand for a NaN, `x` for equal ones.
#[inline(always)]
pub(super) fn fmin(x: f32, y: f32) -> f32 {
    if x.is_nan() || y < x { y } else { x }
}

/// `max` then `min`, as GLSL's `FClamp` (whose NaN the driver decides): `lo` for NaN.
#[inline(always)]
pub(super) fn fclamp(x: f32, lo: f32, hi: f32) -> f32 {
    fmin(fmax(x, lo), hi)
}

#[inline(always)]
pub(super) fn sclamp(x: u32, lo: u32, hi: u32) -> u32 {
    (x as i32).max(lo as i32).min(hi as i32) as u32
}

#[inline(always)]
pub(super) fn uclamp(x: u32, lo: u32, hi: u32) -> u32 {
    x.max(lo).min(hi)
}

/// GLSL.std.450 `FMix`: `x * (1 - a) + y * a`.
#[inline(always)]
pub(super) fn mix(x: f32, y: f32, a: f32) -> f32 {
    x * (1.0 - a) + y * a
}

/// GLSL.std.450 `SmoothStep`.
#[inline(always)]
pub(super) fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = fclamp((x - e0) / (e1 - e0), 0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// `step(edge, x)`: 1 where `x >= edge` (GLSL: 0 where `x < edge`).
#[inline(always)]
pub(super) fn step(edge: f32, x: f32) -> f32 {
    if x < edge { 0.0 } else { 1.0 }
}

/// `x - floor(x)`, as GLSL.std.450 defines `Fract`.
#[inline(always)]
pub(super) fn fract(x: f32) -> f32 {
    x - x.floor()
}

/// `FindSMsb`: the highest bit that differs from the sign bit; all ones (-1) for 0 and -1.
#[inline(always)]
pub(super) fn s_first_leading_bit(x: u32) -> u32 {
    let v = if (x as i32) < 0 { !x } else { x };
    u_first_leading_bit(v)
}

/// `FindUMsb`: the highest set bit; all ones for 0.
#[inline(always)]
pub(super) fn u_first_leading_bit(x: u32) -> u32 {
    if x == 0 {
        u32::MAX
    } else {
        31 - x.leading_zeros()
    }
}

/// `FindILsb`: the lowest set bit; all ones for 0.
#[inline(always)]
pub(super) fn first_trailing_bit(x: u32) -> u32 {
    if x == 0 { u32::MAX } else { x.trailing_zeros() }
}

/// WGSL clamps `offset` to 32 and `count` to what is left (naga emits the clamp).
#[inline(always)]
fn bit_range(offset: u32, count: u32) -> (u32, u32) {
    let o = offset.min(32);
    (o, count.min(32 - o))
}

#[inline(always)]
pub(super) fn u_extract_bits(e: u32, offset: u32, count: u32) -> u32 {
    let (o, c) = bit_range(offset, count);
    if c == 0 {
        0
    } else {
        ((u64::from(e) >> o) & ((1u64 << c) - 1)) as u32
    }
}

#[inline(always)]
pub(super) fn s_extract_bits(e: u32, offset: u32, count: u32) -> u32 {
    let (o, c) = bit_range(offset, count);
    if c == 0 {
        0
    } else {
        let v = (i64::from(e as i32) >> o) << (64 - c);
        (v >> (64 - c)) as i32 as u32
    }
}

#[inline(always)]
pub(super) fn insert_bits(e: u32, newbits: u32, offset: u32, count: u32) -> u32 {
    let (o, c) = bit_range(offset, count);
    let mask = (((1u64 << c) - 1) << o) as u32;
    (e & !mask) | ((u64::from(newbits) << o) as u32 & mask)
}
