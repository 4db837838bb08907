//! The command: offscreen frames, a clear error where there is no display, and the real
//! window under Xvfb on whatever adapter presents to it (lavapipe in CI).

use std::path::Path;
use std::process::Command;

use image::Rgb;
use kenyon::view::Layout;

use crate::common;

/// The PN and KC panels' spike colours.
const PN: Rgb<u8> = Rgb([10, 20, 80]);
const KC: Rgb<u8> = Rgb([150, 30, 30]);

/// Pixels of the PN and KC colours inside their panels of the screenshot at `path`.
fn lit_pixels(path: &Path) -> (usize, usize) {
    let img = image::open(path)
        .expect("the screenshot is a PNG")
        .to_rgb8();
    let layout = Layout::new(img.width(), img.height(), 1, &[784, 20_000]).expect("a layout");
    let count = |k: usize, color: Rgb<u8>| {
        let r = layout.panels[k];
        img.enumerate_pixels()
            .filter(|(x, y, p)| r.contains(*x, *y) && **p == color)
            .count()
    };
    (count(0, PN), count(1, KC))
}

#[test]
fn headless_frames_are_drawn_offscreen_and_the_last_one_saved() {
    if !common::gpu_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "view",
        "--headless",
        "--frames",
        "2",
        "--screenshot",
        "out.png",
    ];
    let out = common::run_kenyon(
        dir.path(),
        &[&args[..], &["--backend", "cpu", "--size", "800x500"]].concat(),
    );
    let (stdout, stderr) = common::text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("2 frame(s) drawn offscreen on cpu"),
        "{stdout}"
    );
    let img = image::open(dir.path().join("out.png")).unwrap();
    assert_eq!((img.width(), img.height()), (800, 500));
    let (pn, kc) = lit_pixels(&dir.path().join("out.png"));
    assert!(pn > 0 && kc > 0, "{pn} PN and {kc} KC pixels lit");
}

#[test]
fn with_no_display_the_window_is_refused_naming_the_headless_option() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::kenyon_command(dir.path())
        .args(["view", "--backend", "cpu"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let (_, stderr) = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no display"), "{stderr}");
    assert!(
        stderr.contains("--headless --frames N --screenshot FILE.png"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Whether `xvfb-run` is here; in CI it must be (`.ci/run` installs it).
pub(crate) fn xvfb_run() -> bool {
    let found = Command::new("xvfb-run").arg("--help").output().is_ok();
    if !found && common::gpu_required() {
        panic!("xvfb-run is required here (apt-get install xvfb)");
    }
    if !found {
        eprintln!("SKIPPED: no xvfb-run (apt-get install xvfb) to open the window in");
    }
    found
}

#[test]
fn the_window_opens_under_xvfb_draws_30_frames_and_saves_the_last() {
    if !xvfb_run() || !common::gpu_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let program = env!("CARGO_BIN_EXE_kenyon");
    let out = common::command(
        Path::new("xvfb-run"),
        dir.path(),
        Some(&common::repository_mnist()),
    )
    .args(["-a", "-s", "-screen 0 1400x900x24", program])
    .args(["view", "--frames", "30", "--screenshot", "out.png"])
    // X11 through Xvfb, whatever display the tests were started from.
    .env_remove("WAYLAND_DISPLAY")
    .output()
    .unwrap();
    let (stdout, stderr) = common::text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("the last frame written to out.png"),
        "{stdout}"
    );
    let (pn, kc) = lit_pixels(&dir.path().join("out.png"));
    assert!(pn > 0 && kc > 0, "{pn} PN and {kc} KC pixels lit");
}

#[test]
fn a_trained_model_s_answers_are_kenyon_test_s() {
    if !common::gpu_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write_model(&dir.path().join("model"));
    let test = [
        "test",
        "--model",
        "model",
        "--images",
        "10",
        "--backend",
        "cpu",
    ];
    let out = common::run_kenyon(dir.path(), &test);
    let (stdout, stderr) = common::text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let correct = stdout
        .lines()
        .find_map(|l| l.split_once(" correct").map(|(n, _)| n.to_owned()))
        .expect("kenyon test prints N/M correct");
    assert!(
        !correct.starts_with("0/"),
        "a model that answers some right: {stdout}"
    );
    for backend in ["cpu", "gpu"] {
        let view = [
            "view",
            "--headless",
            "--frames",
            "10",
            "--screenshot",
            "out.png",
        ];
        let more = ["--model", "model", "--split", "test", "--backend", backend];
        let out = common::run_kenyon(dir.path(), &[&view[..], &more[..]].concat());
        let (stdout, stderr) = common::text(&out);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(
            stdout.contains(&format!("{correct} answered right")),
            "{backend}: kenyon test says {correct}, kenyon view:\n{stdout}"
        );
    }
}

/// A model whose MBONs spike (learning enough takes thousands of images): the seed-1
/// synapses, and each KC driving three MBONs at the largest weight STDP allows.
fn write_model(dir: &Path) {
    let mb = kenyon::tutorial::mushroom_body();
    let built = mb.network.build(1).unwrap();
    let pn_kc = &built.synapse_groups[mb.pn_kc.index()].connectivity;
    let g: Vec<f32> = (0..20_000 * 10)
        .map(|i| {
            if (i / 10 * 7 + i % 10 * 13) % 10 < 3 {
                0.0233
            } else {
                0.0
            }
        })
        .collect();
    kenyon::tutorial::TrainedModel::new(pn_kc, g)
        .save(dir)
        .unwrap();
}
