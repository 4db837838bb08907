//! GeNN mushroom-body tutorial, part 2, with the neurons written as a user writes them:
//! GeNN's LIF model as WGSL code strings, declared here, in place of kenyon's built-in
//! `NeuronModel::Lif`. Prints the lines `kenyon run` prints for the first four images;
//! the spikes are the built-in model's, bit for bit (tests/backends/code_strings.rs).
//!
//!     cargo run --release --example tutorial2_user_models [-- --backend cpu|gpu]

use std::sync::Arc;
use std::time::Instant;

use kenyon::io::mnist;
use kenyon::model::code::{CodeNeuron, DerivedParam, NeuronModelDef, Var, VarInit};
use kenyon::{BackendChoice, LifParams, NeuronModel, SimConfig, load, tutorial};

/// GeNN's LIF neuron (`genn_models.LIF`), written as code strings.
fn lif() -> Arc<NeuronModelDef> {
    Arc::new(NeuronModelDef {
        name: "LIF".into(),
        params: [
            "C",
            "TauM",
            "Vrest",
            "Vreset",
            "Vthresh",
            "Ioffset",
            "TauRefrac",
        ]
        .map(String::from)
        .to_vec(),
        derived_params: vec![
            DerivedParam::new("ExpTC", |p, dt| (-dt / p["TauM"]).exp()),
            DerivedParam::new("Rmembrane", |p, _| p["TauM"] / p["C"]),
        ],
        vars: vec![Var::f32("V"), Var::f32("RefracTime")],
        extra_global_params: vec![],
        additional_input_vars: vec![],
        sim_code: "
            if (RefracTime <= 0.0) {
                let alpha = product(Isyn + Ioffset, Rmembrane) + Vrest;
                V = alpha - product(ExpTC, alpha - V);
            } else {
                RefracTime -= dt;
            }"
        .into(),
        threshold_condition_code: "RefracTime <= 0.0 && V >= Vthresh".into(),
        reset_code: "V = Vreset; RefracTime = TauRefrac;".into(),
    })
}

/// A population of [`lif`] with the built-in model's parameters.
fn lif_population(p: &LifParams) -> NeuronModel {
    NeuronModel::Code(
        CodeNeuron::new(lif())
            .param("C", p.c)
            .param("TauM", p.tau_m)
            .param("Vrest", p.v_rest)
            .param("Vreset", p.v_reset)
            .param("Vthresh", p.v_thresh)
            .param("Ioffset", p.i_offset)
            .param("TauRefrac", p.tau_refrac)
            .init("V", VarInit::Constant(p.v_reset))
            .init("RefracTime", VarInit::Constant(0.0)),
    )
}

fn main() -> anyhow::Result<()> {
    let backend = match std::env::args()
        .skip_while(|a| a != "--backend")
        .nth(1)
        .as_deref()
    {
        Some("cpu") => BackendChoice::Cpu,
        Some("gpu") => BackendChoice::Gpu,
        _ => BackendChoice::Auto,
    };
    let mut mb = tutorial::mushroom_body();
    for pop in &mut mb.network.populations {
        if let NeuronModel::Lif(p) = &pop.model {
            pop.model = lif_population(p);
        }
    }
    let started = Instant::now();
    let built = mb.network.build(1)?;
    let mut sim = load(&built, backend, None, SimConfig::default())?;
    let synapses: usize = built
        .synapse_groups
        .iter()
        .map(|s| s.connectivity.len())
        .sum();
    println!(
        "kenyon: 784 PN -> 20000 KC, {synapses} synapses (seed 1), on {} (set up in {} ms)",
        sim.description(),
        started.elapsed().as_millis()
    );
    let data = mnist::load(&mnist::default_dir(), mnist::Split::Train)?;
    let (images, started) = (4, Instant::now());
    let mut active = 0;
    for i in 0..images {
        let pixels = data
            .images
            .image(i)
            .ok_or_else(|| anyhow::anyhow!("no image {i}"))?;
        let currents = mnist::input_currents(pixels, mnist::INPUT_SCALE);
        let r = tutorial::present(sim.as_mut(), &mb, &currents)?;
        let label = data.labels.get(i).copied().unwrap_or_default();
        println!(
            "image {i} (label {label}): {} PN spikes, {} KC spikes, {} KC active",
            r.pn.spike_count(),
            r.kc.spike_count(),
            r.kc.active_neurons()
        );
        active += r.kc.active_neurons();
    }
    println!(
        "{images} images: mean {} KC active, {:.2} ms per image (20 ms of model time each) on {}",
        active as usize / images,
        started.elapsed().as_secs_f64() * 1e3 / images as f64,
        sim.description()
    );
    Ok(())
}
