//! The command line does what `--help` and the README promise.

#[path = "../common/mod.rs"]
mod common;

mod bench_networks;
mod careless_input;

use std::path::Path;
use std::process::Output;

use common::text;

/// `kenyon args` in `dir`, with this repository's MNIST files.
fn kenyon(dir: &Path, args: &[&str]) -> Output {
    common::run_kenyon(dir, args)
}

#[test]
fn default_run_reports_four_images_and_writes_their_rasters() {
    let dir = tempfile::tempdir().unwrap();
    // No arguments at all, as `cargo run --release` does; only the backend is pinned to
    // the CPU so the test doesn't depend on which GPU this machine has.
    let o = kenyon(dir.path(), &["--backend", "cpu"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    for (i, label) in [5, 0, 4, 1].iter().enumerate() {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("image {i} (label {label}):")))
            .unwrap_or_else(|| panic!("no line for image {i} in\n{out}"));
        assert!(
            line.contains("PN spikes") && line.contains("KC spikes") && line.contains("KC active"),
            "{line}"
        );
        let png = dir.path().join(format!("out/raster_train_{i:05}.png"));
        let img = image::open(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
        assert!(img.width() >= 800 && img.height() >= 500);
    }
    assert!(out.contains("on cpu"), "{out}");
    assert!(out.contains("ms per image"), "{out}");
}

#[test]
fn gain_control_reports_the_ggn_and_a_few_hundred_kcs() {
    let dir = tempfile::tempdir().unwrap();
    let o = kenyon(
        dir.path(),
        &[
            "run",
            "--gain-control",
            "--backend",
            "cpu",
            "--images",
            "2",
            "--summary-json",
            "s.json",
            "--save-spikes",
            "spikes",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap()).unwrap();
    for (i, line) in out.lines().filter(|l| l.starts_with("image ")).enumerate() {
        assert!(line.contains("GGN spikes"), "{line}");
        let image = &json["images"][i];
        let active = image["kc_active"].as_u64().unwrap();
        assert!((150..=450).contains(&active), "{line}");
        let ggn_spikes = image["ggn_spikes"].as_u64().unwrap();
        assert!(ggn_spikes >= 1, "{image}");
        // The GGN's spikes are saved with the others'.
        let ids = dir.path().join(format!("spikes/image{i:05}_ggn_ids.npy"));
        let (shape, ids) = kenyon::io::npy::read_npy::<i32>(&ids).unwrap();
        assert_eq!(shape, [ggn_spikes as usize]);
        assert!(ids.iter().all(|&id| id == 0));
        // The raster has a third panel for the GGN: taller than PN and KC alone.
        let png = dir.path().join(format!("out/raster_train_{i:05}.png"));
        let img = image::open(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
        assert!(img.height() > 900, "{}", img.height());
    }
}

#[test]
fn test_refuses_model_files_of_the_wrong_shape_or_kind() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    std::fs::create_dir_all(&model).unwrap();
    let run_test = || {
        kenyon::tutorial::write_manifest(&model, None).unwrap();
        let o = kenyon(
            dir.path(),
            &[
                "test",
                "--model",
                "model",
                "--images",
                "2",
                "--backend",
                "cpu",
            ],
        );
        let (out, err) = text(&o);
        assert!(!o.status.success(), "{out}");
        assert!(!err.contains("panicked"), "{err}");
        err
    };
    // Nothing there yet: the message names the missing file and where it comes from.
    let err = kenyon(
        dir.path(),
        &["test", "--model", "model", "--backend", "cpu"],
    );
    let err = text(&err).1;
    assert!(
        err.contains("manifest.json") && err.contains("kenyon train"),
        "{err}"
    );
    // Good weights; connectivity of the right kind but the wrong shape.
    let weights = model.join("kc_mbon_g.npy");
    kenyon::io::npy::write_npy::<f32>(&weights, &[20_000, 10], &vec![0.0; 200_000]).unwrap();
    let conn = model.join("pn_kc_connectivity.npy");
    kenyon::io::npy::write_npy::<i32>(&conn, &[3, 2], &[0, 1, 2, 3, 4, 5]).unwrap();
    let err = run_test();
    assert!(err.contains("(2, S)"), "{err}");
    // Indices out of range.
    kenyon::io::npy::write_npy::<i32>(&conn, &[2, 2], &[0, 900, 0, 1]).unwrap();
    let err = run_test();
    assert!(err.contains("900") && err.contains("out of range"), "{err}");
    // Good connectivity; weights of the wrong kind, then the wrong shape.
    kenyon::io::npy::write_npy::<i32>(&conn, &[2, 2], &[0, 783, 0, 19_999]).unwrap();
    kenyon::io::npy::write_npy::<i32>(&weights, &[20_000, 10], &vec![0; 200_000]).unwrap();
    let err = run_test();
    assert!(err.contains("kc_mbon_g.npy"), "{err}");
    kenyon::io::npy::write_npy::<f32>(&weights, &[10, 20_000], &vec![0.0; 200_000]).unwrap();
    let err = run_test();
    assert!(
        err.contains("[20000, 10]") && err.contains("[10, 20000]"),
        "{err}"
    );
}

#[test]
fn batched_runs_and_code_string_models_print_the_same_images_as_unbatched_built_in_ones() {
    let dir = tempfile::tempdir().unwrap();
    let lines = |args: &[&str]| {
        let mut all = vec!["run", "--images", "5", "--no-plots"];
        all.extend_from_slice(args);
        let o = kenyon(dir.path(), &all);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{out}\n{err}");
        out.lines()
            .filter(|l| l.starts_with("image "))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let alone = lines(&["--backend", "cpu", "--threads", "1"]);
    assert_eq!(alone.len(), 5);
    assert_eq!(alone, lines(&["--backend", "cpu", "--batch", "2"]));
    // The neurons written as code strings give the built-in models' spikes.
    assert_eq!(alone, lines(&["--backend", "cpu", "--code-strings"]));
    let gain_control = lines(&["--backend", "cpu", "--gain-control"]);
    let from_code = lines(&["--backend", "cpu", "--gain-control", "--code-strings"]);
    assert_eq!(gain_control, from_code);
    if common::gpu_available() {
        assert_eq!(alone, lines(&["--backend", "gpu", "--batch", "3"]));
        assert_eq!(alone, lines(&["--backend", "gpu", "--code-strings"]));
    }
}

#[test]
fn training_and_testing_with_code_string_models_learn_and_answer_as_the_built_in_ones() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let o = kenyon(dir.path(), args);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{out}\n{err}");
        out
    };
    for (out, extra) in [("builtin", None), ("code", Some("--code-strings"))] {
        let mut args = vec!["train", "--out", out, "--images", "40", "--backend", "cpu"];
        args.extend(extra);
        run(&args);
    }
    // The STDP written as code strings learns the built-in rule's weights, bit for bit.
    let weights = |m: &str| std::fs::read(dir.path().join(m).join("kc_mbon_g.npy")).unwrap();
    assert_eq!(weights("builtin"), weights("code"));
    let answers = |extra: Option<&str>| {
        let mut args = vec![
            "test",
            "--model",
            "builtin",
            "--images",
            "20",
            "--backend",
            "cpu",
        ];
        args.extend(extra);
        let out = run(&args);
        out.lines()
            .find(|l| l.contains("correct"))
            .map(|l| l.split('[').next().unwrap_or("").to_owned())
            .unwrap_or_else(|| panic!("no result line in\n{out}"))
    };
    assert_eq!(answers(None), answers(Some("--code-strings")));
}

#[test]
fn the_cpu_description_names_the_threads_a_run_uses() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "--backend",
        "cpu",
        "--threads",
        "8",
        "--batch",
        "1",
        "--images",
        "1",
        "--no-plots",
    ];
    let o = kenyon(dir.path(), &args);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    // The tutorial's 20 784 neurons pay for five slices of one image, not eight.
    let first = out.lines().next().unwrap_or_default();
    assert!(first.contains("on cpu (5 threads)"), "{out}");
}

#[test]
fn summary_json_connectivity_and_spikes_are_written_as_promised() {
    let dir = tempfile::tempdir().unwrap();
    let o = kenyon(
        dir.path(),
        &[
            "run",
            "--backend",
            "cpu",
            "--images",
            "2",
            "--start",
            "2",
            "--seed",
            "3",
            "--no-plots",
            "--summary-json",
            "summary.json",
            "--save-connectivity",
            "pn_kc.npy",
            "--save-spikes",
            "spikes",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        !dir.path().join("out").exists(),
        "--no-plots still created the plot folder"
    );

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    let images = summary["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    for (entry, (index, label)) in images.iter().zip([(2, 4), (3, 1)]) {
        assert_eq!(entry["index"], index);
        assert_eq!(entry["label"], label);
        let active = entry["kc_active"].as_u64().unwrap();
        let spikes = entry["kc_spikes"].as_u64().unwrap();
        assert!(active > 0 && spikes >= active);
        assert!(out.contains(&format!("{active} KC active")), "{out}");
        // The saved spikes agree with the summary.
        let (shape, ids) = kenyon::io::npy::read_npy::<i32>(
            &dir.path()
                .join(format!("spikes/image{index:05}_kc_ids.npy")),
        )
        .unwrap();
        assert_eq!(shape, vec![spikes as usize]);
        let distinct: std::collections::HashSet<i32> = ids.into_iter().collect();
        assert_eq!(distinct.len() as u64, active);
        let (_, times) = kenyon::io::npy::read_npy::<f32>(
            &dir.path()
                .join(format!("spikes/image{index:05}_kc_times.npy")),
        )
        .unwrap();
        assert!(times.iter().all(|&t| (0.0..20.0).contains(&t)));
        let (pn_shape, _) = kenyon::io::npy::read_npy::<i32>(
            &dir.path()
                .join(format!("spikes/image{index:05}_pn_ids.npy")),
        )
        .unwrap();
        assert_eq!(pn_shape[0] as u64, entry["pn_spikes"].as_u64().unwrap());
    }

    let (shape, data) = kenyon::io::npy::read_npy::<i32>(&dir.path().join("pn_kc.npy")).unwrap();
    assert_eq!(shape, vec![2, 400_000]);
    let (pre, post) = data.split_at(400_000);
    assert!(pre.iter().all(|&p| (0..784).contains(&p)));
    let mut fan_in = vec![0u32; 20_000];
    for &k in post {
        fan_in[k as usize] += 1;
    }
    assert!(fan_in.iter().all(|&n| n == 20));
    // The same seed through the library gives the same synapses.
    let built = kenyon::tutorial::mushroom_body().network.build(3).unwrap();
    let (lib_pre, lib_post) = built.synapse_groups[0].connectivity.pre_post_pairs();
    assert!(lib_pre.iter().zip(pre).all(|(&a, &b)| a as i32 == b));
    assert!(lib_post.iter().zip(post).all(|(&a, &b)| a as i32 == b));
}

#[test]
fn gpu_backend_reports_what_the_cpu_does() {
    if !common::gpu_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lines = |backend: &str| {
        let o = kenyon(
            dir.path(),
            &["--backend", backend, "--images", "2", "--no-plots"],
        );
        let (out, err) = text(&o);
        assert!(o.status.success(), "{out}\n{err}");
        out.lines()
            .filter(|l| l.starts_with("image "))
            .map(|l| l.split("  [").next().unwrap_or(l).to_owned())
            .collect::<Vec<_>>()
    };
    let gpu = lines("gpu");
    assert_eq!(gpu.len(), 2);
    assert_eq!(gpu, lines("cpu"));
}

#[test]
fn bad_arguments_fail_with_a_message_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--images", "0"], "images"),
        (&["--backend", "tpu"], "backend"),
        (
            &["--start", "59999", "--images", "5", "--backend", "cpu"],
            "60000 images",
        ),
        (
            &["--mnist-dir", "no/such/dir", "--backend", "cpu"],
            "not found",
        ),
        // (A build without the GPU backend says so instead: see the test below.)
        #[cfg(feature = "gpu")]
        (
            &["--backend", "gpu", "--adapter", "no-such-adapter-xyz"],
            "no-such-adapter-xyz",
        ),
        (&["--seed", "minus-one"], "seed"),
        (&["frobnicate"], "frobnicate"),
    ];
    for (args, expected) in cases {
        let o = kenyon(dir.path(), args);
        let (out, err) = text(&o);
        assert!(!o.status.success(), "{args:?} succeeded:\n{out}");
        assert!(
            err.contains(expected),
            "{args:?}: stderr lacks '{expected}':\n{err}"
        );
        assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
    }
    assert!(
        !dir.path().join("out").exists(),
        "a failed run left an output folder"
    );
}

#[test]
fn help_explains_every_option() {
    let dir = tempfile::tempdir().unwrap();
    let o = kenyon(dir.path(), &["run", "--help"]);
    let (out, _) = text(&o);
    assert!(o.status.success());
    for option in [
        "--images",
        "--start",
        "--backend",
        "--adapter",
        "--seed",
        "--out",
        "--no-plots",
        "--summary-json",
        "--save-connectivity",
        "--save-spikes",
        "--mnist-dir",
        "--code-strings",
    ] {
        assert!(out.contains(option), "--help lacks {option}:\n{out}");
    }
}

#[cfg(not(feature = "gpu"))]
#[test]
fn a_cpu_only_build_refuses_the_gpu_backend_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["--backend", "gpu"][..], &["bench", "--backend", "gpu"]] {
        let o = kenyon(dir.path(), args);
        let (out, err) = text(&o);
        assert!(!o.status.success(), "{args:?} succeeded:\n{out}");
        assert!(err.contains("`gpu` cargo feature"), "{args:?}:\n{err}");
        assert!(!err.contains("panicked"), "{args:?}:\n{err}");
    }
    let o = kenyon(dir.path(), &["adapters"]);
    let (out, _) = text(&o);
    assert!(
        o.status.success() && out.contains("`gpu` cargo feature"),
        "{out}"
    );
}

#[test]
fn mnist_is_found_in_the_repository_or_where_the_user_says_and_nowhere_else() {
    // A copy of the program outside any repository, as `cargo install` leaves it.
    let installed = tempfile::tempdir().unwrap();
    let program = installed.path().join("kenyon");
    std::fs::copy(env!("CARGO_BIN_EXE_kenyon"), &program).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let args = ["--backend", "cpu", "--images", "1", "--no-plots"];
    // Nothing to find: the message says where the files ship and how to point to them.
    let o = common::run_program(&program, elsewhere.path(), &args, None);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(
        err.contains("assets/mnist")
            && err.contains("--mnist-dir")
            && err.contains("KENYON_MNIST_DIR"),
        "{err}"
    );
    assert!(
        !err.contains(env!("CARGO_MANIFEST_DIR")),
        "the build machine's path leaked: {err}"
    );
    // Run inside the repository (here one of its subfolders), it finds assets/mnist.
    let inside = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let o = common::run_program(&program, &inside, &args, None);
    assert!(o.status.success(), "{:?}", text(&o));
    // Pointed to the files by the variable or the option, it finds them anywhere.
    let mnist = common::repository_mnist();
    let o = common::run_program(&program, elsewhere.path(), &args, Some(&mnist));
    assert!(o.status.success(), "{:?}", text(&o));
    let mut with_option = args.to_vec();
    let mnist_arg = mnist.to_string_lossy().into_owned();
    with_option.extend(["--mnist-dir", &mnist_arg]);
    let o = common::run_program(&program, elsewhere.path(), &with_option, None);
    assert!(o.status.success(), "{:?}", text(&o));
    // And --help names no path of the machine that built it.
    let o = common::run_program(&program, elsewhere.path(), &["run", "--help"], None);
    assert!(!text(&o).0.contains(env!("CARGO_MANIFEST_DIR")));
}

#[test]
fn quiet_prints_the_results_but_no_line_per_image() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "--images",
        "6",
        "--backend",
        "cpu",
        "--no-plots",
        "--quiet",
    ];
    let o = kenyon(dir.path(), &args);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(!out.contains("image 0"), "{out}");
    assert!(out.contains("6 images: mean"), "{out}");
}

/// `kenyon args` in `dir`, failing the test if it runs for more than a minute (as a
/// reader stuck on an endless input would); returns its stderr.
#[cfg(unix)]
fn kenyon_failing_within_a_minute(dir: &Path, args: &[&str]) -> String {
    use std::io::Read as _;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let program = Path::new(env!("CARGO_BIN_EXE_kenyon"));
    let mut child = common::command(program, dir, None)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the kenyon binary runs");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("kenyon {args:?} still running after a minute");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!status.success(), "kenyon {args:?} succeeded");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[cfg(unix)]
#[test]
fn dev_zero_as_mnist_or_model_files_is_refused_not_read_forever() {
    let dir = tempfile::tempdir().unwrap();
    let zeros = dir.path().join("zeros");
    std::fs::create_dir_all(&zeros).unwrap();
    for name in [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "pn_kc_connectivity.npy",
        "kc_mbon_g.npy",
        "manifest.json",
    ] {
        std::os::unix::fs::symlink("/dev/zero", zeros.join(name)).unwrap();
    }
    let args = ["run", "--mnist-dir", "zeros", "--images", "1"];
    let err =
        kenyon_failing_within_a_minute(dir.path(), &[&args[..], &["--backend", "cpu"]].concat());
    assert!(
        err.contains("train-images-idx3-ubyte.gz") && err.contains("magic"),
        "{err}"
    );
    let args = [
        "test",
        "--model",
        "zeros",
        "--images",
        "1",
        "--backend",
        "cpu",
    ];
    let err = kenyon_failing_within_a_minute(dir.path(), &args);
    assert!(
        err.contains("manifest.json") && err.contains("larger than"),
        "{err}"
    );
}
