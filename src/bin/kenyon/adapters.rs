//! `kenyon adapters`: the GPU adapters wgpu can see, best first.

use anyhow::Result;

#[cfg(feature = "gpu")]
pub(crate) fn adapters() -> Result<()> {
    let list = kenyon::gpu::list_adapters();
    if list.is_empty() {
        println!(
            "no GPU adapters found (install a Vulkan/Metal/DX12 driver, or Mesa's lavapipe); `--backend cpu` always works"
        );
    }
    for a in list {
        println!("{a}{}", if a.is_hardware() { "" } else { "  [software]" });
    }
    Ok(())
}

#[cfg(not(feature = "gpu"))]
pub(crate) fn adapters() -> Result<()> {
    println!(
        "{}; `--backend cpu` always works",
        kenyon::SimError::NoGpuBackend
    );
    Ok(())
}
