//! What the peephole passes and the lowering of `&&` and `||` leave, and that they
//! change no lane's result.

use super::*;
use crate::interpret::program::Instr;

/// The step of a LIF neuron as the CPU backend assembles it compiles to its arithmetic,
/// the masked stores and the branches' skips: no copies in or out of the variables and
/// no temporary for `&&`.
#[test]
fn lif_compiles_to_no_copies() {
    let prog = program(flow::LIF, "kenyon_neuron_step", &[]);
    let code = &prog.program.code;
    assert!(code.len() <= 15, "{code:#?}");
    assert!(
        !code
            .iter()
            .any(|i| matches!(i, Instr::Copy(..) | Instr::Fill(..))),
        "{code:#?}"
    );
}

/// `&&` and `||` in every place naga may put their temporaries: straight-line, under a
/// branch, in a loop, nested, and with a right side that calls a native (which must
/// stay a branch, so inactive lanes draw nothing).
#[test]
fn short_circuits_match_plain_rust() {
    let src = r#"
        fn unused() -> u32 { return 0u; }
        fn draw(tag: u32) -> u32 { return 0u; }
        fn f(a: i32, b: i32, c: ptr<function, i32>) -> u32 {
            var n = 0u;
            let x = a > 0 && b > 0;
            let y = a < 0 || b % 3 == 0;
            if (b > 5) {
                *c = select(*c, *c + 1, (a > 2 && b > 7) || a == -4);
            }
            for (var i = 0; i < 4 && (i < b || i < a); i++) {
                n += u32(i > 1 || a % 2 == 0);
            }
            if (a > 3 && draw(60u) > 150u) { n += 1000u; }
            *c += a;
            return u32(x) | (u32(y) << 1u) | (n << 2u);
        }
    "#;
    let prog = program(src, "f", &["unused", "draw"]);
    let n = 600;
    let a: Vec<u32> = ints(n, 3).iter().map(|&w| (w as i32 % 9) as u32).collect();
    let b: Vec<u32> = ints(n, 4).iter().map(|&w| (w as i32 % 11) as u32).collect();
    let mut cv: Vec<u32> = ints(n, 5);
    let c0 = cv.clone();
    let mut natives = flow::Counter {
        draws: vec![0; n],
        offset: 0,
    };
    let mut out = vec![0; n];
    let mut scratch = Scratch::new();
    for start in (0..n).step_by(200) {
        let lanes = 200.min(n - start);
        natives.offset = start;
        let mut args = [
            Arg::Lanes(&a[start..start + lanes]),
            Arg::Lanes(&b[start..start + lanes]),
            Arg::Pointer(&mut cv[start..start + lanes]),
        ];
        let result = Some(&mut out[start..start + lanes]);
        prog.run(&mut args, lanes, result, &mut natives, &mut scratch);
    }
    for i in 0..n {
        let (a, b, mut c) = (a[i] as i32, b[i] as i32, c0[i] as i32);
        let x = a > 0 && b > 0;
        let y = a < 0 || b % 3 == 0;
        if b > 5 && ((a > 2 && b > 7) || a == -4) {
            c = c.wrapping_add(1);
        }
        let mut m = 0u32;
        let mut k = 0;
        while k < 4 && (k < b || k < a) {
            m += u32::from(k > 1 || a % 2 == 0);
            k += 1;
        }
        let draws = u32::from(a > 3);
        if a > 3 && draws * 100 + 60 > 150 {
            m += 1000;
        }
        c = c.wrapping_add(a);
        let want = u32::from(x) | (u32::from(y) << 1) | (m << 2);
        assert_eq!(
            (out[i], natives.draws[i]),
            (want, draws),
            "lane {i}: a {a}, b {b}"
        );
        assert_eq!(cv[i], c as u32, "lane {i}: a {a}, b {b}");
    }
}

type F2 = fn(f32, f32) -> f32;

/// Two `f32` operations fused into one pass round each result as written, in both
/// operand orders, for every pair of `+ - *`.
#[test]
fn chained_float_operations_round_each_step() {
    let ops: [(&str, F2); 3] = [
        ("+", |x, y| x + y),
        ("-", |x, y| x - y),
        ("*", |x, y| x * y),
    ];
    let mut src = String::new();
    let mut cases = Vec::new();
    for (i, &(o1, f1)) in ops.iter().enumerate() {
        for (j, &(o2, f2)) in ops.iter().enumerate() {
            src += &format!(
                "fn l{i}{j}(a: f32, b: f32, c: f32) -> f32 {{ return (a {o1} b) {o2} c; }}\n"
            );
            src += &format!(
                "fn r{i}{j}(a: f32, b: f32, c: f32) -> f32 {{ return c {o2} (a {o1} b); }}\n"
            );
            cases.push((format!("l{i}{j}"), f1, f2, false));
            cases.push((format!("r{i}{j}"), f1, f2, true));
        }
    }
    let inputs = [floats(900, 1), floats(900, 2), floats(900, 3)];
    for (name, f1, f2, swap) in cases {
        let prog = program(&src, &name, &[]);
        assert!(
            prog.program
                .code
                .iter()
                .any(|i| matches!(i, Instr::Chain { .. })),
            "{name}: {:?}",
            prog.program.code
        );
        check(&prog, &inputs, |x| {
            let t = f1(f(x[0]), f(x[1]));
            let c = f(x[2]);
            (if swap { f2(c, t) } else { f2(t, c) }).to_bits()
        });
    }
}
