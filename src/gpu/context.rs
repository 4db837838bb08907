//! Adapter choice and device creation.

use std::sync::{Arc, Mutex};

use super::GpuError;
use crate::sim::SimError;

pub use crate::sim::ADAPTER_ENV;

/// What `kenyon` knows about an adapter.
#[derive(Clone, Debug)]
pub struct AdapterSummary {
    /// The adapter's name, as its driver reports it.
    pub name: String,
    /// The graphics API it is reached through.
    pub backend: wgpu::Backend,
    /// Discrete, integrated, virtual or software (`Cpu`).
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

/// Preference order: discrete, integrated, virtual GPUs, then software adapters; among
/// equals, Vulkan/Metal/DX12 before GL.
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

/// Held while instances and devices are opened, so one thread at a time does it: four
/// test threads doing it at once on an H200 hung. With this lock (and no GL instance
/// beside Vulkan) the GPU tests have run there at 16 threads without hanging; which of
/// the two cured it was not isolated.
static OPENING: Mutex<()> = Mutex::new(());

fn opening() -> std::sync::MutexGuard<'static, ()> {
    OPENING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Every adapter, best first, where GL ones are looked for only when Vulkan, Metal and
/// DX12 offer no hardware GPU: GL's compute support is the weakest, and its EGL instances
/// are fragile when created and dropped from several threads (wgpu #5349), which the GPU
/// tests do.
fn sorted_adapters() -> Vec<wgpu::Adapter> {
    let enumerate = |backends: wgpu::Backends| {
        let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle();
        descriptor.backends = backends;
        pollster::block_on(wgpu::Instance::new(descriptor).enumerate_adapters(backends))
    };
    let mut adapters = enumerate(wgpu::Backends::PRIMARY);
    let hardware = |a: &wgpu::Adapter| AdapterSummary::from_info(&a.get_info()).is_hardware();
    if !adapters.iter().any(hardware) {
        adapters.extend(enumerate(wgpu::Backends::SECONDARY));
    }
    adapters.sort_by_key(|a| rank(&a.get_info()));
    adapters
}

/// Every adapter kenyon would choose from, best first.
pub fn list_adapters() -> Vec<AdapterSummary> {
    let _opening = opening();
    sorted_adapters()
        .iter()
        .map(|a| AdapterSummary::from_info(&a.get_info()))
        .collect()
}

/// The adapter [`GpuContext::new`] would pick with no filter, if it is a hardware GPU.
pub fn hardware_adapter() -> Option<AdapterSummary> {
    list_adapters().into_iter().find(|a| a.is_hardware())
}

/// The first of `adapters` (sorted best first) whose name contains `filter`
/// (case-insensitive), or the first of all without a filter.
fn choose(adapters: Vec<wgpu::Adapter>, filter: Option<&str>) -> Result<wgpu::Adapter, GpuError> {
    let available: Vec<String> = adapters
        .iter()
        .map(|a| AdapterSummary::from_info(&a.get_info()).to_string())
        .collect();
    match filter {
        Some(f) => {
            let needle = f.to_lowercase();
            adapters
                .into_iter()
                .find(|a| a.get_info().name.to_lowercase().contains(&needle))
                .ok_or_else(|| GpuError::AdapterNotFound {
                    filter: f.to_owned(),
                    available,
                })
        }
        None => adapters.into_iter().next().ok_or(GpuError::NoAdapter),
    }
}

/// A device and queue on one adapter, with wgpu errors collected instead of panicking.
/// A clone shares them (the viewer draws on the device a simulation runs on).
#[derive(Clone)]
pub struct GpuContext {
    device: wgpu::Device,
    queue: wgpu::Queue,
    adapter: AdapterSummary,
    #[cfg_attr(not(feature = "view"), allow(dead_code))]
    wgpu_adapter: wgpu::Adapter,
    limits: wgpu::Limits,
    errors: Arc<Mutex<Vec<String>>>,
}

impl GpuContext {
    /// Opens the best adapter, or the first whose name contains `filter`
    /// (case-insensitive); with no filter, `KENYON_ADAPTER` is used if set (and not
    /// empty). An empty filter is refused: it would match any adapter.
    pub fn new(filter: Option<&str>) -> Result<Self, GpuError> {
        let env_filter = std::env::var(ADAPTER_ENV)
            .ok()
            .filter(|s| !s.trim().is_empty());
        if filter.is_some_and(|f| f.trim().is_empty()) {
            return Err(GpuError::Config(SimError::EmptyAdapterName));
        }
        let filter = filter.map(str::to_owned).or(env_filter);
        let _opening = opening();
        let adapter = choose(sorted_adapters(), filter.as_deref())?;
        GpuContext::open(adapter)
    }

    /// Opens the best adapter of `instance` that can present to `surface`, or the first
    /// such whose name contains `filter` (or `KENYON_ADAPTER`), as [`new`](GpuContext::new)
    /// does: a window's device, which its simulation shares.
    #[cfg(feature = "view")]
    pub(crate) fn for_surface(
        instance: &wgpu::Instance,
        surface: &wgpu::Surface<'_>,
        filter: Option<&str>,
    ) -> Result<Self, GpuError> {
        let env_filter = std::env::var(ADAPTER_ENV)
            .ok()
            .filter(|s| !s.trim().is_empty());
        let filter = filter.map(str::to_owned).or(env_filter);
        let _opening = opening();
        let mut adapters: Vec<wgpu::Adapter> =
            pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
                .into_iter()
                .filter(|a| a.is_surface_supported(surface))
                .collect();
        adapters.sort_by_key(|a| rank(&a.get_info()));
        let adapter = choose(adapters, filter.as_deref())?;
        GpuContext::open(adapter)
    }

    /// A device and queue on `adapter`, with all the limits it has.
    fn open(adapter: wgpu::Adapter) -> Result<Self, GpuError> {
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
            wgpu_adapter: adapter,
            limits,
            errors,
        })
    }

    /// The adapter itself, which a window's surface is configured for.
    #[cfg(feature = "view")]
    pub(crate) fn wgpu_adapter(&self) -> &wgpu::Adapter {
        &self.wgpu_adapter
    }

    /// The adapter the device is on.
    pub fn adapter(&self) -> &AdapterSummary {
        &self.adapter
    }

    /// The device's limits: all the adapter has, not WebGPU's defaults.
    pub fn limits(&self) -> &wgpu::Limits {
        &self.limits
    }

    pub(crate) fn device(&self) -> &wgpu::Device {
        &self.device
    }

    pub(crate) fn queue(&self) -> &wgpu::Queue {
        &self.queue
    }

    /// Turns any wgpu error raised since the last check into a [`GpuError`].
    pub(crate) fn check_errors(&self) -> Result<(), GpuError> {
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

    /// Waits for everything submitted so far.
    #[cfg(feature = "view")]
    pub(crate) fn wait_idle(&self) -> Result<(), GpuError> {
        self.device
            .poll(wgpu::PollType::Wait {
                submission_index: None,
                timeout: None,
            })
            .map_err(|e| GpuError::Wgpu(e.to_string()))?;
        self.check_errors()
    }

    /// Waits for one submission (and those before it), not for later ones.
    pub(crate) fn wait_for(&self, submission: wgpu::SubmissionIndex) -> Result<(), GpuError> {
        self.device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(submission),
                timeout: None,
            })
            .map_err(|e| GpuError::Wgpu(e.to_string()))?;
        self.check_errors()
    }
}
