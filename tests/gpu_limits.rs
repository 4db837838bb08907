//! Networks beyond what the adapter allows are refused with an error that names the
//! limit, before anything is run.

mod common;

use kenyon::SimConfig;
use kenyon::gpu::{GpuError, GpuSimulation};
use kenyon::model::{LifParams, Network, NeuronModel};

#[test]
fn a_population_over_the_adapters_limits_is_refused_clearly() {
    let Some(ctx) = common::gpu_context() else {
        return;
    };
    let limits = ctx.limits.clone();
    // More neurons than either one dispatch or one storage binding (4 bytes of V per
    // neuron) can hold on this adapter.
    let by_workgroups = u64::from(limits.max_compute_workgroups_per_dimension)
        * u64::from(ctx.neuron_update.neurons_per_workgroup())
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
    let Some(ctx) = common::gpu_context() else {
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
    GpuSimulation::new(common::gpu_context().unwrap(), &built, fits).unwrap();
}
