//! One frame of a session: its layout, its words, the overlay and the panels, drawn.

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
}

/// Draws the session's current image in a `width` x `height` frame.
pub(crate) fn draw(
    renderer: &mut Renderer,
    session: &Session,
    (width, height): (u32, u32),
    controls: Controls,
) -> Result<(), ViewError> {
    let axes = session.axes();
    let sizes: Vec<u32> = axes.iter().map(|a| a.n_neurons).collect();
    let layout = Layout::new(width, height, &sizes).ok_or(ViewError::TooSmall(width, height))?;
    let (pixels, label) = session.digit();
    let words = words(session, label, controls);
    let img = overlay::draw(&layout, &axes, pixels, tutorial::PRESENT_TIME_MS, &words);
    let panels = session.panels(&layout)?;
    renderer.draw(&img, &panels)
}

/// The title, the lines under the digit and the status line.
fn words(session: &Session, label: u8, controls: Controls) -> Words {
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
    let rate = match session.rate() {
        Some(r) => format!(
            "{r:.1} images/s, model time {:.2}x wall time",
            r * tutorial::PRESENT_TIME_MS / 1e3
        ),
        None => "- images/s".to_owned(),
    };
    Words {
        title,
        info,
        status: format!("{}  |  {rate}", session.description()),
    }
}
