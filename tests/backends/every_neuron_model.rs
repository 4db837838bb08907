//! Every registered neuron model gives the same spikes on the GPU as on the CPU: driven
//! directly by currents and through synapses, in both neuron-update strategies. A model
//! added to the registry (`src/model/neuron/mod.rs`) is covered here without a new test.

use crate::common;
use kenyon::model::{
    Connectivity, CurrentSourceModel, Network, NeuronModel, PostsynapticModel, SynapseGroup,
    WeightUpdateModel,
};
use kenyon::{CpuSimulation, SimConfig, Simulator};

/// A population of `model` driven by its own current source, feeding a second one
/// through weights `0.3 * scale`.
fn driven_pair(model: NeuronModel, scale: f64) -> (Network, kenyon::model::CurrentSourceId) {
    let mut net = Network::new(0.1);
    let driven = net.add_neuron_population("driven", 100, model.clone());
    let fed = net.add_neuron_population("fed", 70, model);
    net.set_spike_recording(driven, true).unwrap();
    net.set_spike_recording(fed, true).unwrap();
    let drive = net.add_current_source(
        "drive",
        driven,
        CurrentSourceModel::Magnitude { initial: 0.0 },
    );
    net.add_synapse_group(SynapseGroup {
        name: "driven_fed".into(),
        pre: driven,
        post: fed,
        weight_update: WeightUpdateModel::StaticPulseConstantWeight { g: 0.3 * scale },
        postsynaptic: PostsynapticModel::ExpCurr { tau: 3.0 },
        connectivity: Connectivity::FixedNumberPreWithReplacement { num: 10 },
    });
    (net, drive)
}

#[test]
fn every_neuron_model_spikes_identically_on_gpu_and_cpu() {
    let strategies = common::gpu::strategies();
    if strategies.is_empty() {
        return;
    }
    for model in NeuronModel::examples() {
        // Izhikevich's model takes its input in its own units, where a neuron starts
        // spiking near 4.
        let scale = match &model {
            NeuronModel::Code(c) if c.model.name.starts_with("Izhikevich") => 40.0,
            _ => 1.0,
        };
        let (net, drive) = driven_pair(model.clone(), f64::from(scale));
        let built = net.build(3).unwrap();
        let config = SimConfig {
            recording_steps: 150,
            batch_size: 2,
            ..SimConfig::DEFAULT
        };
        let currents: Vec<f32> = (0..200)
            .map(|i| scale * (0.05 + 0.3 * (i % 17) as f32 / 17.0))
            .collect();
        for strategy in &strategies {
            let mut cpu = CpuSimulation::new(&built, config).unwrap();
            let mut gpu = common::gpu::simulation(*strategy, &built, config);
            for sim in [&mut cpu as &mut dyn Simulator, &mut gpu] {
                sim.set_magnitude(drive, &currents).unwrap();
                sim.step_time(150).unwrap();
            }
            let (rc, rg) = (cpu.take_recording().unwrap(), gpu.take_recording().unwrap());
            let what = format!("{model:?}, {strategy:?}");
            let total = common::assert_same_spikes(&rc, &rg, &what);
            let fed = rc.populations[1].as_ref().unwrap()[0].spike_count();
            assert!(
                total > 200 && fed > 0,
                "{what}: {total} spikes, {fed} fed: too few to show anything"
            );
        }
    }
}
