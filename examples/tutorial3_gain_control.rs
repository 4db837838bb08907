//! GeNN mushroom-body tutorial, part 3 ("Adding gain control"): part 2's network plus one
//! giant GABAergic neuron (GGN, an integrate-and-fire neuron with threshold 200). Every KC
//! spike adds 1 to the GGN (dense KC -> GGN synapses, DeltaCurr); when the GGN fires it
//! inhibits every KC (dense GGN -> KC synapses, weight -5, ExpCurr tau 5 ms). Prints
//! "N KC active" per image as the tutorial does: a few hundred instead of thousands.
//! `kenyon run --gain-control` is the full version, with rasters including the GGN.
//!
//!     cargo run --release --example tutorial3_gain_control

use kenyon::io::mnist;
use kenyon::{BackendChoice, SimConfig, load, tutorial};

fn main() -> anyhow::Result<()> {
    let mb = tutorial::mushroom_body_with_gain_control();
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
        let ggn_spikes = response.ggn.as_ref().map_or(0, |g| g.spike_count());
        println!(
            "{} KC active, {ggn_spikes} GGN spike(s)",
            response.kc.active_neurons()
        );
    }
    Ok(())
}
