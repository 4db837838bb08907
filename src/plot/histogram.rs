//! A histogram of values (the learned weights of `kenyon train`).

use std::path::Path;

use image::RgbImage;

use super::text::{draw_centred, draw_text, draw_y_label, hline, text_width, vline, y_tick};
use super::{
    BACKGROUND, GLYPH, INK, MARGIN, PlotError, SPIKE, TEXT_SCALE, TICK_LABEL_GAP, TICK_LEN,
    XLABEL_GAP, write_png,
};

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
