//! Options and steps several subcommands share: which backend and data, building and
//! loading the tutorial network, progress bars.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressState, ProgressStyle};

use kenyon::io::mnist::{self, Dataset, Split};
use kenyon::tutorial::{self, MushroomBody};
use kenyon::{BackendChoice, BuiltNetwork, SimConfig, Simulator};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Backend {
    /// A hardware GPU if one is present (or --adapter is given), else the CPU.
    Auto,
    /// The wgpu backend (any adapter, software ones included).
    Gpu,
    /// The native CPU backend.
    Cpu,
}

impl From<Backend> for BackendChoice {
    fn from(backend: Backend) -> Self {
        match backend {
            Backend::Auto => BackendChoice::Auto,
            Backend::Gpu => BackendChoice::Gpu,
            Backend::Cpu => BackendChoice::Cpu,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SplitArg {
    Train,
    Test,
}

impl SplitArg {
    /// The MNIST split and its name in messages and file names.
    pub fn split(self) -> (Split, &'static str) {
        match self {
            SplitArg::Train => (Split::Train, "train"),
            SplitArg::Test => (Split::Test, "test"),
        }
    }
}

#[derive(Args, Clone)]
pub(crate) struct SourceArgs {
    /// Pick the GPU adapter whose name contains this text (case-insensitive); see `kenyon adapters`.
    #[arg(long, env = "KENYON_ADAPTER", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub adapter: Option<String>,
    /// Folder with the MNIST IDX files (gzip or raw) [default: assets/mnist/ of the kenyon
    /// repository that holds the current folder or this program]
    #[arg(long, env = "KENYON_MNIST_DIR", value_name = "DIR")]
    pub mnist_dir: Option<PathBuf>,
    /// Host threads (0: one per core): the CPU backend's workers, and the threads that
    /// unpack a large batch's recordings on either backend. Spikes don't depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Print only the results: no progress bar and no line per image.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The environment variables the options read: the option, the variable, and what to
/// set it to.
const ENVIRONMENT: [(&str, &str, &str); 2] = [
    (
        "--adapter",
        "KENYON_ADAPTER",
        "part of a GPU adapter's name (see `kenyon adapters`)",
    ),
    (
        "--mnist-dir",
        "KENYON_MNIST_DIR",
        "a folder holding the MNIST files",
    ),
];

/// Refuses an option's environment variable that is set but empty, which would otherwise
/// read as a missing value of an option the user never typed, or match every adapter.
/// Not where the variable goes unread: with the option given (the empty variable is then
/// dropped), or for `--help`, `--version` and `adapters`.
pub(crate) fn check_environment() -> Result<()> {
    // args_os: a path that isn't Unicode is the user's right, and clap takes it.
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let asks_for_help = args
        .iter()
        .any(|a| ["-h", "--help", "-V", "--version"].contains(&a.as_str()));
    // The subcommand is the first argument, if it is not an option.
    let command = args.first().filter(|a| !a.starts_with('-'));
    if asks_for_help || command.is_some_and(|c| c == "help" || c == "adapters") {
        return Ok(());
    }
    for (option, var, meaning) in ENVIRONMENT {
        let given = args
            .iter()
            .any(|a| a == option || a.starts_with(&format!("{option}=")));
        let value = std::env::var_os(var);
        if !value.is_some_and(|v| v.to_string_lossy().trim().is_empty()) {
            continue;
        }
        if !given {
            anyhow::bail!(
                "{var} is set but empty: unset it for the default, or set it to {meaning}"
            );
        }
        // The option overrides the variable, but clap would still refuse the empty value.
        // SAFETY: called first thing in main, before any other thread exists.
        unsafe { std::env::remove_var(var) };
    }
    Ok(())
}

impl SourceArgs {
    /// The MNIST images and labels of `split`.
    pub fn mnist(&self, split: Split) -> Result<Dataset> {
        let dir = self.mnist_dir.clone().unwrap_or_else(mnist::default_dir);
        Ok(mnist::load(&dir, split)?)
    }
}

#[derive(Args, Clone)]
pub(crate) struct NetworkArgs {
    /// Backend to simulate on.
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    pub backend: Backend,
    /// Images simulated at once, each in its own copy of the network (GeNN's batch_size).
    /// Spikes don't depend on it; throughput does.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=65_535))]
    pub batch: u32,
    /// Add the tutorial's part 3 gain control: a giant GABAergic neuron (GGN) that counts
    /// KC spikes and inhibits every KC, keeping a few hundred KCs active per image.
    #[arg(long)]
    pub gain_control: bool,
    /// Seed of the PN -> KC connectivity (the same seed gives the same synapses everywhere).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Simulate with the model library's LIF, IF, ExpCurr and DeltaCurr written as WGSL
    /// code strings (kenyon::model::library) instead of the built-in models: the same
    /// spikes, run through the machinery of user-defined models.
    #[arg(long)]
    pub code_strings: bool,
    #[command(flatten)]
    pub source: SourceArgs,
}

impl NetworkArgs {
    /// The tutorial network these options describe.
    pub fn tutorial_network(&self) -> MushroomBody {
        let mb = if self.gain_control {
            tutorial::mushroom_body_with_gain_control()
        } else {
            tutorial::mushroom_body()
        };
        if self.code_strings {
            tutorial::with_code_string_models(mb)
        } else {
            mb
        }
    }

    /// The configuration of a simulation of one image per batch entry.
    pub fn config(&self) -> SimConfig {
        SimConfig {
            recording_steps: tutorial::PRESENT_STEPS,
            batch_size: self.batch,
            threads: self.source.threads,
        }
    }

    /// Draws the tutorial network's connectivity and loads it on the chosen backend.
    pub fn load(&self) -> Result<(MushroomBody, BuiltNetwork, Box<dyn Simulator>)> {
        let mb = self.tutorial_network();
        let what = "tutorial network";
        let source = &self.source;
        let (built, sim) =
            build_and_load(&mb, source, self.seed, self.backend, self.config(), what)?;
        Ok((mb, built, sim))
    }
}

/// Draws `mb`'s connectivity from `seed`; `what` names it in errors.
pub(crate) fn build(mb: &MushroomBody, seed: u64, what: &str) -> Result<BuiltNetwork> {
    mb.network
        .build(seed)
        .with_context(|| format!("building the {what}"))
}

/// [`build`] from `seed`, then loads the network on `backend` (and the adapter `source` names).
pub(crate) fn build_and_load(
    mb: &MushroomBody,
    source: &SourceArgs,
    seed: u64,
    backend: Backend,
    config: SimConfig,
    what: &str,
) -> Result<(BuiltNetwork, Box<dyn Simulator>)> {
    let built = build(mb, seed, what)?;
    let sim = kenyon::load(&built, backend.into(), source.adapter.as_deref(), config)
        .with_context(|| format!("loading the {what}"))?;
    Ok((built, sim))
}

/// Refuses `--images n` where the `set` set (`data`) has fewer.
pub(crate) fn check_count(n: usize, data: &Dataset, set: &str) -> Result<()> {
    if n > data.images.len() {
        anyhow::bail!(
            "--images {n}: the {set} set has only {} images",
            data.images.len()
        );
    }
    Ok(())
}

/// A progress bar over `len` images, with their rate and the time left; hidden where
/// `quiet`.
pub(crate) fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} images  {rate}  ETA {eta}")
    {
        // indicatif's own {per_sec} prints four decimals ("106.6772/s").
        let rate = |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.1} images/s", state.per_sec());
        };
        bar.set_style(style.with_key("rate", rate));
    }
    bar
}
