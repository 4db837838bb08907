//! GeNN mushroom-body tutorial, part 1: projection neurons only. Each PN receives its
//! pixel's brightness as a current and, with a 100 ms refractory period, spikes at most
//! once: brighter pixels spike earlier (a latency code).
//!
//!     cargo run --release --example tutorial1_projection_neurons

use kenyon::io::mnist;
use kenyon::model::{CurrentSourceModel, Network, NeuronModel};
use kenyon::{BackendChoice, SimConfig, load, plot, tutorial};

fn main() -> anyhow::Result<()> {
    let mut network = Network::new(tutorial::DT);
    let pn = network.add_neuron_population(
        "pn",
        tutorial::NUM_PN,
        NeuronModel::Lif(tutorial::pn_params()),
    );
    network.set_spike_recording(pn, true)?;
    let input = network.add_current_source(
        "pn_input",
        pn,
        CurrentSourceModel::Magnitude { initial: 0.0 },
    );
    let built = network.build(0)?;
    let mut sim = load(&built, BackendChoice::Auto, None, SimConfig::default())?;
    println!("running on {}", sim.description());

    let data = mnist::load(&mnist::default_dir(), mnist::Split::Train)?;
    std::fs::create_dir_all("out")?;
    for i in 0..4 {
        let pixels = data
            .images
            .image(i)
            .ok_or_else(|| anyhow::anyhow!("no image {i}"))?;
        sim.reset()?;
        sim.set_magnitude(input, &mnist::input_currents(pixels, mnist::INPUT_SCALE))?;
        sim.step_time(tutorial::PRESENT_STEPS)?;
        let recording = sim
            .take_recording()?
            .take_one(pn, 0)
            .ok_or_else(|| anyhow::anyhow!("PN recording is off"))?;
        let (times, ids) = recording.decode();
        let first = times.first().copied().unwrap_or(f32::NAN);
        println!(
            "image {i} (label {}): {} PN spikes, first at {first:.1} ms",
            data.labels[i],
            times.len()
        );
        let path = format!("out/tutorial1_image{i}.png");
        plot::raster_png(
            std::path::Path::new(&path),
            &format!("Image {i}: PN latency code"),
            tutorial::PRESENT_TIME_MS as f32,
            &[plot::RasterPanel {
                label: "PN",
                n_neurons: tutorial::NUM_PN,
                times_ms: &times,
                ids: &ids,
            }],
        )?;
    }
    Ok(())
}
