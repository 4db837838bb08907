//! A validated network with its connectivity drawn and its constants derived: what
//! backends load.

use std::sync::Arc;

use super::PostsynapticModel;
use super::WeightUpdateModel;
use super::code::{CompiledNeuron, PostsynapticInput, SourceInput, Target, VarInit};
use super::code::{CompiledWeightUpdate, SideInput, SynapseTarget};
use super::connectivity::{Columns, SparseConnectivity};
use super::fixed_point::FixedPointWeight;
use super::network::{CurrentSource, NeuronPopulation, SynapseGroup};
use super::neuron::{NeuronConstants, NeuronInit};
use super::{BuiltDelays, BuiltStateRecording, StdpConstants, library};
use super::{CurrentSourceModel, ModelError, Network, NeuronModel, PostsynapticConstants};

/// A neuron population ready to simulate.
#[derive(Clone, Debug, PartialEq)]
pub struct BuiltPopulation {
    /// The population's name.
    pub name: String,
    /// Number of neurons.
    pub size: u32,
    /// The neuron model: a built-in one's constants, or compiled code strings.
    pub model: PopulationModel,
    /// The state the population starts in and returns to on reset.
    pub init: NeuronInit,
    /// Whether its spikes are recorded.
    pub spike_recording: bool,
    /// Which of its variables are sampled, where any are.
    pub state_recording: Option<BuiltStateRecording>,
}

/// A population's neuron model, ready to simulate.
#[derive(Clone, Debug, PartialEq)]
pub enum PopulationModel {
    /// A built-in model, with its hand-written code on each backend.
    Builtin(NeuronConstants),
    /// A model written as code strings.
    Code(Arc<CompiledNeuron>),
}

/// A current source ready to simulate.
#[derive(Clone, Debug, PartialEq)]
pub struct BuiltCurrentSource {
    /// The source's name.
    pub name: String,
    /// Index of the population it injects into.
    pub target: usize,
    /// Every neuron's magnitude at the start.
    pub initial_magnitude: f32,
    /// Whether the source's model is a code string, which its target's step function
    /// runs (it then has no magnitude).
    pub code: bool,
}

/// A synapse group with its drawn connectivity.
#[derive(Clone, Debug, PartialEq)]
pub struct BuiltSynapseGroup {
    /// The group's name.
    pub name: String,
    /// Index of the presynaptic population.
    pub pre: usize,
    /// Index of the postsynaptic population.
    pub post: usize,
    /// The synapses, as CSR rows by presynaptic neuron (with per-synapse delays, each
    /// row's synapses in order of delay, those of one delay in the description's order).
    pub connectivity: SparseConnectivity,
    /// The synapses' delays, and with per-synapse delays where each row's delays start.
    pub delays: BuiltDelays,
    /// The postsynaptic model's constants.
    pub postsynaptic: PostsynapticConstants,
    /// The constant weight, or for per-synapse weights the scale that holds the largest.
    pub weight: FixedPointWeight,
    /// Per-synapse initial weights in connectivity row order (`StaticPulse`, STDP).
    pub synapse_g: Option<Vec<f32>>,
    /// The learning rule, for plastic synapses.
    pub stdp: Option<StdpConstants>,
    /// Whether presynaptic spikes add their weight to the postsynaptic input.
    pub drives_post: bool,
    /// Whether the postsynaptic model is a code string, which the target population's
    /// step function runs (and `postsynaptic` is unused).
    pub code_postsynaptic: bool,
    /// A weight-update model written as code strings (then `synapse_g` and `stdp` are
    /// `None`, and `weight` is the scale of its `addToPost` inputs).
    pub code: Option<Arc<CompiledWeightUpdate>>,
}

impl BuiltSynapseGroup {
    /// Whether the group changes state its batch shares: the built-in STDP, or code
    /// with read-write synapse variables, traces or postsynaptic spike code.
    pub fn is_plastic(&self) -> bool {
        self.stdp.is_some() || self.code.as_ref().is_some_and(|c| c.plastic)
    }

    /// For plastic synapses with an axonal delay, that delay in timesteps: they learn
    /// from presynaptic spikes as they arrive, as if their neurons had spiked that much
    /// later, and keep the times of those arrivals as their own `st_pre` (validation
    /// leaves a learning group one delay, and no presynaptic variables with it).
    pub fn learning_delay(&self) -> Option<u32> {
        (self.is_plastic() && self.delays.min_steps > 0).then_some(self.delays.min_steps)
    }

    /// For plastic synapses, the synapses by postsynaptic neuron, which learning on
    /// postsynaptic spikes walks: computed from `connectivity` as it is, by the backend
    /// that loads the group.
    pub fn columns(&self) -> Option<Columns> {
        self.is_plastic().then(|| Columns::new(&self.connectivity))
    }
}

/// A validated network with its connectivity drawn: what backends load.
#[derive(Clone, Debug, PartialEq)]
pub struct BuiltNetwork {
    /// The description it was built from.
    pub description: Network,
    /// The connectivity seed.
    pub seed: u64,
    /// Timestep in ms, in the simulation's precision.
    pub dt: f32,
    /// The populations, in the order they were added.
    pub populations: Vec<BuiltPopulation>,
    /// The current sources, in the order they were added.
    pub current_sources: Vec<BuiltCurrentSource>,
    /// The synapse groups, in the order they were added.
    pub synapse_groups: Vec<BuiltSynapseGroup>,
}

impl BuiltNetwork {
    /// Builds a network [`Network::validate`] accepted.
    pub(super) fn new(net: &Network, seed: u64) -> Result<Self, ModelError> {
        let synapse_groups = net
            .synapse_groups
            .iter()
            .enumerate()
            .map(|(index, s)| build_synapse_group(net, s, seed, index))
            .collect::<Result<_, _>>()?;
        Ok(BuiltNetwork {
            description: net.clone(),
            seed,
            dt: net.dt as f32,
            populations: net
                .populations
                .iter()
                .enumerate()
                .map(|(index, p)| build_population(net, p, seed, index))
                .collect::<Result<_, _>>()?,
            current_sources: net
                .current_sources
                .iter()
                .map(build_current_source)
                .collect(),
            synapse_groups,
        })
    }

    /// Incoming synapse groups of population `post`, in the order they were added.
    pub fn incoming(&self, post: usize) -> impl Iterator<Item = (usize, &BuiltSynapseGroup)> {
        self.synapse_groups
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.post == post)
    }

    /// Current sources with a magnitude (the built-in model) injecting into population
    /// `target`: code-string sources run in its step function instead.
    pub fn sources_of(&self, target: usize) -> impl Iterator<Item = (usize, &BuiltCurrentSource)> {
        self.current_sources
            .iter()
            .enumerate()
            .filter(move |(_, c)| c.target == target && !c.code)
    }

    /// For a group whose weight-update model is written as code strings, where its pre-
    /// and postsynaptic variables are among its populations' variables (named
    /// `"{group}.{variable}"`), in the model's order; empty lists for other groups.
    pub fn synapse_side_vars(&self, g: usize) -> (Vec<usize>, Vec<usize>) {
        let s = &self.synapse_groups[g];
        let Some(code) = &s.code else {
            return (Vec::new(), Vec::new());
        };
        let indices = |p: usize, vars: &[super::code::Var]| -> Vec<usize> {
            let PopulationModel::Code(neuron) = &self.populations[p].model else {
                return Vec::new();
            };
            vars.iter()
                .filter_map(|v| neuron.var_index(&format!("{}.{}", s.name, v.name)))
                .collect()
        };
        (
            indices(s.pre, &code.pre_vars),
            indices(s.post, &code.post_vars),
        )
    }

    /// Whether any population records its spikes.
    pub fn records_spikes(&self) -> bool {
        self.populations.iter().any(|p| p.spike_recording)
    }

    /// Whether any population records its spikes or state: what fills the recording
    /// buffers, which must be taken at least every `SimConfig::recording_steps`.
    pub fn records(&self) -> bool {
        self.populations
            .iter()
            .any(|p| p.spike_recording || p.state_recording.is_some())
    }

    /// The first plastic synapse group, if any: learning shares weights between batch
    /// entries and spike times between threads.
    pub fn plastic_group(&self) -> Option<&BuiltSynapseGroup> {
        self.synapse_groups.iter().find(|s| s.is_plastic())
    }

    /// Whether population `p` needs the time of each neuron's latest spike: plastic
    /// synapses connect it.
    pub fn tracks_spike_times(&self, p: usize) -> bool {
        self.synapse_groups
            .iter()
            .any(|s| s.is_plastic() && (s.pre == p || s.post == p))
    }

    /// Timesteps of spike words population `p` keeps: the one being updated, the one
    /// before it that the synapse update reads without a delay, and as many again as the
    /// longest delay of the synapse groups leaving it.
    pub fn spike_slots(&self, p: usize) -> u32 {
        2 + self.longest_delay_from(p)
    }

    /// The longest delay of the synapse groups leaving population `p`, in timesteps
    /// (0 without any).
    pub fn longest_delay_from(&self, p: usize) -> u32 {
        let leaving = self.synapse_groups.iter().filter(|s| s.pre == p);
        leaving.map(|s| s.delays.max_steps()).max().unwrap_or(0)
    }

    /// The populations in an order where every synapse group's presynaptic population
    /// comes before its postsynaptic one, if the network is feed-forward: no synapse
    /// group closes a cycle (or connects a population to itself), none is plastic and
    /// none has a weight-update model written as code strings.
    /// Such a network's populations can each be simulated for several timesteps before
    /// the next one is, since a timestep's input comes only from earlier populations'
    /// spikes of the timestep before. Ties keep the order the populations were added in.
    pub fn feed_forward_order(&self) -> Option<Vec<usize>> {
        // Code weight-update models read the time of their timestep, which blocks
        // don't give per timestep.
        if self.plastic_group().is_some() || self.synapse_groups.iter().any(|s| s.code.is_some()) {
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
}

/// The sides of code weight-update models that population number `index` is on, with
/// anything to run, in the order the groups were added (a group's presynaptic side
/// before its postsynaptic one).
fn synapse_sides(net: &Network, index: usize) -> Vec<SideInput<'_>> {
    let mut sides = Vec::new();
    for s in &net.synapse_groups {
        let WeightUpdateModel::Code(model) = &s.weight_update else {
            continue;
        };
        for (pre, population) in [(true, s.pre), (false, s.post)] {
            let side = SideInput {
                owner: format!("synapse group '{}'", s.name),
                group: s.name.clone(),
                pre,
                model,
            };
            if population.index() == index && !side.is_empty() {
                sides.push(side);
            }
        }
    }
    sides
}

/// The synapse groups with code postsynaptic models and the code current sources that
/// feed population number `index`, in the order they were added.
fn code_inputs(net: &Network, index: usize) -> (Vec<PostsynapticInput<'_>>, Vec<SourceInput<'_>>) {
    let inputs: Vec<PostsynapticInput<'_>> = net
        .synapse_groups
        .iter()
        .enumerate()
        .filter(|(_, s)| s.post.index() == index)
        .filter_map(|(group, s)| match &s.postsynaptic {
            PostsynapticModel::Code(model) => Some(PostsynapticInput {
                group,
                name: s.name.clone(),
                owner: format!("synapse group '{}'", s.name),
                model,
            }),
            _ => None,
        })
        .collect();
    let sources: Vec<SourceInput<'_>> = net
        .current_sources
        .iter()
        .filter(|c| c.target.index() == index)
        .filter_map(|c| match &c.model {
            CurrentSourceModel::Code(model) => Some(SourceInput {
                owner: format!("current source '{}'", c.name),
                name: c.name.clone(),
                model,
            }),
            CurrentSourceModel::Magnitude { .. } => None,
        })
        .collect();
    (inputs, sources)
}

/// Derives or compiles population number `index`'s model. A population that code-string
/// postsynaptic models or current sources feed runs its neuron model as code strings
/// too: a built-in LIF or IF as the library's twin, which gives the same spikes.
fn build_population(
    net: &Network,
    p: &NeuronPopulation,
    seed: u64,
    index: usize,
) -> Result<BuiltPopulation, ModelError> {
    let (inputs, sources) = code_inputs(net, index);
    let sides = synapse_sides(net, index);
    let code_inputs = !inputs.is_empty() || !sources.is_empty() || !sides.is_empty();
    let model = match &p.model {
        NeuronModel::Lif(params) if code_inputs => NeuronModel::Code(library::lif_from(params)),
        NeuronModel::If(params) if code_inputs => {
            NeuronModel::Code(library::integrate_and_fire_from(params))
        }
        model => model.clone(),
    };
    let init = model.initial_state();
    let model = match model.derive_or_code(net.dt) {
        Ok(constants) => PopulationModel::Builtin(constants),
        Err(code) => {
            // `set_initial_v` sets a model's `V`, as for the built-in ones (and is
            // refused, as an initial value of no variable, where there is none).
            let code = match p.initial_v {
                Some(v) => code.clone().init("V", VarInit::Constant(v)),
                None => code.clone(),
            };
            // The initial values are drawn here, one word per neuron and variable.
            let source_vars: usize = sources.iter().map(|s| s.model.model.vars.len()).sum();
            let side_vars: usize = sides.iter().map(SideInput::var_count).sum();
            let psm_vars: usize = inputs.iter().map(|i| i.model.model.vars.len()).sum();
            let vars = (code.model.vars.len() + source_vars + side_vars + psm_vars) as u128;
            let needed = u128::from(p.size) * vars * 4;
            crate::memory::check_fits(needed)
                .map_err(|available| ModelError::OutOfMemory { needed, available })?;
            let owner = format!("neuron population '{}'", p.name);
            let at = Target {
                owner: &owner,
                size: p.size,
                dt: net.dt,
                seed,
                population: index,
            };
            PopulationModel::Code(Arc::new(CompiledNeuron::new(
                &code, &inputs, &sources, &sides, &at,
            )?))
        }
    };
    Ok(BuiltPopulation {
        name: p.name.clone(),
        size: p.size,
        init: NeuronInit {
            v: p.initial_v.map_or(init.v, |v| v as f32),
            ..init
        },
        spike_recording: p.spike_recording,
        state_recording: net
            .state_recording(index)
            .map(|spec| BuiltStateRecording::new(spec, &p.name, p.size, &model))
            .transpose()?,
        model,
    })
}

fn build_current_source(c: &CurrentSource) -> BuiltCurrentSource {
    BuiltCurrentSource {
        name: c.name.clone(),
        target: c.target.index(),
        initial_magnitude: c.model.initial_magnitude(),
        code: matches!(c.model, CurrentSourceModel::Code(_)),
    }
}

/// A static code group whose bound on `addToPost` was taken from its variables' initial
/// values is taken for a StaticPulse: as the built-in one, it refuses values it can't sum
/// exactly (in row order: for `FromList`, grouped by presynaptic neuron).
fn check_static_code_weights(
    group: &str,
    code: &CompiledWeightUpdate,
    weight: &super::FixedPointWeight,
) -> Result<(), ModelError> {
    for (var, bits) in code.vars.iter().zip(&code.init) {
        if var.ty == super::code::VarType::F32 {
            let values: Vec<f32> = bits.iter().map(|&b| f32::from_bits(b)).collect();
            weight.check_exact(group, &values)?;
        }
    }
    Ok(())
}

/// Draws group number `index`'s connectivity from `seed` and derives its constants.
fn build_synapse_group(
    net: &Network,
    s: &SynapseGroup,
    seed: u64,
    index: usize,
) -> Result<BuiltSynapseGroup, ModelError> {
    let (pre, post) = (s.pre.index(), s.post.index());
    let mut connectivity = s.connectivity.draw(
        net.populations[pre].size,
        net.populations[post].size,
        seed,
        index,
    );
    let stdp = match &s.weight_update {
        WeightUpdateModel::StdpSymmetric(p) => Some(p.derive()),
        _ => None,
    };
    let code = match &s.weight_update {
        WeightUpdateModel::Code(model) => {
            let needed = u128::from(connectivity.len() as u64) * model.model.vars.len() as u128 * 4;
            crate::memory::check_fits(needed)
                .map_err(|available| ModelError::OutOfMemory { needed, available })?;
            let in_row_order =
                |v: &[f64]| super::weight_update::in_row_order(&s.connectivity, &connectivity, v);
            let owner = format!("synapse group '{}'", s.name);
            let at = SynapseTarget {
                owner: &owner,
                group: index,
                dt: net.dt,
                seed,
                synapses: connectivity.len(),
                in_row_order: &in_row_order,
            };
            Some(Arc::new(CompiledWeightUpdate::new(model, &at)?))
        }
        _ => None,
    };
    let weight = match &code {
        Some(c) => {
            let weight = net.fixed_point_for_largest(s, c.max_add_to_post, Some(&connectivity))?;
            if let WeightUpdateModel::Code(model) = &s.weight_update
                && model.max_add_to_post.is_none()
            {
                check_static_code_weights(&s.name, c, &weight)?;
            }
            weight
        }
        None => net.fixed_point_weight(s, Some(&connectivity))?,
    };
    let mut synapse_g = s
        .weight_update
        .synapse_weights(&s.connectivity, &connectivity);
    let delays = build_delays(net, s, (seed, index), &mut connectivity, synapse_g.as_mut());
    Ok(BuiltSynapseGroup {
        name: s.name.clone(),
        pre,
        post,
        postsynaptic: s.postsynaptic.derive(net.dt),
        weight,
        synapse_g,
        stdp,
        drives_post: s.weight_update.drives_post(),
        code_postsynaptic: matches!(s.postsynaptic, PostsynapticModel::Code(_)),
        code,
        connectivity,
        delays,
    })
}

/// Group number `index`'s delays (drawn from `seed` where drawn), with its rows and
/// per-synapse weights sorted by delay where each synapse has its own.
fn build_delays(
    net: &Network,
    s: &SynapseGroup,
    (seed, index): (u64, usize),
    connectivity: &mut SparseConnectivity,
    weights: Option<&mut Vec<f32>>,
) -> BuiltDelays {
    let delay = net.synaptic_delay(index);
    if delay.per_synapse.is_none() {
        return BuiltDelays::uniform(delay.axonal_steps);
    }
    let in_row_order =
        |v: &[u32]| super::weight_update::in_row_order(&s.connectivity, connectivity, v);
    let steps = delay.per_synapse_steps(
        connectivity,
        in_row_order,
        &mut super::delay::delay_rng(seed, index),
    );
    super::delay::sort_rows_by_delay(connectivity, &steps, weights)
}
