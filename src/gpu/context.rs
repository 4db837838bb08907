//! Adapter choice and device creation.

use std::sync::{Arc, Mutex};

use super::GpuError;

/// Environment variable that picks an adapter by a substring of its name.
pub const ADAPTER_ENV: &str = "KENYON_ADAPTER";

/// What `kenyon` knows about an adapter.
#[derive(Clone, Debug)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: wgpu::Backend,
    pub device_type: wgpu::DeviceType,
}

impl AdapterSummary {
    fn from_info(info: &wgpu::AdapterInfo) -> Self {
        AdapterSummary {
            name: info.name.clone(),
            backend: info.backend,
            device_type: info.device_type,
        }
    }

    /// Software rasterisers (lavapipe, llvmpipe, WARP) report device type Cpu.
    pub fn is_hardware(&self) -> bool {
        !matches!(self.device_type, wgpu::DeviceType::Cpu)
    }
}

impl std::fmt::Display for AdapterSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({:?}, {:?})",
            self.name, self.backend, self.device_type
        )
    }
}

fn instance() -> wgpu::Instance {
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle())
}

/// Preference order: discrete, integrated, virtual GPUs, then software adapters; among
/// equals, Vulkan/Metal/DX12 before GL, whose compute support is the weakest.
fn rank(info: &wgpu::AdapterInfo) -> (u8, u8) {
    let device = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Cpu => 3,
        wgpu::DeviceType::Other => 4,
    };
    let backend = match info.backend {
        wgpu::Backend::Vulkan | wgpu::Backend::Metal | wgpu::Backend::Dx12 => 0,
        _ => 1,
    };
    (device, backend)
}

fn sorted_adapters(instance: &wgpu::Instance) -> Vec<wgpu::Adapter> {
    let mut adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
    adapters.sort_by_key(|a| rank(&a.get_info()));
    adapters
}

/// Every adapter wgpu can see, best first.
pub fn list_adapters() -> Vec<AdapterSummary> {
    sorted_adapters(&instance())
        .iter()
        .map(|a| AdapterSummary::from_info(&a.get_info()))
        .collect()
}

/// The adapter [`GpuContext::new`] would pick with no filter, if it is a hardware GPU.
pub fn hardware_adapter() -> Option<AdapterSummary> {
    list_adapters().into_iter().find(|a| a.is_hardware())
}

/// A device and queue, with wgpu errors collected instead of panicking.
pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter: AdapterSummary,
    pub limits: wgpu::Limits,
    errors: Arc<Mutex<Vec<String>>>,
}

impl GpuContext {
    /// Opens the best adapter, or the first whose name contains `filter`
    /// (case-insensitive); with no filter, `KENYON_ADAPTER` is used if set.
    pub fn new(filter: Option<&str>) -> Result<Self, GpuError> {
        let env_filter = std::env::var(ADAPTER_ENV).ok().filter(|s| !s.is_empty());
        let filter = filter.map(str::to_owned).or(env_filter);
        let instance = instance();
        let adapters = sorted_adapters(&instance);
        let available: Vec<String> = adapters
            .iter()
            .map(|a| AdapterSummary::from_info(&a.get_info()).to_string())
            .collect();
        let adapter = match &filter {
            Some(f) => {
                let needle = f.to_lowercase();
                adapters
                    .into_iter()
                    .find(|a| a.get_info().name.to_lowercase().contains(&needle))
                    .ok_or_else(|| GpuError::AdapterNotFound {
                        filter: f.clone(),
                        available: available.clone(),
                    })?
            }
            None => adapters.into_iter().next().ok_or(GpuError::NoAdapter)?,
        };
        let info = adapter.get_info();
        // The WebGPU defaults allow 8 storage buffers per stage and 128 MiB bindings;
        // ask for what the adapter really has.
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("kenyon"),
            required_features: wgpu::Features::empty(),
            required_limits: limits.clone(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|e| GpuError::RequestDevice {
            adapter: info.name.clone(),
            reason: e.to_string(),
        })?;
        let errors = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&errors);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut v) = sink.lock() {
                v.push(e.to_string());
            }
        }));
        Ok(GpuContext {
            device,
            queue,
            adapter: AdapterSummary::from_info(&info),
            limits,
            errors,
        })
    }

    /// Turns any wgpu error raised since the last check into a [`GpuError`].
    pub fn check_errors(&self) -> Result<(), GpuError> {
        let mut errors = self
            .errors
            .lock()
            .map_err(|_| GpuError::Wgpu("error log poisoned".into()))?;
        if errors.is_empty() {
            Ok(())
        } else {
            let all = errors.join("\n");
            errors.clear();
            Err(GpuError::Wgpu(all))
        }
    }

    /// Waits for one submission (and those before it), not for later ones.
    pub fn wait_for(&self, submission: wgpu::SubmissionIndex) -> Result<(), GpuError> {
        self.device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(submission),
                timeout: None,
            })
            .map_err(|e| GpuError::Wgpu(e.to_string()))?;
        self.check_errors()
    }

    /// Waits for all submitted work.
    pub fn wait(&self) -> Result<(), GpuError> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::Wgpu(e.to_string()))?;
        self.check_errors()
    }
}
