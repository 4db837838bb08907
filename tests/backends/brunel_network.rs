//! Brunel's (2000) model A (`kenyon::networks::brunel`: delta synapses, a 1.5 ms delay,
//! Poisson drive drawn per neuron and timestep) gives the same spikes on every backend
//! and thread count, its code strings compiled or interpreted, and its Poisson drive has
//! the Poisson distribution.

use crate::common;
use crate::vogels_abbott_networks::spikes_on_every_backend_and_two_threads;
use kenyon::model::library;
use kenyon::networks::{self, brunel};
use kenyon::{CpuSimulation, CurrentSourceModel, Network, NeuronModel, SimConfig, Simulator};

#[test]
fn brunel_spikes_identically_on_every_backend_and_thread_count() {
    // The published network (12 500 neurons, 15.6 million synapses), 25 ms: the first
    // volley from the common initial state (about 12 ms in) and what its spikes cause
    // 1.5 ms later, recurrent input arriving through the delay.
    let steps = 250;
    let net = networks::brunel();
    let runs = spikes_on_every_backend_and_two_threads(&net, 2, steps);
    // Its drive's draws as machine code (on CI, where a C compiler must be) give the
    // interpreter's spikes.
    let built = net.network.build(2).unwrap();
    let config = SimConfig {
        recording_steps: networks::RECORDING_CHUNK,
        ..SimConfig::DEFAULT
    };
    let mut interpreted = CpuSimulation::new(&built, config).unwrap();
    if common::compiler_required() {
        for (population, why) in interpreted.code_compiled() {
            assert!(why.is_none(), "{population} is interpreted: {why:?}");
        }
    }
    interpreted.interpret_code_strings();
    let interpreted_runs = networks::simulate(&mut interpreted, &net, steps).unwrap();
    assert!(
        interpreted_runs == runs[0],
        "the interpreter's spikes differ"
    );
    for train in &runs[0] {
        assert!(train.ids.len() > 1000, "{} spikes", train.ids.len());
        // Spikes after the first volley: the recurrent input has arrived.
        assert!(train.times_ms.iter().any(|&t| t > 18.0));
    }
}

#[test]
fn the_poisson_drive_draws_poisson_counts() {
    // An integrator that never spikes sums the drive: after T timesteps of Poisson(2)
    // counts of weight 1, V ~ Poisson(2 T), whose mean and variance are both 2 T.
    let (neurons, steps) = (2000, 50);
    let mut net = Network::new(0.1);
    let never = library::integrate_and_fire_from(&kenyon::IfParams { v_thresh: 1e9 });
    let pop = net.add_neuron_population("sum", neurons, NeuronModel::Code(never));
    let drive = brunel::poisson_input(20_000.0, 1.0, 0.1);
    net.add_current_source("drive", pop, CurrentSourceModel::Code(drive));
    let built = net.build(4).unwrap();
    let mut v_runs: Vec<Vec<f32>> = Vec::new();
    common::on_every_backend(&built, SimConfig::DEFAULT, |sim: &mut dyn Simulator| {
        sim.step_time(steps).unwrap();
        v_runs.push(sim.read_var(pop, "V").unwrap());
    });
    for v in &v_runs[1..] {
        assert!(v == &v_runs[0], "the drive differs between backends");
    }
    let v: Vec<f64> = v_runs[0].iter().map(|&x| f64::from(x)).collect();
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let expected = 2.0 * f64::from(steps);
    // Standard errors: of the mean sqrt(100 / 2000) = 0.22, of the variance about
    // 100 sqrt(2 / 2000) = 3.2.
    assert!((mean - expected).abs() < 1.0, "mean {mean}");
    assert!((var - expected).abs() < 15.0, "variance {var}");
    assert!(v.iter().all(|x| x.fract() == 0.0), "counts are whole");
}

#[test]
fn the_neuron_is_refractory_for_twenty_timesteps_as_nest_counts() {
    // Input far above threshold: the neuron spikes in the first timestep it integrates
    // after each refractory period, so every 1 + 20 timesteps (NEST's t_ref = 2 ms;
    // Brian2's refractory=2.1*ms gives the same 21, as benches/peers/brian2_brunel.py).
    let mut net = Network::new(0.1);
    let pop = net.add_neuron_population("one", 1, NeuronModel::Code(brunel::lif_delta()));
    net.add_current_source(
        "drive",
        pop,
        CurrentSourceModel::Magnitude { initial: 30.0 },
    );
    net.set_spike_recording(pop, true).unwrap();
    let built = net.build(1).unwrap();
    let config = SimConfig {
        recording_steps: 100,
        ..SimConfig::DEFAULT
    };
    common::on_every_backend(&built, config, |sim: &mut dyn Simulator| {
        sim.step_time(100).unwrap();
        let mut recordings = sim.take_recording().unwrap();
        let (times, _) = recordings.take_one(pop, 0).unwrap().decode();
        let steps: Vec<i64> = times.iter().map(|t| (t / 0.1).round() as i64).collect();
        assert!(steps.len() >= 4, "{steps:?}");
        assert!(steps.windows(2).all(|w| w[1] - w[0] == 21), "{steps:?}");
    });
}
