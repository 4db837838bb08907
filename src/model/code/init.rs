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
        let bits = |x: f64| {
            ty.bits_of(x)
                .ok_or_else(|| format!("{x} does not fit the variable's type {}", ty.wgsl()))
        };
        match self {
            VarInit::Constant(x) => Ok(vec![bits(*x)?; size as usize]),
            VarInit::Values(values) => {
                if values.len() != size as usize {
                    return Err(format!(
                        "{} values were given for a population of {size} neurons",
                        values.len()
                    ));
                }
                values.iter().map(|&x| bits(x)).collect()
            }
            VarInit::Uniform { min, max } => {
                if ty != VarType::F32 {
                    return Err("a uniform draw initialises f32 variables only".into());
                }
                let (lo, hi) = (bits(*min)?, bits(*max)?);
                let (lo, hi) = (f32::from_bits(lo), f32::from_bits(hi));
                let key = rng::key(seed, population, Stream::Init);
                Ok((0..size)
                    .map(|i| {
                        let block = random::philox4x32_10([i, var_index as u32, 0, 0], key);
                        (lo + (hi - lo) * random::uniform_f32(block[0])).to_bits()
                    })
                    .collect())
            }
        }
    }
}
