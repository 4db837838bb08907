//! When a window's images and frames are due, and what it showed: steady schedules
//! that make up for one held up, and the frame rate, over the last seconds and from
//! the first frame to the last.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// What a window did, from its first frame to its closing.
#[derive(Clone, Copy, Debug, Default)]
pub struct WindowReport {
    /// Frames drawn.
    pub frames: u64,
    /// Wall time from the first frame shown to the last.
    pub frame_seconds: f64,
    /// Images presented.
    pub images: u64,
    /// Wall time from the first image presented to the close.
    pub seconds: f64,
}

impl WindowReport {
    /// Frames shown per second, the first to the last.
    pub fn frames_per_second(&self) -> f64 {
        self.frames.saturating_sub(1) as f64 / self.frame_seconds.max(1e-9)
    }

    /// Images presented per second.
    pub fn images_per_second(&self) -> f64 {
        self.images as f64 / self.seconds.max(1e-9)
    }
}

/// How many periods a steady series may fall behind and still catch up.
const CATCH_UP: u32 = 4;

/// When the next of a steady series is due: `period` after the one that was due at
/// `due`, so that one late (a frame held up by an image being presented) is made up by
/// the next coming sooner; or `now`, where the series fell [`CATCH_UP`] periods behind
/// (a stall, after which it starts afresh rather than rushing).
pub(crate) fn steady(due: Instant, period: Duration, now: Instant) -> Instant {
    let next = due + period;
    if next + period * CATCH_UP < now {
        now
    } else {
        next
    }
}

/// How far back the frame rate shown looks.
const FPS_WINDOW: Duration = Duration::from_secs(2);

/// The frames a window showed, and when.
#[derive(Default)]
pub(crate) struct FrameCount {
    /// Frames shown so far.
    total: u64,
    /// When the first was.
    first: Option<Instant>,
    /// When the recent ones were: those of the last [`FPS_WINDOW`].
    recent: VecDeque<Instant>,
}

impl FrameCount {
    /// Counts a frame shown at `now`.
    pub fn count(&mut self, now: Instant) {
        self.total += 1;
        self.first.get_or_insert(now);
        self.recent.push_back(now);
        while self
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) > FPS_WINDOW)
        {
            self.recent.pop_front();
        }
    }

    /// Frames shown so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Frames shown per second over the last [`FPS_WINDOW`]; `None` before two.
    pub fn per_second(&self) -> Option<f64> {
        let (first, last) = (self.recent.front()?, self.recent.back()?);
        let span = last.duration_since(*first).as_secs_f64();
        (self.recent.len() > 1 && span > 0.0).then(|| (self.recent.len() - 1) as f64 / span)
    }

    /// The window's report, with the `images` it presented in `seconds`.
    pub fn report(&self, images: u64, seconds: f64) -> WindowReport {
        let frame_seconds = match (self.first, self.recent.back()) {
            (Some(first), Some(last)) => last.duration_since(first).as_secs_f64(),
            _ => 0.0,
        };
        WindowReport {
            frames: self.total,
            frame_seconds,
            images,
            seconds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_series_makes_up_for_one_late_and_restarts_after_a_stall() {
        let t0 = Instant::now();
        let p = Duration::from_millis(10);
        // On time or a little late: a period after the last was due.
        assert_eq!(steady(t0, p, t0), t0 + p);
        assert_eq!(steady(t0, p, t0 + 3 * p), t0 + p);
        // Four periods behind: from now.
        let late = t0 + 6 * p;
        assert_eq!(steady(t0, p, late), late);
    }

    #[test]
    fn frames_per_second_count_the_frames_between_the_first_and_the_last() {
        let t0 = Instant::now();
        let mut frames = FrameCount::default();
        assert_eq!(frames.per_second(), None);
        for k in 0..=120 {
            frames.count(t0 + Duration::from_millis(k * 25));
        }
        // 121 frames 25 ms apart over 3 s: the last two seconds hold 81 of them.
        let fps = frames.per_second().expect("a rate");
        assert!((fps - 40.0).abs() < 1e-9, "{fps}");
        let report = frames.report(150, 3.0);
        assert_eq!(report.frames, 121);
        assert!((report.frames_per_second() - 40.0).abs() < 1e-9);
        assert!((report.images_per_second() - 50.0).abs() < 1e-9);
    }
}
