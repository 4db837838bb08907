use super::*;
use crate::model::random::philox4x32_10;
use std::f64::consts::{FRAC_1_SQRT_2, TAU};

/// The draws of the module doc's convention: the block of counter `[i, 0, 7, 0]`.
fn blocks(n: u32) -> impl Iterator<Item = [u32; 4]> {
    (0..n).map(|i| philox4x32_10([i, 0, 7, 0], [2_024, 11]))
}

/// The largest relative error of `got` against `truth` over `inputs`, with the input
/// where it is.
fn worst<T: Copy>(
    inputs: impl Iterator<Item = T>,
    got: impl Fn(T) -> f32,
    truth: impl Fn(T) -> f64,
) -> (f64, Option<T>) {
    let mut worst = (0.0, None);
    for x in inputs {
        let (g, t) = (f64::from(got(x)), truth(x));
        let e = ((g - t) / t).abs();
        if e > worst.0 {
            worst = (e, Some(x));
        }
    }
    worst
}

#[test]
fn extreme_words_give_finite_draws_in_range() {
    assert_eq!(open_uniform_f32(0), 2f32.powi(-32));
    assert_eq!(open_uniform_f32(u32::MAX), 1.0 - 2f32.powi(-24));
    assert_eq!(exponential_f32(0), (32.0 * std::f64::consts::LN_2) as f32);
    assert_eq!(exponential_f32(u32::MAX), 2f32.powi(-24));
    for a in edge_words() {
        let u = open_uniform_f32(a);
        assert!(u > 0.0 && u < 1.0 && u.is_normal(), "{a:#x}: U {u}");
        let e = exponential_f32(a);
        assert!(e > 0.0 && e < 22.2, "{a:#x}: exponential {e}");
        for b in edge_words() {
            for z in normal_pair_f32(a, b) {
                assert!(z.is_finite() && z.abs() < 6.67, "{a:#x} {b:#x}: normal {z}");
            }
        }
    }
}

#[test]
fn the_elementary_functions_are_within_two_ulp_of_f64() {
    // Every 61st word's uniform, including the smallest.
    let words = (0..=u32::MAX).step_by(61);
    let (ln, at) = worst(
        words,
        |x| ln_f32(open_uniform_f32(x)),
        |x| f64::from(open_uniform_f32(x)).ln(),
    );
    assert!(ln < 1.2e-7, "ln: relative error {ln:e} at {at:x?}");
    // Every 7th f32 from 2^-24 to 48, beyond -2 ln U's range both ways.
    let bits = (0x3380_0000u32..0x4240_0000).step_by(7);
    let (sqrt, at) = worst(
        bits,
        |b| sqrt_f32(f32::from_bits(b)),
        |b| f64::from(f32::from_bits(b)).sqrt(),
    );
    assert!(sqrt < 1.2e-7, "sqrt: relative error {sqrt:e} at {at:x?}");
    // Every 3rd angle but the quarter turns, where the truth is 0 (and so is ours).
    let angles = || (0..1u32 << 26).step_by(3).filter(|a| a % (1 << 24) != 0);
    let theta = |a: u32| TAU * f64::from(a) / f64::from(1u32 << 26);
    let (cos, at) = worst(angles(), |a| cos_sin_f32(a << 6)[0], |a| theta(a).cos());
    assert!(cos < 1.5e-7, "cos: relative error {cos:e} at {at:x?}");
    let (sin, at) = worst(angles(), |a| cos_sin_f32(a << 6)[1], |a| theta(a).sin());
    assert!(sin < 1.5e-7, "sin: relative error {sin:e} at {at:x?}");
    for quarter in 0..4 {
        let [c, s] = cos_sin_f32(quarter << 30);
        assert_eq!(
            [c.abs(), s.abs()],
            [[1.0, 0.0], [0.0, 1.0]][quarter as usize % 2]
        );
    }
}

#[test]
fn the_draws_are_within_a_few_ulp_of_the_f64_transform_of_their_uniforms() {
    let n = 1 << 20;
    let (exp, at) = worst(
        blocks(n),
        |b| exponential_f32(b[0]),
        |b| -f64::from(open_uniform_f32(b[0])).ln(),
    );
    assert!(
        exp < 1.2e-7,
        "exponential: relative error {exp:e} at {at:x?}"
    );
    // Box-Muller in f64 of the same uniform and angle.
    let box_muller = |b: [u32; 4]| {
        let radius = (-2.0 * f64::from(open_uniform_f32(b[0])).ln()).sqrt();
        let (sin, cos) = (TAU * f64::from(b[1] >> 6) / f64::from(1u32 << 26)).sin_cos();
        [radius * cos, radius * sin]
    };
    for half in 0..2 {
        let (normal, at) = worst(
            blocks(n),
            |b| normal_pair_f32(b[0], b[1])[half],
            |b| box_muller(b)[half],
        );
        assert!(
            normal < 4e-7,
            "normal {half}: relative error {normal:e} at {at:x?}"
        );
    }
    assert!(blocks(1_000).all(|b| normal_f32(b[0], b[1]) == normal_pair_f32(b[0], b[1])[0]));
}

/// The mean, variance, skewness and excess kurtosis of `xs`.
fn moments(xs: &[f64]) -> [f64; 4] {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let central = |k| xs.iter().map(|x| (x - mean).powi(k)).sum::<f64>() / n;
    let var = central(2);
    [
        mean,
        var,
        central(3) / var.powf(1.5),
        central(4) / (var * var) - 3.0,
    ]
}

/// Kolmogorov-Smirnov's statistic, sqrt(n) D, of `xs` against the CDF `cdf`.
fn kolmogorov_smirnov(mut xs: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    let d = xs.iter().enumerate().fold(0.0f64, |d, (i, &x)| {
        let f = cdf(x);
        d.max(f - i as f64 / n).max((i + 1) as f64 / n - f)
    });
    d * n.sqrt()
}

/// erfc by Numerical Recipes' Chebyshev fit (`erfcc`, fractional error below 1.2e-7
/// everywhere): independent of the code under test, and far finer than the 1e-3 the
/// statistics below resolve.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let c = [
        -1.265_512_23,
        1.000_023_68,
        0.374_091_96,
        0.096_784_18,
        -0.186_288_06,
        0.278_868_07,
        -1.135_203_98,
        1.488_515_87,
        -0.822_152_23,
        0.170_872_77,
    ];
    let poly = c.iter().rev().fold(0.0, |p, &c| c + t * p);
    let r = t * (-z * z + poly).exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x * FRAC_1_SQRT_2)
}

/// How many of `xs` lie beyond `at`, as standard errors from the expected `p` of them.
fn tail_z(xs: &[f64], at: f64, p: f64) -> f64 {
    let n = xs.len() as f64;
    let count = xs.iter().filter(|&&x| x > at).count() as f64;
    (count - n * p) / (n * p * (1.0 - p)).sqrt()
}

// Each statistic below is held within about 5 standard errors of its expectation: the
// draws are fixed, so a pass is a pass on every run, and a wrong transform (a bias of
// 1% in the variance, a tail off by 10%) fails by far more.

#[test]
fn normal_draws_are_standard_normal() {
    let xs: Vec<f64> = blocks(1 << 19)
        .flat_map(|b| normal_pair_f32(b[0], b[1]))
        .map(f64::from)
        .collect();
    let n = xs.len() as f64;
    let [mean, var, skew, kurt] = moments(&xs);
    let se = |k: f64| (k / n).sqrt();
    assert!(mean.abs() < 5.0 * se(1.0), "mean {mean}");
    assert!((var - 1.0).abs() < 5.0 * se(2.0), "variance {var}");
    assert!(skew.abs() < 5.0 * se(6.0), "skewness {skew}");
    assert!(kurt.abs() < 5.0 * se(24.0), "excess kurtosis {kurt}");
    for sigmas in [3.0, 4.0] {
        let p = 0.5 * erfc(sigmas * FRAC_1_SQRT_2);
        let z = tail_z(&xs, sigmas, p);
        let below: Vec<f64> = xs.iter().map(|x| -x).collect();
        let z_below = tail_z(&below, sigmas, p);
        assert!(
            z.abs() < 5.0 && z_below.abs() < 5.0,
            "{sigmas} sigma: {z}, {z_below}"
        );
    }
    // The two halves of a pair are uncorrelated.
    let r = xs.chunks(2).map(|p| p[0] * p[1]).sum::<f64>() / (n / 2.0);
    assert!(
        r.abs() < 5.0 / (n / 2.0).sqrt(),
        "correlation in a pair {r}"
    );
    // The 99.9th percentile of Kolmogorov's distribution is 1.95.
    let ks = kolmogorov_smirnov(xs, normal_cdf);
    assert!(ks < 1.95, "Kolmogorov-Smirnov {ks}");
}

#[test]
fn exponential_draws_are_exponential() {
    let xs: Vec<f64> = blocks(1 << 20)
        .map(|b| f64::from(exponential_f32(b[0])))
        .collect();
    let n = xs.len() as f64;
    let [mean, var, skew, _] = moments(&xs);
    // The exponential's mean and variance are 1, its skewness 2; the sample variance's
    // variance is (mu4 - 1) / n = 8 / n.
    assert!((mean - 1.0).abs() < 5.0 / n.sqrt(), "mean {mean}");
    assert!((var - 1.0).abs() < 5.0 * (8.0 / n).sqrt(), "variance {var}");
    assert!((skew - 2.0).abs() < 0.1, "skewness {skew}");
    for at in [3.0, 8.0, 12.0] {
        let z = tail_z(&xs, at, (-at).exp());
        assert!(z.abs() < 5.0, "beyond {at}: {z} standard errors");
    }
    let ks = kolmogorov_smirnov(xs, |x| -(-x).exp_m1());
    assert!(ks < 1.95, "Kolmogorov-Smirnov {ks}");
}
