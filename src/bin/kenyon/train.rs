//! `kenyon train`: tutorial part 4, one pass over the training images with the KC -> MBON
//! synapses learning by STDP, saved as a model folder.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;

use crate::args::{Backend, SourceArgs, build_and_load, check_count, progress_bar};
use kenyon::io::atomic_folder::FolderError;
use kenyon::io::mnist::{self, Split};
use kenyon::tutorial::{
    self, MODEL_CONNECTIVITY, MODEL_HISTOGRAM, MODEL_MANIFEST, MODEL_WEIGHTS, ModelFileError,
    TrainedModel,
};
use kenyon::{SimConfig, plot};

/// Room a model folder needs beyond its two arrays: the histogram and the manifest.
const MODEL_EXTRA_BYTES: u64 = 1 << 20;

#[derive(Args, Clone)]
pub(crate) struct TrainArgs {
    /// Folder for the trained model: kc_mbon_g.npy (float32, 20000 x 10), the PN -> KC
    /// synapses pn_kc_connectivity.npy (int32, 2 x S), a histogram of the weights and
    /// manifest.json. The folder is replaced whole when training ends, so it must be new,
    /// empty or hold a model.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Training images to learn from, in order from the first (the tutorial uses all 60 000).
    #[arg(long, default_value_t = 60_000, value_parser = clap::value_parser!(u32).range(1..))]
    images: u32,
    /// Backend to learn on (learning runs with batch size 1, one image after another).
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    backend: Backend,
    /// Seed of the PN -> KC connectivity (the same seed gives the same synapses everywhere).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run every model, the STDP and StaticPulse synapses included, as the model
    /// library's code strings instead of the built-in models: the same spikes (and on
    /// the CPU the same learned weights), through the machinery of user-defined models.
    #[arg(long)]
    code_strings: bool,
    #[command(flatten)]
    source: SourceArgs,
}

pub(crate) fn train(args: &TrainArgs) -> Result<()> {
    let data = args.source.mnist(Split::Train)?;
    let n = args.images as usize;
    check_count(n, &data, "training")?;
    let mb = tutorial::mushroom_body_for_training();
    let mb = match args.code_strings {
        true => tutorial::with_code_string_models(mb),
        false => mb,
    };
    let config = SimConfig {
        threads: args.source.threads,
        ..SimConfig::DEFAULT
    };
    let (built, mut sim) = build_and_load(
        &mb,
        &args.source,
        args.seed,
        args.backend,
        config,
        "training network",
    )?;
    let pn_kc = &built.synapse_groups[mb.pn_kc.index()].connectivity;
    // Checked before training, not after: a folder that can't take the model costs
    // nothing yet.
    let writer = tutorial::begin_save(&args.out)
        .with_context(|| format!("preparing the model folder {}", args.out.display()))?;
    writer.check_space(model_bytes(pn_kc.len()))?;
    println!(
        "training on {n} images (seed {}) on {}",
        args.seed,
        sim.description()
    );
    let bar = progress_bar(n as u64, args.source.quiet);
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
    let mut model = TrainedModel::new(pn_kc, g);
    model.trained_images = Some(n as u64);
    let lost = || {
        format!(
            "writing the model to {}: nothing there was changed (a model already there is intact), and the weights learned in this run are lost",
            args.out.display()
        )
    };
    let histogram = plot_weights(&writer.staging().join(MODEL_HISTOGRAM), &model.kc_mbon_g, n)
        .with_context(lost)?;
    match model.finish_save(writer) {
        // The files were written; only their swap into place failed, and the error says
        // where they are.
        Err(e @ ModelFileError::Folder(FolderError::NotCommitted { .. })) => {
            return Err(e).context("the model is trained and saved, but not where asked");
        }
        other => other.with_context(lost)?,
    }
    let per_image_ms = secs * 1e3 / n as f64;
    let mean_active = kc_active as f64 / n as f64;
    print!(
        "{n} images in {secs:.1} s ({per_image_ms:.2} ms per image), mean {mean_active:.0} KC active; "
    );
    report_model(&args.out, &model.kc_mbon_g, histogram);
    Ok(())
}

/// The closing lines: what was learned (`g`) and what was written to `out`.
fn report_model(out: &Path, g: &[f32], histogram: bool) {
    let nonzero = g.iter().filter(|&&w| w > 0.0).count();
    println!(
        "{nonzero} of {} weights above 0, max {:.4}",
        g.len(),
        g.iter().copied().fold(0.0f32, f32::max)
    );
    let histogram = if histogram {
        format!(", {MODEL_HISTOGRAM}")
    } else {
        String::new()
    };
    println!(
        "model written to {} ({MODEL_WEIGHTS}, {MODEL_CONNECTIVITY}{histogram}, {MODEL_MANIFEST})",
        out.display()
    );
    if nonzero == 0 {
        println!("no histogram: every weight is still 0 (too few images to learn from)");
    }
}

/// About how many bytes a model folder with `synapses` PN -> KC synapses takes.
fn model_bytes(synapses: usize) -> u64 {
    let weights = u64::from(tutorial::NUM_KC) * u64::from(tutorial::NUM_MBON) * 4;
    weights + synapses as u64 * 8 + MODEL_EXTRA_BYTES
}

/// The histogram of the learned weights after `n` images. Most weights stay at 0 (KCs
/// that never fired with a digit's teacher): it plots the rest. Returns whether there was
/// anything to plot.
fn plot_weights(path: &Path, g: &[f32], n: usize) -> Result<bool> {
    let zeros = g.iter().filter(|&&w| w == 0.0).count();
    let learned: Vec<f32> = g.iter().copied().filter(|&w| w != 0.0).collect();
    if !learned.is_empty() {
        plot::histogram_png(
            path,
            &format!("KC -> MBON weights above 0 after {n} images ({zeros} at 0)"),
            "g",
            &learned,
            50,
        )?;
    }
    Ok(!learned.is_empty())
}
