//! `kenyon test`: tutorial part 5, classifying test images with a trained model; prints
//! the accuracy and a confusion matrix, and plots it.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;

use crate::args::{Backend, SourceArgs, build_and_load, check_count, progress_bar};
use kenyon::io::atomic_file;
use kenyon::io::mnist::{self, Split};
use kenyon::tutorial::{self, TrainedModel};
use kenyon::{SimConfig, plot};

#[derive(Args, Clone)]
pub(crate) struct TestArgs {
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
    /// Run every model, the STDP and StaticPulse synapses included, as the model
    /// library's code strings instead of the built-in models: the same spikes (and on
    /// the CPU the same learned weights), through the machinery of user-defined models.
    #[arg(long)]
    code_strings: bool,
    #[command(flatten)]
    source: SourceArgs,
}

/// Rows: true digit; columns: answer, the last one "no MBON spiked".
type Confusion = Vec<Vec<u64>>;

pub(crate) fn test(args: &TestArgs) -> Result<()> {
    let model = TrainedModel::load(&args.model)?;

    let data = args.source.mnist(Split::Test)?;
    let n = args.images as usize;
    check_count(n, &data, "test")?;
    let trained_images = model.trained_images;
    let mb = match args.code_strings {
        true => tutorial::with_code_string_models(model.network()),
        false => model.network(),
    };
    let config = SimConfig {
        // More entries than images would only take memory.
        batch_size: args.batch.min(args.images),
        threads: args.source.threads,
        ..SimConfig::DEFAULT
    };
    let what = "test network from the model";
    // Every synapse of the test network comes from the model: no seed draws anything.
    let seed = 0;
    let (_, mut sim) = build_and_load(&mb, &args.source, seed, args.backend, config, what)?;
    atomic_file::prepare_output_dir(&args.out)
        .with_context(|| format!("cannot write the plot folder {}", args.out.display()))?;
    println!("testing on {n} images on {}", sim.description());
    let classes = tutorial::NUM_MBON as usize;
    let mut confusion: Confusion = vec![vec![0u64; classes + 1]; classes];
    let bar = progress_bar(n as u64, args.source.quiet);
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
    report(args, &confusion, n, t.elapsed().as_secs_f64())?;
    hint_at_silent_outputs(&confusion, trained_images);
    Ok(())
}

/// Where most images got no answer, says the likely reason: a model that has not
/// learned enough (weights too small for any MBON to reach threshold).
fn hint_at_silent_outputs(confusion: &Confusion, trained_images: Option<u64>) {
    let none: u64 = confusion.iter().filter_map(|row| row.last()).sum();
    let all: u64 = confusion.iter().flatten().sum();
    if none * 2 <= all {
        return;
    }
    let trained = match trained_images {
        Some(n) => format!("this model learned from {n} training images"),
        None => "the model does not say how many images it learned from".to_owned(),
    };
    println!(
        "hint: {none} of {all} images got no answer (no MBON spiked), so the learned weights are too weak to drive the MBONs; {trained}: train on more (the tutorial uses all 60 000)"
    );
}

/// Prints the accuracy and the confusion matrix of `n` images classified in `secs`, and
/// plots the matrix.
fn report(args: &TestArgs, confusion: &Confusion, n: usize, secs: f64) -> Result<()> {
    let classes = confusion.len();
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
        confusion,
        &names,
    )?;
    println!("confusion matrix plot written to {}", path.display());
    Ok(())
}
