//! The benchmark networks spiking-network simulators are compared on: the Vogels-Abbott
//! networks of Brette et al. (2007), "Simulation of networks of spiking neurons: a review
//! of tools and strategies", J Comput Neurosci 23:349-398, benchmarks 1 ([`coba()`],
//! conductance-based synapses) and 2 ([`cuba()`], current-based), after Vogels & Abbott
//! (2005), J Neurosci 25:10786.
//!
//! Both are 4000 leaky integrate-and-fire neurons, 3200 excitatory and 800 inhibitory,
//! every ordered pair of neurons (autapses included, as Brian's `connect(p=0.02)` draws
//! them) connected with probability 0.02, simulated at dt = 0.1 ms, with no external
//! input: the activity is sustained by the recurrent synapses from a random initial
//! state. kenyon splits the one group of the published scripts into an excitatory and an
//! inhibitory population and draws the four synapse groups between them
//! (`FixedProbability`, each from its own PCG stream of the seed); every initial value
//! is drawn per neuron from Philox keyed on the seed ([`VarInit`](crate::model::code::VarInit)),
//! so a seed means the same network on every backend, batch size and thread count.
//!
//! [`brunel()`] is Brunel's (2000) sparsely connected balanced network, model A: 12 500
//! LIF neurons with delta synapses, a 1.5 ms delay and Poisson drive from outside.
//!
//! ```
//! use kenyon::{BackendChoice, SimConfig, networks};
//!
//! let net = networks::cuba();
//! let config = SimConfig { recording_steps: networks::RECORDING_CHUNK, ..SimConfig::DEFAULT };
//! let mut sim = kenyon::load(&net.network.build(1)?, BackendChoice::Cpu, None, config)?;
//! let [exc, inh] = networks::simulate(sim.as_mut(), &net, 100)?; // 10 ms
//! let rate = networks::activity(&exc, 10.0).rate_hz;
//! # let _ = (rate, inh);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod activity;
pub mod brunel;
pub mod coba;
pub mod cuba;

pub use activity::{Activity, SpikeTrains, activity};
pub use brunel::brunel;
pub use coba::{coba, coba_scaled};
pub use cuba::cuba;

use crate::{Connectivity, Network, PopulationId, SimError, Simulator, SynapseGroup};
use crate::{NeuronModel, PostsynapticModel, WeightUpdateModel};

/// Excitatory neurons of the Vogels-Abbott networks.
pub const EXCITATORY: u32 = 3200;
/// Inhibitory neurons of the Vogels-Abbott networks.
pub const INHIBITORY: u32 = 800;
/// Probability that a given neuron connects to another given one.
pub const CONNECTION_PROBABILITY: f64 = 0.02;
/// Timestep, ms.
pub const DT: f64 = 0.1;
/// Timesteps [`simulate`] runs between taking the recording: 100 ms. Load with
/// `recording_steps` at least this.
pub const RECORDING_CHUNK: u32 = 1000;

/// One of the benchmark networks: its description and its two recorded populations.
#[derive(Clone, Debug)]
pub struct BenchmarkNetwork {
    /// "COBA", "CUBA" or "Brunel".
    pub name: &'static str,
    /// Where it is defined, for titles: "Brette et al. 2007", "Brunel 2000".
    pub source: &'static str,
    /// The network, spike recording on for both populations.
    pub network: Network,
    /// The excitatory neurons.
    pub excitatory: PopulationId,
    /// The inhibitory neurons.
    pub inhibitory: PopulationId,
    /// Neurons in the excitatory and the inhibitory population.
    pub sizes: [u32; 2],
}

/// The Vogels-Abbott networks' name for [`BenchmarkNetwork`].
pub type VogelsAbbott = BenchmarkNetwork;

/// The populations and synapse groups both benchmarks share: `neuron()` makes each
/// population's model, `synapses(excitatory)` each group's weight and postsynaptic model.
fn vogels_abbott(
    name: &'static str,
    neuron: impl Fn() -> NeuronModel,
    synapses: impl Fn(bool) -> (WeightUpdateModel, PostsynapticModel),
) -> VogelsAbbott {
    let connectivity = |_| Connectivity::FixedProbability {
        p: CONNECTION_PROBABILITY,
    };
    vogels_abbott_sized(
        name,
        [EXCITATORY, INHIBITORY],
        neuron,
        synapses,
        connectivity,
    )
}

/// [`vogels_abbott`] with `sizes` excitatory and inhibitory neurons, and
/// `connectivity(excitatory)` each group's connectivity.
fn vogels_abbott_sized(
    name: &'static str,
    sizes: [u32; 2],
    neuron: impl Fn() -> NeuronModel,
    synapses: impl Fn(bool) -> (WeightUpdateModel, PostsynapticModel),
    connectivity: impl Fn(bool) -> Connectivity,
) -> VogelsAbbott {
    let mut network = Network::new(DT);
    let excitatory = network.add_neuron_population("excitatory", sizes[0], neuron());
    let inhibitory = network.add_neuron_population("inhibitory", sizes[1], neuron());
    for (pre, pre_name, is_excitatory) in [(excitatory, "e", true), (inhibitory, "i", false)] {
        for (post, post_name) in [(excitatory, "e"), (inhibitory, "i")] {
            let (weight_update, postsynaptic) = synapses(is_excitatory);
            network.add_synapse_group(SynapseGroup {
                name: format!("{pre_name}{post_name}"),
                pre,
                post,
                weight_update,
                postsynaptic,
                connectivity: connectivity(is_excitatory),
            });
        }
    }
    for population in [excitatory, inhibitory] {
        network
            .set_spike_recording(population, true)
            .expect("the population was just added to this network");
    }
    VogelsAbbott {
        name,
        source: "Brette et al. 2007",
        network,
        excitatory,
        inhibitory,
        sizes,
    }
}

/// Runs `sim` (loaded from `net`, with `recording_steps` at least [`RECORDING_CHUNK`]) for
/// `steps` timesteps from where it is, taking the recording every [`RECORDING_CHUNK`]
/// steps, and returns the spikes of batch entry 0 of the excitatory and the inhibitory
/// population.
pub fn simulate(
    sim: &mut dyn Simulator,
    net: &BenchmarkNetwork,
    steps: u32,
) -> Result<[SpikeTrains; 2], SimError> {
    let mut trains = net.sizes.map(SpikeTrains::new);
    let mut left = steps;
    while left > 0 {
        let chunk = left.min(RECORDING_CHUNK);
        sim.step_time(chunk)?;
        let mut recordings = sim.take_recording()?;
        for (train, population) in trains.iter_mut().zip([net.excitatory, net.inhibitory]) {
            if let Some(recording) = recordings.take_one(population, 0) {
                train.extend(&recording);
            }
        }
        left -= chunk;
    }
    Ok(trains)
}
