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
