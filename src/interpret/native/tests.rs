//! The compiled lanes against the interpreter (every operation's case goes through both:
//! see `run_values` in the interpreter's tests), and what is left to the interpreter.

mod exp_curr;

use super::*;
use crate::interpret::tests::{program, words};
use crate::interpret::{MAX_LANES, NoNatives, Scratch};

/// Whether code must compile here: in CI (`CI` set to anything but empty, `0` or
/// `false`, as the integration tests read it), where a C compiler is installed.
pub(crate) fn compiler_required() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

#[test]
fn the_table_of_host_functions_is_in_the_emitted_order() {
    use super::super::ops;
    let x: Vec<u32> = words(64, 3)
        .into_iter()
        .map(|w| (f32::from_bits(w & 0x3fff_ffff) * 0.5).to_bits())
        .collect();
    for (k, &op) in emit::TRANSCENDENTALS.iter().enumerate() {
        let mut want = vec![0; x.len()];
        ops::unary(op, &mut want, &x);
        let got: Vec<u32> = x
            .iter()
            .map(|&a| (MATH_FNS.f1[k])(f32::from_bits(a)).to_bits())
            .collect();
        assert_eq!(got, want, "{op:?}");
    }
}

/// `injectCurrent`-like and `Isyn`-like natives over one lane sum, as the CPU backend's
/// `CodeNatives` does them.
struct Sum<'a>(&'a mut [u32]);

impl crate::interpret::Natives for Sum<'_> {
    fn call(&mut self, index: usize, args: &[&[u32]], active: &[u32], out: &mut [u32]) {
        for (lane, &on) in active.iter().enumerate() {
            match index {
                0 => out[lane] = self.0[lane],
                _ if on != 0 => {
                    let sum = f32::from_bits(self.0[lane]) + f32::from_bits(args[0][lane]);
                    self.0[lane] = sum.to_bits();
                }
                _ => {}
            }
        }
    }
}

const SUMS: &str = r#"
fn read_sum() -> f32 { return 0.0; }
fn add_to_sum(x: f32) {}
fn f(v: ptr<function, f32>, x: f32, t: f32) -> u32 {
    add_to_sum(x * t);
    if (x > 0.5) {
        add_to_sum(*v);
        *v = read_sum() - x;
    } else {
        *v += t;
    }
    return select(0u, 1u, read_sum() > 1.0);
}
"#;

/// Runs [`SUMS`] over all of `x` through the interpreter (in chunks of 100 lanes) or the
/// compiled lanes (in one run), returning `v`, the result and the sum.
fn run_sums(compiled: Option<&NativeLanes>, x: &[u32], t: f32) -> [Vec<u32>; 3] {
    let n = x.len();
    let mut v: Vec<u32> = (0..n).map(|i| (i as f32 * 0.25).to_bits()).collect();
    let mut sum: Vec<u32> = (0..n).map(|i| (1.0 - i as f32 * 0.01).to_bits()).collect();
    let mut out = vec![0; n];
    let t = t.to_bits();
    if let Some(compiled) = compiled {
        let mut args = [Arg::Pointer(&mut v), Arg::Lanes(x), Arg::Uniform(t)];
        compiled.run(
            &mut args,
            n,
            Some(&mut out),
            &mut [&mut sum],
            &DrawKey::default(),
        );
        return [v, out, sum];
    }
    let prog = program(SUMS, "f", &["read_sum", "add_to_sum"]);
    let mut scratch = Scratch::new();
    for start in (0..n).step_by(100) {
        let end = n.min(start + 100);
        let mut args = [
            Arg::Pointer(&mut v[start..end]),
            Arg::Lanes(&x[start..end]),
            Arg::Uniform(t),
        ];
        let natives = &mut Sum(&mut sum[start..end]);
        prog.run(
            &mut args,
            end - start,
            Some(&mut out[start..end]),
            natives,
            &mut scratch,
        );
    }
    [v, out, sum]
}

#[test]
fn lane_sums_and_uniforms_give_the_interpreters_results() {
    use ParamKind::{Lanes, Uniform};
    let prog = program(SUMS, "f", &["read_sum", "add_to_sum"]);
    let natives = [LaneNative::ReadSum(0), LaneNative::AddToSum(0)];
    let compiled =
        match NativeLanes::compile(&prog, &[Lanes, Lanes, Uniform], &natives, LaneSums::Given) {
            Ok(compiled) => compiled,
            Err(NotCompiled::Compiler(why)) if !compiler_required() => {
                eprintln!("not compiled here: {why}");
                return;
            }
            Err(why) => panic!("the sums compile: {why}"),
        };
    let x: Vec<u32> = words(1000, 5)
        .into_iter()
        .map(|w| (w as f32 / u32::MAX as f32).to_bits())
        .collect();
    for t in [0.0, 0.1, 3.5] {
        assert_eq!(
            run_sums(Some(&compiled), &x, t),
            run_sums(None, &x, t),
            "t = {t}"
        );
    }
}

/// Draws as the CPU's interpreted natives make them (`CodeNatives`): keyed on the lane's
/// neuron, the entry, the timestep and the lane's draws so far; natives 0, 1 and 2 are
/// uniform, normal and exponential.
struct Draws {
    key: DrawKey,
    counts: Vec<u32>,
}

impl crate::interpret::Natives for Draws {
    fn call(&mut self, index: usize, _: &[&[u32]], active: &[u32], out: &mut [u32]) {
        use crate::model::random::{exponential_f32, normal_f32, philox4x32_10, uniform_f32};
        let k = self.key;
        for (lane, _) in active.iter().enumerate().filter(|(_, on)| **on != 0) {
            let id = k.first.wrapping_add(lane as u32);
            let b = philox4x32_10([id, k.entry, k.timestep, self.counts[lane]], k.key);
            self.counts[lane] += 1;
            out[lane] = match index {
                0 => uniform_f32(b[0]),
                1 => normal_f32(b[0], b[1]),
                _ => exponential_f32(b[0]),
            }
            .to_bits();
        }
    }
}

/// Draws in every lane, in some lanes only (twice in those), in none (a branch no lane
/// takes), then in every lane again: the lanes that took the first branch are one draw
/// further along.
const DRAWS: &str = r#"
fn rand_uniform() -> f32 { return 0.0; }
fn rand_normal() -> f32 { return 0.0; }
fn rand_exponential() -> f32 { return 0.0; }
fn f(v: ptr<function, f32>, x: f32) -> u32 {
    let a = rand_uniform();
    if (x > 0.5) {
        *v = rand_normal() + rand_uniform() + a;
    } else {
        *v = rand_exponential();
    }
    if (x > 2.0) {
        *v = rand_normal();
    }
    let c = rand_uniform();
    *v += c * rand_normal();
    return select(0u, 1u, c > a);
}
"#;

#[test]
fn draws_give_the_interpreters_numbers() {
    use ParamKind::Lanes;
    let prog = program(
        DRAWS,
        "f",
        &["rand_uniform", "rand_normal", "rand_exponential"],
    );
    let natives = [
        Distribution::Uniform,
        Distribution::Normal,
        Distribution::Exponential,
    ]
    .map(LaneNative::Draw);
    let compiled = match NativeLanes::compile(&prog, &[Lanes, Lanes], &natives, LaneSums::Given) {
        Ok(compiled) => compiled,
        Err(NotCompiled::Compiler(why)) if !compiler_required() => {
            eprintln!("not compiled here: {why}");
            return;
        }
        Err(why) => panic!("the draws compile: {why}"),
    };
    let n = 300;
    let x: Vec<u32> = words(n, 9)
        .into_iter()
        .map(|w| (w as f32 / u32::MAX as f32).to_bits())
        .collect();
    // A first id that wraps past u32::MAX within the run.
    let key = DrawKey {
        key: [0x1234_5678, 0x9abc_def0],
        entry: 2,
        timestep: 77,
        first: u32::MAX - 100,
    };
    let mut v_compiled = vec![0u32; n];
    let mut out_compiled = vec![0u32; n];
    let mut args = [Arg::Pointer(&mut v_compiled), Arg::Lanes(&x)];
    compiled.run(&mut args, n, Some(&mut out_compiled), &mut [], &key);
    let mut v = vec![0u32; n];
    let mut out = vec![0u32; n];
    for start in (0..n).step_by(MAX_LANES) {
        let end = n.min(start + MAX_LANES);
        let mut args = [Arg::Pointer(&mut v[start..end]), Arg::Lanes(&x[start..end])];
        let first = key.first.wrapping_add(start as u32);
        let natives = &mut Draws {
            key: DrawKey { first, ..key },
            counts: vec![0; end - start],
        };
        let mut scratch = Scratch::new();
        let out = Some(&mut out[start..end]);
        prog.run(&mut args, end - start, out, natives, &mut scratch);
    }
    assert_eq!(v_compiled, v);
    assert_eq!(out_compiled, out);
    // Both branches taken, and the draws differ between lanes.
    assert!(out.contains(&0) && out.contains(&1));
    let distinct: std::collections::HashSet<u32> = v.iter().copied().collect();
    assert_eq!(distinct.len(), n);
}

#[test]
fn the_c_distributions_give_rusts_bits_at_the_edges() {
    use crate::model::random::distributions::edge_words;
    use crate::model::random::{exponential_f32, normal_f32, uniform_f32};
    // `kenyon_lanes`' signature, the draw of `draws[0]` from words `args[0]` and
    // `args[1]` of each lane.
    let source = format!(
        "{}void kenyon_lanes(u32 n, u32 *const *args, u32 *restrict result, \
         u32 *const *sums, const kfns *fns, const u32 *draws) {{\n\
         for (u32 i = 0; i < n; i++) {{ u32 a = args[0][i], b = args[1][i];\n\
         result[i] = U(draws[0] == 0u ? uniform_f32(a) : draws[0] == 1u ? \
         normal_f32(a, b) : exponential_f32(a)); }} }}\n",
        emit::PRELUDE
    );
    let loaded = match cc::build(&source) {
        Ok(loaded) => loaded,
        Err(why) if !compiler_required() => {
            eprintln!("not compiled here: {why}");
            return;
        }
        Err(why) => panic!("the prelude compiles: {why}"),
    };
    // SAFETY: the symbol is the function above, with this signature.
    let function = unsafe { loaded.library.get::<LanesFn>(b"kenyon_lanes\0") }.unwrap();
    let edges = edge_words();
    // Every edge word against every other (as the angle's word and the radius's).
    let a: Vec<u32> = edges
        .iter()
        .flat_map(|&a| edges.iter().map(move |_| a))
        .collect();
    let b: Vec<u32> = edges.iter().flat_map(|_| edges.iter().copied()).collect();
    let a = [a, words(100_000, 11)].concat();
    let b = [b, words(100_000, 12)].concat();
    let rust: [fn(u32, u32) -> f32; 3] =
        [|a, _| uniform_f32(a), normal_f32, |a, _| exponential_f32(a)];
    for (k, rust) in rust.into_iter().enumerate() {
        let mut got = vec![0u32; a.len()];
        let args = [a.as_ptr().cast_mut(), b.as_ptr().cast_mut()];
        let key = DrawKey {
            key: [k as u32, 0],
            ..DrawKey::default()
        };
        let n = a.len() as u32;
        // SAFETY: both words' slices and the result hold `n` lanes; the C only reads
        // the first two and writes the result.
        unsafe {
            function(
                n,
                args.as_ptr(),
                got.as_mut_ptr(),
                std::ptr::null(),
                &MATH_FNS,
                &key,
            )
        };
        for ((&a, &b), &got) in a.iter().zip(&b).zip(&got) {
            assert_eq!(got, rust(a, b).to_bits(), "draw {k} of {a:#x}, {b:#x}");
        }
    }
}

#[test]
fn loops_and_other_natives_are_left_to_the_interpreter() {
    use ParamKind::Lanes;
    let looping = program(
        "fn f(n: u32) -> u32 { var s = 0u; for (var i = 0u; i < n; i++) { s += i; } return s; }",
        "f",
        &[],
    );
    let refusal =
        NativeLanes::compile(&looping, &[Lanes], &[], LaneSums::Given).expect_err("a loop");
    assert!(matches!(refusal, NotCompiled::Program(ref why) if why.contains("loop")));
    let prog = program(SUMS, "f", &["read_sum", "add_to_sum"]);
    let natives = [LaneNative::ReadSum(0), LaneNative::Unsupported];
    let kinds = [Lanes, Lanes, ParamKind::Uniform];
    let refusal =
        NativeLanes::compile(&prog, &kinds, &natives, LaneSums::Given).expect_err("unsupported");
    assert!(matches!(refusal, NotCompiled::Program(ref why) if why.contains("native")));
}

#[test]
fn the_compiler_is_kenyon_cc_then_cc_then_cc_and_off_turns_it_off() {
    let named = |k: Option<&str>, c: Option<&str>| cc::compiler_from(k, c);
    assert_eq!(named(None, None), Ok("cc".into()));
    assert_eq!(named(None, Some("clang")), Ok("clang".into()));
    assert_eq!(named(None, Some(" ")), Ok("cc".into()));
    assert_eq!(named(Some("gcc-12"), Some("clang")), Ok("gcc-12".into()));
    for off in ["off", "none", "", " off "] {
        assert!(named(Some(off), Some("clang")).is_err(), "{off:?}");
    }
}

#[test]
#[should_panic(expected = "a ptr parameter takes Arg::Pointer")]
fn a_ptr_parameter_is_never_written_through_shared_lanes() {
    let prog = program("fn f(p: ptr<function, f32>) { *p = 7.0; }", "f", &[]);
    let compiled = match NativeLanes::compile(&prog, &[ParamKind::Lanes], &[], LaneSums::Given) {
        Ok(compiled) => compiled,
        // No compiler here (never on CI): nothing to check.
        Err(NotCompiled::Compiler(_)) if !compiler_required() => {
            panic!("a ptr parameter takes Arg::Pointer (no compiler here to check it)")
        }
        Err(why) => panic!("the function compiles: {why}"),
    };
    let shared = vec![0u32; 8];
    compiled.run(
        &mut [Arg::Lanes(&shared)],
        8,
        None,
        &mut [],
        &DrawKey::default(),
    );
}

#[test]
fn sums_from_zero_give_the_interpreters_results_with_sums_starting_at_zero() {
    use ParamKind::{Lanes, Uniform};
    let prog = program(SUMS, "f", &["read_sum", "add_to_sum"]);
    let natives = [LaneNative::ReadSum(0), LaneNative::AddToSum(0)];
    let kinds = [Lanes, Lanes, Uniform];
    let compiled = match NativeLanes::compile(&prog, &kinds, &natives, LaneSums::FromZero) {
        Ok(compiled) => compiled,
        Err(NotCompiled::Compiler(why)) if !compiler_required() => {
            eprintln!("not compiled here: {why}");
            return;
        }
        Err(why) => panic!("the sums compile: {why}"),
    };
    assert!(compiled.sums_from_zero());
    // One interpreter run's worth of lanes.
    let n = crate::interpret::MAX_LANES;
    let x: Vec<u32> = words(n, 9)
        .into_iter()
        .map(|w| (w as f32 / u32::MAX as f32).to_bits())
        .collect();
    let t = 0.25f32.to_bits();
    let start_v: Vec<u32> = (0..n).map(|i| (i as f32 * 0.25).to_bits()).collect();
    let (mut v, mut out) = (start_v.clone(), vec![0; n]);
    let mut args = [Arg::Pointer(&mut v), Arg::Lanes(&x), Arg::Uniform(t)];
    compiled.run(&mut args, n, Some(&mut out), &mut [], &DrawKey::default());
    let (mut want_v, mut want_out, mut sum) = (start_v, vec![0; n], vec![0u32; n]);
    let mut args = [Arg::Pointer(&mut want_v), Arg::Lanes(&x), Arg::Uniform(t)];
    let natives = &mut Sum(&mut sum);
    prog.run(
        &mut args,
        n,
        Some(&mut want_out),
        natives,
        &mut Scratch::new(),
    );
    assert_eq!((v, out), (want_v, want_out));
}

/// Runs `steps` timesteps of the LIF test program's arguments over `v` and `r` (its
/// variables' bits) in chunks of [`MAX_LANES`] neurons, each chunk through `run(args,
/// lanes)`: how the interpreter's and the compiled code's timings drive it alike.
pub(crate) fn run_lif_chunks(
    (v, r): (&mut [u32], &mut [u32]),
    isyn: &[u32],
    ids: &[u32],
    steps: usize,
    mut run: impl FnMut(&mut [Arg<'_>], usize),
) {
    let n = v.len();
    for step in 0..steps {
        for begin in (0..n).step_by(MAX_LANES) {
            let end = n.min(begin + MAX_LANES);
            let mut args = [
                Arg::Pointer(&mut v[begin..end]),
                Arg::Pointer(&mut r[begin..end]),
                Arg::Lanes(&isyn[begin..end]),
                Arg::Uniform((step as f32 * 0.1).to_bits()),
                Arg::Lanes(&ids[begin..end]),
                Arg::Uniform(0),
            ];
            run(&mut args, end - begin);
        }
    }
}

/// The best of five runs of the LIF compiled to machine code, as the interpreter's runs
/// above, checked to end in the interpreter's state; `None` where it is not compiled.
pub(crate) fn compiled_lif_time(
    prog: &LaneProgram,
    isyn: &[u32],
    ids: &[u32],
    steps: usize,
) -> Option<std::time::Duration> {
    use ParamKind::{Lanes, Uniform};
    let kinds = [Lanes, Lanes, Lanes, Uniform, Lanes, Uniform];
    let compiled = NativeLanes::compile(prog, &kinds, &[], LaneSums::Given).ok()?;
    let n = isyn.len();
    let (mut vb, mut rb, mut out) = (vec![0u32; n], vec![0u32; n], vec![0u32; MAX_LANES]);
    let mut best = std::time::Duration::MAX;
    for _ in 0..5 {
        vb.fill((-60.0f32).to_bits());
        rb.fill(0);
        let start = std::time::Instant::now();
        run_lif_chunks((&mut vb, &mut rb), isyn, ids, steps, |args, lanes| {
            compiled.run(args, lanes, Some(&mut out), &mut [], &DrawKey::default());
            std::hint::black_box(&out);
        });
        best = best.min(start.elapsed());
    }
    let mut v = vec![(-60.0f32).to_bits(); n];
    let mut r = vec![0u32; n];
    let mut scratch = Scratch::new();
    run_lif_chunks((&mut v, &mut r), isyn, ids, steps, |args, lanes| {
        prog.run(args, lanes, None, &mut NoNatives, &mut scratch);
    });
    assert_eq!(
        (vb, rb),
        (v, r),
        "the compiled LIF ends in the interpreter's state"
    );
    Some(best)
}

#[test]
fn fixed_point_sums_are_converted_scaled_and_cleared_as_the_neuron_update_does() {
    use crate::model::{fixed_to_f32, wide_fixed_to_f32};
    let prog = program("fn f(x: f32) -> f32 { return x; }", "f", &[]);
    let narrow: Vec<i32> = words(300, 4)
        .into_iter()
        .map(|w| w as i32 >> (w % 20))
        .collect();
    let wide: Vec<i64> = words(300, 5)
        .into_iter()
        .zip(words(300, 6))
        .map(|(a, b)| ((i64::from(a) << 32) | i64::from(b)) >> (a % 40))
        .collect();
    let inv_scale = 2f32.powi(-20);
    for is_wide in [false, true] {
        let kind = ParamKind::FixedPoint {
            wide: is_wide,
            inv_scale: inv_scale.to_bits(),
        };
        let compiled = match NativeLanes::compile(&prog, &[kind], &[], LaneSums::Given) {
            Ok(compiled) => compiled,
            Err(NotCompiled::Compiler(_)) if !compiler_required() => {
                return;
            }
            Err(why) => panic!("compiles: {why}"),
        };
        let (mut n32, mut n64) = (narrow.clone(), wide.clone());
        let want: Vec<u32> = match is_wide {
            false => narrow
                .iter()
                .map(|&a| (fixed_to_f32(a) * inv_scale).to_bits())
                .collect(),
            true => wide
                .iter()
                .map(|&a| (wide_fixed_to_f32(a) * inv_scale).to_bits())
                .collect(),
        };
        let sums: &mut [u32] = match is_wide {
            false => bytemuck::cast_slice_mut(&mut n32),
            true => bytemuck::cast_slice_mut(&mut n64),
        };
        let mut got = vec![0; 300];
        compiled.run(
            &mut [Arg::Pointer(sums)],
            300,
            Some(&mut got),
            &mut [],
            &DrawKey::default(),
        );
        assert_eq!(got, want, "wide: {is_wide}");
        if is_wide {
            assert!(n64.iter().all(|&a| a == 0), "the wide sums are cleared");
        } else {
            assert!(n32.iter().all(|&a| a == 0), "the sums are cleared");
        }
    }
}

/// `inSyn`-like state `s` and a value `x`: `s` takes `x` in, and is set to 0.0 on every
/// path, on some, or to 2.0; whether it is therefore left to its start (0.0).
const STEADY: [(&str, &str, bool); 3] = [
    (
        "cleared",
        "fn f(s: ptr<function, f32>, x: f32) -> f32 { let v = *s + x; *s = 0.0; return v * 3.0; }",
        true,
    ),
    (
        "sometimes",
        "fn f(s: ptr<function, f32>, x: f32) -> f32 { let v = *s + x; *s = v; if (x > 0.5) { *s = 0.0; } return v; }",
        false,
    ),
    (
        "set to two",
        "fn f(s: ptr<function, f32>, x: f32) -> f32 { let v = *s + x; *s = 2.0; return v; }",
        false,
    ),
];

#[test]
fn steady_state_set_to_its_start_on_every_path_is_neither_loaded_nor_stored() {
    let n = 200;
    let x: Vec<u32> = words(n, 12)
        .into_iter()
        .map(|w| (w as f32 / u32::MAX as f32).to_bits())
        .collect();
    for (what, source, left_to_start) in STEADY {
        let prog = program(source, "f", &[]);
        let kinds = [ParamKind::Steady { start: 0 }, ParamKind::Lanes];
        let compiled = match NativeLanes::compile(&prog, &kinds, &[], LaneSums::Given) {
            Ok(compiled) => compiled,
            Err(NotCompiled::Compiler(_)) if !compiler_required() => return,
            Err(why) => panic!("{what} compiles: {why}"),
        };
        let run = |s: &mut Vec<u32>, compiled: Option<&NativeLanes>| {
            let mut out = vec![0; n];
            let mut args = [Arg::Pointer(s), Arg::Lanes(&x)];
            match compiled {
                Some(c) => c.run(&mut args, n, Some(&mut out), &mut [], &DrawKey::default()),
                None => prog.run(
                    &mut args,
                    n,
                    Some(&mut out),
                    &mut NoNatives,
                    &mut Scratch::new(),
                ),
            }
            out
        };
        // Three runs from the start, as the state is kept between timesteps: the
        // interpreter's results and state, whatever was left out.
        let (mut s, mut want_s) = (vec![0; n], vec![0; n]);
        for step in 0..3 {
            let got = run(&mut s, Some(&compiled));
            assert_eq!(got, run(&mut want_s, None), "{what}, run {step}");
            assert_eq!(s, want_s, "{what}, run {step}");
        }
        // State that is not at its start shows what the compiled code did with it: left
        // alone where every path clears it, read and written otherwise.
        let stray = vec![7.0f32.to_bits(); n];
        let (mut s, mut want_s) = (stray.clone(), stray.clone());
        let (got, want) = (run(&mut s, Some(&compiled)), run(&mut want_s, None));
        if left_to_start {
            assert_eq!(s, stray, "{what}: neither stored nor loaded");
            assert_eq!(got, run(&mut vec![0; n], None), "{what}: 0.0 taken as s");
        } else {
            assert_eq!((got, s), (want, want_s), "{what}: loaded and stored");
        }
    }
}

#[test]
fn only_a_pointer_is_steady_state() {
    let prog = program("fn f(x: f32) -> f32 { return x; }", "f", &[]);
    let kinds = [ParamKind::Steady { start: 0 }];
    let refusal = NativeLanes::compile(&prog, &kinds, &[], LaneSums::Given).expect_err("a value");
    assert!(matches!(refusal, NotCompiled::Program(ref why) if why.contains("steady")));
}
