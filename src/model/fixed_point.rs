//! Synaptic input in fixed point: how every backend sums a timestep's spikes into the same
//! bits, whatever order they arrive in. The WGSL twin of the conversion is
//! `shaders/shared/fixed_point.wgsl`.

use super::ModelError;

/// A synapse group's weights in the fixed-point form synaptic input is accumulated in.
///
/// Both backends sum a timestep's spikes into an `i32` per postsynaptic neuron as
/// `weight_fixed` units (on the GPU with `atomicAdd`, which WGSL has for integers but not
/// floats) and then add `f32(sum) * inv_scale` to `inSyn`. Integer sums don't depend on
/// the order spikes arrive in, so every backend and every run gives the same bits.
/// The scale is the largest power of two for which the most input one neuron can receive
/// in one step (`max_inputs * |g|`) stays within 2^30, so the weight keeps at least 30 -
/// log2(max_inputs) bits of precision whatever its magnitude.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FixedPointWeight {
    /// The weight (the largest one, for per-synapse weights).
    pub g: f64,
    /// `g` in fixed-point units.
    pub weight_fixed: i32,
    /// `2^-exponent`, exactly representable in f32.
    pub inv_scale: f32,
    /// Fixed-point units are `2^-exponent`.
    pub exponent: i32,
}

const FIXED_POINT_HEADROOM: f64 = (1u64 << 30) as f64;
/// Below this many units per weight, quantisation would cost more than f32 precision.
const MIN_WEIGHT_UNITS: f64 = (1u64 << 10) as f64;

impl FixedPointWeight {
    /// The scale for weights up to `|g|` into neurons with up to `max_inputs` synapses;
    /// `group` names the synapse group in errors.
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
            return Ok(FixedPointWeight {
                g,
                weight_fixed: 0,
                inv_scale: 1.0,
                exponent: 0,
            });
        }
        // Largest k with |g| * 2^k <= max_units_per_weight.
        let mut exponent = (max_units_per_weight / g.abs()).log2().floor() as i32;
        while g.abs() * 2f64.powi(exponent) > max_units_per_weight {
            exponent -= 1;
        }
        // 2^-exponent must be a normal f32 for inv_scale to be exact.
        if !(-126..=126).contains(&exponent) {
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
        })
    }

    /// A per-synapse weight in fixed-point units: `g * 2^exponent` (exact) rounded to the
    /// nearest integer, ties to even, as WGSL's `round` does.
    #[inline]
    pub fn to_fixed(&self, g: f32) -> i32 {
        (g * (1.0 / self.inv_scale)).round_ties_even() as i32
    }
}

/// A fixed-point input sum as f32, the way `shaders/shared/fixed_point.wgsl` converts it:
/// both halves convert exactly, so the result is one correctly rounded add on every
/// device.
#[inline]
pub fn fixed_to_f32(acc: i32) -> f32 {
    (acc >> 12) as f32 * 4096.0 + (acc & 4095) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_weight_uses_the_headroom_and_is_exact_enough() {
        let w = FixedPointWeight::fit("g", 0.2, 20).unwrap();
        assert_eq!(w.exponent, 28);
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
    fn fixed_to_f32_rounds_to_nearest_like_a_plain_conversion() {
        for acc in [
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
            1_073_741_823,
        ] {
            assert_eq!(fixed_to_f32(acc), acc as f32, "{acc}");
        }
    }
}
