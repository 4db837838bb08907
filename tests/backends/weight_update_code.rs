//! Weight-update models written as code strings against independent results: the
//! library's additive trace STDP against its traces and weight changes computed here in
//! f64, its StaticPulse against the built-in one, and an `addToPost` beyond the group's
//! declared range reported by name, on every backend.

use crate::common;

use kenyon::model::code::{CodeWeightUpdate, VarInit};
use kenyon::model::{
    Connectivity, Network, NeuronModel, PostsynapticModel, SynapseGroup, WeightUpdateModel, library,
};
use kenyon::{LifParams, PopulationId, SimConfig, SimError, SynapseGroupId};

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
