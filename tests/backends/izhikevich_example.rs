//! The Izhikevich (2003) example's network, written with user-defined code strings and
//! drawing its thalamic input with `rand_normal()`, gives the same spikes on every
//! backend, at rates in the range of the paper's figure.

use crate::common;
use kenyon::SimConfig;

#[allow(dead_code)]
#[path = "../../examples/izhikevich_network.rs"]
mod example;

#[test]
fn izhikevich_2003_network_spikes_identically_on_every_backend() {
    let (net, pops) = example::network();
    let built = net.build(example::SEED).unwrap();
    let steps = 300;
    let config = SimConfig {
        recording_steps: steps,
        ..SimConfig::default()
    };
    let mut runs = Vec::new();
    common::on_every_backend(&built, config, |sim| {
        sim.step_time(steps).unwrap();
        let mut r = sim.take_recording().unwrap();
        runs.push(pops.map(|p| r.take_one(p, 0).unwrap().decode()));
    });
    for run in &runs[1..] {
        assert_eq!(run, &runs[0]);
    }
    for ((_, ids), n) in runs[0]
        .iter()
        .zip([example::EXCITATORY, example::INHIBITORY])
    {
        let rate = ids.len() as f64 / f64::from(n) / (f64::from(steps) / 1000.0);
        assert!((2.0..30.0).contains(&rate), "{rate} Hz");
    }
}
