//! `kenyon`: GeNN's mushroom-body MNIST tutorial on any GPU (or the CPU), from the shell.
//! One module per subcommand; `args.rs` holds the options and steps they share.

mod adapters;
mod args;
mod bench;
mod bench_networks;
mod platform;
mod run;
mod test;
mod train;
#[cfg(feature = "view")]
mod view;

use clap::{Parser, Subcommand};

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
    run: run::RunArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Present MNIST images to the PN -> KC network and report what the KCs did (the default).
    Run(run::RunArgs),
    /// Tutorial part 4: one pass over the training images, learning the KC -> MBON weights
    /// by STDP from a teacher current; saves the model into a folder.
    Train(train::TrainArgs),
    /// Tutorial part 5: classify test images with a trained model (the first MBON to
    /// spike is the answer); prints the accuracy and a confusion matrix.
    Test(test::TestArgs),
    /// Time the tutorial network per stimulus on the CPU and GPU backends.
    Bench(bench::BenchArgs),
    /// List the GPU adapters wgpu can see, best first.
    Adapters,
    /// The network live in a window: each image's digit and its PN, KC (and GGN)
    /// rasters, drawn by the GPU (`--headless --frames N --screenshot FILE.png`
    /// renders offscreen with no window).
    #[cfg(feature = "view")]
    View(view::ViewArgs),
}

fn main() {
    platform::default_sigpipe();
    if let Err(e) = args::check_environment() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
    let cli = Cli::parse();
    platform::quiet_mesa_runtime_dir_warning();
    let result = match cli.command {
        None => run::run(&cli.run),
        Some(Command::Run(args)) => run::run(&args),
        Some(Command::Train(args)) => train::train(&args),
        Some(Command::Test(args)) => test::test(&args),
        Some(Command::Bench(args)) => bench::bench(&args),
        Some(Command::Adapters) => adapters::adapters(),
        #[cfg(feature = "view")]
        Some(Command::View(args)) => view::view(&args),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
