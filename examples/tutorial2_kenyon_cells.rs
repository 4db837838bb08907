//! GeNN mushroom-body tutorial, part 2 ("Adding Kenyon Cells"): 784 PNs drive 20 000 KCs
//! through sparse synapses (20 PNs per KC, drawn with replacement), exponential currents.
//! Prints "N KC active" per image as the tutorial does. `kenyon run` is the full version
//! of this example, with plots and options.
//!
//!     cargo run --release --example tutorial2_kenyon_cells

use kenyon::io::mnist;
use kenyon::{BackendChoice, SimConfig, load, tutorial};

fn main() -> anyhow::Result<()> {
    let mb = tutorial::mushroom_body();
    let built = mb.network.build(1)?;
    let mut sim = load(&built, BackendChoice::Auto, None, SimConfig::default())?;
    println!("running on {}", sim.description());
    let data = mnist::load(&mnist::default_dir(), mnist::Split::Train)?;
    for i in 0..4 {
        let pixels = data
            .images
            .image(i)
            .ok_or_else(|| anyhow::anyhow!("no image {i}"))?;
        let response = tutorial::present(
            sim.as_mut(),
            &mb,
            &mnist::input_currents(pixels, mnist::INPUT_SCALE),
        )?;
        println!("{} KC active", response.kc.active_neurons());
    }
    Ok(())
}
