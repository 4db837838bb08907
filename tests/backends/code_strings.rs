//! Models written as code strings run the same arithmetic as the built-in ones on both
//! backends: the tutorial's networks with every LIF and IF population replaced by the
//! model library's code-string entries give exactly the built-in run's spikes, on the
//! CPU and on the GPU.

use crate::common;

use kenyon::io::mnist;
use kenyon::tutorial::{self, MushroomBody, StimulusResponse};
use kenyon::{BuiltNetwork, CpuSimulation, SimConfig, Simulator};

/// Each population's spikes (times and neurons) in one response.
type Spikes = Vec<(Vec<f32>, Vec<u32>)>;

fn spikes(r: &StimulusResponse) -> Spikes {
    [Some(&r.pn), Some(&r.kc), r.ggn.as_ref(), r.mbon.as_ref()]
        .into_iter()
        .flatten()
        .map(|s| s.decode())
        .collect()
}

/// The spikes of `sim` for the first `images` training images.
fn responses(sim: &mut dyn Simulator, mb: &MushroomBody, images: usize) -> Vec<Spikes> {
    let data = mnist::load(&common::repository_mnist(), mnist::Split::Train).unwrap();
    (0..images)
        .map(|i| {
            let currents = mnist::input_currents(data.images.image(i).unwrap(), mnist::INPUT_SCALE);
            spikes(&tutorial::present(sim, mb, &currents).unwrap())
        })
        .collect()
}

/// The CPU running `built`'s code strings as machine code (checked to, on CI, where a C
/// compiler must be), and through the interpreter.
fn cpu_both_ways(built: &BuiltNetwork) -> [CpuSimulation; 2] {
    let compiled = CpuSimulation::new(built, SimConfig::default()).unwrap();
    if common::compiler_required() {
        for (population, why) in compiled.code_compiled() {
            assert!(why.is_none(), "{population} is interpreted: {why:?}");
        }
    }
    let mut interpreted = CpuSimulation::new(built, SimConfig::default()).unwrap();
    interpreted.interpret_code_strings();
    assert!(interpreted.code_compiled().all(|(_, why)| why.is_some()));
    [compiled, interpreted]
}

/// Every backend's responses to a few images of `mb`'s network (the CPU's twice: its
/// code strings compiled and interpreted).
fn every_backend(built: &BuiltNetwork, mb: &MushroomBody) -> Vec<Vec<Spikes>> {
    let mut sims: Vec<Box<dyn Simulator>> = cpu_both_ways(built)
        .into_iter()
        .map(|cpu| Box::new(cpu) as Box<dyn Simulator>)
        .collect();
    #[cfg(feature = "gpu")]
    for strategy in common::gpu::strategies() {
        sims.push(Box::new(common::gpu::simulation(
            strategy,
            built,
            SimConfig::default(),
        )));
    }
    sims.iter_mut()
        .map(|sim| responses(sim.as_mut(), mb, 4))
        .collect()
}

fn check_part(builtin: MushroomBody) {
    let code = tutorial::with_code_string_models(builtin.clone());
    let built = builtin.network.build(1).unwrap();
    let built_code = code.network.build(1).unwrap();
    let want = every_backend(&built, &builtin);
    let got = every_backend(&built_code, &code);
    assert_eq!(want.len(), got.len());
    let reference = &want[0];
    assert!(
        reference.iter().all(|r| !r[1].1.is_empty()),
        "the KCs spike"
    );
    for (backend, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(w, reference, "built-in, backend {backend}");
        assert_eq!(g, reference, "code strings, backend {backend}");
    }
}

#[test]
fn tutorial_part_2_from_code_strings_gives_the_built_in_spikes_on_every_backend() {
    check_part(tutorial::mushroom_body());
}

#[test]
fn tutorial_part_3_from_code_strings_gives_the_built_in_spikes_on_every_backend() {
    check_part(tutorial::mushroom_body_with_gain_control());
}

/// The spikes and learned KC -> MBON weights of `sim` after training on the first
/// `images` images.
fn training(sim: &mut dyn Simulator, mb: &MushroomBody, images: usize) -> (Vec<Spikes>, Vec<f32>) {
    let data = mnist::load(&common::repository_mnist(), mnist::Split::Train).unwrap();
    let spikes = (0..images)
        .map(|i| {
            let currents = mnist::input_currents(data.images.image(i).unwrap(), mnist::INPUT_SCALE);
            let label = data.labels[i];
            spikes(&tutorial::present_training(sim, mb, &currents, label).unwrap())
        })
        .collect();
    let output = mb.output.expect("a training network has output neurons");
    (spikes, sim.read_weights(output.kc_mbon).unwrap())
}

#[test]
fn tutorial_part_4_training_from_code_strings_learns_the_built_in_weights_on_every_backend() {
    let builtin = tutorial::mushroom_body_for_training();
    let code = tutorial::with_code_string_models(builtin.clone());
    assert!(
        code.network
            .synapse_groups
            .iter()
            .any(|s| matches!(s.weight_update, kenyon::model::WeightUpdateModel::Code(_)))
    );
    let mut runs = Vec::new();
    for mb in [&builtin, &code] {
        let built = mb.network.build(1).unwrap();
        common::on_every_backend(&built, SimConfig::default(), |sim| {
            runs.push((training(sim, mb, 3), sim.description()));
        });
    }
    let ((spikes, weights), _) = &runs[0];
    assert!(weights.iter().any(|&g| g > 0.0), "the weights learn");
    for ((s, g), backend) in &runs {
        assert_eq!(s, spikes, "{backend}");
        // The rule's exp is the driver's on a GPU: the same to f32 rounding.
        let worst = common::largest_difference(g, weights);
        assert!(worst <= 1e-8, "{backend}: weights differ by {worst}");
    }
    // On the CPU, both run the same arithmetic: the same bits.
    let cpu_code = runs.len() / 2;
    let bits = |g: &[f32]| g.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(&runs[cpu_code].0.1),
        bits(weights),
        "{}",
        runs[cpu_code].1
    );
}

#[test]
fn code_lifs_take_built_in_exp_curr_as_built_in_lifs_compiled_interpreted_and_on_every_backend() {
    use kenyon::model::{Connectivity, LifParams, Network, NeuronModel, library};
    use kenyon::{PostsynapticModel, SynapseGroup, WeightUpdateModel};
    // The same network twice: 100 LIF neurons, built-in and as the library's code
    // strings, driven by 200 spike sources through two built-in ExpCurr groups (CUBA's
    // kind of population): excitatory with one weight (32-bit sums), inhibitory with a
    // weight per synapse (64-bit sums). The compiled code neurons take both groups'
    // input themselves, in order (`LaneSums::FromExpCurr`), the interpreted ones have it
    // gathered first, and one run switches from compiled to interpreted halfway, spikes
    // in flight: the spikes, V and each group's inSyn are the built-in neurons'.
    let times: Vec<Vec<f32>> = (0..200)
        .map(|i| {
            (0..10)
                .map(|k| ((i * 7) % 50) as f32 * 0.1 + k as f32 * 5.0)
                .collect()
        })
        .collect();
    let network = |code: bool| {
        let mut net = Network::new(0.1);
        let source = library::spike_source_array_from(&times);
        let pre = net.add_neuron_population("pre", 200, NeuronModel::Code(source));
        let model = match code {
            true => NeuronModel::Code(library::lif_from(&LifParams::TUTORIAL)),
            false => NeuronModel::Lif(LifParams::TUTORIAL),
        };
        let post = net.add_neuron_population("post", 100, model);
        let group = |name: &str, weight_update, tau, connectivity| SynapseGroup {
            name: name.into(),
            pre,
            post,
            weight_update,
            postsynaptic: PostsynapticModel::ExpCurr { tau },
            connectivity,
        };
        let g = WeightUpdateModel::StaticPulseConstantWeight { g: 0.005 };
        let p = Connectivity::FixedProbability { p: 0.2 };
        let exc = net.add_synapse_group(group("exc", g, 5.0, p));
        let inh_g = (0..200 * 100).map(|k| -0.00005 * (k % 7) as f32).collect();
        let inh_weights = WeightUpdateModel::StaticPulse { g: inh_g };
        let inh = net.add_synapse_group(group("inh", inh_weights, 10.0, Connectivity::Dense));
        net.set_spike_recording(post, true).unwrap();
        (net.build(7).unwrap(), post, [exc, inh])
    };
    let config = SimConfig {
        recording_steps: 500,
        ..SimConfig::default()
    };
    let mut runs = Vec::new();
    let mut run = |sim: &mut dyn Simulator, steps, (post, groups): (_, [_; 2])| {
        sim.step_time(steps).unwrap();
        let recording = sim.take_recording().unwrap();
        let spikes = recording.get(post).unwrap()[0].decode();
        let v = sim.read_var_bits(post, "V").unwrap();
        let in_syn = groups.map(|g| sim.read_in_syn(g).unwrap());
        let in_syn = in_syn.map(|s| s.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
        runs.push(((spikes, v, in_syn), sim.description()));
    };
    for code in [false, true] {
        let (built, post, groups) = network(code);
        common::on_every_backend(&built, config, |sim| run(sim, 500, (post, groups)));
        if code {
            let mut interpreted = CpuSimulation::new(&built, config).unwrap();
            if common::compiler_required() {
                let mut compiled = interpreted.code_compiled();
                assert!(compiled.any(|(name, why)| name == "post" && why.is_none()));
            }
            let mut switched = CpuSimulation::new(&built, config).unwrap();
            interpreted.interpret_code_strings();
            run(&mut interpreted, 500, (post, groups));
            switched.step_time(250).unwrap();
            switched.interpret_code_strings();
            run(&mut switched, 250, (post, groups));
        }
    }
    let (want, _) = &runs[0];
    assert!(want.0.0.len() > 100, "{} spikes", want.0.0.len());
    let inhibited = want.2[1].iter().any(|&s| f32::from_bits(s) < 0.0);
    assert!(
        inhibited,
        "the inhibitory group's inSyn is below zero somewhere"
    );
    for (got, backend) in &runs {
        assert_eq!(got, want, "{backend}");
    }
}
