//! Tutorial parts 4 and 5 from the command line on a subset: `kenyon train` learns from
//! the first 3000 training images and `kenyon test` classifies the first 500 test
//! images with the saved model. The accuracy is pinned to what this subset gave when it
//! was measured (192 / 500 = 38.4 %; the full tutorial, 60 000 training and 10 000 test
//! images, is in docs/validation.md): learning is deterministic on the CPU backend, and
//! the GPU backend classifies with the learned weights exactly as the CPU does.

#[path = "../common/mod.rs"]
mod common;

use std::path::Path;

/// The output of `kenyon args` in `dir`, which must succeed.
fn kenyon(dir: &Path, args: &[&str]) -> String {
    let o = common::run_kenyon(dir, args);
    let (out, err) = common::text(&o);
    assert!(o.status.success(), "kenyon {args:?} failed:\n{out}\n{err}");
    out
}

#[test]
fn training_then_testing_a_subset_gives_the_measured_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let out = kenyon(dir.path(), &["train", "--out", "model", "--images", "3000"]);
    assert!(out.contains("3000 images in"), "{out}");
    for file in [
        "kc_mbon_g.npy",
        "pn_kc_connectivity.npy",
        "kc_mbon_g_histogram.png",
    ] {
        assert!(
            dir.path().join("model").join(file).is_file(),
            "{file} missing"
        );
    }
    let (shape, g) =
        kenyon::io::npy::read_npy::<f32>(&dir.path().join("model/kc_mbon_g.npy")).unwrap();
    assert_eq!(shape, vec![20_000, 10]);
    assert!(
        g.iter().all(|&w| (0.0..=0.0233).contains(&w)),
        "weights outside [wMin, wMax]"
    );

    let test = |backend: &str, batch: &str| {
        let out = kenyon(
            dir.path(),
            &[
                "test",
                "--model",
                "model",
                "--images",
                "500",
                "--backend",
                backend,
                "--batch",
                batch,
            ],
        );
        let line = out
            .lines()
            .find(|l| l.contains("correct"))
            .unwrap_or_else(|| panic!("no accuracy line in\n{out}"))
            .to_owned();
        assert!(out.contains("confusion matrix"), "{out}");
        line
    };
    let cpu = test("cpu", "1");
    assert!(cpu.starts_with("192/500 correct (38.40 %)"), "{cpu}");
    assert!(dir.path().join("out/confusion_matrix.png").is_file());
    assert!(
        test("cpu", "7").starts_with("192/500 correct"),
        "batches change nothing"
    );
    if common::gpu_available() {
        let gpu = test("gpu", "16");
        assert!(gpu.starts_with("192/500 correct (38.40 %)"), "{gpu}");
    }
}
