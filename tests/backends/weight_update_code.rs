//! Weight-update models written as code strings against independent results: the
//! library's additive trace STDP against its traces and weight changes computed here in
//! f64, its StaticPulse against the built-in one, and an `addToPost` beyond the group's
//! declared range reported by name, on every backend.

use crate::common;

use kenyon::model::code::{CodeWeightUpdate, VarInit, WeightUpdateModelDef};
use kenyon::model::{
    Connectivity, Network, NeuronModel, PostsynapticModel, SynapseGroup, WeightUpdateModel, library,
};
use kenyon::{LifParams, PopulationId, SimConfig, SimError, Simulator, SynapseGroupId};

const TAU_PLUS: f64 = 16.8;
const TAU_MINUS: f64 = 33.7;
const A_PLUS: f64 = 0.01;
const A_MINUS: f64 = 0.0105;
const G_INIT: [f64; 4] = [0.5, 0.25, 0.75, 0.125];

/// Spike steps (dt = 1 ms) of two presynaptic and two postsynaptic neurons, with pairs
/// in both orders, a simultaneous pair, and bursts whose traces add up.
fn spike_steps() -> ([Vec<u32>; 2], [Vec<u32>; 2]) {
    (
        [vec![3, 10, 11, 12, 40], vec![7, 25, 26, 60]],
        [vec![5, 10, 30, 31, 55], vec![2, 28, 45]],
    )
}

fn additive() -> CodeWeightUpdate {
    CodeWeightUpdate::new(library::stdp_additive())
        .param("tauPlus", TAU_PLUS)
        .param("tauMinus", TAU_MINUS)
        .param("Aplus", A_PLUS)
        .param("Aminus", A_MINUS)
        .param("wMin", 0.0)
        .param("wMax", 1.0)
        .init("g", VarInit::Values(G_INIT.to_vec()))
        .pre_init("preTrace", VarInit::Constant(0.0))
        .post_init("postTrace", VarInit::Constant(0.0))
        .max_add_to_post(1.0)
}

/// A trace after the neuron update of step `s`: each spike at or before `s` decayed
/// once per step since.
fn trace(spikes: &[u32], s: u32, tau: f64) -> f64 {
    let decay = (-1.0 / tau).exp();
    spikes
        .iter()
        .filter(|&&k| k <= s)
        .map(|&k| decay.powi((s - k) as i32))
        .sum()
}

/// The weights after `steps` steps, in f64: the synapse update of step `s` takes the
/// spikes of step `s - 1`, presynaptic ones first (depression by the postsynaptic trace
/// of step `s - 1`), then postsynaptic ones (potentiation by the presynaptic trace).
fn expected_weights(steps: u32) -> Vec<f64> {
    let (pre, post) = spike_steps();
    let mut g = G_INIT.to_vec();
    for s in 1..steps {
        for (i, pre_i) in pre.iter().enumerate() {
            for (j, post_j) in post.iter().enumerate() {
                let w = &mut g[i * 2 + j];
                if pre_i.contains(&(s - 1)) {
                    *w = (*w - A_MINUS * trace(post_j, s - 1, TAU_MINUS)).max(0.0);
                }
            }
        }
        for (j, post_j) in post.iter().enumerate() {
            for (i, pre_i) in pre.iter().enumerate() {
                let w = &mut g[i * 2 + j];
                if post_j.contains(&(s - 1)) {
                    *w = (*w + A_PLUS * trace(pre_i, s - 1, TAU_PLUS)).min(1.0);
                }
            }
        }
    }
    g
}

fn sources(steps: &[Vec<u32>]) -> NeuronModel {
    let times: Vec<Vec<f32>> = steps
        .iter()
        .map(|s| s.iter().map(|&k| k as f32).collect())
        .collect();
    NeuronModel::Code(library::spike_source_array_from(&times))
}

#[test]
fn additive_stdp_follows_its_traces_computed_by_hand_on_every_backend() {
    let (pre_steps, post_steps) = spike_steps();
    let mut net = Network::new(1.0);
    let pre = net.add_neuron_population("pre", 2, sources(&pre_steps));
    let post = net.add_neuron_population("post", 2, sources(&post_steps));
    let syn = net.add_synapse_group(SynapseGroup {
        name: "syn".into(),
        pre,
        post,
        weight_update: WeightUpdateModel::Code(additive()),
        postsynaptic: PostsynapticModel::ExpCurr { tau: 5.0 },
        connectivity: Connectivity::Dense,
    });
    let built = net.build(3).unwrap();
    let steps = 70;
    let want = expected_weights(steps);
    // Every weight moved, and both ways.
    assert!(want.iter().zip(G_INIT).all(|(w, g)| *w != g));
    let mut runs = Vec::new();
    common::on_every_backend(&built, SimConfig::DEFAULT, |sim| {
        sim.step_time(steps).unwrap();
        let g = sim.read_synapse_var(syn, "g").unwrap();
        assert_eq!(g, sim.read_weights(syn).unwrap());
        for (got, want) in g.iter().zip(&want) {
            assert!(
                (f64::from(*got) - want).abs() < 2e-6,
                "{}: g {g:?}, want {want:?}",
                sim.description()
            );
        }
        let traces = sim.read_var(pre, "syn.preTrace").unwrap();
        for (i, spikes) in pre_steps.iter().enumerate() {
            let want = trace(spikes, steps - 1, TAU_PLUS);
            assert!((f64::from(traces[i]) - want).abs() < 1e-5, "preTrace {i}");
        }
        let traces = sim.read_var(post, "syn.postTrace").unwrap();
        for (j, spikes) in post_steps.iter().enumerate() {
            let want = trace(spikes, steps - 1, TAU_MINUS);
            assert!((f64::from(traces[j]) - want).abs() < 1e-5, "postTrace {j}");
        }
        runs.push((
            g.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            sim.description(),
        ));
    });
    // The rule uses no driver-defined function: every backend learns the same bits.
    for (bits, backend) in &runs {
        assert_eq!(bits, &runs[0].0, "{backend} against {}", runs[0].1);
    }
}

/// A Poisson-like drive of 64 spike sources into 40 LIF neurons through per-synapse
/// weights of `weight_update`; returns the network, the LIF population and the group.
fn driven(weight_update: WeightUpdateModel) -> (Network, PopulationId, SynapseGroupId) {
    let mut net = Network::new(0.1);
    let times: Vec<Vec<f32>> = (0..64u32)
        .map(|i| {
            (0..6)
                .map(|k| ((i * 7 + k * 13) % 50) as f32 * 0.4)
                .collect()
        })
        .collect();
    let input = net.add_neuron_population(
        "input",
        64,
        NeuronModel::Code(library::spike_source_array_from(&times)),
    );
    let lif = net.add_neuron_population("lif", 40, NeuronModel::Lif(LifParams::TUTORIAL));
    net.set_spike_recording(lif, true).unwrap();
    let group = net.add_synapse_group(SynapseGroup {
        name: "input_lif".into(),
        pre: input,
        post: lif,
        weight_update,
        postsynaptic: PostsynapticModel::ExpCurr { tau: 2.0 },
        connectivity: Connectivity::Dense,
    });
    (net, lif, group)
}

/// Weights that are whole multiples of 2^-12: summed exactly at any scale either model
/// picks.
fn weights() -> Vec<f32> {
    (0..64 * 40u32)
        .map(|k| ((k * 2654435761u32) >> 20) as f32 / 4096.0 * 0.2)
        .collect()
}

#[test]
fn code_static_pulse_gives_the_built_in_spikes_on_every_backend() {
    let g = weights();
    let builtin = driven(WeightUpdateModel::StaticPulse { g: g.clone() });
    let code = driven(WeightUpdateModel::Code(library::static_pulse_from(&g)));
    let config = SimConfig {
        batch_size: 2,
        recording_steps: 250,
        ..SimConfig::default()
    };
    let mut spikes = Vec::new();
    for (net, lif, _) in [builtin, code] {
        let built = net.build(5).unwrap();
        common::on_every_backend(&built, config, |sim| {
            sim.step_time(250).unwrap();
            let mut r = sim.take_recording().unwrap();
            let entries: Vec<_> = (0..2)
                .map(|e| r.take_one(lif, e).unwrap().decode())
                .collect();
            spikes.push((entries, sim.description()));
        });
    }
    assert!(!spikes[0].0[0].1.is_empty(), "the LIF neurons spike");
    for (s, backend) in &spikes {
        assert_eq!(s, &spikes[0].0, "{backend}");
    }
}

#[test]
fn an_add_to_post_beyond_the_declared_range_is_reported_by_group() {
    let g = weights();
    let code = library::static_pulse_from(&g).max_add_to_post(0.1);
    let (net, _, group) = driven(WeightUpdateModel::Code(code));
    let built = net.build(5).unwrap();
    common::on_every_backend(&built, SimConfig::DEFAULT, |sim| {
        // The sources first spike at 0 ms, delivered in the second timestep.
        // The CPU reports it from the run, the GPU from the next read-back.
        let result = sim
            .step_time(5)
            .and_then(|()| sim.read_weights(group).map(drop));
        match result {
            Err(SimError::AddToPostOutOfRange { group, value, max }) => {
                assert_eq!(group, "input_lif");
                assert!(value > 0.1 && max == 0.1, "{value} {max}");
            }
            other => panic!("{}: {other:?}", sim.description()),
        }
    });
}

/// Spike sources, `n` of them, each spiking at `times`.
fn sources_at(n: usize, times: &[f32]) -> NeuronModel {
    NeuronModel::Code(library::spike_source_array_from(&vec![times.to_vec(); n]))
}

/// A one-synapse network from a source spiking at 0 ms through `code` into a LIF.
fn one_synapse(code: CodeWeightUpdate) -> (Network, SynapseGroupId) {
    let mut net = Network::new(1.0);
    let pre = net.add_neuron_population("pre", 1, sources_at(1, &[0.0]));
    let post = net.add_neuron_population("post", 1, NeuronModel::Lif(LifParams::TUTORIAL));
    let syn = net.add_synapse_group(SynapseGroup {
        name: "syn".into(),
        pre,
        post,
        weight_update: WeightUpdateModel::Code(code),
        postsynaptic: PostsynapticModel::ExpCurr { tau: 5.0 },
        connectivity: Connectivity::Dense,
    });
    (net, syn)
}

#[test]
fn add_to_posts_of_one_synapse_past_its_bound_together_are_reported_not_wrapped() {
    let model = WeightUpdateModelDef {
        name: "Twice".into(),
        vars: vec![kenyon::model::code::Var::f32("g").read_only()],
        pre_spike_syn_code: "addToPost(g);\naddToPost(g);".into(),
        ..Default::default()
    };
    // g = 1 is the bound: the second call would take the synapse's input to 2.
    let code = CodeWeightUpdate::new(std::sync::Arc::new(model)).init("g", VarInit::Constant(1.0));
    let (net, syn) = one_synapse(code);
    let built = net.build(1).unwrap();
    common::on_every_backend(&built, SimConfig::DEFAULT, |sim| {
        let result = sim
            .step_time(2)
            .and_then(|()| sim.read_in_syn(syn).map(drop));
        assert!(
            matches!(result, Err(SimError::AddToPostOutOfRange { .. })),
            "{}: {result:?}",
            sim.description()
        );
        // The call within the bound was added, the other left out.
        let in_syn = sim.read_in_syn(syn).unwrap();
        assert!(in_syn[0] > 0.5 && in_syn[0] <= 1.0, "{in_syn:?}");
    });
}

#[test]
fn a_static_group_reads_no_spike_times_whatever_else_its_populations_connect() {
    let probe = WeightUpdateModelDef {
        name: "Probe".into(),
        vars: vec![kenyon::model::code::Var::f32("g").read_only()],
        // Adds g only where st_pre is a real spike time.
        pre_spike_syn_code: "addToPost(select(0.0, g, st_pre > -1.0e38));".into(),
        ..Default::default()
    };
    let probe = CodeWeightUpdate::new(std::sync::Arc::new(probe)).init("g", VarInit::Constant(1.0));
    let (alone, static_group) = one_synapse(probe);
    // The same, with a plastic group from the same source, whose spike times are kept.
    let mut beside = alone.clone();
    let pre = beside.synapse_groups[0].pre;
    let b = beside.add_neuron_population("b", 1, NeuronModel::Lif(LifParams::TUTORIAL));
    beside.add_synapse_group(SynapseGroup {
        name: "plastic".into(),
        pre,
        post: b,
        weight_update: WeightUpdateModel::Code(additive().init("g", VarInit::Constant(0.5))),
        postsynaptic: PostsynapticModel::ExpCurr { tau: 5.0 },
        connectivity: Connectivity::FixedNumberPreWithReplacement { num: 1 },
    });
    for net in [alone, beside] {
        let built = net.build(1).unwrap();
        common::on_every_backend(&built, SimConfig::DEFAULT, |sim| {
            sim.step_time(2).unwrap();
            assert_eq!(
                sim.read_in_syn(static_group).unwrap(),
                [0.0],
                "{}",
                sim.description()
            );
        });
    }
}

#[test]
fn the_static_pulse_twin_refuses_weights_it_cant_sum_exactly() {
    // One weight of 1 beside 1024 tiny ones into one neuron: its scale (the fan-in times
    // the largest weight) can't hold them.
    let small = (2f64.powi(-50) + 2f64.powi(-60)) as f32;
    let mut g = vec![1.0f32];
    g.extend(std::iter::repeat_n(small, 1024));
    let mut net = Network::new(1.0);
    let pre = net.add_neuron_population("pre", 1025, sources_at(1025, &[0.0]));
    let post = net.add_neuron_population("post", 1, NeuronModel::Lif(LifParams::TUTORIAL));
    net.add_synapse_group(SynapseGroup {
        name: "syn".into(),
        pre,
        post,
        weight_update: WeightUpdateModel::Code(library::static_pulse_from(&g)),
        postsynaptic: PostsynapticModel::ExpCurr { tau: 5.0 },
        connectivity: Connectivity::Dense,
    });
    let e = net.build(1).unwrap_err();
    assert!(
        matches!(e, kenyon::ModelError::WeightTooSmallForFixedPoint { weight, .. } if weight == small),
        "{e}"
    );
}

#[test]
fn trace_code_cant_change_the_neurons_variables() {
    let mut model = (*library::stdp_additive()).clone();
    model.pre_dynamics_code = "preTrace = product(preTrace, decayPlus);\nV = -123.0;".into();
    let mut code = additive();
    code.model = std::sync::Arc::new(model);
    let mut net = Network::new(1.0);
    let pre = net.add_neuron_population("pre", 2, NeuronModel::Lif(LifParams::TUTORIAL));
    let post = net.add_neuron_population("post", 2, sources_at(2, &[1.0]));
    net.add_synapse_group(SynapseGroup {
        name: "syn".into(),
        pre,
        post,
        weight_update: WeightUpdateModel::Code(code),
        postsynaptic: PostsynapticModel::ExpCurr { tau: 5.0 },
        connectivity: Connectivity::Dense,
    });
    let Err(kenyon::ModelError::Code(e)) = net.build(1) else {
        panic!("V is read-only in trace code");
    };
    assert_eq!(
        e.code_string,
        Some(kenyon::model::code::CodeString::PreDynamics),
        "{e}"
    );
    assert_eq!(e.line, 2, "{e}");
}

#[test]
fn code_groups_give_the_same_spikes_on_any_number_of_cpu_threads() {
    let n = 9000usize;
    let mut net = Network::new(0.5);
    let times: Vec<Vec<f32>> = (0..n)
        .map(|i| {
            (0..4)
                .map(|k| ((i * 7 + k * 13) % 40) as f32 * 0.5)
                .collect()
        })
        .collect();
    let pre = net.add_neuron_population(
        "pre",
        n as u32,
        NeuronModel::Code(library::spike_source_array_from(&times)),
    );
    let post = net.add_neuron_population("post", n as u32, NeuronModel::Lif(LifParams::TUTORIAL));
    net.set_spike_recording(post, true).unwrap();
    let code = CodeWeightUpdate::new(library::static_pulse())
        .init("g", VarInit::Uniform { min: 0.0, max: 1.0 });
    net.add_synapse_group(SynapseGroup {
        name: "syn".into(),
        pre,
        post,
        weight_update: WeightUpdateModel::Code(code),
        postsynaptic: PostsynapticModel::ExpCurr { tau: 2.0 },
        connectivity: Connectivity::FixedNumberPreWithReplacement { num: 20 },
    });
    let built = net.build(3).unwrap();
    for batch in [1u32, 2] {
        let mut runs = Vec::new();
        for threads in [1usize, 2] {
            let config = SimConfig {
                batch_size: batch,
                recording_steps: 100,
                threads,
            };
            let mut sim = kenyon::CpuSimulation::new(&built, config).unwrap();
            sim.step_time(100).unwrap();
            let mut r = sim.take_recording().unwrap();
            let s: Vec<_> = (0..batch as usize)
                .map(|e| r.take_one(post, e).unwrap().decode())
                .collect();
            runs.push(s);
        }
        assert!(!runs[0][0].1.is_empty(), "the LIF neurons spike");
        assert_eq!(runs[0], runs[1], "batch {batch}");
    }
}
