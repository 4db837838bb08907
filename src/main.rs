//! `kenyon`: GeNN's mushroom-body MNIST tutorial on any GPU (or the CPU), from the shell.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use kenyon::gpu::{GpuContext, GpuSimulation, NeuronUpdateLayout};
use kenyon::mnist::{self, Split};
use kenyon::model::BuiltNetwork;
use kenyon::simulator::{self, BackendChoice};
use kenyon::tutorial::{self, MushroomBody, StimulusResponse};
use kenyon::{SimConfig, Simulator, SpikeRecording, npy, plot};

#[derive(Parser)]
#[command(
    name = "kenyon",
    version,
    about = "Spiking neural networks on any GPU (WebGPU) or the CPU: GeNN's insect mushroom-body MNIST tutorial",
    long_about = "Spiking neural networks on any GPU (WebGPU: Vulkan, Metal, DX12, or Mesa's lavapipe) or the CPU.\n\n\
        With no subcommand, `kenyon` runs `kenyon run`: GeNN's tutorial \"Adding Kenyon Cells\". 784 projection \
        neurons (PN) turn MNIST digits into latency-coded spikes that drive 20 000 Kenyon cells (KC) through \
        sparse synapses (20 PNs per KC). Each image is presented for 20 ms (200 timesteps of 0.1 ms) from a \
        reset state.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Present MNIST images to the PN -> KC network and report what the KCs did (the default).
    Run(RunArgs),
    /// Tutorial part 4: one pass over the training images, learning the KC -> MBON weights
    /// by STDP from a teacher current; saves the model into a folder.
    Train(TrainArgs),
    /// Tutorial part 5: classify test images with a trained model (the first MBON to
    /// spike is the answer); prints the accuracy and a confusion matrix.
    Test(TestArgs),
    /// Time the tutorial network per stimulus on the CPU and GPU backends.
    Bench(BenchArgs),
    /// List the GPU adapters wgpu can see, best first.
    Adapters,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Backend {
    /// A hardware GPU if one is present (or --adapter is given), else the CPU.
    Auto,
    /// The wgpu backend (any adapter, software ones included).
    Gpu,
    /// The native CPU backend.
    Cpu,
}

impl From<Backend> for BackendChoice {
    fn from(b: Backend) -> Self {
        match b {
            Backend::Auto => BackendChoice::Auto,
            Backend::Gpu => BackendChoice::Gpu,
            Backend::Cpu => BackendChoice::Cpu,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BenchBackends {
    /// The CPU and, if wgpu sees any adapter, the GPU.
    All,
    Cpu,
    Gpu,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SplitArg {
    Train,
    Test,
}

#[derive(Args, Clone)]
struct SourceArgs {
    /// Pick the GPU adapter whose name contains this text (case-insensitive); see `kenyon adapters`.
    #[arg(long, env = "KENYON_ADAPTER")]
    adapter: Option<String>,
    /// Seed of the PN -> KC connectivity (the same seed gives the same synapses everywhere).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder with the MNIST IDX files (gzip or raw).
    #[arg(long, env = "KENYON_MNIST_DIR", default_value_os_t = mnist::default_dir())]
    mnist_dir: PathBuf,
    /// Host threads (0: one per core): the CPU backend's workers, and the threads that
    /// unpack a large batch's recordings on either backend. Spikes don't depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

#[derive(Args, Clone)]
struct NetworkArgs {
    /// Backend to simulate on.
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    backend: Backend,
    /// Images simulated at once, each in its own copy of the network (GeNN's batch_size).
    /// Spikes don't depend on it; throughput does.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=65_535))]
    batch: u32,
    /// Add the tutorial's part 3 gain control: a giant GABAergic neuron (GGN) that counts
    /// KC spikes and inhibits every KC, keeping a few hundred KCs active per image.
    #[arg(long)]
    gain_control: bool,
    #[command(flatten)]
    source: SourceArgs,
}

#[derive(Args, Clone)]
struct RunArgs {
    /// Number of images to present.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..))]
    images: u32,
    /// Index of the first image.
    #[arg(long, default_value_t = 0)]
    start: u32,
    /// Which MNIST set to draw images from.
    #[arg(long, value_enum, default_value_t = SplitArg::Train)]
    split: SplitArg,
    #[command(flatten)]
    network: NetworkArgs,
    /// Folder for the raster plots (one PNG per image).
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Don't write raster plots.
    #[arg(long)]
    no_plots: bool,
    /// Write per-image results (index, label, pn_spikes, kc_spikes, kc_active) as JSON.
    #[arg(long, value_name = "FILE")]
    summary_json: Option<PathBuf>,
    /// Save the PN -> KC synapses as an int32 .npy of shape (2, S): row 0 presynaptic, row 1 postsynaptic indices.
    #[arg(long, value_name = "FILE.npy")]
    save_connectivity: Option<PathBuf>,
    /// Save every image's spikes as .npy files (imageNNNNN_{pn,kc}_{times,ids}.npy; times in ms).
    #[arg(long, value_name = "DIR")]
    save_spikes: Option<PathBuf>,
}

#[derive(Args, Clone)]
struct TrainArgs {
    /// Folder for the trained model: kc_mbon_g.npy (float32, 20000 x 10), the PN -> KC
    /// synapses pn_kc_connectivity.npy (int32, 2 x S) and a histogram of the weights.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Training images to learn from, in order from the first (the tutorial uses all 60 000).
    #[arg(long, default_value_t = 60_000, value_parser = clap::value_parser!(u32).range(1..))]
    images: u32,
    /// Backend to learn on (learning runs with batch size 1, one image after another).
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    backend: Backend,
    #[command(flatten)]
    source: SourceArgs,
}

#[derive(Args, Clone)]
struct TestArgs {
    /// Folder of a model written by `kenyon train`.
    #[arg(long, value_name = "DIR")]
    model: PathBuf,
    /// Test images to classify, from the first (the tutorial uses all 10 000).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    images: u32,
    /// Images simulated at once (the answers don't depend on it).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=65_535))]
    batch: u32,
    /// Backend to simulate on.
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    backend: Backend,
    /// Folder for the confusion matrix plot.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    #[command(flatten)]
    source: SourceArgs,
}

#[derive(Args, Clone)]
struct BenchArgs {
    /// Images timed per backend and batch size (after one warm-up batch); rounded up to
    /// at least two whole batches.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    images: u32,
    /// Timed runs per row; the row shows the median.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
    /// Batch sizes to time, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,8,64,256", value_parser = clap::value_parser!(u32).range(1..=65_535))]
    batch: Vec<u32>,
    /// Backends to time.
    #[arg(long, value_enum, default_value_t = BenchBackends::All)]
    backend: BenchBackends,
    /// How the GPU's neuron update spreads each spike word's 32 neurons over invocations
    /// (to time the layouts against each other; spikes don't depend on it).
    #[arg(long, value_enum, default_value_t = NeuronUpdateArg::Auto)]
    neuron_update: NeuronUpdateArg,
    #[command(flatten)]
    source: SourceArgs,
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

/// Mesa's Vulkan and GL drivers print "error: XDG_RUNTIME_DIR is invalid or not set" on
/// every adapter they open when the variable is missing (containers, CI), which reads
/// like a failure of kenyon's. Point it at a private folder of ours instead.
#[cfg(target_os = "linux")]
fn quiet_mesa_runtime_dir_warning() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| !d.is_empty()) {
        return;
    }
    let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("kenyon-runtime-{uid}"));
    let private = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)))
        .and_then(|()| std::fs::metadata(&dir))
        .is_ok_and(|m| m.uid() == uid);
    if private {
        // SAFETY: called first thing in main, before any other thread exists.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
    }
}

#[cfg(not(target_os = "linux"))]
fn quiet_mesa_runtime_dir_warning() {}

/// Rust ignores SIGPIPE, so printing to a closed pipe (`kenyon bench | head`) panics;
/// command-line tools should instead end quietly, as the default action does.
#[cfg(unix)]
fn default_sigpipe() {
    // SAFETY: called first thing in main, before any other thread exists; SIG_DFL is a
    // valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn default_sigpipe() {}

fn main() {
    default_sigpipe();
    quiet_mesa_runtime_dir_warning();
    let cli = Cli::parse();
    let result = match cli.command {
        None => run(&cli.run),
        Some(Command::Run(args)) => run(&args),
        Some(Command::Train(args)) => train(&args),
        Some(Command::Test(args)) => test(&args),
        Some(Command::Bench(args)) => bench(&args),
        Some(Command::Adapters) => adapters(),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn adapters() -> Result<()> {
    let list = kenyon::gpu::list_adapters();
    if list.is_empty() {
        println!(
            "no GPU adapters found (install a Vulkan/Metal/DX12 driver, or Mesa's lavapipe); `--backend cpu` always works"
        );
    }
    for a in list {
        println!("{a}{}", if a.is_hardware() { "" } else { "  [software]" });
    }
    Ok(())
}

#[derive(Serialize)]
struct ImageSummary {
    index: u32,
    label: u8,
    pn_spikes: u64,
    kc_spikes: u64,
    kc_active: u32,
    /// With gain control.
    #[serde(skip_serializing_if = "Option::is_none")]
    ggn_spikes: Option<u64>,
}

#[derive(Serialize)]
struct RunSummary<'a> {
    backend: &'a str,
    seed: u64,
    split: &'a str,
    dt_ms: f64,
    steps_per_image: u32,
    batch_size: u32,
    /// Wall-clock time over all images, per image.
    ms_per_image: f64,
    images: &'a [ImageSummary],
}

fn split_of(arg: SplitArg) -> (Split, &'static str) {
    match arg {
        SplitArg::Train => (Split::Train, "train"),
        SplitArg::Test => (Split::Test, "test"),
    }
}

/// Draws the tutorial network's connectivity and loads it on the chosen backend.
fn load_network(args: &NetworkArgs) -> Result<(MushroomBody, BuiltNetwork, Box<dyn Simulator>)> {
    let mb = tutorial_network(args);
    let (built, sim) = build_and_load(
        &mb,
        &args.source,
        args.backend,
        network_config(args),
        "tutorial network",
    )?;
    Ok((mb, built, sim))
}

/// The tutorial network `args` describe, built (connectivity drawn) but not yet loaded.
fn build_network(args: &NetworkArgs) -> Result<(MushroomBody, BuiltNetwork)> {
    let mb = tutorial_network(args);
    let built = build(&mb, &args.source, "tutorial network")?;
    Ok((mb, built))
}

fn tutorial_network(args: &NetworkArgs) -> MushroomBody {
    if args.gain_control {
        tutorial::mushroom_body_with_gain_control()
    } else {
        tutorial::mushroom_body()
    }
}

/// Draws `mb`'s connectivity from the seed in `source`; `what` names it in errors.
fn build(mb: &MushroomBody, source: &SourceArgs, what: &str) -> Result<BuiltNetwork> {
    mb.network
        .build(source.seed)
        .with_context(|| format!("building the {what}"))
}

/// [`build`], then loads the network on `backend` (and the adapter `source` names).
fn build_and_load(
    mb: &MushroomBody,
    source: &SourceArgs,
    backend: Backend,
    config: SimConfig,
    what: &str,
) -> Result<(BuiltNetwork, Box<dyn Simulator>)> {
    let built = build(mb, source, what)?;
    let sim = simulator::load(&built, backend.into(), source.adapter.as_deref(), config)
        .with_context(|| format!("loading the {what}"))?;
    Ok((built, sim))
}

fn network_config(args: &NetworkArgs) -> SimConfig {
    SimConfig {
        recording_steps: tutorial::PRESENT_STEPS,
        batch_size: args.batch,
        threads: args.source.threads,
    }
}

fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} images  {per_sec}  ETA {eta}")
    {
        bar.set_style(style);
    }
    bar
}

fn run(args: &RunArgs) -> Result<()> {
    let (split, split_name) = split_of(args.split);
    let data = mnist::load(&args.network.source.mnist_dir, split)?;
    let end = u64::from(args.start) + u64::from(args.images);
    if end > data.images.len() as u64 {
        bail!(
            "--start {} --images {} needs images up to #{}, but the {split_name} set has {} images",
            args.start,
            args.images,
            end - 1,
            data.images.len()
        );
    }
    if data.images.pixels_per_image() != tutorial::NUM_PN as usize {
        bail!(
            "images have {} pixels but the network has {} projection neurons (one per pixel of a 28x28 image)",
            data.images.pixels_per_image(),
            tutorial::NUM_PN
        );
    }
    let t0 = Instant::now();
    let (mb, built, mut sim) = load_network(&args.network)?;
    println!(
        "kenyon: {} PN -> {} KC, {} synapses (seed {}), on {} (set up in {:.0} ms)",
        tutorial::NUM_PN,
        tutorial::NUM_KC,
        built.synapse_groups[mb.pn_kc.index()].connectivity.len(),
        args.network.source.seed,
        sim.description(),
        t0.elapsed().as_secs_f64() * 1e3
    );
    if let Some(path) = &args.save_connectivity {
        save_connectivity(&built, &mb, path)?;
        println!("saved PN -> KC connectivity to {}", path.display());
    }
    if !args.no_plots {
        std::fs::create_dir_all(&args.out)
            .with_context(|| format!("creating the plot folder {}", args.out.display()))?;
    }
    if let Some(dir) = &args.save_spikes {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the spike folder {}", dir.display()))?;
    }

    let bar = (args.images > 4).then(|| progress_bar(u64::from(args.images)));
    let mut summaries = Vec::with_capacity(args.images as usize);
    let first = args.start as usize;
    let t_all = Instant::now();
    // Time spent writing plots and files, left out of the time per image.
    let mut output_time = std::time::Duration::ZERO;
    tutorial::present_all(
        sim.as_mut(),
        &mb,
        args.images as usize,
        |k| {
            let pixels = data
                .images
                .image(first + k)
                .context("image index out of range")?;
            Ok(mnist::input_currents(pixels, mnist::INPUT_SCALE))
        },
        |k0, responses| {
            let t_output = Instant::now();
            for (k, response) in responses.iter().enumerate() {
                let index = (first + k0 + k) as u32;
                let label = data.labels[index as usize];
                let summary = ImageSummary {
                    index,
                    label,
                    pn_spikes: response.pn.spike_count(),
                    kc_spikes: response.kc.spike_count(),
                    kc_active: response.kc.active_neurons(),
                    ggn_spikes: response.ggn.as_ref().map(SpikeRecording::spike_count),
                };
                let mut line = format!(
                    "image {index} (label {label}): {} PN spikes, {} KC spikes, {} KC active",
                    summary.pn_spikes, summary.kc_spikes, summary.kc_active
                );
                if let Some(n) = summary.ggn_spikes {
                    line += &format!(", {n} GGN spikes");
                }
                match &bar {
                    // A hidden bar (output not a terminal) drops what it is given to print.
                    Some(b) if !b.is_hidden() => b.println(line),
                    _ => println!("{line}"),
                }
                if !args.no_plots {
                    let path = args.out.join(format!("raster_{split_name}_{index:05}.png"));
                    write_raster(&path, response, index, label, summary.kc_active)?;
                }
                if let Some(dir) = &args.save_spikes {
                    save_spikes(dir, index, response)?;
                }
                summaries.push(summary);
                if let Some(b) = &bar {
                    b.inc(1);
                }
            }
            output_time += t_output.elapsed();
            Ok::<(), anyhow::Error>(())
        },
    )
    .context("simulating the images")?;
    let total_ms = (t_all.elapsed().saturating_sub(output_time)).as_secs_f64() * 1e3;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mean_ms = total_ms / summaries.len().max(1) as f64;
    let mean_active = summaries
        .iter()
        .map(|s| f64::from(s.kc_active))
        .sum::<f64>()
        / summaries.len() as f64;
    println!(
        "{} image{}: mean {:.0} KC active, {:.2} ms per image (20 ms of model time each) on {}",
        summaries.len(),
        if summaries.len() == 1 { "" } else { "s" },
        mean_active,
        mean_ms,
        sim.description()
    );
    if !args.no_plots {
        println!("raster plots written to {}", args.out.display());
    }
    if let Some(path) = &args.summary_json {
        let description = sim.description();
        let summary = RunSummary {
            backend: &description,
            seed: args.network.source.seed,
            split: split_name,
            dt_ms: tutorial::DT,
            steps_per_image: tutorial::PRESENT_STEPS,
            batch_size: args.network.batch,
            ms_per_image: mean_ms,
            images: &summaries,
        };
        kenyon::output::write_atomically(path, |w| {
            serde_json::to_writer_pretty(&mut *w, &summary).map_err(std::io::Error::other)?;
            std::io::Write::write_all(w, b"\n")
        })
        .with_context(|| format!("writing the summary to {}", path.display()))?;
        println!("summary written to {}", path.display());
    }
    Ok(())
}

fn write_raster(
    path: &Path,
    r: &StimulusResponse,
    index: u32,
    label: u8,
    kc_active: u32,
) -> Result<()> {
    let (pn_t, pn_i) = r.pn.decode();
    let (kc_t, kc_i) = r.kc.decode();
    let ggn = r.ggn.as_ref().map(|g| (g.n_neurons, g.decode()));
    let mut panels = vec![
        plot::RasterPanel {
            label: "PN",
            n_neurons: r.pn.n_neurons,
            times_ms: &pn_t,
            ids: &pn_i,
        },
        plot::RasterPanel {
            label: "KC",
            n_neurons: r.kc.n_neurons,
            times_ms: &kc_t,
            ids: &kc_i,
        },
    ];
    if let Some((n_neurons, (times_ms, ids))) = &ggn {
        panels.push(plot::RasterPanel {
            label: "GGN",
            n_neurons: *n_neurons,
            times_ms,
            ids,
        });
    }
    let title = format!("Image {index} (label {label}): {kc_active} KC active");
    plot::raster_png(path, &title, tutorial::PRESENT_TIME_MS as f32, &panels)?;
    Ok(())
}

fn save_connectivity(built: &BuiltNetwork, mb: &MushroomBody, path: &Path) -> Result<()> {
    let (pre, post) = built.synapse_groups[mb.pn_kc.index()]
        .connectivity
        .pre_post_pairs();
    let s = pre.len();
    let data: Vec<i32> = pre.iter().chain(&post).map(|&i| i as i32).collect();
    npy::write_npy(path, &[2, s], &data)?;
    Ok(())
}

fn save_spikes(dir: &Path, index: u32, r: &StimulusResponse) -> Result<()> {
    for (name, rec) in [("pn", &r.pn), ("kc", &r.kc)] {
        let (times, ids) = rec.decode();
        let ids: Vec<i32> = ids.iter().map(|&i| i as i32).collect();
        npy::write_npy(
            &dir.join(format!("image{index:05}_{name}_times.npy")),
            &[times.len()],
            &times,
        )?;
        npy::write_npy(
            &dir.join(format!("image{index:05}_{name}_ids.npy")),
            &[ids.len()],
            &ids,
        )?;
    }
    Ok(())
}

/// File names of a trained model in its folder.
const MODEL_WEIGHTS: &str = "kc_mbon_g.npy";
const MODEL_CONNECTIVITY: &str = "pn_kc_connectivity.npy";
const MODEL_HISTOGRAM: &str = "kc_mbon_g_histogram.png";

fn train(args: &TrainArgs) -> Result<()> {
    let data = mnist::load(&args.source.mnist_dir, Split::Train)?;
    let n = args.images as usize;
    if n > data.images.len() {
        bail!(
            "--images {n}: the training set has only {} images",
            data.images.len()
        );
    }
    let mb = tutorial::mushroom_body_for_training();
    let config = SimConfig {
        threads: args.source.threads,
        ..SimConfig::DEFAULT
    };
    let (built, mut sim) =
        build_and_load(&mb, &args.source, args.backend, config, "training network")?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating the model folder {}", args.out.display()))?;
    println!(
        "training on {n} images (seed {}) on {}",
        args.source.seed,
        sim.description()
    );
    let bar = progress_bar(n as u64);
    let t = Instant::now();
    let mut kc_active = 0u64;
    for i in 0..n {
        let pixels = data.images.image(i).context("image index out of range")?;
        let currents = mnist::input_currents(pixels, mnist::INPUT_SCALE);
        let r = tutorial::present_training(sim.as_mut(), &mb, &currents, data.labels[i])
            .with_context(|| format!("training on image {i}"))?;
        kc_active += u64::from(r.kc.active_neurons());
        bar.inc(1);
    }
    bar.finish_and_clear();
    let secs = t.elapsed().as_secs_f64();
    let output = mb
        .output
        .context("the training network has no output neurons")?;
    let g = sim.read_weights(output.kc_mbon)?;
    let weights = args.out.join(MODEL_WEIGHTS);
    npy::write_npy(
        &weights,
        &[tutorial::NUM_KC as usize, tutorial::NUM_MBON as usize],
        &g,
    )?;
    save_connectivity(&built, &mb, &args.out.join(MODEL_CONNECTIVITY))?;
    let histogram = args.out.join(MODEL_HISTOGRAM);
    // Most weights stay at 0 (KCs that never fired with a digit's teacher): plot the rest.
    let zeros = g.iter().filter(|&&w| w == 0.0).count();
    let learned: Vec<f32> = g.iter().copied().filter(|&w| w != 0.0).collect();
    if !learned.is_empty() {
        plot::histogram_png(
            &histogram,
            &format!("KC -> MBON weights above 0 after {n} images ({zeros} at 0)"),
            "g",
            &learned,
            50,
        )?;
    }
    let nonzero = g.iter().filter(|&&w| w > 0.0).count();
    println!(
        "{n} images in {secs:.1} s ({:.2} ms per image), mean {:.0} KC active; {nonzero} of {} weights above 0, max {:.4}",
        secs * 1e3 / n as f64,
        kc_active as f64 / n as f64,
        g.len(),
        g.iter().copied().fold(0.0f32, f32::max)
    );
    println!(
        "model written to {} ({MODEL_WEIGHTS}, {MODEL_CONNECTIVITY}, {MODEL_HISTOGRAM})",
        args.out.display()
    );
    Ok(())
}

/// Reads a model written by `train`, checking the files' kinds and shapes.
fn load_model(dir: &Path) -> Result<(Vec<u32>, Vec<u32>, Vec<f32>)> {
    let path = dir.join(MODEL_CONNECTIVITY);
    let (shape, ids) = npy::read_npy::<i32>(&path)
        .context("reading the PN -> KC synapses (written by `kenyon train`)")?;
    if shape.len() != 2 || shape[0] != 2 {
        bail!(
            "{}: expected the shape (2, S) of PN -> KC synapse indices, found {shape:?}",
            path.display()
        );
    }
    let s = shape[1];
    let as_index = |v: &[i32], what: &str, n: u32| -> Result<Vec<u32>> {
        v.iter()
            .map(|&i| {
                u32::try_from(i).ok().filter(|&i| i < n).with_context(|| {
                    format!(
                        "{}: {what} index {i} is out of range 0..{n}",
                        path.display()
                    )
                })
            })
            .collect()
    };
    let pre = as_index(&ids[..s], "PN", tutorial::NUM_PN)?;
    let post = as_index(&ids[s..], "KC", tutorial::NUM_KC)?;
    let path = dir.join(MODEL_WEIGHTS);
    let (shape, g) = npy::read_npy::<f32>(&path)
        .context("reading the KC -> MBON weights (written by `kenyon train`)")?;
    let expected = [tutorial::NUM_KC as usize, tutorial::NUM_MBON as usize];
    if shape != expected {
        bail!(
            "{}: expected KC -> MBON weights of shape {expected:?}, found {shape:?}",
            path.display()
        );
    }
    Ok((pre, post, g))
}

fn test(args: &TestArgs) -> Result<()> {
    let (pre, post, g) = load_model(&args.model)?;
    let data = mnist::load(&args.source.mnist_dir, Split::Test)?;
    let n = args.images as usize;
    if n > data.images.len() {
        bail!(
            "--images {n}: the test set has only {} images",
            data.images.len()
        );
    }
    let mb = tutorial::mushroom_body_for_testing(pre, post, g);
    let config = SimConfig {
        batch_size: args.batch,
        threads: args.source.threads,
        ..SimConfig::DEFAULT
    };
    let (_, mut sim) = build_and_load(
        &mb,
        &args.source,
        args.backend,
        config,
        "test network from the model",
    )?;
    println!("testing on {n} images on {}", sim.description());
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating the plot folder {}", args.out.display()))?;
    let classes = tutorial::NUM_MBON as usize;
    // Rows: true digit; columns: answer, the last one "no MBON spiked".
    let mut confusion = vec![vec![0u64; classes + 1]; classes];
    let bar = progress_bar(n as u64);
    let t = Instant::now();
    tutorial::present_all(
        sim.as_mut(),
        &mb,
        n,
        |i| {
            let pixels = data.images.image(i).context("image index out of range")?;
            Ok(mnist::input_currents(pixels, mnist::INPUT_SCALE))
        },
        |first, responses| {
            for (k, r) in responses.iter().enumerate() {
                let label = usize::from(data.labels[first + k]);
                let answer = r
                    .mbon
                    .as_ref()
                    .and_then(tutorial::classify)
                    .map_or(classes, |a| a as usize);
                if let Some(row) = confusion.get_mut(label) {
                    row[answer.min(classes)] += 1;
                }
                bar.inc(1);
            }
            Ok::<(), anyhow::Error>(())
        },
    )
    .context("classifying the test images")?;
    bar.finish_and_clear();
    let secs = t.elapsed().as_secs_f64();
    let correct: u64 = (0..classes).map(|c| confusion[c][c]).sum();
    println!(
        "{correct}/{n} correct ({:.2} %)  [{:.2} ms per image]",
        100.0 * correct as f64 / n as f64,
        secs * 1e3 / n as f64
    );
    println!("confusion matrix (rows: true digit; columns: answer, '-' no MBON spiked):");
    let mut header = String::from("     ");
    for c in 0..classes {
        header += &format!("{c:>6}");
    }
    println!("{header}{:>6}", "-");
    for (d, row) in confusion.iter().enumerate() {
        let cells: String = row.iter().map(|n| format!("{n:>6}")).collect();
        println!("{d:>5}{cells}");
    }
    let names: Vec<String> = (0..classes)
        .map(|c| c.to_string())
        .chain(["none".to_owned()])
        .collect();
    let path = args.out.join("confusion_matrix.png");
    plot::confusion_png(
        &path,
        &format!(
            "{correct}/{n} correct ({:.2} %)",
            100.0 * correct as f64 / n as f64
        ),
        &confusion,
        &names,
    )?;
    println!("confusion matrix plot written to {}", path.display());
    Ok(())
}

fn bench(args: &BenchArgs) -> Result<()> {
    let data = mnist::load(&args.source.mnist_dir, Split::Train)?;
    // Each batch size rounds the image count up to whole batches: load what the one
    // needing the most uses.
    let (most, needs_most) = args
        .batch
        .iter()
        .map(|&b| (bench_images(args.images, b), b))
        .max()
        .unwrap_or((0, 1));
    if data.images.len() < most {
        bail!(
            "benchmarking batch size {needs_most} uses {most} images but the training set has {}",
            data.images.len()
        );
    }
    let currents: Vec<Vec<f32>> = (0..most)
        .filter_map(|i| data.images.image(i))
        .map(|p| mnist::input_currents(p, mnist::INPUT_SCALE))
        .collect();
    let backends: Vec<Backend> = match args.backend {
        BenchBackends::Cpu => vec![Backend::Cpu],
        BenchBackends::Gpu => vec![Backend::Gpu],
        BenchBackends::All => {
            let mut v = vec![Backend::Cpu];
            if args.source.adapter.is_some() || !kenyon::gpu::list_adapters().is_empty() {
                v.push(Backend::Gpu);
            }
            v
        }
    };
    println!(
        "tutorial PN -> KC network, {} timesteps per image, seed {}; wall-clock time from the first \
         image in to the last recording out, median of {} runs after one warm-up batch",
        tutorial::PRESENT_STEPS,
        args.source.seed,
        args.repeat
    );
    println!(
        "{:<64} {:>6} {:>7} {:>10} {:>10} {:>12}",
        "backend", "batch", "images", "ms/image", "images/s", "us/timestep"
    );
    for backend in backends {
        for &batch in &args.batch {
            let network = NetworkArgs {
                backend,
                batch,
                gain_control: false,
                source: args.source.clone(),
            };
            let layout = match args.neuron_update {
                NeuronUpdateArg::Auto => None,
                NeuronUpdateArg::PerWord => Some(NeuronUpdateLayout::InvocationPerWord),
                NeuronUpdateArg::PerQuad => Some(NeuronUpdateLayout::InvocationPerQuad),
            };
            let (mb, mut sim, description) = match (backend, layout) {
                (Backend::Gpu, Some(layout)) => {
                    let (mb, built) = build_network(&network)?;
                    let mut ctx = GpuContext::new(args.source.adapter.as_deref())?;
                    ctx.neuron_update = layout;
                    let sim = GpuSimulation::new(ctx, &built, network_config(&network))?;
                    let description = sim.description()
                        + match layout {
                            NeuronUpdateLayout::InvocationPerWord => " [per word]",
                            NeuronUpdateLayout::InvocationPerQuad => " [per quad]",
                        };
                    (mb, Box::new(sim) as Box<dyn Simulator>, description)
                }
                _ => {
                    let (mb, _, sim) = load_network(&network)?;
                    let description = sim.description();
                    (mb, sim, description)
                }
            };
            let images = bench_images(args.images, batch);
            let run = |sim: &mut dyn Simulator, count: usize| {
                tutorial::present_all(
                    sim,
                    &mb,
                    count,
                    |k| Ok::<_, kenyon::SimError>(currents[k].clone()),
                    |_, responses| {
                        std::hint::black_box(responses);
                        Ok(())
                    },
                )
            };
            // Warm-up: shader compilation and first-touch allocation happen here.
            run(sim.as_mut(), batch as usize)?;
            let mut times = Vec::new();
            for _ in 0..args.repeat {
                let t = Instant::now();
                run(sim.as_mut(), images)?;
                times.push(t.elapsed().as_secs_f64());
            }
            times.sort_by(f64::total_cmp);
            let secs = times[times.len() / 2];
            let ms = secs * 1e3 / images as f64;
            let batches = images.div_ceil(batch as usize);
            println!(
                "{:<64} {:>6} {:>7} {:>10.3} {:>10.1} {:>12.2}",
                description,
                batch,
                images,
                ms,
                images as f64 / secs,
                secs * 1e6 / (batches as f64 * f64::from(tutorial::PRESENT_STEPS))
            );
        }
    }
    println!("us/timestep: wall-clock time per timestep of a whole batch");
    Ok(())
}

/// Images a bench row times: at least `requested`, and at least two whole batches.
fn bench_images(requested: u32, batch: u32) -> usize {
    let batches = u64::from(requested.div_ceil(batch).max(2));
    usize::try_from(batches * u64::from(batch)).unwrap_or(usize::MAX)
}
