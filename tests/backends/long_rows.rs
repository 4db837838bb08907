//! A synapse group with long rows whose presynaptic neurons all spike together: the
//! most work one thread of the synapse update can get. llvmpipe silently stops an
//! invocation's loops after 65 535 iterations in all, so on a software adapter such a
//! group needs enough threads per workgroup for no thread to get near that (found in
//! review: with 16 threads this network lost input on lavapipe).

use crate::common;

use kenyon::cpu::CpuSimulation;
use kenyon::model::{
    Connectivity, CurrentSourceModel, LifParams, Network, NeuronModel, PostsynapticModel,
    SynapseGroup, WeightUpdateModel,
};
use kenyon::{SimConfig, Simulator, StateVar};

#[test]
fn dense_rows_with_synchronous_spikes_match_the_cpu() {
    let strategies = common::gpu::strategies();
    if strategies.is_empty() {
        return;
    }
    let mut net = Network::new(0.1);
    let lif = || NeuronModel::Lif(LifParams::TUTORIAL);
    let a = net.add_neuron_population("a", 1024, lif());
    let b = net.add_neuron_population("b", 2000, lif());
    net.set_spike_recording(a, true).unwrap();
    net.set_spike_recording(b, true).unwrap();
    let drive = net.add_current_source("drive", a, CurrentSourceModel::Magnitude { initial: 0.0 });
    // 1024 rows of 2000: every spike of `a` reaches every neuron of `b`.
    net.add_synapse_group(SynapseGroup {
        name: "a_b".into(),
        pre: a,
        post: b,
        weight_update: WeightUpdateModel::StaticPulseConstantWeight { g: 0.001 },
        postsynaptic: PostsynapticModel::ExpCurr { tau: 3.0 },
        connectivity: Connectivity::Dense,
    });
    let built = net.build(1).unwrap();
    let config = SimConfig {
        recording_steps: 100,
        batch_size: 1,
        ..SimConfig::DEFAULT
    };
    for strategy in strategies {
        let mut cpu = CpuSimulation::new(&built, config).unwrap();
        let mut gpu = common::gpu::simulation(strategy, &built, config);
        for sim in [&mut cpu as &mut dyn Simulator, &mut gpu] {
            // The same drive for every neuron of `a`: they spike in the same timesteps.
            sim.set_magnitude(drive, &vec![2.0; 1024]).unwrap();
            sim.step_time(100).unwrap();
        }
        let (rc, rg) = (cpu.take_recording().unwrap(), gpu.take_recording().unwrap());
        let a_spikes = rc.populations[a.index()].as_ref().unwrap()[0].spike_count();
        assert!(
            a_spikes >= 2 * 1024,
            "{strategy:?}: only {a_spikes} spikes of a, not whole volleys"
        );
        common::assert_same_spikes(&rc, &rg, &format!("{strategy:?}"));
        let (vc, vg) = (
            cpu.read_state(b, StateVar::V).unwrap(),
            gpu.read_state(b, StateVar::V).unwrap(),
        );
        let worst = common::largest_difference(&vc, &vg);
        assert!(worst <= 1e-4, "{strategy:?}: V of b differs by {worst}");
    }
}
