//! A session's frames: their layout, their words, the overlay and the panels, drawn.

use std::time::{Duration, Instant};

use super::layout::Layout;
use super::overlay::{self, Words};
use super::render::Renderer;
use super::session::Session;
use super::{Pace, ViewError};
use crate::tutorial;

/// What the frame says about the viewer itself.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Controls {
    /// Whether images have stopped going by.
    pub paused: bool,
    /// How fast they go by.
    pub pace: Pace,
    /// Whether to list the keys.
    pub interactive: bool,
    /// Text and spacing in multiples of their size at scale factor 1 (a HiDPI
    /// display's scale factor, rounded).
    pub scale: u32,
}

/// Draws a session's frames, redoing only what changed: the overlay when its words,
/// image or size do, the panels when a new image has been presented.
#[derive(Default)]
pub(crate) struct Painter {
    /// The layout and words of the overlay drawn last, and the presentation it showed.
    last: Option<(Layout, Words, u64)>,
    /// The rate shown, and when it was measured: it changes every frame, and text
    /// that changes that fast can't be read anyway.
    rate: Option<(Instant, String)>,
}

/// How often the rate shown is updated.
const RATE_EVERY: Duration = Duration::from_millis(500);

impl Painter {
    /// Draws the session's current image in a `width` x `height` frame, unless the
    /// frame drawn last shows it already; `Ok(false)` then.
    pub fn draw(
        &mut self,
        renderer: &mut Renderer,
        session: &Session,
        (width, height): (u32, u32),
        controls: Controls,
    ) -> Result<bool, ViewError> {
        let axes = session.axes();
        let sizes: Vec<u32> = axes.iter().map(|a| a.n_neurons).collect();
        let layout = Layout::new(width, height, controls.scale, &sizes)
            .ok_or(ViewError::TooSmall(width, height))?;
        let (pixels, label) = session.digit();
        let rate = match controls.paused {
            true => "paused".to_owned(),
            false => self.rate_text(session),
        };
        let words = words(session, label, controls, rate);
        let presented = session.presented();
        let same_overlay = self
            .last
            .as_ref()
            .is_some_and(|(l, w, _)| *l == layout && *w == words);
        if same_overlay && self.last.as_ref().is_some_and(|(.., p)| *p == presented) {
            return Ok(false);
        }
        let img = (!same_overlay)
            .then(|| overlay::draw(&layout, &axes, pixels, tutorial::PRESENT_TIME_MS, &words));
        let panels = session.panels(&layout)?;
        renderer.draw(img.as_ref(), &panels)?;
        self.last = Some((layout, words, presented));
        Ok(true)
    }

    /// The rate's words, measured again every [`RATE_EVERY`].
    fn rate_text(&mut self, session: &Session) -> String {
        let now = Instant::now();
        match &self.rate {
            Some((at, text)) if now.duration_since(*at) < RATE_EVERY => text.clone(),
            _ => {
                let text = match session.rate() {
                    Some(r) => format!(
                        "{r:.1} images/s, model time {:.2}x wall time",
                        r * tutorial::PRESENT_TIME_MS / 1e3
                    ),
                    None => "- images/s".to_owned(),
                };
                self.rate = Some((now, text.clone()));
                text
            }
        }
    }
}

/// The title, the lines under the digit and the status line.
fn words(session: &Session, label: u8, controls: Controls, rate: String) -> Words {
    let title = format!(
        "kenyon view: the mushroom body on MNIST {} image {}",
        session.split_name(),
        session.index
    );
    let mut info = vec![
        format!("image {}", session.index),
        format!("label {label}"),
        format!(
            "gain control {}",
            if session.gain_control() { "on" } else { "off" }
        ),
        controls.pace.describe(),
    ];
    if let Some((answer, answered, correct)) = session.score() {
        info.push(match answer {
            Some(a) if a == u32::from(label) => format!("answer {a}: right"),
            Some(a) => format!("answer {a}: wrong"),
            None => "answer: none".to_owned(),
        });
        info.push(format!(
            "accuracy {correct}/{answered} ({:.1} %)",
            100.0 * correct as f64 / answered.max(1) as f64
        ));
    }
    if controls.paused {
        info.push("paused".to_owned());
    }
    if controls.interactive {
        info.extend(
            [
                "",
                "space: pause",
                "left/right: image",
                "g: gain control",
                "+/-: pace",
                "s: screenshot",
                "q: quit",
            ]
            .map(str::to_owned),
        );
    }
    Words {
        title,
        info,
        status: format!("{}  |  {rate}", session.description()),
    }
}
