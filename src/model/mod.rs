//! What the user describes: neuron populations, current sources and synapse groups,
//! as plain data with no GPU types. [`Network::build`] validates a description, draws its
//! connectivity and computes derived constants; the backends load the [`BuiltNetwork`].

pub mod connectivity;
pub mod models;

pub use connectivity::SparseConnectivity;
pub use models::{
    Connectivity, CurrentSourceModel, IfConstants, IfParams, LifConstants, LifParams,
    NeuronConstants, NeuronInit, NeuronModel, PostsynapticConstants, PostsynapticModel,
    StdpConstants, StdpParams, WeightUpdateModel,
};

/// Handle of a neuron population in the [`Network`] that created it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PopulationId(pub(crate) usize);

impl PopulationId {
    pub fn index(self) -> usize {
        self.0
    }
}

/// Handle of a current source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CurrentSourceId(pub(crate) usize);

impl CurrentSourceId {
    pub fn index(self) -> usize {
        self.0
    }
}

/// Handle of a synapse group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SynapseGroupId(pub(crate) usize);

impl SynapseGroupId {
    pub fn index(self) -> usize {
        self.0
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NeuronPopulation {
    pub name: String,
    pub size: u32,
    pub model: NeuronModel,
    pub spike_recording: bool,
    /// `V` to start from and reset to, instead of the model's default.
    pub initial_v: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CurrentSource {
    pub name: String,
    pub target: PopulationId,
    pub model: CurrentSourceModel,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SynapseGroup {
    pub name: String,
    pub pre: PopulationId,
    pub post: PopulationId,
    pub weight_update: WeightUpdateModel,
    pub postsynaptic: PostsynapticModel,
    pub connectivity: Connectivity,
}

/// Why a network description can't be built.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ModelError {
    #[error("timestep dt = {0} ms: it must be a finite number greater than 0")]
    InvalidTimestep(f64),
    #[error("neuron population '{0}' has no neurons: give it a size of at least 1")]
    EmptyPopulation(String),
    #[error(
        "the name '{0}' is used twice: populations, current sources and synapse groups need unique names"
    )]
    DuplicateName(String),
    #[error("{owner}: {parameter} = {value} is invalid, it must be {requirement}")]
    InvalidParameter {
        owner: String,
        parameter: &'static str,
        value: f64,
        requirement: &'static str,
    },
    #[error(
        "{owner} refers to population #{index}, which this network does not have (it has {count}); use the PopulationId returned by add_neuron_population on the same network"
    )]
    UnknownPopulation {
        owner: String,
        index: usize,
        count: usize,
    },
    #[error("synapse group '{0}': FixedNumberPreWithReplacement needs num of at least 1")]
    ZeroFanIn(String),
    #[error("synapse group '{group}': {reason}")]
    InvalidSynapses { group: String, reason: String },
    #[error(
        "synapse group '{group}' would have {synapses} synapses, more than the {max} a u32 index can address"
    )]
    TooManySynapses {
        group: String,
        synapses: u64,
        max: u64,
    },
    #[error(
        "synapse group '{group}': {inputs} inputs per neuron per timestep are too many for deterministic fixed-point accumulation (at most {max})"
    )]
    TooManyInputsForFixedPoint {
        group: String,
        inputs: u64,
        max: u64,
    },
}

/// A network description: populations, current sources and synapse groups at one
/// timestep. Plain data: build it with [`Network::build`] before simulating.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub dt: f64,
    pub populations: Vec<NeuronPopulation>,
    pub current_sources: Vec<CurrentSource>,
    pub synapse_groups: Vec<SynapseGroup>,
}

impl Network {
    /// An empty network with timestep `dt` [ms].
    pub fn new(dt: f64) -> Self {
        Network {
            dt,
            populations: Vec::new(),
            current_sources: Vec::new(),
            synapse_groups: Vec::new(),
        }
    }

    /// Adds a population of `size` neurons. Spike recording starts off.
    pub fn add_neuron_population(
        &mut self,
        name: &str,
        size: u32,
        model: NeuronModel,
    ) -> PopulationId {
        self.populations.push(NeuronPopulation {
            name: name.to_owned(),
            size,
            model,
            spike_recording: false,
            initial_v: None,
        });
        PopulationId(self.populations.len() - 1)
    }

    /// Sets the `V` that `population` starts from and returns to on reset (the model's
    /// default otherwise: `Vreset` for LIF, 0 for IF).
    pub fn set_initial_v(&mut self, population: PopulationId, v: f64) {
        if let Some(p) = self.populations.get_mut(population.0) {
            p.initial_v = Some(v);
        }
    }

    /// Switches spike recording of `population` on or off.
    pub fn set_spike_recording(&mut self, population: PopulationId, on: bool) {
        if let Some(p) = self.populations.get_mut(population.0) {
            p.spike_recording = on;
        }
    }

    pub fn add_current_source(
        &mut self,
        name: &str,
        target: PopulationId,
        model: CurrentSourceModel,
    ) -> CurrentSourceId {
        self.current_sources.push(CurrentSource {
            name: name.to_owned(),
            target,
            model,
        });
        CurrentSourceId(self.current_sources.len() - 1)
    }

    pub fn add_synapse_group(
        &mut self,
        name: &str,
        pre: PopulationId,
        post: PopulationId,
        weight_update: WeightUpdateModel,
        postsynaptic: PostsynapticModel,
        connectivity: Connectivity,
    ) -> SynapseGroupId {
        self.synapse_groups.push(SynapseGroup {
            name: name.to_owned(),
            pre,
            post,
            weight_update,
            postsynaptic,
            connectivity,
        });
        SynapseGroupId(self.synapse_groups.len() - 1)
    }

    /// Looks a population up by name.
    pub fn population(&self, name: &str) -> Option<PopulationId> {
        self.populations
            .iter()
            .position(|p| p.name == name)
            .map(PopulationId)
    }

    /// Checks the description without drawing connectivity.
    pub fn validate(&self) -> Result<(), ModelError> {
        if !(self.dt.is_finite() && self.dt > 0.0) {
            return Err(ModelError::InvalidTimestep(self.dt));
        }
        let mut names = std::collections::HashSet::new();
        let all_names = self
            .populations
            .iter()
            .map(|p| &p.name)
            .chain(self.current_sources.iter().map(|c| &c.name))
            .chain(self.synapse_groups.iter().map(|s| &s.name));
        for name in all_names {
            if !names.insert(name.as_str()) {
                return Err(ModelError::DuplicateName(name.clone()));
            }
        }
        for p in &self.populations {
            if p.size == 0 {
                return Err(ModelError::EmptyPopulation(p.name.clone()));
            }
            p.model
                .validate(&format!("neuron population '{}'", p.name))?;
            if let Some(v) = p.initial_v
                && !v.is_finite()
            {
                return Err(ModelError::InvalidParameter {
                    owner: format!("neuron population '{}'", p.name),
                    parameter: "initial V",
                    value: v,
                    requirement: "a finite number",
                });
            }
        }
        let check_population = |owner: String, id: PopulationId| {
            if id.0 < self.populations.len() {
                Ok(())
            } else {
                Err(ModelError::UnknownPopulation {
                    owner,
                    index: id.0,
                    count: self.populations.len(),
                })
            }
        };
        for c in &self.current_sources {
            check_population(format!("current source '{}'", c.name), c.target)?;
            let CurrentSourceModel::Magnitude { initial } = c.model;
            if !initial.is_finite() {
                return Err(ModelError::InvalidParameter {
                    owner: format!("current source '{}'", c.name),
                    parameter: "magnitude",
                    value: f64::from(initial),
                    requirement: "a finite number",
                });
            }
        }
        for s in &self.synapse_groups {
            let owner = format!("synapse group '{}'", s.name);
            check_population(owner.clone(), s.pre)?;
            check_population(owner.clone(), s.post)?;
            self.validate_connectivity(s)?;
            let synapses = self.synapse_count(s);
            let invalid = |reason: String| ModelError::InvalidSynapses {
                group: s.name.clone(),
                reason,
            };
            match &s.weight_update {
                WeightUpdateModel::StaticPulseConstantWeight { g } => {
                    if !g.is_finite() {
                        return Err(ModelError::InvalidParameter {
                            owner,
                            parameter: "g",
                            value: *g,
                            requirement: "a finite number",
                        });
                    }
                }
                WeightUpdateModel::StaticPulse { g } => {
                    if g.len() as u64 != synapses {
                        return Err(invalid(format!(
                            "{} weights were given for {synapses} synapses",
                            g.len()
                        )));
                    }
                    if let Some(bad) = g.iter().position(|w| !w.is_finite()) {
                        return Err(invalid(format!("weight #{bad} is {}", g[bad])));
                    }
                }
                WeightUpdateModel::StdpSymmetric(p) => {
                    let named = [
                        ("tau", p.tau),
                        ("rho", p.rho),
                        ("eta", p.eta),
                        ("wMin", p.w_min),
                        ("wMax", p.w_max),
                        ("g", p.g_init),
                    ];
                    for (parameter, value) in named {
                        if !value.is_finite() {
                            return Err(ModelError::InvalidParameter {
                                owner,
                                parameter,
                                value,
                                requirement: "a finite number",
                            });
                        }
                    }
                    if p.tau <= 0.0 {
                        return Err(ModelError::InvalidParameter {
                            owner,
                            parameter: "tau",
                            value: p.tau,
                            requirement: "greater than 0",
                        });
                    }
                    if !(p.w_min <= p.g_init && p.g_init <= p.w_max) {
                        return Err(invalid(format!(
                            "initial g = {} must lie in [wMin, wMax] = [{}, {}]",
                            p.g_init, p.w_min, p.w_max
                        )));
                    }
                    if s.pre == s.post {
                        return Err(invalid(
                            "STDP within one population is not supported yet".to_owned(),
                        ));
                    }
                }
            }
            if let PostsynapticModel::ExpCurr { tau } = s.postsynaptic
                && !(tau.is_finite() && tau > 0.0)
            {
                return Err(ModelError::InvalidParameter {
                    owner,
                    parameter: "tau",
                    value: tau,
                    requirement: "a finite number greater than 0",
                });
            }
            if let Connectivity::FixedNumberPreWithReplacement { num: 0 } = s.connectivity {
                return Err(ModelError::ZeroFanIn(s.name.clone()));
            }
            if synapses > u64::from(u32::MAX) {
                return Err(ModelError::TooManySynapses {
                    group: s.name.clone(),
                    synapses,
                    max: u64::from(u32::MAX),
                });
            }
            fixed_point_weight(&s.name, weight_bound(&s.weight_update), self.fan_in(s))?;
        }
        Ok(())
    }

    /// Checks an explicit synapse list against the populations it connects.
    fn validate_connectivity(&self, s: &SynapseGroup) -> Result<(), ModelError> {
        let Connectivity::FromList { pre, post } = &s.connectivity else {
            return Ok(());
        };
        let invalid = |reason: String| ModelError::InvalidSynapses {
            group: s.name.clone(),
            reason,
        };
        if pre.len() != post.len() {
            return Err(invalid(format!(
                "{} presynaptic but {} postsynaptic indices",
                pre.len(),
                post.len()
            )));
        }
        for (ids, population, side) in [(pre, s.pre, "presynaptic"), (post, s.post, "postsynaptic")]
        {
            let size = self.populations[population.0].size;
            if let Some(bad) = ids.iter().find(|&&i| i >= size) {
                return Err(invalid(format!(
                    "{side} index {bad} is out of range for population '{}' of {size} neurons",
                    self.populations[population.0].name
                )));
            }
        }
        Ok(())
    }

    /// Number of synapses `s` will have.
    fn synapse_count(&self, s: &SynapseGroup) -> u64 {
        let n_pre = u64::from(self.populations[s.pre.0].size);
        let n_post = u64::from(self.populations[s.post.0].size);
        match &s.connectivity {
            Connectivity::FixedNumberPreWithReplacement { num } => u64::from(*num) * n_post,
            Connectivity::Dense => n_pre * n_post,
            Connectivity::FromList { pre, .. } => pre.len() as u64,
        }
    }

    /// The most synapses any postsynaptic neuron of `s` has: the most input it can get in
    /// one timestep is this many weights.
    fn fan_in(&self, s: &SynapseGroup) -> u64 {
        match &s.connectivity {
            Connectivity::FixedNumberPreWithReplacement { num } => u64::from(*num),
            Connectivity::Dense => u64::from(self.populations[s.pre.0].size),
            Connectivity::FromList { post, .. } => {
                let mut degree = vec![0u64; self.populations[s.post.0].size as usize];
                for &p in post {
                    if let Some(d) = degree.get_mut(p as usize) {
                        *d += 1;
                    }
                }
                degree.into_iter().max().unwrap_or(0)
            }
        }
    }

    /// Validates the description, draws every synapse group's connectivity from `seed`
    /// and computes derived constants.
    pub fn build(&self, seed: u64) -> Result<BuiltNetwork, ModelError> {
        self.validate()?;
        let populations = self
            .populations
            .iter()
            .map(|p| BuiltPopulation {
                name: p.name.clone(),
                size: p.size,
                neuron: p.model.derive(self.dt),
                init: NeuronInit {
                    v: p.initial_v.map_or(p.model.initial_state().v, |v| v as f32),
                    ..p.model.initial_state()
                },
                spike_recording: p.spike_recording,
            })
            .collect();
        let current_sources = self
            .current_sources
            .iter()
            .map(|c| {
                let CurrentSourceModel::Magnitude { initial } = c.model;
                BuiltCurrentSource {
                    name: c.name.clone(),
                    target: c.target.0,
                    initial_magnitude: initial,
                }
            })
            .collect();
        let mut synapse_groups = Vec::with_capacity(self.synapse_groups.len());
        for (index, s) in self.synapse_groups.iter().enumerate() {
            let n_pre = self.populations[s.pre.0].size;
            let n_post = self.populations[s.post.0].size;
            let conn = match &s.connectivity {
                Connectivity::FixedNumberPreWithReplacement { num } => {
                    let mut rng = connectivity::group_rng(seed, index);
                    connectivity::fixed_number_pre_with_replacement(n_pre, n_post, *num, &mut rng)
                }
                Connectivity::Dense => connectivity::dense(n_pre, n_post),
                Connectivity::FromList { pre, post } => {
                    let pairs: Vec<(u32, u32)> =
                        pre.iter().copied().zip(post.iter().copied()).collect();
                    SparseConnectivity::from_pairs(n_pre, n_post, &pairs)
                }
            };
            let weight =
                fixed_point_weight(&s.name, weight_bound(&s.weight_update), self.fan_in(s))?;
            let (synapse_g, stdp, drives_post) = match &s.weight_update {
                WeightUpdateModel::StaticPulseConstantWeight { .. } => (None, None, true),
                WeightUpdateModel::StaticPulse { g } => {
                    (Some(in_row_order(&s.connectivity, &conn, g)), None, true)
                }
                WeightUpdateModel::StdpSymmetric(p) => (
                    Some(vec![p.g_init as f32; conn.len()]),
                    Some(p.derive()),
                    p.drive_post,
                ),
            };
            synapse_groups.push(BuiltSynapseGroup {
                name: s.name.clone(),
                pre: s.pre.0,
                post: s.post.0,
                connectivity: conn,
                postsynaptic: s.postsynaptic.derive(self.dt),
                weight,
                synapse_g,
                stdp,
                drives_post,
            });
        }
        Ok(BuiltNetwork {
            description: self.clone(),
            seed,
            dt: self.dt as f32,
            populations,
            current_sources,
            synapse_groups,
        })
    }
}

/// The largest weight magnitude a group can have: what its fixed-point scale must hold.
fn weight_bound(w: &WeightUpdateModel) -> f64 {
    match w {
        WeightUpdateModel::StaticPulseConstantWeight { g } => *g,
        WeightUpdateModel::StaticPulse { g } => {
            g.iter().fold(0.0f64, |m, &w| m.max(f64::from(w).abs()))
        }
        WeightUpdateModel::StdpSymmetric(p) => p.w_min.abs().max(p.w_max.abs()),
    }
}

/// Weights given in the order the description lists synapses, in the built
/// connectivity's row order (the same order except for explicit lists, whose synapses
/// are grouped by presynaptic neuron keeping their order within a row).
fn in_row_order(description: &Connectivity, built: &SparseConnectivity, g: &[f32]) -> Vec<f32> {
    let Connectivity::FromList { pre, .. } = description else {
        return g.to_vec();
    };
    let mut fill: Vec<u32> = built.row_start.clone();
    let mut out = vec![0.0; g.len()];
    for (&p, &w) in pre.iter().zip(g) {
        out[fill[p as usize] as usize] = w;
        fill[p as usize] += 1;
    }
    out
}

/// A weight in the fixed-point form synaptic input is accumulated in.
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
    pub g: f64,
    pub weight_fixed: i32,
    /// `2^-exponent`, exactly representable in f32.
    pub inv_scale: f32,
    pub exponent: i32,
}

impl FixedPointWeight {
    /// A per-synapse weight in fixed-point units: `g * 2^exponent` (exact) rounded to the
    /// nearest integer, ties to even, as WGSL's `round` does.
    #[inline]
    pub fn to_fixed(&self, g: f32) -> i32 {
        (g * (1.0 / self.inv_scale)).round_ties_even() as i32
    }
}

const FIXED_POINT_HEADROOM: f64 = (1u64 << 30) as f64;
/// Below this many units per weight, quantisation would cost more than f32 precision.
const MIN_WEIGHT_UNITS: f64 = (1u64 << 10) as f64;

fn fixed_point_weight(
    group: &str,
    g: f64,
    max_inputs: u64,
) -> Result<FixedPointWeight, ModelError> {
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

/// A neuron population ready to simulate.
#[derive(Clone, Debug, PartialEq)]
pub struct BuiltPopulation {
    pub name: String,
    pub size: u32,
    pub neuron: NeuronConstants,
    pub init: NeuronInit,
    pub spike_recording: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BuiltCurrentSource {
    pub name: String,
    pub target: usize,
    pub initial_magnitude: f32,
}

/// A synapse group with its drawn connectivity.
#[derive(Clone, Debug, PartialEq)]
pub struct BuiltSynapseGroup {
    pub name: String,
    pub pre: usize,
    pub post: usize,
    pub connectivity: SparseConnectivity,
    pub postsynaptic: PostsynapticConstants,
    /// The constant weight, or for per-synapse weights the scale that holds the largest.
    pub weight: FixedPointWeight,
    /// Per-synapse initial weights in connectivity row order (`StaticPulse`, STDP).
    pub synapse_g: Option<Vec<f32>>,
    /// The learning rule, for plastic synapses.
    pub stdp: Option<StdpConstants>,
    /// Whether presynaptic spikes add their weight to the postsynaptic input.
    pub drives_post: bool,
}

/// A validated network with its connectivity drawn: what backends load.
#[derive(Clone, Debug, PartialEq)]
pub struct BuiltNetwork {
    pub description: Network,
    pub seed: u64,
    pub dt: f32,
    pub populations: Vec<BuiltPopulation>,
    pub current_sources: Vec<BuiltCurrentSource>,
    pub synapse_groups: Vec<BuiltSynapseGroup>,
}

impl BuiltNetwork {
    /// Incoming synapse groups of population `post`, in the order they were added.
    pub fn incoming(&self, post: usize) -> impl Iterator<Item = (usize, &BuiltSynapseGroup)> {
        self.synapse_groups
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.post == post)
    }

    /// The populations in an order where every synapse group's presynaptic population
    /// comes before its postsynaptic one, if the network is feed-forward: no synapse
    /// group closes a cycle (or connects a population to itself) and none is plastic.
    /// Such a network's populations can each be simulated for several timesteps before
    /// the next one is, since a timestep's input comes only from earlier populations'
    /// spikes of the timestep before. Ties keep the order the populations were added in.
    pub fn feed_forward_order(&self) -> Option<Vec<usize>> {
        if self.synapse_groups.iter().any(|s| s.stdp.is_some()) {
            return None;
        }
        let n = self.populations.len();
        let mut inputs_left = vec![0usize; n];
        for s in &self.synapse_groups {
            inputs_left[s.post] += 1;
        }
        let mut order = Vec::with_capacity(n);
        let mut placed = vec![false; n];
        // Kahn's algorithm, taking the earliest-added ready population each time.
        while let Some(p) = (0..n).find(|&p| !placed[p] && inputs_left[p] == 0) {
            placed[p] = true;
            order.push(p);
            for s in self.synapse_groups.iter().filter(|s| s.pre == p) {
                inputs_left[s.post] -= 1;
            }
        }
        (order.len() == n).then_some(order)
    }

    /// Current sources injecting into population `target`.
    pub fn sources_of(&self, target: usize) -> impl Iterator<Item = (usize, &BuiltCurrentSource)> {
        self.current_sources
            .iter()
            .enumerate()
            .filter(move |(_, c)| c.target == target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_populations() -> (Network, PopulationId, PopulationId) {
        let mut net = Network::new(0.1);
        let a = net.add_neuron_population("a", 10, NeuronModel::Lif(LifParams::TUTORIAL));
        let b = net.add_neuron_population("b", 5, NeuronModel::Lif(LifParams::TUTORIAL));
        (net, a, b)
    }

    fn connect(net: &mut Network, a: PopulationId, b: PopulationId, g: f64, tau: f64, num: u32) {
        net.add_synapse_group(
            "a_b",
            a,
            b,
            WeightUpdateModel::StaticPulseConstantWeight { g },
            PostsynapticModel::ExpCurr { tau },
            Connectivity::FixedNumberPreWithReplacement { num },
        );
    }

    #[test]
    fn invalid_descriptions_are_rejected_with_the_reason() {
        let mut net = Network::new(0.0);
        net.add_neuron_population("a", 1, NeuronModel::Lif(LifParams::TUTORIAL));
        assert_eq!(net.validate(), Err(ModelError::InvalidTimestep(0.0)));

        let mut net = Network::new(0.1);
        net.add_neuron_population("empty", 0, NeuronModel::Lif(LifParams::TUTORIAL));
        assert_eq!(
            net.validate(),
            Err(ModelError::EmptyPopulation("empty".into()))
        );

        let (mut net, a, b) = two_populations();
        connect(&mut net, a, b, 0.2, 3.0, 0);
        assert_eq!(net.validate(), Err(ModelError::ZeroFanIn("a_b".into())));

        let (mut net, a, b) = two_populations();
        connect(&mut net, a, b, 0.2, -1.0, 2);
        assert!(matches!(
            net.validate(),
            Err(ModelError::InvalidParameter {
                parameter: "tau",
                ..
            })
        ));

        let (mut net, a, _) = two_populations();
        connect(&mut net, a, PopulationId(7), 0.2, 3.0, 2);
        assert!(matches!(
            net.validate(),
            Err(ModelError::UnknownPopulation { index: 7, .. })
        ));

        let (mut net, _, _) = two_populations();
        net.add_neuron_population("a", 3, NeuronModel::Lif(LifParams::TUTORIAL));
        assert_eq!(net.validate(), Err(ModelError::DuplicateName("a".into())));
    }

    #[test]
    fn fixed_point_weight_uses_the_headroom_and_is_exact_enough() {
        let w = fixed_point_weight("g", 0.2, 20).unwrap();
        assert_eq!(w.exponent, 28);
        assert!((f64::from(w.weight_fixed) * f64::from(w.inv_scale) - 0.2).abs() < 1e-8);
        assert!(i64::from(w.weight_fixed) * 20 <= 1 << 30);
        let neg = fixed_point_weight("g", -5.0, 20000).unwrap();
        assert!(neg.weight_fixed < 0);
        assert!((f64::from(neg.weight_fixed) * f64::from(neg.inv_scale) + 5.0).abs() < 5.0 * 1e-4);
        assert!(fixed_point_weight("g", 1.0, 1 << 25).is_err());
        assert!(fixed_point_weight("g", 1e-35, 20).is_err());
        assert!(fixed_point_weight("g", -1e50, 20).is_err());
    }

    #[test]
    fn build_draws_the_same_connectivity_for_the_same_seed() {
        let (mut net, a, b) = two_populations();
        connect(&mut net, a, b, 0.2, 3.0, 4);
        let x = net.build(3).unwrap();
        let y = net.build(3).unwrap();
        let z = net.build(4).unwrap();
        assert_eq!(
            x.synapse_groups[0].connectivity,
            y.synapse_groups[0].connectivity
        );
        assert_ne!(
            x.synapse_groups[0].connectivity,
            z.synapse_groups[0].connectivity
        );
        assert_eq!(x.synapse_groups[0].connectivity.in_degrees(), vec![4; 5]);
    }

    #[test]
    fn feed_forward_order_puts_sources_first_and_refuses_cycles_and_learning() {
        let lif = || NeuronModel::Lif(LifParams::TUTORIAL);
        let group = |net: &mut Network, name: &str, pre, post| {
            net.add_synapse_group(
                name,
                pre,
                post,
                WeightUpdateModel::StaticPulseConstantWeight { g: 0.1 },
                PostsynapticModel::ExpCurr { tau: 3.0 },
                Connectivity::FixedNumberPreWithReplacement { num: 2 },
            );
        };
        // c <- b <- a, added as c, a, b; and d with no synapses at all.
        let mut net = Network::new(0.1);
        let c = net.add_neuron_population("c", 5, lif());
        let a = net.add_neuron_population("a", 5, lif());
        let b = net.add_neuron_population("b", 5, lif());
        net.add_neuron_population("d", 5, lif());
        group(&mut net, "b_c", b, c);
        group(&mut net, "a_b", a, b);
        group(&mut net, "a_c", a, c);
        assert_eq!(
            net.build(1).unwrap().feed_forward_order(),
            Some(vec![1, 2, 0, 3])
        );

        let mut cycle = net.clone();
        group(&mut cycle, "c_a", c, a);
        assert_eq!(cycle.build(1).unwrap().feed_forward_order(), None);

        let mut recurrent = net.clone();
        group(&mut recurrent, "b_b", b, b);
        assert_eq!(recurrent.build(1).unwrap().feed_forward_order(), None);

        let mut plastic = net.clone();
        plastic.add_synapse_group(
            "a_c_stdp",
            a,
            c,
            WeightUpdateModel::StdpSymmetric(StdpParams {
                tau: 10.0,
                rho: 0.1,
                eta: 0.01,
                w_min: 0.0,
                w_max: 1.0,
                g_init: 0.5,
                drive_post: true,
            }),
            PostsynapticModel::ExpCurr { tau: 3.0 },
            Connectivity::FixedNumberPreWithReplacement { num: 2 },
        );
        assert_eq!(plastic.build(1).unwrap().feed_forward_order(), None);
    }
}
