//! `kenyon bench --network coba|cuba` times a benchmark network per biological second,
//! at batch size 1 only, and refuses the options of the tutorial network's timing.

use crate::common::{run_kenyon, text};

#[test]
fn bench_times_each_benchmark_network_per_biological_second() {
    let dir = tempfile::tempdir().unwrap();
    for network in ["coba", "cuba"] {
        let args = ["bench", "--network", network, "--backend", "cpu"];
        let o = run_kenyon(
            dir.path(),
            &[&args[..], &["--seconds", "0.1", "--repeat", "1"]].concat(),
        );
        let (out, err) = text(&o);
        assert!(o.status.success(), "{out}\n{err}");
        assert!(out.contains("s/bio-s") && out.contains("exc Hz"), "{out}");
        let row = out
            .lines()
            .find(|l| l.starts_with("cpu"))
            .unwrap_or_else(|| panic!("{out}"));
        let rates: Vec<f64> = row
            .split_whitespace()
            .rev()
            .take(2)
            .map(|x| x.parse().unwrap())
            .collect();
        assert!(rates.iter().all(|&r| r > 1.0), "{row}");
        let o = run_kenyon(dir.path(), &[&args[..], &["--batch", "8"]].concat());
        let (_, err) = text(&o);
        assert!(
            !o.status.success() && err.contains("batch size 1 only"),
            "{err}"
        );
        // Too little model time, too much, and none at all are refused with the range.
        for seconds in ["0.00001", "1e30", "NaN"] {
            let o = run_kenyon(dir.path(), &[&args[..], &["--seconds", seconds]].concat());
            let (_, err) = text(&o);
            assert!(!o.status.success(), "{seconds}: {err}");
            assert!(
                err.contains("from one timestep (0.0001 s) to 429497 s"),
                "{err}"
            );
        }
    }
}

#[test]
fn bench_scales_coba_to_a_number_of_neurons() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "bench",
        "--network",
        "coba",
        "--neurons",
        "8000",
        "--backend",
        "cpu",
    ];
    let o = run_kenyon(
        dir.path(),
        &[&args[..], &["--seconds", "0.01", "--repeat", "1"]].concat(),
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("8000 neurons, 640000 synapses"), "{out}");
    let o = run_kenyon(
        dir.path(),
        &["bench", "--network", "cuba", "--neurons", "8000"],
    );
    let (_, err) = text(&o);
    assert!(!o.status.success() && err.contains("--neurons"), "{err}");
}

#[test]
fn bench_refuses_an_option_its_network_would_ignore() {
    let dir = tempfile::tempdir().unwrap();
    for (args, names) in [
        (&["bench", "--seconds", "0.1"][..], "--seconds"),
        (
            &["bench", "--network", "mushroom-body", "--seconds", "2"][..],
            "--seconds",
        ),
        (
            &["bench", "--network", "cuba", "--images", "8"][..],
            "--images",
        ),
    ] {
        let o = run_kenyon(dir.path(), args);
        let (out, err) = text(&o);
        assert!(!o.status.success(), "{args:?}: {out}");
        assert!(err.contains(names) && out.is_empty(), "{args:?}: {err}");
    }
}
