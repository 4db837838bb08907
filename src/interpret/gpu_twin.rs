//! The interpreter against the GPU: the same WGSL functions run in a compute shader on
//! whatever adapter this machine has (lavapipe in CI, where a missing adapter fails the
//! test rather than skipping it) and through the interpreter, compared bit for bit
//! where WGSL makes the result exact.
//!
//! The GPU's `product(a, b)` passes the product's bits through an OR with a zero the
//! compiler can't see, so it can't fuse the product into an add; the CPU's is `a * b`,
//! which the interpreter never fuses.

use crate::gpu::GpuContext;
use crate::gpu::test_kernel::{Input, context, run_words};
use crate::interpret::tests::flow::{FLOW, LIF, SWITCH, lif_currents};
use crate::interpret::tests::ops::{CASES, Case, Ty, cpu_source, inputs};
use crate::interpret::tests::{parse, program, run_values};
use crate::interpret::{Arg, NoNatives, Scratch};

const GUARDED_PRODUCT: &str =
    "fn product(a: f32, b: f32) -> f32 { return bitcast<f32>(bitcast<u32>(a * b) | zero[0]); }";

const HARNESS: &str = r#"
@group(0) @binding(0) var<storage, read> input: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<storage, read> zero: array<u32>;
"#;

/// Runs `main` of `source` (which declares [`HARNESS`]) over `invocations`, with
/// `input`, and reads back `outputs` words.
fn run_kernel(
    ctx: &GpuContext,
    source: &str,
    input: &[u32],
    invocations: u32,
    outputs: usize,
) -> Vec<u32> {
    // naga validates first, so a test kernel's mistake reads as an error, not a hang.
    parse(source);
    let inputs = [
        Input {
            binding: 0,
            words: input,
            uniform: false,
        },
        Input {
            binding: 2,
            words: &[0, 0, 0, 0],
            uniform: false,
        },
    ];
    let workgroups = invocations.div_ceil(64);
    run_words(
        ctx,
        "interpreter twin",
        source,
        &inputs,
        (1, outputs),
        workgroups,
    )
}

/// A kernel calling the case's function once per invocation on its inputs (the OR
/// with zero keeps the binding in the layout where `product` is unused).
fn case_kernel(case: &Case, n: usize) -> String {
    let k = case.args.len();
    let args: Vec<String> = case
        .args
        .iter()
        .enumerate()
        .map(|(j, ty)| {
            let word = format!("input[i * {k}u + {j}u]");
            match ty {
                Ty::F | Ty::Finite => format!("bitcast<f32>({word})"),
                Ty::S => format!("bitcast<i32>({word})"),
                Ty::U => word,
            }
        })
        .collect();
    format!(
        "{HARNESS}\n{GUARDED_PRODUCT}\n{}\n@compute @workgroup_size(64)\n\
         fn main(@builtin(global_invocation_id) gid: vec3<u32>) {{\n\
             let i = gid.x;\n    if (i >= {n}u) {{ return; }}\n\
             out[i] = bitcast<u32>({}({})) | zero[1];\n}}\n",
        case.src,
        case.name,
        args.join(", ")
    )
}

/// Lanes where the GPU and the interpreter disagree (any NaN equals any NaN in a float
/// result: WGSL leaves NaN payloads to the driver).
fn differences(case: &Case, gpu: &[u32], cpu: &[u32], inputs: &[Vec<u32>]) -> Vec<String> {
    let float = case.src.contains("-> f32");
    let nan = |x: u32| f32::from_bits(x).is_nan();
    (0..cpu.len())
        .filter(|&i| gpu[i] != cpu[i] && !(float && nan(gpu[i]) && nan(cpu[i])))
        .map(|i| {
            let lane: Vec<u32> = inputs.iter().map(|v| v[i]).collect();
            format!(
                "{} inputs {lane:x?}: gpu {:#x}, cpu {:#x}",
                case.name, gpu[i], cpu[i]
            )
        })
        .collect()
}

#[test]
fn the_gpu_computes_what_the_interpreter_computes() {
    let Some(ctx) = context("the interpreter's GPU twin") else {
        return;
    };
    let n = 4096;
    let flow = Case {
        name: "f",
        src: FLOW,
        args: &[Ty::S, Ty::U],
        exact: true,
        rust: |_| 0,
    };
    let switch = Case {
        name: "f",
        src: SWITCH,
        args: &[Ty::S],
        exact: true,
        rust: |_| 0,
    };
    let mut failures = Vec::new();
    for case in CASES.iter().chain([&flow, &switch]) {
        let inputs = inputs(case.args, n);
        let interleaved: Vec<u32> = (0..n)
            .flat_map(|i| inputs.iter().map(move |v| v[i]))
            .collect();
        let gpu = run_kernel(&ctx, &case_kernel(case, n), &interleaved, n as u32, n);
        let cpu = run_values(&program(&cpu_source(case), case.name, &[]), &inputs, 256);
        let diff = differences(case, &gpu, &cpu, &inputs);
        if case.exact {
            failures.extend(diff.into_iter().take(5));
        } else {
            eprintln!(
                "{}: {} of {n} lanes differ in the last bits (WGSL allows it)",
                case.name,
                diff.len()
            );
        }
    }
    assert!(
        failures.is_empty(),
        "GPU and interpreter differ:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_gpus_lif_neurons_spike_as_the_interpreters() {
    let Some(ctx) = context("the interpreter's GPU twin") else {
        return;
    };
    let (n, steps) = (2048, 300);
    let lif = LIF.replace(
        "fn product(a: f32, b: f32) -> f32 { return a * b; }",
        GUARDED_PRODUCT,
    );
    let source = format!(
        "{HARNESS}\n{lif}\n@compute @workgroup_size(64)\n\
         fn main(@builtin(global_invocation_id) gid: vec3<u32>) {{\n\
             let i = gid.x;\n    if (i >= {n}u) {{ return; }}\n\
             var v = -60.0; var r = 0.0; var count = 0u;\n\
             for (var s = 0u; s < {steps}u; s++) {{\n\
                 if (kenyon_neuron_step(&v, &r, bitcast<f32>(input[i]), f32(s) * 0.1, i, 0u)) {{ count++; }}\n\
             }}\n\
             out[3u * i] = bitcast<u32>(v); out[3u * i + 1u] = bitcast<u32>(r); out[3u * i + 2u] = count;\n}}\n"
    );
    let isyn: Vec<u32> = lif_currents(n).iter().map(|x| x.to_bits()).collect();
    let gpu = run_kernel(&ctx, &source, &isyn, n as u32, 3 * n);
    let prog = program(LIF, "kenyon_neuron_step", &[]);
    let (mut v, mut r) = (vec![(-60.0f32).to_bits(); n], vec![0u32; n]);
    let mut count = vec![0u32; n];
    let (mut out, mut scratch) = (vec![0u32; 256], Scratch::new());
    let ids: Vec<u32> = (0..n as u32).collect();
    for s in 0..steps {
        for start in (0..n).step_by(256) {
            let end = start + 256;
            let mut args = [
                Arg::Pointer(&mut v[start..end]),
                Arg::Pointer(&mut r[start..end]),
                Arg::Lanes(&isyn[start..end]),
                Arg::Uniform((s as f32 * 0.1).to_bits()),
                Arg::Lanes(&ids[start..end]),
                Arg::Uniform(0),
            ];
            prog.run(&mut args, 256, Some(&mut out), &mut NoNatives, &mut scratch);
            for (c, &o) in count[start..end].iter_mut().zip(&out) {
                *c += o;
            }
        }
    }
    assert!(count.iter().any(|&c| c > 3), "some neurons spike");
    for i in 0..n {
        assert_eq!([v[i], r[i], count[i]], gpu[3 * i..3 * i + 3], "neuron {i}");
    }
}
