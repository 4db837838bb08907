//! The window's keys, pressed for real: xdotool types into the window under Xvfb, and
//! the screenshots `s` saves (named for the image shown, in the order taken) say what
//! each key did.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use image::Rgb;

use crate::common;

/// The GGN panel's spike colour.
const GGN: Rgb<u8> = Rgb([20, 110, 40]);

/// Whether `xdotool` is here; in CI it must be (`.ci/run` installs it).
fn xdotool() -> bool {
    let found = Command::new("xdotool").arg("version").output().is_ok();
    if !found && std::env::var_os("CI").is_some() {
        panic!("xdotool is required here (apt-get install xdotool)");
    }
    if !found {
        eprintln!("SKIPPED: no xdotool (apt-get install xdotool) to press the window's keys");
    }
    found
}

/// Focuses the window, then presses each key half a second apart (a frame or more
/// apart at any pace), waiting where a key is "wait".
const SCRIPT: &str = r#"
set -eu
"$KENYON" view --pace 2000 --seconds 120 --start 5 > view.out 2>&1 &
pid=$!
win=$(xdotool search --sync --onlyvisible --name 'kenyon view' | head -n 1)
xdotool windowfocus --sync "$win"
sleep 1
for key in space s wait Right Right s Left s g s q; do
    if [ "$key" = wait ]; then sleep 2.5; else xdotool key "$key"; sleep 0.5; fi
done
wait "$pid"
"#;

#[test]
fn keys_pause_step_toggle_gain_control_save_screenshots_and_quit() {
    if !crate::command::xvfb_run() || !xdotool() || !common::gpu_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = common::command(
        Path::new("xvfb-run"),
        dir.path(),
        Some(&common::repository_mnist()),
    )
    .args(["-a", "-s", "-screen 0 1400x900x24", "sh", "-c", SCRIPT])
    .env("KENYON", env!("CARGO_BIN_EXE_kenyon"))
    .env_remove("WAYLAND_DISPLAY")
    .output()
    .unwrap();
    let view_out = std::fs::read_to_string(dir.path().join("view.out")).unwrap_or_default();
    let (stdout, stderr) = common::text(&out);
    assert!(
        out.status.success(),
        "{stdout}\n{stderr}\nkenyon view said:\n{view_out}"
    );
    // `q` closed it, long before --seconds would have.
    assert!(started.elapsed() < Duration::from_secs(60), "{view_out}");
    assert!(view_out.contains("frames drawn"), "{view_out}");
    let mut shots: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("kenyon-view-"))
        .collect();
    shots.sort_by_key(|name| name.rsplit('-').next().map(str::to_owned));
    // Paused on image 5 (space before the 2 s pace moved on), it stayed there through
    // the wait; right twice, left once; `g` keeps the image.
    assert_eq!(
        shots,
        [
            "kenyon-view-train-00005-1.png",
            "kenyon-view-train-00007-2.png",
            "kenyon-view-train-00006-3.png",
            "kenyon-view-train-00006-4.png",
        ],
        "{view_out}"
    );
    let ggn_pixels = |name: &str| {
        let img = image::open(dir.path().join(name)).unwrap().to_rgb8();
        img.pixels().filter(|p| **p == GGN).count()
    };
    assert_eq!(ggn_pixels(&shots[2]), 0, "no GGN before g");
    assert!(ggn_pixels(&shots[3]) > 0, "g added the GGN, which spiked");
}
