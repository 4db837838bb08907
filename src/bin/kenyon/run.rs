//! `kenyon run` (the default): present MNIST images to the tutorial network and report
//! what the Kenyon cells did, image by image.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::ProgressBar;
use serde::Serialize;

use crate::args::{NetworkArgs, SplitArg, progress_bar};
use kenyon::io::mnist::{self, Dataset};
use kenyon::io::{atomic_file, npy};
use kenyon::tutorial::{self, StimulusResponse};
use kenyon::{SpikeRecording, plot};

#[derive(Args, Clone)]
pub(crate) struct RunArgs {
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
    /// Save every image's spikes as .npy files (imageNNNNN_{pn,kc}_{times,ids}.npy, and
    /// _ggn_ with --gain-control; times in ms).
    #[arg(long, value_name = "DIR")]
    save_spikes: Option<PathBuf>,
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

pub(crate) fn run(args: &RunArgs) -> Result<()> {
    // More batch entries than images would only take memory.
    let mut args = args.clone();
    args.network.batch = args.network.batch.min(args.images);
    let args = &args;
    let (split, split_name) = args.split.split();
    let data = args.network.source.mnist(split)?;
    check_range(args, &data, split_name)?;
    let t0 = Instant::now();
    let (mb, built, mut sim) = args.network.load()?;
    // After loading, so a network that fails to load leaves no folders behind; before
    // simulating, so an output that can't be written costs no simulated images.
    prepare_outputs(args)?;
    let pn_kc = &built.synapse_groups[mb.pn_kc.index()].connectivity;
    println!(
        "kenyon: {} PN -> {} KC, {} synapses (seed {}), on {} (set up in {:.0} ms)",
        tutorial::NUM_PN,
        tutorial::NUM_KC,
        pn_kc.len(),
        args.network.seed,
        sim.description(),
        t0.elapsed().as_secs_f64() * 1e3
    );
    if let Some(path) = &args.save_connectivity {
        tutorial::save_synapses(path, pn_kc)?;
        println!("saved PN -> KC connectivity to {}", path.display());
    }
    let quiet = args.network.source.quiet;
    let mut report = Report {
        args,
        data: &data,
        split_name,
        bar: (args.images > 4).then(|| progress_bar(u64::from(args.images), quiet)),
        summaries: Vec::with_capacity(args.images as usize),
        output_time: Duration::ZERO,
    };
    let first = args.start as usize;
    let t_all = Instant::now();
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
        |k0, responses| report.batch(first + k0, &responses),
    )
    .context("presenting the images")?;
    // Time spent writing plots and files is left out of the time per image.
    let total_ms = (t_all.elapsed().saturating_sub(report.output_time)).as_secs_f64() * 1e3;
    report.finish(total_ms, &sim.description())
}

/// Creates the folders of every output and checks each can be written, before any
/// image is simulated.
fn prepare_outputs(args: &RunArgs) -> Result<()> {
    let mut dirs = vec![];
    if !args.no_plots {
        dirs.push(("plot folder", &args.out));
    }
    if let Some(dir) = &args.save_spikes {
        dirs.push(("spike folder", dir));
    }
    for (what, dir) in dirs {
        atomic_file::prepare_output_dir(dir)
            .with_context(|| format!("cannot write the {what} {}", dir.display()))?;
    }
    let files = [
        ("summary", &args.summary_json),
        ("connectivity", &args.save_connectivity),
    ];
    for (what, path) in files {
        if let Some(path) = path {
            atomic_file::prepare_output_file(path)
                .with_context(|| format!("cannot write the {what} to {}", path.display()))?;
        }
    }
    // After the folders exist, so that `new/../x` and `x` are known to be one file.
    if let (Some(a), Some(b)) = (&args.summary_json, &args.save_connectivity)
        && atomic_file::same_output(a, b)
    {
        bail!(
            "--summary-json and --save-connectivity both name {}: give each its own file",
            a.display()
        );
    }
    Ok(())
}

/// Refuses an image range past the end of the set, or images that are not the PNs'.
fn check_range(args: &RunArgs, data: &Dataset, split_name: &str) -> Result<()> {
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
    Ok(())
}

/// What a run reports, image by image and at the end.
struct Report<'a> {
    args: &'a RunArgs,
    data: &'a Dataset,
    split_name: &'static str,
    bar: Option<ProgressBar>,
    summaries: Vec<ImageSummary>,
    /// Time spent writing plots and files.
    output_time: Duration,
}

impl Report<'_> {
    /// Reports a batch of responses to the images from `first` on.
    fn batch(&mut self, first: usize, responses: &[StimulusResponse]) -> Result<()> {
        let t_output = Instant::now();
        for (k, response) in responses.iter().enumerate() {
            let index = (first + k) as u32;
            let done = self.summaries.len();
            self.image(index, response).with_context(|| {
                format!("writing the outputs of image {index} (those of the {done} images before it are complete)")
            })?;
        }
        self.output_time += t_output.elapsed();
        Ok(())
    }

    /// Prints image `index`'s line and writes its files.
    fn image(&mut self, index: u32, response: &StimulusResponse) -> Result<()> {
        let label = self.data.labels[index as usize];
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
        match &self.bar {
            _ if self.args.network.source.quiet => {}
            // A hidden bar (output not a terminal) drops what it is given to print.
            Some(bar) if !bar.is_hidden() => bar.println(line),
            _ => println!("{line}"),
        }
        if !self.args.no_plots {
            let name = format!("raster_{}_{index:05}.png", self.split_name);
            write_raster(
                &self.args.out.join(name),
                response,
                index,
                label,
                summary.kc_active,
            )?;
        }
        if let Some(dir) = &self.args.save_spikes {
            save_spikes(dir, index, response)?;
        }
        self.summaries.push(summary);
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        Ok(())
    }

    /// The closing lines and the summary file, `total_ms` the simulation's time.
    fn finish(self, total_ms: f64, description: &str) -> Result<()> {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let n = self.summaries.len();
        let mean_ms = total_ms / n.max(1) as f64;
        let mean_active = self
            .summaries
            .iter()
            .map(|s| f64::from(s.kc_active))
            .sum::<f64>()
            / n as f64;
        println!(
            "{n} image{}: mean {mean_active:.0} KC active, {mean_ms:.2} ms per image (20 ms of model time each) on {description}",
            if n == 1 { "" } else { "s" },
        );
        if !self.args.no_plots {
            println!("raster plots written to {}", self.args.out.display());
        }
        let Some(path) = &self.args.summary_json else {
            return Ok(());
        };
        let summary = RunSummary {
            backend: description,
            seed: self.args.network.seed,
            split: self.split_name,
            dt_ms: tutorial::DT,
            steps_per_image: tutorial::PRESENT_STEPS,
            batch_size: self.args.network.batch,
            ms_per_image: mean_ms,
            images: &self.summaries,
        };
        atomic_file::write_atomically(path, |w| {
            serde_json::to_writer_pretty(&mut *w, &summary).map_err(std::io::Error::other)?;
            std::io::Write::write_all(w, b"\n")
        })
        .with_context(|| format!("writing the summary to {}", path.display()))?;
        println!("summary written to {}", path.display());
        Ok(())
    }
}

/// The raster of one image: PN above KC (and the GGN, with gain control).
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

/// One image's spikes as `.npy` files, the GGN's too with gain control.
fn save_spikes(dir: &Path, index: u32, r: &StimulusResponse) -> Result<()> {
    let ggn = r.ggn.as_ref().map(|g| ("ggn", g));
    for (name, rec) in [("pn", &r.pn), ("kc", &r.kc)].into_iter().chain(ggn) {
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
