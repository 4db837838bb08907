//! A plan made real on a device: its buffers, and a pipeline and bind group per kernel,
//! laid out from what naga reflects of the kernel's WGSL.

use std::collections::HashMap;

use wgpu::util::DeviceExt;

use super::encode::STEP_PARAMS_BYTES;
use super::kernels::KernelSpec;
use super::plan::{BufferId, BufferSpec};
use super::shaders::reflect::{Binding, BindingKind, reflect};
use super::{GpuContext, GpuError};

/// Every buffer of a simulation, by what it holds.
pub(crate) struct Buffers {
    map: HashMap<BufferId, wgpu::Buffer>,
}

impl Buffers {
    /// Creates the storage buffers of `specs` and the uniform buffer of per-block
    /// parameters (`step_params_bytes` long).
    pub fn create(ctx: &GpuContext, specs: &[BufferSpec<'_>], step_params_bytes: u64) -> Self {
        let mut map: HashMap<BufferId, wgpu::Buffer> = specs
            .iter()
            .map(|spec| (spec.id, storage(ctx, spec)))
            .collect();
        let params = ctx.device().create_buffer(&wgpu::BufferDescriptor {
            label: Some("step_params"),
            size: step_params_bytes,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        map.insert(BufferId::StepParams, params);
        Buffers { map }
    }

    /// The buffer `id`; the plan creates every buffer its kernels bind, so a missing one
    /// is a bug in kenyon, reported as an error rather than a panic.
    pub fn get(&self, id: BufferId) -> Result<&wgpu::Buffer, GpuError> {
        self.map
            .get(&id)
            .ok_or_else(|| GpuError::Wgpu(format!("no buffer {id:?} was created")))
    }
}

/// A storage buffer (zero-sized bindings are invalid: the smallest holds one word).
fn storage(ctx: &GpuContext, spec: &BufferSpec<'_>) -> wgpu::Buffer {
    let usage =
        wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC;
    let label = Some(spec.label.as_str());
    match spec.contents() {
        Some(data) if !data.is_empty() => {
            ctx.device()
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label,
                    contents: &data,
                    usage,
                })
        }
        _ => ctx.device().create_buffer(&wgpu::BufferDescriptor {
            label,
            size: spec.bytes.max(4),
            usage,
            mapped_at_creation: false,
        }),
    }
}

/// A kernel on the device: its pipeline, its bind group and its workgroups.
pub(crate) struct Dispatch {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    workgroups: u32,
}

impl Dispatch {
    /// Creates `spec` on the device of `ctx`, binding `buffers` by the names its WGSL
    /// declares.
    pub fn create(
        ctx: &GpuContext,
        spec: &KernelSpec,
        buffers: &Buffers,
    ) -> Result<Self, GpuError> {
        let invalid = |reason: String| GpuError::KernelMismatch {
            kernel: spec.label.clone(),
            reason,
        };
        let reflection = reflect(&spec.source).map_err(invalid)?;
        spec.check(&reflection).map_err(invalid)?;
        let mut layout_entries = Vec::new();
        let mut resources = Vec::new();
        for binding in &reflection.bindings {
            let id = spec
                .bindings
                .iter()
                .find(|(name, _)| *name == binding.name)
                .map(|(_, id)| *id)
                .ok_or_else(|| invalid(format!("nothing bound to '{}'", binding.name)))?;
            layout_entries.push(layout_entry(binding));
            resources.push((binding, buffers.get(id)?));
        }
        let constants: Vec<(&str, f64)> = spec
            .constants
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        let (pipeline, layout) = pipeline(ctx, spec, &layout_entries, &constants)?;
        let entries: Vec<wgpu::BindGroupEntry<'_>> = resources
            .iter()
            .map(|(binding, buffer)| wgpu::BindGroupEntry {
                binding: binding.binding,
                resource: match binding.kind {
                    BindingKind::Uniform => wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer,
                        offset: 0,
                        size: wgpu::BufferSize::new(STEP_PARAMS_BYTES),
                    }),
                    BindingKind::Storage { .. } => buffer.as_entire_binding(),
                },
            })
            .collect();
        let bind_group = ctx.device().create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(&spec.label),
            layout: &layout,
            entries: &entries,
        });
        Ok(Dispatch {
            pipeline,
            bind_group,
            workgroups: spec.workgroups,
        })
    }

    /// Records the kernel over `rows` workgroup rows (batch entries) and `layers`
    /// workgroup layers (timesteps of a block, for the synapse update), with the
    /// per-block parameters at `offset`.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>, offset: &[u32], rows: u32, layers: u32) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, offset);
        pass.dispatch_workgroups(self.workgroups, rows, layers);
    }
}

/// The layout of one reflected binding: the per-block parameters with a dynamic offset,
/// storage buffers as the kernel accesses them.
fn layout_entry(binding: &Binding) -> wgpu::BindGroupLayoutEntry {
    let ty = match binding.kind {
        BindingKind::Uniform => wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: true,
            min_binding_size: wgpu::BufferSize::new(STEP_PARAMS_BYTES),
        },
        BindingKind::Storage { read_only } => wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
    };
    wgpu::BindGroupLayoutEntry {
        binding: binding.binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty,
        count: None,
    }
}

/// The kernel's compute pipeline and its bind group layout; a compile error names the
/// kernel.
fn pipeline(
    ctx: &GpuContext,
    spec: &KernelSpec,
    entries: &[wgpu::BindGroupLayoutEntry],
    constants: &[(&str, f64)],
) -> Result<(wgpu::ComputePipeline, wgpu::BindGroupLayout), GpuError> {
    let device = ctx.device();
    let name = Some(spec.label.as_str());
    let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: name,
        source: wgpu::ShaderSource::Wgsl(spec.source.as_str().into()),
    });
    let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: name,
        entries,
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: name,
        bind_group_layouts: &[Some(&layout)],
        immediate_size: 0,
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: name,
        layout: Some(&pipeline_layout),
        module: &module,
        entry_point: Some("main"),
        compilation_options: wgpu::PipelineCompilationOptions {
            constants,
            zero_initialize_workgroup_memory: true,
        },
        cache: None,
    });
    if let Some(e) = pollster::block_on(scope.pop()) {
        return Err(GpuError::Pipeline {
            kernel: spec.label.clone(),
            reason: e.to_string(),
        });
    }
    Ok((pipeline, layout))
}
