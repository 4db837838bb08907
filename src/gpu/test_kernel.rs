//! For tests that hold a WGSL function to its CPU twin: a context (or, in CI, a failure
//! when there is no adapter), and one dispatch of a test kernel whose inputs are words
//! and whose output is read back as words.

use wgpu::util::DeviceExt;

use super::GpuContext;

/// A GPU context, or `None` (with a note naming `what` was not run) where no adapter
/// exists; in CI (`CI` set) a missing adapter fails the test instead.
pub(crate) fn context(what: &str) -> Option<GpuContext> {
    match GpuContext::new(None) {
        Ok(ctx) => Some(ctx),
        Err(e) => {
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
            assert!(!ci, "no GPU adapter in CI: {e}");
            eprintln!("no GPU adapter here ({e}); {what} was not run");
            None
        }
    }
}

/// One input binding of a test kernel: its number, its words, and whether it is a
/// uniform buffer (else a storage buffer).
pub(crate) struct Input<'a> {
    pub binding: u32,
    pub words: &'a [u32],
    pub uniform: bool,
}

/// Runs `main` of `source` in `workgroups` workgroups with `inputs` bound, and reads
/// back the `words` words of the storage buffer at binding `out`.
pub(crate) fn run_words(
    ctx: &GpuContext,
    label: &str,
    source: &str,
    inputs: &[Input<'_>],
    (out, words): (u32, usize),
    workgroups: u32,
) -> Vec<u32> {
    let device = ctx.device();
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(label),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: wgpu::PipelineCompilationOptions::default(),
        cache: None,
    });
    let buffer = |words: &[u32], usage| {
        device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(words),
            usage,
        })
    };
    let mut buffers: Vec<(u32, wgpu::Buffer)> = inputs
        .iter()
        .map(|i| {
            let usage = if i.uniform {
                wgpu::BufferUsages::UNIFORM
            } else {
                wgpu::BufferUsages::STORAGE
            };
            (i.binding, buffer(i.words, usage))
        })
        .collect();
    let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
    buffers.push((out, buffer(&vec![0; words], usage)));
    let bytes = words as u64 * 4;
    let staging = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
        .iter()
        .map(|(binding, b)| wgpu::BindGroupEntry {
            binding: *binding,
            resource: b.as_entire_binding(),
        })
        .collect();
    let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    });
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.dispatch_workgroups(workgroups, 1, 1);
    }
    let (_, out) = buffers.last().expect("the output was just pushed");
    encoder.copy_buffer_to_buffer(out, 0, &staging, 0, bytes);
    let submission = ctx.queue().submit([encoder.finish()]);
    staging
        .slice(..)
        .map_async(wgpu::MapMode::Read, |r| r.expect("mapped"));
    ctx.wait_for(submission).expect("the kernel ran");
    let view = staging.slice(..).get_mapped_range().expect("mapped range");
    let read = bytemuck::cast_slice(&view).to_vec();
    drop(view);
    staging.unmap();
    read
}
