//! `kenyon bench`: the tutorial network timed per stimulus on each backend and batch size,
//! or a benchmark network (COBA, CUBA, Brunel) per biological second (`bench_networks`).

use std::time::Instant;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};

use crate::args::{Backend, NetworkArgs, SourceArgs};
use kenyon::io::mnist::{self, Split};
use kenyon::tutorial::{self, MushroomBody, TutorialError};
use kenyon::{Simulator, tutorial::PRESENT_STEPS};

#[derive(Args, Clone)]
pub(crate) struct BenchArgs {
    /// The network to time: the tutorial's PN -> KC network per image, or a
    /// benchmark network (Brette et al. 2007, Brunel 2000) per biological second (batch size 1).
    #[arg(long, value_enum, default_value_t = BenchNetwork::MushroomBody)]
    pub network: BenchNetwork,
    /// Model time of each timed run of --network coba|cuba|brunel, in seconds
    /// [default: 1].
    #[arg(long)]
    seconds: Option<f64>,
    /// --network coba only: COBA scaled to this many neurons, each receiving exactly 80
    /// synapses (`networks::coba_scaled`, fixed in-degree) instead of the published 4000
    /// with probability 0.02.
    #[arg(long, value_parser = clap::value_parser!(u32).range(5..))]
    pub neurons: Option<u32>,
    /// Images timed per backend and batch size (after one warm-up batch); rounded up to
    /// at least two whole batches (--network mushroom-body) [default: 64].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    images: Option<u32>,
    /// Timed runs per row; the row shows the median.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: u32,
    /// Batch sizes to time, comma-separated [default: 1,8,64,256; 1 for --network
    /// coba|cuba|brunel, the only one they run].
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u32).range(1..=65_535))]
    pub batch: Vec<u32>,
    /// Backends to time.
    #[arg(long, value_enum, default_value_t = BenchBackends::All)]
    backend: BenchBackends,
    /// How the GPU's neuron update spreads each spike word's 32 neurons over invocations
    /// (to time the strategies against each other; spikes don't depend on it).
    #[arg(long, value_enum, default_value_t = NeuronUpdateArg::Auto)]
    neuron_update: NeuronUpdateArg,
    /// Seed of the connectivity (and of a benchmark network's initial state).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Time the network with the model library's LIF and ExpCurr written as WGSL code
    /// strings instead of the built-in models (the same spikes): the cost of
    /// user-defined models.
    #[arg(long)]
    code_strings: bool,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum BenchNetwork {
    /// The tutorial's PN -> KC network, timed per image.
    MushroomBody,
    /// Brette et al.'s benchmark 1: 4000 LIF neurons, conductance-based synapses.
    Coba,
    /// Brette et al.'s benchmark 2: 4000 LIF neurons, current-based synapses.
    Cuba,
    /// Brunel's (2000) model A: 12 500 LIF neurons, delta synapses, Poisson drive.
    Brunel,
}

/// Synapses each neuron of `--network coba --neurons N` receives: what p = 0.02 gives on
/// average at 4000 neurons.
const SCALED_SYNAPSES_PER_NEURON: u32 = 80;

/// The batch sizes the tutorial network is timed at unless --batch says.
const DEFAULT_BATCHES: [u32; 4] = [1, 8, 64, 256];

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BenchBackends {
    /// The CPU and, if wgpu sees any adapter, the GPU.
    All,
    Cpu,
    Gpu,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum NeuronUpdateArg {
    /// Per word on software adapters, per quad on GPUs.
    Auto,
    /// One invocation per spike word (32 neurons).
    PerWord,
    /// One invocation per four neurons, eight per word.
    PerQuad,
}

impl BenchArgs {
    /// Model time of each timed run of a benchmark network, in seconds.
    pub fn seconds(&self) -> f64 {
        self.seconds.unwrap_or(1.0)
    }

    /// Images timed per backend and batch size of the tutorial network.
    fn images(&self) -> u32 {
        self.images.unwrap_or(64)
    }
}

/// Refuses options the chosen network has no use for: a mistake worth saying rather than
/// a run that silently ignores it.
fn check_options(args: &BenchArgs) -> Result<()> {
    if args.neurons.is_some() && args.network != BenchNetwork::Coba {
        anyhow::bail!("--neurons: only --network coba is scaled");
    }
    match args.network {
        BenchNetwork::MushroomBody if args.seconds.is_some() => anyhow::bail!(
            "--seconds: the tutorial network is timed per image (--images), not per \
             biological second; give --network coba, cuba or brunel"
        ),
        BenchNetwork::Coba | BenchNetwork::Cuba | BenchNetwork::Brunel if args.images.is_some() => {
            anyhow::bail!(
                "--images: only the tutorial network (--network mushroom-body) is timed \
                 per image; the benchmark networks take --seconds"
            )
        }
        _ => {}
    }
    Ok(())
}

pub(crate) fn bench(args: &BenchArgs) -> Result<()> {
    check_options(args)?;
    let network = match args.network {
        BenchNetwork::MushroomBody => None,
        BenchNetwork::Coba => Some(match args.neurons {
            Some(n) => kenyon::networks::coba_scaled(n, SCALED_SYNAPSES_PER_NEURON),
            None => kenyon::networks::coba(),
        }),
        BenchNetwork::Cuba => Some(kenyon::networks::cuba()),
        BenchNetwork::Brunel => Some(kenyon::networks::brunel()),
    };
    if let Some(net) = network {
        return crate::bench_networks::bench(args, &net);
    }
    let mut args = args.clone();
    if args.batch.is_empty() {
        args.batch = DEFAULT_BATCHES.to_vec();
    }
    let args = &args;
    let currents = bench_currents(args)?;
    println!(
        "tutorial PN -> KC network{}, {} timesteps per image, seed {}; wall-clock time from the \
         first image in to the last recording out, median of {} runs after one warm-up batch",
        if args.code_strings {
            " (models from code strings)"
        } else {
            ""
        },
        PRESENT_STEPS,
        args.seed,
        args.repeat
    );
    println!(
        "{:<64} {:>6} {:>7} {:>10} {:>10} {:>12}",
        "backend", "batch", "images", "ms/image", "images/s", "us/timestep"
    );
    for backend in backends(args) {
        for &batch in &args.batch {
            let network = NetworkArgs {
                backend,
                batch,
                gain_control: false,
                seed: args.seed,
                code_strings: args.code_strings,
                source: args.source.clone(),
            };
            let (mb, mut sim, description) = load(args, &network)?;
            let images = bench_images(args.images(), batch);
            let secs = time(
                sim.as_mut(),
                &mb,
                &currents,
                batch as usize,
                images,
                args.repeat,
            )?;
            let batches = images.div_ceil(batch as usize);
            println!(
                "{:<64} {:>6} {:>7} {:>10.3} {:>10.1} {:>12.2}",
                description,
                batch,
                images,
                secs * 1e3 / images as f64,
                images as f64 / secs,
                secs * 1e6 / (batches as f64 * f64::from(PRESENT_STEPS))
            );
        }
    }
    println!("us/timestep: wall-clock time per timestep of a whole batch");
    Ok(())
}

/// The input currents of every image any row uses.
fn bench_currents(args: &BenchArgs) -> Result<Vec<Vec<f32>>> {
    let data = args.source.mnist(Split::Train)?;
    // Each batch size rounds the image count up to whole batches: load what the one
    // needing the most uses.
    let (most, needs_most) = args
        .batch
        .iter()
        .map(|&batch| (bench_images(args.images(), batch), batch))
        .max()
        .unwrap_or((0, 1));
    if data.images.len() < most {
        bail!(
            "benchmarking batch size {needs_most} uses {most} images but the training set has {}",
            data.images.len()
        );
    }
    Ok((0..most)
        .filter_map(|i| data.images.image(i))
        .map(|p| mnist::input_currents(p, mnist::INPUT_SCALE))
        .collect())
}

/// The backends to time: the CPU, and the GPU where asked for or where there is one.
pub(crate) fn backends(args: &BenchArgs) -> Vec<Backend> {
    match args.backend {
        BenchBackends::Cpu => vec![Backend::Cpu],
        BenchBackends::Gpu => vec![Backend::Gpu],
        BenchBackends::All => {
            let mut v = vec![Backend::Cpu];
            if args.source.adapter.is_some() || gpu_present() {
                v.push(Backend::Gpu);
            }
            v
        }
    }
}

#[cfg(feature = "gpu")]
fn gpu_present() -> bool {
    !kenyon::gpu::list_adapters().is_empty()
}

#[cfg(not(feature = "gpu"))]
fn gpu_present() -> bool {
    false
}

/// A row's network, loaded, and its description of the backend.
type Row = (MushroomBody, Box<dyn Simulator>, String);

/// The network of one row, loaded, and the row's description of its backend.
fn load(args: &BenchArgs, network: &NetworkArgs) -> Result<Row> {
    if let Some(row) = load_with_strategy(args.neuron_update, network)? {
        return Ok(row);
    }
    let (mb, _, sim) = network.load()?;
    let description = sim.description();
    Ok((mb, sim, description))
}

/// A GPU row with the neuron-update strategy `--neuron-update` asks for, tagged in its
/// description; `None` for other rows (and `--neuron-update auto`).
#[cfg(feature = "gpu")]
fn load_with_strategy(
    neuron_update: NeuronUpdateArg,
    network: &NetworkArgs,
) -> Result<Option<Row>> {
    use kenyon::gpu::{GpuTuning, NeuronUpdateStrategy};
    let (strategy, tag) = match neuron_update {
        NeuronUpdateArg::Auto => return Ok(None),
        NeuronUpdateArg::PerWord => (NeuronUpdateStrategy::InvocationPerWord, " [per word]"),
        NeuronUpdateArg::PerQuad => (NeuronUpdateStrategy::InvocationPerQuad, " [per quad]"),
    };
    if network.backend != Backend::Gpu {
        return Ok(None);
    }
    let mb = network.tutorial_network();
    let built = crate::args::build(&mb, network.seed, "tutorial network")?;
    let ctx = kenyon::GpuContext::new(network.source.adapter.as_deref())?;
    let tuning = GpuTuning {
        neuron_update: strategy,
        ..GpuTuning::for_adapter(ctx.adapter())
    };
    let sim = kenyon::GpuSimulation::with_tuning(ctx, &built, network.config(), tuning)?;
    let description = sim.description() + tag;
    Ok(Some((mb, Box::new(sim), description)))
}

/// Without the GPU backend every row is a CPU row, which `--neuron-update` leaves alone.
#[cfg(not(feature = "gpu"))]
fn load_with_strategy(
    _neuron_update: NeuronUpdateArg,
    _network: &NetworkArgs,
) -> Result<Option<Row>> {
    Ok(None)
}

/// The median of `repeat` timed runs of `images` images (after a warm-up batch, where
/// shader compilation and first-touch allocation happen), in seconds.
fn time(
    sim: &mut dyn Simulator,
    mb: &MushroomBody,
    currents: &[Vec<f32>],
    batch: usize,
    images: usize,
    repeat: u32,
) -> Result<f64> {
    let mut run = |count: usize| {
        tutorial::present_all(
            &mut *sim,
            mb,
            count,
            |k| Ok::<_, TutorialError>(currents[k].clone()),
            |_, responses| {
                std::hint::black_box(responses);
                Ok(())
            },
        )
    };
    run(batch)?;
    let mut times = Vec::new();
    for _ in 0..repeat {
        let t = Instant::now();
        run(images)?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// Images a bench row times: at least `requested`, and at least two whole batches.
fn bench_images(requested: u32, batch: u32) -> usize {
    let batches = u64::from(requested.div_ceil(batch).max(2));
    usize::try_from(batches * u64::from(batch)).unwrap_or(usize::MAX)
}
