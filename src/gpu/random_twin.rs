//! The WGSL Philox (`shaders/shared/philox.wgsl`) and its normal and exponential draws
//! (`shaders/shared/random_distributions.wgsl`) against their CPU twins
//! (`model::random`), bit for bit, on whatever adapter this machine has (lavapipe in
//! CI, where a missing adapter fails the test rather than skipping it).

use super::GpuContext;
use super::shaders::{finish, lint};
use crate::model::random::distributions::{edge_words, exponential_f32, normal_pair_f32};
use crate::model::random::{philox4x32_10, uniform_f32};

const KERNEL: &str = r#"
{{shared/step_params}}
{{shared/philox}}
{{shared/random_distributions}}

@group(0) @binding({{binding}}) var<storage, read> edges: array<vec4<u32>>;
@group(0) @binding({{binding}}) var<storage, read_write> out: array<vec4<u32>>;

// The first invocations take the blocks of counters that vary in every word, the rest
// given blocks of edge words; each writes its block, the uniforms and the exponentials
// of its four words, and the normal pairs of its first and second halves.
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let counters = arrayLength(&out) / 4u - arrayLength(&edges);
    if (i >= arrayLength(&out) / 4u) {
        return;
    }
    var block: vec4<u32>;
    if (i < counters) {
        let counter = vec4<u32>(i, i * 2654435761u, 0xffffffffu - i, i ^ 0xdeadbeefu);
        block = philox4x32_10(counter, vec2<u32>(0x01234567u, 0x89abcdefu));
    } else {
        block = edges[i - counters];
    }
    out[4u * i] = block;
    out[4u * i + 1u] = bitcast<vec4<u32>>(vec4<f32>(
        uniform_f32(block.x),
        uniform_f32(block.y),
        uniform_f32(block.z),
        uniform_f32(block.w),
    ));
    out[4u * i + 2u] = bitcast<vec4<u32>>(vec4<f32>(
        exponential_f32(block.x),
        exponential_f32(block.y),
        exponential_f32(block.z),
        exponential_f32(block.w),
    ));
    out[4u * i + 3u] = bitcast<vec4<u32>>(vec4<f32>(
        normal_pair_f32(block.x, block.y),
        normal_pair_f32(block.z, block.w),
    ));
}
"#;

/// Every ordered pair of edge words twice in a block, so each pair is a normal's radius
/// and angle words.
fn edge_blocks() -> Vec<[u32; 4]> {
    let words = edge_words();
    let mut blocks = Vec::with_capacity(words.len() * words.len());
    for &a in &words {
        for &b in &words {
            blocks.push([a, b, b, a]);
        }
    }
    blocks
}

/// What the kernel writes for `block`, computed on the CPU.
fn expected(block: [u32; 4]) -> [u32; 16] {
    let mut words = [0; 16];
    words[..4].copy_from_slice(&block);
    for (k, &x) in block.iter().enumerate() {
        words[4 + k] = uniform_f32(x).to_bits();
        words[8 + k] = exponential_f32(x).to_bits();
    }
    let normals = [
        normal_pair_f32(block[0], block[1]),
        normal_pair_f32(block[2], block[3]),
    ];
    for (w, z) in words[12..].iter_mut().zip(normals.as_flattened()) {
        *w = z.to_bits();
    }
    words
}

/// The block of counter `i`'s invocation.
fn counter_block(i: u32) -> [u32; 4] {
    let counter = [
        i,
        i.wrapping_mul(2_654_435_761),
        u32::MAX - i,
        i ^ 0xdead_beef,
    ];
    philox4x32_10(counter, [0x0123_4567, 0x89ab_cdef])
}

/// Runs the kernel over `counters` counters' blocks and then `edges`, and reads back
/// what it wrote.
fn run_kernel(ctx: &GpuContext, counters: u32, edges: &[[u32; 4]]) -> Vec<u32> {
    use wgpu::util::DeviceExt;
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
    let n = counters + u32::try_from(edges.len()).expect("few edge blocks");
    let bytes = u64::from(n) * 64;
    // StepParams, all zero: `product` needs its `zero`.
    let params = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("philox params"),
        size: 32,
        usage: wgpu::BufferUsages::UNIFORM,
        mapped_at_creation: false,
    });
    let edges = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("philox edges"),
        contents: bytemuck::cast_slice(edges),
        usage: wgpu::BufferUsages::STORAGE,
    });
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
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: params.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: edges.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: out.as_entire_binding(),
            },
        ],
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
fn the_twin_kernel_passes_the_shader_lint() {
    lint::validate(&finish(KERNEL, &[]).expect("the test kernel assembles"));
}

#[test]
fn the_gpus_philox_uniforms_and_draws_are_the_cpus_bit_for_bit() {
    let ctx = match GpuContext::new(None) {
        Ok(ctx) => ctx,
        Err(e) => {
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
            assert!(!ci, "no GPU adapter in CI: {e}");
            eprintln!("no GPU adapter here ({e}); the WGSL Philox was not run");
            return;
        }
    };
    let counters = 1 << 16;
    let edges = edge_blocks();
    let words = run_kernel(&ctx, counters, &edges);
    let blocks = (0..counters)
        .map(counter_block)
        .chain(edges.iter().copied());
    for (i, block) in blocks.enumerate() {
        let at = i * 16;
        assert_eq!(
            words[at..at + 16],
            expected(block),
            "invocation {i}, block {block:x?}"
        );
    }
}
