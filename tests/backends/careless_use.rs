//! What a careless caller of the library gets: a typed error for input no neuron can
//! take, and no limit that only recording needs when nothing is recorded.

use crate::common;
use kenyon::model::{CurrentSourceModel, LifParams, Network, NeuronModel};
use kenyon::{SimConfig, SimError, StateVar};

/// Ten LIF neurons driven above threshold by a current source, so they spike regularly.
fn driven_population(
    record: bool,
) -> (
    kenyon::BuiltNetwork,
    kenyon::PopulationId,
    kenyon::CurrentSourceId,
) {
    let mut net = Network::new(0.1);
    let p = net.add_neuron_population("p", 10, NeuronModel::Lif(LifParams::TUTORIAL));
    let drive = CurrentSourceModel::Magnitude { initial: 2.0 };
    let source = net.add_current_source("drive", p, drive);
    net.set_spike_recording(p, record).unwrap();
    (net.build(1).unwrap(), p, source)
}

#[test]
fn stepping_without_any_recording_has_no_step_limit() {
    let config = SimConfig::default();
    let steps = config.recording_steps * 5;
    // The same network recording its spikes, taken every `recording_steps`: the truth
    // for where the unrecorded one must end up.
    let (recorded, p, _) = driven_population(true);
    let mut expected = None;
    common::on_every_backend(&recorded, config, |sim| {
        for _ in 0..5 {
            sim.step_time(config.recording_steps).unwrap();
            assert!(sim.take_recording().unwrap().get(p).unwrap()[0].spike_count() > 0);
        }
        expected = Some(sim.read_state(p, StateVar::V).unwrap());
    });
    let (unrecorded, p, _) = driven_population(false);
    common::on_every_backend(&unrecorded, config, |sim| {
        sim.step_time(steps).unwrap();
        assert_eq!(sim.timestep(), u64::from(steps), "{}", sim.description());
        let v = sim.read_state(p, StateVar::V).unwrap();
        assert_eq!(Some(v), expected, "{}", sim.description());
    });
}

#[test]
fn magnitudes_that_are_not_finite_are_refused_on_every_backend() {
    let (built, _, source) = driven_population(false);
    common::on_every_backend(&built, SimConfig::default(), |sim| {
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut values = vec![1.0; 10];
            values[7] = bad;
            let got = sim.set_magnitude(source, &values);
            assert!(
                matches!(got, Err(SimError::NonFiniteMagnitude { index: 7, .. })),
                "{}: {got:?}",
                sim.description()
            );
        }
        sim.set_magnitude(source, &[1.0; 10]).unwrap();
    });
}

#[test]
fn state_too_large_for_the_machine_is_refused_with_its_size_not_an_abort() {
    let (built, _, _) = driven_population(true);
    let config = SimConfig {
        recording_steps: u32::MAX - 1,
        batch_size: 65_535,
        threads: 0,
    };
    let cpu = kenyon::CpuSimulation::new(&built, config);
    let err = cpu.err().expect("a petabyte of recording was allocated");
    assert!(
        matches!(err, SimError::OutOfMemory { .. }) && err.to_string().contains("TB"),
        "{err}"
    );
    #[cfg(feature = "gpu")]
    if let Some(ctx) = common::gpu::context() {
        let gpu = kenyon::GpuSimulation::new(ctx, &built, config);
        let err = gpu.err().expect("a petabyte of recording was allocated");
        assert!(err.to_string().contains("recording"), "{err}");
    }
}
