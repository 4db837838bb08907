//! Frames drawn offscreen, with no window: for tests, CI and the README's screenshot.

use std::path::Path;

use super::frame::{Controls, Painter};
use super::render::Renderer;
use super::session::Session;
use super::{Pace, ViewError, ViewOptions};
use crate::gpu::GpuContext;
use crate::io::mnist::Dataset;

/// What an offscreen run did.
#[derive(Clone, Debug)]
pub struct Headless {
    /// The backend and adapter that simulated.
    pub description: String,
    /// Frames drawn.
    pub frames: u32,
    /// Images presented per second of wall time, frames included.
    pub images_per_second: f64,
    /// With a trained model: the images answered right, of those presented.
    pub correct: Option<(u64, u64)>,
}

/// Presents `frames` images from `options.start` on, one per frame (the fastest pace,
/// so the last frame's image is known), draws each offscreen and writes the last to
/// `screenshot` as PNG, atomically.
pub fn run_headless(
    options: &ViewOptions,
    data: Dataset,
    frames: u32,
    screenshot: &Path,
) -> Result<Headless, ViewError> {
    let ctx = GpuContext::new(options.adapter.as_deref())?;
    let mut session = Session::new(&ctx, options, data)?;
    let mut renderer = Renderer::new(&ctx)?;
    let controls = Controls {
        paused: false,
        pace: Pace::FASTEST,
        interactive: false,
        scale: options.text_scale.unwrap_or(1),
        fps: None,
    };
    let mut painter = Painter::default();
    let t0 = std::time::Instant::now();
    for k in 0..frames.max(1) {
        if k > 0 {
            session.step(1);
        }
        session.present()?;
        painter.update(&mut renderer, &session, options.size, controls)?;
        renderer.draw_offscreen()?;
    }
    let seconds = t0.elapsed().as_secs_f64();
    let img = renderer.read_frame()?;
    crate::plot::write_png(screenshot, &img)?;
    Ok(Headless {
        description: session.description(),
        frames: frames.max(1),
        images_per_second: f64::from(frames.max(1)) / seconds.max(1e-9),
        correct: session
            .score()
            .map(|(_, answered, right)| (right, answered)),
    })
}
