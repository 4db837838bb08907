//! Choosing a backend: the one module that knows both.

use crate::cpu::CpuSimulation;
use crate::model::BuiltNetwork;
use crate::sim::{ADAPTER_ENV, SimConfig, SimError, Simulator, check_config};

/// Which backend to load a network on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    /// A hardware GPU if there is one (or if an adapter is named), else the CPU.
    Auto,
    /// The WebGPU backend, on any adapter (software ones included).
    Gpu,
    /// The native CPU backend.
    Cpu,
}

/// Loads `net` on the chosen backend. `adapter` picks a GPU adapter by name substring
/// (default: `KENYON_ADAPTER`, else the best one); an empty name is refused, since it
/// would match any adapter.
///
/// ```
/// use kenyon::{BackendChoice, LifParams, Network, NeuronModel, SimConfig, load};
///
/// let mut net = Network::new(0.1);
/// let p = net.add_neuron_population("p", 100, NeuronModel::Lif(LifParams::TUTORIAL));
/// net.set_spike_recording(p, true)?;
/// let mut sim = load(&net.build(1)?, BackendChoice::Cpu, None, SimConfig::default())?;
/// sim.step_time(200)?;
/// let recordings = sim.take_recording()?;
/// assert_eq!(recordings.get(p).map(|r| r[0].n_steps), Some(200));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load(
    net: &BuiltNetwork,
    choice: BackendChoice,
    adapter: Option<&str>,
    config: SimConfig,
) -> Result<Box<dyn Simulator>, SimError> {
    check_config(net, config)?;
    if adapter.is_some_and(|name| name.trim().is_empty()) {
        return Err(SimError::EmptyAdapterName);
    }
    if wants_gpu(choice, adapter) {
        load_gpu(net, adapter, config)
    } else {
        Ok(Box::new(CpuSimulation::new(net, config)?))
    }
}

/// Whether `choice` means the GPU: asked for, or, for `Auto`, an adapter named (by
/// `adapter` or `KENYON_ADAPTER`) or a hardware GPU present.
fn wants_gpu(choice: BackendChoice, adapter: Option<&str>) -> bool {
    let env_adapter = std::env::var(ADAPTER_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty());
    match choice {
        BackendChoice::Gpu => true,
        BackendChoice::Cpu => false,
        BackendChoice::Auto => adapter.is_some() || env_adapter.is_some() || hardware_gpu(),
    }
}

#[cfg(feature = "gpu")]
fn hardware_gpu() -> bool {
    crate::gpu::hardware_adapter().is_some()
}

#[cfg(not(feature = "gpu"))]
fn hardware_gpu() -> bool {
    false
}

#[cfg(feature = "gpu")]
fn load_gpu(
    net: &BuiltNetwork,
    adapter: Option<&str>,
    config: SimConfig,
) -> Result<Box<dyn Simulator>, SimError> {
    let ctx = crate::gpu::GpuContext::new(adapter)?;
    Ok(Box::new(crate::gpu::GpuSimulation::new(ctx, net, config)?))
}

#[cfg(not(feature = "gpu"))]
fn load_gpu(
    _net: &BuiltNetwork,
    _adapter: Option<&str>,
    _config: SimConfig,
) -> Result<Box<dyn Simulator>, SimError> {
    Err(SimError::NoGpuBackend)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulations_and_their_pending_recordings_can_move_between_threads() {
        fn send<T: Send>() {}
        send::<Box<dyn Simulator>>();
        send::<crate::sim::PendingRecordings>();
        send::<CpuSimulation>();
        #[cfg(feature = "gpu")]
        send::<crate::gpu::GpuSimulation>();
    }

    #[test]
    fn an_empty_adapter_name_is_refused_not_matched_to_any_adapter() {
        let mut net = crate::Network::new(0.1);
        let params = crate::NeuronModel::Lif(crate::LifParams::TUTORIAL);
        net.add_neuron_population("p", 4, params);
        let built = net.build(1).unwrap();
        for name in ["", "  "] {
            let result = load(
                &built,
                BackendChoice::Auto,
                Some(name),
                SimConfig::default(),
            );
            assert!(matches!(result, Err(SimError::EmptyAdapterName)));
        }
    }
}
