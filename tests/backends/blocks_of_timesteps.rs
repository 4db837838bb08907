//! The GPU runs feed-forward networks in blocks of timesteps (each population through a
//! whole block before the next, in feed-forward order), which must give exactly the
//! spikes of the CPU's timestep-by-timestep order: for populations added in any order,
//! runs of any length (blocks cut short, runs starting mid-ring), resets between runs,
//! and shorter blocks where a large batch's accumulators would not fit whole ones.

use crate::common;

use kenyon::cpu::CpuSimulation;
use kenyon::model::{
    BuiltNetwork, Connectivity, CurrentSourceId, CurrentSourceModel, LifParams, Network,
    NeuronModel, PostsynapticModel, SynapseGroup, SynapseGroupId, WeightUpdateModel,
};
use kenyon::{SimConfig, Simulator, StateVar};

type Inputs = Vec<(CurrentSourceId, Vec<f32>)>;

/// A chain a -> b -> c -> d added in reverse order, with a skip connection a -> d, two
/// groups between a and b (one inhibitory), a population with no synapses at all, and
/// input to a third of a's neurons only, so many timesteps bring no spike.
fn reordered_chain(c_size: u32) -> (BuiltNetwork, Inputs, Vec<SynapseGroupId>) {
    let mut net = Network::new(0.1);
    let lif = || NeuronModel::Lif(LifParams::TUTORIAL);
    let d = net.add_neuron_population("d", 70, lif());
    let c = net.add_neuron_population("c", c_size, lif());
    let isolated = net.add_neuron_population("isolated", 33, lif());
    let b = net.add_neuron_population("b", 200, lif());
    let a = net.add_neuron_population("a", 64, lif());
    for p in [a, b, c, d, isolated] {
        net.set_spike_recording(p, true).unwrap();
    }
    let drive = net.add_current_source("drive", a, CurrentSourceModel::Magnitude { initial: 0.0 });
    let bias = net.add_current_source(
        "bias",
        isolated,
        CurrentSourceModel::Magnitude { initial: 0.0 },
    );
    let mut groups = Vec::new();
    for (name, pre, post, g, num) in [
        ("c_d", c, d, 0.3, 20),
        ("b_c", b, c, 0.4, 12),
        ("a_b", a, b, 0.5, 30),
        ("a_b_inhibitory", a, b, -0.1, 10),
        ("a_d", a, d, 0.2, 5),
    ] {
        groups.push(net.add_synapse_group(SynapseGroup {
            name: name.into(),
            pre,
            post,
            weight_update: WeightUpdateModel::StaticPulseConstantWeight { g },
            postsynaptic: PostsynapticModel::ExpCurr { tau: 3.0 },
            connectivity: Connectivity::FixedNumberPreWithReplacement { num },
        }));
    }
    let built = net.build(5).unwrap();
    assert_eq!(
        built.feed_forward_order(),
        Some(vec![2, 4, 3, 1, 0]),
        "the test needs a feed-forward network whose order differs from the added one"
    );
    let drive_values = (0..64)
        .map(|i| {
            if i % 3 == 0 {
                0.3 + 0.01 * i as f32
            } else {
                0.0
            }
        })
        .collect();
    let bias_values = (0..33).map(|i| 0.1 + 0.01 * i as f32).collect();
    (
        built,
        vec![(drive, drive_values), (bias, bias_values)],
        groups,
    )
}

/// Runs `runs` (each a list of `step_time` lengths, one recording per run, a reset after
/// every second run) on both backends, comparing state after every `step_time` and the
/// recorded spikes after every run.
fn compare(c_size: u32, batch: u32, runs: &[&[u32]]) {
    let strategies = common::gpu::strategies();
    if strategies.is_empty() {
        return;
    }
    let (built, inputs, groups) = reordered_chain(c_size);
    for strategy in strategies {
        let config = SimConfig {
            recording_steps: 200,
            batch_size: batch,
            ..SimConfig::DEFAULT
        };
        let mut cpu = CpuSimulation::new(&built, config).unwrap();
        let mut gpu = common::gpu::simulation(strategy, &built, config);
        let mut total = 0;
        for (r, lengths) in runs.iter().enumerate() {
            for sim in [&mut cpu as &mut dyn Simulator, &mut gpu] {
                for (source, values) in &inputs {
                    let scaled: Vec<f32> = (0..batch)
                        .flat_map(|b| {
                            let scale = 1.0 + 0.2 * b as f32 + 0.05 * r as f32;
                            values.iter().map(move |v| v * scale)
                        })
                        .collect();
                    sim.set_magnitude(*source, &scaled).unwrap();
                }
            }
            for &steps in lengths.iter() {
                cpu.step_time(steps).unwrap();
                gpu.step_time(steps).unwrap();
                // State agrees to f32 rounding, as in gpu_matches_cpu.rs.
                for name in ["b", "c", "d"] {
                    let id = built.description.population(name).unwrap();
                    let (c, g) = (
                        cpu.read_state(id, StateVar::V).unwrap(),
                        gpu.read_state(id, StateVar::V).unwrap(),
                    );
                    let worst = common::largest_difference(&c, &g);
                    assert!(
                        worst <= 1e-4,
                        "{strategy:?}, run {r}: V of {name} differs by {worst}"
                    );
                }
                for (k, &group) in groups.iter().enumerate() {
                    let (c, g) = (
                        cpu.read_in_syn(group).unwrap(),
                        gpu.read_in_syn(group).unwrap(),
                    );
                    let worst = common::largest_difference(&c, &g);
                    assert!(
                        worst <= 1e-4,
                        "{strategy:?}, run {r}: inSyn of group {k} differs by {worst}"
                    );
                }
            }
            let (rc, rg) = (cpu.take_recording().unwrap(), gpu.take_recording().unwrap());
            total += common::assert_same_spikes(&rc, &rg, &format!("{strategy:?}, run {r}"));
            if r % 2 == 1 {
                cpu.reset().unwrap();
                gpu.reset().unwrap();
            }
        }
        assert!(
            total > 1000,
            "{strategy:?}: only {total} spikes, the test would show little"
        );
    }
}

#[test]
fn populations_added_out_of_order_spike_as_on_the_cpu_in_runs_of_any_length() {
    compare(
        300,
        2,
        &[&[1, 20, 21, 3], &[17, 40, 2], &[19, 1], &[60, 5, 33]],
    );
}

#[test]
fn a_large_batch_with_shorter_blocks_spikes_as_on_the_cpu() {
    // c's accumulator slot is 40 000 * 4 B * 96 entries = 15.4 MB, so its blocks are
    // cut to fit 256 MiB (16 timesteps, or fewer under a smaller binding limit).
    compare(40_000, 96, &[&[7, 16, 15, 33], &[50, 3]]);
}

#[test]
fn blocks_of_a_length_that_is_not_a_multiple_of_four_spike_as_on_the_cpu() {
    // A slot of C is 60 000 * 4 bytes * 75 entries, 18 MB: blocks of 7 timesteps under
    // lavapipe's 128 MiB binding limit, 14 under the 256 MiB budget elsewhere; neither
    // fills the last `vec4` of an entry's stamps (exp_curr.wgsl).
    compare(60_000, 75, &[&[7, 5, 13, 33], &[50, 3]]);
}
