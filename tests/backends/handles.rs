//! A simulation refuses what belongs to another network or another simulation: handles
//! of another network (which would otherwise address whatever sits at their index) and a
//! pending recording another simulation started.

use crate::common;
use kenyon::model::{
    Connectivity, CurrentSourceId, CurrentSourceModel, LifParams, Network, NeuronModel,
    PopulationId, PostsynapticModel, SynapseGroup, SynapseGroupId, WeightUpdateModel,
};
use kenyon::{CpuSimulation, SimConfig, SimError, Simulator, StateVar};

/// Two recorded populations with per-synapse weights between them, and a current source.
fn network() -> (Network, PopulationId, SynapseGroupId, CurrentSourceId) {
    let mut net = Network::new(0.1);
    let lif = NeuronModel::Lif(LifParams::TUTORIAL);
    let a = net.add_neuron_population("a", 10, lif.clone());
    let b = net.add_neuron_population("b", 5, lif);
    net.set_spike_recording(b, true).unwrap();
    let group = net.add_synapse_group(SynapseGroup {
        name: "a_b".into(),
        pre: a,
        post: b,
        weight_update: WeightUpdateModel::StaticPulse { g: vec![0.1; 50] },
        postsynaptic: PostsynapticModel::ExpCurr { tau: 3.0 },
        connectivity: Connectivity::Dense,
    });
    let source = net.add_current_source("drive", a, CurrentSourceModel::Magnitude { initial: 0.0 });
    (net, b, group, source)
}

#[test]
fn every_backend_refuses_handles_of_another_network() {
    let (net, b, group, source) = network();
    // The same structure again: its handles have the same indices, not the same network.
    let (_, other_b, other_group, other_source) = network();
    let built = net.build(1).unwrap();
    common::on_every_backend(&built, SimConfig::default(), |sim| {
        let what = sim.description();
        let foreign = |e: Result<_, SimError>, kind: &str| matches!(e, Err(SimError::ForeignHandle { kind: k, index: _ }) if k == kind);
        assert!(
            foreign(sim.read_state(other_b, StateVar::V).map(drop), "population"),
            "{what}"
        );
        assert!(
            foreign(sim.read_in_syn(other_group).map(drop), "synapse group"),
            "{what}"
        );
        assert!(
            foreign(sim.read_weights(other_group).map(drop), "synapse group"),
            "{what}"
        );
        let magnitudes = vec![0.0; 10];
        assert!(
            foreign(
                sim.set_magnitude(other_source, &magnitudes),
                "current source"
            ),
            "{what}"
        );
        // Its own handles work, and its recordings answer only to them.
        sim.set_magnitude(source, &magnitudes).unwrap();
        assert_eq!(sim.read_state(b, StateVar::V).unwrap().len(), 5);
        assert_eq!(sim.read_weights(group).unwrap(), vec![0.1; 50]);
        sim.step_time(1).unwrap();
        let recordings = sim.take_recording().unwrap();
        assert!(recordings.get(b).is_some(), "{what}");
        assert!(recordings.get(other_b).is_none(), "{what}");
    });
}

#[test]
fn a_pending_recording_goes_back_only_to_the_simulation_that_started_it() {
    let (net, b, _, _) = network();
    let built = net.build(1).unwrap();
    let mut sims: Vec<Box<dyn Simulator>> = vec![
        Box::new(CpuSimulation::new(&built, SimConfig::default()).unwrap()),
        Box::new(CpuSimulation::new(&built, SimConfig::default()).unwrap()),
    ];
    #[cfg(feature = "gpu")]
    if let Some(ctx) = common::gpu::context() {
        let gpu = kenyon::GpuSimulation::new(ctx, &built, SimConfig::default()).unwrap();
        sims.push(Box::new(gpu));
    }
    for i in 0..sims.len() {
        for j in 0..sims.len() {
            if i == j {
                continue;
            }
            sims[i].step_time(1).unwrap();
            let pending = sims[i].start_take_recording().unwrap();
            let got = sims[j].finish_take_recording(pending);
            let what = format!("{} to {}", sims[i].description(), sims[j].description());
            assert!(matches!(got, Err(SimError::ForeignRecording)), "{what}");
        }
    }
    // Its own simulation takes it back.
    let pending = sims[0].start_take_recording().unwrap();
    let recordings = sims[0].finish_take_recording(pending).unwrap();
    assert!(recordings.get(b).is_some());
}
