//! The IF neuron (tutorial part 3's GGN), the DeltaCurr postsynaptic model and dense
//! connectivity against traces computed by hand from the model equations, on the CPU
//! backend and, where an adapter exists, on the GPU backend.
//!
//! Every input and weight below is a small multiple of a power of two, so every value
//! in the traces is exact in f32 and the comparisons are exact. Timestep `k` (0-based)
//! computes `V_{k+1}`; a spike emitted in timestep `s` reaches its targets' input in
//! timestep `s + 1` (see `lif_matches_closed_form.rs`).
//!
//! IF: `V += Isyn`; spike if `V >= Vthresh`, then `V = 0`.
//! DeltaCurr: the whole input of a timestep is injected in that timestep, `inSyn` is 0
//! after it.

use crate::common;

use kenyon::model::{
    BuiltNetwork, Connectivity, CurrentSourceModel, IfParams, Network, NeuronModel,
    PostsynapticModel, SynapseGroup, WeightUpdateModel,
};
use kenyon::{SimConfig, Simulator, StateVar};

/// `check` on every backend, with the default configuration.
fn on_every_backend(built: &BuiltNetwork, check: impl FnMut(&mut dyn Simulator)) {
    common::on_every_backend(built, SimConfig::DEFAULT, check);
}

fn spike_steps(rec: &kenyon::SpikeRecording, id: u32) -> Vec<u32> {
    (0..rec.n_steps).filter(|&s| rec.spiked(s, id)).collect()
}

#[test]
fn if_neuron_integrates_without_leak_and_resets_to_zero() {
    // Constant input 0.25 per step into Vthresh 1: V = 0.25, 0.5, 0.75, 1.0 -> spike in
    // every fourth timestep (3, 7, 11, ...), V back to 0. A second neuron with input
    // 0.375 crosses at 1.125 (timestep 2), restarts from 0: spikes every third step.
    let mut net = Network::new(0.1);
    let p = net.add_neuron_population("if", 2, NeuronModel::If(IfParams { v_thresh: 1.0 }));
    net.set_spike_recording(p, true).unwrap();
    let cs = net.add_current_source("drive", p, CurrentSourceModel::Magnitude { initial: 0.0 });
    let built = net.build(0).unwrap();
    on_every_backend(&built, |sim| {
        let what = sim.description();
        sim.set_magnitude(cs, &[0.25, 0.375]).unwrap();
        assert_eq!(
            sim.read_state(p, StateVar::V).unwrap(),
            vec![0.0, 0.0],
            "{what}"
        );
        let mut expected = [0.0f32; 2];
        for k in 0..40u32 {
            sim.step_time(1).unwrap();
            for (v, input) in expected.iter_mut().zip([0.25f32, 0.375]) {
                *v = if *v + input >= 1.0 { 0.0 } else { *v + input };
            }
            assert_eq!(
                sim.read_state(p, StateVar::V).unwrap(),
                expected.to_vec(),
                "{what}: V after timestep {k}"
            );
        }
        let rec = sim.take_recording().unwrap().take_one(p, 0).unwrap();
        assert_eq!(
            spike_steps(&rec, 0),
            (0..10).map(|i| 4 * i + 3).collect::<Vec<_>>(),
            "{what}"
        );
        assert_eq!(
            spike_steps(&rec, 1),
            (0..13).map(|i| 3 * i + 2).collect::<Vec<_>>(),
            "{what}"
        );
    });
}

#[test]
fn delta_curr_injects_each_spike_once_in_the_next_timestep() {
    // Three IF "senders" driven to spike at known timesteps (inputs 0.5, 0.25, 0.125 into
    // Vthresh 1: timesteps 1, 3, 7 and every 2nd / 4th / 8th after), densely connected
    // with weight 0.75 to two IF receivers with a threshold they never reach. Each sender
    // spike of timestep s adds exactly 0.75 to both receivers' V in timestep s + 1, and
    // their inSyn is 0 after every timestep.
    let mut net = Network::new(0.1);
    let senders =
        net.add_neuron_population("senders", 3, NeuronModel::If(IfParams { v_thresh: 1.0 }));
    let receivers =
        net.add_neuron_population("receivers", 2, NeuronModel::If(IfParams { v_thresh: 1e6 }));
    net.set_spike_recording(senders, true).unwrap();
    let cs = net.add_current_source(
        "drive",
        senders,
        CurrentSourceModel::Magnitude { initial: 0.0 },
    );
    let group = net.add_synapse_group(SynapseGroup {
        name: "senders_receivers".into(),
        pre: senders,
        post: receivers,
        weight_update: WeightUpdateModel::StaticPulseConstantWeight { g: 0.75 },
        postsynaptic: PostsynapticModel::DeltaCurr,
        connectivity: Connectivity::Dense,
    });
    let built = net.build(0).unwrap();
    assert_eq!(built.synapse_groups[group.index()].connectivity.len(), 6);
    on_every_backend(&built, |sim| {
        let what = sim.description();
        sim.set_magnitude(cs, &[0.5, 0.25, 0.125]).unwrap();
        let periods = [2u32, 4, 8];
        let mut received = 0.0f32;
        for k in 0..64u32 {
            sim.step_time(1).unwrap();
            // Spikes of timestep k - 1 arrive in timestep k.
            if k > 0 {
                let spikes_before = periods.iter().filter(|&&p| k % p == 0).count();
                received += 0.75 * spikes_before as f32;
            }
            assert_eq!(
                sim.read_state(receivers, StateVar::V).unwrap(),
                vec![received; 2],
                "{what}: receiver V after timestep {k}"
            );
            assert_eq!(
                sim.read_in_syn(group).unwrap(),
                vec![0.0; 2],
                "{what}: inSyn after timestep {k}"
            );
        }
        let rec = sim.take_recording().unwrap().take_one(senders, 0).unwrap();
        for (id, p) in periods.iter().enumerate() {
            assert_eq!(
                spike_steps(&rec, id as u32),
                (0..64 / p).map(|i| i * p + p - 1).collect::<Vec<_>>(),
                "{what}: sender {id}"
            );
        }
        assert!(received > 30.0, "{what}: {received}");
    });
}

#[test]
fn dense_connectivity_connects_every_pair_once() {
    let mut net = Network::new(0.1);
    let a = net.add_neuron_population("a", 7, NeuronModel::If(IfParams { v_thresh: 1.0 }));
    let b = net.add_neuron_population("b", 5, NeuronModel::If(IfParams { v_thresh: 1.0 }));
    let g = net.add_synapse_group(SynapseGroup {
        name: "a_b".into(),
        pre: a,
        post: b,
        weight_update: WeightUpdateModel::StaticPulseConstantWeight { g: 1.0 },
        postsynaptic: PostsynapticModel::DeltaCurr,
        connectivity: Connectivity::Dense,
    });
    let built = net.build(0).unwrap();
    let conn = &built.synapse_groups[g.index()].connectivity;
    let (pre, post) = conn.pre_post_pairs();
    let mut pairs: Vec<(u32, u32)> = pre.into_iter().zip(post).collect();
    pairs.sort_unstable();
    let all: Vec<(u32, u32)> = (0..7).flat_map(|i| (0..5).map(move |j| (i, j))).collect();
    assert_eq!(pairs, all);
    assert_eq!(conn.in_degrees(), vec![7; 5]);
}
