//! What the CPU draws of a frame: the text (the bundled DejaVu Sans, through the PNG
//! plots' `plot::text`), the axes and their ticks, and the digit. The raster panels'
//! insides are left blank for the GPU to fill. A frame's overlay is a background that
//! changes only with its size, and [`Part`]s that change as images go by.

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

/// The parts of the overlay that change as images go by. Each is alone in its
/// rectangle, so a change redraws and uploads that rectangle only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// The line at the top.
    Title,
    /// The image's pixels (its frame is part of the background).
    Digit,
    /// One of the lines under the digit.
    Info(usize),
    /// The line at the bottom.
    Status,
}

impl Part {
    /// The parts of frames with `a` and `b` lines under the digit.
    pub fn all(a: usize, b: usize) -> impl Iterator<Item = Part> {
        [Part::Title, Part::Digit, Part::Status]
            .into_iter()
            .chain((0..a.max(b)).map(Part::Info))
    }

    /// The part's rectangle: the title's and status line's bands across the frame; a
    /// line's band under the digit, as far as the panels' labels and no lower than the
    /// status line (empty below it); the digit's pixels.
    pub fn rect(self, layout: &Layout, axes: &[Axis<'_>]) -> Rect {
        let band = |y: u32, h: u32| Rect {
            x: 0,
            y,
            w: layout.width,
            h: h.min(layout.height - y),
        };
        match self {
            Part::Title => band(layout.title_y, layout.line()),
            Part::Digit => layout.digit,
            Part::Status => band(layout.status_y, layout.height - layout.status_y),
            Part::Info(k) => {
                let labels = layout.panels.iter().zip(axes);
                let right = labels
                    .map(|(rect, axis)| label_left(layout, rect, axis))
                    .min()
                    .unwrap_or(layout.width)
                    .saturating_sub(2 * layout.scale);
                let y = (layout.info_y + k as u32 * layout.line()).min(layout.status_y);
                Rect {
                    x: 0,
                    y,
                    w: right.clamp(1, layout.width),
                    h: layout.line().min(layout.status_y - y),
                }
            }
        }
    }

    /// Whether the part shows something else in `b` than in `a`.
    pub fn differs(self, a: (&Words, &[u8]), b: (&Words, &[u8])) -> bool {
        match self {
            Part::Title => a.0.title != b.0.title,
            Part::Digit => a.1 != b.1,
            Part::Info(k) => a.0.info.get(k) != b.0.info.get(k),
            Part::Status => a.0.status != b.0.status,
        }
    }
}

/// The whole overlay of a frame: `digit` is the image's 28 x 28 pixels (0 white, 255
/// ink), `duration_ms` the time axis's length.
pub(crate) fn draw(
    layout: &Layout,
    axes: &[Axis<'_>],
    digit: &[u8],
    duration_ms: f64,
    words: &Words,
) -> RgbImage {
    let mut img = background(layout, axes, duration_ms);
    let lines = words.info.len();
    for part in Part::all(lines, lines) {
        let rect = part.rect(layout, axes);
        let drawn = draw_part(layout, part, rect, digit, words);
        image::imageops::replace(&mut img, &drawn, rect.x.into(), rect.y.into());
    }
    img
}

/// Everything but the [`Part`]s: the panels' frames and axes, the time axis and the
/// digit's frame, which change only with the frame's size.
pub(crate) fn background(layout: &Layout, axes: &[Axis<'_>], duration_ms: f64) -> RgbImage {
    let mut img = RgbImage::from_pixel(layout.width, layout.height, BACKGROUND);
    frame(&mut img, layout.digit);
    for (rect, axis) in layout.panels.iter().zip(axes) {
        draw_panel_axes(&mut img, layout, rect, axis);
    }
    draw_time_axis(&mut img, layout, duration_ms);
    img
}

/// `part`, drawn into an image the size of its rectangle `rect`.
pub(crate) fn draw_part(
    layout: &Layout,
    part: Part,
    rect: Rect,
    digit: &[u8],
    words: &Words,
) -> RgbImage {
    let mut img = RgbImage::from_pixel(rect.w, rect.h, BACKGROUND);
    let text = TEXT_SCALE * layout.scale;
    // Text is placed in frame pixels, less the part's corner.
    let x = i64::from(layout.digit.x) - i64::from(rect.x);
    match part {
        Part::Title => draw_text(&mut img, x, 0, &words.title, text, INK),
        Part::Status => draw_text(&mut img, x, 0, &words.status, text, INK),
        Part::Digit => draw_digit(&mut img, digit),
        Part::Info(k) => {
            if let Some(line) = words.info.get(k) {
                draw_text(&mut img, x, 0, line, text, INK);
            }
        }
    }
    img
}

/// The digit scaled by whole pixels to fill `img`, dark ink on white.
fn draw_digit(img: &mut RgbImage, digit: &[u8]) {
    let zoom = (img.width() / DIGIT_SIDE).max(1);
    for (i, &v) in digit
        .iter()
        .enumerate()
        .take((DIGIT_SIDE * DIGIT_SIDE) as usize)
    {
        let (col, row) = (i as u32 % DIGIT_SIDE, i as u32 / DIGIT_SIDE);
        let shade = 255 - v;
        for dy in 0..zoom {
            for dx in 0..zoom {
                let (x, y) = (col * zoom + dx, row * zoom + dy);
                if x < img.width() && y < img.height() {
                    img.put_pixel(x, y, Rgb([shade, shade, shade]));
                }
            }
        }
    }
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
    let text = TEXT_SCALE * layout.scale;
    match label_place(layout, rect, axis) {
        LabelPlace::Upright(x) => draw_y_label(img, x, rect.y + rect.h / 2, axis.label, text),
        LabelPlace::Across(x) => {
            let y = i64::from(rect.y + rect.h / 2) - i64::from(GLYPH * text / 2);
            draw_text(img, x, y, axis.label, text, INK);
        }
    }
}

/// Where a panel's label goes: standing up with its letters' tops at a column, or,
/// too long to stand beside a short panel, across from a column (which may be left of
/// the frame).
enum LabelPlace {
    Upright(u32),
    Across(i64),
}

fn label_place(layout: &Layout, rect: &Rect, axis: &Axis<'_>) -> LabelPlace {
    let k = layout.scale;
    let text = TEXT_SCALE * k;
    let widest = text_width(&axis.n_neurons.to_string(), text);
    let room = 1 + (TICK_LEN + 4 + 8) * k + widest + layout.line();
    let label_x = rect.x.saturating_sub(room);
    let width = text_width(axis.label, text);
    if width + 4 * k <= rect.h {
        LabelPlace::Upright(label_x)
    } else {
        // Across, ending where it would.
        LabelPlace::Across(i64::from(label_x + layout.line()) - i64::from(width))
    }
}

/// The leftmost column of a panel's label.
fn label_left(layout: &Layout, rect: &Rect, axis: &Axis<'_>) -> u32 {
    match label_place(layout, rect, axis) {
        LabelPlace::Upright(x) => x,
        LabelPlace::Across(x) => x.max(0) as u32,
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

    #[test]
    fn the_parts_lie_where_the_background_is_blank_so_redrawing_one_loses_nothing() {
        let all = [("PN", 784), ("KC", 20_000), ("GGN", 1), ("MBON", 10)];
        let mut checked = 0;
        for (w, h, scale) in [
            (1280, 800, 1),
            (320, 240, 1),
            (2560, 1600, 2),
            (700, 1400, 1),
        ] {
            for n in 2..=all.len() {
                let axes: Vec<Axis<'_>> = all[..n]
                    .iter()
                    .map(|&(label, n_neurons)| Axis { label, n_neurons })
                    .collect();
                let sizes: Vec<u32> = axes.iter().map(|a| a.n_neurons).collect();
                let Some(layout) = Layout::new(w, h, scale, &sizes) else {
                    continue;
                };
                checked += 1;
                let img = background(&layout, &axes, 20.0);
                for part in Part::all(14, 0) {
                    let r = part.rect(&layout, &axes);
                    assert!(r.right() <= w && r.bottom() <= h, "{part:?} {r:?}");
                    for y in r.y..r.bottom() {
                        for x in r.x..r.right() {
                            let p = *img.get_pixel(x, y);
                            assert_eq!(p, BACKGROUND, "{w}x{h} {n} panels {part:?}: ({x}, {y})");
                        }
                    }
                }
            }
        }
        assert!(checked >= 10, "{checked} layouts");
    }
}
