//! Networks beyond what the adapter allows are refused with an error that names the
//! limit, before anything is run.

use crate::common;
use kenyon::gpu::{GpuError, GpuSimulation, GpuTuning, NeuronUpdateStrategy};
use kenyon::model::{LifParams, Network, NeuronModel};
use kenyon::{SimConfig, Simulator, StateVar};

#[test]
fn a_population_over_the_adapters_limits_is_refused_clearly() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let limits = ctx.limits().clone();
    // More neurons than either one dispatch (with the strategy that covers the most per
    // workgroup) or one storage binding (4 bytes of V per neuron) can hold here.
    let by_workgroups = u64::from(limits.max_compute_workgroups_per_dimension)
        * u64::from(NeuronUpdateStrategy::InvocationPerWord.neurons_per_workgroup())
        + 1;
    let by_binding = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size)
        / 4
        + 1;
    let size = u32::try_from(by_workgroups.min(by_binding)).unwrap_or(u32::MAX);
    let mut net = Network::new(0.1);
    net.add_neuron_population("huge", size, NeuronModel::Lif(LifParams::TUTORIAL));
    let built = net.build(0).unwrap();
    let err = match GpuSimulation::new(ctx, &built, SimConfig::default()) {
        Ok(_) => panic!("a population of {size} neurons was accepted"),
        Err(e) => e,
    };
    assert!(matches!(err, GpuError::OverLimit { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("huge") && message.contains("at most"),
        "{message}"
    );
}

#[test]
fn a_batch_over_the_adapters_limits_is_refused_naming_the_largest_that_fits() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let mb = kenyon::tutorial::mushroom_body();
    let built = mb.network.build(1).unwrap();
    // 65 535 stimuli of KC recording are 32 GB: more than any adapter binds.
    let config = SimConfig {
        batch_size: 65_535,
        ..SimConfig::DEFAULT
    };
    let err = match GpuSimulation::new(ctx, &built, config) {
        Ok(_) => panic!("batch 65535 was accepted"),
        Err(e) => e,
    };
    let GpuError::BatchTooLarge { max_batch, .. } = err else {
        panic!("{err:?}");
    };
    assert!((1..65_535).contains(&max_batch), "{max_batch}");
    assert!(
        err.to_string().contains(&format!("--batch {max_batch}")),
        "{err}"
    );
    // The largest batch it names does load.
    let fits = SimConfig {
        batch_size: max_batch.min(64),
        ..SimConfig::DEFAULT
    };
    GpuSimulation::new(common::gpu::context().unwrap(), &built, fits).unwrap();
}

#[test]
fn a_population_too_large_for_one_invocation_per_quad_falls_back_to_one_per_word() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let tuning = GpuTuning {
        neuron_update: NeuronUpdateStrategy::InvocationPerQuad,
        ..GpuTuning::for_adapter(ctx.adapter())
    };
    let limits = ctx.limits().clone();
    // One word more than a dispatch of one invocation per quad covers.
    let size = u64::from(limits.max_compute_workgroups_per_dimension)
        * u64::from(NeuronUpdateStrategy::InvocationPerQuad.neurons_per_workgroup())
        + 32;
    let fits_binding = size * 4
        <= limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
    if !fits_binding {
        eprintln!("this adapter can't bind {size} neurons' state; nothing to fall back from");
        return;
    }
    let mut net = Network::new(0.1);
    let pop = net.add_neuron_population(
        "large",
        u32::try_from(size).unwrap(),
        NeuronModel::Lif(LifParams::TUTORIAL),
    );
    // A constant input, so that every neuron's V moves off rest in one step.
    net.add_current_source(
        "drive",
        pop,
        kenyon::model::CurrentSourceModel::Magnitude { initial: 0.5 },
    );
    let built = net.build(0).unwrap();
    let config = SimConfig {
        recording_steps: 1,
        ..SimConfig::DEFAULT
    };
    let mut sim = GpuSimulation::with_tuning(ctx, &built, config, tuning).unwrap();
    sim.step_time(1).unwrap();
    let v = sim.read_state(pop, StateVar::V).unwrap();
    let rest = LifParams::TUTORIAL.v_rest as f32;
    // The first and the last words, on either side of where one invocation per quad
    // would have stopped.
    for i in [0, v.len() - 33, v.len() - 1] {
        assert!(v[i] > rest, "neuron {i} was not updated: V = {}", v[i]);
    }
}

#[test]
fn the_largest_batch_named_fits_every_buffer_at_once() {
    let Some(ctx) = common::gpu::context() else {
        return;
    };
    let limit = ctx
        .limits()
        .max_storage_buffer_binding_size
        .min(ctx.limits().max_buffer_size);
    // Per entry, the state of a population takes limit/32 and its recording limit/8: a
    // batch of 40 is over both, and only a batch of 8 or less fits the recording.
    let size = (limit / 128) as u32;
    let mut net = Network::new(0.1);
    let p = net.add_neuron_population("p", size, NeuronModel::Lif(LifParams::TUTORIAL));
    net.set_spike_recording(p, true).unwrap();
    let built = net.build(1).unwrap();
    let config = |batch_size| SimConfig {
        batch_size,
        recording_steps: 128,
        threads: 0,
    };
    let err = match GpuSimulation::new(ctx, &built, config(40)) {
        Ok(_) => panic!("batch 40 was accepted"),
        Err(e) => e,
    };
    let GpuError::BatchTooLarge { max_batch, .. } = err else {
        panic!("{err:?}");
    };
    assert!(err.to_string().contains("recording"), "{err}");
    // One retry with the batch it names loads; one more entry does not.
    GpuSimulation::new(common::gpu::context().unwrap(), &built, config(max_batch)).unwrap();
    let over = GpuSimulation::new(
        common::gpu::context().unwrap(),
        &built,
        config(max_batch + 1),
    );
    assert!(over.is_err(), "batch {} fits too", max_batch + 1);
}
