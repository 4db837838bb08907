//! kenyon's reset returns a network to its initial state, spikes still in flight
//! included (GeNN's leaves the last timestep's spikes to be delivered after the reset;
//! see docs/validation.md). So a stimulus gives the same spikes whatever came before it.

use crate::common;
use kenyon::io::mnist;
use kenyon::model::{
    BuiltNetwork, Connectivity, CurrentSourceModel, LifParams, Network, NeuronModel,
    PostsynapticModel, SynapseGroup, WeightUpdateModel,
};
use kenyon::{SimConfig, Simulator, StateVar, tutorial};

/// `check` on every backend, with the default configuration.
fn each_backend(built: &BuiltNetwork, check: impl FnMut(&mut dyn Simulator)) {
    common::on_every_backend(built, SimConfig::default(), check);
}

#[test]
fn a_spike_of_the_last_step_before_reset_is_never_delivered() {
    // A presynaptic neuron whose threshold is below its reset potential spikes on every
    // timestep it is not refractory, so it spikes at step 0 of every run.
    let mut net = Network::new(0.1);
    let eager = LifParams {
        v_thresh: -70.0,
        ..LifParams::TUTORIAL
    };
    let pre = net.add_neuron_population("pre", 1, NeuronModel::Lif(eager));
    let post = net.add_neuron_population("post", 1, NeuronModel::Lif(LifParams::TUTORIAL));
    net.set_spike_recording(pre, true).unwrap();
    let group = net.add_synapse_group(SynapseGroup {
        name: "pre_post".into(),
        pre,
        post,
        weight_update: WeightUpdateModel::StaticPulseConstantWeight { g: 0.5 },
        postsynaptic: PostsynapticModel::ExpCurr { tau: 3.0 },
        connectivity: Connectivity::FixedNumberPreWithReplacement { num: 1 },
    });
    let built = net.build(0).unwrap();
    each_backend(&built, |sim| {
        sim.step_time(1).unwrap();
        let rec = sim.take_recording().unwrap();
        assert!(
            rec.get(pre).unwrap()[0].spiked(0, 0),
            "{}: no spike at step 0",
            sim.description()
        );
        sim.reset().unwrap();
        assert_eq!(sim.timestep(), 0);
        // Without the reset clearing it, step 0 would deliver the spike: inSyn = g * expDecay.
        sim.step_time(1).unwrap();
        assert_eq!(
            sim.read_in_syn(group).unwrap(),
            vec![0.0],
            "{}: a pending spike survived reset",
            sim.description()
        );
        assert_eq!(sim.read_state(post, StateVar::V).unwrap(), vec![-60.0]);
        // The spike of this new step 0 is delivered at step 1, as usual.
        sim.step_time(1).unwrap();
        assert!(
            sim.read_in_syn(group).unwrap()[0] > 0.4,
            "{}",
            sim.description()
        );
    });
}

#[test]
fn an_image_gives_the_same_spikes_after_any_other_image() {
    let mb = tutorial::mushroom_body();
    let built = mb.network.build(11).unwrap();
    let data = mnist::load(&mnist::default_dir(), mnist::Split::Train).unwrap();
    let currents =
        |i: usize| mnist::input_currents(data.images.image(i).unwrap(), mnist::INPUT_SCALE);
    let (a, b) = (currents(1), currents(3));
    each_backend(&built, |sim| {
        let fresh = tutorial::present(sim, &mb, &b).unwrap();
        tutorial::present(sim, &mb, &a).unwrap();
        let after_a = tutorial::present(sim, &mb, &b).unwrap();
        assert_eq!(fresh.kc.bits, after_a.kc.bits, "{}", sim.description());
        assert_eq!(fresh.pn.bits, after_a.pn.bits, "{}", sim.description());
        assert!(fresh.kc.active_neurons() > 500);
    });
}

#[test]
fn magnitudes_persist_across_reset_until_set_again() {
    // The tutorial sets the input once per image, after the reset; the reset must not
    // clear it (it is a current source's parameter, not network state).
    let mut net = Network::new(0.1);
    let p = net.add_neuron_population("p", 2, NeuronModel::Lif(LifParams::TUTORIAL));
    let cs = net.add_current_source("cs", p, CurrentSourceModel::Magnitude { initial: 0.0 });
    let built = net.build(0).unwrap();
    each_backend(&built, |sim| {
        sim.set_magnitude(cs, &[0.05, 0.0]).unwrap();
        sim.step_time(10).unwrap();
        let before = sim.read_state(p, StateVar::V).unwrap();
        sim.reset().unwrap();
        sim.take_recording().unwrap();
        sim.step_time(10).unwrap();
        assert_eq!(
            sim.read_state(p, StateVar::V).unwrap(),
            before,
            "{}",
            sim.description()
        );
        assert!(before[0] > -60.0 && before[1] == -60.0);
    });
}
