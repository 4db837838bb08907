//! The Vogels-Abbott benchmark networks (Brette et al. 2007, COBA and CUBA: random
//! initial state, random connectivity, recurrent activity from the first timestep) give
//! the same spikes on every backend and thread count.

use crate::common;
use kenyon::networks::{self, BenchmarkNetwork, SpikeTrains};
use kenyon::{CpuSimulation, SimConfig};

/// `net` built with `seed`, `steps` timesteps on every backend (one CPU thread) and on
/// two CPU threads: each run's spikes, after checking that they are all the same.
pub(crate) fn spikes_on_every_backend_and_two_threads(
    net: &BenchmarkNetwork,
    seed: u64,
    steps: u32,
) -> Vec<[SpikeTrains; 2]> {
    let built = net.network.build(seed).unwrap();
    let config = SimConfig {
        recording_steps: networks::RECORDING_CHUNK,
        threads: 1,
        ..SimConfig::DEFAULT
    };
    let mut runs: Vec<[SpikeTrains; 2]> = Vec::new();
    common::on_every_backend(&built, config, |sim| {
        runs.push(networks::simulate(sim, net, steps).unwrap());
    });
    let two_threads = SimConfig {
        threads: 2,
        ..config
    };
    let mut sim = CpuSimulation::new(&built, two_threads).unwrap();
    runs.push(networks::simulate(&mut sim, net, steps).unwrap());
    for run in &runs[1..] {
        assert!(run == &runs[0], "{}: the spikes differ", net.name);
    }
    runs
}

#[test]
fn coba_and_cuba_spike_identically_on_every_backend_and_thread_count() {
    // 100 ms: the transient from the drawn initial state and the sustained activity.
    let steps = 1000;
    for net in [networks::coba(), networks::cuba()] {
        let runs = spikes_on_every_backend_and_two_threads(&net, 3, steps);
        for train in &runs[0] {
            assert!(
                train.ids.len() > 100,
                "{}: {} spikes",
                net.name,
                train.ids.len()
            );
        }
    }
}
