//! Helpers shared by the integration tests.
#![allow(dead_code)]

use kenyon::gpu::GpuContext;

/// True where GPU tests must run: CI (CI=true) or KENYON_REQUIRE_GPU=1.
pub fn gpu_required() -> bool {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    set("CI") || set("KENYON_REQUIRE_GPU")
}

/// A GPU context, or None (with a note on stderr) where no adapter exists and GPU tests
/// aren't required. In CI a missing adapter fails the test instead of skipping it.
pub fn gpu_context() -> Option<GpuContext> {
    match GpuContext::new(None) {
        Ok(ctx) => {
            eprintln!("GPU tests run on {}", ctx.adapter);
            Some(ctx)
        }
        Err(e) if gpu_required() => panic!("GPU tests are required here but no GPU is usable: {e}"),
        Err(e) => {
            eprintln!("SKIPPED: no usable GPU adapter ({e}); set up lavapipe to run this test");
            None
        }
    }
}

/// Both neuron-update layouts (`NeuronUpdateLayout`), so that each is tested on whatever
/// adapter runs the tests; none where `gpu_context` gives no context.
pub fn gpu_layouts() -> Vec<kenyon::gpu::NeuronUpdateLayout> {
    use kenyon::gpu::NeuronUpdateLayout;
    // Asked once per test binary: every context opened is a device created and dropped.
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if !*AVAILABLE.get_or_init(|| gpu_context().is_some()) {
        return Vec::new();
    }
    vec![
        NeuronUpdateLayout::InvocationPerWord,
        NeuronUpdateLayout::InvocationPerQuad,
    ]
}

/// A GPU context whose simulations use `layout`, and the synapse-update workgroup that
/// goes with it by default (per word, as on software adapters: 16 threads; per quad, as
/// on GPUs: 64), so that every adapter runs both workgroup sizes too.
pub fn gpu_context_with(layout: kenyon::gpu::NeuronUpdateLayout) -> GpuContext {
    use kenyon::gpu::{GPU_SYNAPSE_THREADS, NeuronUpdateLayout, SOFTWARE_SYNAPSE_THREADS};
    let mut ctx = gpu_context().expect("gpu_layouts found an adapter");
    ctx.neuron_update = layout;
    ctx.synapse_threads = match layout {
        NeuronUpdateLayout::InvocationPerWord => SOFTWARE_SYNAPSE_THREADS,
        NeuronUpdateLayout::InvocationPerQuad => GPU_SYNAPSE_THREADS,
    };
    ctx
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
