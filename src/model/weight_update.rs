//! Weight update models: what a presynaptic spike does to its synapses' targets, and
//! whether the weights learn (the learning rule itself is in `stdp.rs`).

use super::ModelError;
use super::code::CodeWeightUpdate;
use super::connectivity::SparseConnectivity;
use super::{Connectivity, StdpParams};

/// What a synapse group's presynaptic spikes do.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightUpdateModel {
    /// Every presynaptic spike adds the same `g` to the postsynaptic input.
    StaticPulseConstantWeight {
        /// The weight of every synapse.
        g: f64,
    },
    /// Every presynaptic spike adds its synapse's own `g`: one weight per synapse, in the
    /// order of the connectivity's rows (for `Dense`, `g[pre * n_post + post]`, GeNN's
    /// dense layout).
    StaticPulse {
        /// One weight per synapse.
        g: Vec<f32>,
    },
    /// Tutorial part 4's symmetric STDP (see [`StdpParams`]).
    StdpSymmetric(StdpParams),
    /// A model written as code strings (see
    /// [`WeightUpdateModelDef`](crate::model::code::WeightUpdateModelDef)); the
    /// library has StaticPulse, the tutorial's STDP and additive trace STDP.
    Code(CodeWeightUpdate),
}

impl WeightUpdateModel {
    /// Checks the weights against the `synapses` the group has; `within_one_population`
    /// when the group connects a population to itself.
    pub(crate) fn validate(
        &self,
        group: &str,
        synapses: Option<u64>,
        within_one_population: bool,
    ) -> Result<(), ModelError> {
        let owner = format!("synapse group '{group}'");
        let invalid = |reason: String| ModelError::InvalidSynapses {
            group: group.to_owned(),
            reason,
        };
        match self {
            WeightUpdateModel::StaticPulseConstantWeight { g } => {
                ModelError::check_finite(&owner, &[("g", *g)])
            }
            WeightUpdateModel::StaticPulse { g } => {
                let Some(synapses) = synapses else {
                    return Err(invalid(format!(
                        "{} weights were given, but the connectivity draws how many synapses \
                         there are: give a constant weight (StaticPulseConstantWeight), or a \
                         weight update model with a per-synapse variable and its initial value",
                        g.len()
                    )));
                };
                if g.len() as u64 != synapses {
                    return Err(invalid(format!(
                        "{} weights were given for {synapses} synapses",
                        g.len()
                    )));
                }
                match g.iter().position(|w| !w.is_finite()) {
                    Some(bad) => Err(invalid(format!("weight #{bad} is {}", g[bad]))),
                    None => Ok(()),
                }
            }
            WeightUpdateModel::StdpSymmetric(p) => {
                p.validate(group)?;
                if within_one_population {
                    return Err(invalid(
                        "STDP within one population is not supported yet".to_owned(),
                    ));
                }
                Ok(())
            }
            // Checked as the group is built, where its code is compiled.
            WeightUpdateModel::Code(_) => Ok(()),
        }
    }

    /// The largest weight magnitude the group can have: what its fixed-point scale must
    /// hold.
    pub(crate) fn largest_weight(&self) -> f64 {
        match self {
            WeightUpdateModel::StaticPulseConstantWeight { g } => *g,
            WeightUpdateModel::StaticPulse { g } => {
                g.iter().fold(0.0f64, |m, &w| m.max(f64::from(w).abs()))
            }
            WeightUpdateModel::StdpSymmetric(p) => p.w_min.abs().max(p.w_max.abs()),
            // Known once the group is built (`CompiledWeightUpdate::max_add_to_post`).
            WeightUpdateModel::Code(c) => c.max_add_to_post.unwrap_or(0.0),
        }
    }

    /// How many 32-bit words each synapse holds beyond its target: its weight, or a code
    /// model's variables.
    pub(crate) fn words_per_synapse(&self) -> u128 {
        match self {
            WeightUpdateModel::StaticPulseConstantWeight { .. } => 0,
            WeightUpdateModel::StaticPulse { .. } | WeightUpdateModel::StdpSymmetric(_) => 1,
            WeightUpdateModel::Code(c) => c.model.vars.len() as u128,
        }
    }

    /// Per-synapse initial weights in the built connectivity's row order, for the models
    /// that have them.
    pub(crate) fn synapse_weights(
        &self,
        description: &Connectivity,
        built: &SparseConnectivity,
    ) -> Option<Vec<f32>> {
        match self {
            WeightUpdateModel::StaticPulseConstantWeight { .. } => None,
            WeightUpdateModel::StaticPulse { g } => Some(in_row_order(description, built, g)),
            WeightUpdateModel::StdpSymmetric(p) => Some(vec![p.g_init as f32; built.len()]),
            WeightUpdateModel::Code(_) => None,
        }
    }

    /// Whether presynaptic spikes add their weight to the postsynaptic input.
    pub(crate) fn drives_post(&self) -> bool {
        match self {
            WeightUpdateModel::StdpSymmetric(p) => p.drive_post,
            _ => true,
        }
    }
}

/// Weights given in the order the description lists synapses, in the built
/// connectivity's row order (the same order except for explicit lists, whose synapses
/// are grouped by presynaptic neuron keeping their order within a row).
pub(crate) fn in_row_order<T: Copy + Default>(
    description: &Connectivity,
    built: &SparseConnectivity,
    g: &[T],
) -> Vec<T> {
    let Connectivity::FromList { pre, .. } = description else {
        return g.to_vec();
    };
    let mut fill: Vec<u32> = built.row_start.clone();
    let mut out = vec![T::default(); g.len()];
    for (&p, &w) in pre.iter().zip(g) {
        out[fill[p as usize] as usize] = w;
        fill[p as usize] += 1;
    }
    out
}
