//! Built-in exponential inputs taken inside the compiled code ([`LaneSums::FromExpCurr`])
//! against the CPU's built-in update of them: `ExpCurr::update_lanes` after converting
//! the sums (an unstamped word's input there is a literal 0.0).

use super::super::*;
use super::compiler_required;
use crate::interpret::tests::{program, words};
use crate::model::{PostsynapticModel, fixed_to_f32, wide_fixed_to_f32};

/// Lanes: four spike words and a partial one.
const N: usize = 150;

/// `inSyn` values with the edge cases an update can meet: both zeros, tiny and huge
/// values, infinities and a NaN, then ordinary currents of either sign.
fn in_syn_values(seed: u32) -> Vec<f32> {
    let edges = [
        0.0,
        -0.0,
        1e-40,
        -1e-40,
        3e38,
        -3e38,
        f32::INFINITY,
        f32::NAN,
    ];
    let ordinary = words(N, seed)
        .into_iter()
        .map(|w| (w as i32) as f32 * 2f32.powi(-28));
    edges.into_iter().chain(ordinary).take(N).collect()
}

/// Sums with a run of zeros (an unstamped word: lanes 32..64) and values of every size.
fn narrow_sums() -> Vec<i32> {
    let mut sums: Vec<i32> = words(N, 21)
        .into_iter()
        .map(|w| w as i32 >> (w % 24))
        .collect();
    sums[32..64].fill(0);
    sums
}

fn wide_sums() -> Vec<i64> {
    let mut sums: Vec<i64> = words(N, 22)
        .into_iter()
        .zip(words(N, 23))
        .map(|(a, b)| ((i64::from(a) << 32) | i64::from(b)) >> (a % 48))
        .collect();
    sums[64..96].fill(0);
    sums
}

/// `(Isyn, inSyn of the narrow group, inSyn of the wide group)` after one timestep of
/// the CPU's built-in update: the narrow group's input first, then the wide one's.
fn built_in_update(
    constants: [crate::model::PostsynapticConstants; 2],
    inv_scale: [f32; 2],
    (narrow, wide): (&[i32], &[i64]),
    (s0, s1): (&[f32], &[f32]),
) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let (mut isyn_out, mut s0_out, mut s1_out) = (Vec::new(), Vec::new(), Vec::new());
    for lo in (0..N).step_by(32) {
        let hi = (lo + 32).min(N);
        let word = |values: &[f32]| {
            let mut lanes = [0.0f32; 32];
            lanes[..hi - lo].copy_from_slice(&values[lo..hi]);
            lanes
        };
        // A word whose sums are all zero is one the synapse update didn't stamp.
        let input = |converted: Vec<f32>| match converted[lo..hi].iter().all(|&x| x == 0.0) {
            true => [0.0f32; 32],
            false => word(&converted),
        };
        let x0 = input(
            narrow
                .iter()
                .map(|&a| fixed_to_f32(a) * inv_scale[0])
                .collect(),
        );
        let x1 = input(
            wide.iter()
                .map(|&a| wide_fixed_to_f32(a) * inv_scale[1])
                .collect(),
        );
        let (mut a, mut b) = (word(s0), word(s1));
        let mut isyn = [0.0f32; 32];
        constants[0].update_lanes(&mut isyn, &mut a, &x0);
        constants[1].update_lanes(&mut isyn, &mut b, &x1);
        isyn_out.extend(isyn[..hi - lo].iter().map(|x| x.to_bits()));
        s0_out.extend(a[..hi - lo].iter().map(|x| x.to_bits()));
        s1_out.extend(b[..hi - lo].iter().map(|x| x.to_bits()));
    }
    (isyn_out, s0_out, s1_out)
}

#[test]
fn built_in_inputs_taken_in_the_compiled_code_give_the_built_in_updates_bits() {
    let constants = [
        PostsynapticModel::ExpCurr { tau: 5.0 }.derive(0.1),
        PostsynapticModel::ExpCurr { tau: 10.0 }.derive(0.1),
    ];
    let inv_scale = [2f32.powi(-20), 2f32.powi(-36)];
    let inputs: Vec<ExpCurrInput> = (0..2)
        .map(|g| ExpCurrInput {
            init: constants[g].init.to_bits(),
            exp_decay: constants[g].exp_decay.to_bits(),
            wide: g == 1,
            inv_scale: inv_scale[g].to_bits(),
        })
        .collect();
    // A step function that returns `Isyn`, and one that reads no input at all: the
    // inputs' `inSyn` decay and their sums are taken either way.
    let reads_isyn = program(
        "fn isyn() -> f32 { return 0.0; } fn f() -> f32 { return isyn(); }",
        "f",
        &["isyn"],
    );
    let reads_nothing = program("fn f() -> f32 { return 1.5; }", "f", &[]);
    for (prog, natives, reads) in [
        (reads_isyn, &[LaneNative::ReadSum(0)][..], true),
        (reads_nothing, &[][..], false),
    ] {
        let sums = LaneSums::FromExpCurr(inputs.clone());
        let compiled = match NativeLanes::compile(&prog, &[], natives, sums) {
            Ok(compiled) => compiled,
            Err(NotCompiled::Compiler(_)) if !compiler_required() => return,
            Err(why) => panic!("compiles: {why}"),
        };
        assert_eq!(compiled.exp_curr_inputs(), Some(&inputs[..]));
        let (s0, s1) = (in_syn_values(11), in_syn_values(12));
        let (narrow, wide) = (narrow_sums(), wide_sums());
        let want = built_in_update(constants, inv_scale, (&narrow, &wide), (&s0, &s1));
        let mut e0: Vec<u32> = s0.iter().map(|x| x.to_bits()).collect();
        let mut e1: Vec<u32> = s1.iter().map(|x| x.to_bits()).collect();
        let (mut x0, mut x1) = (narrow.clone(), wide.clone());
        let mut got = vec![0; N];
        let mut slices = [
            &mut e0[..],
            bytemuck::cast_slice_mut(&mut x0),
            &mut e1[..],
            bytemuck::cast_slice_mut(&mut x1),
        ];
        compiled.run(&mut [], N, Some(&mut got), &mut slices, &DrawKey::default());
        match reads {
            true => assert_eq!(got, want.0, "Isyn"),
            false => assert!(got.iter().all(|&r| r == 1.5f32.to_bits())),
        }
        assert_eq!((e0, e1), (want.1, want.2), "inSyn (reads Isyn: {reads})");
        assert!(
            x0.iter().all(|&a| a == 0) && x1.iter().all(|&a| a == 0),
            "cleared"
        );
    }
}

#[test]
fn more_built_in_inputs_than_a_run_passes_are_not_compiled() {
    let input = ExpCurrInput {
        init: 1f32.to_bits(),
        exp_decay: 0.5f32.to_bits(),
        wide: false,
        inv_scale: 1f32.to_bits(),
    };
    let prog = program("fn f() -> f32 { return 1.0; }", "f", &[]);
    let sums = LaneSums::FromExpCurr(vec![input; MAX_EXP_CURR_INPUTS + 1]);
    match NativeLanes::compile(&prog, &[], &[], sums) {
        Err(NotCompiled::Program(why)) => assert!(why.contains("built-in inputs"), "{why}"),
        other => panic!("refused before compiling: {other:?}"),
    }
}
