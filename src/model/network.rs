//! The network description: populations, current sources and synapse groups at one
//! timestep, as plain data.

use super::handle::{CurrentSourceId, NetworkId, PopulationId, SynapseGroupId};
use super::state_recording::StateRecordingSpec;
use super::{Connectivity, CurrentSourceModel, ModelError, NeuronModel, PostsynapticModel};
use super::{SynapticDelay, WeightUpdateModel, build::BuiltNetwork};

/// A population of neurons of one model.
#[derive(Clone, Debug, PartialEq)]
pub struct NeuronPopulation {
    /// Unique among the network's parts.
    pub name: String,
    /// Number of neurons.
    pub size: u32,
    /// The neuron model and its parameters.
    pub model: NeuronModel,
    /// Whether the population's spikes are recorded (GeNN's `spike_recording_enabled`).
    pub spike_recording: bool,
    /// `V` to start from and reset to, instead of the model's default.
    pub initial_v: Option<f64>,
}

/// A current source injecting into every neuron of one population.
#[derive(Clone, Debug, PartialEq)]
pub struct CurrentSource {
    /// Unique among the network's parts.
    pub name: String,
    /// The population it injects into.
    pub target: PopulationId,
    /// The current source model.
    pub model: CurrentSourceModel,
}

/// Synapses from one population to another: what [`Network::add_synapse_group`] takes.
///
/// ```
/// use kenyon::{Connectivity, Network, NeuronModel, LifParams, PostsynapticModel, SynapseGroup, WeightUpdateModel};
///
/// let mut net = Network::new(0.1);
/// let pn = net.add_neuron_population("pn", 784, NeuronModel::Lif(LifParams::TUTORIAL));
/// let kc = net.add_neuron_population("kc", 20_000, NeuronModel::Lif(LifParams::TUTORIAL));
/// let pn_kc = net.add_synapse_group(SynapseGroup {
///     name: "pn_kc".into(),
///     pre: pn,
///     post: kc,
///     weight_update: WeightUpdateModel::StaticPulseConstantWeight { g: 0.2 },
///     postsynaptic: PostsynapticModel::ExpCurr { tau: 3.0 },
///     connectivity: Connectivity::FixedNumberPreWithReplacement { num: 20 },
/// });
/// assert_eq!(pn_kc.index(), 0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SynapseGroup {
    /// Unique among the network's parts.
    pub name: String,
    /// The presynaptic population.
    pub pre: PopulationId,
    /// The postsynaptic population.
    pub post: PopulationId,
    /// What a presynaptic spike does to a synapse's target (and its weight).
    pub weight_update: WeightUpdateModel,
    /// How the postsynaptic input turns into current.
    pub postsynaptic: PostsynapticModel,
    /// Which pairs of neurons are connected.
    pub connectivity: Connectivity,
}

/// A network description: populations, current sources and synapse groups at one
/// timestep. Plain data, with no backend in sight: [`build`](Network::build) it before
/// simulating. Two networks are equal when their descriptions are, whatever their ids.
#[derive(Clone, Debug)]
pub struct Network {
    /// Timestep in ms.
    pub dt: f64,
    /// The neuron populations, in the order they were added.
    pub populations: Vec<NeuronPopulation>,
    /// The current sources, in the order they were added.
    pub current_sources: Vec<CurrentSource>,
    /// The synapse groups, in the order they were added.
    pub synapse_groups: Vec<SynapseGroup>,
    /// Synaptic delays by synapse group index, where set (none beyond the end).
    delays: Vec<SynapticDelay>,
    /// State recordings by population index, where asked for (none beyond the end).
    state_recordings: Vec<Option<StateRecordingSpec>>,
    id: NetworkId,
}

impl PartialEq for Network {
    fn eq(&self, other: &Self) -> bool {
        self.dt == other.dt
            && self.populations == other.populations
            && self.current_sources == other.current_sources
            && self.synapse_groups == other.synapse_groups
            && (0..self.synapse_groups.len().max(other.synapse_groups.len()))
                .all(|g| self.synaptic_delay(g) == other.synaptic_delay(g))
            && (0..self.populations.len().max(other.populations.len()))
                .all(|p| self.state_recording(p) == other.state_recording(p))
    }
}

impl Network {
    /// An empty network with timestep `dt` in ms.
    pub fn new(dt: f64) -> Self {
        Network {
            dt,
            populations: Vec::new(),
            current_sources: Vec::new(),
            synapse_groups: Vec::new(),
            delays: Vec::new(),
            state_recordings: Vec::new(),
            id: NetworkId::unique(),
        }
    }

    /// Which network this is: every handle it returns carries this id.
    pub fn id(&self) -> NetworkId {
        self.id
    }

    /// Adds a population of `size` neurons. Spike recording starts off.
    pub fn add_neuron_population(
        &mut self,
        name: &str,
        size: u32,
        model: NeuronModel,
    ) -> PopulationId {
        self.add_population(NeuronPopulation {
            name: name.to_owned(),
            size,
            model,
            spike_recording: false,
            initial_v: None,
        })
    }

    /// Adds a population described in full (spike recording and initial `V` included).
    pub fn add_population(&mut self, population: NeuronPopulation) -> PopulationId {
        self.populations.push(population);
        PopulationId::new(self.id, self.populations.len() - 1)
    }

    /// Sets the `V` that `population` starts from and returns to on reset (the model's
    /// default otherwise: `Vreset` for LIF, 0 for IF).
    pub fn set_initial_v(&mut self, population: PopulationId, v: f64) -> Result<(), ModelError> {
        let p = self.population_index("set_initial_v", population)?;
        self.populations[p].initial_v = Some(v);
        Ok(())
    }

    /// Switches spike recording of `population` on or off.
    pub fn set_spike_recording(
        &mut self,
        population: PopulationId,
        on: bool,
    ) -> Result<(), ModelError> {
        let p = self.population_index("set_spike_recording", population)?;
        self.populations[p].spike_recording = on;
        Ok(())
    }

    /// Records variables `vars` of neurons `neurons` of `population` every `every`
    /// timesteps (Brian2's `StateMonitor`), replacing any state recording it had: timestep
    /// `t` is sampled where `t % every == 0`, after its neuron update (what
    /// [`read_var`](crate::Simulator::read_var) gives once the timestep has run). The
    /// samples come back with the spikes, from
    /// [`take_recording`](crate::Simulator::take_recording). The variables and neurons
    /// are checked by [`build`](Network::build).
    ///
    /// ```
    /// use kenyon::{LifParams, Network, NeuronModel};
    ///
    /// let mut net = Network::new(0.1);
    /// let p = net.add_neuron_population("p", 10, NeuronModel::Lif(LifParams::TUTORIAL));
    /// net.record_state(p, &["V", "RefracTime"], &[0, 5, 9], 10)?; // every 1 ms
    /// assert_eq!(net.state_recording(p.index()).map(|r| r.every), Some(10));
    /// # Ok::<(), kenyon::ModelError>(())
    /// ```
    pub fn record_state(
        &mut self,
        population: PopulationId,
        vars: &[&str],
        neurons: &[u32],
        every: u32,
    ) -> Result<(), ModelError> {
        let p = self.population_index("record_state", population)?;
        if self.state_recordings.len() <= p {
            self.state_recordings.resize(p + 1, None);
        }
        self.state_recordings[p] = Some(StateRecordingSpec {
            vars: vars.iter().map(|&v| v.to_owned()).collect(),
            neurons: neurons.to_vec(),
            every,
        });
        Ok(())
    }

    /// Stops recording the state of `population`.
    pub fn stop_recording_state(&mut self, population: PopulationId) -> Result<(), ModelError> {
        let p = self.population_index("stop_recording_state", population)?;
        if let Some(spec) = self.state_recordings.get_mut(p) {
            *spec = None;
        }
        Ok(())
    }

    /// The state recording of population number `population`, if any.
    pub fn state_recording(&self, population: usize) -> Option<&StateRecordingSpec> {
        self.state_recordings.get(population)?.as_ref()
    }

    /// Adds a current source injecting into every neuron of `target`.
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
        CurrentSourceId::new(self.id, self.current_sources.len() - 1)
    }

    /// Adds a synapse group (see [`SynapseGroup`] for an example).
    pub fn add_synapse_group(&mut self, group: SynapseGroup) -> SynapseGroupId {
        self.synapse_groups.push(group);
        SynapseGroupId::new(self.id, self.synapse_groups.len() - 1)
    }

    /// Sets the delays of `group`'s synapses (none until set): a spike of timestep `t`
    /// reaches a synapse's target in timestep `t + 1 + d`, `d` the synapse's delay in
    /// timesteps, where it reaches it in `t + 1` without one.
    ///
    /// ```
    /// use kenyon::{Connectivity, LifParams, Network, NeuronModel, PostsynapticModel};
    /// use kenyon::{SynapseGroup, WeightUpdateModel};
    /// use kenyon::model::SynapticDelay;
    ///
    /// let mut net = Network::new(0.1);
    /// let lif = NeuronModel::Lif(LifParams::TUTORIAL);
    /// let e = net.add_neuron_population("e", 100, lif);
    /// let e_e = net.add_synapse_group(SynapseGroup {
    ///     name: "e_e".into(),
    ///     pre: e,
    ///     post: e,
    ///     weight_update: WeightUpdateModel::StaticPulseConstantWeight { g: 0.1 },
    ///     postsynaptic: PostsynapticModel::DeltaCurr,
    ///     connectivity: Connectivity::FixedProbabilityNoAutapse { p: 0.1 },
    /// });
    /// // Arrival 15 steps (1.5 ms) after the spike, as NEST counts a 1.5 ms delay.
    /// net.set_synaptic_delay(e_e, SynapticDelay::axonal(14))?;
    /// assert_eq!(net.synaptic_delay(e_e.index()).axonal_steps, 14);
    /// # Ok::<(), kenyon::ModelError>(())
    /// ```
    pub fn set_synaptic_delay(
        &mut self,
        group: SynapseGroupId,
        delay: SynapticDelay,
    ) -> Result<(), ModelError> {
        let g = self.synapse_group_index("set_synaptic_delay", group)?;
        if self.delays.len() <= g {
            self.delays.resize(g + 1, SynapticDelay::default());
        }
        self.delays[g] = delay;
        Ok(())
    }

    /// The delays of synapse group number `group` (none if never set).
    pub fn synaptic_delay(&self, group: usize) -> &SynapticDelay {
        static NONE: SynapticDelay = SynapticDelay {
            axonal_steps: 0,
            per_synapse: None,
        };
        self.delays.get(group).unwrap_or(&NONE)
    }

    /// The index of synapse group `group` in this network, or why it has none.
    fn synapse_group_index(&self, owner: &str, group: SynapseGroupId) -> Result<usize, ModelError> {
        if group.network() != self.id || group.index() >= self.synapse_groups.len() {
            return Err(ModelError::ForeignHandle {
                owner: owner.to_owned(),
                kind: "synapse group",
                index: group.index(),
            });
        }
        Ok(group.index())
    }

    /// Looks a population up by name.
    pub fn population(&self, name: &str) -> Option<PopulationId> {
        self.populations
            .iter()
            .position(|p| p.name == name)
            .map(|index| PopulationId::new(self.id, index))
    }

    /// The index of `population` in this network, or why it has none; `owner` names
    /// whoever holds the handle in the error.
    pub(crate) fn population_index(
        &self,
        owner: &str,
        population: PopulationId,
    ) -> Result<usize, ModelError> {
        if population.network() != self.id {
            return Err(ModelError::ForeignHandle {
                owner: owner.to_owned(),
                kind: "population",
                index: population.index(),
            });
        }
        let count = self.populations.len();
        if population.index() >= count {
            return Err(ModelError::UnknownPopulation {
                owner: owner.to_owned(),
                index: population.index(),
                count,
            });
        }
        Ok(population.index())
    }

    /// Validates the description, draws every synapse group's connectivity from `seed`
    /// and computes derived constants.
    ///
    /// ```
    /// use kenyon::{Network, NeuronModel, LifParams};
    ///
    /// let mut net = Network::new(0.1);
    /// net.add_neuron_population("p", 10, NeuronModel::Lif(LifParams::TUTORIAL));
    /// let built = net.build(1)?;
    /// assert_eq!(built.populations[0].size, 10);
    /// # Ok::<(), kenyon::ModelError>(())
    /// ```
    pub fn build(&self, seed: u64) -> Result<BuiltNetwork, ModelError> {
        self.validate()?;
        self.check_connectivity_fits()?;
        BuiltNetwork::new(self, seed)
    }
}
