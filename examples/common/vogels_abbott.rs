//! What `coba.rs`, `cuba.rs` and `brunel.rs` share: the command line, the run, the report and the
//! raster.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use kenyon::io::{atomic_file, npy};
use kenyon::networks::{self, BenchmarkNetwork, SpikeTrains};
use kenyon::plot::{RasterPanel, raster_png};
use kenyon::{BackendChoice, SimConfig};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Backend {
    Auto,
    Cpu,
    Gpu,
}

/// Simulate a benchmark network; print each population's mean firing rate
/// and CV of inter-spike intervals; write a raster PNG.
#[derive(Parser)]
struct Args {
    /// Backend (auto: a hardware GPU if present, else the CPU).
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    backend: Backend,
    /// Model time to simulate, seconds.
    #[arg(long, default_value_t = 1.0)]
    seconds: f64,
    /// Seed of the connectivity and the initial state.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Host threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Raster PNG to write.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Folder to write each population's spikes to, as .npy files of spike times (ms)
    /// and neuron ids (`excitatory_times.npy`, `excitatory_ids.npy`, `inhibitory_...`).
    #[arg(long, value_name = "DIR")]
    save_spikes: Option<PathBuf>,
}

/// Runs `net` as the command line asks, writing the raster to `default_out` unless told
/// otherwise.
pub fn main(net: BenchmarkNetwork, default_out: &str) -> Result<()> {
    let args = Args::parse();
    let steps = args.seconds * 1000.0 / networks::DT;
    if !(steps >= 1.0 && steps <= f64::from(u32::MAX)) {
        bail!(
            "--seconds {} is not a model time kenyon can run: give at least 0.0001 s",
            args.seconds
        );
    }
    let steps = steps.round() as u32;
    let backend = match args.backend {
        Backend::Auto => BackendChoice::Auto,
        Backend::Cpu => BackendChoice::Cpu,
        Backend::Gpu => BackendChoice::Gpu,
    };
    let config = SimConfig {
        recording_steps: networks::RECORDING_CHUNK,
        threads: args.threads,
        ..SimConfig::DEFAULT
    };
    // Before anything is simulated: an output that can't be written costs nothing.
    let out = args.out.unwrap_or_else(|| PathBuf::from(default_out));
    atomic_file::prepare_output_file(&out)
        .with_context(|| format!("cannot write the raster to {}", out.display()))?;
    if let Some(dir) = &args.save_spikes {
        atomic_file::prepare_output_dir(dir)
            .with_context(|| format!("cannot write spikes to {}", dir.display()))?;
    }
    let built = net.network.build(args.seed)?;
    let mut sim = kenyon::load(&built, backend, None, config)?;
    let started = Instant::now();
    let trains = networks::simulate(sim.as_mut(), &net, steps)?;
    let wall = started.elapsed().as_secs_f64();
    let duration_ms = f64::from(steps) * networks::DT;
    println!(
        "{} ({}): {} neurons, seed {}, {:.0} ms of model time on {} in {:.2} s ({:.3} s per biological second)",
        net.name,
        net.source,
        net.sizes.iter().sum::<u32>(),
        args.seed,
        duration_ms,
        sim.description(),
        wall,
        wall / (duration_ms / 1000.0)
    );
    for (label, train) in ["excitatory", "inhibitory"].iter().zip(&trains) {
        let a = networks::activity(train, duration_ms);
        println!(
            "{label}: {} spikes, mean rate {:.2} Hz, CV of ISIs {:.3} ({} neurons with 2+ intervals)",
            a.spikes, a.rate_hz, a.cv_isi, a.neurons_with_cv
        );
    }
    raster(&out, &net, &trains, duration_ms)?;
    println!("raster written to {}", out.display());
    if let Some(dir) = &args.save_spikes {
        save_spikes(dir, &trains)?;
        println!("spikes written to {}", dir.display());
    }
    Ok(())
}

/// Each population's spike times (ms) and neuron ids as `.npy` files in `dir`.
fn save_spikes(dir: &Path, trains: &[SpikeTrains; 2]) -> Result<()> {
    for (label, train) in ["excitatory", "inhibitory"].iter().zip(trains) {
        let ids: Vec<i32> = train.ids.iter().map(|&i| i as i32).collect();
        let times = dir.join(format!("{label}_times.npy"));
        npy::write_npy(&times, &[train.times_ms.len()], &train.times_ms)?;
        npy::write_npy(&dir.join(format!("{label}_ids.npy")), &[ids.len()], &ids)?;
    }
    Ok(())
}

/// Writes the raster of both populations to `out`.
fn raster(
    out: &std::path::Path,
    net: &BenchmarkNetwork,
    trains: &[SpikeTrains; 2],
    duration_ms: f64,
) -> Result<()> {
    let panels: Vec<RasterPanel<'_>> = ["excitatory", "inhibitory"]
        .iter()
        .zip(trains)
        .map(|(label, t)| RasterPanel {
            label,
            n_neurons: t.n_neurons,
            times_ms: &t.times_ms,
            ids: &t.ids,
        })
        .collect();
    let title = format!("{} ({})", net.name, net.source);
    raster_png(out, &title, duration_ms as f32, &panels)
        .with_context(|| format!("writing the raster to {}", out.display()))
}
