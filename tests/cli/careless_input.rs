//! The command line under careless or hostile input: nothing of the user's is replaced
//! or left half-written, outputs are checked before the work, a model folder changes as
//! a whole, and empty settings are named as such.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::common::{self, text};

fn kenyon(dir: &Path, args: &[&str]) -> std::process::Output {
    common::run_kenyon(dir, args)
}

const ONE_IMAGE: [&str; 6] = ["--images", "1", "--backend", "cpu", "--no-plots", "--seed"];

#[cfg(unix)]
#[test]
fn outputs_are_written_through_links_and_into_fifos_never_replacing_them() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("real")).unwrap();
    std::os::unix::fs::symlink("real/summary.json", dir.path().join("summary.json")).unwrap();
    let fifo = dir.path().join("pipe");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || fs::read(reader_path).unwrap());
    let mut args = vec!["run"];
    args.extend(ONE_IMAGE);
    args.extend(["1", "--summary-json", "summary.json"]);
    args.extend(["--save-connectivity", "pipe"]);
    let o = kenyon(dir.path(), &args);
    assert!(o.status.success(), "{:?}", text(&o));
    let link = fs::symlink_metadata(dir.path().join("summary.json")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    let summary = fs::read_to_string(dir.path().join("real/summary.json")).unwrap();
    assert!(summary.contains("\"kc_active\""), "{summary}");
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    // 400 000 synapses as int32 (2, S), after the .npy header.
    assert!(reader.join().unwrap().len() > 3_200_000);
}

#[test]
fn outputs_that_cannot_be_written_are_refused_before_any_image_is_simulated() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("file"), b"not a folder").unwrap();
    let mut args = vec!["run"];
    args.extend(ONE_IMAGE);
    args.extend(["1", "--summary-json", "file/summary.json"]);
    let o = kenyon(dir.path(), &args);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(!out.contains("image 0"), "simulated first: {out}");
    assert!(err.contains("file/summary.json"), "{err}");
    let o = kenyon(
        dir.path(),
        &[
            "train",
            "--images",
            "60000",
            "--out",
            "file",
            "--backend",
            "cpu",
        ],
    );
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(!out.contains("training on"), "trained first: {out}");
    assert!(err.contains("not a folder"), "{err}");
    assert_eq!(fs::read(dir.path().join("file")).unwrap(), b"not a folder");
    // A connectivity file into a folder that does not exist yet: created, as --out's is.
    let mut args = vec!["run"];
    args.extend(ONE_IMAGE);
    args.extend(["1", "--save-connectivity", "new/sub/pn_kc.npy"]);
    let o = kenyon(dir.path(), &args);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(dir.path().join("new/sub/pn_kc.npy").is_file());
}

fn train(dir: &Path, out: &str, seed: &str) -> std::process::Output {
    let args = [
        "train",
        "--images",
        "30",
        "--backend",
        "cpu",
        "--seed",
        seed,
    ];
    let mut args = args.to_vec();
    args.extend(["--out", out]);
    kenyon(dir, &args)
}

fn test_model(dir: &Path, model: &str) -> std::process::Output {
    let args = [
        "test",
        "--images",
        "4",
        "--backend",
        "cpu",
        "--model",
        model,
    ];
    kenyon(dir, &args)
}

#[test]
fn a_model_folder_is_replaced_whole_and_test_refuses_files_that_do_not_belong_together() {
    let dir = tempfile::tempdir().unwrap();
    for (out, seed) in [("a", "1"), ("b", "2")] {
        let o = train(dir.path(), out, seed);
        assert!(o.status.success(), "{:?}", text(&o));
    }
    let o = test_model(dir.path(), "a");
    assert!(o.status.success(), "{:?}", text(&o));
    // Weights of one model beside the synapses of another: refused, naming the file.
    let weights = kenyon::tutorial::MODEL_WEIGHTS;
    fs::copy(
        dir.path().join("b").join(weights),
        dir.path().join("a").join(weights),
    )
    .unwrap();
    let o = test_model(dir.path(), "a");
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(
        err.contains(weights) && err.contains("does not belong"),
        "{err}"
    );
    // Training again replaces the folder whole, and leaves nothing else beside it.
    let o = train(dir.path(), "a", "1");
    assert!(o.status.success(), "{:?}", text(&o));
    let o = test_model(dir.path(), "a");
    assert!(o.status.success(), "{:?}", text(&o));
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a", "b", "out"]);
    // A folder holding other files is not a model to replace.
    fs::write(dir.path().join("b/notes.txt"), b"mine").unwrap();
    let o = train(dir.path(), "b", "1");
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(err.contains("notes.txt"), "{err}");
    assert_eq!(fs::read(dir.path().join("b/notes.txt")).unwrap(), b"mine");
}

#[cfg(unix)]
#[test]
fn a_train_killed_midway_leaves_the_old_model_whole_and_its_leftovers_are_swept() {
    let dir = tempfile::tempdir().unwrap();
    let o = train(dir.path(), "model", "1");
    assert!(o.status.success(), "{:?}", text(&o));
    let before = fs::read(dir.path().join("model/kc_mbon_g.npy")).unwrap();
    let mut child = common::kenyon_command(dir.path())
        .args([
            "train",
            "--images",
            "60000",
            "--backend",
            "cpu",
            "--seed",
            "2",
        ])
        .args(["--out", "model"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the staging folder, then kill the run as SIGKILL would.
    let staging = || {
        fs::read_dir(dir.path()).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".model.staging-")
        })
    };
    let started = std::time::Instant::now();
    while !staging() {
        assert!(
            started.elapsed().as_secs() < 120,
            "no staging folder appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        fs::read(dir.path().join("model/kc_mbon_g.npy")).unwrap(),
        before
    );
    let o = test_model(dir.path(), "model");
    assert!(o.status.success(), "{:?}", text(&o));
    // The next train sweeps what the killed one left.
    let o = train(dir.path(), "model", "3");
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(!staging(), "a staging folder was left behind");
}

#[test]
fn labels_that_are_not_digits_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mnist = dir.path().join("mnist");
    fs::create_dir(&mnist).unwrap();
    let source = common::repository_mnist();
    fs::copy(
        source.join("t10k-images-idx3-ubyte.gz"),
        mnist.join("t10k-images-idx3-ubyte.gz"),
    )
    .unwrap();
    // 10 000 labels, the fourth one 12.
    let mut labels = vec![0, 0, 8, 1, 0, 0, 39, 16];
    labels.extend(std::iter::repeat_n(3u8, 10_000));
    labels[8 + 3] = 12;
    fs::write(mnist.join("t10k-labels-idx1-ubyte"), labels).unwrap();
    let o = train(dir.path(), "model", "1");
    assert!(o.status.success(), "{:?}", text(&o));
    let mnist_arg = mnist.to_string_lossy().into_owned();
    let args = [
        "test",
        "--images",
        "4",
        "--backend",
        "cpu",
        "--model",
        "model",
    ];
    let mut args = args.to_vec();
    args.extend(["--mnist-dir", &mnist_arg]);
    let o = kenyon(dir.path(), &args);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(err.contains("label 12 of image 3"), "{err}");
}

#[test]
fn empty_settings_are_named_not_taken_for_missing_or_matching_everything() {
    let dir = tempfile::tempdir().unwrap();
    let with_empty = |var: &str, args: &[&str]| {
        let mut command = common::kenyon_command(dir.path());
        command.args(args).env(var, "").output().unwrap()
    };
    for var in ["KENYON_ADAPTER", "KENYON_MNIST_DIR"] {
        let o = with_empty(var, &["run", "--images", "1", "--no-plots"]);
        let (out, err) = text(&o);
        assert!(!o.status.success(), "{var}: {out}");
        assert!(err.contains(&format!("{var} is set but empty")), "{err}");
    }
    let o = kenyon(dir.path(), &["run", "--adapter", "", "--images", "1"]);
    assert!(!o.status.success(), "{:?}", text(&o));
    // Where the variable goes unread, it stops nothing.
    let o = with_empty("KENYON_MNIST_DIR", &["--version"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let args = [
        "run",
        "--adapter",
        "x",
        "--backend",
        "cpu",
        "--images",
        "1",
        "--no-plots",
    ];
    let o = with_empty("KENYON_ADAPTER", &args);
    assert!(o.status.success(), "{:?}", text(&o));
    // The seed of `test` would draw nothing: the model holds every synapse.
    let o = kenyon(dir.path(), &["test", "--model", "m", "--seed", "3"]);
    let (_, err) = text(&o);
    assert!(!o.status.success() && err.contains("--seed"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn the_runtime_folder_is_never_taken_from_a_link_another_user_planted() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim");
    fs::create_dir(&victim).unwrap();
    fs::set_permissions(&victim, fs::Permissions::from_mode(0o755)).unwrap();
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    let planted = tmp.path().join(format!("kenyon-runtime-{uid}"));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let mut args = vec!["run"];
    args.extend(ONE_IMAGE);
    args.push("1");
    // A run with no runtime folder given, whose temporary folder holds the plant.
    let run = || {
        let o = common::kenyon_command(tmp.path())
            .args(&args)
            .env("TMPDIR", tmp.path())
            .env_remove("XDG_RUNTIME_DIR")
            .output()
            .unwrap();
        assert!(o.status.success(), "{:?}", text(&o));
    };
    run();
    let mode = fs::metadata(&victim).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755, "the planted link's target was chmod'ed");
    assert!(
        fs::symlink_metadata(&planted)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // A planted folder others can enter is neither taken nor chmod'ed.
    fs::remove_file(&planted).unwrap();
    fs::create_dir(&planted).unwrap();
    fs::set_permissions(&planted, fs::Permissions::from_mode(0o755)).unwrap();
    run();
    let mode = fs::metadata(&planted).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755, "the planted folder was chmod'ed");
}

#[test]
fn a_batch_larger_than_the_images_takes_only_what_the_images_need() {
    let dir = tempfile::tempdir().unwrap();
    // 65 535 entries of the tutorial network would be about 30 GB on the CPU.
    let args = [
        "run",
        "--batch",
        "65535",
        "--images",
        "2",
        "--backend",
        "cpu",
    ];
    let mut args = args.to_vec();
    args.extend(["--no-plots", "--summary-json", "s.json"]);
    let o = kenyon(dir.path(), &args);
    assert!(o.status.success(), "{:?}", text(&o));
    let summary = fs::read_to_string(dir.path().join("s.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["batch_size"], 2);
}

#[test]
fn a_model_that_answers_nothing_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let o = kenyon(
        dir.path(),
        &["train", "--images", "5", "--out", "m", "--backend", "cpu"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let o = test_model(dir.path(), "m");
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("hint: 4 of 4 images got no answer") && out.contains("from 5 training images"),
        "{out}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_reported_and_outputs_never_share_a_path() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["run"];
    args.extend(ONE_IMAGE);
    args.extend(["1", "--summary-json", "/dev/full"]);
    let o = kenyon(dir.path(), &args);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(
        err.contains("/dev/full") && err.contains("No space left"),
        "{err}"
    );
    assert!(
        fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    let mut args = vec!["run"];
    args.extend(ONE_IMAGE);
    args.extend([
        "1",
        "--summary-json",
        "x.npy",
        "--save-connectivity",
        "./x.npy",
    ]);
    let o = kenyon(dir.path(), &args);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(err.contains("both name"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn dev_stdout_is_written_into_the_pipe_or_file_it_is_never_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["run"];
    args.extend(ONE_IMAGE);
    args.extend(["1", "--summary-json", "/dev/stdout"]);
    // Into a pipe (as `kenyon ... | jq` has it).
    let o = kenyon(dir.path(), &args);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("image 0") && out.contains("\"kc_active\""),
        "{out}"
    );
    // Into a file the shell redirected stdout to: appended, the other lines kept.
    let log = dir.path().join("out.txt");
    let status = common::kenyon_command(dir.path())
        .args(&args)
        .stdout(fs::File::create(&log).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    let written = fs::read_to_string(&log).unwrap();
    assert!(written.contains("image 0"), "{written}");
    // Whole: at the descriptor's position, not over what was printed before or after.
    let (start, end) = (written.find('{').unwrap(), written.rfind('}').unwrap());
    let json: serde_json::Value =
        serde_json::from_str(&written[start..=end]).unwrap_or_else(|e| panic!("{e}: {written}"));
    assert_eq!(json["images"][0]["index"], 0);
    assert!(written[end..].contains("summary written to"), "{written}");
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_unicode_is_taken_as_it_is() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"summary-\xff.json");
    let o = common::kenyon_command(dir.path())
        .args([
            "run",
            "--images",
            "1",
            "--backend",
            "cpu",
            "--no-plots",
            "--summary-json",
        ])
        .arg(name)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(dir.path().join(name).is_file());
}

#[test]
fn a_path_that_names_a_folder_is_refused_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["run"];
    args.extend(ONE_IMAGE);
    args.extend(["1", "--summary-json", "newdir/"]);
    let o = kenyon(dir.path(), &args);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(!out.contains("image 0"), "simulated first: {out}");
    assert!(err.contains("names a folder"), "{err}");
    // The folder a shell is in is not a model folder to swap away.
    fs::create_dir(dir.path().join("work")).unwrap();
    let o = kenyon(
        &dir.path().join("work"),
        &[
            "train",
            "--images",
            "60000",
            "--out",
            ".",
            "--backend",
            "cpu",
        ],
    );
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(!out.contains("training on"), "trained first: {out}");
    assert!(err.contains("the current folder"), "{err}");
}
