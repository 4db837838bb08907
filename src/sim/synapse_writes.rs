//! Checking per-synapse values before a backend writes them (GeNN's push of weights,
//! Brian2's assignment to `S.w`): the count, finiteness, and that the group's fixed-point
//! input still sums them as it sums the values it was built with; and where a group's
//! weights live, for reading them back.

use super::SimError;
use crate::model::{AccumulatorWidth, BuiltNetwork, BuiltSynapseGroup};

/// What `write_weights` does with `values` for group `g`, the one decision both
/// backends take: `Some(bits)` for a code model, whose synapse variable `g` takes them
/// (checked by `write_synapse_var_bits`); `None` for a built-in model's weights, checked
/// here; an error for a group with one constant weight.
pub(crate) fn check_weights(
    net: &BuiltNetwork,
    g: usize,
    values: &[f32],
) -> Result<Option<Vec<u32>>, SimError> {
    if weights_in_code_var(net, g)? {
        return Ok(Some(values.iter().map(|x| x.to_bits()).collect()));
    }
    check_synapse_values(net, g, "g", values)?;
    Ok(None)
}

/// Where group `g`'s per-synapse weights live, for `read_weights` and `write_weights` on
/// both backends: in a code model's synapse variable `g` (`true`) or in the built-in
/// model's weights (`false`); an error for a group with one constant weight.
pub(crate) fn weights_in_code_var(net: &BuiltNetwork, g: usize) -> Result<bool, SimError> {
    let s = &net.synapse_groups[g];
    if s.code.is_some() {
        Ok(true)
    } else if s.synapse_g.is_some() {
        Ok(false)
    } else {
        Err(SimError::NoSynapseWeights {
            group: s.name.clone(),
        })
    }
}

/// Checks `values` for f32 synapse variable `var` of group `g`: the weights `g` of a
/// built-in model, or a code model's f32 variable.
///
/// - Static per-synapse weights must each be a whole number of the group's fixed-point
///   units (as at build), and the most input one neuron can get must stay within the
///   64-bit accumulator.
/// - The built-in STDP's weights stay within its `[w_min, w_max]`, which its scale holds.
/// - A static code model's values must be whole units and at most the group's
///   `max_add_to_post`; a plastic one's are checked as they are used (an `addToPost`
///   beyond the range is reported, never wrapped).
fn check_synapse_values(
    net: &BuiltNetwork,
    g: usize,
    var: &str,
    values: &[f32],
) -> Result<(), SimError> {
    let s = &net.synapse_groups[g];
    let invalid = |reason: String| SimError::InvalidSynapseValues {
        group: s.name.clone(),
        var: var.to_owned(),
        reason,
    };
    if values.len() != s.connectivity.len() {
        return Err(invalid(format!(
            "{} values were given for {} synapses",
            values.len(),
            s.connectivity.len()
        )));
    }
    if let Some(bad) = values.iter().position(|v| !v.is_finite()) {
        return Err(invalid(format!("value #{bad} is {}", values[bad])));
    }
    if let Some(stdp) = &s.stdp {
        let outside = values
            .iter()
            .position(|&w| !(stdp.w_min..=stdp.w_max).contains(&w));
        if let Some(bad) = outside {
            return Err(invalid(format!(
                "weight #{bad} is {}, outside the STDP rule's [{}, {}]",
                values[bad], stdp.w_min, stdp.w_max
            )));
        }
        return Ok(());
    }
    match &s.code {
        Some(code) if code.plastic => Ok(()),
        Some(code) => {
            let max = code.max_add_to_post;
            if let Some(bad) = values.iter().position(|&x| f64::from(x.abs()) > max) {
                return Err(invalid(format!(
                    "value #{bad} is {}, beyond the group's max_add_to_post {max}",
                    values[bad]
                )));
            }
            check_whole_units(s, values).map_err(invalid)
        }
        None => {
            check_whole_units(s, values).map_err(invalid)?;
            check_input_fits(s, values).map_err(invalid)
        }
    }
}

/// Every value a whole number of the group's fixed-point units (see
/// `FixedPointWeight::check_exact`).
fn check_whole_units(s: &BuiltSynapseGroup, values: &[f32]) -> Result<(), String> {
    match values.iter().position(|&w| !s.weight.holds_exactly(w)) {
        Some(bad) => Err(format!(
            "value #{bad} is {}, which the group's fixed-point input can't sum exactly: \
             nonzero values below {:e} are refused, as when the group was built",
            values[bad],
            s.weight.smallest_exact()
        )),
        None => Ok(()),
    }
}

/// The most input one neuron can get in a timestep (the sum of its synapses' magnitudes)
/// within what the 64-bit accumulator holds at the group's scale.
fn check_input_fits(s: &BuiltSynapseGroup, values: &[f32]) -> Result<(), String> {
    if s.weight.width != AccumulatorWidth::Bits64 {
        return Err("the group has one constant weight".to_owned());
    }
    let mut input = vec![0.0f64; s.connectivity.n_post as usize];
    for (&post, w) in s.connectivity.targets.iter().zip(values) {
        input[post as usize] += f64::from(w.abs());
    }
    let most = input.into_iter().fold(0.0, f64::max);
    let holds = s.weight.largest_input();
    if most > holds {
        return Err(format!(
            "a neuron would get up to {most} in one timestep, beyond the {holds} the \
             group's fixed-point input was fitted to when built"
        ));
    }
    Ok(())
}

/// Checks `bits` for synapse variable `name` of code group `g` (its index among the
/// model's variables, returned): the count, and for an f32 variable the checks of
/// [`check_synapse_values`].
pub(crate) fn check_synapse_bits(
    net: &BuiltNetwork,
    g: usize,
    name: &str,
    bits: &[u32],
) -> Result<usize, SimError> {
    let i = super::synapse_var_index(net, g, name)?;
    let s = &net.synapse_groups[g];
    let is_f32 = s
        .code
        .as_ref()
        .is_some_and(|c| c.vars[i].ty == crate::model::code::VarType::F32);
    if is_f32 {
        let values: Vec<f32> = bits.iter().map(|&b| f32::from_bits(b)).collect();
        check_synapse_values(net, g, name, &values)?;
    } else if bits.len() != s.connectivity.len() {
        return Err(SimError::InvalidSynapseValues {
            group: s.name.clone(),
            var: name.to_owned(),
            reason: format!(
                "{} values were given for {} synapses",
                bits.len(),
                s.connectivity.len()
            ),
        });
    }
    Ok(i)
}
