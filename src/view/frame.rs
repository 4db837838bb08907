//! A session's frames: their layout, their words, and what of the overlay and the
//! panels changed from one to the next.

use std::time::{Duration, Instant};

use super::layout::Layout;
use super::overlay::{self, Part, Words};
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
    /// Frames drawn per second, where it is measured (a window's).
    pub fps: Option<f64>,
}

/// Keeps a renderer's overlay and panels up to date with a session, redoing only what
/// changed: the whole overlay when the frame's size does, a part of it when its words
/// or digit do, the panels' cells when a new image has been presented.
#[derive(Default)]
pub(crate) struct Painter {
    /// What the renderer holds.
    shown: Option<Shown>,
    /// The rate shown, and when it was measured: it changes every frame, and text
    /// that changes that fast can't be read anyway.
    rate: Option<(Instant, String)>,
}

/// What a renderer was last given.
struct Shown {
    layout: Layout,
    words: Words,
    digit: Vec<u8>,
    presented: u64,
}

/// How often the rate shown is updated.
const RATE_EVERY: Duration = Duration::from_millis(500);

impl Painter {
    /// Brings `renderer` up to date with the session's current image in a `width` x
    /// `height` frame; `Ok(false)` where it was already.
    pub fn update(
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
            false => self.rate_text(session, controls.fps),
        };
        let words = words(session, label, controls, rate);
        let presented = session.presented();
        let mut changed = false;
        match self.shown.as_ref().filter(|s| s.layout == layout) {
            Some(shown) => {
                for part in Part::all(shown.words.info.len(), words.info.len()) {
                    if part.differs((&shown.words, &shown.digit), (&words, pixels)) {
                        let rect = part.rect(&layout, &axes);
                        let img = overlay::draw_part(&layout, part, rect, pixels, &words);
                        renderer.write_overlay(rect.x, rect.y, &img)?;
                        changed = true;
                    }
                }
                if shown.presented != presented {
                    renderer.set_panels(&session.panels(&layout)?)?;
                    changed = true;
                }
            }
            None => {
                let duration = tutorial::PRESENT_TIME_MS;
                renderer.set_overlay(&overlay::draw(&layout, &axes, pixels, duration, &words))?;
                renderer.set_panels(&session.panels(&layout)?)?;
                changed = true;
            }
        }
        self.shown = Some(Shown {
            layout,
            words,
            digit: pixels.to_vec(),
            presented,
        });
        Ok(changed)
    }

    /// The rate's words, measured again every [`RATE_EVERY`].
    fn rate_text(&mut self, session: &Session, fps: Option<f64>) -> String {
        let now = Instant::now();
        match &self.rate {
            Some((at, text)) if now.duration_since(*at) < RATE_EVERY => text.clone(),
            _ => {
                let mut text = match session.rate() {
                    Some(r) => format!(
                        "{r:.1} images/s, model time {:.2}x wall time",
                        r * tutorial::PRESENT_TIME_MS / 1e3
                    ),
                    None => "- images/s".to_owned(),
                };
                if let Some(fps) = fps {
                    text += &format!(", {fps:.0} frames/s");
                }
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
