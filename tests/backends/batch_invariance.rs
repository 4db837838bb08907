//! An image's spikes don't depend on how it is simulated: alone, or at any position of a
//! batch of any size, on any number of CPU threads, on the CPU or the GPU. Batch entries
//! share connectivity and nothing else, and the threads split work on word boundaries
//! with fixed-point input, so every comparison here is exact.

#[cfg(feature = "gpu")]
use crate::common;
use kenyon::SpikeRecording;
use kenyon::cpu::CpuSimulation;
use kenyon::io::mnist;
use kenyon::model::{
    Connectivity, CurrentSourceModel, LifParams, Network, NeuronModel, PostsynapticModel,
    SynapseGroup, WeightUpdateModel,
};
use kenyon::tutorial::{self, MushroomBody, StimulusResponse};
use kenyon::{SimConfig, Simulator, StateVar};

const IMAGES: usize = 6;

fn inputs() -> Vec<Vec<f32>> {
    let data = mnist::load(&mnist::default_dir(), mnist::Split::Train).unwrap();
    (0..IMAGES)
        .map(|i| mnist::input_currents(data.images.image(i).unwrap(), mnist::INPUT_SCALE))
        .collect()
}

fn config(batch_size: u32, threads: usize) -> SimConfig {
    SimConfig {
        batch_size,
        threads,
        ..SimConfig::DEFAULT
    }
}

/// Every image through `present_all`, in batches of the simulation's batch size.
fn present_all(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    inputs: &[Vec<f32>],
) -> Vec<StimulusResponse> {
    let mut out = Vec::new();
    tutorial::present_all(
        sim,
        mb,
        inputs.len(),
        |i| Ok::<_, kenyon::tutorial::TutorialError>(inputs[i].clone()),
        |first, responses| {
            assert_eq!(first, out.len(), "batches arrive in order");
            out.extend(responses);
            Ok(())
        },
    )
    .unwrap();
    out
}

fn assert_same(reference: &[StimulusResponse], got: &[StimulusResponse], what: &str) {
    assert_eq!(reference.len(), got.len(), "{what}: number of images");
    for (i, (r, g)) in reference.iter().zip(got).enumerate() {
        assert_eq!(r.pn.bits, g.pn.bits, "{what}: image {i}: PN spikes differ");
        assert_eq!(r.kc.bits, g.kc.bits, "{what}: image {i}: KC spikes differ");
    }
}

/// Each image alone, one thread: the reference.
fn alone(
    mb: &MushroomBody,
    built: &kenyon::model::BuiltNetwork,
    inputs: &[Vec<f32>],
) -> Vec<StimulusResponse> {
    let mut sim = CpuSimulation::new(built, config(1, 1)).unwrap();
    let out: Vec<StimulusResponse> = inputs
        .iter()
        .map(|c| tutorial::present(&mut sim, mb, c).unwrap())
        .collect();
    assert!(
        out.iter().all(|r| r.kc.active_neurons() > 500),
        "too few KCs active for a test"
    );
    out
}

#[test]
fn cpu_spikes_are_the_same_alone_in_any_batch_and_on_any_number_of_threads() {
    let mb = tutorial::mushroom_body();
    let built = mb.network.build(3).unwrap();
    let inputs = inputs();
    let reference = alone(&mb, &built, &inputs);
    // Batch 1 on several threads slices populations; batch >= threads gives threads
    // whole images, taken from a queue in whatever order the threads get to them (6 x 4:
    // some threads take two); fewer images than threads give each image a group of
    // threads that slice it (2 x 2, 3 x 2); batch 4 of 6 images leaves a part-empty last
    // batch.
    for (batch, threads) in [
        (1, 2),
        (1, 3),
        (2, 1),
        (2, 2),
        (2, 4),
        (3, 2),
        (3, 7),
        (4, 3),
        (6, 4),
        (8, 2),
    ] {
        let mut sim = CpuSimulation::new(&built, config(batch, threads)).unwrap();
        let got = present_all(&mut sim, &mb, &inputs);
        assert_same(
            &reference,
            &got,
            &format!("cpu batch {batch}, {threads} threads"),
        );
    }
}

#[cfg(feature = "gpu")]
#[test]
fn gpu_spikes_are_the_same_alone_and_in_any_batch() {
    let mb = tutorial::mushroom_body();
    let built = mb.network.build(3).unwrap();
    let inputs = inputs();
    let reference = alone(&mb, &built, &inputs);
    for strategy in common::gpu::strategies() {
        for batch in [1, 4, 7] {
            let mut sim = common::gpu::simulation(strategy, &built, config(batch, 0));
            let got = present_all(&mut sim, &mb, &inputs);
            assert_same(&reference, &got, &format!("gpu {strategy:?} batch {batch}"));
        }
    }
}

#[test]
fn a_batch_entry_can_sit_anywhere_in_the_batch() {
    // Image 2 in entry 0, 1 and 4 of batches of 5 whose other entries hold other images.
    let mb = tutorial::mushroom_body();
    let built = mb.network.build(3).unwrap();
    let inputs = inputs();
    let reference = alone(&mb, &built, &inputs);
    let mut sims: Vec<Box<dyn Simulator>> =
        vec![Box::new(CpuSimulation::new(&built, config(5, 2)).unwrap())];
    #[cfg(feature = "gpu")]
    for strategy in common::gpu::strategies() {
        sims.push(Box::new(common::gpu::simulation(
            strategy,
            &built,
            config(5, 0),
        )));
    }
    for sim in &mut sims {
        for position in [0usize, 1, 4] {
            let mut order: Vec<&[f32]> = [0usize, 1, 3, 4]
                .iter()
                .map(|&i| inputs[i].as_slice())
                .collect();
            order.insert(position, &inputs[2]);
            let got = tutorial::present_batch(sim.as_mut(), &mb, &order).unwrap();
            let what = format!("{}, position {position}", sim.description());
            assert_eq!(got[position].kc.bits, reference[2].kc.bits, "{what}");
            assert_eq!(got[position].pn.bits, reference[2].pn.bits, "{what}");
        }
    }
}

/// A recurrent network big enough for the CPU to slice it between threads: a driven
/// input population, a large hidden one with recurrent excitation, an output one that
/// inhibits the hidden one.
fn recurrent_network() -> (
    kenyon::model::BuiltNetwork,
    Vec<(kenyon::model::CurrentSourceId, Vec<f32>)>,
) {
    let mut net = Network::new(0.1);
    let input = net.add_neuron_population("input", 200, NeuronModel::Lif(LifParams::TUTORIAL));
    let hidden = net.add_neuron_population("hidden", 13_000, NeuronModel::Lif(LifParams::TUTORIAL));
    let out = net.add_neuron_population("out", 333, NeuronModel::Lif(LifParams::TUTORIAL));
    for p in [input, hidden, out] {
        net.set_spike_recording(p, true).unwrap();
    }
    let drive = net.add_current_source(
        "drive",
        input,
        CurrentSourceModel::Magnitude { initial: 0.0 },
    );
    let mut group = |name: &str, pre, post, g: f64, num: u32| {
        net.add_synapse_group(SynapseGroup {
            name: name.into(),
            pre,
            post,
            weight_update: WeightUpdateModel::StaticPulseConstantWeight { g },
            postsynaptic: PostsynapticModel::ExpCurr { tau: 3.0 },
            connectivity: Connectivity::FixedNumberPreWithReplacement { num },
        });
    };
    group("input_hidden", input, hidden, 0.35, 15);
    group("hidden_hidden", hidden, hidden, 0.05, 10);
    group("hidden_out", hidden, out, 0.08, 40);
    group("out_hidden", out, hidden, -0.3, 5);
    let built = net.build(11).unwrap();
    let currents: Vec<f32> = (0..200)
        .map(|i| 0.1 + 0.2 * (i % 13) as f32 / 13.0)
        .collect();
    (built, vec![(drive, currents)])
}

fn run_recurrent(
    sim: &mut dyn Simulator,
    source: kenyon::model::CurrentSourceId,
    currents: &[f32],
) -> (Vec<Vec<SpikeRecording>>, Vec<f32>) {
    let hidden = sim.network().description.population("hidden").unwrap();
    let batch = sim.batch_size() as usize;
    let drive: Vec<f32> = (0..batch)
        .flat_map(|b| currents.iter().map(move |c| c * (1.0 + 0.1 * b as f32)))
        .collect();
    sim.set_magnitude(source, &drive).unwrap();
    sim.step_time(80).unwrap();
    sim.step_time(120).unwrap();
    let rec = sim.take_recording().unwrap();
    let v = sim.read_state(hidden, StateVar::V).unwrap();
    (rec.populations.into_iter().map(Option::unwrap).collect(), v)
}

#[test]
fn recurrent_networks_do_not_depend_on_the_thread_split() {
    let (built, sources) = recurrent_network();
    let (source, currents) = sources[0].clone();
    let mut one = CpuSimulation::new(&built, config(2, 1)).unwrap();
    let (reference, v_reference) = run_recurrent(&mut one, source, &currents);
    let spikes: u64 = reference.iter().flatten().map(|r| r.spike_count()).sum();
    assert!(spikes > 2_000, "only {spikes} spikes: too quiet for a test");
    // Batch 1 on 2 or 3 threads: one group slicing the image; batch 2 on 3 threads: all
    // threads slicing both images (the network has room for three slices of each);
    // batch 2 on 4 threads: a group of two per image.
    for threads in [2, 3, 4] {
        for batch in [1u32, 2] {
            let mut sim = CpuSimulation::new(&built, config(batch, threads)).unwrap();
            assert!(sim.threads_for(200) > 1, "the run must actually be split");
            let (got, v) = run_recurrent(&mut sim, source, &currents);
            let n = 13_000 * batch as usize;
            assert_eq!(
                v[..n],
                v_reference[..n],
                "{threads} threads, batch {batch}: V"
            );
            for (p, (r, g)) in reference.iter().zip(&got).enumerate() {
                for b in 0..batch as usize {
                    assert_eq!(
                        r[b].bits, g[b].bits,
                        "{threads} threads, batch {batch}: population {p}, entry {b}"
                    );
                }
            }
        }
    }
}
