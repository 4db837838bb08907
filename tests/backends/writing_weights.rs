//! `write_weights` and `write_synapse_var` (GeNN's push of weights): weights written
//! between runs give the spikes of a network built with them, on every backend; a reset
//! keeps them; values the group's fixed-point input can't sum as built are refused.

use crate::common;

use kenyon::model::library;
use kenyon::{
    Connectivity, CurrentSourceModel, LifParams, Network, NeuronModel, PostsynapticModel,
    SimConfig, SimError, Simulator, SynapseGroup, SynapseGroupId, WeightUpdateModel,
};

const N_PRE: u32 = 40;
const N_POST: u32 = 30;

/// Driven input neurons into a population through one group of `weight_update`, dense,
/// so the weights are `g[pre * N_POST + post]`.
fn network(weight_update: WeightUpdateModel) -> (Network, SynapseGroupId) {
    let mut net = Network::new(0.1);
    let lif = NeuronModel::Lif(LifParams::TUTORIAL);
    let pre = net.add_neuron_population("pre", N_PRE, lif.clone());
    let post = net.add_neuron_population("post", N_POST, lif);
    for p in [pre, post] {
        net.set_spike_recording(p, true).unwrap();
    }
    net.add_current_source("drive", pre, CurrentSourceModel::Magnitude { initial: 0.6 });
    let syn = net.add_synapse_group(SynapseGroup {
        name: "syn".into(),
        pre,
        post,
        weight_update,
        postsynaptic: PostsynapticModel::ExpCurr { tau: 5.0 },
        connectivity: Connectivity::Dense,
    });
    (net, syn)
}

/// Weights a draw of which makes some of the postsynaptic neurons spike: multiples of
/// 2^-10, so every fixed-point scale holds them exactly.
fn weights(seed: u32) -> Vec<f32> {
    (0..N_PRE * N_POST)
        .map(|i| {
            let x = i
                .wrapping_mul(2_654_435_761)
                .wrapping_add(seed.wrapping_mul(40_503))
                >> 22;
            (x % 512) as f32 / 1024.0
        })
        .collect()
}

/// The recorded spikes of 300 timesteps, after `prepare`.
fn spikes(sim: &mut dyn Simulator, prepare: impl FnOnce(&mut dyn Simulator)) -> Vec<Vec<u32>> {
    prepare(sim);
    sim.step_time(300).unwrap();
    let recordings = sim.take_recording().unwrap();
    recordings
        .populations
        .iter()
        .flatten()
        .map(|entries| entries[0].bits.clone())
        .collect()
}

fn config() -> SimConfig {
    SimConfig {
        recording_steps: 300,
        ..SimConfig::DEFAULT
    }
}

#[test]
fn written_weights_spike_as_a_network_built_with_them_and_survive_a_reset() {
    let (before, after) = (weights(1), weights(2));
    let (built_after, _) = network(WeightUpdateModel::StaticPulse { g: after.clone() });
    let mut want = Vec::new();
    common::on_every_backend(&built_after.build(5).unwrap(), config(), |sim| {
        want.push(spikes(sim, |_| {}));
    });
    assert!(
        want[0][1].iter().any(|&w| w != 0),
        "the postsynaptic neurons spike"
    );
    let (net, syn) = network(WeightUpdateModel::StaticPulse { g: before });
    let mut runs = 0;
    common::on_every_backend(&net.build(5).unwrap(), config(), |sim| {
        let got = spikes(sim, |sim| sim.write_weights(syn, &after).unwrap());
        assert_eq!(got, want[0], "{}", sim.description());
        assert_eq!(sim.read_weights(syn).unwrap(), after);
        sim.reset().unwrap();
        assert_eq!(
            spikes(sim, |_| {}),
            want[0],
            "after a reset, {}",
            sim.description()
        );
        runs += 1;
    });
    assert_eq!(runs, want.len());
}

#[test]
fn a_code_models_synapse_variable_is_written_as_the_built_in_weights() {
    let after = weights(3);
    let (built_in, syn) = network(WeightUpdateModel::StaticPulse { g: weights(4) });
    let code = library::static_pulse_from(&weights(4));
    let (net, code_syn) = network(WeightUpdateModel::Code(code));
    let mut want = Vec::new();
    common::on_every_backend(&built_in.build(6).unwrap(), config(), |sim| {
        want.push(spikes(sim, |sim| sim.write_weights(syn, &after).unwrap()));
    });
    common::on_every_backend(&net.build(6).unwrap(), config(), |sim| {
        let got = spikes(sim, |sim| {
            sim.write_synapse_var(code_syn, "g", &after).unwrap()
        });
        assert_eq!(got, want[0], "{}", sim.description());
        assert_eq!(sim.read_weights(code_syn).unwrap(), after);
    });
}

#[test]
fn weights_the_fixed_point_input_cannot_sum_as_built_are_refused() {
    let (net, syn) = network(WeightUpdateModel::StaticPulse { g: weights(1) });
    let (constant, constant_syn) = network(WeightUpdateModel::StaticPulseConstantWeight { g: 0.1 });
    let reason = |e: SimError| match e {
        SimError::InvalidSynapseValues { group, var, reason } => {
            assert_eq!((group.as_str(), var.as_str()), ("syn", "g"));
            reason
        }
        other => panic!("refused as invalid synapse values, not {other:?}"),
    };
    common::on_every_backend(&net.build(5).unwrap(), config(), |sim| {
        let kept = sim.read_weights(syn).unwrap();
        let short = sim.write_weights(syn, &kept[1..]).unwrap_err();
        assert!(reason(short).contains("values were given for 1200 synapses"));
        let mut bad = kept.clone();
        bad[7] = f32::NAN;
        assert!(reason(sim.write_weights(syn, &bad).unwrap_err()).contains("#7"));
        bad[7] = 1e-30;
        assert!(reason(sim.write_weights(syn, &bad).unwrap_err()).contains("exactly"));
        bad[7] = 1e30;
        assert!(reason(sim.write_weights(syn, &bad).unwrap_err()).contains("fitted"));
        // Nothing refused was written.
        assert_eq!(sim.read_weights(syn).unwrap(), kept);
    });
    common::on_every_backend(&constant.build(5).unwrap(), config(), |sim| {
        let err = sim.write_weights(constant_syn, &weights(1)).unwrap_err();
        assert!(matches!(err, SimError::NoSynapseWeights { .. }), "{err:?}");
        let err = sim.read_weights(constant_syn).unwrap_err();
        assert!(matches!(err, SimError::NoSynapseWeights { .. }), "{err:?}");
    });
}

#[test]
fn stdp_weights_are_written_within_the_rules_bounds_only() {
    let mb = kenyon::tutorial::mushroom_body_for_training();
    let kc_mbon = mb.output.expect("a training network").kc_mbon;
    common::on_every_backend(&mb.network.build(1).unwrap(), SimConfig::DEFAULT, |sim| {
        let n = sim.read_weights(kc_mbon).unwrap().len();
        let inside: Vec<f32> = (0..n).map(|i| (i % 7) as f32 * 0.003).collect();
        sim.write_weights(kc_mbon, &inside).unwrap();
        assert_eq!(sim.read_weights(kc_mbon).unwrap(), inside);
        let mut outside = inside.clone();
        outside[3] = 0.5;
        match sim.write_weights(kc_mbon, &outside).unwrap_err() {
            SimError::InvalidSynapseValues { reason, .. } => {
                assert!(reason.contains("outside the STDP rule's"), "{reason}")
            }
            other => panic!("refused as invalid synapse values, not {other:?}"),
        }
        assert_eq!(sim.read_weights(kc_mbon).unwrap(), inside);
    });
}
