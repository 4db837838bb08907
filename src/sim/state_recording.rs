//! State recordings (Brian2's `StateMonitor`): the samples of a population's chosen
//! variables and neurons, one per sampled timestep, as both backends write them.
//!
//! A sample of one batch entry is `vars * neurons` words, variable-major (`[var]
//! [neuron]`, the neurons in the order they were asked for), each a variable's bits as
//! [`read_var_bits`](crate::Simulator::read_var_bits) gives them. The CPU keeps a
//! population's samples `[entry][sample][value]`, the GPU `[sample][entry][value]` (a
//! run's samples of every entry read back in one copy).

use super::recording::RowOrder;
use super::{bits_to_f32, time_of};
use crate::model::code::VarType;
use crate::model::{BuiltPopulation, BuiltStateRecording};

/// The samples of one population's recorded variables in one batch entry.
#[derive(Clone, Debug, PartialEq)]
pub struct StateRecording {
    /// The population's name.
    pub population: String,
    /// The variables' names.
    pub vars: Vec<String>,
    /// Each variable's type: its bits are those of an f32, i32 or u32.
    pub types: Vec<VarType>,
    /// The neurons sampled, in the order asked for.
    pub neurons: Vec<u32>,
    /// Timestep in ms.
    pub dt: f32,
    /// The timestep (since the last reset) of each sample.
    pub timesteps: Vec<u64>,
    /// `[sample][var][neuron]`: each value's bits.
    pub bits: Vec<u32>,
}

impl StateRecording {
    /// A recording of `rec`'s variables in population `pop` with no samples.
    pub(crate) fn empty(pop: &BuiltPopulation, rec: &BuiltStateRecording, dt: f32) -> Self {
        StateRecording {
            population: pop.name.clone(),
            vars: rec.names.clone(),
            types: rec.types.clone(),
            neurons: rec.neurons.clone(),
            dt,
            timesteps: Vec::new(),
            bits: Vec::new(),
        }
    }

    /// Samples held.
    pub fn samples(&self) -> usize {
        self.timesteps.len()
    }

    /// The time of each sample in ms (timestep `i` at `i * dt`, as spikes).
    pub fn times(&self) -> Vec<f32> {
        self.timesteps
            .iter()
            .map(|&t| time_of(t, self.dt))
            .collect()
    }

    /// The bits of variable `var`, `[sample][neuron]`, or `None` if it isn't recorded.
    pub fn var_bits(&self, var: &str) -> Option<Vec<u32>> {
        let v = self.vars.iter().position(|name| name == var)?;
        let n = self.neurons.len();
        let per_sample = self.vars.len() * n;
        Some(
            self.bits
                .chunks_exact(per_sample.max(1))
                .flat_map(|sample| &sample[v * n..(v + 1) * n])
                .copied()
                .collect(),
        )
    }

    /// Variable `var` as f32, `[sample][neuron]` (an integer variable's values
    /// converted, as [`read_var`](crate::Simulator::read_var) does).
    pub fn var(&self, var: &str) -> Option<Vec<f32>> {
        let v = self.vars.iter().position(|name| name == var)?;
        let ty = self.types[v];
        let bits = self.var_bits(var)?;
        Some(bits.into_iter().map(|b| bits_to_f32(Some(ty), b)).collect())
    }

    /// Appends `later`, the samples of the timesteps after this one's.
    pub(crate) fn append(&mut self, later: StateRecording) {
        self.timesteps.extend(later.timesteps);
        self.bits.extend(later.bits);
    }
}

/// What a take of state samples covers: `samples` rows from timestep `first_step`, for
/// `batch` entries.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TakenSamples {
    pub first_step: u64,
    pub samples: u32,
    pub batch: usize,
    pub dt: f32,
}

/// Population `pop`'s samples (`taken.samples` per entry, in `order`; for
/// [`RowOrder::EntryMajor`] its `entry_stride` counts words) cut into one recording per
/// batch entry.
pub(crate) fn unpack_state(
    rows: &[u32],
    order: RowOrder,
    pop: &BuiltPopulation,
    rec: &BuiltStateRecording,
    taken: TakenSamples,
) -> Vec<StateRecording> {
    let width = rec.values_per_sample();
    let samples = taken.samples as usize;
    let every = u64::from(rec.every);
    let first = taken.first_step.div_ceil(every) * every;
    let timesteps: Vec<u64> = (0..samples as u64).map(|s| first + s * every).collect();
    (0..taken.batch)
        .map(|entry| {
            let bits = match order {
                RowOrder::EntryMajor { entry_stride } => {
                    let at = entry * entry_stride;
                    rows[at..at + samples * width].to_vec()
                }
                RowOrder::StepMajor => {
                    let mut bits = Vec::with_capacity(samples * width);
                    for s in 0..samples {
                        let at = (s * taken.batch + entry) * width;
                        bits.extend_from_slice(&rows[at..at + width]);
                    }
                    bits
                }
            };
            StateRecording {
                timesteps: timesteps.clone(),
                bits,
                ..StateRecording::empty(pop, rec, taken.dt)
            }
        })
        .collect()
}
