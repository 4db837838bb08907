//! Mistakes in code strings are reported at build time in the user's own text.

use std::sync::Arc;

use super::assemble::CodeString;
use super::{CodeError, CodeNeuron, CompiledNeuron, NeuronModelDef, Target, Var, VarInit};

/// A small model with `sim_code` as given and a working threshold and reset.
fn model(sim_code: &str) -> NeuronModelDef {
    NeuronModelDef {
        name: "Leaky".into(),
        params: vec!["Vthresh".into(), "k".into()],
        derived_params: vec![],
        vars: vec![Var::f32("V"), Var::f32("gain").read_only()],
        extra_global_params: vec![],
        additional_input_vars: vec![],
        sim_code: sim_code.into(),
        threshold_condition_code: "V >= Vthresh".into(),
        reset_code: "V = 0.0;".into(),
    }
}

fn population(model: NeuronModelDef) -> CodeNeuron {
    CodeNeuron::new(Arc::new(model))
        .param("Vthresh", 1.0)
        .param("k", 0.3)
        .init("V", VarInit::Constant(0.0))
        .init("gain", VarInit::Constant(2.0))
}

fn compile(code: &CodeNeuron) -> Result<CompiledNeuron, CodeError> {
    let at = Target {
        owner: "neuron population 'cells'",
        size: 10,
        dt: 0.1,
        seed: 1,
        population: 0,
    };
    CompiledNeuron::new(code, &[], &[], &[], &at)
}

fn error(code: &CodeNeuron) -> CodeError {
    compile(code).expect_err("the code is wrong")
}

#[test]
fn a_correct_model_compiles() {
    let compiled = compile(&population(model("V += Isyn;\nV = V - product(k, V);"))).unwrap();
    assert_eq!(compiled.vars.len(), 2);
    assert_eq!(compiled.init[1], vec![2.0f32.to_bits(); 10]);
}

#[test]
fn a_syntax_error_is_placed_in_the_users_line_and_column() {
    let e = error(&population(model("V += Isyn;\nV = V +* 2.0;")));
    assert_eq!(e.code_string, Some(CodeString::Sim), "{e}");
    assert_eq!((e.line, e.column), (2, 8), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("cells") && text.contains("Leaky") && text.contains("sim_code line 2"),
        "{text}"
    );
    assert!(text.contains("V = V +* 2.0;"), "{text}");
}

#[test]
fn an_unknown_name_is_named_where_it_is_used() {
    let e = error(&population(model("V += Isyn;\n  V += Vrest;")));
    assert_eq!(
        (e.code_string, e.line, e.column),
        (Some(CodeString::Sim), 2, 8),
        "{e}"
    );
    assert!(
        e.message.contains("Vrest") || e.to_string().contains("Vrest"),
        "{e}"
    );
}

#[test]
fn a_type_error_is_placed() {
    let e = error(&population(model("V += 1u;")));
    assert_eq!(e.code_string, Some(CodeString::Sim), "{e}");
    assert_eq!(e.line, 1, "{e}");
}

#[test]
fn mistakes_in_the_threshold_and_reset_are_placed_in_them() {
    let mut m = model("V += Isyn;");
    m.threshold_condition_code = "V >= Vthreshold".into();
    let e = error(&population(m));
    assert_eq!(
        (e.code_string, e.line, e.column),
        (Some(CodeString::ThresholdCondition), 1, 6),
        "{e}"
    );
    let mut m = model("V += Isyn;");
    m.reset_code = "V = 0.0;\ngain = 1.0;".into();
    let e = error(&population(m));
    assert_eq!((e.code_string, e.line), (Some(CodeString::Reset), 2), "{e}");
}

#[test]
fn a_product_that_a_gpu_could_fuse_into_an_add_is_refused_with_the_fix() {
    let e = error(&population(model("V += k * Isyn;")));
    assert_eq!((e.code_string, e.line), (Some(CodeString::Sim), 1), "{e}");
    assert!(e.message.contains("product(a, b)"), "{e}");
    // A product by a power of two is exact, and product() rounds on its own.
    compile(&population(model("V += 0.5 * Isyn + product(k, V);"))).unwrap();
    // A product may go into product(): it only multiplies again.
    compile(&population(model("V += product(k * Isyn, k);"))).unwrap();
}

#[test]
fn declarations_and_values_that_do_not_match_are_named() {
    let cases: Vec<(CodeNeuron, &str)> = vec![
        (
            CodeNeuron::new(Arc::new(model("V += Isyn;"))).param("Vthresh", 1.0),
            "parameter k has no value",
        ),
        (
            population(model("")).param("Vthresold", 1.0),
            "Vthresold, which is not a parameter",
        ),
        (
            population(model("")).init("W", VarInit::Constant(0.0)),
            "W, which is not a variable",
        ),
        (
            population(model("")).param("k", f64::INFINITY),
            "parameter k = inf",
        ),
        (
            population(model("")).init("V", VarInit::Values(vec![0.0; 3])),
            "3 values were given for a population of 10",
        ),
    ];
    for (code, want) in cases {
        let e = error(&code).to_string();
        assert!(e.contains(want), "{e}\nwanted: {want}");
    }
    let mut with_array = model("");
    with_array.extra_global_params.push("w".into());
    let e = error(&population(with_array.clone())).to_string();
    assert!(e.contains("extra global parameter w has no values"), "{e}");
    let e = error(&population(with_array).extra_global_param("w", vec![f32::NAN])).to_string();
    assert!(e.contains("w: value #0 is not finite"), "{e}");
    let mut clash = model("");
    clash.params.push("dt".into());
    assert!(
        error(&population(clash).param("dt", 1.0))
            .to_string()
            .contains("'dt' is a name kenyon gives")
    );
    let mut twice = model("");
    twice.vars.push(Var::f32("k"));
    assert!(
        error(&population(twice).init("k", VarInit::Constant(0.0)))
            .to_string()
            .contains("'k' is declared twice")
    );
}

#[test]
fn code_strings_cannot_reach_into_the_kernel_around_them() {
    // A brace that closes the function early is a syntax error, not a way out.
    let e = error(&population(model("V += Isyn; }\nfn evil() {")));
    assert_eq!(e.code_string, Some(CodeString::Sim), "{e}");
    // Nor is closing it properly and opening a function of the same shape after it.
    let escape = "V += Isyn; } return false; }
fn main(kenyon_var_0: ptr<function, f32>, kenyon_var_1: ptr<function, f32>, t: f32, id: u32, batch: u32) -> bool { const Vthresh: f32 = 1.0; var V: f32 = 0.0; {";
    let e = error(&population(model(escape)));
    assert!(e.message.contains("outside"), "{e}");
    for global in [
        "V += Isyn; }\nconst evil = 1.0;\nfn f() {",
        "V += Isyn; }\nstruct S { x: f32 }\nfn f() {",
    ] {
        assert!(compile(&population(model(global))).is_err(), "{global}");
    }
}

#[test]
fn calls_folded_into_constants_and_float_literals_reach_the_gpu_whole() {
    // naga folds calls of constants; the GPU's text replaces the whole call.
    for code in [
        "V = V + min(k, 1.0);",
        "V += exp(-dt / k);",
        "V = select(V, k, true) + abs(-2.5);",
    ] {
        let compiled = compile(&population(model(code))).unwrap_or_else(|e| panic!("{code}: {e}"));
        assert!(
            !compiled.gpu_function.contains("1.0") && !compiled.gpu_function.contains("2.5"),
            "{}",
            compiled.gpu_function
        );
    }
}

#[test]
fn a_conversion_does_not_hide_a_product_from_the_fusion_check() {
    for code in ["V = f32(k * V) + Isyn;", "V = bitcast<f32>(k * V) + Isyn;"] {
        let e = error(&population(model(code)));
        assert!(e.message.contains("product(a, b)"), "{code}: {e}");
    }
}

#[test]
fn common_slips_are_placed_or_named() {
    // A missing semicolon is placed at the end of the code string.
    let e = error(&population(model("V += Isyn")));
    assert_eq!(
        (e.code_string, e.line, e.column),
        (Some(CodeString::Sim), 1, 10),
        "{e}"
    );
    // Keywords and WGSL's own names can't name a parameter.
    for name in ["static", "f32", "exp"] {
        let mut m = model("");
        m.params.push(name.into());
        let e = error(&population(m).param(name, 1.0)).to_string();
        assert!(e.contains(&format!("'{name}'")), "{e}");
    }
    // A model without a threshold never spikes.
    let mut m = model("V += Isyn;");
    m.threshold_condition_code = String::new();
    compile(&population(m)).unwrap();
}
