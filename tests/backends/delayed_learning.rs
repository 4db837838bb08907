//! Learning synapses with an axonal delay of `d` timesteps learn exactly as undelayed
//! ones whose presynaptic neurons spike `d` timesteps later, and leave an undelayed group
//! from the same neurons learning as alone: the built-in STDP and its code-string twin,
//! on every backend, across a reset that drops the spikes in flight.

use kenyon::model::library;
use kenyon::model::{
    Connectivity, Network, NeuronModel, PostsynapticModel, StdpParams, SynapseGroup,
    SynapseGroupId, SynapticDelay, WeightUpdateModel,
};
use kenyon::{BuiltNetwork, SimConfig, Simulator};

const DT: f64 = 0.1;
/// The axonal delay, in timesteps.
const DELAY: u32 = 7;
/// Timesteps before the reset, and after it.
const BEFORE_RESET: u32 = 150;
const AFTER_RESET: u32 = 300;

/// A rule whose every update shows: weights start mid-range and move by about 1 % per
/// pairing, both ways.
const RULE: StdpParams = StdpParams {
    tau: 5.0,
    rho: 0.3,
    eta: 0.01,
    w_min: 0.0,
    w_max: 1.0,
    g_init: 0.5,
    drive_post: true,
};

/// Presynaptic spike times (ms), each in the middle of a timestep so that a shift by
/// whole timesteps moves it by exactly that many. 14.55 ms + 0.7 ms is past the reset at
/// 15 ms: that spike is still in flight then, and dropped.
fn pre_times(shift_ms: f32) -> Vec<Vec<f32>> {
    let times = [
        vec![1.05, 6.05, 12.05, 14.55],
        vec![3.05, 15.05, 19.25],
        vec![20.05, 0.45],
    ];
    times
        .iter()
        .map(|n| n.iter().map(|t| t + shift_ms).collect())
        .collect()
}

/// Three presynaptic spike sources into two postsynaptic ones (whose spikes don't depend
/// on their input), all to all through two groups of `weight_update`: the first delayed
/// `delay` timesteps, the second not. The presynaptic spikes come `shift` timesteps
/// after [`pre_times`].
fn network(
    weight_update: WeightUpdateModel,
    delay: u32,
    shift: u32,
) -> (BuiltNetwork, [SynapseGroupId; 2]) {
    let mut net = Network::new(DT);
    let shift_ms = (f64::from(shift) * DT) as f32;
    let source = |times: &[Vec<f32>]| NeuronModel::Code(library::spike_source_array_from(times));
    let pre = net.add_neuron_population("pre", 3, source(&pre_times(shift_ms)));
    let post_times = [
        vec![2.05, 7.05, 8.95, 14.05],
        vec![4.05, 9.05, 21.05, 22.45],
    ];
    let post = net.add_neuron_population("post", 2, source(&post_times));
    let groups = [("delayed", delay), ("undelayed", 0)].map(|(name, delay)| {
        let group = net.add_synapse_group(SynapseGroup {
            name: name.into(),
            pre,
            post,
            weight_update: weight_update.clone(),
            postsynaptic: PostsynapticModel::ExpCurr { tau: 5.0 },
            connectivity: Connectivity::Dense,
        });
        net.set_synaptic_delay(group, SynapticDelay::axonal(delay))
            .unwrap();
        group
    });
    (net.build(0).unwrap(), groups)
}

/// Each group's weights after [`BEFORE_RESET`] timesteps, a reset, and [`AFTER_RESET`]
/// more.
fn learned(sim: &mut dyn Simulator, groups: [SynapseGroupId; 2]) -> [Vec<f32>; 2] {
    sim.step_time(BEFORE_RESET).unwrap();
    sim.reset().unwrap();
    sim.step_time(AFTER_RESET).unwrap();
    groups.map(|g| sim.read_weights(g).unwrap())
}

fn config() -> SimConfig {
    SimConfig {
        recording_steps: 0,
        batch_size: 1,
        threads: 1,
    }
}

/// Both groups' weights learned with `weight_update`, the first group delayed [`DELAY`]
/// timesteps; undelayed with the presynaptic spikes that much later; and undelayed and
/// unshifted: on one backend.
fn three_ways(
    weight_update: &WeightUpdateModel,
    mut run: impl FnMut(&BuiltNetwork, [SynapseGroupId; 2]) -> [Vec<f32>; 2],
) -> [[Vec<f32>; 2]; 3] {
    [(DELAY, 0), (0, DELAY), (0, 0)].map(|(delay, shift)| {
        let (built, groups) = network(weight_update.clone(), delay, shift);
        run(&built, groups)
    })
}

fn assert_delay_is_a_shift(runs: &[[Vec<f32>; 2]; 3], what: &str) {
    let [[delayed, beside], [shifted, _], [undelayed, alone]] = runs;
    let bits = |w: &[f32]| w.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(delayed),
        bits(shifted),
        "{what}: delayed against shifted"
    );
    // An undelayed group from the same neurons learns as if the delayed one weren't there.
    assert_eq!(
        bits(beside),
        bits(alone),
        "{what}: undelayed beside delayed against alone"
    );
    assert_eq!(bits(undelayed), bits(alone), "{what}: two undelayed groups");
    // The delay changes what is learned: the test would notice a delay left out.
    assert_ne!(
        bits(delayed),
        bits(undelayed),
        "{what}: delayed against undelayed"
    );
    let moved = delayed.iter().filter(|&&w| w != RULE.g_init as f32).count();
    assert_eq!(
        moved,
        delayed.len(),
        "{what}: every weight learned: {delayed:?}"
    );
}

#[test]
fn a_delayed_learning_group_learns_as_if_its_presynaptic_neurons_spiked_later_on_every_backend() {
    let built_in = WeightUpdateModel::StdpSymmetric(RULE);
    let twin = WeightUpdateModel::Code(library::stdp_symmetric_from(&RULE));
    let cpu = |built: &BuiltNetwork, groups| {
        let mut sim = kenyon::CpuSimulation::new(built, config()).unwrap();
        learned(&mut sim, groups)
    };
    let built_in_cpu = three_ways(&built_in, cpu);
    assert_delay_is_a_shift(&built_in_cpu, "built-in STDP, cpu");
    // The code-string twin learns the built-in rule's weights bit for bit on the CPU.
    let twin_cpu = three_ways(&twin, cpu);
    assert_delay_is_a_shift(&twin_cpu, "code-string STDP, cpu");
    assert_eq!(
        twin_cpu, built_in_cpu,
        "code-string STDP against built-in, cpu"
    );
    #[cfg(feature = "gpu")]
    if crate::common::gpu_available() {
        let gpu = |built: &BuiltNetwork, groups| {
            let ctx = crate::common::gpu::context().unwrap();
            let mut sim = kenyon::GpuSimulation::new(ctx, built, config()).unwrap();
            learned(&mut sim, groups)
        };
        for (model, on_cpu, what) in [
            (&built_in, &built_in_cpu, "built-in STDP"),
            (&twin, &twin_cpu, "code-string STDP"),
        ] {
            let on_gpu = three_ways(model, gpu);
            assert_delay_is_a_shift(&on_gpu, &format!("{what}, gpu"));
            // The GPU's exp may differ from the CPU's in the last bit.
            let worst = crate::common::largest_difference(&on_gpu[0][0], &on_cpu[0][0]);
            assert!(worst < 1e-6, "{what}: gpu against cpu, {worst}");
        }
    }
}
