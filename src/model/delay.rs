//! Synaptic delays: how many timesteps later than without a delay a presynaptic spike
//! reaches its targets. A group has an axonal delay (every synapse's, GeNN's
//! `axonal_delay_steps`) and may add a per-synapse one (heterogeneous delays, GeNN's
//! dendritic delays); each synapse's delay is the sum.
//!
//! Both backends keep each population's spike words for the last timesteps in a ring
//! (see `docs/architecture.md`), and a group's synapse update reads the words of
//! `delay` timesteps before the ones it reads without a delay. Per-synapse delays sort
//! each row's synapses by delay when the group is built ([`sort_rows_by_delay`]), so the
//! synapses of one row and one delay are contiguous: the synapse update adds, for each
//! delay, the spikes of that many timesteps back along those synapses only, into the
//! same fixed-point sums as ever (integer adds, in any order).

use std::ops::Range;

use rand_pcg::Pcg64;

use super::connectivity::{SparseConnectivity, uniform_below};

/// The longest delay a synapse can have, in timesteps (409.5 ms at dt = 0.1 ms): every
/// population a delayed group leaves keeps this many timesteps of spike words more.
pub const MAX_DELAY_STEPS: u32 = 4095;

/// The delays of a synapse group's synapses, in timesteps: what
/// [`Network::set_synaptic_delay`](crate::Network::set_synaptic_delay) takes. The
/// default is no delay: a spike of timestep `t` reaches its targets' input in the
/// timestep `t + 1`, GeNN's order.
///
/// ```
/// use kenyon::model::{PerSynapseDelays, SynapticDelay};
///
/// // Brunel's 1.5 ms at dt = 0.1 ms as NEST counts it (a spike in step t arrives in
/// // step t + 15, that is t + 1 + 14), for every synapse.
/// let axonal = SynapticDelay::axonal(14);
/// // Every synapse its own delay, drawn from 1 to 20 timesteps.
/// let heterogeneous = SynapticDelay {
///     axonal_steps: 0,
///     per_synapse: Some(PerSynapseDelays::Uniform { min: 1, max: 20 }),
/// };
/// assert_eq!(heterogeneous.max_steps(), Some(20));
/// assert_eq!(axonal.max_steps(), Some(14));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SynapticDelay {
    /// Timesteps every synapse of the group waits (GeNN's `axonal_delay_steps`).
    pub axonal_steps: u32,
    /// Timesteps each synapse waits on top of the axonal delay.
    pub per_synapse: Option<PerSynapseDelays>,
}

/// Per-synapse (heterogeneous) delays in timesteps.
#[derive(Clone, Debug, PartialEq)]
pub enum PerSynapseDelays {
    /// Each synapse's drawn uniformly from `min..=max`, from the group's own delay
    /// stream of the network's seed (the connectivity's draws are unchanged by it).
    Uniform {
        /// Shortest delay.
        min: u32,
        /// Longest delay.
        max: u32,
    },
    /// One delay per synapse, in the order the description lists synapses (as
    /// `StaticPulse`'s weights): for connectivity whose synapse count the description
    /// fixes (for drawn connectivity of a fixed count, in the drawn rows' order).
    Values(Vec<u32>),
}

impl SynapticDelay {
    /// Every synapse `steps` timesteps late.
    pub fn axonal(steps: u32) -> Self {
        SynapticDelay {
            axonal_steps: steps,
            per_synapse: None,
        }
    }

    /// Whether every synapse delivers in the timestep after the spike, as without delay.
    pub fn is_none(&self) -> bool {
        self.max_steps() == Some(0)
    }

    /// The longest delay any synapse can get, in u64 so no sum overflows; `None` for an
    /// empty list of values.
    pub fn max_steps(&self) -> Option<u64> {
        let extra = match &self.per_synapse {
            None => Some(0),
            Some(PerSynapseDelays::Uniform { max, .. }) => Some(*max),
            Some(PerSynapseDelays::Values(values)) => values.iter().copied().max(),
        };
        extra.map(|e| u64::from(self.axonal_steps) + u64::from(e))
    }

    /// The shortest delay any synapse can get.
    fn min_steps(&self) -> u64 {
        let extra = match &self.per_synapse {
            None => 0,
            Some(PerSynapseDelays::Uniform { min, .. }) => *min,
            Some(PerSynapseDelays::Values(values)) => values.iter().copied().min().unwrap_or(0),
        };
        u64::from(self.axonal_steps) + u64::from(extra)
    }

    /// How many different delays the group's synapses can have: the rows of the
    /// synapse update's table of where each delay's synapses start.
    pub(crate) fn classes(&self) -> u64 {
        self.max_steps()
            .unwrap_or(0)
            .saturating_sub(self.min_steps())
            + 1
    }

    /// Each synapse's delay, in the order of `drawn`'s rows (`in_row_order` puts values
    /// listed in the description's order there), drawing from `rng` where drawn.
    pub(crate) fn per_synapse_steps(
        &self,
        drawn: &SparseConnectivity,
        in_row_order: impl Fn(&[u32]) -> Vec<u32>,
        rng: &mut Pcg64,
    ) -> Vec<u32> {
        let mut steps = match &self.per_synapse {
            None => vec![0; drawn.len()],
            Some(PerSynapseDelays::Uniform { min, max }) => (0..drawn.len())
                .map(|_| min + uniform_below(rng, max - min + 1))
                .collect(),
            Some(PerSynapseDelays::Values(values)) => in_row_order(values),
        };
        for s in &mut steps {
            *s += self.axonal_steps;
        }
        steps
    }
}

/// The RNG of synapse group number `group`'s per-synapse delays: PCG-64 on a stream of
/// its own, apart from every group's connectivity stream (which take streams below
/// 2^64), so drawing delays changes no synapse.
pub(crate) fn delay_rng(seed: u64, group: usize) -> Pcg64 {
    const STATE_MIX: u128 = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834;
    Pcg64::new((seed as u128) ^ STATE_MIX, (1u128 << 64) | group as u128)
}

/// A built synapse group's delays, as its synapse update reads them: delay
/// `min_steps + c` for the synapses of class `c`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuiltDelays {
    /// The shortest delay of any synapse, in timesteps.
    pub min_steps: u32,
    /// Number of delays from `min_steps` on that synapses may have: 1 unless delays are
    /// per synapse.
    pub classes: u32,
    /// Where the synapses of each row and class start in the connectivity's targets,
    /// `[pre * classes + c]`, with `n_pre * classes + 1` entries (each row's synapses
    /// are sorted by delay); empty where `classes` is 1 and rows are the connectivity's.
    pub class_start: Vec<u32>,
}

impl BuiltDelays {
    /// Every synapse `steps` timesteps late.
    pub fn uniform(steps: u32) -> Self {
        BuiltDelays {
            min_steps: steps,
            classes: 1,
            class_start: Vec::new(),
        }
    }

    /// The longest delay of any synapse.
    pub fn max_steps(&self) -> u32 {
        self.min_steps + self.classes.max(1) - 1
    }

    /// Every synapse's delay in timesteps, in `connectivity`'s order (each row sorted
    /// by delay where delays are per synapse): what to save beside the connectivity
    /// and weights to rebuild the group with `PerSynapseDelays::Values`.
    pub fn per_synapse_steps(&self, connectivity: &SparseConnectivity) -> Vec<u32> {
        let mut steps = vec![self.min_steps; connectivity.targets.len()];
        let classes = self.classes.max(1);
        for pre in 0..connectivity.n_pre {
            for class in 0..classes {
                for d in &mut steps[self.synapses(connectivity, pre, class)] {
                    *d = self.min_steps + class;
                }
            }
        }
        steps
    }

    /// The synapses (indices into `connectivity`'s targets) of row `pre` whose delay is
    /// `min_steps + class`.
    #[inline]
    pub fn synapses(
        &self,
        connectivity: &SparseConnectivity,
        pre: u32,
        class: u32,
    ) -> Range<usize> {
        if self.class_start.is_empty() {
            let i = pre as usize;
            return connectivity.row_start[i] as usize..connectivity.row_start[i + 1] as usize;
        }
        let i = pre as usize * self.classes as usize + class as usize;
        self.class_start[i] as usize..self.class_start[i + 1] as usize
    }
}

/// Sorts each row of `connectivity` by the delay of its synapses, `steps` (row order),
/// keeping the order of synapses of one delay, and `weights` with them; returns where
/// each row's delays start.
pub(crate) fn sort_rows_by_delay(
    connectivity: &mut SparseConnectivity,
    steps: &[u32],
    weights: Option<&mut Vec<f32>>,
) -> BuiltDelays {
    let min_steps = steps.iter().copied().min().unwrap_or(0);
    let max_steps = steps.iter().copied().max().unwrap_or(0);
    if min_steps == max_steps {
        return BuiltDelays::uniform(min_steps);
    }
    let classes = max_steps - min_steps + 1;
    let n_pre = connectivity.n_pre as usize;
    let mut order: Vec<u32> = (0..steps.len() as u32).collect();
    let mut class_start = Vec::with_capacity(n_pre * classes as usize + 1);
    for pre in 0..n_pre {
        let row = connectivity.row_start[pre] as usize..connectivity.row_start[pre + 1] as usize;
        order[row.clone()].sort_by_key(|&j| steps[j as usize]);
        let mut j = row.start;
        for class in 0..classes {
            class_start.push(j as u32);
            while j < row.end && steps[order[j] as usize] == min_steps + class {
                j += 1;
            }
        }
    }
    class_start.push(steps.len() as u32);
    let targets = &connectivity.targets;
    connectivity.targets = order.iter().map(|&j| targets[j as usize]).collect();
    if let Some(weights) = weights {
        *weights = order.iter().map(|&j| weights[j as usize]).collect();
    }
    BuiltDelays {
        min_steps,
        classes,
        class_start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::connectivity::group_rng;

    fn rows() -> SparseConnectivity {
        // Row 0: targets 0, 1, 2; row 1: none; row 2: targets 3, 4.
        SparseConnectivity::from_pairs(3, 5, &[(0, 0), (0, 1), (0, 2), (2, 3), (2, 4)])
    }

    #[test]
    fn rows_are_sorted_by_delay_stably_with_their_weights() {
        let mut c = rows();
        let mut g = vec![0.0, 1.0, 2.0, 3.0, 4.0];
        let d = sort_rows_by_delay(&mut c, &[5, 3, 5, 4, 3], Some(&mut g));
        assert_eq!((d.min_steps, d.classes, d.max_steps()), (3, 3, 5));
        assert_eq!(c.targets, [1, 0, 2, 4, 3]);
        assert_eq!(g, [1.0, 0.0, 2.0, 4.0, 3.0]);
        // Row 0: delay 3 is synapse 0, delay 4 none, delay 5 synapses 1 and 2.
        let classes: Vec<_> = (0..3).map(|class| d.synapses(&c, 0, class)).collect();
        assert_eq!(classes, [0..1, 1..1, 1..3]);
        assert_eq!(d.synapses(&c, 1, 2), 3..3);
        let classes: Vec<_> = (0..3).map(|class| d.synapses(&c, 2, class)).collect();
        assert_eq!(classes, [3..4, 4..5, 5..5]);
        assert_eq!(d.class_start.len(), 3 * 3 + 1);
    }

    #[test]
    fn one_delay_keeps_the_rows_as_they_are() {
        let mut c = rows();
        let d = sort_rows_by_delay(&mut c, &[7; 5], None);
        assert_eq!(d, BuiltDelays::uniform(7));
        assert_eq!(c, rows());
        assert_eq!(d.synapses(&c, 2, 0), 3..5);
    }

    #[test]
    fn drawn_delays_cover_their_range_and_leave_the_connectivity_stream_alone() {
        let delay = SynapticDelay {
            axonal_steps: 2,
            per_synapse: Some(PerSynapseDelays::Uniform { min: 1, max: 4 }),
        };
        assert_eq!(
            (delay.min_steps(), delay.max_steps(), delay.classes()),
            (3, Some(6), 4)
        );
        let c = SparseConnectivity::from_pairs(1, 1, &vec![(0, 0); 400]);
        let steps = delay.per_synapse_steps(&c, |v| v.to_vec(), &mut delay_rng(1, 0));
        for d in 3..=6 {
            assert!(steps.iter().filter(|&&s| s == d).count() > 50, "{d}");
        }
        assert!(steps.iter().all(|s| (3..=6).contains(s)));
        // Not the connectivity's numbers.
        let mut a = delay_rng(1, 0);
        let mut b = group_rng(1, 0);
        assert_ne!(
            uniform_below(&mut a, 1 << 30),
            uniform_below(&mut b, 1 << 30)
        );
    }
}
