//! `kenyon view`: the mushroom body presenting MNIST digits, drawn live by the device
//! that simulates it, in a window (`app.rs`, winit) or offscreen (`headless.rs`).
//!
//! A frame is two layers. The CPU draws the text, axes and digit (`overlay.rs`, with
//! the bundled DejaVu Sans), uploading only the parts that change; the GPU turns each
//! raster panel's spike bitfield into a list of lit cells once per image (`cells.rs`,
//! `shaders/raster_cells.wgsl`): on the GPU backend from the simulation's own recording
//! buffer, with no read-back; on the CPU backend from its recording, uploaded. Each
//! frame is then the overlay copied into the target with the lit cells drawn over it
//! (`render.rs`, `shaders/lit_cells.wgsl`). `layout.rs` says where everything goes,
//! `frame.rs` what changed since the last frame, `pacing.rs` when images and frames are
//! due, `session.rs` runs the simulation.

mod app;
mod cells;
mod frame;
mod headless;
mod layout;
mod overlay;
mod pacing;
mod render;
mod session;

pub use app::{FrameLimit, run_window};
pub use cells::{MAX_PANELS, PanelDraw, SpikeSource};
pub use headless::{Headless, run_headless};
pub use layout::{Layout, MAX_SCALE, MIN_SIZE, Rect};
pub use pacing::WindowReport;
pub use render::Renderer;

use std::time::Duration;

use crate::BackendChoice;
use crate::gpu::GpuError;
use crate::io::mnist::Split;
use crate::model::ModelError;
use crate::plot::PlotError;
use crate::sim::SimError;
use crate::tutorial::{TrainedModel, TutorialError};

/// What a viewer shows and how.
#[derive(Clone, Debug)]
pub struct ViewOptions {
    /// The backend that simulates (`Auto`: the GPU on a hardware adapter).
    pub backend: BackendChoice,
    /// Part of the adapter's name; the best adapter if `None`.
    pub adapter: Option<String>,
    /// Seed of the PN -> KC connectivity.
    pub seed: u64,
    /// The first image's index.
    pub start: usize,
    /// The MNIST set the images come from.
    pub split: Split,
    /// Starts with the tutorial's part 3 gain control (a GGN).
    pub gain_control: bool,
    /// A trained model (`kenyon train`'s): its network, with its ten output neurons
    /// (MBONs), is shown instead, with its answers and their running accuracy.
    pub model: Option<TrainedModel>,
    /// Host threads of the CPU backend (0: one per core).
    pub threads: usize,
    /// Frame size in pixels: the offscreen frame's, or the window's to begin with (in
    /// logical pixels: the display's scale factor times as many on a HiDPI one).
    pub size: (u32, u32),
    /// Text and spacing this many times their size on a display of scale factor 1;
    /// `None`: the display's scale factor, rounded (1 offscreen).
    pub text_scale: Option<u32>,
    /// How fast images go by in a window, to begin with.
    pub pace: Pace,
    /// A window's frames per second, at most; `None`: the display's refresh rate (60
    /// where it doesn't say).
    pub fps: Option<f64>,
    /// Closes a window this long after its first image.
    pub seconds: Option<Duration>,
}

/// Why the viewer stopped.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// The device failed.
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// The simulation refused a call.
    #[error(transparent)]
    Sim(#[from] SimError),
    /// The network could not be built (boxed: it is the largest error by far).
    #[error(transparent)]
    Model(Box<ModelError>),
    /// Presenting an image failed.
    #[error(transparent)]
    Tutorial(#[from] TutorialError),
    /// The screenshot could not be written.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// The images are not MNIST's 28 x 28.
    #[error(
        "the images have {0} pixels, but the network has one projection neuron for each of 28 x 28"
    )]
    WrongImages(usize),
    /// The first image is past the end of the set.
    #[error("--start {start}: the set has only {len} images")]
    StartPastEnd {
        /// The index asked for.
        start: usize,
        /// Images in the set.
        len: usize,
    },
    /// A frame of no pixels, or a read-back before any frame was drawn.
    #[error("there is no frame to draw or read (a frame needs at least one pixel)")]
    EmptyFrame,
    /// A frame too small for the layout.
    #[error("a {0} x {1} frame is too small: the viewer needs at least {min_w} x {min_h}", min_w = MIN_SIZE.0, min_h = MIN_SIZE.1)]
    TooSmall(u32, u32),
    /// More raster panels than a frame holds.
    #[error("{0} raster panels: a frame holds at most {MAX_PANELS}")]
    TooManyPanels(usize),
    /// The panels need more cells than the device's largest buffer holds.
    #[error(
        "the raster panels need {0} cells, more than the device's largest buffer holds; draw a smaller frame"
    )]
    TooManyCells(u64),
    /// A panel too large for the raster's 32-bit arithmetic or a dispatch.
    #[error(
        "a raster panel of {n_neurons} neurons over {n_steps} timesteps is too large to draw; draw fewer timesteps or a smaller frame"
    )]
    PanelTooLarge {
        /// Neurons in the panel's population.
        n_neurons: u32,
        /// Timesteps recorded.
        n_steps: u32,
    },
    /// Part of the overlay, or a raster panel, lies outside the frame.
    #[error(
        "an overlay part or panel at {part:?} (x, y, width, height) lies outside the {frame:?} frame"
    )]
    OverlayOutside {
        /// The part's left, top, width and height.
        part: (u32, u32, u32, u32),
        /// The frame's width and height.
        frame: (u32, u32),
    },
    /// Reading a frame back failed.
    #[error("cannot read the frame back from the device: {0}")]
    Readback(String),
    /// There is no display to open a window on.
    #[error(
        "no display to open a window on ({0}); to render offscreen without a window, run `kenyon view --headless --frames N --screenshot FILE.png`"
    )]
    NoDisplay(String),
    /// The window or its surface failed.
    #[error("the window failed: {0}")]
    Window(String),
}

impl From<ModelError> for ViewError {
    fn from(e: ModelError) -> Self {
        ViewError::Model(Box::new(e))
    }
}

/// How fast images go by: wall time per image, from slow motion to as fast as the
/// backend goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pace(usize);

/// Wall milliseconds per image of each pace; 0 is as fast as possible. 20 ms is real
/// time: each image is presented for 20 ms of model time.
const PACES_MS: [u64; 9] = [2000, 1000, 500, 200, 100, 50, 20, 10, 0];
const REAL_TIME: usize = 6;

impl Default for Pace {
    fn default() -> Self {
        Pace(REAL_TIME)
    }
}

impl Pace {
    /// As fast as the backend goes.
    pub const FASTEST: Pace = Pace(PACES_MS.len() - 1);

    /// The next faster pace (the fastest stays).
    pub fn faster(self) -> Pace {
        Pace((self.0 + 1).min(PACES_MS.len() - 1))
    }

    /// The next slower pace (the slowest stays).
    pub fn slower(self) -> Pace {
        Pace(self.0.saturating_sub(1))
    }

    /// Wall time per image; zero for the fastest.
    pub fn period(self) -> Duration {
        Duration::from_millis(PACES_MS[self.0])
    }

    /// `--pace`'s words: "real-time", "fastest", or milliseconds per image of one of
    /// the paces the `+` and `-` keys step through.
    pub fn parse(s: &str) -> Result<Pace, String> {
        let ms = match s.trim() {
            "real-time" | "realtime" => 20,
            "fastest" => 0,
            other => other
                .trim_end_matches("ms")
                .trim()
                .parse::<u64>()
                .map_err(|_| {
                    format!(
                        "'{s}' is not a pace: give real-time, fastest or milliseconds per image"
                    )
                })?,
        };
        PACES_MS
            .iter()
            .position(|&p| p == ms)
            .map(Pace)
            .ok_or_else(|| {
                let listed: Vec<String> = PACES_MS.iter().map(u64::to_string).collect();
                format!(
                    "{ms} ms per image is not one of the paces: {} (0 is the fastest)",
                    listed.join(", ")
                )
            })
    }

    /// For people, short enough for the column under the digit: "pace: real time",
    /// "pace: fastest", "pace: 200 ms/image".
    pub fn describe(self) -> String {
        match PACES_MS[self.0] {
            0 => "pace: fastest".to_owned(),
            20 => "pace: real time".to_owned(),
            ms => format!("pace: {ms} ms/image"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paces_run_from_slow_motion_to_the_fastest_through_real_time() {
        let p = Pace::default();
        assert_eq!(p.period(), Duration::from_millis(20));
        assert_eq!(p.faster().faster().faster(), Pace::FASTEST);
        assert_eq!(Pace::FASTEST.period(), Duration::ZERO);
        let mut slow = p;
        for _ in 0..20 {
            slow = slow.slower();
        }
        assert_eq!(slow.period(), Duration::from_secs(2));
        assert_eq!(slow.slower(), slow);
        assert_eq!(Pace::FASTEST.describe(), "pace: fastest");
        assert_eq!(p.describe(), "pace: real time");
    }

    #[test]
    fn pace_parses_names_and_the_keys_milliseconds() {
        assert_eq!(Pace::parse("real-time"), Ok(Pace::default()));
        assert_eq!(Pace::parse("fastest"), Ok(Pace::FASTEST));
        assert_eq!(Pace::parse("200"), Ok(Pace(3)));
        assert_eq!(Pace::parse("200ms"), Ok(Pace(3)));
        let err = Pace::parse("30").expect_err("not a key's pace");
        assert!(
            err.contains("2000, 1000, 500, 200, 100, 50, 20, 10, 0"),
            "{err}"
        );
        assert!(Pace::parse("slow").is_err());
    }
}
