//! Text and lines drawn into an image: 8x8 bitmap glyphs from `font8x8`, at any integer
//! scale, across or rotated up the page.

use font8x8::UnicodeFonts as _;
use image::{Rgb, RgbImage};

use super::{GLYPH, INK, TEXT_SCALE, TICK_LABEL_GAP, TICK_LEN};

/// A y-axis tick at row `y` left of an axis whose first column is `left`, labelled
/// `text` to its left.
pub(super) fn y_tick(img: &mut RgbImage, left: u32, y: u32, text: &str) {
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
pub(super) fn text_width(text: &str, scale: u32) -> u32 {
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
pub(super) fn draw_text(
    img: &mut RgbImage,
    x: i64,
    y: i64,
    text: &str,
    scale: u32,
    color: Rgb<u8>,
) {
    let (s, g) = (i64::from(scale), i64::from(GLYPH));
    for (i, c) in text.chars().enumerate() {
        let origin = x + i as i64 * g * s;
        for_each_glyph_pixel(c, |gx, gy| {
            fill(img, origin + gx * s, y + gy * s, s, color);
        });
    }
}

/// `TEXT_SCALE`, or small glyphs where `text` would be wider than `room` at that scale.
pub(super) fn scale_to_fit(text: &str, room: u32) -> u32 {
    if text_width(text, TEXT_SCALE) <= room {
        TEXT_SCALE
    } else {
        1
    }
}

/// Draws `text` centred in the columns `left..left + width`, the tops of its letters at
/// row `y`.
pub(super) fn draw_centred(
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
pub(super) fn draw_y_label(img: &mut RgbImage, x: u32, centre_y: u32, text: &str, scale: u32) {
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

/// Calls `f` with the position of every set pixel of `c`'s glyph.
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
pub(super) fn hline(img: &mut RgbImage, x0: u32, x1: u32, y: u32, color: Rgb<u8>) {
    for x in x0..=x1 {
        if x < img.width() && y < img.height() {
            img.put_pixel(x, y, color);
        }
    }
}

/// Vertical line from `y0` to `y1` inclusive at column `x`, clipped.
pub(super) fn vline(img: &mut RgbImage, x: u32, y0: u32, y1: u32, color: Rgb<u8>) {
    for y in y0..=y1 {
        if x < img.width() && y < img.height() {
            img.put_pixel(x, y, color);
        }
    }
}
