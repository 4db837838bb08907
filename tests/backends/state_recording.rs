//! State recording (Brian2's `StateMonitor`) and long runs: the samples each backend
//! writes as the run goes are the values `read_var_bits` gives step by step, the GPU's
//! are the CPU's bit for bit (blocks of timesteps included), every-k sampling keeps to
//! multiples of k across takes and resets, and `run_recorded` concatenates a run of
//! many recording buffers into what one large buffer would hold.

use std::sync::Arc;

use crate::common;
use kenyon::model::code::{CodeNeuron, NeuronModelDef, Var, VarInit, VarType};
use kenyon::model::{
    BuiltNetwork, Connectivity, CurrentSourceModel, LifParams, Network, NeuronModel, PopulationId,
    PostsynapticModel, SynapseGroup, WeightUpdateModel,
};
use kenyon::{CpuSimulation, ModelError, Recordings, SimConfig, SimError, Simulator, run_recorded};

/// A model written as code strings with an integer variable.
fn counter() -> CodeNeuron {
    CodeNeuron::new(Arc::new(NeuronModelDef {
        name: "Counter".into(),
        extra_global_params: vec![],
        additional_input_vars: vec![],
        params: vec![],
        derived_params: vec![],
        vars: vec![Var::f32("V"), Var::new("count", VarType::I32)],
        sim_code: "V = product(V, 0.9) + Isyn; count += 1;".into(),
        threshold_condition_code: "V > 1.0".into(),
        reset_code: "V = 0.0; count -= 3;".into(),
    }))
    .init("V", VarInit::Constant(0.0))
    .init("count", VarInit::Constant(5.0))
}

/// A feed-forward network (blocks of timesteps on the GPU): driven LIF inputs into LIF
/// cells (a partial last word) and code-string counters, with the cells' `V` and
/// `RefracTime` and the counters' `V` and `count` recorded every `every` timesteps.
fn network(every: u32) -> (BuiltNetwork, PopulationId, PopulationId) {
    let mut net = Network::new(0.1);
    let lif = NeuronModel::Lif(LifParams::TUTORIAL);
    let input = net.add_neuron_population("input", 40, lif.clone());
    let cells = net.add_neuron_population("cells", 70, lif);
    let counters = net.add_neuron_population("counters", 33, NeuronModel::Code(counter()));
    net.add_current_source(
        "drive",
        input,
        CurrentSourceModel::Magnitude { initial: 0.9 },
    );
    for (name, post, g) in [
        ("input_cells", cells, 1.5),
        ("input_counters", counters, 0.3),
    ] {
        net.add_synapse_group(SynapseGroup {
            name: name.into(),
            pre: input,
            post,
            weight_update: WeightUpdateModel::StaticPulseConstantWeight { g },
            postsynaptic: PostsynapticModel::ExpCurr { tau: 3.0 },
            connectivity: Connectivity::FixedProbability { p: 0.3 },
        });
    }
    net.set_spike_recording(cells, true).unwrap();
    net.record_state(cells, &["V", "RefracTime"], &[69, 0, 33, 5, 64], every)
        .unwrap();
    net.record_state(counters, &["count", "V"], &[32, 1, 2], every)
        .unwrap();
    (net.build(3).unwrap(), cells, counters)
}

fn config(batch: u32, recording_steps: u32) -> SimConfig {
    SimConfig {
        batch_size: batch,
        recording_steps,
        ..SimConfig::DEFAULT
    }
}

/// The values of `var` of neurons `neurons` in every batch entry, `[entry][neuron]`.
fn picked(sim: &mut dyn Simulator, pop: PopulationId, var: &str, neurons: &[u32]) -> Vec<u32> {
    let n = sim.network().populations[pop.index()].size as usize;
    let all = sim.read_var_bits(pop, var).unwrap();
    all.chunks(n)
        .flat_map(|entry| neurons.iter().map(|&i| entry[i as usize]))
        .collect()
}

#[test]
fn state_recording_equals_read_var_taken_step_by_step() {
    let (built, cells, counters) = network(1);
    common::on_every_backend(&built, config(3, 200), |sim| {
        let mut expected: Vec<Vec<u32>> = Vec::new();
        for _ in 0..60 {
            sim.step_time(1).unwrap();
            let mut values = Vec::new();
            for (pop, vars, neurons) in [
                (cells, ["V", "RefracTime"], &[69, 0, 33, 5, 64][..]),
                (counters, ["count", "V"], &[32, 1, 2][..]),
            ] {
                for var in vars {
                    values.extend(picked(sim, pop, var, neurons));
                }
            }
            expected.push(values);
        }
        let rec = sim.take_recording().unwrap();
        for step in 0..60 {
            let mut values = Vec::new();
            for (pop, vars, n) in [
                (cells, ["V", "RefracTime"], 5),
                (counters, ["count", "V"], 3),
            ] {
                let state = rec.state_of(pop).unwrap();
                assert_eq!(state.len(), 3);
                for var in vars {
                    for entry in state {
                        assert_eq!(entry.timesteps.len(), 60);
                        let bits = entry.var_bits(var).unwrap();
                        values.extend_from_slice(&bits[step * n..(step + 1) * n]);
                    }
                }
            }
            // read_var's order is [var][entry][neuron]; so is the one built here.
            assert_eq!(
                values,
                expected[step],
                "{}: timestep {step}",
                sim.description()
            );
        }
        // Integer variables come back as read_var gives them.
        let count = rec.state_of(counters).unwrap()[0].var("count").unwrap();
        assert!(count.iter().all(|c| c.fract() == 0.0), "{count:?}");
    });
}

#[test]
fn the_gpu_records_the_cpus_state_bit_for_bit_in_blocks_of_timesteps() {
    if !common::gpu_available() {
        return;
    }
    let (built, cells, _) = network(3);
    let cpu = recordings_of(
        &mut CpuSimulation::new(&built, config(3, 200)).unwrap(),
        200,
    );
    let samples = cpu.state_of(cells).unwrap()[1].samples();
    assert_eq!(samples, 67);
    #[cfg(feature = "gpu")]
    for strategy in common::gpu::strategies() {
        let mut gpu = common::gpu::simulation(strategy, &built, config(3, 200));
        assert_eq!(recordings_of(&mut gpu, 200), cpu, "{strategy:?}");
    }
}

/// The recordings of `steps` timesteps run in one call, then taken.
fn recordings_of(sim: &mut dyn Simulator, steps: u32) -> Recordings {
    sim.step_time(steps).unwrap();
    sim.take_recording().unwrap()
}

#[test]
fn every_k_timesteps_are_sampled_across_takes_and_resets() {
    let (built, cells, _) = network(4);
    common::on_every_backend(&built, config(2, 50), |sim| {
        let whole = recordings_of(sim, 50);
        sim.reset().unwrap();
        let mut timesteps = Vec::new();
        let mut bits = Vec::new();
        for steps in [7, 13, 1, 29] {
            let rec = recordings_of(sim, steps);
            let entry = &rec.state_of(cells).unwrap()[1];
            timesteps.extend_from_slice(&entry.timesteps);
            bits.extend_from_slice(&entry.bits);
        }
        let expected = &whole.state_of(cells).unwrap()[1];
        assert_eq!(timesteps, (0..50).step_by(4).collect::<Vec<u64>>());
        assert_eq!(expected.timesteps, timesteps, "{}", sim.description());
        assert_eq!(expected.bits, bits, "{}", sim.description());
        assert_eq!(expected.times()[1], 0.4);
    });
}

#[test]
fn a_reset_starts_the_samples_again_from_timestep_0() {
    let (built, _, _) = network(5);
    common::on_every_backend(&built, config(1, 100), |sim| {
        let first = recordings_of(sim, 33);
        sim.step_time(10).unwrap();
        sim.reset().unwrap();
        assert_eq!(recordings_of(sim, 33), first, "{}", sim.description());
    });
}

#[test]
fn a_long_run_is_taken_in_chunks_and_concatenated() {
    let (built, cells, counters) = network(7);
    // 1 s of model time through a buffer of 200 timesteps, from partway into one.
    let mut chunked = CpuSimulation::new(&built, config(2, 200)).unwrap();
    chunked.step_time(150).unwrap();
    let long = run_recorded(&mut chunked, 10_000).unwrap();
    let mut one_buffer = CpuSimulation::new(&built, config(2, 10_150)).unwrap();
    let expected = recordings_of(&mut one_buffer, 10_150);
    assert_eq!(long, expected);
    assert_eq!(long.get(cells).unwrap()[0].n_steps, 10_150);
    assert_eq!(long.state_of(counters).unwrap()[1].samples(), 1450);
    assert!(long.get(cells).unwrap()[1].spike_count() > 0);
    assert_eq!(chunked.recorded_steps(), 0);
    // Sized once, before the run: appending the chunks never grew a buffer past it.
    for rec in long.state_of(counters).unwrap() {
        assert_eq!(rec.bits.capacity(), rec.bits.len());
        assert_eq!(rec.timesteps.capacity(), rec.timesteps.len());
    }
    #[cfg(feature = "gpu")]
    if let Some(ctx) = common::gpu::context() {
        let mut gpu = kenyon::GpuSimulation::new(ctx, &built, config(2, 200)).unwrap();
        gpu.step_time(150).unwrap();
        assert_eq!(run_recorded(&mut gpu, 2_000).unwrap(), {
            let mut cpu = CpuSimulation::new(&built, config(2, 2_150)).unwrap();
            recordings_of(&mut cpu, 2_150)
        });
    }
}

#[test]
fn a_long_run_with_no_recording_buffer_is_refused_and_a_changed_recording_too() {
    let (mut built, cells, _) = network(3);
    let mut sim = CpuSimulation::new(&built, config(1, 0)).unwrap();
    match run_recorded(&mut sim, 1000) {
        Err(SimError::RecordingFull { capacity: 0, .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.timestep(), 0);
    // A built network's recording changed into one `build` wouldn't make: refused.
    for change in [
        |r: &mut kenyon::model::BuiltStateRecording| r.every = 0,
        |r: &mut kenyon::model::BuiltStateRecording| r.neurons[0] = 5,
        |r: &mut kenyon::model::BuiltStateRecording| r.by_neuron[0].0 = 1000,
    ] {
        let mut changed = built.clone();
        change(
            changed.populations[cells.index()]
                .state_recording
                .as_mut()
                .unwrap(),
        );
        match CpuSimulation::new(&changed, config(1, 200)) {
            Err(e @ SimError::StaleStateRecording { .. }) => {
                assert!(e.to_string().contains("'cells'"), "{e}");
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("a changed recording was accepted"),
        }
    }
    built.populations[cells.index()].state_recording = None;
    assert!(CpuSimulation::new(&built, config(1, 200)).is_ok());
}

#[test]
fn recordings_too_large_for_memory_are_refused_before_running() {
    let (built, _, _) = network(1);
    let mut sim = CpuSimulation::new(&built, config(1, 200)).unwrap();
    match run_recorded(&mut sim, u64::MAX / 2) {
        Err(e @ SimError::RecordingsTooLarge { .. }) => {
            assert!(
                e.to_string().contains("run fewer timesteps per call"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.timestep(), 0);
}

#[test]
fn state_recordings_that_dont_fit_their_population_are_refused() {
    let mut net = Network::new(0.1);
    let p = net.add_neuron_population("p", 10, NeuronModel::Lif(LifParams::TUTORIAL));
    let refused = |vars: &[&str], neurons: &[u32], every: u32| {
        let mut net = net.clone();
        net.record_state(p, vars, neurons, every).unwrap();
        match net.build(1) {
            Err(ModelError::InvalidStateRecording { population, reason }) => {
                assert_eq!(population, "p");
                reason
            }
            other => panic!("{other:?}"),
        }
    };
    assert!(refused(&["V"], &[0], 0).contains("every must be at least 1"));
    assert!(refused(&["U"], &[0], 1).contains("no variable 'U' (it has V, RefracTime)"));
    assert!(refused(&["V", "V"], &[0], 1).contains("'V' is listed twice"));
    assert!(refused(&["V"], &[3, 10], 1).contains("neuron 10 is past"));
    assert!(refused(&["V"], &[3, 1, 3], 1).contains("neuron 3 is listed twice"));
    assert!(refused(&[], &[1], 1).contains("at least one variable"));
    let other =
        Network::new(0.1).add_neuron_population("q", 1, NeuronModel::Lif(LifParams::TUTORIAL));
    assert!(matches!(
        net.record_state(other, &["V"], &[0], 1),
        Err(ModelError::ForeignHandle { .. })
    ));
}
