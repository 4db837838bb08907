//! A histogram of values (the learned weights of `kenyon train`).

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{FAMILY, LABEL_SIZE, TICK_SIZE, TITLE_SIZE, render, text};
use super::{PlotError, write_png};

/// A histogram of `values` in `bins` equal bins from their minimum to their maximum,
/// with the x axis labelled `x_label` and counts on the y axis.
pub fn histogram_png(
    path: &Path,
    title: &str,
    x_label: &str,
    values: &[f32],
    bins: usize,
) -> Result<(), PlotError> {
    let finite: Vec<f64> = values
        .iter()
        .filter(|v| v.is_finite())
        .map(|&v| f64::from(v))
        .collect();
    if finite.is_empty() || bins == 0 {
        return Err(PlotError::NoData {
            path: path.to_path_buf(),
        });
    }
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let mut counts = vec![0u64; bins];
    for v in &finite {
        let b = (((v - lo) / span) * bins as f64) as usize;
        counts[b.min(bins - 1)] += 1;
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1);
    let width = span / bins as f64;
    // Positive values starting near 0 get an axis from 0, whose ticks are round.
    let axis_lo = if lo > 0.0 && lo < 0.25 * span {
        0.0
    } else {
        lo
    };
    let img = render(path, (940, 560), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FAMILY, TITLE_SIZE))
            .margin(16)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(axis_lo..lo + span, 0u64..max + max / 20 + 1)
            .map_err(text)?;
        // plotters' own x ticks step by 1, 2 or 5 and give 4 or 9 for many ranges: the
        // x axis gets the ticks of `round_ticks`, drawn below.
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(0)
            .y_labels(7)
            .x_desc(x_label)
            .y_desc("count")
            .label_style((FAMILY, TICK_SIZE))
            .axis_desc_style((FAMILY, LABEL_SIZE))
            .draw()
            .map_err(text)?;
        let bar = RGBColor(10, 20, 80).filled();
        chart
            .draw_series(counts.iter().enumerate().map(|(b, &c)| {
                let x0 = lo + b as f64 * width;
                Rectangle::new([(x0, 0), (x0 + width, c)], bar)
            }))
            .map_err(text)?;
        let ticks = round_ticks(axis_lo, lo + span);
        let at = ticks.iter().map(|&t| (t, chart.backend_coord(&(t, 0))));
        draw_x_ticks(root, at.collect(), span)
    })?;
    write_png(path, &img)
}

/// Tick marks and their values below the x axis, at `(value, place)`.
fn draw_x_ticks<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    ticks: Vec<(f64, (i32, i32))>,
    span: f64,
) -> Result<(), String> {
    let step = match ticks.as_slice() {
        [(a, _), (b, _), ..] => b - a,
        _ => span,
    };
    // Enough decimals to tell neighbouring ticks apart (2.5e-3 needs 4).
    let decimals = (-step.log10()).ceil().clamp(0.0, 12.0) as usize + 1;
    let style =
        TextStyle::from((FAMILY, TICK_SIZE).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    for (t, (x, y)) in ticks {
        root.draw(&PathElement::new(vec![(x, y), (x, y + 6)], BLACK))
            .map_err(text)?;
        let label = Text::new(format!("{t:.decimals$}"), (x, y + 9), style.clone());
        root.draw(&label).map_err(text)?;
    }
    Ok(())
}

/// Round ticks in `[lo, hi]`: multiples of 1, 2, 2.5, 3, 4 or 5 times a power of ten,
/// the step that gives nearest 6 of them (5 to 7 for every range the tests try).
fn round_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite()) {
        return vec![lo];
    }
    let ticks = |step: f64| -> Vec<f64> {
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        (first..=last).map(|k| k as f64 * step).collect()
    };
    let magnitude = 10f64.powf((span / 6.0).log10().floor());
    let steps = [0.5, 1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 10.0].map(|m| m * magnitude);
    let distance = |n: usize| n.abs_diff(6);
    steps
        .iter()
        .map(|&s| ticks(s))
        .min_by_key(|t| (distance(t.len()), usize::MAX - t.len()))
        .unwrap_or_else(|| vec![lo, hi])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_get_five_to_seven_round_ticks() {
        for (lo, hi) in [
            (0.0, 0.0175),
            (0.0, 0.0233),
            (0.0, 1.0),
            (-3.0, 7.0),
            (0.5, 0.7),
            (0.0, 28_000.0),
        ] {
            let t = round_ticks(lo, hi);
            assert!((5..=7).contains(&t.len()), "{lo}..{hi}: {t:?}");
            assert!(t.iter().all(|&x| x >= lo && x <= hi), "{t:?}");
        }
        let t: Vec<String> = round_ticks(0.0, 0.0175)
            .iter()
            .map(|x| format!("{x:.4}"))
            .collect();
        assert_eq!(
            t,
            ["0.0000", "0.0030", "0.0060", "0.0090", "0.0120", "0.0150"]
        );
    }

    #[test]
    fn a_histogram_has_its_bars_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.png");
        let values: Vec<f32> = (0..1000).map(|i| (i % 37) as f32 * 0.001).collect();
        histogram_png(&path, "weights", "g", &values, 20).unwrap();
        let img = image::open(&path).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (940, 560));
        let bar = |p: &image::Rgb<u8>| p.0 == [10, 20, 80];
        assert!(img.pixels().filter(|p| bar(p)).count() > 10_000, "the bars");
        // The title's glyphs are anti-aliased grey, in the top rows.
        let title = (0..40).flat_map(|y| (0..940).map(move |x| (x, y)));
        assert!(
            title
                .filter(|&(x, y)| img.get_pixel(x, y).0[0] < 128)
                .count()
                > 50
        );
        assert!(matches!(
            histogram_png(&path, "t", "x", &[f32::NAN], 10),
            Err(PlotError::NoData { .. })
        ));
    }
}
