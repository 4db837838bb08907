//! Where everything goes in a frame of a given size: pure arithmetic, so the overlay
//! (text, axes, digit) and the GPU's raster panels agree, and tests can check it.

/// A rectangle of whole pixels: left, top, width, height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    /// First column.
    pub x: u32,
    /// First row.
    pub y: u32,
    /// Columns.
    pub w: u32,
    /// Rows.
    pub h: u32,
}

impl Rect {
    /// One past the last column.
    pub fn right(&self) -> u32 {
        self.x + self.w
    }

    /// One past the last row.
    pub fn bottom(&self) -> u32 {
        self.y + self.h
    }

    /// Whether the pixel `(x, y)` lies inside.
    pub fn contains(&self, x: u32, y: u32) -> bool {
        (self.x..self.right()).contains(&x) && (self.y..self.bottom()).contains(&y)
    }
}

/// Height of a line of text (16-pixel DejaVu Sans with its descenders).
pub(crate) const LINE: u32 = 22;
/// Space around the frame's edge.
const MARGIN: u32 = 14;
/// Room left of each panel for its rotated label and tick numbers ("20000").
const Y_AXIS_ROOM: u32 = 90;
/// Room below the bottom panel for the time axis's ticks, numbers and label.
const X_AXIS_ROOM: u32 = 2 * LINE + 14;
/// Space between panels.
const PANEL_GAP: u32 = 12;
/// The smallest panel: a one-neuron GGN still gets a visible band.
const MIN_PANEL: u32 = 24;
/// Pixels per image pixel of the digit, at most.
const MAX_DIGIT_ZOOM: u32 = 8;
/// The MNIST image's side.
pub(crate) const DIGIT_SIDE: u32 = 28;
/// The smallest frame drawn at scale 1: below it (a minimised window) nothing is.
pub const MIN_SIZE: (u32, u32) = (320, 240);
/// The largest scale of text and spacing (for a HiDPI display's scale factor).
pub const MAX_SCALE: u32 = 4;

/// Where things go in a frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// The frame's width in pixels.
    pub width: u32,
    /// The frame's height in pixels.
    pub height: u32,
    /// Text and spacing in multiples of their size on a display of scale factor 1.
    pub scale: u32,
    /// The title line's top row.
    pub title_y: u32,
    /// The digit, scaled by a whole factor.
    pub digit: Rect,
    /// Top row of the lines under the digit (index, label, backend, rate).
    pub info_y: u32,
    /// Each raster panel's inside, top to bottom, all of the same columns.
    pub panels: Vec<Rect>,
    /// The status line's top row, at the bottom of the frame.
    pub status_y: u32,
}

impl Layout {
    /// The layout of a `width` x `height` frame with one panel per population of
    /// `n_neurons` (top to bottom), text and spacing `scale` times their size at scale
    /// factor 1 (clamped to 1..=[`MAX_SCALE`]), or `None` for a frame below
    /// [`MIN_SIZE`] times the scale or no panels.
    pub fn new(width: u32, height: u32, scale: u32, n_neurons: &[u32]) -> Option<Layout> {
        let k = scale.clamp(1, MAX_SCALE);
        if width < MIN_SIZE.0 * k || height < MIN_SIZE.1 * k || n_neurons.is_empty() {
            return None;
        }
        let title_y = MARGIN * k;
        let top = title_y + (LINE + 8) * k;
        let status_y = height - (MARGIN + LINE) * k;
        // The digit takes about a fifth of the width, in whole zoom steps.
        let zoom = (width / 5 / DIGIT_SIDE).clamp(1, MAX_DIGIT_ZOOM * k);
        let side = DIGIT_SIDE * zoom;
        let digit = Rect {
            x: MARGIN * k,
            y: top,
            w: side,
            h: side,
        };
        let left = digit.right() + (16 + Y_AXIS_ROOM) * k;
        let right = width - (MARGIN + 8) * k;
        let bottom = status_y.checked_sub(X_AXIS_ROOM * k)?;
        let gaps = PANEL_GAP * k * (n_neurons.len() as u32 - 1);
        let room = bottom.checked_sub(top + gaps)?;
        let heights = panel_heights(room, MIN_PANEL * k, n_neurons)?;
        let mut panels = Vec::with_capacity(heights.len());
        let mut y = top;
        for h in heights {
            panels.push(Rect {
                x: left,
                y,
                w: right.checked_sub(left).filter(|w| *w > 0)?,
                h,
            });
            y += h + PANEL_GAP * k;
        }
        Some(Layout {
            width,
            height,
            scale: k,
            title_y,
            digit,
            info_y: digit.bottom() + 12 * k,
            panels,
            status_y,
        })
    }

    /// A line of text's height at this layout's scale.
    pub fn line(&self) -> u32 {
        LINE * self.scale
    }

    /// The column of time `t_ms` on an axis from 0 to `duration_ms`: the left edge of
    /// the columns of the timestep starting then.
    pub fn x_of_time(&self, t_ms: f64, duration_ms: f64) -> u32 {
        let p = &self.panels[0];
        let frac = (t_ms / duration_ms).clamp(0.0, 1.0);
        p.x + (frac * f64::from(p.w)).round().min(f64::from(p.w)) as u32
    }
}

/// Splits `room` rows between panels in proportion to the square roots of their sizes
/// (a 20 000-KC layer gets more than 784 PNs without crushing them), each at least
/// `min`; `None` if they don't fit.
fn panel_heights(room: u32, min: u32, n_neurons: &[u32]) -> Option<Vec<u32>> {
    let floor = min * n_neurons.len() as u32;
    let spare = room.checked_sub(floor)?;
    let weights: Vec<f64> = n_neurons
        .iter()
        .map(|&n| f64::from(n.max(1)).sqrt())
        .collect();
    // A one-neuron panel needs no more than its floor.
    let total: f64 = weights.iter().filter(|w| **w > 1.0).sum();
    let heights: Vec<u32> = weights
        .iter()
        .map(|&w| {
            let share = if w > 1.0 { w / total } else { 0.0 };
            min + (f64::from(spare) * share).floor() as u32
        })
        .collect();
    Some(heights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_fill_the_room_between_the_title_and_the_time_axis() {
        let layout = Layout::new(1280, 800, 1, &[784, 20_000, 1]).expect("fits");
        assert_eq!(layout.panels.len(), 3);
        let (pn, kc, ggn) = (layout.panels[0], layout.panels[1], layout.panels[2]);
        assert!(kc.h > pn.h && pn.h > ggn.h, "{layout:?}");
        assert_eq!(ggn.h, MIN_PANEL);
        for pair in layout.panels.windows(2) {
            assert_eq!(pair[0].bottom() + PANEL_GAP, pair[1].y);
            assert_eq!((pair[0].x, pair[0].w), (pair[1].x, pair[1].w));
        }
        assert!(ggn.bottom() + X_AXIS_ROOM <= layout.status_y);
        assert!(pn.right() < 1280 && layout.digit.right() < pn.x);
        assert!(layout.info_y + 4 * LINE < layout.status_y);
    }

    #[test]
    fn the_digit_is_scaled_by_a_whole_factor() {
        for (w, h) in [(320, 240), (1280, 800), (3840, 2160)] {
            let layout = Layout::new(w, h, 1, &[784, 20_000]).expect("fits");
            assert_eq!(layout.digit.w % DIGIT_SIDE, 0);
            assert_eq!(layout.digit.w, layout.digit.h);
            assert!(layout.digit.w <= DIGIT_SIDE * MAX_DIGIT_ZOOM);
        }
    }

    #[test]
    fn a_frame_too_small_to_draw_has_no_layout() {
        assert_eq!(Layout::new(0, 0, 1, &[784]), None, "a minimised window");
        assert_eq!(Layout::new(319, 800, 1, &[784]), None);
        assert_eq!(Layout::new(1280, 800, 1, &[]), None);
        // Too many panels for the rows there are.
        assert_eq!(Layout::new(320, 240, 1, &[10; 12]), None);
    }

    #[test]
    fn a_hidpi_scale_multiplies_text_and_spacing() {
        let one = Layout::new(1280, 800, 1, &[784, 20_000]).expect("fits");
        let two = Layout::new(2560, 1600, 2, &[784, 20_000]).expect("fits");
        assert_eq!(two.line(), 2 * one.line());
        assert_eq!(two.title_y, 2 * one.title_y);
        assert_eq!(two.panels[0].x, 2 * one.panels[0].x);
        assert_eq!(two.status_y, 2 * one.status_y);
        assert_eq!(two.digit.w, 2 * one.digit.w);
        assert_eq!(
            Layout::new(639, 800, 2, &[784]),
            None,
            "below twice the minimum"
        );
        assert_eq!(Layout::new(1280, 800, 9, &[784]).map(|l| l.scale), None);
        assert_eq!(
            Layout::new(1280, 960, 9, &[784]).map(|l| l.scale),
            Some(MAX_SCALE)
        );
        assert_eq!(Layout::new(1280, 800, 0, &[784]).map(|l| l.scale), Some(1));
    }

    #[test]
    fn times_map_onto_the_panels_columns() {
        let layout = Layout::new(1280, 800, 1, &[784, 20_000]).expect("fits");
        let p = layout.panels[0];
        assert_eq!(layout.x_of_time(0.0, 20.0), p.x);
        assert_eq!(layout.x_of_time(20.0, 20.0), p.right());
        assert_eq!(layout.x_of_time(99.0, 20.0), p.right());
        let mid = layout.x_of_time(10.0, 20.0);
        assert!(mid.abs_diff(p.x + p.w / 2) <= 1);
    }
}
