//! Spike raster plots written as PNG: one panel per population, stacked on a shared time
//! axis, like the matplotlib figures of GeNN's tutorials but without any plotting stack.
//!
//! Text uses the public-domain 8x8 bitmap glyphs of `font8x8`, so no font files are needed.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use font8x8::UnicodeFonts as _;
use image::{ImageEncoder as _, Rgb, RgbImage};

use crate::output::write_atomically;

/// One population's spikes: spike `k` is neuron `ids[k]` firing at `times_ms[k]`.
#[derive(Debug, Clone, Copy)]
pub struct RasterPanel<'a> {
    /// Population name for the y-axis label, e.g. "PN" or "KC".
    pub label: &'a str,
    /// Number of neurons; the y axis runs from 0 to this.
    pub n_neurons: u32,
    /// Spike times in milliseconds.
    pub times_ms: &'a [f32],
    /// Spiking neuron of each spike, parallel to `times_ms`.
    pub ids: &'a [u32],
}

/// Errors from [`raster_png`]; each names the file that was to be written.
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

const WIDTH: u32 = 1000;
/// Scale of the 8x8 glyphs: 16 px text stays readable in a downscaled view.
const TEXT_SCALE: u32 = 2;
const GLYPH: u32 = 8;
const MARGIN: u32 = 14;
const TITLE_GAP: u32 = 22;
const RIGHT_MARGIN: u32 = 30;
const PANEL_GAP: u32 = 32;
const TICK_LEN: u32 = 6;
const TICK_LABEL_GAP: u32 = 4;
const YLABEL_GAP: u32 = 12;
const XLABEL_GAP: u32 = 12;
/// Height each panel gets on average; actual heights follow the population sizes.
const PANEL_BUDGET: u32 = 240;
const MIN_PANEL_HEIGHT: u32 = 150;
/// At most this many x tick intervals, so tick labels never collide.
const MAX_X_TICKS: f64 = 8.0;

const BACKGROUND: Rgb<u8> = Rgb([255, 255, 255]);
const INK: Rgb<u8> = Rgb([25, 25, 25]);
const SPIKE: Rgb<u8> = Rgb([10, 20, 80]);

/// Where things go in the image; shared by the renderer and the tests.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// First pixel column inside the axes.
    pub(crate) plot_left: u32,
    /// Pixel columns inside the axes.
    pub(crate) plot_width: u32,
    /// `(first row, rows)` inside the axes of each panel, top to bottom.
    pub(crate) panels: Vec<(u32, u32)>,
    pub(crate) duration_ms: f32,
}

impl Layout {
    /// Sizes the figure for panels of the given neuron counts (all non-zero).
    pub(crate) fn new(duration_ms: f32, n_neurons: &[u32]) -> Layout {
        let glyph = GLYPH * TEXT_SCALE;
        let widest_tick = n_neurons
            .iter()
            .map(|n| text_width(&n.to_string(), TEXT_SCALE))
            .max()
            .unwrap_or(glyph);
        let plot_left = MARGIN + glyph + YLABEL_GAP + widest_tick + TICK_LABEL_GAP + TICK_LEN + 1;
        let plot_width = WIDTH.saturating_sub(plot_left + RIGHT_MARGIN).max(1);

        // Heights follow sqrt(population) so a big KC layer gets more room than the PNs
        // without squashing them below a readable minimum.
        let weights: Vec<f64> = n_neurons.iter().map(|&n| f64::from(n).sqrt()).collect();
        let total_weight: f64 = weights.iter().sum();
        let budget = f64::from(PANEL_BUDGET) * n_neurons.len() as f64;
        let mut top = MARGIN + glyph + TITLE_GAP;
        let mut panels = Vec::with_capacity(n_neurons.len());
        for w in &weights {
            let h = ((budget * w / total_weight).round() as u32).max(MIN_PANEL_HEIGHT);
            panels.push((top, h));
            top += h + PANEL_GAP;
        }
        let bottom_of_axes = top - PANEL_GAP;
        let height =
            bottom_of_axes + 1 + TICK_LEN + TICK_LABEL_GAP + glyph + XLABEL_GAP + glyph + MARGIN;
        Layout {
            width: WIDTH,
            height,
            plot_left,
            plot_width,
            panels,
            duration_ms,
        }
    }

    /// Pixel column of time `t_ms`, or `None` outside `[0, duration]`.
    pub(crate) fn x_of(&self, t_ms: f32) -> Option<u32> {
        // The negated comparison also rejects NaN.
        if !(t_ms >= 0.0 && t_ms <= self.duration_ms) {
            return None;
        }
        let frac = f64::from(t_ms) / f64::from(self.duration_ms);
        Some(self.plot_left + (frac * f64::from(self.plot_width - 1)).round() as u32)
    }

    /// Pixel row of the value `v` on panel `panel`'s y axis, which runs from 0 (bottom) to
    /// `n_neurons` (top).
    fn y_of_value(&self, panel: usize, n_neurons: u32, v: f64) -> u32 {
        let (top, h) = self.panels[panel];
        let frac = (v / f64::from(n_neurons)).clamp(0.0, 1.0);
        top + h - 1 - (frac * f64::from(h - 1)).round() as u32
    }

    /// Pixel of a spike of neuron `id` at `t_ms` in panel `panel`, or `None` if it lies
    /// outside the axes. Neuron `i` sits in the middle of the band from `i` to `i + 1`.
    pub(crate) fn spike_pixel(
        &self,
        panel: usize,
        n_neurons: u32,
        t_ms: f32,
        id: u32,
    ) -> Option<(u32, u32)> {
        if panel >= self.panels.len() || id >= n_neurons {
            return None;
        }
        let x = self.x_of(t_ms)?;
        Some((x, self.y_of_value(panel, n_neurons, f64::from(id) + 0.5)))
    }
}

/// Draws a raster plot of `panels`, stacked top to bottom on a shared time axis from 0 to
/// `duration_ms`, and writes it to `path` as PNG.
///
/// Spikes outside the time range or with ids beyond a panel's `n_neurons` are skipped. The
/// file is replaced atomically.
pub fn raster_png(
    path: &Path,
    title: &str,
    duration_ms: f32,
    panels: &[RasterPanel<'_>],
) -> Result<(), PlotError> {
    validate(path, duration_ms, panels)?;
    write_png(path, &render(title, duration_ms, panels))
}

/// Checks a raster's input; `path` only names the file in errors.
fn validate(path: &Path, duration_ms: f32, panels: &[RasterPanel<'_>]) -> Result<(), PlotError> {
    if panels.is_empty() {
        return Err(PlotError::NoPanels {
            path: path.to_path_buf(),
        });
    }
    // The negated comparison also rejects NaN.
    if !(duration_ms > 0.0 && duration_ms.is_finite()) {
        return Err(PlotError::BadDuration {
            path: path.to_path_buf(),
            duration_ms,
        });
    }
    for p in panels {
        if p.n_neurons == 0 {
            return Err(PlotError::ZeroNeurons {
                path: path.to_path_buf(),
                label: p.label.to_string(),
            });
        }
        if p.times_ms.len() != p.ids.len() {
            return Err(PlotError::LengthMismatch {
                path: path.to_path_buf(),
                label: p.label.to_string(),
                times: p.times_ms.len(),
                ids: p.ids.len(),
            });
        }
    }

    Ok(())
}

/// Draws the figure; the panels have been validated.
fn render(title: &str, duration_ms: f32, panels: &[RasterPanel<'_>]) -> RgbImage {
    let counts: Vec<u32> = panels.iter().map(|p| p.n_neurons).collect();
    let layout = Layout::new(duration_ms, &counts);
    let mut img = RgbImage::from_pixel(layout.width, layout.height, BACKGROUND);
    let glyph = GLYPH * TEXT_SCALE;

    let title_scale = scale_to_fit(title, layout.width.saturating_sub(2 * MARGIN));
    draw_centred(&mut img, 0, layout.width, MARGIN, title, title_scale);

    let x_ticks = x_ticks(duration_ms);
    let last = panels.len() - 1;
    for (i, panel) in panels.iter().enumerate() {
        let (top, h) = layout.panels[i];
        let (left, w) = (layout.plot_left, layout.plot_width);

        // Spikes first so the frame stays crisp on top of any dot at the edge.
        for (&t, &id) in panel.times_ms.iter().zip(panel.ids) {
            if let Some((x, y)) = layout.spike_pixel(i, panel.n_neurons, t, id) {
                // A 2x2 dot growing right and up, clipped to the axes.
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let (px, py) = (x + dx, y.wrapping_sub(dy));
                    if px < left + w && py >= top && py < top + h {
                        img.put_pixel(px, py, SPIKE);
                    }
                }
            }
        }

        // Frame just outside the axes area.
        hline(&mut img, left - 1, left + w, top - 1, INK);
        hline(&mut img, left - 1, left + w, top + h, INK);
        vline(&mut img, left - 1, top - 1, top + h, INK);
        vline(&mut img, left + w, top - 1, top + h, INK);

        // Y ticks at 0 and n_neurons.
        for v in [0, panel.n_neurons] {
            let y = layout.y_of_value(i, panel.n_neurons, f64::from(v));
            y_tick(&mut img, left, y, &v.to_string());
        }

        // Y label, rotated to read bottom to top and centred on the panel.
        let ylabel = format!("{} neuron", panel.label);
        let ylabel_scale = if text_width(&ylabel, TEXT_SCALE) <= h {
            TEXT_SCALE
        } else {
            1
        };
        draw_y_label(
            &mut img,
            MARGIN + (glyph - GLYPH * ylabel_scale) / 2,
            top + h / 2,
            &ylabel,
            ylabel_scale,
        );

        // X ticks on every panel, numbered only on the bottom one (shared axis).
        for (t, text) in &x_ticks {
            let Some(x) = layout.x_of(*t) else { continue };
            vline(&mut img, x, top + h + 1, top + h + TICK_LEN, INK);
            if i == last {
                let tw = i64::from(text_width(text, TEXT_SCALE));
                draw_text(
                    &mut img,
                    i64::from(x) - tw / 2,
                    i64::from(top + h + 1 + TICK_LEN + TICK_LABEL_GAP),
                    text,
                    TEXT_SCALE,
                    INK,
                );
            }
        }
        if i == last {
            let y = top + h + 1 + TICK_LEN + TICK_LABEL_GAP + glyph + XLABEL_GAP;
            draw_centred(&mut img, left, w, y, "Time [ms]", TEXT_SCALE);
        }
    }
    img
}

/// Encodes `img` and writes it to `path` atomically.
fn write_png(path: &Path, img: &RgbImage) -> Result<(), PlotError> {
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

/// A histogram of `values` in `bins` equal bins from their minimum to their maximum,
/// with the x axis labelled `x_label` and counts on the y axis.
pub fn histogram_png(
    path: &Path,
    title: &str,
    x_label: &str,
    values: &[f32],
    bins: usize,
) -> Result<(), PlotError> {
    let finite: Vec<f32> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() || bins == 0 {
        return Err(PlotError::NoData {
            path: path.to_path_buf(),
        });
    }
    let lo = finite.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = finite.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let mut counts = vec![0u64; bins];
    for v in &finite {
        let b = (((v - lo) / span) * bins as f32) as usize;
        counts[b.min(bins - 1)] += 1;
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1);
    let (width, height) = (940u32, 560u32);
    let (left, top, plot_w, plot_h) = (110u32, 60u32, 760u32, 400u32);
    let mut img = RgbImage::from_pixel(width, height, BACKGROUND);
    let glyph = GLYPH * TEXT_SCALE;
    draw_centred(&mut img, 0, width, MARGIN, title, TEXT_SCALE);
    for (b, &c) in counts.iter().enumerate() {
        let x0 = left + (b as u32 * plot_w) / bins as u32;
        let x1 = left + ((b as u32 + 1) * plot_w) / bins as u32;
        let bar = ((c as f64 / max as f64) * f64::from(plot_h)).round() as u32;
        for x in x0..x1.max(x0 + 1) {
            vline(&mut img, x, top + plot_h - bar, top + plot_h, SPIKE);
        }
    }
    hline(&mut img, left - 1, left + plot_w, top + plot_h + 1, INK);
    vline(&mut img, left - 1, top, top + plot_h + 1, INK);
    for (v, y) in [(0u64, top + plot_h), (max, top)] {
        y_tick(&mut img, left, y, &v.to_string());
    }
    for (value, x) in [
        (lo, left),
        ((lo + hi) / 2.0, left + plot_w / 2),
        (hi, left + plot_w),
    ] {
        vline(
            &mut img,
            x,
            top + plot_h + 2,
            top + plot_h + 1 + TICK_LEN,
            INK,
        );
        let text = format!("{value:.4}");
        let tw = i64::from(text_width(&text, TEXT_SCALE));
        let y = top + plot_h + 2 + TICK_LEN + TICK_LABEL_GAP;
        draw_text(
            &mut img,
            i64::from(x) - tw / 2,
            i64::from(y),
            &text,
            TEXT_SCALE,
            INK,
        );
    }
    let y = top + plot_h + 2 + TICK_LEN + TICK_LABEL_GAP + glyph + XLABEL_GAP;
    draw_centred(&mut img, left, plot_w, y, x_label, TEXT_SCALE);
    draw_y_label(&mut img, MARGIN, top + plot_h / 2, "count", TEXT_SCALE);
    write_png(path, &img)
}

/// A confusion matrix: `matrix[row][col]` counts of true class `row` given answer `col`,
/// shaded by the share of its row and numbered; `col_names` names the columns (the
/// answers, which may include "none"), rows are named 0, 1, ...
pub fn confusion_png(
    path: &Path,
    title: &str,
    matrix: &[Vec<u64>],
    col_names: &[String],
) -> Result<(), PlotError> {
    if matrix.is_empty()
        || col_names.is_empty()
        || matrix.iter().any(|r| r.len() != col_names.len())
    {
        return Err(PlotError::NoData {
            path: path.to_path_buf(),
        });
    }
    let (rows, cols) = (matrix.len() as u32, col_names.len() as u32);
    let cell = 56u32;
    let (left, top) = (120u32, 90u32);
    let width = left + cols * cell + 40;
    let height = top + rows * cell + 90;
    let mut img = RgbImage::from_pixel(width, height, BACKGROUND);
    let glyph = GLYPH * TEXT_SCALE;
    let title_scale = scale_to_fit(title, width.saturating_sub(2 * MARGIN));
    draw_centred(&mut img, 0, width, MARGIN, title, title_scale);
    for (r, row) in matrix.iter().enumerate() {
        let total = row.iter().sum::<u64>().max(1);
        for (c, &n) in row.iter().enumerate() {
            let share = n as f64 / total as f64;
            let shade = (255.0 * (1.0 - share)).round() as u8;
            let color = Rgb([shade, shade, 255]);
            let (x0, y0) = (left + c as u32 * cell, top + r as u32 * cell);
            for y in y0..y0 + cell {
                hline(&mut img, x0, x0 + cell - 1, y, color);
            }
            let text = n.to_string();
            let ink = if share > 0.5 { BACKGROUND } else { INK };
            let tw = text_width(&text, 1);
            draw_text(
                &mut img,
                i64::from(x0 + (cell - tw) / 2),
                i64::from(y0 + cell / 2 - 4),
                &text,
                1,
                ink,
            );
        }
        let label = r.to_string();
        draw_text(
            &mut img,
            i64::from(left - 10 - text_width(&label, TEXT_SCALE)),
            i64::from(top + r as u32 * cell + (cell - glyph) / 2),
            &label,
            TEXT_SCALE,
            INK,
        );
    }
    for (c, name) in col_names.iter().enumerate() {
        let scale = scale_to_fit(name, cell);
        let x = left + c as u32 * cell;
        draw_centred(&mut img, x, cell, top - 8 - GLYPH * scale, name, scale);
    }
    draw_centred(
        &mut img,
        left,
        cols * cell,
        top - 16 - 2 * glyph,
        "answer",
        TEXT_SCALE,
    );
    draw_y_label(
        &mut img,
        MARGIN,
        top + rows * cell / 2,
        "true digit",
        TEXT_SCALE,
    );
    for k in 0..=rows {
        hline(&mut img, left, left + cols * cell, top + k * cell, INK);
    }
    for k in 0..=cols {
        vline(&mut img, left + k * cell, top, top + rows * cell, INK);
    }
    write_png(path, &img)
}

/// A y-axis tick at row `y` left of an axis whose first column is `left`, labelled
/// `text` to its left.
fn y_tick(img: &mut RgbImage, left: u32, y: u32, text: &str) {
    hline(img, left - 1 - TICK_LEN, left - 1, y, INK);
    let x = left - 1 - TICK_LEN - TICK_LABEL_GAP - text_width(text, TEXT_SCALE);
    let half_glyph = i64::from(GLYPH * TEXT_SCALE / 2);
    draw_text(
        img,
        i64::from(x),
        i64::from(y) - half_glyph,
        text,
        TEXT_SCALE,
        INK,
    );
}

/// Tick positions and labels for a time axis from 0 to `duration_ms`: a step of 1, 2 or 5
/// times a power of ten giving at most [`MAX_X_TICKS`] intervals.
fn x_ticks(duration_ms: f32) -> Vec<(f32, String)> {
    let d = f64::from(duration_ms);
    let magnitude = 10f64.powf((d / MAX_X_TICKS).log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&s| d / s <= MAX_X_TICKS + 1e-9)
        .unwrap_or(10.0 * magnitude);
    // Enough decimals to tell 0.5 from 1.0 when the step is below one.
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil() as usize
    };
    let n = (d / step + 1e-9).floor() as u32;
    (0..=n)
        .map(|k| {
            let t = f64::from(k) * step;
            (t as f32, format!("{t:.decimals$}"))
        })
        .collect()
}

/// Width in pixels of `text` drawn at `scale`.
fn text_width(text: &str, scale: u32) -> u32 {
    (text.chars().count() as u32).saturating_mul(GLYPH * scale)
}

/// The 8x8 bitmap of `c`: each byte is a row, top first, bit 0 the leftmost pixel.
fn glyph(c: char) -> [u8; 8] {
    font8x8::BASIC_FONTS
        .get(c)
        .or_else(|| font8x8::LATIN_FONTS.get(c))
        .or_else(|| font8x8::BASIC_FONTS.get('?'))
        .unwrap_or([0; 8])
}

/// Draws `text` with its top-left corner at `(x, y)`; whatever falls outside is clipped.
fn draw_text(img: &mut RgbImage, x: i64, y: i64, text: &str, scale: u32, color: Rgb<u8>) {
    let (s, g) = (i64::from(scale), i64::from(GLYPH));
    for (i, c) in text.chars().enumerate() {
        let origin = x + i as i64 * g * s;
        for_each_glyph_pixel(c, |gx, gy| {
            fill(img, origin + gx * s, y + gy * s, s, color);
        });
    }
}

/// `TEXT_SCALE`, or small glyphs where `text` would be wider than `room` at that scale.
fn scale_to_fit(text: &str, room: u32) -> u32 {
    if text_width(text, TEXT_SCALE) <= room {
        TEXT_SCALE
    } else {
        1
    }
}

/// Draws `text` centred in the columns `left..left + width`, the tops of its letters at
/// row `y`.
fn draw_centred(img: &mut RgbImage, left: u32, width: u32, y: u32, text: &str, scale: u32) {
    let x = left + width.saturating_sub(text_width(text, scale)) / 2;
    draw_text(img, i64::from(x), i64::from(y), text, scale, INK);
}

/// An axis label rotated a quarter turn anticlockwise, its letters' tops at column `x`,
/// centred on row `centre_y`.
fn draw_y_label(img: &mut RgbImage, x: u32, centre_y: u32, text: &str, scale: u32) {
    let len = i64::from(text_width(text, scale));
    draw_text_up(
        img,
        i64::from(x),
        i64::from(centre_y) + len / 2,
        text,
        scale,
        INK,
    );
}

/// Draws `text` rotated a quarter turn anticlockwise, reading upwards from `y_bottom`, with
/// the tops of the letters at column `x`.
fn draw_text_up(img: &mut RgbImage, x: i64, y_bottom: i64, text: &str, scale: u32, color: Rgb<u8>) {
    let (s, g) = (i64::from(scale), i64::from(GLYPH));
    for (i, c) in text.chars().enumerate() {
        let origin = y_bottom - i as i64 * g * s;
        for_each_glyph_pixel(c, |gx, gy| {
            fill(img, x + gy * s, origin - (gx + 1) * s, s, color);
        });
    }
}

fn for_each_glyph_pixel(c: char, mut f: impl FnMut(i64, i64)) {
    for (gy, row) in glyph(c).iter().enumerate() {
        for gx in 0..8 {
            if row & (1 << gx) != 0 {
                f(gx, gy as i64);
            }
        }
    }
}

/// Fills the `size` x `size` square at `(x, y)`, clipped to the image.
fn fill(img: &mut RgbImage, x: i64, y: i64, size: i64, color: Rgb<u8>) {
    for py in y..y + size {
        for px in x..x + size {
            if let (Ok(px), Ok(py)) = (u32::try_from(px), u32::try_from(py))
                && px < img.width()
                && py < img.height()
            {
                img.put_pixel(px, py, color);
            }
        }
    }
}

/// Horizontal line from `x0` to `x1` inclusive at row `y`, clipped.
fn hline(img: &mut RgbImage, x0: u32, x1: u32, y: u32, color: Rgb<u8>) {
    for x in x0..=x1 {
        if x < img.width() && y < img.height() {
            img.put_pixel(x, y, color);
        }
    }
}

/// Vertical line from `y0` to `y1` inclusive at column `x`, clipped.
fn vline(img: &mut RgbImage, x: u32, y0: u32, y1: u32, color: Rgb<u8>) {
    for y in y0..=y1 {
        if x < img.width() && y < img.height() {
            img.put_pixel(x, y, color);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_dark(p: &Rgb<u8>) -> bool {
        p.0.iter().map(|&c| u32::from(c)).sum::<u32>() < 3 * 128
    }

    fn two_panels<'a>(
        pn: (&'a [f32], &'a [u32]),
        kc: (&'a [f32], &'a [u32]),
    ) -> [RasterPanel<'a>; 2] {
        [
            RasterPanel {
                label: "PN",
                n_neurons: 784,
                times_ms: pn.0,
                ids: pn.1,
            },
            RasterPanel {
                label: "KC",
                n_neurons: 20_000,
                times_ms: kc.0,
                ids: kc.1,
            },
        ]
    }

    #[test]
    fn writes_decodable_png_of_layout_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("raster.png");
        let panels = two_panels((&[1.0, 5.0], &[3, 700]), (&[2.0], &[19_999]));
        raster_png(&path, "Image 0 (label 5)", 20.0, &panels).unwrap();
        let img = image::open(&path).unwrap().to_rgb8();
        let layout = Layout::new(20.0, &[784, 20_000]);
        assert_eq!((img.width(), img.height()), (layout.width, layout.height));
        assert_eq!(img.width(), 1000);
        assert!((600..=800).contains(&img.height()), "{}", img.height());
        for &(_, h) in &layout.panels {
            assert!(h >= MIN_PANEL_HEIGHT);
        }
    }

    #[test]
    fn spike_lands_where_the_layout_says() {
        let panels = two_panels((&[7.5], &[100]), (&[13.0], &[12_345]));
        let img = render("t", 20.0, &panels);
        let layout = Layout::new(20.0, &[784, 20_000]);

        let (x, y) = layout.spike_pixel(0, 784, 7.5, 100).unwrap();
        assert!(is_dark(img.get_pixel(x, y)));
        let (x, y) = layout.spike_pixel(1, 20_000, 13.0, 12_345).unwrap();
        assert!(is_dark(img.get_pixel(x, y)));
        // Nothing else inside the KC axes apart from the dot.
        let (top, h) = layout.panels[1];
        let dark = (top..top + h)
            .flat_map(|py| {
                (layout.plot_left..layout.plot_left + layout.plot_width).map(move |px| (px, py))
            })
            .filter(|&(px, py)| is_dark(img.get_pixel(px, py)))
            .count();
        assert_eq!(dark, 4);
    }

    #[test]
    fn spike_pixel_geometry() {
        let layout = Layout::new(20.0, &[10]);
        let (top, h) = layout.panels[0];
        let (x0, y0) = layout.spike_pixel(0, 10, 0.0, 0).unwrap();
        let (x1, y1) = layout.spike_pixel(0, 10, 20.0, 9).unwrap();
        assert_eq!(x0, layout.plot_left);
        assert_eq!(x1, layout.plot_left + layout.plot_width - 1);
        assert!(y0 > y1, "higher ids are drawn higher up");
        assert!(y0 < top + h && y1 >= top);
        assert_eq!(layout.spike_pixel(0, 10, 20.01, 0), None);
        assert_eq!(layout.spike_pixel(0, 10, -0.01, 0), None);
        assert_eq!(layout.spike_pixel(0, 10, f32::NAN, 0), None);
        assert_eq!(layout.spike_pixel(0, 10, 1.0, 10), None);
        assert_eq!(layout.spike_pixel(1, 10, 1.0, 0), None);
    }

    #[test]
    fn out_of_range_spikes_are_ignored() {
        let times = [-1.0, 25.0, f32::NAN, f32::INFINITY, 5.0];
        let ids = [0, 1, 2, 3, 50_000];
        let panels = two_panels((&times, &ids), (&times, &ids));
        let img = render("t", 20.0, &panels);
        let layout = Layout::new(20.0, &[784, 20_000]);
        for &(top, h) in &layout.panels {
            for py in top..top + h {
                for px in layout.plot_left..layout.plot_left + layout.plot_width {
                    assert!(!is_dark(img.get_pixel(px, py)), "({px}, {py})");
                }
            }
        }
    }

    #[test]
    fn title_is_drawn() {
        let panels = two_panels((&[], &[]), (&[], &[]));
        let with = render("Image 0 (label 5): 4105 KCs active", 20.0, &panels);
        let without = render("", 20.0, &panels);
        let title_rows = MARGIN..MARGIN + GLYPH * TEXT_SCALE;
        let dark_in_title = |img: &RgbImage| {
            title_rows
                .clone()
                .flat_map(|y| (0..img.width()).map(move |x| (x, y)))
                .filter(|&(x, y)| is_dark(img.get_pixel(x, y)))
                .count()
        };
        assert!(dark_in_title(&with) > 100);
        assert_eq!(dark_in_title(&without), 0);
    }

    #[test]
    fn axis_text_is_drawn() {
        let panels = two_panels((&[], &[]), (&[], &[]));
        let img = render("", 20.0, &panels);
        let layout = Layout::new(20.0, &[784, 20_000]);
        // The y labels and tick numbers sit left of the axes.
        let left_dark = (0..img.height())
            .flat_map(|y| (0..layout.plot_left - 1 - TICK_LEN).map(move |x| (x, y)))
            .filter(|&(x, y)| is_dark(img.get_pixel(x, y)))
            .count();
        assert!(left_dark > 200, "{left_dark}");
        // The x tick numbers and label sit below the last panel.
        let (top, h) = layout.panels[1];
        let below_dark = (top + h + TICK_LEN + 2..img.height())
            .flat_map(|y| (0..img.width()).map(move |x| (x, y)))
            .filter(|&(x, y)| is_dark(img.get_pixel(x, y)))
            .count();
        assert!(below_dark > 200, "{below_dark}");
    }

    #[test]
    fn x_tick_steps() {
        let labels = |d: f32| -> Vec<String> { x_ticks(d).into_iter().map(|t| t.1).collect() };
        assert_eq!(labels(20.0), ["0", "5", "10", "15", "20"]);
        assert_eq!(labels(100.0), ["0", "20", "40", "60", "80", "100"]);
        assert_eq!(labels(1.0)[..3], ["0.0", "0.2", "0.4"]);
        assert_eq!(labels(7.0).len(), 8);
        for d in [1e-6, 0.3, 3.0, 17.0, 350.0, 1e4, 3.4e38] {
            let n = x_ticks(d).len();
            assert!((2..=9).contains(&n), "{d}: {n}");
        }
    }

    #[test]
    fn invalid_input_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.png");
        let err = raster_png(&path, "t", 20.0, &[]).unwrap_err();
        assert!(matches!(err, PlotError::NoPanels { .. }), "{err:?}");
        assert!(err.to_string().contains("bad.png"));

        let zero = [RasterPanel {
            label: "KC",
            n_neurons: 0,
            times_ms: &[],
            ids: &[],
        }];
        let err = raster_png(&path, "t", 20.0, &zero).unwrap_err();
        assert!(matches!(err, PlotError::ZeroNeurons { .. }), "{err:?}");

        let uneven = [RasterPanel {
            label: "KC",
            n_neurons: 5,
            times_ms: &[1.0, 2.0],
            ids: &[1],
        }];
        let err = raster_png(&path, "t", 20.0, &uneven).unwrap_err();
        assert!(matches!(err, PlotError::LengthMismatch { .. }), "{err:?}");

        let ok = [RasterPanel {
            label: "KC",
            n_neurons: 5,
            times_ms: &[],
            ids: &[],
        }];
        for d in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            let err = raster_png(&path, "t", d, &ok).unwrap_err();
            assert!(matches!(err, PlotError::BadDuration { .. }), "{err:?}");
        }
        assert!(!path.exists());
    }

    #[test]
    fn unwritable_path_is_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing_dir").join("r.png");
        let panels = [RasterPanel {
            label: "KC",
            n_neurons: 5,
            times_ms: &[1.0],
            ids: &[1],
        }];
        let err = raster_png(&path, "t", 20.0, &panels).unwrap_err();
        assert!(matches!(err, PlotError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("r.png"));
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let long_title = "x".repeat(500);
        let panels = [
            RasterPanel {
                label: "a very long population label indeed",
                n_neurons: u32::MAX,
                times_ms: &[0.0, 1e-3],
                ids: &[u32::MAX - 1, 0],
            },
            RasterPanel {
                label: "µ→",
                n_neurons: 1,
                times_ms: &[0.5],
                ids: &[0],
            },
        ];
        let img = render(&long_title, 1e-3, &panels);
        assert_eq!(img.width(), WIDTH);
        let img = render("", f32::MAX, &panels);
        assert_eq!(img.width(), WIDTH);
    }
}
