//! `kenyon view`: the mushroom body live in a window, or offscreen with a screenshot.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::args::{Backend, SourceArgs, SplitArg};
use kenyon::io::atomic_file;
use kenyon::tutorial::TrainedModel;
use kenyon::view::{self, FrameLimit, ViewOptions};

#[derive(Args, Clone)]
pub(crate) struct ViewArgs {
    /// Draw this many frames, one image each from --start on, then save the last with
    /// --screenshot and exit.
    #[arg(long, value_name = "N", requires = "screenshot", value_parser = clap::value_parser!(u32).range(1..))]
    frames: Option<u32>,
    /// Where --frames saves its last frame (PNG).
    #[arg(long, value_name = "FILE.png", requires = "frames")]
    screenshot: Option<PathBuf>,
    /// Draw the --frames offscreen, with no window, even where there is a display.
    #[arg(long, requires = "frames")]
    headless: bool,
    /// Frame size in pixels, WIDTHxHEIGHT: the offscreen frame's, or the window's to
    /// begin with.
    #[arg(long, default_value = "1280x800", value_parser = parse_size)]
    size: (u32, u32),
    /// How fast images go by to begin with: real-time (20 ms of wall time per image,
    /// as long as each is presented in model time), fastest (as fast as the backend
    /// goes), or milliseconds per image, one of 2000, 1000, 500, 200, 100, 50, 20, 10;
    /// `+` and `-` change it.
    #[arg(long, default_value = "real-time", value_parser = view::Pace::parse)]
    pace: view::Pace,
    /// Frames per second to draw at most [default: the display's refresh rate, or 60
    /// where it doesn't say].
    #[arg(long, value_name = "N", value_parser = parse_fps)]
    fps: Option<f64>,
    /// Close the window this many seconds after the first image (a demo's length, or
    /// a measurement's); frames and images drawn are printed when it closes.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds, conflicts_with = "frames")]
    seconds: Option<std::time::Duration>,
    /// Text and spacing N times their normal size [default: the display's scale
    /// factor; 1 offscreen].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4))]
    text_scale: Option<u32>,
    /// Index of the first image.
    #[arg(long, default_value_t = 0)]
    start: u32,
    /// Which MNIST set to draw images from.
    #[arg(long, value_enum, default_value_t = SplitArg::Train)]
    split: SplitArg,
    /// Backend to simulate on (the drawing is always done by a GPU adapter, software
    /// ones included).
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    backend: Backend,
    /// Start with the tutorial's part 3 gain control (a GGN); `g` toggles it.
    #[arg(long)]
    gain_control: bool,
    /// Seed of the PN -> KC connectivity.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A trained model (a folder from `kenyon train`): show its network, with gain
    /// control and the ten output neurons (MBONs), its answer for each image (the first
    /// MBON to spike) and the running accuracy; `--split test` shows the images it was
    /// not trained on.
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    #[command(flatten)]
    source: SourceArgs,
}

/// A frame rate from 1 to 1000.
fn parse_fps(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (1.0..=1000.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "'{s}' is not a frame rate from 1 to 1000 frames per second"
        )),
    }
}

/// A positive, finite number of seconds.
fn parse_seconds(s: &str) -> Result<std::time::Duration, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0 && *v <= 1e9)
        .map(std::time::Duration::from_secs_f64)
        .ok_or_else(|| format!("'{s}' is not a positive number of seconds"))
}

/// "1280x800" as (1280, 800), each side at least the viewer's minimum.
fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("'{s}' is not WIDTHxHEIGHT, e.g. 1280x800"))?;
    let side = |v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|_| format!("'{v}' is not a whole number of pixels"))
    };
    let (w, h) = (side(w)?, side(h)?);
    let (min_w, min_h) = view::MIN_SIZE;
    if w < min_w || h < min_h || w > 16_384 || h > 16_384 {
        return Err(format!(
            "{w}x{h}: the frame must be from {min_w}x{min_h} to 16384x16384 pixels"
        ));
    }
    Ok((w, h))
}

pub(crate) fn view(args: &ViewArgs) -> Result<()> {
    let (split, split_name) = args.split.split();
    let data = args.source.mnist(split)?;
    if args.start as usize >= data.images.len() {
        bail!(
            "--start {}: the {split_name} set has only {} images",
            args.start,
            data.images.len()
        );
    }
    let model = match &args.model {
        Some(dir) => Some(TrainedModel::load(dir)?),
        None => None,
    };
    let options = ViewOptions {
        backend: args.backend.into(),
        adapter: args.source.adapter.clone(),
        seed: args.seed,
        start: args.start as usize,
        split,
        gain_control: args.gain_control,
        model,
        threads: args.source.threads,
        size: args.size,
        text_scale: args.text_scale,
        pace: args.pace,
        fps: args.fps,
        seconds: args.seconds,
    };
    let limit = match (args.frames, &args.screenshot) {
        (Some(frames), Some(path)) => {
            // Before anything is simulated: a screenshot that can't be written costs
            // nothing.
            atomic_file::prepare_output_file(path)
                .with_context(|| format!("cannot write the screenshot to {}", path.display()))?;
            Some(FrameLimit {
                frames,
                screenshot: path.clone(),
            })
        }
        _ => None,
    };
    match limit {
        Some(limit) if args.headless => {
            let done = view::run_headless(&options, data, limit.frames, &limit.screenshot)?;
            if !args.source.quiet {
                println!(
                    "{} frame(s) drawn offscreen on {} ({:.1} images/s); the last written to {}",
                    done.frames,
                    done.description,
                    done.images_per_second,
                    limit.screenshot.display()
                );
            }
            if let Some((right, answered)) = done.correct {
                println!("{right}/{answered} answered right");
            }
        }
        limit => {
            let path = limit.as_ref().map(|l| l.screenshot.clone());
            let done = view::run_window(&options, data, limit)?;
            if !args.source.quiet {
                println!(
                    "{} frames drawn ({:.1} frames/s); {} images presented in {:.1} s ({:.1} images/s)",
                    done.frames,
                    done.frames_per_second(),
                    done.images,
                    done.seconds,
                    done.images_per_second()
                );
                if let Some(path) = path {
                    println!("the last frame written to {}", path.display());
                }
            }
        }
    }
    Ok(())
}
