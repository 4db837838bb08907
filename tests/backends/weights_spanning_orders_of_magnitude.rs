//! Per-synapse weights of very different magnitudes in one synapse group: each keeps its
//! exact value beside the largest (64-bit fixed point), a huge weight that never fires
//! changes no spike, the sums reach the neurons as the nearest f32 on every backend, and
//! a weight too small to be held exactly is refused by name.

use crate::common;
use kenyon::model::{
    Connectivity, CurrentSourceModel, IfParams, LifParams, ModelError, Network, NeuronModel,
    PostsynapticModel, SynapseGroup, WeightUpdateModel,
};
use kenyon::{Recordings, SimConfig, Simulator, StateVar};

/// Each target neuron's incoming weights: ties, sticky bits, cancellations, carries out
/// of the low word and sums near the top of the accumulator's range, of both signs.
fn weight_lists() -> Vec<Vec<f32>> {
    let p = |e: i32| 2f32.powi(e);
    let mut lists = vec![
        vec![1.0, p(-24)],
        vec![1.0 + p(-23), p(-24)],
        vec![1.0, p(-24), p(-40)],
        vec![4096.0, 0.75, p(-20), -p(-30)],
        vec![0.5, -0.5],
        vec![-3.0, 1e-3, 7e-6],
        vec![8000.0; 4],
        vec![1.0 / 3.0; 5],
        vec![1.0 / 3.0, -1.0 / 7.0, 1.0 / 3.0, -1.0 / 7.0, 2e-7],
        vec![0.01, 0.0233, 1.5e-5, 3e-3, 0.3],
    ];
    let negated: Vec<Vec<f32>> = lists
        .iter()
        .map(|l| l.iter().map(|w| -w).collect())
        .collect();
    lists.extend(negated);
    lists
}

/// The nearest f32 to the exact sum of `weights` (ties to even), from an exact integer
/// sum in units of 2^-60.
fn nearest_f32_of_sum(weights: &[f32]) -> f32 {
    let units: i128 = weights
        .iter()
        .map(|&w| {
            let scaled = f64::from(w) * 2f64.powi(60);
            assert_eq!(scaled.fract(), 0.0, "{w} is a whole number of 2^-60");
            scaled as i128
        })
        .sum();
    units as f32 * 2f32.powi(-60)
}

#[test]
fn sums_of_weights_spanning_orders_of_magnitude_reach_neurons_as_the_nearest_f32() {
    let lists = weight_lists();
    let sources: usize = lists.iter().map(Vec::len).sum();
    let mut net = Network::new(0.1);
    let if_neuron = |v_thresh| NeuronModel::If(IfParams { v_thresh });
    let src = net.add_neuron_population("src", sources as u32, if_neuron(1.0));
    let sum = net.add_neuron_population("sum", lists.len() as u32, if_neuron(1e30));
    let drive =
        net.add_current_source("drive", src, CurrentSourceModel::Magnitude { initial: 0.6 });
    // Each source neuron has one synapse, so every source's spike adds one weight.
    let post: Vec<u32> = (0..lists.len() as u32)
        .flat_map(|t| std::iter::repeat_n(t, lists[t as usize].len()))
        .collect();
    net.add_synapse_group(SynapseGroup {
        name: "src_sum".into(),
        pre: src,
        post: sum,
        weight_update: WeightUpdateModel::StaticPulse { g: lists.concat() },
        postsynaptic: PostsynapticModel::DeltaCurr,
        connectivity: Connectivity::FromList {
            pre: (0..sources as u32).collect(),
            post,
        },
    });
    let built = net.build(0).unwrap();
    // Every source spikes at steps 1, 3, 5, 7 and 9 (V += 0.6 reaches 1 every second
    // step), so a target's V after ten steps is its sum, as an f32, added four times.
    let want: Vec<u32> = lists
        .iter()
        .map(|l| {
            let x = nearest_f32_of_sum(l);
            (0..4).fold(0.0f32, |v, _| v + x).to_bits()
        })
        .collect();
    assert!(
        want.iter().any(|&v| f32::from_bits(v) > 1e5),
        "a sum near the top"
    );
    let config = SimConfig {
        batch_size: 2,
        ..SimConfig::DEFAULT
    };
    let mut runs = 0;
    common::on_every_backend(&built, config, |sim| {
        sim.set_magnitude(drive, &vec![0.6; 2 * sources]).unwrap();
        sim.step_time(10).unwrap();
        let v = sim.read_state(sum, StateVar::V).unwrap();
        for entry in v.chunks(lists.len()) {
            let got: Vec<u32> = entry.iter().map(|v| v.to_bits()).collect();
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(
                    g,
                    w,
                    "{}: target {i}, weights {:?}: V {} instead of {}",
                    sim.description(),
                    lists[i],
                    f32::from_bits(*g),
                    f32::from_bits(*w)
                );
            }
        }
        runs += 1;
    });
    assert_eq!(runs, 1 + usize::from(common::gpu_available()));
}

/// 100 driven input neurons and one that never spikes, densely connected to 50 outputs
/// by weights from 1e-6 to 1 in magnitude (a fifth of them inhibitory), and from the
/// silent neuron by `silent_weight`.
fn network_with_a_silent_weight(silent_weight: f32) -> (Network, kenyon::model::CurrentSourceId) {
    let mut net = Network::new(0.1);
    let lif = NeuronModel::Lif(LifParams::TUTORIAL);
    let input = net.add_neuron_population("input", 101, lif.clone());
    let output = net.add_neuron_population("output", 50, lif);
    net.set_spike_recording(input, true).unwrap();
    net.set_spike_recording(output, true).unwrap();
    let drive = net.add_current_source(
        "drive",
        input,
        CurrentSourceModel::Magnitude { initial: 0.0 },
    );
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut g: Vec<f32> = (0..100 * 50)
        .map(|_| {
            let magnitude = 10f64.powf(-6.0 * next() * next());
            let sign = if next() < 0.2 { -1.0 } else { 1.0 };
            (sign * magnitude) as f32
        })
        .collect();
    g.extend(std::iter::repeat_n(silent_weight, 50));
    net.add_synapse_group(SynapseGroup {
        name: "input_output".into(),
        pre: input,
        post: output,
        weight_update: WeightUpdateModel::StaticPulse { g },
        postsynaptic: PostsynapticModel::ExpCurr { tau: 2.0 },
        connectivity: Connectivity::Dense,
    });
    (net, drive)
}

/// The recordings of 300 steps of `net`, with the driven inputs' currents (the silent
/// neuron's 0) the same on every backend, and the outputs' `V` (bits) at the end.
fn run(sim: &mut dyn Simulator, drive: kenyon::model::CurrentSourceId) -> (Recordings, Vec<u32>) {
    let currents: Vec<f32> = (0..101)
        .map(|i| {
            if i == 100 {
                0.0
            } else {
                0.2 + 0.6 * (i % 13) as f32 / 13.0
            }
        })
        .collect();
    sim.set_magnitude(drive, &currents).unwrap();
    sim.step_time(300).unwrap();
    let output = sim.network().description.population("output").unwrap();
    let v = sim.read_state(output, StateVar::V).unwrap();
    (
        sim.take_recording().unwrap(),
        v.iter().map(|v| v.to_bits()).collect(),
    )
}

#[test]
fn a_huge_weight_that_never_fires_changes_no_spike_on_any_backend() {
    let config = SimConfig {
        recording_steps: 300,
        ..SimConfig::DEFAULT
    };
    let mut recordings = Vec::new();
    for silent_weight in [0.0, 1e4, -1e4] {
        let (net, drive) = network_with_a_silent_weight(silent_weight);
        let built = net.build(7).unwrap();
        common::on_every_backend(&built, config, |sim| {
            recordings.push((
                format!("{silent_weight}, {}", sim.description()),
                run(sim, drive),
            ));
        });
    }
    let (reference_case, (reference, reference_v)) = &recordings[0];
    let output_spikes = reference.populations[1].as_ref().unwrap()[0].spike_count();
    assert!(output_spikes > 100, "{output_spikes} output spikes");
    for (case, (recording, v)) in &recordings[1..] {
        let silent = recording.populations[0].as_ref().unwrap()[0].decode().1;
        assert!(!silent.contains(&100), "{case}: the silent neuron spiked");
        let what = format!("{case} against {reference_case}");
        common::assert_same_spikes(reference, recording, &what);
        assert_eq!(v, reference_v, "{what}: output V differs");
    }
}
#[test]
fn a_weight_too_small_beside_the_largest_is_refused_naming_the_group_and_both() {
    let (mut net, _) = network_with_a_silent_weight(1e4);
    let set_weights = |net: &mut Network, weights: [f32; 2]| {
        let WeightUpdateModel::StaticPulse { g } = &mut net.synapse_groups[0].weight_update else {
            unreachable!("the group has per-synapse weights")
        };
        (g[17], g[40]) = (weights[0], weights[1]);
    };
    set_weights(&mut net, [1e-12, -3e-12]);
    let error = net.build(7).unwrap_err();
    let ModelError::WeightTooSmallForFixedPoint {
        group,
        weight,
        synapse,
        largest,
        smallest_exact,
    } = &error
    else {
        panic!("refused for another reason: {error}")
    };
    assert_eq!(
        (group.as_str(), *weight, *synapse),
        ("input_output", 1e-12, 17)
    );
    assert_eq!(*largest, 1e4);
    assert!(
        *smallest_exact > 1e-12 && *smallest_exact < 1e-6,
        "{smallest_exact}"
    );
    let message = error.to_string();
    assert!(
        message.contains("'input_output'") && message.contains("1e-12"),
        "{message}"
    );
    // Zero is always exact: the same weights set to 0 build.
    set_weights(&mut net, [0.0, 0.0]);
    net.build(7).unwrap();
}
