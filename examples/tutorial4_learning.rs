//! GeNN mushroom-body tutorial, part 4 ("Learning"): part 3's network plus ten output
//! neurons (MBONs). While each training image is shown, a teacher current drives the
//! MBON of its label, and the dense KC -> MBON synapses learn by symmetric STDP (KC
//! spikes only learn; they don't drive the MBONs yet). One pass over the training set,
//! then the learned weights and the PN -> KC synapses are saved for part 5.
//! `kenyon train --out DIR` is the full version, with a progress bar and a weight
//! histogram.
//!
//!     cargo run --release --example tutorial4_learning [-- IMAGES]   (default 60000)

use kenyon::io::mnist;
use kenyon::tutorial::TrainedModel;
use kenyon::{BackendChoice, SimConfig, load, tutorial};

fn main() -> anyhow::Result<()> {
    let images: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 60_000,
    };
    let mb = tutorial::mushroom_body_for_training();
    let built = mb.network.build(1)?;
    let mut sim = load(&built, BackendChoice::Auto, None, SimConfig::default())?;
    let data = mnist::load(&mnist::default_dir(), mnist::Split::Train)?;
    for i in 0..images.min(data.images.len()) {
        let pixels = data
            .images
            .image(i)
            .ok_or_else(|| anyhow::anyhow!("no image {i}"))?;
        let currents = mnist::input_currents(pixels, mnist::INPUT_SCALE);
        tutorial::present_training(sim.as_mut(), &mb, &currents, data.labels[i])?;
        if (i + 1) % 10_000 == 0 {
            println!("{} images learned", i + 1);
        }
    }
    let output = mb
        .output
        .ok_or_else(|| anyhow::anyhow!("no output neurons"))?;
    let g = sim.read_weights(output.kc_mbon)?;
    let above_0 = g.iter().filter(|&&w| w > 0.0).count();
    let n_weights = g.len();
    let pn_kc = &built.synapse_groups[mb.pn_kc.index()].connectivity;
    std::fs::create_dir_all("out/model")?;
    TrainedModel::new(pn_kc, g).save("out/model".as_ref())?;
    println!("{above_0} of {n_weights} weights above 0; model saved to out/model");
    Ok(())
}
