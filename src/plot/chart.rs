//! What the figures drawn with plotters share: the bundled font, the pixel buffer they
//! draw into, and how plotters' errors become a [`PlotError`].

use std::path::Path;
use std::sync::OnceLock;

use image::RgbImage;
use plotters::prelude::*;

use super::PlotError;

/// DejaVu Sans (Bitstream Vera license, `assets/fonts/DejaVuSans-LICENSE.txt`), built in
/// so that no font is looked up at run time.
pub(crate) const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family name figures ask plotters for.
pub(crate) const FAMILY: &str = "sans-serif";
/// Text sizes in pixels: the title, axis labels, tick labels.
pub(crate) const TITLE_SIZE: u32 = 26;
pub(crate) const LABEL_SIZE: u32 = 20;
pub(crate) const TICK_SIZE: u32 = 16;

/// Registers the bundled font once (plotters looks fonts up by family name).
fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FAMILY, FontStyle::Normal, FONT)
                .map_err(|_| "the bundled font could not be read".to_owned())
        })
        .clone()
}

/// Draws a `width` x `height` figure with `draw` on a white background and returns it.
pub(crate) fn render(
    path: &Path,
    (width, height): (u32, u32),
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<RgbImage, PlotError> {
    let failed = |message: String| PlotError::Draw {
        path: path.to_path_buf(),
        message,
    };
    register_font().map_err(failed)?;
    let mut buffer = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| failed(e.to_string()))?;
        draw(&root).map_err(failed)?;
        root.present().map_err(|e| failed(e.to_string()))?;
    }
    RgbImage::from_raw(width, height, buffer)
        .ok_or_else(|| failed("the figure's buffer has the wrong size".to_owned()))
}

/// A plotters error as text.
pub(crate) fn text<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}
