//! The symmetric STDP rule of tutorial part 4 against its formula, for spikes placed by
//! hand: one presynaptic and one postsynaptic IF neuron, each driven by its own current
//! so that it spikes at known timesteps, joined by one plastic synapse that does not
//! drive its target (the tutorial's training mode). The expected weight is computed here
//! in f64 from the rule as the model reference states it:
//!
//! in the synapse update of timestep k (time t = k dt), after the previous timestep's
//! spikes have become the neurons' latest spike times, every presynaptic spike of
//! timestep k - 1 does g += eta (exp(-(t - st_post) / tau) - rho), then every postsynaptic
//! one g += eta (exp(-(t - st_pre) / tau) - rho), each clipped to [wMin, wMax]; a neuron
//! that hasn't spiked since the reset has st = -FLT_MAX (so exp(...) = 0).

use kenyon::cpu::CpuSimulation;
use kenyon::model::{
    Connectivity, CurrentSourceModel, IfParams, Network, NeuronModel, PostsynapticModel,
    StdpParams, SynapseGroup, SynapseGroupId, WeightUpdateModel,
};
use kenyon::{SimConfig, Simulator};

const DT: f64 = 0.1;

struct Pair {
    sim: CpuSimulation,
    group: SynapseGroupId,
}

/// Pre and post IF neurons (threshold 1) driven by `pre_drive` / `post_drive` per step:
/// with drives 1 / n they spike in every n-th timestep, from timestep n - 1.
fn pair(rule: StdpParams, pre_drive: f32, post_drive: f32) -> Pair {
    let mut net = Network::new(DT);
    let pre = net.add_neuron_population("pre", 1, NeuronModel::If(IfParams { v_thresh: 1.0 }));
    let post = net.add_neuron_population("post", 1, NeuronModel::If(IfParams { v_thresh: 1.0 }));
    net.add_current_source(
        "pre_drive",
        pre,
        CurrentSourceModel::Magnitude { initial: pre_drive },
    );
    net.add_current_source(
        "post_drive",
        post,
        CurrentSourceModel::Magnitude {
            initial: post_drive,
        },
    );
    let group = net.add_synapse_group(SynapseGroup {
        name: "pre_post".into(),
        pre,
        post,
        weight_update: WeightUpdateModel::StdpSymmetric(rule),
        postsynaptic: PostsynapticModel::ExpCurr { tau: 3.0 },
        connectivity: Connectivity::Dense,
    });
    let built = net.build(0).unwrap();
    Pair {
        sim: CpuSimulation::new(&built, SimConfig::DEFAULT).unwrap(),
        group,
    }
}

/// The rule in f64 over `steps` timesteps for the given spike timesteps.
fn expected_weights(rule: &StdpParams, pre: &[u64], post: &[u64], steps: u64) -> Vec<f64> {
    let mut g = rule.g_init;
    let (mut st_pre, mut st_post) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    let mut out = Vec::new();
    for k in 0..steps {
        let t = k as f64 * DT;
        let (pre_spiked, post_spiked) = (
            k > 0 && pre.contains(&(k - 1)),
            k > 0 && post.contains(&(k - 1)),
        );
        if pre_spiked {
            st_pre = (k - 1) as f64 * DT;
        }
        if post_spiked {
            st_post = (k - 1) as f64 * DT;
        }
        let update = |g: f64, st: f64| {
            (g + rule.eta * ((-(t - st) / rule.tau).exp() - rule.rho)).clamp(rule.w_min, rule.w_max)
        };
        if pre_spiked {
            g = update(g, st_post);
        }
        if post_spiked {
            g = update(g, st_pre);
        }
        out.push(g);
    }
    out
}

fn every(n: u64, steps: u64) -> Vec<u64> {
    (1..=steps / n).map(|i| i * n - 1).collect()
}

fn run(rule: StdpParams, pre_n: u64, post_n: Option<u64>, steps: u64) -> (Vec<f32>, Vec<f64>) {
    let mut p = pair(
        rule,
        1.0 / pre_n as f32,
        post_n.map_or(0.0, |n| 1.0 / n as f32),
    );
    let mut got = Vec::new();
    for _ in 0..steps {
        p.sim.step_time(1).unwrap();
        got.push(p.sim.read_weights(p.group).unwrap()[0]);
    }
    let pre = every(pre_n, steps);
    let post = post_n.map_or(Vec::new(), |n| every(n, steps));
    (got, expected_weights(&rule, &pre, &post, steps))
}

fn assert_close(got: &[f32], expected: &[f64], what: &str) {
    for (k, (&g, &e)) in got.iter().zip(expected).enumerate() {
        assert!(
            (f64::from(g) - e).abs() <= 1e-6 * e.abs().max(1e-3),
            "{what}: timestep {k}: g = {g}, formula {e}"
        );
    }
}

const RULE: StdpParams = StdpParams {
    tau: 1.0,
    rho: 0.1,
    eta: 0.01,
    w_min: 0.0,
    w_max: 1.0,
    g_init: 0.5,
    drive_post: false,
};

#[test]
fn presynaptic_spikes_without_a_partner_depress_by_eta_rho() {
    // Pre spikes at 3, 7, 11, ...; post never: each pre spike subtracts eta * rho.
    let (got, expected) = run(RULE, 4, None, 40);
    assert_close(&got, &expected, "no partner");
    assert_eq!(got[3], 0.5, "nothing before the first spike arrives");
    assert!((f64::from(got[4]) - (0.5 - 0.01 * 0.1)).abs() < 1e-7);
    // Spikes at 3, 7, ..., 35 have arrived by timestep 39; the one at 39 arrives in 40.
    assert!((f64::from(got[39]) - (0.5 - 9.0 * 0.001)).abs() < 1e-6);
}

#[test]
fn pre_before_post_and_post_before_pre_both_potentiate_when_close() {
    // Pre every 4 steps (3, 7, 11, ...), post every 6 (5, 11, 17, ...): pairs at every
    // distance, in both orders and at once (11, 23, 35).
    let (got, expected) = run(RULE, 4, Some(6), 48);
    assert_close(&got, &expected, "pre every 4, post every 6");
    // Post at 5, 0.2 ms after the pre spike at 3 (seen in timestep 6, t = 0.6):
    // g += eta (exp(-(0.6 - 0.3) / tau) - rho), a potentiation.
    let dw = 0.01 * ((-(0.6f64 - 0.3) / 1.0).exp() - 0.1);
    assert!(dw > 0.0);
    assert!((f64::from(got[6]) - (f64::from(got[5]) + dw)).abs() < 1e-7);
    // Pre at 7, after the post spike at 5 (seen in timestep 8, t = 0.8).
    let dw = 0.01 * ((-(0.8f64 - 0.5) / 1.0).exp() - 0.1);
    assert!((f64::from(got[8]) - (f64::from(got[7]) + dw)).abs() < 1e-7);
}

#[test]
fn weights_clip_at_both_bounds() {
    // Large eta with close pairs drives g up to wMax; large rho with no partner drives it
    // down to wMin.
    let up = StdpParams {
        eta: 0.5,
        rho: 0.0,
        ..RULE
    };
    let (got, expected) = run(up, 2, Some(2), 20);
    assert_close(&got, &expected, "clipped at wMax");
    assert_eq!(*got.last().unwrap(), 1.0);
    let down = StdpParams {
        eta: 0.5,
        rho: 0.5,
        ..RULE
    };
    let (got, expected) = run(down, 2, None, 20);
    assert_close(&got, &expected, "clipped at wMin");
    assert_eq!(*got.last().unwrap(), 0.0);
}

#[test]
fn reset_forgets_spike_times_but_keeps_the_weights() {
    let mut p = pair(RULE, 0.25, 0.0);
    p.sim.step_time(20).unwrap();
    let learned = p.sim.read_weights(p.group).unwrap()[0];
    assert!(learned < 0.5);
    p.sim.take_recording().unwrap();
    p.sim.reset().unwrap();
    assert_eq!(p.sim.read_weights(p.group).unwrap()[0], learned);
}

#[test]
fn plastic_networks_refuse_batches() {
    let mut net = Network::new(DT);
    let a = net.add_neuron_population("a", 2, NeuronModel::If(IfParams { v_thresh: 1.0 }));
    let b = net.add_neuron_population("b", 2, NeuronModel::If(IfParams { v_thresh: 1.0 }));
    net.add_synapse_group(SynapseGroup {
        name: "a_b".into(),
        pre: a,
        post: b,
        weight_update: WeightUpdateModel::StdpSymmetric(RULE),
        postsynaptic: PostsynapticModel::DeltaCurr,
        connectivity: Connectivity::Dense,
    });
    let built = net.build(0).unwrap();
    let config = SimConfig {
        batch_size: 2,
        ..SimConfig::DEFAULT
    };
    let err = CpuSimulation::new(&built, config)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("a_b") && err.contains("batch size 1"), "{err}");
}
