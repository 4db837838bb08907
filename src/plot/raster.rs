//! Spike rasters: one panel per population, stacked on a shared time axis.

use std::path::Path;

use image::RgbImage;

use super::text::{
    draw_centred, draw_text, draw_y_label, hline, scale_to_fit, text_width, vline, y_tick,
};
use super::{
    BACKGROUND, GLYPH, INK, MARGIN, PlotError, SPIKE, TEXT_SCALE, TICK_LABEL_GAP, TICK_LEN,
    XLABEL_GAP, write_png,
};

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

const WIDTH: u32 = 1000;
const TITLE_GAP: u32 = 22;
const RIGHT_MARGIN: u32 = 30;
const PANEL_GAP: u32 = 32;
const YLABEL_GAP: u32 = 12;
/// Height each panel gets on average; actual heights follow the population sizes.
const PANEL_BUDGET: u32 = 240;
const MIN_PANEL_HEIGHT: u32 = 150;
/// At most this many x tick intervals, so tick labels never collide.
const MAX_X_TICKS: f64 = 8.0;
/// The most intervals between a y axis's round ticks.
const MAX_Y_TICKS: f64 = 6.0;

/// Where things go in a raster figure; shared by the renderer and the tests.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RasterGeometry {
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

impl RasterGeometry {
    /// Sizes the figure for panels of the given neuron counts (all non-zero).
    pub(crate) fn new(duration_ms: f32, n_neurons: &[u32]) -> RasterGeometry {
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
        RasterGeometry {
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
    let geometry = RasterGeometry::new(duration_ms, &counts);
    let mut img = RgbImage::from_pixel(geometry.width, geometry.height, BACKGROUND);
    let title_scale = scale_to_fit(title, geometry.width.saturating_sub(2 * MARGIN));
    draw_centred(&mut img, 0, geometry.width, MARGIN, title, title_scale);
    let x_ticks = x_ticks(duration_ms);
    for (i, panel) in panels.iter().enumerate() {
        draw_panel(&mut img, &geometry, i, panel, &x_ticks);
        // The time axis is shared: numbered and labelled below the bottom panel only.
        if i == panels.len() - 1 {
            draw_time_axis(&mut img, &geometry, i, &x_ticks);
        }
    }
    img
}

/// Panel `i`: its spikes, frame, y ticks and label, and x ticks.
fn draw_panel(
    img: &mut RgbImage,
    geometry: &RasterGeometry,
    i: usize,
    panel: &RasterPanel<'_>,
    x_ticks: &[(f32, String)],
) {
    let (top, h) = geometry.panels[i];
    let (left, w) = (geometry.plot_left, geometry.plot_width);
    // Spikes first so the frame stays crisp on top of any dot at the edge.
    for (&t, &id) in panel.times_ms.iter().zip(panel.ids) {
        if let Some((x, y)) = geometry.spike_pixel(i, panel.n_neurons, t, id) {
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
    hline(img, left - 1, left + w, top - 1, INK);
    hline(img, left - 1, left + w, top + h, INK);
    vline(img, left - 1, top - 1, top + h, INK);
    vline(img, left + w, top - 1, top + h, INK);
    // Y ticks at round neuron numbers, and at the last where it isn't close to one.
    for v in y_ticks(panel.n_neurons) {
        let y = geometry.y_of_value(i, panel.n_neurons, f64::from(v));
        y_tick(img, left, y, &v.to_string());
    }
    // Y label, rotated to read bottom to top and centred on the panel.
    let ylabel = format!("{} neuron", panel.label);
    let ylabel_scale = if text_width(&ylabel, TEXT_SCALE) <= h {
        TEXT_SCALE
    } else {
        1
    };
    let glyph = GLYPH * TEXT_SCALE;
    let x = MARGIN + (glyph - GLYPH * ylabel_scale) / 2;
    draw_y_label(img, x, top + h / 2, &ylabel, ylabel_scale);
    // X ticks on every panel.
    for (t, _) in x_ticks {
        if let Some(x) = geometry.x_of(*t) {
            vline(img, x, top + h + 1, top + h + TICK_LEN, INK);
        }
    }
}

/// The numbers of the x ticks and the axis label, below panel `i`.
fn draw_time_axis(
    img: &mut RgbImage,
    geometry: &RasterGeometry,
    i: usize,
    x_ticks: &[(f32, String)],
) {
    let (top, h) = geometry.panels[i];
    for (t, text) in x_ticks {
        let Some(x) = geometry.x_of(*t) else { continue };
        let tw = i64::from(text_width(text, TEXT_SCALE));
        draw_text(
            img,
            i64::from(x) - tw / 2,
            i64::from(top + h + 1 + TICK_LEN + TICK_LABEL_GAP),
            text,
            TEXT_SCALE,
            INK,
        );
    }
    let y = top + h + 1 + TICK_LEN + TICK_LABEL_GAP + GLYPH * TEXT_SCALE + XLABEL_GAP;
    draw_centred(
        img,
        geometry.plot_left,
        geometry.plot_width,
        y,
        "Time [ms]",
        TEXT_SCALE,
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

/// Neuron numbers for a y axis from 0 to `n`: a step of 1, 2 or 5 times a power of ten
/// (at least 1) giving at most [`MAX_Y_TICKS`] intervals, and `n` itself where the last
/// round number is more than half a step below it.
fn y_ticks(n: u32) -> Vec<u32> {
    let magnitude = 10f64
        .powf((f64::from(n) / MAX_Y_TICKS).log10().floor())
        .max(1.0);
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&s| f64::from(n) / s <= MAX_Y_TICKS)
        .unwrap_or(10.0 * magnitude) as u32;
    let step = step.max(1);
    let mut ticks: Vec<u32> = (0..=n / step).map(|k| k * step).collect();
    if ticks.last().is_some_and(|&last| n - last > step / 2) {
        ticks.push(n);
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

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
    fn writes_decodable_png_of_the_geometry_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("raster.png");
        let panels = two_panels((&[1.0, 5.0], &[3, 700]), (&[2.0], &[19_999]));
        raster_png(&path, "Image 0 (label 5)", 20.0, &panels).unwrap();
        let img = image::open(&path).unwrap().to_rgb8();
        let geometry = RasterGeometry::new(20.0, &[784, 20_000]);
        assert_eq!(
            (img.width(), img.height()),
            (geometry.width, geometry.height)
        );
        assert_eq!(img.width(), 1000);
        assert!((600..=800).contains(&img.height()), "{}", img.height());
        for &(_, h) in &geometry.panels {
            assert!(h >= MIN_PANEL_HEIGHT);
        }
    }

    #[test]
    fn spike_lands_where_the_geometry_says() {
        let panels = two_panels((&[7.5], &[100]), (&[13.0], &[12_345]));
        let img = render("t", 20.0, &panels);
        let geometry = RasterGeometry::new(20.0, &[784, 20_000]);

        let (x, y) = geometry.spike_pixel(0, 784, 7.5, 100).unwrap();
        assert!(is_dark(img.get_pixel(x, y)));
        let (x, y) = geometry.spike_pixel(1, 20_000, 13.0, 12_345).unwrap();
        assert!(is_dark(img.get_pixel(x, y)));
        // Nothing else inside the KC axes apart from the dot.
        let (top, h) = geometry.panels[1];
        let dark = (top..top + h)
            .flat_map(|py| {
                (geometry.plot_left..geometry.plot_left + geometry.plot_width)
                    .map(move |px| (px, py))
            })
            .filter(|&(px, py)| is_dark(img.get_pixel(px, py)))
            .count();
        assert_eq!(dark, 4);
    }

    #[test]
    fn spike_pixel_geometry() {
        let geometry = RasterGeometry::new(20.0, &[10]);
        let (top, h) = geometry.panels[0];
        let (x0, y0) = geometry.spike_pixel(0, 10, 0.0, 0).unwrap();
        let (x1, y1) = geometry.spike_pixel(0, 10, 20.0, 9).unwrap();
        assert_eq!(x0, geometry.plot_left);
        assert_eq!(x1, geometry.plot_left + geometry.plot_width - 1);
        assert!(y0 > y1, "higher ids are drawn higher up");
        assert!(y0 < top + h && y1 >= top);
        assert_eq!(geometry.spike_pixel(0, 10, 20.01, 0), None);
        assert_eq!(geometry.spike_pixel(0, 10, -0.01, 0), None);
        assert_eq!(geometry.spike_pixel(0, 10, f32::NAN, 0), None);
        assert_eq!(geometry.spike_pixel(0, 10, 1.0, 10), None);
        assert_eq!(geometry.spike_pixel(1, 10, 1.0, 0), None);
    }

    #[test]
    fn out_of_range_spikes_are_ignored() {
        let times = [-1.0, 25.0, f32::NAN, f32::INFINITY, 5.0];
        let ids = [0, 1, 2, 3, 50_000];
        let panels = two_panels((&times, &ids), (&times, &ids));
        let img = render("t", 20.0, &panels);
        let geometry = RasterGeometry::new(20.0, &[784, 20_000]);
        for &(top, h) in &geometry.panels {
            for py in top..top + h {
                for px in geometry.plot_left..geometry.plot_left + geometry.plot_width {
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
        let geometry = RasterGeometry::new(20.0, &[784, 20_000]);
        // The y labels and tick numbers sit left of the axes.
        let left_dark = (0..img.height())
            .flat_map(|y| (0..geometry.plot_left - 1 - TICK_LEN).map(move |x| (x, y)))
            .filter(|&(x, y)| is_dark(img.get_pixel(x, y)))
            .count();
        assert!(left_dark > 200, "{left_dark}");
        // The x tick numbers and label sit below the last panel.
        let (top, h) = geometry.panels[1];
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
    fn y_ticks_are_round_and_reach_the_population() {
        assert_eq!(y_ticks(20_000), [0, 5000, 10_000, 15_000, 20_000]);
        assert_eq!(y_ticks(784), [0, 200, 400, 600, 784]);
        assert_eq!(y_ticks(10), [0, 2, 4, 6, 8, 10]);
        assert_eq!(y_ticks(1), [0, 1]);
        for n in [1, 3, 7, 99, 1000, 65_535, u32::MAX] {
            let t = y_ticks(n);
            assert!((2..=9).contains(&t.len()) && t[0] == 0, "{n}: {t:?}");
            assert!(t.windows(2).all(|w| w[0] < w[1]) && *t.last().unwrap() <= n);
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
