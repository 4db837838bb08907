//! The interpreter against plain Rust statements of the same arithmetic, bit for bit.

use super::*;

pub(super) fn parse(src: &str) -> (naga::Module, naga::valid::ModuleInfo) {
    let module = naga::front::wgsl::parse_str(src).expect("the test WGSL parses");
    let info = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::default(),
    )
    .validate(&module)
    .expect("the test WGSL validates");
    (module, info)
}

pub(super) fn program(src: &str, name: &str, natives: &[&str]) -> LaneProgram {
    let (module, info) = parse(src);
    LaneProgram::compile(&module, &info, name, natives).expect("the test function compiles")
}

/// Runs a function of value parameters over all of `inputs` (one slice per parameter)
/// in chunks of `chunk` lanes.
pub(super) fn run_values(prog: &LaneProgram, inputs: &[Vec<u32>], chunk: usize) -> Vec<u32> {
    let n = inputs[0].len();
    let mut out = vec![0; n];
    let mut scratch = Scratch::new();
    for start in (0..n).step_by(chunk) {
        let lanes = chunk.min(n - start);
        let mut args: Vec<Arg<'_>> = inputs
            .iter()
            .map(|v| Arg::Lanes(&v[start..start + lanes]))
            .collect();
        let result = Some(&mut out[start..start + lanes]);
        prog.run(&mut args, lanes, result, &mut NoNatives, &mut scratch);
    }
    compiled_agrees(prog, inputs, &out);
    out
}

/// Checks the program compiled to machine code gives `want` too, where it compiles.
/// With `CI=true` a missing or failing C compiler fails the test rather than passing
/// untried.
pub(super) fn compiled_agrees(prog: &LaneProgram, inputs: &[Vec<u32>], want: &[u32]) {
    use native::{NativeLanes, NotCompiled, ParamKind};
    let kinds = vec![ParamKind::Lanes; inputs.len()];
    let compiled = match NativeLanes::compile(prog, &kinds, &[], native::LaneSums::Given) {
        Ok(compiled) => compiled,
        Err(NotCompiled::Program(_)) => return,
        Err(NotCompiled::Compiler(why)) => {
            assert!(
                !crate::interpret::native::tests::compiler_required(),
                "no compiled lanes on CI: {why}"
            );
            return;
        }
    };
    let mut args: Vec<Arg<'_>> = inputs.iter().map(|v| Arg::Lanes(v)).collect();
    let mut got = vec![0; want.len()];
    compiled.run(
        &mut args,
        want.len(),
        Some(&mut got),
        &mut [],
        &Default::default(),
    );
    for (i, (got, want)) in got.iter().zip(want).enumerate() {
        assert_eq!(
            got,
            want,
            "compiled lane {i}: {got:#x} against the interpreter's {want:#x}, inputs {:x?}",
            inputs.iter().map(|v| v[i]).collect::<Vec<_>>()
        );
    }
}

/// Deterministic varied words (splitmix32-like).
pub(super) fn words(n: usize, seed: u32) -> Vec<u32> {
    (0..n as u32)
        .map(|i| {
            let mut z = i
                .wrapping_mul(0x9e37_79b9)
                .wrapping_add(seed.wrapping_mul(0x85eb_ca6b));
            z = (z ^ (z >> 16)).wrapping_mul(0x7feb_352d);
            z = (z ^ (z >> 15)).wrapping_mul(0x846c_a68b);
            z ^ (z >> 16)
        })
        .collect()
}

/// Integers with the edge cases first, then varied ones (some small, some huge).
pub(super) fn ints(n: usize, seed: u32) -> Vec<u32> {
    let edges = [
        0,
        1,
        u32::MAX,
        i32::MIN as u32,
        i32::MAX as u32,
        31,
        32,
        33,
        64,
        7,
        (-7i32) as u32,
        2,
        (-2i32) as u32,
    ];
    let mut v = words(n, seed);
    for (i, w) in v.iter_mut().enumerate() {
        match i % 4 {
            0 => *w = edges[(i / 4 + seed as usize) % edges.len()],
            1 => *w %= 40,
            2 => *w = (*w as i32 % 1000) as u32,
            _ => {}
        }
    }
    v
}

/// Floats with the edge cases of rounding and conversion first, then varied ones.
pub(super) fn floats(n: usize, seed: u32) -> Vec<u32> {
    let edges = [
        0.0f32,
        -0.0,
        0.5,
        -0.5,
        1.5,
        2.5,
        -2.5,
        -1.0e-8,
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        3.0e9,
        -3.0e9,
        2_147_483_520.0,
        2_147_483_648.0,
        -2_147_483_648.0,
        4_294_967_040.0,
        4_294_967_296.0,
        -60.0,
        -50.0,
        1.0e30,
    ];
    words(n, seed)
        .iter()
        .enumerate()
        .map(|(i, &w)| match i % 3 {
            0 => edges[(i / 3 + seed as usize) % edges.len()].to_bits(),
            1 => ((w % 2_000_001) as f32 / 1000.0 - 1000.0).to_bits(),
            _ => (f32::from_bits(w % 0x7f00_0000) * if w & 1 == 0 { 1.0 } else { -1.0 }).to_bits(),
        })
        .collect()
}

const CHUNKS: [usize; 4] = [1, 31, 256, 100];

/// Checks `prog` (value parameters) against `expected` over varied chunkings.
fn check(prog: &LaneProgram, inputs: &[Vec<u32>], expected: impl Fn(&[u32]) -> u32) {
    let n = inputs[0].len();
    let want: Vec<u32> = (0..n)
        .map(|i| expected(&inputs.iter().map(|v| v[i]).collect::<Vec<_>>()))
        .collect();
    for chunk in CHUNKS {
        let got = run_values(prog, inputs, chunk);
        for i in 0..n {
            assert_eq!(
                got[i],
                want[i],
                "lane {i} (chunk {chunk}), inputs {:x?}",
                inputs.iter().map(|v| v[i]).collect::<Vec<_>>()
            );
        }
    }
}

fn f(x: u32) -> f32 {
    f32::from_bits(x)
}

#[path = "tests_flow.rs"]
pub(super) mod flow;
#[path = "tests_ops.rs"]
pub(super) mod ops;
#[path = "tests_optimize.rs"]
pub(super) mod optimize;
