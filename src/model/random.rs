//! Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel
//! random numbers: as easy as 1, 2, 3", SC 2011), the generator of Random123 and cuRAND.
//! A block of four 32-bit numbers is a pure function of a 128-bit counter and a 64-bit
//! key, so every number can be keyed on what it belongs to (seed, population, neuron,
//! batch entry, timestep) and comes out the same on every backend, adapter, batch size
//! and thread count, in any order. The WGSL twin is `shaders/shared/philox.wgsl`; both
//! use only 32-bit integer operations, so they agree bit for bit. Normal and exponential
//! draws from its words are in [`distributions`].

pub mod distributions;

pub use distributions::{exponential_f32, normal_f32, normal_pair_f32};

/// Philox's round multipliers.
const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
/// Philox's key increments (the golden ratio and sqrt(3) - 1, as 32-bit fractions).
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// The high and low 32 bits of `a * b`.
#[inline]
fn mul_hi_lo(a: u32, b: u32) -> (u32, u32) {
    let product = u64::from(a) * u64::from(b);
    ((product >> 32) as u32, product as u32)
}

/// One Philox round.
#[inline]
fn round(c: [u32; 4], k: [u32; 2]) -> [u32; 4] {
    let (hi0, lo0) = mul_hi_lo(M0, c[0]);
    let (hi1, lo1) = mul_hi_lo(M1, c[2]);
    [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0]
}

/// Philox4x32-10: the block of four numbers of `counter` under `key`.
pub fn philox4x32_10(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = counter;
    let mut k = key;
    for i in 0..10 {
        if i > 0 {
            k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
        }
        c = round(c, k);
    }
    c
}

/// A uniform number in [0, 1) from the top 24 bits of `x`: a multiple of 2^-24, exact
/// in f32 on every backend (an integer below 2^24 converts exactly, and the scaling is
/// by a power of two).
#[inline]
pub fn uniform_f32(x: u32) -> f32 {
    (x >> 8) as f32 * (1.0 / 16_777_216.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn philox_gives_random123s_known_answers() {
        // Random123's tests/kat_vectors for philox4x32 10.
        let cases = [
            (
                [0; 4],
                [0; 2],
                [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8],
            ),
            (
                [u32::MAX; 4],
                [u32::MAX; 2],
                [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd],
            ),
            (
                [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
                [0xa409_3822, 0x299f_31d0],
                [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1],
            ),
        ];
        for (counter, key, expected) in cases {
            assert_eq!(philox4x32_10(counter, key), expected);
        }
    }

    /// Pearson's chi-square statistic of `counts` against a uniform expectation.
    fn chi_square(counts: &[u64]) -> f64 {
        let total: u64 = counts.iter().sum();
        let expected = total as f64 / counts.len() as f64;
        counts
            .iter()
            .map(|&n| (n as f64 - expected).powi(2) / expected)
            .sum()
    }

    /// Pearson's correlation of pairs.
    fn correlation(pairs: &[(f64, f64)]) -> f64 {
        let n = pairs.len() as f64;
        let (mx, my) = pairs
            .iter()
            .fold((0.0, 0.0), |(x, y), p| (x + p.0 / n, y + p.1 / n));
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for &(x, y) in pairs {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx).powi(2);
            syy += (y - my).powi(2);
        }
        sxy / (sxx * syy).sqrt()
    }

    #[test]
    fn uniforms_along_neurons_and_timesteps_are_uniform_and_uncorrelated() {
        const BINS: usize = 100;
        let key = [12_345, 0];
        let u = |neuron, timestep| {
            let block = philox4x32_10([neuron, 0, timestep, 0], key);
            block.map(|x| f64::from(uniform_f32(x)))
        };
        let mut counts = [0u64; BINS];
        let (mut by_neuron, mut by_step, mut in_block) = (Vec::new(), Vec::new(), Vec::new());
        for timestep in 0..200u32 {
            for neuron in 0..1_000u32 {
                let here = u(neuron, timestep);
                for x in here {
                    assert!((0.0..1.0).contains(&x));
                    counts[(x * BINS as f64) as usize] += 1;
                }
                by_neuron.push((here[0], u(neuron + 1, timestep)[0]));
                by_step.push((here[0], u(neuron, timestep + 1)[0]));
                in_block.push((here[0], here[1]));
            }
        }
        // 99 degrees of freedom: the 99.9th percentile of chi-square is 148.2.
        let chi2 = chi_square(&counts);
        assert!(chi2 < 148.2, "chi-square {chi2}");
        // Neighbours in neuron, in time and within a block: each correlation within 4.5
        // standard errors (1/sqrt(n)) of 0.
        for (what, pairs) in [
            ("neuron", by_neuron),
            ("timestep", by_step),
            ("block", in_block),
        ] {
            let r = correlation(&pairs);
            assert!(
                r.abs() < 4.5 / (pairs.len() as f64).sqrt(),
                "{what}: correlation {r}"
            );
        }
    }
}
