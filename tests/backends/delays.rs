//! Synaptic delays: a spike of timestep `t` through a synapse of delay `d` reaches its
//! target's input in timestep `t + 1 + d` (`t + 1` without a delay), for axonal and
//! per-synapse delays up to the longest allowed, with the same spikes on both backends,
//! in any batch and on any number of threads; a reset drops the spikes still on their
//! way, and delays a network can't have are refused with the reason.

use crate::common;
use kenyon::model::CurrentSourceModel;
use kenyon::model::code::{CodeWeightUpdate, VarInit};
use kenyon::model::library;
use kenyon::model::{
    Connectivity, CurrentSourceId, LifParams, MAX_DELAY_STEPS, ModelError, Network, NeuronModel,
    PerSynapseDelays, PopulationId, PostsynapticModel, SynapseGroup, SynapseGroupId, SynapticDelay,
    WeightUpdateModel,
};
use kenyon::{BuiltNetwork, CpuSimulation, Recordings, SimConfig, Simulator};

/// A LIF neuron whose threshold is below its reset potential and whose refractory
/// period outlasts every test: it spikes in timestep 0 and never again.
const ONCE: LifParams = LifParams {
    v_thresh: -70.0,
    tau_refrac: 1e9,
    ..LifParams::TUTORIAL
};

/// One neuron that spikes in timestep 0, into one target per delay of `delays`
/// (`pre -> post[i]` waits `delays[i]` timesteps), every synapse also waiting `axonal`
/// timesteps. `inSyn` decays so slowly that it stays nonzero from the
/// arrival to the end of any test.
fn fan_out(axonal: u32, delays: &[u32]) -> (BuiltNetwork, SynapseGroupId) {
    let static_pulse = WeightUpdateModel::StaticPulseConstantWeight { g: 0.5 };
    fan_out_through(static_pulse, axonal, delays)
}

/// [`fan_out`] through synapses of `weight_update`.
fn fan_out_through(
    weight_update: WeightUpdateModel,
    axonal: u32,
    delays: &[u32],
) -> (BuiltNetwork, SynapseGroupId) {
    let mut net = Network::new(0.1);
    let pre = net.add_neuron_population("pre", 1, NeuronModel::Lif(ONCE));
    let n = delays.len() as u32;
    let post = net.add_neuron_population("post", n, NeuronModel::Lif(LifParams::TUTORIAL));
    let group = net.add_synapse_group(SynapseGroup {
        name: "pre_post".into(),
        pre,
        post,
        weight_update,
        postsynaptic: PostsynapticModel::ExpCurr { tau: 1e6 },
        connectivity: Connectivity::FromList {
            pre: vec![0; delays.len()],
            post: (0..n).collect(),
        },
    });
    // One target: an axonal delay; more: each synapse its own on top of `axonal`.
    let delay = match delays {
        [one] => SynapticDelay::axonal(axonal + one),
        _ => SynapticDelay {
            axonal_steps: axonal,
            per_synapse: Some(PerSynapseDelays::Values(delays.to_vec())),
        },
    };
    net.set_synaptic_delay(group, delay).unwrap();
    (net.build(0).unwrap(), group)
}

/// Checks, on `sim`, that target `i` first has input in timestep `1 + arrival[i]`:
/// none after the timesteps up to `arrival[i]` have run, some after the next.
fn assert_arrivals(sim: &mut dyn Simulator, group: SynapseGroupId, arrival: &[u32]) {
    let mut checkpoints: Vec<u64> = arrival
        .iter()
        .flat_map(|&d| [u64::from(d) + 1, u64::from(d) + 2])
        .collect();
    checkpoints.sort_unstable();
    checkpoints.dedup();
    for steps in checkpoints {
        let more = steps - sim.timestep();
        sim.step_time(u32::try_from(more).unwrap()).unwrap();
        let in_syn = sim.read_in_syn(group).unwrap();
        for (i, &d) in arrival.iter().enumerate() {
            // Timesteps 0..steps have run: the spike of timestep 0 arrived if
            // 1 + d <= steps - 1.
            let arrived = u64::from(d) + 2 <= steps;
            assert_eq!(
                in_syn[i] != 0.0,
                arrived,
                "{}: target {i} (delay {d}) after {steps} timesteps: inSyn = {}",
                sim.description(),
                in_syn[i]
            );
        }
    }
}

#[test]
fn an_axonal_delay_delivers_exactly_that_many_timesteps_later() {
    for d in [0, 1, 2, 19, 20, 21, 150, MAX_DELAY_STEPS] {
        let (built, group) = fan_out(d, &[0]);
        assert_eq!(built.synapse_groups[0].delays.min_steps, d);
        common::on_every_backend(&built, SimConfig::default(), |sim| {
            assert_arrivals(sim, group, &[d]);
        });
    }
}

/// GeNN's StaticPulse written as code strings (`library::static_pulse`), every weight
/// `g`: a weight update model that doesn't learn.
fn code_static_pulse(g: f64) -> WeightUpdateModel {
    let model = CodeWeightUpdate::new(library::static_pulse()).init("g", VarInit::Constant(g));
    WeightUpdateModel::Code(model)
}

#[test]
fn an_axonal_delay_on_code_string_synapses_delivers_exactly_that_many_timesteps_later() {
    for d in [0, 1, 2, 150, MAX_DELAY_STEPS] {
        let (built, group) = fan_out_through(code_static_pulse(0.5), d, &[0]);
        common::on_every_backend(&built, SimConfig::default(), |sim| {
            assert_arrivals(sim, group, &[d]);
        });
    }
    // The code runs in the arrival timestep, 1 + 5, and sees its time.
    let model = kenyon::model::code::WeightUpdateModelDef {
        name: "AddTime".into(),
        pre_spike_syn_code: "addToPost(t);".into(),
        ..Default::default()
    };
    let model = CodeWeightUpdate::new(std::sync::Arc::new(model)).max_add_to_post(10.0);
    let (built, group) = fan_out_through(WeightUpdateModel::Code(model), 5, &[0]);
    common::on_every_backend(&built, SimConfig::default(), |sim| {
        sim.step_time(7).unwrap();
        let in_syn = sim.read_in_syn(group).unwrap()[0];
        // inSyn = 0.6 ms, decayed once by exp(-0.1 / 1e6).
        assert!(
            (in_syn - 0.6).abs() < 1e-5,
            "{}: {in_syn}",
            sim.description()
        );
    });
}

#[test]
fn per_synapse_delays_deliver_each_synapse_its_own_timesteps_later() {
    // Listed out of order, with a repeat and a gap, from 0 to the longest allowed.
    let delays = [5, 0, 17, 1, 5, 40, 2, MAX_DELAY_STEPS];
    let (built, group) = fan_out(0, &delays);
    let built_delays = &built.synapse_groups[0].delays;
    assert_eq!(
        (built_delays.min_steps, built_delays.max_steps()),
        (0, MAX_DELAY_STEPS)
    );
    // The row is sorted by delay: inSyn is by target, so the arrivals are the delays.
    common::on_every_backend(&built, SimConfig::default(), |sim| {
        assert_arrivals(sim, group, &delays);
    });
    // An axonal delay adds to each synapse's.
    let delays = [3, 0, 9, 1];
    let (built, group) = fan_out(7, &delays);
    common::on_every_backend(&built, SimConfig::default(), |sim| {
        assert_arrivals(sim, group, &delays.map(|d| d + 7));
    });
}

#[test]
fn a_reset_drops_the_spikes_still_on_their_way() {
    let (built, group) = fan_out(0, &[30, 3]);
    common::on_every_backend(&built, SimConfig::default(), |sim| {
        // Timestep 0's spike has reached the first target, not the second.
        sim.step_time(10).unwrap();
        let in_syn = sim.read_in_syn(group).unwrap();
        assert!(in_syn[1] != 0.0 && in_syn[0] == 0.0, "{in_syn:?}");
        sim.reset().unwrap();
        // After the reset the neuron spikes in timestep 0 again, and only that spike
        // arrives: the one before the reset would have arrived in timestep 30 - 10.
        assert_arrivals(sim, group, &[30, 3]);
    });
}

/// Excitatory and inhibitory LIF populations, recurrently connected with every kind of
/// delay (none, axonal, per synapse, both; constant and per-synapse weights), each
/// neuron driven by its own constant current. `e` has 8192 neurons, so two CPU threads
/// each take a slice of it.
fn recurrent_network() -> (BuiltNetwork, [CurrentSourceId; 2], [PopulationId; 2]) {
    recurrent_network_through(WeightUpdateModel::StaticPulseConstantWeight { g: 0.02 })
}

/// [`recurrent_network`] with its `e -> e` synapses (axonal delay 15) of `e_to_e`.
fn recurrent_network_through(
    e_to_e: WeightUpdateModel,
) -> (BuiltNetwork, [CurrentSourceId; 2], [PopulationId; 2]) {
    let mut net = Network::new(0.1);
    let lif = NeuronModel::Lif(LifParams::TUTORIAL);
    let e = net.add_neuron_population("e", 8192, lif.clone());
    let i = net.add_neuron_population("i", 1024, lif);
    for p in [e, i] {
        net.set_spike_recording(p, true).unwrap();
    }
    let drive = [e, i].map(|p| {
        let name = format!("drive_{}", p.index());
        net.add_current_source(&name, p, CurrentSourceModel::Magnitude { initial: 0.0 })
    });
    let constant = |g| WeightUpdateModel::StaticPulseConstantWeight { g };
    let groups = [
        (
            e,
            e,
            e_to_e,
            Connectivity::FixedProbabilityNoAutapse { p: 0.005 },
        ),
        (
            e,
            i,
            constant(0.03),
            Connectivity::FixedProbability { p: 0.01 },
        ),
        (
            i,
            e,
            weights(1024 * 20),
            Connectivity::FixedNumberTotalWithReplacement { num: 1024 * 20 },
        ),
        (
            i,
            i,
            constant(-0.05),
            Connectivity::FixedNumberPreWithReplacement { num: 8 },
        ),
    ];
    let delays = [
        SynapticDelay::axonal(15),
        SynapticDelay {
            axonal_steps: 2,
            per_synapse: Some(PerSynapseDelays::Uniform { min: 0, max: 30 }),
        },
        SynapticDelay {
            axonal_steps: 0,
            per_synapse: Some(PerSynapseDelays::Uniform { min: 1, max: 8 }),
        },
        SynapticDelay::default(),
    ];
    for ((pre, post, weight_update, connectivity), delay) in groups.into_iter().zip(delays) {
        let g = net.add_synapse_group(SynapseGroup {
            name: format!("{}_{}", pre.index(), post.index()),
            pre,
            post,
            weight_update,
            postsynaptic: PostsynapticModel::ExpCurr { tau: 5.0 },
            connectivity,
        });
        net.set_synaptic_delay(g, delay).unwrap();
    }
    (net.build(3).unwrap(), drive, [e, i])
}

/// `n` inhibitory weights from -0.02 to -0.1 (StaticPulse: each synapse its own).
fn weights(n: usize) -> WeightUpdateModel {
    let g = (0..n)
        .map(|k| -0.02 - 0.08 * (k % 97) as f32 / 96.0)
        .collect();
    WeightUpdateModel::StaticPulse { g }
}

/// Each neuron's drive in batch entry `entry`: around the rheobase (0.1 nA), different
/// per neuron and entry.
fn drive(n: u32, entry: u32) -> Vec<f32> {
    (0..n)
        .map(|k| {
            let h = (k.wrapping_mul(2_654_435_761) ^ entry.wrapping_mul(40_503)) % 1000;
            0.09 + 0.05 * h as f32 / 1000.0
        })
        .collect()
}

/// 400 timesteps of the recurrent network with `entries` as its batch entries' drives.
fn run_recurrent(
    sim: &mut dyn Simulator,
    drives: [CurrentSourceId; 2],
    entries: &[u32],
) -> Recordings {
    let sizes = [8192, 1024];
    for (source, n) in drives.into_iter().zip(sizes) {
        let values: Vec<f32> = entries.iter().flat_map(|&e| drive(n, e)).collect();
        sim.set_magnitude(source, &values).unwrap();
    }
    sim.step_time(400).unwrap();
    sim.take_recording().unwrap()
}

/// Spikes of every recorded population and batch entry.
fn spike_count(recordings: &Recordings) -> u64 {
    let entries = recordings.populations.iter().flatten().flatten();
    entries.map(|r| r.spike_count()).sum()
}

fn config(batch_size: u32, threads: usize) -> SimConfig {
    SimConfig {
        recording_steps: 400,
        batch_size,
        threads,
    }
}

#[test]
fn a_recurrent_network_with_delays_spikes_alike_on_every_backend_batch_and_thread_count() {
    let (built, drives, _) = recurrent_network();
    let mut alone = Vec::new();
    for entry in 0..3 {
        let mut sim = CpuSimulation::new(&built, config(1, 1)).unwrap();
        alone.push(run_recurrent(&mut sim, drives, &[entry]));
    }
    let spikes: u64 = alone.iter().map(spike_count).sum();
    assert!(
        spikes > 10_000,
        "too quiet to show anything: {spikes} spikes"
    );
    let check = |sim: &mut dyn Simulator, what: &str| {
        let batch = run_recurrent(sim, drives, &[0, 1, 2]);
        for (entry, reference) in alone.iter().enumerate() {
            for (p, recordings) in batch.populations.iter().enumerate() {
                let got = &recordings.as_ref().unwrap()[entry];
                let want = &reference.populations[p].as_ref().unwrap()[0];
                assert_eq!(got.bits, want.bits, "{what}: entry {entry}, population {p}");
            }
        }
    };
    check(
        &mut CpuSimulation::new(&built, config(3, 2)).unwrap(),
        "cpu, batch 3",
    );
    // One entry on two threads: each thread a slice of every population.
    let mut two = CpuSimulation::new(&built, config(1, 2)).unwrap();
    let got = run_recurrent(&mut two, drives, &[1]);
    common::assert_same_spikes(&alone[1], &got, "cpu, two threads");
    #[cfg(feature = "gpu")]
    if let Some(ctx) = common::gpu::context() {
        let mut gpu = kenyon::GpuSimulation::new(ctx, &built, config(3, 0)).unwrap();
        check(&mut gpu, "gpu, batch 3");
    }
}

#[test]
fn delayed_code_string_synapses_spike_as_the_static_pulse_on_every_backend_batch_and_thread_count()
{
    // The built-in network's spikes: three entries, and entry 1 alone.
    let (built, drives, _) = recurrent_network();
    let mut sim = CpuSimulation::new(&built, config(3, 1)).unwrap();
    let want = run_recurrent(&mut sim, drives, &[0, 1, 2]);
    let mut sim = CpuSimulation::new(&built, config(1, 1)).unwrap();
    let want_alone = run_recurrent(&mut sim, drives, &[1]);
    // The e -> e group written as code strings, with the same weight and delay.
    let (code, code_drives, _) = recurrent_network_through(code_static_pulse(0.02));
    let mut batch = CpuSimulation::new(&code, config(3, 2)).unwrap();
    let got = run_recurrent(&mut batch, code_drives, &[0, 1, 2]);
    let spikes = common::assert_same_spikes(&want, &got, "cpu, batch 3");
    assert!(
        spikes > 10_000,
        "too quiet to show anything: {spikes} spikes"
    );
    common::on_every_backend(&code, config(1, 1), |sim| {
        let got = run_recurrent(sim, code_drives, &[1]);
        common::assert_same_spikes(&want_alone, &got, &sim.description());
    });
    let mut two = CpuSimulation::new(&code, config(1, 2)).unwrap();
    let got = run_recurrent(&mut two, code_drives, &[1]);
    common::assert_same_spikes(&want_alone, &got, "cpu, two threads");
    #[cfg(feature = "gpu")]
    if let Some(ctx) = common::gpu::context() {
        let mut gpu = kenyon::GpuSimulation::new(ctx, &code, config(3, 0)).unwrap();
        let got = run_recurrent(&mut gpu, code_drives, &[0, 1, 2]);
        common::assert_same_spikes(&want, &got, "gpu, batch 3");
    }
}

#[test]
fn a_feed_forward_network_with_delays_runs_in_blocks_with_the_cpus_spikes() {
    // input -> hidden -> output: blocks of 20 timesteps on the GPU, each group's spikes
    // read from up to 60 timesteps back.
    let mut net = Network::new(0.1);
    let lif = NeuronModel::Lif(LifParams::TUTORIAL);
    let input = net.add_neuron_population("input", 500, lif.clone());
    let hidden = net.add_neuron_population("hidden", 300, lif.clone());
    let output = net.add_neuron_population("output", 40, lif);
    let source = CurrentSourceModel::Magnitude { initial: 0.0 };
    let source = net.add_current_source("drive", input, source);
    for p in [input, hidden, output] {
        net.set_spike_recording(p, true).unwrap();
    }
    let mut connect = |name: &str, pre, post, g: f64, delay| {
        let group = net.add_synapse_group(SynapseGroup {
            name: name.into(),
            pre,
            post,
            weight_update: WeightUpdateModel::StaticPulseConstantWeight { g },
            postsynaptic: PostsynapticModel::ExpCurr { tau: 3.0 },
            connectivity: Connectivity::FixedProbability { p: 0.1 },
        });
        net.set_synaptic_delay(group, delay).unwrap();
    };
    let per_synapse = SynapticDelay {
        axonal_steps: 0,
        per_synapse: Some(PerSynapseDelays::Uniform { min: 0, max: 40 }),
    };
    connect("input_hidden", input, hidden, 0.08, per_synapse);
    connect(
        "hidden_output",
        hidden,
        output,
        0.1,
        SynapticDelay::axonal(20),
    );
    let built = net.build(5).unwrap();
    assert!(built.feed_forward_order().is_some());
    let mut runs = Vec::new();
    common::on_every_backend(&built, config(2, 0), |sim| {
        let values: Vec<f32> = (0..2).flat_map(|e| drive(500, e)).collect();
        sim.set_magnitude(source, &values).unwrap();
        sim.step_time(400).unwrap();
        runs.push(sim.take_recording().unwrap());
    });
    let spikes = spike_count(&runs[0]);
    let output_spikes: u64 = runs[0]
        .get(output)
        .unwrap()
        .iter()
        .map(|r| r.spike_count())
        .sum();
    assert!(
        output_spikes > 0 && spikes > 1000,
        "{spikes} spikes, {output_spikes} output"
    );
    if let [cpu, gpu] = &runs[..] {
        common::assert_same_spikes(cpu, gpu, "feed-forward network with delays");
    }
}

#[test]
fn delays_a_network_cant_have_are_refused_with_the_reason() {
    let build = |weight_update, connectivity, delay| {
        let mut net = Network::new(0.1);
        let lif = NeuronModel::Lif(LifParams::TUTORIAL);
        let pre = net.add_neuron_population("pre", 4, lif.clone());
        let post = net.add_neuron_population("post", 3, lif);
        let group = net.add_synapse_group(SynapseGroup {
            name: "pre_post".into(),
            pre,
            post,
            weight_update,
            postsynaptic: PostsynapticModel::DeltaCurr,
            connectivity,
        });
        net.set_synaptic_delay(group, delay).unwrap();
        net.build(0).map(|_| ()).map_err(Box::new)
    };
    let constant = || WeightUpdateModel::StaticPulseConstantWeight { g: 0.1 };
    let dense = || Connectivity::Dense;
    let values = |v: Vec<u32>| SynapticDelay {
        axonal_steps: 0,
        per_synapse: Some(PerSynapseDelays::Values(v)),
    };
    // The longest allowed is accepted; one more, axonal or in sum, is not.
    build(constant(), dense(), SynapticDelay::axonal(MAX_DELAY_STEPS)).unwrap();
    let too_long = SynapticDelay {
        axonal_steps: MAX_DELAY_STEPS,
        per_synapse: Some(PerSynapseDelays::Uniform { min: 0, max: 1 }),
    };
    let err = build(constant(), dense(), too_long).unwrap_err();
    assert!(
        matches!(*err, ModelError::DelayTooLong { steps, .. } if steps == 4096),
        "{err}"
    );
    assert!(
        err.to_string().contains("pre_post") && err.to_string().contains("4095"),
        "{err}"
    );
    let err = build(constant(), dense(), SynapticDelay::axonal(u32::MAX)).unwrap_err();
    assert!(matches!(*err, ModelError::DelayTooLong { .. }), "{err}");
    // A list of delays needs one per synapse, and synapses the description fixes.
    let err = build(constant(), dense(), values(vec![1; 11])).unwrap_err();
    assert!(
        err.to_string()
            .contains("11 per-synapse delays were given for 12"),
        "{err}"
    );
    build(constant(), dense(), values(vec![1; 12])).unwrap();
    let random = Connectivity::FixedProbability { p: 0.5 };
    let err = build(constant(), random, values(vec![1; 12])).unwrap_err();
    assert!(
        err.to_string().contains("PerSynapseDelays::Uniform"),
        "{err}"
    );
    let backwards = SynapticDelay {
        axonal_steps: 0,
        per_synapse: Some(PerSynapseDelays::Uniform { min: 5, max: 4 }),
    };
    let err = build(constant(), dense(), backwards).unwrap_err();
    assert!(err.to_string().contains("from 5 to 4"), "{err}");
    // Learning synapses take an axonal delay, not per-synapse delays that differ.
    let stdp = || WeightUpdateModel::StdpSymmetric(kenyon::tutorial::KC_MBON_STDP);
    build(stdp(), dense(), SynapticDelay::axonal(1)).unwrap();
    let per_synapse = || SynapticDelay {
        axonal_steps: 1,
        per_synapse: Some(PerSynapseDelays::Uniform { min: 0, max: 2 }),
    };
    let err = build(stdp(), dense(), per_synapse()).unwrap_err();
    assert!(
        err.to_string()
            .contains("learning synapse group takes one delay"),
        "{err}"
    );
    // Code strings: an axonal delay, learning or not, but not per synapse, nor where
    // presynaptic variables would be updated before the spikes arrive.
    build(code_static_pulse(0.1), dense(), SynapticDelay::axonal(3)).unwrap();
    let params = kenyon::tutorial::KC_MBON_STDP;
    let code_stdp = || WeightUpdateModel::Code(library::stdp_symmetric_from(&params));
    build(code_stdp(), dense(), SynapticDelay::axonal(1)).unwrap();
    let err = build(code_stdp(), dense(), per_synapse()).unwrap_err();
    assert!(err.to_string().contains("SynapticDelay::axonal"), "{err}");
    let err = build(code_static_pulse(0.1), dense(), per_synapse()).unwrap_err();
    assert!(err.to_string().contains("SynapticDelay::axonal"), "{err}");
    let additive = crate::weight_update_code_gpu::additive(VarInit::Constant(0.5));
    let additive = || WeightUpdateModel::Code(additive.clone());
    let err = build(additive(), dense(), SynapticDelay::axonal(2)).unwrap_err();
    assert!(err.to_string().contains("presynaptic variables"), "{err}");
    build(additive(), dense(), SynapticDelay::default()).unwrap();
    // Listed per synapse but all alike, they are one delay.
    build(code_static_pulse(0.1), dense(), values(vec![4; 12])).unwrap();
    // A handle of another network is refused.
    let mut other = Network::new(0.1);
    let p = other.add_neuron_population("p", 1, NeuronModel::Lif(LifParams::TUTORIAL));
    let foreign = other.add_synapse_group(SynapseGroup {
        name: "p_p".into(),
        pre: p,
        post: p,
        weight_update: constant(),
        postsynaptic: PostsynapticModel::DeltaCurr,
        connectivity: Connectivity::OneToOne,
    });
    let mut net = Network::new(0.1);
    let err = net
        .set_synaptic_delay(foreign, SynapticDelay::axonal(1))
        .unwrap_err();
    assert!(matches!(err, ModelError::ForeignHandle { .. }), "{err}");
}

#[test]
fn per_synapse_delays_read_back_in_the_built_order_and_a_stale_table_is_refused() {
    let delays = [3, 0, 2, 1, 3];
    let (mut built, group) = fan_out(2, &delays);
    let g = &built.synapse_groups[group.index()];
    // Rows are sorted by delay: the targets and the delays read back say which is which.
    let steps = g.delays.per_synapse_steps(&g.connectivity);
    let by_target: Vec<(u32, u32)> = g.connectivity.targets.iter().copied().zip(steps).collect();
    let mut expected: Vec<(u32, u32)> = (0..5).map(|i| (i, 2 + delays[i as usize])).collect();
    expected.sort_by_key(|&(_, d)| d);
    let mut got = by_target.clone();
    got.sort_by_key(|&(t, d)| (d, t));
    expected.sort_by_key(|&(t, d)| (d, t));
    assert_eq!(got, expected);
    assert!(
        by_target.windows(2).all(|w| w[0].1 <= w[1].1),
        "{by_target:?}"
    );
    // Replacing the built connectivity leaves the table behind: refused, not a panic.
    built.synapse_groups[group.index()]
        .connectivity
        .targets
        .pop();
    built.synapse_groups[group.index()].connectivity.row_start[1] -= 1;
    let Err(err) = CpuSimulation::new(&built, config(1, 1)) else {
        panic!("a stale delay table was accepted");
    };
    assert!(
        err.to_string().contains("don't match its connectivity"),
        "{err}"
    );
}
