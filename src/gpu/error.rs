//! Why the GPU backend failed.

use crate::sim::SimError;

/// Why the GPU backend failed.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// wgpu sees no adapter at all.
    #[error(
        "no GPU adapter found: install a Vulkan, Metal or DX12 driver (on Linux without a GPU, Mesa's lavapipe: apt-get install mesa-vulkan-drivers), or use the CPU backend (--backend cpu)"
    )]
    NoAdapter,
    /// No adapter's name matches the one asked for.
    #[error("no adapter's name contains '{filter}'; available adapters: {}", if available.is_empty() { "none".to_owned() } else { available.join("; ") })]
    AdapterNotFound {
        /// The name asked for.
        filter: String,
        /// Every adapter there is.
        available: Vec<String>,
    },
    /// The adapter would not open a device.
    #[error("could not open a device on adapter '{adapter}': {reason}")]
    RequestDevice {
        /// The adapter.
        adapter: String,
        /// The driver's reason.
        reason: String,
    },
    /// The network needs more than the adapter allows.
    #[error(
        "{what} needs {needed}, but adapter '{adapter}' allows at most {limit}: use a smaller network or the CPU backend"
    )]
    OverLimit {
        /// What is too large.
        what: String,
        /// How much it needs.
        needed: u64,
        /// The adapter's limit.
        limit: u64,
        /// The adapter.
        adapter: String,
    },
    /// The batch needs more than the adapter allows; a smaller one fits.
    #[error(
        "batch size {batch} is too large for adapter '{adapter}': {what} would need {needed}, at most {limit} are allowed; use --batch {max_batch} or less"
    )]
    BatchTooLarge {
        /// The batch size asked for.
        batch: u32,
        /// The largest batch size that fits.
        max_batch: u32,
        /// What would be too large.
        what: String,
        /// How much it would need.
        needed: u64,
        /// The adapter's limit.
        limit: u64,
        /// The adapter.
        adapter: String,
    },
    /// A configuration no backend runs (see [`SimError`]).
    #[error(transparent)]
    Config(#[from] SimError),
    /// A kernel did not compile, or does not declare what kenyon binds to it.
    #[error("kernel '{kernel}' failed to compile on this adapter: {reason}")]
    Pipeline {
        /// The kernel, with the population or group it serves.
        kernel: String,
        /// The compiler's (or kenyon's) reason.
        reason: String,
    },
    /// A kernel's WGSL does not match what kenyon binds to it: a bug in kenyon.
    #[error(
        "kernel '{kernel}' does not declare what kenyon gives it (a bug in kenyon; please report it): {reason}"
    )]
    KernelMismatch {
        /// The kernel, with the population or group it serves.
        kernel: String,
        /// What does not match.
        reason: String,
    },
    /// wgpu reported an error.
    #[error("wgpu error: {0}")]
    Wgpu(String),
    /// Mapping a read-back buffer failed.
    #[error("reading results back from the GPU failed: {0}")]
    Readback(String),
}

impl From<GpuError> for SimError {
    fn from(e: GpuError) -> Self {
        match e {
            GpuError::Config(e) => e,
            other => SimError::Device(Box::new(other)),
        }
    }
}
