//! The WGSL Philox (`shaders/shared/philox.wgsl`) against its CPU twin
//! (`model::random`), bit for bit, on whatever adapter this machine has (lavapipe in
//! CI, where a missing adapter fails the test rather than skipping it).

use super::GpuContext;
use super::shaders::finish;
use crate::model::random::{philox4x32_10, uniform_f32};

const KERNEL: &str = r#"
{{shared/philox}}

@group(0) @binding(0) var<storage, read_write> out: array<vec4<u32>>;

// Counters that vary in every word, and the uniforms of the first word.
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let counter = vec4<u32>(i, i * 2654435761u, 0xffffffffu - i, i ^ 0xdeadbeefu);
    let block = philox4x32_10(counter, vec2<u32>(0x01234567u, 0x89abcdefu));
    out[2u * i] = block;
    out[2u * i + 1u] = vec4<u32>(
        bitcast<u32>(uniform_f32(block.x)),
        bitcast<u32>(uniform_f32(block.y)),
        bitcast<u32>(uniform_f32(block.z)),
        bitcast<u32>(uniform_f32(block.w)),
    );
}
"#;

/// What the kernel writes for invocation `i`, computed on the CPU.
fn expected(i: u32) -> [u32; 8] {
    let counter = [
        i,
        i.wrapping_mul(2_654_435_761),
        u32::MAX - i,
        i ^ 0xdead_beef,
    ];
    let block = philox4x32_10(counter, [0x0123_4567, 0x89ab_cdef]);
    let mut words = [0; 8];
    words[..4].copy_from_slice(&block);
    for (w, &x) in words[4..].iter_mut().zip(&block) {
        *w = uniform_f32(x).to_bits();
    }
    words
}

/// Runs the kernel over `n` invocations and reads back what it wrote.
fn run_kernel(ctx: &GpuContext, n: u32) -> Vec<u32> {
    let device = ctx.device();
    let source = finish(KERNEL, &[]).expect("the test kernel assembles");
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("philox twin"),
        source: wgpu::ShaderSource::Wgsl(source.as_str().into()),
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("philox twin"),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: wgpu::PipelineCompilationOptions::default(),
        cache: None,
    });
    let bytes = u64::from(n) * 32;
    let out = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("philox out"),
        size: bytes,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    });
    let staging = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("philox staging"),
        size: bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("philox twin"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[wgpu::BindGroupEntry {
            binding: 0,
            resource: out.as_entire_binding(),
        }],
    });
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.dispatch_workgroups(n.div_ceil(64), 1, 1);
    }
    encoder.copy_buffer_to_buffer(&out, 0, &staging, 0, bytes);
    let submission = ctx.queue().submit([encoder.finish()]);
    staging
        .slice(..)
        .map_async(wgpu::MapMode::Read, |r| r.expect("mapped"));
    ctx.wait_for(submission).expect("the kernel ran");
    let view = staging.slice(..).get_mapped_range().expect("mapped range");
    let words = view
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    drop(view);
    staging.unmap();
    words
}

#[test]
fn the_gpus_philox_and_uniforms_are_the_cpus_bit_for_bit() {
    let ctx = match GpuContext::new(None) {
        Ok(ctx) => ctx,
        Err(e) => {
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
            assert!(!ci, "no GPU adapter in CI: {e}");
            eprintln!("no GPU adapter here ({e}); the WGSL Philox was not run");
            return;
        }
    };
    let n = 1 << 16;
    let words = run_kernel(&ctx, n);
    for i in 0..n {
        let at = i as usize * 8;
        assert_eq!(words[at..at + 8], expected(i), "invocation {i}");
    }
}
