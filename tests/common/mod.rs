//! Helpers shared by the integration tests. Each test binary takes this module in with
//! `#[path = "../common/mod.rs"] mod common;`.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use kenyon::{BuiltNetwork, CpuSimulation, SimConfig, Simulator};

/// True where GPU tests must run: CI (CI=true) or KENYON_REQUIRE_GPU=1.
pub fn gpu_required() -> bool {
    set("CI") || set("KENYON_REQUIRE_GPU")
}

/// Whether code strings must compile to machine code here: in CI (any value of `CI`
/// but empty, `0` and `false`, as [`gpu_required`] reads it), where a C compiler is
/// installed; elsewhere a machine without one runs the interpreter.
pub fn compiler_required() -> bool {
    set("CI")
}

/// Whether environment variable `k` is set to something other than empty, `0` or
/// `false`.
fn set(k: &str) -> bool {
    std::env::var(k).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Runs `check` on a fresh CPU simulation of `built` and, where there is a GPU adapter
/// (always in CI), on a fresh GPU simulation of it.
pub fn on_every_backend(
    built: &BuiltNetwork,
    config: SimConfig,
    mut check: impl FnMut(&mut dyn Simulator),
) {
    check(&mut CpuSimulation::new(built, config).unwrap());
    #[cfg(feature = "gpu")]
    if let Some(ctx) = gpu::context() {
        check(&mut kenyon::GpuSimulation::new(ctx, built, config).unwrap());
    }
}

/// Whether GPU runs can be checked here: an adapter exists (always in CI, where a
/// missing one fails instead), and kenyon was built with its GPU backend.
pub fn gpu_available() -> bool {
    #[cfg(feature = "gpu")]
    return gpu::context().is_some();
    #[cfg(not(feature = "gpu"))]
    false
}

/// The largest absolute difference between two arrays of state.
pub fn largest_difference(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max)
}

/// Asserts that every population recorded on one backend is recorded on the other with
/// the same spikes in every batch entry (`what` names the case in a failure); returns
/// how many spikes there were, so a test can check it showed something.
pub fn assert_same_spikes(cpu: &kenyon::Recordings, gpu: &kenyon::Recordings, what: &str) -> u64 {
    let mut total = 0;
    for (c, g) in cpu.populations.iter().zip(&gpu.populations) {
        let (c, g) = (c.as_ref().unwrap(), g.as_ref().unwrap());
        assert_eq!(c.len(), g.len(), "{what}: batch sizes differ");
        for (b, (c, g)) in c.iter().zip(g).enumerate() {
            assert_eq!(
                c.bits, g.bits,
                "{what}: population {} differs in batch entry {b}",
                c.population
            );
            total += c.spike_count();
        }
    }
    total
}

/// The MNIST files of this repository.
pub fn repository_mnist() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/mnist")
}

/// The `kenyon` binary `program` to run in `dir`, with no adapter from the environment
/// and KENYON_MNIST_DIR as `mnist` says (unset for `None`).
pub fn command(program: &Path, dir: &Path, mnist: Option<&Path>) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(dir)
        .env_remove("KENYON_ADAPTER")
        .env_remove("KENYON_MNIST_DIR");
    if let Some(mnist) = mnist {
        command.env("KENYON_MNIST_DIR", mnist);
    }
    command
}

/// This build's `kenyon` to run in `dir`, with no adapter from the environment and this
/// repository's MNIST files.
pub fn kenyon_command(dir: &Path) -> Command {
    let program = Path::new(env!("CARGO_BIN_EXE_kenyon"));
    command(program, dir, Some(&repository_mnist()))
}

/// Runs the `kenyon` binary `program` in `dir` with `args`, as [`command`] sets it up.
pub fn run_program(program: &Path, dir: &Path, args: &[&str], mnist: Option<&Path>) -> Output {
    command(program, dir, mnist)
        .args(args)
        .output()
        .expect("the kenyon binary runs")
}

/// Runs `kenyon args` in `dir`, as [`kenyon_command`] sets it up.
pub fn run_kenyon(dir: &Path, args: &[&str]) -> Output {
    kenyon_command(dir)
        .args(args)
        .output()
        .expect("the kenyon binary runs")
}

/// stdout and stderr of a run, as text.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// GPU contexts and simulations for the tests.
#[cfg(feature = "gpu")]
pub mod gpu {
    use kenyon::gpu::{
        GPU_SYNAPSE_THREADS, GpuTuning, NeuronUpdateStrategy, SOFTWARE_SYNAPSE_THREADS,
    };
    use kenyon::{BuiltNetwork, GpuContext, GpuSimulation, SimConfig};

    /// A GPU context, or None (with a note on stderr) where no adapter exists and GPU
    /// tests aren't required. In CI a missing adapter fails the test instead of skipping.
    pub fn context() -> Option<GpuContext> {
        match GpuContext::new(None) {
            Ok(ctx) => {
                eprintln!("GPU tests run on {}", ctx.adapter());
                Some(ctx)
            }
            Err(e) if super::gpu_required() => {
                panic!("GPU tests are required here but no GPU is usable: {e}")
            }
            Err(e) => {
                eprintln!("SKIPPED: no usable GPU adapter ({e}); set up lavapipe to run this test");
                None
            }
        }
    }

    /// Both neuron-update strategies, so that each is tested on whatever adapter runs
    /// the tests; none where [`context`] gives no context.
    pub fn strategies() -> Vec<NeuronUpdateStrategy> {
        // Asked once per test binary: every context opened is a device created and dropped.
        static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        if !*AVAILABLE.get_or_init(|| context().is_some()) {
            return Vec::new();
        }
        vec![
            NeuronUpdateStrategy::InvocationPerWord,
            NeuronUpdateStrategy::InvocationPerQuad,
        ]
    }

    /// A GPU simulation of `built` whose neuron update uses `strategy`, with the
    /// synapse-update workgroup that goes with it by default (per word, as on software
    /// adapters: 16 threads; per quad, as on GPUs: 64), so that every adapter runs both
    /// workgroup sizes too.
    pub fn simulation(
        strategy: NeuronUpdateStrategy,
        built: &BuiltNetwork,
        config: SimConfig,
    ) -> GpuSimulation {
        let ctx = context().expect("strategies() found an adapter");
        let synapse_threads = match strategy {
            NeuronUpdateStrategy::InvocationPerWord => SOFTWARE_SYNAPSE_THREADS,
            NeuronUpdateStrategy::InvocationPerQuad => GPU_SYNAPSE_THREADS,
        };
        let tuning = GpuTuning {
            neuron_update: strategy,
            synapse_threads,
        };
        GpuSimulation::with_tuning(ctx, built, config, tuning).unwrap()
    }
}
