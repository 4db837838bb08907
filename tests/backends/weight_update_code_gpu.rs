//! Weight-update models written as code strings on the GPU: the library's StaticPulse
//! gives the built-in StaticPulse's spikes and input, additive trace STDP gives the CPU's
//! spikes, traces and weights bit for bit (and follows its rule replayed on the host from
//! the GPU's own traces), the synapse functions see the times, spike times and spikes the
//! CPU's do, and an addToPost beyond the group's bound is reported naming the group.

use crate::common;

use kenyon::model::code::{CodeNeuron, CodeWeightUpdate, Var, VarInit, WeightUpdateModelDef};
use kenyon::model::library;
use kenyon::{
    BackendChoice, BuiltNetwork, Connectivity, LifParams, Network, NeuronModel, PopulationId,
    PostsynapticModel, SimConfig, SimError, Simulator, SynapseGroup, SynapseGroupId,
    WeightUpdateModel,
};

/// `net` on the GPU, or None where there is none (never in CI, where that fails).
fn gpu(net: &BuiltNetwork, config: SimConfig) -> Option<Box<dyn Simulator>> {
    common::gpu_available().then(|| kenyon::load(net, BackendChoice::Gpu, None, config).unwrap())
}

fn cpu(net: &BuiltNetwork, config: SimConfig) -> Box<dyn Simulator> {
    kenyon::load(net, BackendChoice::Cpu, None, config).unwrap()
}

fn poisson(rate: f64) -> NeuronModel {
    NeuronModel::Code(CodeNeuron::new(library::poisson()).init("rate", VarInit::Constant(rate)))
}

/// Deterministic weights of very different sizes, some negative.
fn weights(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 37 % 101) as f32 - 30.0) * 0.003)
        .collect()
}

/// Poisson neurons into LIF neurons through `weight_update`, both recorded.
fn driven(weight_update: WeightUpdateModel) -> (BuiltNetwork, SynapseGroupId) {
    let mut net = Network::new(0.1);
    let pre = net.add_neuron_population("pre", 100, poisson(40.0));
    let post = net.add_neuron_population("post", 50, NeuronModel::Lif(LifParams::TUTORIAL));
    net.set_spike_recording(pre, true).unwrap();
    net.set_spike_recording(post, true).unwrap();
    let syn = net.add_synapse_group(SynapseGroup {
        name: "syn".into(),
        pre,
        post,
        weight_update,
        postsynaptic: PostsynapticModel::ExpCurr { tau: 5.0 },
        connectivity: Connectivity::Dense,
    });
    (net.build(3).unwrap(), syn)
}

/// Spikes of `steps` timesteps in chunks, and the final input, of `sim`.
fn run(sim: &mut dyn Simulator, group: SynapseGroupId, steps: u32) -> (Vec<u32>, Vec<f32>) {
    let mut bits = Vec::new();
    for _ in 0..steps / 100 {
        sim.step_time(100).unwrap();
        for entries in sim
            .take_recording()
            .unwrap()
            .populations
            .into_iter()
            .flatten()
        {
            bits.extend(entries.into_iter().flat_map(|r| r.bits));
        }
    }
    (bits, sim.read_in_syn(group).unwrap())
}

#[test]
fn static_pulse_code_gives_the_built_in_static_pulses_spikes_on_the_gpu() {
    let g = weights(5000);
    let (builtin, b_syn) = driven(WeightUpdateModel::StaticPulse { g: g.clone() });
    let (code, c_syn) = driven(WeightUpdateModel::Code(library::static_pulse_from(&g)));
    let config = SimConfig {
        batch_size: 3,
        recording_steps: 100,
        ..SimConfig::default()
    };
    let Some(mut gpu_code) = gpu(&code, config) else {
        return;
    };
    let want = run(cpu(&builtin, config).as_mut(), b_syn, 1000);
    let got = run(gpu_code.as_mut(), c_syn, 1000);
    let spikes: u32 = want.0.iter().map(|w| w.count_ones()).sum();
    assert!(spikes > 1000, "the network spikes: {spikes}");
    assert_eq!(got.0, want.0, "spikes");
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&got.1), bits(&want.1), "inSyn");
    // The weights read back as the synapse variable g, and as the group's weights.
    assert_eq!(gpu_code.read_weights(c_syn).unwrap(), g);
    let g_bits = gpu_code.read_synapse_var_bits(c_syn, "g").unwrap();
    assert_eq!(g_bits, bits(&g));
}

#[test]
fn static_pulse_code_gives_the_same_spikes_on_the_cpu_and_the_gpu() {
    let g = weights(5000);
    let (code, syn) = driven(WeightUpdateModel::Code(library::static_pulse_from(&g)));
    let config = SimConfig {
        batch_size: 3,
        recording_steps: 100,
        ..SimConfig::default()
    };
    let Some(mut on_gpu) = gpu(&code, config) else {
        return;
    };
    let want = run(cpu(&code, config).as_mut(), syn, 1000);
    let got = run(on_gpu.as_mut(), syn, 1000);
    assert!(got.0 == want.0, "spikes differ");
    assert!(got.1 == want.1, "inSyn differs");
}

/// The library's additive STDP with its guide's parameters, weights starting as `g`.
pub(crate) fn additive(g: VarInit) -> CodeWeightUpdate {
    CodeWeightUpdate::new(library::stdp_additive())
        .param("tauPlus", 20.0)
        .param("tauMinus", 20.0)
        .param("Aplus", 0.01)
        .param("Aminus", 0.012)
        .param("wMin", 0.0)
        .param("wMax", 1.0)
        .init("g", g)
        .pre_init("preTrace", VarInit::Constant(0.0))
        .post_init("postTrace", VarInit::Constant(0.0))
        .max_add_to_post(1.0)
}

/// Poisson neurons joined all to all by additive STDP, both recorded.
fn plastic() -> (BuiltNetwork, [PopulationId; 2], SynapseGroupId) {
    let mut net = Network::new(1.0);
    let pre = net.add_neuron_population("pre", 30, poisson(60.0));
    let post = net.add_neuron_population("post", 20, poisson(40.0));
    net.set_spike_recording(pre, true).unwrap();
    net.set_spike_recording(post, true).unwrap();
    let syn = net.add_synapse_group(SynapseGroup {
        name: "syn".into(),
        pre,
        post,
        weight_update: WeightUpdateModel::Code(additive(VarInit::Uniform { min: 0.2, max: 0.8 })),
        postsynaptic: PostsynapticModel::ExpCurr { tau: 5.0 },
        connectivity: Connectivity::Dense,
    });
    (net.build(5).unwrap(), [pre, post], syn)
}

/// Everything a plastic run leaves: spikes, both traces' bits, the weights' bits.
fn plastic_state(
    sim: &mut dyn Simulator,
    pops: [PopulationId; 2],
    syn: SynapseGroupId,
) -> Vec<Vec<u32>> {
    sim.step_time(1000).unwrap();
    let mut spikes = Vec::new();
    for entries in sim
        .take_recording()
        .unwrap()
        .populations
        .into_iter()
        .flatten()
    {
        spikes.extend(entries.into_iter().flat_map(|r| r.bits));
    }
    vec![
        spikes,
        sim.read_var_bits(pops[0], "syn.preTrace").unwrap(),
        sim.read_var_bits(pops[1], "syn.postTrace").unwrap(),
        sim.read_synapse_var_bits(syn, "g").unwrap(),
    ]
}

#[test]
fn additive_stdp_gives_the_cpus_spikes_traces_and_weights_bit_for_bit() {
    let (net, pops, syn) = plastic();
    let config = SimConfig {
        recording_steps: 1000,
        ..SimConfig::default()
    };
    let Some(mut on_gpu) = gpu(&net, config) else {
        return;
    };
    let want = plastic_state(cpu(&net, config).as_mut(), pops, syn);
    let got = plastic_state(on_gpu.as_mut(), pops, syn);
    for (what, (w, g)) in ["spikes", "preTrace", "postTrace", "g"]
        .iter()
        .zip(want.iter().zip(&got))
    {
        // Not assert_eq: thousands of words would bury the message.
        let differ = w.iter().zip(g).filter(|(w, g)| w != g).count();
        assert!(
            w.len() == g.len() && differ == 0,
            "{what}: {differ} words differ"
        );
    }
    let weights = on_gpu.read_weights(syn).unwrap();
    assert_eq!(
        weights.iter().map(|w| w.to_bits()).collect::<Vec<_>>(),
        got[3]
    );
}

#[test]
fn additive_stdp_on_the_gpu_follows_its_rule_replayed_from_the_gpus_traces() {
    let (net, pops, syn) = plastic();
    let config = SimConfig {
        recording_steps: 1,
        ..SimConfig::default()
    };
    let Some(mut sim) = gpu(&net, config) else {
        return;
    };
    let f = |bits: Vec<u32>| bits.into_iter().map(f32::from_bits).collect::<Vec<f32>>();
    let mut g = f(sim.read_synapse_var_bits(syn, "g").unwrap());
    let (n_pre, n_post) = (30usize, 20usize);
    // The previous timestep's spikes and the traces after it.
    let (mut pre_spikes, mut post_spikes) = (Vec::new(), Vec::new());
    let (mut pre_trace, mut post_trace) = (vec![0.0f32; n_pre], vec![0.0f32; n_post]);
    let (mut depressed, mut potentiated) = (0, 0);
    for _ in 0..400 {
        sim.step_time(1).unwrap();
        // This timestep's synapse update, as the model's code says it.
        for &pre in &pre_spikes {
            for (post, trace) in post_trace.iter().enumerate() {
                let j = pre as usize * n_post + post;
                g[j] = 0.0f32.max(g[j] - 0.012f32 * trace);
                depressed += 1;
            }
        }
        for &post in &post_spikes {
            for (pre, trace) in pre_trace.iter().enumerate() {
                let j = pre * n_post + post as usize;
                g[j] = 1.0f32.min(g[j] + 0.01f32 * trace);
                potentiated += 1;
            }
        }
        let recording = sim.take_recording().unwrap();
        let ids = |p: usize| recording.populations[p].as_ref().unwrap()[0].decode().1;
        (pre_spikes, post_spikes) = (ids(0), ids(1));
        pre_trace = f(sim.read_var_bits(pops[0], "syn.preTrace").unwrap());
        post_trace = f(sim.read_var_bits(pops[1], "syn.postTrace").unwrap());
    }
    assert!(
        depressed > 1000 && potentiated > 1000,
        "{depressed} {potentiated}"
    );
    let got = f(sim.read_synapse_var_bits(syn, "g").unwrap());
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&got), bits(&g));
}

/// A model that counts its synapse's presynaptic and postsynaptic spikes and keeps what
/// its last presynaptic one saw: the time and both neurons' latest spike times.
fn probe() -> CodeWeightUpdate {
    let var = |name: &str| Var::f32(name);
    let model = WeightUpdateModelDef {
        name: "Probe".into(),
        vars: vec![
            var("g").read_only(),
            var("n_pre"),
            var("n_post"),
            var("seen_t"),
            var("seen_st_pre"),
            var("seen_st_post"),
        ],
        pre_spike_syn_code: "addToPost(g);\nn_pre += 1.0;\nseen_t = t;\n\
                             seen_st_pre = st_pre;\nseen_st_post = st_post;"
            .into(),
        post_spike_syn_code: "n_post += 1.0;".into(),
        ..Default::default()
    };
    let zero = || VarInit::Constant(0.0);
    CodeWeightUpdate::new(std::sync::Arc::new(model))
        .init("g", VarInit::Constant(0.25))
        .init("n_pre", zero())
        .init("n_post", zero())
        .init("seen_t", zero())
        .init("seen_st_pre", zero())
        .init("seen_st_post", zero())
        .max_add_to_post(1.0)
}

/// Spike sources at these times (ms, dt 1) joined by `model` all to all.
fn sources(
    model: CodeWeightUpdate,
    pre: &[Vec<f32>],
    post: &[Vec<f32>],
) -> (BuiltNetwork, SynapseGroupId) {
    let mut net = Network::new(1.0);
    let source = |times: &[Vec<f32>]| NeuronModel::Code(library::spike_source_array_from(times));
    let p = net.add_neuron_population("pre", pre.len() as u32, source(pre));
    let q = net.add_neuron_population("post", post.len() as u32, source(post));
    net.set_spike_recording(p, true).unwrap();
    net.set_spike_recording(q, true).unwrap();
    let syn = net.add_synapse_group(SynapseGroup {
        name: "syn".into(),
        pre: p,
        post: q,
        weight_update: WeightUpdateModel::Code(model),
        postsynaptic: PostsynapticModel::ExpCurr { tau: 5.0 },
        connectivity: Connectivity::Dense,
    });
    (net.build(1).unwrap(), syn)
}

#[test]
fn synapse_code_sees_the_time_spike_times_and_spikes_on_the_gpu() {
    let pre = [vec![2.0f32, 7.0], vec![4.0], vec![]];
    let post = [vec![3.0f32, 5.0, 9.0], vec![6.0]];
    let (net, syn) = sources(probe(), &pre, &post);
    let config = SimConfig {
        recording_steps: 20,
        ..SimConfig::default()
    };
    let Some(mut sim) = gpu(&net, config) else {
        return;
    };
    sim.step_time(12).unwrap();
    let recording = sim.take_recording().unwrap();
    let spikes = |p: usize| recording.populations[p].as_ref().unwrap()[0].decode();
    let (pre_spikes, post_spikes) = (spikes(0), spikes(1));
    // Each spike of timesteps 0..11 is seen in the next timestep's synapse update.
    let of = |(times, ids): &(Vec<f32>, Vec<u32>), n: u32| -> Vec<f32> {
        ids.iter()
            .zip(times)
            .filter(|(i, _)| **i == n)
            .map(|(_, &t)| t)
            .collect()
    };
    let read = |sim: &mut Box<dyn Simulator>, name| sim.read_synapse_var(syn, name).unwrap();
    let n_pre = read(&mut sim, "n_pre");
    let n_post = read(&mut sim, "n_post");
    let seen_t = read(&mut sim, "seen_t");
    let seen_st_pre = read(&mut sim, "seen_st_pre");
    let seen_st_post = read(&mut sim, "seen_st_post");
    for i in 0..3u32 {
        for k in 0..2u32 {
            let j = (i * 2 + k) as usize;
            let pre_times = of(&pre_spikes, i);
            let post_times = of(&post_spikes, k);
            assert_eq!(pre_times.len(), pre[i as usize].len(), "pre {i} spikes");
            assert_eq!(n_pre[j], pre_times.len() as f32, "synapse {j}");
            assert_eq!(n_post[j], post_times.len() as f32, "synapse {j}");
            let Some(&last) = pre_times.last() else {
                assert_eq!(seen_t[j], 0.0);
                continue;
            };
            // The update after the spike: its time, the spike's, and the post's latest.
            assert_eq!(seen_t[j], last + 1.0, "synapse {j}");
            assert_eq!(seen_st_pre[j], last, "synapse {j}");
            let st_post = post_times
                .iter()
                .copied()
                .filter(|&t| t <= last)
                .fold(kenyon::model::NEVER_SPIKED, f32::max);
            assert_eq!(seen_st_post[j], st_post, "synapse {j}");
        }
    }
}

/// addToPost(4 g): beyond the bound of 1 for g = 0.5.
fn too_large() -> CodeWeightUpdate {
    let model = WeightUpdateModelDef {
        name: "TooLarge".into(),
        vars: vec![Var::f32("g").read_only()],
        pre_spike_syn_code: "addToPost(g * 4.0);".into(),
        ..Default::default()
    };
    CodeWeightUpdate::new(std::sync::Arc::new(model))
        .init("g", VarInit::Constant(0.5))
        .max_add_to_post(1.0)
}

/// The GPU (where there is one) and the CPU.
fn every_backend(net: &BuiltNetwork, config: SimConfig) -> Vec<Box<dyn Simulator>> {
    gpu(net, config)
        .into_iter()
        .chain([cpu(net, config)])
        .collect()
}

/// The error of 10 timesteps: the CPU reports it from the run, the GPU from the next
/// read.
fn first_error(sim: &mut dyn Simulator, syn: SynapseGroupId) -> SimError {
    let run = sim
        .step_time(10)
        .and_then(|()| sim.read_in_syn(syn).map(drop));
    match run {
        Err(e) => e,
        Ok(()) => panic!(
            "{}: an input beyond the bound is refused",
            sim.description()
        ),
    }
}

fn is_out_of_range(e: &SimError) -> bool {
    matches!(
        e,
        SimError::AddToPostOutOfRange { group, value, max }
            if group == "syn" && *value == 2.0 && *max == 1.0
    )
}

#[test]
fn add_to_post_beyond_the_bound_is_reported_naming_the_group() {
    let (net, syn) = sources(too_large(), &[vec![2.0]], &[vec![]]);
    let config = SimConfig {
        recording_steps: 20,
        ..SimConfig::default()
    };
    for mut sim in every_backend(&net, config) {
        let e = first_error(sim.as_mut(), syn);
        assert!(is_out_of_range(&e), "{}: {e}", sim.description());
    }
}

#[test]
fn the_gpu_reports_an_add_to_post_beyond_the_bound_once_from_any_read() {
    let (net, syn) = sources(too_large(), &[vec![2.0, 12.0]], &[vec![]]);
    let config = SimConfig {
        recording_steps: 20,
        ..SimConfig::default()
    };
    let Some(mut sim) = gpu(&net, config) else {
        return;
    };
    sim.step_time(10).unwrap();
    let e = sim
        .take_recording()
        .expect_err("reported with the recording");
    assert!(is_out_of_range(&e), "{e}");
    // Reported once, and the input was left out.
    assert_eq!(sim.read_in_syn(syn).unwrap(), vec![0.0]);
    sim.step_time(10).unwrap();
    let e = sim
        .read_synapse_var_bits(syn, "g")
        .expect_err("a later one is reported");
    assert!(is_out_of_range(&e), "{e}");
    assert_eq!(sim.read_weights(syn).unwrap(), vec![0.5]);
}

#[test]
fn a_nan_add_to_post_is_reported_too() {
    let model = WeightUpdateModelDef {
        name: "NotANumber".into(),
        vars: vec![Var::f32("g").read_only()],
        pre_spike_syn_code: "addToPost(g / g);".into(),
        ..Default::default()
    };
    let nan = CodeWeightUpdate::new(std::sync::Arc::new(model))
        .init("g", VarInit::Constant(0.0))
        .max_add_to_post(1.0);
    let (net, syn) = sources(nan, &[vec![2.0]], &[vec![]]);
    let config = SimConfig {
        recording_steps: 20,
        ..SimConfig::default()
    };
    for mut sim in every_backend(&net, config) {
        let e = first_error(sim.as_mut(), syn);
        let nan = matches!(e, SimError::AddToPostOutOfRange { ref group, value, .. }
            if group == "syn" && value.is_nan());
        assert!(nan, "{}: {e}", sim.description());
    }
}

#[test]
fn a_reset_on_the_gpu_keeps_synapse_variables_and_forgets_the_rest() {
    let g = weights(5000);
    let (code, syn) = driven(WeightUpdateModel::Code(library::static_pulse_from(&g)));
    let config = SimConfig {
        batch_size: 2,
        recording_steps: 100,
        ..SimConfig::default()
    };
    let Some(mut sim) = gpu(&code, config) else {
        return;
    };
    let first = run(sim.as_mut(), syn, 500);
    sim.reset().unwrap();
    assert_eq!(run(sim.as_mut(), syn, 500), first, "the same run again");
    // A plastic group's learnt weights stay; its traces start again.
    let (net, pops, syn) = plastic();
    let config = SimConfig {
        recording_steps: 1000,
        ..SimConfig::default()
    };
    let Some(mut sim) = gpu(&net, config) else {
        return;
    };
    let initial = sim.read_synapse_var_bits(syn, "g").unwrap();
    let learnt = plastic_state(sim.as_mut(), pops, syn).pop().unwrap();
    assert_ne!(learnt, initial);
    sim.reset().unwrap();
    assert_eq!(sim.read_synapse_var_bits(syn, "g").unwrap(), learnt);
    let traces = sim.read_var(pops[0], "syn.preTrace").unwrap();
    assert!(traces.iter().all(|&x| x == 0.0));
}
