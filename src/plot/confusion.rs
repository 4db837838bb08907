//! A confusion matrix (the answers of `kenyon test`), with a colour bar.

use std::path::Path;

use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{FAMILY, LABEL_SIZE, TICK_SIZE, TITLE_SIZE, render, text};
use super::{PlotError, write_png};

/// Width of the colour bar's part of the figure, in pixels.
const BAR_WIDTH: u32 = 150;

/// A confusion matrix: `matrix[row][col]` counts of true class `row` given answer `col`,
/// shaded by the share of its row (the colour bar reads the shade) and numbered;
/// `col_names` names the columns (the answers, which may include "none"), rows are named
/// 0, 1, ... from the top.
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
    let size = (130 + cols * cell + BAR_WIDTH + 30, 120 + rows * cell + 80);
    let img = render(path, size, |root| {
        let root = root.titled(title, (FAMILY, TITLE_SIZE)).map_err(text)?;
        let (cells, bar) = root.split_horizontally(size.0 - BAR_WIDTH);
        draw_cells(&cells, matrix, col_names)?;
        draw_colour_bar(&bar)
    })?;
    write_png(path, &img)
}

/// The shade of a cell holding `share` of its row: white for none, blue for all.
fn shade(share: f64) -> RGBColor {
    let s = (255.0 * (1.0 - share.clamp(0.0, 1.0))).round() as u8;
    RGBColor(s, s, 255)
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// The matrix: one numbered, shaded cell per count, true digits down the side (0 at the
/// top) and answers along the bottom.
fn draw_cells(area: &Area<'_>, matrix: &[Vec<u64>], col_names: &[String]) -> Result<(), String> {
    let (rows, cols) = (matrix.len() as u32, col_names.len() as u32);
    // A segmented range has a segment for each of its values, its end included.
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(70)
        .y_label_area_size(80)
        .build_cartesian_2d(
            (0..cols - 1).into_segmented(),
            (0..rows - 1).into_segmented(),
        )
        .map_err(text)?;
    let name = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) => col_names.get(*i as usize).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    // Row r is drawn at y = rows - 1 - r, so that digit 0 is at the top.
    let digit = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) if *i < rows => (rows - 1 - i).to_string(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(cols as usize)
        .y_labels(rows as usize)
        .x_label_formatter(&name)
        .y_label_formatter(&digit)
        .x_desc("answer")
        .y_desc("true digit")
        .label_style((FAMILY, TICK_SIZE))
        .axis_desc_style((FAMILY, LABEL_SIZE))
        .draw()
        .map_err(text)?;
    let centre = Pos::new(HPos::Center, VPos::Center);
    for (r, row) in matrix.iter().enumerate() {
        let total = row.iter().sum::<u64>().max(1);
        let y = rows - 1 - r as u32;
        for (c, &n) in row.iter().enumerate() {
            let (c, share) = (c as u32, n as f64 / total as f64);
            let corners = [
                (SegmentValue::Exact(c), SegmentValue::Exact(y)),
                (SegmentValue::Exact(c + 1), SegmentValue::Exact(y + 1)),
            ];
            chart
                .draw_series([
                    Rectangle::new(corners.clone(), shade(share).filled()),
                    Rectangle::new(corners, BLACK.stroke_width(1)),
                ])
                .map_err(text)?;
            let ink = if share > 0.5 { WHITE } else { BLACK };
            let style = TextStyle::from((FAMILY, TICK_SIZE).into_font())
                .color(&ink)
                .pos(centre);
            let at = (SegmentValue::CenterOf(c), SegmentValue::CenterOf(y));
            chart
                .draw_series([Text::new(n.to_string(), at, style)])
                .map_err(text)?;
        }
    }
    Ok(())
}

/// The colour bar: the shade of every share of a row, 0 to 100 %.
fn draw_colour_bar(area: &Area<'_>) -> Result<(), String> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(10)
        .margin_bottom(80)
        .margin_right(20)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..1f64, 0f64..100f64)
        .map_err(text)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&|v| format!("{v:.0} %"))
        .y_desc("share of the row")
        .label_style((FAMILY, TICK_SIZE))
        .axis_desc_style((FAMILY, LABEL_SIZE))
        .draw()
        .map_err(text)?;
    chart
        .draw_series((0..100).map(|k| {
            let k = f64::from(k);
            Rectangle::new(
                [(0.0, k), (1.0, k + 1.0)],
                shade((k + 0.5) / 100.0).filled(),
            )
        }))
        .map_err(text)?;
    chart
        .draw_series([Rectangle::new(
            [(0.0, 0.0), (1.0, 100.0)],
            BLACK.stroke_width(1),
        )])
        .map_err(text)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confusion_matrix_shades_its_cells_and_has_a_colour_bar() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.png");
        let matrix = vec![vec![9, 1, 0], vec![0, 5, 5]];
        let names: Vec<String> = ["0", "1", "none"].map(String::from).to_vec();
        confusion_png(&path, "2 correct", &matrix, &names).unwrap();
        let img = image::open(&path).unwrap().to_rgb8();
        let (w, h) = img.dimensions();
        assert_eq!((w, h), (130 + 3 * 56 + BAR_WIDTH + 30, 120 + 2 * 56 + 80));
        // The shade of 90 % of a row (the first cell) is in the matrix, and the colour
        // bar holds the whole range from white to blue.
        let blues: Vec<u8> = img
            .pixels()
            .filter(|p| p.0[2] == 255)
            .map(|p| p.0[0])
            .collect();
        assert!(blues.contains(&shade(0.9).0), "the 90 % cell");
        let bar = (w - BAR_WIDTH..w).flat_map(|x| (0..h).map(move |y| (x, y)));
        let shades: std::collections::BTreeSet<u8> = bar
            .map(|(x, y)| img.get_pixel(x, y).0)
            .filter(|p| p[2] == 255 && p[0] == p[1])
            .map(|p| p[0])
            .collect();
        assert!(
            shades.len() > 50,
            "a graded colour bar: {} shades",
            shades.len()
        );
        let bad = vec![vec![1, 2]];
        assert!(confusion_png(&path, "t", &bad, &names).is_err());
    }
}
