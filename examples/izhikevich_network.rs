//! Izhikevich's 2003 network ("Simple model of spiking neurons", IEEE Transactions on
//! Neural Networks 14(6):1569-1572, the MATLAB program of its figure 3): 800 excitatory
//! regular-spiking and 200 inhibitory fast-spiking neurons, connected all to all with
//! random weights (excitatory 0.5 U, inhibitory -U), driven by random thalamic input drawn
//! every millisecond (5 N(0,1) for excitatory neurons, 2 N(0,1) for inhibitory ones), for
//! 1000 ms at dt = 1 ms:
//!
//! - excitatory: a = 0.02, b = 0.2, c = -65 + 15 r^2, d = 8 - 6 r^2;
//! - inhibitory: a = 0.02 + 0.08 r, b = 0.25 - 0.05 r, c = -65, d = 2;
//!
//! with r uniform in [0, 1) per neuron, V = -65 and U = b V at the start. The neuron model
//! is written here as code strings, the thalamic input drawn in it with `rand_normal()`;
//! the synapses are delta pulses (the weights are added to the next step's input, as in
//! the MATLAB program). Prints the mean rate of each population and writes a raster PNG.
//! The spikes are the same on either backend.
//!
//!     cargo run --release --example izhikevich_network [-- --backend cpu|gpu] [--out izhikevich.png]

use std::sync::Arc;

use kenyon::model::code::{CodeNeuron, NeuronModelDef, Var, VarInit};
use kenyon::model::random::{philox4x32_10, uniform_f32};
use kenyon::plot::{RasterPanel, raster_png};
use kenyon::{BackendChoice, Connectivity, Network, NeuronModel, PostsynapticModel};
use kenyon::{SimConfig, SynapseGroup, WeightUpdateModel, load};

pub(crate) const EXCITATORY: u32 = 800;
pub(crate) const INHIBITORY: u32 = 200;
const STEPS: u32 = 1000;
pub(crate) const SEED: u64 = 2003;

/// Izhikevich's neuron with per-neuron a, b, c, d and thalamic noise `sigma N(0, 1)`.
fn model() -> Arc<NeuronModelDef> {
    Arc::new(NeuronModelDef {
        name: "IzhikevichThalamic".into(),
        params: vec!["sigma".into()],
        derived_params: vec![],
        vars: ["V", "U"]
            .into_iter()
            .map(Var::f32)
            .chain(["a", "b", "c", "d"].map(|n| Var::f32(n).read_only()))
            .collect(),
        extra_global_params: vec![],
        additional_input_vars: vec![],
        sim_code: "
            if (V >= 30.0) {
                V = c;
                U += d;
            }
            let I = Isyn + product(sigma, rand_normal());
            V += product(0.5 * (product(product(0.04, V), V) + product(5.0, V) + 140.0 - U + I), dt);
            V += product(0.5 * (product(product(0.04, V), V) + product(5.0, V) + 140.0 - U + I), dt);
            U += product(product(a, product(b, V) - U), dt);"
            .into(),
        threshold_condition_code: "V >= 29.99".into(),
        reset_code: String::new(),
    })
}

/// A uniform number in [0, 1) for `(what, i)`, from Philox.
fn uniform(what: u32, i: u32) -> f64 {
    f64::from(uniform_f32(
        philox4x32_10([i, what, 0, 0], [SEED as u32, 1])[0],
    ))
}

/// A population of `n` neurons with parameters `abcd(r)` for each neuron's `r`.
fn population(n: u32, sigma: f64, what: u32, abcd: impl Fn(f64) -> [f64; 4]) -> NeuronModel {
    let params: Vec<[f64; 4]> = (0..n).map(|i| abcd(uniform(what, i))).collect();
    let column = |k: usize| VarInit::Values(params.iter().map(|p| p[k]).collect());
    let u0 = VarInit::Values(params.iter().map(|p| p[1] * -65.0).collect());
    NeuronModel::Code(
        CodeNeuron::new(model())
            .param("sigma", sigma)
            .init("V", VarInit::Constant(-65.0))
            .init("U", u0)
            .init("a", column(0))
            .init("b", column(1))
            .init("c", column(2))
            .init("d", column(3)),
    )
}

/// The network, and its excitatory and inhibitory populations.
pub(crate) fn network() -> (Network, [kenyon::PopulationId; 2]) {
    let mut net = Network::new(1.0);
    let exc = net.add_neuron_population(
        "excitatory",
        EXCITATORY,
        population(EXCITATORY, 5.0, 0, |r| {
            [0.02, 0.2, -65.0 + 15.0 * r * r, 8.0 - 6.0 * r * r]
        }),
    );
    let inh = net.add_neuron_population(
        "inhibitory",
        INHIBITORY,
        population(INHIBITORY, 2.0, 1, |r| {
            [0.02 + 0.08 * r, 0.25 - 0.05 * r, -65.0, 2.0]
        }),
    );
    let mut what = 2;
    for (pre, pre_name, n_pre, scale) in [
        (exc, "exc", EXCITATORY, 0.5),
        (inh, "inh", INHIBITORY, -1.0),
    ] {
        for (post, post_name, n_post) in [(exc, "exc", EXCITATORY), (inh, "inh", INHIBITORY)] {
            let g = (0..n_pre * n_post)
                .map(|i| (scale * uniform(what, i)) as f32)
                .collect();
            what += 1;
            net.add_synapse_group(SynapseGroup {
                name: format!("{pre_name}_{post_name}"),
                pre,
                post,
                weight_update: WeightUpdateModel::StaticPulse { g },
                postsynaptic: PostsynapticModel::DeltaCurr,
                connectivity: Connectivity::Dense,
            });
        }
    }
    for p in [exc, inh] {
        net.set_spike_recording(p, true)
            .expect("the population was just added");
    }
    (net, [exc, inh])
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let option = |name: &str| args.iter().skip_while(|a| *a != name).nth(1).cloned();
    let backend = match option("--backend").as_deref() {
        Some("cpu") => BackendChoice::Cpu,
        Some("gpu") => BackendChoice::Gpu,
        _ => BackendChoice::Auto,
    };
    let out = option("--out").unwrap_or_else(|| "izhikevich.png".into());
    let (net, pops) = network();
    let config = SimConfig {
        recording_steps: STEPS,
        ..SimConfig::default()
    };
    let mut sim = load(&net.build(SEED)?, backend, None, config)?;
    let started = std::time::Instant::now();
    sim.step_time(STEPS)?;
    let mut recordings = sim.take_recording()?;
    println!(
        "Izhikevich (2003): {} ms of model time on {} in {:.0} ms",
        STEPS,
        sim.description(),
        started.elapsed().as_secs_f64() * 1e3
    );
    let mut spikes = Vec::new();
    for (pop, n) in pops.into_iter().zip([EXCITATORY, INHIBITORY]) {
        let recording = recordings.take_one(pop, 0).expect("recording is on");
        let rate = recording.spike_count() as f64 / f64::from(n) / (f64::from(STEPS) / 1000.0);
        println!("{}: mean rate {rate:.1} Hz", recording.population);
        spikes.push((recording.population.clone(), n, recording.decode()));
    }
    let panels: Vec<RasterPanel<'_>> = spikes
        .iter()
        .map(|(label, n, (times_ms, ids))| RasterPanel {
            label,
            n_neurons: *n,
            times_ms,
            ids,
        })
        .collect();
    raster_png(
        std::path::Path::new(&out),
        "Izhikevich 2003 network",
        STEPS as f32,
        &panels,
    )?;
    println!("raster written to {out}");
    Ok(())
}
