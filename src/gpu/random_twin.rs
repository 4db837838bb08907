//! The WGSL Philox (`shaders/shared/philox.wgsl`) and its normal and exponential draws
//! (`shaders/shared/random_distributions.wgsl`) against their CPU twins
//! (`model::random`), bit for bit, on whatever adapter this machine has (lavapipe in
//! CI, where a missing adapter fails the test rather than skipping it).

use super::GpuContext;
use super::shaders::{finish, lint};
use super::test_kernel::{Input, context, run_words};
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
    let source = finish(KERNEL, &[]).expect("the test kernel assembles");
    let n = counters + u32::try_from(edges.len()).expect("few edge blocks");
    // StepParams, all zero: `product` needs its `zero`.
    let params = [0u32; 8];
    let inputs = [
        Input {
            binding: 0,
            words: &params,
            uniform: true,
        },
        Input {
            binding: 1,
            words: edges.as_flattened(),
            uniform: false,
        },
    ];
    let out = (2, n as usize * 16);
    run_words(ctx, "philox twin", &source, &inputs, out, n.div_ceil(64))
}

#[test]
fn the_twin_kernel_passes_the_shader_lint() {
    lint::validate(&finish(KERNEL, &[]).expect("the test kernel assembles"));
}

#[test]
fn the_gpus_philox_uniforms_and_draws_are_the_cpus_bit_for_bit() {
    let Some(ctx) = context("the WGSL Philox") else {
        return;
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
