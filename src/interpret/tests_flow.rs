//! Control flow, pointers, calls and natives.

use super::*;
use crate::interpret::native::tests::{compiled_lif_time, run_lif_chunks};

pub(crate) const LIF: &str = r#"
const Vrest: f32 = -60.0; const Vreset: f32 = -60.0; const Vthresh: f32 = -50.0; const Ioffset: f32 = 0.0;
const TauRefrac: f32 = 2.0; const ExpTC: f32 = 0.9950125; const Rmembrane: f32 = 100.0; const dt: f32 = 0.1;
fn product(a: f32, b: f32) -> f32 { return a * b; }
fn kenyon_neuron_step(V_ptr: ptr<function, f32>, RefracTime_ptr: ptr<function, f32>, Isyn: f32, t: f32, id: u32, batch: u32) -> bool {
    var V = *V_ptr;
    var RefracTime = *RefracTime_ptr;
    {
        if (RefracTime <= 0.0) {
            let alpha = product(Isyn + Ioffset, Rmembrane) + Vrest;
            V = alpha - product(ExpTC, alpha - V);
        } else {
            RefracTime -= dt;
        }
    }
    let kenyon_spiked = (RefracTime <= 0.0 && V >= Vthresh);
    if kenyon_spiked {
        V = Vreset;
        RefracTime = TauRefrac;
    }
    *V_ptr = V;
    *RefracTime_ptr = RefracTime;
    return kenyon_spiked;
}
"#;

/// Loops with `break`, `continue`, `break if`, early returns and a helper.
pub(crate) const FLOW: &str = r#"
        fn helper(x: i32, acc: ptr<function, i32>) -> i32 {
            if (x < 0) { return -x; }
            *acc += x;
            return x * 3;
        }
        fn f(a: i32, b: u32) -> i32 {
            var acc: i32 = 0;
            if (a % 5 == 0) { return 1000; }
            for (var i: u32 = 0u; i < (b % 40u); i++) {
                if (i % 3u == 1u) { continue; }
                if (i32(i) * 7 > a) { break; }
                let h = helper(a - i32(i), &acc);
                acc += h;
                if (acc > 5000) { return acc; }
            }
            var k = 0;
            loop {
                k++;
                if (k >= 3) { acc -= 1; }
                continuing { break if k >= (a & 7); }
            }
            while (acc > 100) { acc = acc / 2; }
            return acc + k;
        }
    "#;

/// `switch` with fall-through lists, default, `break` and `continue` inside.
pub(crate) const SWITCH: &str = r#"
        fn f(x: i32) -> i32 {
            var r = 0;
            switch (x % 6) {
                case 0, 1: { r = 10; }
                case 2: { r = 20; if (x > 50) { break; } r += 1; }
                case -3, default: { r = -x; }
            }
            loop {
                switch (r & 3) {
                    case 0: { r += 5; continue; }
                    default: { break; }
                }
                break;
            }
            return r;
        }
    "#;

/// The LIF update of [`LIF`] in plain Rust.
pub(crate) fn lif_native(v: &mut f32, refrac: &mut f32, isyn: f32) -> bool {
    if *refrac <= 0.0 {
        let alpha = (isyn + 0.0) * 100.0 + -60.0;
        *v = alpha - 0.995_012_5 * (alpha - *v);
    } else {
        *refrac -= 0.1;
    }
    let spiked = *refrac <= 0.0 && *v >= -50.0;
    if spiked {
        *v = -60.0;
        *refrac = 2.0;
    }
    spiked
}

/// Input currents that make some neurons spike often, some rarely, some never.
pub(crate) fn lif_currents(n: usize) -> Vec<f32> {
    words(n, 11)
        .iter()
        .map(|&w| (w % 1000) as f32 / 1000.0)
        .collect()
}

fn run_lif(n: usize, chunk: usize, steps: usize) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let prog = program(LIF, "kenyon_neuron_step", &[]);
    let isyn: Vec<u32> = lif_currents(n).iter().map(|x| x.to_bits()).collect();
    let ids: Vec<u32> = (0..n as u32).collect();
    let mut v = vec![(-60.0f32).to_bits(); n];
    let mut r = vec![0u32; n];
    let mut spikes = vec![0u32; n];
    let mut out = vec![0u32; chunk];
    let mut scratch = Scratch::new();
    for step in 0..steps {
        for start in (0..n).step_by(chunk) {
            let lanes = chunk.min(n - start);
            let end = start + lanes;
            let mut args = [
                Arg::Pointer(&mut v[start..end]),
                Arg::Pointer(&mut r[start..end]),
                Arg::Lanes(&isyn[start..end]),
                Arg::Uniform((step as f32 * 0.1).to_bits()),
                Arg::Lanes(&ids[start..end]),
                Arg::Uniform(0),
            ];
            prog.run(
                &mut args,
                lanes,
                Some(&mut out),
                &mut NoNatives,
                &mut scratch,
            );
            for (s, &o) in spikes[start..end].iter_mut().zip(&out) {
                *s += o;
            }
        }
    }
    (v, r, spikes)
}

#[test]
fn the_lif_step_matches_plain_rust_bit_for_bit() {
    let n = 1000;
    let isyn = lif_currents(n);
    let mut v = vec![-60.0f32; n];
    let mut r = vec![0.0f32; n];
    let mut spikes = vec![0u32; n];
    for _ in 0..300 {
        for i in 0..n {
            spikes[i] += u32::from(lif_native(&mut v[i], &mut r[i], isyn[i]));
        }
    }
    assert!(spikes.iter().any(|&s| s > 3), "some neurons spike");
    for chunk in CHUNKS {
        let (gv, gr, gs) = run_lif(n, chunk, 300);
        assert_eq!(gs, spikes, "spike counts (chunk {chunk})");
        let bits = |x: &[f32]| x.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(gv, bits(&v), "V (chunk {chunk})");
        assert_eq!(gr, bits(&r), "RefracTime (chunk {chunk})");
    }
}

#[test]
fn branches_loops_and_early_returns_follow_each_lane() {
    let src = FLOW;
    let helper = |x: i32, acc: &mut i32| -> i32 {
        if x < 0 {
            return x.wrapping_neg();
        }
        *acc = acc.wrapping_add(x);
        x.wrapping_mul(3)
    };
    let native = |a: i32, b: u32| -> i32 {
        let mut acc = 0i32;
        if a.wrapping_rem(5) == 0 {
            return 1000;
        }
        let mut i = 0u32;
        while i < b % 40 {
            if i % 3 != 1 {
                if (i as i32).wrapping_mul(7) > a {
                    break;
                }
                let h = helper(a.wrapping_sub(i as i32), &mut acc);
                acc = acc.wrapping_add(h);
                if acc > 5000 {
                    return acc;
                }
            }
            i += 1;
        }
        let mut k = 0;
        loop {
            k += 1;
            if k >= 3 {
                acc -= 1;
            }
            if k >= (a & 7) {
                break;
            }
        }
        while acc > 100 {
            acc /= 2;
        }
        acc + k
    };
    let prog = program(src, "f", &[]);
    let inputs = vec![
        ints(2000, 1)
            .iter()
            .map(|&x| (x as i32 % 300) as u32)
            .collect(),
        ints(2000, 2),
    ];
    check(&prog, &inputs, |x| native(x[0] as i32, x[1]) as u32);
}

#[test]
fn switch_takes_cases_default_and_breaks_per_lane() {
    let src = SWITCH;
    let native = |x: i32| -> i32 {
        let mut r = match x.wrapping_rem(6) {
            0 | 1 => 10,
            2 if x > 50 => 20,
            2 => 21,
            _ => x.wrapping_neg(),
        };
        while r & 3 == 0 {
            r = r.wrapping_add(5);
        }
        r
    };
    let prog = program(src, "f", &[]);
    check(&prog, &[ints(1500, 3)], |x| native(x[0] as i32) as u32);
}

#[test]
fn void_functions_write_through_pointers_in_active_lanes_only() {
    let src = r#"
        fn bump(p: ptr<function, u32>, by: u32) { if (by > 10u) { return; } *p += by; }
        fn f(x: ptr<function, u32>, y: u32) {
            var local: u32;
            bump(&local, y);
            bump(x, local + 1u);
            if (y == 3u) { return; }
            *x = *x ^ 0xffu;
        }
    "#;
    let prog = program(src, "f", &[]);
    assert!(prog.is_pointer(0) && !prog.is_pointer(1) && !prog.returns_value());
    let y: Vec<u32> = (0..300).map(|i| i % 14).collect();
    let mut x: Vec<u32> = words(300, 4);
    let mut want = x.clone();
    for (w, &y) in want.iter_mut().zip(&y) {
        let local = if y > 10 { 0 } else { y };
        if local < 10 {
            *w = w.wrapping_add(local + 1);
        }
        if y != 3 {
            *w ^= 0xff;
        }
    }
    let mut scratch = Scratch::new();
    for (xs, ys) in x.chunks_mut(31).zip(y.chunks(31)) {
        let lanes = xs.len();
        let mut args = [Arg::Pointer(xs), Arg::Lanes(ys)];
        prog.run(&mut args, lanes, None, &mut NoNatives, &mut scratch);
    }
    assert_eq!(x, want);
}

/// A native that counts draws per lane, as a random stream would.
pub(super) struct Counter {
    pub draws: Vec<u32>,
    pub offset: usize,
}

impl Natives for Counter {
    fn call(&mut self, index: usize, args: &[&[u32]], active: &[u32], out: &mut [u32]) {
        assert_eq!(index, 1, "the only native called is `draw`");
        for (lane, &a) in active.iter().enumerate() {
            if a != 0 {
                let d = &mut self.draws[self.offset + lane];
                *d += 1;
                out[lane] = *d * 100 + args[0][lane];
            }
        }
    }
}

#[test]
fn natives_run_in_active_lanes_only() {
    let src = r#"
        fn unused() -> u32 { return 0u; }
        fn draw(tag: u32) -> u32 { return 0u; }
        fn f(x: u32) -> u32 {
            var sum = 0u;
            if (x % 3u == 0u) { return draw(1u); }
            for (var i = 0u; i < x % 5u; i++) { sum += draw(i); }
            return sum;
        }
    "#;
    let prog = program(src, "f", &["unused", "draw"]);
    let n = 500;
    let x: Vec<u32> = words(n, 5).iter().map(|w| w % 1000).collect();
    let mut natives = Counter {
        draws: vec![0; n],
        offset: 0,
    };
    let mut out = vec![0; n];
    let mut scratch = Scratch::new();
    for start in (0..n).step_by(256) {
        let lanes = 256.min(n - start);
        natives.offset = start;
        let mut args = [Arg::Lanes(&x[start..start + lanes])];
        let result = Some(&mut out[start..start + lanes]);
        prog.run(&mut args, lanes, result, &mut natives, &mut scratch);
    }
    for i in 0..n {
        let (draws, value) = if x[i].is_multiple_of(3) {
            (1, 101)
        } else {
            let k = x[i] % 5;
            (k, (0..k).map(|j| (j + 1) * 100 + j).sum())
        };
        assert_eq!(
            (natives.draws[i], out[i]),
            (draws, value),
            "lane {i}, x = {}",
            x[i]
        );
    }
}

/// The source text an error's span covers.
fn spanned(src: &str, e: &Unsupported) -> String {
    e.span
        .to_range()
        .and_then(|r| src.get(r))
        .unwrap_or("<no span>")
        .to_owned()
}

fn refused(src: &str) -> (Unsupported, String) {
    let (module, info) = parse(src);
    let e = LaneProgram::compile(&module, &info, "f", &[]).expect_err("refused");
    let text = spanned(src, &e);
    (e, text)
}

#[test]
fn unsupported_constructs_are_refused_where_they_are() {
    let cases = [
        (
            "fn f(x: f32) -> f32 { let v = vec2<f32>(x, 1.0); return v.x; }",
            "vec2<f32>(x, 1.0)",
            "vectors",
        ),
        (
            "var<private> g: f32; fn f(x: f32) -> f32 { return x + g; }",
            "g",
            "global variables",
        ),
        (
            "var<workgroup> w: u32; fn f(x: u32) -> u32 { workgroupBarrier(); return x; }",
            "workgroupBarrier",
            "barriers",
        ),
        (
            "fn f(x: f32) -> f32 { var a = array<f32, 2>(x, x); return a[1]; }",
            "a",
            "arrays",
        ),
        (
            "var<workgroup> c: atomic<u32>; fn f(x: u32) -> u32 { return atomicAdd(&c, x); }",
            "atomicAdd",
            "atomics",
        ),
    ];
    for (src, at, what) in cases {
        let (e, text) = refused(src);
        assert!(e.what.contains(what), "{src}: {e:?}");
        assert!(text.contains(at), "{src}: span covers {text:?}, not {at:?}");
    }
}

#[test]
fn a_missing_function_is_refused() {
    let (module, info) = parse("fn g() {}");
    let e = LaneProgram::compile(&module, &info, "f", &[]).expect_err("refused");
    assert!(e.what.contains("no function named `f`"));
}

/// [`lif_native`] with both branches computed and one selected, so the compiler
/// vectorises it (as the CPU backend's LIF does).
#[inline(always)]
fn lif_lanes(v: &mut f32, r: &mut f32, isyn: f32) -> u32 {
    let (v_old, r_old) = (*v, *r);
    let integrating = r_old <= 0.0;
    let alpha = (isyn + 0.0) * 100.0 + -60.0;
    let v_new = if integrating {
        alpha - 0.995_012_5 * (alpha - v_old)
    } else {
        v_old
    };
    let r_new = if integrating { r_old } else { r_old - 0.1 };
    let spiked = r_new <= 0.0 && v_new >= -50.0;
    *v = if spiked { -60.0 } else { v_new };
    *r = if spiked { 2.0 } else { r_new };
    if spiked { u32::MAX } else { 0 }
}

/// `steps` steps of [`lif_lanes`] in chunks of [`MAX_LANES`], with the widest vectors
/// the CPU has, as the interpreter and the CPU backend use.
fn plain_lif(v: &mut [f32], r: &mut [f32], isyn: &[f32], steps: usize) {
    #[inline(always)]
    fn run(v: &mut [f32], r: &mut [f32], isyn: &[f32], steps: usize) {
        let mut spikes = [0u32; MAX_LANES];
        for _ in 0..steps {
            let chunks = v.chunks_mut(MAX_LANES).zip(r.chunks_mut(MAX_LANES));
            for ((v, r), i) in chunks.zip(isyn.chunks(MAX_LANES)) {
                let lanes = v.iter_mut().zip(r.iter_mut()).zip(i).zip(spikes.iter_mut());
                for (((v, r), &i), s) in lanes {
                    *s = lif_lanes(v, r, i);
                }
                std::hint::black_box(&spikes);
            }
        }
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn avx2(v: &mut [f32], r: &mut [f32], isyn: &[f32], steps: usize) {
        run(v, r, isyn, steps);
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn avx512(v: &mut [f32], r: &mut [f32], isyn: &[f32], steps: usize) {
        run(v, r, isyn, steps);
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports AVX-512F, checked just above.
        return unsafe { avx512(v, r, isyn, steps) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { avx2(v, r, isyn, steps) };
    }
    run(v, r, isyn, steps);
}

/// Prints the interpreted LIF's time per neuron-step beside a plain Rust loop of the
/// same arithmetic, vectorised (20 000 neurons in chunks of 256, 200 steps). Asserts nothing about
/// time; it checks the two end in the same state.
#[test]
fn lif_timing_interpreted_against_plain_rust() {
    use std::hint::black_box;
    use std::time::Instant;
    let (n, steps) = (20_000, 200);
    let isyn = lif_currents(n);
    let isyn_bits: Vec<u32> = isyn.iter().map(|x| x.to_bits()).collect();
    let ids: Vec<u32> = (0..n as u32).collect();
    let (mut v, mut r) = (vec![-60.0f32; n], vec![0.0f32; n]);
    // The best of five runs of each, so a busy machine disturbs the ratio less.
    let mut native = std::time::Duration::MAX;
    for _ in 0..5 {
        v.fill(-60.0);
        r.fill(0.0);
        let start = Instant::now();
        plain_lif(&mut v, &mut r, &isyn, steps);
        native = native.min(start.elapsed());
    }
    let prog = program(LIF, "kenyon_neuron_step", &[]);
    let (mut vb, mut rb) = (vec![0u32; n], vec![0u32; n]);
    let (mut out, mut scratch) = (vec![0u32; MAX_LANES], Scratch::new());
    let mut interpreted = std::time::Duration::MAX;
    for _ in 0..5 {
        vb.fill((-60.0f32).to_bits());
        rb.fill(0);
        let start = Instant::now();
        run_lif_chunks(
            (&mut vb, &mut rb),
            &isyn_bits,
            &ids,
            steps,
            |args, lanes| {
                prog.run(args, lanes, Some(&mut out), &mut NoNatives, &mut scratch);
                black_box(&out);
            },
        );
        interpreted = interpreted.min(start.elapsed());
    }
    let per = |d: std::time::Duration| d.as_secs_f64() * 1e9 / (n * steps) as f64;
    println!(
        "LIF per neuron-step: interpreted {:.2} ns, plain Rust {:.2} ns, ratio {:.2}",
        per(interpreted),
        per(native),
        interpreted.as_secs_f64() / native.as_secs_f64()
    );
    assert_eq!(vb, v.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
    if let Some(compiled) = compiled_lif_time(&prog, &isyn_bits, &ids, steps) {
        println!(
            "LIF per neuron-step compiled: {:.2} ns, ratio to plain Rust {:.2}",
            per(compiled),
            compiled.as_secs_f64() / native.as_secs_f64()
        );
    }
}

#[test]
fn a_value_loaded_before_its_variable_changes_keeps_the_old_value() {
    let src = r#"
        fn f(a: i32) -> i32 {
            var x = a;
            let old = x;
            var acc = 0;
            for (var i = 0; i < 3; i++) { acc += old; x = x * 2 + 1; }
            let before = x;
            x += 5;
            if (a > 0) { x = before * 3; }
            return acc + x + before + old;
        }
    "#;
    let native = |a: i32| {
        let old = a;
        let acc = old.wrapping_mul(3);
        let mut x = a;
        for _ in 0..3 {
            x = x.wrapping_mul(2).wrapping_add(1);
        }
        let before = x;
        x = x.wrapping_add(5);
        if a > 0 {
            x = before.wrapping_mul(3);
        }
        acc.wrapping_add(x).wrapping_add(before).wrapping_add(old)
    };
    let prog = program(src, "f", &[]);
    check(&prog, &[ints(700, 9)], |x| native(x[0] as i32) as u32);
}
