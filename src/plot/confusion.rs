//! A confusion matrix (the answers of `kenyon test`).

use std::path::Path;

use image::{Rgb, RgbImage};

use super::text::{draw_centred, draw_text, draw_y_label, hline, scale_to_fit, text_width, vline};
use super::{BACKGROUND, GLYPH, INK, MARGIN, PlotError, TEXT_SCALE, write_png};

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
            let corner = (left + c as u32 * cell, top + r as u32 * cell);
            draw_cell(&mut img, corner, cell, n, n as f64 / total as f64);
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

/// One cell of `cell` x `cell` pixels from `(x0, y0)`: shaded by `share` (of its row)
/// and numbered with `n`.
fn draw_cell(img: &mut RgbImage, (x0, y0): (u32, u32), cell: u32, n: u64, share: f64) {
    let shade = (255.0 * (1.0 - share)).round() as u8;
    let color = Rgb([shade, shade, 255]);
    for y in y0..y0 + cell {
        hline(img, x0, x0 + cell - 1, y, color);
    }
    let text = n.to_string();
    let ink = if share > 0.5 { BACKGROUND } else { INK };
    let tw = text_width(&text, 1);
    draw_text(
        img,
        i64::from(x0 + (cell - tw) / 2),
        i64::from(y0 + cell / 2 - 4),
        &text,
        1,
        ink,
    );
}
