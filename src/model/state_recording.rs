//! State recording (Brian2's `StateMonitor`): which variables of which neurons of a
//! population are sampled, and every how many timesteps. The description is plain data
//! ([`StateRecordingSpec`]); [`BuiltStateRecording`] is it checked against the built
//! model, with what both backends need to write samples.

use super::ModelError;
use super::build::PopulationModel;
use super::code::VarType;

/// What [`Network::record_state`](super::Network::record_state) asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateRecordingSpec {
    /// Variable names: a built-in model's `V` and `RefracTime`, or a code-string model's
    /// variables (its current sources' as `"{source}.{var}"`).
    pub vars: Vec<String>,
    /// The neurons sampled, in the order their values are kept.
    pub neurons: Vec<u32>,
    /// Timesteps from one sample to the next: timestep `t` is sampled where
    /// `t % every == 0` (counted from the last reset).
    pub every: u32,
}

/// Where a recorded variable lives in its population's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordedVar {
    /// A built-in model's `V`.
    V,
    /// A built-in model's `RefracTime`.
    RefracTime,
    /// Variable number `.0` of a code-string model.
    Code(usize),
}

/// A population's state recording, checked against its built model.
#[derive(Clone, Debug, PartialEq)]
pub struct BuiltStateRecording {
    /// The variables' names, as asked for.
    pub names: Vec<String>,
    /// Where each variable lives.
    pub vars: Vec<RecordedVar>,
    /// Each variable's type (f32 for built-in models' variables).
    pub types: Vec<VarType>,
    /// The neurons sampled, in the order asked for.
    pub neurons: Vec<u32>,
    /// Timesteps from one sample to the next.
    pub every: u32,
    /// `(neuron, position in neurons)`, by neuron: the neurons of a slice of the
    /// population are a range of it.
    pub by_neuron: Vec<(u32, u32)>,
}

impl BuiltStateRecording {
    /// Samples taken in the `total` timesteps from timestep `first_step` (counted from
    /// the last reset): those on multiples of `every`.
    pub fn samples_over(&self, first_step: u64, total: u64) -> u64 {
        let every = u64::from(self.every.max(1));
        (first_step + total).div_ceil(every) - first_step.div_ceil(every)
    }

    /// Whether the recording is one [`new`](Self::new) could have made for a
    /// population of `size` neurons: at least every timestep, and `by_neuron` the
    /// recorded neurons, in range, sorted, each with its place. Backends index with it
    /// unchecked, and a built network's fields can be changed.
    pub(crate) fn is_consistent(&self, size: u32) -> bool {
        let mut expected: Vec<(u32, u32)> =
            (0..).zip(&self.neurons).map(|(k, &n)| (n, k)).collect();
        expected.sort_unstable();
        self.every >= 1
            && self.vars.len() == self.names.len()
            && self.types.len() == self.names.len()
            && self.by_neuron == expected
            && expected.windows(2).all(|w| w[0].0 < w[1].0)
            && self.neurons.iter().all(|&n| n < size)
    }
}

/// Marks a neuron that is not recorded in [`BuiltStateRecording::slot_table`].
pub const UNRECORDED: u32 = u32::MAX;

impl BuiltStateRecording {
    /// `spec` checked against population `population` of `size` neurons and `model`.
    pub(crate) fn new(
        spec: &StateRecordingSpec,
        population: &str,
        size: u32,
        model: &PopulationModel,
    ) -> Result<Self, ModelError> {
        let invalid = |reason: String| ModelError::InvalidStateRecording {
            population: population.to_owned(),
            reason,
        };
        if spec.every == 0 {
            return Err(invalid("every must be at least 1 timestep".into()));
        }
        if spec.vars.is_empty() || spec.neurons.is_empty() {
            return Err(invalid("give at least one variable and one neuron".into()));
        }
        let mut vars = Vec::new();
        let mut types = Vec::new();
        for (i, name) in spec.vars.iter().enumerate() {
            if spec.vars[..i].contains(name) {
                return Err(invalid(format!("variable '{name}' is listed twice")));
            }
            let (var, ty) = locate(model, name).ok_or_else(|| {
                invalid(format!(
                    "the model has no variable '{name}' (it has {})",
                    var_names(model)
                ))
            })?;
            vars.push(var);
            types.push(ty);
        }
        let mut by_neuron: Vec<(u32, u32)> = (spec.neurons.iter().copied()).zip(0..).collect();
        by_neuron.sort_unstable();
        if let Some(&(neuron, _)) = by_neuron.iter().find(|(n, _)| *n >= size) {
            return Err(invalid(format!(
                "neuron {neuron} is past the population's {size} neurons"
            )));
        }
        if let Some(w) = by_neuron.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(invalid(format!("neuron {} is listed twice", w[0].0)));
        }
        Ok(BuiltStateRecording {
            names: spec.vars.clone(),
            vars,
            types,
            neurons: spec.neurons.clone(),
            every: spec.every,
            by_neuron,
        })
    }

    /// Values one sample holds for one batch entry: every variable of every neuron.
    pub fn values_per_sample(&self) -> usize {
        self.vars.len() * self.neurons.len()
    }

    /// Timesteps sampled among the `steps` from `first_step`.
    pub fn samples_in(&self, first_step: u64, steps: u32) -> u32 {
        let every = u64::from(self.every);
        let end = first_step + u64::from(steps);
        // Multiples of `every` in [first_step, end).
        (end.div_ceil(every) - first_step.div_ceil(every)) as u32
    }

    /// The most samples any `steps` consecutive timesteps hold.
    pub fn max_samples(&self, steps: u32) -> u32 {
        steps.div_ceil(self.every)
    }

    /// The sample row of timestep `timestep` (a multiple of `every`) in a recording
    /// that started at timestep `first_step`.
    pub fn row_of(&self, timestep: u64, first_step: u64) -> usize {
        let every = u64::from(self.every);
        (timestep / every - first_step.div_ceil(every)) as usize
    }

    /// Timestep `first_step + phase` is the first sampled of a recording from
    /// `first_step`.
    pub fn phase(&self, first_step: u64) -> u32 {
        let every = u64::from(self.every);
        ((every - first_step % every) % every) as u32
    }

    /// Each of `padded` neurons' position in [`neurons`](Self::neurons), or
    /// [`UNRECORDED`].
    pub fn slot_table(&self, padded: u32) -> Vec<u32> {
        let mut table = vec![UNRECORDED; padded as usize];
        for &(neuron, slot) in &self.by_neuron {
            table[neuron as usize] = slot;
        }
        table
    }
}

/// Where `model` keeps variable `name`, and its type.
fn locate(model: &PopulationModel, name: &str) -> Option<(RecordedVar, VarType)> {
    match model {
        PopulationModel::Builtin(_) => match name {
            "V" => Some((RecordedVar::V, VarType::F32)),
            "RefracTime" => Some((RecordedVar::RefracTime, VarType::F32)),
            _ => None,
        },
        PopulationModel::Code(code) => code
            .var_index(name)
            .map(|i| (RecordedVar::Code(i), code.vars[i].ty)),
    }
}

fn var_names(model: &PopulationModel) -> String {
    match model {
        PopulationModel::Builtin(_) => "V, RefracTime".to_owned(),
        PopulationModel::Code(code) => {
            let names: Vec<&str> = code.vars.iter().map(|v| v.name.as_str()).collect();
            names.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every(every: u32) -> BuiltStateRecording {
        BuiltStateRecording {
            names: vec!["V".into()],
            vars: vec![RecordedVar::V],
            types: vec![VarType::F32],
            neurons: vec![0],
            every,
            by_neuron: vec![(0, 0)],
        }
    }

    #[test]
    fn samples_rows_and_phases_agree_for_every_start() {
        for e in [1, 2, 3, 7, 10] {
            let rec = every(e);
            for first in 0..25u64 {
                for steps in 0..25u32 {
                    let sampled: Vec<u64> = (first..first + u64::from(steps))
                        .filter(|t| t % u64::from(e) == 0)
                        .collect();
                    assert_eq!(rec.samples_in(first, steps) as usize, sampled.len());
                    assert!(sampled.len() <= rec.max_samples(steps) as usize);
                    for (row, &t) in sampled.iter().enumerate() {
                        assert_eq!(rec.row_of(t, first), row);
                        let r = (t - first) as u32;
                        let phase = rec.phase(first);
                        assert!(r >= phase && (r - phase).is_multiple_of(e));
                        assert_eq!(((r - phase) / e) as usize, row);
                    }
                }
            }
        }
    }
}
