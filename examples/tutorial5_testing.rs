//! GeNN mushroom-body tutorial, part 5 ("Testing"): the network of part 4 with the
//! learned KC -> MBON weights as static synapses that drive the MBONs, no teacher; each
//! test image's answer is the MBON that spikes first. Reads the model part 4 saved in
//! out/model and prints `N/M correct (P %)` as the tutorial does. `kenyon test --model
//! DIR` is the full version, with batches, a confusion matrix and its plot.
//!
//!     cargo run --release --example tutorial5_testing [-- IMAGES]   (default 10000)

use kenyon::io::mnist;
use kenyon::tutorial::TrainedModel;
use kenyon::{BackendChoice, SimConfig, load, tutorial};

fn main() -> anyhow::Result<()> {
    let images: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 10_000,
    };
    // The same checks as `kenyon test`: files of the wrong kind or shape are refused.
    let mb = TrainedModel::load("out/model".as_ref())?.network();
    let built = mb.network.build(1)?;
    let mut sim = load(&built, BackendChoice::Auto, None, SimConfig::default())?;
    let data = mnist::load(&mnist::default_dir(), mnist::Split::Test)?;
    let n = images.min(data.images.len());
    let mut correct = 0;
    for i in 0..n {
        let pixels = data
            .images
            .image(i)
            .ok_or_else(|| anyhow::anyhow!("no image {i}"))?;
        let r = tutorial::present(
            sim.as_mut(),
            &mb,
            &mnist::input_currents(pixels, mnist::INPUT_SCALE),
        )?;
        if r.mbon.as_ref().and_then(tutorial::classify) == Some(u32::from(data.labels[i])) {
            correct += 1;
        }
    }
    println!(
        "{correct}/{n} correct ({:.2} %)",
        100.0 * correct as f64 / n as f64
    );
    Ok(())
}
