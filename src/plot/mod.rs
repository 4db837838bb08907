//! Figures written as PNG: spike rasters (one panel per population on a shared time
//! axis, like the matplotlib figures of GeNN's tutorials), drawn by hand so that a
//! spike's pixel is known exactly, with text in the bundled DejaVu Sans rasterised by
//! ab_glyph (`text.rs`, which `kenyon view` draws its text with too); and a histogram
//! and a confusion matrix with a colour bar, drawn with plotters in the same font
//! (`chart.rs`). No font is looked up at run time.

mod chart;
mod confusion;
mod histogram;
mod raster;
pub(crate) mod text;

pub use confusion::confusion_png;
pub use histogram::histogram_png;
pub use raster::{RasterPanel, raster_png};

use std::io::Write as _;
use std::path::{Path, PathBuf};

use image::{ImageEncoder as _, Rgb, RgbImage};

use crate::io::atomic_file::write_atomically;

/// Errors from writing a figure; each names the file that was to be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Writing the file failed.
    #[error("cannot write plot {}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Encoding the PNG failed.
    #[error("cannot encode plot {} as PNG", path.display())]
    Encode {
        /// The file concerned.
        path: PathBuf,
        /// The encoder's error.
        #[source]
        source: image::ImageError,
    },
    /// There is nothing to draw (no finite values, an empty matrix).
    #[error("cannot plot {}: no data to draw", path.display())]
    NoData {
        /// The file concerned.
        path: PathBuf,
    },
    /// No panels were given.
    #[error("cannot plot {}: no panels to draw", path.display())]
    NoPanels {
        /// The file concerned.
        path: PathBuf,
    },
    /// A panel has no neurons, so it has no y axis.
    #[error("cannot plot {}: panel '{label}' has zero neurons", path.display())]
    ZeroNeurons {
        /// The file concerned.
        path: PathBuf,
        /// The panel's label.
        label: String,
    },
    /// A panel's spike times and ids differ in length.
    #[error(
        "cannot plot {}: panel '{label}' has {times} spike times but {ids} spike ids",
        path.display()
    )]
    LengthMismatch {
        /// The file concerned.
        path: PathBuf,
        /// The panel's label.
        label: String,
        /// Number of spike times.
        times: usize,
        /// Number of spike ids.
        ids: usize,
    },
    /// Drawing the figure failed.
    #[error("cannot draw plot {}: {message}", path.display())]
    Draw {
        /// The file concerned.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The time axis would be empty.
    #[error(
        "cannot plot {}: duration must be a positive number of milliseconds, got {duration_ms}",
        path.display()
    )]
    BadDuration {
        /// The file concerned.
        path: PathBuf,
        /// The duration given.
        duration_ms: f32,
    },
}

/// Text size in units of [`GLYPH`] pixels: 16 px text stays readable in a downscaled view.
pub(crate) const TEXT_SCALE: u32 = 2;
pub(crate) const GLYPH: u32 = 8;
const MARGIN: u32 = 14;
pub(crate) const TICK_LEN: u32 = 6;
const TICK_LABEL_GAP: u32 = 4;
const XLABEL_GAP: u32 = 12;

pub(crate) const BACKGROUND: Rgb<u8> = Rgb([255, 255, 255]);
pub(crate) const INK: Rgb<u8> = Rgb([25, 25, 25]);
pub(crate) const SPIKE: Rgb<u8> = Rgb([10, 20, 80]);

/// Encodes `img` and writes it to `path` atomically.
pub(crate) fn write_png(path: &Path, img: &RgbImage) -> Result<(), PlotError> {
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|source| PlotError::Encode {
            path: path.to_path_buf(),
            source,
        })?;
    write_atomically(path, |w| w.write_all(&png)).map_err(|source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    })
}
