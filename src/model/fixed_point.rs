//! Synaptic input in fixed point: how every backend sums a timestep's spikes into the same
//! bits, whatever order they arrive in. The WGSL twins of the conversions are in
//! `shaders/shared/fixed_point.wgsl`.

use super::ModelError;

/// How wide a synapse group's fixed-point accumulator is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccumulatorWidth {
    /// An `i32` per neuron: groups with one constant weight, which no other weight can
    /// crowd out.
    Bits32,
    /// An `i64` per neuron (two 32-bit words on the GPU): groups with per-synapse
    /// weights, so that every weight keeps its value beside the largest.
    Bits64,
}

/// A synapse group's weights in the fixed-point form synaptic input is accumulated in.
///
/// Both backends sum a timestep's spikes into an integer per postsynaptic neuron as
/// fixed-point units of `2^-exponent` (on the GPU with `atomicAdd`, which WGSL has for
/// integers but not floats) and then add the sum, rounded to the nearest f32, times
/// `inv_scale` to `inSyn`. Integer sums don't depend on the order spikes arrive in, so
/// every backend and every run gives the same bits.
///
/// - A constant weight (`fit`) is summed in 32 bits: the scale is the largest power of
///   two for which `fan_in * |g|` stays within 2^30, so the weight keeps at least
///   30 - log2(fan_in) significant bits, whatever the network's other weights.
/// - Per-synapse weights (`fit_per_synapse`) are summed in 64 bits, with the largest
///   scale for which the most input one neuron can receive in one timestep stays within
///   2^62. Every weight that is a whole number of units is summed exactly, its f32 value
///   to the last bit, and that is every weight of magnitude at least
///   [`smallest_exact`](Self::smallest_exact): 2^23 units, less than 2^-38 times the
///   most input. A static group with a nonzero weight that isn't is refused
///   ([`ModelError::WeightTooSmallForFixedPoint`]); a plastic group's weights below it
///   are rounded to the nearest unit as learning reaches them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FixedPointWeight {
    /// The weight (the largest one, for per-synapse weights).
    pub g: f64,
    /// `g` in fixed-point units, for a constant weight (0 for per-synapse weights, which
    /// are converted one by one with [`to_fixed64`](Self::to_fixed64)).
    pub weight_fixed: i32,
    /// `2^-exponent`, exactly representable in f32.
    pub inv_scale: f32,
    /// Fixed-point units are `2^-exponent`.
    pub exponent: i32,
    /// The accumulator's width.
    pub width: AccumulatorWidth,
}

const FIXED_POINT_HEADROOM: f64 = (1u64 << 30) as f64;
/// The 64-bit accumulator's headroom: a sum within 2^62 in magnitude, however rounded,
/// fits an `i64`, and the two's-complement words wrap through any partial sum.
const WIDE_HEADROOM: f64 = (1u64 << 62) as f64;
/// Below this many units per weight, quantisation would cost more than f32 precision.
const MIN_WEIGHT_UNITS: f64 = (1u64 << 10) as f64;
/// Scales are powers of two whose inverse `2^-exponent` is a normal f32.
const MAX_EXPONENT: i32 = 126;

impl FixedPointWeight {
    /// The 32-bit scale for one constant weight `g` into neurons with up to `max_inputs`
    /// synapses; `group` names the synapse group in errors.
    pub(crate) fn fit(group: &str, g: f64, max_inputs: u64) -> Result<Self, ModelError> {
        let max_units_per_weight = FIXED_POINT_HEADROOM / max_inputs.max(1) as f64;
        if max_units_per_weight < MIN_WEIGHT_UNITS {
            return Err(ModelError::TooManyInputsForFixedPoint {
                group: group.to_owned(),
                inputs: max_inputs,
                max: (FIXED_POINT_HEADROOM / MIN_WEIGHT_UNITS) as u64,
            });
        }
        if g == 0.0 {
            return Ok(FixedPointWeight::unit(g, AccumulatorWidth::Bits32));
        }
        let exponent = largest_exponent(g.abs(), max_units_per_weight);
        // 2^-exponent must be a normal f32 for inv_scale to be exact.
        if !(-MAX_EXPONENT..=MAX_EXPONENT).contains(&exponent) {
            return Err(ModelError::InvalidParameter {
                owner: format!("synapse group '{group}'"),
                parameter: "g",
                value: g,
                requirement: "between about 1e-30 and 1e30 in magnitude (or 0)",
            });
        }
        Ok(FixedPointWeight {
            g,
            weight_fixed: (g * 2f64.powi(exponent)).round() as i32,
            inv_scale: 2f64.powi(-exponent) as f32,
            exponent,
            width: AccumulatorWidth::Bits32,
        })
    }

    /// The 64-bit scale for per-synapse weights up to `largest` in magnitude, where one
    /// neuron can receive at most `max_input` (the sum of the magnitudes of the weights
    /// that can reach it in one timestep) in a timestep: the largest power of two `2^k`
    /// with `max_input * 2^k <= 2^62`, so every sum, each weight rounded, fits an `i64`.
    ///
    /// Guaranteed: every weight of magnitude at least `2^(23 - k)` (less than
    /// `max_input * 2^-38`), and every whole multiple of `2^-k`, is summed exactly; the
    /// sum reaches `inSyn` as the nearest f32 to the exact sum. [`check_exact`] refuses
    /// static weights outside this. The scale is capped at 2^126, so a group of tiny
    /// weights holds them exactly down to 2^-103.
    ///
    /// [`check_exact`]: Self::check_exact
    pub(crate) fn fit_per_synapse(
        group: &str,
        largest: f64,
        max_input: f64,
    ) -> Result<Self, ModelError> {
        if max_input == 0.0 {
            return Ok(FixedPointWeight::unit(largest, AccumulatorWidth::Bits64));
        }
        let exponent = largest_exponent(max_input, WIDE_HEADROOM).min(MAX_EXPONENT);
        // f32 weights times at most 2^32 synapses stay far above 2^-126 * 2^62.
        if exponent < -MAX_EXPONENT {
            return Err(ModelError::InvalidParameter {
                owner: format!("synapse group '{group}'"),
                parameter: "g",
                value: largest,
                requirement: "small enough that one neuron's input in a timestep stays below about 1e40",
            });
        }
        Ok(FixedPointWeight {
            g: largest,
            weight_fixed: 0,
            inv_scale: 2f64.powi(-exponent) as f32,
            exponent,
            width: AccumulatorWidth::Bits64,
        })
    }

    /// Units of 1, for groups whose weights are all 0.
    fn unit(g: f64, width: AccumulatorWidth) -> Self {
        FixedPointWeight {
            g,
            weight_fixed: 0,
            inv_scale: 1.0,
            exponent: 0,
            width,
        }
    }

    /// A per-synapse weight in 64-bit fixed-point units: `g * 2^exponent` (exact in f32)
    /// rounded to the nearest integer, ties to even, as WGSL's `round` does.
    #[inline]
    pub fn to_fixed64(&self, g: f32) -> i64 {
        (g * (1.0 / self.inv_scale)).round_ties_even() as i64
    }

    /// The most input one neuron may get in a timestep that a 64-bit accumulator holds
    /// at this scale.
    pub fn largest_input(&self) -> f64 {
        WIDE_HEADROOM * f64::from(self.inv_scale)
    }

    /// Whether `g` is a whole number of units, so that it is summed exactly.
    pub fn holds_exactly(&self, g: f32) -> bool {
        let units = g * (1.0 / self.inv_scale);
        units == units.round_ties_even()
    }

    /// The magnitude from which every f32 weight is a whole number of units (its last
    /// bit is worth at least one): 2^23 units.
    pub fn smallest_exact(&self) -> f64 {
        2f64.powi(23 - self.exponent)
    }

    /// Refuses per-synapse weights `g` (in the order the description gives them) of which
    /// one is nonzero but not a whole number of units: it would be summed with less than
    /// f32 precision, or not at all.
    pub(crate) fn check_exact(&self, group: &str, g: &[f32]) -> Result<(), ModelError> {
        let worst = g
            .iter()
            .enumerate()
            .filter(|&(_, &w)| !self.holds_exactly(w))
            .min_by(|(_, a), (_, b)| a.abs().total_cmp(&b.abs()));
        match worst {
            None => Ok(()),
            Some((synapse, &weight)) => Err(ModelError::WeightTooSmallForFixedPoint {
                group: group.to_owned(),
                weight,
                synapse,
                largest: self.g,
                smallest_exact: self.smallest_exact(),
            }),
        }
    }
}

/// The largest `k` with `magnitude * 2^k <= headroom` (`magnitude` > 0).
fn largest_exponent(magnitude: f64, headroom: f64) -> i32 {
    let mut exponent = (headroom / magnitude).log2().floor() as i32;
    while magnitude * 2f64.powi(exponent) > headroom {
        exponent -= 1;
    }
    exponent
}

/// A 32-bit fixed-point input sum as the nearest f32, ties to even (Rust's conversion,
/// one instruction). `fixed_to_f32` in `shaders/shared/fixed_point.wgsl` gets the same
/// f32 in two exact halves and one correctly rounded add, because WGSL leaves the
/// rounding of a plain conversion to the device.
#[inline]
pub fn fixed_to_f32(acc: i32) -> f32 {
    acc as f32
}

/// A 64-bit fixed-point input sum as the nearest f32, ties to even (Rust's conversion),
/// which `wide_fixed_to_f32` in `shaders/shared/fixed_point.wgsl` computes with integer
/// operations. For sums within `i32` it equals [`fixed_to_f32`].
#[inline]
pub fn wide_fixed_to_f32(acc: i64) -> f32 {
    acc as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_weight_uses_the_headroom_and_is_exact_enough() {
        let w = FixedPointWeight::fit("g", 0.2, 20).unwrap();
        assert_eq!(w.exponent, 28);
        assert_eq!(w.width, AccumulatorWidth::Bits32);
        assert!((f64::from(w.weight_fixed) * f64::from(w.inv_scale) - 0.2).abs() < 1e-8);
        assert!(i64::from(w.weight_fixed) * 20 <= 1 << 30);
        let neg = FixedPointWeight::fit("g", -5.0, 20000).unwrap();
        assert!(neg.weight_fixed < 0);
        assert!((f64::from(neg.weight_fixed) * f64::from(neg.inv_scale) + 5.0).abs() < 5.0 * 1e-4);
        assert!(FixedPointWeight::fit("g", 1.0, 1 << 25).is_err());
        assert!(FixedPointWeight::fit("g", 1e-35, 20).is_err());
        assert!(FixedPointWeight::fit("g", -1e50, 20).is_err());
    }

    #[test]
    fn one_huge_weight_leaves_every_ordinary_weight_exact() {
        // A weight of 1000 beside trained weights of about 0.01, into neurons of 20 000
        // synapses: a 32-bit scale fitted to the 1000 would leave 0.01 about 10 units.
        let w = FixedPointWeight::fit_per_synapse("kc_mbon", 1000.0, 1000.0 * 20000.0).unwrap();
        assert_eq!(w.width, AccumulatorWidth::Bits64);
        assert_eq!(w.exponent, 37);
        assert!(1000.0 * 20000.0 * 2f64.powi(w.exponent) <= 2f64.powi(62));
        assert!(w.smallest_exact() <= 1000.0 * 20000.0 * 2f64.powi(-38));
        for g in [0.01f32, 0.0233, 1.0e-4, -0.3, 1000.0, 6.2e-5, 0.0] {
            assert!(w.holds_exactly(g), "{g}");
            let units = w.to_fixed64(g);
            // Exact: the units times the scale give the f32 weight back, bit for bit.
            assert_eq!((units as f64 * f64::from(w.inv_scale)) as f32, g, "{g}");
        }
        // Every f32 from smallest_exact up is exact; below, only multiples of the unit.
        let edge = w.smallest_exact() as f32;
        assert!(w.holds_exactly(edge) && w.holds_exactly(f32::from_bits(edge.to_bits() + 1)));
        assert!(!w.holds_exactly(f32::from_bits(edge.to_bits() - 1)));
        assert!(w.holds_exactly(w.inv_scale * 3.0));
        // The units of the largest possible sum fit an i64 with room to spare.
        assert!(w.to_fixed64(1000.0) as f64 * 20000.0 <= 2f64.powi(62));
        // Tiny weights only: the scale stops at 2^126, exact down to 2^-103.
        let tiny = FixedPointWeight::fit_per_synapse("g", 1e-30, 1e-28).unwrap();
        assert_eq!(tiny.exponent, MAX_EXPONENT);
        assert_eq!(tiny.smallest_exact(), 2f64.powi(-103));
        assert!(tiny.holds_exactly(1e-30) && !tiny.holds_exactly(1e-35));
        let none = FixedPointWeight::fit_per_synapse("g", 0.0, 0.0).unwrap();
        assert_eq!((none.exponent, none.inv_scale), (0, 1.0));
    }

    #[test]
    fn weights_too_small_beside_the_largest_are_refused_naming_them() {
        let w = FixedPointWeight::fit_per_synapse("big_and_small", 1e4, 1e4 * 100.0).unwrap();
        assert_eq!(
            w.check_exact("big_and_small", &[1e4, 0.5, 0.0, -1e-3]),
            Ok(())
        );
        let refused = w.check_exact("big_and_small", &[1e4, 1e-9, 0.5, -3e-10, 0.0]);
        assert_eq!(
            refused,
            Err(ModelError::WeightTooSmallForFixedPoint {
                group: "big_and_small".to_owned(),
                weight: -3e-10,
                synapse: 3,
                largest: 1e4,
                smallest_exact: w.smallest_exact(),
            })
        );
        let message = refused.unwrap_err().to_string();
        for part in ["'big_and_small'", "-3e-10", "#3", "1e4", "set"] {
            assert!(message.contains(part), "{part} in {message}");
        }
    }

    /// `fixed_to_f32` of `shaders/shared/fixed_point.wgsl`, one lane.
    fn wgsl_fixed_to_f32(acc: i32) -> f32 {
        (acc >> 12) as f32 * 4096.0 + (acc & 4095) as f32
    }

    #[test]
    fn fixed_to_f32_is_the_shaders_two_halves_and_a_plain_conversion() {
        let edges = [
            0,
            1,
            -1,
            4095,
            4096,
            -4097,
            53_687_091,
            -53_687_091,
            1 << 30,
            i32::MAX,
            i32::MIN,
            16_777_217,
            -16_777_219,
            1_073_741_823,
        ];
        // Ties at every scale above 2^24, to the even f32 below and above in magnitude,
        // and random words.
        let ties = (25..31).flat_map(|k| {
            [
                (1i32 << k) + (1 << (k - 24)),
                -(1i32 << k) - (3 << (k - 24)),
            ]
        });
        let mut state = 0x9e37_79b9_u32;
        let random = std::iter::repeat_with(move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as i32
        });
        for acc in edges.into_iter().chain(ties).chain(random.take(100_000)) {
            assert_eq!(
                fixed_to_f32(acc).to_bits(),
                wgsl_fixed_to_f32(acc).to_bits(),
                "{acc}"
            );
            assert_eq!(fixed_to_f32(acc), acc as f32, "{acc}");
            assert_eq!(wide_fixed_to_f32(i64::from(acc)), acc as f32, "{acc}");
        }
    }

    /// `wide_fixed_to_f32` of `shaders/shared/fixed_point.wgsl`, one lane, operation for
    /// operation on the two words.
    fn wgsl_wide_fixed_to_f32(lo: u32, hi: u32) -> f32 {
        let negative = hi >= 0x8000_0000;
        let m_lo = if negative { 0u32.wrapping_sub(lo) } else { lo };
        let m_hi = if negative {
            (!hi).wrapping_add(u32::from(lo == 0))
        } else {
            hi
        };
        let in_high = m_hi != 0;
        let shift_hi = m_hi.leading_zeros().min(31);
        let shift_lo = m_lo.leading_zeros().min(31);
        let top = if in_high {
            (m_hi << shift_hi) | ((m_lo >> 1) >> (31 - shift_hi))
        } else {
            m_lo << shift_lo
        };
        let rest = in_high && (m_lo << shift_hi) != 0;
        let leading_zeros = if in_high { shift_hi } else { 32 + shift_lo };
        let mantissa = top >> 8;
        let dropped = top & 0xff;
        let odd = mantissa & 1 == 1;
        let up = dropped > 0x80 || (dropped == 0x80 && (rest || odd));
        let magnitude = ((189 - leading_zeros) << 23)
            .wrapping_add(mantissa)
            .wrapping_add(u32::from(up));
        let bits = if top == 0 { 0 } else { magnitude } | if negative { 1 << 31 } else { 0 };
        f32::from_bits(bits)
    }

    #[test]
    fn the_wgsl_wide_conversion_rounds_to_nearest_even_like_the_cpu() {
        let mut values = vec![0i64, 1, -1, i64::MAX, i64::MIN, i64::MIN + 1, 1 << 62];
        // Around every power of two: ties, one above and below, and sticky bits.
        for p in 0..63 {
            let x = 1i64 << p;
            for d in [-1i64, 0, 1] {
                values.extend([x + d, -(x + d)]);
            }
            for q in 0..p {
                let tie = x + (1i64 << q);
                values.extend([tie, -tie, tie + 1, tie - 1, tie | x << 1 >> 1]);
            }
        }
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            values.push((seed as i64) >> (seed % 64));
        }
        for acc in values {
            let (lo, hi) = (acc as u32, (acc >> 32) as u32);
            assert_eq!(
                wgsl_wide_fixed_to_f32(lo, hi).to_bits(),
                wide_fixed_to_f32(acc).to_bits(),
                "{acc}"
            );
        }
    }
}
