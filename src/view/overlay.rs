//! What the CPU draws of a frame: the text (the bundled DejaVu Sans, through the PNG
//! plots' `plot::text`), the axes and their ticks, and the digit. The raster panels'
//! insides are left blank for the GPU to fill.

use image::{Rgb, RgbImage};

use super::layout::{DIGIT_SIDE, Layout, Rect};
use crate::plot::text::{draw_text, draw_y_label, hline, text_width, vline};
use crate::plot::{BACKGROUND, GLYPH, INK, TEXT_SCALE, TICK_LEN};

/// The words of a frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Words {
    /// The line at the top.
    pub title: String,
    /// The lines under the digit.
    pub info: Vec<String>,
    /// The line at the bottom.
    pub status: String,
}

/// One raster panel's axis: its label and population size.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Axis<'a> {
    pub label: &'a str,
    pub n_neurons: u32,
}

/// The gridlines' colour.
const GRID: Rgb<u8> = Rgb([215, 215, 215]);

/// Time axis ticks, in ms.
const TIME_TICK_MS: f64 = 2.5;

/// The overlay of a frame: `digit` is the image's 28 x 28 pixels (0 white, 255 ink),
/// `duration_ms` the time axis's length.
pub(crate) fn draw(
    layout: &Layout,
    axes: &[Axis<'_>],
    digit: &[u8],
    duration_ms: f64,
    words: &Words,
) -> RgbImage {
    let mut img = RgbImage::from_pixel(layout.width, layout.height, BACKGROUND);
    let text = TEXT_SCALE * layout.scale;
    let left = i64::from(layout.digit.x);
    draw_text(
        &mut img,
        left,
        i64::from(layout.title_y),
        &words.title,
        text,
        INK,
    );
    draw_digit(&mut img, layout.digit, digit);
    for (k, line) in words.info.iter().enumerate() {
        let y = layout.info_y + k as u32 * layout.line();
        draw_text(&mut img, left, i64::from(y), line, text, INK);
    }
    for (rect, axis) in layout.panels.iter().zip(axes) {
        draw_panel_axes(&mut img, layout, rect, axis);
    }
    draw_time_axis(&mut img, layout, duration_ms);
    draw_text(
        &mut img,
        left,
        i64::from(layout.status_y),
        &words.status,
        text,
        INK,
    );
    img
}

/// The digit scaled by whole pixels into `rect`, dark ink on white, in a frame.
fn draw_digit(img: &mut RgbImage, rect: Rect, digit: &[u8]) {
    let zoom = rect.w / DIGIT_SIDE;
    for (i, &v) in digit
        .iter()
        .enumerate()
        .take((DIGIT_SIDE * DIGIT_SIDE) as usize)
    {
        let (col, row) = (i as u32 % DIGIT_SIDE, i as u32 / DIGIT_SIDE);
        let shade = 255 - v;
        for dy in 0..zoom {
            for dx in 0..zoom {
                let (x, y) = (rect.x + col * zoom + dx, rect.y + row * zoom + dy);
                if x < img.width() && y < img.height() {
                    img.put_pixel(x, y, Rgb([shade, shade, shade]));
                }
            }
        }
    }
    frame(img, rect);
}

/// A one-pixel box just outside `rect`.
fn frame(img: &mut RgbImage, rect: Rect) {
    let (x0, y0) = (rect.x.saturating_sub(1), rect.y.saturating_sub(1));
    hline(img, x0, rect.right(), y0, INK);
    hline(img, x0, rect.right(), rect.bottom(), INK);
    vline(img, x0, y0, rect.bottom(), INK);
    vline(img, rect.right(), y0, rect.bottom(), INK);
}

/// A panel's box, its neuron ticks (0 and the size, at the bands' edges) and its
/// label, rotated, left of them.
fn draw_panel_axes(img: &mut RgbImage, layout: &Layout, rect: &Rect, axis: &Axis<'_>) {
    frame(img, *rect);
    let size = axis.n_neurons.to_string();
    // The labels stay inside the panel's rows, clear of the next panel's.
    y_tick(img, layout, rect, rect.bottom() - 1, "0", Align::Above);
    if rect.h >= 2 * layout.line() {
        y_tick(img, layout, rect, rect.y, &size, Align::Below);
    }
    let k = layout.scale;
    let widest = text_width(&size, TEXT_SCALE * k);
    let room = 1 + (TICK_LEN + 4 + 8) * k + widest + layout.line();
    let label_x = rect.x.saturating_sub(room);
    let text = TEXT_SCALE * k;
    let width = text_width(axis.label, text);
    if width + 4 * k <= rect.h {
        draw_y_label(img, label_x, rect.y + rect.h / 2, axis.label, text);
    } else {
        // Too long to stand up beside a short panel: across, ending where it would.
        let x = i64::from(label_x + layout.line()) - i64::from(width);
        let y = i64::from(rect.y + rect.h / 2) - i64::from(GLYPH * text / 2);
        draw_text(img, x, y, axis.label, text, INK);
    }
}

/// Where a tick's label sits: its digits' bottoms or tops on the tick's row.
#[derive(Clone, Copy)]
enum Align {
    Above,
    Below,
}

/// A tick at row `y` left of `rect`, labelled `text` to its left.
fn y_tick(img: &mut RgbImage, layout: &Layout, rect: &Rect, y: u32, text: &str, align: Align) {
    let k = layout.scale;
    let x0 = rect.x.saturating_sub(1 + TICK_LEN * k);
    for t in 0..k {
        hline(img, x0, rect.x.saturating_sub(1), y.saturating_sub(t), INK);
    }
    let w = text_width(text, TEXT_SCALE * k);
    let x = i64::from(x0) - i64::from(4 * k) - i64::from(w);
    // Digits are about a glyph (8 px at scale 1 of the text) times the text scale tall.
    let top = match align {
        Align::Above => i64::from(y) + 1 - i64::from(GLYPH * TEXT_SCALE * k * 3 / 4),
        Align::Below => i64::from(y),
    };
    draw_text(img, x, top, text, TEXT_SCALE * k, INK);
}

/// Ticks every [`TIME_TICK_MS`] under the bottom panel, numbered, and the axis label.
fn draw_time_axis(img: &mut RgbImage, layout: &Layout, duration_ms: f64) {
    let (Some(first), Some(last)) = (layout.panels.first(), layout.panels.last()) else {
        return;
    };
    let (k, y) = (layout.scale, last.bottom());
    let text = TEXT_SCALE * k;
    let steps = (duration_ms / TIME_TICK_MS).floor() as u32;
    for i in 0..=steps {
        let t = f64::from(i) * TIME_TICK_MS;
        let x = layout.x_of_time(t, duration_ms).min(last.right());
        for dx in 0..k {
            vline(img, x + dx, y, y + TICK_LEN * k, INK);
        }
        // Faint gridlines help read a spike's time off a tall panel.
        for rect in &layout.panels {
            if x > rect.x && x < rect.right() {
                for gy in (rect.y..rect.bottom()).step_by(4) {
                    img.put_pixel(x, gy, GRID);
                }
            }
        }
        let label = format_ms(t);
        let tx = i64::from(x) - i64::from(text_width(&label, text) / 2);
        draw_text(
            img,
            tx,
            i64::from(y + (TICK_LEN + 4) * k),
            &label,
            text,
            INK,
        );
    }
    let label = "time (ms)";
    let x = first.x + first.w.saturating_sub(text_width(label, text)) / 2;
    let label_y = y + (TICK_LEN + 4) * k + layout.line();
    draw_text(img, i64::from(x), i64::from(label_y), label, text, INK);
}

/// `t` ms with as few decimals as it needs ("5", "2.5").
fn format_ms(t: f64) -> String {
    if t.fract() == 0.0 {
        format!("{t:.0}")
    } else {
        format!("{t:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panel_insides_are_left_blank_for_the_gpu() {
        let layout = Layout::new(800, 600, 1, &[784, 20_000, 1]).expect("fits");
        let axes = [
            Axis {
                label: "PN",
                n_neurons: 784,
            },
            Axis {
                label: "KC",
                n_neurons: 20_000,
            },
            Axis {
                label: "GGN",
                n_neurons: 1,
            },
        ];
        let words = Words {
            title: "title".into(),
            info: vec!["image 0".into()],
            status: "status".into(),
        };
        let img = draw(&layout, &axes, &[255; 784], 20.0, &words);
        for rect in &layout.panels {
            for y in rect.y..rect.bottom() {
                for x in rect.x..rect.right() {
                    let p = *img.get_pixel(x, y);
                    assert!(p == BACKGROUND || p == GRID, "({x}, {y}): {p:?}");
                }
            }
        }
        // The digit is ink where the image is, and the text is drawn somewhere.
        let d = layout.digit;
        assert_eq!(*img.get_pixel(d.x + 3, d.y + 3), Rgb([0, 0, 0]));
        assert!(img.pixels().filter(|p| **p == INK).count() > 1000);
        assert_eq!(format_ms(2.5), "2.5");
        assert_eq!(format_ms(20.0), "20");
    }
}
