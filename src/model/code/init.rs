//! How a state variable starts (GeNN's `init_var`): a constant, one value per neuron, or
//! a draw per neuron from a distribution. Draws come from Philox keyed on the seed, the
//! population, the variable and the neuron, so they are the same on every backend and
//! batch size; every batch entry starts alike.

use super::VarType;
use super::rng::{self, Stream};
use crate::model::random;

/// How a state variable starts (and restarts on reset).
#[derive(Clone, Debug, PartialEq)]
pub enum VarInit {
    /// Every neuron alike.
    Constant(f64),
    /// One value per neuron, in neuron order.
    Values(Vec<f64>),
    /// Uniform in `[min, max)`: `min + (max - min) * U`, computed in f32.
    Uniform {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
    },
    /// Normal: `mean + sd * Z`, computed in f32.
    Normal {
        /// The mean.
        mean: f64,
        /// The standard deviation.
        sd: f64,
    },
    /// Exponential: `scale * E` with `E` of mean 1, computed in f32 (GeNN's
    /// `Exponential` with `lambda` = 1 / scale).
    Exponential {
        /// The mean.
        scale: f64,
    },
}

impl VarInit {
    /// The initial bits of each of `size` neurons of variable `var` (index `var_index`)
    /// of population number `population`; `Err` says what is wrong with the values.
    pub(crate) fn values(
        &self,
        ty: VarType,
        size: u32,
        seed: u64,
        population: usize,
        var_index: usize,
    ) -> Result<Vec<u32>, String> {
        let key = rng::key(seed, population, Stream::Init);
        self.values_keyed(ty, (size, "a population of", "neurons"), key, var_index)
    }

    /// The initial bits of each of `size` neurons or synapses (`(size, "a group of",
    /// "synapses")`, as errors count them) of variable number `var_index`, drawing under
    /// Philox key `key`.
    pub(crate) fn values_keyed(
        &self,
        ty: VarType,
        (size, of, unit): (u32, &str, &str),
        key: [u32; 2],
        var_index: usize,
    ) -> Result<Vec<u32>, String> {
        // `offset + scale * X` for each neuron's draw X, in f32.
        let draw = |ty: VarType, size: u32, (offset, scale): (f64, f64), x: fn([u32; 4]) -> f32| {
            if ty != VarType::F32 {
                return Err("a random draw initialises f32 variables only".to_owned());
            }
            let (offset, scale) = (offset as f32, scale as f32);
            if !offset.is_finite() || !scale.is_finite() {
                return Err("the distribution's parameters must be finite f32 numbers".to_owned());
            }
            Ok((0..size)
                .map(|i| {
                    let block = random::philox4x32_10([i, var_index as u32, 0, 0], key);
                    (offset + scale * x(block)).to_bits()
                })
                .collect())
        };
        let bits = |x: f64| {
            ty.bits_of(x)
                .ok_or_else(|| format!("{x} does not fit the variable's type {}", ty.wgsl()))
        };
        match self {
            VarInit::Constant(x) => Ok(vec![bits(*x)?; size as usize]),
            VarInit::Values(values) => {
                if values.len() != size as usize {
                    return Err(format!(
                        "{} values were given for {of} {size} {unit}",
                        values.len()
                    ));
                }
                values.iter().map(|&x| bits(x)).collect()
            }
            VarInit::Uniform { min, max } => {
                draw(ty, size, (*min, *max - *min), |b| random::uniform_f32(b[0]))
            }
            VarInit::Normal { mean, sd } => {
                draw(ty, size, (*mean, *sd), |b| random::normal_f32(b[0], b[1]))
            }
            VarInit::Exponential { scale } => {
                draw(ty, size, (0.0, *scale), |b| random::exponential_f32(b[0]))
            }
        }
    }
}
