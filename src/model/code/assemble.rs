//! Assembles a neuron model's code strings into one WGSL function, remembering where each
//! code string landed so naga's errors can be told in the user's own lines and columns.
//!
//! The function, as the CPU runs it:
//!
//! ```text
//! fn kenyon_neuron_step(kenyon_var_0: ptr<function, f32>, ...,      // the variables
//!                       kenyon_in_syn_0: ptr<function, f32>, kenyon_input_0: f32, ...,
//!                       t: f32, id: u32, batch: u32) -> bool {
//!     const Vthresh: f32 = -50.0f;        // parameters, derived parameters, dt
//!     {                                   // each code postsynaptic model, in order
//!         const E: f32 = 0.0f;            // its parameters
//!         let V: f32 = *kenyon_var_0;     // the neuron's variables, read-only
//!         var inSyn: f32 = *kenyon_in_syn_0 + kenyon_input_0;
//!         { <postsynaptic sim_code> }     // injectCurrent(x) adds to Isyn
//!         *kenyon_in_syn_0 = inSyn;
//!     }
//!     let Isyn: f32 = kenyon_isyn();      // every input, summed
//!     var V: f32 = *kenyon_var_0;         // `let` for read-only variables
//!     { <sim_code> }
//!     let kenyon_spiked: bool = (<threshold_condition_code>);
//!     if kenyon_spiked { <reset_code> }
//!     {                                   // each weight-update model's side, in order
//!         let V: f32 = V;                 // the neuron's variables, read-only
//!         var preTrace: f32 = *kenyon_var_2;
//!         { <pre_dynamics_code> }
//!         if kenyon_spiked { <pre_spike_code> }
//!         *kenyon_var_2 = preTrace;
//!     }
//!     *kenyon_var_0 = V;
//!     return kenyon_spiked;
//! }
//! ```
//!
//! `injectCurrent` and `kenyon_isyn` work on the neuron's input, which the backend sets
//! before the call to the sum of its built-in inputs (synapse groups with built-in
//! postsynaptic models, then current sources).
//!
//! The GPU runs the same function with its float constants written as
//! `kenyon_f32(bits)` (see `opaque.rs`), and a different prelude: its `product` is the
//! rounding guard of `shaders/shared/step_params.wgsl` and its `rand_*` draw from Philox
//! in WGSL; the CPU's are stubs the interpreter replaces with native code.

use super::VarAccess;
use super::compiled::NativeFn;

/// The function's name.
pub(crate) const STEP_FN: &str = "kenyon_neuron_step";

/// Which code string a piece of the assembled text came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeString {
    /// `sim_code`.
    Sim,
    /// `threshold_condition_code`.
    ThresholdCondition,
    /// `reset_code`.
    Reset,
    /// The `sim_code` of an incoming synapse group's postsynaptic model.
    PostsynapticSim,
    /// The `injection_code` of a current source's model.
    Injection,
    /// A weight-update model's `pre_spike_syn_code`.
    PreSpikeSyn,
    /// A weight-update model's `post_spike_syn_code`.
    PostSpikeSyn,
    /// A weight-update model's `pre_dynamics_code`.
    PreDynamics,
    /// A weight-update model's `post_dynamics_code`.
    PostDynamics,
    /// A weight-update model's `pre_spike_code`.
    PreSpike,
    /// A weight-update model's `post_spike_code`.
    PostSpike,
}

impl CodeString {
    /// The field's name, as GeNN spells it.
    pub fn name(self) -> &'static str {
        match self {
            CodeString::Sim | CodeString::PostsynapticSim => "sim_code",
            CodeString::ThresholdCondition => "threshold_condition_code",
            CodeString::Reset => "reset_code",
            CodeString::Injection => "injection_code",
            CodeString::PreSpikeSyn => "pre_spike_syn_code",
            CodeString::PostSpikeSyn => "post_spike_syn_code",
            CodeString::PreDynamics => "pre_dynamics_code",
            CodeString::PostDynamics => "post_dynamics_code",
            CodeString::PreSpike => "pre_spike_code",
            CodeString::PostSpike => "post_spike_code",
        }
    }
}

/// Where one code string sits in the assembled text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Placed {
    pub which: CodeString,
    /// Whose code it is, for errors: the population's, or a synapse group's.
    pub owner: String,
    /// The model's kind and name, for errors: "neuron model 'LIF'".
    pub model: String,
    /// Byte offset of the code string's first byte in the function's text.
    pub at: usize,
    /// The code string as the user wrote it.
    pub text: String,
}

/// The assembled function and where the user's code strings are in it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Assembled {
    pub function: String,
    pub placed: Vec<Placed>,
}

/// A named constant of the function: a parameter, derived parameter or `dt`.
pub(crate) struct Constant<'a> {
    pub name: &'a str,
    pub value: f32,
}

/// A state variable as the function sees it.
pub(crate) struct StateVar<'a> {
    pub name: &'a str,
    pub ty: &'static str,
    pub access: VarAccess,
}

/// One code string and whose it is.
pub(crate) struct Snippet<'a> {
    pub owner: &'a str,
    pub model: &'a str,
    pub text: &'a str,
}

/// The postsynaptic model of one incoming synapse group.
pub(crate) struct Postsynaptic<'a> {
    pub constants: Vec<Constant<'a>>,
    /// The additional input variable its `injectCurrent` adds to, if not `Isyn`.
    pub target: Option<u32>,
    /// Its variables: the function's after every current source's and side's.
    pub vars: Vec<StateVar<'a>>,
    pub code: Snippet<'a>,
}

/// A current source's model, whose variables follow the neuron's (and earlier
/// sources') in the function's parameters.
pub(crate) struct CurrentSource<'a> {
    pub constants: Vec<Constant<'a>>,
    pub vars: Vec<StateVar<'a>>,
    pub code: Snippet<'a>,
}

/// One side (pre- or postsynaptic) of a weight-update model of a synapse group that
/// the population is on: its variables follow the current sources' in the function's
/// parameters.
pub(crate) struct SynapseSide<'a> {
    pub constants: Vec<Constant<'a>>,
    pub vars: Vec<StateVar<'a>>,
    /// `pre_dynamics_code` or `post_dynamics_code`.
    pub dynamics: Snippet<'a>,
    /// `pre_spike_code` or `post_spike_code`.
    pub spike: Snippet<'a>,
    /// Whether this is the presynaptic side.
    pub pre: bool,
}

/// The neuron model's code strings and its inputs' code.
pub(crate) struct Code<'a> {
    /// The neuron model's additional input variables.
    pub additional_inputs: Vec<&'a str>,
    pub postsynaptic: Vec<Postsynaptic<'a>>,
    pub current_sources: Vec<CurrentSource<'a>>,
    pub synapse_sides: Vec<SynapseSide<'a>>,
    pub sim: Snippet<'a>,
    pub threshold: Snippet<'a>,
    pub reset: Snippet<'a>,
}

/// How the step function's float constants are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Constants {
    /// As `const`s with literal values: what the CPU runs.
    Literal,
    /// As `kenyon_f32(bits)`, a value no shader compiler can see: what the GPU runs
    /// (see `opaque.rs`).
    Opaque,
}

/// The text of the step function as it is assembled, with where each code string went.
struct Text {
    f: String,
    placed: Vec<Placed>,
    style: Constants,
}

impl Text {
    fn place(&mut self, which: CodeString, snippet: &Snippet<'_>, text: &str) {
        self.placed.push(Placed {
            which,
            owner: snippet.owner.to_owned(),
            model: snippet.model.to_owned(),
            at: self.f.len(),
            text: text.to_owned(),
        });
        self.f += text;
    }

    fn constants(&mut self, constants: &[Constant<'_>], indent: &str) {
        for c in constants {
            self.f += &match self.style {
                Constants::Literal => {
                    format!(
                        "{indent}const {}: f32 = {};\n",
                        c.name,
                        f32_literal(c.value)
                    )
                }
                Constants::Opaque => {
                    format!("{indent}let {}: f32 = {};\n", c.name, opaque_f32(c.value))
                }
            };
        }
    }

    /// The block of incoming group `k`'s postsynaptic model, whose own variables are the
    /// function's from `first`: its input joins `inSyn`, and its code sees the neuron's
    /// variables `vars`, read-only.
    fn postsynaptic(
        &mut self,
        k: usize,
        psm: &Postsynaptic<'_>,
        vars: &[StateVar<'_>],
        first: usize,
    ) {
        self.f += "    {\n";
        self.constants(&psm.constants, "        ");
        for (i, v) in vars.iter().enumerate() {
            self.f += &format!("        let {}: {} = *kenyon_var_{i};\n", v.name, v.ty);
        }
        self.load_vars(&psm.vars, first);
        self.f += &format!("        var inSyn: f32 = *kenyon_in_syn_{k} + kenyon_input_{k};\n");
        if let Some(m) = psm.target {
            self.f += &format!("        kenyon_inject_target({}u);\n", m + 1);
        }
        self.f += "        {\n";
        self.place(CodeString::PostsynapticSim, &psm.code, psm.code.text);
        self.f += &format!("\n        }}\n        *kenyon_in_syn_{k} = inSyn;\n");
        if psm.target.is_some() {
            self.f += "        kenyon_inject_target(0u);\n";
        }
        self.store_vars(&psm.vars, first);
        self.f += "    }\n";
    }

    /// Local copies of `vars`, the function's variables from `first` (`let` for
    /// read-only ones), in a block.
    fn load_vars(&mut self, vars: &[StateVar<'_>], first: usize) {
        for (i, v) in (first..).zip(vars) {
            let binding = match v.access {
                VarAccess::ReadWrite => "var",
                VarAccess::ReadOnly => "let",
            };
            self.f += &format!(
                "        {binding} {}: {} = *kenyon_var_{i};\n",
                v.name, v.ty
            );
        }
    }

    /// Stores the copies [`load_vars`](Self::load_vars) made of the read-write ones.
    fn store_vars(&mut self, vars: &[StateVar<'_>], first: usize) {
        for (i, v) in (first..).zip(vars) {
            if v.access == VarAccess::ReadWrite {
                self.f += &format!("        *kenyon_var_{i} = {};\n", v.name);
            }
        }
    }

    /// The block of a current source whose variables are the function's from `first`.
    fn current_source(&mut self, source: &CurrentSource<'_>, first: usize) {
        self.f += "    {\n";
        self.constants(&source.constants, "        ");
        self.load_vars(&source.vars, first);
        self.f += "        {\n";
        self.place(CodeString::Injection, &source.code, source.code.text);
        self.f += "\n        }\n";
        self.store_vars(&source.vars, first);
        self.f += "    }\n";
    }

    /// The block of a weight-update model's side whose variables are the function's from
    /// `first`: its dynamics every timestep, then its spike code where the neuron spiked.
    fn synapse_side(&mut self, side: &SynapseSide<'_>, first: usize, neuron: &[StateVar<'_>]) {
        // The neuron's variables are in scope, read-only: a side's code can read `V`
        // but can't change the neuron.
        self.f += "    {\n";
        for v in neuron {
            self.f += &format!("    let {0}: {1} = {0};\n", v.name, v.ty);
        }
        self.f += "    {\n";
        self.constants(&side.constants, "        ");
        self.load_vars(&side.vars, first);
        let (dynamics, spike) = match side.pre {
            true => (CodeString::PreDynamics, CodeString::PreSpike),
            false => (CodeString::PostDynamics, CodeString::PostSpike),
        };
        self.f += "        {\n";
        self.place(dynamics, &side.dynamics, side.dynamics.text);
        self.f += "\n        }\n        if kenyon_spiked {\n";
        self.place(spike, &side.spike, side.spike.text);
        self.f += "\n        }\n";
        self.store_vars(&side.vars, first);
        self.f += "    }\n    }\n";
    }
}

/// Assembles the step function.
pub(crate) fn neuron_step(
    constants: &[Constant<'_>],
    vars: &[StateVar<'_>],
    code: &Code<'_>,
    style: Constants,
) -> Assembled {
    let mut f = format!("fn {STEP_FN}(");
    let source_vars = code.current_sources.iter().flat_map(|c| &c.vars);
    let side_vars = code.synapse_sides.iter().flat_map(|c| &c.vars);
    let psm_vars = code.postsynaptic.iter().flat_map(|c| &c.vars);
    let all = vars.iter().chain(source_vars).chain(side_vars);
    for (i, v) in all.clone().chain(psm_vars).enumerate() {
        f += &format!("kenyon_var_{i}: ptr<function, {}>, ", v.ty);
    }
    for k in 0..code.postsynaptic.len() {
        f += &format!("kenyon_in_syn_{k}: ptr<function, f32>, kenyon_input_{k}: f32, ");
    }
    f += "t: f32, id: u32, batch: u32) -> bool {\n";
    let mut text = Text {
        f,
        placed: Vec::new(),
        style,
    };
    text.constants(constants, "    ");
    let mut first = all.count();
    for (k, psm) in code.postsynaptic.iter().enumerate() {
        text.postsynaptic(k, psm, vars, first);
        first += psm.vars.len();
    }
    let mut first = vars.len();
    for source in &code.current_sources {
        text.current_source(source, first);
        first += source.vars.len();
    }
    text.f += "    let Isyn: f32 = kenyon_isyn();\n";
    for (m, name) in code.additional_inputs.iter().enumerate() {
        text.f += &format!("    let {name}: f32 = kenyon_input({m}u);\n");
    }
    for (i, v) in vars.iter().enumerate() {
        let binding = match v.access {
            VarAccess::ReadWrite => "var",
            VarAccess::ReadOnly => "let",
        };
        text.f += &format!("    {binding} {}: {} = *kenyon_var_{i};\n", v.name, v.ty);
    }
    text.f += "    {\n";
    text.place(CodeString::Sim, &code.sim, code.sim.text);
    text.f += "\n    }\n    let kenyon_spiked: bool = (\n";
    // GeNN's threshold is an expression; a trailing semicolon is forgiven, and a model
    // without one never spikes.
    let threshold = match code.threshold.text.trim_end() {
        "" => "false",
        threshold => threshold,
    };
    let threshold = threshold.strip_suffix(';').unwrap_or(threshold);
    text.place(CodeString::ThresholdCondition, &code.threshold, threshold);
    text.f += "\n    );\n    if kenyon_spiked {\n";
    text.place(CodeString::Reset, &code.reset, code.reset.text);
    text.f += "\n    }\n";
    for side in &code.synapse_sides {
        text.synapse_side(side, first, vars);
        first += side.vars.len();
    }
    for (i, v) in vars.iter().enumerate() {
        if v.access == VarAccess::ReadWrite {
            text.f += &format!("    *kenyon_var_{i} = {};\n", v.name);
        }
    }
    text.f += "    return kenyon_spiked;\n}\n";
    Assembled {
        function: text.f,
        placed: text.placed,
    }
}

/// The CPU's prelude: `product` unguarded (the CPU rounds every product) and stubs of
/// the native functions and extra global parameters, which the interpreter runs
/// natively.
pub(crate) fn cpu_prelude(extra_global_params: &[String]) -> String {
    let mut prelude = String::from("fn product(a: f32, b: f32) -> f32 { return a * b; }\n");
    for native in NativeFn::ALL {
        prelude += native.stub();
        prelude += "\n";
    }
    for name in extra_global_params {
        prelude += &format!("fn {name}(i: u32) -> f32 {{ return 0.0; }}\n");
    }
    prelude
}

/// The GPU's `kenyon_f32` as the GPU's text of a function is checked with (its
/// signature; the kernel's own hides the bits from the compiler).
pub(crate) const KENYON_F32_STUB: &str =
    "fn kenyon_f32(bits: u32) -> f32 { return bitcast<f32>(bits); }\n";

/// `x` as a call of the GPU's `kenyon_f32`, which returns it through an OR with a zero
/// the shader compiler can't see.
pub(crate) fn opaque_f32(x: f32) -> String {
    format!("kenyon_f32({:#010x}u)", x.to_bits())
}

/// `x` as a WGSL f32 literal that parses back to the same bits: Rust's shortest
/// round-trip digits with the `f` suffix (parsed straight to f32, never through an
/// abstract float's f64). `x` is finite.
pub(crate) fn f32_literal(x: f32) -> String {
    let digits = format!("{x:?}");
    match digits.strip_prefix('-') {
        // A negative literal is a negation: parenthesised, it binds as written.
        Some(magnitude) => format!("(-{magnitude}f)"),
        None => format!("{digits}f"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_literals_parse_back_to_the_same_bits() {
        let values = [
            0.0f32,
            -0.0,
            0.1,
            -60.0,
            0.995_012_5,
            1e-7,
            f32::MIN_POSITIVE,
            1e-45,
            f32::MAX,
            f32::MIN,
            16_777_217.0,
            3.402_823_5e38,
        ];
        let mut source = String::new();
        for (i, &x) in values.iter().enumerate() {
            source += &format!("const C{i}: f32 = {};\n", f32_literal(x));
        }
        let module = naga::front::wgsl::parse_str(&source).expect("literals parse");
        for (i, &x) in values.iter().enumerate() {
            let (_, constant) = module
                .constants
                .iter()
                .find(|(_, c)| c.name.as_deref() == Some(&format!("C{i}")))
                .expect("constant present");
            let got = match module.global_expressions[constant.init] {
                naga::Expression::Literal(naga::Literal::F32(v)) => v,
                ref e => panic!("C{i} = {x}: not folded to a literal: {e:?}"),
            };
            assert_eq!(got.to_bits(), x.to_bits(), "C{i} = {x:?}");
        }
    }
}
