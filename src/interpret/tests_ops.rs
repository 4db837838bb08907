//! Operators, conversions and builtins, one small function each; the GPU twin runs the
//! same table on the adapter.

use super::*;
use crate::interpret::math;

/// The input a parameter gets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Ty {
    /// f32 with NaNs, infinities, ties and conversion edges.
    F,
    /// f32 without NaN (where WGSL leaves NaN operands to the driver).
    Finite,
    S,
    U,
}

pub(crate) struct Case {
    pub name: &'static str,
    /// A WGSL function named `name`, returning f32, i32 or u32. `product(a, b)` is an
    /// f32 product the GPU may not fuse into an add.
    pub src: &'static str,
    pub args: &'static [Ty],
    /// Whether every GPU must agree bit for bit (read by the GPU twin).
    #[cfg_attr(not(feature = "gpu"), allow(dead_code))]
    pub exact: bool,
    pub rust: fn(&[u32]) -> u32,
}

pub(crate) fn inputs(args: &[Ty], n: usize) -> Vec<Vec<u32>> {
    args.iter()
        .enumerate()
        .map(|(i, ty)| match ty {
            Ty::F => floats(n, i as u32 * 7 + 1),
            Ty::Finite => floats(n, i as u32 * 7 + 1)
                .into_iter()
                .map(|x| if f(x).is_nan() { 0x3f80_0000 } else { x })
                .collect(),
            Ty::S | Ty::U => ints(n, i as u32 * 7 + 1),
        })
        .collect()
}

fn fb(x: f32) -> u32 {
    x.to_bits()
}

fn ordered_ne(a: f32, b: f32) -> bool {
    !a.is_nan() && !b.is_nan() && a != b
}

fn s(x: u32) -> i32 {
    x as i32
}

macro_rules! case {
    ($name:literal, $args:expr, $exact:expr, $src:literal, $rust:expr) => {
        Case {
            name: $name,
            src: $src,
            args: $args,
            exact: $exact,
            rust: $rust,
        }
    };
}

use Ty::{F, Finite, S, U};

pub(crate) const CASES: &[Case] = &[
    case!(
        "s_div",
        &[S, S],
        true,
        "fn s_div(a: i32, b: i32) -> i32 { return a / b; }",
        |x| math::sdiv(x[0], x[1])
    ),
    case!(
        "s_rem",
        &[S, S],
        true,
        "fn s_rem(a: i32, b: i32) -> i32 { return a % b; }",
        |x| {
            // The guarded cases by hand: by 0 and i32::MIN % -1 give 0.
            if x[1] == 0 || (s(x[0]) == i32::MIN && s(x[1]) == -1) {
                0
            } else {
                (s(x[0]) % s(x[1])) as u32
            }
        }
    ),
    case!(
        "u_div",
        &[U, U],
        true,
        "fn u_div(a: u32, b: u32) -> u32 { return a / b; }",
        |x| x[0].checked_div(x[1]).unwrap_or(x[0])
    ),
    case!(
        "u_rem",
        &[U, U],
        true,
        "fn u_rem(a: u32, b: u32) -> u32 { return a % b; }",
        |x| { if x[1] == 0 { 0 } else { x[0] % x[1] } }
    ),
    case!(
        "s_div_edges",
        &[S],
        true,
        "fn s_div_edges(a: i32) -> i32 { return (a / (a & 0)) ^ ((-2147483647 - 1) / (a | -1)); }",
        |x| x[0]
            ^ if s(x[0] | u32::MAX) == -1 {
                i32::MIN as u32
            } else {
                0
            }
    ),
    case!(
        "wrapping",
        &[S, S],
        true,
        "fn wrapping(a: i32, b: i32) -> i32 { return a * b + a - b - (-a); }",
        |x| s(x[0])
            .wrapping_mul(s(x[1]))
            .wrapping_add(s(x[0]))
            .wrapping_sub(s(x[1]))
            .wrapping_add(s(x[0])) as u32
    ),
    case!(
        "shifts",
        &[S, U],
        true,
        "fn shifts(a: i32, b: u32) -> u32 { return (u32(a << b) ^ u32(a >> b)) ^ (u32(a) >> b); }",
        |x| {
            let k = x[1] % 32;
            (x[0] << k) ^ (s(x[0]) >> k) as u32 ^ (x[0] >> k)
        }
    ),
    case!(
        "bitwise",
        &[U, U],
        true,
        "fn bitwise(a: u32, b: u32) -> u32 { return ((~a) ^ b) | (a & (b >> 3u)); }",
        |x| (!x[0] ^ x[1]) | (x[0] & (x[1] >> 3))
    ),
    case!(
        "cmp_s",
        &[S, S],
        true,
        "fn cmp_s(a: i32, b: i32) -> u32 { return select(0u, 1u, a < b) | select(0u, 2u, a <= b) | select(0u, 4u, a > b) | select(0u, 8u, a >= b) | select(0u, 16u, a == b) | select(0u, 32u, a != b); }",
        |x| {
            let (a, b) = (s(x[0]), s(x[1]));
            u32::from(a < b)
                | u32::from(a <= b) << 1
                | u32::from(a > b) << 2
                | u32::from(a >= b) << 3
                | u32::from(a == b) << 4
                | u32::from(a != b) << 5
        }
    ),
    case!(
        "cmp_u",
        &[U, U],
        true,
        "fn cmp_u(a: u32, b: u32) -> u32 { return u32(a < b) | (u32(a <= b) << 1u) | (u32(a > b) << 2u) | (u32(a >= b) << 3u); }",
        |x| {
            let (a, b) = (x[0], x[1]);
            u32::from(a < b)
                | u32::from(a <= b) << 1
                | u32::from(a > b) << 2
                | u32::from(a >= b) << 3
        }
    ),
    // `!=` is ordered (false for NaN), `bool(x)` unordered (true for NaN), as naga emits.
    case!(
        "cmp_f",
        &[F, F],
        true,
        "fn cmp_f(a: f32, b: f32) -> u32 { return u32(a < b) | (u32(a <= b) << 1u) | (u32(a > b) << 2u) | (u32(a >= b) << 3u) | (u32(a == b) << 4u) | (u32(a != b) << 5u) | (u32(!(a < b) && (a != 0.0)) << 6u) | (u32(bool(a)) << 7u); }",
        |x| {
            let (a, b) = (f(x[0]), f(x[1]));
            u32::from(a < b)
                | u32::from(a <= b) << 1
                | u32::from(a > b) << 2
                | u32::from(a >= b) << 3
                | u32::from(a == b) << 4
                | u32::from(ordered_ne(a, b)) << 5
                | u32::from(
                    a.partial_cmp(&b) != Some(std::cmp::Ordering::Less) && ordered_ne(a, 0.0),
                ) << 6
                | u32::from(a != 0.0) << 7
        }
    ),
    case!(
        "f_arith",
        &[F, F],
        true,
        "fn f_arith(a: f32, b: f32) -> f32 { return product(a, b) + a - b - (-a); }",
        |x| fb(f(x[0]) * f(x[1]) + f(x[0]) - f(x[1]) + f(x[0]))
    ),
    case!(
        "to_i32",
        &[F],
        true,
        "fn to_i32(a: f32) -> i32 { return i32(a); }",
        |x| math::f2s(x[0])
    ),
    case!(
        "to_u32",
        &[F],
        true,
        "fn to_u32(a: f32) -> u32 { return u32(a); }",
        |x| math::f2u(x[0])
    ),
    case!(
        "from_ints",
        &[S, U],
        true,
        "fn from_ints(a: i32, b: u32) -> f32 { return f32(a) - f32(b); }",
        |x| fb(s(x[0]) as f32 - x[1] as f32)
    ),
    case!(
        "bitcasts",
        &[S, F],
        true,
        "fn bitcasts(a: i32, b: f32) -> u32 { return bitcast<u32>(a) ^ u32(bitcast<i32>(b)) ^ (u32(a > 0) << 5u) ^ u32(f32(b > 0.0) * 4.0); }",
        |x| x[0] ^ x[1] ^ u32::from(s(x[0]) > 0) << 5 ^ if f(x[1]) > 0.0 { 4 } else { 0 }
    ),
    case!(
        "round_",
        &[F],
        true,
        "fn round_(a: f32) -> f32 { return round(a); }",
        |x| fb(f(x[0]).round_ties_even())
    ),
    case!(
        "floor_",
        &[F],
        true,
        "fn floor_(a: f32) -> f32 { return floor(a); }",
        |x| fb(f(x[0]).floor())
    ),
    case!(
        "ceil_",
        &[F],
        true,
        "fn ceil_(a: f32) -> f32 { return ceil(a); }",
        |x| fb(f(x[0]).ceil())
    ),
    case!(
        "trunc_",
        &[F],
        true,
        "fn trunc_(a: f32) -> f32 { return trunc(a); }",
        |x| fb(f(x[0]).trunc())
    ),
    case!(
        "fract_",
        &[Finite],
        true,
        "fn fract_(a: f32) -> f32 { return fract(a); }",
        |x| fb(f(x[0]) - f(x[0]).floor())
    ),
    case!(
        "select_",
        &[F, F],
        true,
        "fn select_(a: f32, b: f32) -> f32 { return select(a, b, a < b); }",
        |x| if f(x[0]) < f(x[1]) { x[1] } else { x[0] }
    ),
    case!(
        "abs_sign",
        &[F],
        true,
        "fn abs_sign(a: f32) -> f32 { return abs(a) - sign(a) * 0.0 + sign(a); }",
        |x| {
            let a = f(x[0]);
            let sg = if a > 0.0 {
                1.0
            } else if a < 0.0 {
                -1.0
            } else {
                0.0
            };
            fb(a.abs() - sg * 0.0 + sg)
        }
    ),
    case!(
        "min_max_f",
        &[Finite, Finite],
        true,
        "fn min_max_f(a: f32, b: f32) -> f32 { return min(a, b) - max(a, b) * 0.5 + clamp(a, -1.0, 2.0) - saturate(b) + step(a, b); }",
        |x| {
            let (a, b) = (f(x[0]), f(x[1]));
            fb(
                a.min(b) - a.max(b) * 0.5 + a.clamp(-1.0, 2.0) - b.clamp(0.0, 1.0)
                    + if b < a { 0.0 } else { 1.0 },
            )
        }
    ),
    case!(
        "int_math",
        &[S, S],
        true,
        "fn int_math(a: i32, b: i32) -> i32 { return abs(a) ^ min(a, b) ^ (max(a, b) << 1u) ^ (clamp(a, -5, b) << 2u) ^ (sign(a) << 3u); }",
        |x| {
            let (a, b) = (s(x[0]), s(x[1]));
            (a.wrapping_abs()
                ^ a.min(b)
                ^ (a.max(b) << 1)
                ^ (a.max(-5).min(b) << 2)
                ^ (a.signum() << 3)) as u32
        }
    ),
    case!(
        "uint_math",
        &[U, U],
        true,
        "fn uint_math(a: u32, b: u32) -> u32 { return abs(a) ^ min(a, b) ^ (max(a, b) >> 1u) ^ (clamp(a, 7u, b) << 2u); }",
        |x| {
            let (a, b) = (x[0], x[1]);
            a ^ a.min(b) ^ (a.max(b) >> 1) ^ (a.max(7).min(b) << 2)
        }
    ),
    case!(
        "bit_counts",
        &[U],
        true,
        "fn bit_counts(a: u32) -> u32 { return (countOneBits(a) | (countLeadingZeros(a) << 6u) | (countTrailingZeros(a) << 12u) | (firstLeadingBit(a) << 18u) | (firstTrailingBit(a) << 24u)) ^ reverseBits(a); }",
        |x| {
            let a = x[0];
            (a.count_ones()
                | a.leading_zeros() << 6
                | a.trailing_zeros() << 12
                | math::u_first_leading_bit(a) << 18
                | math::first_trailing_bit(a) << 24)
                ^ a.reverse_bits()
        }
    ),
    case!(
        "leading_s",
        &[S],
        true,
        "fn leading_s(a: i32) -> i32 { return firstLeadingBit(a); }",
        |x| {
            let a = s(x[0]);
            let v = if a < 0 { !a } else { a };
            if v == 0 {
                u32::MAX
            } else {
                31 - v.leading_zeros()
            }
        }
    ),
    case!(
        "extract_u",
        &[U, U],
        true,
        "fn extract_u(a: u32, b: u32) -> u32 { return extractBits(a, b % 40u, (b >> 8u) % 40u); }",
        |x| {
            let (o, c) = (x[1] % 40, (x[1] >> 8) % 40);
            let o = o.min(32);
            let c = c.min(32 - o);
            if c == 0 {
                0
            } else {
                ((u64::from(x[0]) >> o) & ((1 << c) - 1)) as u32
            }
        }
    ),
    case!(
        "extract_s",
        &[S, U],
        true,
        "fn extract_s(a: i32, b: u32) -> i32 { return extractBits(a, b % 40u, (b >> 8u) % 40u); }",
        |x| {
            let (o, c) = (x[1] % 40, (x[1] >> 8) % 40);
            let o = o.min(32);
            let c = c.min(32 - o);
            if c == 0 {
                0
            } else {
                let bits = (u64::from(x[0]) >> o) & ((1 << c) - 1);
                let sign = 1u64 << (c - 1);
                ((bits ^ sign).wrapping_sub(sign)) as u32
            }
        }
    ),
    case!(
        "insert",
        &[U, U],
        true,
        "fn insert(a: u32, b: u32) -> u32 { return insertBits(a, ~b, b % 40u, (b >> 8u) % 40u); }",
        |x| {
            let (o, c) = (x[1] % 40, (x[1] >> 8) % 40);
            let o = o.min(32);
            let c = c.min(32 - o);
            let m = (((1u64 << c) - 1) << o) as u32;
            (x[0] & !m) | ((u64::from(!x[1]) << o) as u32 & m)
        }
    ),
    case!(
        "div_f",
        &[F, F],
        false,
        "fn div_f(a: f32, b: f32) -> f32 { return a / b; }",
        |x| fb(f(x[0]) / f(x[1]))
    ),
    case!(
        "transcendental",
        &[Finite],
        false,
        "fn transcendental(a: f32) -> f32 { return sqrt(abs(a)) + exp(a * 1e-3) - log(abs(a) + 1.0) + sin(a) * tanh(a) + pow(abs(a), 0.3) + atan2(a, 3.0); }",
        |x| {
            let a = f(x[0]);
            fb(a.abs().sqrt() + (a * 1e-3).exp() - (a.abs() + 1.0).ln()
                + a.sin() * a.tanh()
                + a.abs().powf(0.3)
                + a.atan2(3.0))
        }
    ),
    case!(
        "mix_smooth",
        &[Finite, Finite],
        false,
        "fn mix_smooth(a: f32, b: f32) -> f32 { return mix(a, b, 0.25) + smoothstep(-1.0, 2.0, a); }",
        |x| {
            let (a, b) = (f(x[0]), f(x[1]));
            let t = ((a + 1.0) / 3.0).clamp(0.0, 1.0);
            fb(a * 0.75 + b * 0.25 + t * t * (3.0 - 2.0 * t))
        }
    ),
];

/// The module a case runs in on the CPU: `product` is a plain product there.
pub(crate) fn cpu_source(case: &Case) -> String {
    format!(
        "fn product(a: f32, b: f32) -> f32 {{ return a * b; }}\n{}",
        case.src
    )
}

#[test]
fn every_operation_matches_plain_rust_bit_for_bit() {
    for case in CASES {
        let prog = program(&cpu_source(case), case.name, &[]);
        let inputs = inputs(case.args, 1200);
        let n = inputs[0].len();
        for chunk in CHUNKS {
            let got = run_values(&prog, &inputs, chunk);
            for i in 0..n {
                let lane: Vec<u32> = inputs.iter().map(|v| v[i]).collect();
                assert_eq!(
                    got[i],
                    (case.rust)(&lane),
                    "{} lane {i} (chunk {chunk}), inputs {lane:x?}",
                    case.name
                );
            }
        }
    }
}

#[test]
fn integer_division_by_zero_in_inactive_lanes_does_not_panic() {
    let src = "fn f(a: i32, b: i32) -> i32 { if (b != 0) { return a / b; } return (a % b) + i32(f32(a) / f32(b)); }";
    let prog = program(src, "f", &[]);
    let a = vec![i32::MIN as u32, 5, 0, u32::MAX];
    let b = vec![u32::MAX, 0, 0, 0];
    let got = run_values(&prog, &[a, b], 4);
    // 5 / 0.0 is +inf, 0 / 0.0 NaN, -1 / 0.0 -inf: saturated, NaN to the lower bound.
    assert_eq!(
        got,
        vec![
            i32::MIN as u32,
            2_147_483_520,
            i32::MIN as u32,
            i32::MIN as u32
        ]
    );
}
