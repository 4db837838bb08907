//! Text and lines drawn into an image: the bundled DejaVu Sans (`chart::FONT`)
//! rasterised with ab_glyph and blended in, across or rotated up the page. A text's
//! `scale` is its size in units of 8 pixels, so 2 is 16-pixel text.

use std::sync::OnceLock;

use ab_glyph::{Font as _, FontRef, PxScale, ScaleFont as _, point};
use image::{Rgb, RgbImage};

use super::{GLYPH, INK, TEXT_SCALE, TICK_LABEL_GAP, TICK_LEN};

/// The bundled font, parsed once; `None` if it could not be (then no text is drawn).
fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(super::chart::FONT).ok())
        .as_ref()
}

/// Pixel size of text drawn at `scale`.
fn px(scale: u32) -> PxScale {
    PxScale::from((GLYPH * scale) as f32 * 1.25)
}

/// A y-axis tick at row `y` left of an axis whose first column is `left`, labelled
/// `text` to its left.
pub(crate) fn y_tick(img: &mut RgbImage, left: u32, y: u32, text: &str) {
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

/// Width in pixels of `text` drawn at `scale`.
pub(crate) fn text_width(text: &str, scale: u32) -> u32 {
    let Some(font) = font() else { return 0 };
    let scaled = font.as_scaled(px(scale));
    let width: f32 = text
        .chars()
        .map(|c| scaled.h_advance(font.glyph_id(c)))
        .sum();
    width.ceil() as u32
}

/// The coverage of `text` at `scale`, row by row: `(width, height, coverage)` with
/// the tops of the capitals near row 0.
fn coverage(text: &str, scale: u32) -> (u32, u32, Vec<f32>) {
    let (w, h) = (text_width(text, scale), GLYPH * scale + GLYPH * scale / 2);
    let mut cover = vec![0f32; w as usize * h as usize];
    let Some(font) = font() else {
        return (w, h, cover);
    };
    let scaled = font.as_scaled(px(scale));
    // The capitals' tops at row 0 of the text box: the ascent less the cap height.
    let baseline = (GLYPH * scale) as f32;
    let mut x = 0f32;
    for c in text.chars() {
        let id = font.glyph_id(c);
        let glyph = id.with_scale_and_position(px(scale), point(x, baseline));
        x += scaled.h_advance(id);
        let Some(outlined) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outlined.px_bounds();
        outlined.draw(|gx, gy, v| {
            let (cx, cy) = (
                bounds.min.x as i64 + i64::from(gx),
                bounds.min.y as i64 + i64::from(gy),
            );
            if (0..i64::from(w)).contains(&cx) && (0..i64::from(h)).contains(&cy) {
                let at = cy as usize * w as usize + cx as usize;
                cover[at] = (cover[at] + v).min(1.0);
            }
        });
    }
    (w, h, cover)
}

/// Blends `color` into the pixel at `(x, y)` by `v`, clipped to the image.
fn blend(img: &mut RgbImage, x: i64, y: i64, color: Rgb<u8>, v: f32) {
    if let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y))
        && x < img.width()
        && y < img.height()
        && v > 0.0
    {
        let p = img.get_pixel_mut(x, y);
        for (old, new) in p.0.iter_mut().zip(color.0) {
            *old = (f32::from(*old) * (1.0 - v) + f32::from(new) * v).round() as u8;
        }
    }
}

/// Draws `text` with its top-left corner at `(x, y)`; whatever falls outside is clipped.
pub(crate) fn draw_text(
    img: &mut RgbImage,
    x: i64,
    y: i64,
    text: &str,
    scale: u32,
    color: Rgb<u8>,
) {
    let (w, h, cover) = coverage(text, scale);
    for cy in 0..h {
        for cx in 0..w {
            let v = cover[(cy * w + cx) as usize];
            blend(img, x + i64::from(cx), y + i64::from(cy), color, v);
        }
    }
}

/// `TEXT_SCALE`, or smaller text where `text` would be wider than `room` at that scale.
pub(crate) fn scale_to_fit(text: &str, room: u32) -> u32 {
    if text_width(text, TEXT_SCALE) <= room {
        TEXT_SCALE
    } else {
        1
    }
}

/// Draws `text` centred in the columns `left..left + width`, the tops of its letters at
/// row `y`.
pub(crate) fn draw_centred(
    img: &mut RgbImage,
    left: u32,
    width: u32,
    y: u32,
    text: &str,
    scale: u32,
) {
    let x = left + width.saturating_sub(text_width(text, scale)) / 2;
    draw_text(img, i64::from(x), i64::from(y), text, scale, INK);
}

/// An axis label rotated a quarter turn anticlockwise, its letters' tops at column `x`,
/// centred on row `centre_y`.
pub(crate) fn draw_y_label(img: &mut RgbImage, x: u32, centre_y: u32, text: &str, scale: u32) {
    let (w, h, cover) = coverage(text, scale);
    let bottom = i64::from(centre_y) + i64::from(w) / 2;
    for cy in 0..h {
        for cx in 0..w {
            let v = cover[(cy * w + cx) as usize];
            blend(img, i64::from(x + cy), bottom - i64::from(cx), INK, v);
        }
    }
}

/// Horizontal line from `x0` to `x1` inclusive at row `y`, clipped.
pub(crate) fn hline(img: &mut RgbImage, x0: u32, x1: u32, y: u32, color: Rgb<u8>) {
    for x in x0..=x1 {
        if x < img.width() && y < img.height() {
            img.put_pixel(x, y, color);
        }
    }
}

/// Vertical line from `y0` to `y1` inclusive at column `x`, clipped.
pub(crate) fn vline(img: &mut RgbImage, x: u32, y0: u32, y1: u32, color: Rgb<u8>) {
    for y in y0..=y1 {
        if x < img.width() && y < img.height() {
            img.put_pixel(x, y, color);
        }
    }
}
